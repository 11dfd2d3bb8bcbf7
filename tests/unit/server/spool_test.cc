// SpoolWriter: the body lands in the file whole, digested in the same pass as asked.
#include "server/spool.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <string>

#include "auth/checksum.h"
#include "auth/sigv4.h"
#include "core/encoding.h"

namespace stratus {
namespace {

std::string md5_of(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(d), n);
}

std::string body_of(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

const std::string kDir = [] {
  const char* t = std::getenv("TMPDIR");
  return std::string(t && *t ? t : "/tmp");
}();

TEST(SpoolWriter, DigestsAsAsked) {
  std::string body = body_of(700'000);
  http::BodyDigests d;
  d.md5 = true;
  d.checksum = "crc64nvme";
  SpoolWriter w(kDir, d);
  // Pieces of every size: small ones are coalesced, large ones written as they are.
  for (size_t at = 0, n = 1; at < body.size(); at += n, n = n * 3 % 200'000 + 1)
    w.write(std::string_view(body).substr(at, std::min(n, body.size() - at)));
  auto f = w.finish();
  ASSERT_EQ(f->size, body.size());
  EXPECT_EQ(f->read(0, body.size()), body);
  EXPECT_EQ(f->sha256_hex, auth::sha256_hex(body));
  EXPECT_EQ(f->md5_raw, md5_of(body));
  EXPECT_EQ(f->checksum_algorithm, "crc64nvme");
  auto ck = auth::Checksum::make("crc64nvme");
  ck->update(body);
  EXPECT_EQ(f->checksum_b64, ck->base64());
}

TEST(SpoolWriter, UnsignedPayloadIsNotHashed) {
  http::BodyDigests d;
  d.sha256 = false;  // UNSIGNED-PAYLOAD, STREAMING-*: SigV4 needs no SHA-256 of the body
  SpoolWriter w(kDir, d);
  w.write("hello");
  auto f = w.finish();
  EXPECT_EQ(f->read(0, 5), "hello");
  EXPECT_TRUE(f->sha256_hex.empty());
  EXPECT_TRUE(f->md5_raw.empty());
  EXPECT_TRUE(f->checksum_b64.empty());
}

TEST(SpoolWriter, ChecksumFromElsewhere) {
  SpoolWriter w(kDir);
  w.write("abc");
  w.set_checksum("crc32", "NSRBwg==");  // the aws-chunked decoder's verified trailer value
  auto f = w.finish();
  EXPECT_EQ(f->checksum_algorithm, "crc32");
  EXPECT_EQ(f->checksum_b64, "NSRBwg==");
}

}  // namespace
}  // namespace stratus
