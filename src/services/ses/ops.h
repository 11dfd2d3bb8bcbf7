// SES's handlers (v1 "ses" and v2 "sesv2"); bodies in ops/*.cc.
#pragma once

#include "services/service.h"

namespace stratus::ses {

// v1 identities and account (ops/identities.cc)
HandlerFn verify_email_identity, verify_domain_identity, verify_domain_dkim, list_identities,
    get_identity_verification_attributes, get_identity_dkim_attributes, delete_identity, list_verified_email_addresses,
    delete_verified_email_address, get_send_quota, get_send_statistics, get_account_sending_enabled,
    update_account_sending_enabled, set_identity_notification_topic, set_identity_feedback_forwarding_enabled,
    set_identity_headers_in_notifications_enabled, get_identity_notification_attributes;
// v2 identities, account, suppression list (ops/identities.cc)
HandlerFn create_email_identity, get_email_identity, list_email_identities, delete_email_identity, get_account,
    put_account_sending_attributes, put_account_details, put_account_suppression_attributes, put_suppressed_destination,
    get_suppressed_destination, list_suppressed_destinations, delete_suppressed_destination;
// sending (ops/sending.cc)
HandlerFn send_email, send_raw_email, send_templated_email, send_bulk_templated_email, send_email_v2, send_bulk_email;
// templates (ops/templates.cc)
HandlerFn create_template, get_template, update_template, delete_template, list_templates, test_render_template,
    create_email_template, get_email_template, update_email_template, delete_email_template, list_email_templates,
    test_render_email_template;
// configuration sets (ops/configsets.cc)
HandlerFn create_configuration_set, delete_configuration_set, describe_configuration_set, list_configuration_sets,
    create_configuration_set_event_destination, update_configuration_set_event_destination,
    delete_configuration_set_event_destination, update_configuration_set_sending_enabled, create_configuration_set_v2,
    get_configuration_set_v2, list_configuration_sets_v2, delete_configuration_set_v2,
    create_configuration_set_event_destination_v2, get_configuration_set_event_destinations_v2,
    update_configuration_set_event_destination_v2, delete_configuration_set_event_destination_v2,
    put_configuration_set_sending_options_v2;

}  // namespace stratus::ses
