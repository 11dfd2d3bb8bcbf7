// dynamodb streams (streams.cc, declared in api.h / store.h): writes append records in sequence
// order, find_stream resolves DescribeTable's LatestStreamArn, read_stream pages after a
// sequence number, listeners hear every append, and records render as GetRecords and Lambda
// see them.
#include <gtest/gtest.h>

#include <atomic>

#include "core/clock.h"
#include "core/json.h"
#include "services/dynamodb/api.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"
#include "storage/engine.h"
#include "stream_table.h"

namespace stratus::dynamodb {
namespace {

class DynamoStreams : public StreamTable {
 protected:
  DynamoStreams() : StreamTable("NEW_AND_OLD_IMAGES") {}
  void put(const std::string& id, const std::string& v) {
    StreamTable::put(R"J({"id":{"S":")J" + id + R"J("},"v":{"S":")J" + v + R"J("}})J");
  }
};

TEST_F(DynamoStreams, FindReadAndSequence) {
  ASSERT_FALSE(stream_arn_.empty());
  auto ref = find_stream(engine(), stream_arn_);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->arn, stream_arn_);
  EXPECT_EQ(ref->table, "tbl");
  EXPECT_EQ(ref->view_type, "NEW_AND_OLD_IMAGES");
  EXPECT_TRUE(ref->enabled);
  EXPECT_FALSE(find_stream(engine(), stream_arn_ + "x"));
  EXPECT_FALSE(find_stream(engine(), "arn:aws:dynamodb:us-east-1:000000000000:table/tbl"));
  EXPECT_FALSE(find_stream(engine(), "not an arn"));
  EXPECT_EQ(last_sequence(engine(), ref->stream_id), 0u);

  std::atomic<int> heard{0};
  uint64_t token = add_stream_listener([&](uint64_t sid, uint64_t) {
    if (sid == ref->stream_id) ++heard;
  });
  put("a", "1");
  put("a", "2");
  put("b", "1");
  remove_stream_listener(token);
  put("c", "1");
  EXPECT_EQ(heard.load(), 3);

  auto all = read_stream(engine(), ref->stream_id, 0, 100);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].event_name, "INSERT");
  EXPECT_EQ(all[1].event_name, "MODIFY");
  ASSERT_TRUE(all[1].old_image && all[1].new_image);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].sequence, all[i - 1].sequence);
  EXPECT_EQ(last_sequence(engine(), ref->stream_id), all.back().sequence);
  EXPECT_EQ(first_sequence(engine(), ref->stream_id), all.front().sequence);
  auto page = read_stream(engine(), ref->stream_id, all[0].sequence, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].sequence, all[1].sequence);
  EXPECT_TRUE(read_stream(engine(), ref->stream_id, all.back().sequence, 10).empty());

  Doc rec = record_to_doc(all[1], *ref);
  EXPECT_EQ(rec.str("eventName"), "MODIFY");
  EXPECT_EQ(rec.str("eventSource"), "aws:dynamodb");
  EXPECT_EQ(rec["dynamodb"].str("SequenceNumber"), sequence_text(all[1].sequence));
  EXPECT_EQ(rec["dynamodb"]["NewImage"]["v"].str("S"), "2");
  EXPECT_EQ(rec["dynamodb"]["OldImage"]["v"].str("S"), "1");
  EXPECT_EQ(rec["dynamodb"].str("StreamViewType"), "NEW_AND_OLD_IMAGES");
  EXPECT_FALSE(rec.has("userIdentity"));
  // Deleted by Time to Live: the DynamoDB service is the identity, spelled per reader.
  StreamRecord ttl = all[0];
  ttl.by_ttl = true;
  EXPECT_EQ(record_to_doc(ttl, *ref)["userIdentity"].str("PrincipalId"), "dynamodb.amazonaws.com");
  EXPECT_EQ(record_to_doc(ttl, *ref, true)["userIdentity"].str("principalId"), "dynamodb.amazonaws.com");
  EXPECT_EQ(record_to_doc(ttl, *ref, true)["userIdentity"].str("type"), "Service");
}

TEST(DynamoStreamText, SequenceNumbersAndShardIds) {
  EXPECT_EQ(sequence_text(0), "000000000000000000000");
  EXPECT_EQ(sequence_text(42), "000000000000000000042");
  EXPECT_EQ(sequence_text(UINT64_MAX).size(), 21u);
  EXPECT_LT(sequence_text(9), sequence_text(10));  // text order is numeric order
  StreamRef a;
  a.stream_id = 1;
  a.label = "2024-01-01T00:00:00.000";
  // "shardId-" + 20 digits of the stream's creation time + "-" + 8 hex digits.
  EXPECT_EQ(stream_shard_id(a), "shardId-20240101000000000000-00000000");
}

}  // namespace
}  // namespace stratus::dynamodb
