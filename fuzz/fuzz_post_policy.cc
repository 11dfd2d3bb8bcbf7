// The POST policy document and form signature fields. Input: the policy JSON (base64-encoded
// here, so the fuzzer works on the JSON itself); byte 0 picks which form fields accompany it.
// Only AwsError may escape.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/post_policy.h"
#include "core/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t pick = data[0];
  std::string_view json(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string policy = (pick & 1) ? std::string(json) : stratus::enc::base64_encode(json);
  stratus::auth::FormFields fields = {{"key", "u/${filename}"}, {"policy", policy}};
  if (pick & 2) fields.emplace_back("Content-Type", std::string(json.substr(0, 16)));
  if (pick & 4) {
    fields.emplace_back("x-amz-algorithm", "AWS4-HMAC-SHA256");
    fields.emplace_back("x-amz-credential", std::string(json.substr(0, 40)));
    fields.emplace_back("x-amz-date", "20261206T000000Z");
    fields.emplace_back("x-amz-signature", "00");
  }
  if (pick & 8) fields.emplace_back("AWSAccessKeyId", "A");
  if (pick & 16) fields.emplace_back("Signature", "x");
  try {
    if (auto sig = stratus::auth::parse_post_signature(fields))
      (void)stratus::auth::verify_post_signature(*sig, policy, "secret");
  } catch (const stratus::AwsError&) {
  }
  try {
    stratus::auth::PostPolicy p = stratus::auth::parse_post_policy(policy);
    try {
      stratus::auth::check_post_policy(p, fields, "bucket", 1800000000000);
    } catch (const stratus::AwsError&) {
    }
    (void)stratus::auth::post_max_length(p);
    stratus::auth::check_post_length(p, pick * 1000);
  } catch (const stratus::AwsError&) {
  }
  return 0;
}
