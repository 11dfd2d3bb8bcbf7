#include "services/cognito-idp/crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "auth/sigv4.h"
#include "core/encoding.h"

namespace stratus::cognitoidp::crypto {
namespace {

// RFC 5054's 3072-bit group, as amazon-cognito-identity-js carries it.
constexpr const char* kN =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
struct CtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};

Bn bn() {
  return Bn(BN_new());
}
Bn from_hex(std::string_view h) {
  if (h.empty() || h.size() > 2048) return nullptr;
  for (char c : h)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return nullptr;
  BIGNUM* b = nullptr;
  std::string s(h);
  if (!BN_hex2bn(&b, s.c_str())) return nullptr;
  return Bn(b);
}
std::string to_hex(const BIGNUM* b) {
  char* c = BN_bn2hex(b);
  std::string s(c);
  OPENSSL_free(c);
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (s == "0") return "0";
  return s;
}
// amazon-cognito-identity-js padHex: even length, "00" in front when the first nibble is >= 8.
std::string pad_hex(const BIGNUM* b) {
  std::string s = to_hex(b);
  if (s.size() % 2) s = "0" + s;
  if (std::string_view("89abcdef").find(s[0]) != std::string_view::npos) s = "00" + s;
  return s;
}
std::string unhex(std::string_view h) {
  std::string out;
  out.reserve(h.size() / 2);
  auto nib = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10; };
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(nib(h[i]) * 16 + nib(h[i + 1])));
  return out;
}
std::string sha256(std::string_view data) {
  return auth::sha256(data);  // SHA256() fetched the digest by name on every call
}
// H over the bytes of a hex text, as a number.
Bn hex_hash(std::string_view hex_text) {
  std::string d = sha256(unhex(hex_text));
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(d.data()), static_cast<int>(d.size()), nullptr));
}

// The BN_CTX of this thread (scratch space; BN_CTX is not thread safe, and making one per call
// costs allocations on every exponentiation).
BN_CTX* thread_ctx() {
  thread_local std::unique_ptr<BN_CTX, CtxFree> ctx(BN_CTX_new());
  return ctx.get();
}

// g^e with a table built once per process: T[i][d] = g^(d * 256^i) in Montgomery form for the 32
// byte positions of a 256-bit exponent, so g^e is the product of one entry per byte of e (31
// Montgomery multiplications instead of ~256 squarings and ~50 multiplications). 32 x 256 entries
// of 3072 bits: 3 MiB, built lazily at the first SRP exponentiation (~8,000 multiplications).
// Every product is computed (a zero byte multiplies by 1 in Montgomery form) so the count of
// operations does not depend on e; the table read does (indexed by the byte), as BN_mod_exp's
// windowed exponentiation of the small base g already did.
class FixedBase {
 public:
  static constexpr int kBytes = 32;
  FixedBase(const BIGNUM* g, BN_MONT_CTX* mont) : mont_(mont) {
    BN_CTX* ctx = thread_ctx();
    table_.reserve(kBytes * 256);
    Bn one = bn(), base = bn();
    BN_one(one.get());
    BN_to_montgomery(one.get(), one.get(), mont, ctx);  // R mod N
    BN_to_montgomery(base.get(), g, mont, ctx);         // g^(256^i), Montgomery form
    for (int i = 0; i < kBytes; ++i) {
      table_.push_back(Bn(BN_dup(one.get())));
      for (int d = 1; d < 256; ++d) {
        Bn e = bn();
        BN_mod_mul_montgomery(e.get(), table_.back().get(), base.get(), mont, ctx);
        table_.push_back(std::move(e));
      }
      for (int k = 0; k < 8; ++k) BN_mod_mul_montgomery(base.get(), base.get(), base.get(), mont, ctx);
    }
  }
  // r = g^e mod N for 0 <= e < 2^256.
  bool pow(BIGNUM* r, const BIGNUM* e) const {
    if (BN_is_negative(e) || BN_num_bytes(e) > kBytes) return false;
    unsigned char d[kBytes];
    BN_bn2binpad(e, d, kBytes);  // big-endian: d[kBytes - 1] is byte 0
    BN_CTX* ctx = thread_ctx();
    Bn acc(BN_dup(table_[d[kBytes - 1]].get()));
    for (int i = 1; i < kBytes; ++i)
      BN_mod_mul_montgomery(acc.get(), acc.get(), table_[i * 256 + d[kBytes - 1 - i]].get(), mont_, ctx);
    OPENSSL_cleanse(d, sizeof d);
    return BN_from_montgomery(r, acc.get(), mont_, ctx) == 1;
  }

 private:
  BN_MONT_CTX* mont_;
  std::vector<Bn> table_;
};

struct MontFree {
  void operator()(BN_MONT_CTX* m) const { BN_MONT_CTX_free(m); }
};

struct Group {
  Bn N, g, k;
  // Montgomery constants of N, computed once (BN_mod_exp computes them again on every call); shared
  // read-only by every thread.
  std::unique_ptr<BN_MONT_CTX, MontFree> mont;
  Group() {
    N = from_hex(kN);
    g = bn();
    BN_set_word(g.get(), 2);
    k = hex_hash(pad_hex(N.get()) + pad_hex(g.get()));
    mont.reset(BN_MONT_CTX_new());
    BN_MONT_CTX_set(mont.get(), N.get(), thread_ctx());
  }
  // r = base^e mod N.
  void exp(BIGNUM* r, const BIGNUM* base, const BIGNUM* e) const {
    BN_mod_exp_mont(r, base, e, N.get(), thread_ctx(), mont.get());
  }
  // r = g^e mod N: the fixed-base table for exponents up to 256 bits (b, x), else exp().
  void g_exp(BIGNUM* r, const BIGNUM* e) const {
    static const FixedBase table(g.get(), mont.get());
    if (!table.pow(r, e)) exp(r, g.get(), e);
  }
};
const Group& group() {
  static const Group gr;
  return gr;
}

Bn compute_x(std::string_view pool_name, std::string_view user_id, std::string_view password,
             std::string_view salt_hex) {
  std::string inner = enc::hex(sha256(std::string(pool_name) + std::string(user_id) + ":" + std::string(password)));
  Bn salt = from_hex(salt_hex);
  if (!salt) return nullptr;
  return hex_hash(pad_hex(salt.get()) + inner);
}

std::string hkdf16(std::string_view ikm, std::string_view salt) {
  std::string prk = auth::hmac_sha256(salt, ikm);
  std::string info = "Caldera Derived Key";
  info.push_back('\x01');
  return auth::hmac_sha256(prk, info).substr(0, 16);
}

using Key = std::shared_ptr<EVP_PKEY>;
// Parsed keys by PEM: OpenSSL's PEM decoding costs far more than a signature, and every token
// issued or verified names its pool's key. An EVP_PKEY is safe to share across threads for
// signing and verifying. Bounded (dropped whole past the cap: there is one key per pool).
Key read_key(std::string_view pem) {
  static std::mutex mu;
  static std::unordered_map<std::string, Key> cache;
  {
    std::lock_guard lk(mu);
    if (auto it = cache.find(std::string(pem)); it != cache.end()) return it->second;
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!k) throw std::runtime_error("cognito: unreadable signing key");
  Key key(k, EVP_PKEY_free);
  std::lock_guard lk(mu);
  if (cache.size() >= 1024) cache.clear();
  cache.emplace(std::string(pem), key);
  return key;
}
std::string bn_bytes(const BIGNUM* b) {
  std::string out(static_cast<size_t>(BN_num_bytes(b)), '\0');
  BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return out;
}

bool equal_ct(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64url(std::string_view bytes) {
  std::string s = enc::base64_encode(bytes);
  for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  std::string s(in);
  for (auto& c : s) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return std::nullopt;
  }
  while (s.size() % 4) s.push_back('=');
  return enc::base64_decode(s);
}

// ---- passwords ----
constexpr int kIterations = 100000;

namespace {
// At most one PBKDF2 per core runs at once, admitted in arrival order. The workers that hash are
// elastic (up to 32, so that triggers calling back into Cognito get threads): 32 first logins at
// once were 32 runnable hashing threads that shared two cores with the I/O threads, so every hash
// took the time of all of them (~0.5 s on 2 cores) and cached logins on the I/O threads got a
// fraction of the CPU. Gated, the first hashes finish in 30 ms, the rest queue in order.
class HashGate {
 public:
  HashGate() : cap_(std::max(1u, std::thread::hardware_concurrency())) {}
  void enter() {
    std::unique_lock lk(mu_);
    uint64_t ticket = next_++;
    cv_.wait(lk, [&] { return ticket == admitted_ && running_ < cap_; });
    ++admitted_;
    ++running_;
    cv_.notify_all();
  }
  void leave() {
    std::lock_guard lk(mu_);
    --running_;
    cv_.notify_all();
  }

 private:
  const unsigned cap_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_ = 0, admitted_ = 0;
  unsigned running_ = 0;
};

void pbkdf2(std::string_view password, std::string_view salt, int iterations, unsigned char out[32]) {
  static HashGate gate;
  gate.enter();
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                    EVP_sha256(), 32, out);
  gate.leave();
}
}  // namespace

std::string hash_password(std::string_view password) {
  std::string salt = random_bytes(16);
  unsigned char out[32];
  pbkdf2(password, salt, kIterations, out);
  return "pbkdf2-sha256$" + std::to_string(kIterations) + "$" + enc::base64_encode(salt) + "$" +
         enc::base64_encode(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

bool check_password(std::string_view stored, std::string_view password) {
  // pbkdf2-sha256$ITER$SALT$HASH
  auto p1 = stored.find('$');
  auto p2 = stored.find('$', p1 + 1);
  auto p3 = stored.find('$', p2 + 1);
  if (p1 == std::string_view::npos || p2 == std::string_view::npos || p3 == std::string_view::npos) return false;
  int iter = 0;
  for (char c : stored.substr(p1 + 1, p2 - p1 - 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || iter > 10'000'000) return false;
    iter = iter * 10 + (c - '0');
  }
  auto salt = enc::base64_decode(stored.substr(p2 + 1, p3 - p2 - 1));
  auto want = enc::base64_decode(stored.substr(p3 + 1));
  if (!salt || !want || want->size() != 32 || iter <= 0) return false;
  unsigned char out[32];
  pbkdf2(password, *salt, iter, out);
  return equal_ct(std::string_view(reinterpret_cast<char*>(out), sizeof out), *want);
}

// ---- SRP ----
Verifier stand_in_verifier(std::string_view seed) {
  if (seed.size() < 48) throw std::invalid_argument("stand_in_verifier: a seed of 48 bytes or more");
  const auto* p = reinterpret_cast<const unsigned char*>(seed.data());
  Bn salt(BN_bin2bn(p, 16, nullptr)), x(BN_bin2bn(p + 16, 32, nullptr)), v = bn();
  group().g_exp(v.get(), x.get());
  return {to_hex(salt.get()), to_hex(v.get())};
}

Verifier make_verifier(std::string_view pool_name, std::string_view user_id, std::string_view password) {
  const Group& gr = group();
  std::string salt_bytes = random_bytes(16);
  Bn salt(BN_bin2bn(reinterpret_cast<const unsigned char*>(salt_bytes.data()), 16, nullptr));
  Verifier out;
  out.salt_hex = to_hex(salt.get());
  Bn x = compute_x(pool_name, user_id, password, out.salt_hex);
  Bn v = bn();
  gr.g_exp(v.get(), x.get());
  out.v_hex = to_hex(v.get());
  return out;
}

ServerPair server_pair(std::string_view v_hex) {
  const Group& gr = group();
  BN_CTX* ctx = thread_ctx();
  Bn v = from_hex(v_hex);
  if (!v) throw std::runtime_error("cognito: bad verifier");
  // b is 256 random bits: RFC 5054 asks for at least 256, which matches the group's ~128-bit
  // strength; a longer exponent (amazon-cognito-identity-js draws 1024-bit a) only costs time —
  // (A v^u)^b in server_key scales with it, and g^b here is read from the fixed-base table.
  for (;;) {
    std::string rb = random_bytes(32);
    Bn b(BN_bin2bn(reinterpret_cast<const unsigned char*>(rb.data()), 32, nullptr));
    OPENSSL_cleanse(rb.data(), rb.size());
    Bn gb = bn(), kv = bn(), B = bn();
    gr.g_exp(gb.get(), b.get());
    BN_mod_mul(kv.get(), gr.k.get(), v.get(), gr.N.get(), ctx);
    BN_mod_add(B.get(), kv.get(), gb.get(), gr.N.get(), ctx);
    if (BN_is_zero(B.get())) continue;
    return {to_hex(b.get()), to_hex(B.get())};
  }
}

namespace {
bool nonzero_mod_n(const BIGNUM* A) {
  Bn r = bn();
  BN_mod(r.get(), A, group().N.get(), thread_ctx());
  return !BN_is_zero(r.get());
}
}  // namespace

bool valid_a(std::string_view A_hex) {
  Bn A = from_hex(A_hex);
  return A && nonzero_mod_n(A.get());
}

std::optional<std::string> server_key(std::string_view A_hex, std::string_view B_hex, std::string_view b_hex,
                                      std::string_view v_hex) {
  const Group& gr = group();
  Bn A = from_hex(A_hex), B = from_hex(B_hex), b = from_hex(b_hex), v = from_hex(v_hex);
  if (!A || !B || !b || !v || !nonzero_mod_n(A.get())) return std::nullopt;
  Bn u = hex_hash(pad_hex(A.get()) + pad_hex(B.get()));
  if (BN_is_zero(u.get())) return std::nullopt;
  // S = (A * v^u) ^ b mod N
  Bn vu = bn(), avu = bn(), S = bn();
  gr.exp(vu.get(), v.get(), u.get());
  BN_mod_mul(avu.get(), A.get(), vu.get(), gr.N.get(), thread_ctx());
  gr.exp(S.get(), avu.get(), b.get());
  return hkdf16(unhex(pad_hex(S.get())), unhex(pad_hex(u.get())));
}

std::string client_a(std::string_view a_hex) {
  const Group& gr = group();
  Bn a = from_hex(a_hex);
  Bn A = bn();
  gr.g_exp(A.get(), a.get());
  return to_hex(A.get());
}

const char* srp_prime_hex() {
  return kN;
}

std::string g_pow(std::string_view e_hex) {
  Bn e = from_hex(e_hex);
  if (!e) return {};
  Bn r = bn();
  group().g_exp(r.get(), e.get());
  return to_hex(r.get());
}

std::optional<std::string> client_key(std::string_view a_hex, std::string_view B_hex, std::string_view pool_name,
                                      std::string_view user_id, std::string_view password, std::string_view salt_hex) {
  const Group& gr = group();
  Bn a = from_hex(a_hex), B = from_hex(B_hex);
  if (!a || !B) return std::nullopt;
  BN_CTX* ctx = thread_ctx();
  Bn A = from_hex(client_a(a_hex));
  Bn u = hex_hash(pad_hex(A.get()) + pad_hex(B.get()));
  Bn x = compute_x(pool_name, user_id, password, salt_hex);
  if (!x) return std::nullopt;
  Bn gx = bn(), kgx = bn(), base = bn(), ux = bn(), e = bn(), S = bn();
  gr.g_exp(gx.get(), x.get());
  BN_mod_mul(kgx.get(), gr.k.get(), gx.get(), gr.N.get(), ctx);
  BN_mod_sub(base.get(), B.get(), kgx.get(), gr.N.get(), ctx);
  BN_mul(ux.get(), u.get(), x.get(), ctx);
  BN_add(e.get(), a.get(), ux.get());
  gr.exp(S.get(), base.get(), e.get());
  return hkdf16(unhex(pad_hex(S.get())), unhex(pad_hex(u.get())));
}

std::string claim_signature(std::string_view key, std::string_view pool_name, std::string_view user_id,
                            std::string_view secret_block, std::string_view timestamp) {
  std::string msg;
  msg.append(pool_name).append(user_id).append(secret_block).append(timestamp);
  return enc::base64_encode(auth::hmac_sha256(key, msg));
}

// ---- RS256 ----
std::string generate_rsa_pem() {
  EVP_PKEY* k = EVP_RSA_gen(2048);
  if (!k) throw std::runtime_error("cognito: RSA key generation failed");
  Key key(k, EVP_PKEY_free);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  return pem;
}

namespace {
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
// This thread's RS256 signing context for `key`: sign_init, PKCS#1 v1.5 padding and SHA-256 set
// once and reused for every signature (EVP_PKEY_sign on a digest). A fresh EVP_DigestSignInit per
// token looked the algorithms up again through OpenSSL 3's name maps and locks, and the final call
// duplicated the context: ~10 us of each ~360 us signature. The context holds a reference to the
// key, so a cached pointer cannot name another key. RSA blinding is the key's (RSA_FLAG_NO_BLINDING
// is never set; crypto_test checks it), not the context's: it stays on. Bounded: one entry per
// pool key a thread signed with, dropped whole past 16.
EVP_PKEY_CTX* sign_ctx(const Key& key) {
  thread_local std::unordered_map<const EVP_PKEY*, std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>> ctxs;
  if (auto it = ctxs.find(key.get()); it != ctxs.end()) return it->second.get();
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> c(EVP_PKEY_CTX_new(key.get(), nullptr));
  if (!c || EVP_PKEY_sign_init(c.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(c.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(c.get(), EVP_sha256()) != 1)
    throw std::runtime_error("cognito: signing failed");
  if (ctxs.size() >= 16) ctxs.clear();
  return ctxs.emplace(key.get(), std::move(c)).first->second.get();
}
}  // namespace

std::string sign_jwt(std::string_view pem, std::string_view header_json, std::string_view payload_json) {
  Key key = read_key(pem);
  std::string input = base64url(header_json);
  input += '.';
  input += base64url(payload_json);
  std::string digest = sha256(input);
  unsigned char sig[512];
  size_t len = sizeof sig;
  if (EVP_PKEY_sign(sign_ctx(key), sig, &len, reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) !=
          1 ||
      len == 0)
    throw std::runtime_error("cognito: signing failed");
  input += '.';
  input += base64url(std::string_view(reinterpret_cast<char*>(sig), len));
  return input;
}

bool verify_jwt(std::string_view pem, std::string_view token) {
  auto dot = token.rfind('.');
  if (dot == std::string_view::npos) return false;
  auto sig = base64url_decode(token.substr(dot + 1));
  if (!sig) return false;
  Key key = read_key(pem);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
            EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                             reinterpret_cast<const unsigned char*>(token.data()), dot) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

std::pair<std::string, std::string> rsa_public_ne(std::string_view pem) {
  Key key = read_key(pem);
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e);
  std::pair<std::string, std::string> out{base64url(bn_bytes(n)), base64url(bn_bytes(e))};
  BN_free(n);
  BN_free(e);
  return out;
}

std::string base32(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

std::string totp(std::string_view secret, int64_t step) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(step & 0xff);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), msg, sizeof msg, mac, &len);
  int off = mac[len - 1] & 0x0f;
  uint32_t bin = (static_cast<uint32_t>(mac[off] & 0x7f) << 24) | (static_cast<uint32_t>(mac[off + 1]) << 16) |
                 (static_cast<uint32_t>(mac[off + 2]) << 8) | static_cast<uint32_t>(mac[off + 3]);
  std::string s = std::to_string(bin % 1000000);
  return std::string(6 - s.size(), '0') + s;
}

int64_t totp_match(std::string_view secret, std::string_view code, int64_t now_s) {
  int64_t step = now_s / 30;
  int64_t found = -1;
  for (int64_t d = -1; d <= 1; ++d)
    if (equal_ct(totp(secret, step + d), code) && found < 0) found = step + d;
  return found;
}

}  // namespace stratus::cognitoidp::crypto
