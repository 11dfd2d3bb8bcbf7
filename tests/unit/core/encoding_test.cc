// core/encoding.h timestamps: the hand-rolled iso8601 formatting against strftime's; base64.
#include <gtest/gtest.h>

#include <ctime>

#include "core/encoding.h"

namespace stratus {
namespace {

std::string reference(int64_t millis) {
  std::time_t secs = static_cast<std::time_t>(millis >= 0 ? millis / 1000 : (millis - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string s = buf;
  int ms = static_cast<int>(((millis % 1000) + 1000) % 1000);
  if (ms) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", ms);
    s += frac;
  }
  return s + "Z";
}

TEST(Encoding, Iso8601) {
  EXPECT_EQ(enc::iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(enc::iso8601(1795910638123), "2026-11-29T00:03:58.123Z");
  EXPECT_EQ(enc::iso8601(1795910638000), "2026-11-29T00:03:58Z");
  EXPECT_EQ(enc::iso8601(5), "1970-01-01T00:00:00.005Z");
  for (int64_t t : {int64_t{1}, int64_t{999}, int64_t{86'399'999}, int64_t{951'782'400'000}, int64_t{4'102'444'799'999},
                    int64_t{253'402'300'799'000}})
    EXPECT_EQ(enc::iso8601(t), reference(t)) << t;
}

// base64_decode: every length's round trip, padded or not, the URL alphabet, and refusals.
TEST(Base64, DecodesWhatItEncodesAndRefusesTheMalformed) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    std::string e = enc::base64_encode(bytes);
    EXPECT_EQ(enc::base64_decode(e), bytes) << n;
    while (!e.empty() && e.back() == '=') e.pop_back();
    EXPECT_EQ(enc::base64_decode(e), bytes) << n;
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
  EXPECT_EQ(enc::base64_decode("-_-_"), enc::base64_decode("+/+/"));
  EXPECT_EQ(enc::base64_decode("TWFu"), "Man");
  EXPECT_EQ(enc::base64_decode("TWE="), "Ma");
  EXPECT_EQ(enc::base64_decode("TQ=="), "M");
  EXPECT_FALSE(enc::base64_decode("TWFuT"));  // 4n + 1 characters
  EXPECT_FALSE(enc::base64_decode("TW=u"));   // padding inside
  EXPECT_FALSE(enc::base64_decode("TWF u"));  // not the alphabet
  EXPECT_FALSE(enc::base64_decode("TWFu\xff"));
  EXPECT_EQ(enc::base64_decode(""), "");
}

}  // namespace
}  // namespace stratus
