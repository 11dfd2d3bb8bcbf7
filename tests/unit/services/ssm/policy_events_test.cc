// Parameter policies' actions (rules.h: pending_policy_actions) and the sweep that sends them as
// EventBridge events (ops.h: expire_due) against a fake events::Api port; the events travel in
// the batch of the write they report (ops.h: WriteEvents, events/api.h: add_put).
#include <gtest/gtest.h>

#include "core/json.h"
#include "events/queue.h"
#include "services/events/api.h"
#include "services/ssm/ops.h"
#include "services/ssm/rules.h"
#include "services/ssm/store.h"
#include "storage/engine.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

namespace stratus::ssm {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kExpires = 1893456000000;  // 2030-01-01T00:00:00Z

Doc record(const std::string& policies, int64_t modified) {
  Doc v = Doc::map();
  v.set("Version", 1);
  v.set("Type", "String");
  v.set("Value", "x");
  v.set("Description", "d");
  v.set("LastModifiedDate", modified);
  v.set("Policies", policies);
  DocList versions;
  versions.push_back(v);
  Doc r = Doc::map();
  r.set("Name", "/app/p");
  r.set("Versions", Doc(std::move(versions)));
  return r;
}

const std::string kAll =
    R"([{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}},)"
    R"({"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"2","Unit":"Days"}},)"
    R"({"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"5","Unit":"Hours"}}])";

TEST(SsmPolicyActions, TimesOfEachPolicy) {
  int64_t modified = kExpires - 100 * kHour;
  auto actions = pending_policy_actions(record(kAll, modified), kHour);
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(actions[0].type, "Expiration");
  EXPECT_EQ(actions[0].when, kExpires);
  EXPECT_EQ(actions[1].type, "ExpirationNotification");
  EXPECT_EQ(actions[1].when, kExpires - 48 * kHour);
  EXPECT_EQ(actions[2].type, "NoChangeNotification");
  EXPECT_EQ(actions[2].when, modified + 5 * kHour);
  EXPECT_EQ(next_policy_action(record(kAll, modified), kHour), modified + 5 * kHour);
  EXPECT_EQ(next_policy_action(record("", modified), kHour), 0);
}

TEST(SsmPolicyActions, NotifiedOnceUntilChanged) {
  int64_t modified = kExpires - 100 * kHour;
  Doc r = record(kAll, modified);
  Doc n = Doc::map();
  n.set("ExpirationNotification", kExpires);
  n.set("NoChangeNotification", modified);
  r.set("Notified", n);
  auto actions = pending_policy_actions(r, kHour);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].type, "Expiration");
  // A new modification makes NoChangeNotification pending again.
  (*r.get("Versions")).as_list().back().set("LastModifiedDate", modified + 1);
  EXPECT_EQ(pending_policy_actions(r, kHour).size(), 2u);
}

struct FakeBus : events::Api {
  std::vector<std::pair<std::string, Doc>> got;
  Result<std::string> put(const std::string&, const std::string&, events::Entry e) override {
    EXPECT_EQ(e.source, "aws.ssm");
    EXPECT_EQ(e.resources.size(), 1u);
    got.emplace_back(e.detail_type, json::parse(e.detail));
    return std::string("id");
  }
};

// An engine that keeps the keyspaces each batch writes, and can refuse the parameters' batches.
struct RecordingEngine : storage::Engine {
  std::unique_ptr<storage::Engine> inner = storage::open_memory();
  std::vector<std::vector<std::string>> batches;
  std::atomic<bool> fail{false};
  storage::Status get(std::string_view ks, std::string_view key, std::string* value,
                      const storage::Snapshot* snap) override {
    return inner->get(ks, key, value, snap);
  }
  storage::Status put(std::string_view ks, std::string_view key, std::string_view value) override {
    return inner->put(ks, key, value);
  }
  storage::Status del(std::string_view ks, std::string_view key) override { return inner->del(ks, key); }
  storage::Status write(const storage::WriteBatch& b) override {
    std::vector<std::string> ks;
    for (const auto& op : b.ops()) ks.push_back(op.keyspace);
    if (fail && std::count(ks.begin(), ks.end(), "ssm.parameters")) return storage::Status::IoError("refused");
    {
      std::lock_guard lock(batches_mu);
      batches.push_back(ks);
    }
    return inner->write(b);
  }
  std::mutex batches_mu;
  std::unique_ptr<storage::Iterator> scan(std::string_view ks, const storage::ScanOptions& o) override {
    return inner->scan(ks, o);
  }
  std::shared_ptr<const storage::Snapshot> snapshot() override { return inner->snapshot(); }
  storage::Status clear() override { return inner->clear(); }
  storage::Status flush() override { return inner->flush(); }
  std::string describe() const override { return inner->describe(); }
};

TEST(SsmPolicyActions, SweepSendsNotificationsThenDeletes) {
  RecordingEngine rdb;
  storage::Engine* db = &rdb;
  ParamStore s(*db);
  int64_t modified = kExpires - 100 * kHour;
  Doc r = record(kAll, modified);
  ASSERT_TRUE(s.save("000000000000", "us-east-1", r, ParamStore::expiration_of(r), 0, "").ok());
  FakeBus bus;
  events::Queue queue(*db);
  std::mutex mu;
  std::condition_variable cv;
  size_t delivered = 0;
  queue.subscribe(events::kPutTopic, [&](const events::Delivery& d) {
    auto p = events::decode_put(d.payload);
    EXPECT_TRUE(p);
    std::lock_guard lock(mu);
    if (p) (void)bus.put(p->account, p->region, std::move(p->entry));
    ++delivered;
    cv.notify_all();
    return events::Verdict::done();
  });
  queue.start();
  auto wait_for = [&](size_t n) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return delivered >= n; });
  };
  auto expire_due = [&](storage::Engine& d, int64_t now, events::Api* b) { ssm::expire_due(d, queue, now, b); };
  // The batches that wrote parameters (the queue writes its own too), each with its events.
  auto parameter_batches = [&] {
    std::lock_guard lock(rdb.batches_mu);
    std::vector<std::vector<std::string>> out;
    for (const auto& b : rdb.batches)
      if (std::count(b.begin(), b.end(), "ssm.parameters")) out.push_back(b);
    rdb.batches.clear();
    return out;
  };
  parameter_batches();
  expire_due(*db, modified + 6 * kHour, &bus);  // NoChangeNotification only
  // One batch: the record with its Notified mark and the event's delivery.
  auto pb = parameter_batches();
  ASSERT_EQ(pb.size(), 1u);
  EXPECT_EQ(std::count(pb[0].begin(), pb[0].end(), "events.pending"), 1);
  wait_for(1);
  ASSERT_EQ(bus.got.size(), 1u);
  EXPECT_EQ(bus.got[0].first, "Parameter Store Policy Action");
  EXPECT_EQ(bus.got[0].second.str("policy-type"), "NoChangeNotification");
  EXPECT_EQ(bus.got[0].second.str("parameter-name"), "/app/p");
  expire_due(*db, modified + 7 * kHour, &bus);  // nothing new
  EXPECT_EQ(bus.got.size(), 1u);
  expire_due(*db, kExpires - kHour, &bus);
  wait_for(2);
  ASSERT_EQ(bus.got.size(), 2u);
  EXPECT_EQ(bus.got[1].second.str("policy-type"), "ExpirationNotification");
  ASSERT_TRUE(s.load("000000000000", "us-east-1", "/app/p"));
  // A refused write sends nothing (the event is in the batch that failed).
  rdb.fail = true;
  expire_due(*db, kExpires, &bus);
  rdb.fail = false;
  ASSERT_TRUE(s.load("000000000000", "us-east-1", "/app/p"));
  parameter_batches();
  expire_due(*db, kExpires, &bus);
  pb = parameter_batches();
  ASSERT_EQ(pb.size(), 1u);  // the deletion and its event
  EXPECT_EQ(std::count(pb[0].begin(), pb[0].end(), "events.pending"), 1);
  wait_for(3);
  ASSERT_EQ(bus.got.size(), 3u);
  EXPECT_EQ(bus.got[2].second.str("policy-type"), "Expiration");
  EXPECT_FALSE(s.load("000000000000", "us-east-1", "/app/p"));
  expire_due(*db, kExpires + kHour, nullptr);  // no bus: nothing to do, no crash
  queue.stop();
}

TEST(SsmPolicyActions, ChangeEventInTheWritesBatch) {
  // A write's change event is a stored delivery of the write's own batch: a queue opened on the
  // engine afterwards (a restart after kill -9) delivers it although published() never ran.
  RecordingEngine rdb;
  ParamStore s(rdb);
  FakeBus bus;
  {
    events::Queue queue(rdb);
    WriteEvents ev(&queue, &bus, "000000000000", "us-east-1");
    Doc r = record("", 5);
    ASSERT_TRUE(s.save("000000000000", "us-east-1", r, 0, 0, "", [&](storage::WriteBatch& b) {
                   ev.change(b, r, "Create");
                 }).ok());
    ASSERT_EQ(rdb.batches.size(), 1u);
    EXPECT_EQ(rdb.batches[0].back(), "events.pending");
    // Without EventBridge (no bus) nothing is added.
    WriteEvents none(&queue, nullptr, "000000000000", "us-east-1");
    ASSERT_TRUE(s.erase("000000000000", "us-east-1", "/app/p", 0, "Standard", [&](storage::WriteBatch& b) {
                   none.change(b, r, "Delete");
                 }).ok());
    EXPECT_EQ(std::count(rdb.batches[1].begin(), rdb.batches[1].end(), "events.pending"), 0);
  }
  events::Queue after(rdb);
  std::mutex mu;
  std::condition_variable cv;
  std::optional<events::PutRequest> got;
  after.subscribe(events::kPutTopic, [&](const events::Delivery& d) {
    std::lock_guard lock(mu);
    got = events::decode_put(d.payload);
    cv.notify_all();
    return events::Verdict::done();
  });
  after.start();
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return got.has_value(); });
  }
  after.stop();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->account, "000000000000");
  EXPECT_EQ(got->entry.source, "aws.ssm");
  EXPECT_EQ(got->entry.detail_type, "Parameter Store Change");
  EXPECT_EQ(got->entry.resources, std::vector<std::string>{"arn:aws:ssm:us-east-1:000000000000:parameter/app/p"});
  EXPECT_EQ(json::parse(got->entry.detail).str("operation"), "Create");
  EXPECT_FALSE(got->entry.time.empty());
}

TEST(SsmPolicyActions, ChangeDetail) {
  Doc d = change_detail(record("", 0), "Create");
  EXPECT_EQ(json::write(d), R"({"description":"d","name":"/app/p","operation":"Create","type":"String"})");
}

}  // namespace
}  // namespace stratus::ssm
