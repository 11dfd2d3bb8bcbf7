#include "events/queue.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "core/clock.h"

namespace stratus::events {
namespace {

using namespace std::chrono_literals;
constexpr auto kDeadline = 20s;  // generous: only reached when a test is failing

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stratus-ev-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Records deliveries and lets the test wait for a number of them without sleeping blindly.
class Recorder {
 public:
  void add(const Delivery& d) {
    {
      std::lock_guard lk(mu_);
      seen_.push_back(d);
    }
    cv_.notify_all();
  }
  bool wait_for(size_t n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, kDeadline, [&] { return seen_.size() >= n; });
  }
  std::vector<Delivery> seen() {
    std::lock_guard lk(mu_);
    return seen_;
  }
  std::vector<std::string> payloads() {
    std::vector<std::string> out;
    for (auto& d : seen()) out.push_back(d.payload);
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Delivery> seen_;
};

// Subscribes `rec` to `topic`: every delivery is recorded and done.
void record(const std::string& topic, Queue& q, Recorder& rec) {
  q.subscribe(topic, [&rec](const Delivery& d) {
    rec.add(d);
    return Verdict::done();
  });
}

size_t stored_pending(storage::Engine& e) {
  size_t n = 0;
  for (auto it = e.scan("events.pending", {}); it->valid(); it->next()) ++n;
  return n;
}

TEST(EventsQueue, DeliversInDueTimeOrderThenFifo) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  record("t", q, rec);
  const int64_t now = now_millis();
  ASSERT_TRUE(q.enqueue("t", "late", now + 60).ok());
  ASSERT_TRUE(q.enqueue("t", "mid-1", now + 30).ok());
  ASSERT_TRUE(q.enqueue("t", "asap", 0).ok());
  ASSERT_TRUE(q.enqueue("t", "mid-2", now + 30).ok());
  ASSERT_TRUE(q.enqueue("t", "past", now - 10'000).ok());  // overdue counts as now
  q.start();
  ASSERT_TRUE(rec.wait_for(5));
  EXPECT_EQ(rec.payloads(),
            (std::vector<std::string>{"asap", "past", "mid-1", "mid-2", "late"}));
  for (auto& d : rec.seen()) {
    EXPECT_EQ(d.attempt, 0u);
    EXPECT_EQ(d.topic, "t");
  }
  q.stop();
  EXPECT_EQ(stored_pending(*engine), 0u);
  EXPECT_EQ(q.pending(), 0u);
}

// The dispatcher sleeps until the earliest due time; an earlier entry enqueued while it sleeps
// must wake it rather than wait behind the later one.
TEST(EventsQueue, EarlierEntryWakesSleepingDispatcher) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  record("t", q, rec);
  q.start();
  ASSERT_TRUE(q.enqueue("t", "in-an-hour", now_millis() + 3'600'000).ok());
  ASSERT_TRUE(q.enqueue("t", "now").ok());
  ASSERT_TRUE(rec.wait_for(1));
  EXPECT_EQ(rec.payloads(), std::vector<std::string>{"now"});
  q.stop();
  EXPECT_EQ(stored_pending(*engine), 1u);  // the hour-late one stays stored
}

TEST(EventsQueue, RetryKeepsAttemptCountAndThenSucceeds) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  q.subscribe("t", [&](const Delivery& d) {
    rec.add(d);
    if (d.attempt < 3) return Verdict::retry_after(backoff_ms(d.attempt, 5));
    return Verdict::done();
  });
  q.start();
  ASSERT_TRUE(q.enqueue("t", "p").ok());
  ASSERT_TRUE(rec.wait_for(4));
  q.stop();
  auto seen = rec.seen();
  ASSERT_EQ(seen.size(), 4u);  // done at attempt 3: no fifth delivery
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(seen[i].attempt, i);
    EXPECT_EQ(seen[i].payload, "p");
  }
  // Retries are spaced by at least the requested delay (a lower bound, not a timing assert).
  EXPECT_GE(seen[3].due_at_ms - seen[2].due_at_ms, backoff_ms(2, 5));
  EXPECT_EQ(stored_pending(*engine), 0u);
}

TEST(EventsQueue, ExceptionIsRetriedAndDropForgets) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  q.subscribe("t", [&](const Delivery& d) -> Verdict {
    rec.add(d);
    if (d.payload == "throws" && d.attempt == 0) throw std::runtime_error("boom");
    return Verdict::drop();
  });
  q.start();
  ASSERT_TRUE(q.enqueue("t", "throws").ok());
  ASSERT_TRUE(rec.wait_for(2));
  q.stop();
  auto seen = rec.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].attempt, 1u);
  EXPECT_EQ(stored_pending(*engine), 0u);
}

TEST(EventsQueue, TopicWithoutSubscriberIsHeldUntilSubscribed) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec_a, rec_b;
  q.subscribe("a", [&](const Delivery& d) {
    rec_a.add(d);
    return Verdict::done();
  });
  q.start();
  ASSERT_TRUE(q.enqueue("b", "for-b").ok());
  ASSERT_TRUE(q.enqueue("a", "for-a").ok());
  ASSERT_TRUE(rec_a.wait_for(1));  // b's delivery does not block a's
  q.subscribe("b", [&](const Delivery& d) {
    rec_b.add(d);
    return Verdict::done();
  });
  ASSERT_TRUE(rec_b.wait_for(1));
  EXPECT_EQ(rec_b.payloads(), std::vector<std::string>{"for-b"});
  q.stop();
  EXPECT_EQ(stored_pending(*engine), 0u);
}

TEST(EventsQueue, ManyConcurrentProducersEachDeliveredOnce) {
  auto engine = storage::open_memory();
  Queue q(*engine, {.threads = 2});
  Recorder rec;
  record("t", q, rec);
  q.start();
  constexpr int kProducers = 6, kEach = 200;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i)
        ASSERT_TRUE(q.enqueue("t", std::to_string(p) + "/" + std::to_string(i)).ok());
    });
  for (auto& t : producers) t.join();
  ASSERT_TRUE(rec.wait_for(kProducers * kEach));
  q.stop();
  auto payloads = rec.payloads();
  EXPECT_EQ(payloads.size(), static_cast<size_t>(kProducers * kEach));
  EXPECT_EQ(std::set<std::string>(payloads.begin(), payloads.end()).size(),
            static_cast<size_t>(kProducers * kEach));
  EXPECT_EQ(stored_pending(*engine), 0u);
}

TEST(EventsQueue, HandlerMayEnqueue) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  q.subscribe("first", [&](const Delivery& d) {
    EXPECT_TRUE(q.enqueue("second", d.payload + "!").ok());
    return Verdict::done();
  });
  q.subscribe("second", [&](const Delivery& d) {
    rec.add(d);
    return Verdict::done();
  });
  q.start();
  ASSERT_TRUE(q.enqueue("first", "hi").ok());
  ASSERT_TRUE(rec.wait_for(1));
  EXPECT_EQ(rec.payloads(), std::vector<std::string>{"hi!"});
}

TEST(EventsQueue, AddToCallerBatchIsAtomicWithIt) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  record("t", q, rec);
  q.start();
  {
    storage::WriteBatch b;  // fails: the delivery must not exist either
    b.require({storage::Condition::Kind::exists, "items", "missing", {}});
    b.put("items", "x", "1");
    q.add(b, "t", "rejected");
    ASSERT_TRUE(engine->write(b).conflict());
  }
  storage::WriteBatch b;
  b.put("items", "x", "1");
  auto ticket = q.add(b, "t", "accepted");
  ASSERT_TRUE(engine->write(b).ok());
  q.published(ticket);
  ASSERT_TRUE(rec.wait_for(1));
  q.stop();
  EXPECT_EQ(rec.payloads(), std::vector<std::string>{"accepted"});
}

// stop() returns only after the running handler finished and its outcome was recorded; the
// rest stays stored and a later queue delivers it: nothing is lost or delivered twice.
TEST(EventsQueue, StopWhileBusyWaitsForInFlightHandler) {
  auto engine = storage::open_memory();
  std::atomic<int> finished{0};
  std::set<std::string> delivered;
  std::mutex delivered_mu;
  std::promise<void> entered;
  std::atomic<bool> first{true};
  {
    Queue q(*engine);
    q.subscribe("t", [&](const Delivery& d) {
      if (first.exchange(false)) entered.set_value();
      std::this_thread::sleep_for(50ms);  // busy while stop() is called
      {
        std::lock_guard lk(delivered_mu);
        delivered.insert(d.payload);
      }
      ++finished;
      return Verdict::done();
    });
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.enqueue("t", std::to_string(i)).ok());
    q.start();
    entered.get_future().wait();
    q.stop();
    EXPECT_GE(finished.load(), 1);  // the in-flight handler completed before stop returned
    EXPECT_EQ(stored_pending(*engine), 5u - finished.load());
  }
  int before = finished.load();
  Queue q2(*engine);
  Recorder rec;
  record("t", q2, rec);
  q2.start();
  ASSERT_TRUE(rec.wait_for(5 - before));
  q2.stop();
  for (auto& p : rec.payloads()) EXPECT_EQ(delivered.count(p), 0u) << p << " delivered twice";
  EXPECT_EQ(rec.seen().size() + delivered.size(), 5u);
}

// An asynchronous handler holds its delivery while the dispatcher goes on with the next ones; the
// delivery stays stored until its verdict is recorded, and a retry verdict counts the attempt.
TEST(EventsQueue, AsyncHandlerDoesNotHoldTheDispatcher) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  std::mutex mu;
  std::vector<Finish> held;
  q.subscribe_async("slow", [&](const Delivery& d, Finish finish) {
    {  // held before recorded: once the recorder counts a delivery, its Finish is in `held`
      std::lock_guard lk(mu);
      held.push_back(std::move(finish));
    }
    rec.add(d);
  });
  record("fast", q, rec);
  q.start();
  ASSERT_TRUE(q.enqueue("slow", "s").ok());
  ASSERT_TRUE(q.enqueue("fast", "f").ok());
  ASSERT_TRUE(rec.wait_for(2));  // "f" delivered while "s" waits
  EXPECT_EQ(rec.payloads(), (std::vector<std::string>{"s", "f"}));
  // The recorder sees "f" before the dispatcher records its verdict: wait (bounded) for that.
  for (int i = 0; i < 500 && (q.pending() != 1u || stored_pending(*engine) != 1u); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(stored_pending(*engine), 1u);
  EXPECT_EQ(q.pending(), 1u);
  Finish first;
  {
    std::lock_guard lk(mu);
    first = held.at(0);
  }
  first(Verdict::retry_after(0));
  first(Verdict::done());  // only the first verdict counts
  ASSERT_TRUE(rec.wait_for(3));
  EXPECT_EQ(rec.seen()[2].attempt, 1u);
  {
    std::lock_guard lk(mu);
    held.at(1)(Verdict::done());
  }
  EXPECT_EQ(stored_pending(*engine), 0u);
  EXPECT_EQ(q.pending(), 0u);
  q.stop();
}

// A verdict that arrives after stop() is ignored: the delivery stays stored for the next Queue.
TEST(EventsQueue, AsyncVerdictAfterStopLeavesTheDeliveryStored) {
  auto engine = storage::open_memory();
  Finish late;
  {
    Queue q(*engine);
    Recorder rec;
    q.subscribe_async("t", [&](const Delivery& d, Finish finish) {
      late = std::move(finish);
      rec.add(d);
    });
    q.start();
    ASSERT_TRUE(q.enqueue("t", "p").ok());
    ASSERT_TRUE(rec.wait_for(1));
    q.stop();
    late(Verdict::done());
    EXPECT_EQ(stored_pending(*engine), 1u);
  }
  late(Verdict::done());  // the Queue is gone: still harmless
  Queue q2(*engine);
  Recorder rec2;
  record("t", q2, rec2);
  q2.start();
  ASSERT_TRUE(rec2.wait_for(1));
  q2.stop();
  EXPECT_EQ(stored_pending(*engine), 0u);
}

TEST(EventsQueue, PendingDeliveriesSurviveRestart) {
  TempDir dir;
  {
    auto engine = storage::open_rocksdb({dir.path(), false});
    Queue q(*engine);  // never started: nothing is delivered
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(q.enqueue("t", std::string("p").append(std::to_string(i))).ok());
  }
  auto engine = storage::open_rocksdb({dir.path(), false});
  Queue q(*engine);
  Recorder rec;
  record("t", q, rec);
  EXPECT_EQ(q.pending(), 10u);
  q.start();
  ASSERT_TRUE(rec.wait_for(10));
  q.stop();
  std::vector<std::string> want;
  for (int i = 0; i < 10; ++i) want.push_back(std::string("p").append(std::to_string(i)));
  EXPECT_EQ(rec.payloads(), want);  // FIFO survives the restart too
  // New sequence numbers do not collide with recovered ones.
  ASSERT_TRUE(q.enqueue("t", "after").ok());
  EXPECT_EQ(stored_pending(*engine), 1u);
}

TEST(EventsQueue, AttemptCountSurvivesRestart) {
  TempDir dir;
  uint32_t last_attempt = 0;
  {
    auto engine = storage::open_rocksdb({dir.path(), false});
    Queue q(*engine);
    Recorder rec;
    q.subscribe("t", [&](const Delivery& d) {
      rec.add(d);
      return Verdict::retry_after(200);
    });
    ASSERT_TRUE(q.enqueue("t", "p").ok());
    q.start();
    ASSERT_TRUE(rec.wait_for(1));
    q.stop();
    last_attempt = rec.seen().back().attempt;
  }
  auto engine = storage::open_rocksdb({dir.path(), false});
  Queue q(*engine);
  Recorder rec;
  record("t", q, rec);
  q.start();
  ASSERT_TRUE(rec.wait_for(1));
  EXPECT_EQ(rec.seen()[0].attempt, last_attempt + 1);
}

TEST(EventsQueue, ScheduleFiresPeriodicallyAndIsIdempotent) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  q.subscribe("sweep", [&](const Delivery& d) {
    rec.add(d);
    return Verdict::done();
  });
  ASSERT_TRUE(q.schedule("ttl", "sweep", "payload", 10).ok());
  ASSERT_TRUE(q.schedule("ttl", "sweep", "payload", 10).ok());  // as at every startup
  EXPECT_EQ(stored_pending(*engine), 1u);  // one chain, not two
  q.start();
  ASSERT_TRUE(rec.wait_for(3));
  q.stop();
  for (auto& d : rec.seen()) {
    EXPECT_EQ(d.schedule, "ttl");
    EXPECT_EQ(d.payload, "payload");
  }
  EXPECT_EQ(stored_pending(*engine), 1u);  // always exactly the next occurrence
  for (size_t i = 1; i < rec.seen().size(); ++i)
    EXPECT_GT(rec.seen()[i].due_at_ms, rec.seen()[i - 1].due_at_ms);
}

TEST(EventsQueue, RedefiningOrUnschedulingEndsTheOldChain) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  q.subscribe("sweep", [&](const Delivery& d) {
    rec.add(d);
    return Verdict::done();
  });
  ASSERT_TRUE(q.schedule("s", "sweep", "v1", 3'600'000).ok());
  ASSERT_TRUE(q.schedule("s", "sweep", "v2", 10).ok());  // new definition, new chain
  q.start();
  ASSERT_TRUE(rec.wait_for(2));
  ASSERT_TRUE(q.unschedule("s").ok());
  q.stop();
  for (auto& p : rec.payloads()) EXPECT_EQ(p, "v2");
  // The stale v1 occurrence and the v2 chain end when they come due; restart to check that.
  Queue q2(*engine);
  Recorder rec2;
  q2.subscribe("sweep", [&](const Delivery& d) {
    rec2.add(d);
    return Verdict::done();
  });
  q2.start();
  ASSERT_TRUE(q2.enqueue("sweep", "marker", now_millis() + 50).ok());
  ASSERT_TRUE(rec2.wait_for(1));
  q2.stop();
  EXPECT_EQ(rec2.payloads(), std::vector<std::string>{"marker"});
  EXPECT_EQ(stored_pending(*engine), 1u);  // only the hour-late v1 occurrence, not yet due
}

TEST(EventsQueue, ScheduleSurvivesRestart) {
  TempDir dir;
  {
    auto engine = storage::open_rocksdb({dir.path(), false});
    Queue q(*engine);
    ASSERT_TRUE(q.schedule("tick", "t", "x", 20).ok());
  }
  auto engine = storage::open_rocksdb({dir.path(), false});
  Queue q(*engine);  // schedule() not called again: the stored chain alone keeps it going
  Recorder rec;
  record("t", q, rec);
  q.start();
  ASSERT_TRUE(rec.wait_for(3));
  q.stop();
  EXPECT_EQ(rec.seen()[0].schedule, "tick");
}

TEST(EventsQueue, ResetAfterEngineClearRearmsSchedules) {
  auto engine = storage::open_memory();
  Queue q(*engine);
  Recorder rec;
  record("t", q, rec);
  ASSERT_TRUE(q.schedule("tick", "t", "x", 10).ok());
  ASSERT_TRUE(q.enqueue("t", "wiped", now_millis() + 3'600'000).ok());
  ASSERT_TRUE(engine->clear().ok());
  q.reset();
  EXPECT_EQ(q.pending(), 1u);  // the re-armed schedule; the wiped delivery is forgotten
  q.start();
  ASSERT_TRUE(rec.wait_for(2));
  q.stop();
  for (auto& p : rec.payloads()) EXPECT_EQ(p, "x");
}

}  // namespace
}  // namespace stratus::events
