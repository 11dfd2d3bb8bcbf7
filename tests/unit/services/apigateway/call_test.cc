// One invocation's request-side lookups (call.h): parameter sources, headers in any case,
// JSONPath into bodies, binary media types.
#include <gtest/gtest.h>

#include "core/json.h"
#include "services/apigateway/call.h"

using namespace stratus;
using namespace stratus::apigateway;

namespace {

Call sample() {
  Call c;
  c.path_params = {{"id", "42"}};
  c.query = {{"q", "a"}, {"q", "b"}};
  c.headers = {{"Content-Type", "application/json"}, {"X-Trace", "t1"}, {"x-trace", "t2"}};
  c.req.body = R"({"pet":{"name":"rex","tags":["a"]},"n":3})";
  auto sv = std::make_shared<vtl::Map>();
  sv->put("env", vtl::Value("prod"));
  c.stage_vars = vtl::Value(sv);
  auto identity = std::make_shared<vtl::Map>();
  identity->put("sourceIp", vtl::Value("127.0.0.1"));
  auto ctx = std::make_shared<vtl::Map>();
  ctx->put("identity", vtl::Value(identity));
  ctx->put("stage", vtl::Value("dev"));
  c.context = vtl::Value(ctx);
  return c;
}

}  // namespace

TEST(ApiGatewayCall, SourcesOfRequestParameters) {
  Call c = sample();
  EXPECT_EQ(c.source("'literal'"), "literal");
  EXPECT_EQ(c.source("method.request.path.id"), "42");
  EXPECT_EQ(c.source("method.request.querystring.q"), "b");  // the last value
  EXPECT_EQ(c.source("method.request.header.x-trace"), "t2");
  EXPECT_EQ(c.source("method.request.body"), c.req.body);
  EXPECT_EQ(c.source("method.request.body.pet.name"), "rex");
  EXPECT_EQ(c.source("method.request.body.pet.tags"), R"(["a"])");
  EXPECT_EQ(c.source("method.request.body.n"), "3");
  EXPECT_EQ(c.source("stageVariables.env"), "prod");
  EXPECT_EQ(c.source("context.identity.sourceIp"), "127.0.0.1");
  EXPECT_EQ(c.source("context.stage"), "dev");
  EXPECT_EQ(c.source("context.stage.deeper"), std::nullopt);
  EXPECT_EQ(c.source("method.request.path.missing"), std::nullopt);
  EXPECT_EQ(c.source("stageVariables.missing"), std::nullopt);
  EXPECT_EQ(c.source("nonsense"), std::nullopt);
}

TEST(ApiGatewayCall, IntegrationResponseSourcesNeedAResponse) {
  Call c = sample();
  EXPECT_EQ(c.source("integration.response.body"), std::nullopt);
  Pairs rh = {{"Location", "/x"}};
  std::string body = R"({"id":"7"})";
  EXPECT_EQ(c.source("integration.response.header.location", &rh, &body), "/x");
  EXPECT_EQ(c.source("integration.response.body", &rh, &body), body);
  EXPECT_EQ(c.source("integration.response.body.id", &rh, &body), "7");
}

TEST(ApiGatewayCall, HeadersAndValues) {
  Call c = sample();
  EXPECT_EQ(c.header("content-type"), "application/json");
  EXPECT_EQ(c.header("X-TRACE"), "t1");  // header(): the first; source(): the last
  EXPECT_EQ(c.header("Accept"), "");
  EXPECT_EQ(Call::values(c.headers, "X-Trace", true), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(Call::values(c.headers, "X-Trace", false), (std::vector<std::string>{"t1"}));
  EXPECT_EQ(Call::json_at("not json", "a"), std::nullopt);
}

TEST(ApiGatewayCall, BinaryMediaTypes) {
  EXPECT_EQ(first_media_type("Image/PNG; q=1, text/html"), "image/png");
  EXPECT_EQ(first_media_type(" text/plain "), "text/plain");
  std::vector<std::string> types = {"image/*", "application/octet-stream"};
  EXPECT_TRUE(is_binary_type(types, "image/png"));
  EXPECT_TRUE(is_binary_type(types, "application/octet-stream"));
  EXPECT_FALSE(is_binary_type(types, "application/json"));
  EXPECT_FALSE(is_binary_type(types, ""));
  EXPECT_TRUE(is_binary_type({"*/*"}, "text/html"));
}
