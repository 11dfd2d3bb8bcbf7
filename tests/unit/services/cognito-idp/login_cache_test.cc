#include "services/cognito-idp/login_cache.h"

#include <gtest/gtest.h>

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
