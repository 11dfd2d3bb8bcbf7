#include "services/cognito-identity/store.h"

#include <gtest/gtest.h>

#include "storage/engine.h"

namespace stratus::cognitoidentity {
namespace {

Doc identity(const std::string& id, const std::string& pool) {
  Doc i = Doc::map();
  i.set("IdentityId", id);
  i.set("_pool", pool);
  Doc subs = Doc::map();
  subs.set("cognito-idp.us-east-1.amazonaws.com/us-east-1_a", "sub-" + id);
  i.set("_subjects", std::move(subs));
  return i;
}

TEST(IdentityStore, IdentitiesLoginsAndPoolDeletion) {
  auto engine = storage::open_memory();
  Store s(*engine);
  Doc p = Doc::map();
  p.set("IdentityPoolId", "us-east-1:p1");
  s.put_pool(p);
  Doc q = Doc::map();
  q.set("IdentityPoolId", "us-east-1:p2");
  s.put_pool(q);
  ASSERT_EQ(s.pools().size(), 2u);
  s.put_identity("us-east-1:p1", identity("us-east-1:i1", "us-east-1:p1"));
  s.put_identity("us-east-1:p1", identity("us-east-1:i2", "us-east-1:p1"));
  s.put_identity("us-east-1:p2", identity("us-east-1:i3", "us-east-1:p2"));
  s.put_login("us-east-1:p1", "cognito-idp.us-east-1.amazonaws.com/us-east-1_a", "sub-us-east-1:i1", "us-east-1:i1");
  EXPECT_EQ(s.identity("us-east-1:i2")->str("_pool"), "us-east-1:p1");
  EXPECT_EQ(s.identities("us-east-1:p1").size(), 2u);
  EXPECT_EQ(*s.login("us-east-1:p1", "cognito-idp.us-east-1.amazonaws.com/us-east-1_a", "sub-us-east-1:i1"),
            "us-east-1:i1");
  s.delete_identity("us-east-1:p1", *s.identity("us-east-1:i1"));
  EXPECT_FALSE(s.identity("us-east-1:i1"));
  EXPECT_FALSE(s.login("us-east-1:p1", "cognito-idp.us-east-1.amazonaws.com/us-east-1_a", "sub-us-east-1:i1"));
  s.delete_pool("us-east-1:p1");
  EXPECT_FALSE(s.pool("us-east-1:p1"));
  EXPECT_FALSE(s.identity("us-east-1:i2"));
  EXPECT_TRUE(s.identity("us-east-1:i3"));  // another pool's
  EXPECT_EQ(s.pools().size(), 1u);
}

TEST(IdentityStore, DeveloperLoginsGoWithTheirIdentity) {
  auto engine = storage::open_memory();
  Store s(*engine);
  Doc i = identity("us-east-1:d1", "us-east-1:p1");
  Doc users = Doc::list();
  users.push("u1");
  users.push("u2");
  Doc dev = Doc::map();
  dev.set("login.app", std::move(users));
  i.set("_developer", std::move(dev));
  s.put_identity("us-east-1:p1", i);
  s.put_login("us-east-1:p1", "login.app", "u1", "us-east-1:d1");
  s.put_login("us-east-1:p1", "login.app", "u2", "us-east-1:d1");
  s.delete_login("us-east-1:p1", "login.app", "u2");
  EXPECT_FALSE(s.login("us-east-1:p1", "login.app", "u2"));
  EXPECT_EQ(*s.login("us-east-1:p1", "login.app", "u1"), "us-east-1:d1");
  s.delete_identity("us-east-1:p1", i);  // its developer user ids' index entries too
  EXPECT_FALSE(s.login("us-east-1:p1", "login.app", "u1"));
}

}  // namespace
}  // namespace stratus::cognitoidentity
