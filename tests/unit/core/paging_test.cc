// Pagination (core/paging.h): key markers, after-last-key pages and offset slices.
#include "core/paging.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace stratus {
namespace {

std::vector<std::pair<std::string, Doc>> records(std::initializer_list<const char*> keys) {
  std::vector<std::pair<std::string, Doc>> out;
  for (const char* k : keys) out.emplace_back(k, Doc(k));
  return out;
}

TEST(Paging, PaginateResumesAtTheFirstKeyNotReturned) {
  auto items = records({"a", "b", "c", "d"});
  auto keep = [](const Doc& d) -> std::optional<Doc> { return d; };
  Doc first = paging::paginate(items, json::parse(R"({"MaxItems":2})"), "Items", {}, keep);
  EXPECT_EQ(json::write(first), R"({"IsTruncated":true,"Items":["a","b"],"Marker":"c"})");
  Doc second = paging::paginate(items, json::parse(R"({"MaxItems":2,"Marker":"c"})"), "Items", {}, keep);
  EXPECT_EQ(json::write(second), R"({"IsTruncated":false,"Items":["c","d"]})");
  Doc gone = paging::paginate(items, json::parse(R"({"Marker":"bb"})"), "Items", {}, keep);
  EXPECT_EQ(json::write(gone), R"({"IsTruncated":false,"Items":["c","d"]})");
}

// Walks keys a..e with every other one filtered out, as a storage scan would.
paging::After walk(int64_t max, std::string after) {
  paging::After page(max, std::move(after));
  for (const char* k : {"a", "b", "c", "d", "e"}) {
    if (page.seen(k) || std::string(k) == "b") continue;
    if (page.full()) break;
    page.add(k, Doc(k));
  }
  return page;
}

TEST(Paging, AfterSkipsWhatEarlierPagesReturned) {
  paging::After first = walk(2, "");
  EXPECT_TRUE(first.more());
  EXPECT_EQ(first.last(), "c");
  EXPECT_EQ(json::write(first.take()), R"(["a","c"])");
  paging::After second = walk(2, "c");
  EXPECT_FALSE(second.more());  // d and e fill the page exactly: no next page
  EXPECT_EQ(json::write(second.take()), R"(["d","e"])");
  paging::After tail = walk(2, "a");
  EXPECT_TRUE(tail.more());
  EXPECT_EQ(json::write(tail.answer("Items", "NextMarker")), R"({"Items":["c","d"],"NextMarker":"d"})");
  EXPECT_EQ(json::write(walk(1, "").answer("items", "nextToken", paging::Token::base64)),
            R"({"items":["a"],"nextToken":")" + enc::base64_encode("a") + R"("})");
  EXPECT_EQ(json::write(walk(9, "").answer("items", "nextToken")), R"({"items":["a","c","d","e"]})");
}

TEST(Paging, OffsetTokensRoundTripAndRejectGarbage) {
  EXPECT_EQ(paging::parse_offset(paging::offset_token(0)), 0u);
  EXPECT_EQ(paging::parse_offset(paging::offset_token(1234)), 1234u);
  EXPECT_FALSE(paging::parse_offset("not base64!"));
  EXPECT_FALSE(paging::parse_offset(enc::base64_encode("-1")));
  EXPECT_FALSE(paging::parse_offset(enc::base64_encode("12abc")));
  EXPECT_FALSE(paging::parse_offset(""));
  EXPECT_FALSE(paging::parse_offset(enc::base64_encode(std::string(19, '9'))));
}

TEST(Paging, SliceStopsAtMaxAndAtTheEnd) {
  std::vector<std::string> v = {"a", "b", "c"};
  auto item = [&](size_t i) { return Doc(v[i]); };
  auto first = paging::slice(0, v.size(), 2, item);
  EXPECT_EQ(json::write(first.list), R"(["a","b"])");
  EXPECT_TRUE(first.more());
  EXPECT_EQ(first.next, 2u);
  auto last = paging::slice(first.next, v.size(), 2, item);
  EXPECT_EQ(json::write(last.list), R"(["c"])");
  EXPECT_FALSE(last.more());
  auto past = paging::slice(7, v.size(), 2, item);  // a token beyond the list: an empty last page
  EXPECT_EQ(past.list.size(), 0u);
  EXPECT_FALSE(past.more());
}

TEST(Paging, SliceAnswerSetsTheTokenOnlyWhenMoreRemain) {
  auto item = [](size_t i) { return Doc(static_cast<int64_t>(i)); };
  EXPECT_EQ(json::write(paging::slice(0, 3, 2, item).answer("Items", "NextToken")),
            R"({"Items":[0,1],"NextToken":")" + paging::offset_token(2) + R"("})");
  EXPECT_EQ(json::write(paging::slice(2, 3, 2, item).answer("Items", "NextToken")), R"({"Items":[2]})");
  auto decimal = [](size_t next) { return std::to_string(next); };
  EXPECT_EQ(json::write(paging::slice(0, 3, 1, item).answer("Items", "Next", decimal)), R"({"Items":[0],"Next":"1"})");
}

}  // namespace
}  // namespace stratus
