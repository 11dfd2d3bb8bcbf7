// What several SNS operations share: looking a topic up by a request member, paging, and the
// documents AWS shows for attributes never set.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "core/doc.h"
#include "core/paging.h"
#include "services/service.h"
#include "services/sns/checks.h"
#include "services/sns/store.h"

namespace stratus::sns {

// The host the caller used (envelopes link back to it), "localhost:4566" when unknown.
std::string host_of(const OpContext& ctx);

// Whether an ARN names the caller's region: SNS finds resources by ARN only in their own region
// (an ARN of another region is NotFound, as a name that exists nowhere).
bool in_caller_region(const OpContext& ctx, std::string_view arn);

// The topic named by `member` (an ARN). Throws InvalidParameter when it is not an SNS ARN,
// NotFound when there is no such topic in the caller's region. REQUIRES(store.mutex()) shared.
std::shared_ptr<Topic> topic_for(const OpContext& ctx, const Store& store, const Doc& in,
                                 const char* member = "TopicArn");

// Set{Topic,Subscription}Attributes' request: the attribute's name and its new value.
struct AttributeChange {
  std::string name, value;
};
inline AttributeChange attribute_change(const Doc& in) {
  return {in.str("AttributeName"), in.str("AttributeValue")};
}

// The access policy of a topic whose Policy was never set.
std::string default_policy(const Topic& t);

constexpr const char* kDefaultDeliveryPolicy =
    R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,)"
    R"("numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},)"
    R"("disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}})";

// Index-based paging over a list built on each call (the token = base64 of the offset):
// item(i) for i in the page, under `member`; the token is read from and written to `token`
// ("NextToken", or "nextToken" for the SMS operations). Throws InvalidParameter for a bad token.
template <typename F>
Doc page_by(const char* token_member, size_t total, const Doc& in, size_t page_size, const char* member, F&& item) {
  size_t start = 0;
  std::string token = in.str(token_member);
  if (!token.empty()) {
    auto v = paging::parse_offset(token);
    if (!v) throw invalid_parameter(token_member);
    start = *v;
  }
  auto page = paging::slice(start, total, static_cast<int64_t>(page_size), std::forward<F>(item));
  Doc out = Doc::map();
  out.set(member, std::move(page.list));
  if (page.more()) out.set(token_member, paging::offset_token(page.next));
  return out;
}

template <typename F>
Doc page(size_t total, const Doc& in, size_t page_size, const char* member, F&& item) {
  return page_by("NextToken", total, in, page_size, member, std::forward<F>(item));
}

}  // namespace stratus::sns
