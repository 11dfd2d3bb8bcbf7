// What Lambda offers other services besides invoking functions (invoke.h): the durable events
// topic through which SNS hands deliveries to Lambda subscriptions.
//
//   lambda::SnsDelivery d;
//   d.function = subscription_endpoint;      // the function's ARN (qualified or not)
//   d.event = event;                         // {"Records": [{"EventSource": "aws:sns", ..., "Sns": {...}}]}
//   server.events().enqueue(lambda::kSnsTopic, lambda::encode(d));
//
// Contract
// - The consumer (esm.cc) invokes the function asynchronously (InvocationType Event, as SNS does),
//   with the records' "Sns" members respelled as Lambda spells them (SigningCertUrl,
//   UnsubscribeUrl, MessageAttributes always present). Deliveries naming no function ARN are
//   dropped; one is retried by the queue only when Lambda could not queue the invocation.
// - The payload is JSON {"event": ..., "function": ...}; it is on disk in the events queue, so
//   its form never changes incompatibly: encode() writes exactly what SNS wrote before this header
//   existed, decode() reads it.
#pragma once

#include <string>
#include <string_view>

#include "core/doc.h"

namespace stratus::lambda {

inline constexpr const char* kSnsTopic = "lambda.sns";

struct SnsDelivery {
  std::string function;  // function ARN, the subscription's endpoint
  Doc event = Doc::map();  // the Lambda event: {"Records": [...]}
};

std::string encode(const SnsDelivery& d);
// Throws AwsError when the payload is not JSON. A missing member reads as empty.
SnsDelivery decode(std::string_view payload);

}  // namespace stratus::lambda
