// Schedule expressions shared by EventBridge schedule rules and EventBridge Scheduler:
// rate(value unit), cron(minutes hours day-of-month month day-of-week year) and
// at(yyyy-mm-ddThh:mm:ss), and the next time a schedule fires, in UTC or in an IANA time zone.
// Pure functions (tests/unit/events/schedule_test.cc; fuzz/fuzz_schedule_expression.cc).
//
//   auto p = schedule::parse("cron(0/15 8-17 ? * MON-FRI *)");
//   if (!p.expr) throw errors::validation("... " + p.reason);   // each service words its error
//   const tz::Zone* zone = tz::find("Europe/Berlin");            // nullptr: unknown zone
//   std::optional<int64_t> t = schedule::next_fire(*p.expr, *zone, after_ms, anchor_ms);
//
// Grammar (AWS EventBridge user guide "Schedule expressions for rules"; Scheduler user guide
// "Schedule types"):
// - rate(N unit): N a positive integer (at most 9 digits); unit minute|minutes|hour|hours|day|days,
//   the singular exactly when N is 1 ("rate(1 hours)", "rate(5 hour)" are invalid). One or more
//   spaces between N and the unit, none elsewhere.
// - cron(6 fields separated by spaces): Minutes 0-59, Hours 0-23, Day-of-month 1-31, Month 1-12 or
//   JAN-DEC, Day-of-week 1-7 or SUN-SAT (1 = Sunday), Year 1970-2199. Every field takes `*`,
//   values, ranges `a-b` (a range whose end is below its start wraps around, as Quartz's), steps
//   `a/n`, `*/n`, `a-b/n` and comma lists of those. Day-of-month also takes `?`, `L` (last day),
//   `LW` (last weekday), `nW` (weekday nearest day n, inside the month); Day-of-week also takes
//   `?`, `L` (Saturday, as Quartz), `nL` (last day n of the month), `n#k` (k-th day n, k 1-5). `L`,
//   `W`, `#` forms stand alone in their field (no lists). Exactly one of Day-of-month and
//   Day-of-week is `?`. Names are case-insensitive.
// - at(yyyy-mm-ddThh:mm:ss): a valid calendar date and time (no zone, no fraction).
//
// Firing (next_fire returns the first fire time strictly after `after_ms`, epoch ms):
// - at: the local time in `zone` converted to UTC; a local time inside a spring-forward gap is moved
//   forward by the gap (AWS does not document this case), one in a fall-back overlap is the earlier
//   instant. nullopt once it has passed.
// - rate: anchor_ms + k * period (k >= 0): the period counts from the anchor (the schedule's
//   StartDate or creation time). Zones do not apply: a day is 24 hours (Scheduler guide: "a rate in
//   days always means 24 h").
// - cron: minute precision, second 0, in `zone`'s wall clock. Scheduler guide (DST): a local time
//   that does not exist that day (spring forward) is skipped; a local time that happens twice (fall
//   back) fires once, at its first occurrence. nullopt when it never fires again (past its
//   last year, or a date that never exists such as 30 FEB).
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/tz.h"

namespace stratus::events::schedule {

constexpr int kFirstYear = 1970, kLastYear = 2199;

struct Rate {
  enum class Unit { minute, hour, day };
  int64_t value = 0;
  Unit unit = Unit::minute;
  int64_t period_ms() const;
};

struct Cron {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<13> months;  // 1..12
  std::bitset<kLastYear - kFirstYear + 1> years;
  // Day of month (unless dom_any).
  bool dom_any = false;           // '?'
  std::bitset<32> dom;            // 1..31
  bool dom_last = false;          // L
  bool dom_last_weekday = false;  // LW
  int dom_nearest_weekday = 0;    // nW: n
  // Day of week (unless dow_any).
  bool dow_any = false;  // '?'
  std::bitset<8> dow;    // 1..7, 1 = Sunday
  int dow_last = 0;      // nL: n
  int dow_nth_day = 0;   // n#k: n
  int dow_nth = 0;       //       k
  // Does the day (y, m, d) match the day fields?
  bool day_matches(int64_t y, unsigned m, unsigned d) const;
};

struct At {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

struct Expression {
  enum class Kind { at, rate, cron };
  Kind kind = Kind::rate;
  At at;
  Rate rate;
  Cron cron;
  bool recurring() const { return kind != Kind::at; }
};

struct Parsed {
  std::optional<Expression> expr;  // nullopt: invalid, see reason
  std::string reason;              // what is wrong, for the service's message
};

Parsed parse(std::string_view text);

// The first fire time strictly after after_ms (see the header comment); anchor_ms is used by rate.
std::optional<int64_t> next_fire(const Expression& e, const tz::Zone& zone, int64_t after_ms, int64_t anchor_ms);

}  // namespace stratus::events::schedule
