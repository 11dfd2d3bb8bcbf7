// Parameter Store's operation handlers, one per operation and named after it (service.cc holds the
// table), and the helpers they share (ops/common.cc). State is in storage only (store.h); the
// pure rules (names, selectors, labels, policies) are in rules.h.
#pragma once

#include <string>
#include <string_view>

#include "core/doc.h"
#include "core/error.h"
#include "services/events/api.h"
#include "services/service.h"
#include "services/ssm/errors.h"

namespace stratus::kms {
class Api;
}

namespace stratus::ssm {

// ---- shared (ops/common.cc) ----
// The current (last) version of a record.
const Doc& current(const Doc& record);
// The version a selector picks (nullptr: no such version/label).
const Doc* pick(const Doc& record, std::optional<int64_t> version, std::string_view label);
// A Parameter (GetParameter's shape) of version v; SecureString values are decrypted when
// `decrypt`, else returned as their ciphertext (base64), as AWS does.
Doc parameter_doc(OpContext& ctx, const Doc& record, const Doc& v, std::string_view selector, bool decrypt);
// A version's value as answered: the value, or for SecureString the ciphertext (base64) or,
// when `decrypt`, the value decrypted through KMS.
std::string value_of(OpContext& ctx, const Doc& v, std::string_view arn, bool decrypt);
// A version's Policies as ParameterInlinePolicy entries (PolicyStatus Pending).
Doc policies_doc(const Doc& v);
// ParameterNotFound "Parameter <name> not found."
AwsError not_found(std::string_view name);
AwsError version_not_found(std::string_view name, int64_t version);

// What the handlers reach through ctx.server.port<Ports>(): the service's ports to others,
// resolved in start().
struct Ports {
  kms::Api* kms = nullptr;        // nullptr when KMS is not among --services
  events::Api* events = nullptr;  // nullptr when EventBridge is not running
};

// EventBridge events (ops/events.cc), source aws.ssm, resources [the parameter's ARN]:
// "Parameter Store Change" {operation: Create|Update|Delete|LabelParameterVersion, name, type,
// description} after each write, and "Parameter Store Policy Action" {parameter-name,
// parameter-type, action-status: Finished, policy-type, action-reason (our wording; AWS's texts
// are not documented)} from the sweep. Each event is written into the batch of the write it
// reports (events/api.h: add_put), so a kill -9 after the commit still delivers it:
//
//   WriteEvents ev(ctx);
//   auto st = store.save(..., [&](storage::WriteBatch& b) { ev.change(b, rec, "Update"); });
//   if (st.ok()) ev.published();
struct PolicyAction;
class WriteEvents {
 public:
  // queue/bus nullptr (EventBridge not running): the events are not sent.
  WriteEvents(events::Queue* queue, events::Api* bus, std::string account, std::string region)
      : queue_(queue), bus_(bus), account_(std::move(account)), region_(std::move(region)) {}
  explicit WriteEvents(OpContext& ctx);  // the caller's account and region, the service's ports
  void change(storage::WriteBatch& b, const Doc& record, std::string_view operation);
  void policy(storage::WriteBatch& b, const Doc& record, const PolicyAction& a);
  // After the batch committed: the events queue delivers them now.
  void published();

 private:
  void add(storage::WriteBatch& b, std::string detail_type, const Doc& detail, const std::string& name);
  events::Queue* queue_;
  events::Api* bus_;
  std::string account_, region_;
  std::vector<events::Queue::Ticket> tickets_;
};
Doc change_detail(const Doc& record, std::string_view operation);
Doc policy_detail(const Doc& record, const PolicyAction& a);

// SecureString values through KMS (ops/crypto.cc): the ciphertext is bound to the parameter's ARN
// (encryption context PARAMETER_ARN). Throw InvalidKeyId for a key that can't be used.
std::string seal(OpContext& ctx, std::string_view key_id, std::string_view arn, std::string_view value);
std::string unseal(OpContext& ctx, std::string_view cipher, std::string_view arn);
// Whether SecureString parameters can be stored (the KMS service is running).
bool can_seal(OpContext& ctx);

// Public parameters (/aws/service/..., public.cc): a read-only built-in table.
bool is_public(std::string_view name);
// The record of a public parameter (one version), or nullopt.
std::optional<Doc> public_record(std::string_view name, std::string_view region);
// Every public parameter name under a path ("/aws/service/x", no trailing '/'), sorted.
std::vector<std::string> public_names(std::string_view path, bool recursive);

// Secrets Manager references (/aws/reference/secretsmanager/<secret>[:<version id or label>],
// reference.cc): GetParameter(s) only, WithDecryption required (ValidationException "WithDecryption
// flag must be True for retrieving a Secret Manager secret."); the answer is a SecureString of
// version 0 whose Value is the secret's value (SecretBinary: base64) and whose
// SourceResult is GetSecretValue's answer as JSON; nullopt when the secret does not exist.
bool is_secret_reference(std::string_view name);
void require_decryption(bool decrypt);
std::optional<Doc> secret_reference(OpContext& ctx, const std::string& name);

// ---- parameters (ops/parameters.cc) ----
Doc put_parameter(OpContext& ctx, const Doc& in);
Doc get_parameter(OpContext& ctx, const Doc& in);
Doc get_parameters(OpContext& ctx, const Doc& in);
Doc get_parameter_history(OpContext& ctx, const Doc& in);
Doc delete_parameter(OpContext& ctx, const Doc& in);
Doc delete_parameters(OpContext& ctx, const Doc& in);
Doc label_parameter_version(OpContext& ctx, const Doc& in);
Doc unlabel_parameter_version(OpContext& ctx, const Doc& in);

// ---- listing (ops/describe.cc) ----
Doc get_parameters_by_path(OpContext& ctx, const Doc& in);
Doc describe_parameters(OpContext& ctx, const Doc& in);

// ---- tags (ops/tags.cc) ----
Doc add_tags_to_resource(OpContext& ctx, const Doc& in);
Doc remove_tags_from_resource(OpContext& ctx, const Doc& in);
Doc list_tags_for_resource(OpContext& ctx, const Doc& in);

// The Expiration sweep (ops/parameters.cc): deletes parameters whose Expiration policy is due.
// The policy sweep: every parameter whose next policy action is due (the expirations index)
// gets it: notifications (once each) and deletion at its Expiration, each as a "Parameter Store
// Policy Action" event on `bus` (nullptr: none) through `queue`, in the batch that records it.
void expire_due(storage::Engine& db, events::Queue& queue, int64_t now_ms, events::Api* bus);

}  // namespace stratus::ssm
