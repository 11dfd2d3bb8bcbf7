#include "services/ssm/store.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace stratus::ssm {
namespace {

Doc record(const std::string& name, const std::string& policies) {
  Doc v = Doc::map();
  v.set("Version", 1);
  v.set("Type", "String");
  v.set("Value", "x");
  if (!policies.empty()) v.set("Policies", policies);
  DocList versions;
  versions.push_back(v);
  Doc r = Doc::map();
  r.set("Name", name);
  r.set("Versions", Doc(std::move(versions)));
  return r;
}

TEST(SsmStore, SlashAndBareNamesShareARecord) {
  auto db = storage::open_memory();
  ParamStore s(*db);
  ASSERT_TRUE(s.save("000000000000", "us-east-1", record("p", ""), 0, 0, "").ok());
  EXPECT_EQ(s.count("000000000000", "us-east-1", "Standard"), 1);
  ASSERT_TRUE(s.load("000000000000", "us-east-1", "/p"));
  EXPECT_FALSE(s.load("000000000000", "eu-west-1", "/p"));
  EXPECT_FALSE(s.load("111111111111", "us-east-1", "p"));
}

TEST(SsmStore, ExpirationsAreDueInTimeOrder) {
  auto db = storage::open_memory();
  ParamStore s(*db);
  std::string pol = R"([{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}}])";
  Doc r = record("/a/b", pol);
  int64_t when = ParamStore::expiration_of(r);
  EXPECT_EQ(when, 1893456000000);
  ASSERT_TRUE(s.save("000000000000", "us-east-1", r, when, 0, "").ok());
  EXPECT_TRUE(s.due(when - 1, 10).empty());
  auto due = s.due(when, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].name, "/a/b");
  EXPECT_EQ(due[0].account, "000000000000");
  // A new expiration replaces the old entry.
  ASSERT_TRUE(s.save("000000000000", "us-east-1", record("/a/b", ""), 0, when, "Standard").ok());
  EXPECT_EQ(s.count("000000000000", "us-east-1", "Standard"), 1);
  ASSERT_TRUE(s.erase("000000000000", "us-east-1", "/a/b", 0, "Standard").ok());
  EXPECT_EQ(s.count("000000000000", "us-east-1", "Standard"), 0);
  EXPECT_TRUE(s.due(when, 10).empty());
}

}  // namespace
}  // namespace stratus::ssm
