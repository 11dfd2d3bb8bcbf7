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

TEST(SnsChecks, Endpoints) {
  EXPECT_FALSE(check_endpoint("sqs", "arn:aws:sqs:us-east-1:000000000000:q", false));
  EXPECT_FALSE(check_endpoint("sqs", "arn:aws:sqs:us-east-1:000000000000:q.fifo", true));
  EXPECT_FALSE(check_endpoint("https", "https://example.test/x", false));
  EXPECT_FALSE(check_endpoint("email", "a@b.test", false));
  EXPECT_FALSE(check_endpoint("sms", "+1 (555) 010-0000", false));
  EXPECT_FALSE(check_endpoint("application", "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/id", false));

  auto message = [](const std::optional<AwsError>& e) { return e ? e->message : std::string("ok"); };
  EXPECT_EQ(message(check_endpoint("gopher", "x", false)), "Invalid parameter: Invalid protocol type: gopher");
  EXPECT_EQ(message(check_endpoint("https", "https://x", true)), "Invalid parameter: Invalid protocol type: https");
  EXPECT_EQ(message(check_endpoint("sqs", "arn:aws:sns:us-east-1:0:t", false)), "Invalid parameter: SQS endpoint ARN");
  EXPECT_EQ(message(check_endpoint("https", "http://x", false)),
            "Invalid parameter: Endpoint must match the specified protocol");
  EXPECT_EQ(message(check_endpoint("email", "@b", false)), "Invalid parameter: Email address");
  EXPECT_EQ(message(check_endpoint("sms", "+1234567890123456", false)),
            "Invalid parameter: Invalid SMS endpoint: +1234567890123456");
  auto e = check_endpoint("lambda", "nope", false);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "InvalidParameter");
  EXPECT_EQ(e->http_status, 400);
}

TEST(SnsChecks, SubscriptionAttributes) {
  EXPECT_FALSE(check_sub_attribute("RawMessageDelivery", "true", "sqs"));
  EXPECT_TRUE(check_sub_attribute("RawMessageDelivery", "yes", "sqs"));
  EXPECT_TRUE(check_sub_attribute("RawMessageDelivery", "true", "email"));
  EXPECT_FALSE(check_sub_attribute("FilterPolicy", "", "sqs"));
  EXPECT_FALSE(check_sub_attribute("FilterPolicy", R"({"a":["b"]})", "sqs"));
  EXPECT_TRUE(check_sub_attribute("FilterPolicy", "{", "sqs"));
  EXPECT_FALSE(check_sub_attribute("FilterPolicyScope", "MessageBody", "sqs"));
  EXPECT_TRUE(check_sub_attribute("FilterPolicyScope", "Body", "sqs"));
  EXPECT_FALSE(check_sub_attribute("RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:0:dlq"})", "sqs"));
  EXPECT_TRUE(check_sub_attribute("RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sns:us-east-1:0:t"})", "sqs"));
  EXPECT_FALSE(check_sub_attribute("DeliveryPolicy", "{}", "https"));
  EXPECT_TRUE(check_sub_attribute("DeliveryPolicy", "[]", "https"));
  EXPECT_FALSE(check_sub_attribute("SubscriptionRoleArn", "anything", "firehose"));
  auto e = check_sub_attribute("Bogus", "x", "sqs");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Invalid parameter: AttributeName");
}

}  // namespace
}  // namespace stratus::sns
