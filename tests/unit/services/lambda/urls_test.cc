// Function URLs' HTTP side (services/lambda/urls.h): host parsing, the format 2.0 event and the
// mapping of a function's answer to an HTTP response.
#include <gtest/gtest.h>

#include "core/json.h"
#include "services/lambda/urls.h"

namespace stratus::lambda::urls {
namespace {

TEST(LambdaUrls, UrlIdFromHost) {
  EXPECT_EQ(url_id("abc123.lambda-url.us-east-1.localhost:4566"), "abc123");
  EXPECT_EQ(url_id("abc123.lambda-url.eu-west-1.on.aws"), "abc123");
  EXPECT_EQ(url_id("localhost:4566"), std::nullopt);
  EXPECT_EQ(url_id(".lambda-url.us-east-1.localhost"), std::nullopt);
  EXPECT_EQ(url_id("api.execute-api.localhost"), std::nullopt);
  std::string id = new_url_id();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789"), std::string::npos);
}

TEST(LambdaUrls, BareValuesAre200Json) {
  http::Response r = response(R"({"hello":"world"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("content-type"), "application/json");
  EXPECT_EQ(r.body, R"({"hello":"world"})");
  EXPECT_EQ(response("[1,2]").body, "[1,2]");
  EXPECT_EQ(response("not json").status, 200);
}

TEST(LambdaUrls, StructuredResponses) {
  http::Response r = response(
      R"({"statusCode":404,"headers":{"x-a":"1","content-type":"text/html"},"cookies":["a=1","b=2"],"body":"<p>"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.get("x-a"), "1");
  EXPECT_EQ(r.headers.get("content-type"), "text/html");
  int cookies = 0;
  for (const auto& [k, v] : r.headers.items()) cookies += k == "Set-Cookie" || k == "set-cookie";
  EXPECT_EQ(cookies, 2);
  EXPECT_EQ(r.body, "<p>");
  EXPECT_EQ(response(R"({"statusCode":"201"})").status, 201);
  EXPECT_EQ(response(R"({"statusCode":200,"body":"aGk=","isBase64Encoded":true})").body, "hi");
  EXPECT_EQ(response(R"({"statusCode":200,"body":"%%%","isBase64Encoded":true})").status, 502);
  EXPECT_EQ(response(R"({"statusCode":42})").status, 502);
}

TEST(LambdaUrls, StreamedResponses) {
  const std::string kType = "application/vnd.awslambda.http-integration-response";
  std::string sep(8, '\0');
  http::Response r = streamed_response(
      kType, R"({"statusCode":201,"headers":{"content-type":"text/plain","x-b":"2"},"cookies":["c=3"]})" + sep +
                 std::string("body\0bytes", 10));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers.get("content-type"), "text/plain");
  EXPECT_EQ(r.headers.get("x-b"), "2");
  EXPECT_EQ(r.headers.get("set-cookie"), "c=3");
  EXPECT_EQ(r.body, std::string("body\0bytes", 10));
  // Without a content type in the prelude: octet-stream; an empty prelude: 200.
  r = streamed_response(kType, "{}" + sep + "x");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("content-type"), "application/octet-stream");
  EXPECT_EQ(r.body, "x");
  // Bad preludes are the URL's 502.
  EXPECT_EQ(streamed_response(kType, "{nope" + sep).status, 502);
  EXPECT_EQ(streamed_response(kType, R"({"statusCode":7})" + sep).status, 502);
  // Other content types: the bytes as they are.
  r = streamed_response("text/csv", "a,b\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("content-type"), "text/csv");
  EXPECT_EQ(r.body, "a,b\n");
}

TEST(LambdaUrls, EventShape) {
  http::Request req;
  req.method = "GET";
  req.path = "/a%20b";
  req.query = "x=1&x=2&y=%2F";
  req.remote_addr = "127.0.0.1:5555";
  req.headers.add("Host", "id1.lambda-url.us-east-1.localhost:4566");
  req.headers.add("Cookie", "a=1;b=2");
  req.headers.add("X-Stratus-Request-Id", "rid");
  Doc e = json::parse(event(req, "id1", "anonymous", Doc(), "rid", 1700000000000));
  EXPECT_EQ(e.str("rawPath"), "/a%20b");
  EXPECT_EQ(e.get("queryStringParameters")->str("x"), "1,2");
  EXPECT_EQ(e.get("queryStringParameters")->str("y"), "/");
  EXPECT_EQ(e.get("cookies")->size(), 2u);
  EXPECT_FALSE(e.get("headers")->has("x-stratus-request-id"));
  EXPECT_FALSE(e.has("body"));
  const Doc& rc = *e.get("requestContext");
  EXPECT_EQ(rc.str("domainName"), "id1.lambda-url.us-east-1.localhost");
  EXPECT_EQ(rc.get("http")->str("sourceIp"), "127.0.0.1");
  EXPECT_EQ(rc.str("time"), "14/Nov/2023:22:13:20 +0000");
  EXPECT_EQ(rc.integer("timeEpoch"), 1700000000000);
}

TEST(LambdaUrls, PreflightOnlyWithCors) {
  http::Request req;
  req.method = "OPTIONS";
  req.headers.add("Origin", "https://a.example");
  req.headers.add("Access-Control-Request-Method", "GET");
  EXPECT_FALSE(preflight(req, nullptr).has_value());
  Doc cors = json::parse(R"({"AllowOrigins":["*"],"AllowMethods":["*"]})");
  auto r = preflight(req, &cors);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->headers.get("access-control-allow-origin"), "*");
  EXPECT_EQ(r->headers.get("access-control-allow-methods"), "*");
}

}  // namespace
}  // namespace stratus::lambda::urls
