#include "services/cognito-idp/triggers.h"

#include <chrono>
#include <future>

#include "core/json.h"
#include "services/cognito-idp/common.h"
#include "services/lambda/invoke.h"

namespace stratus::cognitoidp {

std::string trigger_arn(const Doc& pool, const std::string& trigger) {
  const Doc* lc = pool.get("LambdaConfig");
  if (!lc || !lc->is_map()) return {};
  if (trigger == "PreTokenGeneration")
    if (const Doc* c = lc->get("PreTokenGenerationConfig"); c && !c->str("LambdaArn").empty())
      return c->str("LambdaArn");
  return lc->str(trigger);
}

bool has_triggers(const Doc& pool) {
  for (const char* t : {"PreSignUp", "PostConfirmation", "PreTokenGeneration"})
    if (!trigger_arn(pool, t).empty()) return true;
  return false;
}

Doc trigger_event(const Doc& pool, const std::string& username, const std::string& client_id,
                  const std::string& source) {
  Doc e = Doc::map();
  e.set("version", "1");
  e.set("region", pool.str("_region"));
  e.set("userPoolId", pool.str("Id"));
  e.set("userName", username);
  Doc cc = Doc::map();
  cc.set("awsSdkVersion", "aws-sdk-unknown-unknown");
  cc.set("clientId", client_id.empty() ? "CLIENT_ID_NOT_APPLICABLE" : client_id);
  e.set("callerContext", std::move(cc));
  e.set("triggerSource", source);
  e.set("request", Doc::map());
  e.set("response", Doc::map());
  return e;
}

Doc user_attributes_map(const Doc& user, bool with_status) {
  Doc m = Doc::map();
  if (const Doc* a = user.get("Attrs"); a && a->is_map())
    for (const auto& [k, v] : a->as_map()) m.set(k, v);
  if (with_status) m.set("cognito:user_status", user.str("UserStatus"));
  return m;
}

std::optional<Doc> run_trigger(OpContext& ctx, const Doc& pool, const std::string& trigger, const Doc& event) {
  std::string arn = trigger_arn(pool, trigger);
  if (arn.empty()) return std::nullopt;
  lambda::InvokeCall call;
  call.account = pool.str("_account");
  call.region = pool.str("_region");
  call.function = arn;
  call.payload = json::write(event);
  auto promise = std::make_shared<std::promise<lambda::InvokeOutcome>>();
  auto future = promise->get_future();
  lambda::invoke(ctx.server, std::move(call),
                 [promise](lambda::InvokeOutcome out) { promise->set_value(std::move(out)); });
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready)
    throw cerr::unexpected_lambda(trigger + " invocation failed due to error TimeoutException.");
  lambda::InvokeOutcome out = future.get();
  if (out.error) throw cerr::unexpected_lambda(trigger + " invocation failed due to error " + out.error->code + ".");
  if (!out.function_error.empty()) {
    std::string msg;
    try {
      msg = json::parse(out.payload).str("errorMessage");
    } catch (const std::exception&) {
      msg = out.payload;
    }
    throw cerr::user_lambda_validation(trigger + " failed with error " + msg + ".");
  }
  Doc r;
  try {
    r = json::parse(out.payload);
  } catch (const std::exception&) {
    throw cerr::invalid_lambda_response("Unrecognizable lambda output");
  }
  if (!r.is_map()) throw cerr::invalid_lambda_response("Unrecognizable lambda output");
  return r;
}

}  // namespace stratus::cognitoidp
