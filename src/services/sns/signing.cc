#include "services/sns/signing.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "core/encoding.h"

namespace stratus::sns {
namespace {

constexpr const char* kKs = "sns.signing";

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

struct Signer::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

Signer::Signer(storage::Engine& engine) : key_(std::make_unique<Key>()) {
  std::string key_pem;
  if (engine.get(kKs, "key", &key_pem).ok() && engine.get(kKs, "cert", &cert_pem_).ok()) {
    BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    key_->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key_->pkey) return;
  }
  // 1024 bits: signing is on the publish fan-out path (about 6x cheaper than 2048 bits).
  key_->pkey = EVP_RSA_gen(1024);
  if (!key_->pkey) throw std::runtime_error("sns: could not generate the signing key");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert, key_->pkey);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("sns.amazonaws.com"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Stratus"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (!X509_sign(cert, key_->pkey, EVP_sha256())) {
    X509_free(cert);
    throw std::runtime_error("sns: could not sign the certificate");
  }
  BIO* cbio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cbio, cert);
  cert_pem_ = bio_string(cbio);
  BIO_free(cbio);
  X509_free(cert);
  BIO* kbio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kbio, key_->pkey, nullptr, nullptr, 0, nullptr, nullptr);
  key_pem = bio_string(kbio);
  BIO_free(kbio);
  storage::WriteBatch b;
  b.put(kKs, "key", key_pem);
  b.put(kKs, "cert", cert_pem_);
  (void)engine.write(b);
}

Signer::~Signer() = default;

std::string Signer::sign(std::string_view text, int version) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig;
  size_t n = 0;
  // Digests fetched once (OpenSSL 3 looks implicitly named ones up on every call).
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  const EVP_MD* md = version == 2 ? (sha256 ? sha256 : EVP_sha256()) : (sha1 ? sha1 : EVP_sha1());
  if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, key_->pkey) == 1 &&
      EVP_DigestSign(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1) {
    sig.resize(n);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n,
                       reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1)
      sig.resize(n);
    else
      sig.clear();
  }
  EVP_MD_CTX_free(ctx);
  return enc::base64_encode(sig);
}

}  // namespace stratus::sns
