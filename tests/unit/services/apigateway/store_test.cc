// API Gateway's persistent state (store.h): one JSON document per REST API, the id index that
// invoke URLs resolve through, and the generation caches compare against.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "core/json.h"
#include "services/apigateway/schema.h"
#include "services/apigateway/store.h"
#include "storage/engine.h"

using namespace stratus;
using namespace stratus::apigateway;

namespace {

Doc api_doc(const std::string& id, const std::string& name) {
  Doc api = Doc::map();
  api.set("id", id);
  api.set("name", name);
  Doc d = Doc::map();
  d.set("api", std::move(api));
  d.set("resources", Doc::map());
  return d;
}

}  // namespace

TEST(ApigwStore, SaveLoadRemove) {
  auto e = storage::open_memory();
  Store s;
  EXPECT_FALSE(s.load(*e, "111111111111", "us-east-1", "abc"));
  s.save(*e, "111111111111", "us-east-1", "abc", api_doc("abc", "one"));
  auto d = s.load(*e, "111111111111", "us-east-1", "abc");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)["api"].str("name"), "one");
  // Other accounts and regions do not see it.
  EXPECT_FALSE(s.load(*e, "222222222222", "us-east-1", "abc"));
  EXPECT_FALSE(s.load(*e, "111111111111", "eu-west-1", "abc"));
  s.remove(*e, "111111111111", "us-east-1", "abc");
  EXPECT_FALSE(s.load(*e, "111111111111", "us-east-1", "abc"));
  EXPECT_FALSE(s.locate(*e, "abc"));
}

TEST(ApigwStore, IdsWithSlashOrEmptyAreNeverFound) {
  auto e = storage::open_memory();
  Store s;
  s.save(*e, "111111111111", "us-east-1", "abc", api_doc("abc", "one"));
  EXPECT_FALSE(s.load(*e, "111111111111", "us-east-1", ""));
  EXPECT_FALSE(s.load(*e, "111111111111", "us-east-1", "abc/x"));
  EXPECT_FALSE(s.load(*e, "111111111111", "us-east-1/abc", ""));
  EXPECT_FALSE(s.locate(*e, ""));
}

TEST(ApigwStore, LocateNamesTheOwner) {
  auto e = storage::open_memory();
  Store s;
  s.save(*e, "111111111111", "eu-west-1", "abc", api_doc("abc", "one"));
  auto owner = s.locate(*e, "abc");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->first, "111111111111");
  EXPECT_EQ(owner->second, "eu-west-1");
  EXPECT_FALSE(s.locate(*e, "nope"));
}

TEST(ApigwStore, ListIsPerAccountAndRegion) {
  auto e = storage::open_memory();
  Store s;
  s.save(*e, "111111111111", "us-east-1", "a1", api_doc("a1", "one"));
  s.save(*e, "111111111111", "us-east-1", "a2", api_doc("a2", "two"));
  s.save(*e, "111111111111", "us-east-10", "a3", api_doc("a3", "other region"));
  s.save(*e, "222222222222", "us-east-1", "a4", api_doc("a4", "other account"));
  auto l = s.list(*e, "111111111111", "us-east-1");
  ASSERT_EQ(l.size(), 2u);
  std::vector<std::string> names = {l[0]["api"].str("name"), l[1]["api"].str("name")};
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"one", "two"}));
}

// The bytes on disk: existing data must read back after any change to the key code.
TEST(ApigwStore, OnDiskLayout) {
  auto e = storage::open_memory();
  Store s;
  s.save(*e, "111111111111", "us-east-1", "abc", api_doc("abc", "one"));
  std::string v;
  ASSERT_TRUE(e->get("apigateway", "111111111111/us-east-1/abc", &v).ok());
  EXPECT_EQ(json::parse(v)["api"].str("name"), "one");
  ASSERT_TRUE(e->get("apigateway.ids", "abc", &v).ok());
  EXPECT_EQ(v, "111111111111/us-east-1");
}

TEST(ApigwStore, EveryWriteMovesTheGeneration) {
  auto e = storage::open_memory();
  Store s;
  uint64_t g0 = s.generation();
  s.save(*e, "111111111111", "us-east-1", "abc", api_doc("abc", "one"));
  uint64_t g1 = s.generation();
  EXPECT_NE(g0, g1);
  s.remove(*e, "111111111111", "us-east-1", "abc");
  EXPECT_NE(g1, s.generation());
  uint64_t g2 = s.generation();
  s.bump();
  EXPECT_NE(g2, s.generation());
}

// schema.h: the keys are the '/'-joined bytes that are on disk.
TEST(ApigwSchema, KeysKeepTheirLayout) {
  EXPECT_EQ(scope_key("111111111111", "us-east-1"), "111111111111/us-east-1");
  EXPECT_EQ(api_prefix("111111111111", "us-east-1"), "111111111111/us-east-1/");
  EXPECT_EQ(api_key("111111111111", "us-east-1", "abc"), "111111111111/us-east-1/abc");
  auto s = read_scope("111111111111/us-east-1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, "111111111111");
  EXPECT_EQ(s->second, "us-east-1");
  EXPECT_FALSE(read_scope("nothing"));
  EXPECT_EQ(std::string(kApis.name), "apigateway");
  EXPECT_EQ(std::string(kApiIds.name), "apigateway.ids");
  EXPECT_EQ(std::string(kUsage.name), "apigateway.usage");
  EXPECT_EQ(std::size(kKeyspaces), 3u);
}
