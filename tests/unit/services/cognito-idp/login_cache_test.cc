#include "services/cognito-idp/login_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "services/cognito-idp/crypto.h"

namespace stratus::cognitoidp {
namespace {

TEST(LoginCache, KnowsOnlyTheExactUserHashAndPassword) {
  LoginCache c;
  EXPECT_FALSE(c.known("p", "alice", "h1", "pw"));
  c.add("p", "alice", "h1", "pw");
  EXPECT_TRUE(c.known("p", "alice", "h1", "pw"));
  EXPECT_FALSE(c.known("p", "alice", "h1", "pw2"));
  EXPECT_FALSE(c.known("p", "alice", "h2", "pw"));  // a changed password: a new stored hash
  EXPECT_FALSE(c.known("p", "bob", "h1", "pw"));
  EXPECT_FALSE(c.known("q", "alice", "h1", "pw"));
  c.add("p", "alice", "", "pw");  // no stored hash: never cached
  EXPECT_FALSE(c.known("p", "alice", "", "pw"));
}

// Concurrent first logins with the same credentials run the slow check once and share its verdict;
// a true verdict is remembered, a false one is not.
TEST(LoginCache, VerifyOnceSharesOneCheckAmongConcurrentCallers) {
  LoginCache c;
  std::atomic<int> runs{0};
  auto slow = [&runs](bool verdict) {
    return [&runs, verdict] {
      ++runs;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return verdict;
    };
  };
  std::vector<std::thread> ts;
  std::atomic<int> oks{0};
  for (int i = 0; i < 8; ++i)
    ts.emplace_back([&] { oks += c.verify_once("p", "alice", "h1", "pw", slow(true)) ? 1 : 0; });
  for (auto& t : ts) t.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(oks.load(), 8);
  EXPECT_TRUE(c.known("p", "alice", "h1", "pw"));
  EXPECT_TRUE(c.verify_once("p", "alice", "h1", "pw", slow(false)));  // known: no check
  EXPECT_EQ(runs.load(), 1);

  ts.clear();
  runs = 0;
  oks = 0;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] { oks += c.verify_once("p", "alice", "h1", "wrong", slow(false)) ? 1 : 0; });
  for (auto& t : ts) t.join();
  EXPECT_EQ(oks.load(), 0);
  EXPECT_FALSE(c.known("p", "alice", "h1", "wrong"));
  EXPECT_FALSE(c.verify_once("p", "alice", "h1", "wrong", slow(false)));  // a false verdict is not kept
  EXPECT_GE(runs.load(), 2);
  // a check that throws releases the waiters and the next caller runs it again
  EXPECT_THROW(c.verify_once("p", "bob", "h2", "pw", []() -> bool { throw std::runtime_error("x"); }),
               std::runtime_error);
  EXPECT_TRUE(c.verify_once("p", "bob", "h2", "pw", [] { return true; }));
}

TEST(LoginCache, ForgetUserDropsOnlyThatUsersEntries) {
  LoginCache c;
  c.add("p", "alice", "h1", "pw");
  c.add("p", "alice", "h1", "other");
  c.add("p", "bob", "h2", "pw");
  c.forget_user("p", "alice");
  EXPECT_FALSE(c.known("p", "alice", "h1", "pw"));
  EXPECT_FALSE(c.known("p", "alice", "h1", "other"));
  EXPECT_TRUE(c.known("p", "bob", "h2", "pw"));
  EXPECT_EQ(c.size(), 1u);
}

TEST(LoginCache, IsBoundedOldestFirst) {
  LoginCache c(100);
  for (int i = 0; i < 1000; ++i) {
    c.add("p", "u" + std::to_string(i), "h", "pw");
    if (i % 3 == 0) c.forget_user("p", "u" + std::to_string(i));
  }
  EXPECT_LE(c.size(), 100u);
  EXPECT_TRUE(c.known("p", "u998", "h", "pw"));
  EXPECT_FALSE(c.known("p", "u1", "h", "pw"));
}

// The cache sits in front of PBKDF2: a real stored hash works as the key.
TEST(LoginCache, WorksWithRealHashes) {
  LoginCache c;
  std::string h = crypto::hash_password("Passw0rd!");
  ASSERT_TRUE(crypto::check_password(h, "Passw0rd!"));
  c.add("p", "u", h, "Passw0rd!");
  EXPECT_TRUE(c.known("p", "u", h, "Passw0rd!"));
  EXPECT_FALSE(c.known("p", "u", crypto::hash_password("Passw0rd!"), "Passw0rd!"));  // new salt
}

}  // namespace
}  // namespace stratus::cognitoidp
