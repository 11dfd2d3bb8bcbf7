// KMS's cryptography (OpenSSL): key material per key spec, AES-256-GCM, RSA-OAEP, signatures,
// HMAC. Pure functions over bytes: no state, no storage. Private keys travel as PKCS#8 DER,
// public keys as DER SubjectPublicKeyInfo (what GetPublicKey returns).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stratus::kms::crypto {

std::string random_bytes(size_t n);

// The spec families of KeySpec / DataKeyPairSpec.
bool is_symmetric(std::string_view spec);  // SYMMETRIC_DEFAULT
bool is_hmac(std::string_view spec);       // HMAC_224..512
bool is_rsa(std::string_view spec);        // RSA_2048/3072/4096
bool is_ecc(std::string_view spec);        // ECC_NIST_P256/P384/P521, ECC_SECG_P256K1
// Fresh key material for a spec: 32 random bytes (symmetric), the HMAC key (28/32/48/64 bytes),
// or a PKCS#8 DER private key. Throws std::invalid_argument for an unknown spec.
std::string generate(std::string_view spec);
// DER SubjectPublicKeyInfo of a PKCS#8 private key ("" when it does not parse).
std::string public_key_der(std::string_view private_der);

// AES-256-GCM with a 12-byte IV; the output is ciphertext || 16-byte tag.
std::string aes_gcm_seal(std::string_view key, std::string_view iv, std::string_view aad, std::string_view plaintext);
std::optional<std::string> aes_gcm_open(std::string_view key, std::string_view iv, std::string_view aad,
                                        std::string_view sealed);

// RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256 (same hash for MGF1, empty label).
std::optional<std::string> rsa_encrypt(std::string_view private_der, std::string_view algorithm,
                                       std::string_view plaintext);
std::optional<std::string> rsa_decrypt(std::string_view private_der, std::string_view algorithm,
                                       std::string_view ciphertext);
// Largest plaintext for RSA-OAEP with this key spec and algorithm (KMS's table).
size_t rsa_max_plaintext(std::string_view spec, std::string_view algorithm);

// The digest length (bytes) a SigningAlgorithm signs (32/48/64), 0 for an unknown algorithm.
size_t digest_size(std::string_view algorithm);
// Hash of message with the algorithm's digest.
std::string digest(std::string_view algorithm, std::string_view message);
// Sign / verify a digest (already hashed) with RSASSA_PSS_* (salt = hash length),
// RSASSA_PKCS1_V1_5_* or ECDSA_SHA_* (DER signature). nullopt / false on failure.
std::optional<std::string> sign_digest(std::string_view private_der, std::string_view algorithm,
                                       std::string_view digest);
bool verify_digest(std::string_view private_der, std::string_view algorithm, std::string_view digest,
                   std::string_view signature);

// HMAC_SHA_224/256/384/512.
std::string hmac(std::string_view algorithm, std::string_view key, std::string_view message);

}  // namespace stratus::kms::crypto
