// KMS's service state and the logic its operations share: key resolution (id, ARN, alias name
// or ARN; AWS managed keys created on first use), key state and usage checks, symmetric
// encryption with the blob format of blob.h, and the KeyMetadata document. The port (api.h) is
// implemented here too, on the same functions the operations use.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"
#include "core/paging.h"
#include "services/kms/api.h"
#include "services/kms/store.h"
#include "services/service.h"

namespace stratus {
class ServerContext;
}

namespace stratus::kms {

class State final : public Api {
 public:
  State(storage::Engine& engine, std::string master_key);
  Store store;
  // Milliseconds in a "day" of deletion windows and rotation periods (STRATUS_KMS_DAY_MS shortens
  // it for tests).
  int64_t day_ms = 86'400'000;

  // The key `ref` names (key id, key ARN, alias name, alias ARN) or NotFoundException.
  // allow_alias=false: only key id / key ARN (ScheduleKeyDeletion, CreateAlias's target, ...).
  std::shared_ptr<const Key> resolve(const std::string& account, const std::string& region, std::string_view ref,
                                     bool allow_alias = true);
  // Makes the AWS managed key of alias/aws/<service> when it does not exist yet.
  std::shared_ptr<const Key> managed_key(const std::string& account, const std::string& region,
                                         std::string_view alias_name);
  // A fresh key (not stored).
  Key new_key(const std::string& account, const std::string& region, std::string_view spec, std::string_view usage,
              bool multi_region, int64_t now_ms) const;

  // Symmetric encryption under the key's current material.
  std::string encrypt_symmetric(const Key& k, std::string_view plaintext, const EncryptionContext& ec) const;
  // The key the blob names, after checking it (and `ref`, when given) — then the plaintext.
  // Throws InvalidCiphertextException / IncorrectKeyException / state errors.
  std::pair<std::shared_ptr<const Key>, std::string> decrypt_symmetric(const std::string& account,
                                                                       const std::string& region, std::string_view blob,
                                                                       const EncryptionContext& ec,
                                                                       std::string_view ref);
  // The material version a blob was made with (0 when it does not parse).
  static uint32_t blob_version(std::string_view blob);

  // Adds a new current material (rotation): AUTOMATIC or ON_DEMAND.
  void rotate(Key& k, std::string_view type, int64_t now_ms) const;
  // Deletes keys whose deletion date has passed; rotates keys whose rotation is due.
  void sweep(int64_t now_ms);

  // Api
  Result<KeyInfo> describe(const std::string& account, const std::string& region, std::string_view key) override;
  Result<Encrypted> encrypt(const std::string& account, const std::string& region, std::string_view key,
                            std::string_view plaintext, const EncryptionContext& context) override;
  Result<Decrypted> decrypt(const std::string& account, const std::string& region, std::string_view blob,
                            const EncryptionContext& context, std::string_view key = {}) override;
  Result<KeyInfo> authorize(const std::string& caller_account, const std::string& caller_arn,
                            const std::string& account, const std::string& region, std::string_view key,
                            std::string_view op, const EncryptionContext& context,
                            std::string_view via_service = {}) override;
  Result<DataKey> generate_data_key(const std::string& account, const std::string& region, std::string_view key,
                                    size_t bytes, const EncryptionContext& context) override;
};

State& state(OpContext& ctx);

// Checks for operations using key material: Enabled, or DisabledException /
// KMSInvalidStateException as AWS words them.
void require_usable(const Key& k);
// Checks the key's usage for an operation ("Encrypt", ...): InvalidKeyUsageException.
void require_usage(const Key& k, std::string_view usage, std::string_view op);
// Refuses changes to a key pending deletion (KMSInvalidStateException "<arn> is pending deletion.").
void require_not_pending(const Key& k);
// Refuses changes of AWS managed keys where AWS does.
void require_customer(const Key& k);

// A key policy must be a JSON object: MalformedPolicyDocumentException otherwise.
void check_policy(const std::string& policy);
// DryRun: DryRunOperationException when the input asks for it (after the checks).
void dry_run(const Doc& in);

// Read-modify-write of one key under the writer lock: `change` edits (or throws), the key is
// stored, and returned as written. allow_alias as for State::resolve.
Key modify_key(OpContext& ctx, std::string_view ref, const std::function<void(Key&)>& change, bool allow_alias = true);
// A change of a customer managed key that is not pending deletion (EnableKey, DisableKey,
// UpdateKeyDescription, TagResource, UntagResource): modify_key after those checks; answers {}.
Doc change_customer_key(OpContext& ctx, const Doc& in, const std::function<void(Key&)>& change,
                        bool allow_alias = true);
// A blob member's bytes ("" when absent).
std::string blob_of(const Doc& in, std::string_view member);

// KeyMetadata as DescribeKey / CreateKey answer it.
Doc metadata(const Key& k);
// A material's KeyMaterialId (64 hex digits, stable).
std::string material_id(const Key& k, uint32_t version);
// One page of a listing whose entries are named by ids (in order), as {list_name: [item(i)...],
// Truncated, NextMarker (the id the next page starts at)?}: Limit (1..max, default `dflt`) and
// Marker (the id the page starts at; InvalidMarkerException when none is).
size_t marker_index(const std::vector<std::string>& ids, const Doc& in);
template <class Item>
Doc page(const std::vector<std::string>& ids, const Doc& in, size_t dflt, const char* list_name, Item&& item) {
  int64_t limit = in.has("Limit") ? in.integer("Limit") : static_cast<int64_t>(dflt);
  paging::Slice s = paging::slice(marker_index(ids, in), ids.size(), limit, item);
  Doc out = Doc::map();
  out.set(list_name, std::move(s.list));
  out.set("Truncated", s.more());
  if (s.more()) out.set("NextMarker", ids[s.next]);
  return out;
}

// EncryptionContext member of an input (absent: empty).
EncryptionContext context_of(const Doc& in, std::string_view member = "EncryptionContext");

}  // namespace stratus::kms
