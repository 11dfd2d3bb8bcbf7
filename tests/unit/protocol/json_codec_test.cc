// awsJson codec edge cases: types refused as AWS refuses them, unknown members skipped,
// error bodies as botocore reads them.
#include <gtest/gtest.h>

#include "core/json.h"
#include "model/model.h"
#include "protocol/codec.h"

namespace stratus {
namespace {

struct JsonCodecTest : ::testing::Test {
  const model::ServiceModel* ddb = model::Models::get("dynamodb");
  const protocol::Codec* codec = protocol::codec_for("json");

  Doc decode(const std::string& op, const std::string& body) {
    http::Request req;
    req.method = "POST";
    req.headers.add("X-Amz-Target", "DynamoDB_20120810." + op);
    req.body = body;
    const model::Operation* o = codec->resolve(*ddb, req);
    if (!o) throw std::runtime_error("unresolved");
    return codec->decode(*ddb, *o, req);
  }
  std::string error_of(const std::string& op, const std::string& body) {
    try {
      decode(op, body);
    } catch (const AwsError& e) {
      EXPECT_EQ(e.code, "SerializationException");
      return e.message;
    }
    return "no error";
  }
};

TEST_F(JsonCodecTest, TypedValues) {
  Doc in = decode("PutItem", R"({"TableName":"t","Item":{"b":{"B":"AP8="},"n":{"N":"1"}},"Junk":{"a":[1,{"b":null}]}})");
  EXPECT_EQ(in.get("Item")->get("b")->get("B")->as_blob().bytes, std::string("\x00\xff", 2));
  EXPECT_FALSE(in.has("Junk"));
}

TEST_F(JsonCodecTest, TypeErrors) {
  EXPECT_EQ(error_of("Query", R"({"TableName":"t","Limit":"1"})"), "STRING_VALUE can not be converted to an Integer");
  EXPECT_EQ(error_of("Query", R"({"TableName":true})"), "TRUE_VALUE cannot be converted to String");
  EXPECT_EQ(error_of("Query", R"({"TableName":"t","Limit":3000000000})"), "NUMBER_VALUE can not be converted to an Integer");
  EXPECT_EQ(error_of("Query", R"({"TableName":"t","ConsistentRead":1})"), "NUMBER_VALUE can not be converted to a Boolean");
  EXPECT_EQ(error_of("PutItem", R"({"TableName":"t","Item":{"b":{"B":"abc"}}})"),
            "Base64 encoded length is expected a multiple of 4 bytes but found: 3");
  EXPECT_EQ(error_of("PutItem", R"({"TableName":"t","Item":[]})"), "Start of list found where not expected.");
  EXPECT_NE(error_of("ListTables", "{"), "no error");
  EXPECT_NE(error_of("ListTables", "{} {}"), "no error");
}

TEST_F(JsonCodecTest, DeepNestingInUnknownMembersIsBounded) {
  std::string body = R"({"Junk":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_NE(error_of("ListTables", body), "no error");
}

TEST_F(JsonCodecTest, FractionalIntegersTruncateAndTimestampsAcceptNumbers) {
  Doc in = decode("Query", R"({"TableName":"t","Limit":2.7})");
  EXPECT_EQ(in.integer("Limit"), 2);
  const auto* logs = model::Models::get("events");
  http::Request req;
  req.headers.add("X-Amz-Target", "AWSEvents.PutEvents");
  req.body = R"({"Entries":[{"Time":1700000000.5},{"Time":"1700000001"}]})";
  Doc ev = codec->decode(*logs, *codec->resolve(*logs, req), req);
  EXPECT_EQ(ev.get("Entries")->as_list()[0].get("Time")->as_timestamp().millis, 1700000000500);
  EXPECT_EQ(ev.get("Entries")->as_list()[1].get("Time")->as_timestamp().millis, 1700000001000);
}

TEST_F(JsonCodecTest, ErrorBodyMergesExtraJson) {
  AwsError e("ConditionalCheckFailedException", "The conditional request failed");
  e.extra_json = R"({"Item":{"pk":{"S":"a"}}})";
  http::Response res;
  codec->encode_error(*ddb, ddb->find_operation("PutItem"), e, "rid", res);
  Doc body = json::parse(res.body);
  EXPECT_EQ(body.str("__type"), "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
  EXPECT_EQ(body.str("message"), "The conditional request failed");
  EXPECT_EQ(body.get("Item")->get("pk")->str("S"), "a");
  EXPECT_EQ(res.headers.get("content-type"), "application/x-amz-json-1.0");
  EXPECT_FALSE(res.headers.has("x-amzn-query-error"));
}

// Answers: strings with nothing to escape are copied in one piece, the others escaped by rapidjson;
// both as keys (map members) and values, next to numbers and nested objects.
TEST_F(JsonCodecTest, AnswerStringsPlainAndEscaped) {
  Doc item = Doc::map();
  const std::string odd[] = {"plain",
                             "",
                             "quo\"te",
                             "back\\slash",
                             std::string("nul\0x", 5),
                             "tab\tnl\n\x1f",
                             "caf\xc3\xa9 \xf0\x9f\x98\x80",
                             "slash/</script>"};
  int i = 0;
  for (const auto& v : odd) {
    Doc attr = Doc::map();
    attr.set("S", v);
    item.set(v + std::to_string(i++), std::move(attr));
  }
  Doc num = Doc::map();
  num.set("N", "12");
  item.set("n", std::move(num));
  Doc out = Doc::map();
  out.set("Item", item);
  http::Response res;
  codec->encode(*ddb, *ddb->find_operation("GetItem"), out, res);
  EXPECT_NE(res.body.find(R"("plain0":{"S":"plain"})"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(R"("quo\"te2":{"S":"quo\"te"})"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(R"(\u001F)"), std::string::npos) << res.body;
  Doc back = json::parse(res.body);
  i = 0;
  for (const auto& v : odd) EXPECT_EQ(back.get("Item")->get(v + std::to_string(i++))->str("S"), v);
  EXPECT_EQ(back.get("Item")->get("n")->str("N"), "12");
}

}  // namespace
}  // namespace stratus
