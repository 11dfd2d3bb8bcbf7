#include "core/thread.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace stratus {
namespace {

TEST(Thread, RestartingBodyRunsAgainAfterAnException) {
  int calls = 0;
  std::thread t([&] {
    run_restarting("test", [&] {
      if (++calls < 3) throw std::runtime_error("boom");
    });
  });
  t.join();  // reached: nothing escaped, and the third call returned
  EXPECT_EQ(calls, 3);
}

TEST(Thread, RestartingBodySurvivesNonStandardExceptions) {
  int calls = 0;
  std::thread t([&] {
    run_restarting("test", [&] {
      if (++calls == 1) throw 42;
    });
  });
  t.join();
  EXPECT_EQ(calls, 2);
}

TEST(ThreadDeathTest, ExitingBodyEndsTheProcessWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        std::thread t(
            [] { run_or_exit("lane-x", [] { throw std::runtime_error("disk on fire"); }); });
        t.join();
      },
      testing::ExitedWithCode(70), "thread lane-x: uncaught exception: disk on fire; exiting");
}

}  // namespace
}  // namespace stratus
