// CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, UpdateKeyDescription,
// ScheduleKeyDeletion, CancelKeyDeletion.
#include <mutex>

#include "core/json.h"
#include "services/kms/access.h"
#include "services/kms/crypto.h"
#include "services/kms/errors.h"
#include "services/kms/ops.h"
#include "services/kms/state.h"

namespace stratus::kms {
namespace {

// The usages a key spec allows (the first is the default when KeyUsage is omitted; "" = none).
bool usage_allowed(std::string_view spec, std::string_view usage) {
  if (crypto::is_symmetric(spec)) return usage == "ENCRYPT_DECRYPT";
  if (crypto::is_hmac(spec)) return usage == "GENERATE_VERIFY_MAC";
  if (crypto::is_rsa(spec)) return usage == "ENCRYPT_DECRYPT" || usage == "SIGN_VERIFY";
  if (spec == "ECC_SECG_P256K1") return usage == "SIGN_VERIFY";
  if (crypto::is_ecc(spec)) return usage == "SIGN_VERIFY";
  return false;
}

Doc wrap(const Key& k) {
  Doc out = Doc::map();
  out.set("KeyMetadata", metadata(k));
  return out;
}

}  // namespace

void check_policy(const std::string& policy) {
  Doc d;
  try {
    d = json::parse(policy);
  } catch (const AwsError&) {
    throw errors::malformed_policy_document(
        "The new key policy will not allow you to update the key policy in the future.");
  }
  if (!d.is_map())
    throw errors::malformed_policy_document(
        "The new key policy will not allow you to update the key policy in the future.");
}

Doc create_key(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  if (in.has("KeySpec") && in.has("CustomerMasterKeySpec"))
    throw stratus::errors::validation(
        "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is "
        "deprecated.");
  std::string spec = in.str("KeySpec", in.str("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"));
  if (!crypto::is_symmetric(spec) && !crypto::is_hmac(spec) && !crypto::is_rsa(spec) && !crypto::is_ecc(spec))
    throw errors::unsupported_operation("KeySpec " + spec + " is not supported by Stratus.");
  std::string origin = in.str("Origin", "AWS_KMS");
  if (origin != "AWS_KMS")
    throw errors::unsupported_operation("Origin " + origin +
                                        " is not supported by Stratus (imported key material and custom key stores).");
  if (in.has("CustomKeyStoreId") || in.has("XksKeyId"))
    throw errors::unsupported_operation("Custom key stores are not supported by Stratus.");
  std::string usage = in.str("KeyUsage");
  if (usage.empty()) {
    if (!crypto::is_symmetric(spec))
      throw stratus::errors::validation(
          "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
    usage = "ENCRYPT_DECRYPT";
  }
  if (usage == "KEY_AGREEMENT")
    throw errors::unsupported_operation("KeyUsage KEY_AGREEMENT is not supported by Stratus.");
  if (!usage_allowed(spec, usage))
    throw stratus::errors::validation("KeyUsage " + usage + " is not compatible with KeySpec " + spec);
  bool multi = in.flag("MultiRegion");
  Key k = st.new_key(ctx.account(), ctx.region(), spec, usage, multi, ctx.now_ms);
  k.description = in.str("Description");
  if (in.has("Policy")) {
    check_policy(in.str("Policy"));
    check_key_policy(ctx, in.str("Policy"), k.arn, in);
    k.policy = in.str("Policy");
  }
  if (const Doc* tags = in.get("Tags"); tags && tags->is_list()) {
    for (const auto& t : tags->as_list()) {
      std::string tk = t.str("TagKey"), tv = t.str("TagValue");
      if (tk.starts_with("aws:")) throw errors::tag("Tags beginning with aws: are reserved");
      bool found = false;
      for (auto& [ek, ev] : k.tags)
        if (ek == tk) ev = tv, found = true;
      if (!found) k.tags.emplace_back(tk, tv);
    }
    if (k.tags.size() > 50) throw errors::tag("Cannot exceed quota for tags per resource: 50");
  }
  std::lock_guard lk(st.store.writer());
  st.store.put(k);
  return wrap(k);
}

Doc describe_key(OpContext& ctx, const Doc& in) {
  return wrap(*state(ctx).resolve(ctx.account(), ctx.region(), in.str("KeyId")));
}

Doc list_keys(OpContext& ctx, const Doc& in) {
  auto keys = state(ctx).store.keys(ctx.account(), ctx.region());
  std::vector<std::string> ids;
  for (const auto& k : keys) ids.push_back(k->id);
  return page(ids, in, 100, "Keys", [&](size_t i) {
    Doc e = Doc::map();
    e.set("KeyId", keys[i]->id);
    e.set("KeyArn", keys[i]->arn);
    return e;
  });
}

Doc enable_key(OpContext& ctx, const Doc& in) {
  return change_customer_key(ctx, in, [](Key& k) { k.state = "Enabled"; });
}

Doc disable_key(OpContext& ctx, const Doc& in) {
  return change_customer_key(ctx, in, [](Key& k) { k.state = "Disabled"; });
}

Doc update_key_description(OpContext& ctx, const Doc& in) {
  return change_customer_key(ctx, in, [&](Key& k) { k.description = in.str("Description"); });
}

Doc schedule_key_deletion(OpContext& ctx, const Doc& in) {
  int64_t days = in.integer("PendingWindowInDays", 30);
  if (days < 7 || days > 30)
    throw stratus::errors::validation(
        "1 validation error detected: Value '" + std::to_string(days) +
        "' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value " +
        (days < 7 ? "greater than or equal to 7" : "less than or equal to 30"));
  int64_t day_ms = state(ctx).day_ms;
  Key k = modify_key(
      ctx, in.str("KeyId"),
      [&](Key& k) {
        require_not_pending(k);
        require_customer(k);
        k.state = "PendingDeletion";
        k.pending_window = days;
        k.deletion_ms = ctx.now_ms + days * day_ms;
      },
      false);
  Doc out = Doc::map();
  out.set("KeyId", k.arn);
  out.set("DeletionDate", Timestamp{k.deletion_ms});
  out.set("KeyState", k.state);
  out.set("PendingWindowInDays", days);
  return out;
}

Doc cancel_key_deletion(OpContext& ctx, const Doc& in) {
  Key k = modify_key(
      ctx, in.str("KeyId"),
      [](Key& k) {
        if (k.state != "PendingDeletion") throw errors::kms_invalid_state(k.arn + " is not pending deletion.");
        k.state = "Disabled";
        k.deletion_ms = 0;
        k.pending_window = 0;
      },
      false);
  Doc out = Doc::map();
  out.set("KeyId", k.arn);
  return out;
}

}  // namespace stratus::kms
