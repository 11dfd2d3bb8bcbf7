// API Gateway's operation handlers, one free function per operation, named after it. The
// operation table is service.cc; the handlers live in ops/<resource>.cc and reach the service's
// state through state(ctx) (state.h). A handler that fails throws the AwsError (the model's
// shapes, generated in errors.h: errors::not_found(...)); the value it returns is the operation's
// output shape.
#pragma once

#include "core/doc.h"
#include "services/service.h"

namespace stratus::apigateway {

// ops/rest_apis.cc
Doc create_rest_api(OpContext& ctx, const Doc& in);
Doc get_rest_api(OpContext& ctx, const Doc& in);
Doc get_rest_apis(OpContext& ctx, const Doc& in);
Doc update_rest_api(OpContext& ctx, const Doc& in);
Doc delete_rest_api(OpContext& ctx, const Doc& in);

// ops/resources.cc
Doc create_resource(OpContext& ctx, const Doc& in);
Doc get_resource(OpContext& ctx, const Doc& in);
Doc get_resources(OpContext& ctx, const Doc& in);
Doc update_resource(OpContext& ctx, const Doc& in);
Doc delete_resource(OpContext& ctx, const Doc& in);

// ops/methods.cc: methods and method responses
Doc put_method(OpContext& ctx, const Doc& in);
Doc get_method(OpContext& ctx, const Doc& in);
Doc update_method(OpContext& ctx, const Doc& in);
Doc delete_method(OpContext& ctx, const Doc& in);
Doc put_method_response(OpContext& ctx, const Doc& in);
Doc get_method_response(OpContext& ctx, const Doc& in);
Doc update_method_response(OpContext& ctx, const Doc& in);
Doc delete_method_response(OpContext& ctx, const Doc& in);

// ops/integrations.cc: integrations and integration responses
Doc put_integration(OpContext& ctx, const Doc& in);
Doc get_integration(OpContext& ctx, const Doc& in);
Doc update_integration(OpContext& ctx, const Doc& in);
Doc delete_integration(OpContext& ctx, const Doc& in);
Doc put_integration_response(OpContext& ctx, const Doc& in);
Doc get_integration_response(OpContext& ctx, const Doc& in);
Doc update_integration_response(OpContext& ctx, const Doc& in);
Doc delete_integration_response(OpContext& ctx, const Doc& in);

// ops/deployments.cc: deployments and stages
Doc create_deployment(OpContext& ctx, const Doc& in);
Doc get_deployment(OpContext& ctx, const Doc& in);
Doc get_deployments(OpContext& ctx, const Doc& in);
Doc update_deployment(OpContext& ctx, const Doc& in);
Doc delete_deployment(OpContext& ctx, const Doc& in);
Doc create_stage(OpContext& ctx, const Doc& in);
Doc get_stage(OpContext& ctx, const Doc& in);
Doc get_stages(OpContext& ctx, const Doc& in);
Doc update_stage(OpContext& ctx, const Doc& in);
Doc delete_stage(OpContext& ctx, const Doc& in);

// ops/authorizers.cc
Doc create_authorizer(OpContext& ctx, const Doc& in);
Doc get_authorizer(OpContext& ctx, const Doc& in);
Doc get_authorizers(OpContext& ctx, const Doc& in);
Doc update_authorizer(OpContext& ctx, const Doc& in);
Doc delete_authorizer(OpContext& ctx, const Doc& in);

// ops/models.cc: models and request validators
Doc create_model(OpContext& ctx, const Doc& in);
Doc get_model(OpContext& ctx, const Doc& in);
Doc get_models(OpContext& ctx, const Doc& in);
Doc update_model(OpContext& ctx, const Doc& in);
Doc delete_model(OpContext& ctx, const Doc& in);
Doc create_request_validator(OpContext& ctx, const Doc& in);
Doc get_request_validator(OpContext& ctx, const Doc& in);
Doc get_request_validators(OpContext& ctx, const Doc& in);
Doc update_request_validator(OpContext& ctx, const Doc& in);
Doc delete_request_validator(OpContext& ctx, const Doc& in);

// ops/gateway_responses.cc
Doc put_gateway_response(OpContext& ctx, const Doc& in);
Doc get_gateway_response(OpContext& ctx, const Doc& in);
Doc get_gateway_responses(OpContext& ctx, const Doc& in);
Doc delete_gateway_response(OpContext& ctx, const Doc& in);

// ops/api_keys.cc
Doc create_api_key(OpContext& ctx, const Doc& in);
Doc get_api_key(OpContext& ctx, const Doc& in);
Doc get_api_keys(OpContext& ctx, const Doc& in);
Doc update_api_key(OpContext& ctx, const Doc& in);
Doc delete_api_key(OpContext& ctx, const Doc& in);

// ops/usage_plans.cc: usage plans, usage plan keys, usage
Doc create_usage_plan(OpContext& ctx, const Doc& in);
Doc get_usage_plan(OpContext& ctx, const Doc& in);
Doc get_usage_plans(OpContext& ctx, const Doc& in);
Doc update_usage_plan(OpContext& ctx, const Doc& in);
Doc delete_usage_plan(OpContext& ctx, const Doc& in);
Doc create_usage_plan_key(OpContext& ctx, const Doc& in);
Doc get_usage_plan_key(OpContext& ctx, const Doc& in);
Doc get_usage_plan_keys(OpContext& ctx, const Doc& in);
Doc delete_usage_plan_key(OpContext& ctx, const Doc& in);
Doc get_usage(OpContext& ctx, const Doc& in);

// ops/import_export.cc: OpenAPI / Swagger documents (openapi.h does the reading and writing)
Doc import_rest_api(OpContext& ctx, const Doc& in);
Doc put_rest_api(OpContext& ctx, const Doc& in);
Doc get_export(OpContext& ctx, const Doc& in);

// ops/test_invoke.cc: answers once the method ran (asynchronous: integrations may be Lambda)
void test_invoke_method(OpContext& ctx, const Doc& in, Done done);

}  // namespace stratus::apigateway
