// IANA time zones for schedule expressions (EventBridge Scheduler's ScheduleExpressionTimezone):
// a small reader of the system's TZif files (RFC 8536, /usr/share/zoneinfo from Debian's tzdata),
// because libstdc++ 12 has no std::chrono::tzdb.
//
//   const tz::Zone* ny = tz::find("America/New_York");   // nullptr: not a known zone
//   int off = ny->offset_at(utc_seconds);                  // seconds east of UTC
//   auto r = ny->resolve(local_seconds);                   // local wall time -> UTC instants
//
// Contract
// - find(): "UTC" is built in; other names are the files tzdata ships ("Etc/UTC", "Europe/Berlin",
//   "EST5EDT"; not "right/", "posix/", "localtime", "posixrules"). Names are checked before any
//   file is opened (letters, digits, '_', '-', '+', '/'; no "..", no leading
//   '/'; at most 50 characters, the API's limit). A zone is loaded once and kept for the life of
//   the process (zones are few and small); the pointer stays valid. Thread safe.
//   STRATUS_ZONEINFO overrides the directory (tests).
// - Zone::parse(): a TZif file's bytes (v1, or v2+ with 64-bit transitions and the POSIX TZ footer
//   that governs instants after the last transition: "EST5EDT,M3.2.0,M11.1.0"). Malformed input
//   gives nullopt; it never reads outside the bytes given. Leap-second records are skipped.
// - offset_at(t): the UTC offset in force at UTC second t (before the first transition: the first
//   local time type, RFC 8536 §3.2).
// - resolve(local): the UTC instants whose wall-clock time is `local` (seconds since the epoch as if
//   the wall clock were UTC): none in a spring-forward gap, two in a fall-back overlap (earlier
//   first), one otherwise. Transitions closer than a day apart are not considered (none exist in
//   tzdata since 1970 that matter to a schedule).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::events::tz {

// A POSIX TZ rule ("STD offset [DST [offset] [,start[/time],end[/time]]]").
struct PosixRule {
  int std_offset = 0;  // seconds east of UTC
  int dst_offset = 0;
  bool has_dst = false;
  struct Date {
    char kind = 'M';  // 'J' (Jn, 1..365 no Feb 29), 'D' (n, 0..365), 'M' (Mm.w.d)
    int a = 0, b = 0, c = 0;
    int time = 7200;  // seconds after local midnight (may be negative or > 24 h)
  };
  Date start, end;
  static std::optional<PosixRule> parse(std::string_view s);
  int offset_at(int64_t utc) const;
};

class Zone {
 public:
  static std::optional<Zone> parse(std::string_view tzif, std::string name);
  static Zone utc();

  const std::string& name() const { return name_; }
  int offset_at(int64_t utc) const;
  struct Resolution {
    int count = 0;  // 0 gap, 1, 2 overlap
    int64_t first = 0, second = 0;
  };
  Resolution resolve(int64_t local) const;

 private:
  std::string name_;
  std::vector<int64_t> transitions_;  // ascending UTC seconds
  std::vector<int> offsets_;          // offset after each transition
  int initial_offset_ = 0;
  std::optional<PosixRule> footer_;
};

const Zone* find(std::string_view name);

// Civil calendar helpers (proleptic Gregorian, UTC-like seconds).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
struct Civil {
  int64_t year;
  unsigned month, day;
};
Civil civil_from_days(int64_t days);
unsigned days_in_month(int64_t y, unsigned m);
// 0 = Sunday .. 6 = Saturday.
unsigned weekday_of(int64_t days);

}  // namespace stratus::events::tz
