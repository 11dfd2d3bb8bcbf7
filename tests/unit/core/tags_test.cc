// Resource tags (core/tags.h): lists of {Key, Value}, maps and key/value pairs.
#include "core/tags.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace stratus {
namespace {

TEST(Tags, MergeAndRemoveList) {
  Doc tags = json::parse(R"([{"Key":"a","Value":"1"},{"Key":"b","Value":"2"}])");
  Doc add = json::parse(R"([{"Key":"b","Value":"3"},{"Key":"c","Value":"4"}])");
  tags::merge_list(tags, &add);
  EXPECT_EQ(json::write(tags), R"([{"Key":"a","Value":"1"},{"Key":"b","Value":"3"},{"Key":"c","Value":"4"}])");
  Doc keys = json::parse(R"(["a","zzz"])");
  tags::remove_from_list(tags, &keys);
  EXPECT_EQ(json::write(tags), R"([{"Key":"b","Value":"3"},{"Key":"c","Value":"4"}])");
}

TEST(Tags, MergeAndRemoveMap) {
  Doc tags;  // null: made a map
  Doc add = json::parse(R"({"a":"1","b":"2"})");
  tags::merge_map(tags, &add);
  Doc more = json::parse(R"({"b":"3"})");
  tags::merge_map(tags, &more);
  tags::merge_map(tags, nullptr);
  EXPECT_EQ(tags.str("a"), "1");
  EXPECT_EQ(tags.str("b"), "3");
  Doc keys = json::parse(R"(["a",7,"zzz"])");
  tags::remove_from_map(tags, &keys);
  EXPECT_FALSE(tags.has("a"));
  EXPECT_EQ(tags.size(), 1u);
  EXPECT_EQ(json::write(tags::to_list(tags.as_map())), R"([{"Key":"b","Value":"3"}])");
}

TEST(Tags, Pairs) {
  tags::Pairs p = {{"a", "1"}};
  Doc add = json::parse(R"([{"Key":"a","Value":"2"},{"Key":"b","Value":"3"}])");
  tags::merge_pairs(p, &add);
  EXPECT_EQ(p, (tags::Pairs{{"a", "2"}, {"b", "3"}}));
  Doc keys = json::parse(R"(["a"])");
  tags::remove_pairs(p, &keys);
  EXPECT_EQ(p, (tags::Pairs{{"b", "3"}}));
}

}  // namespace
}  // namespace stratus
