// Rotation schedules (RotationRules): AutomaticallyAfterDays, ScheduleExpression rate()/cron(),
// Duration — parsed and validated as Secrets Manager does, and the next rotation window computed.
// Pure functions (unit tested in tests/unit/services/secretsmanager).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/doc.h"

namespace stratus::secretsmanager {

struct Schedule {
  enum class Kind { days, hours, cron };
  Kind kind = Kind::days;
  int64_t every = 0;      // days (days) or hours (hours)
  int64_t window_ms = 0;  // 0: the default window
  // cron(0 HOURS DOM MONTH DOW *): allowed values.
  std::array<bool, 24> hours{};
  std::array<bool, 32> dom{};    // 1..31
  bool dom_last = false;         // L
  bool dom_any = true;           // ? or *
  std::array<bool, 13> month{};  // 1..12
  std::array<bool, 8> dow{};     // 1..7 (SUN=1)
  int dow_nth = 0;               // DOW#n
  bool dow_any = true;
  bool hourly = false;  // the cron names several hours: a schedule in hours
};

// Parses RotationRules ({AutomaticallyAfterDays} | {ScheduleExpression[, Duration]}). Throws
// InvalidParameterException with Secrets Manager's messages.
Schedule parse_rules(const Doc& rules);

// The rotation window after `after_ms` (exclusive): its start and its end (NextRotationDate).
struct Window {
  int64_t start_ms = 0, end_ms = 0;
};
Window next_window(const Schedule& s, int64_t after_ms);

}  // namespace stratus::secretsmanager
