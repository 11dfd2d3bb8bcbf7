#include "services/sqs/attributes.h"

#include <algorithm>
#include <cctype>

#include "core/json.h"
#include "services/sqs/common.h"
#include "services/sqs/store.h"

namespace stratus::sqs {
namespace {

const AttrSpec kSettable[] = {
    {"DelaySeconds", AttrKind::integer, 0, 900},
    {"MaximumMessageSize", AttrKind::integer, 1024, 1048576},
    {"MessageRetentionPeriod", AttrKind::integer, 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", AttrKind::integer, 0, 20},
    {"VisibilityTimeout", AttrKind::integer, 0, 43200},
    {"Policy", AttrKind::json},
    {"RedrivePolicy", AttrKind::json},
    {"RedriveAllowPolicy", AttrKind::json},
    {"KmsMasterKeyId", AttrKind::text},
    {"KmsDataKeyReusePeriodSeconds", AttrKind::integer, 60, 86400},
    {"SqsManagedSseEnabled", AttrKind::boolean},
    {"FifoQueue", AttrKind::boolean},
    {"ContentBasedDeduplication", AttrKind::boolean, 0, 0, true},
    {"DeduplicationScope", AttrKind::choice, 0, 0, true, {"messageGroup", "queue"}},
    {"FifoThroughputLimit", AttrKind::choice, 0, 0, true, {"perQueue", "perMessageGroupId"}},
};

const std::string_view kReadOnly[] = {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                      "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp",
                                      "LastModifiedTimestamp", "QueueArn"};

std::string check_redrive(Store& store, const std::string& value, bool fifo, const std::string& self_arn) {
  Doc d;
  try {
    d = json::parse(value);
  } catch (const AwsError&) {
    throw invalid_value("RedrivePolicy", value, "Redrive policy is not a valid JSON map");
  }
  if (!d.is_map()) throw invalid_value("RedrivePolicy", value, "Redrive policy is not a valid JSON map");
  for (const char* k : {"deadLetterTargetArn", "maxReceiveCount"}) {
    if (!d.has(k)) {
      throw invalid_value("RedrivePolicy", value,
                          std::string("Redrive policy does not contain mandatory attribute: ") + k);
    }
  }
  const Doc* mrc = d.get("maxReceiveCount");
  std::optional<int64_t> n;
  if (mrc->is_number()) n = mrc->as_int();
  else if (mrc->is_string()) n = parse_int(mrc->as_string());
  if (!n || *n < 1 || *n > 1000) {
    throw invalid_value("RedrivePolicy", value,
                        "Invalid value for maxReceiveCount: " + (n ? std::to_string(*n) : std::string("NaN")) +
                             ", valid values are from 1 to 1000 both inclusive");
  }
  std::string target = d.str("deadLetterTargetArn");
  QueuePtr dlq = store.by_arn(target);
  if (!dlq || target == self_arn) {
    throw invalid_value("RedrivePolicy", value, "Dead letter target does not exist");
  }
  if (dlq->fifo != fifo) {
    throw invalid_value("RedrivePolicy", value, "Dead-letter queue must be same type of queue as the source");
  }
  std::string allow;
  {
    std::lock_guard lk(dlq->mu);
    if (auto it = dlq->attributes.find("RedriveAllowPolicy"); it != dlq->attributes.end()) allow = it->second;
  }
  if (!allow.empty() && !redrive_allowed(allow, self_arn)) {
    throw invalid_value("RedrivePolicy", value,
                        "Queue " + target + " does not allow this queue to use it as a dead-letter queue");
  }
  Doc norm = Doc::map();
  norm.set("deadLetterTargetArn", target);
  norm.set("maxReceiveCount", *n);
  return json::write(norm);
}

// RedriveAllowPolicy: {"redrivePermission": allowAll|denyAll|byQueue, "sourceQueueArns": [...]}
// (the ARNs only with byQueue, at most 10). The stored form is the user's text.
void check_redrive_allow(const std::string& value) {
  auto bad = [&](const std::string& why) { return invalid_value("RedriveAllowPolicy", value, why); };
  Doc d;
  try {
    d = json::parse(value);
  } catch (const AwsError&) {
    throw bad("Redrive allow policy is not a valid JSON map");
  }
  if (!d.is_map()) throw bad("Redrive allow policy is not a valid JSON map");
  const Doc* perm = d.get("redrivePermission");
  if (!perm) throw bad("Redrive allow policy does not contain mandatory attribute: redrivePermission");
  std::string p = perm->is_string() ? perm->as_string() : std::string();
  if (p != "allowAll" && p != "denyAll" && p != "byQueue") {
    throw bad("Invalid value for redrivePermission: " + p + ", valid values are allowAll, denyAll and byQueue");
  }
  const Doc* arns = d.get("sourceQueueArns");
  if (p != "byQueue") {
    if (arns) throw bad("sourceQueueArns can be specified only when redrivePermission is byQueue");
    return;
  }
  if (!arns || !arns->is_list() || arns->as_list().empty()) {
    throw bad("Redrive allow policy does not contain mandatory attribute: sourceQueueArns");
  }
  if (arns->as_list().size() > 10) throw bad("Maximum number of source queue ARNs allowed is 10");
  for (const auto& a : arns->as_list())
    if (!a.is_string()) throw bad("sourceQueueArns must be a list of queue ARNs");
}

}  // namespace

void check_policy_limits(const std::string& text, const Doc& policy) {
  if (text.size() > kMaxPolicyBytes) throw bad_attr_value("Policy");
  const Doc* st = policy.get("Statement");
  if (st && st->is_list() && st->as_list().size() > kMaxPolicyStatements) throw bad_attr_value("Policy");
}

bool redrive_allowed(const std::string& allow_policy, const std::string& source_arn) {
  Doc d;
  try {
    d = json::parse(allow_policy);
  } catch (const AwsError&) {
    return true;
  }
  std::string p = d.str("redrivePermission");
  if (p == "denyAll") return false;
  if (p != "byQueue") return true;
  if (const Doc* arns = d.get("sourceQueueArns"); arns && arns->is_list())
    for (const auto& a : arns->as_list())
      if (a.is_string() && a.as_string() == source_arn) return true;
  return false;
}

const AttrSpec* find_spec(std::string_view name) {
  for (const auto& s : kSettable)
    if (s.name == name) return &s;
  return nullptr;
}

bool read_only_attribute(std::string_view name) {
  return std::find(std::begin(kReadOnly), std::end(kReadOnly), name) != std::end(kReadOnly);
}

AwsError bad_attr_value(std::string_view name) {
  return errors::invalid_attribute_value("Invalid value for the parameter " + std::string(name) + ".");
}
AwsError unknown_attr(std::string_view name) {
  return errors::invalid_attribute_name("Unknown Attribute " + std::string(name) + ".");
}

void check_fifo_throughput(const std::map<std::string, std::string>& attrs) {
  auto limit = attrs.find("FifoThroughputLimit");
  auto scope = attrs.find("DeduplicationScope");
  if (limit != attrs.end() && limit->second == "perMessageGroupId" &&
      (scope == attrs.end() || scope->second != "messageGroup")) {
    throw errors::invalid_attribute_value(
        "Invalid value for the parameter FifoThroughputLimit. Reason: To use perMessageGroupId, set "
        "DeduplicationScope to messageGroup.");
  }
}

std::map<std::string, std::string> default_attributes(bool fifo) {
  std::map<std::string, std::string> a = {{"DelaySeconds", "0"},
                                          {"MaximumMessageSize", "1048576"},
                                          {"MessageRetentionPeriod", "345600"},
                                          {"ReceiveMessageWaitTimeSeconds", "0"},
                                          {"VisibilityTimeout", "30"},
                                          {"SqsManagedSseEnabled", "true"}};
  if (fifo) {
    a["FifoQueue"] = "true";
    a["ContentBasedDeduplication"] = "false";
    a["DeduplicationScope"] = "queue";
    a["FifoThroughputLimit"] = "perQueue";
  }
  return a;
}

Config parse_config(const std::map<std::string, std::string>& a) {
  Config c;
  auto num = [&](const char* k, int64_t& out) {
    auto it = a.find(k);
    if (it != a.end())
      if (auto v = parse_int(it->second)) out = *v;
  };
  num("VisibilityTimeout", c.visibility_timeout);
  num("DelaySeconds", c.delay_seconds);
  num("MessageRetentionPeriod", c.retention_seconds);
  num("MaximumMessageSize", c.maximum_message_size);
  num("ReceiveMessageWaitTimeSeconds", c.receive_wait_seconds);
  auto flag = [&](const char* k) {
    auto it = a.find(k);
    return it != a.end() && it->second == "true";
  };
  c.content_based_dedup = flag("ContentBasedDeduplication");
  auto ds = a.find("DeduplicationScope");
  c.dedup_scope_group = ds != a.end() && ds->second == "messageGroup";
  if (auto rp = a.find("RedrivePolicy"); rp != a.end() && !rp->second.empty()) {
    try {
      Doc d = json::parse(rp->second);
      c.dlq_arn = d.str("deadLetterTargetArn");
      c.max_receive_count = d.integer("maxReceiveCount", 0);
    } catch (const std::exception&) {
    }
  }
  return c;
}

std::map<std::string, std::string> check_attributes(Store& store, const Doc* attrs, bool creating, bool fifo,
                                                            const std::string& self_arn) {
  std::map<std::string, std::string> out;
  if (!attrs || !attrs->is_map()) return out;
  for (const auto& [name, v] : attrs->as_map()) {
    const AttrSpec* spec = find_spec(name);
    if (!spec || (!creating && name == "FifoQueue") || (spec->fifo_only && !fifo)) {
      throw unknown_attr(name);
    }
    std::string value = v.is_string() ? v.as_string() : std::string();
    switch (spec->kind) {
      case AttrKind::integer: {
        auto n = parse_int(value);
        if (!n || *n < spec->lo || *n > spec->hi) throw bad_attr_value(name);
        value = std::to_string(*n);
        break;
      }
      case AttrKind::boolean: {
        std::string l = value;
        for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (l != "true" && l != "false") throw bad_attr_value(name);
        value = l;
        if (name == "FifoQueue" && (l == "true") != fifo) {
          throw invalid("The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                        "underscores, must end with .fifo suffix and be 1 to 80 in length.");
        }
        break;
      }
      case AttrKind::choice:
        if (value != spec->choices[0] && value != spec->choices[1]) throw bad_attr_value(name);
        break;
      case AttrKind::json:
        if (value.empty()) break;  // "" removes the policy
        if (name == "RedrivePolicy") {
          value = check_redrive(store, value, fifo, self_arn);
        } else if (name == "RedriveAllowPolicy") {
          check_redrive_allow(value);
        } else {
          try {
            Doc d = json::parse(value);
            if (!d.is_map()) throw bad_attr_value(name);
            if (name == "Policy") check_policy_limits(value, d);
          } catch (const AwsError&) {
            throw bad_attr_value(name);
          }
        }
        break;
      case AttrKind::text: break;
    }
    out[name] = value;
  }
  return out;
}

}  // namespace stratus::sqs
