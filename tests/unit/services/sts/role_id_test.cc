// STS's role ids: stable per role ARN (sessions of one role share it), IAM's shape.
#include <gtest/gtest.h>

#include "services/sts/ops.h"

namespace stratus::sts {
namespace {

TEST(StsRoleId, StableAndShaped) {
  std::string a = role_unique_id("arn:aws:iam::000000000000:role/app");
  EXPECT_EQ(a, role_unique_id("arn:aws:iam::000000000000:role/app"));
  EXPECT_NE(a, role_unique_id("arn:aws:iam::000000000000:role/other"));
  ASSERT_EQ(a.size(), 21u);
  EXPECT_EQ(a.substr(0, 4), "AROA");
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
}

}  // namespace
}  // namespace stratus::sts
