// Secrets Manager's operation handlers, one per operation and named after it (service.cc holds
// the table), and the helpers they share (ops/common.cc).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/doc.h"
#include "core/error.h"
#include "services/secretsmanager/errors.h"
#include "services/secretsmanager/state.h"

namespace stratus::secretsmanager {

// ---- shared (ops/common.cc) ----
AwsError secret_not_found();  // ResourceNotFoundException "Secrets Manager can't find the specified secret."
AwsError marked_for_deletion();
// The secret SecretId names, or ResourceNotFoundException. other_accounts: a full ARN may name a
// secret of another account (the read operations that AWS allows across accounts; access.cc
// decides whether the caller may).
Doc resolve(OpContext& ctx, const std::string& id, bool other_accounts = false);
// The account that owns a secret (its ARN's).
std::string owner_account(const Doc& secret);

// ---- resource policies (ops/access.cc) ----
// Throws AccessDeniedException unless the caller may run `op` on the secret: its resource
// policy's explicit Deny refuses anyone; the owner's account is allowed otherwise (IAM identity
// policies are not enforced); another account needs an Allow of the policy. For the value
// (GetSecretValue, BatchGetSecretValue) the caller needs kms:Decrypt on the secret's customer
// managed key, for a `new_value` (PutSecretValue, UpdateSecret with a value) kms:GenerateDataKey,
// checked with kms:ViaService secretsmanager.<region>.amazonaws.com ("Access to KMS is not
// allowed"; another account can't use the AWS managed key at all).
void authorize(OpContext& ctx, const Doc& secret, std::string_view op, bool new_value = false);
// Wraps the operations that name a SecretId with authorize(). A caller of another account that
// names a secret by its ARN and is allowed runs the operation in the owner's account (the
// handler sees ctx.account() = the owner; ctx.caller.arn stays the caller's).
void guard_operations(Service& service);
// A resource policy parsed by auth/policy.h (MalformedPolicyDocumentException), and whether it
// grants broad access (a wildcard principal without a narrowing condition).
bool policy_is_public(const std::string& text);
// A replica record (ReplicaOf: the primary's Region) as the replica Region sees it: the primary's
// secret under the replica's ARN, marked "_Replica" (and "_PrimaryRegion"/"_PrimaryArn" for its
// values); other records unchanged. nullopt when the primary is gone.
std::optional<Doc> view_of(OpContext& ctx, Doc raw);
// InvalidRequestException when scheduled for deletion.
void check_live(const Doc& secret);
// InvalidRequestException for a write to a replica.
void check_primary(const Doc& secret);
// The ARN of `name` in another Region: the primary's ARN with the Region replaced.
std::string replica_arn(const std::string& primary_arn, const std::string& from, const std::string& to);
// The value of the input (SecretString / SecretBinary); `present` false when neither.
Value input_value(const Doc& in, bool& present);
Doc value_member(const Value& v, Doc out);
Doc stages_of(const Doc& secret, const std::string& version);
// DescribeSecret's members (list: ListSecrets' entry, SecretVersionsToStages).
Doc describe(const Doc& secret, bool list);
Doc replication_status(const Doc& secret);
// EventBridge events (ops/events.cc) on the account's default bus, source aws.secretsmanager,
// resources []: "AWS API Call via CloudTrail" for every write operation (detail: the CloudTrail
// record: userIdentity, eventSource secretsmanager.amazonaws.com, eventName, requestParameters and
// responseElements in lowerCamelCase without SecretString/SecretBinary, requestID, eventType
// AwsApiCall), and "AWS Service Event via CloudTrail" (eventType AwsServiceEvent: RotationStarted,
// RotationSucceeded, RotationFailed; additionalEventData.SecretId the secret's ARN). Each event is
// written into the batch of the write it reports (events/api.h: add_put), so a kill -9 after the
// commit still delivers it; nothing is sent when EventBridge is not running.
//
//   Trail trail(ctx, in);  ... trail.add(batch, out); store.commit(batch); trail.published();
class Trail {
 public:
  Trail(OpContext& ctx, const Doc& in) : ctx_(ctx), in_(in) {}
  void add(storage::WriteBatch& b, const Doc& out);  // the event of this call, answered `out`
  void published();                                  // after the batch committed

 private:
  OpContext& ctx_;
  const Doc& in_;
  std::optional<events::Queue::Ticket> ticket_;
};
std::optional<events::Queue::Ticket> service_event(ServerContext& server, storage::WriteBatch& b,
                                                   const std::string& account, const std::string& region,
                                                   const std::string& event_name, const std::string& secret_arn);

// Pagination: the offset NextToken carries (0 without one; InvalidNextTokenException for a
// token not made by page_token), and the token of an offset.
size_t page_start(const Doc& in);
std::string page_token(size_t offset);
// Read-modify-write of the live secret in.SecretId under SecretStore::mu(): f changes it and adds
// to the batch, which also carries the call's EventBridge event (Trail).
// f(Doc& secret, storage::WriteBatch&, SecretStore&) -> Doc answer.
template <class F>
Doc update(OpContext& ctx, const Doc& in, F f) {
  std::lock_guard lock(SecretStore::mu());
  Doc secret = resolve(ctx, in.str("SecretId"));
  check_primary(secret);
  check_live(secret);
  SecretStore store = state(ctx).store();
  storage::WriteBatch batch;
  Doc out = f(secret, batch, store);
  store.save(batch, ctx.account(), ctx.region(), secret);
  Trail trail(ctx, in);
  trail.add(batch, out);
  store.commit(batch);
  trail.published();
  return out;
}

// ---- secrets (ops/secrets.cc) ----
// ListSecrets' Filters (AND of keys, OR of values, ! negates).
bool filters_match(const Doc& secret, const Doc* filters);
// A new version holding v, with `stages` moved to it; prunes deprecated versions.
void add_version(OpContext& ctx, SecretStore& store, storage::WriteBatch& batch, Doc& secret,
                 const std::string& version, const Value& v, const std::vector<std::string>& stages, int64_t now);
Doc create_secret(OpContext& ctx, const Doc& in);
Doc describe_secret(OpContext& ctx, const Doc& in);
Doc list_secrets(OpContext& ctx, const Doc& in);
Doc update_secret(OpContext& ctx, const Doc& in);
Doc delete_secret(OpContext& ctx, const Doc& in);
Doc restore_secret(OpContext& ctx, const Doc& in);
Doc tag_resource(OpContext& ctx, const Doc& in);
Doc untag_resource(OpContext& ctx, const Doc& in);

// ---- values and versions (ops/values.cc) ----
Doc get_secret_value(OpContext& ctx, const Doc& in);
Doc put_secret_value(OpContext& ctx, const Doc& in);
Doc batch_get_secret_value(OpContext& ctx, const Doc& in);
Doc update_secret_version_stage(OpContext& ctx, const Doc& in);
Doc list_secret_version_ids(OpContext& ctx, const Doc& in);
Doc get_random_password(OpContext& ctx, const Doc& in);

// ---- policies and replication (ops/policy.cc) ----
Doc get_resource_policy(OpContext& ctx, const Doc& in);
Doc put_resource_policy(OpContext& ctx, const Doc& in);
Doc delete_resource_policy(OpContext& ctx, const Doc& in);
Doc validate_resource_policy(OpContext& ctx, const Doc& in);
Doc replicate_secret_to_regions(OpContext& ctx, const Doc& in);
Doc remove_regions_from_replication(OpContext& ctx, const Doc& in);
Doc stop_replication_to_replica(OpContext& ctx, const Doc& in);

// Replicates `secret` (the primary, in the caller's Region) to entry's Region: a replica record
// there (ReplicaOf) and the entry in the primary's Replicas. A secret of that name already in the
// Region fails the entry (Status Failed) unless `force`.
void add_replica(OpContext& ctx, SecretStore& store, storage::WriteBatch& batch, Doc& secret, const Doc& entry,
                 bool force);

// ---- rotation (ops/rotation.cc) ----
Doc rotate_secret(OpContext& ctx, const Doc& in);
Doc cancel_rotate_secret(OpContext& ctx, const Doc& in);

}  // namespace stratus::secretsmanager
