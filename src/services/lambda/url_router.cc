// The function URL front end: requests to <url-id>.lambda-url.<region>.localhost, which the
// FrontDoor hands to Lambda through the InvokeRouter hook. The URL configuration is read from the
// function record (through the "lambda.url_ids" index), the caller checked against AuthType and
// the resource policy, and the request invoked as a payload format 2.0 event (urls.h).
#include "auth/sigv4.h"
#include "core/arn.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "server/context.h"
#include "services/lambda/state.h"
#include "services/lambda/urls.h"

namespace stratus::lambda {

// Whether the function's resource policy lets `principal_account` ("*" for anyone) call
// lambda:InvokeFunctionUrl on this qualifier with this auth type.
static bool url_allowed(const Doc& rec, const std::string& q, const std::string& principal_account,
                        const std::string& auth_type) {
  const Doc* stmts = rec.get("policy") ? rec.get("policy")->get(q) : nullptr;
  if (!stmts || !stmts->is_list()) return false;
  for (const auto& st : stmts->as_list()) {
    std::string action = st.str("Action");
    if (st.str("Effect") != "Allow" || (action != "lambda:InvokeFunctionUrl" && action != "lambda:*")) continue;
    const Doc* p = st.get("Principal");
    bool anyone = p && p->is_string() && p->as_string() == "*";
    bool account = p && p->is_map() && p->str("AWS") == root_arn(principal_account);
    if (!anyone && !account) continue;
    const Doc* cond = st.get("Condition");
    const Doc* eq = cond ? cond->get("StringEquals") : nullptr;
    std::string want = eq ? eq->str("lambda:FunctionUrlAuthType") : "";
    if (!want.empty() && want != auth_type) continue;
    return true;
  }
  return false;
}

bool State::claims(const http::Request& req) const {
  return server_ && urls::url_id(req.host()).has_value();
}

void State::serve(http::Request req, http::Responder respond) {
  ServerContext& server = *server_;
  std::string request_id = req.headers.get("x-stratus-request-id");
  if (request_id.empty()) request_id = ids::uuid4();
  std::string id = *urls::url_id(req.host());
  auto ix = functions_->url(id);
  if (!ix) return respond(urls::error(403, "Forbidden"));
  int64_t now = now_millis();
  auto rec = load(ix->account, ix->region, ix->function);
  std::string q = ix->qualifier.empty() ? "$LATEST" : ix->qualifier;
  const Doc* u = rec && rec->get("urls") ? rec->get("urls")->get(q) : nullptr;
  if (!u) return respond(urls::error(403, "Forbidden"));
  const Doc* cors = u->get("Cors");
  if (auto p = urls::preflight(req, cors)) return respond(std::move(*p));
  std::string auth_type = u->str("AuthType");
  std::string account = "anonymous";
  Doc iam;
  if (auth_type == "AWS_IAM") {
    auto caller = url_caller(req);
    if (!caller) return respond(urls::error(403, "Forbidden"));
    account = caller->account;
    if (account != ix->account && !url_allowed(*rec, q, account, auth_type))
      return respond(urls::error(403, "Forbidden"));
    iam = Doc::map();
    iam.set("accessKey", caller->access_key);
    iam.set("accountId", caller->account);
    iam.set("callerId", caller->user_id);
    iam.set("cognitoIdentity", Doc());
    iam.set("principalOrgId", Doc());
    iam.set("userArn", caller->principal_arn);
    iam.set("userId", caller->user_id);
  } else if (!url_allowed(*rec, q, "*", auth_type)) {
    return respond(urls::error(403, "Forbidden"));
  }
  InvokeCall call;
  call.account = ix->account;
  call.region = ix->region;
  call.function = ix->function;
  call.qualifier = ix->qualifier;
  call.request_id = request_id;
  call.payload = urls::event(req, id, account, iam, request_id, now);
  auto shared = std::make_shared<http::Request>(std::move(req));
  Doc cors_copy = cors ? *cors : Doc();
  run(server, std::move(call), [shared, cors_copy, respond = std::move(respond)](InvokeOutcome out) {
    http::Response res;
    if (out.error) {
      res = out.error->code == "TooManyRequestsException"         ? urls::error(429, "Too Many Requests")
            : out.error->code == "RequestEntityTooLargeException" ? urls::error(413, "Request Entity Too Large")
                                                                  : urls::error(502, "Internal Server Error");
    } else if (out.streamed && !out.function_error.empty() && !out.partial.empty()) {
      res = urls::streamed_response(out.content_type, out.partial);  // what it wrote before failing
    } else if (!out.function_error.empty()) {
      res = urls::error(502, "Internal Server Error");
    } else if (out.streamed) {
      res = urls::streamed_response(out.content_type, out.payload);
    } else {
      res = urls::response(out.payload);
    }
    urls::add_cors(*shared, cors_copy.is_null() ? nullptr : &cors_copy, res);
    respond(std::move(res));
  });
}

// The signer of an AWS_IAM function URL request: SigV4 for service "lambda", verified with the
// key's secret when the key is known (with --auth=strict unknown keys are refused too).
std::optional<auth::Credential> State::url_caller(const http::Request& req) {
  std::optional<auth::SignedRequestInfo> sig;
  try {
    sig = auth::parse_signature(req);
  } catch (const AwsError&) {
    return std::nullopt;
  }
  if (!sig || sig->service != "lambda") return std::nullopt;
  const Config& cfg = server_->config();
  auto cred = server_->keys().find(sig->access_key);
  if (!cred) {
    if (cfg.auth == AuthMode::strict) return std::nullopt;
    auth::Credential c;
    c.access_key = sig->access_key;
    c.account = sig->access_key.size() == 12 && sig->access_key.find_first_not_of("0123456789") == std::string::npos
                    ? sig->access_key
                    : cfg.default_account;
    c.principal_arn = root_arn(c.account);
    c.user_id = c.account;
    return c;
  }
  if (cred->expires_ms && cred->expires_ms < now_millis()) return std::nullopt;
  if (!cred->session_token.empty() && cred->session_token != sig->session_token) return std::nullopt;
  if (auth::check_time(*sig, now_millis(), false) || auth::verify(req, *sig, cred->secret_key, false))
    return std::nullopt;
  return cred;
}

}  // namespace stratus::lambda
