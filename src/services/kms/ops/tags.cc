// TagResource, UntagResource, ListResourceTags; GetKeyPolicy, PutKeyPolicy, ListKeyPolicies.
#include <algorithm>
#include <mutex>

#include "services/kms/access.h"
#include "services/kms/errors.h"
#include "services/kms/ops.h"
#include "services/kms/state.h"

namespace stratus::kms {
namespace {

constexpr size_t kTagsPerKey = 50;
constexpr size_t kPolicyBytes = 32 * 1024;

void check_policy_name(const Doc& in) {
  if (std::string n = in.str("PolicyName", "default"); n != "default")
    throw errors::not_found("No such policy exists: " + n);
}

}  // namespace

Doc tag_resource(OpContext& ctx, const Doc& in) {
  return change_customer_key(
      ctx, in,
      [&](Key& k) {
        if (const Doc* tags = in.get("Tags"); tags && tags->is_list()) {
          for (const auto& t : tags->as_list()) {
            std::string tk = t.str("TagKey"), tv = t.str("TagValue");
            if (tk.starts_with("aws:")) throw errors::tag("Tags beginning with aws: are reserved");
            auto it = std::find_if(k.tags.begin(), k.tags.end(), [&](const auto& p) { return p.first == tk; });
            if (it != k.tags.end())
              it->second = tv;
            else
              k.tags.emplace_back(tk, tv);
          }
        }
        if (k.tags.size() > kTagsPerKey) throw errors::tag("Cannot exceed quota for tags per resource: 50");
      },
      false);
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  return change_customer_key(
      ctx, in,
      [&](Key& k) {
        if (const Doc* keys = in.get("TagKeys"); keys && keys->is_list())
          for (const auto& key : keys->as_list())
            std::erase_if(k.tags, [&](const auto& p) { return p.first == key.as_string(); });
      },
      false);
}

Doc list_resource_tags(OpContext& ctx, const Doc& in) {
  auto k = state(ctx).resolve(ctx.account(), ctx.region(), in.str("KeyId"), false);
  std::vector<std::string> names;
  for (const auto& [tk, tv] : k->tags) names.push_back(tk);
  return page(names, in, 50, "Tags", [&](size_t i) {
    Doc e = Doc::map();
    e.set("TagKey", k->tags[i].first);
    e.set("TagValue", k->tags[i].second);
    return e;
  });
}

Doc get_key_policy(OpContext& ctx, const Doc& in) {
  check_policy_name(in);
  auto k = state(ctx).resolve(ctx.account(), ctx.region(), in.str("KeyId"), false);
  Doc out = Doc::map();
  out.set("Policy", k->policy);
  out.set("PolicyName", "default");
  return out;
}

Doc put_key_policy(OpContext& ctx, const Doc& in) {
  check_policy_name(in);
  std::string policy = in.str("Policy");
  if (policy.size() > kPolicyBytes) throw errors::limit_exceeded("Policy exceeds the maximum size of 32768 bytes.");
  check_policy(policy);
  modify_key(
      ctx, in.str("KeyId"),
      [&](Key& k) {
        require_customer(k);
        check_key_policy(ctx, policy, k.arn, in);
        k.policy = policy;
      },
      false);
  return Doc::map();
}

Doc list_key_policies(OpContext& ctx, const Doc& in) {
  state(ctx).resolve(ctx.account(), ctx.region(), in.str("KeyId"), false);
  Doc out = Doc::map();
  out.set("PolicyNames", Doc(DocList{Doc("default")}));
  out.set("Truncated", false);
  return out;
}

}  // namespace stratus::kms
