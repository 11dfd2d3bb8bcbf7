// Amazon CloudWatch (metrics, alarms, dashboards): the operation table, the scheduler tasks
// (alarm evaluation each minute, service-metric flushes, the retention sweep) and the
// cloudwatch::Api port (api.h) the other services publish their metrics through.
// Knobs: STRATUS_CLOUDWATCH_EVAL_MS (alarm evaluation interval, default 60000: tests shorten it),
// STRATUS_CLOUDWATCH_FLUSH_MS (service-metric flush, 5000), STRATUS_CLOUDWATCH_RETAIN_MS
// (retention sweep, one hour).
#include "core/clock.h"
#include "core/env.h"
#include "events/queue.h"
#include "server/context.h"
#include "services/cloudwatch/ops.h"
#include "services/cloudwatch/schema.h"
#include "services/events/api.h"

namespace stratus::cloudwatch {

events::Verdict deliver_action(State& st, const events::Delivery& d);

namespace {

class CloudWatchService final : public Service {
 public:
  CloudWatchService() : Service("cloudwatch") {
    add("PutMetricData", put_metric_data);
    add("GetMetricStatistics", get_metric_statistics);
    add("GetMetricData", get_metric_data);
    add("ListMetrics", list_metrics);
    add("PutMetricAlarm", put_metric_alarm);
    add("PutCompositeAlarm", put_composite_alarm);
    add("DescribeAlarms", describe_alarms);
    add("DescribeAlarmsForMetric", describe_alarms_for_metric);
    add("DescribeAlarmHistory", describe_alarm_history);
    add("DeleteAlarms", delete_alarms);
    add("SetAlarmState", set_alarm_state);
    add("EnableAlarmActions", enable_alarm_actions);
    add("DisableAlarmActions", disable_alarm_actions);
    add("PutAnomalyDetector", put_anomaly_detector);
    add("DescribeAnomalyDetectors", describe_anomaly_detectors);
    add("DeleteAnomalyDetector", delete_anomaly_detector);
    add("PutDashboard", put_dashboard);
    add("GetDashboard", get_dashboard);
    add("ListDashboards", list_dashboards);
    add("DeleteDashboards", delete_dashboards);
    add("TagResource", tag_resource);
    add("UntagResource", untag_resource);
    add("ListTagsForResource", list_tags_for_resource);
    gap("ANOMALY_DETECTION_BAND",
        "a simple model: the band is the series' mean ± k standard deviations over the query window (no "
        "seasonality, no training history); anomaly detectors are stored and always TRAINED");
    gap("GetMetricData",
        "Metrics Insights queries (SELECT ...), the time labels ${FIRST_TIME}/${LAST_TIME} with "
        "LabelOptions.Timezone, and cross-account queries are not implemented");
    gap("SEARCH", "schema, designators (Name=value), quoted exact terms, partial words and NOT; no OR grouping");
    gap("composite alarms",
        "ActionsSuppressor holds and releases actions (Alarm, WaitPeriod, ExtensionPeriod) as AWS documents; "
        "the ActionsSuppressedReason texts are Stratus's own wording");
    gap("metric streams, Contributor Insights, alarm mute rules, OTel enrichment, GetMetricWidgetImage",
        "not implemented");
    gap("service metrics",
        "AWS/Lambda (Invocations, Errors, Duration measured around the whole invocation incl. "
        "cold starts, Throttles, ConcurrentExecutions), AWS/SQS, AWS/ApiGateway (no "
        "IntegrationLatency, no detailed Method/Resource metrics) and AWS/SNS (NumberOfMessagesPublished, "
        "PublishSize only) and AWS/DynamoDB (ConsumedRead/WriteCapacityUnits only; no "
        "SuccessfulRequestLatency, throttle or error counts) and AWS/SES (account-level Send, Delivery, Bounce, "
        "Complaint, Reject; no Reputation.* rates, no configuration-set CloudWatch destinations) and AWS/Events "
        "(Invocations, FailedInvocations, InvocationsSentToDlq, InvocationsFailedToBeSentToDlq, TriggeredRules, "
        "ThrottledRules by RuleName; MatchedEvents and IngestionToInvocationStartLatency without dimension; no "
        "DeadLetterInvocations since no loop is detected, no EventBusName dimension, no partner Events) are "
        "published");
    gap("retention", "rolled-up points keep at most 5,000 distinct raw values, so old percentiles are estimates");
    gap("alarm actions",
        "only SNS topics and Lambda functions run; EC2, Auto Scaling and SSM actions are recorded "
        "in the history as failed");
  }

  void attach(ServerContext& ctx) override {
    state_.store = std::make_unique<Store>(ctx.storage());
    state_.agg = std::make_unique<Aggregator>(*state_.store);
    state_.server = &ctx;
    ctx.provide<State>(&state_);
    ctx.provide<Api>(state_.agg.get());
  }

  void start(ServerContext& ctx) override {
    state_.bus = ctx.port<events::Api>();
    State* st = &state_;
    ctx.events().subscribe("cloudwatch.action", [st](const events::Delivery& d) { return deliver_action(*st, d); });
    auto& sched = ctx.scheduler("cloudwatch");
    sched.every("cloudwatch.flush", env_positive("STRATUS_CLOUDWATCH_FLUSH_MS", 5000), [st] { st->agg->flush(); });
    sched.every("cloudwatch.evaluate", env_positive("STRATUS_CLOUDWATCH_EVAL_MS", 60'000),
                [st] { st->evaluate_alarms(now_millis()); });
    sched.every("cloudwatch.retain", env_positive("STRATUS_CLOUDWATCH_RETAIN_MS", 3600'000),
                [st] { st->store->retain(now_millis()); });
  }

  void reset() override {
    if (state_.agg) state_.agg->clear();
  }

  void stop() override {
    if (state_.agg) state_.agg->flush();
  }

  // CloudWatch's front end words constraint errors as its awsQuery clients know them.
  std::string validation_error_code() const override { return "ValidationError"; }

  std::span<const storage::Keyspace> keyspaces() const override { return schema::kKeyspaces; }

 private:
  State state_;
};

}  // namespace

std::unique_ptr<Service> make_service() {
  return std::make_unique<CloudWatchService>();
}

}  // namespace stratus::cloudwatch
