#include "services/secretsmanager/schedule.h"

#include <cctype>
#include <sstream>
#include <vector>

#include "services/secretsmanager/errors.h"

namespace stratus::secretsmanager {

namespace {

constexpr int64_t kHour = 3600 * 1000LL;
constexpr int64_t kDay = 24 * kHour;

AwsError bad_expression(const std::string& expr) {
  return errors::invalid_parameter("Invalid ScheduleExpression: " + expr);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

int name_value(const std::string& v, const char* const* names, int count, int base) {
  for (int i = 0; i < count; ++i)
    if (v == names[i]) return i + base;
  return -1;
}

// A number or a name (JAN, MON): -1 when neither.
int field_value(const std::string& v, const char* const* names, int count, int base) {
  if (v.empty()) return -1;
  bool digits = true;
  for (char c : v) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits) return v.size() > 4 ? -1 : std::stoi(v);
  return names ? name_value(upper(v), names, count, base) : -1;
}

// Fills allowed[lo..hi] from a cron field: *, a, a-b, a/n, a-b/n, */n, comma lists.
template <size_t N>
bool parse_field(const std::string& field, int lo, int hi, std::array<bool, N>& allowed, const char* const* names,
                 int names_count, int names_base) {
  std::stringstream ss(field);
  std::string part;
  bool any = false;
  while (std::getline(ss, part, ',')) {
    any = true;
    int step = 1;
    bool had_step = false;
    if (auto slash = part.find('/'); slash != std::string::npos) {
      std::string st = part.substr(slash + 1);
      step = field_value(st, nullptr, 0, 0);
      if (step <= 0) return false;
      had_step = true;
      part = part.substr(0, slash);
    }
    int a = lo, b = hi;
    if (part == "*") {
    } else if (auto dash = part.find('-'); dash != std::string::npos) {
      a = field_value(part.substr(0, dash), names, names_count, names_base);
      b = field_value(part.substr(dash + 1), names, names_count, names_base);
    } else {
      a = field_value(part, names, names_count, names_base);
      b = had_step ? hi : a;
    }
    if (a < lo || b > hi || a > b) return false;
    for (int v = a; v <= b; v += step) allowed[static_cast<size_t>(v)] = true;
  }
  return any;
}

const char* const kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* const kDays[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

void parse_cron(const std::string& expr, const std::string& body, Schedule& s) {
  std::stringstream ss(body);
  std::vector<std::string> f;
  for (std::string t; ss >> t;) f.push_back(t);
  if (f.size() != 6) throw bad_expression(expr);
  if (f[0] != "0") throw errors::invalid_parameter("Invalid ScheduleExpression: minutes must be 0: " + expr);
  if (f[5] != "*") throw errors::invalid_parameter("Invalid ScheduleExpression: year must be *: " + expr);
  s.kind = Schedule::Kind::cron;
  if (!parse_field(f[1], 0, 23, s.hours, nullptr, 0, 0)) throw bad_expression(expr);
  int nhours = 0;
  for (bool h : s.hours) nhours += h;
  s.hourly = nhours > 1;
  bool dom_q = f[2] == "?", dow_q = f[4] == "?";
  if (dom_q == dow_q)
    throw errors::invalid_parameter(
        "Invalid ScheduleExpression: you can't specify both the day-of-month and the "
        "day-of-week; use ? in one of them: " +
        expr);
  if (dom_q || f[2] == "*") {
    s.dom_any = true;
  } else if (f[2] == "L") {
    s.dom_any = false;
    s.dom_last = true;
  } else {
    s.dom_any = false;
    if (!parse_field(f[2], 1, 31, s.dom, nullptr, 0, 0)) throw bad_expression(expr);
  }
  if (!parse_field(f[3], 1, 12, s.month, kMonths, 12, 1)) throw bad_expression(expr);
  if (dow_q || f[4] == "*") {
    s.dow_any = true;
  } else {
    s.dow_any = false;
    std::string d = f[4];
    if (auto hash = d.find('#'); hash != std::string::npos) {
      s.dow_nth = field_value(d.substr(hash + 1), nullptr, 0, 0);
      if (s.dow_nth < 1 || s.dow_nth > 5) throw bad_expression(expr);
      d = d.substr(0, hash);
    }
    if (!parse_field(d, 1, 7, s.dow, kDays, 7, 1)) throw bad_expression(expr);
  }
}

// Civil date of a day number (days since 1970-01-01), Howard Hinnant's algorithm.
void civil(int64_t z, int& y, int& m, int& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

int days_in_month(int y, int m) {
  static const int k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : k[m - 1];
}

bool day_matches(const Schedule& s, int64_t day) {
  int y, m, d;
  civil(day, y, m, d);
  if (!s.month[static_cast<size_t>(m)]) return false;
  if (!s.dom_any) {
    if (s.dom_last) return d == days_in_month(y, m);
    return s.dom[static_cast<size_t>(d)];
  }
  if (!s.dow_any) {
    int wd = static_cast<int>(((day % 7) + 7 + 4) % 7) + 1;  // 1970-01-01 was a Thursday; SUN=1
    if (!s.dow[static_cast<size_t>(wd)]) return false;
    if (s.dow_nth) return (d - 1) / 7 + 1 == s.dow_nth;
  }
  return true;
}

}  // namespace

Schedule parse_rules(const Doc& rules) {
  Schedule s;
  bool has_days = rules.has("AutomaticallyAfterDays");
  std::string expr = rules.str("ScheduleExpression");
  if (has_days && !expr.empty())
    throw errors::invalid_parameter("You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
  if (!has_days && expr.empty())
    throw errors::invalid_parameter("You must specify either AutomaticallyAfterDays or ScheduleExpression.");
  if (has_days) {
    s.kind = Schedule::Kind::days;
    s.every = rules.integer("AutomaticallyAfterDays");
    if (s.every < 1 || s.every > 1000)
      throw errors::invalid_parameter("AutomaticallyAfterDays must be between 1 and 1000.");
  } else if (expr.rfind("rate(", 0) == 0 && expr.back() == ')') {
    std::stringstream ss(expr.substr(5, expr.size() - 6));
    std::string n, unit, extra;
    ss >> n >> unit >> extra;
    int64_t v = field_value(n, nullptr, 0, 0);
    if (v <= 0 || !extra.empty()) throw bad_expression(expr);
    if (unit == "hour" || unit == "hours") {
      if ((unit == "hour") != (v == 1)) throw bad_expression(expr);
      if (v < 4) throw errors::invalid_parameter("The schedule expression rate must be at least 4 hours.");
      s.kind = Schedule::Kind::hours;
    } else if (unit == "day" || unit == "days") {
      if ((unit == "day") != (v == 1)) throw bad_expression(expr);
      s.kind = Schedule::Kind::days;
    } else {
      throw bad_expression(expr);
    }
    s.every = v;
    if (s.kind == Schedule::Kind::days && v > 1000)
      throw errors::invalid_parameter("The schedule expression rate must be at most 1000 days.");
  } else if (expr.rfind("cron(", 0) == 0 && expr.back() == ')') {
    parse_cron(expr, expr.substr(5, expr.size() - 6), s);
  } else {
    throw bad_expression(expr);
  }
  if (std::string d = rules.str("Duration"); !d.empty()) {
    if (has_days) throw errors::invalid_parameter("You can't specify Duration with AutomaticallyAfterDays.");
    int64_t h = d.size() >= 2 && d.back() == 'h' ? field_value(d.substr(0, d.size() - 1), nullptr, 0, 0) : -1;
    if (h < 1 || h > 24) throw errors::invalid_parameter("Invalid Duration: " + d);
    bool hourly = s.kind == Schedule::Kind::hours || (s.kind == Schedule::Kind::cron && s.hourly);
    if (s.kind == Schedule::Kind::hours && h > s.every)
      throw errors::invalid_parameter("The rotation window can't extend into the next rotation window.");
    if (!hourly && h > 24) throw errors::invalid_parameter("The rotation window can't extend into the next UTC day.");
    s.window_ms = h * kHour;
  }
  return s;
}

Window next_window(const Schedule& s, int64_t after_ms) {
  Window w;
  int64_t day = after_ms / kDay;
  switch (s.kind) {
    case Schedule::Kind::days:
      w.start_ms = (day + s.every) * kDay;
      w.end_ms = w.start_ms + (s.window_ms ? s.window_ms : kDay) - 1000;
      return w;
    case Schedule::Kind::hours: {
      // Windows start at midnight UTC and every `every` hours after it, each day.
      int64_t start = day * kDay;
      while (start <= after_ms) {
        start += s.every * kHour;
        if (start >= (day + 1) * kDay) start = (++day) * kDay;
      }
      w.start_ms = start;
      w.end_ms = start + (s.window_ms ? s.window_ms : kHour) - 1000;
      return w;
    }
    case Schedule::Kind::cron: {
      int64_t hour = after_ms / kHour + 1;
      for (int64_t i = 0; i < 24 * 366 * 5; ++i, ++hour) {
        int64_t d = hour / 24;
        if (!s.hours[static_cast<size_t>(hour % 24)] || !day_matches(s, d)) continue;
        w.start_ms = hour * kHour;
        int64_t dflt = s.hourly ? kHour : (d + 1) * kDay - w.start_ms;
        w.end_ms = w.start_ms + (s.window_ms ? s.window_ms : dflt) - 1000;
        return w;
      }
      w.start_ms = w.end_ms = INT64_MAX / 2;
      return w;
    }
  }
  return w;
}

}  // namespace stratus::secretsmanager
