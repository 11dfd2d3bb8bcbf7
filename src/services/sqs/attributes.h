// Queue attributes: which are settable and their rules, the defaults of a new queue, and the
// parsed Config the queue's index runs by.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/doc.h"
#include "core/error.h"
#include "services/sqs/queue.h"

namespace stratus::sqs {

class Store;

enum class AttrKind { integer, boolean, json, text, choice };
struct AttrSpec {
  std::string_view name;
  AttrKind kind;
  int64_t lo = 0, hi = 0;
  bool fifo_only = false;
  std::string_view choices[2] = {};
};

// The settable attribute's rules, or nullptr when `name` is not settable.
const AttrSpec* find_spec(std::string_view name);
// Whether `name` is one of the read-only attributes (ApproximateNumberOfMessages, QueueArn, ...).
bool read_only_attribute(std::string_view name);

AwsError bad_attr_value(std::string_view name);  // InvalidAttributeValue
AwsError unknown_attr(std::string_view name);    // InvalidAttributeName

// High throughput FIFO: FifoThroughputLimit=perMessageGroupId needs DeduplicationScope=messageGroup
// (InvalidAttributeValue thrown).
void check_fifo_throughput(const std::map<std::string, std::string>& attrs);
// A queue policy's quotas: at most 8,192 bytes and 20 statements (InvalidAttributeValue thrown).
constexpr size_t kMaxPolicyBytes = 8192;
constexpr size_t kMaxPolicyStatements = 20;
void check_policy_limits(const std::string& text, const Doc& policy);
// Whether a dead-letter queue's RedriveAllowPolicy lets the queue `source_arn` name it in its
// RedrivePolicy (denyAll: none; byQueue: the listed ARNs; allowAll or unreadable: any).
bool redrive_allowed(const std::string& allow_policy, const std::string& source_arn);
// Defaults of every settable attribute for a new queue.
std::map<std::string, std::string> default_attributes(bool fifo);
// The attributes as the index uses them (unparseable values keep the defaults).
Config parse_config(const std::map<std::string, std::string>& a);

// Validates attributes for CreateQueue (creating) or SetQueueAttributes and returns them
// normalised (integers canonical, booleans lower-case, RedrivePolicy canonical JSON). A
// RedrivePolicy's dead-letter queue is looked up in `store`. Throws InvalidAttributeName,
// InvalidAttributeValue or InvalidParameterValue.
std::map<std::string, std::string> check_attributes(Store& store, const Doc* attrs, bool creating, bool fifo,
                                                    const std::string& self_arn);

}  // namespace stratus::sqs
