// The key SNS signs its messages with, and the certificate Stratus serves so that receivers can
// verify them (SigningCertURL). Generated once and kept in storage ("sns.signing"), so messages
// signed before a restart still verify after it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/engine.h"

namespace stratus::sns {

class Signer {
 public:
  // Loads the key pair from storage, or generates and stores one. Throws std::runtime_error
  // when OpenSSL fails.
  explicit Signer(storage::Engine& engine);
  ~Signer();
  // Base64 RSA signature of `text`: SHA1withRSA for SignatureVersion 1, SHA256withRSA for 2.
  std::string sign(std::string_view text, int version) const;
  // The length of what sign() returns.
  size_t signature_chars() const;
  const std::string& certificate_pem() const { return cert_pem_; }

 private:
  struct Key;
  std::unique_ptr<Key> key_;
  std::string cert_pem_;
};

}  // namespace stratus::sns
