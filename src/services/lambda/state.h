// The running Lambda service's state, shared by the operation handlers (ops/*.cc), the invocation
// path (invocation.cc, behind invoke.h) and the function URL front end (url_router.cc):
// the function store, the runtime manager that runs functions as host processes, the cache of
// runnable specs, event source mappings and layers.
//
// Locking: read-modify-write of a function record holds write_mu() for the whole operation
// (control-plane calls are rare and quick); every save() clears the spec cache, so an invocation
// never runs a configuration older than the last write it could have seen.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "auth/keystore.h"
#include "core/doc.h"
#include "events/queue.h"
#include "http/message.h"
#include "http/server.h"
#include "server/context.h"
#include "services/lambda/code.h"
#include "services/lambda/invoke.h"
#include "services/lambda/layers.h"
#include "services/lambda/params_secrets.h"
#include "services/lambda/store.h"
#include "services/service.h"

namespace stratus::runtime {
class Manager;
struct FunctionSpec;
struct InvokeResult;
}  // namespace stratus::runtime

namespace stratus::cloudwatch {
class Api;
}

namespace stratus::lambda {

class EventSourceMappings;

// Event invocations on the durable events queue. Payload (JSON): {"a": account, "r": region,
// "f": function, "q": qualifier, "p": base64 payload, "id": request id, "n": attempt, "t": first
// enqueued ms, "th": throttles so far (absent = 0)}.
inline constexpr const char* kAsyncTopic = "lambda.async";
// Invocation payload limits: RequestResponse 6 MB, Event 1 MB (AWS raised it from 256 KB in
// 2025), the legacy InvokeAsync operation still 256 KB.
inline constexpr size_t kSyncPayload = 6 * 1024 * 1024;
inline constexpr size_t kAsyncPayload = 1024 * 1024;
inline constexpr size_t kInvokeAsyncPayload = 256 * 1024;

// RequestEntityTooLargeException (413, not in the model) as Invoke answers an oversized payload:
// "N byte payload is too large for the Event invocation type (limit L bytes)".
AwsError payload_too_large(size_t size, const char* invocation_type, size_t limit);

// ResourceNotFoundException "Function not found: ARN".
AwsError not_found_fn(const std::string& arn);

// The configuration of $LATEST, a version number, or an alias (resolved to its version; with
// `route`, an alias with AdditionalVersionWeights picks a version at random by weight) in the
// record of the function `arn` (unqualified). `alias_out` receives the alias name when q named
// one. Throws not_found_fn(arn:q) when q names nothing.
const Doc* resolve(const Doc& rec, const std::string& arn, const std::string& q, std::string* alias_out = nullptr,
                   bool route = false);
inline const Doc* resolve(const OpContext& ctx, const Doc& rec, const std::string& name, const std::string& q) {
  return resolve(rec, function_arn(ctx, name), q);
}

// The provisioned concurrency configuration of qualifier q in a function record, or nullptr.
const Doc* provisioned_of(const Doc& rec, const std::string& q);
// The version a qualifier runs (aliases: their primary version).
std::string version_of(const Doc& rec, const std::string& q);
// The zip an S3Bucket/S3Key(/S3ObjectVersion) source names, read as the caller (nullopt when the
// source names no S3 object); InvalidParameterValueException "Error occurred while GetObject.
// S3 Error Code: ... S3 Error Message: ..." as Lambda words S3's errors.
std::optional<std::string> zip_from_s3(OpContext& ctx, const Doc& src);

// The runtime manager's pool key prefix of a function: ACCOUNT/REGION/NAME/.
std::string pool_prefix(const std::string& account, const std::string& region, const std::string& name);
inline std::string pool_prefix(const OpContext& ctx, const std::string& name) {
  return pool_prefix(ctx.account(), ctx.region(), name);
}

class State {
 public:
  State();
  ~State();

  // The running service's state (the Lambda service provides it as a port in attach());
  // nullptr when Lambda is not among the running services.
  static State* of(ServerContext& server) { return server.port<State>(); }

  void start(ServerContext& server);
  void stop();
  void reset();

  ServerContext& server() { return *server_; }
  FunctionStore& functions() { return *functions_; }
  runtime::Manager& manager() { return *manager_; }
  Layers& layers() { return layers_; }
  EventSourceMappings& esm() { return *esm_; }
  // Serialises read-modify-write of function records.
  std::mutex& write_mu() { return write_mu_; }

  // ---- function records (of an account and region: the caller's for OpContext forms) ----
  std::optional<Doc> load(const std::string& account, const std::string& region, const std::string& name);
  std::optional<Doc> load(OpContext& ctx, const std::string& name) { return load(ctx.account(), ctx.region(), name); }
  // Throws not_found_fn.
  Doc must_load(const std::string& account, const std::string& region, const std::string& name);
  Doc must_load(OpContext& ctx, const std::string& name) { return must_load(ctx.account(), ctx.region(), name); }
  // Writes the record and forgets cached specs.
  void save(OpContext& ctx, const std::string& name, const Doc& rec);
  // Deletes the record and forgets cached specs.
  void remove(OpContext& ctx, const std::string& name);
  void invalidate();
  // Forgets the URL index entries of a function's URLs (all of them, or one qualifier's).
  void drop_urls(OpContext& ctx, const Doc& rec, const std::string& only = "");

  // Stores a Code member's ZipFile (or the S3 object named by S3Bucket/S3Key/S3ObjectVersion,
  // read as the caller through s3/api.h) in the content store; throws
  // InvalidParameterValueException.
  StoredCode store_code(OpContext& ctx, const Doc& code);
  // The function's Layers (checked, in order) and their content hashes for the /opt view.
  void apply_layers(OpContext& ctx, Doc& cfg, const Doc& in);

  // ---- invocation ----
  struct Target {
    std::shared_ptr<const runtime::FunctionSpec> spec;
    int max_retries = 2;
    int64_t max_age_s = 6 * 3600;
    std::string on_success, on_failure, dead_letter;  // destination ARNs of Event invocations
  };
  // The runnable spec of a resolved configuration (cached until the next control-plane write).
  Target target(const std::string& account, const std::string& region, const std::string& name,
                const std::string& qualifier);
  // Keeps n environments of a version warm (0: none).
  void provision_version(const std::string& account, const std::string& region, const std::string& name,
                         const std::string& version, int n);
  void provision_version(OpContext& ctx, const std::string& name, const std::string& version, int n) {
    provision_version(ctx.account(), ctx.region(), name, version, n);
  }

  // Every invocation, from the API or from inside Stratus (invoke.h), comes through here.
  void run(ServerContext& server, InvokeCall call, InvokeDone done);
  // The ARN of an existing function (and qualifier), for invoke.h's function_arn().
  Result<std::string> existing_arn(ServerContext& server, const std::string& account, const std::string& region,
                                   const std::string& function);

  // ---- function URLs (url_router.cc): requests to <url-id>.lambda-url.<region>.localhost ----
  bool claims(const http::Request& req) const;
  void serve(http::Request req, http::Responder respond);

 private:
  // At start: the environments of every stored configuration are started again.
  void provision_all(ServerContext& server);
  events::Verdict deliver_async(const events::Delivery& d);
  void async_outcome(const Doc& job, const Target& t, const char* condition, const runtime::InvokeResult* r);
  std::optional<auth::Credential> url_caller(const http::Request& req);

  ServerContext* server_ = nullptr;
  std::unique_ptr<FunctionStore> functions_;
  std::string dir_;
  bool own_dir_ = false;
  int64_t retry_base_ms_ = 60'000;
  std::unique_ptr<runtime::Manager> manager_;
  std::unique_ptr<EventSourceMappings> esm_;
  Layers layers_;
  std::unique_ptr<ParamsSecrets> params_secrets_;  // the Parameters and Secrets extension's API
  std::mutex write_mu_;  // serialises read-modify-write of function records
  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, Target> specs_;  // GUARDED_BY(cache_mu_)
  // AWS/Lambda metrics (cloudwatch/api.h; nullptr without CloudWatch): Invocations, Errors,
  // Duration, Throttles, ConcurrentExecutions by FunctionName (invocation.cc).
  cloudwatch::Api* metrics_ = nullptr;
  std::mutex running_mu_;
  std::unordered_map<std::string, int> running_;  // in-flight invocations per account/region/function
  // Called when an invocation starts (returns the concurrency to publish) and ends.
  // `outcome`: 0 success, 1 function error, 2 throttled.
  void invocation_started(const std::string& account, const std::string& region, const std::string& fn);
  void invocation_ended(const std::string& account, const std::string& region, const std::string& fn, int outcome,
                        int64_t started_us);
};

// The state of the service an operation runs in.
inline State& state(OpContext& ctx) { return *State::of(ctx.server); }

}  // namespace stratus::lambda
