// AWS Lambda: functions, versions, aliases, permissions, concurrency and invocations, with
// functions running as host processes (src/runtime/) instead of containers.
//
// This file holds the service and its operation table. The handlers are in ops/*.cc (ops.h),
// the shared state in state.h, function records in store.h; invocations (invoke.h) in
// invocation.cc; function URLs' front end in url_router.cc; event source mappings in esm.h;
// layers in layers.h.
//
// Storage: one record per function in "lambda.functions" (store.h). Code lives on disk,
// content-addressed (<lambda dir>/code/<sha256>.zip and the extracted tree beside it), shared by
// versions.
//
// Asynchronous (Event) invocations go through the durable events queue (topic "lambda.async");
// while one runs, its delivery is kept in "lambda.async_inflight" so that a crash re-delivers it.
// A failed attempt is enqueued again, due after AWS's delay, so retries survive restarts too;
// outcomes go to the event invoke config's destinations and the dead-letter queue
// (destinations.h). Function URL configurations live in the function record ("urls", per
// qualifier) with an index "lambda.url_ids" (url id -> function) for the HTTP side (urls.h).
#include "server/context.h"
#include "server/invoke_router.h"
#include "services/lambda/ops.h"
#include "services/lambda/schema.h"
#include "services/lambda/state.h"

namespace stratus::lambda {
namespace ops {
namespace {

class LambdaService final : public Service, public InvokeRouter {
 public:
  LambdaService() : Service("lambda"), state_() {
    add("CreateFunction", create_function);
    add("GetFunction", get_function);
    add("GetFunctionConfiguration", get_function_configuration);
    add("ListFunctions", list_functions);
    add("UpdateFunctionCode", update_function_code);
    add("UpdateFunctionConfiguration", update_function_configuration);
    add("DeleteFunction", delete_function);
    add("PublishVersion", publish_version);
    add("ListVersionsByFunction", list_versions_by_function);
    add("CreateAlias", create_alias);
    add("GetAlias", get_alias);
    add("UpdateAlias", update_alias);
    add("DeleteAlias", delete_alias);
    add("ListAliases", list_aliases);
    add("PutFunctionConcurrency", put_function_concurrency);
    add("GetFunctionConcurrency", get_function_concurrency);
    add("DeleteFunctionConcurrency", delete_function_concurrency);
    add("PutProvisionedConcurrencyConfig", put_provisioned_concurrency_config);
    add("GetProvisionedConcurrencyConfig", get_provisioned_concurrency_config);
    add("DeleteProvisionedConcurrencyConfig", delete_provisioned_concurrency_config);
    add("ListProvisionedConcurrencyConfigs", list_provisioned_concurrency_configs);
    add("GetAccountSettings", get_account_settings);
    add("AddPermission", add_permission);
    add("RemovePermission", remove_permission);
    add("GetPolicy", get_policy);
    add("TagResource", tag_resource);
    add("UntagResource", untag_resource);
    add("ListTags", list_tags);
    add("PutFunctionEventInvokeConfig", put_function_event_invoke_config);
    add("UpdateFunctionEventInvokeConfig", update_function_event_invoke_config);
    add("GetFunctionEventInvokeConfig", get_function_event_invoke_config);
    add("DeleteFunctionEventInvokeConfig", delete_function_event_invoke_config);
    add("ListFunctionEventInvokeConfigs", list_function_event_invoke_configs);
    add("CreateFunctionUrlConfig", create_function_url_config);
    add("GetFunctionUrlConfig", get_function_url_config);
    add("UpdateFunctionUrlConfig", update_function_url_config);
    add("DeleteFunctionUrlConfig", delete_function_url_config);
    add("ListFunctionUrlConfigs", list_function_url_configs);
    add_async("Invoke", invoke);
    add_async("InvokeAsync", invoke_async);
    add_async("InvokeWithResponseStream", invoke_with_response_stream);
    add("CreateEventSourceMapping", create_event_source_mapping);
    add("GetEventSourceMapping", get_event_source_mapping);
    add("ListEventSourceMappings", list_event_source_mappings);
    add("UpdateEventSourceMapping", update_event_source_mapping);
    add("DeleteEventSourceMapping", delete_event_source_mapping);
    add("PublishLayerVersion", publish_layer_version);
    add("GetLayerVersion", get_layer_version);
    add("GetLayerVersionByArn", get_layer_version_by_arn);
    add("ListLayers", list_layers);
    gap("Parameters and Secrets Lambda Extension",
        "answered by Stratus on 127.0.0.1:2773 (--extension-port); when that port is taken, on each environment's "
        "own port (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT names it); "
        "the cache is per function version, not per environment; the extension's own log lines and "
        "PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS / _LOG_LEVEL are ignored");
    add("ListLayerVersions", list_layer_versions);
    add("DeleteLayerVersion", delete_layer_version);
    add("AddLayerVersionPermission", add_layer_version_permission);
    add("RemoveLayerVersionPermission", remove_layer_version_permission);
    add("GetLayerVersionPolicy", get_layer_version_policy);
  }

  std::string validation_error_code() const override { return "ValidationException"; }
  std::span<const storage::Keyspace> keyspaces() const override { return schema::kKeyspaces; }

  // The port behind invoke.h (lambda::invoke, lambda::function_arn) and the handlers' state(ctx).
  void attach(ServerContext& server) override { server.provide<State>(&state_); }

  void start(ServerContext& server) override { state_.start(server); }
  void stop() override { state_.stop(); }
  void reset() override { state_.reset(); }

  // InvokeRouter: function URLs.
  const char* log_service() const override { return "lambda-url"; }
  bool claims(const http::Request& req) const override { return state_.claims(req); }
  void serve(http::Request req, http::Responder respond) override { state_.serve(std::move(req), std::move(respond)); }

 private:
  State state_;
};

}  // namespace
}  // namespace ops

std::unique_ptr<Service> make_service() { return std::make_unique<ops::LambdaService>(); }

}  // namespace stratus::lambda
