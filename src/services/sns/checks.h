// What SNS accepts: topic names and attributes, subscription attributes and endpoints, and the
// errors it answers for what it does not. Pure functions (no state, no I/O), shared by the
// operations (ops/*.cc) and the message parser (message.cc).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace stratus::sns {

// The largest message (text plus attribute names, types and values), and the largest batch.
constexpr size_t kMaxMessageBytes = 262144;

// SNS's error shapes: "InvalidParameter" (400, the message prefixed "Invalid parameter: "),
// "NotFound" (404) and "ParameterValueInvalid" (400, for message attributes).
AwsError invalid(std::string what);
AwsError not_found(std::string what);
AwsError bad_value(std::string msg);

// 1-256 of [A-Za-z0-9_-]; FIFO topics also end with ".fifo" (not counted as characters).
bool valid_topic_name(std::string_view name, bool fifo);

// The topic attributes CreateTopic and SetTopicAttributes accept (FifoTopic included: the
// callers reject setting it after creation).
bool settable_topic_attribute(const std::string& name);

// A subscription attribute as Subscribe and SetSubscriptionAttributes check it (the
// subscription's protocol decides whether RawMessageDelivery is allowed). nullopt when valid.
std::optional<AwsError> check_sub_attribute(const std::string& name, const std::string& value,
                                            const std::string& protocol);

// A subscription endpoint for a protocol (ARN of the right service, URL of the same scheme,
// e-mail address, phone number); FIFO topics take only sqs, lambda and firehose. nullopt when valid.
std::optional<AwsError> check_endpoint(const std::string& protocol, const std::string& endpoint, bool fifo);

}  // namespace stratus::sns
