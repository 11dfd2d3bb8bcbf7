// lambda/destinations.h: which ARNs Lambda can send records to, and send_to_destination()
// delivering in-process to SQS (attributes as given), SNS (Publish as the function's account) and
// EventBridge (an event from source "lambda"), never throwing on a target that is missing or
// not running.
#include "services/lambda/destinations.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>

#include "../running.h"
#include "core/json.h"
#include "services/sqs/api.h"
#include "storage/engine.h"

namespace stratus::lambda {
namespace {

constexpr const char* kAccount = "111122223333";
constexpr const char* kRegion = "eu-west-1";

TEST(LambdaDestinations, SupportedArns) {
  for (const char* ok :
       {"arn:aws:sqs:us-east-1:111122223333:q", "arn:aws:sns:us-east-1:111122223333:t",
        "arn:aws:lambda:us-east-1:111122223333:function:f", "arn:aws:lambda:us-east-1:111122223333:function:f:live",
        "arn:aws:events:us-east-1:111122223333:event-bus/default"})
    EXPECT_TRUE(destination_supported(ok)) << ok;
  for (const char* bad :
       {"", "q", "arn:aws:s3:::bucket", "arn:aws:sqs:us-east-1::q", "arn:aws:sqs:us-east-1:111122223333:",
        "arn:aws:lambda:us-east-1:111122223333:layer:l:1", "arn:aws:events:us-east-1:111122223333:rule/r",
        "arn:aws:dynamodb:us-east-1:111122223333:table/t", "https://sqs.us-east-1.amazonaws.com/111122223333/q"})
    EXPECT_FALSE(destination_supported(bad)) << bad;
}

class LambdaDestinationsSend : public ::testing::Test {
 protected:
  explicit LambdaDestinationsSend(std::vector<std::string> services = {"sqs", "sns", "events"})
      : run_(std::move(services), true, kAccount, kRegion) {}

  Doc call(const char* service, std::string_view op, const std::string& in) { return run_.ok(service, op, in); }
  std::string arn(const char* service, const std::string& name) {
    return std::string("arn:aws:") + service + ":" + kRegion + ":" + kAccount + ":" + name;
  }
  // Creates the queue; answers its ARN.
  std::string queue(const std::string& name) {
    call("sqs", "CreateQueue", R"({"QueueName":")" + name + R"("})");
    return arn("sqs", name);
  }
  // Waits up to 10 s for one message (ReceiveMessage through SQS's port).
  Doc receive_one(const std::string& queue_arn) {
    for (int i = 0; i < 100; ++i) {
      std::optional<Result<Doc>> out;
      sqs_port(ctx_)->receive(queue_arn, json::parse(R"({"MessageAttributeNames":["All"],"MaxNumberOfMessages":10})"),
                              [&](Result<Doc> r) { out.emplace(std::move(r)); });
      if (!out || !out->ok()) {
        ADD_FAILURE() << "receive did not answer inline";
        break;
      }
      if (const Doc* m = out->value().get("Messages"); m && !m->as_list().empty()) {
        EXPECT_EQ(m->as_list().size(), 1u);
        return m->as_list()[0];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no message in " << queue_arn;
    return Doc::map();
  }

  unit::Running run_;
  ServerContext& ctx_ = run_.ctx;
};

TEST_F(LambdaDestinationsSend, SqsQueueGetsBodyAndAttributes) {
  ASSERT_NE(sqs_port(ctx_), nullptr);
  std::string q = queue("dlq");
  send_to_destination(ctx_, kAccount, arn("sqs", "dlq"), R"({"k":1})",
                      {{"RequestID", "String", "r-1"}, {"ErrorCode", "Number", "200"}});
  Doc m = receive_one(q);
  EXPECT_EQ(m.str("Body"), R"({"k":1})");
  EXPECT_EQ(m["MessageAttributes"]["RequestID"].str("StringValue"), "r-1");
  EXPECT_EQ(m["MessageAttributes"]["ErrorCode"].str("DataType"), "Number");
  EXPECT_EQ(m["MessageAttributes"]["ErrorCode"].str("StringValue"), "200");
}

TEST_F(LambdaDestinationsSend, SnsTopicPublishes) {
  queue("sub");
  std::string topic = call("sns", "CreateTopic", R"({"Name":"t"})").str("TopicArn");
  call("sns", "Subscribe",
       R"({"TopicArn":")" + topic + R"(","Protocol":"sqs","Endpoint":")" + arn("sqs", "sub") +
           R"(","Attributes":{"RawMessageDelivery":"true"}})");
  send_to_destination(ctx_, kAccount, topic, "record", {{"a", "String", "b"}});
  Doc m = receive_one(arn("sqs", "sub"));
  EXPECT_EQ(m.str("Body"), "record");
  EXPECT_EQ(m["MessageAttributes"]["a"].str("StringValue"), "b");
}

TEST_F(LambdaDestinationsSend, EventBusGetsALambdaEvent) {
  std::string q = queue("ev");
  call("events", "PutRule", R"({"Name":"r","EventPattern":"{\"source\":[\"lambda\"]}"})");
  call("events", "PutTargets", R"({"Rule":"r","Targets":[{"Id":"1","Arn":")" + arn("sqs", "ev") + R"("}]})");
  std::string fn = arn("lambda", "function:f");
  send_to_destination(ctx_, kAccount, arn("events", "event-bus/default"),
                      R"({"requestContext":{"condition":"Success","functionArn":")" + fn + R"("},"x":1})");
  Doc event = json::parse(receive_one(q).str("Body"));
  EXPECT_EQ(event.str("source"), "lambda");
  EXPECT_EQ(event.str("detail-type"), "Lambda Function Invocation Result - Success");
  EXPECT_EQ(event["detail"].get("x")->as_int(), 1);
  ASSERT_EQ(event["resources"].as_list().size(), 2u);
  EXPECT_EQ(event["resources"].as_list()[1].as_string(), fn);
}

TEST_F(LambdaDestinationsSend, FailuresAreLoggedNotThrown) {
  EXPECT_NO_THROW(send_to_destination(ctx_, kAccount, "not an arn", "x"));
  EXPECT_NO_THROW(send_to_destination(ctx_, kAccount, arn("sqs", "missing"), "x"));
  EXPECT_NO_THROW(send_to_destination(ctx_, kAccount, arn("sns", "missing"), "x"));
  EXPECT_NO_THROW(send_to_destination(ctx_, kAccount, "arn:aws:s3:::bucket", "x"));
  EXPECT_NO_THROW(send_to_destination(ctx_, kAccount, arn("events", "event-bus/default"), "not json"));
}

class LambdaDestinationsWithoutTargets : public LambdaDestinationsSend {
 protected:
  LambdaDestinationsWithoutTargets() : LambdaDestinationsSend({"sns"}) {}
};

TEST_F(LambdaDestinationsWithoutTargets, ServicesNotRunning) {
  EXPECT_EQ(sqs_port(ctx_), nullptr);
  EXPECT_NO_THROW(send_to_destination(ctx_, kAccount, arn("sqs", "q"), "x"));
  EXPECT_NO_THROW(send_to_destination(ctx_, kAccount, arn("events", "event-bus/default"), "x"));
}

}  // namespace
}  // namespace stratus::lambda
