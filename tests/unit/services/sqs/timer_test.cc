// SQS's Timer: callbacks run at their moments, in time order, and stop() ends it.
#include "services/sqs/timer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <vector>

#include "core/clock.h"

namespace stratus::sqs {
namespace {

TEST(SqsTimer, RunsCallbacksInTimeOrder) {
  Timer timer;
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> all;
  int64_t now = now_millis();
  auto note = [&](int n) {
    std::lock_guard lk(mu);
    order.push_back(n);
    if (order.size() == 3) all.set_value();
  };
  timer.at(now + 60, [&] { note(3); });
  timer.at(now + 20, [&] { note(2); });
  timer.at(now - 1000, [&] { note(1); });  // past: at once
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(now_millis(), now + 60);
}

TEST(SqsTimer, CallbacksMayScheduleMore) {
  Timer timer;
  std::promise<void> second;
  timer.at(now_millis(), [&] { timer.at(now_millis() + 10, [&] { second.set_value(); }); });
  EXPECT_EQ(second.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

TEST(SqsTimer, StopDropsWhatIsDueAndIsRepeatable) {
  Timer timer;
  bool ran = false;
  timer.at(now_millis() + 60'000, [&] { ran = true; });
  timer.stop();
  timer.stop();
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace stratus::sqs
