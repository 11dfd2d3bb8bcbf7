// Metric and composite alarms: PutMetricAlarm / PutCompositeAlarm, Describe*, SetAlarmState,
// actions, history, anomaly detectors, and the evaluator (State::evaluate_alarms) that runs on the
// "cloudwatch" scheduler.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <set>

#include <spdlog/spdlog.h>

#include "core/arn.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/paging.h"
#include "events/queue.h"
#include "server/context.h"
#include "services/cloudwatch/alarm.h"
#include "services/cloudwatch/ops.h"
#include "services/cloudwatch/schema.h"
#include "services/events/api.h"
#include "services/lambda/invoke.h"

namespace stratus::cloudwatch {

namespace {

constexpr std::string_view kAlarms = schema::kAlarms.name;
constexpr const char* kActionTopic = "cloudwatch.action";

const std::set<std::string> kStaticOps = {"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                                          "LessThanOrEqualToThreshold"};
const std::set<std::string> kBandOps = {"LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold",
                                        "GreaterThanUpperThreshold"};

std::string alarm_arn(const std::string& account, const std::string& region, const std::string& name) {
  return "arn:aws:cloudwatch:" + region + ":" + account + ":alarm:" + name;
}

std::string java_double(double v) {
  char b[64];
  if (std::floor(v) == v && std::fabs(v) < 1e15) {
    snprintf(b, sizeof b, "%.1f", v);
    return b;
  }
  for (int p = 1; p <= 17; ++p) {
    snprintf(b, sizeof b, "%.*g", p, v);
    if (std::strtod(b, nullptr) == v) return b;
  }
  return b;
}

std::string short_date(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  snprintf(b, sizeof b, "%02d/%02d/%02d %02d:%02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year % 100, tm.tm_hour,
           tm.tm_min, tm.tm_sec);
  return b;
}

std::string region_name(const std::string& r) {
  static const std::map<std::string, std::string> k = {{"us-east-1", "US East (N. Virginia)"},
                                                       {"us-east-2", "US East (Ohio)"},
                                                       {"us-west-1", "US West (N. California)"},
                                                       {"us-west-2", "US West (Oregon)"},
                                                       {"eu-west-1", "EU (Ireland)"},
                                                       {"eu-central-1", "EU (Frankfurt)"},
                                                       {"eu-west-2", "EU (London)"},
                                                       {"ap-southeast-1", "Asia Pacific (Singapore)"},
                                                       {"ap-northeast-1", "Asia Pacific (Tokyo)"},
                                                       {"ap-southeast-2", "Asia Pacific (Sydney)"}};
  auto it = k.find(r);
  return it == k.end() ? r : it->second;
}

std::string cmp_words(const std::string& op) {
  if (op == "GreaterThanOrEqualToThreshold") return "greater than or equal to";
  if (op == "GreaterThanThreshold") return "greater than";
  if (op == "LessThanThreshold") return "less than";
  if (op == "LessThanOrEqualToThreshold") return "less than or equal to";
  return "outside the band of";
}

// Timestamps in records are epoch ms integers; these members become Timestamps when answered.
constexpr const char* kTimeMembers[] = {"AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp",
                                        "StateTransitionedTimestamp", "ActionsSuppressedByTimestamp"};

Doc render_alarm(const Doc& rec) {
  Doc out = rec;
  for (const char* m : kTimeMembers)
    if (const Doc* t = rec.get(m); t && t->is_number()) out.set(m, Timestamp{t->as_int()});
  out.as_map().erase("Kind");
  out.as_map().erase("Tags");
  out.as_map().erase("Account");
  out.as_map().erase("PrevReason");
  out.as_map().erase("PrevStateValue");
  out.as_map().erase("PendingActions");
  return out;
}

void check_actions(const Doc& in, const char* member, bool composite) {
  const Doc* l = in.get(member);
  if (!l || !l->is_list()) return;
  if (l->as_list().size() > 5)
    throw validation_error(std::string("The collection ") + member + " must not have a size greater than 5.");
  for (const auto& a : l->as_list()) {
    std::string s = a.as_string();
    auto arn = Arn::parse(s);
    if (!arn) throw validation_error("Invalid arn syntax: " + s);
    bool ok = arn->service == "sns" || arn->service == "lambda" || arn->service == "ssm" ||
              arn->service == "ssm-incidents" || arn->service == "aiops";
    if (!composite) ok = ok || arn->service == "automate" || arn->service == "swf" || arn->service == "autoscaling";
    if (!ok)
      throw validation_error(
          "Invalid use of EC2 'Stop', 'Terminate', 'Recover' or 'Reboot' action or "
          "unsupported action: " +
          s);
  }
}

void history(State& st, const std::string& account, const std::string& region, const Doc& alarm,
             const std::string& type, const std::string& summary, const Doc& data, int64_t now) {
  Doc item = Doc::map();
  item.set("AlarmName", alarm.str("AlarmName"));
  item.set("AlarmType", alarm.str("Kind", "MetricAlarm"));
  item.set("HistoryItemType", type);
  item.set("HistorySummary", summary);
  item.set("HistoryData", json::write(data));
  item.set("Timestamp", now);
  st.store->add_history(account, region, alarm.str("AlarmName"), now, item);
}

void set_state(State& st, const std::string& account, const std::string& region, Doc& alarm, const std::string& value,
               const std::string& reason, const std::string& reason_data, int64_t now) {
  std::string old = alarm.str("StateValue");
  alarm.set("StateValue", value);
  alarm.set("StateReason", reason);
  if (!reason_data.empty())
    alarm.set("StateReasonData", reason_data);
  else
    alarm.as_map().erase("StateReasonData");
  alarm.set("StateUpdatedTimestamp", now);
  if (old != value) {
    alarm.set("StateTransitionedTimestamp", now);
    alarm.set("PrevStateValue", old);
  }
  // A composite with an ActionsSuppressor may hold the actions of this transition.
  bool hold = false;
  if (old != value && alarm.has("ActionsSuppressor")) {
    alarm.as_map().erase("ActionsSuppressedBy");
    alarm.as_map().erase("ActionsSuppressedReason");
    Doc pending = Doc::map();
    pending.set("state", value);
    pending.set("old", old);
    pending.set("since", now);
    pending.set("seenAlarm", false);
    alarm.set("PendingActions", std::move(pending));
    hold = st.hold_actions(account, region, alarm, now);
  }
  st.store->put(kAlarms, account, region, alarm.str("AlarmName"), alarm);
  if (old == value) return;
  Doc data = Doc::map();
  data.set("version", "1.0");
  data.set("oldState", obj({{"stateValue", old}, {"stateReason", alarm.str("PrevReason")}}));
  Doc ns = Doc::map();
  ns.set("stateValue", value);
  ns.set("stateReason", reason);
  if (!reason_data.empty()) {
    try {
      ns.set("stateReasonData", json::parse(reason_data));
    } catch (const std::exception&) {
    }
  }
  data.set("newState", std::move(ns));
  history(st, account, region, alarm, "StateUpdate", "Alarm updated from " + old + " to " + value, data, now);
  st.on_transition(account, region, alarm, old, now, hold ? State::Fire::event : State::Fire::all);
}

// What Put(Metric|Composite)Alarm store besides the input's members: empty action lists,
// ActionsEnabled, the ARN, and the state (kept on update; INSUFFICIENT_DATA on creation, with
// the tags, which an update ignores).
void complete_record(OpContext& ctx, const Doc& in, Doc& rec, const std::optional<Doc>& old, const char* kind,
                     int64_t now);

// Stores a Put*Alarm's record (completed) and its ConfigurationUpdate history item.
void save_alarm(OpContext& ctx, const Doc& in, Doc& rec, const std::optional<Doc>& old, const char* kind, int64_t now) {
  State& st = state_of(ctx);
  complete_record(ctx, in, rec, old, kind, now);
  std::string name = in.str("AlarmName");
  if (!st.store->put(kAlarms, ctx.account(), ctx.region(), name, rec))
    throw AwsError("InternalServiceError", "Internal error storing the alarm.", 500, false);
  Doc data = Doc::map();
  data.set("version", "1.0");
  data.set("type", old ? "Update" : "Create");
  history(st, ctx.account(), ctx.region(), rec, "ConfigurationUpdate",
          "Alarm \"" + name + "\" " + (old ? "updated" : "created"), data, now);
}

void complete_record(OpContext& ctx, const Doc& in, Doc& rec, const std::optional<Doc>& old, const char* kind,
                     int64_t now) {
  for (const char* k : {"AlarmActions", "OKActions", "InsufficientDataActions"})
    if (!rec.has(k)) rec.set(k, Doc::list());
  rec.set("ActionsEnabled", in.flag("ActionsEnabled", true));
  rec.set("Kind", kind);
  rec.set("AlarmArn", alarm_arn(ctx.account(), ctx.region(), in.str("AlarmName")));
  rec.set("AlarmConfigurationUpdatedTimestamp", now);
  if (old) {
    for (const char* k : {"StateValue", "StateReason", "StateReasonData", "StateUpdatedTimestamp",
                          "StateTransitionedTimestamp", "Tags"})
      if (const Doc* v = old->get(k)) rec.set(k, *v);
  } else {
    rec.set("StateValue", "INSUFFICIENT_DATA");
    rec.set("StateReason", "Unchecked: Initial alarm creation");
    rec.set("StateUpdatedTimestamp", now);
    rec.set("StateTransitionedTimestamp", now);
    if (const Doc* t = in.get("Tags")) rec.set("Tags", *t);
  }
}

int64_t int_of(const Doc& d, std::string_view m, int64_t dflt) {
  const Doc* x = d.get(m);
  return x && x->is_number() ? x->as_int() : dflt;
}

}  // namespace

State& state_of(OpContext& ctx) {
  return *ctx.server.port<State>();
}

// ---- PutMetricAlarm ----

Doc put_metric_alarm(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::string name = in.str("AlarmName");
  for (unsigned char c : name)
    if (c < 0x20) throw validation_error("The value for parameter AlarmName contains control characters.");
  bool has_metric = in.has("MetricName"), has_metrics = in.has("Metrics");
  if (in.has("EvaluationCriteria")) throw validation_error("EvaluationCriteria (PromQL alarms) is not supported.");
  if (has_metric == has_metrics) throw validation_error("Exactly one of MetricName and Metrics must be specified.");
  if (has_metric) {
    if (!in.has("Namespace")) throw missing_param("The parameter Namespace is required.");
    if (!in.has("Period")) throw missing_param("The parameter Period is required.");
    if (in.has("Statistic") == in.has("ExtendedStatistic"))
      throw invalid_combination("Exactly one of Statistic and ExtendedStatistic must be specified.");
    if (in.has("ExtendedStatistic") && !is_percentile_like(in.str("ExtendedStatistic")))
      throw validation_error("The value " + in.str("ExtendedStatistic") +
                             " for parameter ExtendedStatistic is not supported.");
  } else {
    for (const char* m : {"Namespace", "Period", "Statistic", "ExtendedStatistic", "Dimensions", "Unit"})
      if (in.has(m))
        throw validation_error(std::string("The parameter ") + m + " cannot be used together with Metrics.");
    const auto& qs = in.get("Metrics")->as_list();
    int returned = 0, stats = 0, exprs = 0;
    std::string tid = in.str("ThresholdMetricId");
    for (const auto& q : qs) {
      returned += q.flag("ReturnData", true) && q.str("Id") != tid;
      (q.has("MetricStat") ? stats : exprs)++;
    }
    if (returned != 1)
      throw validation_error(
          "Metrics list must contain exactly one metric matching the ThresholdMetricId "
          "parameter or exactly one metric with ReturnData set to true.");
    if (stats > 10 || exprs > 10 || qs.size() > 20)
      throw validation_error("Alarms on metric math can have at most 10 metrics and 10 expressions.");
  }
  if (!in.has("EvaluationPeriods")) throw missing_param("The parameter EvaluationPeriods is required.");
  if (!in.has("ComparisonOperator")) throw missing_param("The parameter ComparisonOperator is required.");
  std::string cmp = in.str("ComparisonOperator");
  int64_t n = in.integer("EvaluationPeriods");
  if (n < 1) throw validation_error("The value for parameter EvaluationPeriods must be at least 1.");
  int64_t m = in.integer("DatapointsToAlarm", n);
  if (m < 1 || m > n)
    throw validation_error("DatapointsToAlarm must be greater than 0 and less than or equal to EvaluationPeriods.");
  if (kBandOps.count(cmp)) {
    if (!in.has("ThresholdMetricId"))
      throw validation_error("ComparisonOperators for ranges require ThresholdMetricId to be set");
  } else {
    if (in.has("ThresholdMetricId"))
      throw validation_error("ThresholdMetricId can only be used with an anomaly detection ComparisonOperator.");
    if (!in.has("Threshold")) throw missing_param("The parameter Threshold is required.");
  }
  int64_t period = in.integer("Period");
  if (has_metrics)
    for (const auto& q : in.get("Metrics")->as_list()) {
      int64_t p = q.has("MetricStat") ? q.get("MetricStat")->integer("Period") : q.integer("Period");
      if (p > 0) period = period ? std::min(period, p) : p;
    }
  if (period <= 0) period = 60;
  if (!(period == 10 || period == 20 || period == 30 || period % 60 == 0))
    throw validation_error("Period must be 10, 20, 30 or a multiple of 60.");
  if (period < 3600 && period * n > 86400)
    throw validation_error(
        "Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= "
        "86400).");
  if (period * n > 7 * 86400)
    throw validation_error(
        "The evaluation period of the alarm must not exceed 7 days (EvaluationPeriods * Period "
        "must be <= 604800).");
  std::string treat = in.str("TreatMissingData", "missing");
  if (treat != "missing" && treat != "ignore" && treat != "breaching" && treat != "notBreaching")
    throw validation_error("The value " + treat +
                           " for parameter TreatMissingData is invalid. Valid values are breaching, notBreaching, "
                           "ignore, and missing.");
  std::string low = in.str("EvaluateLowSampleCountPercentile");
  if (!low.empty() && low != "evaluate" && low != "ignore")
    throw validation_error("The value " + low +
                           " for parameter EvaluateLowSampleCountPercentile is invalid. Valid values are evaluate "
                           "and ignore.");
  for (const char* a : {"AlarmActions", "OKActions", "InsufficientDataActions"}) check_actions(in, a, false);
  if (has_metrics) {
    // The queries must run: validate ids, expressions and ThresholdMetricId now.
    int64_t now = now_millis();
    auto rs = run_queries(*st.store, ctx.account(), ctx.region(), *in.get("Metrics"), now - period * 1000, now);
    if (in.has("ThresholdMetricId")) {
      std::string tid = in.str("ThresholdMetricId");
      bool found = false;
      for (const auto& q : in.get("Metrics")->as_list())
        found =
            found || (q.str("Id") == tid && q.str("Expression").find("ANOMALY_DETECTION_BAND") != std::string::npos);
      if (!found)
        throw validation_error("ThresholdMetricId " + tid +
                               " must be the Id of an ANOMALY_DETECTION_BAND "
                               "expression in Metrics.");
    }
  }
  int64_t now = now_millis();
  std::lock_guard lock(st.store->mu);
  auto old = st.store->get(kAlarms, ctx.account(), ctx.region(), name);
  if (old && old->str("Kind") == "CompositeAlarm")
    throw validation_error("An alarm named " + name + " already exists as a composite alarm.");
  Doc rec = Doc::map();
  for (const char* k : {"AlarmName",
                        "AlarmDescription",
                        "MetricName",
                        "Namespace",
                        "Statistic",
                        "ExtendedStatistic",
                        "Dimensions",
                        "Period",
                        "Unit",
                        "EvaluationPeriods",
                        "DatapointsToAlarm",
                        "Threshold",
                        "ComparisonOperator",
                        "TreatMissingData",
                        "EvaluateLowSampleCountPercentile",
                        "Metrics",
                        "ThresholdMetricId",
                        "AlarmActions",
                        "OKActions",
                        "InsufficientDataActions"})
    if (const Doc* v = in.get(k)) rec.set(k, *v);
  if (!rec.has("Dimensions") && has_metric) rec.set("Dimensions", Doc::list());
  save_alarm(ctx, in, rec, old, "MetricAlarm", now);
  return Doc::map();
}

Doc put_composite_alarm(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::string name = in.str("AlarmName");
  std::string rule = in.str("AlarmRule");
  std::unique_ptr<RuleNode> parsed;
  try {
    parsed = parse_rule(rule);
  } catch (const RuleError& e) {
    throw validation_error(std::string("Error in AlarmRule: ") + e.what());
  }
  for (const char* a : {"AlarmActions", "OKActions", "InsufficientDataActions"}) check_actions(in, a, true);
  if (in.has("ActionsSuppressor") &&
      (!in.has("ActionsSuppressorWaitPeriod") || !in.has("ActionsSuppressorExtensionPeriod")))
    throw validation_error(
        "ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod are required when "
        "ActionsSuppressor is set.");
  std::vector<std::string> children;
  rule_alarms(*parsed, children);
  for (const auto& c : children) {
    std::string cn =
        c.rfind("arn:", 0) == 0 ? c.substr(c.find(":alarm:") == std::string::npos ? 0 : c.find(":alarm:") + 7) : c;
    if (cn == name) throw validation_error("The AlarmRule of a composite alarm cannot reference the alarm itself.");
    if (!st.store->get(kAlarms, ctx.account(), ctx.region(), cn))
      throw validation_error("Could not save the composite alarm as alarms [" + cn +
                             "] in the alarm rule do not exist");
  }
  int64_t now = now_millis();
  std::lock_guard lock(st.store->mu);
  auto old = st.store->get(kAlarms, ctx.account(), ctx.region(), name);
  if (old && old->str("Kind") != "CompositeAlarm")
    throw validation_error("An alarm named " + name + " already exists as a metric alarm.");
  Doc rec = Doc::map();
  for (const char* k :
       {"AlarmName", "AlarmDescription", "AlarmRule", "AlarmActions", "OKActions", "InsufficientDataActions",
        "ActionsSuppressor", "ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod"})
    if (const Doc* v = in.get(k)) rec.set(k, *v);
  save_alarm(ctx, in, rec, old, "CompositeAlarm", now);
  return Doc::map();
}

Doc describe_alarms(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::set<std::string> names;
  if (const Doc* l = in.get("AlarmNames"); l && l->is_list())
    for (const auto& x : l->as_list()) names.insert(x.as_string());
  if (names.size() > 100) throw validation_error("The collection AlarmNames must not have a size greater than 100.");
  std::string prefix = in.str("AlarmNamePrefix"), state = in.str("StateValue"), action = in.str("ActionPrefix");
  if (!names.empty() && !prefix.empty())
    throw invalid_combination("AlarmNames and AlarmNamePrefix are mutually exclusive.");
  std::set<std::string> types;
  if (const Doc* l = in.get("AlarmTypes"); l && l->is_list())
    for (const auto& x : l->as_list()) types.insert(x.as_string());
  if (types.empty()) types.insert("MetricAlarm");
  std::string children_of = in.str("ChildrenOfAlarmName"), parents_of = in.str("ParentsOfAlarmName");
  std::set<std::string> related;
  auto all = st.store->list(kAlarms, ctx.account(), ctx.region());
  if (!children_of.empty() || !parents_of.empty()) {
    if (!children_of.empty() && !parents_of.empty())
      throw invalid_combination("ChildrenOfAlarmName and ParentsOfAlarmName are mutually exclusive.");
    types = {"MetricAlarm", "CompositeAlarm"};
    for (const auto& [n, rec] : all) {
      if (rec.str("Kind") != "CompositeAlarm") continue;
      std::vector<std::string> kids;
      try {
        rule_alarms(*parse_rule(rec.str("AlarmRule")), kids);
      } catch (const RuleError&) {
        continue;
      }
      for (auto& k : kids)
        if (auto p = k.find(":alarm:"); p != std::string::npos) k = k.substr(p + 7);
      if (!children_of.empty() && n == children_of) related.insert(kids.begin(), kids.end());
      if (!parents_of.empty() && std::find(kids.begin(), kids.end(), parents_of) != kids.end()) related.insert(n);
    }
  }
  int64_t max = in.integer("MaxRecords", 50);
  if (max < 1 || max > 100) throw validation_error("The value for parameter MaxRecords must be between 1 and 100.");
  std::string token = in.str("NextToken");
  Doc metric = Doc::list(), composite = Doc::list();
  std::string next;
  int64_t count = 0;
  for (const auto& [n, rec] : all) {
    if (!token.empty() && n < token) continue;
    if (!names.empty() && !names.count(n)) continue;
    if (!prefix.empty() && n.rfind(prefix, 0) != 0) continue;
    if (!state.empty() && rec.str("StateValue") != state) continue;
    std::string kind = rec.str("Kind", "MetricAlarm");
    if (!types.count(kind)) continue;
    if ((!children_of.empty() || !parents_of.empty()) && !related.count(n)) continue;
    if (!action.empty()) {
      bool any = false;
      for (const char* a : {"AlarmActions", "OKActions", "InsufficientDataActions"})
        if (const Doc* l = rec.get(a); l && l->is_list())
          for (const auto& x : l->as_list()) any = any || x.as_string().rfind(action, 0) == 0;
      if (!any) continue;
    }
    if (count == max) {
      next = n;
      break;
    }
    ++count;
    (kind == "CompositeAlarm" ? composite : metric).push(render_alarm(rec));
  }
  Doc out = Doc::map();
  out.set("MetricAlarms", std::move(metric));
  out.set("CompositeAlarms", std::move(composite));
  if (!next.empty()) out.set("NextToken", next);
  return out;
}

Doc describe_alarms_for_metric(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  MetricId want = metric_of(in);
  Doc list = Doc::list();
  for (const auto& [n, rec] : st.store->list(kAlarms, ctx.account(), ctx.region())) {
    if (rec.str("Kind") == "CompositeAlarm") continue;
    bool match = false;
    auto same = [&](const Doc& metric) {
      MetricId m = metric_of(metric);
      return m.ns == want.ns && m.name == want.name && series_key(m) == series_key(want);
    };
    if (rec.has("MetricName")) {
      match = same(rec);
      if (in.has("Statistic") && rec.str("Statistic") != in.str("Statistic")) match = false;
      if (in.has("ExtendedStatistic") && rec.str("ExtendedStatistic") != in.str("ExtendedStatistic")) match = false;
      if (in.has("Period") && rec.integer("Period") != in.integer("Period")) match = false;
      if (in.has("Unit") && rec.str("Unit") != in.str("Unit")) match = false;
    } else if (const Doc* qs = rec.get("Metrics"); qs && qs->is_list()) {
      for (const auto& q : qs->as_list())
        if (const Doc* ms = q.get("MetricStat")) match = match || same(*ms->get("Metric"));
    }
    if (match) list.push(render_alarm(rec));
  }
  return answer("MetricAlarms", std::move(list));
}

Doc delete_alarms(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::lock_guard lock(st.store->mu);
  std::vector<std::string> names;
  for (const auto& x : in.get("AlarmNames")->as_list()) names.push_back(x.as_string());
  if (names.size() > 100) throw validation_error("The collection AlarmNames must not have a size greater than 100.");
  std::vector<std::string> missing;
  for (const auto& n : names)
    if (!st.store->get(kAlarms, ctx.account(), ctx.region(), n)) missing.push_back(n);
  if (!missing.empty()) {
    std::string l;
    for (const auto& n : missing) l += (l.empty() ? "" : ", ") + n;
    throw not_found("1 or more alarms could not be found: [" + l + "]");
  }
  // A metric alarm that a composite alarm's rule names cannot be deleted first.
  for (const auto& [cn, rec] : st.store->list(kAlarms, ctx.account(), ctx.region())) {
    if (rec.str("Kind") != "CompositeAlarm" || std::find(names.begin(), names.end(), cn) != names.end()) continue;
    std::vector<std::string> kids;
    try {
      rule_alarms(*parse_rule(rec.str("AlarmRule")), kids);
    } catch (const RuleError&) {
      continue;
    }
    for (const auto& k : kids) {
      std::string kn = k.find(":alarm:") != std::string::npos ? k.substr(k.find(":alarm:") + 7) : k;
      if (std::find(names.begin(), names.end(), kn) != names.end())
        throw validation_error("Alarm " + kn + " cannot be deleted because it is referenced by composite alarm " + cn +
                               ".");
    }
  }
  for (const auto& n : names) {
    st.store->del(kAlarms, ctx.account(), ctx.region(), n);
    st.store->drop_history(ctx.account(), ctx.region(), n);
  }
  return Doc::map();
}

Doc set_alarm_state(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::string name = in.str("AlarmName"), value = in.str("StateValue");
  std::string data = in.str("StateReasonData");
  if (!data.empty()) {
    try {
      Doc d = json::parse(data);
      if (!d.is_map()) throw std::runtime_error("not an object");
    } catch (const std::exception&) {
      throw AwsError("InvalidFormat", "The StateReasonData parameter is not valid JSON.", 400);
    }
  }
  std::lock_guard lock(st.store->mu);
  auto rec = st.store->get(kAlarms, ctx.account(), ctx.region(), name);
  if (!rec) throw not_found("Alarm " + name + " not found");
  rec->set("PrevReason", rec->str("StateReason"));
  set_state(st, ctx.account(), ctx.region(), *rec, value, in.str("StateReason"), data, now_millis());
  return Doc::map();
}

namespace {
Doc toggle_actions(OpContext& ctx, const Doc& in, bool on) {
  State& st = state_of(ctx);
  std::lock_guard lock(st.store->mu);
  for (const auto& x : in.get("AlarmNames")->as_list()) {
    auto rec = st.store->get(kAlarms, ctx.account(), ctx.region(), x.as_string());
    if (!rec) continue;
    rec->set("ActionsEnabled", on);
    st.store->put(kAlarms, ctx.account(), ctx.region(), x.as_string(), *rec);
  }
  return Doc::map();
}
}  // namespace

Doc enable_alarm_actions(OpContext& ctx, const Doc& in) {
  return toggle_actions(ctx, in, true);
}
Doc disable_alarm_actions(OpContext& ctx, const Doc& in) {
  return toggle_actions(ctx, in, false);
}

Doc describe_alarm_history(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::string name = in.str("AlarmName"), type = in.str("HistoryItemType");
  int64_t start = 0, end = INT64_MAX;
  if (const Doc* s = in.get("StartDate"); s && s->is_timestamp()) start = s->as_timestamp().millis;
  if (const Doc* e = in.get("EndDate"); e && e->is_timestamp()) end = e->as_timestamp().millis;
  std::set<std::string> types;
  if (const Doc* l = in.get("AlarmTypes"); l && l->is_list())
    for (const auto& x : l->as_list()) types.insert(x.as_string());
  auto items = st.store->history(ctx.account(), ctx.region(), name);
  bool asc = in.str("ScanBy") == "TimestampAscending";
  std::stable_sort(items.begin(), items.end(), [&](const Doc& a, const Doc& b) {
    return asc ? a.integer("Timestamp") < b.integer("Timestamp") : a.integer("Timestamp") > b.integer("Timestamp");
  });
  int64_t max = in.integer("MaxRecords", 100);
  int64_t offset = 0;
  if (std::string tok = in.str("NextToken"); !tok.empty()) {
    char* e = nullptr;
    offset = std::strtoll(tok.c_str(), &e, 10);
    if (!e || *e || offset < 0) throw AwsError("InvalidNextToken", "The service cannot find the token.", 400);
  }
  std::vector<const Doc*> kept;
  for (const auto& it : items) {
    int64_t ts = it.integer("Timestamp");
    if (ts < start || ts > end) continue;
    if (!type.empty() && it.str("HistoryItemType") != type) continue;
    if (!types.empty() && !types.count(it.str("AlarmType"))) continue;
    kept.push_back(&it);
  }
  // NextToken: the decimal index of the next item
  auto page = paging::slice(static_cast<size_t>(offset), kept.size(), max, [&](size_t i) {
    Doc o = *kept[i];
    o.set("Timestamp", Timestamp{o.integer("Timestamp")});
    return o;
  });
  return page.answer("AlarmHistoryItems", "NextToken", [](size_t next) { return std::to_string(next); });
}

// ---- anomaly detectors ----
namespace {
std::string detector_key(const Doc& single) {
  MetricId m = metric_of(single);
  return series_key(m) + "\x1d" + single.str("Stat");
}
Doc single_of(const Doc& in) {
  if (const Doc* s = in.get("SingleMetricAnomalyDetector")) return *s;
  Doc s = Doc::map();
  for (const char* k : {"Namespace", "MetricName", "Dimensions", "Stat"})
    if (const Doc* v = in.get(k)) s.set(k, *v);
  return s;
}
}  // namespace

Doc put_anomaly_detector(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  if (in.has("MetricMathAnomalyDetector"))
    throw validation_error("MetricMathAnomalyDetector is not supported; use SingleMetricAnomalyDetector.");
  Doc s = single_of(in);
  if (s.str("Namespace").empty() || s.str("MetricName").empty() || s.str("Stat").empty())
    throw missing_param("The parameters Namespace, MetricName and Stat are required.");
  if (!valid_statistic(s.str("Stat")))
    throw invalid_value("The value " + s.str("Stat") + " for parameter Stat is invalid.");
  Doc rec = Doc::map();
  rec.set("SingleMetricAnomalyDetector", s);
  for (const char* k : {"Namespace", "MetricName", "Dimensions", "Stat"})
    if (const Doc* v = s.get(k)) rec.set(k, *v);
  if (const Doc* c = in.get("Configuration")) rec.set("Configuration", *c);
  if (const Doc* c = in.get("MetricCharacteristics")) rec.set("MetricCharacteristics", *c);
  rec.set("StateValue", "TRAINED");
  st.store->put(schema::kDetectors.name, ctx.account(), ctx.region(), detector_key(s), rec);
  return Doc::map();
}

Doc describe_anomaly_detectors(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  Doc list = Doc::list();
  for (const auto& [k, rec] : st.store->list(schema::kDetectors.name, ctx.account(), ctx.region())) {
    if (in.has("Namespace") && rec.str("Namespace") != in.str("Namespace")) continue;
    if (in.has("MetricName") && rec.str("MetricName") != in.str("MetricName")) continue;
    list.push(rec);
  }
  return answer("AnomalyDetectors", std::move(list));
}

Doc delete_anomaly_detector(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  Doc s = single_of(in);
  std::string key = detector_key(s);
  if (!st.store->get(schema::kDetectors.name, ctx.account(), ctx.region(), key))
    throw AwsError("ResourceNotFoundException", "No anomaly detection model found.", 404);
  st.store->del(schema::kDetectors.name, ctx.account(), ctx.region(), key);
  return Doc::map();
}

// ---- evaluation ----

// Composite action suppression: updates the pending actions' ActionsSuppressedBy (and reason) from
// the suppressor's state; true while they are held. Called with store->mu held.
bool State::hold_actions(const std::string& account, const std::string& region, Doc& alarm, int64_t now) {
  Doc* pending = alarm.get("PendingActions");
  if (!pending || !pending->is_map()) return false;
  std::string ref = alarm.str("ActionsSuppressor");
  std::string sup_name = ref.find(":alarm:") != std::string::npos ? ref.substr(ref.find(":alarm:") + 7) : ref;
  auto sup = store->get(kAlarms, account, region, sup_name);
  SuppressionInput in;
  in.state = pending->str("state");
  in.since_ms = pending->integer("since");
  in.seen_alarm = pending->flag("seenAlarm", false);
  in.wait_ms = alarm.integer("ActionsSuppressorWaitPeriod") * 1000;
  in.ext_ms = alarm.integer("ActionsSuppressorExtensionPeriod") * 1000;
  if (sup) {
    in.sup_state = sup->str("StateValue");
    in.sup_prev = sup->str("PrevStateValue");
    in.sup_changed_ms = sup->integer("StateTransitionedTimestamp");
  }
  std::string by = suppressed_by(in, now);
  if (by == "Alarm") pending->set("seenAlarm", true);
  if (by.empty()) {
    alarm.as_map().erase("ActionsSuppressedBy");
    alarm.as_map().erase("ActionsSuppressedReason");
    return false;
  }
  alarm.set("ActionsSuppressedBy", by);
  alarm.set("ActionsSuppressedReason", by == "Alarm" ? "Alarm " + sup_name + " is in ALARM state"
                                       : by == "WaitPeriod"
                                           ? "Waiting " + std::to_string(in.wait_ms / 1000) + " seconds for alarm " +
                                                 sup_name + " to go into ALARM state"
                                           : "Alarm " + sup_name + " went out of ALARM state; extension period of " +
                                                 std::to_string(in.ext_ms / 1000) + " seconds");
  return true;
}

// Each pass: a composite's held actions run once their suppression ends, or are dropped when the
// composite left the state they belong to.
void State::release_actions(const Store::Located& a, int64_t now) {
  if (!a.record.has("PendingActions")) return;
  std::lock_guard lock(store->mu);
  auto fresh = store->get(kAlarms, a.account, a.region, a.name);
  if (!fresh) return;
  const Doc* pending = fresh->get("PendingActions");
  if (!pending || !pending->is_map()) return;
  const std::string by = fresh->str("ActionsSuppressedBy"), old = pending->str("old");
  if (fresh->str("StateValue") != pending->str("state")) {
    fresh->as_map().erase("PendingActions");
    fresh->as_map().erase("ActionsSuppressedBy");
    fresh->as_map().erase("ActionsSuppressedReason");
  } else if (hold_actions(a.account, a.region, *fresh, now)) {
    if (fresh->str("ActionsSuppressedBy") == by) return;
  } else {
    fresh->as_map().erase("PendingActions");
    store->put(kAlarms, a.account, a.region, a.name, *fresh);
    on_transition(a.account, a.region, *fresh, old, now, Fire::actions);
    return;
  }
  store->put(kAlarms, a.account, a.region, a.name, *fresh);
}

void State::evaluate_alarms(int64_t now) {
  auto alarms = store->all(kAlarms);
  // Metric alarms first, then composites (which read their children's fresh states).
  std::stable_partition(alarms.begin(), alarms.end(),
                        [](const Store::Located& l) { return l.record.str("Kind") != "CompositeAlarm"; });
  for (auto& a : alarms) {
    try {
      Doc& rec = a.record;
      if (rec.str("Kind") == "CompositeAlarm") {
        struct Release {
          State& st;
          const Store::Located& a;
          int64_t now;
          ~Release() {
            try {
              st.release_actions(a, now);
            } catch (const std::exception& e) {
              spdlog::warn("cloudwatch: the held actions of {}: {}", a.name, e.what());
            }
          }
        } release{*this, a, now};
        std::unique_ptr<RuleNode> rule = parse_rule(rec.str("AlarmRule"));
        std::vector<std::string> triggering;
        bool insufficient = false;
        auto state_of_child = [&](const std::string& ref) {
          std::string n = ref.find(":alarm:") != std::string::npos ? ref.substr(ref.find(":alarm:") + 7) : ref;
          auto c = store->get(kAlarms, a.account, a.region, n);
          std::string s = c ? c->str("StateValue") : "INSUFFICIENT_DATA";
          if (!c) insufficient = true;
          if (s == "ALARM") triggering.push_back(n);
          return s;
        };
        bool on = eval_rule(*rule, state_of_child);
        std::string next = on ? "ALARM" : "OK";
        if (rec.str("StateValue") == next && rec.str("StateReason") != "Unchecked: Initial alarm creation") continue;
        std::lock_guard lock(store->mu);
        auto fresh = store->get(kAlarms, a.account, a.region, a.name);
        if (!fresh || fresh->str("StateValue") == next) continue;
        std::string reason;
        Doc rd = Doc::map();
        rd.set("triggeringAlarms", Doc::list());
        if (on) {
          reason = "arn:aws:cloudwatch:" + a.region + ":" + a.account +
                   ":alarm:" + (triggering.empty() ? std::string("TRUE") : triggering.front()) +
                   " transitioned to ALARM at " + iso8601(now);
          for (const auto& t : triggering) {
            Doc x = Doc::map();
            x.set("arn", alarm_arn(a.account, a.region, t));
            x.set("state", obj({{"value", "ALARM"}, {"timestamp", iso8601(now)}}));
            rd["triggeringAlarms"].push(std::move(x));
          }
        } else {
          reason = "The rule evaluated to FALSE";
        }
        (void)insufficient;
        fresh->set("PrevReason", fresh->str("StateReason"));
        set_state(*this, a.account, a.region, *fresh, next, reason, json::write(rd), now);
        continue;
      }
      Rule r;
      r.evaluation_periods = static_cast<int>(int_of(rec, "EvaluationPeriods", 1));
      r.datapoints_to_alarm = static_cast<int>(int_of(rec, "DatapointsToAlarm", r.evaluation_periods));
      r.comparison = rec.str("ComparisonOperator");
      r.threshold = rec.get("Threshold") && rec.get("Threshold")->is_number() ? rec.get("Threshold")->as_double() : 0;
      r.treat_missing = rec.str("TreatMissingData", "missing");
      std::string ns = rec.str("Namespace");
      if (ns.rfind("AWS/DynamoDB", 0) == 0) r.treat_missing = "ignore";
      int64_t period = int_of(rec, "Period", 0);
      if (const Doc* qs = rec.get("Metrics"); qs && qs->is_list())
        for (const auto& q : qs->as_list()) {
          int64_t p = q.has("MetricStat") ? q.get("MetricStat")->integer("Period") : q.integer("Period");
          if (p > 0) period = period ? std::min(period, p) : p;
        }
      if (period <= 0) period = 60;
      int64_t pm = period * 1000;
      int count = range_size(r.evaluation_periods);
      // Closed periods only: the range ends where the current, open period starts.
      const Window w = evaluation_window(now, pm, r.evaluation_periods);
      const int64_t start = w.start_ms, end = w.end_ms;
      std::vector<Point> range(static_cast<size_t>(count));
      for (int i = 0; i < count; ++i) range[static_cast<size_t>(i)].ts_ms = start + i * pm;
      std::string stat = rec.has("Statistic") ? rec.str("Statistic") : rec.str("ExtendedStatistic");
      bool low_samples = false;
      if (rec.has("MetricName")) {
        MetricId m = metric_of(rec);
        auto pts = store->read(a.account, a.region, series_key(m), start, end);
        for (const auto& ag : aggregate(pts, start, end, period, rec.str("Unit"))) {
          size_t i = static_cast<size_t>((ag.ts_ms - start) / pm);
          if (i < range.size()) {
            range[i].value = statistic(ag.d, stat);
            double p = statistic_percentile(stat);
            if (p > 0 && rec.str("EvaluateLowSampleCountPercentile") == "ignore") {
              double need = p >= 0.5 ? 10 / (1 - p) : 10 / p;
              if (ag.d.count < need) low_samples = true;
            }
          }
        }
      } else {
        auto rs = run_queries(*store, a.account, a.region, *rec.get("Metrics"), start, end);
        std::string tid = rec.str("ThresholdMetricId");
        int band_i = 0;
        for (const auto& q : rs) {
          auto place = [&](auto setter) {
            for (size_t k = 0; k < q.ts.size(); ++k) {
              size_t i = static_cast<size_t>((q.ts[k] - start) / pm);
              if (q.ts[k] >= start && i < range.size()) setter(range[i], q.values[k]);
            }
          };
          if (!tid.empty() && q.id == tid) {
            if (band_i++ == 0)
              place([](Point& p, double v) { p.upper = v; });
            else
              place([](Point& p, double v) { p.lower = v; });
          } else if (q.return_data) {
            place([](Point& p, double v) { p.value = v; });
          }
        }
      }
      if (low_samples) continue;
      Verdict v = evaluate_alarm(r, range);
      if (v.state.empty()) continue;
      std::string cur = rec.str("StateValue");
      if (v.state == cur) continue;
      std::lock_guard lock(store->mu);
      auto fresh = store->get(kAlarms, a.account, a.region, a.name);
      if (!fresh || fresh->str("StateValue") == v.state ||
          fresh->integer("AlarmConfigurationUpdatedTimestamp") != rec.integer("AlarmConfigurationUpdatedTimestamp"))
        continue;
      // The reason, as AWS writes it.
      std::string pts, recent;
      Doc recent_l = Doc::list(), evaluated = Doc::list();
      for (auto it = v.decided.rbegin(); it != v.decided.rend(); ++it) {
        if (!pts.empty()) pts += ", ";
        pts += java_double(*it->value) + " (" + short_date(it->ts_ms) + ")";
        recent_l.push(*it->value);
        Doc e = Doc::map();
        e.set("timestamp", iso8601(it->ts_ms));
        e.set("value", *it->value);
        evaluated.push(std::move(e));
      }
      std::string reason, words = cmp_words(r.comparison), thr = java_double(r.threshold);
      int n = r.evaluation_periods, m = r.datapoints_to_alarm > 0 ? r.datapoints_to_alarm : n;
      if (v.state == "INSUFFICIENT_DATA") {
        reason = "Insufficient Data: " + std::to_string(n) + " datapoint" + (n == 1 ? " was" : "s were") + " unknown.";
      } else if (v.decided.empty()) {
        reason = "Threshold Crossed: no datapoints were received for " + std::to_string(n) + " period" +
                 (n == 1 ? "" : "s") + " and " + std::to_string(n) + " missing datapoint" +
                 (n == 1 ? " was" : "s were") + " treated as [" +
                 (r.treat_missing == "breaching" ? "Breaching" : "NonBreaching") + "].";
      } else if (v.state == "ALARM") {
        reason = "Threshold Crossed: " + std::to_string(v.breaching) + " out of the last " +
                 std::to_string(v.decided.size()) + " datapoints [" + pts + "] " +
                 (v.breaching == 1 ? "was " : "were ") + words + " the threshold (" + thr + ") (minimum " +
                 std::to_string(m) + " datapoint" + (m == 1 ? "" : "s") + " for " + cur + " -> ALARM transition).";
      } else {
        reason = "Threshold Crossed: " + std::to_string(v.decided.size()) + " datapoint" +
                 (v.decided.size() == 1 ? " [" : "s [") + pts + "] " + (v.decided.size() == 1 ? "was" : "were") +
                 " not " + words + " the threshold (" + thr + ").";
      }
      Doc rd = Doc::map();
      rd.set("version", "1.0");
      rd.set("queryDate", iso8601(now));
      rd.set("startDate", iso8601(start));
      if (!stat.empty()) rd.set("statistic", stat);
      rd.set("period", period);
      rd.set("recentDatapoints", std::move(recent_l));
      if (kStaticOps.count(r.comparison)) rd.set("threshold", r.threshold);
      rd.set("evaluatedDatapoints", std::move(evaluated));
      fresh->set("PrevReason", fresh->str("StateReason"));
      set_state(*this, a.account, a.region, *fresh, v.state, reason, json::write(rd), now);
    } catch (const std::exception& e) {
      spdlog::warn("cloudwatch: evaluating alarm {}: {}", a.name, e.what());
    }
  }
}

void State::on_transition(const std::string& account, const std::string& region, const Doc& alarm,
                          const std::string& old_state, int64_t now, Fire fire) {
  const std::string name = alarm.str("AlarmName"), value = alarm.str("StateValue");
  bool composite = alarm.str("Kind") == "CompositeAlarm";
  // The configuration as the event and the Lambda payload describe it.
  Doc config = Doc::map();
  if (alarm.has("AlarmDescription")) config.set("description", alarm.str("AlarmDescription"));
  if (composite) {
    config.set("alarmRule", alarm.str("AlarmRule"));
    if (alarm.has("ActionsSuppressor")) {
      config.set("actionsSuppressor", alarm.str("ActionsSuppressor"));
      config.set("actionsSuppressorWaitPeriod", alarm.integer("ActionsSuppressorWaitPeriod"));
      config.set("actionsSuppressorExtensionPeriod", alarm.integer("ActionsSuppressorExtensionPeriod"));
    }
  } else {
    Doc metrics = Doc::list();
    auto metric_stat = [](const Doc& metric, int64_t period, const std::string& stat) {
      Doc dims = Doc::map();
      if (const Doc* l = metric.get("Dimensions"); l && l->is_list())
        for (const auto& d : l->as_list()) dims.set(d.str("Name"), d.str("Value"));
      Doc mm = Doc::map();
      mm.set("namespace", metric.str("Namespace"));
      mm.set("name", metric.str("MetricName"));
      mm.set("dimensions", std::move(dims));
      Doc ms = Doc::map();
      ms.set("metric", std::move(mm));
      ms.set("period", period);
      ms.set("stat", stat);
      return ms;
    };
    if (alarm.has("MetricName")) {
      Doc q = Doc::map();
      q.set("id", "m1");
      q.set("metricStat",
            metric_stat(alarm, alarm.integer("Period"),
                        alarm.has("Statistic") ? alarm.str("Statistic") : alarm.str("ExtendedStatistic")));
      q.set("returnData", true);
      metrics.push(std::move(q));
    } else if (const Doc* qs = alarm.get("Metrics"); qs && qs->is_list()) {
      for (const auto& x : qs->as_list()) {
        Doc q = Doc::map();
        q.set("id", x.str("Id"));
        if (const Doc* ms = x.get("MetricStat"))
          q.set("metricStat", metric_stat(*ms->get("Metric"), ms->integer("Period"), ms->str("Stat")));
        if (x.has("Expression")) q.set("expression", x.str("Expression"));
        if (x.has("Label")) q.set("label", x.str("Label"));
        q.set("returnData", x.flag("ReturnData", true));
        metrics.push(std::move(q));
      }
    }
    config.set("metrics", std::move(metrics));
  }
  auto state_doc = [&](const std::string& v, const std::string& reason, const std::string& data, int64_t ts) {
    Doc s = Doc::map();
    s.set("value", v);
    s.set("reason", reason);
    if (!data.empty()) s.set("reasonData", data);
    s.set("timestamp", iso8601(ts));
    return s;
  };
  Doc detail = Doc::map();
  detail.set("alarmName", name);
  detail.set("state", state_doc(value, alarm.str("StateReason"), alarm.str("StateReasonData"), now));
  if (alarm.has("ActionsSuppressedBy")) {
    detail["state"].set("actionsSuppressedBy", alarm.str("ActionsSuppressedBy"));
    detail["state"].set("actionsSuppressedReason", alarm.str("ActionsSuppressedReason"));
  }
  detail.set("previousState", state_doc(old_state, alarm.str("PrevReason"), "", now));
  detail.set("configuration", config);
  const std::string arn = alarm_arn(account, region, name);
  if (bus && fire != Fire::actions) {
    events::Entry e;
    e.source = "aws.cloudwatch";
    e.detail_type = "CloudWatch Alarm State Change";
    e.detail = json::write(detail);
    e.resources = {arn};
    Result<std::string> id = bus->put(account, region, std::move(e));
    if (!id) spdlog::warn("cloudwatch: alarm event for {}: {}", name, id.error().message);
  }
  if (fire == Fire::event || !alarm.flag("ActionsEnabled", true)) return;
  const char* list = value == "ALARM" ? "AlarmActions" : value == "OK" ? "OKActions" : "InsufficientDataActions";
  const Doc* actions = alarm.get(list);
  if (!actions || !actions->is_list() || actions->as_list().empty()) return;
  // SNS: AWS's alarm notification JSON. Lambda: the alarm event payload.
  Doc msg = Doc::map();
  msg.set("AlarmName", name);
  msg.set("AlarmDescription", alarm.has("AlarmDescription") ? Doc(alarm.str("AlarmDescription")) : Doc());
  msg.set("AWSAccountId", account);
  msg.set("AlarmConfigurationUpdatedTimestamp", iso8601(alarm.integer("AlarmConfigurationUpdatedTimestamp")));
  msg.set("NewStateValue", value);
  msg.set("NewStateReason", alarm.str("StateReason"));
  msg.set("StateChangeTime", iso8601(now));
  msg.set("Region", region_name(region));
  msg.set("AlarmArn", arn);
  msg.set("OldStateValue", old_state);
  msg.set("OKActions", alarm.get("OKActions") ? *alarm.get("OKActions") : Doc::list());
  msg.set("AlarmActions", alarm.get("AlarmActions") ? *alarm.get("AlarmActions") : Doc::list());
  msg.set("InsufficientDataActions",
          alarm.get("InsufficientDataActions") ? *alarm.get("InsufficientDataActions") : Doc::list());
  if (composite) {
    msg.set("AlarmRule", alarm.str("AlarmRule"));
  } else {
    Doc trig = Doc::map();
    if (alarm.has("MetricName")) {
      trig.set("MetricName", alarm.str("MetricName"));
      trig.set("Namespace", alarm.str("Namespace"));
      trig.set("StatisticType", alarm.has("Statistic") ? "Statistic" : "ExtendedStatistic");
      std::string s = alarm.has("Statistic") ? alarm.str("Statistic") : alarm.str("ExtendedStatistic");
      if (alarm.has("Statistic"))
        for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      trig.set(alarm.has("Statistic") ? "Statistic" : "ExtendedStatistic", s);
      trig.set("Unit", alarm.has("Unit") ? Doc(alarm.str("Unit")) : Doc());
      Doc dims = Doc::list();
      if (const Doc* l = alarm.get("Dimensions"); l && l->is_list())
        for (const auto& d : l->as_list()) dims.push(obj({{"value", d.str("Value")}, {"name", d.str("Name")}}));
      trig.set("Dimensions", std::move(dims));
      trig.set("Period", alarm.integer("Period"));
    } else if (const Doc* qs = alarm.get("Metrics")) {
      trig.set("Metrics", *qs);
    }
    trig.set("EvaluationPeriods", alarm.integer("EvaluationPeriods"));
    if (alarm.has("DatapointsToAlarm")) trig.set("DatapointsToAlarm", alarm.integer("DatapointsToAlarm"));
    trig.set("ComparisonOperator", alarm.str("ComparisonOperator"));
    if (const Doc* t = alarm.get("Threshold")) trig.set("Threshold", *t);
    if (alarm.has("ThresholdMetricId")) trig.set("ThresholdMetricId", alarm.str("ThresholdMetricId"));
    trig.set("TreatMissingData", alarm.str("TreatMissingData", "missing"));
    trig.set("EvaluateLowSampleCountPercentile", alarm.str("EvaluateLowSampleCountPercentile"));
    msg.set("Trigger", std::move(trig));
  }
  Doc lambda_event = Doc::map();
  lambda_event.set("source", "aws.cloudwatch");
  lambda_event.set("alarmArn", arn);
  lambda_event.set("accountId", account);
  lambda_event.set("time", iso8601(now));
  lambda_event.set("region", region);
  Doc alarm_data = Doc::map();
  alarm_data.set("alarmName", name);
  alarm_data.set("state", detail["state"]);
  alarm_data.set("previousState", detail["previousState"]);
  alarm_data.set("configuration", config);
  lambda_event.set("alarmData", std::move(alarm_data));
  for (const auto& a : actions->as_list()) {
    Doc p = Doc::map();
    p.set("account", account);
    p.set("region", region);
    p.set("alarm", name);
    p.set("kind", alarm.str("Kind", "MetricAlarm"));
    p.set("target", a.as_string());
    p.set("subject", value + ": \"" + name + "\" in " + region_name(region));
    p.set("message", json::write(msg));
    p.set("event", json::write(lambda_event));
    auto s = server->events().enqueue(kActionTopic, json::write(p));
    if (!s.ok()) spdlog::warn("cloudwatch: queueing the action {} of {}: {}", a.as_string(), name, s.message);
  }
}

// The durable action deliveries (subscribed in service.cc).
events::Verdict deliver_action(State& st, const events::Delivery& d) {
  Doc p;
  try {
    p = json::parse(d.payload);
  } catch (const std::exception&) {
    return events::Verdict::drop();
  }
  std::string target = p.str("target"), account = p.str("account"), region = p.str("region");
  auto arn = Arn::parse(target);
  Doc alarm = Doc::map();
  alarm.set("AlarmName", p.str("alarm"));
  alarm.set("Kind", p.str("kind"));
  auto record = [&](bool ok, const std::string& why) {
    Doc data = Doc::map();
    data.set("actionState", ok ? "Succeeded" : "Failed");
    data.set("notificationResource", target);
    if (!why.empty()) data.set("error", why);
    history(st, account, region, alarm, "Action",
            ok ? "Successfully executed action " + target : "Failed to execute action " + target, data, now_millis());
  };
  if (!arn) {
    record(false, "invalid ARN");
    return events::Verdict::drop();
  }
  if (arn->service == "sns") {
    OpContext::Caller principal;
    principal.account = account;
    principal.region = arn->region.empty() ? region : arn->region;
    principal.arn = root_arn(account);
    Doc in = Doc::map();
    in.set("TopicArn", target);
    in.set("Subject", p.str("subject"));
    in.set("Message", p.str("message"));
    auto r = st.server->call_sync("sns", "Publish", std::move(in), std::move(principal));
    if (!r) {
      if (d.attempt < 3 && r.error().http_status >= 500)
        return events::Verdict::retry_after(events::backoff_ms(d.attempt, 1000));
      record(false, r.error().message);
      return events::Verdict::drop();
    }
    record(true, "");
    return events::Verdict::done();
  }
  if (arn->service == "lambda") {
    lambda::InvokeCall call;
    call.account = arn->account.empty() ? account : arn->account;
    call.region = arn->region.empty() ? region : arn->region;
    call.function = target;
    call.payload = p.str("event");
    call.type = lambda::InvocationType::event;
    State* sp = &st;
    lambda::invoke(*st.server, std::move(call), [sp, target, account, region, alarm](lambda::InvokeOutcome out) {
      Doc data = Doc::map();
      data.set("actionState", out.error ? "Failed" : "Succeeded");
      data.set("notificationResource", target);
      history(*sp, account, region, alarm, "Action",
              out.error ? "Failed to execute action " + target : "Successfully executed action " + target, data,
              now_millis());
    });
    return events::Verdict::done();
  }
  record(false, "actions of service " + arn->service + " are not run by Stratus");
  return events::Verdict::drop();
}

}  // namespace stratus::cloudwatch
