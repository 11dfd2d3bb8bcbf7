// IAM's record store: records by kind and name per account, scans in name order.
#include <gtest/gtest.h>

#include "services/iam/store.h"
#include "storage/engine.h"

namespace stratus::iam {
namespace {

Doc record(const std::string& name) {
  Doc d = Doc::map();
  d.set("Name", name);
  return d;
}

TEST(IamStore, PutLoadErase) {
  auto engine = storage::open_memory();
  Store store(*engine, "111111111111");
  EXPECT_FALSE(store.load("role", "r"));
  store.put("role", "r", record("r"));
  auto r = store.load("role", "r");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str("Name"), "r");
  store.erase("role", "r");
  EXPECT_FALSE(store.load("role", "r"));
}

TEST(IamStore, AccountsAndKindsAreSeparate) {
  auto engine = storage::open_memory();
  Store a(*engine, "111111111111"), b(*engine, "222222222222");
  a.put("role", "x", record("a"));
  EXPECT_FALSE(b.load("role", "x"));
  EXPECT_FALSE(a.load("user", "x"));
  EXPECT_TRUE(b.scan("role").empty());
  EXPECT_EQ(a.account(), "111111111111");
}

TEST(IamStore, ScanInNameOrderWithin) {
  auto engine = storage::open_memory();
  Store store(*engine, "111111111111");
  store.put("role-inline", "r1\nb", record("b"));
  store.put("role-inline", "r1\na", record("a"));
  store.put("role-inline", "r10\nz", record("z"));
  store.put("role-inline", "r2\nc", record("c"));
  auto all = store.scan("role-inline");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].first, "r1\na");
  auto r1 = store.scan("role-inline", "r1\n");  // the "\n" keeps r10 out
  ASSERT_EQ(r1.size(), 2u);
  EXPECT_EQ(r1[0].second.str("Name"), "a");
  EXPECT_EQ(r1[1].second.str("Name"), "b");
}

TEST(IamStore, KeyLayoutIsStable) {
  auto engine = storage::open_memory();
  Store store(*engine, "111111111111");
  store.put("user", "alice", record("alice"));
  std::string v;
  EXPECT_TRUE(engine->get("iam", "111111111111/user/alice", &v).ok());
}

}  // namespace
}  // namespace stratus::iam
