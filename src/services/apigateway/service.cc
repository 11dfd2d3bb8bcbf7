// API Gateway (REST APIs): the service and its operation table. The control-plane operations are
// in ops/ (ops.h); the invoke URLs (invoke.h), which the FrontDoor routes here through the
// InvokeRouter hook, and the invoke-time checks (guard.h) run on the state in state.h.
#include "server/context.h"
#include "server/invoke_router.h"
#include "services/apigateway/invoke.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/schema.h"
#include "services/apigateway/state.h"
#include "services/cloudwatch/api.h"

namespace stratus::apigateway {
namespace {

class ApiGatewayService final : public Service, public InvokeRouter {
 public:
  ApiGatewayService() : Service("apigateway") {
    add("CreateRestApi", create_rest_api);
    add("GetRestApi", get_rest_api);
    add("GetRestApis", get_rest_apis);
    add("UpdateRestApi", update_rest_api);
    add("DeleteRestApi", delete_rest_api);

    add("CreateResource", create_resource);
    add("GetResource", get_resource);
    add("GetResources", get_resources);
    add("UpdateResource", update_resource);
    add("DeleteResource", delete_resource);

    add("PutMethod", put_method);
    add("GetMethod", get_method);
    add("UpdateMethod", update_method);
    add("DeleteMethod", delete_method);
    add("PutMethodResponse", put_method_response);
    add("GetMethodResponse", get_method_response);
    add("UpdateMethodResponse", update_method_response);
    add("DeleteMethodResponse", delete_method_response);

    add("PutIntegration", put_integration);
    add("GetIntegration", get_integration);
    add("UpdateIntegration", update_integration);
    add("DeleteIntegration", delete_integration);
    add("PutIntegrationResponse", put_integration_response);
    add("GetIntegrationResponse", get_integration_response);
    add("UpdateIntegrationResponse", update_integration_response);
    add("DeleteIntegrationResponse", delete_integration_response);

    add("CreateDeployment", create_deployment);
    add("GetDeployment", get_deployment);
    add("GetDeployments", get_deployments);
    add("UpdateDeployment", update_deployment);
    add("DeleteDeployment", delete_deployment);
    add("CreateStage", create_stage);
    add("GetStage", get_stage);
    add("GetStages", get_stages);
    add("UpdateStage", update_stage);
    add("DeleteStage", delete_stage);

    add("CreateAuthorizer", create_authorizer);
    add("GetAuthorizer", get_authorizer);
    add("GetAuthorizers", get_authorizers);
    add("UpdateAuthorizer", update_authorizer);
    add("DeleteAuthorizer", delete_authorizer);
    add("TestInvokeAuthorizer", test_invoke_authorizer);
    gap("TestInvokeAuthorizer",
        "runs COGNITO_USER_POOLS authorizers (ID token); TOKEN and REQUEST (Lambda) authorizers answer "
        "BadRequestException");

    add("CreateModel", create_model);
    add("GetModel", get_model);
    add("GetModels", get_models);
    add("UpdateModel", update_model);
    add("DeleteModel", delete_model);
    add("CreateRequestValidator", create_request_validator);
    add("GetRequestValidator", get_request_validator);
    add("GetRequestValidators", get_request_validators);
    add("UpdateRequestValidator", update_request_validator);
    add("DeleteRequestValidator", delete_request_validator);

    add("PutGatewayResponse", put_gateway_response);
    add("GetGatewayResponse", get_gateway_response);
    add("GetGatewayResponses", get_gateway_responses);
    add("DeleteGatewayResponse", delete_gateway_response);

    add("ImportRestApi", import_rest_api);
    add("PutRestApi", put_rest_api);
    add("GetExport", get_export);

    add_async("TestInvokeMethod", test_invoke_method);

    add("CreateApiKey", create_api_key);
    add("GetApiKey", get_api_key);
    add("GetApiKeys", get_api_keys);
    add("UpdateApiKey", update_api_key);
    add("DeleteApiKey", delete_api_key);

    add("CreateUsagePlan", create_usage_plan);
    add("GetUsagePlan", get_usage_plan);
    add("GetUsagePlans", get_usage_plans);
    add("UpdateUsagePlan", update_usage_plan);
    add("DeleteUsagePlan", delete_usage_plan);
    add("CreateUsagePlanKey", create_usage_plan_key);
    add("GetUsagePlanKey", get_usage_plan_key);
    add("GetUsagePlanKeys", get_usage_plan_keys);
    add("DeleteUsagePlanKey", delete_usage_plan_key);
    add("GetUsage", get_usage);
  }

  // Handlers find the state through the context (state(ctx)), typed, like any port.
  void attach(ServerContext& ctx) override { ctx.provide<State>(&state_); }
  void start(ServerContext& ctx) override {
    state_.guard.start(ctx);
    state_.invoker = std::make_unique<Invoker>(ctx, state_.store);
    state_.invoker->set_guard(&state_.guard);
    state_.invoker->metrics = ctx.port<cloudwatch::Api>();
  }
  void reset() override {
    state_.store.bump();
    state_.guard.reset();
    if (state_.invoker) state_.invoker->reset();
  }

  bool claims(const http::Request& req) const override { return state_.invoker && state_.invoker->claims(req); }
  void serve(http::Request req, http::Responder respond) override {
    state_.invoker->serve(std::move(req), std::move(respond));
  }
  void set_front_door(http::Handler& front_door) override {
    if (state_.invoker) state_.invoker->attach(front_door);
  }

  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }

 private:
  State state_;
};

}  // namespace

State& state(OpContext& ctx) { return *ctx.server.port<State>(); }

std::unique_ptr<Service> make_service() { return std::make_unique<ApiGatewayService>(); }

}  // namespace stratus::apigateway
