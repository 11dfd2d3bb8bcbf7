// The "lambda.sns" topic's payload (services/lambda/api.h): on disk in the events queue, so its
// bytes must stay what SNS wrote before the header existed.
#include "services/lambda/api.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json.h"

namespace stratus::lambda {
namespace {

TEST(LambdaApi, SnsDeliveryBytesAreSnsLegacyForm) {
  Doc rec = Doc::map();
  rec.set("EventSource", "aws:sns");
  Doc records = Doc::list();
  records.push(rec);
  Doc event = Doc::map();
  event.set("Records", records);
  // What sns.cc built by hand.
  Doc legacy = Doc::map();
  legacy.set("function", "arn:aws:lambda:us-east-1:000000000000:function:f");
  legacy.set("event", event);
  SnsDelivery d;
  d.function = "arn:aws:lambda:us-east-1:000000000000:function:f";
  d.event = event;
  EXPECT_EQ(encode(d), json::write(legacy));
  SnsDelivery back = decode(encode(d));
  EXPECT_EQ(back.function, d.function);
  EXPECT_EQ(json::write(back.event), json::write(event));
}

TEST(LambdaApi, SnsDeliveryDecodeIsLenient) {
  SnsDelivery d = decode("{}");
  EXPECT_EQ(d.function, "");
  EXPECT_TRUE(d.event.is_map());
  EXPECT_EQ(d.event.size(), 0u);
  EXPECT_THROW(decode("not json"), AwsError);
}

}  // namespace
}  // namespace stratus::lambda
