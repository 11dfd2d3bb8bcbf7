// Secrets Manager resource policies, evaluated by auth/policy.h (contract in ops.h: authorize).
#include <memory>
#include <utility>

#include "auth/policy.h"
#include "core/arn.h"
#include "server/context.h"
#include "services/kms/api.h"
#include "services/secretsmanager/ops.h"

namespace stratus::secretsmanager {
namespace {

namespace pol = auth::policy;

std::shared_ptr<const pol::Policy> parsed(const std::string& text) {
  return pol::parse_cached(text, {.principal = pol::PrincipalRule::required, .require_resource = false});
}

std::string caller_arn(const OpContext& ctx) {
  return ctx.caller.arn.empty() ? root_arn(ctx.account()) : ctx.caller.arn;
}

AwsError denied(const OpContext& ctx, const std::string& arn, std::string_view op, const std::string& why) {
  return AwsError("AccessDeniedException",
                  "User: " + caller_arn(ctx) + " is not authorized to perform: secretsmanager:" + std::string(op) +
                      " on resource: " + arn + why,
                  400);
}

// The operations that name a SecretId and are checked before their handler runs.
constexpr std::string_view kOps[] = {"DescribeSecret",
                                     "UpdateSecret",
                                     "DeleteSecret",
                                     "RestoreSecret",
                                     "TagResource",
                                     "UntagResource",
                                     "GetSecretValue",
                                     "PutSecretValue",
                                     "UpdateSecretVersionStage",
                                     "ListSecretVersionIds",
                                     "GetResourcePolicy",
                                     "PutResourcePolicy",
                                     "DeleteResourcePolicy",
                                     "ValidateResourcePolicy",
                                     "ReplicateSecretToRegions",
                                     "RemoveRegionsFromReplication",
                                     "StopReplicationToReplica",
                                     "RotateSecret",
                                     "CancelRotateSecret"};

}  // namespace

bool policy_is_public(const std::string& text) {
  auto p = parsed(text);
  if (!p) throw errors::malformed_policy_document("This resource policy contains a syntax error.");
  return pol::is_public(*p);
}

void authorize(OpContext& ctx, const Doc& secret, std::string_view op, bool new_value) {
  std::string owner = owner_account(secret);
  if (owner.empty()) owner = ctx.account();
  const std::string arn = secret.str("ARN");
  std::string text = secret.str("Policy");
  pol::Decision d = pol::Decision::implicit_deny;
  if (!text.empty())
    if (auto p = parsed(text)) {
      pol::Request r;
      pol::set_caller(r, ctx.account(), ctx.caller.arn, ctx.caller.user_id);
      r.action = "secretsmanager:" + std::string(op);
      r.resource = arn;
      r.set("secretsmanager:SecretId", arn);
      d = pol::evaluate(*p, r);
    }
  if (d == pol::Decision::explicit_deny)
    throw denied(ctx, arn, op, " with an explicit deny in a resource-based policy");
  const bool same_account = owner == ctx.account();
  if (!same_account && d != pol::Decision::allow)
    throw denied(ctx, arn, op,
                 " because no resource-based policy allows the secretsmanager:" + std::string(op) + " action");
  if (op != "GetSecretValue" && !new_value) return;
  // The value is decrypted (encrypted) for the caller, through Secrets Manager (kms:ViaService):
  // the customer managed key's policy or grants must let the caller; another account needs such
  // a key (never the AWS managed one, whose policy admits only its own account).
  std::string key = secret.str("KmsKeyId");
  auto* k = ctx.server.port<kms::Api>();
  bool managed = key.empty() || key.find("alias/aws/") != std::string::npos;
  if (same_account && (managed || !k)) return;
  if (managed || !k) throw AwsError("AccessDeniedException", "Access to KMS is not allowed", 400);
  auto ok =
      k->authorize(ctx.account(), caller_arn(ctx), owner, ctx.region(), key, new_value ? "GenerateDataKey" : "Decrypt",
                   {{"SecretARN", arn}}, "secretsmanager." + ctx.region() + ".amazonaws.com");
  if (!ok) throw AwsError("AccessDeniedException", "Access to KMS is not allowed", 400);
  if (!same_account && ok->key_manager == "AWS")
    throw AwsError("AccessDeniedException", "Access to KMS is not allowed", 400);
}

void guard_operations(Service& service) {
  for (const std::string& name : service.implemented()) {
    bool guarded = false;
    for (std::string_view o : kOps) guarded = guarded || o == name;
    const Service::Entry* e = service.handler(name);
    if (!guarded || !e || !e->sync) continue;
    Handler h = e->sync;
    service.add(name, [name, h](OpContext& ctx, const Doc& in) {
      std::optional<Doc> secret;
      try {
        if (in.has("SecretId")) secret = resolve(ctx, in.str("SecretId"), true);
      } catch (const AwsError&) {  // the handler answers for secrets that do not resolve
      }
      if (!secret) return h(ctx, in);
      authorize(ctx, *secret, name, in.has("SecretString") || in.has("SecretBinary"));
      std::string owner = owner_account(*secret);
      if (owner.empty() || owner == ctx.account()) return h(ctx, in);
      // Another account's secret, allowed by its policy: the handler works in the owner's
      // account (its records, its keys); the caller's ARN stays the caller's.
      struct AsOwner {
        OpContext& ctx;
        std::string caller;
        ~AsOwner() { ctx.caller.account = std::move(caller); }
      } as_owner{ctx, std::exchange(ctx.caller.account, owner)};
      return h(ctx, in);
    });
  }
}

}  // namespace stratus::secretsmanager
