// S3 lifecycle configurations: validation as PutBucketLifecycleConfiguration does it, and the
// sweep that applies the rules (run on the "s3" scheduler by the service).
//
// Contract
// - validate_lifecycle(config) throws S3's errors (MalformedXML, InvalidArgument, InvalidRequest)
//   for a LifecycleConfiguration document as the rest-xml codec decodes it.
// - sweep_lifecycle() walks every bucket with a lifecycle record once and applies its Enabled
//   rules whose filter (Prefix / Filter.Prefix / Tag / And{Prefix, Tags, ObjectSize*}) matches:
//   current versions older than Expiration.Days (or past Expiration.Date) are deleted as a DELETE
//   would (a delete marker in versioned buckets); a current delete marker with no noncurrent
//   versions is removed under ExpiredObjectDeleteMarker; noncurrent versions are deleted
//   NoncurrentDays after they became noncurrent, keeping NewerNoncurrentVersions; transitions
//   (current and noncurrent) rewrite the version's storage class. Versions under object lock
//   (retention or legal hold) are not expired. `day_ms` is the length of a lifecycle day
//   (86,400,000; tests shorten it with STRATUS_S3_LIFECYCLE_DAY_MS). Returns the actions taken.
// - Incomplete multipart uploads: the sweep aborts uploads initiated at least
//   AbortIncompleteMultipartUpload.DaysAfterInitiation days ago under the first Enabled rule
//   whose prefix matches their key (matching_abort_days() answers that rule's days).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/doc.h"

namespace stratus::s3 {

class Notifier;

class Store;

void validate_lifecycle(const Doc& config);
// Expirations and transitions are announced through `notifier` (LifecycleExpiration:*,
// LifecycleTransition) when given.
size_t sweep_lifecycle(Store& st, int64_t now_ms, int64_t day_ms, Notifier* notifier = nullptr);
// The DaysAfterInitiation of the first Enabled rule with AbortIncompleteMultipartUpload whose
// prefix matches key (nullopt: none) in the bucket's stored lifecycle configuration.
std::optional<int64_t> matching_abort_days(const Store& st, std::string_view bucket, std::string_view key);

}  // namespace stratus::s3
