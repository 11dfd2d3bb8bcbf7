// EventBridge's target input: JSON paths, InputTransformer rendering (the user guide's examples),
// schedule expressions of rules.
#include "services/events/transform.h"

#include <gtest/gtest.h>

#include "services/events/state.h"

namespace stratus::events {
namespace {

const char* kEvent =
    R"({"version":"0","id":"e1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",)"
    R"("account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1",)"
    R"("resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789"],)"
    R"("detail":{"instance-id":"i-0123456789","state":"RUNNING","n":5,"o":{"b":1,"a":[1,2]}}})";

const std::map<std::string, std::string> kPaths = {{"timestamp", "$.time"},
                                                   {"instance", "$.detail.instance-id"},
                                                   {"state", "$.detail.state"},
                                                   {"resource", "$.resources[0]"}};

std::string render(const char* tmpl, const std::map<std::string, std::string>& paths = kPaths) {
  return transform::render(tmpl, paths, kEvent,
                           {"arn:aws:events:us-east-1:123456789012:rule/example", "example", "2015-11-11T21:29:55Z"});
}

TEST(EventsTransform, Paths) {
  EXPECT_EQ(transform::extract(kEvent, "$.detail.state"), R"("RUNNING")");
  EXPECT_EQ(transform::extract(kEvent, "$.detail.o"), R"({"b":1,"a":[1,2]})");  // order kept
  EXPECT_EQ(transform::extract(kEvent, "$.detail.o.a[1]"), "2");
  EXPECT_EQ(transform::extract(kEvent, "$['detail']['n']"), "5");
  EXPECT_EQ(transform::extract(kEvent, "$.resources[3]"), std::nullopt);
  EXPECT_EQ(transform::extract(kEvent, "$.nope"), std::nullopt);
  EXPECT_TRUE(transform::valid_path("$"));
  EXPECT_TRUE(transform::valid_path("$.a.b[0].c"));
  EXPECT_FALSE(transform::valid_path("detail"));
  EXPECT_FALSE(transform::valid_path("$."));
  EXPECT_FALSE(transform::valid_path("$.a["));
  EXPECT_FALSE(transform::valid_path("$.a[x]"));
  EXPECT_EQ(transform::without_detail(R"({"a":1,"detail":{"x":1},"b":2})"), R"({"a":1,"b":2})");
}

TEST(EventsTransform, UserGuideExamples) {
  EXPECT_EQ(render(R"("instance <instance> is in <state>")"), R"("instance i-0123456789 is in RUNNING")");
  EXPECT_EQ(render(R"({"instance" : <instance>, "state": <state>})"),
            R"({"instance":"i-0123456789","state":"RUNNING"})");
  EXPECT_EQ(render(R"({"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"})"),
            R"({"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"})");
  EXPECT_EQ(render(R"("<aws.events.rule-name> triggered")"), R"("example triggered")");
  EXPECT_EQ(render(R"({"ruleArn" : <aws.events.rule-arn>, "ruleName" : <aws.events.rule-name>})"),
            R"({"ruleArn":"arn:aws:events:us-east-1:123456789012:rule/example","ruleName":"example"})");
  EXPECT_EQ(render(R"("instance \"<instance>\" is in <state>")"), R"("instance \"i-0123456789\" is in RUNNING")");
  EXPECT_EQ(render(R"({"t": <aws.events.event.ingestion-time>})"), R"({"t":"2015-11-11T21:29:55Z"})");
}

TEST(EventsTransform, ReservedEventVariables) {
  std::string out = render(R"({"e": <aws.events.event>})");
  EXPECT_EQ(out.find("detail\":{"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("source":"aws.ec2")"), std::string::npos);
  out = render(R"({"e": <aws.events.event.json>})");
  EXPECT_NE(out.find(R"("detail":{"instance-id")"), std::string::npos) << out;
}

TEST(EventsTransform, ValuesInAndOutsideStrings) {
  std::map<std::string, std::string> p = {
      {"n", "$.detail.n"}, {"o", "$.detail.o"}, {"gone", "$.detail.gone"}, {"s", "$.detail.state"}};
  EXPECT_EQ(render(R"({"n": <n>, "o": <o>, "s": "n=<n> gone=<gone>", "g": <gone>})", p),
            R"({"n":5,"o":{"b":1,"a":[1,2]},"s":"n=5 gone=","g":null})");
  // text templates are delivered as rendered; unknown <...> stays
  EXPECT_EQ(render("state <s> and <unknown>", p), R"(state "RUNNING" and <unknown>)");
  // values are not escaped inside strings: a quote breaks the JSON, delivered as text
  EXPECT_EQ(transform::render(R"({"m": "<v>"})", {{"v", "$.v"}}, R"({"v":"a\"b"})", {}), R"({"m": "a"b"})");
}

TEST(EventsTransform, MinifyAndObjects) {
  EXPECT_EQ(transform::minify(" { \"b\" : 1 , \"a\" : [ 1 , 2 ] } "), R"({"b":1,"a":[1,2]})");
  EXPECT_EQ(transform::minify("{} x"), std::nullopt);
  EXPECT_TRUE(transform::is_json_object(R"({"a":1})"));
  EXPECT_FALSE(transform::is_json_object("[1]"));
  EXPECT_FALSE(transform::is_json_object("nope"));
  std::string deep(2000, '[');
  EXPECT_EQ(transform::minify(deep + std::string(2000, ']')), std::nullopt);  // over 1000 levels
}

TEST(EventsSchedule, Expressions) {
  EXPECT_TRUE(valid_schedule("rate(1 minute)"));
  EXPECT_TRUE(valid_schedule("rate(5 minutes)"));
  EXPECT_TRUE(valid_schedule("cron(0/5 * * * ? *)"));
  EXPECT_TRUE(valid_schedule("cron(15 10 ? * 6L 2019-2022)"));
  EXPECT_FALSE(valid_schedule("rate(1 minutes)"));
  EXPECT_FALSE(valid_schedule("rate(5 minute)"));
  EXPECT_FALSE(valid_schedule("rate(0 minutes)"));
  EXPECT_FALSE(valid_schedule("cron(0 12 * * * *)"));  // both day fields '*'
  EXPECT_FALSE(valid_schedule("cron(0 12 * *)"));
  EXPECT_FALSE(valid_schedule("at(2020-01-01T00:00:00)"));  // rules take rate and cron only
}

TEST(EventsSchedule, NextFire) {
  const int64_t t0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
  // rate counts from the anchor; a missed period is not made up
  EXPECT_EQ(next_fire("rate(5 minutes)", t0, t0), t0 + 300'000);
  EXPECT_EQ(next_fire("rate(5 minutes)", t0 + 301'000, t0), t0 + 600'000);
  EXPECT_EQ(next_fire("rate(5 minutes)", t0 + 3'600'000 * 10 + 1, t0), t0 + 3'600'000 * 10 + 300'000);
  // cron(0/5 ...) at the next minute divisible by 5, second 0
  EXPECT_EQ(next_fire("cron(0/5 * * * ? *)", t0, t0), 1'700'000'100'000);  // 22:15:00
  EXPECT_EQ(next_fire("cron(0 12 * * ? *)", t0, t0), 1'700'049'600'000);   // next day 12:00
  EXPECT_EQ(next_fire("nope", t0, t0), std::nullopt);
}

}  // namespace
}  // namespace stratus::events
