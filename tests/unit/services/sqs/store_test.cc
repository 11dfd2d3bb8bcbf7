// SQS's Store: the queue index, and what it writes reads back at start (load()) in the layout
// older data has on disk.
#include "services/sqs/store.h"

#include <gtest/gtest.h>

#include "services/sqs/common.h"
#include "services/sqs/record.h"

namespace stratus::sqs {
namespace {

QueuePtr make_queue(const std::string& name, const std::string& uid, bool fifo = false) {
  auto q = std::make_shared<Queue>();
  q->account = "000000000000";
  q->region = "us-east-1";
  q->name = name;
  q->uid = uid;
  q->arn = "arn:aws:sqs:us-east-1:000000000000:" + name;
  q->fifo = fifo;
  q->created_ms = q->modified_ms = 1'700'000'000'000;
  q->attributes = {{"VisibilityTimeout", "45"}, {"DelaySeconds", "0"}};
  q->tags = {{"team", "a"}};
  return q;
}

std::string key_of(const Queue& q) { return queue_key(q.account, q.region, q.name); }

MessagePtr make_message(Store& store, const std::string& body, int64_t now) {
  auto m = std::make_shared<Message>();
  m->seq = store.take_seq();
  m->sent_ms = now;
  m->visible_at = now;
  auto p = std::make_shared<Payload>();
  p->id = "id-" + body;
  p->body = body;
  p->md5_body = md5_hex(body);
  m->payload = seal(std::move(p));
  return m;
}

TEST(SqsStore, KeysAreSeqFirstAndScoped) {  // schema.h: the bytes on disk
  std::string k = message_key("abcdefghijklmnop", 0x0102);
  ASSERT_EQ(k.size(), 24u);
  EXPECT_EQ(k.substr(0, 8), std::string("\0\0\0\0\0\0\x01\x02", 8));
  EXPECT_EQ(k.substr(8), "abcdefghijklmnop");
  EXPECT_EQ(queue_key("acct", "reg", "name"), std::string("acct\0reg\0name", 13));
  EXPECT_EQ(queue_item_key("abcdefghijklmnop", "g\nid"), "abcdefghijklmnopg\nid");
}

TEST(SqsStore, CreateFindsExistingAndRefusesRecentlyDeletedNames) {
  auto engine = storage::open_memory();
  Store store;
  store.open(*engine);
  auto q = make_queue("orders", "aaaaaaaaaaaaaaaa");
  auto made = store.create(key_of(*q), 1000, [&]() -> QueuePtr { return q; });
  EXPECT_TRUE(made.second);
  EXPECT_EQ(store.find(key_of(*q)), q);
  EXPECT_EQ(store.by_arn(q->arn), q);

  bool called = false;
  auto again = store.create(key_of(*q), 2000, [&]() -> QueuePtr {
    called = true;
    return q;
  });
  EXPECT_FALSE(again.second);
  EXPECT_EQ(again.first, q);
  EXPECT_FALSE(called);

  EXPECT_TRUE(store.remove(q, 3000));
  EXPECT_EQ(store.find(key_of(*q)), nullptr);
  EXPECT_EQ(store.by_arn(q->arn), nullptr);
  EXPECT_FALSE(store.remove(q, 3000));

  try {
    store.create(key_of(*q), 3000 + kQueueReuseMs - 1, [&]() -> QueuePtr { return q; });
    ADD_FAILURE() << "a recently deleted name was reused";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "QueueDeletedRecently");
  }
  EXPECT_TRUE(store.create(key_of(*q), 3000 + kQueueReuseMs, [&]() -> QueuePtr { return q; }).second);
}

TEST(SqsStore, PrefixListsQueuesInKeyOrder) {
  auto engine = storage::open_memory();
  Store store;
  store.open(*engine);
  char uid = 'a';
  for (const char* name : {"b-two", "a-one", "b-one", "c"}) {
    auto q = make_queue(name, std::string(16, uid++));
    ASSERT_TRUE(store.create(key_of(*q), 0, [&]() -> QueuePtr { return q; }).second);
  }
  auto b = store.with_prefix(queue_key("000000000000", "us-east-1", "b-"));
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0]->name, "b-one");
  EXPECT_EQ(b[1]->name, "b-two");
  EXPECT_EQ(store.all().size(), 4u);
  EXPECT_EQ(store.clear().size(), 4u);
  EXPECT_TRUE(store.all().empty());
}

TEST(SqsStore, LoadRebuildsQueuesMessagesAndSeqs) {
  auto engine = storage::open_memory();
  const int64_t now = 1'700'000'000'000;
  {
    Store store;
    store.open(*engine);
    auto q = make_queue("jobs", "bbbbbbbbbbbbbbbb");
    ASSERT_TRUE(store.create(key_of(*q), now, [&]() -> QueuePtr { return q; }).second);
    storage::WriteBatch b;
    for (const char* body : {"one", "two"}) Store::stage(b, *q, make_message(store, body, now), now);
    ASSERT_TRUE(store.write(b).ok());
    // A record of a queue that no longer exists is an orphan.
    storage::WriteBatch orphan;
    auto stray = make_queue("gone", "cccccccccccccccc");
    Store::stage(orphan, *stray, make_message(store, "stray", now), now);
    ASSERT_TRUE(store.write(orphan).ok());
  }
  Store store;
  store.open(*engine);
  storage::WriteBatch orphans;
  store.load(now, orphans);
  QueuePtr q = store.by_arn("arn:aws:sqs:us-east-1:000000000000:jobs");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->uid, "bbbbbbbbbbbbbbbb");
  EXPECT_EQ(q->cfg.visibility_timeout, 45);
  EXPECT_EQ(q->tags.at("team"), "a");
  ASSERT_EQ(q->messages.size(), 2u);
  EXPECT_EQ(q->ready.size(), 2u);
  EXPECT_EQ(store.payload_of(*q, *q->messages.begin()->second)->body, "one");
  EXPECT_EQ(orphans.ops().size(), 1u);
  EXPECT_EQ(store.take_seq(), 3u);  // after the highest seq of a live message (the orphan's is 3)
}

TEST(SqsStore, LoadMovesUidFirstKeysToSeqFirst) {
  auto engine = storage::open_memory();
  const int64_t now = 1'700'000'000'000;
  auto q = make_queue("old", "dddddddddddddddd");
  ASSERT_TRUE(engine->put(kQueuesKs, key_of(*q), Store::queue_record(*q)).ok());
  Message m;
  m.seq = 7;
  m.sent_ms = now;
  Payload p;
  p.id = "legacy";
  p.body = "from before";
  std::string legacy_key = q->uid;
  put_u64(legacy_key, 7);
  ASSERT_TRUE(engine->put(kMessagesKs, legacy_key, encode_message(m, p)).ok());

  Store store;
  store.open(*engine);
  storage::WriteBatch orphans;
  store.load(now, orphans);
  std::string raw;
  EXPECT_TRUE(engine->get(kMessagesKs, message_key(q->uid, 7), &raw).ok());
  EXPECT_FALSE(engine->get(kMessagesKs, legacy_key, &raw).ok());
  QueuePtr loaded = store.by_arn(q->arn);
  ASSERT_NE(loaded, nullptr);
  ASSERT_EQ(loaded->messages.count(7), 1u);
}

TEST(SqsStore, DropStoredDeletesMessagesAndDedupEntries) {
  auto engine = storage::open_memory();
  const int64_t now = 1'700'000'000'000;
  Store store;
  store.open(*engine);
  auto q = make_queue("f.fifo", "eeeeeeeeeeeeeeee", true);
  storage::WriteBatch b;
  auto m = make_message(store, "x", now);
  Store::stage(b, *q, m, now);  // FIFO: message and dedup entry
  ASSERT_TRUE(store.write(b).ok());
  EXPECT_TRUE(engine->scan(kDedupKs, {})->valid());
  store.drop_stored(q->uid, {m->seq}, true);
  EXPECT_FALSE(engine->scan(kMessagesKs, {})->valid());
  EXPECT_FALSE(engine->scan(kDedupKs, {})->valid());
}

TEST(SqsStore, AttemptRecordsHoldEachPickInOrder) {
  auto m = std::make_shared<Message>();
  m->seq = 42;
  Picked p{};
  p.msg = m;
  p.receive_count = 2;
  p.first_receive_ms = 5;
  p.nonce = 9;
  p.visible_at = 11;
  std::string rec = Store::encode_attempt(1234, {p});
  Reader r(rec);
  EXPECT_EQ(r.i64(), 1234);
  EXPECT_EQ(r.u64(), 1u);
  EXPECT_EQ(r.u64(), 42u);
  EXPECT_EQ(r.u64(), 2u);
  EXPECT_EQ(r.i64(), 5);
  EXPECT_EQ(r.u64(), 9u);
  EXPECT_EQ(r.i64(), 11);
  EXPECT_TRUE(r.done());
}

}  // namespace
}  // namespace stratus::sqs
