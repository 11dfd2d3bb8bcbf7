// KMS internals: the ciphertext blob format, the cryptography helpers, the store's sealed
// records, and the port (api.h) over a memory engine.
#include <gtest/gtest.h>

#include <random>

#include "services/kms/blob.h"
#include "services/kms/crypto.h"
#include "services/kms/schema.h"
#include "services/kms/state.h"
#include "storage/engine.h"

namespace stratus::kms {
namespace {

TEST(KmsBlob, HeaderRoundTripsAndRejectsDamage) {
  std::string h = blob::header("abc-123", 7);
  std::string b = h + std::string(12, 'i') + "c" + std::string(16, 't');
  auto p = blob::parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key_id, "abc-123");
  EXPECT_EQ(p->version, 7u);
  EXPECT_EQ(p->header, h);
  EXPECT_EQ(p->iv.size(), 12u);
  EXPECT_EQ(p->sealed.size(), 17u);
  EXPECT_FALSE(blob::parse(""));
  EXPECT_FALSE(blob::parse(h + std::string(28, 'x')));  // no ciphertext byte
  EXPECT_FALSE(blob::parse("\x02" + b.substr(1)));      // unknown format
  std::string upper = b;
  upper[2] = 'A';
  EXPECT_FALSE(blob::parse(upper));  // not a key id character
  std::string zero = b;
  zero[1] = 0;
  EXPECT_FALSE(blob::parse(zero));
}

TEST(KmsBlob, ContextAadIsOrderFreeAndUnambiguous) {
  EXPECT_EQ(blob::context_aad({{"a", "1"}, {"b", "2"}}), blob::context_aad({{"b", "2"}, {"a", "1"}}));
  EXPECT_NE(blob::context_aad({{"ab", "c"}}), blob::context_aad({{"a", "bc"}}));
  EXPECT_EQ(blob::context_aad({}), "");
}

TEST(KmsCrypto, AesGcmAuthenticates) {
  std::string key = crypto::random_bytes(32), iv = crypto::random_bytes(12);
  std::string sealed = crypto::aes_gcm_seal(key, iv, "aad", "plain");
  EXPECT_EQ(crypto::aes_gcm_open(key, iv, "aad", sealed), "plain");
  EXPECT_FALSE(crypto::aes_gcm_open(key, iv, "other", sealed));
  sealed[0] ^= 1;
  EXPECT_FALSE(crypto::aes_gcm_open(key, iv, "aad", sealed));
  EXPECT_FALSE(crypto::aes_gcm_open(key, iv, "aad", "short"));
}

TEST(KmsCrypto, SignVerifyEverySpec) {
  for (auto [spec, alg] : std::vector<std::pair<std::string, std::string>>{{"RSA_2048", "RSASSA_PSS_SHA_256"},
                                                                           {"RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512"},
                                                                           {"ECC_NIST_P256", "ECDSA_SHA_256"},
                                                                           {"ECC_NIST_P384", "ECDSA_SHA_384"},
                                                                           {"ECC_NIST_P521", "ECDSA_SHA_512"},
                                                                           {"ECC_SECG_P256K1", "ECDSA_SHA_256"}}) {
    std::string priv = crypto::generate(spec);
    EXPECT_FALSE(crypto::public_key_der(priv).empty()) << spec;
    std::string d = crypto::digest(alg, "message");
    EXPECT_EQ(d.size(), crypto::digest_size(alg));
    auto sig = crypto::sign_digest(priv, alg, d);
    ASSERT_TRUE(sig) << spec << " " << alg;
    EXPECT_TRUE(crypto::verify_digest(priv, alg, d, *sig));
    EXPECT_FALSE(crypto::verify_digest(priv, alg, crypto::digest(alg, "other"), *sig));
  }
  // an ECDSA algorithm on an RSA key does not sign
  EXPECT_FALSE(crypto::sign_digest(crypto::generate("RSA_2048"), "ECDSA_SHA_256", std::string(32, 'd')));
}

TEST(KmsCrypto, RsaOaepLimits) {
  std::string priv = crypto::generate("RSA_2048");
  EXPECT_EQ(crypto::rsa_max_plaintext("RSA_2048", "RSAES_OAEP_SHA_1"), 214u);
  EXPECT_EQ(crypto::rsa_max_plaintext("RSA_4096", "RSAES_OAEP_SHA_256"), 446u);
  auto c = crypto::rsa_encrypt(priv, "RSAES_OAEP_SHA_256", std::string(190, 'x'));
  ASSERT_TRUE(c);
  EXPECT_EQ(crypto::rsa_decrypt(priv, "RSAES_OAEP_SHA_256", *c), std::string(190, 'x'));
  EXPECT_FALSE(crypto::rsa_decrypt(priv, "RSAES_OAEP_SHA_1", *c));
  EXPECT_EQ(crypto::generate("HMAC_224").size(), 28u);
  EXPECT_EQ(crypto::generate("HMAC_512").size(), 64u);
}

TEST(KmsStore, MaterialIsSealedAndBoundToTheKey) {
  auto engine = storage::open_memory();
  State st(*engine, std::string(32, 'k'));
  Key k = st.new_key("000000000000", "us-east-1", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", false, 1);
  st.store.put(k);
  std::string stored;
  auto it = engine->scan(kKeys.name, {});
  ASSERT_TRUE(it->valid());
  stored = std::string(it->value());
  EXPECT_EQ(stored.find(k.current().secret), std::string::npos);
  Key back = st.store.decode("000000000000", "us-east-1", stored);
  EXPECT_EQ(back.current().secret, k.current().secret);
  // the sealed material does not unseal for another key (ARN as associated data) nor master key
  EXPECT_THROW(st.store.decode("111111111111", "us-east-1", stored), std::runtime_error);
  Store other(*engine, std::string(32, 'o'));
  EXPECT_THROW(other.decode("000000000000", "us-east-1", stored), std::runtime_error);
}

TEST(KmsPort, EncryptDecryptAndErrors) {
  auto engine = storage::open_memory();
  State st(*engine, std::string(32, 'k'));
  EncryptionContext ec{{"SecretARN", "arn:x"}};
  auto enc = st.encrypt("000000000000", "us-east-1", "alias/aws/secretsmanager", std::string(65536, 's'), ec);
  ASSERT_TRUE(enc) << enc.error().code;
  auto info = st.describe("000000000000", "us-east-1", "alias/aws/secretsmanager");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->key_manager, "AWS");
  EXPECT_EQ(enc->key_arn, info->arn);
  auto dec = st.decrypt("000000000000", "us-east-1", enc->blob, ec);
  ASSERT_TRUE(dec);
  EXPECT_EQ(dec->plaintext, std::string(65536, 's'));
  auto wrong = st.decrypt("000000000000", "us-east-1", enc->blob, {});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "InvalidCiphertextException");
  auto missing = st.encrypt("000000000000", "us-east-1", "alias/none", "x", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "NotFoundException");
  auto dk = st.generate_data_key("000000000000", "us-east-1", info->key_id, 32, ec);
  ASSERT_TRUE(dk);
  EXPECT_EQ(st.decrypt("000000000000", "us-east-1", dk->blob, ec)->plaintext, dk->plaintext);
  // a disabled key answers DisabledException with AWS's text
  Key k = *st.store.key("000000000000", "us-east-1", info->key_id);
  k.state = "Disabled";
  st.store.put(k);
  auto off = st.decrypt("000000000000", "us-east-1", enc->blob, ec);
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, "DisabledException");
  EXPECT_EQ(off.error().message, info->arn + " is disabled.");
}

TEST(KmsPort, RandomBlobsNeverCrash) {
  auto engine = storage::open_memory();
  State st(*engine, std::string(32, 'k'));
  auto enc = st.encrypt("000000000000", "us-east-1", "alias/aws/ssm", "value", {});
  ASSERT_TRUE(enc);
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string b = enc->blob;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] ^= static_cast<char>(1 + rng() % 255);
    if (rng() % 3 == 0) b.resize(rng() % b.size());
    auto r = st.decrypt("000000000000", "us-east-1", b, {});
    if (r) {
      EXPECT_EQ(r->plaintext, "value");
    }
  }
}

}  // namespace
}  // namespace stratus::kms
