#include "services/sns/checks.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "core/arn.h"
#include "core/doc.h"
#include "core/json.h"
#include "core/names.h"
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
  return valid_fifo_aware_name(name, fifo, 256);
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

std::string check_topic_attribute(const std::string& k, const std::string& v, bool fifo) {
  auto fifo_only = [&](const char* what) {
    if (!fifo) throw invalid_parameter(std::string("Attributes Reason: ") + what + " can only be set for FIFO topics");
  };
  if (k == "FifoTopic" || k == "ContentBasedDeduplication") {
    auto b = parse_bool(v);
    if (!b) throw invalid_parameter("Attributes Reason: " + k + ": Invalid value [" + v + "]. Must be true or false.");
    if (k == "ContentBasedDeduplication") fifo_only("Content-based deduplication");
    return *b ? "true" : "false";
  }
  if (k == "FifoThroughputScope") {
    fifo_only("FifoThroughputScope");
    if (v != "Topic" && v != "MessageGroup")
      throw invalid_parameter("Attributes Reason: FifoThroughputScope: Invalid value [" + v +
                              "]. Please use either Topic or MessageGroup");
    return v;
  }
  if (k == "ArchivePolicy") {
    fifo_only("ArchivePolicy");
    auto d = parse_json(v);
    if (!v.empty() && (!d || !d->is_map())) throw invalid_parameter("Attributes Reason: ArchivePolicy: Invalid JSON");
    return v;
  }
  if (k == "SignatureVersion") {
    if (v != "1" && v != "2") throw invalid_parameter("Attributes Reason: SignatureVersion: Invalid value [" + v + "]");
    return v;
  }
  if (k == "TracingConfig") {
    if (v != "PassThrough" && v != "Active")
      throw invalid_parameter("Attributes Reason: TracingConfig: Invalid value [" + v +
                              "]. Please use either PassThrough or Active");
    if (fifo && v == "Active")
      throw invalid_parameter("Attributes Reason: TracingConfig: Active tracing is only supported on standard topics");
    return v;
  }
  if (k == "Policy" || k == "DeliveryPolicy") {
    auto d = parse_json(v);
    if (!v.empty() && (!d || !d->is_map())) throw invalid_parameter("Attributes Reason: " + k + ": Invalid JSON");
    return v;
  }
  if (k == "DisplayName") {
    if (utf8_length(v) > 100) throw invalid_parameter("Attributes Reason: DisplayName");
    return v;
  }
  if (k.size() > 10 && k.compare(k.size() - 10, 10, "SampleRate") == 0) {
    int rate = -1;
    if (!v.empty() && v.size() <= 3 && v.find_first_not_of("0123456789") == std::string::npos) rate = std::stoi(v);
    if (rate < 0 || rate > 100)
      throw invalid_parameter("Attributes Reason: " + k + ": Invalid value [" + v +
                              "]. Must be an integer from 0 to 100");
    return v;
  }
  return v;
}

void check_data_protection_policy(const std::string& policy) {
  if (utf8_length(policy) > 30720)
    throw invalid_parameter("DataProtectionPolicy Reason: the policy is longer than 30720 characters");
  auto parsed = parse_json(policy);
  if (!parsed) throw invalid_parameter("DataProtectionPolicy Reason: the policy is not valid JSON");
  if (!parsed->is_map()) throw invalid_parameter("DataProtectionPolicy");
}

double round_number(double v) {
  double r = std::round(v * 1e5) / 1e5;
  return std::isfinite(r) ? r : v;
}

void round_numbers(Doc& d) {
  if (d.is_double()) {
    d = Doc(round_number(d.as_double()));
  } else if (d.is_list()) {
    for (auto& e : d.as_list()) round_numbers(e);
  } else if (d.is_map()) {
    for (auto& [k, v] : d.as_map()) round_numbers(v);
  }
}

std::optional<events::pattern::Pattern> parse_filter_policy(const std::string& text, std::string* error) {
  auto d = parse_json(text);
  if (!d) {
    if (error) *error = "Filter policy must be valid JSON";
    return std::nullopt;
  }
  if (d->is_map() && d->size() == 0) return std::nullopt;  // "{}" filters nothing
  round_numbers(*d);
  return events::pattern::Pattern::compile(*d, error);
}

std::string check_sub_attribute(const std::string& k, const std::string& v, const std::string& protocol) {
  if (k == "RawMessageDelivery") {
    auto b = parse_bool(v);
    if (!b)
      throw invalid_parameter("Attributes Reason: RawMessageDelivery: Invalid value [" + v +
                              "]. Must be true or false.");
    if (protocol == "email" || protocol == "email-json" || protocol == "sms" || protocol == "application")
      throw invalid_parameter("Attributes Reason: Delivery protocol [" + protocol +
                              "] does not support raw message delivery.");
    return *b ? "true" : "false";
  }
  if (k == "FilterPolicy") {
    if (v.empty()) return v;
    if (auto d = parse_json(v); d && d->is_map() && d->size() == 0) return v;  // "{}": no filtering
    std::string err;
    auto p = parse_filter_policy(v, &err);
    if (!p) throw invalid_parameter("FilterPolicy: " + err);
    if (p->complexity() > 150) throw invalid_parameter("FilterPolicy: Filter policy is too complex");
    return v;
  }
  if (k == "FilterPolicyScope") {
    if (v != "MessageAttributes" && v != "MessageBody")
      throw invalid_parameter("Attributes Reason: FilterPolicyScope: Invalid value [" + v +
                              "]. Please use either MessageBody or MessageAttributes");
    return v;
  }
  if (k == "RedrivePolicy") {
    auto d = parse_json(v);
    auto arn = Arn::parse(d ? d->str("deadLetterTargetArn") : std::string());
    if (!arn || arn->service != "sqs")
      throw invalid_parameter("RedrivePolicy: Redrive policy must be a JSON object with a deadLetterTargetArn of an SQS queue");
    return v;
  }
  if (k == "DeliveryPolicy") {
    auto d = parse_json(v);
    if (!d || !d->is_map()) throw invalid_parameter("DeliveryPolicy: Invalid JSON");
    return v;
  }
  if (k == "SubscriptionRoleArn" || k == "ReplayPolicy") return v;
  throw invalid_parameter("AttributeName");
}

bool valid_sms_number(const std::string& endpoint) {
  std::string digits;
  for (char c : endpoint)
    if (c != '+' && c != '-' && c != ' ' && c != '(' && c != ')') digits += c;
  return !digits.empty() && digits.size() <= 15 && digits.find_first_not_of("0123456789") == std::string::npos;
}

bool valid_e164(std::string_view p) {
  if (p.size() < 3 || p.size() > 16 || p[0] != '+' || p[1] < '1' || p[1] > '9') return false;
  return p.find_first_not_of("0123456789", 1) == std::string_view::npos;
}

std::optional<bool> parse_bool(std::string_view v) {
  auto eq = [&](std::string_view w) {
    if (v.size() != w.size()) return false;
    for (size_t i = 0; i < v.size(); ++i)
      if ((v[i] | 0x20) != w[i]) return false;
    return true;
  };
  if (eq("true")) return true;
  if (eq("false")) return false;
  return std::nullopt;
}

bool valid_fifo_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id)
    if (c <= 32 || c >= 127) return false;  // letters, digits and punctuation: the printable ASCII but space
  return true;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void check_endpoint(const std::string& protocol, const std::string& endpoint, bool fifo) {
  static const char* const kProtocols[] = {"http", "https", "email", "email-json", "sms", "sqs",
                                           "application", "lambda", "firehose"};
  if (std::find_if(std::begin(kProtocols), std::end(kProtocols), [&](const char* p) { return protocol == p; }) ==
      std::end(kProtocols))
    throw invalid_parameter("Invalid protocol type: " + protocol);
  // FIFO topics deliver to SQS queues only (FIFO and standard ones); Lambda reads them through a queue.
  if (fifo && protocol != "sqs") throw invalid_parameter("Invalid protocol type: " + protocol);
  if (protocol == "sqs" || protocol == "lambda" || protocol == "application" || protocol == "firehose") {
    auto arn = Arn::parse(endpoint);
    std::string want = protocol == "application" ? "sns" : protocol;
    if (!arn || arn->service != want) {
      if (protocol == "sqs") throw invalid_parameter("SQS endpoint ARN");
      if (protocol == "lambda") throw invalid_parameter("Lambda endpoint ARN");
      throw invalid_parameter("Endpoint");
    }
    if (protocol == "sqs" && !fifo && arn->resource.size() > 5 &&
        arn->resource.compare(arn->resource.size() - 5, 5, ".fifo") == 0) {
      throw invalid_parameter(
          "Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics");
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
