// The running SNS: what its operations (ops/*.cc) and its deliveries (delivery.cc,
// http_delivery.cc) share. Made once in SnsService::start(), after which its members are fixed.
#pragma once

#include "services/sns/envelope.h"
#include "services/sns/platform.h"
#include "services/sns/store.h"
#include "storage/engine.h"

namespace stratus {
class ServerContext;
struct OpContext;
}  // namespace stratus

namespace stratus::sqs {
class Api;
}  // namespace stratus::sqs
namespace stratus::cloudwatch {
class Api;
}  // namespace stratus::cloudwatch

namespace stratus::sns {

struct State {
  // Opens the store and the platform state on the server's engine (reads every topic and
  // subscription into memory).
  explicit State(ServerContext& server);
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Storage was wiped (POST /_stratus/reset): drop what is cached in memory.
  void reset();

  ServerContext& server;
  storage::Engine& engine;
  Store store;          // topics and subscriptions
  Platform platform;    // applications, endpoints, SMS settings
  Envelopes envelopes;  // the signing key and signatures
  sqs::Api* sqs = nullptr;  // SQS's port, resolved once at start; nullptr when SQS is not running
  cloudwatch::Api* metrics = nullptr;  // AWS/SNS metrics (cloudwatch/api.h); nullptr without CloudWatch
};

// The state of the SNS serving `ctx` (the handlers' way to it; defined in service.cc).
State& state(OpContext& ctx);

}  // namespace stratus::sns
