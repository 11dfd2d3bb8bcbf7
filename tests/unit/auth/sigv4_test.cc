#include "auth/sigv4.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/json.h"
#include "../vectors/sigv4_vectors.inc"

namespace stratus::auth {
namespace {

// 2026-11-22T00:03:58Z, the clock botocore signed the vectors with.
constexpr int64_t kVectorTime = 1795305838000;

struct Vector {
  std::string name, service, region, secret;
  http::Request req;
  std::string canonical_request, string_to_sign, signature;
  bool s3() const { return service == "s3"; }
};

std::vector<Vector> load_vectors() {
  std::vector<Vector> out;
  Doc all = json::parse(std::string_view(kSigV4VectorsJson, sizeof kSigV4VectorsJson - 1));
  for (const auto& [name, v] : all.as_map()) {
    Vector vec;
    vec.name = name;
    vec.service = v.str("service");
    vec.region = v.str("region");
    vec.secret = v.str("secret");
    vec.req.method = v.str("method");
    vec.req.path = v.str("path");
    vec.req.query = v.str("query");
    vec.req.target = vec.req.path + (vec.req.query.empty() ? "" : "?" + vec.req.query);
    for (const Doc& h : v.get("headers")->as_list()) vec.req.headers.add(h.as_list()[0].as_string(), h.as_list()[1].as_string());
    vec.req.body = v.str("body");
    vec.canonical_request = v.str("canonical_request");
    vec.string_to_sign = v.str("string_to_sign");
    vec.signature = v.str("signature");
    out.push_back(std::move(vec));
  }
  return out;
}

http::Request make_request(std::string method, std::string path, std::string query = {}) {
  http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.target = r.path + (r.query.empty() ? "" : "?" + r.query);
  r.headers.add("host", "example.amazonaws.com");
  return r;
}

AwsError parse_error(const http::Request& req, bool s3 = false) {
  try {
    parse_signature(req, s3);
  } catch (const AwsError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << req.headers.get("authorization") << " ?" << req.query;
  return {};
}

// The botocore vectors cover: query values needing encoding, a JSON POST with messy header
// whitespace, a non-S3 path needing double encoding and normalisation, an S3 path with '//',
// '..' and reserved characters, the S3 streaming-trailer marker, a session token, and presigned
// URLs for STS and S3 (with token).
TEST(SigV4, BotocoreVectorsAreLoaded) { EXPECT_EQ(load_vectors().size(), 8u); }

TEST(SigV4, BotocoreCanonicalRequestStringToSignAndSignature) {
  for (Vector& v : load_vectors()) {
    SCOPED_TRACE(v.name);
    std::optional<SignedRequestInfo> info = parse_signature(v.req, v.s3());
    ASSERT_TRUE(info);
    EXPECT_EQ(info->access_key, "AKIDEXAMPLE");
    EXPECT_EQ(info->region, v.region);
    EXPECT_EQ(info->service, v.service);
    EXPECT_EQ(info->signature, v.signature);
    EXPECT_EQ(info->request_time_ms, kVectorTime);
    EXPECT_EQ(canonical_request(v.req, *info, v.s3()), v.canonical_request);
    EXPECT_EQ(string_to_sign(*info, v.canonical_request), v.string_to_sign);
    EXPECT_EQ(signature(signing_key(v.secret, info->date, info->region, info->service), v.string_to_sign), v.signature);
    EXPECT_EQ(verify(v.req, *info, v.secret, v.s3()), std::nullopt);
    EXPECT_EQ(check_time(*info, kVectorTime + 60000, v.s3()), std::nullopt);
  }
}

TEST(SigV4, SessionTokenIsReported) {
  for (Vector& v : load_vectors()) {
    if (v.name != "session_token_header" && v.name != "presigned_s3_token") continue;
    SCOPED_TRACE(v.name);
    auto info = parse_signature(v.req, v.s3());
    ASSERT_TRUE(info);
    EXPECT_EQ(info->session_token, "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token==");
  }
}

TEST(SigV4, PresignedFieldsAreRead) {
  for (Vector& v : load_vectors()) {
    if (v.name != "presigned_sts") continue;
    auto info = parse_signature(v.req);
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->presigned);
    EXPECT_EQ(info->expires_s, 900);
    EXPECT_EQ(info->signed_headers, std::vector<std::string>{"host"});
    EXPECT_EQ(info->amz_date, "20261122T000358Z");
  }
}

TEST(SigV4, TamperingOrWrongSecretGivesSignatureDoesNotMatch) {
  for (Vector& v : load_vectors()) {
    SCOPED_TRACE(v.name);
    auto info = parse_signature(v.req, v.s3());
    ASSERT_TRUE(info);
    std::optional<AwsError> e = verify(v.req, *info, "wrong-secret", v.s3());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, "SignatureDoesNotMatch");
    EXPECT_EQ(e->http_status, 403);
    EXPECT_EQ(e->message, v.s3() ? "The request signature we calculated does not match the signature you provided. "
                                   "Check your key and signing method."
                                 : "The request signature we calculated does not match the signature you provided. "
                                   "Check your AWS Secret Access Key and signing method. Consult the service "
                                   "documentation for details.");
    http::Request changed = v.req;
    changed.method = changed.method == "GET" ? "HEAD" : "GET";
    EXPECT_TRUE(verify(changed, *info, v.secret, v.s3()));
    changed = v.req;
    changed.path += "x";
    EXPECT_TRUE(verify(changed, *info, v.secret, v.s3()));
    changed = v.req;
    changed.query += changed.query.empty() ? "a=b" : "&a=b";
    EXPECT_TRUE(verify(changed, *info, v.secret, v.s3()));
    SignedRequestInfo flipped = *info;
    flipped.signature[10] = flipped.signature[10] == '0' ? '1' : '0';
    EXPECT_TRUE(verify(v.req, flipped, v.secret, v.s3()));
  }
}

// From the AWS documentation's "Examples of how to derive a signing key".
TEST(SigV4, SigningKeyMatchesAwsDocumentation) {
  EXPECT_EQ(enc::hex(signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

// RFC 4231 test case 2 and the FIPS 180-2 "abc" digest: the primitives under everything else.
TEST(SigV4, HmacAndSha256KnownAnswers) {
  EXPECT_EQ(enc::hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 6: a key longer than the block is hashed first.
  EXPECT_EQ(enc::hex(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // An exactly block-sized key is used as is.
  EXPECT_EQ(enc::hex(hmac_sha256(std::string(64, 'k'), "")), "83026a325aaee70e36cfe607536aa1054104ad1077c36134810d4ccded1ccd3b");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4, CanonicalUriNonS3EncodesTwiceAndNormalises) {
  EXPECT_EQ(canonical_uri("", false), "/");
  EXPECT_EQ(canonical_uri("/", false), "/");
  EXPECT_EQ(canonical_uri("/a%20b/./c/../d//e", false), "/a%2520b/d/e");
  EXPECT_EQ(canonical_uri("/a/b/", false), "/a/b/");
  EXPECT_EQ(canonical_uri("/..", false), "/");
  EXPECT_EQ(canonical_uri("/a:b@c", false), "/a%3Ab%40c");
}

TEST(SigV4, CanonicalUriS3IsTheRawPath) {
  EXPECT_EQ(canonical_uri("//a/./b/../c%20d", true), "//a/./b/../c%20d");
  EXPECT_EQ(canonical_uri("", true), "/");
}

TEST(SigV4, CanonicalQuerySortsAndReencodes) {
  EXPECT_EQ(canonical_query("b=2&a=1&a=0&c", false), "a=0&a=1&b=2&c=");
  // '+' is a literal plus in SigV4, unreserved escapes are decoded, lower-case hex is normalised.
  EXPECT_EQ(canonical_query("k=a+b&t=%7e%2f&s=%41", false), "k=a%2Bb&s=A&t=~%2F");
  EXPECT_EQ(canonical_query("X-Amz-Signature=abc&X-Amz-Date=1", true), "X-Amz-Date=1");
  EXPECT_EQ(canonical_query("X-Amz-Signature=abc&X-Amz-Date=1", false), "X-Amz-Date=1&X-Amz-Signature=abc");
  EXPECT_EQ(canonical_query("", false), "");
  EXPECT_EQ(canonical_query("&&a=1&", false), "a=1");
}

TEST(SigV4, CanonicalHeadersTrimCollapseAndJoinRepeats) {
  http::Headers h;
  h.add("My-Header", "  a   b \t c  ");
  h.add("x-multi", "one");
  h.add("x-multi", " two  three ");
  h.add("host", "h");
  EXPECT_EQ(canonical_headers(h, {"host", "my-header", "x-multi", "x-missing"}),
            "host:h\nmy-header:a b c\nx-multi:one,two three\nx-missing:\n");
}

TEST(SigV4, AnonymousRequestHasNoSignature) {
  http::Request r = make_request("GET", "/", "Action=ListQueues&Signature=x");
  EXPECT_EQ(parse_signature(r), std::nullopt);
}

TEST(SigV4, HeaderComponentsToleratedWithoutSpacesAndInAnyOrder) {
  http::Request r = make_request("GET", "/");
  r.headers.add("x-amz-date", "20261122T000358Z");
  r.headers.add("authorization",
                "AWS4-HMAC-SHA256  Signature=abc,SignedHeaders=host;x-amz-date ,Credential=AK/20261122/us-east-1/sts/"
                "aws4_request");
  auto info = parse_signature(r);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->access_key, "AK");
  EXPECT_EQ(info->signature, "abc");
  EXPECT_EQ(info->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
}

TEST(SigV4, BearerOrSigV2HeaderIsIncompleteSignatureOutsideS3) {
  http::Request r = make_request("GET", "/");
  r.headers.add("authorization", "Bearer xyz");
  AwsError e = parse_error(r);
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.message,
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
            "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires "
            "existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer xyz");
  r.headers.set("authorization", "AWS AKID:c2ln");
  r.headers.add("x-amz-date", "20261122T000358Z");
  EXPECT_EQ(parse_error(r).message,
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
            "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS AKID:c2ln");
}

TEST(SigV4, SigV2HeaderIsRejectedByS3) {
  http::Request r = make_request("GET", "/bucket/key");
  r.headers.add("authorization", "AWS AKID:c2ln");
  AwsError e = parse_error(r, true);
  EXPECT_EQ(e.code, "InvalidRequest");
  EXPECT_EQ(e.message, "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
}

TEST(SigV4, MalformedCredentialAndDate) {
  http::Request r = make_request("GET", "/");
  r.headers.add("x-amz-date", "20261122T000358Z");
  r.headers.add("authorization", "AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1, SignedHeaders=host, Signature=a");
  AwsError e = parse_error(r);
  EXPECT_EQ(e.code, "IncompleteSignature");
  EXPECT_EQ(e.message,
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got "
            "'AK/20261122/us-east-1'");
  EXPECT_EQ(parse_error(r, true).code, "AuthorizationHeaderMalformed");

  r.headers.set("authorization", "AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1/sts/aws4_request, "
                                 "SignedHeaders=host, Signature=a");
  r.headers.set("x-amz-date", "2026-11-22T00:03:58Z");
  e = parse_error(r);
  EXPECT_EQ(e.message,
            "Date must be in ISO-8601 'basic format'. Got '2026-11-22T00:03:58Z'. See "
            "http://en.wikipedia.org/wiki/ISO_8601");
  EXPECT_EQ(parse_error(r, true).code, "AccessDenied");

  r.headers.set("x-amz-date", "20261122T000358Z");
  r.headers.set("authorization", "AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1/sts/aws4_request, "
                                 "SignedHeaders=x-amz-date, Signature=a");
  EXPECT_EQ(parse_error(r).message, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST(SigV4, DateHeaderStandsInForXAmzDate) {
  http::Request r = make_request("GET", "/");
  r.headers.add("date", "Sun, 22 Nov 2026 00:03:58 GMT");
  r.headers.add("authorization", "AWS4-HMAC-SHA256 Credential=AK/20261122/us-east-1/sts/aws4_request, "
                                 "SignedHeaders=date;host, Signature=a");
  auto info = parse_signature(r);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->amz_date, "20261122T000358Z");
  EXPECT_EQ(info->request_time_ms, kVectorTime);
}

TEST(SigV4, ScopeDateMustMatchRequestDate) {
  http::Request r = make_request("GET", "/");
  r.headers.add("x-amz-date", "20261122T000358Z");
  r.headers.add("authorization", "AWS4-HMAC-SHA256 Credential=AK/20261121/us-east-1/sts/aws4_request, "
                                 "SignedHeaders=host;x-amz-date, Signature=a");
  auto info = parse_signature(r);
  ASSERT_TRUE(info);
  auto e = verify(r, *info, "secret", false);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "SignatureDoesNotMatch");
  EXPECT_EQ(e->message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261121' != "
            "'20261122', from '20261122T000358Z'.");
}

TEST(SigV4, PresignedMalformedParameters) {
  const std::string ok =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261122%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20261122T000358Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
  EXPECT_TRUE(parse_signature(make_request("GET", "/b/k", ok + "&X-Amz-Expires=60"), true));

  AwsError e = parse_error(make_request("GET", "/b/k", ok), true);
  EXPECT_EQ(e.code, "AuthorizationQueryParametersError");
  EXPECT_EQ(e.message,
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  EXPECT_EQ(parse_error(make_request("GET", "/b/k", ok + "&X-Amz-Expires=soon"), true).message,
            "X-Amz-Expires should be a number");
  e = parse_error(make_request("GET", "/b/k", "X-Amz-Algorithm=HMAC" + ok.substr(32) + "&X-Amz-Expires=60"), true);
  EXPECT_EQ(e.message, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");

  http::Request both = make_request("GET", "/b/k", ok + "&X-Amz-Expires=60");
  both.headers.add("authorization", "AWS4-HMAC-SHA256 Credential=x");
  EXPECT_EQ(parse_error(both, true).code, "InvalidArgument");
}

TEST(SigV4, HeaderAuthClockSkew) {
  SignedRequestInfo info;
  info.amz_date = "20261122T000000Z";
  info.request_time_ms = *enc::parse_iso8601(info.amz_date);
  const int64_t t = info.request_time_ms;
  EXPECT_EQ(check_time(info, t + 15 * 60000, false), std::nullopt);
  EXPECT_EQ(check_time(info, t - 15 * 60000, false), std::nullopt);

  auto e = check_time(info, t + 20 * 60000, false);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "RequestTimeTooSkewed");
  EXPECT_EQ(e->http_status, 403);
  EXPECT_EQ(e->message,
            "Signature expired: 20261122T000000Z is now earlier than 20261122T000500Z (20261122T002000Z - 15 min.)");
  e = check_time(info, t - 20 * 60000, false);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "Signature not yet current: 20261122T000000Z is still later than 20261121T235500Z (20261121T234000Z + "
            "15 min.)");
  e = check_time(info, t + 20 * 60000, true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "RequestTimeTooSkewed");
  EXPECT_EQ(e->message, "The difference between the request time and the current time is too large.");
}

TEST(SigV4, PresignedExpiry) {
  SignedRequestInfo info;
  info.presigned = true;
  info.request_time_ms = kVectorTime;
  info.expires_s = 3600;
  EXPECT_EQ(check_time(info, kVectorTime + 3600 * 1000, true), std::nullopt);
  // A presigned URL is not subject to the 15-minute skew, only to its own lifetime.
  EXPECT_EQ(check_time(info, kVectorTime + 30 * 60000, true), std::nullopt);
  auto e = check_time(info, kVectorTime + 3600 * 1000 + 1000, true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "AccessDenied");
  EXPECT_EQ(e->message, "Request has expired");
  EXPECT_EQ(e->http_status, 403);
  for (int64_t bad : {int64_t{0}, int64_t{604801}}) {
    info.expires_s = bad;
    e = check_time(info, kVectorTime, true);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, "AuthorizationQueryParametersError");
    EXPECT_EQ(e->message, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  info.expires_s = 604800;
  EXPECT_EQ(check_time(info, kVectorTime, true), std::nullopt);
}

TEST(SigV4, PresignedDatedAheadIsNotValidYet) {
  // Dated a year ahead with a 1 s lifetime: without the check it would work for a year.
  SignedRequestInfo info;
  info.presigned = true;
  info.request_time_ms = kVectorTime + int64_t{365} * 86400 * 1000;
  info.expires_s = 1;
  auto e = check_time(info, kVectorTime, false);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "AccessDenied");
  EXPECT_EQ(e->message, "Request is not valid yet");
  EXPECT_EQ(e->http_status, 403);
  // Within the 15-minute skew a URL dated ahead is fine (clocks differ a little).
  info.request_time_ms = kVectorTime + 15 * 60000;
  EXPECT_EQ(check_time(info, kVectorTime, true), std::nullopt);
  info.request_time_ms = kVectorTime + 15 * 60000 + 1;
  EXPECT_TRUE(check_time(info, kVectorTime, true));
}

TEST(SigV4, SignProducesWhatVerifyAccepts) {
  http::Request r = make_request("GET", "/_stratus/mailbox", "recipient=a%40b.c");
  sign(r, "AKID", "secret", "us-east-1", "stratus", kVectorTime);
  auto info = parse_signature(r);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->access_key, "AKID");
  EXPECT_EQ(info->service, "stratus");
  EXPECT_EQ(info->request_time_ms, kVectorTime);
  EXPECT_EQ(verify(r, *info, "secret", false), std::nullopt);
  EXPECT_TRUE(verify(r, *info, "other", false));
}

TEST(SigV4, ScopeMustNameTheServiceThatAnswers) {
  SignedRequestInfo info;
  info.service = "sqs";
  EXPECT_EQ(check_scope_service(info, "sqs"), std::nullopt);
  auto e = check_scope_service(info, "dynamodb");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "SignatureDoesNotMatch");
  EXPECT_EQ(e->http_status, 403);
  EXPECT_EQ(e->message, "Credential should be scoped to correct service: 'dynamodb'. ");
}

TEST(SigV4, PayloadHashHeaderIsChecked) {
  http::Request r = make_request("PUT", "/b/k");
  r.body = "abc";
  EXPECT_EQ(check_payload_hash(r), std::nullopt);
  r.headers.set("x-amz-content-sha256", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  EXPECT_EQ(check_payload_hash(r), std::nullopt);
  r.headers.set("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  EXPECT_EQ(check_payload_hash(r), std::nullopt);
  r.headers.set("x-amz-content-sha256", sha256_hex("abd"));
  auto e = check_payload_hash(r);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "XAmzContentSHA256Mismatch");
  r.headers.set("x-amz-content-sha256", "nope");
  e = check_payload_hash(r);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "InvalidArgument");
}

}  // namespace
}  // namespace stratus::auth
