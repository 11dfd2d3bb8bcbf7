// What SNS accepts: topic names, subscription endpoints and attributes.
#include <gtest/gtest.h>

#include "services/sns/checks.h"

namespace stratus::sns {
namespace {

TEST(SnsChecks, TopicNames) {
  EXPECT_TRUE(valid_topic_name("orders_1-a", false));
  EXPECT_TRUE(valid_topic_name(std::string(256, 'a'), false));
  EXPECT_FALSE(valid_topic_name(std::string(257, 'a'), false));
  EXPECT_FALSE(valid_topic_name("", false));
  EXPECT_FALSE(valid_topic_name("has.dot", false));
  EXPECT_TRUE(valid_topic_name("orders.fifo", true));
  EXPECT_FALSE(valid_topic_name(".fifo", true));
  EXPECT_FALSE(valid_topic_name("orders", true));
}

TEST(SnsChecks, SettableTopicAttributes) {
  EXPECT_TRUE(settable_topic_attribute("DisplayName"));
  EXPECT_TRUE(settable_topic_attribute("SQSSuccessFeedbackRoleArn"));
  EXPECT_TRUE(settable_topic_attribute("HTTPFailureFeedbackRoleArn"));
  EXPECT_FALSE(settable_topic_attribute("Owner"));
  EXPECT_FALSE(settable_topic_attribute("SMTPSuccessFeedbackRoleArn"));
}

// The message of what `f` throws, "ok" when it does not throw.
template <typename F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "InvalidParameter");
    EXPECT_EQ(e.http_status, 400);
    return e.message;
  }
  return "ok";
}

TEST(SnsChecks, Endpoints) {
  auto endpoint = [](const char* protocol, const std::string& e, bool fifo = false) {
    return refusal([&] { check_endpoint(protocol, e, fifo); });
  };
  EXPECT_EQ(endpoint("sqs", "arn:aws:sqs:us-east-1:000000000000:q"), "ok");
  EXPECT_EQ(endpoint("sqs", "arn:aws:sqs:us-east-1:000000000000:q.fifo", true), "ok");
  EXPECT_EQ(endpoint("https", "https://example.test/x"), "ok");
  EXPECT_EQ(endpoint("email", "a@b.test"), "ok");
  EXPECT_EQ(endpoint("sms", "+1 (555) 010-0000"), "ok");
  EXPECT_EQ(endpoint("application", "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/id"), "ok");
  EXPECT_EQ(endpoint("gopher", "x"), "Invalid parameter: Invalid protocol type: gopher");
  EXPECT_EQ(endpoint("https", "https://x", true), "Invalid parameter: Invalid protocol type: https");
  EXPECT_EQ(endpoint("sqs", "arn:aws:sns:us-east-1:0:t"), "Invalid parameter: SQS endpoint ARN");
  EXPECT_EQ(endpoint("lambda", "nope"), "Invalid parameter: Lambda endpoint ARN");
  EXPECT_EQ(endpoint("https", "http://x"), "Invalid parameter: Endpoint must match the specified protocol");
  EXPECT_EQ(endpoint("email", "@b"), "Invalid parameter: Email address");
  EXPECT_EQ(endpoint("sms", "+1234567890123456"), "Invalid parameter: Invalid SMS endpoint: +1234567890123456");
  EXPECT_TRUE(valid_sms_number("+1-555-0100"));
  EXPECT_FALSE(valid_sms_number("+1-555-CALL"));
}

TEST(SnsChecks, SubscriptionAttributes) {
  auto attribute = [](const char* name, const std::string& value, const char* protocol) {
    return refusal([&] { check_sub_attribute(name, value, protocol); });
  };
  EXPECT_EQ(attribute("RawMessageDelivery", "true", "sqs"), "ok");
  EXPECT_NE(attribute("RawMessageDelivery", "yes", "sqs"), "ok");
  EXPECT_NE(attribute("RawMessageDelivery", "true", "email"), "ok");
  EXPECT_EQ(attribute("FilterPolicy", "", "sqs"), "ok");
  EXPECT_EQ(attribute("FilterPolicy", R"({"a":["b"]})", "sqs"), "ok");
  EXPECT_NE(attribute("FilterPolicy", "{", "sqs"), "ok");
  EXPECT_EQ(attribute("FilterPolicyScope", "MessageBody", "sqs"), "ok");
  EXPECT_NE(attribute("FilterPolicyScope", "Body", "sqs"), "ok");
  EXPECT_EQ(attribute("RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:0:dlq"})", "sqs"), "ok");
  EXPECT_NE(attribute("RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sns:us-east-1:0:t"})", "sqs"), "ok");
  EXPECT_NE(attribute("RedrivePolicy", "not json", "sqs"), "ok");
  EXPECT_EQ(attribute("DeliveryPolicy", "{}", "https"), "ok");
  EXPECT_NE(attribute("DeliveryPolicy", "[]", "https"), "ok");
  EXPECT_EQ(attribute("SubscriptionRoleArn", "anything", "firehose"), "ok");
  EXPECT_EQ(attribute("Bogus", "x", "sqs"), "Invalid parameter: AttributeName");
}

TEST(SnsChecks, ParseJson) {
  EXPECT_TRUE(parse_json(R"({"a":1})"));
  EXPECT_TRUE(parse_json("[]"));
  EXPECT_FALSE(parse_json("{"));
  EXPECT_FALSE(parse_json(""));
}

}  // namespace
}  // namespace stratus::sns
