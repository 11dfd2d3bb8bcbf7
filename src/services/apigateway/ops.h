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
HandlerFn create_rest_api, get_rest_api, get_rest_apis, update_rest_api, delete_rest_api;

// ops/resources.cc
HandlerFn create_resource, get_resource, get_resources, update_resource, delete_resource;

// ops/methods.cc: methods and method responses
HandlerFn put_method, get_method, update_method, delete_method, put_method_response, get_method_response,
    update_method_response, delete_method_response;

// ops/integrations.cc: integrations and integration responses
HandlerFn put_integration, get_integration, update_integration, delete_integration, put_integration_response,
    get_integration_response, update_integration_response, delete_integration_response;

// ops/deployments.cc: deployments and stages
HandlerFn create_deployment, get_deployment, get_deployments, update_deployment, delete_deployment, create_stage,
    get_stage, get_stages, update_stage, delete_stage;

// ops/authorizers.cc
HandlerFn create_authorizer, get_authorizer, get_authorizers, update_authorizer, delete_authorizer,
    test_invoke_authorizer;

// ops/models.cc: models and request validators
HandlerFn create_model, get_model, get_models, update_model, delete_model, create_request_validator,
    get_request_validator, get_request_validators, update_request_validator, delete_request_validator;

// ops/gateway_responses.cc
HandlerFn put_gateway_response, get_gateway_response, get_gateway_responses, delete_gateway_response;

// ops/api_keys.cc
HandlerFn create_api_key, get_api_key, get_api_keys, update_api_key, delete_api_key;

// ops/usage_plans.cc: usage plans, usage plan keys, usage
HandlerFn create_usage_plan, get_usage_plan, get_usage_plans, update_usage_plan, delete_usage_plan,
    create_usage_plan_key, get_usage_plan_key, get_usage_plan_keys, delete_usage_plan_key, get_usage;

// ops/import_export.cc: OpenAPI / Swagger documents (openapi.h does the reading and writing)
HandlerFn import_rest_api, put_rest_api, get_export;

// ops/test_invoke.cc: answers once the method ran (asynchronous: integrations may be Lambda)
void test_invoke_method(OpContext& ctx, const Doc& in, Done done);

}  // namespace stratus::apigateway
