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
  for (const char* t :
       {"PreSignUp", "PostConfirmation", "PreTokenGeneration", "PreAuthentication", "PostAuthentication",
        "CustomMessage", "UserMigration", "DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse"})
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
  require_worker();  // an operation that found no pool before it ran (AccessToken only) moves now
  lambda::InvokeCall call;
  call.account = pool.str("_account");
  call.region = pool.str("_region");
  call.function = arn;
  call.payload = json::write(event);
  // AWS: the function must answer within 5 seconds; a call that timed out, was throttled or met a
  // Lambda service fault is tried again, three attempts in all (a function error is not retried).
  lambda::InvokeOutcome out;
  for (int attempt = 1;; ++attempt) {
    auto promise = std::make_shared<std::promise<lambda::InvokeOutcome>>();
    auto future = promise->get_future();
    lambda::invoke(ctx.server, call, [promise](lambda::InvokeOutcome o) { promise->set_value(std::move(o)); });
    bool answered = future.wait_for(kTriggerWait) == std::future_status::ready;
    if (answered) out = future.get();
    bool retryable = !answered || (out.error && (out.error->http_status == 429 || out.error->http_status >= 500));
    if (retryable && attempt < kTriggerAttempts) continue;
    if (!answered)
      throw cerr::unexpected_lambda(trigger +
                                    " invocation failed due to error Socket timeout while invoking Lambda function.");
    break;
  }
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

Doc metadata_or_empty(const Doc* metadata) {
  return metadata && metadata->is_map() ? *metadata : Doc::map();
}

namespace {
// Pre/PostAuthentication's event: the user's attributes, the flag (userNotFound / newDeviceUsed), and
// metadata under `meta_key`.
void authentication_trigger(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& client_id,
                            const std::string& trigger, const char* flag, bool flag_value, const char* meta_key,
                            const Doc* metadata) {
  if (trigger_arn(pool, trigger).empty()) return;
  Doc ev = trigger_event(pool, user.str("Username"), client_id, trigger + "_Authentication");
  Doc& req = ev["request"];
  bool stand_in = flag_value && std::string_view(flag) == "userNotFound";  // no user: no status either
  req.set("userAttributes", user_attributes_map(user, !stand_in));
  req.set(flag, flag_value);
  req.set(meta_key, metadata_or_empty(metadata));
  run_trigger(ctx, pool, trigger, ev);
}
}  // namespace

void pre_authentication(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& client_id,
                        const Doc* validation, bool user_not_found) {
  authentication_trigger(ctx, pool, user, client_id, "PreAuthentication", "userNotFound", user_not_found,
                         "validationData", validation);
}

void post_authentication(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& client_id,
                         const Doc* metadata) {
  authentication_trigger(ctx, pool, user, client_id, "PostAuthentication", "newDeviceUsed", false, "clientMetadata",
                         metadata);
}

namespace {
void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}
}  // namespace

std::optional<CustomText> custom_message(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& client_id,
                                         const std::string& source, const Doc* metadata, bool sms,
                                         const std::string& code) {
  if (trigger_arn(pool, "CustomMessage").empty()) return std::nullopt;
  bool invite = source == "CustomMessage_AdminCreateUser";
  Doc ev = trigger_event(pool, user.str("Username"), client_id, source);
  Doc& req = ev["request"];
  req.set("userAttributes", user_attributes_map(user, true));
  req.set("codeParameter", "{####}");
  req.set("linkParameter", "{##Click Here##}");
  req.set("usernameParameter", invite ? Doc("{username}") : Doc());
  req.set("clientMetadata", metadata_or_empty(metadata));
  Doc& resp = ev["response"];
  resp.set("smsMessage", Doc());
  resp.set("emailMessage", Doc());
  resp.set("emailSubject", Doc());
  auto r = run_trigger(ctx, pool, "CustomMessage", ev);
  const Doc* out = r ? r->get("response") : nullptr;
  if (!out || !out->is_map()) return std::nullopt;
  // AWS's custom message page: a function may set emailMessage / emailSubject only when the pool
  // sends its email through SES (EmailSendingAccount DEVELOPER); otherwise the answer is a 400
  // InvalidLambdaResponseException (the message text is ours: AWS does not print it).
  const Doc* ec = pool.get("EmailConfiguration");
  if (!(ec && ec->str("EmailSendingAccount") == "DEVELOPER"))
    for (const char* member : {"emailMessage", "emailSubject"})
      if (const Doc* v = out->get(member); v && !v->is_null())
        throw cerr::invalid_lambda_response(std::string("CustomMessage returned ") + member +
                                            ", which needs the user pool's EmailSendingAccount to be DEVELOPER.");
  CustomText t;
  t.body = out->str(sms ? "smsMessage" : "emailMessage");
  if (t.body.find("{####}") == std::string::npos) return std::nullopt;
  if (invite && t.body.find("{username}") == std::string::npos) return std::nullopt;
  if (!sms) t.subject = out->str("emailSubject");
  replace_all(t.body, "{####}", code);
  replace_all(t.body, "{username}", user.str("Username"));
  return t;
}

}  // namespace stratus::cognitoidp
