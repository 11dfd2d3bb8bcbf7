#include "services/cognito-idp/store.h"

#include <gtest/gtest.h>

#include "auth/sealing.h"
#include "core/error.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/schema.h"
#include "storage/engine.h"

namespace stratus::cognitoidp {
namespace {

TEST(CognitoStore, RecordsScanFromAKeyAndDeleteByPrefix) {
  auto engine = storage::open_memory();
  Store s(*engine, auth::random_sealing_key());
  for (const char* u : {"a", "b", "c"}) {
    Doc d = Doc::map();
    d.set("Username", u);
    s.put(kUsers.name, Store::child_key("pool1", u), d);
  }
  s.put(kUsers.name, Store::child_key("pool10", "z"), Doc::map());  // a pool id that extends another
  std::vector<std::string> seen;
  s.scan(kUsers.name, Store::pool_key("pool1"), [&](const std::string&, const Doc& d) {
    seen.push_back(d.str("Username"));
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
  seen.clear();
  s.scan(kUsers.name, Store::pool_key("pool1"), [&](const std::string&, const Doc& d) {
    seen.push_back(d.str("Username"));
    return true;
  }, Store::child_key("pool1", "a"));
  EXPECT_EQ(seen, (std::vector<std::string>{"b", "c"}));
  s.del_prefix(kUsers.name, Store::pool_key("pool1"));
  EXPECT_FALSE(s.get(kUsers.name, Store::child_key("pool1", "b")));
  EXPECT_TRUE(s.get(kUsers.name, Store::child_key("pool10", "z")));
}

// get_shared: one parse shared by every reader until the stored bytes change (any writer: through
// the store or straight to the engine), then the new record; a deleted record is gone at once.
TEST(CognitoStore, SharedRecordsFollowEveryWrite) {
  auto engine = storage::open_memory();
  Store s(*engine, auth::random_sealing_key());
  std::string k = Store::pool_key("us-east-1_abc");
  EXPECT_EQ(s.get_shared(kPools.name, k), nullptr);
  Doc d = Doc::map();
  d.set("Name", "one");
  s.put(kPools.name, k, d);
  auto a = s.get_shared(kPools.name, k);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->str("Name"), "one");
  EXPECT_EQ(s.get_shared(kPools.name, k).get(), a.get());  // parsed once
  d.set("Name", "two");
  s.put(kPools.name, k, d);
  EXPECT_EQ(s.get_shared(kPools.name, k)->str("Name"), "two");
  EXPECT_EQ(a->str("Name"), "one");  // a reader's record is its own
  ASSERT_TRUE(engine->put(kPools.name, k, R"({"Name":"three"})").ok());
  EXPECT_EQ(s.get_shared(kPools.name, k)->str("Name"), "three");
  s.del(kPools.name, k);
  EXPECT_EQ(s.get_shared(kPools.name, k), nullptr);
}

TEST(CognitoStore, SigningKeyIsStableAndSealed) {
  auto engine = storage::open_memory();
  std::string key = auth::random_sealing_key();
  Store s(*engine, key);
  std::string pem = s.signing_key("us-east-1_abc");
  EXPECT_EQ(pem, s.signing_key("us-east-1_abc"));
  std::string raw;
  ASSERT_TRUE(engine->get(kKeys.name, Store::pool_key("us-east-1_abc"), &raw).ok());
  EXPECT_TRUE(auth::is_sealed(raw));
  EXPECT_EQ(raw.find("PRIVATE KEY"), std::string::npos);
  Store again(*engine, key);  // a restart reads the same key
  EXPECT_EQ(again.signing_key("us-east-1_abc"), pem);
}

TEST(CognitoStore, NamesWithNulAreRefused) {
  EXPECT_THROW(Store::child_key("p", std::string("a\0b", 3)), AwsError);
}

TEST(CognitoStore, SealedBlobsAreBoundToTheirPurpose) {
  auto engine = storage::open_memory();
  Store s(*engine, auth::random_sealing_key());
  std::string b = s.seal("x", "cognito-srp");
  EXPECT_EQ(*s.unseal(b, "cognito-srp"), "x");
  EXPECT_FALSE(s.unseal(b, "cognito-session"));
}

}  // namespace
}  // namespace stratus::cognitoidp
