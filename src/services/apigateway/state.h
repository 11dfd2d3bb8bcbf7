// What API Gateway keeps while it runs, owned by the service (service.cc) and reached by the
// operation handlers through state(ctx).
//
//  store    the REST API documents (store.h)
//  guard    invoke-time checks and the API key / usage plan documents (guard.h)
//  invoker  the data plane (invoke.h); created in Service::start, so nullptr before it
#pragma once

#include <memory>

#include "services/apigateway/guard.h"
#include "services/apigateway/store.h"
#include "services/service.h"

namespace stratus::apigateway {

class Invoker;

struct State {
  Store store;
  Guard guard{store};
  std::unique_ptr<Invoker> invoker;  // the destructor runs where Invoker is complete (service.cc)
};

// The state of the API Gateway service of ctx.server: the service provides it in attach()
// (ServerContext::provide), before any operation can run. Defined in service.cc.
State& state(OpContext& ctx);
inline Store& store(OpContext& ctx) { return state(ctx).store; }
inline Guard& guard(OpContext& ctx) { return state(ctx).guard; }

}  // namespace stratus::apigateway
