#include "services/sns/checks.h"

#include <algorithm>
#include <iterator>

#include "core/arn.h"
#include "core/doc.h"
#include "core/json.h"
#include "events/pattern/pattern.h"

namespace stratus::sns {

AwsError invalid(std::string what) { return AwsError("InvalidParameter", "Invalid parameter: " + what, 400); }
AwsError not_found(std::string what) { return AwsError("NotFound", std::move(what), 404); }
AwsError bad_value(std::string msg) { return AwsError("ParameterValueInvalid", std::move(msg), 400); }

bool valid_topic_name(std::string_view name, bool fifo) {
  std::string_view base = name;
  if (fifo) {
    if (name.size() < 6 || name.substr(name.size() - 5) != ".fifo") return false;
    base = name.substr(0, name.size() - 5);
  }
  if (name.empty() || name.size() > 256 || base.empty()) return false;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

namespace {
const char* const kTopicAttributes[] = {"Policy", "DisplayName", "DeliveryPolicy", "KmsMasterKeyId", "TracingConfig",
                                        "SignatureVersion", "ContentBasedDeduplication", "ArchivePolicy",
                                        "FifoThroughputScope", "FifoTopic", "DataProtectionPolicy"};
}  // namespace

bool settable_topic_attribute(const std::string& n) {
  for (const char* a : kTopicAttributes)
    if (n == a) return true;
  // Delivery status logging: <Protocol>SuccessFeedbackRoleArn, ...FailureFeedbackRoleArn, ...SuccessFeedbackSampleRate
  for (const char* p : {"HTTP", "SQS", "Lambda", "Application", "Firehose"})
    for (const char* s : {"SuccessFeedbackRoleArn", "FailureFeedbackRoleArn", "SuccessFeedbackSampleRate"})
      if (n == std::string(p) + s) return true;
  return false;
}

std::optional<AwsError> check_sub_attribute(const std::string& k, const std::string& v, const std::string& protocol) {
  if (k == "RawMessageDelivery") {
    if (v != "true" && v != "false") return invalid("Attributes Reason: RawMessageDelivery: Invalid value [" + v + "]. Must be true or false.");
    if (protocol == "email" || protocol == "email-json" || protocol == "sms" || protocol == "application")
      return invalid("Attributes Reason: Delivery protocol [" + protocol + "] does not support raw message delivery.");
    return std::nullopt;
  }
  if (k == "FilterPolicy") {
    if (v.empty()) return std::nullopt;
    std::string err;
    auto p = events::pattern::Pattern::parse(v, &err);
    if (!p) return invalid("FilterPolicy: " + err);
    if (p->complexity() > 150) return invalid("FilterPolicy: Filter policy is too complex");
    return std::nullopt;
  }
  if (k == "FilterPolicyScope") {
    if (v != "MessageAttributes" && v != "MessageBody")
      return invalid("Attributes Reason: FilterPolicyScope: Invalid value [" + v +
                     "]. Please use either MessageBody or MessageAttributes");
    return std::nullopt;
  }
  if (k == "RedrivePolicy") {
    try {
      Doc d = json::parse(v);
      auto arn = Arn::parse(d.str("deadLetterTargetArn"));
      if (!arn || arn->service != "sqs") throw AwsError();
    } catch (const AwsError&) {
      return invalid("RedrivePolicy: Redrive policy must be a JSON object with a deadLetterTargetArn of an SQS queue");
    }
    return std::nullopt;
  }
  if (k == "DeliveryPolicy") {
    try {
      if (!json::parse(v).is_map()) throw AwsError();
    } catch (const AwsError&) {
      return invalid("DeliveryPolicy: Invalid JSON");
    }
    return std::nullopt;
  }
  if (k == "SubscriptionRoleArn" || k == "ReplayPolicy") return std::nullopt;
  return invalid("AttributeName");
}

std::optional<AwsError> check_endpoint(const std::string& protocol, const std::string& endpoint, bool fifo) {
  static const char* const kProtocols[] = {"http", "https", "email", "email-json", "sms", "sqs",
                                           "application", "lambda", "firehose"};
  if (std::find_if(std::begin(kProtocols), std::end(kProtocols), [&](const char* p) { return protocol == p; }) ==
      std::end(kProtocols))
    return invalid("Invalid protocol type: " + protocol);
  if (fifo && protocol != "sqs" && protocol != "lambda" && protocol != "firehose")
    return invalid("Invalid protocol type: " + protocol);
  if (protocol == "sqs" || protocol == "lambda" || protocol == "application" || protocol == "firehose") {
    auto arn = Arn::parse(endpoint);
    std::string want = protocol == "application" ? "sns" : protocol;
    if (!arn || arn->service != want) {
      if (protocol == "sqs") return invalid("SQS endpoint ARN");
      if (protocol == "lambda") return invalid("Lambda endpoint ARN");
      return invalid("Endpoint");
    }
  } else if (protocol == "http" || protocol == "https") {
    if (endpoint.rfind(protocol + "://", 0) != 0) return invalid("Endpoint must match the specified protocol");
  } else if (protocol == "email" || protocol == "email-json") {
    auto at = endpoint.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= endpoint.size()) return invalid("Email address");
  } else if (protocol == "sms") {
    std::string digits;
    for (char c : endpoint)
      if (c != '+' && c != '-' && c != ' ' && c != '(' && c != ')') digits += c;
    if (digits.empty() || digits.size() > 15 || digits.find_first_not_of("0123456789") != std::string::npos)
      return invalid("Invalid SMS endpoint: " + endpoint);
  }
  return std::nullopt;
}

}  // namespace stratus::sns
