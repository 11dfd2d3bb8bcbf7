// The API Gateway data plane: invoke URLs → deployed stage → resource and method → integration
// → integration response → method response.
//
// How integrations reach other Stratus services (AWS, AWS_PROXY):
//   The integration builds the HTTP request API Gateway itself would send to the service
//   endpoint (action URIs: "Action=X" in the query for Query services, X-Amz-Target for JSON
//   services; path URIs: the path as written) and hands it to the FrontDoor as an internal call
//   (ServerContext::call_http) from the integration's principal: the `credentials` role (or the
//   API owner's account when there is none), with credentials issued for it in the KeyStore so
//   the target sees the access key a signed call would carry. No signature is made or checked.
//   The request takes the path a client's request takes from routing on: the target's codec,
//   validation and its operation table — async handlers included (Lambda Invoke answers later;
//   nothing blocks an I/O thread). The cost is one encode/decode per hop.
//   AWS_PROXY to Lambda is the exception: it calls Lambda's internal invoke API
//   (services/lambda/invoke.h, the Invoke operation's own code path) with the version 1.0 event,
//   to stay within a fraction of a millisecond of a direct Invoke.
//
// Thread safety: serve() runs on I/O threads and may be called concurrently. Deployed stages are
// immutable snapshots shared through a cache that is rebuilt when the store's generation moves.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "auth/keystore.h"
#include "http/server.h"
#include "services/apigateway/guard.h"
#include "services/apigateway/store.h"
#include "services/service.h"

namespace stratus {
class ServerContext;
}

namespace stratus::cloudwatch {
class Api;
}

namespace stratus::apigateway {

struct Deployed;  // deployed.h

class Invoker {
 public:
  Invoker(ServerContext& ctx, Store& store) : ctx_(ctx), store_(store) {}
  bool claims(const http::Request& req) const;
  void serve(http::Request req, http::Responder respond);
  void attach(http::Handler& front_door) { front_door_ = &front_door; }
  void reset();
  // TestInvokeMethod: the method as it is now (no deployment needed), through the same code path
  // as a call to an invoke URL; answers the operation's output shape.
  // Throws the operation's errors (NotFoundException, ...) before the method runs; answers through
  // done after.
  void test_invoke(OpContext& ctx, const Doc& in, Done done);

  // The credentials of an integration's principal (issued once per principal, kept in the
  // KeyStore): the principal its internal calls are made as.
  auth::Credential credential_for(const std::string& account, const std::string& role_arn);
  ServerContext& server() { return ctx_; }
  // Invoke-time checks (authorizers, keys, validation), gateway responses, access logs.
  Guard* guard() { return guard_; }
  void set_guard(Guard* g) { guard_ = g; }
  http::Handler* front_door() { return front_door_; }
  // AWS/ApiGateway metrics (cloudwatch/api.h; nullptr without CloudWatch), set in start().
  cloudwatch::Api* metrics = nullptr;

 private:
  std::shared_ptr<const Deployed> deployed(const std::string& api_id, const std::string& stage);

  ServerContext& ctx_;
  Store& store_;
  http::Handler* front_door_ = nullptr;
  Guard* guard_ = nullptr;
  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<const Deployed>> cache_;  // GUARDED_BY(cache_mu_)
  std::mutex cred_mu_;
  std::unordered_map<std::string, auth::Credential> creds_;  // GUARDED_BY(cred_mu_)
};

}  // namespace stratus::apigateway
