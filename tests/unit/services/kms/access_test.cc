// Grant matching and constraints (services/kms/access.h).
#include "services/kms/access.h"

#include <gtest/gtest.h>

namespace stratus::kms {
namespace {

OpContext::Caller caller(std::string account, std::string arn) {
  OpContext::Caller c;
  c.account = std::move(account);
  c.arn = std::move(arn);
  return c;
}

TEST(KmsAccess, GranteeMatches) {
  auto root = caller("111111111111", "arn:aws:iam::111111111111:root");
  EXPECT_TRUE(grantee_matches("arn:aws:iam::111111111111:root", root));
  EXPECT_TRUE(grantee_matches("111111111111", root));
  EXPECT_FALSE(grantee_matches("arn:aws:iam::222222222222:root", root));
  auto session = caller("111111111111", "arn:aws:sts::111111111111:assumed-role/reader/s1");
  EXPECT_TRUE(grantee_matches("arn:aws:iam::111111111111:role/reader", session));
  EXPECT_TRUE(grantee_matches("arn:aws:iam::111111111111:role/path/to/reader", session));
  EXPECT_FALSE(grantee_matches("arn:aws:iam::111111111111:role/read", session));
  EXPECT_FALSE(grantee_matches("arn:aws:iam::111111111111:role/readers", session));
  EXPECT_TRUE(grantee_matches("arn:aws:iam::111111111111:root", session));  // the account's principals
  auto user = caller("111111111111", "arn:aws:iam::111111111111:user/bob");
  EXPECT_TRUE(grantee_matches("arn:aws:iam::111111111111:user/bob", user));
  EXPECT_FALSE(grantee_matches("arn:aws:iam::111111111111:user/alice", user));
}

TEST(KmsAccess, Constraints) {
  Doc none;
  EXPECT_TRUE(constraints_admit(none, {}));
  Doc eq = Doc::map(), pairs = Doc::map();
  pairs.set("a", "1");
  eq.set("EncryptionContextEquals", pairs);
  EXPECT_TRUE(constraints_admit(eq, {{"a", "1"}}));
  EXPECT_FALSE(constraints_admit(eq, {{"a", "1"}, {"b", "2"}}));
  EXPECT_FALSE(constraints_admit(eq, {{"a", "2"}}));
  EXPECT_FALSE(constraints_admit(eq, {}));
  Doc sub = Doc::map();
  sub.set("EncryptionContextSubset", pairs);
  EXPECT_TRUE(constraints_admit(sub, {{"a", "1"}, {"b", "2"}}));
  EXPECT_FALSE(constraints_admit(sub, {{"b", "2"}}));
}

}  // namespace
}  // namespace stratus::kms
