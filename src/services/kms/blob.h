// The ciphertext blob of symmetric Encrypt / GenerateDataKey / ReEncrypt: it names its key, so
// Decrypt needs no KeyId, and the key material version, so ciphertexts made before a rotation
// still decrypt.
//
//   0x01 (format) | u8 L | key id (L bytes, 1..64) | be32 material version | iv (12) |
//   ciphertext | tag (16)
//
// AES-256-GCM under the key material of that version; the AAD is the header (format .. version)
// followed by the encryption context (context_aad). parse() is given untrusted bytes (fuzzed:
// fuzz/fuzz_kms_blob.cc).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::kms::blob {

inline constexpr uint8_t kFormat = 1;
inline constexpr size_t kIvBytes = 12;
inline constexpr size_t kTagBytes = 16;

struct Parts {
  std::string_view key_id;
  uint32_t version = 0;
  std::string_view header;  // the bytes the AAD starts with
  std::string_view iv;
  std::string_view sealed;  // ciphertext || tag
};

// The header of a blob for key_id and version (key_id: 1..64 bytes).
std::string header(std::string_view key_id, uint32_t version);
// nullopt unless `bytes` has the layout above (with a non-empty ciphertext). The views point into `bytes`.
std::optional<Parts> parse(std::string_view bytes);
// The encryption context's AAD: per pair in key order, be32 length + key, be32 length + value.
std::string context_aad(const std::map<std::string, std::string>& context);

}  // namespace stratus::kms::blob
