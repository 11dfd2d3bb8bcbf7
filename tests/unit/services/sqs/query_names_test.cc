// SQS's classic Query parameter names (query_names.h): the Query codec reads them into the
// members the model names, so handlers get the same document as from the JSON protocol.
#include "services/sqs/query_names.h"

#include <gtest/gtest.h>

#include "http/message.h"
#include "model/model.h"
#include "protocol/codec.h"

namespace stratus::sqs {
namespace {

struct SqsQueryNames : ::testing::Test {
  void SetUp() override { register_query_names(); }

  Doc decode(const std::string& body) {
    const auto* svc = model::Models::get("sqs");
    const protocol::Codec* codec = protocol::codec_for("query");
    http::Request req;
    req.method = "POST";
    req.body = body;
    const model::Operation* op = codec->resolve(*svc, req);
    if (!op) throw std::runtime_error("unresolved");
    return codec->decode(*svc, *op, req);
  }
};

TEST_F(SqsQueryNames, AttributesTagsAndNameLists) {
  Doc in = decode("Action=CreateQueue&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=40"
                  "&Attribute.2.Name=DelaySeconds&Attribute.3.Name=Gap&Attribute.3.Value=x"
                  "&Tag.1.Key=team&Tag.1.Value=a&Tag.2.Key=bare");
  const Doc* attrs = in.get("Attributes");
  ASSERT_NE(attrs, nullptr);
  EXPECT_EQ(attrs->str("VisibilityTimeout"), "40");
  EXPECT_FALSE(attrs->has("DelaySeconds"));  // no value: left out
  EXPECT_TRUE(attrs->has("Gap"));
  const Doc* tags = in.get("tags");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->str("team"), "a");
  EXPECT_EQ(tags->str("bare", "missing"), "");  // a tag without a value is ""

  Doc get = decode("Action=GetQueueAttributes&QueueUrl=u&AttributeName.1=All&AttributeName.2=QueueArn");
  ASSERT_NE(get.get("AttributeNames"), nullptr);
  EXPECT_EQ(get.get("AttributeNames")->size(), 2u);
}

TEST_F(SqsQueryNames, MessageAttributesAndBatchEntries) {
  Doc in = decode("Action=SendMessageBatch&QueueUrl=u"
                  "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one"
                  "&SendMessageBatchRequestEntry.1.DelaySeconds=5"
                  "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=bin"
                  "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=Binary"
                  "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue=AP8%3D"
                  "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two"
                  "&SendMessageBatchRequestEntry.2.DelaySeconds=soon"
                  "&SendMessageBatchRequestEntry.4.Id=after-gap");
  const Doc* entries = in.get("Entries");
  ASSERT_NE(entries, nullptr);
  ASSERT_EQ(entries->size(), 2u);
  const Doc& first = entries->as_list()[0];
  EXPECT_EQ(first.str("Id"), "a");
  EXPECT_EQ(first.str("MessageBody"), "one");
  EXPECT_EQ(first.integer("DelaySeconds"), 5);
  EXPECT_EQ(first.get("MessageAttributes")->get("bin")->get("BinaryValue")->as_blob().bytes,
            std::string("\x00\xff", 2));
  EXPECT_FALSE(entries->as_list()[1].has("DelaySeconds"));  // not an integer: left out

  Doc send = decode("Action=SendMessage&QueueUrl=u&MessageBody=b&MessageAttribute.1.Name=s"
                    "&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v");
  EXPECT_EQ(send.get("MessageAttributes")->get("s")->str("StringValue"), "v");
}

TEST_F(SqsQueryNames, OnlyMembersTheOperationHas) {
  // ListQueues has no Attributes member: a stray classic parameter is ignored.
  Doc in = decode("Action=ListQueues&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=1");
  EXPECT_FALSE(in.has("Attributes"));
}

}  // namespace
}  // namespace stratus::sqs
