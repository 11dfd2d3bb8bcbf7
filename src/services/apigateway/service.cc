// API Gateway (REST APIs): the management operations (management.cc) and the invoke URLs
// (invoke.cc), which the FrontDoor routes here through the InvokeRouter hook.
#include "server/context.h"
#include "server/invoke_router.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/guard.h"
#include "services/apigateway/invoke.h"

namespace stratus::apigateway {
namespace {

class ApiGatewayService final : public Service, public InvokeRouter {
 public:
  ApiGatewayService() : Service("apigateway") {
    register_management(*this, store_);
    register_import_export(*this, store_);
    add_async("TestInvokeMethod", [this](OpContext& c, const Doc& in, Done done) { invoker_->test_invoke(c, in, std::move(done)); });
    register_usage(*this, guard_);
  }

  void start(ServerContext& ctx) override {
    guard_.start(ctx);
    invoker_ = std::make_unique<Invoker>(ctx, store_);
    invoker_->set_guard(&guard_);
  }
  void reset() override {
    store_.bump();
    guard_.reset();
    if (invoker_) invoker_->reset();
  }

  bool claims(const http::Request& req) const override { return invoker_ && invoker_->claims(req); }
  void serve(http::Request req, http::Responder respond) override { invoker_->serve(std::move(req), std::move(respond)); }
  void attach(http::Handler& front_door) override {
    if (invoker_) invoker_->attach(front_door);
  }

 private:
  Store store_;
  Guard guard_{store_};
  std::unique_ptr<Invoker> invoker_;
};

}  // namespace

std::unique_ptr<Service> make_service() { return std::make_unique<ApiGatewayService>(); }

}  // namespace stratus::apigateway
