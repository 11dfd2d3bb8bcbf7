// Cognito's persistence: JSON records in the keyspaces of schema.h, read and written whole.
// Thread safety: the engine's; read-modify-writes of one user are serialised by a striped lock
// (Store::lock_user) so concurrent attribute updates do not lose each other.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/doc.h"
#include "storage/engine.h"

namespace stratus::cognitoidp {

class Store {
 public:
  Store(storage::Engine& engine, std::string sealing_key) : engine_(engine), sealing_key_(std::move(sealing_key)) {}
  storage::Engine& engine() { return engine_; }

  std::optional<Doc> get(std::string_view ks, const std::string& key);
  // The same record parsed once and shared: a cache of parsed records checked against the stored
  // bytes on every read (so a write by any path is seen at once). For the records every sign-in
  // reads (the pool, ~5 KB of JSON, and the app client); bounded (dropped whole past 4,096).
  std::shared_ptr<const Doc> get_shared(std::string_view ks, const std::string& key);
  void put(std::string_view ks, const std::string& key, const Doc& record);
  void del(std::string_view ks, const std::string& key);
  // Records whose key starts with prefix, in key order, from `after` (exclusive) on; stops when
  // fn returns false.
  void scan(std::string_view ks, const std::string& prefix, const std::function<bool(const std::string&, Doc)>& fn,
            const std::string& after = {});
  void del_prefix(std::string_view ks, const std::string& prefix);

  // Keys
  static std::string pool_key(const std::string& pool);
  static std::string child_key(const std::string& pool, const std::string& name);  // clients, users, groups
  static std::string session_key(const std::string& pool, const std::string& user, const std::string& jti);

  // The pool's signing key PEM (created, sealed and stored on first use).
  std::string signing_key(const std::string& pool);
  // Sealing for opaque tokens (refresh tokens, SRP secret blocks, challenge sessions).
  std::string seal(std::string_view plain, std::string_view purpose) const;
  std::optional<std::string> unseal(std::string_view sealed, std::string_view purpose) const;
  // HMAC-SHA256 under the sealing key: stable across restarts, unguessable without the key (the
  // stand-in SRP answers for unknown users).
  std::string mac(std::string_view data, std::string_view purpose) const;

  std::mutex& lock_user(const std::string& pool, const std::string& user);

 private:
  storage::Engine& engine_;
  std::string sealing_key_;
  std::mutex keys_mu_;  // creating a pool's key
  struct Parsed {
    std::string raw;
    std::shared_ptr<const Doc> doc;
  };
  std::mutex cache_mu_;
  std::unordered_map<std::string, Parsed> parsed_;  // GUARDED_BY(cache_mu_) ks NUL key -> record
  struct Pem {
    std::string sealed, pem;
  };
  std::unordered_map<std::string, Pem> pems_;  // GUARDED_BY(cache_mu_) pool -> its key, sealed and open
  std::array<std::mutex, 64> user_locks_;
};

}  // namespace stratus::cognitoidp
