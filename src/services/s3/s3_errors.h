// S3's errors as S3 words them. Most are not error shapes of the model; extra members (<Key>,
// <BucketName>, <Condition>, ...) travel in AwsError::extra_json and the rest-xml codec writes
// them into <Error>.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "core/json.h"

namespace stratus::s3 {

inline AwsError s3_error(std::string code, std::string message, int status,
                         std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {}) {
  AwsError e(std::move(code), std::move(message), status, status < 500);
  if (extra.size()) {
    std::string j = "{";
    for (const auto& [k, v] : extra) {
      if (j.size() > 1) j += ',';
      j += '"' + json::escape(k) + "\":\"" + json::escape(v) + '"';
    }
    e.extra_json = j + "}";
  }
  return e;
}

inline AwsError no_such_bucket(std::string_view bucket) {
  return s3_error("NoSuchBucket", "The specified bucket does not exist", 404, {{"BucketName", bucket}});
}
inline AwsError no_such_key(std::string_view key) {
  return s3_error("NoSuchKey", "The specified key does not exist.", 404, {{"Key", key}});
}
inline AwsError no_such_version(std::string_view key, std::string_view version_id) {
  return s3_error("NoSuchVersion", "The specified version does not exist.", 404,
                  {{"Key", key}, {"VersionId", version_id}});
}
inline AwsError invalid_argument(std::string message, std::string_view name = {}, std::string_view value = {}) {
  if (name.empty()) return s3_error("InvalidArgument", std::move(message), 400);
  return s3_error("InvalidArgument", std::move(message), 400, {{"ArgumentName", name}, {"ArgumentValue", value}});
}
inline AwsError invalid_request(std::string message) {
  return s3_error("InvalidRequest", std::move(message), 400);
}
inline AwsError precondition_failed(std::string_view condition) {
  return s3_error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412,
                  {{"Condition", condition}});
}
inline AwsError internal_error() {
  return s3_error("InternalError", "We encountered an internal error. Please try again.", 500);
}
inline AwsError method_not_allowed(std::string_view method, std::string_view resource_type = "DeleteMarker") {
  return s3_error("MethodNotAllowed", "The specified method is not allowed against this resource.", 405,
                  {{"Method", method}, {"ResourceType", resource_type}});
}

}  // namespace stratus::s3
