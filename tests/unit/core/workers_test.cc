#include "core/workers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace stratus {
namespace {

TEST(Workers, StartsThreadsLazilyAndRunsTasks) {
  Workers w("test-workers", 4);
  EXPECT_EQ(w.threads(), 0u);
  std::atomic<int> n{0};
  std::promise<void> all;
  for (int i = 0; i < 10; ++i)
    w.post([&] {
      if (++n == 10) all.set_value();
    });
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_LE(w.threads(), 4u);
  EXPECT_GE(w.threads(), 1u);
}

// A task that waits for a task posted after it (a Cognito trigger calling back into Cognito)
// gets a second thread instead of waiting for itself.
TEST(Workers, ATaskWaitingForAnotherDoesNotDeadlock) {
  Workers w("test-nested", 8);
  std::promise<int> outer;
  w.post([&] {
    std::promise<int> inner;
    auto f = inner.get_future();
    w.post([&] { inner.set_value(42); });
    if (f.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return outer.set_value(-1);
    outer.set_value(f.get());
  });
  auto f = outer.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(f.get(), 42);
  EXPECT_EQ(w.threads(), 2u);
}

TEST(Workers, TheCapQueuesAndAThrowingTaskDoesNotStopTheThread) {
  Workers w("test-cap", 1);
  w.post([] { throw std::runtime_error("boom"); });
  std::promise<void> done;
  w.post([&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(w.threads(), 1u);
}

TEST(Workers, StopDropsQueuedTasksAndPostAfterStopIsDropped) {
  Workers w("test-stop", 1);
  std::atomic<int> ran{0};
  w.stop();
  w.post([&] { ++ran; });
  EXPECT_EQ(w.threads(), 0u);
  w.start();
  std::promise<void> done;
  w.post([&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(ran.load(), 0);
}

}  // namespace
}  // namespace stratus
