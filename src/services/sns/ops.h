// SNS's operations, one handler per operation named after it (the table is in service.cc).
// Each reaches the service's state through state(ctx) (state.h), returns the output document,
// and throws the AwsError that ends the operation (sns::errors, errors.h; or stratus::errors).
#pragma once

#include "core/doc.h"
#include "services/service.h"

namespace stratus::http {
struct Request;
struct Response;
}  // namespace stratus::http

namespace stratus::sns {

struct State;

// ops/topics.cc
HandlerFn create_topic, delete_topic, list_topics, get_topic_attributes, set_topic_attributes;

// ops/tags.cc
HandlerFn tag_resource, untag_resource, list_tags_for_resource;

// ops/permissions.cc (the topic's access policy and data protection policy)
HandlerFn add_permission, remove_permission, get_data_protection_policy, put_data_protection_policy;

// ops/subscriptions.cc
HandlerFn subscribe, confirm_subscription, unsubscribe, list_subscriptions, list_subscriptions_by_topic,
    get_subscription_attributes, set_subscription_attributes;

// ops/publish.cc (to topics, to endpoints, to phone numbers)
HandlerFn publish, publish_batch;

// ops/platform.cc (mobile push)
HandlerFn create_platform_application, get_platform_application_attributes, set_platform_application_attributes,
    list_platform_applications, delete_platform_application, create_platform_endpoint, get_endpoint_attributes,
    set_endpoint_attributes, list_endpoints_by_platform_application, delete_endpoint;

// ops/sms.cc (SMS account settings, opt-outs, the sandbox)
HandlerFn get_sms_attributes, set_sms_attributes, check_if_phone_number_is_opted_out, list_phone_numbers_opted_out,
    opt_in_phone_number, get_sms_sandbox_account_status, create_sms_sandbox_phone_number,
    verify_sms_sandbox_phone_number, delete_sms_sandbox_phone_number, list_sms_sandbox_phone_numbers,
    list_origination_numbers;

// Stratus' own endpoints (not AWS operations), registered in SnsService::start().
// GET /_stratus/sns/SimpleNotificationService-stratus.pem: the signing certificate (ops/routes.cc).
void serve_certificate(State& st, const http::Request& req, http::Response& res);
// POST /_stratus/sns/opt-out?phoneNumber=+1555...[&account=]: a recipient answering STOP, for
// tests (ops/routes.cc).
void serve_opt_out(State& st, const http::Request& req, http::Response& res);

}  // namespace stratus::sns
