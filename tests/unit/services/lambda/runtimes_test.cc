// The runtime deprecation policy (services/lambda/runtimes.h): AWS's block dates.
#include "services/lambda/runtimes.h"

#include <gtest/gtest.h>

namespace stratus::lambda {
namespace {

constexpr int64_t kDec2026 = 1796515200000;  // 2026-12-06
constexpr int64_t kFeb2027 = 1801440000000;  // 2027-02-01
constexpr int64_t kMar2027 = 1804032000000;  // 2027-03-03

TEST(RuntimePolicy, SupportedRuntimesAreNotDeprecated) {
  for (const char* r :
       {"nodejs24.x", "nodejs22.x", "python3.14", "python3.13", "python3.12", "provided.al2023", "java25", "ruby4.0"}) {
    auto p = runtime_policy(r, kDec2026);
    EXPECT_FALSE(p.deprecated) << r;
    EXPECT_FALSE(p.create_blocked) << r;
  }
}

TEST(RuntimePolicy, OldRuntimesAreBlocked) {
  for (const char* r : {"python3.8", "nodejs16.x", "python2.7", "go1.x", "java8", "nodejs", "dotnet6"}) {
    auto p = runtime_policy(r, kDec2026);
    EXPECT_TRUE(p.create_blocked) << r;
    EXPECT_TRUE(p.update_blocked) << r;
  }
}

TEST(RuntimePolicy, RecentlyDeprecatedFollowTheDates) {
  auto p = runtime_policy("nodejs20.x", kDec2026);
  EXPECT_TRUE(p.deprecated);
  EXPECT_FALSE(p.create_blocked);
  EXPECT_FALSE(p.update_blocked);
  p = runtime_policy("python3.9", kFeb2027);
  EXPECT_TRUE(p.create_blocked);
  EXPECT_FALSE(p.update_blocked);
  p = runtime_policy("nodejs18.x", kMar2027);
  EXPECT_TRUE(p.create_blocked);
  EXPECT_TRUE(p.update_blocked);
}

TEST(RuntimePolicy, Message) {
  EXPECT_EQ(blocked_runtime_message("python3.8"),
            "The runtime parameter of python3.8 is no longer supported for creating or updating AWS Lambda functions. "
            "We recommend you use the new runtime (python3.14) while creating or updating functions.");
  EXPECT_EQ(recommended_runtime("nodejs16.x"), "nodejs24.x");
  EXPECT_EQ(recommended_runtime("go1.x"), "provided.al2023");
}

}  // namespace
}  // namespace stratus::lambda
