#include "storage/keys.h"

#include <gtest/gtest.h>

namespace stratus::storage {
namespace {

TEST(Keys, BuilderLayoutIsTheDocumentedBytes) {
  std::string k = KeyBuilder().scope("123456789012", "us-east-1").str("orders").take();
  EXPECT_EQ(k, std::string("123456789012\0us-east-1\0orders\0", 30));
  EXPECT_TRUE(k.starts_with(scope_prefix("123456789012", "us-east-1")));
  std::string m = KeyBuilder().u64(0x0102030405060708ull).u16(0x0a0b).raw("uid").take();
  EXPECT_EQ(m, std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x0a\x0buid", 13));
}

TEST(Keys, TextHoldsNulAndIsStrForOtherText) {
  // Text without NUL and 0xff is laid out exactly as str() (existing keys keep their bytes).
  EXPECT_EQ(KeyBuilder().text("stream-1").take(), KeyBuilder().str("stream-1").take());
  std::string nul("a\0b\xff", 4);
  std::string k = KeyBuilder().text(nul).u64(7).take();
  EXPECT_EQ(k.find('\0'), 6u);  // a ff01 b ffff: the component's only NUL is its terminator
  KeyReader r(k);
  EXPECT_EQ(r.text(), nul);
  EXPECT_EQ(r.u64(), 7u);
  // Prefix-free: a name's component is not a prefix of a longer name's.
  EXPECT_FALSE(KeyBuilder().text(std::string("a\0b", 3)).take().starts_with(KeyBuilder().text("a").take()));
  EXPECT_THROW(KeyBuilder().str(nul), std::invalid_argument);
}

TEST(Keys, NumbersSortNumerically) {
  EXPECT_LT(KeyBuilder().u64(255).take(), KeyBuilder().u64(256).take());
  EXPECT_LT(KeyBuilder().u64(1).raw("z").take(), KeyBuilder().u64(2).raw("a").take());
}

TEST(Keys, ShorterStringSortsBeforeItsExtension) {
  EXPECT_LT(KeyBuilder().str("ab").u64(9).take(), KeyBuilder().str("abc").u64(0).take());
}

TEST(Keys, ReaderReturnsWhatWasWritten) {
  std::string k = KeyBuilder().scope("a", "r").u64(42).u16(7).raw("tail\0x").take();
  KeyReader r(k);
  EXPECT_EQ(r.str(), "a");
  EXPECT_EQ(r.str(), "r");
  EXPECT_EQ(r.u64(), 42u);
  EXPECT_EQ(r.u16(), 7u);
  EXPECT_EQ(r.rest(), "tail");
  EXPECT_EQ(r.raw(4), "tail");
  EXPECT_TRUE(r.done());
}

TEST(Keys, TruncatedKeysThrowAndNulInStringIsRefused) {
  KeyReader r(std::string_view("\x01\x02", 2));
  EXPECT_THROW(r.u64(), std::runtime_error);
  KeyReader s("no-terminator");
  EXPECT_THROW(s.str(), std::runtime_error);
  EXPECT_THROW(KeyBuilder().str(std::string("a\0b", 3)), std::invalid_argument);
}

}  // namespace
}  // namespace stratus::storage
