#include "services/cognito-idp/auth_sessions.h"

#include <gtest/gtest.h>

#include <set>

namespace stratus::cognitoidp {
namespace {

Doc record(const char* name) {
  Doc d = Doc::map();
  d.set("n", name);
  return d;
}

TEST(CognitoAuthSessions, SingleUseAndExpiring) {
  AuthSessions s;
  std::string id = s.put(record("a"), 1000, 0);
  EXPECT_EQ(id.size(), 64u);
  EXPECT_FALSE(s.take("unknown", 0));
  auto r = s.take(id, 999);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str("n"), "a");
  EXPECT_FALSE(s.take(id, 999));  // used
  std::string old = s.put(record("b"), 1000, 0);
  EXPECT_FALSE(s.take(old, 1001));  // expired
  EXPECT_EQ(s.size(), 0u);
  s.put_back(old, record("c"), 2000);  // a retry keeps its id
  EXPECT_EQ(s.take(old, 1500)->str("n"), "c");
}

TEST(CognitoAuthSessions, BoundedExpiredFirstThenOldest) {
  AuthSessions s(3);
  std::string expired = s.put(record("x"), 10, 0);
  std::string a = s.put(record("a"), 1000, 0);
  std::string b = s.put(record("b"), 1000, 0);
  std::string c = s.put(record("c"), 1000, 20);  // sweeps the expired one
  EXPECT_EQ(s.size(), 3u);
  std::string d = s.put(record("d"), 1000, 20);  // evicts the oldest (a)
  EXPECT_EQ(s.size(), 3u);
  EXPECT_FALSE(s.take(expired, 30));
  EXPECT_FALSE(s.take(a, 30));
  EXPECT_TRUE(s.take(b, 30));
  EXPECT_TRUE(s.take(c, 30));
  EXPECT_TRUE(s.take(d, 30));
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(s.put(record("r"), 1000, 0));
  EXPECT_EQ(ids.size(), 100u);  // distinct ids
}

}  // namespace
}  // namespace stratus::cognitoidp
