// The aws-chunked decoder fed in fuzz-chosen pieces. Input: byte 0 picks the form and whether a
// signing context is set; byte 1 seeds the piece sizes; the rest is the body. Only AwsError may
// escape, and the decoded count must equal what reached the sink.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/aws_chunked.h"
#include "auth/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static constexpr std::string_view kForms[] = {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                                                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                                                "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "UNSIGNED-PAYLOAD"};
  static constexpr std::string_view kTrailers[] = {"", "x-amz-checksum-crc32", "x-amz-checksum-crc64nvme",
                                                   "x-amz-checksum-sha256"};
  std::string_view form = kForms[data[0] & 3];
  bool sign = data[0] & 4;
  std::string_view trailer = kTrailers[(data[0] >> 3) & 3];
  uint32_t seed = data[1];
  std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);

  std::optional<stratus::auth::AwsChunkedDecoder::SigningContext> signing;
  if (sign)
    signing = stratus::auth::AwsChunkedDecoder::SigningContext{
        stratus::auth::signing_key("secret", "20261122", "us-east-1", "s3"), "20261122T000358Z",
        "20261122/us-east-1/s3/aws4_request", std::string(64, '0')};
  uint64_t sunk = 0;
  try {
    stratus::auth::AwsChunkedDecoder d(form, [&](std::string_view s) { sunk += s.size(); }, signing, trailer);
    while (!body.empty()) {
      seed = seed * 1103515245u + 12345u;
      size_t n = std::min<size_t>(body.size(), 1 + (seed >> 16) % 64);
      try {
        d.feed(body.substr(0, n));
      } catch (const stratus::AwsError&) {
        if (d.decoded_bytes() != sunk) std::abort();
        throw;
      }
      body.remove_prefix(n);
    }
    d.finish();
    if (d.decoded_bytes() != sunk) std::abort();
  } catch (const stratus::AwsError&) {
  }
  return 0;
}
