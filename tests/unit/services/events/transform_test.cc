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
  EXPECT_EQ(schedule_period_ms("rate(1 minute)"), 60'000);
  EXPECT_EQ(schedule_period_ms("rate(5 minutes)"), 300'000);
  EXPECT_EQ(schedule_period_ms("rate(2 hours)"), 7'200'000);
  EXPECT_EQ(schedule_period_ms("rate(1 day)"), 86'400'000);
  EXPECT_EQ(schedule_period_ms("rate(1 minutes)"), std::nullopt);
  EXPECT_EQ(schedule_period_ms("rate(5 minute)"), std::nullopt);
  EXPECT_EQ(schedule_period_ms("rate(0 minutes)"), std::nullopt);
  EXPECT_EQ(schedule_period_ms("rate(x minutes)"), std::nullopt);
  EXPECT_EQ(schedule_period_ms("cron(0/5 * * * ? *)"), 300'000);
  EXPECT_EQ(schedule_period_ms("cron(* * * * ? *)"), 60'000);
  EXPECT_EQ(schedule_period_ms("cron(0 * * * ? *)"), 3'600'000);
  EXPECT_EQ(schedule_period_ms("cron(0 12 * * ? *)"), 0);             // valid, not a fixed period
  EXPECT_EQ(schedule_period_ms("cron(0 12 * * * *)"), std::nullopt);  // both day fields '*'
  EXPECT_EQ(schedule_period_ms("cron(0 12 * *)"), std::nullopt);
  EXPECT_EQ(schedule_period_ms("at(2020-01-01T00:00:00)"), std::nullopt);
}

}  // namespace
}  // namespace stratus::events
