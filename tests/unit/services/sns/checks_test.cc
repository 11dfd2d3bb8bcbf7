// What SNS accepts: topic names, subscription endpoints and attributes.
#include <gtest/gtest.h>

#include <optional>
#include <string>

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
  EXPECT_EQ(endpoint("lambda", "arn:aws:lambda:us-east-1:0:function:f", true),
            "Invalid parameter: Invalid protocol type: lambda");
  EXPECT_EQ(endpoint("sqs", "arn:aws:sqs:us-east-1:0:standard", true), "ok");
  EXPECT_EQ(endpoint("sqs", "arn:aws:sqs:us-east-1:0:q.fifo"),
            "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard "
            "SNS topics");
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

TEST(SnsChecks, TopicAttributeValues) {
  auto value = [](const char* name, const std::string& v, bool fifo) {
    try {
      return check_topic_attribute(name, v, fifo);
    } catch (const AwsError& e) {
      EXPECT_EQ(e.code, "InvalidParameter");
      return std::string("refused");
    }
  };
  EXPECT_EQ(value("FifoTopic", "True", false), "true");
  EXPECT_EQ(value("FifoTopic", "FALSE", false), "false");
  EXPECT_EQ(value("FifoTopic", "yes", false), "refused");
  EXPECT_EQ(value("ContentBasedDeduplication", "tRuE", true), "true");
  EXPECT_EQ(value("ContentBasedDeduplication", "true", false), "refused");
  EXPECT_EQ(value("FifoThroughputScope", "MessageGroup", true), "MessageGroup");
  EXPECT_EQ(value("FifoThroughputScope", "messagegroup", true), "refused");
  EXPECT_EQ(value("FifoThroughputScope", "Topic", false), "refused");
  EXPECT_EQ(value("TracingConfig", "Active", false), "Active");
  EXPECT_EQ(value("TracingConfig", "Active", true), "refused");
  EXPECT_EQ(value("SignatureVersion", "3", false), "refused");
  EXPECT_EQ(value("HTTPSuccessFeedbackSampleRate", "100", false), "100");
  EXPECT_EQ(value("HTTPSuccessFeedbackSampleRate", "101", false), "refused");
  EXPECT_EQ(value("DisplayName", std::string(101, 'd'), false), "refused");
  EXPECT_EQ(value("Policy", "[]", false), "refused");
}

TEST(SnsChecks, SmallValues) {
  EXPECT_TRUE(valid_e164("+15550100"));
  EXPECT_TRUE(valid_e164("+123456789012345"));
  EXPECT_FALSE(valid_e164("+1234567890123456"));
  EXPECT_FALSE(valid_e164("15550100"));
  EXPECT_FALSE(valid_e164("+05550100"));
  EXPECT_FALSE(valid_e164("+1 555 0100"));
  EXPECT_FALSE(valid_e164("+1"));
  EXPECT_EQ(parse_bool("True"), true);
  EXPECT_EQ(parse_bool("false"), false);
  EXPECT_EQ(parse_bool("truee"), std::nullopt);
  EXPECT_EQ(parse_bool(""), std::nullopt);
  EXPECT_TRUE(valid_fifo_id("group-1!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
  EXPECT_FALSE(valid_fifo_id(""));
  EXPECT_FALSE(valid_fifo_id(std::string(129, 'g')));
  EXPECT_FALSE(valid_fifo_id("a b"));
  EXPECT_FALSE(valid_fifo_id("\xc3\xa9"));
  EXPECT_EQ(utf8_length("\xc3\xa9t\xc3\xa9"), 3u);
  EXPECT_EQ(round_number(0.1 + 0.2), 0.3);
  EXPECT_EQ(round_number(1.000001), 1.0);
  EXPECT_EQ(round_number(-2.500004), -2.5);
}

TEST(SnsChecks, FilterPolicies) {
  std::string err;
  EXPECT_FALSE(parse_filter_policy("{}", &err));  // the empty policy: no filter
  EXPECT_EQ(err, "");
  EXPECT_FALSE(parse_filter_policy("{", &err));
  EXPECT_NE(err, "");
  auto p = parse_filter_policy(R"({"n":[{"numeric":["=",0.30000000000000004]}]})", nullptr);
  ASSERT_TRUE(p);
  Doc ev = Doc::map();
  ev.set("n", 0.3);
  EXPECT_TRUE(p->match(ev));
  EXPECT_EQ(refusal([] { check_sub_attribute("FilterPolicy", "{}", "sqs"); }), "ok");
}

TEST(SnsChecks, ParseJson) {
  EXPECT_TRUE(parse_json(R"({"a":1})"));
  EXPECT_TRUE(parse_json("[]"));
  EXPECT_FALSE(parse_json("{"));
  EXPECT_FALSE(parse_json(""));
}

}  // namespace
}  // namespace stratus::sns
