// CloudWatch's operation handlers (service.cc holds the table) and the state they reach through
// ctx.server.port<State>(): the store, the in-memory aggregator behind cloudwatch::Api and the
// ports to other services.
#pragma once

#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/doc.h"
#include "core/error.h"
#include "services/cloudwatch/api.h"
#include "services/cloudwatch/store.h"
#include "services/service.h"

namespace stratus {
class ServerContext;
namespace events {
class Api;
}
}  // namespace stratus

namespace stratus::cloudwatch {

// Errors as CloudWatch names them (awsQuery codes; the model's shapes carry them).
inline AwsError invalid_value(std::string m) {
  return {"InvalidParameterValue", std::move(m), 400};
}
inline AwsError missing_param(std::string m) {
  return {"MissingParameter", std::move(m), 400};
}
inline AwsError invalid_combination(std::string m) {
  return {"InvalidParameterCombination", std::move(m), 400};
}
inline AwsError not_found(std::string m) {
  return {"ResourceNotFound", std::move(m), 404};
}
inline AwsError validation_error(std::string m) {
  return {"ValidationError", std::move(m), 400};
}

// The in-memory aggregator of service metrics (cloudwatch::Api).
class Aggregator final : public Api {
 public:
  explicit Aggregator(Store& store) : store_(store) {}
  void put(std::string_view account, std::string_view region, std::string_view ns, std::string_view name,
           std::span<const Dimension> dimensions, double value, std::string_view unit, int64_t time_ms,
           double count) override;
  void put_values(std::string_view account, std::string_view region, std::string_view ns, std::string_view name,
                  std::span<const Dimension> dimensions, std::span<const double> values, std::span<const double> counts,
                  std::string_view unit, int64_t time_ms) override;
  bool put_log_line(std::string_view account, std::string_view region, std::string_view line) override;
  // Writes every aggregated minute into the store.
  void flush();
  // Forgets what is not flushed yet (POST /_stratus/reset).
  void clear() {
    std::lock_guard lock(mu_);
    slots_.clear();
  }

 private:
  struct Slot {
    std::string account, region, series;
    Datum d;
  };
  Slot* slot(std::string_view account, std::string_view region, std::string_view ns, std::string_view name,
             std::span<const Dimension> dims, std::string_view unit, int64_t time_ms);
  Store& store_;
  std::mutex mu_;
  std::unordered_map<std::string, Slot> slots_;
};

struct State {
  std::unique_ptr<Store> store;
  std::unique_ptr<Aggregator> agg;
  ServerContext* server = nullptr;
  events::Api* bus = nullptr;
  // Evaluates every alarm once (the scheduler's task; tests call it through the service).
  void evaluate_alarms(int64_t now_ms);
  // Runs the actions and the EventBridge event of a state change (durable, events queue).
  // `fire`: both (all), the event only (actions held by an ActionsSuppressor), or the held actions.
  enum class Fire { all, event, actions };
  void on_transition(const std::string& account, const std::string& region, const Doc& alarm,
                     const std::string& old_state, int64_t now_ms, Fire fire = Fire::all);
  // Composite alarms' ActionsSuppressor (store->mu held by callers of hold_actions).
  bool hold_actions(const std::string& account, const std::string& region, Doc& alarm, int64_t now_ms);
  void release_actions(const Store::Located& a, int64_t now_ms);
};
State& state_of(OpContext& ctx);

// A map of the given members: obj({{"Name", n}, {"Value", v}}).
inline Doc obj(std::initializer_list<std::pair<const char*, Doc>> members) {
  Doc d = Doc::map();
  for (const auto& [k, v] : members) d.set(k, v);
  return d;
}

// Shared helpers (ops/metrics.cc).
MetricId metric_of(const Doc& metric);  // {Namespace, MetricName, Dimensions} -> MetricId (sorted)
Doc metric_doc(const MetricId& m);
// Validation of a period for a given start time.
void check_period(int64_t period, const char* member);
std::string iso8601(int64_t ms);

// ---- metrics (ops/metrics.cc) ----
HandlerFn put_metric_data, get_metric_statistics, list_metrics, get_metric_data;
// ---- alarms (ops/alarms.cc) ----
HandlerFn put_metric_alarm, put_composite_alarm, describe_alarms, describe_alarms_for_metric, delete_alarms,
    set_alarm_state, enable_alarm_actions, disable_alarm_actions, describe_alarm_history;
HandlerFn put_anomaly_detector, describe_anomaly_detectors, delete_anomaly_detector;
// ---- dashboards and tags (ops/dashboards.cc) ----
HandlerFn put_dashboard, get_dashboard, list_dashboards, delete_dashboards, tag_resource, untag_resource,
    list_tags_for_resource;

// GetMetricData's core, shared with alarms over Metrics: evaluates MetricDataQueries over
// [start, end) and returns the result per query Id (all of them, ReturnData or not).
struct QueryResult {
  std::string id, label;
  std::vector<int64_t> ts;
  std::vector<double> values;
  bool return_data = true;
  std::vector<std::string> messages;
};
std::vector<QueryResult> run_queries(Store& store, const std::string& account, const std::string& region,
                                     const Doc& queries, int64_t start_ms, int64_t end_ms);

}  // namespace stratus::cloudwatch
