// Roles: CreateRole, GetRole, ListRoles, DeleteRole, UpdateRole, UpdateAssumeRolePolicy, their
// attached managed policies and their inline policies.
#include "core/encoding.h"
#include "services/iam/errors.h"
#include "services/iam/ops.h"
#include "services/iam/ops/common.h"

namespace stratus::iam {
Doc role_out(const Doc& rec) {
  Doc r = with_dates(rec, {"CreateDate"});
  r.set("AssumeRolePolicyDocument", enc::uri_encode(rec.str("AssumeRolePolicyDocument")));
  return r;
}

Doc load_role(Store& store, const std::string& name) {
  return load_or_no_such_entity(store, "role", name, "The role with name " + name + " cannot be found.");
}

Doc create_role(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("RoleName");
  Doc rec = new_path_entity(ctx, store, in, {"role", "RoleName", "RoleId", "AROA", "role"},
                            "Role with name " + name + " already exists.");
  check_policy_document(in.str("AssumeRolePolicyDocument"));
  rec.set("AssumeRolePolicyDocument", in.str("AssumeRolePolicyDocument"));
  rec.set("MaxSessionDuration", in.integer("MaxSessionDuration", 3600));
  if (in.has("Description")) rec.set("Description", in.str("Description"));
  if (const Doc* t = in.get("Tags"); t && t->size()) rec.set("Tags", *t);
  store.put("role", name, rec);
  return answer("Role", role_out(rec));
}

Doc get_role(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  return answer("Role", role_out(load_role(store, in.str("RoleName"))));
}

Doc list_roles(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  return paginate(store.scan("role"), in, "Roles", [&](const Doc& r) -> std::optional<Doc> {
    if (!path_matches(r, in)) return std::nullopt;
    return role_out(r);
  });
}

Doc delete_role(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("RoleName");
  load_role(store, name);
  if (!store.scan("role-attached", name + "\n").empty())
    throw errors::delete_conflict("Cannot delete entity, must detach all policies first.");
  if (!store.scan("role-inline", name + "\n").empty())
    throw errors::delete_conflict("Cannot delete entity, must delete policies first.");
  for (const auto& [profile, rec] : store.scan("instance-profile"))
    if (rec.str("RoleName") == name)
      throw errors::delete_conflict("Cannot delete entity, must remove roles from instance profile first.");
  store.erase("role", name);
  return Doc::map();
}

Doc update_assume_role_policy(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("RoleName");
  Doc rec = load_role(store, name);
  check_policy_document(in.str("PolicyDocument"));
  rec.set("AssumeRolePolicyDocument", in.str("PolicyDocument"));
  store.put("role", name, rec);
  return Doc::map();
}

Doc update_role(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("RoleName");
  Doc rec = load_role(store, name);
  if (in.has("Description")) rec.set("Description", in.str("Description"));
  if (in.has("MaxSessionDuration")) rec.set("MaxSessionDuration", in.integer("MaxSessionDuration"));
  store.put("role", name, rec);
  return Doc::map();
}

// ---- attached managed policies ----

const Attachments kRoleAttachments{"role-attached", "RoleName", load_role};

Doc attach_role_policy(OpContext& ctx, const Doc& in) {
  return attach_policy(ctx, in, kRoleAttachments);
}

Doc detach_role_policy(OpContext& ctx, const Doc& in) {
  return detach_policy(ctx, in, kRoleAttachments);
}

Doc list_attached_role_policies(OpContext& ctx, const Doc& in) {
  return list_attached_policies(ctx, in, kRoleAttachments);
}

// ---- inline policies ----

Doc put_role_policy(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string role = in.str("RoleName");
  load_role(store, role);
  check_policy_document(in.str("PolicyDocument"));
  Doc rec = Doc::map();
  rec.set("PolicyName", in.str("PolicyName"));
  rec.set("PolicyDocument", in.str("PolicyDocument"));
  store.put("role-inline", role + "\n" + in.str("PolicyName"), rec);
  return Doc::map();
}

Doc get_role_policy(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string role = in.str("RoleName"), name = in.str("PolicyName");
  load_role(store, role);
  auto rec = store.load("role-inline", role + "\n" + name);
  if (!rec) throw errors::no_such_entity("The role policy with name " + name + " cannot be found.");
  Doc out = Doc::map();
  out.set("RoleName", role);
  out.set("PolicyName", name);
  out.set("PolicyDocument", enc::uri_encode(rec->str("PolicyDocument")));
  return out;
}

Doc delete_role_policy(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string role = in.str("RoleName"), name = in.str("PolicyName");
  load_role(store, role);
  if (!store.load("role-inline", role + "\n" + name))
    throw errors::no_such_entity("The role policy with name " + name + " cannot be found.");
  store.erase("role-inline", role + "\n" + name);
  return Doc::map();
}

Doc list_role_policies(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string role = in.str("RoleName");
  load_role(store, role);
  return paginate(store.scan("role-inline", role + "\n"), in, "PolicyNames",
                  [](const Doc& d) -> std::optional<Doc> { return Doc(d.str("PolicyName")); });
}

}  // namespace stratus::iam
