#include "services/kms/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

namespace stratus::kms::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct CipherFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Ctx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Pkey load_private(std::string_view der) {
  const unsigned char* p = bytes(der);
  return Pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
}

std::string to_pkcs8(EVP_PKEY* key) {
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key);
  if (!info) throw std::runtime_error("PKCS#8 encoding failed");
  unsigned char* out = nullptr;
  int n = i2d_PKCS8_PRIV_KEY_INFO(info, &out);
  PKCS8_PRIV_KEY_INFO_free(info);
  if (n <= 0) throw std::runtime_error("PKCS#8 encoding failed");
  std::string s(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return s;
}

const EVP_MD* md_named(std::string_view algorithm) {
  if (algorithm.ends_with("SHA_1")) return EVP_sha1();
  if (algorithm.ends_with("SHA_224")) return EVP_sha224();
  if (algorithm.ends_with("SHA_256")) return EVP_sha256();
  if (algorithm.ends_with("SHA_384")) return EVP_sha384();
  if (algorithm.ends_with("SHA_512")) return EVP_sha512();
  return nullptr;
}

// A signing / verifying context configured for the algorithm.
Ctx signing_ctx(EVP_PKEY* key, std::string_view algorithm, bool verify) {
  const EVP_MD* md = md_named(algorithm);
  if (!md) return nullptr;
  Ctx ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || (verify ? EVP_PKEY_verify_init(ctx.get()) : EVP_PKEY_sign_init(ctx.get())) <= 0) return nullptr;
  bool rsa = EVP_PKEY_is_a(key, "RSA");
  bool pss = algorithm.starts_with("RSASSA_PSS_");
  bool pkcs1 = algorithm.starts_with("RSASSA_PKCS1_V1_5_");
  if (rsa != (pss || pkcs1)) return nullptr;
  if (!rsa && !algorithm.starts_with("ECDSA_")) return nullptr;
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) <= 0) return nullptr;
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) <= 0 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) <= 0))
    return nullptr;
  if (pkcs1 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0) return nullptr;
  return ctx;
}

Ctx oaep_ctx(EVP_PKEY* key, std::string_view algorithm, bool encrypt) {
  const EVP_MD* md = algorithm == "RSAES_OAEP_SHA_1"     ? EVP_sha1()
                     : algorithm == "RSAES_OAEP_SHA_256" ? EVP_sha256()
                                                         : nullptr;
  if (!md || !EVP_PKEY_is_a(key, "RSA")) return nullptr;
  Ctx ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || (encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get())) <= 0) return nullptr;
  if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) <= 0)
    return nullptr;
  return ctx;
}

}  // namespace

std::string random_bytes(size_t n) {
  std::string s(n, '\0');
  if (n && RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return s;
}

bool is_symmetric(std::string_view spec) {
  return spec == "SYMMETRIC_DEFAULT";
}
bool is_hmac(std::string_view spec) {
  return spec == "HMAC_224" || spec == "HMAC_256" || spec == "HMAC_384" || spec == "HMAC_512";
}
bool is_rsa(std::string_view spec) {
  return spec == "RSA_2048" || spec == "RSA_3072" || spec == "RSA_4096";
}
bool is_ecc(std::string_view spec) {
  return spec == "ECC_NIST_P256" || spec == "ECC_NIST_P384" || spec == "ECC_NIST_P521" || spec == "ECC_SECG_P256K1";
}

std::string generate(std::string_view spec) {
  if (is_symmetric(spec)) return random_bytes(32);
  if (is_hmac(spec)) return random_bytes(std::stoul(std::string(spec.substr(5))) / 8);
  EVP_PKEY* raw = nullptr;
  if (is_rsa(spec)) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoul(std::string(spec.substr(4)))));
  } else if (is_ecc(spec)) {
    const char* curve = spec == "ECC_NIST_P256"   ? "P-256"
                        : spec == "ECC_NIST_P384" ? "P-384"
                        : spec == "ECC_NIST_P521" ? "P-521"
                                                  : "secp256k1";
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
  } else {
    throw std::invalid_argument("unknown key spec");
  }
  Pkey key(raw);
  if (!key) throw std::runtime_error("key generation failed");
  return to_pkcs8(key.get());
}

std::string public_key_der(std::string_view private_der) {
  Pkey key = load_private(private_der);
  if (!key) return {};
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(key.get(), &out);
  if (n <= 0) return {};
  std::string s(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return s;
}

std::string aes_gcm_seal(std::string_view key, std::string_view iv, std::string_view aad, std::string_view plaintext) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> c(EVP_CIPHER_CTX_new());
  std::string out(plaintext.size() + 16, '\0');
  int len = 0, fin = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!c || EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_EncryptInit_ex(c.get(), nullptr, nullptr, bytes(key), bytes(iv)) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(c.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(c.get(), o, &len, bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c.get(), o + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, 16, o + plaintext.size()) != 1)
    throw std::runtime_error("AES-GCM encryption failed");
  return out;
}

std::optional<std::string> aes_gcm_open(std::string_view key, std::string_view iv, std::string_view aad,
                                        std::string_view sealed) {
  if (sealed.size() < 16 || key.size() != 32) return std::nullopt;
  size_t n = sealed.size() - 16;
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> c(EVP_CIPHER_CTX_new());
  std::string out(n, '\0');
  int len = 0, fin = 0;
  std::string tag(sealed.substr(n));
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!c || EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_DecryptInit_ex(c.get(), nullptr, nullptr, bytes(key), bytes(iv)) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(c.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(c.get(), o, &len, bytes(sealed), static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(c.get(), o + len, &fin) != 1)
    return std::nullopt;
  return out;
}

namespace {

// RSAES-OAEP one way or the other (EVP_PKEY_encrypt and EVP_PKEY_decrypt share a signature).
std::optional<std::string> rsa_oaep(std::string_view private_der, std::string_view algorithm, std::string_view in,
                                    bool encrypt) {
  Pkey key = load_private(private_der);
  if (!key) return std::nullopt;
  Ctx ctx = oaep_ctx(key.get(), algorithm, encrypt);
  auto run = encrypt ? EVP_PKEY_encrypt : EVP_PKEY_decrypt;
  size_t n = 0;
  if (!ctx || run(ctx.get(), nullptr, &n, bytes(in), in.size()) <= 0) return std::nullopt;
  std::string out(n, '\0');
  if (run(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n, bytes(in), in.size()) <= 0) return std::nullopt;
  out.resize(n);
  return out;
}

}  // namespace

std::optional<std::string> rsa_encrypt(std::string_view private_der, std::string_view algorithm,
                                       std::string_view plaintext) {
  return rsa_oaep(private_der, algorithm, plaintext, true);
}

std::optional<std::string> rsa_decrypt(std::string_view private_der, std::string_view algorithm,
                                       std::string_view ciphertext) {
  return rsa_oaep(private_der, algorithm, ciphertext, false);
}

size_t rsa_max_plaintext(std::string_view spec, std::string_view algorithm) {
  if (!is_rsa(spec)) return 0;
  size_t bits = std::stoul(std::string(spec.substr(4)));
  size_t h = algorithm == "RSAES_OAEP_SHA_1" ? 20 : 32;
  return bits / 8 - 2 * h - 2;
}

size_t digest_size(std::string_view algorithm) {
  const EVP_MD* md = md_named(algorithm);
  return md ? static_cast<size_t>(EVP_MD_get_size(md)) : 0;
}

std::string digest(std::string_view algorithm, std::string_view message) {
  const EVP_MD* md = md_named(algorithm);
  if (!md) return {};
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(message.data(), message.size(), out, &n, md, nullptr) != 1) return {};
  return std::string(reinterpret_cast<char*>(out), n);
}

std::optional<std::string> sign_digest(std::string_view private_der, std::string_view algorithm,
                                       std::string_view dgst) {
  Pkey key = load_private(private_der);
  if (!key) return std::nullopt;
  Ctx ctx = signing_ctx(key.get(), algorithm, false);
  size_t n = 0;
  if (!ctx || EVP_PKEY_sign(ctx.get(), nullptr, &n, bytes(dgst), dgst.size()) <= 0) return std::nullopt;
  std::string out(n, '\0');
  if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n, bytes(dgst), dgst.size()) <= 0)
    return std::nullopt;
  out.resize(n);
  return out;
}

bool verify_digest(std::string_view private_der, std::string_view algorithm, std::string_view dgst,
                   std::string_view signature) {
  Pkey key = load_private(private_der);
  if (!key) return false;
  Ctx ctx = signing_ctx(key.get(), algorithm, true);
  return ctx && EVP_PKEY_verify(ctx.get(), bytes(signature), signature.size(), bytes(dgst), dgst.size()) == 1;
}

std::string hmac(std::string_view algorithm, std::string_view key, std::string_view message) {
  const EVP_MD* md = md_named(algorithm);
  if (!md) return {};
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!HMAC(md, key.data(), static_cast<int>(key.size()), bytes(message), message.size(), out, &n)) return {};
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace stratus::kms::crypto
