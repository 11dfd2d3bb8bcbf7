// The helpers the API Gateway operations share (apigateway.h): AWS's patch operations and the
// output conversion of stored dates.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json.h"
#include "services/apigateway/apigateway.h"

using namespace stratus;
using namespace stratus::apigateway;

namespace {

Doc patch(const std::string& target, const std::string& ops, bool is_stage = false) {
  Doc t = json::parse(target);
  Doc in = Doc::map();
  in.set("patchOperations", json::parse(ops));
  apply_patch(t, in, is_stage);
  return t;
}

}  // namespace

TEST(ApigwPatch, ReplaceAddRemoveTypedFields) {
  Doc d = patch(R"({"name":"a","apiKeyRequired":false})",
                R"([{"op":"replace","path":"/name","value":"b"},
                    {"op":"replace","path":"/apiKeyRequired","value":"true"},
                    {"op":"add","path":"/minimumCompressionSize","value":"1024"},
                    {"op":"add","path":"/throttlingRateLimit","value":"2.5"}])");
  EXPECT_EQ(d.str("name"), "b");
  EXPECT_TRUE(d.flag("apiKeyRequired"));
  EXPECT_EQ(d.integer("minimumCompressionSize"), 1024);
  EXPECT_DOUBLE_EQ(d["throttlingRateLimit"].as_double(), 2.5);
  d = patch(R"({"name":"a","description":"x"})", R"([{"op":"remove","path":"/description"}])");
  EXPECT_FALSE(d.has("description"));
}

TEST(ApigwPatch, NestedPathsAndEscapes) {
  Doc d = patch(R"({})", R"([{"op":"add","path":"/requestParameters/method.request.header.a~1b","value":"true"}])");
  EXPECT_EQ(d["requestParameters"].str("method.request.header.a/b"), "true");
}

TEST(ApigwPatch, ListFieldsAddressedByElement) {
  Doc d = patch(R"({"binaryMediaTypes":["a/b"]})", R"([{"op":"add","path":"/binaryMediaTypes/image~1png"}])");
  EXPECT_EQ(json::write(d["binaryMediaTypes"]), R"(["a/b","image/png"])");
  d = patch(json::write(d), R"([{"op":"remove","path":"/binaryMediaTypes/a~1b"}])");
  EXPECT_EQ(json::write(d["binaryMediaTypes"]), R"(["image/png"])");
  d = patch(R"({})", R"([{"op":"replace","path":"/binaryMediaTypes","value":"x/y"}])");
  EXPECT_EQ(json::write(d["binaryMediaTypes"]), R"(["x/y"])");
}

TEST(ApigwPatch, CopyAndMove) {
  Doc d = patch(R"({"a":{"b":"v"}})", R"([{"op":"copy","from":"/a/b","path":"/c"}])");
  EXPECT_EQ(d.str("c"), "v");
  EXPECT_EQ(d["a"].str("b"), "v");
  d = patch(R"({"a":{"b":"v"}})", R"([{"op":"move","from":"/a/b","path":"/x/y"}])");
  EXPECT_EQ(d["x"].str("y"), "v");
  EXPECT_FALSE(d["a"].has("b"));
}

TEST(ApigwPatch, StageMethodSettings) {
  Doc d = patch(R"({"methodSettings":{}})",
                R"([{"op":"replace","path":"/~1pets/GET/throttling/burstLimit","value":"7"},
                    {"op":"replace","path":"/*/*/logging/loglevel","value":"INFO"}])",
                true);
  EXPECT_EQ(d["methodSettings"]["/pets/GET"].integer("throttlingBurstLimit"), 7);
  EXPECT_EQ(d["methodSettings"]["*/*"].str("loggingLevel"), "INFO");
  // Not a stage: the same path is a plain nested member.
  d = patch(R"({})", R"([{"op":"replace","path":"/a/b/throttling/burstLimit","value":"7"}])");
  EXPECT_FALSE(d.has("methodSettings"));
}

TEST(ApigwPatch, Errors) {
  EXPECT_THROW(patch(R"({})", R"([{"op":"replace","path":"name","value":"b"}])"), AwsError);
  EXPECT_THROW(patch(R"({})", R"([{"op":"test","path":"/name","value":"b"}])"), AwsError);
  EXPECT_THROW(patch(R"({})", R"([{"op":"replace","path":"/timeoutInMillis","value":"x"}])"), AwsError);
  EXPECT_THROW(patch(R"({})", R"([{"op":"copy","from":"/nope","path":"/b"}])"), AwsError);
  try {
    patch(R"({})", R"([{"op":"replace","path":"/limit","value":"x"}])");
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "BadRequestException");
    EXPECT_EQ(e.http_status, 400);
  }
}

TEST(ApigwPatch, NoOperationsLeavesTheTarget) {
  Doc t = json::parse(R"({"a":1})");
  apply_patch(t, Doc::map());
  EXPECT_EQ(json::write(t), R"({"a":1})");
}

TEST(ApigwOutput, DatesBecomeTimestampsRecursively) {
  Doc d = json::parse(R"({"createdDate":1000,"items":[{"lastUpdatedDate":2000,"other":3}],"name":"x"})");
  output_dates(d);
  EXPECT_TRUE(d["createdDate"].is_timestamp());
  EXPECT_TRUE(d["items"].as_list()[0]["lastUpdatedDate"].is_timestamp());
  EXPECT_TRUE(d["items"].as_list()[0]["other"].is_int());
  Doc l = items({json::parse(R"({"createdDate":5})")});
  EXPECT_TRUE(l["items"].as_list()[0]["createdDate"].is_timestamp());
}

TEST(ApigwOutput, VerbAndCopyMembers) {
  EXPECT_EQ(verb_of(json::parse(R"({"httpMethod":"get"})")), "GET");
  Doc to = Doc::map();
  copy_members(json::parse(R"({"a":1,"b":2})"), to, {"a", "c"});
  EXPECT_EQ(json::write(to), R"({"a":1})");
}
