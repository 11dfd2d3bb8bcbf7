// S3 browser POST uploads: the policy document and the form's signature.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
//
//   auto sig = parse_post_signature(form.fields());          // nullopt: anonymous form
//   if (sig) { check the key; verify_post_signature(*sig, *policy_field, secret) }
//   PostPolicy p = parse_post_policy(*policy_field);          // InvalidPolicyDocument
//   check_post_policy(p, form.fields(), bucket, now_ms);      // AccessDenied "Invalid according to Policy: ..."
//   ... stream the file, refusing past post_max_length(p) ...
//   check_post_length(p, size);                               // EntityTooLarge / EntityTooSmall
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace stratus::auth {

using FormFields = std::vector<std::pair<std::string, std::string>>;

struct PostPolicy {
  struct Condition {
    enum class Kind { eq, starts_with, length_range };
    Kind kind = Kind::eq;
    std::string field;  // lower-case, without the '$'
    std::string value;
    int64_t min = 0, max = 0;  // length_range
    std::string text;          // the condition as S3 prints it: ["eq", "$key", "a.txt"]
  };
  int64_t expiration_ms = 0;
  std::vector<Condition> conditions;
};

// Decodes the form's `policy` field (base64 of a JSON document: expiration, conditions).
// Throws AwsError InvalidPolicyDocument ("Invalid Policy: ...") when it is not one.
PostPolicy parse_post_policy(std::string_view policy_base64);

// Checks the form's fields (those before the file) against the policy: not expired, every
// condition met ("bucket" is the request's bucket), every field named by a condition but
// policy, the signature fields, file and x-ignore-*. Throws AccessDenied
// "Invalid according to Policy: ...".
void check_post_policy(const PostPolicy& policy, const FormFields& fields, std::string_view bucket, int64_t now_ms);
// The largest file the policy's content-length-range allows (UINT64_MAX without one): the
// upload can be refused as soon as it passes.
uint64_t post_max_length(const PostPolicy& policy);
// content-length-range against the file's size: EntityTooLarge / EntityTooSmall.
void check_post_length(const PostPolicy& policy, uint64_t size);

struct PostSignature {
  int version = 4;  // 4: x-amz-algorithm/-credential/-date/-signature; 2: AWSAccessKeyId/Signature
  std::string access_key, signature;
  std::string date, region, service, amz_date;  // SigV4's credential scope and x-amz-date
  std::string session_token;                    // x-amz-security-token
};
// The form's signature fields; nullopt for an anonymous form (no policy, no signature). Throws
// InvalidArgument "Bucket POST must contain a field named '...'" for a missing piece,
// InvalidArgument / AuthorizationQueryParametersError-like errors for malformed ones.
std::optional<PostSignature> parse_post_signature(const FormFields& fields);
// Checks the signature over the policy field with the key's secret: nullopt when it matches,
// else SignatureDoesNotMatch.
std::optional<AwsError> verify_post_signature(const PostSignature& sig, std::string_view policy_base64,
                                              std::string_view secret);

// InvalidArgument "Bucket POST must contain a field named 'NAME'. ..." (ArgumentName NAME).
AwsError post_field_missing(std::string_view name);
// The first field named `name`, compared ASCII case-insensitively.
const std::string* form_field(const FormFields& fields, std::string_view name);

}  // namespace stratus::auth
