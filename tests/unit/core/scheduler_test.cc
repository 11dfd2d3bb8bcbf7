#include "core/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace stratus {
namespace {

// Waits (bounded) until pred holds; the scheduler runs on its own thread.
template <class P>
bool eventually(P pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

TEST(Scheduler, RunsTasksInDueOrder) {
  Scheduler s("test-order");
  std::mutex mu;
  std::vector<int> seen;
  int64_t now = now_millis();
  s.at("third", now + 60, [&] { std::lock_guard lk(mu); seen.push_back(3); });
  s.at("second", now + 30, [&] { std::lock_guard lk(mu); seen.push_back(2); });
  s.post("first", [&] { std::lock_guard lk(mu); seen.push_back(1); });
  ASSERT_TRUE(eventually([&] { std::lock_guard lk(mu); return seen.size() == 3; }));
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
}

TEST(Scheduler, AnExceptionIsLoggedAndTheNextTaskRuns) {
  Scheduler s("test-throw");
  std::atomic<bool> ran{false};
  s.post("throws", [] { throw std::runtime_error("boom"); });
  s.post("after", [&] { ran = true; });
  EXPECT_TRUE(eventually([&] { return ran.load(); }));
}

TEST(Scheduler, CancelledTaskDoesNotRun) {
  Scheduler s("test-cancel");
  std::atomic<bool> ran{false}, marker{false};
  auto id = s.at("later", now_millis() + 50, [&] { ran = true; });
  EXPECT_TRUE(s.cancel(id));
  EXPECT_FALSE(s.cancel(id));
  s.at("marker", now_millis() + 100, [&] { marker = true; });
  ASSERT_TRUE(eventually([&] { return marker.load(); }));
  EXPECT_FALSE(ran.load());
}

TEST(Scheduler, EveryRepeatsUntilCancelledFromInside) {
  Scheduler s("test-every");
  std::atomic<int> n{0};
  Scheduler::TaskId id = 0;
  std::atomic<bool> have_id{false};
  id = s.every("tick", 5, [&] {
    while (!have_id) std::this_thread::yield();
    if (++n == 3) s.cancel(id);
  });
  have_id = true;
  ASSERT_TRUE(eventually([&] { return n.load() >= 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(n.load(), 3);
  EXPECT_EQ(s.pending(), 0u);
}

TEST(Scheduler, StopDropsPendingAndStartRunsAgain) {
  Scheduler s("test-stop");
  std::atomic<bool> ran{false};
  s.at("far", now_millis() + 60'000, [&] { ran = true; });
  s.stop();
  EXPECT_EQ(s.pending(), 0u);
  s.post("dropped", [&] { ran = true; });
  EXPECT_EQ(s.at("dropped", 0, [] {}), 0u);
  s.start();
  std::atomic<bool> again{false};
  s.post("again", [&] { again = true; });
  EXPECT_TRUE(eventually([&] { return again.load(); }));
  EXPECT_FALSE(ran.load());
}

}  // namespace
}  // namespace stratus
