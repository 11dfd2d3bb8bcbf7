// Parameter policies' actions (rules.h: pending_policy_actions) and the sweep that sends them as
// EventBridge events (ops.h: expire_due) against a fake events::Api port.
#include <gtest/gtest.h>

#include "core/json.h"
#include "services/events/api.h"
#include "services/ssm/ops.h"
#include "services/ssm/rules.h"
#include "services/ssm/store.h"
#include "storage/engine.h"

namespace stratus::ssm {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kExpires = 1893456000000;  // 2030-01-01T00:00:00Z

Doc record(const std::string& policies, int64_t modified) {
  Doc v = Doc::map();
  v.set("Version", 1);
  v.set("Type", "String");
  v.set("Value", "x");
  v.set("Description", "d");
  v.set("LastModifiedDate", modified);
  v.set("Policies", policies);
  DocList versions;
  versions.push_back(v);
  Doc r = Doc::map();
  r.set("Name", "/app/p");
  r.set("Versions", Doc(std::move(versions)));
  return r;
}

const std::string kAll =
    R"([{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}},)"
    R"({"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"2","Unit":"Days"}},)"
    R"({"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"5","Unit":"Hours"}}])";

TEST(SsmPolicyActions, TimesOfEachPolicy) {
  int64_t modified = kExpires - 100 * kHour;
  auto actions = pending_policy_actions(record(kAll, modified), kHour);
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(actions[0].type, "Expiration");
  EXPECT_EQ(actions[0].when, kExpires);
  EXPECT_EQ(actions[1].type, "ExpirationNotification");
  EXPECT_EQ(actions[1].when, kExpires - 48 * kHour);
  EXPECT_EQ(actions[2].type, "NoChangeNotification");
  EXPECT_EQ(actions[2].when, modified + 5 * kHour);
  EXPECT_EQ(next_policy_action(record(kAll, modified), kHour), modified + 5 * kHour);
  EXPECT_EQ(next_policy_action(record("", modified), kHour), 0);
}

TEST(SsmPolicyActions, NotifiedOnceUntilChanged) {
  int64_t modified = kExpires - 100 * kHour;
  Doc r = record(kAll, modified);
  Doc n = Doc::map();
  n.set("ExpirationNotification", kExpires);
  n.set("NoChangeNotification", modified);
  r.set("Notified", n);
  auto actions = pending_policy_actions(r, kHour);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].type, "Expiration");
  // A new modification makes NoChangeNotification pending again.
  (*r.get("Versions")).as_list().back().set("LastModifiedDate", modified + 1);
  EXPECT_EQ(pending_policy_actions(r, kHour).size(), 2u);
}

struct FakeBus : events::Api {
  std::vector<std::pair<std::string, Doc>> got;
  Result<std::string> put(const std::string&, const std::string&, events::Entry e) override {
    EXPECT_EQ(e.source, "aws.ssm");
    EXPECT_EQ(e.resources.size(), 1u);
    got.emplace_back(e.detail_type, json::parse(e.detail));
    return std::string("id");
  }
};

TEST(SsmPolicyActions, SweepSendsNotificationsThenDeletes) {
  auto db = storage::open_memory();
  ParamStore s(*db);
  int64_t modified = kExpires - 100 * kHour;
  Doc r = record(kAll, modified);
  ASSERT_TRUE(s.save("000000000000", "us-east-1", r, ParamStore::expiration_of(r), 0, "").ok());
  FakeBus bus;
  expire_due(*db, modified + 6 * kHour, &bus);  // NoChangeNotification only
  ASSERT_EQ(bus.got.size(), 1u);
  EXPECT_EQ(bus.got[0].first, "Parameter Store Policy Action");
  EXPECT_EQ(bus.got[0].second.str("policy-type"), "NoChangeNotification");
  EXPECT_EQ(bus.got[0].second.str("parameter-name"), "/app/p");
  expire_due(*db, modified + 7 * kHour, &bus);  // nothing new
  EXPECT_EQ(bus.got.size(), 1u);
  expire_due(*db, kExpires - kHour, &bus);
  ASSERT_EQ(bus.got.size(), 2u);
  EXPECT_EQ(bus.got[1].second.str("policy-type"), "ExpirationNotification");
  ASSERT_TRUE(s.load("000000000000", "us-east-1", "/app/p"));
  expire_due(*db, kExpires, &bus);
  ASSERT_EQ(bus.got.size(), 3u);
  EXPECT_EQ(bus.got[2].second.str("policy-type"), "Expiration");
  EXPECT_FALSE(s.load("000000000000", "us-east-1", "/app/p"));
  expire_due(*db, kExpires + kHour, nullptr);  // no bus: nothing to do, no crash
}

TEST(SsmPolicyActions, ChangeDetail) {
  Doc d = change_detail(record("", 0), "Create");
  EXPECT_EQ(json::write(d), R"({"description":"d","name":"/app/p","operation":"Create","type":"String"})");
}

}  // namespace
}  // namespace stratus::ssm
