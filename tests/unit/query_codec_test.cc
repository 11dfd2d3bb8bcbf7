// awsQuery form decoding edge cases: list/map flattening rules, empty lists, gaps, bad scalars,
// GET vs POST, and the XML escaping of responses.
#include <gtest/gtest.h>

#include "model/model.h"
#include "protocol/codec.h"

namespace stratus {
namespace {

struct QueryCodecTest : ::testing::Test {
  const protocol::Codec* codec = protocol::codec_for("query");

  Doc decode(const char* service, const std::string& body, const std::string& query = {}) {
    const auto* svc = model::Models::get(service);
    http::Request req;
    req.method = "POST";
    req.body = body;
    req.query = query;
    const model::Operation* op = codec->resolve(*svc, req);
    if (!op) throw std::runtime_error("unresolved");
    return codec->decode(*svc, *op, req);
  }
};

TEST_F(QueryCodecTest, ListsMapsAndNesting) {
  Doc in = decode("sns",
                  "Action=Publish&Version=2010-03-31&TopicArn=arn&Message=a+b%26c"
                  "&MessageAttributes.entry.1.Name=k&MessageAttributes.entry.1.Value.DataType=Binary"
                  "&MessageAttributes.entry.1.Value.BinaryValue=AP8%3D"
                  "&MessageAttributes.entry.2.Name=s&MessageAttributes.entry.2.Value.DataType=String"
                  "&MessageAttributes.entry.2.Value.StringValue=v");
  EXPECT_EQ(in.str("Message"), "a b&c");
  const Doc* attrs = in.get("MessageAttributes");
  ASSERT_NE(attrs, nullptr);
  EXPECT_EQ(attrs->get("k")->get("BinaryValue")->as_blob().bytes, std::string("\x00\xff", 2));
  EXPECT_EQ(attrs->get("s")->str("StringValue"), "v");
}

TEST_F(QueryCodecTest, EmptyListAndGaps) {
  Doc in = decode("sts", "Action=AssumeRole&RoleArn=a&RoleSessionName=s&PolicyArns=&Tags.member.1.Key=a"
                         "&Tags.member.1.Value=1&Tags.member.3.Key=c&Tags.member.3.Value=3");
  EXPECT_TRUE(in.get("PolicyArns")->is_list());
  EXPECT_EQ(in.get("PolicyArns")->size(), 0u);
  // Items after a gap are not part of the list (clients never send gaps).
  EXPECT_EQ(in.get("Tags")->size(), 1u);
}

TEST_F(QueryCodecTest, QueryStringAndBodyCombine) {
  Doc in = decode("sts", "DurationSeconds=900", "Action=GetSessionToken&Version=2011-06-15");
  EXPECT_EQ(in.integer("DurationSeconds"), 900);
}

TEST_F(QueryCodecTest, BadScalarsAreRefused) {
  EXPECT_THROW(decode("sts", "Action=GetSessionToken&DurationSeconds=12x"), AwsError);
  EXPECT_THROW(decode("sts", "Action=GetSessionToken&DurationSeconds=99999999999"), AwsError);
  EXPECT_THROW(decode("iam", "Action=CreatePolicyVersion&PolicyArn=a&PolicyDocument=d&SetAsDefault=yes"), AwsError);
  Doc ok = decode("iam", "Action=CreatePolicyVersion&PolicyArn=a&PolicyDocument=d&SetAsDefault=TRUE");
  EXPECT_TRUE(ok.flag("SetAsDefault"));
}

TEST_F(QueryCodecTest, RepeatedKeysAreHarmless) {
  std::string key = "Action=CreateStack&StackName=s";
  for (int i = 0; i < 2000; ++i) key += "&Parameters.member.1.ParameterKey.x";
  EXPECT_NO_THROW(decode("cloudformation", key));
}

TEST_F(QueryCodecTest, UnknownActionIsUnresolved) {
  const auto* svc = model::Models::get("sts");
  http::Request req;
  req.method = "POST";
  req.body = "Action=Nope";
  EXPECT_EQ(codec->resolve(*svc, req), nullptr);
  req.body = "Version=1";
  EXPECT_EQ(codec->resolve(*svc, req), nullptr);
}

TEST_F(QueryCodecTest, ResponseXmlIsEscapedAndCarriesRequestId) {
  const auto* svc = model::Models::get("sts");
  Doc out = Doc::map();
  out.set("Account", "<a&b>");
  http::Response res;
  codec->encode_with_request_id(*svc, *svc->find_operation("GetCallerIdentity"), out, "rid-1", res);
  EXPECT_EQ(res.body,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            "<GetCallerIdentityResult><Account>&lt;a&amp;b&gt;</Account></GetCallerIdentityResult>"
            "<ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>");
  AwsError e("NoSuchEntityException", "x", 404);
  codec->encode_error(*model::Models::get("iam"), nullptr, e, "rid-2", res);
  EXPECT_NE(res.body.find("<Code>NoSuchEntity</Code>"), std::string::npos);
  EXPECT_NE(res.body.find("<Type>Sender</Type>"), std::string::npos);
  EXPECT_NE(res.body.find("<RequestId>rid-2</RequestId>"), std::string::npos);
}

}  // namespace
}  // namespace stratus
