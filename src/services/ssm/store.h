// Parameter Store's storage: one JSON record per parameter (schema.h), read and written whole under
// one process-wide mutex (writes are rare next to reads: a GetParameter takes no lock).
//
// Record (schema::kParameters): {"Name", "Tags": {k: v}, "Versions": [version...]} oldest version
// first, at most 100. A version: {"Version", "Type", "Value" | "Cipher" (KMS ciphertext, base64,
// SecureString only), "KeyId" (the key's ARN), "Description", "AllowedPattern", "Tier",
// "DataType", "Policies" (the Policies text, as given), "LastModifiedDate" (ms),
// "LastModifiedUser", "Labels": [...]}. The parameter's current state is its last version.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/doc.h"
#include "storage/engine.h"

namespace stratus::ssm {

class ParamStore {
 public:
  explicit ParamStore(storage::Engine& db) : db_(db) {}

  static std::string key(std::string_view account, std::string_view region, std::string_view name);
  static std::string scope(std::string_view account, std::string_view region);
  // Serialises read-modify-writes of parameter records across the process.
  static std::mutex& mu();

  std::optional<Doc> load(std::string_view account, std::string_view region, std::string_view name);
  // Writes the record; when `expires_ms` > 0 also records the pending expiration (and drops the
  // one of `old_expires_ms`), and moves the tier counts from `old_tier` ("" for a new parameter) to
  // the record's tier, in one batch; `also` adds its own writes to that batch (the change
  // event's delivery, ops.h: ChangeEvents).
  using Also = std::function<void(storage::WriteBatch&)>;
  storage::Status save(std::string_view account, std::string_view region, const Doc& record, int64_t expires_ms,
                       int64_t old_expires_ms, std::string_view old_tier, const Also& also = {});
  storage::Status erase(std::string_view account, std::string_view region, std::string_view name, int64_t expires_ms,
                        std::string_view tier, const Also& also = {});
  // Parameters of a tier in an account and region.
  int64_t count(std::string_view account, std::string_view region, std::string_view tier);
  // The tier of a record's current version.
  static std::string tier_of(const Doc& record);

  // Expirations due at or before now: (account, region, parameter key), oldest first, at most n.
  struct Due {
    int64_t when;
    std::string account, region, name, raw_key;
  };
  std::vector<Due> due(int64_t now_ms, size_t n);
  void drop_due(const Due& d);

  // The time of the record's next policy action (rules.h: next_policy_action; 0: none), under
  // which the due index keeps it (the "expirations" keyspace holds every policy action's time).
  static int64_t expiration_of(const Doc& record);
  // The length of a policy hour: STRATUS_SSM_HOUR_MS (tests), else 3,600,000.
  static int64_t hour_ms();

 private:
  static std::string expiry_key(int64_t when, std::string_view account, std::string_view region, std::string_view name);
  storage::Engine& db_;
};

}  // namespace stratus::ssm
