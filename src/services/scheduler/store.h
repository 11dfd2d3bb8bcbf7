// EventBridge Scheduler's stored state: schedule groups, schedules, fire times and pending
// invocations (schema.h), as JSON records read and written through storage::Engine.
//
// Contract
// - Records are plain JSON Docs (dates as epoch ms integers); handlers turn them into answers.
// - Read-modify-writes of groups and schedules (the handlers, the firing step) hold mu(); reads
//   without it see a consistent record (each record is one value).
// - Timing (pure, unit tested): first_fire() is a schedule's first fire time after a create or
//   update; catch_up() is the firing rule (see runner.h).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"
#include "events/schedule.h"
#include "storage/engine.h"

namespace stratus::scheduler {

inline constexpr const char* kDefaultGroup = "default";

struct Id {
  std::string account, region, group, name;
};

std::string group_arn(std::string_view account, std::string_view region, std::string_view group);
std::string schedule_arn(const Id& id);

class Store {
 public:
  explicit Store(storage::Engine& db) : db_(db) {}
  std::mutex& mu() { return mu_; }
  storage::Engine& db() { return db_; }

  std::optional<Doc> group(std::string_view account, std::string_view region, std::string_view name);
  // The account's groups in `region`, by name; writes the default group first when it is missing.
  std::vector<Doc> groups(std::string_view account, std::string_view region, int64_t now);
  // Writes the default group of (account, region) if it is not there yet (call under mu()).
  void ensure_default(std::string_view account, std::string_view region, int64_t now);

  std::optional<Doc> schedule(const Id& id);
  // Schedules of one group ("" = every group), by group then name.
  std::vector<Doc> schedules(std::string_view account, std::string_view region, std::string_view group);

  static std::string group_key(std::string_view account, std::string_view region, std::string_view name);
  static std::string schedule_key(const Id& id);
  static std::string due_key(int64_t ms, const Id& id);
  static Id due_id(std::string_view key, int64_t* ms);
  static std::string invocation_key(int64_t ms, std::string_view execution_id);

  // Puts the schedule record and moves its fire-time entry from old_next to the record's Next.
  static void stage_schedule(storage::WriteBatch& b, const Id& id, const Doc& rec, std::optional<int64_t> old_next);
  // Deletes the schedule record and its fire-time entry.
  static void stage_delete(storage::WriteBatch& b, const Id& id, const Doc& rec);
  // Writes the batch; a failed write ends the operation with InternalFailure.
  void write(const storage::WriteBatch& b);

 private:
  storage::Engine& db_;
  std::mutex mu_;
};

// The parsed expression and zone of a schedule record (both validated when stored).
struct Timing {
  events::schedule::Expression expr;
  const events::tz::Zone* zone = nullptr;
  std::optional<int64_t> start, end;  // StartDate / EndDate (recurring schedules only)
  int64_t anchor = 0;                 // rate(): StartDate, else the create/update time
  static std::optional<Timing> of(const Doc& rec);
};

// The first fire time of a schedule created or updated at `now` (nullopt: never).
// at(): its time, even when past (the firing step applies the missed-run rule). rate(): the anchor
// (StartDate, else now: "without a StartDate the schedule starts invoking immediately"), or its
// first period after now. cron(): the first match at or after max(now, StartDate). EndDate bounds
// recurring schedules.
std::optional<int64_t> first_fire(const Timing& t, int64_t now);

// The firing step for the fire time `due` reached at `now`: which occurrence to invoke (the latest
// one not after now, if it is not older than max_age_ms; nullopt: none) and the next fire time.
// Missed occurrences collapse into one invocation (see runner.h).
struct Fire {
  std::optional<int64_t> invoke;  // scheduled time of the invocation
  std::optional<int64_t> next;
};
Fire catch_up(const Timing& t, int64_t due, int64_t now, int64_t max_age_ms);

}  // namespace stratus::scheduler
