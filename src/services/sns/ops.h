// SNS's operations, one handler per operation named after it (the table is in service.cc).
// Each reaches the service's state through state(ctx) (state.h).
#pragma once

#include "core/doc.h"
#include "core/result.h"
#include "services/service.h"

namespace stratus::http {
struct Request;
struct Response;
}  // namespace stratus::http

namespace stratus::sns {

struct State;

// ops/topics.cc
Result<Doc> create_topic(OpContext&, const Doc&);
Result<Doc> delete_topic(OpContext&, const Doc&);
Result<Doc> list_topics(OpContext&, const Doc&);
Result<Doc> get_topic_attributes(OpContext&, const Doc&);
Result<Doc> set_topic_attributes(OpContext&, const Doc&);

// ops/tags.cc
Result<Doc> tag_resource(OpContext&, const Doc&);
Result<Doc> untag_resource(OpContext&, const Doc&);
Result<Doc> list_tags_for_resource(OpContext&, const Doc&);

// ops/permissions.cc (the topic's access policy and data protection policy)
Result<Doc> add_permission(OpContext&, const Doc&);
Result<Doc> remove_permission(OpContext&, const Doc&);
Result<Doc> get_data_protection_policy(OpContext&, const Doc&);
Result<Doc> put_data_protection_policy(OpContext&, const Doc&);

// ops/subscriptions.cc
Result<Doc> subscribe(OpContext&, const Doc&);
Result<Doc> confirm_subscription(OpContext&, const Doc&);
Result<Doc> unsubscribe(OpContext&, const Doc&);
Result<Doc> list_subscriptions(OpContext&, const Doc&);
Result<Doc> list_subscriptions_by_topic(OpContext&, const Doc&);
Result<Doc> get_subscription_attributes(OpContext&, const Doc&);
Result<Doc> set_subscription_attributes(OpContext&, const Doc&);

// ops/publish.cc (to topics, to endpoints, to phone numbers)
Result<Doc> publish(OpContext&, const Doc&);
Result<Doc> publish_batch(OpContext&, const Doc&);

// ops/platform.cc (mobile push)
Result<Doc> create_platform_application(OpContext&, const Doc&);
Result<Doc> get_platform_application_attributes(OpContext&, const Doc&);
Result<Doc> set_platform_application_attributes(OpContext&, const Doc&);
Result<Doc> list_platform_applications(OpContext&, const Doc&);
Result<Doc> delete_platform_application(OpContext&, const Doc&);
Result<Doc> create_platform_endpoint(OpContext&, const Doc&);
Result<Doc> get_endpoint_attributes(OpContext&, const Doc&);
Result<Doc> set_endpoint_attributes(OpContext&, const Doc&);
Result<Doc> list_endpoints_by_platform_application(OpContext&, const Doc&);
Result<Doc> delete_endpoint(OpContext&, const Doc&);

// ops/sms.cc (SMS account settings, opt-outs, the sandbox)
Result<Doc> get_sms_attributes(OpContext&, const Doc&);
Result<Doc> set_sms_attributes(OpContext&, const Doc&);
Result<Doc> check_if_phone_number_is_opted_out(OpContext&, const Doc&);
Result<Doc> list_phone_numbers_opted_out(OpContext&, const Doc&);
Result<Doc> opt_in_phone_number(OpContext&, const Doc&);
Result<Doc> get_sms_sandbox_account_status(OpContext&, const Doc&);
Result<Doc> create_sms_sandbox_phone_number(OpContext&, const Doc&);
Result<Doc> verify_sms_sandbox_phone_number(OpContext&, const Doc&);
Result<Doc> delete_sms_sandbox_phone_number(OpContext&, const Doc&);
Result<Doc> list_sms_sandbox_phone_numbers(OpContext&, const Doc&);
Result<Doc> list_origination_numbers(OpContext&, const Doc&);

// Stratus' own endpoints (not AWS operations), registered in SnsService::start().
// GET /_stratus/sns/SimpleNotificationService-stratus.pem: the signing certificate (ops/routes.cc).
void serve_certificate(State& st, const http::Request& req, http::Response& res);
// POST /_stratus/sns/opt-out?phoneNumber=+1555...[&account=]: a recipient answering STOP, for
// tests (ops/routes.cc).
void serve_opt_out(State& st, const http::Request& req, http::Response& res);

}  // namespace stratus::sns
