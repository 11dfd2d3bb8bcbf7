#include "events/tz.h"

#include <sys/stat.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>

namespace stratus::events::tz {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm (public domain), days since 1970-01-01.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

static bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

unsigned weekday_of(int64_t days) {
  return static_cast<unsigned>(((days + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
}

// ---- POSIX TZ strings ----

namespace {

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool end() const { return i >= s.size(); }
  char peek() const { return end() ? '\0' : s[i]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  // Digits, at most `max_digits`, value <= max.
  bool number(int& out, int max, int max_digits = 3) {
    int n = 0, v = 0;
    while (!end() && s[i] >= '0' && s[i] <= '9' && n < max_digits) v = v * 10 + (s[i++] - '0'), ++n;
    if (n == 0 || v > max) return false;
    out = v;
    return true;
  }
};

bool zone_name(Cursor& c) {
  if (c.eat('<')) {
    size_t n = 0;
    while (!c.end() && c.peek() != '>') {
      char ch = c.peek();
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '-')) return false;
      ++c.i, ++n;
    }
    return n >= 3 && c.eat('>');
  }
  size_t n = 0;
  while (!c.end() && std::isalpha(static_cast<unsigned char>(c.peek()))) ++c.i, ++n;
  return n >= 3;
}

// [+-]hh[:mm[:ss]] in seconds; hours up to max_hours.
bool hms(Cursor& c, int& out, int max_hours) {
  int sign = 1;
  if (c.eat('-'))
    sign = -1;
  else
    c.eat('+');
  int h = 0, m = 0, s = 0;
  if (!c.number(h, max_hours)) return false;
  if (c.eat(':')) {
    if (!c.number(m, 59, 2)) return false;
    if (c.eat(':') && !c.number(s, 59, 2)) return false;
  }
  out = sign * (h * 3600 + m * 60 + s);
  return true;
}

bool rule_date(Cursor& c, PosixRule::Date& d) {
  if (c.eat('M')) {
    d.kind = 'M';
    if (!c.number(d.a, 12) || d.a < 1 || !c.eat('.') || !c.number(d.b, 5) || d.b < 1 || !c.eat('.') ||
        !c.number(d.c, 6))
      return false;
  } else if (c.eat('J')) {
    d.kind = 'J';
    if (!c.number(d.a, 365) || d.a < 1) return false;
  } else {
    d.kind = 'D';
    if (!c.number(d.a, 365)) return false;
  }
  d.time = 7200;
  if (c.eat('/') && !hms(c, d.time, 167)) return false;
  return true;
}

// Local-time second of a rule date in year y (as if the wall clock were UTC).
int64_t rule_local(const PosixRule::Date& d, int64_t y) {
  int64_t day;
  if (d.kind == 'J') {
    day = days_from_civil(y, 1, 1) + d.a - 1 + (is_leap(y) && d.a >= 60 ? 1 : 0);
  } else if (d.kind == 'D') {
    day = days_from_civil(y, 1, 1) + d.a;
  } else {
    const unsigned m = static_cast<unsigned>(d.a);
    const int64_t first = days_from_civil(y, m, 1);
    const int wd1 = static_cast<int>(weekday_of(first));
    int dom = 1 + (d.c - wd1 + 7) % 7 + (d.b - 1) * 7;
    while (dom > static_cast<int>(days_in_month(y, m))) dom -= 7;
    day = first + dom - 1;
  }
  return day * 86400 + d.time;
}

}  // namespace

std::optional<PosixRule> PosixRule::parse(std::string_view s) {
  Cursor c{s};
  PosixRule r;
  int off = 0;
  if (!zone_name(c) || !hms(c, off, 24)) return std::nullopt;
  r.std_offset = -off;
  if (c.end()) return r;
  if (!zone_name(c)) return std::nullopt;
  r.has_dst = true;
  r.dst_offset = r.std_offset + 3600;
  if (!c.end() && c.peek() != ',') {
    if (!hms(c, off, 24)) return std::nullopt;
    r.dst_offset = -off;
  }
  if (c.end()) {  // POSIX leaves the default rule to the implementation; glibc's is the US rule
    r.start = {'M', 3, 2, 0, 7200};
    r.end = {'M', 11, 1, 0, 7200};
    return r;
  }
  if (!c.eat(',') || !rule_date(c, r.start) || !c.eat(',') || !rule_date(c, r.end) || !c.end()) return std::nullopt;
  return r;
}

int PosixRule::offset_at(int64_t utc) const {
  if (!has_dst) return std_offset;
  // The year of the instant in standard time; instants within a day of New Year are checked
  // against both years' rules by looking at the neighbouring year too.
  const int64_t local = utc + std_offset;
  const int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const int64_t y = civil_from_days(day).year;
  for (int64_t yy : {y - 1, y, y + 1}) {
    const int64_t on = rule_local(start, yy) - std_offset;      // the switch to DST, in standard time
    int64_t off = rule_local(end, yy) - dst_offset;             // back to standard, in DST
    if (off <= on) off = rule_local(end, yy + 1) - dst_offset;  // southern hemisphere: DST spans New Year
    if (utc >= on && utc < off) return dst_offset;
  }
  return std_offset;
}

// ---- TZif ----

namespace {

struct Bytes {
  std::string_view s;
  size_t i = 0;
  bool has(uint64_t n) const { return n <= s.size() - i; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(s[i++]);
    return v;
  }
  int64_t i64() {
    uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(s[i++]);
    return static_cast<int64_t>(v);
  }
};

struct Header {
  char version = 0;
  uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

bool header(Bytes& b, Header& h) {
  if (!b.has(44) || b.s.substr(b.i, 4) != "TZif") return false;
  h.version = b.s[b.i + 4];
  b.i += 20;
  h.isutcnt = b.u32(), h.isstdcnt = b.u32(), h.leapcnt = b.u32();
  h.timecnt = b.u32(), h.typecnt = b.u32(), h.charcnt = b.u32();
  return h.typecnt >= 1 && h.typecnt <= 256 && h.charcnt >= 1 && (h.isutcnt == 0 || h.isutcnt == h.typecnt) &&
         (h.isstdcnt == 0 || h.isstdcnt == h.typecnt);
}

uint64_t block_size(const Header& h, int time_size) {
  return uint64_t{h.timecnt} * time_size + h.timecnt + uint64_t{h.typecnt} * 6 + h.charcnt +
         uint64_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

}  // namespace

Zone Zone::utc() {
  Zone z;
  z.name_ = "UTC";
  return z;
}

std::optional<Zone> Zone::parse(std::string_view tzif, std::string name) {
  Bytes b{tzif};
  Header h;
  if (!header(b, h)) return std::nullopt;
  int time_size = 4;
  if (h.version >= '2') {
    if (!b.has(block_size(h, 4))) return std::nullopt;
    b.i += block_size(h, 4);
    if (!header(b, h)) return std::nullopt;
    time_size = 8;
  }
  if (!b.has(block_size(h, time_size))) return std::nullopt;
  Zone z;
  z.name_ = std::move(name);
  z.transitions_.reserve(h.timecnt);
  for (uint32_t k = 0; k < h.timecnt; ++k) {
    int64_t t = time_size == 8 ? b.i64() : static_cast<int32_t>(b.u32());
    if (!z.transitions_.empty() && t <= z.transitions_.back()) return std::nullopt;
    z.transitions_.push_back(t);
  }
  std::vector<uint8_t> idx(h.timecnt);
  for (auto& v : idx) {
    v = static_cast<uint8_t>(b.s[b.i++]);
    if (v >= h.typecnt) return std::nullopt;
  }
  std::vector<int> type_offset(h.typecnt);
  for (auto& off : type_offset) {
    off = static_cast<int32_t>(b.u32());
    b.i += 2;  // isdst, abbreviation index
    if (off < -25 * 3600 || off > 26 * 3600) return std::nullopt;
  }
  b.i += h.charcnt + uint64_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt;
  z.initial_offset_ = type_offset[0];
  z.offsets_.reserve(h.timecnt);
  for (uint8_t v : idx) z.offsets_.push_back(type_offset[v]);
  if (time_size == 8 && b.i < b.s.size()) {
    std::string_view rest = b.s.substr(b.i);
    if (rest.size() < 2 || rest[0] != '\n') return std::nullopt;
    size_t nl = rest.find('\n', 1);
    if (nl == std::string_view::npos) return std::nullopt;
    std::string_view footer = rest.substr(1, nl - 1);
    if (!footer.empty()) {
      z.footer_ = PosixRule::parse(footer);
      if (!z.footer_) return std::nullopt;
    }
  }
  return z;
}

int Zone::offset_at(int64_t utc) const {
  if (transitions_.empty()) return footer_ ? footer_->offset_at(utc) : initial_offset_;
  if (utc < transitions_.front()) return initial_offset_;
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc);
  size_t i = static_cast<size_t>(it - transitions_.begin()) - 1;
  if (i + 1 == transitions_.size() && footer_) return footer_->offset_at(utc);
  return offsets_[i];
}

Zone::Resolution Zone::resolve(int64_t local) const {
  Resolution r;
  const int candidates[] = {offset_at(local - 86400), offset_at(local + 86400)};
  for (int o : candidates) {
    const int64_t u = local - o;
    if (offset_at(u) != o) continue;
    if (r.count == 1 && r.first == u) continue;
    (r.count == 0 ? r.first : r.second) = u;
    ++r.count;
  }
  if (r.count == 2 && r.second < r.first) std::swap(r.first, r.second);
  return r;
}

namespace {

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > 50 || n.front() == '/' || n.back() == '/') return false;
  if (n.find("..") != std::string_view::npos || n.find("//") != std::string_view::npos) return false;
  if (n.rfind("right/", 0) == 0 || n.rfind("posix/", 0) == 0 || n == "localtime" || n == "posixrules") return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' || c == '/')) return false;
  return true;
}

std::optional<Zone> load(const std::string& name) {
  const char* dir = std::getenv("STRATUS_ZONEINFO");
  const std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) return std::nullopt;
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::string data(static_cast<size_t>(st.st_size), '\0');
  if (!f.read(data.data(), static_cast<std::streamsize>(data.size()))) return std::nullopt;
  return Zone::parse(data, name);
}

}  // namespace

const Zone* find(std::string_view name) {
  static const Zone kUtc = Zone::utc();
  if (name == "UTC") return &kUtc;
  if (!valid_name(name)) return nullptr;
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Zone>, std::less<>> zones;  // loaded zones only
  std::lock_guard lock(mu);
  if (auto it = zones.find(name); it != zones.end()) return it->second.get();
  auto z = load(std::string(name));
  if (!z) return nullptr;
  return zones.emplace(std::string(name), std::make_unique<Zone>(std::move(*z))).first->second.get();
}

}  // namespace stratus::events::tz
