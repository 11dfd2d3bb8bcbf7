#include "services/lambda/destinations.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/arn.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "server/context.h"
#include "services/events/api.h"
#include "services/lambda/invoke.h"
#include "services/service.h"
#include "services/sqs/api.h"

namespace stratus::lambda {

sqs::Api* sqs_port(ServerContext& server) { return server.port<sqs::Api>(); }

bool destination_supported(const std::string& destination) {
  auto arn = Arn::parse(destination);
  if (!arn || arn->account.empty() || arn->resource.empty()) return false;
  if (arn->service == "events") return arn->resource.rfind("event-bus/", 0) == 0;
  if (arn->service == "lambda") return arn->resource.rfind("function:", 0) == 0;
  return arn->service == "sqs" || arn->service == "sns";
}

void send_to_destination(ServerContext& server, const std::string& account, const std::string& destination,
                         const std::string& body, const std::vector<DestinationAttribute>& attributes) {
  auto arn = Arn::parse(destination);
  if (!arn) {
    spdlog::warn("lambda: cannot send to {}: not an ARN", destination);
    return;
  }
  if (arn->service == "sqs") {
    sqs::Api* api = sqs_port(server);
    sqs::Delivery d;
    d.body = body;
    for (const auto& a : attributes) d.attrs.push_back({a.name, a.data_type, a.value});
    std::sort(d.attrs.begin(), d.attrs.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
    if (!api) {
      spdlog::warn("lambda: delivery to {} failed: SQS is not running", destination);
      return;
    }
    auto r = api->deliver(destination, std::move(d));
    if (!r) spdlog::warn("lambda: delivery to {} failed: {}", destination, r.error().message);
    return;
  }
  if (arn->service == "sns") {
    // Published as the function's account (in the topic's region), through SNS's own operation.
    OpContext::Caller principal;
    principal.account = account;
    principal.region = arn->region;
    principal.arn = root_arn(account);
    Doc in = Doc::map();
    in.set("TopicArn", destination);
    in.set("Message", body);
    if (!attributes.empty()) {
      Doc attrs = Doc::map();
      for (const auto& a : attributes) {
        Doc v = Doc::map();
        v.set("DataType", a.data_type);
        v.set("StringValue", a.value);
        attrs.set(a.name, std::move(v));
      }
      in.set("MessageAttributes", std::move(attrs));
    }
    auto r = server.call_sync("sns", "Publish", std::move(in), std::move(principal));
    if (!r) spdlog::warn("lambda: delivery to {} failed: {}", destination, r.error().message);
    return;
  }
  if (arn->service == "lambda") {
    InvokeCall call;
    call.account = arn->account.empty() ? account : arn->account;
    call.region = arn->region;
    call.function = destination;
    call.payload = body;
    call.type = InvocationType::event;
    invoke(server, std::move(call), [destination](InvokeOutcome out) {
      if (out.error) spdlog::warn("lambda: delivery to {} failed: {}", destination, out.error->message);
    });
    return;
  }
  if (arn->service == "events") {
    // An event on the bus: source "lambda", detail-type "Lambda Function Invocation Result -
    // Success" or "- Failure", the invocation record as its detail.
    events::Api* bus = server.port<events::Api>();
    if (!bus) {
      spdlog::warn("lambda: delivery to {} failed: EventBridge is not running", destination);
      return;
    }
    std::string condition, function_arn;
    try {
      Doc rec = json::parse(body);
      if (const Doc* rc = rec.get("requestContext")) {
        condition = rc->str("condition");
        function_arn = rc->str("functionArn");
      }
    } catch (const AwsError&) {
    }
    events::Entry e;
    e.source = "lambda";
    e.detail_type = condition == "Success" ? "Lambda Function Invocation Result - Success"
                                           : "Lambda Function Invocation Result - Failure";
    e.detail = body;
    e.resources = {destination};
    if (!function_arn.empty()) e.resources.push_back(function_arn);
    e.bus = destination;
    auto r = bus->put(arn->account.empty() ? account : arn->account, arn->region, std::move(e));
    if (!r) spdlog::warn("lambda: delivery to {} failed: {}", destination, r.error().message);
    return;
  }
  spdlog::warn("lambda: cannot send to {}: unsupported destination", destination);
}

}  // namespace stratus::lambda
