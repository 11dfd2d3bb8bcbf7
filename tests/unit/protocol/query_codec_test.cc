// awsQuery form decoding edge cases: list/map flattening rules, empty lists, gaps, bad scalars,
// GET vs POST, and the XML escaping of responses.
#include <gtest/gtest.h>

#include "model/model.h"
#include "protocol/codec.h"
#include "protocol/query_names.h"

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

// A service's QueryXmlNames table renames members, flattens lists, names map entries and adds
// the result wrapper the model lacks. (SqsService registers a superset of this table; the first
// registration stays, and either one gives the XML checked here.)
TEST_F(QueryCodecTest, PerServiceXmlNames) {
  protocol::QueryXmlNames n;
  n.xml_namespace = "urn:test";
  n.error_detail = true;
  n.members["ReceiveMessageResult.Messages"] = {"Message", true};
  n.members["Message.MessageAttributes"] = {"MessageAttribute", true};
  n.members["MessageAttributeValue.StringListValues"] = {"StringListValue", true};
  n.map_entries["MessageBodyAttributeMap"] = {"Name", "Value"};
  protocol::register_query_xml_names("sqs", n);
  const protocol::QueryXmlNames* got = protocol::query_xml_names("sqs");
  ASSERT_NE(got, nullptr);
  const auto* svc = model::Models::get("sqs");
  Doc value = Doc::map();
  value.set("DataType", "String");
  Doc list = Doc::list();
  list.push(Doc{"x"});
  list.push(Doc{"y"});
  value.set("StringListValues", std::move(list));
  Doc attrs = Doc::map();
  attrs.set("a", std::move(value));
  Doc msg = Doc::map();
  msg.set("Body", "b");
  msg.set("MessageAttributes", std::move(attrs));
  Doc msgs = Doc::list();
  msgs.push(std::move(msg));
  Doc out = Doc::map();
  out.set("Messages", std::move(msgs));
  http::Response res;
  codec->encode_with_request_id(*svc, *svc->find_operation("ReceiveMessage"), out, "r", res);
  std::string ns = "<ReceiveMessageResponse xmlns=\"" + got->xml_namespace + "\">";
  EXPECT_EQ(res.body.rfind(ns, 0), 0u) << res.body;
  EXPECT_NE(res.body.find("<ReceiveMessageResult><Message><Body>b</Body><MessageAttribute><Name>a</Name><Value>"
                          "<DataType>String</DataType><StringListValue>x</StringListValue>"
                          "<StringListValue>y</StringListValue></Value></MessageAttribute></Message>"
                          "</ReceiveMessageResult>"),
            std::string::npos)
      << res.body;
  codec->encode_error(*svc, nullptr, AwsError("QueueDoesNotExist", "m", 400), "r", res);
  EXPECT_NE(res.body.find("<Detail/></Error>"), std::string::npos) << res.body;
  // Other services are untouched.
  EXPECT_EQ(protocol::query_xml_names("sts"), nullptr);
}

}  // namespace
}  // namespace stratus
