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

// A subscription attribute as Subscribe and SetSubscriptionAttributes check it (the
// subscription's protocol decides whether RawMessageDelivery is allowed). Throws
// InvalidParameter.
void check_sub_attribute(const std::string& name, const std::string& value, const std::string& protocol);

// A subscription endpoint for a protocol (ARN of the right service, URL of the same scheme,
// e-mail address, phone number); FIFO topics take only sqs, lambda and firehose. Throws
// InvalidParameter.
void check_endpoint(const std::string& protocol, const std::string& endpoint, bool fifo);

// An SMS endpoint: at most 15 digits once "+", "-", " ", "(" and ")" are left out.
bool valid_sms_number(const std::string& endpoint);

}  // namespace stratus::sns
