// AddPermission, RemovePermission (statements of the topic's Policy attribute), and the topic's
// data protection policy.
#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "core/json.h"
#include "core/permission.h"
#include "services/sns/ops.h"
#include "services/sns/ops/common.h"
#include "services/sns/state.h"

namespace stratus::sns {
namespace {

// The topic's policy document (the default one until set). REQUIRES(store mutex)
Doc policy_of(const Topic& t) {
  auto it = t.attributes.find("Policy");
  auto d = parse_json(it == t.attributes.end() ? default_policy(t) : it->second);
  if (d && d->is_map()) return std::move(*d);
  return json::parse(default_policy(t));
}

}  // namespace

Doc add_permission(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::string label = in.str("Label");
  if (label.empty()) throw invalid_parameter("Label");
  std::unique_lock lk(store.mutex());
  auto t = topic_for(ctx, store, in);
  Doc policy = policy_of(*t);
  Doc& stmts = policy["Statement"];
  if (!stmts.is_list()) stmts = Doc::list();
  for (const auto& st : stmts.as_list())
    if (st.str("Sid") == label) throw invalid_parameter("Statement already exists");
  const Doc* accounts = in.get("AWSAccountId");
  const Doc* actions = in.get("ActionName");
  if (!accounts || !accounts->is_list() || accounts->as_list().empty()) throw invalid_parameter("AWSAccountId");
  if (!actions || !actions->is_list() || actions->as_list().empty()) throw invalid_parameter("ActionName");
  Doc st = permission_statement(label, accounts, actions, "SNS", t->arn);
  stmts.push(std::move(st));
  t->attributes["Policy"] = json::write(policy);
  store.save(*t);
  return Doc::map();
}

Doc remove_permission(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::string label = in.str("Label");
  std::unique_lock lk(store.mutex());
  auto t = topic_for(ctx, store, in);
  Doc policy = policy_of(*t);
  if (Doc* stmts = policy.get("Statement"); stmts && stmts->is_list()) {
    auto& l = stmts->as_list();
    l.erase(std::remove_if(l.begin(), l.end(), [&](const Doc& st) { return st.str("Sid") == label; }), l.end());
  }
  t->attributes["Policy"] = json::write(policy);
  store.save(*t);
  return Doc::map();
}

Doc get_data_protection_policy(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::shared_lock lk(store.mutex());
  auto t = topic_for(ctx, store, in, "ResourceArn");
  Doc out = Doc::map();
  auto it = t->attributes.find("DataProtectionPolicy");
  out.set("DataProtectionPolicy", it == t->attributes.end() ? std::string() : it->second);
  return out;
}

Doc put_data_protection_policy(OpContext& ctx, const Doc& in) {
  Store& store = state(ctx).store;
  std::string policy = in.str("DataProtectionPolicy");
  check_data_protection_policy(policy);
  std::unique_lock lk(store.mutex());
  auto t = topic_for(ctx, store, in, "ResourceArn");
  t->attributes["DataProtectionPolicy"] = policy;
  store.save(*t);
  return Doc::map();
}

}  // namespace stratus::sns
