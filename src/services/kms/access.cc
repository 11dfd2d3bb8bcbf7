#include "services/kms/access.h"

#include <memory>

#include "auth/policy.h"
#include "core/arn.h"
#include "core/encoding.h"
#include "services/kms/blob.h"
#include "services/kms/errors.h"
#include "services/kms/state.h"

namespace stratus::kms {
namespace {

namespace pol = auth::policy;

std::string caller_arn(const OpContext::Caller& c) {
  return c.arn.empty() ? root_arn(c.account) : c.arn;
}

pol::Request request_for(const OpContext::Caller& caller, const std::string& key_arn, std::string_view op,
                         const EncryptionContext& ec, const Doc* input, std::string_view via_service) {
  pol::Request r;
  pol::set_caller(r, caller.account, caller.arn, caller.user_id);
  r.action = "kms:" + std::string(op);
  r.resource = key_arn;
  r.set("kms:CallerAccount", caller.account);
  if (!via_service.empty()) r.set("kms:ViaService", std::string(via_service));
  for (const auto& [k, v] : ec) {
    r.set("kms:EncryptionContext:" + k, v);
    r.add("kms:EncryptionContextKeys", k);
  }
  if (input && op == "CreateGrant") {
    if (const Doc* ops = input->get("Operations"); ops && ops->is_list())
      for (const auto& o : ops->as_list())
        if (o.is_string()) r.add("kms:GrantOperations", o.as_string());
    if (input->has("GranteePrincipal")) r.set("kms:GranteePrincipal", input->str("GranteePrincipal"));
    if (input->has("RetiringPrincipal")) r.set("kms:RetiringPrincipal", input->str("RetiringPrincipal"));
  }
  return r;
}

AwsError denied(const OpContext::Caller& caller, const Key& k, std::string_view op, bool explicit_deny) {
  std::string action = "kms:" + std::string(op);
  return AwsError("AccessDeniedException",
                  "User: " + caller_arn(caller) + " is not authorized to perform: " + action +
                      " on resource: " + k.arn +
                      (explicit_deny ? " with an explicit deny in a resource-based policy"
                                     : " because no resource-based policy allows the " + action + " action"),
                  400);
}

void check_grant_tokens(const Doc& in) {
  const Doc* t = in.get("GrantTokens");
  if (!t || !t->is_list()) return;
  if (t->size() > 10) throw stratus::errors::validation("GrantTokens must contain at most 10 tokens.");
  for (const auto& tok : t->as_list()) {
    auto raw = tok.is_string() ? enc::base64_decode(tok.as_string()) : std::nullopt;
    if (!raw || std::count(raw->begin(), raw->end(), ':') < 2)
      throw errors::invalid_grant_token("Grant token is not valid");
  }
}

// The key an operation names through `member`, or nullptr when it names none that resolves (the
// handler then answers as it does).
std::shared_ptr<const Key> named_key(OpContext& ctx, const Doc& in, std::string_view member, bool allow_alias) {
  std::string ref = in.str(member);
  if (ref.empty()) return nullptr;
  try {
    return state(ctx).resolve(ctx.account(), ctx.region(), ref, allow_alias);
  } catch (const AwsError&) {
    return nullptr;
  }
}

// The key a symmetric ciphertext names: the caller's own, else another account's.
std::shared_ptr<const Key> blob_key(OpContext& ctx, const Doc& in, std::string_view member) {
  std::string b = blob_of(in, member);
  auto parts = blob::parse(b);
  if (!parts) return nullptr;
  State& st = state(ctx);
  try {
    if (auto k = st.store.key(ctx.account(), ctx.region(), parts->key_id)) return k;
    return st.store.locate(parts->key_id);
  } catch (const AwsError&) {
    return nullptr;
  }
}

// Operations whose KeyId member is checked against the operation's own action.
constexpr std::string_view kKeyIdOps[] = {"DescribeKey",
                                          "EnableKey",
                                          "DisableKey",
                                          "UpdateKeyDescription",
                                          "ScheduleKeyDeletion",
                                          "CancelKeyDeletion",
                                          "Encrypt",
                                          "GenerateDataKey",
                                          "GenerateDataKeyWithoutPlaintext",
                                          "GenerateDataKeyPair",
                                          "GenerateDataKeyPairWithoutPlaintext",
                                          "Sign",
                                          "Verify",
                                          "GetPublicKey",
                                          "GenerateMac",
                                          "VerifyMac",
                                          "TagResource",
                                          "UntagResource",
                                          "ListResourceTags",
                                          "GetKeyPolicy",
                                          "PutKeyPolicy",
                                          "ListKeyPolicies",
                                          "CreateGrant",
                                          "ListGrants",
                                          "RevokeGrant",
                                          "EnableKeyRotation",
                                          "DisableKeyRotation",
                                          "GetKeyRotationStatus",
                                          "RotateKeyOnDemand",
                                          "ListKeyRotations"};

void before(OpContext& ctx, std::string_view op, const Doc& in) {
  check_grant_tokens(in);
  if (op == "Decrypt") {
    auto k = in.has("KeyId") ? named_key(ctx, in, "KeyId", true) : blob_key(ctx, in, "CiphertextBlob");
    if (k) authorize(ctx, *k, "Decrypt", context_of(in), &in);
    return;
  }
  if (op == "ReEncrypt") {
    auto from = in.has("SourceKeyId") ? named_key(ctx, in, "SourceKeyId", true) : blob_key(ctx, in, "CiphertextBlob");
    if (from) authorize(ctx, *from, "ReEncryptFrom", context_of(in, "SourceEncryptionContext"), &in);
    if (auto to = named_key(ctx, in, "DestinationKeyId", true))
      authorize(ctx, *to, "ReEncryptTo", context_of(in, "DestinationEncryptionContext"), &in);
    return;
  }
  if (op == "CreateAlias" || op == "UpdateAlias") {
    if (auto k = named_key(ctx, in, "TargetKeyId", false)) authorize(ctx, *k, op, {}, &in);
    return;
  }
  for (std::string_view o : kKeyIdOps)
    if (o == op) {
      if (auto k = named_key(ctx, in, "KeyId", true)) authorize(ctx, *k, op, context_of(in), &in);
      return;
    }
}

}  // namespace

bool grantee_matches(std::string_view grantee, const OpContext::Caller& caller) {
  std::string arn = caller_arn(caller);
  if (grantee == arn || grantee == caller.account || grantee == root_arn(caller.account)) return true;
  // arn:aws:iam::A:role/R covers the sessions arn:aws:sts::A:assumed-role/R/S.
  std::string prefix = "arn:aws:iam::" + caller.account + ":role/";
  std::string session = "arn:aws:sts::" + caller.account + ":assumed-role/";
  if (grantee.starts_with(prefix) && arn.starts_with(session)) {
    std::string_view role = grantee.substr(prefix.size());
    if (auto slash = role.rfind('/'); slash != std::string_view::npos) role = role.substr(slash + 1);
    std::string_view rest = std::string_view(arn).substr(session.size());
    return rest.substr(0, rest.find('/')) == role;
  }
  return false;
}

bool constraints_admit(const Doc& c, const EncryptionContext& ec) {
  if (!c.is_map()) return true;
  if (const Doc* eq = c.get("EncryptionContextEquals"); eq && eq->is_map()) {
    if (eq->size() != ec.size()) return false;
    for (const auto& [k, v] : eq->as_map()) {
      auto it = ec.find(k);
      if (it == ec.end() || !v.is_string() || it->second != v.as_string()) return false;
    }
  }
  if (const Doc* sub = c.get("EncryptionContextSubset"); sub && sub->is_map())
    for (const auto& [k, v] : sub->as_map()) {
      auto it = ec.find(k);
      if (it == ec.end() || !v.is_string() || it->second != v.as_string()) return false;
    }
  return true;
}

void authorize(Store& store, const OpContext::Caller& caller, const Key& k, std::string_view op,
               const EncryptionContext& ec, const Doc* input, std::string_view via_service) {
  // Policies name ReEncryptFrom/To as kms:ReEncryptFrom/To (kms:ReEncrypt* covers both), as grants do.
  auto policy = pol::parse_cached(k.policy, {.principal = pol::PrincipalRule::required});
  if (policy) {
    switch (pol::evaluate(*policy, request_for(caller, k.arn, op, ec, input, via_service))) {
      case pol::Decision::allow:
        return;
      case pol::Decision::explicit_deny:
        throw denied(caller, k, op, true);
      case pol::Decision::implicit_deny:
        break;
    }
  }
  for (const auto& g : store.grants(k.account, k.region, k.id)) {
    if (!grantee_matches(g.grantee, caller)) continue;
    if (std::find(g.operations.begin(), g.operations.end(), op) == g.operations.end()) continue;
    if (constraints_admit(g.constraints, ec)) return;
  }
  throw denied(caller, k, op, false);
}

void authorize(OpContext& ctx, const Key& k, std::string_view op, const EncryptionContext& ec, const Doc* input) {
  authorize(state(ctx).store, ctx.caller, k, op, ec, input);
}

void check_key_policy(OpContext& ctx, const std::string& text, const std::string& key_arn, const Doc& in) {
  auto p = pol::parse(text, {.principal = pol::PrincipalRule::required, .max_bytes = 32768});
  if (!p.ok()) throw errors::malformed_policy_document(p.error.message);
  if (in.flag("BypassPolicyLockoutSafetyCheck")) return;
  if (pol::evaluate(*p.policy, request_for(ctx.caller, key_arn, "PutKeyPolicy", {}, nullptr, {})) !=
      pol::Decision::allow)
    throw errors::malformed_policy_document(
        "The new key policy will not allow you to update the key policy in the future.");
}

void guard_operations(Service& service) {
  for (const std::string& name : service.implemented()) {
    const Service::Entry* e = service.handler(name);
    if (!e || !e->sync) continue;
    Handler h = e->sync;
    service.add(name, [name, h](OpContext& ctx, const Doc& in) {
      before(ctx, name, in);
      return h(ctx, in);
    });
  }
}

}  // namespace stratus::kms
