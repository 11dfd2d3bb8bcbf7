// AWS Signature Version 4, as pure functions: each step of the spec is one function, so each can
// be checked against known answers. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "http/message.h"

namespace stratus::auth {

// What a request says about its signature, from the Authorization header or from the
// X-Amz-* query parameters of a presigned URL.
struct SignedRequestInfo {
  bool presigned = false;
  // S3's legacy SigV2 presigned URL (AWSAccessKeyId, Expires, Signature): signature is base64,
  // expires_s the absolute Expires time (epoch seconds); no scope, date or signed headers.
  bool sigv2 = false;
  std::string access_key;
  std::string date;             // credential scope date, YYYYMMDD
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  // lower-case, as listed
  std::string signature;        // lower-case hex
  std::string amz_date;         // X-Amz-Date (basic ISO 8601) or derived from Date header
  int64_t request_time_ms = 0;  // amz_date parsed
  int64_t expires_s = 0;        // presigned: X-Amz-Expires
  std::string session_token;    // X-Amz-Security-Token
  std::string payload_hash;     // x-amz-content-sha256; else UNSIGNED-PAYLOAD (presigned) or empty
};

// Reads the signature fields. nullopt when the request carries no SigV4 at all (anonymous).
// Throws AwsError (IncompleteSignature / AuthorizationQueryParametersError / ...) when the
// fields are present but malformed, with AWS's code and message. s3_style picks S3's answers
// where S3 differs from the other services (e.g. SigV2 "AWS AKID:sig" headers).
std::optional<SignedRequestInfo> parse_signature(const http::Request& req, bool s3_style = false);

// Task 1: the canonical request.
std::string canonical_uri(std::string_view raw_path, bool s3_style);  // s3: no double-encoding, no normalisation
std::string canonical_query(std::string_view raw_query, bool presigned);  // drops X-Amz-Signature when presigned
// "name:value\n" per signed header, in the listed order (each line ends with '\n').
std::string canonical_headers(const http::Headers& headers, const std::vector<std::string>& signed_headers);
std::string canonical_request(const http::Request& req, const SignedRequestInfo& info, bool s3_style);
// Task 2: the string to sign.
std::string string_to_sign(const SignedRequestInfo& info, std::string_view canonical_request);
// Task 3: the signing key (raw bytes) and the signature (lower-case hex).
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);
std::string signature(std::string_view signing_key, std::string_view string_to_sign);

std::string sha256_hex(std::string_view data);
std::string sha256(std::string_view data);  // raw bytes (SHA-256 fetched once, a context per thread)
// The payload hash of the body as the client sent it: a spooled body's, the one recorded before a
// Content-Encoding was decoded (Request::wire_sha256), or the hash of Request::body.
std::string body_sha256(const http::Request& req);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw bytes

// Verifies the request signature with the secret key. Returns nullopt when valid, otherwise the
// AWS error (SignatureDoesNotMatch, with AWS's message for the service family).
std::optional<AwsError> verify(const http::Request& req, const SignedRequestInfo& info,
                               std::string_view secret, bool s3_style);

// Clock checks. Header auth: RequestTimeTooSkewed beyond 15 minutes either way (S3's wording, or
// the "Signature expired" / "Signature not yet current" wording of the other services; callers
// rename the code for their protocol). Presigned URLs: X-Amz-Expires within 1..604800
// (AuthorizationQueryParametersError), X-Amz-Date no later than now + 15 minutes (AccessDenied
// "Request is not valid yet": a URL dated ahead would otherwise stay valid until that date plus
// its expiry) and not expired (AccessDenied "Request has expired"). now_ms is the server clock.
std::optional<AwsError> check_time(const SignedRequestInfo& info, int64_t now_ms, bool s3_style);

// The credential scope must name the service that answers the request (its model's signingName):
// a signature computed for one service is not valid for another. SignatureDoesNotMatch with
// AWS's message, "Credential should be scoped to correct service: 'dynamodb'. "; callers rename
// the code for their protocol as for any signature error.
std::optional<AwsError> check_scope_service(const SignedRequestInfo& info,
                                            std::string_view signing_name);

// Signs req (method, path, query, host header and body set) as a client does: adds x-amz-date
// and an Authorization header covering host and x-amz-date. For Stratus' own tools (the mailbox
// command against a strict server); the result passes verify() with the same secret.
void sign(http::Request& req, std::string_view access_key, std::string_view secret,
          std::string_view region, std::string_view service, int64_t now_ms);

// S3 checks x-amz-content-sha256 itself: it must be a hex SHA-256 or one of the UNSIGNED/STREAMING
// markers (InvalidArgument), and a hex value must match the body (XAmzContentSHA256Mismatch).
// Only meaningful once req.body holds the whole payload; streaming forms are not checked here.
std::optional<AwsError> check_payload_hash(const http::Request& req);
// SignatureDoesNotMatch in the wording of S3 (s3_style) or of the other services.
AwsError signature_mismatch(bool s3_style);

}  // namespace stratus::auth
