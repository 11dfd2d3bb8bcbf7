// sns/signing.h: signatures verify against the served certificate (SHA1withRSA for
// SignatureVersion 1, SHA256withRSA for 2), and the key survives a restart (same engine).
#include "services/sns/signing.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/encoding.h"
#include "services/sns/schema.h"

namespace stratus::sns {
namespace {

// Whether `sig_b64` is `text` signed with the certificate's key and `digest`.
bool verifies(const std::string& cert_pem, std::string_view text, const std::string& sig_b64, const char* digest) {
  auto sig = enc::base64_decode(sig_b64);
  if (!sig) return false;
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return false;
  EVP_PKEY* pub = X509_get_pubkey(cert);
  EVP_MD_CTX* c = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(c, nullptr, EVP_get_digestbyname(digest), nullptr, pub) == 1 &&
            EVP_DigestVerify(c, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                             reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1;
  EVP_MD_CTX_free(c);
  EVP_PKEY_free(pub);
  X509_free(cert);
  return ok;
}

TEST(SnsSigner, SignaturesVerifyWithTheCertificate) {
  auto engine = storage::open_memory();
  Signer s(*engine);
  ASSERT_EQ(s.certificate_pem().rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  const std::string text = "Message\nhello\nMessageId\nid\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n";
  std::string v1 = s.sign(text, 1), v2 = s.sign(text, 2);
  EXPECT_EQ(v1.size(), s.signature_chars());
  EXPECT_EQ(v2.size(), s.signature_chars());
  EXPECT_TRUE(verifies(s.certificate_pem(), text, v1, "SHA1"));
  EXPECT_FALSE(verifies(s.certificate_pem(), text, v1, "SHA256"));
  EXPECT_TRUE(verifies(s.certificate_pem(), text, v2, "SHA256"));
  EXPECT_FALSE(verifies(s.certificate_pem(), text, v2, "SHA1"));
  EXPECT_FALSE(verifies(s.certificate_pem(), text + "x", v2, "SHA256"));
  // PKCS#1 v1.5 is deterministic; reusing pooled contexts changes nothing.
  EXPECT_EQ(s.sign(text, 1), v1);
  EXPECT_EQ(s.sign(text, 2), v2);
}

TEST(SnsSigner, KeyIsKeptInStorage) {
  auto engine = storage::open_memory();
  std::string cert, sig;
  {
    Signer s(*engine);
    cert = s.certificate_pem();
    sig = s.sign("text", 2);
  }
  std::string stored;
  ASSERT_TRUE(engine->get(kSigning.name, "cert", &stored).ok());
  EXPECT_EQ(stored, cert);
  ASSERT_TRUE(engine->get(kSigning.name, "key", &stored).ok());
  EXPECT_NE(stored.find("PRIVATE KEY"), std::string::npos);
  Signer again(*engine);
  EXPECT_EQ(again.certificate_pem(), cert);
  EXPECT_EQ(again.sign("text", 2), sig);
  // Another engine: another key.
  auto other = storage::open_memory();
  Signer fresh(*other);
  EXPECT_NE(fresh.certificate_pem(), cert);
  EXPECT_FALSE(verifies(cert, "text", fresh.sign("text", 2), "SHA256"));
}

TEST(SnsSigner, UnreadableStoredKeyIsReplaced) {
  auto engine = storage::open_memory();
  storage::WriteBatch b;
  b.put(kSigning.name, "key", "not a pem");
  b.put(kSigning.name, "cert", "not a pem");
  ASSERT_TRUE(engine->write(b).ok());
  Signer s(*engine);
  EXPECT_NE(s.certificate_pem(), "not a pem");
  EXPECT_TRUE(verifies(s.certificate_pem(), "t", s.sign("t", 1), "SHA1"));
}

}  // namespace
}  // namespace stratus::sns
