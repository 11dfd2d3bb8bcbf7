// What SNS accepts: topic names and attributes, subscription attributes and endpoints. Pure
// functions (no state, no I/O), shared by the operations (ops/*.cc) and the message parser
// (message.cc). The check_* functions throw the error SNS answers (sns::errors, errors.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/doc.h"
#include "core/error.h"
#include "events/pattern/pattern.h"

namespace stratus::sns {

// The largest message (text plus attribute names, types and values), and the largest batch.
constexpr size_t kMaxMessageBytes = 262144;

// InvalidParameter with SNS's message ("Invalid parameter: " + what).
AwsError invalid_parameter(std::string_view what);

// The JSON document in `text`, or nullopt when it is not JSON (for values that are checked,
// not trusted).
std::optional<Doc> parse_json(std::string_view text);

// 1-256 of [A-Za-z0-9_-]; FIFO topics also end with ".fifo" (not counted as characters).
bool valid_topic_name(std::string_view name, bool fifo);

// The topic attributes CreateTopic and SetTopicAttributes accept (FifoTopic included: the
// callers reject setting it after creation).
bool settable_topic_attribute(const std::string& name);

// A topic attribute's value as CreateTopic and SetTopicAttributes check it, for a FIFO or a
// standard topic; returns the value as stored (booleans "true" / "false" whatever their case).
// Throws InvalidParameter ("Attributes Reason: ...").
std::string check_topic_attribute(const std::string& name, const std::string& value, bool fifo);

// SNS compares numbers with five digits after the decimal point: 0.1 + 0.2 equals 0.3, and
// 1.000001 equals 1. Numbers of a document (a filter policy, an event) are rounded to that in place.
double round_number(double v);
void round_numbers(Doc& d);

// A FilterPolicy attribute compiled with SNS's number accuracy; nullopt (and *error) when it
// is not a valid policy, nullopt without an error for "{}" (the empty policy lets everything through).
std::optional<events::pattern::Pattern> parse_filter_policy(const std::string& text, std::string* error);

// A topic's DataProtectionPolicy (CreateTopic, PutDataProtectionPolicy): a JSON object of at
// most 30,720 characters. Throws InvalidParameter.
void check_data_protection_policy(const std::string& policy);

// A subscription attribute as Subscribe and SetSubscriptionAttributes check it (the
// subscription's protocol decides whether RawMessageDelivery is allowed); returns the value as
// stored (RawMessageDelivery "true" / "false" whatever its case). Throws InvalidParameter.
std::string check_sub_attribute(const std::string& name, const std::string& value, const std::string& protocol);

// A subscription endpoint for a protocol (ARN of the right service, URL of the same scheme,
// e-mail address, phone number). FIFO topics take only SQS queues (FIFO or standard); standard
// topics take no FIFO queue. Throws InvalidParameter.
void check_endpoint(const std::string& protocol, const std::string& endpoint, bool fifo);

// An SMS endpoint: at most 15 digits once "+", "-", " ", "(" and ")" are left out.
bool valid_sms_number(const std::string& endpoint);

// A phone number in E.164: "+", a first digit 1-9, at most 15 digits in all (Publish's
// PhoneNumber).
bool valid_e164(std::string_view phone);

// A boolean attribute value as SNS reads it: "true" / "false" in any case ("True", "FALSE").
std::optional<bool> parse_bool(std::string_view v);

// A MessageGroupId / MessageDeduplicationId: 1-128 of a-z, A-Z, 0-9 and ASCII punctuation.
bool valid_fifo_id(std::string_view id);

// The number of characters (code points) of UTF-8 text.
size_t utf8_length(std::string_view s);

}  // namespace stratus::sns
