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
Doc create_topic(OpContext&, const Doc&);
Doc delete_topic(OpContext&, const Doc&);
Doc list_topics(OpContext&, const Doc&);
Doc get_topic_attributes(OpContext&, const Doc&);
Doc set_topic_attributes(OpContext&, const Doc&);

// ops/tags.cc
Doc tag_resource(OpContext&, const Doc&);
Doc untag_resource(OpContext&, const Doc&);
Doc list_tags_for_resource(OpContext&, const Doc&);

// ops/permissions.cc (the topic's access policy and data protection policy)
Doc add_permission(OpContext&, const Doc&);
Doc remove_permission(OpContext&, const Doc&);
Doc get_data_protection_policy(OpContext&, const Doc&);
Doc put_data_protection_policy(OpContext&, const Doc&);

// ops/subscriptions.cc
Doc subscribe(OpContext&, const Doc&);
Doc confirm_subscription(OpContext&, const Doc&);
Doc unsubscribe(OpContext&, const Doc&);
Doc list_subscriptions(OpContext&, const Doc&);
Doc list_subscriptions_by_topic(OpContext&, const Doc&);
Doc get_subscription_attributes(OpContext&, const Doc&);
Doc set_subscription_attributes(OpContext&, const Doc&);

// ops/publish.cc (to topics, to endpoints, to phone numbers)
Doc publish(OpContext&, const Doc&);
Doc publish_batch(OpContext&, const Doc&);

// ops/platform.cc (mobile push)
Doc create_platform_application(OpContext&, const Doc&);
Doc get_platform_application_attributes(OpContext&, const Doc&);
Doc set_platform_application_attributes(OpContext&, const Doc&);
Doc list_platform_applications(OpContext&, const Doc&);
Doc delete_platform_application(OpContext&, const Doc&);
Doc create_platform_endpoint(OpContext&, const Doc&);
Doc get_endpoint_attributes(OpContext&, const Doc&);
Doc set_endpoint_attributes(OpContext&, const Doc&);
Doc list_endpoints_by_platform_application(OpContext&, const Doc&);
Doc delete_endpoint(OpContext&, const Doc&);

// ops/sms.cc (SMS account settings, opt-outs, the sandbox)
Doc get_sms_attributes(OpContext&, const Doc&);
Doc set_sms_attributes(OpContext&, const Doc&);
Doc check_if_phone_number_is_opted_out(OpContext&, const Doc&);
Doc list_phone_numbers_opted_out(OpContext&, const Doc&);
Doc opt_in_phone_number(OpContext&, const Doc&);
Doc get_sms_sandbox_account_status(OpContext&, const Doc&);
Doc create_sms_sandbox_phone_number(OpContext&, const Doc&);
Doc verify_sms_sandbox_phone_number(OpContext&, const Doc&);
Doc delete_sms_sandbox_phone_number(OpContext&, const Doc&);
Doc list_sms_sandbox_phone_numbers(OpContext&, const Doc&);
Doc list_origination_numbers(OpContext&, const Doc&);

// Stratus' own endpoints (not AWS operations), registered in SnsService::start().
// GET /_stratus/sns/SimpleNotificationService-stratus.pem: the signing certificate (ops/routes.cc).
void serve_certificate(State& st, const http::Request& req, http::Response& res);
// POST /_stratus/sns/opt-out?phoneNumber=+1555...[&account=]: a recipient answering STOP, for
// tests (ops/routes.cc).
void serve_opt_out(State& st, const http::Request& req, http::Response& res);

}  // namespace stratus::sns
