// Streaming decoder for Content-Encoding: aws-chunked bodies, both forms current SDKs send:
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD  (each chunk: "<hex-size>;chunk-signature=<sig>\r\n<data>\r\n",
//       signatures chained from the seed signature of the request; verified when a signing key is given)
//   STREAMING-UNSIGNED-PAYLOAD-TRAILER  ("<hex-size>\r\n<data>\r\n" ... "0\r\n" then trailer
//       headers such as "x-amz-checksum-crc32:<b64>\r\n" and a final "\r\n"; the checksum is verified)
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (signed chunks plus a signed trailer)
// Input arrives in arbitrary pieces (feed()); decoded payload bytes go to the sink as they are
// complete. Never buffers more than one chunk header/trailer line plus a bounded amount.
// Bytes reach the sink before their chunk's signature (checked at the end of the chunk) and the
// trailer checksum (checked in finish()) are verified: when feed() or finish() throws, the
// caller must discard everything the sink received.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace stratus::auth {

// Parses an x-amz-decoded-content-length value: decimal digits only (no sign, no spaces), at
// most 19 of them. nullopt when invalid.
std::optional<uint64_t> parse_decoded_length(std::string_view value);

class AwsChunkedDecoder {
 public:
  using Sink = std::function<void(std::string_view)>;
  struct SigningContext {        // set to verify chunk signatures
    std::string signing_key;     // raw bytes from signing_key()
    std::string amz_date;        // request X-Amz-Date
    std::string scope;           // date/region/service/aws4_request
    std::string seed_signature;  // the request's Authorization signature
  };
  // content_sha256: the request's x-amz-content-sha256 value (selects the form); any other value
  // throws AwsError InvalidArgument. x_amz_trailer: the request's x-amz-trailer header, naming
  // the checksum trailer to expect; when empty every supported checksum is computed, since the
  // trailer only names its algorithm after the data has gone by.
  AwsChunkedDecoder(std::string_view content_sha256, Sink sink,
                    std::optional<SigningContext> signing = std::nullopt, std::string_view x_amz_trailer = {});
  // The request's x-amz-decoded-content-length: the payload must decode to exactly n bytes
  // (more: feed() throws InvalidRequest as soon as they arrive; fewer: finish() throws
  // IncompleteBody). Call before the first feed().
  void expect_decoded_length(uint64_t n);
  // Feeds raw body bytes. Throws AwsError on malformed framing or a bad chunk signature.
  void feed(std::string_view data);
  // Call at end of body. Throws AwsError if the body ended early or a trailer checksum fails.
  void finish();
  uint64_t decoded_bytes() const { return decoded_; }
  // Trailer checksum header that was verified, e.g. "x-amz-checksum-crc32", and its value.
  const std::string& checksum_name() const { return checksum_name_; }
  const std::string& checksum_value() const { return checksum_value_; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  uint64_t decoded_ = 0;
  std::string checksum_name_, checksum_value_;
};

}  // namespace stratus::auth
