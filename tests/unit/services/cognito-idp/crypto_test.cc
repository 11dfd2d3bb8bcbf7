#include "services/cognito-idp/crypto.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <thread>
#include <vector>

#include "core/encoding.h"
#include "services/cognito-idp/filter.h"

namespace stratus::cognitoidp {
namespace {

TEST(CognitoCrypto, PasswordHashIsSaltedAndChecks) {
  std::string a = crypto::hash_password("Passw0rd!");
  std::string b = crypto::hash_password("Passw0rd!");
  EXPECT_NE(a, b);  // salted
  EXPECT_EQ(a.rfind("pbkdf2-sha256$100000$", 0), 0u);
  EXPECT_EQ(a.find("Passw0rd!"), std::string::npos);
  EXPECT_TRUE(crypto::check_password(a, "Passw0rd!"));
  EXPECT_FALSE(crypto::check_password(a, "Passw0rd?"));
  EXPECT_FALSE(crypto::check_password("garbage", "x"));
  EXPECT_FALSE(crypto::check_password("pbkdf2-sha256$99999999999$AA==$AA==", "x"));
}

// RFC 6238 appendix B (SHA-1 seed "12345678901234567890"), the 8-digit codes' last six digits.
TEST(CognitoCrypto, TotpMatchesRfc6238Vectors) {
  std::string seed = "12345678901234567890";
  EXPECT_EQ(crypto::totp(seed, 59 / 30), "287082");
  EXPECT_EQ(crypto::totp(seed, 1111111109 / 30), "081804");
  EXPECT_EQ(crypto::totp(seed, 1234567890 / 30), "005924");
  EXPECT_EQ(crypto::totp(seed, 20000000000 / 30), "353130");
  // one step either side is accepted, two are not
  EXPECT_EQ(crypto::totp_match(seed, "081804", 1111111109 + 30), 1111111109 / 30);
  EXPECT_EQ(crypto::totp_match(seed, "081804", 1111111109 - 30), 1111111109 / 30);
  EXPECT_EQ(crypto::totp_match(seed, "081804", 1111111109 + 61), -1);
  EXPECT_EQ(crypto::totp_match(seed, "", 1111111109), -1);
}

TEST(CognitoCrypto, Base32IsRfc4648WithoutPadding) {
  EXPECT_EQ(crypto::base32(""), "");
  EXPECT_EQ(crypto::base32("f"), "MY");
  EXPECT_EQ(crypto::base32("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(crypto::base32(std::string(20, '\xff')).size(), 32u);
}

TEST(CognitoCrypto, SrpClientAndServerDeriveTheSameKey) {
  auto v = crypto::make_verifier("AbCdEf123", "alice", "Passw0rd!");
  std::string a_hex = enc::hex(crypto::random_bytes(128));
  std::string A = crypto::client_a(a_hex);
  ASSERT_TRUE(crypto::valid_a(A));
  auto pair = crypto::server_pair(v.v_hex);
  auto server = crypto::server_key(A, pair.B_hex, pair.b_hex, v.v_hex);
  auto client = crypto::client_key(a_hex, pair.B_hex, "AbCdEf123", "alice", "Passw0rd!", v.salt_hex);
  ASSERT_TRUE(server && client);
  EXPECT_EQ(server->size(), 16u);
  EXPECT_EQ(*server, *client);
  auto wrong = crypto::client_key(a_hex, pair.B_hex, "AbCdEf123", "alice", "Passw0rd?", v.salt_hex);
  EXPECT_NE(*server, *wrong);
  std::string sig = crypto::claim_signature(*server, "AbCdEf123", "alice", "block", "Sun Dec 6 09:42:44 UTC 2026");
  EXPECT_EQ(sig, crypto::claim_signature(*client, "AbCdEf123", "alice", "block", "Sun Dec 6 09:42:44 UTC 2026"));
}

// The fixed-base table (g^e for e up to 256 bits) against OpenSSL's BN_mod_exp: random exponents
// of every length up to 256 bits and beyond (the windowed fallback), 0, 1, 2^256 - 1, and
// exponents of N's size (N - 1, N - 2).
TEST(CognitoCrypto, FixedBaseExponentiationMatchesBnModExp) {
  auto free_bn = [](BIGNUM* b) { BN_free(b); };
  using Bn = std::unique_ptr<BIGNUM, decltype(free_bn)>;
  auto hex = [](const BIGNUM* b) {
    char* c = BN_bn2hex(b);
    std::string s(c);
    OPENSSL_free(c);
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  BIGNUM* n_raw = nullptr;
  ASSERT_TRUE(BN_hex2bn(&n_raw, crypto::srp_prime_hex()));
  Bn N(n_raw, free_bn), g(BN_new(), free_bn);
  BN_set_word(g.get(), 2);
  auto expect_same = [&](const BIGNUM* e) {
    Bn want(BN_new(), free_bn);
    ASSERT_EQ(BN_mod_exp(want.get(), g.get(), e, N.get(), ctx.get()), 1);
    EXPECT_EQ(crypto::g_pow(hex(e)), hex(want.get())) << "e = " << hex(e);
  };
  Bn e(BN_new(), free_bn);
  for (int bits : {1, 2, 7, 8, 9, 63, 64, 65, 128, 200, 255, 256, 257, 300, 1024})
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(BN_rand(e.get(), bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), 1);
      expect_same(e.get());
    }
  BN_zero(e.get());
  expect_same(e.get());
  EXPECT_EQ(crypto::g_pow("0"), "01");  // BN_bn2hex's form
  BN_one(e.get());
  expect_same(e.get());
  BN_one(e.get());
  BN_lshift(e.get(), e.get(), 256);
  BN_sub_word(e.get(), 1);  // 2^256 - 1: every byte 0xff
  expect_same(e.get());
  BN_lshift(e.get(), e.get(), 8);  // low byte 0, the rest 0xff: past 256 bits
  expect_same(e.get());
  BN_copy(e.get(), N.get());
  BN_sub_word(e.get(), 1);
  expect_same(e.get());
  EXPECT_EQ(crypto::g_pow(hex(e.get())), "01");  // g^(N-1) = 1 (Fermat)
  BN_sub_word(e.get(), 1);
  expect_same(e.get());
  EXPECT_EQ(crypto::g_pow("zz"), "");
}

TEST(CognitoCrypto, SrpRefusesAZero) {
  EXPECT_FALSE(crypto::valid_a("0"));
  EXPECT_FALSE(crypto::valid_a(""));
  EXPECT_FALSE(crypto::valid_a("xyz"));
  auto v = crypto::make_verifier("p", "u", "pw");
  auto pair = crypto::server_pair(v.v_hex);
  EXPECT_FALSE(crypto::server_key("0", pair.B_hex, pair.b_hex, v.v_hex));
}

TEST(CognitoCrypto, StandInVerifierIsASeedsOwnAndUsable) {
  std::string seed(48, '\x5a'), other(48, '\x5a');
  other[20] = 1;
  auto v = crypto::stand_in_verifier(seed);
  EXPECT_EQ(v.salt_hex, crypto::stand_in_verifier(seed).salt_hex);  // the same name, the same answer
  EXPECT_EQ(v.v_hex, crypto::stand_in_verifier(seed).v_hex);
  EXPECT_EQ(v.salt_hex, crypto::stand_in_verifier(other).salt_hex);  // salt: bytes 0..15
  EXPECT_NE(v.v_hex, crypto::stand_in_verifier(other).v_hex);        // x: bytes 16..47
  std::string hex16, hex32;  // the seed's bytes as hex: salt = bytes 0..15, x = bytes 16..47
  for (int i = 0; i < 16; ++i) hex16 += "5a";
  for (int i = 0; i < 32; ++i) hex32 += "5a";
  EXPECT_EQ(v.salt_hex, hex16);
  EXPECT_EQ(v.v_hex, crypto::g_pow(hex32));
  EXPECT_FALSE(crypto::server_pair(v.v_hex).B_hex.empty());
  EXPECT_THROW(crypto::stand_in_verifier(std::string(47, 'x')), std::invalid_argument);
}

TEST(CognitoCrypto, Rs256SignsAndVerifies) {
  std::string pem = crypto::generate_rsa_pem();
  std::string t = crypto::sign_jwt(pem, R"({"alg":"RS256","kid":"k"})", R"({"sub":"x"})");
  EXPECT_TRUE(crypto::verify_jwt(pem, t));
  std::string other = crypto::generate_rsa_pem();
  EXPECT_FALSE(crypto::verify_jwt(other, t));
  std::string tampered = t;
  tampered[t.find('.') + 2] ^= 1;
  EXPECT_FALSE(crypto::verify_jwt(pem, tampered));
  auto [n, e] = crypto::rsa_public_ne(pem);
  EXPECT_EQ(e, "AQAB");
  EXPECT_GT(n.size(), 300u);
}

// The per-thread reused signing context gives the signature a fresh EVP_DigestSign gives (PKCS#1
// v1.5 is deterministic), on several threads, past the 32 uses after which OpenSSL renews the
// key's blinding; and the parsed key keeps RSA blinding on.
TEST(CognitoCrypto, Rs256ReusedContextMatchesFreshSignature) {
  std::string pem = crypto::generate_rsa_pem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr),
                                                          EVP_PKEY_free);
  BIO_free(bio);
  ASSERT_TRUE(key);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(RSA_test_flags(EVP_PKEY_get0_RSA(key.get()), RSA_FLAG_NO_BLINDING), 0);
#pragma GCC diagnostic pop
  auto fresh = [&](const std::string& input) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    unsigned char sig[512];
    size_t len = sizeof sig;
    EXPECT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key.get()), 1);
    EXPECT_EQ(EVP_DigestSign(md, sig, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()), 1);
    EVP_MD_CTX_free(md);
    return crypto::base64url(std::string(reinterpret_cast<char*>(sig), len));
  };
  auto check = [&](int from) {
    for (int i = from; i < from + 40; ++i) {
      std::string payload = R"({"sub":")" + std::to_string(i) + R"("})";
      std::string t = crypto::sign_jwt(pem, R"({"alg":"RS256"})", payload);
      std::string input = t.substr(0, t.rfind('.'));
      EXPECT_EQ(t.substr(t.rfind('.') + 1), fresh(input));
      EXPECT_TRUE(crypto::verify_jwt(pem, t));
    }
  };
  check(0);
  std::vector<std::thread> threads;
  for (int n = 1; n <= 3; ++n) threads.emplace_back(check, n * 100);
  for (auto& t : threads) t.join();
}

TEST(CognitoCrypto, Base64Url) {
  EXPECT_EQ(crypto::base64url("\xfb\xff"), "-_8");
  EXPECT_EQ(*crypto::base64url_decode("-_8"), "\xfb\xff");
  EXPECT_FALSE(crypto::base64url_decode("a+b"));
}

TEST(CognitoFilter, ParsesAwsForms) {
  std::string err;
  auto f = parse_user_filter(R"(email ^= "ali")", &err);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->attribute, "email");
  EXPECT_TRUE(f->prefix);
  EXPECT_EQ(f->value, "ali");
  f = parse_user_filter(R"(cognito:user_status = "CONFIRMED")", &err);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->prefix);
  f = parse_user_filter(R"(username="a\"b")", &err);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->value, "a\"b");
  EXPECT_TRUE(parse_user_filter("", &err)->attribute.empty());
  EXPECT_FALSE(parse_user_filter(R"(custom:x = "1")", &err));
  EXPECT_EQ(err, "Invalid search attribute: custom:x");
  EXPECT_FALSE(parse_user_filter(R"(email = "a)", &err));
  EXPECT_FALSE(parse_user_filter(R"(email ~ "a")", &err));
  EXPECT_FALSE(parse_user_filter(R"(email = "a" x)", &err));
}

}  // namespace
}  // namespace stratus::cognitoidp
