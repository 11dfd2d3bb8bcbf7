// Amazon SES: v1 ("ses", Query protocol) and v2 ("sesv2", REST-JSON) over one state (state.h):
// identities, templates, configuration sets with event destinations, the suppression list, and
// one send path into the mailbox (mail/mailbox.h; relayed with --smtp-relay).
//
// Layout: the two operation tables are here; handlers in ops/*.cc (ops.h); the send path in
// send.cc; the MIME parser and builder in mail/mime.h; the template renderer in template.h.
#include <memory>

#include "events/queue.h"
#include "mail/smtp_server.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/events/api.h"
#include "services/service.h"
#include "services/ses/ops.h"
#include "services/ses/schema.h"
#include "services/ses/smtp.h"
#include "services/ses/state.h"

namespace stratus::ses {
namespace {

// Both services: the state is made by whichever attaches first; the other uses it. The owner
// also serves the verification links and runs the SMTP endpoint.
class SesBase : public Service {
 public:
  explicit SesBase(std::string model) : Service(std::move(model)) {}
  void attach(ServerContext& ctx) override {
    if (ctx.port<State>()) return;
    own_ = std::make_unique<State>(ctx);
    ctx.provide<State>(own_.get());
  }
  void start(ServerContext& ctx) override {
    if (!own_) return;
    State* st = own_.get();
    st->bus = ctx.port<events::Api>();
    st->metrics = ctx.port<cloudwatch::Api>();
    ctx.add_internal_route("/_stratus/ses/verify",
                           [st](const http::Request& req, http::Response& res) { st->serve_verify(req, res); });
    ctx.add_internal_route("/_stratus/ses/open", [st](const http::Request& req, http::Response& res) {
      serve_tracking(*st, false, req, res);
    });
    ctx.add_internal_route("/_stratus/ses/click", [st](const http::Request& req, http::Response& res) {
      serve_tracking(*st, true, req, res);
    });
    ctx.events().subscribe(kEventsTopic, [st](const events::Delivery& d) { return deliver_event(*st, d); });
    smtp_ = start_smtp(ctx, *st);
  }
  void stop() override {
    if (smtp_) smtp_->stop();
  }
  std::span<const storage::Keyspace> keyspaces() const override { return schema::kKeyspaces; }

 private:
  std::unique_ptr<State> own_;
  std::unique_ptr<mail::SmtpServer> smtp_;
};

void common_gaps(Service& s) {
  s.gap("Quotas",
        "the sandbox's 200 messages a day and 1 message a second (and production's) are reported, not enforced");
  s.gap("Events",
        "Open and Click events come from Stratus's own tracking URLs (/_stratus/ses/open, /_stratus/ses/click; "
        "no CustomRedirectDomain, tracking records are kept without expiry); CloudWatch and Firehose "
        "destinations are stored only");
  s.gap("SMTP endpoint",
        "STARTTLS with a self-signed certificate (<data-dir>/smtp-tls/cert.pem), but plain AUTH stays allowed "
        "(AWS demands TLS first); no implicit-TLS port (465/2465); no sending-rate throttling");
  s.gap("Error texts",
        "the MIME errors and several send-time texts (no recipients, too many destinations, bad "
        "TemplateData) are not printed on AWS pages and are worded here");
}

class SesService final : public SesBase {
 public:
  SesService() : SesBase("ses") {
    add("VerifyEmailIdentity", verify_email_identity);
    add("VerifyEmailAddress", verify_email_identity);
    add("VerifyDomainIdentity", verify_domain_identity);
    add("VerifyDomainDkim", verify_domain_dkim);
    add("ListIdentities", list_identities);
    add("GetIdentityVerificationAttributes", get_identity_verification_attributes);
    add("GetIdentityDkimAttributes", get_identity_dkim_attributes);
    add("DeleteIdentity", delete_identity);
    add("ListVerifiedEmailAddresses", list_verified_email_addresses);
    add("DeleteVerifiedEmailAddress", delete_verified_email_address);
    add("GetSendQuota", get_send_quota);
    add("GetSendStatistics", get_send_statistics);
    add("GetAccountSendingEnabled", get_account_sending_enabled);
    add("UpdateAccountSendingEnabled", update_account_sending_enabled);
    add("SetIdentityNotificationTopic", set_identity_notification_topic);
    add("SetIdentityFeedbackForwardingEnabled", set_identity_feedback_forwarding_enabled);
    add("SetIdentityHeadersInNotificationsEnabled", set_identity_headers_in_notifications_enabled);
    add("GetIdentityNotificationAttributes", get_identity_notification_attributes);
    add("SendEmail", send_email);
    add("SendRawEmail", send_raw_email);
    add("SendTemplatedEmail", send_templated_email);
    add("SendBulkTemplatedEmail", send_bulk_templated_email);
    add("CreateTemplate", create_template);
    add("GetTemplate", get_template);
    add("UpdateTemplate", update_template);
    add("DeleteTemplate", delete_template);
    add("ListTemplates", list_templates);
    add("TestRenderTemplate", test_render_template);
    add("CreateConfigurationSet", create_configuration_set);
    add("DeleteConfigurationSet", delete_configuration_set);
    add("DescribeConfigurationSet", describe_configuration_set);
    add("ListConfigurationSets", list_configuration_sets);
    add("CreateConfigurationSetEventDestination", create_configuration_set_event_destination);
    add("UpdateConfigurationSetEventDestination", update_configuration_set_event_destination);
    add("DeleteConfigurationSetEventDestination", delete_configuration_set_event_destination);
    add("UpdateConfigurationSetSendingEnabled", update_configuration_set_sending_enabled);
    common_gaps(*this);
  }
};

class SesV2Service final : public SesBase {
 public:
  SesV2Service() : SesBase("sesv2") {
    add("CreateEmailIdentity", create_email_identity);
    add("GetEmailIdentity", get_email_identity);
    add("ListEmailIdentities", list_email_identities);
    add("DeleteEmailIdentity", delete_email_identity);
    add("GetAccount", get_account);
    add("PutAccountSendingAttributes", put_account_sending_attributes);
    add("PutAccountDetails", put_account_details);
    add("PutAccountSuppressionAttributes", put_account_suppression_attributes);
    add("PutSuppressedDestination", put_suppressed_destination);
    add("GetSuppressedDestination", get_suppressed_destination);
    add("ListSuppressedDestinations", list_suppressed_destinations);
    add("DeleteSuppressedDestination", delete_suppressed_destination);
    add("SendEmail", send_email_v2);
    add("SendBulkEmail", send_bulk_email);
    add("CreateEmailTemplate", create_email_template);
    add("GetEmailTemplate", get_email_template);
    add("UpdateEmailTemplate", update_email_template);
    add("DeleteEmailTemplate", delete_email_template);
    add("ListEmailTemplates", list_email_templates);
    add("TestRenderEmailTemplate", test_render_email_template);
    add("CreateConfigurationSet", create_configuration_set_v2);
    add("GetConfigurationSet", get_configuration_set_v2);
    add("ListConfigurationSets", list_configuration_sets_v2);
    add("DeleteConfigurationSet", delete_configuration_set_v2);
    add("CreateConfigurationSetEventDestination", create_configuration_set_event_destination_v2);
    add("GetConfigurationSetEventDestinations", get_configuration_set_event_destinations_v2);
    add("UpdateConfigurationSetEventDestination", update_configuration_set_event_destination_v2);
    add("DeleteConfigurationSetEventDestination", delete_configuration_set_event_destination_v2);
    add("PutConfigurationSetSendingOptions", put_configuration_set_sending_options_v2);
    common_gaps(*this);
    gap("PutAccountDetails", "production access is granted at once (ProductionAccessEnabled=true leaves the sandbox)");
  }
};

}  // namespace

State& state(OpContext& ctx) {
  return *ctx.server.port<State>();
}

std::unique_ptr<Service> make_service() {
  return std::make_unique<SesService>();
}
std::unique_ptr<Service> make_v2_service() {
  return std::make_unique<SesV2Service>();
}

}  // namespace stratus::ses
