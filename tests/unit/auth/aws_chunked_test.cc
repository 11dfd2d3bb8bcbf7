#include "auth/aws_chunked.h"

#include <gtest/gtest.h>

#include <random>

#include "auth/checksum.h"
#include "core/encoding.h"
#include "core/json.h"
#include "../vectors/aws_chunked_vectors.inc"

namespace stratus::auth {
namespace {

struct Vector {
  std::string name, content_sha256, body, payload, checksum_name, checksum_value;
  std::optional<AwsChunkedDecoder::SigningContext> signing;
};

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  return out;
}

std::vector<Vector> load_vectors() {
  std::vector<Vector> out;
  Doc all = json::parse(std::string_view(kAwsChunkedVectorsJson, sizeof kAwsChunkedVectorsJson - 1));
  for (const Doc& c : all.as_list()) {
    Vector v;
    v.name = c.str("name");
    v.content_sha256 = c.str("content_sha256");
    v.body = *enc::base64_decode(c.str("body_b64"));
    v.payload = *enc::base64_decode(c.str("payload_b64"));
    v.checksum_name = c.str("checksum_name");
    v.checksum_value = c.str("checksum_value");
    if (const Doc* s = c.get("signing"); s && s->is_map())
      v.signing = AwsChunkedDecoder::SigningContext{unhex(s->str("key_hex")), s->str("amz_date"), s->str("scope"),
                                                    s->str("seed")};
    out.push_back(std::move(v));
  }
  return out;
}

const Vector& vector_named(const std::vector<Vector>& all, std::string_view name) {
  for (const Vector& v : all)
    if (v.name == name) return v;
  throw std::runtime_error("no vector " + std::string(name));
}

struct Outcome {
  std::string output;
  std::optional<AwsError> error;
  std::string checksum_name, checksum_value;
  uint64_t decoded = 0;
};

// Feeds body in pieces of the given sizes (cycled), then finishes.
Outcome decode(std::string_view content_sha256, std::string_view body, std::vector<size_t> pieces,
               std::optional<AwsChunkedDecoder::SigningContext> signing = std::nullopt, std::string_view trailer = {}) {
  Outcome o;
  try {
    AwsChunkedDecoder d(content_sha256, [&](std::string_view s) { o.output.append(s); }, signing, trailer);
    size_t i = 0;
    while (!body.empty()) {
      size_t n = std::min(body.size(), pieces.empty() ? body.size() : std::max<size_t>(1, pieces[i++ % pieces.size()]));
      d.feed(body.substr(0, n));
      body.remove_prefix(n);
    }
    d.finish();
    o.checksum_name = d.checksum_name();
    o.checksum_value = d.checksum_value();
    o.decoded = d.decoded_bytes();
  } catch (const AwsError& e) {
    o.error = e;
  }
  return o;
}

Outcome decode(const Vector& v, std::vector<size_t> pieces = {}, bool with_signing = true) {
  return decode(v.content_sha256, v.body, std::move(pieces), with_signing ? v.signing : std::nullopt);
}

// Covers the AWS documentation's signed example, a signed trailer, unsigned trailers for every
// algorithm and three bodies captured from boto3 1.43 (CRC32 default, SHA256, SHA1).
TEST(AwsChunked, VectorsAreLoaded) { EXPECT_EQ(load_vectors().size(), 10u); }

TEST(AwsChunked, DecodesKnownBodiesWhateverTheSplit) {
  std::mt19937 rng(42);
  for (const Vector& v : load_vectors()) {
    SCOPED_TRACE(v.name);
    std::vector<size_t> random_pieces;
    for (int i = 0; i < 64; ++i) random_pieces.push_back(std::uniform_int_distribution<size_t>(1, 300)(rng));
    for (const std::vector<size_t>& pieces : {std::vector<size_t>{}, std::vector<size_t>{1}, std::vector<size_t>{2, 7},
                                              std::vector<size_t>{8191}, random_pieces}) {
      Outcome o = decode(v, pieces);
      ASSERT_FALSE(o.error) << o.error->code << ": " << o.error->message;
      EXPECT_EQ(o.output, v.payload);
      EXPECT_EQ(o.decoded, v.payload.size());
      if (!v.checksum_name.empty()) {
        EXPECT_EQ(o.checksum_name, "x-amz-checksum-" + v.checksum_name);
        EXPECT_EQ(o.checksum_value, v.checksum_value);
      }
    }
  }
}

TEST(AwsChunked, AwsDocumentationExampleCarriesPublishedSignatures) {
  auto all = load_vectors();
  const Vector& v = vector_named(all, "aws_doc_signed");
  EXPECT_EQ(v.body.find("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"),
            0u);
  EXPECT_NE(v.body.find("400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"),
            std::string::npos);
  EXPECT_TRUE(v.body.ends_with(
      "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"));
  EXPECT_FALSE(decode(v).error);
}

TEST(AwsChunked, DeclaredTrailerOnlyComputesThatChecksum) {
  auto all = load_vectors();
  const Vector& v = vector_named(all, "boto3_default_crc32");
  Outcome o = decode(v.content_sha256, v.body, {100}, std::nullopt, "x-amz-checksum-crc32");
  ASSERT_FALSE(o.error);
  EXPECT_EQ(o.checksum_value, v.checksum_value);
  o = decode(v.content_sha256, v.body, {}, std::nullopt, "x-amz-checksum-sha256");
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, "InvalidRequest");
}

TEST(AwsChunked, BadChunkSignatureIsRejected) {
  auto all = load_vectors();
  for (std::string_view name : {"aws_doc_signed", "signed_trailer_crc32c"}) {
    SCOPED_TRACE(name);
    Vector v = vector_named(all, name);
    // A flipped signature digit, a flipped payload byte, a different seed.
    Vector sig = v;
    size_t p = sig.body.find("chunk-signature=") + 20;
    sig.body[p] = sig.body[p] == '0' ? '1' : '0';
    Vector data = v;
    data.body[data.body.find("\r\n") + 100] ^= 1;
    Vector seed = v;
    seed.signing->seed_signature[0] = seed.signing->seed_signature[0] == '0' ? '1' : '0';
    for (const Vector* bad : {&sig, &data, &seed}) {
      Outcome o = decode(*bad, {3});
      ASSERT_TRUE(o.error);
      EXPECT_EQ(o.error->code, "SignatureDoesNotMatch");
      EXPECT_EQ(o.error->http_status, 403);
    }
    // Without a signing context the framing is decoded and signatures are not checked.
    EXPECT_FALSE(decode(sig, {}, false).error);
  }
}

TEST(AwsChunked, BadTrailerSignatureIsRejected) {
  Vector v = vector_named(load_vectors(), "signed_trailer_crc32c");
  size_t p = v.body.find("x-amz-trailer-signature:") + 30;
  v.body[p] = v.body[p] == '0' ? '1' : '0';
  Outcome o = decode(v);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, "SignatureDoesNotMatch");
}

TEST(AwsChunked, ChecksumMismatchIsBadDigest) {
  for (const Vector& v : load_vectors()) {
    if (v.checksum_name.empty() || v.signing) continue;
    SCOPED_TRACE(v.name);
    std::string body = v.body;
    body[body.find("\r\n") + 5] ^= 0x20;
    Outcome o = decode(v.content_sha256, body, {});
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->code, "BadDigest");
    std::string upper = v.checksum_name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(o.error->message, "The " + upper + " you specified did not match the calculated checksum.");
  }
}

TEST(AwsChunked, MalformedChecksumValueIsInvalidRequest) {
  auto all = load_vectors();
  const Vector& v = vector_named(all, "boto3_default_crc32");
  std::string body = v.body;
  body.replace(body.find(v.checksum_value), v.checksum_value.size(), "AAAAAAAA");  // 6 bytes, not 4
  Outcome o = decode(v.content_sha256, body, {});
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, "InvalidRequest");
  EXPECT_EQ(o.error->message, "Value for x-amz-checksum-crc32 header is invalid.");
}

TEST(AwsChunked, EveryTruncationIsIncompleteBody) {
  for (std::string_view name : {"signed_trailer_crc32c", "boto3_sha1"}) {
    auto all = load_vectors();
  const Vector& v = vector_named(all, name);
    for (size_t len = 0; len < v.body.size(); len += (len < 200 || v.body.size() - len < 200) ? 1 : 97) {
      Outcome o = decode(v.content_sha256, std::string_view(v.body).substr(0, len), {13}, v.signing);
      ASSERT_TRUE(o.error) << name << " len " << len;
      EXPECT_EQ(o.error->code, "IncompleteBody") << name << " len " << len;
    }
  }
}

TEST(AwsChunked, OversizedChunkHeaderIsRejectedWithoutBuffering) {
  std::string header = "1;" + std::string(5000, 'x');
  Outcome o = decode("STREAMING-UNSIGNED-PAYLOAD-TRAILER", header, {1});
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, "InvalidChunkSizeError");
  o = decode("STREAMING-UNSIGNED-PAYLOAD-TRAILER", "5\r\nhello\r\n0\r\nx-amz-meta:" + std::string(20000, 'y'), {999});
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, "InvalidChunkSizeError");
}

TEST(AwsChunked, MalformedFraming) {
  const char* unsigned_form = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  for (std::string_view body : {
           std::string_view("zz\r\nhello\r\n0\r\n\r\n"),              // size not hex
           std::string_view("\r\nhello\r\n0\r\n\r\n"),                // empty size
           std::string_view("5\nhello\r\n0\r\n\r\n"),                 // LF without CR
           std::string_view("5\r\nhelloX\r\n0\r\n\r\n"),              // data longer than the size
           std::string_view("5\r\nhello\r\n0\r\n\r\nextra"),          // bytes after the end
           std::string_view("1000000000000000\r\nx"),                 // 16 hex digits
           std::string_view("5\r\nhello\r\n0\r\nno-colon\r\n\r\n"),   // trailer without ':'
       }) {
    Outcome o = decode(unsigned_form, body, {});
    ASSERT_TRUE(o.error) << body;
    EXPECT_EQ(o.error->code, "InvalidChunkSizeError") << body;
  }
  // Signed forms need a chunk-signature on every chunk.
  Outcome o = decode("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "5\r\nhello\r\n0\r\n\r\n", {});
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, "InvalidChunkSizeError");
  // A decoder that failed keeps failing.
  AwsChunkedDecoder d(unsigned_form, [](std::string_view) {});
  EXPECT_THROW(d.feed("zz\r\n"), AwsError);
  EXPECT_THROW(d.feed("0\r\n\r\n"), AwsError);
  EXPECT_THROW(d.finish(), AwsError);
}

TEST(AwsChunked, UnsignedTrailerWithoutTrailersAndUppercaseHex) {
  Outcome o = decode("STREAMING-UNSIGNED-PAYLOAD-TRAILER", "A\r\n0123456789\r\n0\r\n\r\n", {1});
  ASSERT_FALSE(o.error);
  EXPECT_EQ(o.output, "0123456789");
  EXPECT_EQ(o.checksum_name, "");
}

TEST(AwsChunked, DecodedLengthMustMatch) {
  constexpr std::string_view form = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  constexpr std::string_view body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  auto run = [&](uint64_t expected, size_t piece) -> std::optional<AwsError> {
    try {
      AwsChunkedDecoder d(form, [](std::string_view) {});
      d.expect_decoded_length(expected);
      for (size_t i = 0; i < body.size(); i += piece) d.feed(body.substr(i, piece));
      d.finish();
    } catch (const AwsError& e) {
      return e;
    }
    return std::nullopt;
  };
  for (size_t piece : {1u, 3u, 100u}) {
    EXPECT_FALSE(run(11, piece)) << piece;
    auto longer = run(12, piece);
    ASSERT_TRUE(longer) << piece;
    EXPECT_EQ(longer->code, "IncompleteBody");
    auto shorter = run(10, piece);
    ASSERT_TRUE(shorter) << piece;
    EXPECT_EQ(shorter->code, "InvalidRequest");
    auto zero = run(0, piece);
    ASSERT_TRUE(zero) << piece;
    EXPECT_EQ(zero->code, "InvalidRequest");
  }
}

TEST(AwsChunked, ParsesDecodedLength) {
  EXPECT_EQ(parse_decoded_length("0"), 0u);
  EXPECT_EQ(parse_decoded_length("66560"), 66560u);
  EXPECT_EQ(parse_decoded_length("9999999999999999999"), 9999999999999999999ull);
  for (std::string_view bad :
       {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "abc", "99999999999999999999"})
    EXPECT_FALSE(parse_decoded_length(bad)) << bad;
}

TEST(AwsChunked, UnsupportedFormIsInvalidArgument) {
  try {
    AwsChunkedDecoder d("UNSIGNED-PAYLOAD", [](std::string_view) {});
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "InvalidArgument");
  }
}

// Check values from the CRC catalogue (reveng): CRC-32/ISO-HDLC, CRC-32/ISCSI, CRC-64/NVME.
TEST(AwsChunked, CrcCheckValues) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc64nvme("123456789"), 0xAE8B14860A799888ull);
  EXPECT_EQ(crc32c("6789", crc32c("12345")), 0xE3069283u);
  auto c = Checksum::make("crc32");
  c->update("1234");
  c->update("56789");
  EXPECT_EQ(enc::hex(c->digest()), "cbf43926");
  EXPECT_EQ(Checksum::make("md5"), nullptr);
}

}  // namespace
}  // namespace stratus::auth

// The sliced CRCs (and CRC64NVME's carry-less folding, from 64 bytes) agree with the bitwise
// definition at every length and split.
TEST(Checksums, SlicedCrcsMatchTheBitwiseDefinition) {
  auto bitwise = [](auto poly, std::string_view data) {
    using T = decltype(poly);
    T c = ~T{0};
    for (unsigned char b : data) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    }
    return static_cast<T>(~c);
  };
  std::string data;
  uint32_t seed = 12345;
  for (int i = 0; i < 600; ++i) {
    seed = seed * 1103515245u + 12345u;
    data.push_back(static_cast<char>(seed >> 16));
  }
  for (size_t len = 0; len <= data.size(); ++len) {
    std::string_view d(data.data(), len);
    EXPECT_EQ(stratus::auth::crc32(d), bitwise(0xEDB88320u, d)) << len;
    EXPECT_EQ(stratus::auth::crc32c(d), bitwise(0x82F63B78u, d)) << len;
    EXPECT_EQ(stratus::auth::crc64nvme(d), bitwise(0x9A6C9329AC4BC9B5ull, d)) << len;
    size_t cut = len / 3;
    EXPECT_EQ(stratus::auth::crc64nvme(d.substr(cut), stratus::auth::crc64nvme(d.substr(0, cut))),
              bitwise(0x9A6C9329AC4BC9B5ull, d))
        << len;
  }
}
