// What SNS stores: every keyspace once (storage/keys.h). On disk: never change a layout, add a
// keyspace or a version instead. JSON records without a version field are v1.
#pragma once

#include "mail/mailbox.h"
#include "storage/keys.h"

namespace stratus::sns {

// Topics and subscriptions (store.h). Keys are the ARNs as they are (unterminated).
inline constexpr storage::Keyspace kTopics{"sns.topics", "raw(topic ARN)",
                                           "topic record, JSON v1 {account, region, name, fifo, attributes, tags, "
                                           "subs, deleted_subs}"};
inline constexpr storage::Keyspace kSubs{"sns.subs", "raw(subscription ARN)",
                                         "subscription record, JSON v1 {topic, protocol, endpoint, owner, token, "
                                         "confirmed, attributes}"};
// FIFO deduplication windows (store.h): one record per deduplication key, written with the
// publish that opened it; expired ones are skipped (and deleted) when read at start.
inline constexpr storage::Keyspace kDedup{"sns.dedup", "str(topic ARN) raw(deduplication key)",
                                          "JSON v1 {expiry ms, message id, sequence}"};
// Mobile push and SMS state (platform.h): the first component says what the record is.
inline constexpr storage::Keyspace kPlatform{
    "sns.platform",
    "str(\"a\") raw(application ARN) | str(\"e\") raw(endpoint ARN) | str(\"m\") str(account) raw(region) | "
    "str(\"o\") str(account) raw(phone) | str(\"s\") str(account) raw(phone)",
    "JSON v1: application {name, platform, attributes} | endpoint {app, attributes} | SMS attributes {name: value} "
    "| opted out: empty | sandbox number {status, otp}"};
// The signing key pair (signing.h).
inline constexpr storage::Keyspace kSigning{"sns.signing", "raw(\"key\") | raw(\"cert\")", "PEM text"};

inline constexpr storage::Keyspace kKeyspaces[] = {kTopics, kSubs, kDedup, kPlatform, kSigning, mailbox::kKeyspace};

}  // namespace stratus::sns
