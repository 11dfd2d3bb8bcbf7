#include "services/apigateway/guard.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "auth/keystore.h"
#include "auth/sigv4.h"
#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/error.h"
#include "core/json.h"
#include "core/regex.h"
#include "server/context.h"
#include "services/apigateway/json_schema.h"
#include "services/apigateway/policy.h"
#include "services/apigateway/schema.h"
#include "services/apigateway/vtl/aws.h"
#include "services/apigateway/vtl/vtl.h"
#include "services/cognito-idp/api.h"
#include "services/lambda/invoke.h"
#include "services/logs/api.h"

namespace stratus::apigateway {
namespace {

constexpr const char* kTypeHeader = "x-stratus-gateway-response";  // internal, removed in finish()

struct TypeInfo {
  const char* type;
  int status;
  const char* error_type;  // x-amzn-ErrorType
};

const std::vector<TypeInfo>& type_table() {
  static const std::vector<TypeInfo> t = {
      {"DEFAULT_4XX", 0, ""},
      {"DEFAULT_5XX", 0, ""},
      {"RESOURCE_NOT_FOUND", 404, "NotFoundException"},
      {"UNAUTHORIZED", 401, "UnauthorizedException"},
      {"INVALID_API_KEY", 403, "ForbiddenException"},
      {"ACCESS_DENIED", 403, "AccessDeniedException"},
      {"AUTHORIZER_FAILURE", 500, "AuthorizerFailureException"},
      {"AUTHORIZER_CONFIGURATION_ERROR", 500, "AuthorizerConfigurationException"},
      {"INVALID_SIGNATURE", 403, "InvalidSignatureException"},
      {"EXPIRED_TOKEN", 403, "ExpiredTokenException"},
      {"MISSING_AUTHENTICATION_TOKEN", 403, "MissingAuthenticationTokenException"},
      {"INTEGRATION_FAILURE", 504, "InternalServerErrorException"},
      {"INTEGRATION_TIMEOUT", 504, "InternalServerErrorException"},
      {"API_CONFIGURATION_ERROR", 500, "InternalServerErrorException"},
      {"UNSUPPORTED_MEDIA_TYPE", 415, "UnsupportedMediaTypeException"},
      {"BAD_REQUEST_PARAMETERS", 400, "BadRequestException"},
      {"BAD_REQUEST_BODY", 400, "BadRequestException"},
      {"REQUEST_TOO_LARGE", 413, "RequestTooLargeException"},
      {"THROTTLED", 429, "TooManyRequestsException"},
      {"QUOTA_EXCEEDED", 429, "LimitExceededException"},
      {"WAF_FILTERED", 403, "WafFilteredException"},
  };
  return t;
}

const TypeInfo* type_info(const std::string& type) {
  for (const auto& t : type_table())
    if (type == t.type) return &t;
  return nullptr;
}

// The gateway response type of an error answer the integration code produced (by its
// x-amzn-ErrorType and status), for answers that did not come from check().
std::string classify(const http::Response& res) {
  const std::string* et = res.headers.find("x-amzn-errortype");
  if (!et || res.status < 400) return {};
  if (*et == "MissingAuthenticationTokenException") return "MISSING_AUTHENTICATION_TOKEN";
  if (*et == "UnsupportedMediaTypeException") return "UNSUPPORTED_MEDIA_TYPE";
  if (et->find("Timeout") != std::string::npos || res.status == 504) return "INTEGRATION_TIMEOUT";
  if (*et == "RequestTooLargeException" || res.status == 413) return "REQUEST_TOO_LARGE";
  return res.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX";
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

vtl::Value& member(vtl::Value& map, const std::string& key) {
  vtl::Value* v = map.map().find(key);
  if (!v || !v->is_map()) {
    map.map().put(key, vtl::Value::new_map());
    v = map.map().find(key);
  }
  return *v;
}

// A Doc (authorizer output) as a vtl::Value; scalars of the context map become strings as API
// Gateway passes them to REST integrations.
vtl::Value to_string_value(const Doc& d) {
  if (d.is_string()) return vtl::Value(d.as_string());
  if (d.is_bool()) return vtl::Value(d.as_bool() ? "true" : "false");
  if (d.is_null()) return vtl::Value();
  return vtl::Value(json::write(d));
}

vtl::Value pairs_value(const Pairs* pairs, bool multi) {
  if (!pairs || pairs->empty()) return vtl::Value();
  vtl::Value m = vtl::Value::new_map();
  for (const auto& [k, v] : *pairs) {
    if (!multi) {
      m.map().put(k, vtl::Value(v));
      continue;
    }
    vtl::Value* l = m.map().find(k);
    if (!l) {
      m.map().put(k, vtl::Value::new_list());
      l = m.map().find(k);
    }
    l->list().push_back(vtl::Value(v));
  }
  return m;
}

std::string method_arn(const Gate& g) {
  std::string path = g.path.empty() ? "/" : g.path;
  return "arn:aws:execute-api:" + g.region + ":" + g.account + ":" + g.api_id + "/" + g.stage + "/" + g.req->method + path;
}

std::string day_of(int64_t ms) { return enc::iso8601(ms).substr(0, 10); }

// Start of the quota period (UTC) containing ms, as a label.
std::string period_of(const std::string& period, int64_t ms) {
  if (period == "MONTH") return "M" + enc::iso8601(ms).substr(0, 7);
  if (period == "WEEK") {
    int64_t since_monday = (ms / 86400000 + 3) % 7;  // 1970-01-01 was a Thursday
    return "W" + day_of(ms - since_monday * 86400000);
  }
  return "D" + day_of(ms);
}

GateError unauthorized() { return {"UNAUTHORIZED", "Unauthorized"}; }

}  // namespace

std::string claim_string(const std::string& name, const Doc& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_int() && (name == "exp" || name == "iat")) {
    // Java's Date.toString() in UTC: "Tue Feb 12 20:35:48 UTC 2019"
    static const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t secs = v.as_int();
    std::string iso = enc::iso8601(secs * 1000);  // 2019-02-12T20:35:48.000Z
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int month = std::stoi(iso.substr(5, 2));
    return std::string(kDays[((days % 7) + 7) % 7]) + " " + kMonths[month - 1] + " " + iso.substr(8, 2) + " " +
           iso.substr(11, 8) + " UTC " + iso.substr(0, 4);
  }
  if (v.is_list()) {
    std::string out;
    for (const Doc& e : v.as_list()) {
      if (!out.empty()) out += ",";
      out += e.is_string() ? e.as_string() : json::write(e);
    }
    return out;
  }
  if (v.is_null()) return "";
  return json::write(v);
}

std::optional<GateError> cognito_authorize(Gate& g, const Doc& az, const Doc& m, ServerContext& ctx) {
  std::string src = az.str("identitySource", "method.request.header.Authorization");
  auto token = g.source ? g.source(trim(src)) : std::nullopt;
  if (!token || token->empty()) return unauthorized();
  std::string_view jwt = *token;
  if (starts_with(jwt, "Bearer ")) jwt.remove_prefix(7);
  auto* idp = ctx.port<cognitoidp::Api>();
  if (!idp) return unauthorized();
  std::optional<Doc> claims;
  if (const Doc* arns = az.get("providerARNs"); arns && arns->is_list())
    for (const Doc& a : arns->as_list()) {
      if (!a.is_string()) continue;
      std::string pool = a.as_string().substr(a.as_string().rfind('/') + 1);
      auto v = idp->verify_jwt(pool, jwt, g.now, false);
      if (v.claims) {
        claims = std::move(v.claims);
        break;
      }
    }
  if (!claims) return unauthorized();
  const Doc* scopes = m.get("authorizationScopes");
  bool scoped = scopes && scopes->is_list() && !scopes->as_list().empty();
  if (!scoped && claims->str("token_use") != "id") return unauthorized();
  if (scoped) {
    if (claims->str("token_use") != "access") return unauthorized();
    std::string have = " " + claims->str("scope") + " ";
    bool any = false;
    for (const Doc& sc : scopes->as_list())
      if (sc.is_string() && !sc.as_string().empty() && have.find(" " + sc.as_string() + " ") != std::string::npos)
        any = true;
    if (!any) return unauthorized();
  }
  vtl::Value cl = vtl::Value::new_map();
  for (const auto& [k, v] : claims->as_map()) cl.map().put(k, vtl::Value(claim_string(k, v)));
  member(g.context, "authorizer").map().put("claims", cl);
  return std::nullopt;
}

int gateway_default_status(const std::string& type) {
  const TypeInfo* t = type_info(type);
  return t ? t->status : 0;
}

const std::vector<std::string>& gateway_response_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> v;
    for (const auto& t : type_table()) v.push_back(t.type);
    return v;
  }();
  return types;
}

void Guard::reset() {
  std::lock_guard lock(mu_);
  buckets_.clear();
  counts_.clear();
  auth_cache_.clear();
  std::unique_lock ul(usage_cache_mu_);
  usage_cache_.clear();
}

http::Response Guard::error(const GateError& e) {
  http::Response res;
  const TypeInfo* t = type_info(e.type);
  res.status = t && t->status ? t->status : 500;
  res.headers.set("Content-Type", "application/json");
  if (t && *t->error_type) res.headers.set("x-amzn-ErrorType", t->error_type);
  res.headers.set(kTypeHeader, e.type);
  // Authorizer denials spell the member "Message", as AWS does.
  std::string member = e.type == "ACCESS_DENIED" ? "Message" : "message";
  res.body = "{\"" + member + "\":" + (e.message ? "\"" + json::escape(*e.message) + "\"" : std::string("null")) + "}";
  return res;
}

// --- the checks -----------------------------------------------------------------------------

void Guard::check(const std::shared_ptr<Gate>& g, std::function<void(std::optional<GateError>)> done) {
  authorize(g, [this, g, done = std::move(done)](std::optional<GateError> e) {
    if (e) {
      g->error_type = e->type;
      return done(std::move(e));
    }
    after_auth(g, done);
  });
}

void Guard::after_auth(const std::shared_ptr<Gate>& g, std::function<void(std::optional<GateError>)> done) {
  std::optional<GateError> e;
  try {
    e = check_keys(*g);
  } catch (const std::exception& ex) {
    spdlog::warn("apigateway {}: request checks failed: {}", g->request_id, ex.what());
    e = GateError{"API_CONFIGURATION_ERROR", "Internal server error"};
  }
  if (e) {
    g->error_type = e->type;
    return done(std::move(e));
  }
  done(validate(*g));
}

std::optional<GateError> Guard::validate(Gate& g) {
  std::optional<GateError> e;
  try {
    e = check_request(g);
  } catch (const std::exception& ex) {
    spdlog::warn("apigateway {}: request checks failed: {}", g.request_id, ex.what());
    e = GateError{"API_CONFIGURATION_ERROR", "Internal server error"};
  }
  if (e) g.error_type = e->type;
  return e;
}

void Guard::authorize(const std::shared_ptr<Gate>& g, std::function<void(std::optional<GateError>)> done) {
  const Doc& m = *g->method;
  std::string type = m.str("authorizationType", "NONE");
  vtl::Value& identity = member(g->context, "identity");
  if (type == "AWS_IAM") {
    std::optional<auth::SignedRequestInfo> sig;
    try {
      sig = auth::parse_signature(*g->req);
    } catch (const AwsError& ae) {
      return done(GateError{"INVALID_SIGNATURE", ae.message});
    }
    if (!sig) return done(GateError{"MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token"});
    if (sig->service != "execute-api")
      return done(GateError{"INVALID_SIGNATURE", "Credential should be scoped to correct service: 'execute-api'. "});
    bool strict = ctx_->config().auth == AuthMode::strict;
    auto cred = ctx_->keys().find(sig->access_key);
    std::string account = ctx_->config().default_account, arn, user_id;
    if (cred) {
      if (cred->expires_ms && cred->expires_ms < g->now)
        return done(GateError{"EXPIRED_TOKEN", "The security token included in the request is expired"});
      if (!cred->session_token.empty() && cred->session_token != sig->session_token)
        return done(GateError{"INVALID_SIGNATURE", "The security token included in the request is invalid."});
      if (auto err = auth::verify(*g->req, *sig, cred->secret_key, false))
        return done(GateError{"INVALID_SIGNATURE",
                              "The request signature we calculated does not match the signature you provided. Check your "
                              "AWS Secret Access Key and signing method. Consult the service documentation for details."});
      if (strict)
        if (auto err = auth::check_time(*sig, g->now, false)) return done(GateError{"INVALID_SIGNATURE", err->message});
      account = cred->account;
      arn = cred->principal_arn;
      user_id = cred->user_id;
    } else if (strict) {
      return done(GateError{"INVALID_SIGNATURE", "The security token included in the request is invalid."});
    } else if (sig->access_key.size() == 12 && sig->access_key.find_first_not_of("0123456789") == std::string::npos) {
      account = sig->access_key;
    }
    if (arn.empty()) {
      arn = root_arn(account);
      user_id = account;
    }
    identity.map().put("accountId", vtl::Value(account));
    identity.map().put("caller", vtl::Value(user_id));
    identity.map().put("user", vtl::Value(user_id));
    identity.map().put("userArn", vtl::Value(arn));
    identity.map().put("accessKey", vtl::Value(sig->access_key));
    return done(std::nullopt);
  }
  if (type != "CUSTOM" && type != "COGNITO_USER_POOLS") return done(std::nullopt);

  const Doc* az = g->api && g->api->get("authorizers") ? g->api->get("authorizers")->get(m.str("authorizerId")) : nullptr;
  if (!az) return done(GateError{"AUTHORIZER_CONFIGURATION_ERROR", std::nullopt});
  if (type == "COGNITO_USER_POOLS") return done(cognito_authorize(*g, *az, m, *ctx_));

  // --- Lambda authorizers (TOKEN, REQUEST) ---
  std::string az_type = az->str("type", "TOKEN");
  int64_t ttl = az->integer("authorizerResultTtlInSeconds", 300);
  std::string arn = method_arn(*g);
  vtl::Value event = vtl::Value::new_map();
  std::string cache_key = g->api_id + "/" + g->stage + "/" + az->str("id");
  if (az_type == "TOKEN") {
    auto token = g->source ? g->source(trim(az->str("identitySource"))) : std::nullopt;
    if (!token || token->empty()) return done(unauthorized());
    if (std::string expr = az->str("identityValidationExpression"); !expr.empty()) {
      bool ok = false;
      try {
        Regex re(expr);
        Regex::Budget budget;
        ok = re.full_match(*token, budget);
      } catch (const std::exception&) {
      }
      if (!ok) return done(unauthorized());
    }
    cache_key += "\n" + *token;
    event.map().put("type", vtl::Value("TOKEN"));
    event.map().put("methodArn", vtl::Value(arn));
    event.map().put("authorizationToken", vtl::Value(*token));
  } else {
    std::string sources = az->str("identitySource");
    size_t pos = 0;
    while (pos <= sources.size() && !sources.empty()) {
      size_t comma = sources.find(',', pos);
      std::string src = trim(std::string_view(sources).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
      pos = comma == std::string::npos ? sources.size() + 1 : comma + 1;
      if (src.empty()) continue;
      auto v = g->source ? g->source(src) : std::nullopt;
      if ((!v || v->empty()) && ttl > 0) return done(unauthorized());
      cache_key += "\n" + v.value_or("");
    }
    event.map().put("type", vtl::Value("REQUEST"));
    event.map().put("methodArn", vtl::Value(arn));
    event.map().put("resource", vtl::Value(g->resource_path));
    event.map().put("path", vtl::Value(g->path));
    event.map().put("httpMethod", vtl::Value(g->req->method));
    event.map().put("headers", pairs_value(g->headers, false));
    event.map().put("multiValueHeaders", pairs_value(g->headers, true));
    event.map().put("queryStringParameters", pairs_value(g->query, false));
    event.map().put("multiValueQueryStringParameters", pairs_value(g->query, true));
    event.map().put("pathParameters", pairs_value(g->path_params, false));
    event.map().put("stageVariables", g->stage_vars.is_map() && g->stage_vars.map().size() ? g->stage_vars : vtl::Value());
    vtl::Value rc = vtl::Value::new_map();
    for (const char* k : {"resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path",
                          "accountId", "protocol", "stage", "domainPrefix", "requestTimeEpoch", "requestId", "identity",
                          "domainName", "apiId"})
      if (const vtl::Value* v = g->context.map().find(k)) rc.map().put(k, *v);
    event.map().put("requestContext", rc);
  }

  // Applies an authorizer result (fresh or cached) to this call.
  auto apply = [g, arn](const Doc& result, int64_t latency) -> std::optional<GateError> {
    const Doc* policy = result.get("policyDocument");
    if (!result.is_map() || !result.has("principalId") || !policy || !policy->is_map())
      return GateError{"AUTHORIZER_CONFIGURATION_ERROR", std::nullopt};
    switch (evaluate_policy(*policy, arn)) {
      case PolicyDecision::explicit_deny:
        return GateError{"ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny"};
      case PolicyDecision::implicit_deny:
        return GateError{"ACCESS_DENIED", "User is not authorized to access this resource"};
      case PolicyDecision::allow:
        break;
    }
    vtl::Value& authz = member(g->context, "authorizer");
    authz.map().put("principalId", to_string_value(*result.get("principalId")));
    if (const Doc* c = result.get("context"); c && c->is_map())
      for (const auto& [k, v] : c->as_map()) authz.map().put(k, to_string_value(v));
    authz.map().put("integrationLatency", vtl::Value(latency));
    if (const Doc* k = result.get("usageIdentifierKey"); k && k->is_string()) g->usage_key = k->as_string();
    vtl::Value& identity = member(g->context, "identity");
    identity.map().put("principalId", to_string_value(*result.get("principalId")));
    return std::nullopt;
  };

  if (ttl > 0) {
    std::optional<Doc> hit;
    {
      std::lock_guard lock(mu_);
      auto it = auth_cache_.find(cache_key);
      if (it != auth_cache_.end() && it->second.expires_ms > g->now) hit = it->second.result;
    }
    if (hit) return done(apply(*hit, 0));
  }

  // authorizerUri: arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations
  std::string uri = az->str("authorizerUri");
  auto fpos = uri.find("/functions/");
  auto ipos = uri.rfind("/invocations");
  if (fpos == std::string::npos || ipos == std::string::npos || ipos <= fpos + 11)
    return done(GateError{"AUTHORIZER_CONFIGURATION_ERROR", std::nullopt});
  lambda::InvokeCall inv;
  inv.account = g->account;
  inv.region = g->region;
  inv.function = enc::uri_decode(uri.substr(fpos + 11, ipos - fpos - 11));
  if (auto fa = Arn::parse(inv.function)) {
    if (!fa->account.empty()) inv.account = fa->account;
    if (!fa->region.empty()) inv.region = fa->region;
  }
  inv.payload = vtl::write_json(event);
  lambda::invoke(*ctx_, std::move(inv), [this, g, ttl, cache_key, apply, done](lambda::InvokeOutcome out) {
    if (out.error) {
      spdlog::warn("apigateway {}: authorizer invoke failed: {} {}", g->request_id, out.error->code, out.error->message);
      return done(GateError{"AUTHORIZER_CONFIGURATION_ERROR", std::nullopt});
    }
    Doc result;
    try {
      result = json::parse(out.payload);
    } catch (const std::exception&) {
      return done(GateError{"AUTHORIZER_CONFIGURATION_ERROR", std::nullopt});
    }
    if (!out.function_error.empty()) {
      if (result.str("errorMessage") == "Unauthorized") return done(unauthorized());
      return done(GateError{"AUTHORIZER_FAILURE", std::nullopt});
    }
    if (ttl > 0 && result.is_map() && result.has("policyDocument")) {
      std::lock_guard lock(mu_);
      if (auth_cache_.size() > 10000) auth_cache_.clear();
      auth_cache_[cache_key] = Cached{result, g->now + ttl * 1000};
    }
    done(apply(result, std::max<int64_t>(0, now_millis() - g->now)));
  });
}

bool Guard::take(const std::string& key, double rate, double burst, int64_t now) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = burst;
    b.last_ms = now;
  }
  b.tokens = std::min(burst, b.tokens + rate * static_cast<double>(now - b.last_ms) / 1000.0);
  b.last_ms = std::max(b.last_ms, now);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

std::optional<GateError> Guard::check_keys(Gate& g) {
  const Doc& m = *g.method;
  // Stage and method throttling (methodSettings "*/*" and "/path/VERB").
  if (const Doc* ms = g.stage_doc ? g.stage_doc->get("methodSettings") : nullptr; ms && ms->is_map()) {
    std::string specific = g.resource_path + "/" + g.req->method;
    const Doc* s = ms->get(specific);
    std::string key = specific;
    if (!s || (!s->has("throttlingRateLimit") && !s->has("throttlingBurstLimit"))) {
      s = ms->get("*/*");
      key = "*/*";
    }
    if (s && (s->has("throttlingRateLimit") || s->has("throttlingBurstLimit"))) {
      const Doc* r = s->get("throttlingRateLimit");
      const Doc* b = s->get("throttlingBurstLimit");
      double rate = r && r->is_number() ? r->as_double() : 10000;
      double burst = b && b->is_number() ? b->as_double() : 5000;
      if (!take("stage\n" + g.api_id + "\n" + g.stage + "\n" + key, rate, burst, g.now))
        return GateError{"THROTTLED", "Too Many Requests"};
    }
  }
  if (!m.flag("apiKeyRequired")) return std::nullopt;
  std::string source = g.api && g.api->get("api") ? g.api->get("api")->str("apiKeySource", "HEADER") : "HEADER";
  std::string value;
  if (source == "AUTHORIZER") {
    value = g.usage_key;
  } else if (const std::string* h = g.req->headers.find("x-api-key")) {
    value = *h;
  }
  if (value.empty()) return GateError{"INVALID_API_KEY", "Forbidden"};
  Doc usage = load_usage(*ctx_, g.account, g.region);
  const Doc* key = nullptr;
  for (const auto& [_, k] : usage["apiKeys"].as_map())
    if (k.str("value") == value) key = &k;
  if (!key || !key->flag("enabled")) return GateError{"INVALID_API_KEY", "Forbidden"};
  std::string key_id = key->str("id");
  const Doc* plan = nullptr;
  const Doc* api_stage = nullptr;
  for (const auto& [pid, p] : usage["usagePlans"].as_map()) {
    const Doc* pk = usage["planKeys"].get(pid);
    if (!pk || !pk->has(key_id)) continue;
    if (const Doc* stages = p.get("apiStages"); stages && stages->is_list())
      for (const Doc& s : stages->as_list())
        if (s.str("apiId") == g.api_id && s.str("stage") == g.stage) {
          plan = &p;
          api_stage = &s;
        }
    if (plan) break;
  }
  if (!plan) return GateError{"INVALID_API_KEY", "Forbidden"};
  vtl::Value& identity = member(g.context, "identity");
  identity.map().put("apiKey", vtl::Value(value));
  identity.map().put("apiKeyId", vtl::Value(key_id));
  std::string pid = plan->str("id");
  const Doc* throttle = plan->get("throttle");
  if (const Doc* per = api_stage->get("throttle"); per && per->is_map())
    if (const Doc* t = per->get(g.resource_path + "/" + g.req->method)) throttle = t;
  if (throttle && throttle->is_map() && (throttle->has("rateLimit") || throttle->has("burstLimit"))) {
    const Doc* r = throttle->get("rateLimit");
    const Doc* b = throttle->get("burstLimit");
    double rate = r && r->is_number() ? r->as_double() : 10000;
    double burst = b && b->is_number() ? b->as_double() : std::max(1.0, rate);
    if (!take("plan\n" + pid + "\n" + key_id + "\n" + (throttle == plan->get("throttle") ? "" : g.resource_path + g.req->method),
              rate, burst, g.now))
      return GateError{"THROTTLED", "Too Many Requests"};
  }
  std::lock_guard lock(mu_);
  if (const Doc* q = plan->get("quota"); q && q->is_map() && q->has("limit")) {
    std::string qkey = "quota\n" + pid + "\n" + key_id + "\n" + period_of(q->str("period", "DAY"), g.now);
    int64_t& used = counts_[qkey];
    if (used >= q->integer("limit")) return GateError{"QUOTA_EXCEEDED", "Limit Exceeded"};
    ++used;
  }
  ++counts_["day\n" + pid + "\n" + key_id + "\n" + day_of(g.now)];
  return std::nullopt;
}

std::optional<GateError> Guard::check_request(Gate& g) {
  const Doc& m = *g.method;
  std::string vid = m.str("requestValidatorId");
  if (vid.empty() || !g.api) return std::nullopt;
  const Doc* validator = g.api->get("validators") ? g.api->get("validators")->get(vid) : nullptr;
  if (!validator) return std::nullopt;
  vtl::Value& err = member(g.context, "error");
  if (validator->flag("validateRequestParameters")) {
    std::vector<std::string> missing;
    if (const Doc* params = m.get("requestParameters"); params && params->is_map())
      for (const auto& [k, required] : params->as_map()) {
        if (!required.is_bool() || !required.as_bool()) continue;
        auto v = g.source ? g.source(k) : std::nullopt;
        if (v && !v->empty()) continue;
        missing.push_back(k.substr(k.rfind('.') + 1));
      }
    if (!missing.empty()) {
      std::string list;
      for (const auto& x : missing) list += (list.empty() ? "" : ", ") + x;
      std::string msg = "Missing required request parameters: [" + list + "]";
      err.map().put("validationErrorString", vtl::Value(msg));
      return GateError{"BAD_REQUEST_PARAMETERS", msg};
    }
  }
  if (!validator->flag("validateRequestBody")) return std::nullopt;
  const Doc* models = m.get("requestModels");
  if (!models || !models->is_map() || models->size() == 0) return std::nullopt;
  std::string ct;
  if (const std::string* h = g.req->headers.find("content-type")) ct = *h;
  if (auto semi = ct.find(';'); semi != std::string::npos) ct = ct.substr(0, semi);
  ct = trim(ct);
  for (auto& c : ct) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ct.empty()) ct = "application/json";
  const Doc* name = models->get(ct);
  if (!name) name = models->get("$default");
  if (!name || !name->is_string() || name->as_string() == "Empty") return std::nullopt;
  const Doc* all = g.api->get("models");
  std::map<std::string, Doc> parsed;
  auto schema_of = [&](const std::string& model) -> const Doc* {
    if (auto it = parsed.find(model); it != parsed.end()) return &it->second;
    const Doc* md = all && all->is_map() ? all->get(model) : nullptr;
    if (!md) return nullptr;
    try {
      return &parsed.emplace(model, json::parse(md->str("schema", "{}"))).first->second;
    } catch (const std::exception&) {
      return nullptr;
    }
  };
  const Doc* schema = schema_of(name->as_string());
  if (!schema) return std::nullopt;
  auto invalid = [&](const std::string& why) {
    err.map().put("validationErrorString", vtl::Value("[" + vtl::write_json(vtl::Value(why)) + "]"));
    return GateError{"BAD_REQUEST_BODY", "Invalid request body"};
  };
  Doc body;
  try {
    body = json::parse(g.req->body.empty() ? "null" : g.req->body);
  } catch (const std::exception&) {
    return invalid("Invalid JSON in request body");
  }
  auto problem = validate_schema(*schema, body, [&](const std::string& ref) -> const Doc* {
    auto slash = ref.rfind("/models/");
    return slash == std::string::npos ? nullptr : schema_of(ref.substr(slash + 8));
  });
  if (problem) return invalid(*problem);
  return std::nullopt;
}

// --- answers --------------------------------------------------------------------------------

void Guard::finish(Gate& g, http::Response& res) {
  std::string type;
  if (const std::string* t = res.headers.find(kTypeHeader)) {
    type = *t;
    res.headers.remove(kTypeHeader);
  } else {
    type = classify(res);
  }
  if (!g.context.is_map()) {  // answered before a method matched
    g.context = vtl::Value::new_map();
    g.context.map().put("requestId", vtl::Value(g.request_id));
    g.context.map().put("apiId", vtl::Value(g.api_id));
    g.context.map().put("stage", vtl::Value(g.stage));
    g.context.map().put("accountId", vtl::Value(g.account));
    g.context.map().put("path", vtl::Value("/" + g.stage + g.path));
    if (g.req) g.context.map().put("httpMethod", vtl::Value(g.req->method));
    vtl::Value identity = vtl::Value::new_map();
    if (g.req) identity.map().put("sourceIp", vtl::Value(g.req->remote_addr.empty() ? "127.0.0.1" : g.req->remote_addr));
    g.context.map().put("identity", identity);
  }
  if (!type.empty()) {
    if (g.error_type.empty()) g.error_type = type;
    std::optional<std::string> message;
    try {
      Doc b = json::parse(res.body);
      const Doc* mm = b.get("message") ? b.get("message") : b.get("Message");
      if (mm && mm->is_string()) message = mm->as_string();
    } catch (const std::exception&) {
    }
    vtl::Value& err = member(g.context, "error");
    err.map().put("message", message ? vtl::Value(*message) : vtl::Value());
    err.map().put("messageString", vtl::Value(message ? vtl::write_json(vtl::Value(*message)) : "null"));
    err.map().put("responseType", vtl::Value(type));
    if (!err.map().find("validationErrorString")) err.map().put("validationErrorString", vtl::Value());
    const Doc* grs = g.api ? g.api->get("gatewayResponses") : nullptr;
    const Doc* specific = grs && grs->is_map() ? grs->get(type) : nullptr;
    const Doc* fallback = grs && grs->is_map() ? grs->get(res.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX") : nullptr;
    if (specific || fallback) {
      if (specific && !specific->str("statusCode").empty()) res.status = std::atoi(specific->str("statusCode").c_str());
      else if (!specific && !type_info(type) && fallback && !fallback->str("statusCode").empty())
        res.status = std::atoi(fallback->str("statusCode").c_str());
      for (const Doc* gr : {fallback, specific}) {
        const Doc* params = gr ? gr->get("responseParameters") : nullptr;
        if (!params || !params->is_map()) continue;
        for (const auto& [k, v] : params->as_map()) {
          if (!starts_with(k, "gatewayresponse.header.") || !v.is_string()) continue;
          std::string expr = v.as_string();
          std::optional<std::string> val;
          if (expr.size() >= 2 && expr.front() == '\'' && expr.back() == '\'') val = expr.substr(1, expr.size() - 2);
          else if (g.source) val = g.source(expr);
          if (val) res.headers.set(k.substr(23), *val);
        }
      }
      const Doc* templates = nullptr;
      for (const Doc* gr : {specific, fallback})
        if (!templates && gr && gr->get("responseTemplates") && gr->get("responseTemplates")->size())
          templates = gr->get("responseTemplates");
      if (templates && templates->is_map()) {
        auto it = templates->as_map().find("application/json");
        if (it == templates->as_map().end()) it = templates->as_map().begin();
        try {
          vtl::Context vars;
          vars.vars["context"] = g.context;
          vars.vars["stageVariables"] = g.stage_vars.is_map() ? g.stage_vars : vtl::Value::new_map();
          vars.vars["util"] = vtl::make_util();
          res.body = vtl::evaluate(it->second.is_string() ? it->second.as_string() : "", vars);
          res.headers.set("Content-Type", it->first);
        } catch (const std::exception& e) {
          spdlog::warn("apigateway {}: gateway response template failed: {}", g.request_id, e.what());
        }
      }
    }
  }
  try {
    access_log(g, res);
  } catch (const std::exception& e) {
    spdlog::warn("apigateway {}: access log failed: {}", g.request_id, e.what());
  }
}

void Guard::access_log(Gate& g, const http::Response& res) {
  const Doc* s = g.stage_doc ? g.stage_doc->get("accessLogSettings") : nullptr;
  if (!s || !s->is_map() || !ctx_) return;
  std::string dest = s->str("destinationArn"), format = s->str("format");
  auto arn = Arn::parse(dest);
  if (!arn || arn->service != "logs" || !starts_with(arn->resource, "log-group:") || format.empty()) return;
  std::string group = arn->resource.substr(10);
  if (group.size() > 2 && group.compare(group.size() - 2, 2, ":*") == 0) group.resize(group.size() - 2);
  auto lookup = [&](const std::string& name) -> std::string {
    if (name == "status") return std::to_string(res.status);
    if (name == "responseLength") return std::to_string(res.body.size());
    if (name == "responseLatency") return std::to_string(std::max<int64_t>(0, now_millis() - g.now));
    if (name == "error.responseType" && g.error_type.empty()) return "-";
    vtl::Value cur = g.context;
    std::string_view rest = name;
    while (!rest.empty()) {
      auto dot = rest.find('.');
      if (!cur.is_map()) return "-";
      const vtl::Value* v = cur.map().find(rest.substr(0, dot));
      if (!v) return "-";
      cur = *v;
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    if (cur.is_null()) return "-";
    return cur.is_map() || cur.is_list() ? vtl::write_json(cur) : cur.to_string();
  };
  std::string line;
  for (size_t i = 0; i < format.size();) {
    bool braces = format.compare(i, 10, "${context.") == 0;
    if (format.compare(i, 9, "$context.") == 0 || braces) {
      size_t j = i + (braces ? 10 : 9);
      size_t k = j;
      while (k < format.size() && (std::isalnum(static_cast<unsigned char>(format[k])) || format[k] == '_' || format[k] == '.')) ++k;
      while (k > j && format[k - 1] == '.') --k;
      if (braces && k < format.size() && format[k] == '}') {
        line += lookup(format.substr(j, k - j));
        i = k + 1;
        continue;
      }
      if (!braces && k > j) {
        line += lookup(format.substr(j, k - j));
        i = k;
        continue;
      }
    }
    line += format[i++];
  }
  auto st = logs::append(*ctx_, g.account, g.region, group, g.api_id + "_" + g.stage,
                         {logs::Event{g.now, line}}, true);
  if (!st.ok()) spdlog::warn("apigateway {}: access log to {}: {}", g.request_id, group, st.message);
}

// --- usage storage --------------------------------------------------------------------------

Doc Guard::load_usage(ServerContext& ctx, const std::string& account, const std::string& region) {
  std::string key = scope_key(account, region);
  {
    std::shared_lock lock(usage_cache_mu_);
    if (auto it = usage_cache_.find(key); it != usage_cache_.end()) return it->second;
  }
  Doc d = Doc::map();
  std::string v;
  if (ctx.storage().get(kUsage.name, key, &v).ok()) d = json::parse(v);
  for (const char* s : {"apiKeys", "usagePlans", "planKeys"})
    if (!d[s].is_map()) d.set(s, Doc::map());
  std::unique_lock lock(usage_cache_mu_);
  usage_cache_[key] = d;
  return d;
}

void Guard::save_usage(ServerContext& ctx, const std::string& account, const std::string& region, const Doc& doc) {
  std::string key = scope_key(account, region);
  auto st = ctx.storage().put(kUsage.name, key, json::write(doc));
  {
    std::unique_lock lock(usage_cache_mu_);
    usage_cache_[key] = doc;
  }
  if (!st.ok()) throw stratus::errors::internal("storage: " + st.message);
}

Doc Guard::usage_report(const Doc& plan, const std::string& key_filter, const std::string& start, const std::string& end) {
  Doc items = Doc::map();
  std::string pid = plan.str("id");
  int64_t limit = -1;
  if (const Doc* q = plan.get("quota"); q && q->is_map() && q->has("limit")) limit = q->integer("limit");
  std::lock_guard lock(mu_);
  std::string prefix = "day\n" + pid + "\n";
  for (auto it = counts_.lower_bound(prefix); it != counts_.end() && starts_with(it->first, prefix); ++it) {
    std::string rest = it->first.substr(prefix.size());
    std::string key_id = rest.substr(0, rest.find('\n'));
    std::string day = rest.substr(rest.find('\n') + 1);
    if ((!key_filter.empty() && key_filter != key_id) || day < start || day > end) continue;
    Doc entry = Doc::list();
    entry.push(Doc(it->second));
    entry.push(Doc(limit < 0 ? int64_t{0} : std::max<int64_t>(0, limit - it->second)));
    items[key_id].push(std::move(entry));
  }
  return items;
}

}  // namespace stratus::apigateway
