// The SDK's SigV4 signer (sdk/cpp/stratus_sigv4.hpp), used by C++ Lambda functions, against
// botocore's known answers and against the server's own verifier (src/auth/sigv4.h).
#include "../../../sdk/cpp/stratus_sigv4.hpp"

#include <gtest/gtest.h>

#include "auth/sigv4.h"
#include "core/json.h"
#include "../vectors/sigv4_vectors.inc"

namespace {

namespace sdk = stratus_aws::sigv4;
using stratus::Doc;

constexpr char kDate[] = "20261122T000358Z";  // the clock botocore signed the vectors with

struct Vector {
  std::string region, service, secret, method, body, authorization;
  std::vector<sdk::Header> headers;  // the signed ones, without X-Amz-Date / X-Amz-Security-Token
  std::string token, canonical_request, string_to_sign, signature;
};

// A botocore vector of a POST to "/" (the shape of every request the SDK signs).
Vector vector(const std::string& name) {
  Doc all = stratus::json::parse(std::string_view(kSigV4VectorsJson, sizeof kSigV4VectorsJson - 1));
  const Doc* v = all.get(name);
  if (!v) throw std::runtime_error("no vector " + name);
  Vector out{v->str("region"), v->str("service"), v->str("secret"), v->str("method"), v->str("body"), {}, {}, {},
             v->str("canonical_request"), v->str("string_to_sign"), v->str("signature")};
  for (const Doc& h : v->get("headers")->as_list()) {
    std::string name_ = h.as_list()[0].as_string(), value = h.as_list()[1].as_string(), lower = sdk::lower(name_);
    if (lower == "authorization") out.authorization = value;
    else if (lower == "x-amz-security-token") out.token = value;
    else if (lower != "x-amz-date" && lower != "content-length") out.headers.emplace_back(name_, value);
  }
  return out;
}

TEST(SdkCppSigV4, BotocoreCanonicalRequestStringToSignAndSignature) {
  for (const char* name : {"post_json", "session_token_header"}) {
    SCOPED_TRACE(name);
    Vector v = vector(name);
    ASSERT_EQ(v.method, "POST");
    std::vector<sdk::Header> headers = v.headers;
    headers.emplace_back("X-Amz-Date", kDate);
    if (!v.token.empty()) headers.emplace_back("X-Amz-Security-Token", v.token);
    std::string canonical = sdk::canonical_request("POST", "/", "", headers, sdk::sha256_hex(v.body));
    EXPECT_EQ(canonical, v.canonical_request);
    std::string to_sign = sdk::string_to_sign(kDate, v.region, v.service, canonical);
    EXPECT_EQ(to_sign, v.string_to_sign);
    EXPECT_EQ(sdk::signature(sdk::signing_key(v.secret, "20261122", v.region, v.service), to_sign), v.signature);
  }
}

TEST(SdkCppSigV4, SignGivesBotocoresAuthorizationHeader) {
  for (const char* name : {"post_json", "session_token_header"}) {
    SCOPED_TRACE(name);
    Vector v = vector(name);
    std::vector<sdk::Header> headers = v.headers;
    sdk::Credentials creds{"AKIDEXAMPLE", v.secret, v.token};
    EXPECT_EQ(sdk::sign(creds, v.region, v.service, "POST", "/", "", headers, v.body, kDate), v.authorization);
    EXPECT_EQ(headers.size(), v.headers.size() + (v.token.empty() ? 1 : 2));  // X-Amz-Date [, token]
  }
}

TEST(SdkCppSigV4, KnownAnswers) {
  EXPECT_EQ(sdk::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  std::string mac = sdk::hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(sdk::hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The signing key of the AWS documentation's example.
  std::string key = sdk::signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam");
  EXPECT_EQ(sdk::hex(reinterpret_cast<const unsigned char*>(key.data()), key.size()),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  EXPECT_EQ(sdk::amz_date(1795305838), kDate);
  EXPECT_EQ(sdk::canonical_value("  a   b\t c  "), "a b c");
}

// A request as the SDK puts it on the wire, for the server's verifier.
stratus::http::Request signed_request(const sdk::Credentials& creds, const std::string& service,
                                      std::vector<sdk::Header> headers, const std::string& body) {
  std::string auth = sdk::sign(creds, "eu-west-1", service, "POST", "/", "", headers, body, kDate);
  stratus::http::Request req;
  req.method = "POST";
  req.target = req.path = "/";
  for (const auto& [name, value] : headers) req.headers.add(name, value);
  req.headers.add("Authorization", auth);
  req.body = body;
  return req;
}

TEST(SdkCppSigV4, ServerVerifiesWhatTheSdkSigns) {
  sdk::Credentials creds{"ASIAEXAMPLE123", "c2VjcmV0+/with=chars", "IQoJb3JpZ2luX2VjE//token+=="};
  std::string body = "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A1%3At&Message=%7B%7D";
  stratus::http::Request req = signed_request(
      creds, "sns",
      {{"Host", "127.0.0.1:4566"}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, body);
  std::optional<stratus::auth::SignedRequestInfo> info = stratus::auth::parse_signature(req);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->access_key, creds.access_key_id);
  EXPECT_EQ(info->session_token, creds.session_token);
  EXPECT_EQ(info->region, "eu-west-1");
  EXPECT_EQ(info->service, "sns");
  EXPECT_EQ(info->signed_headers, (std::vector<std::string>{"content-type", "host", "x-amz-date", "x-amz-security-token"}));
  std::vector<sdk::Header> headers{{"Host", "127.0.0.1:4566"},
                                   {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                                   {"X-Amz-Date", kDate},
                                   {"X-Amz-Security-Token", creds.session_token}};
  EXPECT_EQ(stratus::auth::canonical_request(req, *info, false),
            sdk::canonical_request("POST", "/", "", headers, sdk::sha256_hex(body)));
  EXPECT_EQ(stratus::auth::verify(req, *info, creds.secret_access_key, false), std::nullopt);

  std::optional<stratus::AwsError> wrong = stratus::auth::verify(req, *info, "another secret", false);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->code, "SignatureDoesNotMatch");
  stratus::http::Request tampered = req;
  tampered.body += "&Subject=x";
  EXPECT_TRUE(stratus::auth::verify(tampered, *info, creds.secret_access_key, false));
}

TEST(SdkCppSigV4, ServerVerifiesJsonRequestsWithoutToken) {
  sdk::Credentials creds{"test", "test", ""};
  std::string body = R"({"TableName":"orders","Item":{"orderID":{"S":"o-1"},"note":{"S":"caf\u00e9 \"x\""}}})";
  stratus::http::Request req = signed_request(creds, "dynamodb",
                                              {{"Host", "localhost:4566"},
                                               {"Content-Type", "application/x-amz-json-1.0"},
                                               {"X-Amz-Target", "DynamoDB_20120810.PutItem"}},
                                              body);
  std::optional<stratus::auth::SignedRequestInfo> info = stratus::auth::parse_signature(req);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->session_token.empty());
  EXPECT_EQ(stratus::auth::verify(req, *info, "test", false), std::nullopt);
}

}  // namespace
