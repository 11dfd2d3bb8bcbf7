// Subscription deliveries (services/logs/subscriptions.h): the queue payload round trip and the
// awslogs Lambda event (gzip + base64 DATA_MESSAGE).
#include "services/logs/subscriptions.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/error.h"
#include "core/json.h"
#include "http/compression.h"

namespace stratus::logs {
namespace {

SubscriptionDelivery sample() {
  SubscriptionDelivery d;
  d.destination = "arn:aws:lambda:us-east-1:000000000000:function:f";
  d.filter = "errors";
  d.owner = "000000000000";
  d.region = "us-east-1";
  d.group = "/app";
  d.stream = "s1";
  d.events = {{"1700000000000123", 1700000000000, "ERROR x"}, {"1700000000001124", 1700000000001, "ERROR \"y\""}};
  return d;
}

TEST(LogsSubscriptions, PayloadRoundTrip) {
  SubscriptionDelivery d = decode(encode(sample()));
  EXPECT_EQ(d.destination, sample().destination);
  EXPECT_EQ(d.filter, "errors");
  EXPECT_EQ(d.owner, "000000000000");
  EXPECT_EQ(d.region, "us-east-1");
  EXPECT_EQ(d.group, "/app");
  EXPECT_EQ(d.stream, "s1");
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[1].id, "1700000000001124");
  EXPECT_EQ(d.events[1].timestamp, 1700000000001);
  EXPECT_EQ(d.events[1].message, "ERROR \"y\"");
  EXPECT_THROW(decode("not json"), AwsError);
}

// The payload is stored in the events queue: its bytes must not change between versions.
TEST(LogsSubscriptions, PayloadBytesAreStable) {
  EXPECT_EQ(encode(sample()),
            R"({"destination":"arn:aws:lambda:us-east-1:000000000000:function:f","events":[)"
            R"({"id":"1700000000000123","message":"ERROR x","timestamp":1700000000000},)"
            R"({"id":"1700000000001124","message":"ERROR \"y\"","timestamp":1700000000001}],)"
            R"("filter":"errors","group":"/app","owner":"000000000000","region":"us-east-1","stream":"s1"})");
}

TEST(LogsSubscriptions, LambdaEventIsGzippedBase64DataMessage) {
  Doc ev = json::parse(lambda_event(sample()));
  ASSERT_TRUE(ev.get("awslogs"));
  auto gz = enc::base64_decode(ev.get("awslogs")->str("data"));
  ASSERT_TRUE(gz);
  std::string text;
  ASSERT_EQ(http::decode(*gz, http::Coding::gzip, 1 << 20, &text), http::DecodeStatus::ok);
  Doc m = json::parse(text);
  EXPECT_EQ(m.str("messageType"), "DATA_MESSAGE");
  EXPECT_EQ(m.str("owner"), "000000000000");
  EXPECT_EQ(m.str("logGroup"), "/app");
  EXPECT_EQ(m.str("logStream"), "s1");
  EXPECT_EQ(json::write(*m.get("subscriptionFilters")), R"(["errors"])");
  EXPECT_EQ(json::write(*m.get("logEvents")),
            R"([{"id":"1700000000000123","message":"ERROR x","timestamp":1700000000000},)"
            R"({"id":"1700000000001124","message":"ERROR \"y\"","timestamp":1700000000001}])");
}

}  // namespace
}  // namespace stratus::logs
