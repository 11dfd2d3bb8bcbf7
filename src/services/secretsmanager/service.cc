// AWS Secrets Manager: secrets, versions and staging labels, values encrypted with KMS (or the
// data-directory key without it), rotation through Lambda functions, resource policies, tags,
// replication records. Handlers in ops/*.cc (ops.h), storage in store.h, rotation in rotation.cc.
#include "server/context.h"
#include "services/kms/api.h"
#include "services/secretsmanager/ops.h"
#include "services/secretsmanager/schema.h"

namespace stratus::secretsmanager {
namespace {

class SecretsManagerService final : public Service {
 public:
  SecretsManagerService() : Service("secretsmanager") {
    add("CreateSecret", create_secret);
    add("DescribeSecret", describe_secret);
    add("ListSecrets", list_secrets);
    add("UpdateSecret", update_secret);
    add("DeleteSecret", delete_secret);
    add("RestoreSecret", restore_secret);
    add("TagResource", tag_resource);
    add("UntagResource", untag_resource);
    add("GetSecretValue", get_secret_value);
    add("PutSecretValue", put_secret_value);
    add("BatchGetSecretValue", batch_get_secret_value);
    add("UpdateSecretVersionStage", update_secret_version_stage);
    add("ListSecretVersionIds", list_secret_version_ids);
    add("GetRandomPassword", get_random_password);
    add("GetResourcePolicy", get_resource_policy);
    add("PutResourcePolicy", put_resource_policy);
    add("DeleteResourcePolicy", delete_resource_policy);
    add("ValidateResourcePolicy", validate_resource_policy);
    add("ReplicateSecretToRegions", replicate_secret_to_regions);
    add("RemoveRegionsFromReplication", remove_regions_from_replication);
    add("StopReplicationToReplica", stop_replication_to_replica);
    add("RotateSecret", rotate_secret);
    add("CancelRotateSecret", cancel_rotate_secret);
    gap("ReplicateSecretToRegions",
        "replication is immediate and always InSync; a replica reads the primary's record and values "
        "(encrypted under the primary's key, not the replica's KmsKeyId)");
    guard_operations(*this);  // resource policies (ops/access.cc)
    gap("Resource policies",
        "evaluated (auth/policy.h) for every operation naming a secret; IAM identity policies are not enforced (the "
        "owner's account is allowed unless a policy denies); other accounts may run the operations the policy "
        "allows (reads and writes) by full ARN, in the owner's account (a new value needs kms:GenerateDataKey on "
        "a customer managed key); BlockPublicPolicy uses S3's public-policy test");
    gap("Error texts",
        "not confirmed on AWS pages, worded after AWS's style: rotation schedule validation, "
        "UpdateSecretVersionStage, replication, resource-policy checks, GetRandomPassword");
    gap("RotateSecret",
        "a failed rotation is retried twice, one minute apart (AWS's count and spacing are not "
        "documented); failures show in the function's logs, Stratus' log and the RotationFailed event");
    gap("EventBridge events",
        "\"AWS API Call via CloudTrail\" for every successful write operation (not for reads, nor for failed calls, "
        "which CloudTrail records with errorCode) and \"AWS Service Event via CloudTrail\" RotationStarted / "
        "RotationSucceeded / RotationFailed (RotationStarted again when a restart resumes a rotation); no "
        "RotationAbandoned, replication or version-deletion service events; requestParameters/responseElements are "
        "the call's members in lowerCamelCase without SecretString/SecretBinary (AWS's exact selection per "
        "operation is not documented), dates as ISO 8601, sourceIPAddress 127.0.0.1, no CloudTrail trail records");
  }
  void attach(ServerContext& ctx) override {
    state_ = std::make_unique<State>(ctx);
    ctx.provide<State>(state_.get());
  }
  void start(ServerContext& ctx) override {
    // Values are encrypted with KMS when it runs; without it, sealed with the data-directory key.
    if (auto* k = ctx.port<kms::Api>()) state_->cipher = make_kms_cipher(*k, std::move(state_->cipher));
    state_->events = ctx.port<events::Api>();
    Scheduler& s = ctx.scheduler("secretsmanager");
    state_->scheduler = &s;
    s.post("secretsmanager.sweep", [st = state_.get()] { st->sweep(); });
    s.every("secretsmanager.sweep", state_->sweep_ms, [st = state_.get()] { st->sweep(); });
  }
  void reset() override { state_->reset(); }
  std::span<const storage::Keyspace> keyspaces() const override { return schema::kKeyspaces; }

 private:
  std::unique_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Service> make_service() {
  return std::make_unique<SecretsManagerService>();
}

}  // namespace stratus::secretsmanager
