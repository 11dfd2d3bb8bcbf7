// Amazon CloudWatch Logs: log groups, streams and events, enough for Lambda's logs and for
// `aws logs` (describe, get, filter, tail), metric and subscription filters, Logs Insights. Handlers in ops/*.cc
// (ops.h), storage in store.h, the port other services write events through in api.h.
#include "server/context.h"
#include "services/logs/ops.h"
#include "services/logs/schema.h"
#include "services/logs/subscriptions.h"

namespace stratus::logs {
namespace {

class LogsService final : public Service {
 public:
  LogsService() : Service("logs") {
    add("CreateLogGroup", create_log_group);
    add("DeleteLogGroup", delete_log_group);
    add("DescribeLogGroups", describe_log_groups);
    add("CreateLogStream", create_log_stream);
    add("DeleteLogStream", delete_log_stream);
    add("DescribeLogStreams", describe_log_streams);
    add("PutLogEvents", put_log_events);
    add("GetLogEvents", get_log_events);
    add("FilterLogEvents", filter_log_events);
    add("PutMetricFilter", put_metric_filter);
    add("DeleteMetricFilter", delete_metric_filter);
    add("DescribeMetricFilters", describe_metric_filters);
    add("TestMetricFilter", test_metric_filter);
    add("PutSubscriptionFilter", put_subscription_filter);
    add("DescribeSubscriptionFilters", describe_subscription_filters);
    add("DeleteSubscriptionFilter", delete_subscription_filter);
    add("StartQuery", start_query);
    add("GetQueryResults", get_query_results);
    add("StopQuery", stop_query);
    add("DescribeQueries", describe_queries);
    add("PutRetentionPolicy", put_retention_policy);
    add("DeleteRetentionPolicy", delete_retention_policy);
    add("TagLogGroup", tag_log_group);
    add("UntagLogGroup", untag_log_group);
    add("ListTagsLogGroup", list_tags_log_group);
    add("TagResource", tag_resource);
    add("UntagResource", untag_resource);
    add("ListTagsForResource", list_tags_for_resource);
    gap("PutSubscriptionFilter",
        "destinations are Lambda functions only (no Kinesis, Firehose or cross-account "
        "logical destinations); distribution, fieldSelectionCriteria and emitSystemFields "
        "are stored, not applied");
    gap("Logs Insights",
        "fillmissing, addtotals, anomaly, pattern, diff, unmask, filterIndex and SOURCE are not "
        "implemented; parse regexes use core/regex.h (no (?i) flags)");
  }
  // Subscription filters' deliveries (subscriptions.h) are consumed while the service runs.
  void start(ServerContext& ctx) override {
    ServerContext* server = &ctx;
    ctx.events().subscribe(kSubscriptionTopic, [server](const events::Delivery& d) { return deliver(*server, d); });
  }
  std::string validation_error_code() const override { return "InvalidParameterException"; }
  std::span<const storage::Keyspace> keyspaces() const override { return schema::kKeyspaces; }
};

}  // namespace

std::unique_ptr<Service> make_service() { return std::make_unique<LogsService>(); }

}  // namespace stratus::logs
