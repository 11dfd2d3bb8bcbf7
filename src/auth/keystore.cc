#include "auth/keystore.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "auth/sealing.h"
#include "auth/sigv4.h"
#include "core/record.h"
#include "storage/engine.h"

namespace stratus::auth {
namespace {
constexpr std::string_view kKeyspace = "auth.keys";

// The stored record of a credential (the access key is the storage key, not a member).
const json::Record<Credential> kCredentialRecord{
    {"secret", &Credential::secret_key}, {"token", &Credential::session_token}, {"account", &Credential::account},
    {"arn", &Credential::principal_arn}, {"user_id", &Credential::user_id},   {"expires", &Credential::expires_ms}};

}  // namespace

std::string canonical_user_id(std::string_view account) {
  return sha256_hex("stratus-canonical-user:" + std::string(account));
}

std::string display_name(std::string_view account) {
  return "stratus-" + std::string(account);
}

KeyStore::KeyStore(storage::Engine* engine, Credential root, std::string sealing_key, std::vector<Credential> accounts)
    : engine_(engine), root_(std::move(root)), sealing_key_(std::move(sealing_key)) {
  for (auto& c : accounts) {
    std::string key = c.access_key;
    fixed_.emplace(std::move(key), std::move(c));
  }
}

std::string credential_record(const Credential& c) { return kCredentialRecord.write(c); }

Credential read_credential_record(const std::string& key, const std::string& text) {
  Credential c = kCredentialRecord.read(text);
  c.access_key = key;
  return c;
}

bool KeyStore::put(const Credential& c) {
  if (engine_ &&
      !engine_->put(kKeyspace, c.access_key, seal(sealing_key_, credential_record(c), c.access_key)).ok())
    return false;
  std::unique_lock lock(mu_);
  remember(c);
  return true;
}

bool KeyStore::remove(const std::string& access_key) {
  if (engine_ && !engine_->del(kKeyspace, access_key).ok()) return false;
  std::unique_lock lock(mu_);
  cache_.erase(access_key);
  return true;
}

std::optional<Credential> KeyStore::find(const std::string& access_key) const {
  if (access_key == root_.access_key) return root_;
  if (auto it = fixed_.find(access_key); it != fixed_.end()) return it->second;
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(access_key);
    if (it != cache_.end()) return it->second;
  }
  if (!engine_) return std::nullopt;
  std::string value;
  if (!engine_->get(kKeyspace, access_key, &value).ok()) return std::nullopt;
  Credential c;
  if (is_sealed(value)) {
    auto text = unseal(sealing_key_, value, access_key);
    if (!text) {
      // Another data directory's key file, or a damaged record: the key is unusable.
      spdlog::warn(
          "access key {}: its stored record cannot be unsealed with this data directory's key",
          access_key);
      return std::nullopt;
    }
    c = read_credential_record(access_key, *text);
  } else {
    c = read_credential_record(access_key, value);
  }
  std::unique_lock lock(mu_);
  remember(c);
  return c;
}

void KeyStore::remember(const Credential& c) const {
  // A cache of the keys in use, bounded: STS issues a key per AssumeRole and GetSessionToken,
  // and a long run would otherwise hold every key it ever issued. Storage keeps them all (without
  // storage, the cache is the store and is not trimmed).
  if (engine_ && cache_.size() >= kCachedKeys && !cache_.count(c.access_key)) cache_.clear();
  cache_[c.access_key] = c;
}

size_t KeyStore::seal_plain_records() {
  if (!engine_) return 0;
  std::vector<std::pair<std::string, std::string>> plain;
  for (auto it = engine_->scan(kKeyspace, {}); it->valid(); it->next()) {
    if (!is_sealed(it->value())) plain.emplace_back(it->key(), it->value());
  }
  size_t sealed = 0;
  for (const auto& [key, value] : plain) {
    if (engine_->put(kKeyspace, key, seal(sealing_key_, value, key)).ok()) ++sealed;
  }
  return sealed;
}

void KeyStore::clear_cache() {
  std::unique_lock lock(mu_);
  cache_.clear();
}

}  // namespace stratus::auth
