// KMS's persistence: keys (with their material, sealed under the master key), aliases and
// grants, over storage::Engine (schema.h). Keys are cached in memory (parsed and unsealed) after
// the first read; writes go to storage first, then to the cache.
//
// Read-modify-writes of one account's keys, aliases and grants take `writer()` (one mutex for
// the service: KMS control-plane writes are rare); reads never lock more than the cache.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "storage/engine.h"

namespace stratus::kms {

struct Material {
  uint32_t version = 1;
  int64_t created_ms = 0;
  std::string rotation_type;  // "" for the key's first material, AUTOMATIC or ON_DEMAND after
  std::string secret;         // AES key, HMAC key or PKCS#8 DER private key (memory only)
};

struct Key {
  std::string account, region, id, arn;
  std::string description, spec = "SYMMETRIC_DEFAULT", usage = "ENCRYPT_DECRYPT";
  std::string state = "Enabled", manager = "CUSTOMER", origin = "AWS_KMS";
  int64_t created_ms = 0, deletion_ms = 0;
  int64_t pending_window = 0;  // days, while PendingDeletion
  bool multi_region = false;
  std::string policy;
  std::vector<std::pair<std::string, std::string>> tags;
  bool rotation = false;
  int64_t rotation_period = 365;    // days
  int64_t next_rotation_ms = 0;     // while rotation is on
  std::vector<Material> materials;  // in version order; the last is current

  const Material& current() const { return materials.back(); }
  const Material* material(uint32_t version) const {
    for (const auto& m : materials)
      if (m.version == version) return &m;
    return nullptr;
  }
};

struct Alias {
  std::string name;    // "alias/x"
  std::string target;  // key id
  int64_t created_ms = 0, updated_ms = 0;
};

struct Grant {
  std::string id, key_id, name, grantee, retiring, issuer;
  std::vector<std::string> operations;
  Doc constraints;  // null or {EncryptionContextEquals|Subset: {..}}
  int64_t created_ms = 0;
};

class Store {
 public:
  Store(storage::Engine& engine, std::string master_key);

  std::mutex& writer() { return writer_; }

  std::shared_ptr<const Key> key(const std::string& account, const std::string& region, std::string_view id);
  // Writes the key (throws std::runtime_error when storage fails).
  void put(const Key& k);
  // Deletes the key, its aliases and grants in one batch.
  void erase(const Key& k);
  std::vector<std::shared_ptr<const Key>> keys(const std::string& account, const std::string& region);
  // Every key of every account (the deletion and rotation sweep).
  std::vector<std::shared_ptr<const Key>> all_keys();
  // The key with this id in any account and Region (a ciphertext names its key by id only), or
  // nullptr. An in-memory index of ids, built from storage on first use and kept by put/erase.
  std::shared_ptr<const Key> locate(std::string_view id);

  std::optional<Alias> alias(const std::string& account, const std::string& region, std::string_view name);
  void put_alias(const std::string& account, const std::string& region, const Alias& a);
  void del_alias(const std::string& account, const std::string& region, std::string_view name);
  std::vector<Alias> aliases(const std::string& account, const std::string& region);

  std::vector<Grant> grants(const std::string& account, const std::string& region, std::string_view key_id);
  void put_grant(const std::string& account, const std::string& region, const Grant& g);
  void del_grant(const std::string& account, const std::string& region, const Grant& g);

  void reset();  // storage was wiped

  // The stored form (exposed for unit tests).
  std::string encode(const Key& k) const;
  Key decode(std::string_view account, std::string_view region, std::string_view value) const;

 private:
  storage::Engine& engine_;
  const std::string master_;
  std::mutex writer_;
  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<const Key>> cache_;  // GUARDED_BY(cache_mu_)
  uint64_t generation_ = 0;  // GUARDED_BY(cache_mu_): bumped by every write, so a read that raced
                             // with a write does not cache what it read
  void cache(const std::string& storage_key, std::shared_ptr<const Key> k);
  std::mutex index_mu_;
  bool indexed_ = false;  // GUARDED_BY(index_mu_)
  std::unordered_map<std::string, std::pair<std::string, std::string>>
      index_;  // GUARDED_BY(index_mu_): id → account, region
};

}  // namespace stratus::kms
