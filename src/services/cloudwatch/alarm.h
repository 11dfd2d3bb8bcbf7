// Alarm evaluation as a pure function of the datapoints in the evaluation range, following AWS's
// documented rules ("Configuring how CloudWatch alarms treat missing data"):
//   1. at least N real points in the range: the latest N real points decide (M of them breaching
//      -> ALARM, else OK); TreatMissingData is not used;
//   2. no real point: missing -> INSUFFICIENT_DATA, ignore -> keep the state, breaching -> ALARM,
//      notBreaching -> OK;
//   3. fewer than N real points: the missing points are filled (breaching / notBreaching as
//      treated; `missing` and `ignore` fill with non-breaching points), then M of N decides; with
//      `missing` the premature-alarm guard still gives ALARM when every real point is breaching
//      and the oldest breaching point within the last N is at least M periods old (`ignore`
//      keeps the state then).
// The range holds N + 2 periods (AWS: 5 when N = 3), oldest first.
// Also the composite alarm rule language: ALARM(x) OK(x) INSUFFICIENT_DATA(x) TRUE FALSE AND OR
// NOT and parentheses, names optionally double-quoted (parse_rule throws RuleError).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::cloudwatch {

struct Point {
  int64_t ts_ms = 0;
  std::optional<double> value;  // nullopt: missing
  // Anomaly band alarms: the band at this point.
  std::optional<double> lower, upper;
};

struct Rule {
  int evaluation_periods = 1;   // N
  int datapoints_to_alarm = 0;  // M (0: N)
  std::string comparison;       // GreaterThanThreshold, ..., LessThanLowerOrGreaterThanUpperThreshold
  double threshold = 0;
  std::string treat_missing = "missing";
};

struct Verdict {
  std::string state;  // OK, ALARM, INSUFFICIENT_DATA; empty: keep the current state
  // The points that decided (oldest first) and how many breached: the state reason's text.
  std::vector<Point> decided;
  int breaching = 0;
  int fills = 0;
};

bool breaches(const Rule& r, const Point& p);
Verdict evaluate_alarm(const Rule& r, const std::vector<Point>& range);
// The range size AWS fetches for N evaluation periods.
inline int range_size(int n) {
  return n + 2;
}
// The evaluation range at `now_ms`: range_size(n) whole periods ending where the current, still
// open period starts (AWS evaluates closed periods only), [start_ms, end_ms).
struct Window {
  int64_t start_ms = 0, end_ms = 0;
};
Window evaluation_window(int64_t now_ms, int64_t period_ms, int n);

// Composite alarm action suppression (ActionsSuppressor): whether the actions of the composite's
// transition to `state` at `since_ms` are still held at `now_ms`, and by what (AWS's
// ActionsSuppressedBy: "Alarm" while the suppressor is in ALARM, "ExtensionPeriod" for
// ActionsSuppressorExtensionPeriod after it left ALARM, "WaitPeriod" for ActionsSuppressorWaitPeriod
// after a transition to ALARM while the suppressor has not been in ALARM); empty: run them now.
struct SuppressionInput {
  std::string state;  // the composite's new state
  int64_t since_ms = 0;
  std::string sup_state, sup_prev;  // the suppressor's state and the one before its last transition
  int64_t sup_changed_ms = 0;       // the suppressor's last transition
  int64_t wait_ms = 0, ext_ms = 0;
  bool seen_alarm = false;  // the suppressor was in ALARM since the transition
};
std::string suppressed_by(const SuppressionInput& in, int64_t now_ms);

// Composite alarm rules.
struct RuleError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct RuleNode {
  enum Kind { constant, check, op_and, op_or, op_not } kind = constant;
  bool value = false;
  std::string state, alarm;  // for `check`: ALARM/OK/INSUFFICIENT_DATA and the alarm name or ARN
  std::vector<std::unique_ptr<RuleNode>> args;
};
// At most 10240 characters, 100 alarms and 500 elements, nesting 64.
std::unique_ptr<RuleNode> parse_rule(std::string_view text);
void rule_alarms(const RuleNode& n, std::vector<std::string>& out);
bool eval_rule(const RuleNode& n, const std::function<std::string(const std::string&)>& state_of);

}  // namespace stratus::cloudwatch
