#include "services/sns/checks.h"

#include <algorithm>
#include <iterator>

#include "core/arn.h"
#include "core/doc.h"
#include "core/json.h"
#include "events/pattern/pattern.h"
#include "services/sns/errors.h"

namespace stratus::sns {

AwsError invalid_parameter(std::string_view what) {
  return errors::invalid_parameter("Invalid parameter: " + std::string(what));
}

std::optional<Doc> parse_json(std::string_view text) {
  try {
    return json::parse(text);
  } catch (const AwsError&) {
    return std::nullopt;
  }
}

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

void check_sub_attribute(const std::string& k, const std::string& v, const std::string& protocol) {
  if (k == "RawMessageDelivery") {
    if (v != "true" && v != "false")
      throw invalid_parameter("Attributes Reason: RawMessageDelivery: Invalid value [" + v +
                              "]. Must be true or false.");
    if (protocol == "email" || protocol == "email-json" || protocol == "sms" || protocol == "application")
      throw invalid_parameter("Attributes Reason: Delivery protocol [" + protocol +
                              "] does not support raw message delivery.");
    return;
  }
  if (k == "FilterPolicy") {
    if (v.empty()) return;
    std::string err;
    auto p = events::pattern::Pattern::parse(v, &err);
    if (!p) throw invalid_parameter("FilterPolicy: " + err);
    if (p->complexity() > 150) throw invalid_parameter("FilterPolicy: Filter policy is too complex");
    return;
  }
  if (k == "FilterPolicyScope") {
    if (v != "MessageAttributes" && v != "MessageBody")
      throw invalid_parameter("Attributes Reason: FilterPolicyScope: Invalid value [" + v +
                              "]. Please use either MessageBody or MessageAttributes");
    return;
  }
  if (k == "RedrivePolicy") {
    auto d = parse_json(v);
    auto arn = Arn::parse(d ? d->str("deadLetterTargetArn") : std::string());
    if (!arn || arn->service != "sqs")
      throw invalid_parameter("RedrivePolicy: Redrive policy must be a JSON object with a deadLetterTargetArn of an SQS queue");
    return;
  }
  if (k == "DeliveryPolicy") {
    auto d = parse_json(v);
    if (!d || !d->is_map()) throw invalid_parameter("DeliveryPolicy: Invalid JSON");
    return;
  }
  if (k == "SubscriptionRoleArn" || k == "ReplayPolicy") return;
  throw invalid_parameter("AttributeName");
}

bool valid_sms_number(const std::string& endpoint) {
  std::string digits;
  for (char c : endpoint)
    if (c != '+' && c != '-' && c != ' ' && c != '(' && c != ')') digits += c;
  return !digits.empty() && digits.size() <= 15 && digits.find_first_not_of("0123456789") == std::string::npos;
}

void check_endpoint(const std::string& protocol, const std::string& endpoint, bool fifo) {
  static const char* const kProtocols[] = {"http", "https", "email", "email-json", "sms", "sqs",
                                           "application", "lambda", "firehose"};
  if (std::find_if(std::begin(kProtocols), std::end(kProtocols), [&](const char* p) { return protocol == p; }) ==
      std::end(kProtocols))
    throw invalid_parameter("Invalid protocol type: " + protocol);
  if (fifo && protocol != "sqs" && protocol != "lambda" && protocol != "firehose")
    throw invalid_parameter("Invalid protocol type: " + protocol);
  if (protocol == "sqs" || protocol == "lambda" || protocol == "application" || protocol == "firehose") {
    auto arn = Arn::parse(endpoint);
    std::string want = protocol == "application" ? "sns" : protocol;
    if (!arn || arn->service != want) {
      if (protocol == "sqs") throw invalid_parameter("SQS endpoint ARN");
      if (protocol == "lambda") throw invalid_parameter("Lambda endpoint ARN");
      throw invalid_parameter("Endpoint");
    }
  } else if (protocol == "http" || protocol == "https") {
    if (endpoint.rfind(protocol + "://", 0) != 0)
      throw invalid_parameter("Endpoint must match the specified protocol");
  } else if (protocol == "email" || protocol == "email-json") {
    auto at = endpoint.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= endpoint.size()) throw invalid_parameter("Email address");
  } else if (protocol == "sms") {
    if (!valid_sms_number(endpoint)) throw invalid_parameter("Invalid SMS endpoint: " + endpoint);
  }
}

}  // namespace stratus::sns
