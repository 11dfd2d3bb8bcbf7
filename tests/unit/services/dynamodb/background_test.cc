// dynamodb background.cc (sweep(), common.h): Time to Live deletes expired items through the
// write path (a REMOVE stream record by the service), keeps live ones and items without the
// attribute; stream records past the 24 h retention are trimmed and the trim point is kept.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/json.h"
#include "server/context.h"
#include "services/dynamodb/api.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"
#include "storage/engine.h"

namespace stratus::dynamodb {
namespace {

class DynamoSweep : public ::testing::Test {
 protected:
  DynamoSweep() : ctx_(Config{}, storage::open_memory()) {
    Config c;
    c.services = {"dynamodb"};
    for (auto& s : make_services(c)) ctx_.add_service(std::move(s));
    Service* svc = ctx_.service("dynamodb");
    oc_ = std::make_unique<OpContext>(OpContext{
        ctx_, ctx_.storage(), svc->model(), *svc->model().find_operation("PutItem"), {}, "req", now_millis(), {}});
    oc_->caller.account = "000000000000";
    oc_->caller.region = "us-east-1";
    Doc t = create_table(cat_, *oc_, json::parse(R"J({"TableName":"ttl","BillingMode":"PAY_PER_REQUEST",
        "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
        "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
        "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"OLD_IMAGE"}})J"));
    stream_ = *find_stream(ctx_.storage(), t["TableDescription"].str("LatestStreamArn"));
    update_time_to_live(cat_, *oc_, json::parse(R"J({"TableName":"ttl",
        "TimeToLiveSpecification":{"AttributeName":"expires","Enabled":true}})J"));
  }
  void put(const std::string& item) {
    put_item(cat_, *oc_, json::parse(R"J({"TableName":"ttl","Item":)J" + item + "}")).apply(cat_, *oc_);
  }
  bool stored(const std::string& id) {
    return get_item(cat_, *oc_, json::parse(R"J({"TableName":"ttl","Key":{"id":{"S":")J" + id + R"J("}}})J"))
        .has("Item");
  }

  ServerContext ctx_;
  Catalog cat_;
  std::unique_ptr<OpContext> oc_;
  StreamRef stream_;
};

TEST_F(DynamoSweep, TimeToLive) {
  int64_t now_s = now_millis() / 1000;
  put(R"J({"id":{"S":"old"},"expires":{"N":")J" + std::to_string(now_s - 60) + R"J("}})J");
  put(R"J({"id":{"S":"live"},"expires":{"N":")J" + std::to_string(now_s + 3600) + R"J("}})J");
  put(R"J({"id":{"S":"none"}})J");
  put(R"J({"id":{"S":"text"},"expires":{"S":"1"}})J");  // not a number: never expires
  uint64_t before = last_sequence(ctx_.storage(), stream_.stream_id);
  sweep(ctx_.storage(), cat_, now_s * 1000);
  EXPECT_FALSE(stored("old"));
  EXPECT_TRUE(stored("live"));
  EXPECT_TRUE(stored("none"));
  EXPECT_TRUE(stored("text"));
  auto recs = read_stream(ctx_.storage(), stream_.stream_id, before, 10);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].event_name, "REMOVE");
  EXPECT_TRUE(recs[0].by_ttl);
  ASSERT_TRUE(recs[0].old_image);
  // Two hours later the other one goes too.
  sweep(ctx_.storage(), cat_, (now_s + 7200) * 1000);
  EXPECT_FALSE(stored("live"));
  EXPECT_TRUE(stored("none"));
}

TEST_F(DynamoSweep, StreamRetention) {
  put(R"J({"id":{"S":"a"}})J");
  put(R"J({"id":{"S":"b"}})J");
  uint64_t last = last_sequence(ctx_.storage(), stream_.stream_id);
  ASSERT_EQ(read_stream(ctx_.storage(), stream_.stream_id, 0, 10).size(), 2u);
  EXPECT_EQ(trimmed_through(ctx_.storage(), stream_.stream_id), 0u);
  sweep(ctx_.storage(), cat_, now_millis() + 3600 * 1000);  // within 24 h: kept
  EXPECT_EQ(read_stream(ctx_.storage(), stream_.stream_id, 0, 10).size(), 2u);
  sweep(ctx_.storage(), cat_, now_millis() + 25 * 3600 * 1000LL);
  EXPECT_TRUE(read_stream(ctx_.storage(), stream_.stream_id, 0, 10).empty());
  EXPECT_EQ(trimmed_through(ctx_.storage(), stream_.stream_id), last);
  // Sequence numbers continue after the trim.
  put(R"J({"id":{"S":"c"}})J");
  EXPECT_GT(last_sequence(ctx_.storage(), stream_.stream_id), last);
}

}  // namespace
}  // namespace stratus::dynamodb
