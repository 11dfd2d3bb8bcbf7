// CloudWatch Logs' operation handlers, one per operation and named after it (service.cc holds
// the table), and the helpers they share (ops/common.cc). State is in storage only (store.h).
#pragma once

#include <functional>
#include <string>

#include "core/doc.h"
#include "core/error.h"
#include "services/logs/errors.h"
#include "services/service.h"

namespace stratus::logs {

// ---- shared (ops/common.cc) ----
// Handlers throw AwsError (errors.h, core/error.h) and return the output Doc.
AwsError not_found(const std::string& what);  // ResourceNotFoundException "The specified <what> does not exist."
AwsError exists(const std::string& what);     // ResourceAlreadyExistsException
// logGroupName or logGroupIdentifier (a name or an ARN).
std::string group_name(const Doc& in);
std::string group_arn(const std::string& account, const std::string& region, const std::string& group);
// Read-modify-write of a group record under LogStore::meta_mu(): f's result is the answer.
// Throws ResourceNotFoundException for a missing group.
Doc with_group(OpContext& ctx, const std::string& name, const std::function<Doc(Doc& group)>& f);

// A filter pattern (filter.h); throws InvalidParameterException "Invalid filter pattern: ...".
class FilterPattern;
FilterPattern parse_pattern(const std::string& pattern);

// Throws ResourceNotFoundException "The specified log group does not exist." unless it exists.
void check_group(OpContext& ctx, const std::string& group);

// Metric and subscription filters (keyspace ks: LogStore::kMetricFilters or kSubscriptions),
// keyed by group and filterName. The caller holds LogStore::meta_mu().
// Put*Filter: the record of in's filterName with the members every filter has (filterName,
// filterPattern, creationTime kept from the filter it replaces, applyOnTransformedLogs,
// fieldSelectionCriteria); throws ResourceNotFound for a missing group and LimitExceeded
// "Resource limit exceeded." when the filter is new and the group already has `max` of them.
Doc new_filter(OpContext& ctx, std::string_view ks, const std::string& group, const Doc& in, int64_t max);
// Stores a record new_filter() made (and the caller completed).
void put_filter(OpContext& ctx, std::string_view ks, const std::string& group, const Doc& rec);
// Delete*Filter (logGroupName, filterName; takes LogStore::meta_mu() itself): ResourceNotFound
// "The specified log group / <what> does not exist." when absent.
Doc delete_filter(OpContext& ctx, std::string_view ks, const Doc& in, const std::string& what);
// A stored filter as Describe*Filters shows it: the record and its logGroupName.
Doc filter_out(const std::string& group, const Doc& rec);

// ---- log groups (ops/groups.cc) ----
HandlerFn create_log_group, delete_log_group, describe_log_groups, put_retention_policy, delete_retention_policy;

// ---- log streams (ops/streams.cc) ----
HandlerFn create_log_stream, delete_log_stream, describe_log_streams;

// ---- log events (ops/events.cc) ----
HandlerFn put_log_events, get_log_events, filter_log_events;

// ---- metric filters (ops/metric_filters.cc) ----
HandlerFn put_metric_filter, delete_metric_filter, describe_metric_filters, test_metric_filter;

// ---- subscription filters (ops/subscription_filters.cc) ----
HandlerFn put_subscription_filter, describe_subscription_filters, delete_subscription_filter;

// ---- Logs Insights (ops/queries.cc) ----
HandlerFn start_query, get_query_results, stop_query, describe_queries;

// ---- tags (ops/tags.cc) ----
HandlerFn tag_log_group, untag_log_group, list_tags_log_group, tag_resource, untag_resource, list_tags_for_resource;

}  // namespace stratus::logs
