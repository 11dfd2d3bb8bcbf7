// AWS KMS: keys (symmetric, HMAC, RSA, ECC) with real cryptography (OpenSSL), aliases, grants,
// key policies (stored), tags, rotation and scheduled deletion.
//
// Layout: the operation table is here; handlers in ops/*.cc (ops.h); keys, aliases and grants
// in store.h; key resolution, checks and the port (api.h) in state.h; the ciphertext blob in
// blob.h; OpenSSL in crypto.h.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "auth/sealing.h"
#include "core/clock.h"
#include "server/context.h"
#include "services/kms/access.h"
#include "services/kms/api.h"
#include "services/kms/ops.h"
#include "services/kms/schema.h"
#include "services/kms/state.h"
#include "services/service.h"

namespace stratus::kms {
namespace {

// The key wrapping key material at rest: --kms-master-key-file, else the data directory's
// sealing key; a throwaway one when nothing is kept.
std::string master_key(ServerContext& ctx) {
  const Config& c = ctx.config();
  if (!c.kms_master_key_file.empty()) return auth::load_or_create_sealing_key(c.kms_master_key_file);
  if (c.ephemeral || ctx.storage().describe().starts_with(R"({"engine":"memory")")) return auth::random_sealing_key();
  return auth::load_or_create_sealing_key((std::filesystem::path(c.data_dir) / ".stratus-key").string());
}

class KmsService final : public Service {
 public:
  KmsService() : Service("kms") {
    add("CreateKey", create_key);
    add("DescribeKey", describe_key);
    add("ListKeys", list_keys);
    add("EnableKey", enable_key);
    add("DisableKey", disable_key);
    add("UpdateKeyDescription", update_key_description);
    add("ScheduleKeyDeletion", schedule_key_deletion);
    add("CancelKeyDeletion", cancel_key_deletion);
    add("Encrypt", encrypt);
    add("Decrypt", decrypt);
    add("ReEncrypt", re_encrypt);
    add("GenerateDataKey", generate_data_key);
    add("GenerateDataKeyWithoutPlaintext", generate_data_key_without_plaintext);
    add("GenerateDataKeyPair", generate_data_key_pair);
    add("GenerateDataKeyPairWithoutPlaintext", generate_data_key_pair_without_plaintext);
    add("GenerateRandom", generate_random);
    add("Sign", sign);
    add("Verify", verify);
    add("GetPublicKey", get_public_key);
    add("GenerateMac", generate_mac);
    add("VerifyMac", verify_mac);
    add("CreateAlias", create_alias);
    add("UpdateAlias", update_alias);
    add("DeleteAlias", delete_alias);
    add("ListAliases", list_aliases);
    add("TagResource", tag_resource);
    add("UntagResource", untag_resource);
    add("ListResourceTags", list_resource_tags);
    add("GetKeyPolicy", get_key_policy);
    add("PutKeyPolicy", put_key_policy);
    add("ListKeyPolicies", list_key_policies);
    add("CreateGrant", create_grant);
    add("ListGrants", list_grants);
    add("ListRetirableGrants", list_retirable_grants);
    add("RetireGrant", retire_grant);
    add("RevokeGrant", revoke_grant);
    add("EnableKeyRotation", enable_key_rotation);
    add("DisableKeyRotation", disable_key_rotation);
    add("GetKeyRotationStatus", get_key_rotation_status);
    add("RotateKeyOnDemand", rotate_key_on_demand);
    add("ListKeyRotations", list_key_rotations);
    guard_operations(*this);  // key policies and grants (access.h)
    gap("Key policies, grants",
        "key policies and grants decide every key operation (access.h), but IAM identity policies are not "
        "enforced: a principal of the key's account has what the policy gives the account root; grants take "
        "effect at once (grant tokens are checked for form only); kms:ViaService is set when SSM and Secrets "
        "Manager use a customer managed key for their caller (S3 and DynamoDB record SSE-KMS without calling "
        "KMS), kms:GrantIsForAWSResource is not set; AWS managed keys are usable directly by their account");
    gap("Imported key material, custom key stores, multi-Region replicas",
        "Origin EXTERNAL/AWS_CLOUDHSM/EXTERNAL_KEY_STORE, ImportKeyMaterial, custom key store and ReplicateKey "
        "operations are not implemented; MultiRegion keys are stored as primaries without replicas");
    gap("Key specs",
        "ECC_NIST_EDWARDS25519, ML_DSA_*, SM2 and KEY_AGREEMENT (DeriveSharedSecret) are refused "
        "with UnsupportedOperationException");
  }

  void attach(ServerContext& ctx) override {
    state_ = std::make_unique<State>(ctx.storage(), master_key(ctx));
    if (const char* v = std::getenv("STRATUS_KMS_DAY_MS")) state_->day_ms = std::max<int64_t>(1, std::atoll(v));
    ctx.provide<Api>(state_.get());
  }

  void start(ServerContext& ctx) override {
    State* st = state_.get();
    int64_t every = std::min<int64_t>(60'000, std::max<int64_t>(50, st->day_ms / 10));
    ctx.scheduler("kms").every("kms.sweep", every, [st] { st->sweep(now_millis()); });
  }

  std::span<const storage::Keyspace> keyspaces() const override { return kKeyspaces; }

  void reset() override {
    if (state_) state_->store.reset();
  }

  State& state() { return *state_; }

 private:
  std::unique_ptr<State> state_;  // made in attach()
};

}  // namespace

State& state(OpContext& ctx) {
  return static_cast<KmsService*>(ctx.server.service("kms"))->state();
}

std::unique_ptr<Service> make_service() {
  return std::make_unique<KmsService>();
}

}  // namespace stratus::kms
