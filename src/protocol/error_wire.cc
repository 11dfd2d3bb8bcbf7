#include "protocol/error_wire.h"

#include <array>
#include <utility>

namespace stratus::protocol {
namespace {

// botocore's SQS model dropped the awsQueryError codes that SQS still sends in
// x-amzn-query-error; clients map them back to exception classes, so keep them here.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kSqsQueryCodes{{
    {"BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"},
    {"BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong"},
    {"EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest"},
    {"InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId"},
    {"InvalidAttributeName", "InvalidAttributeName"},
    {"InvalidAttributeValue", "InvalidAttributeValue"},
    {"InvalidIdFormat", "InvalidIdFormat"},
    {"InvalidMessageContents", "InvalidMessageContents"},
    {"InvalidSecurity", "AWS.SimpleQueueService.InvalidSecurity"},
    {"KmsAccessDenied", "KMS.AccessDeniedException"},
    {"KmsDisabled", "KMS.DisabledException"},
    {"KmsInvalidKeyUsage", "KMS.InvalidKeyUsageException"},
    {"KmsInvalidState", "KMS.InvalidStateException"},
    {"KmsNotFound", "KMS.NotFoundException"},
    {"KmsOptInRequired", "KMS.OptInRequired"},
    {"KmsThrottled", "KMS.ThrottlingException"},
    {"MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight"},
    {"OverLimit", "OverLimit"},
    {"PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress"},
    {"QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently"},
    {"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"},
    {"QueueNameExists", "QueueAlreadyExists"},
    {"TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"},
    {"UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation"},
}};

std::string_view legacy_code(const model::ServiceModel& svc, std::string_view shape_name) {
  if (svc.id != "sqs") return {};
  for (const auto& [name, code] : kSqsQueryCodes)
    if (name == shape_name) return code;
  return {};
}

}  // namespace

bool query_compatible(std::string_view service_id) {
  // The loader doesn't keep metadata.awsQueryCompatible; these are the services carrying it.
  return service_id == "sqs" || service_id == "cloudwatch";
}

bool query_compatible(const model::ServiceModel& svc) { return query_compatible(svc.id); }

ErrorWire error_wire(const model::ServiceModel& svc, const AwsError& err) {
  ErrorWire w;
  w.name = err.code;
  w.query_code = err.code;
  const model::Shape* s = svc.find_shape(err.code);
  if (s && !s->exception) s = nullptr;
  if (!s) {
    // The code may be the awsQuery spelling: the model's error.code or a legacy SQS code.
    if (auto it = svc.error_shapes.find(err.code); it != svc.error_shapes.end()) s = it->second;
    if (!s && svc.id == "sqs") {
      for (const auto& [name, code] : kSqsQueryCodes)
        if (code == err.code) s = svc.find_shape(name);
    }
  }
  if (!s) return w;
  w.shape = s;
  w.name = s->name;
  if (!s->error_code.empty()) w.query_code = s->error_code;
  else if (auto lc = legacy_code(svc, s->name); !lc.empty()) w.query_code = lc;
  else w.query_code = s->name;
  return w;
}

std::string_view message_key(const model::Shape* shape) {
  if (shape) {
    for (const auto& m : shape->members) {
      const std::string& n = m.wire_name();
      if (n == "message" || n == "Message") return n;
    }
  }
  return "message";
}

}  // namespace stratus::protocol
