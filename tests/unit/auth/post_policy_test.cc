#include "auth/post_policy.h"

#include <gtest/gtest.h>

#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "core/encoding.h"

namespace stratus::auth {
namespace {

std::string b64(std::string_view s) {
  return enc::base64_encode(s);
}

std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const AwsError& e) {
    return e.code + ": " + e.message;
  }
  return "";
}

const int64_t kNow = *enc::parse_iso8601("2026-12-06T00:00:00Z");

TEST(PostPolicy, ParsesEveryConditionForm) {
  PostPolicy p = parse_post_policy(
      b64(R"({"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"bucket":"b"},["starts-with","$key","u/"],)"
          R"(["eq","$Content-Type","image/png"],["content-length-range",1,"100"],{"success_action_status":201}]})"));
  EXPECT_EQ(p.expiration_ms, *enc::parse_iso8601("2030-01-01T00:00:00Z"));
  ASSERT_EQ(p.conditions.size(), 5u);
  EXPECT_EQ(p.conditions[0].text, R"(["eq", "$bucket", "b"])");
  EXPECT_EQ(p.conditions[1].text, R"(["starts-with", "$key", "u/"])");
  EXPECT_EQ(p.conditions[2].field, "content-type");
  EXPECT_EQ(p.conditions[3].min, 1);
  EXPECT_EQ(p.conditions[3].max, 100);
  EXPECT_EQ(p.conditions[4].value, "201");
  EXPECT_EQ(post_max_length(p), 100u);
}

TEST(PostPolicy, MalformedPolicies) {
  auto bad = [](std::string_view json) { return code_of([&] { parse_post_policy(b64(json)); }); };
  EXPECT_EQ(code_of([] { parse_post_policy("!!!"); }),
            "InvalidPolicyDocument: Invalid Policy: Invalid Base64 Encoding.");
  EXPECT_EQ(bad("{"), "InvalidPolicyDocument: Invalid Policy: Invalid JSON.");
  EXPECT_EQ(bad(R"({"conditions":[]})"), "InvalidPolicyDocument: Invalid Policy: Policy missing expiration.");
  EXPECT_EQ(bad(R"({"expiration":"tomorrow","conditions":[]})"),
            "InvalidPolicyDocument: Invalid Policy: Invalid 'expiration' value: 'tomorrow'");
  EXPECT_EQ(bad(R"({"expiration":"2030-01-01T00:00:00Z"})"),
            "InvalidPolicyDocument: Invalid Policy: Policy missing conditions.");
  EXPECT_NE(bad(R"({"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","key","v"]]})"), "");
  EXPECT_NE(bad(R"({"expiration":"2030-01-01T00:00:00Z","conditions":[["matches","$key","v"]]})"), "");
  EXPECT_NE(bad(R"({"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",1]]})"), "");
  EXPECT_NE(bad(R"({"expiration":"2030-01-01T00:00:00Z","conditions":[{"key":[1]}]})"), "");
  // Line breaks inside the base64 (as some form builders wrap it) are fine.
  std::string wrapped = b64(R"({"expiration":"2030-01-01T00:00:00Z","conditions":[]})");
  wrapped.insert(10, "\r\n");
  EXPECT_NO_THROW(parse_post_policy(wrapped));
}

TEST(PostPolicy, ConditionsAndExtraFields) {
  PostPolicy p = parse_post_policy(
      b64(R"({"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key","u/"],)"
          R"(["starts-with","$Content-Type",""],["content-length-range",2,10]]})"));
  FormFields ok = {{"key", "u/${filename}"}, {"policy", "x"}, {"x-amz-signature", "s"}, {"x-ignore-me", "1"}};
  EXPECT_EQ(code_of([&] { check_post_policy(p, ok, "b", kNow); }), "");
  EXPECT_EQ(code_of([&] { check_post_policy(p, ok, "other", kNow); }),
            R"(AccessDenied: Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "b"])");
  FormFields wrong_key = {{"key", "v/a"}};
  EXPECT_EQ(code_of([&] { check_post_policy(p, wrong_key, "b", kNow); }),
            R"(AccessDenied: Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "u/"])");
  FormFields extra = {{"Key", "u/a"}, {"content-type", "text/plain"}, {"x-amz-meta-a", "1"}, {"acl", "private"}};
  EXPECT_EQ(code_of([&] { check_post_policy(p, extra, "b", kNow); }),
            "AccessDenied: Invalid according to Policy: Extra input fields: x-amz-meta-a, acl");
  EXPECT_EQ(code_of([&] { check_post_policy(p, ok, "b", *enc::parse_iso8601("2030-01-01T00:00:01Z")); }),
            "AccessDenied: Invalid according to Policy: Policy expired.");
  EXPECT_EQ(code_of([&] { check_post_length(p, 5); }), "");
  EXPECT_EQ(code_of([&] { check_post_length(p, 11); }),
            "EntityTooLarge: Your proposed upload exceeds the maximum allowed size");
  EXPECT_EQ(code_of([&] { check_post_length(p, 1); }),
            "EntityTooSmall: Your proposed upload is smaller than the minimum allowed size");
}

// Known answers computed independently (Python hmac) for this policy.
const std::string kPolicy =
    "eyJleHBpcmF0aW9uIjoiMjAzMC0wMS0wMVQwMDowMDowMFoiLCJjb25kaXRpb25zIjpbeyJidWNrZXQiOiJiIn0sWyJzdGFydHMtd2l0aCIs"
    "IiRrZXkiLCJ1LyJdXX0=";

TEST(PostPolicy, SigV4Signature) {
  FormFields f = {{"key", "u/a"},
                  {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
                  {"x-amz-credential", "AKID/20261206/us-east-1/s3/aws4_request"},
                  {"x-amz-date", "20261206T000000Z"},
                  {"policy", kPolicy},
                  {"x-amz-signature", "2e0ba65600409d0b99e3e7f13dc98733343b7043a6a8547c9be38666435bacc3"}};
  auto sig = parse_post_signature(f);
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->version, 4);
  EXPECT_EQ(sig->access_key, "AKID");
  EXPECT_FALSE(verify_post_signature(*sig, kPolicy, "secret"));
  auto e = verify_post_signature(*sig, kPolicy, "wrong");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "SignatureDoesNotMatch");
  f.pop_back();
  EXPECT_EQ(code_of([&] { parse_post_signature(f); }),
            "InvalidArgument: Bucket POST must contain a field named 'x-amz-signature'.  If it is specified, please "
            "check the order of the fields.");
  f[2].second = "AKID/2026/us-east-1";
  f.emplace_back("x-amz-signature", "00");
  EXPECT_EQ(code_of([&] { parse_post_signature(f); }).substr(0, 16), "InvalidArgument:");
}

TEST(PostPolicy, SigV2SignatureAndAnonymousForms) {
  FormFields f = {
      {"key", "u/a"}, {"AWSAccessKeyId", "AKID"}, {"policy", kPolicy}, {"Signature", "xGNwh8vkhYFVam9ksJ6/miVyjQw="}};
  auto sig = parse_post_signature(f);
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->version, 2);
  EXPECT_FALSE(verify_post_signature(*sig, kPolicy, "secret"));
  EXPECT_TRUE(verify_post_signature(*sig, kPolicy + "x", "secret"));
  EXPECT_FALSE(parse_post_signature({{"key", "k"}}));
  EXPECT_EQ(code_of([] {
              parse_post_signature({{"key", "k"}, {"Signature", "x"}});
            }).substr(0, 60),
            "InvalidArgument: Bucket POST must contain a field named 'pol");
}

TEST(SigV2, KnownAnswerFromTheS3Documentation) {
  EXPECT_EQ(
      sigv2_signature("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg"),
      "NpgCjnDzrM+WFzoENXmpNDUsSn8=");
  http::Request req;
  req.method = "GET";
  req.path = "/johnsmith/photos/puppy.jpg";
  req.query = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D";
  EXPECT_EQ(sigv2_string_to_sign(req, req.path, "1175139620"), "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg");
  auto info = parse_signature(req, true);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->sigv2);
  EXPECT_EQ(info->access_key, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_FALSE(verify(req, *info, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", true));
  EXPECT_FALSE(check_time(*info, 1175139620000, true));
  auto expired = check_time(*info, 1175139621000, true);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->message, "Request has expired");
  EXPECT_FALSE(check_scope_service(*info, "s3"));
  req.path = "/johnsmith/photos/puppy2.jpg";
  auto e = verify(req, *info, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "SignatureDoesNotMatch");
}

TEST(SigV2, SubResourcesAndAmzHeaders) {
  http::Request req;
  req.method = "PUT";
  req.path = "/b/k";
  req.query = "uploadId=a%2Fb&partNumber=2&foo=bar&AWSAccessKeyId=A&Expires=1&Signature=x&acl";
  req.headers.add("Content-Type", "text/plain");
  req.headers.add("x-amz-meta-b", "2");
  req.headers.add("X-Amz-Meta-A", "1");
  req.headers.add("x-amz-meta-a", "3");
  EXPECT_EQ(sigv2_string_to_sign(req, req.path, "1"),
            "PUT\n\ntext/plain\n1\nx-amz-meta-a:1,3\nx-amz-meta-b:2\n/b/k?acl&partNumber=2&uploadId=a/b");
}

}  // namespace
}  // namespace stratus::auth
