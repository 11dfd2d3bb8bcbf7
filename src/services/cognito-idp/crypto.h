// Cognito's cryptography, pure functions over OpenSSL (unit-tested in tests/unit/services/cognito-idp):
//
// - SRP-6a as Cognito speaks it (USER_SRP_AUTH / PASSWORD_VERIFIER, the math of
//   amazon-cognito-identity-js's AuthenticationHelper): the RFC 5054 3072-bit group, g = 2,
//   SHA-256, k = H(N | g), u = H(A | B), x = H(salt | H(poolName userId ":" password)), numbers
//   hashed in their "padded hex" form (even length, a leading 00 when the top bit is set), the
//   session key HKDF(ikm = S, salt = u, info = "Caldera Derived Key" 0x01) cut to 16 bytes, and
//   the claim HMAC-SHA256(key, poolName userId secretBlock timestamp).
// - Passwords: PBKDF2-HMAC-SHA256 (OpenSSL PKCS5_PBKDF2_HMAC), 100,000 iterations, 16-byte random
//   salt, stored as "pbkdf2-sha256$ITER$SALT_B64$HASH_B64"; compared in constant time.
// - RS256 JWTs: a 2048-bit RSA key pair per pool (PEM), signing, and its JWK.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::cognitoidp::crypto {

std::string random_bytes(size_t n);
bool equal_ct(std::string_view a, std::string_view b);  // constant time for equal lengths
std::string base64url(std::string_view bytes);          // no padding
std::optional<std::string> base64url_decode(std::string_view s);

// ---- passwords ----
std::string hash_password(std::string_view password);
bool check_password(std::string_view stored, std::string_view password);

// ---- SRP ----
// N of the group (RFC 5054's 3072-bit prime), upper-case hex.
const char* srp_prime_hex();
// Hex (lower case, no padding) of the verifier v = g^x mod N for a fresh salt.
struct Verifier {
  std::string salt_hex;
  std::string v_hex;
};
Verifier make_verifier(std::string_view pool_name, std::string_view user_id, std::string_view password);
// A verifier for a user who does not exist, derived from `seed` (at least 48 bytes: a keyed hash of
// the pool and the name), so that the same name always gets the same salt, as AWS's simulated
// answers do (PreventUserExistenceErrors).
Verifier stand_in_verifier(std::string_view seed);
// The server's ephemeral pair for a verifier: b (secret) and B = k v + g^b mod N, hex.
struct ServerPair {
  std::string b_hex;
  std::string B_hex;
};
ServerPair server_pair(std::string_view v_hex);
// A mod N != 0 and A well formed.
bool valid_a(std::string_view A_hex);
// The 16-byte key both sides derive; nullopt when the inputs are malformed.
std::optional<std::string> server_key(std::string_view A_hex, std::string_view B_hex, std::string_view b_hex,
                                      std::string_view v_hex);
// The client's side (tests, and the reference for the server's): S = (B - k g^x)^(a + u x).
std::optional<std::string> client_key(std::string_view a_hex, std::string_view B_hex, std::string_view pool_name,
                                      std::string_view user_id, std::string_view password, std::string_view salt_hex);
std::string client_a(std::string_view a_hex);  // A = g^a mod N, hex
// g^e mod N, hex (empty for a malformed e): exponents up to 256 bits go through a fixed-base table
// built once per process (b, x, a), longer ones through a windowed exponentiation.
std::string g_pow(std::string_view e_hex);
// base64 HMAC-SHA256(key, pool_name user_id secret_block timestamp).
std::string claim_signature(std::string_view key, std::string_view pool_name, std::string_view user_id,
                            std::string_view secret_block, std::string_view timestamp);

// ---- TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) ----
std::string base32(std::string_view bytes);  // RFC 4648 alphabet, no padding (authenticator apps' form)
// The 6-digit code of `secret` (raw bytes) for time step `step` (epoch seconds / 30).
std::string totp(std::string_view secret, int64_t step);
// The step within one step of `now_s` whose code is `code` (constant-time compares), or -1.
int64_t totp_match(std::string_view secret, std::string_view code, int64_t now_s);

// ---- RS256 ----
std::string generate_rsa_pem();  // PKCS#8 private key PEM
// The compact JWS of a header and payload (JSON texts) signed with the key.
std::string sign_jwt(std::string_view pem, std::string_view header_json, std::string_view payload_json);
// {"n": base64url, "e": base64url} of the key's public half.
std::pair<std::string, std::string> rsa_public_ne(std::string_view pem);
// True when the compact JWS's signature verifies under the key (RS256).
bool verify_jwt(std::string_view pem, std::string_view token);

}  // namespace stratus::cognitoidp::crypto
