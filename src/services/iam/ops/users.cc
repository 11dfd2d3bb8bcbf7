// Users: CreateUser, GetUser, ListUsers, DeleteUser, their attached managed policies and their
// access keys (which go into the KeyStore and sign requests at once).
#include "auth/keystore.h"
#include "core/ids.h"
#include "server/context.h"
#include "services/iam/errors.h"
#include "services/iam/ops.h"
#include "services/iam/ops/common.h"

namespace stratus::iam {
namespace {

Doc load_user(Store& store, const std::string& name) {
  return load_or_no_such_entity(store, "user", name, "The user with name " + name + " cannot be found.");
}

}  // namespace

Doc create_user(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("UserName");
  Doc rec = new_path_entity(ctx, store, in, {"user", "UserName", "UserId", "AIDA", "user"},
                            "User with name " + name + " already exists.");
  if (const Doc* t = in.get("Tags"); t && t->size()) rec.set("Tags", *t);
  store.put("user", name, rec);
  return answer("User", with_dates(rec, {"CreateDate"}));
}

Doc get_user(OpContext& ctx, const Doc& in) {
  Doc out = Doc::map();
  if (!in.has("UserName")) {
    // Without a name, GetUser describes the caller.
    Doc u = Doc::map();
    u.set("UserId", ctx.caller.user_id);
    u.set("Arn", ctx.caller.arn);
    u.set("Path", "/");
    u.set("UserName", ctx.caller.arn.substr(ctx.caller.arn.rfind('/') + 1));
    u.set("CreateDate", Timestamp{ctx.server.started_ms()});
    out.set("User", std::move(u));
    return out;
  }
  Store store = store_of(ctx);
  out.set("User", with_dates(load_user(store, in.str("UserName")), {"CreateDate"}));
  return out;
}

Doc list_users(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  return paginate(store.scan("user"), in, "Users", [&](const Doc& u) -> std::optional<Doc> {
    if (!path_matches(u, in)) return std::nullopt;
    return with_dates(u, {"CreateDate"});
  });
}

Doc delete_user(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("UserName");
  load_user(store, name);
  if (!store.scan("user-attached", name + "\n").empty() || !store.scan("access-key", name + "\n").empty())
    throw errors::delete_conflict("Cannot delete entity, must delete access keys and detach all policies first.");
  store.erase("user", name);
  return Doc::map();
}

// ---- attached managed policies ----

const Attachments kUserAttachments{"user-attached", "UserName", load_user};

Doc attach_user_policy(OpContext& ctx, const Doc& in) {
  return attach_policy(ctx, in, kUserAttachments);
}

Doc detach_user_policy(OpContext& ctx, const Doc& in) {
  return detach_policy(ctx, in, kUserAttachments);
}

Doc list_attached_user_policies(OpContext& ctx, const Doc& in) {
  return list_attached_policies(ctx, in, kUserAttachments);
}

// ---- access keys ----

Doc create_access_key(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("UserName");
  Doc user = load_user(store, name);
  if (store.scan("access-key", name + "\n").size() >= 2)
    throw errors::limit_exceeded("Cannot exceed quota for AccessKeysPerUser: 2");
  auth::Credential cred;
  cred.access_key = "AKIA" + ids::random_upper_alnum(16);
  cred.secret_key = ids::random_base64(30);
  cred.account = ctx.account();
  cred.principal_arn = user.str("Arn");
  cred.user_id = user.str("UserId");
  if (!ctx.server.keys().put(cred)) throw stratus::errors::internal("could not store the key");
  Doc rec = Doc::map();
  rec.set("UserName", name);
  rec.set("AccessKeyId", cred.access_key);
  rec.set("Status", "Active");
  rec.set("CreateDate", ctx.now_ms);
  store.put("access-key", name + "\n" + cred.access_key, rec);
  Doc key = with_dates(rec, {"CreateDate"});
  key.set("SecretAccessKey", cred.secret_key);
  return answer("AccessKey", std::move(key));
}

Doc list_access_keys(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("UserName");
  load_user(store, name);
  return paginate(store.scan("access-key", name + "\n"), in, "AccessKeyMetadata",
                  [](const Doc& d) -> std::optional<Doc> { return with_dates(d, {"CreateDate"}); });
}

Doc delete_access_key(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("UserName"), id = in.str("AccessKeyId");
  load_user(store, name);
  if (!store.load("access-key", name + "\n" + id))
    throw errors::no_such_entity("The Access Key with id " + id + " cannot be found.");
  store.erase("access-key", name + "\n" + id);
  ctx.server.keys().remove(id);
  return Doc::map();
}

}  // namespace stratus::iam
