// CreateAlias, UpdateAlias, DeleteAlias, ListAliases.
#include <mutex>

#include "core/arn.h"
#include "services/kms/errors.h"
#include "services/kms/ops.h"
#include "services/kms/state.h"

namespace stratus::kms {
namespace {

constexpr size_t kAliasesPerKey = 50;

std::string alias_arn(const OpContext& ctx, std::string_view name) {
  return Arn::make("kms", ctx.region(), ctx.account(), name);
}

// A customer alias name: "alias/..." and not under alias/aws/.
std::string customer_alias(const Doc& in) {
  std::string name = in.str("AliasName");
  if (!name.starts_with("alias/") || name.size() == 6)
    throw errors::invalid_alias_name(
        "Alias must start with the prefix \"alias/\". Please see "
        "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
  if (name.starts_with("alias/aws/"))
    throw errors::invalid_alias_name("Alias names that begin with \"alias/aws/\" are reserved for AWS managed keys.");
  return name;
}

// The alias target: a customer managed key, by key id or key ARN, not pending deletion.
std::shared_ptr<const Key> target(OpContext& ctx, const Doc& in) {
  auto k = state(ctx).resolve(ctx.account(), ctx.region(), in.str("TargetKeyId"), false);
  if (k->account != ctx.account() || k->region != ctx.region())
    throw errors::not_found("Key '" + k->arn + "' does not exist");
  require_not_pending(*k);
  require_customer(*k);
  return k;
}

size_t aliases_of(State& st, const OpContext& ctx, const std::string& key_id) {
  size_t n = 0;
  for (const auto& a : st.store.aliases(ctx.account(), ctx.region())) n += a.target == key_id;
  return n;
}

}  // namespace

Doc create_alias(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = customer_alias(in);
  std::lock_guard lk(st.store.writer());
  auto k = target(ctx, in);
  if (st.store.alias(ctx.account(), ctx.region(), name))
    throw errors::already_exists("An alias with the name " + alias_arn(ctx, name) + " already exists");
  if (aliases_of(st, ctx, k->id) >= kAliasesPerKey)
    throw errors::limit_exceeded("Cannot exceed quota for aliases per key: 50");
  st.store.put_alias(ctx.account(), ctx.region(), Alias{name, k->id, ctx.now_ms, ctx.now_ms});
  return Doc::map();
}

Doc update_alias(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = customer_alias(in);
  std::lock_guard lk(st.store.writer());
  auto a = st.store.alias(ctx.account(), ctx.region(), name);
  if (!a) throw errors::not_found("Alias " + alias_arn(ctx, name) + " is not found.");
  auto k = target(ctx, in);
  if (auto old = st.store.key(ctx.account(), ctx.region(), a->target)) {
    if (old->spec != k->spec || old->usage != k->usage)
      throw stratus::errors::validation("Alias " + alias_arn(ctx, name) + " cannot be changed from a key of type " +
                                        old->spec + " (" + old->usage + ") to a key of type " + k->spec + " (" +
                                        k->usage + ").");
  }
  if (a->target != k->id && aliases_of(st, ctx, k->id) >= kAliasesPerKey)
    throw errors::limit_exceeded("Cannot exceed quota for aliases per key: 50");
  a->target = k->id;
  a->updated_ms = ctx.now_ms;
  st.store.put_alias(ctx.account(), ctx.region(), *a);
  return Doc::map();
}

Doc delete_alias(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = customer_alias(in);
  std::lock_guard lk(st.store.writer());
  if (!st.store.alias(ctx.account(), ctx.region(), name))
    throw errors::not_found("Alias " + alias_arn(ctx, name) + " is not found.");
  st.store.del_alias(ctx.account(), ctx.region(), name);
  return Doc::map();
}

Doc list_aliases(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string key_id;
  if (in.has("KeyId")) key_id = st.resolve(ctx.account(), ctx.region(), in.str("KeyId"), false)->id;
  std::vector<Alias> all;
  for (auto& a : st.store.aliases(ctx.account(), ctx.region()))
    if (key_id.empty() || a.target == key_id) all.push_back(std::move(a));
  std::vector<std::string> names;
  for (const auto& a : all) names.push_back(a.name);
  return page(names, in, 50, "Aliases", [&](size_t i) {
    Doc e = Doc::map();
    e.set("AliasName", all[i].name);
    e.set("AliasArn", alias_arn(ctx, all[i].name));
    e.set("TargetKeyId", all[i].target);
    e.set("CreationDate", Timestamp{all[i].created_ms});
    e.set("LastUpdatedDate", Timestamp{all[i].updated_ms});
    return e;
  });
}

}  // namespace stratus::kms
