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

// ---- log groups (ops/groups.cc) ----
Doc create_log_group(OpContext& ctx, const Doc& in);
Doc delete_log_group(OpContext& ctx, const Doc& in);
Doc describe_log_groups(OpContext& ctx, const Doc& in);
Doc put_retention_policy(OpContext& ctx, const Doc& in);
Doc delete_retention_policy(OpContext& ctx, const Doc& in);

// ---- log streams (ops/streams.cc) ----
Doc create_log_stream(OpContext& ctx, const Doc& in);
Doc delete_log_stream(OpContext& ctx, const Doc& in);
Doc describe_log_streams(OpContext& ctx, const Doc& in);

// ---- log events (ops/events.cc) ----
Doc put_log_events(OpContext& ctx, const Doc& in);
Doc get_log_events(OpContext& ctx, const Doc& in);
Doc filter_log_events(OpContext& ctx, const Doc& in);

// ---- metric filters (ops/metric_filters.cc) ----
Doc put_metric_filter(OpContext& ctx, const Doc& in);
Doc delete_metric_filter(OpContext& ctx, const Doc& in);
Doc describe_metric_filters(OpContext& ctx, const Doc& in);
Doc test_metric_filter(OpContext& ctx, const Doc& in);

// ---- Logs Insights (ops/queries.cc) ----
Doc start_query(OpContext& ctx, const Doc& in);
Doc get_query_results(OpContext& ctx, const Doc& in);
Doc stop_query(OpContext& ctx, const Doc& in);
Doc describe_queries(OpContext& ctx, const Doc& in);

// ---- tags (ops/tags.cc) ----
Doc tag_log_group(OpContext& ctx, const Doc& in);
Doc untag_log_group(OpContext& ctx, const Doc& in);
Doc list_tags_log_group(OpContext& ctx, const Doc& in);
Doc tag_resource(OpContext& ctx, const Doc& in);
Doc untag_resource(OpContext& ctx, const Doc& in);
Doc list_tags_for_resource(OpContext& ctx, const Doc& in);

}  // namespace stratus::logs
