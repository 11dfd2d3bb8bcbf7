// dynamodb background.cc (sweep(), common.h): Time to Live deletes expired items through the
// write path (a REMOVE stream record by the service), keeps live ones and items without the
// attribute; stream records past the 24 h retention are trimmed and the trim point is kept.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/json.h"
#include "services/dynamodb/api.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"
#include "storage/engine.h"
#include "stream_table.h"

namespace stratus::dynamodb {
namespace {

class DynamoSweep : public StreamTable {
 protected:
  DynamoSweep() : StreamTable("OLD_IMAGE") {
    update_time_to_live(cat_, *oc_, json::parse(R"J({"TableName":"tbl",
        "TimeToLiveSpecification":{"AttributeName":"expires","Enabled":true}})J"));
  }
  bool stored(const std::string& id) {
    return get_item(cat_, *oc_, json::parse(R"J({"TableName":"tbl","Key":{"id":{"S":")J" + id + R"J("}}})J"))
        .has("Item");
  }
};

TEST_F(DynamoSweep, TimeToLive) {
  int64_t now_s = now_millis() / 1000;
  put(R"J({"id":{"S":"old"},"expires":{"N":")J" + std::to_string(now_s - 60) + R"J("}})J");
  put(R"J({"id":{"S":"live"},"expires":{"N":")J" + std::to_string(now_s + 3600) + R"J("}})J");
  put(R"J({"id":{"S":"none"}})J");
  put(R"J({"id":{"S":"text"},"expires":{"S":"1"}})J");  // not a number: never expires
  uint64_t before = last_sequence(run_.ctx.storage(), stream_.stream_id);
  sweep(run_.ctx.storage(), cat_, now_s * 1000);
  EXPECT_FALSE(stored("old"));
  EXPECT_TRUE(stored("live"));
  EXPECT_TRUE(stored("none"));
  EXPECT_TRUE(stored("text"));
  auto recs = read_stream(run_.ctx.storage(), stream_.stream_id, before, 10);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].event_name, "REMOVE");
  EXPECT_TRUE(recs[0].by_ttl);
  ASSERT_TRUE(recs[0].old_image);
  // Two hours later the other one goes too.
  sweep(run_.ctx.storage(), cat_, (now_s + 7200) * 1000);
  EXPECT_FALSE(stored("live"));
  EXPECT_TRUE(stored("none"));
}

TEST_F(DynamoSweep, StreamRetention) {
  put(R"J({"id":{"S":"a"}})J");
  put(R"J({"id":{"S":"b"}})J");
  uint64_t last = last_sequence(run_.ctx.storage(), stream_.stream_id);
  ASSERT_EQ(read_stream(run_.ctx.storage(), stream_.stream_id, 0, 10).size(), 2u);
  EXPECT_EQ(trimmed_through(run_.ctx.storage(), stream_.stream_id), 0u);
  sweep(run_.ctx.storage(), cat_, now_millis() + 3600 * 1000);  // within 24 h: kept
  EXPECT_EQ(read_stream(run_.ctx.storage(), stream_.stream_id, 0, 10).size(), 2u);
  sweep(run_.ctx.storage(), cat_, now_millis() + 25 * 3600 * 1000LL);
  EXPECT_TRUE(read_stream(run_.ctx.storage(), stream_.stream_id, 0, 10).empty());
  EXPECT_EQ(trimmed_through(run_.ctx.storage(), stream_.stream_id), last);
  // Sequence numbers continue after the trim.
  put(R"J({"id":{"S":"c"}})J");
  EXPECT_GT(last_sequence(run_.ctx.storage(), stream_.stream_id), last);
}

}  // namespace
}  // namespace stratus::dynamodb
