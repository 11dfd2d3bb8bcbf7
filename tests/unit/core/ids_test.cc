#include "core/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace stratus {
namespace {

// Request ids are RFC 4122 version 4 UUIDs: 8-4-4-4-12 lower-case hex, version 4, variant 10xx.
TEST(Ids, Uuid4Format) {
  static const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = ids::uuid4();
    ASSERT_TRUE(std::regex_match(id, kUuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

// uuid4_of: the given bits in UUID form, with the version and variant bits set.
TEST(Ids, Uuid4OfGivenBits) {
  EXPECT_EQ(ids::uuid4_of(0, 0), "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(ids::uuid4_of(~0ULL, ~0ULL), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  EXPECT_EQ(ids::uuid4_of(0x0123456789abcdefULL, 0xfedcba9876543210ULL), "01234567-89ab-4def-bedc-ba9876543210");
}

}  // namespace
}  // namespace stratus
