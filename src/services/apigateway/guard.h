// API Gateway's invoke-time checks and the state behind them, kept apart from the integration
// code (invoke.cc calls in at two places: Guard::check before the integration runs, and
// Guard::finish on every answer).
//
//  check   authorization (NONE, AWS_IAM SigV4 for service execute-api, CUSTOM Lambda TOKEN and
//          REQUEST authorizers with result caching and IAM policy evaluation, COGNITO_USER_POOLS
//          claims), API keys and usage plans (throttle, quota), stage/method throttling from
//          methodSettings, request validators (required parameters, body against the method's
//          model: json_schema.h). Asynchronous: Lambda authorizers run through lambda::invoke.
//  finish  turns an error into the API's gateway response (responseType, statusCode,
//          responseParameters, responseTemplates with $context.error.*), then writes the stage's
//          access log line to CloudWatch Logs (accessLogSettings.format, $context substituted).
//  usage   API keys, usage plans and usage plan keys (one JSON document per account/region in
//          keyspace "apigateway.usage"; counters for throttling, quotas and GetUsage in memory).
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/doc.h"
#include "http/message.h"
#include "services/apigateway/vtl/value.h"

namespace stratus {
class ServerContext;
class Service;
}

namespace stratus::apigateway {

class Store;

using Pairs = std::vector<std::pair<std::string, std::string>>;

// What the guard sees of one invocation; filled by invoke.cc (pointers into the call, which
// outlives every callback).
struct Gate {
  const http::Request* req = nullptr;
  std::string account, region, api_id, stage, request_id;
  const Doc* api = nullptr;        // {"api", "authorizers", "models", "validators", "gatewayResponses"}
  const Doc* stage_doc = nullptr;
  const Doc* method = nullptr;     // nullptr until a method matched
  std::string resource_path, path;  // path: after the stage
  const Pairs* headers = nullptr;  // title-cased names
  const Pairs* query = nullptr;
  const Pairs* path_params = nullptr;
  vtl::Value context, stage_vars;  // maps shared with the call (authorizer/identity land here)
  // Resolves a parameter source ('literal', method.request.*, stageVariables.*, context.*).
  std::function<std::optional<std::string>(const std::string&)> source;
  int64_t now = 0;
  std::string error_type;  // set when check() failed (for the access log)
  std::string usage_key;   // a Lambda authorizer's usageIdentifierKey (apiKeySource AUTHORIZER)
};

// A failed check: the gateway response type and the $context.error.message.
struct GateError {
  std::string type;
  std::optional<std::string> message;  // nullopt: JSON null
};

// COGNITO_USER_POOLS (Guard::cognito): the token of the authorizer's identitySource (a
// "Bearer " prefix tolerated) must verify as a token of one of its providerARNs' pools through
// cognito-idp's port (services/cognito-idp/api.h: signature, kid, iss in either form, exp,
// token_use). A method without authorizationScopes wants an ID token; one with scopes an access
// token whose scope claim holds at least one of them. Anything else is UNAUTHORIZED (401
// {"message":"Unauthorized"}, as AWS answers, also for a scope mismatch). Revoked sign-ins still
// pass (AWS's API Gateway does not ask Cognito). The claims land in $context.authorizer.claims
// (and the proxy event's requestContext.authorizer.claims) rendered as AWS renders them: every
// value a string, exp/iat as "Tue Feb 12 20:35:48 UTC 2019", lists joined with commas.
std::optional<GateError> cognito_authorize(Gate& g, const Doc& authorizer, const Doc& method, ServerContext& ctx);
// A claim value as REST APIs render it in $context.authorizer.claims.
std::string claim_string(const std::string& name, const Doc& value);

// The default status code of a gateway response type (0 for DEFAULT_4XX/5XX).
int gateway_default_status(const std::string& type);
// All gateway response types, as the model lists them.
const std::vector<std::string>& gateway_response_types();

class Guard {
 public:
  explicit Guard(Store& store) : store_(store) {}
  void start(ServerContext& ctx) { ctx_ = &ctx; }
  void reset();

  // Runs the checks in AWS's order; done(nullopt) lets the integration run. done is called once.
  void check(const std::shared_ptr<Gate>& gate, std::function<void(std::optional<GateError>)> done);
  // TestInvokeMethod's checks: the method's request validator only (AWS's test invocations skip
  // authorization, API keys and throttling). Sets gate.error_type when it fails. Any thread.
  std::optional<GateError> validate(Gate& gate);
  // The response for a failed check (before gateway responses are applied in finish()).
  static http::Response error(const GateError& e);
  // Applies gateway responses to an error answer and writes the access log line.
  void finish(Gate& gate, http::Response& res);

  // --- API keys and usage plans (operations in ops/api_keys.cc, ops/usage_plans.cc) ---
  Doc load_usage(ServerContext& ctx, const std::string& account, const std::string& region);
  void save_usage(ServerContext& ctx, const std::string& account, const std::string& region, const Doc& doc);
  // Used/remaining per day (keyId -> [[used, remaining], ...]) for GetUsage.
  Doc usage_report(const Doc& plan, const std::string& key_filter, const std::string& start, const std::string& end);
  std::mutex usage_mu;  // held by usage read-modify-writes
  Store& store() { return store_; }

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_ms = 0;
  };
  struct Cached {
    Doc result;
    int64_t expires_ms = 0;
  };
  bool take(const std::string& key, double rate, double burst, int64_t now);
  void authorize(const std::shared_ptr<Gate>& g, std::function<void(std::optional<GateError>)> done);
  void after_auth(const std::shared_ptr<Gate>& g, std::function<void(std::optional<GateError>)> done);
  std::optional<GateError> check_keys(Gate& g);
  std::optional<GateError> check_request(Gate& g);
  void access_log(Gate& g, const http::Response& res);

  Store& store_;
  ServerContext* ctx_ = nullptr;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;                 // GUARDED_BY(mu_)
  std::map<std::string, int64_t> counts_;                 // plan|key|day -> requests; GUARDED_BY(mu_)
  std::map<std::string, Cached> auth_cache_;              // GUARDED_BY(mu_)
  std::shared_mutex usage_cache_mu_;
  std::map<std::string, Doc> usage_cache_;                // account/region -> usage doc
};

}  // namespace stratus::apigateway
