#include "services/sns/ops/common.h"

#include "core/arn.h"
#include "http/message.h"
#include "services/sns/errors.h"

namespace stratus::sns {

std::string host_of(const OpContext& ctx) {
  std::string h(ctx.transport.host);
  return h.empty() ? "localhost:4566" : h;
}

bool in_caller_region(const OpContext& ctx, std::string_view arn) {
  auto parsed = Arn::parse(arn);
  return parsed && parsed->region == ctx.region();
}

std::shared_ptr<Topic> topic_for(const OpContext& ctx, const Store& store, const Doc& in, const char* member) {
  std::string arn = in.str(member);
  auto parsed = Arn::parse(arn);
  if (!parsed || parsed->service != "sns") throw invalid_parameter(member);
  auto t = parsed->region == ctx.region() ? store.topic(arn) : nullptr;
  if (!t) throw errors::not_found("Topic does not exist");
  return t;
}

std::string default_policy(const Topic& t) {
  return R"({"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID",)"
         R"("Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes",)"
         R"("SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe",)"
         R"("SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":")" +
         t.arn + R"(","Condition":{"StringEquals":{"AWS:SourceOwner":")" + t.account + R"("}}}]})";
}

}  // namespace stratus::sns
