#include "http/compression.h"

#include <gtest/gtest.h>

#include <string>

namespace stratus::http {
namespace {

std::string text(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "{\"id\":{\"S\":\"" + std::to_string(i) + "\"}},";
  s.resize(n);
  return s;
}

TEST(Compression, RoundTripsBothCodings) {
  for (Coding c : {Coding::gzip, Coding::deflate}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{300000}}) {
      std::string in = text(n);
      std::string packed = encode(in, c), out;
      ASSERT_EQ(decode(packed, c, n, &out), DecodeStatus::ok) << coding_name(c) << " " << n;
      EXPECT_EQ(out, in);
    }
  }
}

TEST(Compression, GzipHasItsMagicAndDeflateIsZlib) {
  std::string g = encode("hello", Coding::gzip), d = encode("hello", Coding::deflate);
  EXPECT_EQ(g.substr(0, 2), std::string("\x1f\x8b"));
  EXPECT_EQ(static_cast<unsigned char>(d[0]) & 0x0f, 8);
}

TEST(Compression, RawDeflateIsAcceptedForDeflate) {
  std::string zlib = encode(text(5000), Coding::deflate);
  std::string raw = zlib.substr(2, zlib.size() - 6);  // no zlib header, no adler32
  std::string out;
  ASSERT_EQ(decode(raw, Coding::deflate, 1 << 20, &out), DecodeStatus::ok);
  EXPECT_EQ(out, text(5000));
}

TEST(Compression, ConcatenatedGzipMembers) {
  std::string out;
  ASSERT_EQ(decode(encode("ab", Coding::gzip) + encode("cd", Coding::gzip), Coding::gzip, 100, &out), DecodeStatus::ok);
  EXPECT_EQ(out, "abcd");
}

TEST(Compression, MalformedInputs) {
  std::string g = encode(text(2000), Coding::gzip), out;
  EXPECT_EQ(decode("not compressed", Coding::gzip, 1 << 20, &out), DecodeStatus::malformed);
  EXPECT_EQ(decode(g.substr(0, g.size() / 2), Coding::gzip, 1 << 20, &out), DecodeStatus::malformed);
  EXPECT_EQ(decode(g.substr(0, g.size() - 1), Coding::gzip, 1 << 20, &out), DecodeStatus::malformed);  // no trailer
  EXPECT_EQ(decode(g + "junk", Coding::gzip, 1 << 20, &out), DecodeStatus::malformed);
  std::string bad_crc = g;
  bad_crc[bad_crc.size() - 6] ^= 1;
  EXPECT_EQ(decode(bad_crc, Coding::gzip, 1 << 20, &out), DecodeStatus::malformed);
  std::string d = encode("x", Coding::deflate);
  EXPECT_EQ(decode(d + "x", Coding::deflate, 1 << 20, &out), DecodeStatus::malformed);
  EXPECT_EQ(decode(g, Coding::deflate, 1 << 20, &out), DecodeStatus::malformed);
}

TEST(Compression, BombStopsAtTheCap) {
  std::string zeros(64 << 20, '\0');  // 64 MB of zeros: a few hundred KB at the fast level
  std::string bomb = encode(zeros, Coding::gzip), out;
  zeros.clear();
  zeros.shrink_to_fit();
  ASSERT_LT(bomb.size(), 1u << 20);
  EXPECT_EQ(decode(bomb, Coding::gzip, 1 << 20, &out), DecodeStatus::too_large);
  EXPECT_LE(out.size(), 1u << 20);
  EXPECT_EQ(decode(encode("12345", Coding::gzip), Coding::gzip, 4, &out), DecodeStatus::too_large);
  EXPECT_EQ(decode(encode("12345", Coding::gzip), Coding::gzip, 5, &out), DecodeStatus::ok);
}

TEST(Compression, ContentEncodingLists) {
  using V = std::vector<Coding>;
  EXPECT_EQ(parse_content_encoding("gzip"), V{Coding::gzip});
  EXPECT_EQ(parse_content_encoding("X-GZIP"), V{Coding::gzip});
  EXPECT_EQ(parse_content_encoding("deflate, gzip"), (V{Coding::deflate, Coding::gzip}));
  EXPECT_EQ(parse_content_encoding("aws-chunked,gzip"), V{Coding::gzip});
  EXPECT_EQ(parse_content_encoding("identity"), V{});
  EXPECT_EQ(parse_content_encoding("br"), std::nullopt);
  EXPECT_EQ(parse_content_encoding("gzip, zstd"), std::nullopt);
}

TEST(Compression, AcceptEncodingPreference) {
  EXPECT_EQ(preferred_coding(""), Coding::identity);
  EXPECT_EQ(preferred_coding("identity"), Coding::identity);
  EXPECT_EQ(preferred_coding("gzip, deflate, br"), Coding::gzip);
  EXPECT_EQ(preferred_coding("deflate"), Coding::deflate);
  EXPECT_EQ(preferred_coding("gzip;q=0, deflate"), Coding::deflate);
  EXPECT_EQ(preferred_coding("gzip;q=0.2, deflate;q=0.8"), Coding::deflate);
  EXPECT_EQ(preferred_coding("*"), Coding::gzip);
  EXPECT_EQ(preferred_coding("*;q=0"), Coding::identity);
  EXPECT_EQ(preferred_coding("br, *;q=0"), Coding::identity);
  EXPECT_EQ(preferred_coding("GZIP ; Q=1"), Coding::gzip);
  EXPECT_EQ(preferred_coding("gzip;q=bogus"), Coding::identity);
}

}  // namespace
}  // namespace stratus::http
