// The event source mappings' pollers (services/lambda/esm_poller.h): the pure steps (Lambda's
// event records, batch item failures) and the checks that need no running source.
#include "services/lambda/esm_poller.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json.h"

namespace stratus::lambda::esm {
namespace {

Settings sqs_settings() {
  return settings_of(json::parse(R"({"UUID":"u","EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q",
                                     "_account":"000000000000","_region":"us-east-1"})"));
}

std::vector<Doc> batch_of(std::initializer_list<const char*> ids) {
  std::vector<Doc> out;
  for (const char* id : ids) {
    Doc d = Doc::map();
    d.set("messageId", id);
    d.set("receiptHandle", std::string("rh-") + id);
    out.push_back(std::move(d));
  }
  return out;
}

TEST(LambdaEsmPoller, SqsRecordHasLambdasSpelling) {
  Doc m = json::parse(R"({"MessageId":"m1","ReceiptHandle":"rh","Body":"hi","MD5OfBody":"x",
    "Attributes":{"ApproximateReceiveCount":"1"},
    "MessageAttributes":{"a":{"StringValue":"v","DataType":"String"}}})");
  Doc rec = Poller::sqs_record(m, sqs_settings());
  EXPECT_EQ(rec.str("messageId"), "m1");
  EXPECT_EQ(rec.str("receiptHandle"), "rh");
  EXPECT_EQ(rec.str("body"), "hi");
  EXPECT_EQ(rec.str("md5OfBody"), "x");
  EXPECT_EQ(rec.str("eventSource"), "aws:sqs");
  EXPECT_EQ(rec.str("eventSourceARN"), "arn:aws:sqs:us-east-1:000000000000:q");
  EXPECT_EQ(rec.str("awsRegion"), "us-east-1");
  EXPECT_EQ(rec.get("attributes")->str("ApproximateReceiveCount"), "1");
  const Doc* a = rec.get("messageAttributes")->get("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->str("stringValue"), "v");
  EXPECT_EQ(a->str("dataType"), "String");
  EXPECT_TRUE(a->get("stringListValues")->is_list());
  EXPECT_FALSE(rec.has("md5OfMessageAttributes"));
}

TEST(LambdaEsmPoller, SqsBatchItemFailures) {
  auto batch = batch_of({"a", "b", "c"});
  using V = std::vector<std::string>;
  // Without ReportBatchItemFailures the answer is not read: every message is processed.
  EXPECT_EQ(Poller::sqs_processed(batch, R"({"batchItemFailures":[{"itemIdentifier":"a"}]})", false),
            (V{"rh-a", "rh-b", "rh-c"}));
  EXPECT_EQ(Poller::sqs_processed(batch, R"({"batchItemFailures":[{"itemIdentifier":"b"}]})", true),
            (V{"rh-a", "rh-c"}));
  EXPECT_EQ(Poller::sqs_processed(batch, R"({"batchItemFailures":[]})", true), (V{"rh-a", "rh-b", "rh-c"}));
  EXPECT_EQ(Poller::sqs_processed(batch, "null", true), (V{"rh-a", "rh-b", "rh-c"}));
  EXPECT_EQ(Poller::sqs_processed(batch, "not json", true), (V{"rh-a", "rh-b", "rh-c"}));
  // An unknown or empty identifier fails the whole batch.
  EXPECT_EQ(Poller::sqs_processed(batch, R"({"batchItemFailures":[{"itemIdentifier":"zzz"}]})", true), V{});
  EXPECT_EQ(Poller::sqs_processed(batch, R"({"batchItemFailures":[{"itemIdentifier":""}]})", true), V{});
}

TEST(LambdaEsmPoller, StreamBatchItemFailures) {
  EXPECT_EQ(Poller::stream_first_failure(R"({"batchItemFailures":[]})", 10, 20), 0u);
  EXPECT_EQ(Poller::stream_first_failure("not json", 10, 20), 0u);
  EXPECT_EQ(Poller::stream_first_failure(R"({"batchItemFailures":[{"itemIdentifier":"15"},{"itemIdentifier":"12"}]})",
                                         10, 20),
            12u);
  // Unreadable or out-of-batch identifiers fail from the batch's start.
  EXPECT_EQ(Poller::stream_first_failure(R"({"batchItemFailures":[{"itemIdentifier":"x"}]})", 10, 20), 10u);
  EXPECT_EQ(Poller::stream_first_failure(R"({"batchItemFailures":[{"itemIdentifier":"99"}]})", 10, 20), 10u);
}

TEST(LambdaEsmPoller, SnsEventRespelled) {
  Doc ev = json::parse(R"({"Records":[{"EventSource":"aws:sns","Sns":{"Type":"Notification","MessageId":"m",
    "TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Message":"hi","Timestamp":"2024-01-01T00:00:00.000Z",
    "SignatureVersion":"1","Signature":"s","SigningCertURL":"https://c","UnsubscribeURL":"https://u"}}]})");
  Doc out = Poller::lambda_sns_event(ev);
  const Doc& sns = *out.get("Records")->as_list()[0].get("Sns");
  EXPECT_EQ(sns.str("SigningCertUrl"), "https://c");
  EXPECT_EQ(sns.str("UnsubscribeUrl"), "https://u");
  EXPECT_FALSE(sns.has("SigningCertURL"));
  EXPECT_TRUE(sns.get("Subject")->is_null());  // present, null, as Lambda shows it
  EXPECT_TRUE(sns.get("MessageAttributes")->is_map());
  EXPECT_EQ(sns.str("Message"), "hi");
}

TEST(LambdaEsmPoller, DesiredPollers) {
  Settings s = sqs_settings();
  EXPECT_EQ(Poller::desired_pollers(s), 5);
  s.max_concurrency = 2;
  EXPECT_EQ(Poller::desired_pollers(s), 2);
  s.max_concurrency = 1000;
  EXPECT_EQ(Poller::desired_pollers(s), 32);
}

TEST(LambdaEsmPoller, CheckRefusesUnknownSourcesWithoutAServer) {
  Poller p;
  auto code_of = [&](const char* rec) {
    Doc d = json::parse(rec);
    try {
      p.check(d);
    } catch (const AwsError& e) {
      return e.code + ": " + e.message;
    }
    return std::string("ok");
  };
  EXPECT_NE(code_of(R"({"EventSourceArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s"})")
                .find("does not emulate Kinesis"),
            std::string::npos);
  EXPECT_NE(code_of(R"({"EventSourceArn":"nonsense"})").find("Unrecognized event source"), std::string::npos);
  // SQS not running: the queue is not found.
  EXPECT_NE(code_of(R"({"EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q"})").find("NonExistentQueue"),
            std::string::npos);
  EXPECT_NE(code_of(R"({"EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q","FunctionResponseTypes":["Nope"]})")
                .find("Unsupported FunctionResponseType: Nope"),
            std::string::npos);
}

}  // namespace
}  // namespace stratus::lambda::esm
