// The flexible checksums S3 accepts (x-amz-checksum-<algorithm> headers and aws-chunked
// trailers), computed incrementally: CRC32, CRC32C, CRC64NVME, SHA1, SHA256.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace stratus::auth {

class Checksum {
 public:
  virtual ~Checksum() = default;
  // algorithm: "crc32", "crc32c", "crc64nvme", "sha1" or "sha256" (lower-case, as in the header
  // name x-amz-checksum-<algorithm>). nullptr for anything else.
  static std::unique_ptr<Checksum> make(std::string_view algorithm);
  virtual void update(std::string_view data) = 0;
  // Raw big-endian digest bytes; call once, after the last update().
  virtual std::string digest() = 0;
  // How S3 writes the value: base64 of the big-endian digest.
  std::string base64();
};

// One-shot helpers; CRCs in their usual numeric form (for check values and tests).
uint32_t crc32(std::string_view data, uint32_t crc = 0);
uint32_t crc32c(std::string_view data, uint32_t crc = 0);
uint64_t crc64nvme(std::string_view data, uint64_t crc = 0);

}  // namespace stratus::auth
