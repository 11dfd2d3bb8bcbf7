#include "services/sns/signing.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <mutex>
#include <stdexcept>
#include <vector>

#include "core/encoding.h"
#include "http/tls_cert.h"
#include "services/sns/schema.h"

namespace stratus::sns {
namespace {

constexpr std::string_view kKs = kSigning.name;

}  // namespace

// Signing contexts are set up once per digest and reused from a small pool (setting one up costs
// a good part of a 1024-bit RSA signature in OpenSSL 3).
struct Signer::Key {
  EVP_PKEY* pkey = nullptr;
  EVP_MD* md[2] = {EVP_MD_fetch(nullptr, "SHA1", nullptr), EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  std::mutex mu;
  std::vector<EVP_PKEY_CTX*> pool[2];  // GUARDED_BY(mu)
  ~Key() {
    for (auto& p : pool)
      for (auto* c : p) EVP_PKEY_CTX_free(c);
    for (auto* m : md) EVP_MD_free(m);
    EVP_PKEY_free(pkey);
  }
  EVP_PKEY_CTX* take(int i) {
    {
      std::lock_guard lk(mu);
      if (!pool[i].empty()) {
        EVP_PKEY_CTX* c = pool[i].back();
        pool[i].pop_back();
        return c;
      }
    }
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new(pkey, nullptr);
    if (c && md[i] && EVP_PKEY_sign_init(c) == 1 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
        EVP_PKEY_CTX_set_signature_md(c, md[i]) == 1)
      return c;
    EVP_PKEY_CTX_free(c);
    return nullptr;
  }
  void give(int i, EVP_PKEY_CTX* c) {
    std::lock_guard lk(mu);
    pool[i].push_back(c);
  }
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
  http::SelfSigned made = http::self_signed("sns.amazonaws.com", 1024);
  key_pem = std::move(made.key_pem);
  cert_pem_ = std::move(made.cert_pem);
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  key_->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key_->pkey) throw std::runtime_error("sns: could not generate the signing key");
  storage::WriteBatch b;
  b.put(kKs, "key", key_pem);
  b.put(kKs, "cert", cert_pem_);
  (void)engine.write(b);
}

Signer::~Signer() = default;

size_t Signer::signature_chars() const {
  return 4 * ((static_cast<size_t>(EVP_PKEY_get_size(key_->pkey)) + 2) / 3);
}

std::string Signer::sign(std::string_view text, int version) const {
  int i = version == 2 ? 1 : 0;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dn = 0;
  if (!key_->md[i] || EVP_Digest(text.data(), text.size(), digest, &dn, key_->md[i], nullptr) != 1) return {};
  EVP_PKEY_CTX* c = key_->take(i);
  if (!c) return {};
  std::string sig(static_cast<size_t>(EVP_PKEY_get_size(key_->pkey)), '\0');
  size_t n = sig.size();
  if (EVP_PKEY_sign(c, reinterpret_cast<unsigned char*>(sig.data()), &n, digest, dn) == 1) sig.resize(n);
  else sig.clear();
  key_->give(i, c);
  return enc::base64_encode(sig);
}

}  // namespace stratus::sns
