// Subscription filters: PutSubscriptionFilter, DescribeSubscriptionFilters,
// DeleteSubscriptionFilter. Delivery is in subscriptions.h (LogStore::append adds the deliveries).
#include <mutex>

#include "auth/policy.h"
#include "core/arn.h"
#include "core/encoding.h"
#include "core/json.h"
#include "core/paging.h"
#include "server/context.h"
#include "services/logs/filter.h"
#include "services/logs/ops.h"
#include "services/logs/store.h"
#include "services/logs/subscriptions.h"

namespace stratus::logs {
namespace {

// AWS checks that CloudWatch Logs may invoke the function before it accepts the filter: the
// function's resource policy must allow logs.amazonaws.com lambda:InvokeFunction (with the log
// group as aws:SourceArn and the account as aws:SourceAccount).
void check_lambda_permission(OpContext& ctx, const std::string& group, const std::string& function_arn) {
  const AwsError refused = errors::invalid_parameter(
      "Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your "
      "function.");
  Doc in = Doc::map();
  in.set("FunctionName", function_arn);
  auto res = ctx.server.call_sync("lambda", "GetPolicy", std::move(in), ctx.caller);
  if (!res) throw refused;
  auto parsed = auth::policy::parse(res->str("Policy"));
  if (!parsed.ok()) throw refused;
  for (const char* service : {"logs.amazonaws.com", "logs.REGION.amazonaws.com"}) {
    auth::policy::Request r;
    r.principal.service = service;
    if (r.principal.service == "logs.REGION.amazonaws.com")
      r.principal.service = "logs." + ctx.region() + ".amazonaws.com";
    r.action = "lambda:InvokeFunction";
    r.resource = function_arn;
    r.set("aws:SourceArn", group_arn(ctx.account(), ctx.region(), group) + ":*");
    r.set("aws:SourceAccount", ctx.account());
    if (auth::policy::evaluate(*parsed.policy, r) == auth::policy::Decision::allow) return;
  }
  throw refused;
}

void check_destination(OpContext& ctx, const std::string& group, const std::string& dest) {
  auto arn = Arn::parse(dest);
  if (arn && arn->service == "lambda" && arn->resource.rfind("function:", 0) == 0) {
    if (arn->account != ctx.account() || arn->region != ctx.region())
      throw errors::invalid_parameter(
          "The destination Lambda function must be in the same account and region as the "
          "subscription filter.");
    return check_lambda_permission(ctx, group, dest);
  }
  if (arn && (arn->service == "kinesis" || arn->service == "firehose" ||
              (arn->service == "logs" && arn->resource.rfind("destination:", 0) == 0)))
    throw errors::invalid_parameter("Stratus does not emulate " + arn->service +
                                    " destinations: subscription filters deliver to Lambda functions.");
  throw errors::invalid_parameter("Invalid destinationArn: " + dest);
}

}  // namespace

Doc put_subscription_filter(OpContext& ctx, const Doc& in) {
  std::string group = in.str("logGroupName"), dest = in.str("destinationArn");
  parse_pattern(in.str("filterPattern"));
  check_group(ctx, group);
  check_destination(ctx, group, dest);
  std::lock_guard lock(LogStore::meta_mu());
  Doc rec = new_filter(ctx, LogStore::kSubscriptions, group, in, kMaxSubscriptionFilters);
  rec.set("destinationArn", dest);
  if (in.has("roleArn")) rec.set("roleArn", in.str("roleArn"));
  rec.set("distribution", in.str("distribution").empty() ? std::string("ByLogStream") : in.str("distribution"));
  if (const Doc* e = in.get("emitSystemFields")) rec.set("emitSystemFields", *e);
  put_filter(ctx, LogStore::kSubscriptions, group, rec);
  return Doc::map();
}

Doc delete_subscription_filter(OpContext& ctx, const Doc& in) {
  return delete_filter(ctx, LogStore::kSubscriptions, in, "subscription filter");
}

// A group's filters in name order (ASCII); nextToken is the last name returned (base64).
Doc describe_subscription_filters(OpContext& ctx, const Doc& in) {
  std::string group = in.str("logGroupName"), prefix = in.str("filterNamePrefix");
  check_group(ctx, group);
  std::string base = LogStore::group_prefix(ctx.account(), ctx.region(), group);
  std::string after;
  if (in.has("nextToken")) {
    auto raw = enc::base64_decode(in.str("nextToken"));
    if (!raw) throw errors::invalid_parameter("The specified nextToken is invalid.");
    after = *raw;
  }
  paging::After page(in.integer("limit", 50), std::move(after));
  for (auto it = ctx.storage.prefix(LogStore::kSubscriptions, base + prefix); it->valid(); it->next()) {
    std::string name(it->key().substr(base.size()));
    if (page.seen(name)) continue;
    if (page.full()) break;
    page.add(name, filter_out(group, json::parse(it->value())));
  }
  return page.answer("subscriptionFilters", "nextToken", paging::Token::base64);
}

}  // namespace stratus::logs
