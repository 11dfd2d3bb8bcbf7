// S3's legacy Signature Version 2 (HMAC-SHA1), as far as S3 still takes it: query-string
// presigned URLs (AWSAccessKeyId, Expires, Signature) and browser POST forms (Signature over the
// policy). https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"

namespace stratus::auth {

std::string hmac_sha1(std::string_view key, std::string_view data);  // raw bytes
// base64(HMAC-SHA1(secret, string_to_sign)): a SigV2 signature.
std::string sigv2_signature(std::string_view secret, std::string_view string_to_sign);

// The string a SigV2 presigned URL signs: method, Content-MD5, Content-Type, the Expires value,
// the x-amz-* headers (lower-cased, sorted, repeated values joined by ','), then the resource:
// `resource_path` (path-style "/bucket/key" exactly as sent) and S3's sub-resources from the
// query (acl, uploadId, versionId, response-* ...), sorted, values decoded.
std::string sigv2_string_to_sign(const http::Request& req, std::string_view resource_path, std::string_view expires);

// Constant-time comparison of two signatures.
bool signatures_equal(std::string_view a, std::string_view b);

}  // namespace stratus::auth
