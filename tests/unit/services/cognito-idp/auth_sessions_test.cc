#include "services/cognito-idp/auth_sessions.h"

#include <gtest/gtest.h>

#include <set>

#include "auth/sealing.h"
#include "services/cognito-idp/schema.h"
#include "services/cognito-idp/store.h"
#include "storage/engine.h"

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

// With a Store the pending sessions outlive the process: a new AuthSessions over the same engine
// (a restart) answers them; the expired ones are dropped from the engine at load, a used one is gone.
TEST(CognitoAuthSessions, DurableAcrossARestart) {
  auto engine = storage::open_memory();
  Store store(*engine, auth::random_sealing_key());
  std::string live, used, expired;
  {
    AuthSessions s(100, &store);
    live = s.put(record("live"), 10'000, 0);
    used = s.put(record("used"), 10'000, 0);
    expired = s.put(record("expired"), 500, 0);
    ASSERT_TRUE(s.take(used, 100));
    s.put_back(live, record("retried"), 20'000);
  }
  AuthSessions again(100, &store);
  again.load(1000);
  EXPECT_EQ(again.size(), 1u);
  EXPECT_FALSE(store.get(kAuthSessions.name, expired));  // swept at load
  EXPECT_FALSE(again.take(used, 1000));
  EXPECT_FALSE(again.take(expired, 1000));
  auto r = again.take(live, 15'000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str("n"), "retried");
  EXPECT_FALSE(store.get(kAuthSessions.name, live));  // single use, also on disk
  AuthSessions third(100, &store);
  third.load(1000);
  EXPECT_EQ(third.size(), 0u);
  // the periodic sweep drops the expired, in memory and stored
  std::string soon = third.put(record("soon"), 2000, 1000), later = third.put(record("later"), 9000, 1000);
  EXPECT_EQ(third.sweep(3000), 1u);
  EXPECT_EQ(third.size(), 1u);
  EXPECT_FALSE(store.get(kAuthSessions.name, soon));
  EXPECT_TRUE(store.get(kAuthSessions.name, later));
}

}  // namespace
}  // namespace stratus::cognitoidp
