// Fuzz S3's bucket-configuration parsing beyond the codec: ACL grant headers (x-amz-grant-*,
// x-amz-acl), lifecycle validation and the sweep's rule matching inputs, CORS rule matching, and
// website/preflight host parsing. The input's first line is a JSON document used as the
// configuration; the rest feeds headers and hosts. Errors are fine; crashes and hangs are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "services/s3/access.h"
#include "services/s3/lifecycle.h"
#include "services/s3/web.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  std::string doc_text = in.substr(0, cut);
  std::string rest = cut == std::string::npos ? "" : in.substr(cut + 1);
  (void)s3::website_bucket(rest);
  (void)s3::preflight_bucket(rest, rest);
  Doc headers = Doc::map();
  headers.set("GrantRead", rest);
  headers.set("GrantFullControl", rest.substr(0, rest.size() / 2));
  try {
    if (auto acl = s3::acl_from_request(headers, "111111111111", "222222222222")) {
      (void)s3::acl_is_public(*acl);
      (void)s3::acl_is_owner_only(*acl, "222222222222");
      (void)s3::acl_output(&*acl, "111111111111");
    }
  } catch (const AwsError&) {
  }
  Doc canned = Doc::map();
  canned.set("ACL", rest.substr(0, 32));
  try {
    (void)s3::acl_from_request(canned, "1", "2");
  } catch (const AwsError&) {
  }
  Doc cfg;
  try {
    cfg = json::parse(doc_text);
  } catch (const AwsError&) {
    return 0;
  }
  try {
    s3::validate_lifecycle(cfg);
  } catch (const AwsError&) {
  }
  try {
    (void)s3::acl_from_policy(cfg, "111111111111");
  } catch (const AwsError&) {
  }
  (void)s3::match_cors_rule(cfg, rest.substr(0, 64), "GET", rest);
  (void)s3::action_of(rest.substr(0, 40), cfg);
  return 0;
}
