// S3 as other services see it: reading an object's bytes the way a caller's GetObject would
// (Lambda's CreateFunction / UpdateFunctionCode / PublishLayerVersion with S3Bucket, S3Key,
// S3ObjectVersion; later DynamoDB imports). S3 publishes it in Service::attach(); callers
// resolve it when they need it:
//
//   s3::Api* s3 = ctx.server.port<s3::Api>();   // nullptr when S3 is not among --services
//   Result<std::string> zip = s3->read(ctx.caller, ctx.region(), "code-bucket", "fn.zip", "", 256 << 20);
//   if (!zip) /* zip.error().code: NoSuchBucket, NoSuchKey, NoSuchVersion, AccessDenied, ... */;
//
// Contract
// - `read` answers the object's bytes (its current version, or `version_id` when not empty),
//   authorized as a GetObject (s3:GetObject / s3:GetObjectVersion) of `caller`: the bucket
//   owner's account, or the bucket policy / ACL grants for another account.
// - Errors come back as values with S3's code and message: NoSuchBucket, NoSuchKey (also for a
//   current delete marker), NoSuchVersion, MethodNotAllowed (a version that is a delete
//   marker), AccessDenied, InvalidObjectState (archived, not restored), PermanentRedirect (the
//   bucket is in another region than `region`), EntityTooLarge (over `max_bytes`).
// - Thread safe; reads whole objects into memory (callers bound them with max_bytes).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "services/service.h"

namespace stratus::s3 {

class Api {
 public:
  virtual ~Api() = default;
  virtual Result<std::string> read(const OpContext::Caller& caller, const std::string& region,
                                   const std::string& bucket, const std::string& key, const std::string& version_id,
                                   uint64_t max_bytes) = 0;
};

}  // namespace stratus::s3
