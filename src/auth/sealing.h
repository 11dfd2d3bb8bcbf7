// Secrets at rest: records holding secret keys are sealed (AES-256-GCM) before they reach storage,
// so neither the RocksDB log nor its tables hold a secret access key in clear.
//
// Sealed record: "\x00SLD" | version (1 byte) | nonce (12) | ciphertext | tag (16). Version 1 is
// sealed under the data-directory key (<data-dir>/.stratus-key, 32 random bytes, mode 0600);
// a later version can name another key source (a KMS master key) without touching old records.
// Associated data (e.g. the access key id) binds a record to its storage key, so sealed values
// cannot be swapped between keys. Plain records (written before sealing existed) start with '{'
// and never with the magic.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stratus::auth {

inline constexpr size_t kSealingKeyBytes = 32;

// Reads the key file, or creates it (O_EXCL, 0600, fsynced) with random bytes when absent.
// Throws std::runtime_error when it cannot, or when the file is not kSealingKeyBytes long.
std::string load_or_create_sealing_key(const std::string& path);
// A fresh random key (ephemeral servers: nothing outlives the process).
std::string random_sealing_key();

bool is_sealed(std::string_view value);
// key: kSealingKeyBytes bytes. Throws std::runtime_error if the cipher fails (it does not).
std::string seal(std::string_view key, std::string_view plaintext, std::string_view associated);
// nullopt when the value is not sealed, of an unknown version, or fails authentication.
std::optional<std::string> unseal(std::string_view key, std::string_view sealed,
                                  std::string_view associated);

}  // namespace stratus::auth
