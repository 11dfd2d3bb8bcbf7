#include "events/schedule.h"

#include <cctype>
#include <vector>

namespace stratus::events::schedule {

namespace {

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// A number (at most 4 digits) or, with names, a name whose index + base is the value: -1 if neither.
int value_of(std::string_view s, const char* const* names, int count, int base) {
  if (all_digits(s)) {
    if (s.size() > 4) return -1;
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
  }
  if (!names || s.size() != 3) return -1;
  for (int i = 0; i < count; ++i) {
    bool eq = true;
    for (int k = 0; k < 3; ++k) eq = eq && std::toupper(static_cast<unsigned char>(s[k])) == names[i][k];
    if (eq) return i + base;
  }
  return -1;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) return out;
    start = p + 1;
  }
}

struct FieldSpec {
  const char* name;
  int lo, hi;
  const char* const* names = nullptr;
  int name_count = 0, name_base = 0;
};

// `*`, values, ranges (wrapping), steps and comma lists into allowed[lo..hi]. Empty reason: ok.
std::string parse_list(std::string_view field, const FieldSpec& f, std::vector<bool>& allowed) {
  allowed.assign(static_cast<size_t>(f.hi) + 1, false);
  const std::string bad = std::string("invalid ") + f.name + " field: " + std::string(field);
  for (std::string_view part : split(field, ',')) {
    int step = 1;
    bool stepped = false;
    if (size_t slash = part.find('/'); slash != std::string_view::npos) {
      step = value_of(part.substr(slash + 1), nullptr, 0, 0);
      if (step < 1) return bad;
      stepped = true;
      part = part.substr(0, slash);
    }
    int a = f.lo, b = f.hi;
    if (part == "*") {
    } else if (size_t dash = part.find('-'); dash != std::string_view::npos) {
      a = value_of(part.substr(0, dash), f.names, f.name_count, f.name_base);
      b = value_of(part.substr(dash + 1), f.names, f.name_count, f.name_base);
    } else {
      a = value_of(part, f.names, f.name_count, f.name_base);
      b = stepped ? f.hi : a;
    }
    if (a < f.lo || a > f.hi || b < f.lo || b > f.hi) return bad;
    // a..b, wrapping past hi to lo when b < a; every step-th value.
    const int span = f.hi - f.lo + 1;
    const int count = (b - a + span) % span + 1;
    for (int k = 0; k < count; k += step) allowed[static_cast<size_t>(f.lo + (a - f.lo + k) % span)] = true;
  }
  return {};
}

template <size_t N>
void copy_bits(const std::vector<bool>& from, std::bitset<N>& to, int offset = 0) {
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] && i >= static_cast<size_t>(offset) && i - offset < N) to.set(i - offset);
}

std::string parse_dom(std::string_view f, Cron& c) {
  if (f == "?") return c.dom_any = true, std::string();
  if (f == "L") return c.dom_last = true, std::string();
  if (f == "LW") return c.dom_last_weekday = true, std::string();
  if (f.size() >= 2 && f.back() == 'W') {
    int n = value_of(f.substr(0, f.size() - 1), nullptr, 0, 0);
    if (n < 1 || n > 31) return "invalid day-of-month field: " + std::string(f);
    c.dom_nearest_weekday = n;
    return {};
  }
  std::vector<bool> v;
  if (auto r = parse_list(f, {"day-of-month", 1, 31}, v); !r.empty()) return r;
  copy_bits(v, c.dom);
  return {};
}

std::string parse_dow(std::string_view f, Cron& c) {
  const std::string bad = "invalid day-of-week field: " + std::string(f);
  if (f == "?") return c.dow_any = true, std::string();
  if (f == "L") return c.dow.set(7), std::string();
  if (size_t hash = f.find('#'); hash != std::string_view::npos) {
    int d = value_of(f.substr(0, hash), kDayNames, 7, 1);
    int k = value_of(f.substr(hash + 1), nullptr, 0, 0);
    if (d < 1 || d > 7 || k < 1 || k > 5) return bad;
    c.dow_nth_day = d, c.dow_nth = k;
    return {};
  }
  if (f.size() >= 2 && f.back() == 'L') {
    int d = value_of(f.substr(0, f.size() - 1), kDayNames, 7, 1);
    if (d < 1 || d > 7) return bad;
    c.dow_last = d;
    return {};
  }
  std::vector<bool> v;
  if (auto r = parse_list(f, {"day-of-week", 1, 7, kDayNames, 7, 1}, v); !r.empty()) return r;
  copy_bits(v, c.dow);
  return {};
}

Parsed fail(std::string reason) {
  return Parsed{std::nullopt, std::move(reason)};
}

Parsed parse_rate(std::string_view in) {
  size_t i = 0;
  while (i < in.size() && in[i] >= '0' && in[i] <= '9') ++i;
  std::string_view num = in.substr(0, i);
  size_t j = i;
  while (j < in.size() && in[j] == ' ') ++j;
  std::string_view unit = in.substr(j);
  if (num.empty() || j == i || unit.empty()) return fail("rate must be rate(value unit)");
  if (num.size() > 9) return fail("rate value is too large: " + std::string(num));
  int64_t v = 0;
  for (char c : num) v = v * 10 + (c - '0');
  if (v < 1) return fail("rate value must be a positive integer");
  Expression e;
  e.kind = Expression::Kind::rate;
  e.rate.value = v;
  bool plural = unit.size() > 1 && unit.back() == 's';
  std::string_view base = plural ? unit.substr(0, unit.size() - 1) : unit;
  if (base == "minute")
    e.rate.unit = Rate::Unit::minute;
  else if (base == "hour")
    e.rate.unit = Rate::Unit::hour;
  else if (base == "day")
    e.rate.unit = Rate::Unit::day;
  else
    return fail("rate unit must be minute, minutes, hour, hours, day or days: " + std::string(unit));
  if (v == 1 && plural) return fail("a rate of 1 takes the singular unit " + std::string(base));
  if (v > 1 && !plural) return fail("a rate above 1 takes the plural unit " + std::string(base) + "s");
  return Parsed{e, {}};
}

Parsed parse_cron(std::string_view in) {
  std::vector<std::string_view> f;
  for (std::string_view part : split(in, ' '))
    if (!part.empty()) f.push_back(part);
  if (f.size() != 6) return fail("cron needs 6 fields (minutes hours day-of-month month day-of-week year)");
  Expression e;
  e.kind = Expression::Kind::cron;
  Cron& c = e.cron;
  std::vector<bool> v;
  std::string r;
  if (!(r = parse_list(f[0], {"minutes", 0, 59}, v)).empty()) return fail(r);
  copy_bits(v, c.minutes);
  if (!(r = parse_list(f[1], {"hours", 0, 23}, v)).empty()) return fail(r);
  copy_bits(v, c.hours);
  if (!(r = parse_dom(f[2], c)).empty()) return fail(r);
  if (!(r = parse_list(f[3], {"month", 1, 12, kMonthNames, 12, 1}, v)).empty()) return fail(r);
  copy_bits(v, c.months);
  if (!(r = parse_dow(f[4], c)).empty()) return fail(r);
  if (!(r = parse_list(f[5], {"year", kFirstYear, kLastYear}, v)).empty()) return fail(r);
  copy_bits(v, c.years, kFirstYear);
  if (c.dom_any == c.dow_any) return fail("exactly one of day-of-month and day-of-week must be ?");
  return Parsed{e, {}};
}

bool two(std::string_view s, size_t at, int& out) {
  if (at + 2 > s.size() || !all_digits(s.substr(at, 2))) return false;
  out = (s[at] - '0') * 10 + (s[at + 1] - '0');
  return true;
}

Parsed parse_at(std::string_view in) {
  // yyyy-mm-ddThh:mm:ss
  At a;
  int hi = 0, lo = 0;
  if (in.size() != 19 || in[4] != '-' || in[7] != '-' || in[10] != 'T' || in[13] != ':' || in[16] != ':' ||
      !two(in, 0, hi) || !two(in, 2, lo) || !two(in, 5, a.month) || !two(in, 8, a.day) || !two(in, 11, a.hour) ||
      !two(in, 14, a.minute) || !two(in, 17, a.second))
    return fail("at must be at(yyyy-mm-ddThh:mm:ss)");
  a.year = hi * 100 + lo;
  if (a.month < 1 || a.month > 12 || a.day < 1 ||
      a.day > static_cast<int>(tz::days_in_month(a.year, static_cast<unsigned>(a.month))) || a.hour > 23 ||
      a.minute > 59 || a.second > 59)
    return fail("at names no valid date and time: " + std::string(in));
  Expression e;
  e.kind = Expression::Kind::at;
  e.at = a;
  return Parsed{e, {}};
}

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

std::optional<int64_t> next_cron(const Cron& c, const tz::Zone& zone, int64_t after_ms) {
  const int64_t after_s = floor_div(after_ms, 1000);
  const int64_t local_after = after_s + zone.offset_at(after_s);
  int64_t start_day = floor_div(local_after, 86400);
  int64_t sec_of_day = local_after - start_day * 86400;
  tz::Civil sc = tz::civil_from_days(start_day);
  int64_t y0 = sc.year;
  unsigned m0 = sc.month, d0 = sc.day, h0 = static_cast<unsigned>(sec_of_day / 3600),
           mi0 = static_cast<unsigned>(sec_of_day % 3600 / 60);
  if (y0 > kLastYear) return std::nullopt;
  bool from_start = true;
  if (y0 < kFirstYear) y0 = kFirstYear, from_start = false;
  for (int64_t y = y0; y <= kLastYear; ++y, from_start = false) {
    if (!c.years.test(static_cast<size_t>(y - kFirstYear))) continue;
    for (unsigned m = from_start ? m0 : 1; m <= 12; ++m, from_start = false) {
      if (!c.months.test(m)) continue;
      const unsigned dim = tz::days_in_month(y, m);
      for (unsigned d = from_start ? d0 : 1; d <= dim; ++d, from_start = false) {
        if (!c.day_matches(y, m, d)) continue;
        const int64_t day = tz::days_from_civil(y, m, d);
        for (unsigned h = from_start ? h0 : 0; h < 24; ++h, from_start = false) {
          if (!c.hours.test(h)) continue;
          for (unsigned mi = from_start ? mi0 : 0; mi < 60; ++mi) {
            if (!c.minutes.test(mi)) continue;
            auto r = zone.resolve(day * 86400 + h * 3600 + mi * 60);
            if (r.count == 0) continue;  // spring forward: this local time does not exist today
            if (r.first * 1000 > after_ms) return r.first * 1000;
            // otherwise already past (or, in a fall-back overlap, fired at its first occurrence)
          }
          from_start = false;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace

int64_t Rate::period_ms() const {
  const int64_t unit_ms = unit == Unit::minute ? 60'000 : unit == Unit::hour ? 3'600'000 : 86'400'000;
  return value * unit_ms;
}

bool Cron::day_matches(int64_t y, unsigned m, unsigned d) const {
  const unsigned dim = tz::days_in_month(y, m);
  const int64_t days = tz::days_from_civil(y, m, d);
  const unsigned wd = tz::weekday_of(days);  // 0 = Sunday
  if (!dom_any) {
    if (dom_last) return d == dim;
    if (dom_last_weekday || dom_nearest_weekday) {
      unsigned target = dom_last_weekday ? dim : static_cast<unsigned>(dom_nearest_weekday);
      if (target > dim) return false;
      const unsigned twd = tz::weekday_of(tz::days_from_civil(y, m, target));
      if (twd == 6)
        target = target == 1 ? 3 : target - 1;  // Saturday: Friday (Monday the 3rd)
      else if (twd == 0)
        target = target == dim ? target - 2 : target + 1;  // Sunday: Monday (Friday)
      return d == target;
    }
    if (!dom.test(d)) return false;
  }
  if (!dow_any) {
    const int wd1 = static_cast<int>(wd) + 1;  // 1 = Sunday
    if (dow_last) return wd1 == dow_last && d + 7 > dim;
    if (dow_nth) return wd1 == dow_nth_day && static_cast<int>((d - 1) / 7 + 1) == dow_nth;
    if (!dow.test(static_cast<size_t>(wd1))) return false;
  }
  return true;
}

Parsed parse(std::string_view text) {
  auto body = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (text.size() < prefix.size() + 1 || text.substr(0, prefix.size()) != prefix || text.back() != ')')
      return std::nullopt;
    return text.substr(prefix.size(), text.size() - prefix.size() - 1);
  };
  if (auto b = body("rate(")) return parse_rate(*b);
  if (auto b = body("cron(")) return parse_cron(*b);
  if (auto b = body("at(")) return parse_at(*b);
  return fail("expression must be at(...), rate(...) or cron(...)");
}

std::optional<int64_t> next_fire(const Expression& e, const tz::Zone& zone, int64_t after_ms, int64_t anchor_ms) {
  switch (e.kind) {
    case Expression::Kind::at: {
      const At& a = e.at;
      const int64_t local =
          tz::days_from_civil(a.year, static_cast<unsigned>(a.month), static_cast<unsigned>(a.day)) * 86400 +
          a.hour * 3600 + a.minute * 60 + a.second;
      auto r = zone.resolve(local);
      // In a gap: the offset before the gap moves the time forward by the gap.
      const int64_t u = r.count ? r.first : local - zone.offset_at(local - 86400);
      return u * 1000 > after_ms ? std::optional<int64_t>(u * 1000) : std::nullopt;
    }
    case Expression::Kind::rate: {
      const int64_t p = e.rate.period_ms();
      if (after_ms < anchor_ms) return anchor_ms;
      return anchor_ms + ((after_ms - anchor_ms) / p + 1) * p;
    }
    case Expression::Kind::cron:
      return next_cron(e.cron, zone, after_ms);
  }
  return std::nullopt;
}

}  // namespace stratus::events::schedule
