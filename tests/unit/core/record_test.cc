#include "core/record.h"

#include <gtest/gtest.h>

#include "auth/keystore.h"
#include "core/error.h"
#include "services/dynamodb/store.h"
#include "services/sqs/move_tasks.h"
#include "services/sqs/queue.h"
#include "services/sqs/store.h"

namespace stratus {
namespace {

struct Rec {
  std::string s;
  int64_t i = 0;
  int n = 0;
  bool b = false;
  double x = 0;
  json::StringMap m;
  std::string untouched = "keep";
};

const json::Record<Rec> kRec{{"s", &Rec::s}, {"i", &Rec::i}, {"n", &Rec::n},
                             {"b", &Rec::b}, {"x", &Rec::x}, {"m", &Rec::m}};

struct Sparse {
  std::string s;
  uint64_t u = 0;
  bool b = false;
  json::StringMap m;
};

const json::Record<Sparse> kSparse{
    {"s", &Sparse::s, true}, {"u", &Sparse::u}, {"b", &Sparse::b, true}, {"m", &Sparse::m, true}};

TEST(Record, SparseMembersOnlyWhenSetAndUnsignedAsInt) {
  EXPECT_EQ(kSparse.write(Sparse{}), R"({"u":0})");
  Sparse full{"x", 1'733'500'000'000'000, true, {{"k", "v"}}};
  EXPECT_EQ(kSparse.write(full), R"({"b":true,"m":{"k":"v"},"s":"x","u":1733500000000000})");
  Sparse back = kSparse.read(R"({"b":true,"m":{"k":"v"},"s":"x","u":1733500000000000})");
  EXPECT_EQ(back.u, 1'733'500'000'000'000u);
  EXPECT_EQ(back.s, "x");
  EXPECT_TRUE(back.b);
  EXPECT_EQ(kSparse.read("{}").s, "");
}

TEST(Record, WritesEachMemberWithItsNaturalType) {
  Rec r;
  r.s = "a\"b";
  r.i = 1'700'000'000'123;
  r.n = -3;
  r.b = true;
  r.x = 2.5;
  r.m = {{"k2", "v2"}, {"k1", "v1"}};
  EXPECT_EQ(kRec.write(r), R"({"b":true,"i":1700000000123,"m":{"k1":"v1","k2":"v2"},"n":-3,"s":"a\"b","x":2.5})");
  Doc d = kRec.to_doc(r);
  EXPECT_TRUE(d.get("b")->is_bool());
  EXPECT_TRUE(d.get("i")->is_int());
  EXPECT_TRUE(d.get("n")->is_int());
  EXPECT_TRUE(d.get("x")->is_double());
}

TEST(Record, RoundTrips) {
  Rec r;
  r.s = "é";
  r.i = -7;
  r.n = 42;
  r.b = true;
  r.x = 0.125;
  r.m = {{"a", ""}, {"b", "c"}};
  Rec back = kRec.read(kRec.write(r));
  EXPECT_EQ(back.s, r.s);
  EXPECT_EQ(back.i, r.i);
  EXPECT_EQ(back.n, r.n);
  EXPECT_EQ(back.b, r.b);
  EXPECT_EQ(back.x, r.x);
  EXPECT_EQ(back.m, r.m);
}

TEST(Record, MissingOrMistypedMembersReadAsDefaults) {
  Rec r = kRec.read(R"({"s":5,"i":"x","b":"true","extra":1})");
  EXPECT_EQ(r.s, "");
  EXPECT_EQ(r.i, 0);
  EXPECT_EQ(r.n, 0);
  EXPECT_FALSE(r.b);
  EXPECT_EQ(r.x, 0);
  EXPECT_TRUE(r.m.empty());
  EXPECT_EQ(kRec.read(R"({"x":3})").x, 3.0);  // an integer reads into a double
}

TEST(Record, ReadIntoLeavesFieldsOutsideTheTable) {
  Rec r;
  r.untouched = "mine";
  kRec.read(R"({"s":"v"})", r);
  EXPECT_EQ(r.s, "v");
  EXPECT_EQ(r.untouched, "mine");
}

TEST(Record, MalformedTextThrows) { EXPECT_THROW(kRec.read("{"), AwsError); }

// ---- byte-compatibility with the hand-written writers the tables replaced ----------------------

TEST(Record, CredentialRecordBytesUnchanged) {
  auth::Credential c{"AKIA1", "secret", "tok", "123456789012", "arn:aws:iam::123456789012:user/u", "AIDA1", 99};
  // The writer before json::Record.
  Doc d = Doc::map();
  d.set("secret", c.secret_key);
  d.set("token", c.session_token);
  d.set("account", c.account);
  d.set("arn", c.principal_arn);
  d.set("user_id", c.user_id);
  d.set("expires", c.expires_ms);
  std::string old = json::write(d);
  EXPECT_EQ(auth::credential_record(c), old);
  EXPECT_EQ(old, R"({"account":"123456789012","arn":"arn:aws:iam::123456789012:user/u","expires":99,)"
                 R"("secret":"secret","token":"tok","user_id":"AIDA1"})");
  auth::Credential back = auth::read_credential_record("AKIA1", old);
  EXPECT_EQ(back.access_key, "AKIA1");
  EXPECT_EQ(back.secret_key, "secret");
  EXPECT_EQ(back.session_token, "tok");
  EXPECT_EQ(back.account, "123456789012");
  EXPECT_EQ(back.principal_arn, c.principal_arn);
  EXPECT_EQ(back.user_id, "AIDA1");
  EXPECT_EQ(back.expires_ms, 99);
}

TEST(Record, SqsMoveTaskRecordBytesUnchanged) {
  sqs::MoveTask t;
  t.id = "id";
  t.handle = "h";
  t.source_arn = "arn:src";
  t.dest_arn = "arn:dst";
  t.rate = 5;
  t.status = "COMPLETED";
  t.moved = 3;
  t.to_move = 4;
  t.started_ms = 1000;
  t.failure = "f";
  Doc d = Doc::map();
  d.set("handle", t.handle);
  d.set("source", t.source_arn);
  d.set("dest", t.dest_arn);
  d.set("rate", t.rate);
  d.set("status", t.status);
  d.set("moved", t.moved);
  d.set("to_move", t.to_move);
  d.set("started", t.started_ms);
  d.set("failure", t.failure);
  std::string old = json::write(d);
  EXPECT_EQ(sqs::MoveTasks::record(t), old);
  sqs::MoveTask back;
  sqs::MoveTasks::read_record(old, back);
  EXPECT_EQ(sqs::MoveTasks::record(back), old);
}

TEST(Record, SqsQueueRecordBytesUnchanged) {
  sqs::Queue q;
  q.uid = "abc";
  q.created_ms = 1;
  q.modified_ms = 2;
  q.fifo = true;
  q.last_purge_ms = 3;
  q.attributes = {{"VisibilityTimeout", "30"}, {"DelaySeconds", "0"}};
  q.tags = {{"team", "x"}};
  Doc d = Doc::map();
  d.set("uid", q.uid);
  d.set("created", q.created_ms);
  d.set("modified", q.modified_ms);
  d.set("fifo", q.fifo);
  d.set("last_purge", q.last_purge_ms);
  Doc a = Doc::map();
  for (const auto& [k, v] : q.attributes) a.set(k, v);
  d.set("attributes", std::move(a));
  Doc tags = Doc::map();
  for (const auto& [k, v] : q.tags) tags.set(k, v);
  d.set("tags", std::move(tags));
  EXPECT_EQ(sqs::Store::queue_record(q), json::write(d));
}

TEST(Record, DynamoDbTableRecordKeepsItsTypesAndRoundTrips) {
  dynamodb::TableInfo t;
  t.account = "123456789012";
  t.region = "us-east-1";
  t.name = "T";
  t.id = 7;
  t.table_id = "uuid";
  t.hash.name = "pk";
  t.rcu = 5;
  t.created_ms = 1000;
  t.stream_enabled = true;
  t.pitr = true;
  t.backups = 2;
  dynamodb::IndexInfo ix;
  ix.name = "gsi";
  ix.keys.hash = {dynamodb::KeyDef{"g"}};
  ix.wcu = 3;
  t.indexes.push_back(ix);
  std::string text = json::write(t.to_json());
  Doc d = json::parse(text);
  EXPECT_EQ(d.str("id"), "7");  // ids stay decimal strings
  EXPECT_TRUE(d.get("stream_enabled")->is_bool());
  EXPECT_TRUE(d.get("rcu")->is_int());
  EXPECT_EQ(d.str("billing"), "PROVISIONED");
  EXPECT_TRUE(d.get("indexes")->as_list()[0].get("global")->is_bool());
  EXPECT_EQ(d.get("indexes")->as_list()[0].integer("wcu"), 3);
  auto back = dynamodb::TableInfo::from_json(d);
  EXPECT_EQ(back->name, "T");
  EXPECT_EQ(back->backups, 2);
  EXPECT_EQ(json::write(back->to_json()), text);
  // Members with non-empty defaults keep them when missing.
  auto bare = dynamodb::TableInfo::from_json(json::parse(R"({"hash":{"n":"pk","t":"S"}})"));
  EXPECT_EQ(bare->billing_mode, "PROVISIONED");
  EXPECT_EQ(bare->table_class, "STANDARD");
  EXPECT_EQ(bare->pitr_days, 35);
}

TEST(Record, ListsRoundTripAndNonListsReadAsNone) {
  const json::Record<Rec> rec{{"s", &Rec::s}, {"i", &Rec::i}};
  std::vector<Rec> recs(2);
  recs[0].s = "a";
  recs[1].s = "b";
  recs[1].i = 2;
  Doc list = rec.to_list(recs);
  EXPECT_EQ(json::write(list), R"([{"i":0,"s":"a"},{"i":2,"s":"b"}])");
  auto back = rec.from_list(&list);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].s, "b");
  EXPECT_EQ(back[1].i, 2);
  Doc not_list = Doc::map();
  EXPECT_TRUE(rec.from_list(&not_list).empty());
  EXPECT_TRUE(rec.from_list(nullptr).empty());
}

}  // namespace
}  // namespace stratus
