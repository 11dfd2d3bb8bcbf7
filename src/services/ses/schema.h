// SES's keyspaces (v1 "ses" and v2 "sesv2" share them), declared once (storage/keys.h). JSON
// records without a version member are v1. Sent mail itself is in the mailbox (mail/mailbox.h).
#pragma once

#include "mail/mailbox.h"
#include "storage/keys.h"

namespace stratus::ses::schema {

// Email addresses and domains: {Identity, Type (EmailAddress|Domain), Status (Pending|Success),
// Token (domain TXT token / email verification link token), DkimTokens, DkimEnabled,
// DkimStatus, CreatedMs, ConfigurationSetName, Tags}.
inline constexpr storage::Keyspace kIdentities{"ses.identities", "scope(account, region) str(identity)",
                                               "identity record, JSON v1"};
// Email verification link tokens -> the identity they verify.
inline constexpr storage::Keyspace kVerify{"ses.verify", "str(token)", "{account, region, identity}, JSON v1"};
// Templates: {TemplateName, SubjectPart, TextPart, HtmlPart, CreatedMs}.
inline constexpr storage::Keyspace kTemplates{"ses.templates", "scope(account, region) str(name)",
                                              "template record, JSON v1"};
// Configuration sets: {Name, CreatedMs, SendingEnabled, Tags, EventDestinations: [{Name, Enabled,
// Types (v1 names: send, bounce, ...), Sns, EventBridge, CloudWatch, Firehose}], options...}.
inline constexpr storage::Keyspace kConfigSets{"ses.configsets", "scope(account, region) str(name)",
                                               "configuration set record, JSON v1"};
// The account-level suppression list: {EmailAddress, Reason (BOUNCE|COMPLAINT), LastUpdateMs}.
inline constexpr storage::Keyspace kSuppressed{"ses.suppressed", "scope(account, region) str(lower-case address)",
                                               "suppressed destination, JSON v1"};
// Account settings: {SendingEnabled, ProductionAccessEnabled, SuppressedReasons, Details}.
inline constexpr storage::Keyspace kAccount{"ses.account", "scope(account, region)", "account record, JSON v1"};
// Sending statistics per 15 minutes: counters DeliveryAttempts, Bounces, Complaints, Rejects.
inline constexpr storage::Keyspace kStats{
    "ses.stats", "scope(account, region) u64(15-minute slot start ms) str(counter)", "counter (WriteBatch::add)"};

// Open/click tracking of one delivered copy (tracking.h): the event's context and the links.
inline constexpr storage::Keyspace kTracking{"ses.tracking", "str(tracking id)",
                                             "{account, region, accessKey, arn, configSet, mail, links}, JSON v1"};
inline constexpr storage::Keyspace kKeyspaces[] = {kIdentities, kVerify, kTemplates, kConfigSets,       kSuppressed,
                                                   kAccount,    kStats,  kTracking,  mailbox::kKeyspace};

}  // namespace stratus::ses::schema
