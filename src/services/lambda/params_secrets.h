// The AWS Parameters and Secrets Lambda Extension, answered by Stratus itself.
//
//   // A function whose Layers include
//   //   arn:aws:lambda:REGION:ACCOUNT:layer:AWS-Parameters-and-Secrets-Lambda-Extension[-Arm64]:N
//   // (any account, any version: no layer is stored, none is unpacked) gets, in each environment,
//   port = os.environ["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"]   # 2773 as on AWS, see below
//   GET http://localhost:{port}/systemsmanager/parameters/get?name=/app/db&withDecryption=true
//   GET http://localhost:{port}/secretsmanager/get?secretId=prod/db&versionStage=AWSCURRENT
//   // header X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN
//
// Contract:
// - Where: 127.0.0.1:2773 as on AWS (`--extension-port`, STRATUS_EXTENSION_PORT), one listener
//   of the Runtime API server shared by every environment of the instance, where the token
//   header names the calling environment (runtime/manager.h: parameters_secrets). When that port
//   is 0 or was taken at start (another Stratus instance, parallel tests: one warning in the
//   log), each environment's own Runtime API port serves it, and code that hard-codes 2773 does
//   not reach it. PARAMETERS_SECRETS_EXTENSION_HTTP_PORT always names the port that works (it
//   replaces the function's own value of that variable); each environment's own port answers too.
// - Who: the token must equal the environment's AWS_SESSION_TOKEN (401 otherwise; on the shared
//   port, the AWS_SESSION_TOKEN of a live environment with the layer); the calls run
//   as the function's execution role session (the credential that token belongs to), through the
//   FrontDoor's path (ServerContext::call_http): policies and strict mode apply as to the function.
// - What: /systemsmanager/parameters/get → SSM GetParameter (name; version or label make the
//   selector name:version / name:label, both at once is 400; withDecryption true|false);
//   /secretsmanager/get → Secrets Manager GetSecretValue (secretId, versionId, versionStage). The
//   answer is the service's own JSON answer, status and body (errors: the service's 400 JSON
//   error document); a missing name/secretId or a bad withDecryption is 400, another path 404.
// - Cache: successful answers are kept per function version and configuration (shared by its
//   environments; AWS keeps one per environment) for SSM_PARAMETER_STORE_TTL /
//   SECRETS_MANAGER_TTL seconds (0–300, default 300; 0 = no caching), at most
//   PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE entries (0–1000, default 1000; the entry expiring
//   first goes), none with PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED=false. Invalid values of
//   these variables fall back to the default. PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL and
//   _MAX_CONNECTIONS are accepted and ignored (the extension's own log lines are not written).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "http/server.h"

namespace stratus {
class ServerContext;
}
namespace stratus::runtime {
struct FunctionSpec;
}

namespace stratus::lambda {

// The layer names of AWS's extension (x86_64 and arm64).
bool is_parameters_secrets_layer(std::string_view layer_name);

// The AWS call a request of the extension's API stands for, or the extension's own answer.
struct ExtensionCall {
  int status = 0;  // != 0: answer this (with `body`) instead of calling
  std::string body;
  std::string service;    // "ssm" | "secretsmanager"
  std::string target;     // X-Amz-Target
  std::string input;      // JSON request body
  std::string cache_key;  // normalized request
};
ExtensionCall plan_extension_call(std::string_view method, std::string_view path, std::string_view query);

// The cache settings of one function (its environment variables).
struct ExtensionCacheConfig {
  bool enabled = true;
  int ssm_ttl_s = 300, secrets_ttl_s = 300;
  size_t size = 1000;
};
ExtensionCacheConfig extension_cache_config(const std::map<std::string, std::string>& env);

class ParamsSecrets {
 public:
  explicit ParamsSecrets(ServerContext& server) : server_(server) {}
  // Answers one request of spec's environment (runtime/manager.h: parameters_secrets).
  void serve(std::shared_ptr<const runtime::FunctionSpec> spec, http::Request req, http::Responder respond);

 private:
  struct Entry {
    int64_t expires_ms;
    std::string body, content_type;
  };
  ServerContext& server_;
  std::mutex mu_;
  std::map<std::string, std::map<std::string, Entry>> cache_;  // GUARDED_BY(mu_): pool key → request → answer
};

}  // namespace stratus::lambda
