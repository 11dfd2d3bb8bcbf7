// Pure parts of S3 event notifications: configuration validation (events, filter rules,
// overlaps), event name wildcards, filter matching and the key encoding of records.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json.h"
#include "services/s3/notify.h"

namespace stratus::s3 {
namespace {

std::string config_error(const std::string& text) {
  try {
    Doc d = json::parse(text);
    parse_notification(d);
  } catch (const AwsError& e) {
    return e.code + ": " + e.message;
  }
  return "";
}

std::string queue(const std::string& events, const std::string& rules = "", const std::string& id = "") {
  std::string s = R"({"QueueArn":"arn:aws:sqs:us-east-1:000000000000:q","Events":)" + events;
  if (!rules.empty()) s += R"(,"Filter":{"Key":{"FilterRules":)" + rules + "}}";
  if (!id.empty()) s += R"(,"Id":")" + id + '"';
  return s + "}";
}

TEST(S3Notify, EventMatches) {
  EXPECT_TRUE(event_matches("s3:ObjectCreated:*", "ObjectCreated:Put"));
  EXPECT_TRUE(event_matches("s3:ObjectCreated:Put", "ObjectCreated:Put"));
  EXPECT_FALSE(event_matches("s3:ObjectCreated:Post", "ObjectCreated:Put"));
  EXPECT_FALSE(event_matches("s3:ObjectRemoved:*", "ObjectCreated:Put"));
  EXPECT_TRUE(event_matches("s3:LifecycleExpiration:*", "LifecycleExpiration:DeleteMarkerCreated"));
  EXPECT_TRUE(event_matches("s3:LifecycleTransition", "LifecycleTransition"));
}

TEST(S3Notify, EventKey) {
  EXPECT_EQ(event_key("a/b c.txt"), "a/b+c.txt");
  EXPECT_EQ(event_key("x+y=z"), "x%2By%3Dz");
  EXPECT_EQ(event_key("plain/key-1_2.~"), "plain/key-1_2.~");
}

TEST(S3Notify, Validation) {
  EXPECT_EQ(config_error(R"({"QueueConfigurations":[)" + queue(R"(["s3:ObjectCreated:*"])") + "]}"), "");
  EXPECT_EQ(config_error(R"({"QueueConfigurations":[)" + queue(R"(["s3:Nope"])") + "]}"),
            "InvalidArgument: The event is not supported for notifications");
  EXPECT_EQ(config_error(R"({"QueueConfigurations":[)" + queue("[]") + "]}").substr(0, 11), "MalformedXM");
  EXPECT_EQ(config_error(
                R"({"QueueConfigurations":[)" +
                queue(R"(["s3:ObjectCreated:*"])", R"([{"Name":"prefix","Value":"a"},{"Name":"Prefix","Value":"b"}])") +
                "]}"),
            "InvalidArgument: Cannot specify more than one prefix rule in a filter.");
  EXPECT_EQ(config_error(R"({"QueueConfigurations":[)" +
                         queue(R"(["s3:ObjectCreated:*"])", R"([{"Name":"other","Value":"a"}])") + "]}")
                .substr(0, 16),
            "InvalidArgument:");
  // Duplicate ids.
  EXPECT_EQ(config_error(R"({"QueueConfigurations":[)" + queue(R"(["s3:ObjectCreated:*"])", "", "x") + "," +
                         queue(R"(["s3:ObjectRemoved:*"])", "", "x") + "]}")
                .substr(0, 16),
            "InvalidArgument:");
}

TEST(S3Notify, Overlaps) {
  const std::string overlap =
      "InvalidArgument: Configurations overlap. Configurations on the same bucket cannot share a common event type.";
  auto two = [](const std::string& a, const std::string& b) {
    return R"({"QueueConfigurations":[)" + a + "," + b + "]}";
  };
  EXPECT_EQ(config_error(two(queue(R"(["s3:ObjectCreated:*"])"), queue(R"(["s3:ObjectCreated:Put"])"))), overlap);
  EXPECT_EQ(config_error(two(queue(R"(["s3:ObjectCreated:*"])"), queue(R"(["s3:ObjectRemoved:*"])"))), "");
  EXPECT_EQ(config_error(two(queue(R"(["s3:ObjectCreated:Put"])", R"([{"Name":"prefix","Value":"a/"}])"),
                             queue(R"(["s3:ObjectCreated:Put"])", R"([{"Name":"prefix","Value":"a/b"}])"))),
            overlap);
  EXPECT_EQ(config_error(two(queue(R"(["s3:ObjectCreated:Put"])", R"([{"Name":"prefix","Value":"a/"}])"),
                             queue(R"(["s3:ObjectCreated:Put"])", R"([{"Name":"prefix","Value":"b/"}])"))),
            "");
  EXPECT_EQ(config_error(two(queue(R"(["s3:ObjectCreated:Put"])", R"([{"Name":"suffix","Value":"jpg"}])"),
                             queue(R"(["s3:ObjectCreated:Put"])", R"([{"Name":"suffix","Value":"pg"}])"))),
            overlap);
  EXPECT_EQ(config_error(two(queue(R"(["s3:ObjectCreated:Put"])", R"([{"Name":"suffix","Value":".jpg"}])"),
                             queue(R"(["s3:ObjectCreated:Put"])", R"([{"Name":"suffix","Value":".png"}])"))),
            "");
}

TEST(S3Notify, TargetMatchesAndIds) {
  Doc d = json::parse(
      R"({"QueueConfigurations":[)" +
      queue(R"(["s3:ObjectCreated:*"])", R"([{"Name":"prefix","Value":"img/"},{"Name":"suffix","Value":".jpg"}])") +
      R"(],"EventBridgeConfiguration":{}})");
  NotificationConfig c = parse_notification(d);
  ASSERT_EQ(c.targets.size(), 1u);
  EXPECT_TRUE(c.eventbridge);
  const auto& t = c.targets[0];
  EXPECT_FALSE(t.id.empty());  // generated, and written back into the document
  EXPECT_EQ(d.get("QueueConfigurations")->as_list()[0].str("Id"), t.id);
  EXPECT_TRUE(t.matches("ObjectCreated:Put", "img/a.jpg"));
  EXPECT_FALSE(t.matches("ObjectCreated:Put", "img/a.png"));
  EXPECT_FALSE(t.matches("ObjectCreated:Put", "doc/a.jpg"));
  EXPECT_FALSE(t.matches("ObjectRemoved:Delete", "img/a.jpg"));
}

}  // namespace
}  // namespace stratus::s3
