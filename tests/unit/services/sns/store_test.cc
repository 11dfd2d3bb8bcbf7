// SNS's topic and subscription store: what is written reads back into a new store (a restart),
// deletes reach storage, and the fan-out view of a topic.
#include <gtest/gtest.h>

#include <mutex>

#include "core/clock.h"
#include "services/sns/http_delivery.h"
#include "services/sns/store.h"
#include "storage/engine.h"

namespace stratus::sns {
namespace {

std::shared_ptr<Topic> make_topic(const std::string& name) {
  auto t = std::make_shared<Topic>();
  t->arn = "arn:aws:sns:us-east-1:000000000000:" + name;
  t->account = "000000000000";
  t->region = "us-east-1";
  t->name = name;
  return t;
}

std::shared_ptr<Sub> make_sub(const Topic& t, const std::string& id, const std::string& protocol, bool confirmed) {
  auto s = std::make_shared<Sub>();
  s->arn = t.arn + ":" + id;
  s->topic_arn = t.arn;
  s->protocol = protocol;
  s->endpoint = protocol == "sqs" ? "arn:aws:sqs:us-east-1:000000000000:q" : "https://example.test/hook";
  s->owner = t.account;
  s->confirmed = confirmed;
  if (!confirmed) s->token = "tok-" + id;
  return s;
}

class SnsStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<storage::Engine> engine = storage::open_memory();
  Store store;
  void SetUp() override { store.open(*engine); }
};

TEST_F(SnsStoreTest, TopicCountsByAccountRegionAndKind) {
  auto a = make_topic("a"), b = make_topic("b.fifo"), c = make_topic("c");
  b->fifo = true;
  c->region = "eu-west-1";
  c->arn = "arn:aws:sns:eu-west-1:000000000000:c";
  {
    std::unique_lock lk(store.mutex());
    store.add(a);
    store.add(a);  // the same topic again counts once
    store.add(b);
    store.add(c);
    EXPECT_EQ(store.topic_count("000000000000", "us-east-1", false), 1u);
    EXPECT_EQ(store.topic_count("000000000000", "us-east-1", true), 1u);
    EXPECT_EQ(store.topic_count("000000000000", "eu-west-1", false), 1u);
    EXPECT_EQ(store.topic_count("111111111111", "us-east-1", false), 0u);
    ASSERT_TRUE(store.erase(*a).ok());
    EXPECT_EQ(store.topic_count("000000000000", "us-east-1", false), 0u);
  }
  Store again;  // counted again from storage
  again.open(*engine);
  std::shared_lock lk(again.mutex());
  EXPECT_EQ(again.topic_count("000000000000", "us-east-1", true), 1u);
  EXPECT_EQ(again.topic_count("000000000000", "us-east-1", false), 0u);
}

TEST_F(SnsStoreTest, DeduplicationWindowsReadBackUntilTheyExpire) {
  auto t = make_topic("d.fifo");
  t->fifo = true;
  {
    std::unique_lock lk(store.mutex());
    store.add(t);
  }
  constexpr uint64_t kBase = 10'000'000'000'000'000'000ULL;
  storage::WriteBatch b;
  Store::dedup_record(b, *t, "open", now_millis() + 60'000, "id-1", kBase + 41);
  Store::dedup_record(b, *t, "closed", now_millis() - 1, "id-0", kBase + 7);
  ASSERT_TRUE(engine->write(b).ok());
  {
    Store again;
    again.open(*engine);
    std::shared_lock lk(again.mutex());
    auto t2 = again.topic(t->arn);
    ASSERT_TRUE(t2);
    ASSERT_EQ(t2->dedup.size(), 1u);
    EXPECT_EQ(t2->dedup.at("open").second.first, "id-1");
    EXPECT_EQ(t2->next_seq, 42u);
  }
  {  // the topic's deletion takes its windows along
    std::unique_lock lk(store.mutex());
    ASSERT_TRUE(store.erase(*t).ok());
  }
  auto it = engine->scan("sns.dedup", {});
  EXPECT_FALSE(it->valid());
}

TEST_F(SnsStoreTest, TopicsAndSubscriptionsReadBackAfterReopen) {
  auto t = make_topic("orders.fifo");
  t->fifo = true;
  t->attributes["DisplayName"] = "Orders";
  t->attributes["ContentBasedDeduplication"] = "true";
  t->tags = {{"team", "a"}, {"env", "dev"}};
  auto s1 = make_sub(*t, "one", "sqs", true);
  s1->attributes["RawMessageDelivery"] = "true";
  s1->attributes["FilterPolicy"] = R"({"color":["red"]})";
  auto s2 = make_sub(*t, "two", "https", false);
  {
    std::unique_lock lk(store.mutex());
    store.add(t);
    store.add(*t, s1);
    store.add(*t, s2);
  }

  Store again;
  again.open(*engine);
  std::shared_lock lk(again.mutex());
  auto rt = again.topic(t->arn);
  ASSERT_TRUE(rt);
  EXPECT_EQ(rt->name, "orders.fifo");
  EXPECT_EQ(rt->account, "000000000000");
  EXPECT_EQ(rt->region, "us-east-1");
  EXPECT_TRUE(rt->fifo);
  EXPECT_EQ(rt->attributes, t->attributes);
  EXPECT_EQ(rt->tags, t->tags);
  EXPECT_EQ(rt->subs, (std::vector<std::string>{s1->arn, s2->arn}));  // subscription order
  auto r1 = again.sub(s1->arn);
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->protocol, "sqs");
  EXPECT_EQ(r1->endpoint, s1->endpoint);
  EXPECT_TRUE(r1->confirmed);
  EXPECT_TRUE(r1->raw());
  ASSERT_TRUE(r1->filter);  // the filter policy is parsed again on load
  auto r2 = again.sub(s2->arn);
  ASSERT_TRUE(r2);
  EXPECT_FALSE(r2->confirmed);
  EXPECT_EQ(r2->token, "tok-two");
  EXPECT_FALSE(r2->filter);
  EXPECT_EQ(again.topics().size(), 1u);
}

TEST_F(SnsStoreTest, EraseSubCountsItDeletedAndPersists) {
  auto t = make_topic("t");
  auto s = make_sub(*t, "x", "sqs", true);
  {
    std::unique_lock lk(store.mutex());
    store.add(t);
    store.add(*t, s);
    EXPECT_TRUE(store.erase_sub(s->arn));
    EXPECT_FALSE(store.erase_sub(s->arn));
    EXPECT_FALSE(store.sub(s->arn));
    EXPECT_TRUE(t->subs.empty());
    EXPECT_EQ(t->deleted_subs, 1);
  }
  Store again;
  again.open(*engine);
  std::shared_lock lk(again.mutex());
  EXPECT_FALSE(again.sub(s->arn));
  ASSERT_TRUE(again.topic(t->arn));
  EXPECT_EQ(again.topic(t->arn)->deleted_subs, 1);
}

TEST_F(SnsStoreTest, EraseTopicTakesItsSubscriptions) {
  auto t = make_topic("t");
  auto s = make_sub(*t, "x", "sqs", true);
  auto other = make_topic("other");
  auto keep = make_sub(*other, "y", "sqs", true);
  {
    std::unique_lock lk(store.mutex());
    store.add(t);
    store.add(*t, s);
    store.add(other);
    store.add(*other, keep);
    ASSERT_TRUE(store.erase(*t).ok());
    EXPECT_FALSE(store.topic(t->arn));
    EXPECT_FALSE(store.sub(s->arn));
  }
  Store again;
  again.open(*engine);
  std::shared_lock lk(again.mutex());
  EXPECT_FALSE(again.topic(t->arn));
  EXPECT_FALSE(again.sub(s->arn));
  EXPECT_TRUE(again.topic(other->arn));
  EXPECT_TRUE(again.sub(keep->arn));
}

TEST_F(SnsStoreTest, ReplaceIsCopyOnWrite) {
  auto t = make_topic("t");
  auto s = make_sub(*t, "x", "https", false);
  std::unique_lock lk(store.mutex());
  store.add(t);
  store.add(*t, s);
  std::shared_ptr<const Sub> held = store.sub(s->arn);  // what a delivery in flight keeps
  auto copy = std::make_shared<Sub>(*held);
  copy->confirmed = true;
  store.replace(copy);
  EXPECT_FALSE(held->confirmed);
  EXPECT_TRUE(store.sub(s->arn)->confirmed);
}

TEST_F(SnsStoreTest, FanoutHasConfirmedSubscriptionsInOrder) {
  auto t = make_topic("t");
  t->attributes["DisplayName"] = "Shop";
  t->attributes["SignatureVersion"] = "2";
  auto a = make_sub(*t, "a", "sqs", true);
  auto pending = make_sub(*t, "p", "https", false);
  auto b = make_sub(*t, "b", "https", true);
  std::unique_lock lk(store.mutex());
  store.add(t);
  store.add(*t, a);
  store.add(*t, pending);
  store.add(*t, b);
  Fanout f = store.fanout_of(*t);
  ASSERT_EQ(f.subs.size(), 2u);
  EXPECT_EQ(f.subs[0]->arn, a->arn);
  EXPECT_EQ(f.subs[1]->arn, b->arn);
  EXPECT_EQ(f.display_name, "Shop");
  EXPECT_EQ(f.version, 2);
  t->attributes.erase("SignatureVersion");
  EXPECT_EQ(store.fanout_of(*t).version, 1);
}

TEST_F(SnsStoreTest, SignatureVersionOfTopic) {
  auto t = make_topic("t");
  {
    std::unique_lock lk(store.mutex());
    store.add(t);
  }
  EXPECT_EQ(store.signature_version(t->arn), 1);
  EXPECT_EQ(store.signature_version("arn:aws:sns:us-east-1:000000000000:none"), 1);
  {
    std::unique_lock lk(store.mutex());
    t->attributes["SignatureVersion"] = "2";
  }
  EXPECT_EQ(store.signature_version(t->arn), 2);
}

TEST_F(SnsStoreTest, UnreadableRecordsAreSkipped) {
  ASSERT_TRUE(engine->put("sns.topics", "arn:aws:sns:us-east-1:000000000000:bad", "not json").ok());
  auto t = make_topic("good");
  {
    std::unique_lock lk(store.mutex());
    store.add(t);
  }
  Store again;
  again.open(*engine);
  std::shared_lock lk(again.mutex());
  EXPECT_TRUE(again.topic(t->arn));
  EXPECT_FALSE(again.topic("arn:aws:sns:us-east-1:000000000000:bad"));
}

TEST_F(SnsStoreTest, RetryPolicySubscriptionOverTopicOverDefault) {
  auto t = make_topic("t");
  auto s = make_sub(*t, "x", "https", true);
  {
    std::unique_lock lk(store.mutex());
    store.add(t);
    store.add(*t, s);
  }
  EXPECT_EQ(retry_policy(store, s->arn, t->arn), (std::pair<int, int64_t>{3, 20000}));
  {
    std::unique_lock lk(store.mutex());
    t->attributes["DeliveryPolicy"] = R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":5,"minDelayTarget":2}}})";
  }
  EXPECT_EQ(retry_policy(store, s->arn, t->arn), (std::pair<int, int64_t>{5, 2000}));
  {
    std::unique_lock lk(store.mutex());
    auto copy = std::make_shared<Sub>(*s);
    copy->attributes["DeliveryPolicy"] = R"({"healthyRetryPolicy":{"numRetries":1,"minDelayTarget":7}})";
    store.replace(copy);
  }
  EXPECT_EQ(retry_policy(store, s->arn, t->arn), (std::pair<int, int64_t>{1, 7000}));
}

}  // namespace
}  // namespace stratus::sns
