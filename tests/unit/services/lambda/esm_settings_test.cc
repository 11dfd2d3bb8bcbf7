// Event source mapping settings and filters (services/lambda/esm_settings.h).
#include "services/lambda/esm_settings.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace stratus::lambda::esm {
namespace {

TEST(LambdaEsmSettings, KindOfSource) {
  EXPECT_EQ(kind_of("arn:aws:sqs:us-east-1:000000000000:q"), Kind::sqs);
  EXPECT_EQ(kind_of("arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000"),
            Kind::dynamodb);
  EXPECT_EQ(kind_of("not an arn"), Kind::sqs);
}

TEST(LambdaEsmSettings, DefaultsPerKind) {
  Settings q = settings_of(json::parse(R"({"UUID":"u","EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q",
                                            "_account":"000000000000","_region":"us-east-1"})"));
  EXPECT_EQ(q.uuid, "u");
  EXPECT_EQ(q.account, "000000000000");
  EXPECT_EQ(q.region, "us-east-1");
  EXPECT_EQ(q.batch_size, 10);
  EXPECT_EQ(q.max_retries, -1);
  EXPECT_EQ(q.max_age_s, -1);
  EXPECT_TRUE(q.enabled);
  EXPECT_FALSE(q.report_failures);
  Settings d = settings_of(json::parse(R"({"EventSourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x"})"));
  EXPECT_EQ(d.kind, Kind::dynamodb);
  EXPECT_EQ(d.batch_size, 100);
}

TEST(LambdaEsmSettings, ExplicitMembers) {
  Settings s = settings_of(json::parse(R"({
    "EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q","BatchSize":3,"MaximumBatchingWindowInSeconds":2,
    "ScalingConfig":{"MaximumConcurrency":5},"MaximumRetryAttempts":1,"MaximumRecordAgeInSeconds":60,
    "BisectBatchOnFunctionError":true,"FunctionResponseTypes":["ReportBatchItemFailures"],"State":"Disabled",
    "DestinationConfig":{"OnFailure":{"Destination":"arn:aws:sqs:us-east-1:000000000000:dlq"}}})"));
  EXPECT_EQ(s.batch_size, 3);
  EXPECT_EQ(s.window_s, 2);
  EXPECT_EQ(s.max_concurrency, 5);
  EXPECT_EQ(s.max_retries, 1);
  EXPECT_EQ(s.max_age_s, 60);
  EXPECT_TRUE(s.bisect);
  EXPECT_TRUE(s.report_failures);
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.on_failure, "arn:aws:sqs:us-east-1:000000000000:dlq");
}

TEST(LambdaEsmSettings, Filters) {
  Settings none = settings_of(json::parse(R"({"EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q"})"));
  EXPECT_TRUE(passes(none, json::parse(R"({"body":"x"})")));
  Settings s = settings_of(json::parse(R"({"EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q",
    "FilterCriteria":{"Filters":[{"Pattern":"{\"body\":{\"kind\":[\"a\"]}}"},{"Pattern":"{\"body\":{\"kind\":[\"b\"]}}"},
                                  {"Pattern":"not json"}]}})"));
  EXPECT_EQ(s.filters.size(), 2u);  // the unparseable one is skipped
  EXPECT_TRUE(passes(s, json::parse(R"({"body":{"kind":"a"}})")));
  EXPECT_TRUE(passes(s, json::parse(R"({"body":{"kind":"b"}})")));
  EXPECT_FALSE(passes(s, json::parse(R"({"body":{"kind":"c"}})")));
}

}  // namespace
}  // namespace stratus::lambda::esm
