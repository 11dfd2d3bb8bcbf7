// SNS envelopes: AWS's layout, and the compact SQS copies finishing into exactly the envelope a
// direct delivery gets (same bytes, same signature), with the size SQS was told.
#include <gtest/gtest.h>

#include "core/json.h"
#include "services/sns/envelope.h"
#include "storage/engine.h"

namespace stratus::sns {
namespace {

TEST(SnsEnvelope, Layout) {
  Envelope e;
  e.add("Type", "Notification");
  e.add("Message", "a \"quoted\"\nline");
  e.add_raw("MessageAttributes", R"({"k":{"Type":"String","Value":"v"}})");
  EXPECT_EQ(e.finish(), "{\n  \"Type\" : \"Notification\",\n  \"Message\" : \"a \\\"quoted\\\"\\nline\",\n"
                        "  \"MessageAttributes\" : {\"k\":{\"Type\":\"String\",\"Value\":\"v\"}}\n}");
}

TEST(SnsEnvelope, TimestampAlwaysHasMilliseconds) {
  EXPECT_EQ(timestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(timestamp(1'500), "1970-01-01T00:00:01.500Z");
}

TEST(SnsEnvelope, SignedStringHasSubjectOnlyWhenSet) {
  EXPECT_EQ(notification_to_sign("m", "id", "", "ts", "arn"),
            "Message\nm\nMessageId\nid\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n");
  EXPECT_EQ(notification_to_sign("m", "id", "s", "ts", "arn"),
            "Message\nm\nMessageId\nid\nSubject\ns\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n");
}

class SnsEnvelopesTest : public ::testing::Test {
 protected:
  std::unique_ptr<storage::Engine> engine = storage::open_memory();
  Envelopes envelopes{*engine};

  Published sample() {
    Published p;
    p.topic_arn = "arn:aws:sns:us-east-1:000000000000:t";
    p.message_id = "0b7f3a52-5a1e-4f4e-9b7a-1c2d3e4f5a6b";
    p.subject = "Hi";
    p.message = std::string("body with \"quotes\" and \xc3\xa9");
    p.attrs = {{"k", "String", "v"}, {"b", "Binary", "\x01\x02"}};
    p.timestamp_ms = 1'700'000'000'123;
    p.host = "localhost:4566";
    return p;
  }
};

TEST_F(SnsEnvelopesTest, CompactCopyFinishesIntoTheNotification) {
  for (int version : {1, 2}) {
    Published p = sample();
    std::string sub = p.topic_arn + ":8d1e0c9a-6b5f-4d3e-a2b1-0f9e8d7c6b5a";
    std::string text = p.text_for("sqs");
    Envelopes::Compact c = envelopes.compact(p, sub, text, version);
    EXPECT_EQ(c.body.rfind("sns1:", 0), 0u);
    EXPECT_EQ(c.body.find(p.topic_arn + ":"), std::string::npos);  // only the subscription's id is kept
    std::string finished = envelopes.finish(c.body);
    EXPECT_EQ(finished, envelopes.notification(sample(), sub, text, version));
    EXPECT_EQ(finished.size(), c.finished_size);
    Doc d = json::parse(finished);
    EXPECT_EQ(d.str("SignatureVersion"), std::to_string(version));
    EXPECT_EQ(d.str("UnsubscribeURL"), "http://localhost:4566/?Action=Unsubscribe&SubscriptionArn=" + sub);
    EXPECT_TRUE(d.get("MessageAttributes"));
  }
}

TEST_F(SnsEnvelopesTest, ForeignSubscriptionArnIsKeptWhole) {
  Published p = sample();
  std::string sub = "arn:aws:sns:us-east-1:000000000000:other:1234";
  Envelopes::Compact c = envelopes.compact(p, sub, p.text_for("sqs"), 1);
  std::string finished = envelopes.finish(c.body);
  EXPECT_EQ(json::parse(finished).str("UnsubscribeURL"),
            "http://localhost:4566/?Action=Unsubscribe&SubscriptionArn=" + sub);
  EXPECT_EQ(finished.size(), c.finished_size);
}

TEST_F(SnsEnvelopesTest, OtherBodiesPassThrough) {
  EXPECT_EQ(envelopes.finish("plain message"), "plain message");
  EXPECT_EQ(envelopes.finish("sns1:3:abc"), "sns1:3:abc");        // too few fields
  EXPECT_EQ(envelopes.finish("sns1:99:abc"), "sns1:99:abc");      // length past the end
}

TEST_F(SnsEnvelopesTest, SignaturesSurviveAReset) {
  // The key is in storage: a new Envelopes (a restart) signs the same text identically.
  Published p = sample();
  std::string sub = p.topic_arn + ":x";
  std::string a = envelopes.notification(p, sub, p.text_for("sqs"), 1);
  Envelopes again(*engine);
  EXPECT_EQ(again.notification(sample(), sub, sample().text_for("sqs"), 1), a);
}

}  // namespace
}  // namespace stratus::sns
