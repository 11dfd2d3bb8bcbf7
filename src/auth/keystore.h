// Known access keys: the root key pair from the configuration plus the keys IAM and STS issue.
// Used to find the account of a caller and, with --auth=strict, the secret to verify signatures.
//
// Thread safety: all methods are safe to call concurrently. Issued keys are stored in the
// "auth.keys" keyspace, sealed (auth/sealing.h) with the sealing key, and cached in memory; the
// root key lives only in memory.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stratus::storage { class Engine; }

namespace stratus::auth {

struct Credential {
  std::string access_key;
  std::string secret_key;
  std::string session_token;   // temporary credentials only
  std::string account;         // 12 digits
  std::string principal_arn;   // arn:aws:iam::ACCOUNT:root, ...:user/NAME, arn:aws:sts::ACCOUNT:assumed-role/R/S
  std::string user_id;         // ACCOUNT for root, AIDA... for users, AROA...:session for roles
  int64_t expires_ms = 0;      // 0: never
};

// The stored JSON record of a credential (before sealing; the access key is the storage key, not
// a member), and back (throws on malformed JSON; missing members read as empty / 0).
std::string credential_record(const Credential& c);
Credential read_credential_record(const std::string& access_key, const std::string& text);

// An account's S3 canonical user id: 64 lower-case hex digits, SHA-256 of
// "stratus-canonical-user:" + account (a pure function of the account id, stable across runs and
// data directories), and its display name: "stratus-" + account. S3 reports both as Owner.
std::string canonical_user_id(std::string_view account);
std::string display_name(std::string_view account);

class KeyStore {
 public:
  // root: the configured key pair; fixed for the life of the store (looked up without locking).
  // sealing_key: kSealingKeyBytes bytes (auth/sealing.h).
  // accounts: more fixed root pairs (--account-key), each bound to its account; like root they
  // live only in memory and are looked up without locking.
  KeyStore(storage::Engine* engine, Credential root, std::string sealing_key, std::vector<Credential> accounts = {});
  // Rewrites records stored in clear (before sealing existed) sealed. Returns how many. Run once
  // at start, before requests are served.
  size_t seal_plain_records();
  // Persists and caches. Returns false when storage failed.
  bool put(const Credential& c);
  bool remove(const std::string& access_key);
  // The credential for an access key (expired ones included: callers check expiry).
  std::optional<Credential> find(const std::string& access_key) const;
  void clear_cache();
  // Keys held in memory (tests: the cache stays bounded).
  size_t cached_keys() const {
    std::shared_lock lock(mu_);
    return cache_.size();
  }

 private:
  storage::Engine* engine_;
  mutable std::shared_mutex mu_;
  static constexpr size_t kCachedKeys = 10000;
  void remember(const Credential& c) const;  // REQUIRES(mu_) exclusive
  mutable std::unordered_map<std::string, Credential> cache_;  // GUARDED_BY(mu_), <= kCachedKeys with storage
  const Credential root_;
  std::unordered_map<std::string, Credential> fixed_;  // the account keys; immutable
  const std::string sealing_key_;
};

}  // namespace stratus::auth
