// Amazon SNS: topics, subscriptions, and durable fan-out through events::Queue to SQS, HTTP,
// Lambda (held until Lambda exists) and people (email, email-json, SMS: the mailbox).
//
// Layout: the operation table is here; handlers in ops/*.cc (ops.h); topics and subscriptions
// in store.h; mobile push and SMS state in platform.h; deliveries in delivery.h and
// http_delivery.h; envelopes and signing in envelope.h.
#include <memory>

#include "mail/mailbox.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/service.h"
#include "services/sns/delivery.h"
#include "services/sns/envelope.h"
#include "services/sns/http_delivery.h"
#include "services/sns/ops.h"
#include "services/sns/schema.h"
#include "services/sns/state.h"
#include "services/sqs/api.h"

namespace stratus::sns {
namespace {

class SnsService final : public Service {
 public:
  SnsService() : Service("sns") {
    add("CreateTopic", create_topic);
    add("DeleteTopic", delete_topic);
    add("ListTopics", list_topics);
    add("GetTopicAttributes", get_topic_attributes);
    add("SetTopicAttributes", set_topic_attributes);
    add("Subscribe", subscribe);
    add("ConfirmSubscription", confirm_subscription);
    add("Unsubscribe", unsubscribe);
    add("ListSubscriptions", list_subscriptions);
    add("ListSubscriptionsByTopic", list_subscriptions_by_topic);
    add("GetSubscriptionAttributes", get_subscription_attributes);
    add("SetSubscriptionAttributes", set_subscription_attributes);
    add("Publish", publish);
    add("PublishBatch", publish_batch);
    add("TagResource", tag_resource);
    add("UntagResource", untag_resource);
    add("ListTagsForResource", list_tags_for_resource);
    add("AddPermission", add_permission);
    add("RemovePermission", remove_permission);
    add("GetDataProtectionPolicy", get_data_protection_policy);
    add("PutDataProtectionPolicy", put_data_protection_policy);
    add("CreatePlatformApplication", create_platform_application);
    add("GetPlatformApplicationAttributes", get_platform_application_attributes);
    add("SetPlatformApplicationAttributes", set_platform_application_attributes);
    add("ListPlatformApplications", list_platform_applications);
    add("DeletePlatformApplication", delete_platform_application);
    add("CreatePlatformEndpoint", create_platform_endpoint);
    add("GetEndpointAttributes", get_endpoint_attributes);
    add("SetEndpointAttributes", set_endpoint_attributes);
    add("ListEndpointsByPlatformApplication", list_endpoints_by_platform_application);
    add("DeleteEndpoint", delete_endpoint);
    add("GetSMSAttributes", get_sms_attributes);
    add("SetSMSAttributes", set_sms_attributes);
    add("CheckIfPhoneNumberIsOptedOut", check_if_phone_number_is_opted_out);
    add("ListPhoneNumbersOptedOut", list_phone_numbers_opted_out);
    add("OptInPhoneNumber", opt_in_phone_number);
    add("GetSMSSandboxAccountStatus", get_sms_sandbox_account_status);
    add("CreateSMSSandboxPhoneNumber", create_sms_sandbox_phone_number);
    add("VerifySMSSandboxPhoneNumber", verify_sms_sandbox_phone_number);
    add("DeleteSMSSandboxPhoneNumber", delete_sms_sandbox_phone_number);
    add("ListSMSSandboxPhoneNumbers", list_sms_sandbox_phone_numbers);
    add("ListOriginationNumbers", list_origination_numbers);
    gap("Quotas",
        "publish and API throughput quotas are not applied; of the filter-policy limits only the 200 "
        "per topic is (not the 10,000 per account)");
    gap("ArchivePolicy, ReplayPolicy", "stored only: FIFO messages are not archived nor replayed");
    gap("Delivery status logging", "the <Protocol>SuccessFeedback/FailureFeedback topic attributes are stored only");
    gap("OptInPhoneNumber, ConfirmSubscription",
        "the once-per-30-days opt-in rule and the 2-day lifetime of "
        "confirmation tokens are not enforced");
    gap("Publish", "MessageStructure=json: a duplicate key is not refused (the last one counts)");
    gap("Error texts",
        "several texts are not printed on AWS pages but taken from issue reports and other "
        "emulators' recordings: MessageGroupId required, MessageStructure JSON, Subject length, "
        "FIFO queue on a standard topic, invalid attribute names and values");
  }

  // The handlers' state (state(OpContext&)) is made and published here, before any start().
  void attach(ServerContext& ctx) override {
    state_ = std::make_unique<State>(ctx);
    ctx.provide<State>(state_.get());
  }

  void start(ServerContext& ctx) override {
    State* st = state_.get();
    st->sqs = ctx.port<sqs::Api>();
    st->metrics = ctx.port<cloudwatch::Api>();
    ctx.add_internal_route(kCertPath,
                           [st](const http::Request& req, http::Response& res) { serve_certificate(*st, req, res); });
    ctx.add_internal_route("/_stratus/sns/opt-out", [st](const http::Request& req, http::Response& res) {
      serve_opt_out(*st, req, res);
    });
    if (sqs::Api* api = st->sqs) api->set_body_finisher([st](std::string_view b) { return st->envelopes.finish(b); });
    ctx.events().subscribe(kPublishTopic, [st](const events::Delivery& d) { return fan_out(*st, d); });
    ctx.events().subscribe(kHttpTopic, [st](const events::Delivery& d) { return deliver_http(*st, d); });
  }

  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }

  void reset() override {
    if (state_) state_->reset();
  }

 private:
  std::unique_ptr<State> state_;  // made in attach()
};

}  // namespace

State& state(OpContext& ctx) {
  return *ctx.server.port<State>();
}

std::unique_ptr<Service> make_service() { return std::make_unique<SnsService>(); }

}  // namespace stratus::sns
