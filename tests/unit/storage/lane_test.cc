// The commit lane (storage/lane.h): order of tasks, deferral of the log flush while a group runs,
// and continuations only after the group's sync_wal().
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/engine.h"
#include "storage/lane.h"

namespace stratus::storage {
namespace {

// A memory engine that records, in one event list, every write (and whether the writing thread
// had deferred its log flush) and every sync_wal().
class RecordingEngine final : public Engine {
 public:
  Status get(std::string_view ks, std::string_view key, std::string* value,
             const Snapshot* snap) override {
    return inner_->get(ks, key, value, snap);
  }
  Status put(std::string_view ks, std::string_view key, std::string_view value) override {
    note("put " + std::string(key) + (t_deferred ? " deferred" : " flushed"));
    return inner_->put(ks, key, value);
  }
  Status del(std::string_view ks, std::string_view key) override { return inner_->del(ks, key); }
  Status write(const WriteBatch& batch) override { return inner_->write(batch); }
  std::unique_ptr<Iterator> scan(std::string_view ks, const ScanOptions& opts) override {
    return inner_->scan(ks, opts);
  }
  std::shared_ptr<const Snapshot> snapshot() override { return inner_->snapshot(); }
  Status clear() override { return inner_->clear(); }
  Status flush() override { return inner_->flush(); }
  std::string describe() const override { return inner_->describe(); }
  void defer_wal(bool on) override { t_deferred = on; }
  Status sync_wal() override {
    note("sync");
    return fail_sync ? Status::IoError("disk gone") : Status::OK();
  }

  void note(std::string e) {
    std::lock_guard l(mu);
    events.push_back(std::move(e));
  }
  std::vector<std::string> take() {
    std::lock_guard l(mu);
    return std::move(events);
  }

  std::mutex mu;
  std::vector<std::string> events;
  std::atomic<bool> fail_sync{false};

 private:
  static thread_local bool t_deferred;
  std::unique_ptr<Engine> inner_ = open_memory();
};
thread_local bool RecordingEngine::t_deferred = false;

TEST(CommitLane, TasksRunInOrderAndAreAcknowledgedAfterTheirGroupsSync) {
  RecordingEngine e;
  std::promise<void> gate, started;
  std::shared_future<void> open = gate.get_future().share();
  {
    CommitLane lane(e, "lane-test");
    // The first task holds the lane until the rest are queued, so they form one group.
    lane.submit([&]() -> CommitLane::Then {
      started.set_value();
      open.wait();
      e.put("t", "0", "v");
      return [&](const Status& s) { e.note(std::string("ack 0 ") + (s.ok() ? "ok" : "failed")); };
    });
    started.get_future().wait();
    for (int i = 1; i <= 3; ++i) {
      lane.submit([&, i]() -> CommitLane::Then {
        e.put("t", std::to_string(i), "v");
        return [&, i](const Status& s) {
          e.note("ack " + std::to_string(i) + (s.ok() ? " ok" : " failed"));
        };
      });
    }
    lane.submit([]() -> CommitLane::Then { return nullptr; });  // nothing to acknowledge
    gate.set_value();
  }  // the destructor runs what is queued
  std::vector<std::string> want = {"put 0 deferred", "sync",           "ack 0 ok", "put 1 deferred",
                                   "put 2 deferred", "put 3 deferred", "sync",     "ack 1 ok",
                                   "ack 2 ok",       "ack 3 ok"};
  EXPECT_EQ(e.take(), want);
  // Writes outside the lane are not deferred.
  e.put("t", "x", "v");
  EXPECT_EQ(e.take(), std::vector<std::string>{"put x flushed"});
}

TEST(CommitLane, AFailedSyncReachesEveryContinuationOfTheGroup) {
  RecordingEngine e;
  e.fail_sync = true;
  std::atomic<int> failed{0};
  {
    CommitLane lane(e, "lane-test");
    for (int i = 0; i < 5; ++i)
      lane.submit([&]() -> CommitLane::Then {
        e.put("t", "k", "v");
        return [&](const Status& s) {
          if (!s.ok()) ++failed;
        };
      });
  }
  EXPECT_EQ(failed.load(), 5);
}

TEST(CommitLane, ManyProducersEveryTaskRunsOnceAndGroupsShareSyncs) {
  RecordingEngine e;
  std::atomic<int> acked{0};
  constexpr int kThreads = 4, kEach = 2000;
  uint64_t groups = 0, tasks = 0;
  {
    CommitLane lane(e, "lane-test");
    std::vector<std::thread> producers;
    for (int t = 0; t < kThreads; ++t)
      producers.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i)
          lane.submit([&, t, i]() -> CommitLane::Then {
            e.put("t", std::to_string(t) + "-" + std::to_string(i), "v");
            return [&](const Status&) { ++acked; };
          });
      });
    for (auto& p : producers) p.join();
    while (acked.load() < kThreads * kEach) std::this_thread::yield();
    groups = lane.groups();
    tasks = lane.tasks();
  }
  EXPECT_EQ(acked.load(), kThreads * kEach);
  EXPECT_EQ(tasks, static_cast<uint64_t>(kThreads * kEach));
  auto events = e.take();
  size_t syncs = 0, puts = 0;
  for (const auto& ev : events) {
    if (ev == "sync")
      ++syncs;
    else if (ev.ends_with(" deferred"))
      ++puts;
    else
      ADD_FAILURE() << "unexpected event " << ev;
  }
  EXPECT_EQ(puts, static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(syncs, groups);
  EXPECT_LE(groups, tasks);
}

}  // namespace
}  // namespace stratus::storage
