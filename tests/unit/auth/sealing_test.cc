// Secrets at rest: the sealed record format and the key store's use of it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "auth/keystore.h"
#include "auth/sealing.h"
#include "storage/engine.h"

namespace {
using namespace stratus::auth;

TEST(Sealing, RoundTripAndAuthentication) {
  std::string key = random_sealing_key();
  ASSERT_EQ(key.size(), kSealingKeyBytes);
  std::string sealed = seal(key, "{\"secret\":\"wJalrXUtnFEMI\"}", "AKIA1");
  EXPECT_TRUE(is_sealed(sealed));
  EXPECT_EQ(sealed.find("wJalrXUtnFEMI"), std::string::npos);
  EXPECT_EQ(unseal(key, sealed, "AKIA1"), "{\"secret\":\"wJalrXUtnFEMI\"}");
  EXPECT_EQ(unseal(key, sealed, "AKIA2"), std::nullopt);  // bound to its access key id
  EXPECT_EQ(unseal(random_sealing_key(), sealed, "AKIA1"), std::nullopt);
  std::string tampered = sealed;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_EQ(unseal(key, tampered, "AKIA1"), std::nullopt);
  EXPECT_EQ(unseal(key, sealed.substr(0, 10), "AKIA1"), std::nullopt);
  EXPECT_FALSE(is_sealed("{\"secret\":\"x\"}"));              // records from before sealing
  EXPECT_NE(seal(key, "same", "a"), seal(key, "same", "a"));  // a fresh nonce each time
}

// Each thread keeps its keyed cipher contexts between calls: alternating keys, failed unseals in
// between, empty texts and several threads must all still round-trip.
TEST(Sealing, ReusedContextsAcrossKeysFailuresAndThreads) {
  std::string k1 = random_sealing_key(), k2 = random_sealing_key();
  auto work = [&](int seed) {
    for (int i = 0; i < 200; ++i) {
      const std::string& k = (i + seed) % 3 ? k1 : k2;
      std::string plain(static_cast<size_t>((i * 7 + seed) % 90), static_cast<char>('a' + i % 26));
      std::string sealed = seal(k, plain, "ad" + std::to_string(i));
      if (i % 5 == 0) {
        EXPECT_EQ(unseal(&k == &k1 ? k2 : k1, sealed, "ad" + std::to_string(i)), std::nullopt);
      }
      if (i % 7 == 0) {
        EXPECT_EQ(unseal(k, sealed, "other"), std::nullopt);
      }
      EXPECT_EQ(unseal(k, sealed, "ad" + std::to_string(i)), plain);
    }
  };
  work(0);
  std::vector<std::thread> ts;
  for (int t = 1; t <= 3; ++t) ts.emplace_back(work, t);
  for (auto& t : ts) t.join();
}

TEST(Sealing, KeyFileIsCreatedOwnerOnlyAndReused) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sealing-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / ".stratus-key").string();
  std::string k1 = load_or_create_sealing_key(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(load_or_create_sealing_key(path), k1);
  std::filesystem::resize_file(path, 5);
  EXPECT_THROW(load_or_create_sealing_key(path), std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST(Sealing, KeyStoreSealsAndMigratesPlainRecords) {
  auto engine = stratus::storage::open_memory();
  std::string key = random_sealing_key();
  // A record written in clear by an older version.
  ASSERT_TRUE(
      engine
          ->put("auth.keys", "AKIAOLD", "{\"secret\":\"old-secret\",\"account\":\"111111111111\"}")
          .ok());
  KeyStore ks(engine.get(), Credential{"root", "rootsecret", "", "000000000000", "", "", 0}, key);
  Credential c;
  c.access_key = "AKIANEW";
  c.secret_key = "new-secret";
  c.account = "222222222222";
  ASSERT_TRUE(ks.put(c));
  std::string stored;
  ASSERT_TRUE(engine->get("auth.keys", "AKIANEW", &stored).ok());
  EXPECT_TRUE(is_sealed(stored));
  EXPECT_EQ(ks.seal_plain_records(), 1u);
  ASSERT_TRUE(engine->get("auth.keys", "AKIAOLD", &stored).ok());
  EXPECT_TRUE(is_sealed(stored));
  ks.clear_cache();
  EXPECT_EQ(ks.find("AKIAOLD")->secret_key, "old-secret");
  EXPECT_EQ(ks.find("AKIAOLD")->account, "111111111111");
  EXPECT_EQ(ks.find("AKIANEW")->secret_key, "new-secret");
  // Another data directory's key cannot read them.
  KeyStore other(engine.get(), Credential{"root", "rootsecret", "", "000000000000", "", "", 0},
                 random_sealing_key());
  EXPECT_EQ(other.find("AKIANEW"), std::nullopt);
}

}  // namespace

namespace stratus::auth {
namespace {

// Every issued key stays findable, while the in-memory cache of them stays bounded.
TEST(KeyStoreCache, BoundedWhileEveryKeyStaysFindable) {
  auto engine = storage::open_memory();
  KeyStore ks(engine.get(), Credential{"root", "secret", "", "000000000000", "arn:aws:iam::000000000000:root", "", 0},
              random_sealing_key());
  const int n = 25'000;
  for (int i = 0; i < n; ++i) {
    Credential c;
    c.access_key = "ASIA" + std::to_string(i);
    c.secret_key = "s" + std::to_string(i);
    c.account = "000000000000";
    ASSERT_TRUE(ks.put(c));
  }
  EXPECT_LE(ks.cached_keys(), 10'000u);
  for (int i = 0; i < n; i += 997) {
    auto c = ks.find("ASIA" + std::to_string(i));
    ASSERT_TRUE(c) << i;
    EXPECT_EQ(c->secret_key, "s" + std::to_string(i));
  }
  EXPECT_LE(ks.cached_keys(), 10'000u);
}

}  // namespace
}  // namespace stratus::auth
