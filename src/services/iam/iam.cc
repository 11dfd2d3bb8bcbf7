// AWS Identity and Access Management: roles, managed and inline policies, users and their access
// keys. State is per account (IAM is global: no region). Policy documents are stored as given and
// returned URL-encoded, as IAM's Query API does (SDKs decode them). Enforcement comes later;
// access keys created here already sign requests (they go into the KeyStore).
#include <algorithm>
#include <functional>

#include "auth/keystore.h"
#include "core/arn.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "server/context.h"
#include "services/service.h"
#include "storage/engine.h"

namespace stratus::iam {
namespace {

constexpr std::string_view kKs = "iam";

// Errors as IAM spells them.
AwsError no_such_entity(std::string msg) { return {"NoSuchEntity", std::move(msg), 404}; }
AwsError already_exists(std::string msg) { return {"EntityAlreadyExists", std::move(msg), 409}; }
AwsError delete_conflict(std::string msg) { return {"DeleteConflict", std::move(msg), 409}; }
AwsError malformed_policy(std::string msg) { return {"MalformedPolicyDocument", std::move(msg), 400}; }
AwsError invalid_input(std::string msg) { return {"InvalidInput", std::move(msg), 400}; }

// Unique ids: a 4-letter prefix per entity type (AROA roles, ANPA policies, AIDA users) and 17
// characters from IAM's alphabet.
std::string unique_id(std::string_view prefix) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id(prefix);
  std::string r = ids::random_upper_alnum(17);
  for (char c : r) id += kAlphabet[static_cast<unsigned char>(c) % 32];
  return id;
}

std::string key(const OpContext& ctx, std::string_view kind, std::string_view name) {
  return ctx.account() + "/" + std::string(kind) + "/" + std::string(name);
}

std::optional<Doc> load(OpContext& ctx, std::string_view kind, std::string_view name) {
  std::string v;
  auto st = ctx.storage.get(kKs, key(ctx, kind, name), &v);
  if (st.not_found()) return std::nullopt;
  if (!st.ok()) throw errors::internal("storage: " + st.message);
  return json::parse(v);
}

void store(OpContext& ctx, std::string_view kind, std::string_view name, const Doc& d) {
  auto st = ctx.storage.put(kKs, key(ctx, kind, name), json::write(d));
  if (!st.ok()) throw errors::internal("storage: " + st.message);
}

void erase(OpContext& ctx, std::string_view kind, std::string_view name) {
  auto st = ctx.storage.del(kKs, key(ctx, kind, name));
  if (!st.ok()) throw errors::internal("storage: " + st.message);
}

// Every stored record of a kind, in name order; `within` narrows to names starting with it.
std::vector<std::pair<std::string, Doc>> scan(OpContext& ctx, std::string_view kind, std::string_view within = {}) {
  std::vector<std::pair<std::string, Doc>> out;
  std::string prefix = key(ctx, kind, within);
  size_t cut = key(ctx, kind, "").size();
  for (auto it = ctx.storage.prefix(kKs, prefix); it->valid(); it->next())
    out.emplace_back(std::string(it->key().substr(cut)), json::parse(it->value()));
  return out;
}

// Records keep dates as epoch milliseconds; the wire wants timestamps.
Doc with_dates(Doc d, std::initializer_list<const char*> fields) {
  for (const char* f : fields)
    if (const Doc* v = d.get(f); v && v->is_int()) d.set(f, Timestamp{v->as_int()});
  return d;
}

std::string normalize_path(const Doc& in, OpContext&) {
  std::string path = in.str("Path", "/");
  if (path.empty() || path.front() != '/' || path.back() != '/')
    throw AwsError("ValidationError", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.", 400);
  return path;
}

void check_policy_document(const std::string& doc) {
  Doc d;
  try {
    d = json::parse(doc);
  } catch (const AwsError&) {
    throw malformed_policy("Syntax errors in policy.");
  }
  if (!d.is_map()) throw malformed_policy("Syntax errors in policy.");
  if (!d.has("Statement")) throw malformed_policy("Policy document must contain a Statement.");
}

// Pagination with Marker / MaxItems over a sorted list of records.
template <typename F>
Doc paginate(const std::vector<std::pair<std::string, Doc>>& items, const Doc& in, const char* list_name, F render) {
  int64_t max_items = in.integer("MaxItems", 100);
  std::string marker = in.str("Marker");
  Doc out = Doc::map();
  Doc list = Doc::list();
  size_t i = 0;
  if (!marker.empty()) {
    auto it = std::lower_bound(items.begin(), items.end(), marker,
                               [](const auto& p, const std::string& m) { return p.first < m; });
    i = static_cast<size_t>(it - items.begin());
  }
  for (; i < items.size() && static_cast<int64_t>(list.size()) < max_items; ++i) {
    if (auto r = render(items[i].second)) list.push(std::move(*r));
  }
  out.set(list_name, std::move(list));
  out.set("IsTruncated", i < items.size());
  if (i < items.size()) out.set("Marker", items[i].first);
  return out;
}

bool path_matches(const Doc& rec, const Doc& in) {
  std::string prefix = in.str("PathPrefix", "/");
  return rec.str("Path").rfind(prefix, 0) == 0;
}

// ---- roles ----

Doc role_out(const Doc& rec) {
  Doc r = with_dates(rec, {"CreateDate"});
  r.set("AssumeRolePolicyDocument", enc::uri_encode(rec.str("AssumeRolePolicyDocument")));
  return r;
}

Doc load_role(OpContext& ctx, const std::string& name) {
  auto r = load(ctx, "role", name);
  if (!r) throw no_such_entity("The role with name " + name + " cannot be found.");
  return *r;
}

Result<Doc> create_role(OpContext& ctx, const Doc& in) {
  std::string name = in.str("RoleName");
  std::string path = normalize_path(in, ctx);
  if (load(ctx, "role", name)) return already_exists("Role with name " + name + " already exists.");
  check_policy_document(in.str("AssumeRolePolicyDocument"));
  Doc rec = Doc::map();
  rec.set("Path", path);
  rec.set("RoleName", name);
  rec.set("RoleId", unique_id("AROA"));
  rec.set("Arn", "arn:aws:iam::" + ctx.account() + ":role" + path + name);
  rec.set("CreateDate", ctx.now_ms);
  rec.set("AssumeRolePolicyDocument", in.str("AssumeRolePolicyDocument"));
  rec.set("MaxSessionDuration", in.integer("MaxSessionDuration", 3600));
  if (in.has("Description")) rec.set("Description", in.str("Description"));
  if (const Doc* t = in.get("Tags"); t && t->size()) rec.set("Tags", *t);
  store(ctx, "role", name, rec);
  Doc out = Doc::map();
  out.set("Role", role_out(rec));
  return out;
}

Result<Doc> get_role(OpContext& ctx, const Doc& in) {
  Doc out = Doc::map();
  out.set("Role", role_out(load_role(ctx, in.str("RoleName"))));
  return out;
}

Result<Doc> list_roles(OpContext& ctx, const Doc& in) {
  return paginate(scan(ctx, "role"), in, "Roles", [&](const Doc& r) -> std::optional<Doc> {
    if (!path_matches(r, in)) return std::nullopt;
    return role_out(r);
  });
}

Result<Doc> delete_role(OpContext& ctx, const Doc& in) {
  std::string name = in.str("RoleName");
  load_role(ctx, name);
  if (!scan(ctx, "role-attached", name + "\n").empty())
    return delete_conflict("Cannot delete entity, must detach all policies first.");
  if (!scan(ctx, "role-inline", name + "\n").empty())
    return delete_conflict("Cannot delete entity, must delete policies first.");
  erase(ctx, "role", name);
  return Doc::map();
}

Result<Doc> update_assume_role_policy(OpContext& ctx, const Doc& in) {
  std::string name = in.str("RoleName");
  Doc rec = load_role(ctx, name);
  check_policy_document(in.str("PolicyDocument"));
  rec.set("AssumeRolePolicyDocument", in.str("PolicyDocument"));
  store(ctx, "role", name, rec);
  return Doc::map();
}

Result<Doc> update_role(OpContext& ctx, const Doc& in) {
  std::string name = in.str("RoleName");
  Doc rec = load_role(ctx, name);
  if (in.has("Description")) rec.set("Description", in.str("Description"));
  if (in.has("MaxSessionDuration")) rec.set("MaxSessionDuration", in.integer("MaxSessionDuration"));
  store(ctx, "role", name, rec);
  return Doc::map();
}

// ---- managed policies ----

// AWS managed policies (arn:aws:iam::aws:policy/...) exist in every account; we accept them by
// ARN without keeping their documents.
bool aws_managed(const std::string& arn) { return arn.rfind("arn:aws:iam::aws:policy/", 0) == 0; }

std::string policy_key(const std::string& arn) {
  auto a = Arn::parse(arn);
  return a ? a->resource : arn;  // "policy/path/name"
}

std::optional<Doc> load_policy(OpContext& ctx, const std::string& arn) {
  auto a = Arn::parse(arn);
  if (!a || a->service != "iam" || a->resource.rfind("policy/", 0) != 0)
    throw invalid_input("ARN " + arn + " is not valid.");
  if (a->account != ctx.account()) return std::nullopt;
  return load(ctx, "policy", policy_key(arn));
}

Doc require_policy(OpContext& ctx, const std::string& arn) {
  auto p = load_policy(ctx, arn);
  if (!p) throw no_such_entity("Policy " + arn + " does not exist or is not attachable.");
  return *p;
}

Doc policy_out(const Doc& rec) {
  Doc p = with_dates(rec, {"CreateDate", "UpdateDate"});
  p.as_map().erase("Versions");
  return p;
}

Result<Doc> create_policy(OpContext& ctx, const Doc& in) {
  std::string name = in.str("PolicyName");
  std::string path = normalize_path(in, ctx);
  std::string arn = "arn:aws:iam::" + ctx.account() + ":policy" + path + name;
  if (load(ctx, "policy", policy_key(arn)))
    return already_exists("A policy called " + name + " already exists. Duplicate names are not allowed.");
  check_policy_document(in.str("PolicyDocument"));
  Doc rec = Doc::map();
  rec.set("PolicyName", name);
  rec.set("PolicyId", unique_id("ANPA"));
  rec.set("Arn", arn);
  rec.set("Path", path);
  rec.set("DefaultVersionId", "v1");
  rec.set("AttachmentCount", 0);
  rec.set("PermissionsBoundaryUsageCount", 0);
  rec.set("IsAttachable", true);
  rec.set("CreateDate", ctx.now_ms);
  rec.set("UpdateDate", ctx.now_ms);
  if (in.has("Description")) rec.set("Description", in.str("Description"));
  if (const Doc* t = in.get("Tags"); t && t->size()) rec.set("Tags", *t);
  Doc v = Doc::map();
  v.set("VersionId", "v1");
  v.set("Document", in.str("PolicyDocument"));
  v.set("CreateDate", ctx.now_ms);
  rec["Versions"].push(std::move(v));
  store(ctx, "policy", policy_key(arn), rec);
  Doc out = Doc::map();
  out.set("Policy", policy_out(rec));
  return out;
}

Result<Doc> get_policy(OpContext& ctx, const Doc& in) {
  std::string arn = in.str("PolicyArn");
  auto p = load_policy(ctx, arn);
  if (!p) return no_such_entity("Policy " + arn + " was not found.");
  Doc out = Doc::map();
  out.set("Policy", policy_out(*p));
  return out;
}

Result<Doc> get_policy_version(OpContext& ctx, const Doc& in) {
  std::string arn = in.str("PolicyArn");
  auto p = load_policy(ctx, arn);
  if (!p) return no_such_entity("Policy " + arn + " was not found.");
  std::string vid = in.str("VersionId");
  if (const Doc* versions = p->get("Versions")) {
    for (const auto& v : versions->as_list()) {
      if (v.str("VersionId") != vid) continue;
      Doc pv = with_dates(v, {"CreateDate"});
      pv.set("Document", enc::uri_encode(v.str("Document")));
      pv.set("IsDefaultVersion", p->str("DefaultVersionId") == vid);
      Doc out = Doc::map();
      out.set("PolicyVersion", std::move(pv));
      return out;
    }
  }
  return no_such_entity("Policy " + arn + " version " + vid + " does not exist or is not attachable.");
}

Result<Doc> list_policies(OpContext& ctx, const Doc& in) {
  std::string scope = in.str("Scope", "All");
  bool only_attached = in.flag("OnlyAttached");
  std::vector<std::pair<std::string, Doc>> items;
  if (scope != "AWS") items = scan(ctx, "policy");
  return paginate(items, in, "Policies", [&](const Doc& p) -> std::optional<Doc> {
    if (!path_matches(p, in)) return std::nullopt;
    if (only_attached && p.integer("AttachmentCount") == 0) return std::nullopt;
    return policy_out(p);
  });
}

void count_attachment(OpContext& ctx, const std::string& arn, int delta) {
  if (aws_managed(arn)) return;
  auto p = load_policy(ctx, arn);
  if (!p) return;
  p->set("AttachmentCount", std::max<int64_t>(0, p->integer("AttachmentCount") + delta));
  store(ctx, "policy", policy_key(arn), *p);
}

Result<Doc> delete_policy(OpContext& ctx, const Doc& in) {
  std::string arn = in.str("PolicyArn");
  Doc p = require_policy(ctx, arn);
  if (p.integer("AttachmentCount") > 0) return delete_conflict("Cannot delete a policy attached to entities.");
  erase(ctx, "policy", policy_key(arn));
  return Doc::map();
}

// ---- attachments (roles and users share the shape) ----

std::string policy_name_of(const std::string& arn) { return arn.substr(arn.rfind('/') + 1); }

Result<Doc> attach(OpContext& ctx, const std::string& kind, const std::string& owner, const std::string& arn) {
  if (!aws_managed(arn)) require_policy(ctx, arn);
  std::string k = owner + "\n" + arn;
  if (!load(ctx, kind, k)) {
    Doc rec = Doc::map();
    rec.set("PolicyArn", arn);
    rec.set("PolicyName", policy_name_of(arn));
    store(ctx, kind, k, rec);
    count_attachment(ctx, arn, +1);
  }
  return Doc::map();
}

Result<Doc> detach(OpContext& ctx, const std::string& kind, const std::string& owner, const std::string& arn) {
  std::string k = owner + "\n" + arn;
  if (!load(ctx, kind, k)) return no_such_entity("Policy " + arn + " was not found.");
  erase(ctx, kind, k);
  count_attachment(ctx, arn, -1);
  return Doc::map();
}

Doc list_attached(OpContext& ctx, const std::string& kind, const std::string& owner, const Doc& in) {
  return paginate(scan(ctx, kind, owner + "\n"), in, "AttachedPolicies",
                  [&](const Doc& d) -> std::optional<Doc> {
                    return d;
                  });
}

Result<Doc> attach_role_policy(OpContext& ctx, const Doc& in) {
  load_role(ctx, in.str("RoleName"));
  return attach(ctx, "role-attached", in.str("RoleName"), in.str("PolicyArn"));
}
Result<Doc> detach_role_policy(OpContext& ctx, const Doc& in) {
  load_role(ctx, in.str("RoleName"));
  return detach(ctx, "role-attached", in.str("RoleName"), in.str("PolicyArn"));
}
Result<Doc> list_attached_role_policies(OpContext& ctx, const Doc& in) {
  load_role(ctx, in.str("RoleName"));
  return list_attached(ctx, "role-attached", in.str("RoleName"), in);
}

// ---- inline role policies ----

Result<Doc> put_role_policy(OpContext& ctx, const Doc& in) {
  std::string role = in.str("RoleName");
  load_role(ctx, role);
  check_policy_document(in.str("PolicyDocument"));
  Doc rec = Doc::map();
  rec.set("PolicyName", in.str("PolicyName"));
  rec.set("PolicyDocument", in.str("PolicyDocument"));
  store(ctx, "role-inline", role + "\n" + in.str("PolicyName"), rec);
  return Doc::map();
}

Result<Doc> get_role_policy(OpContext& ctx, const Doc& in) {
  std::string role = in.str("RoleName"), name = in.str("PolicyName");
  load_role(ctx, role);
  auto rec = load(ctx, "role-inline", role + "\n" + name);
  if (!rec) return no_such_entity("The role policy with name " + name + " cannot be found.");
  Doc out = Doc::map();
  out.set("RoleName", role);
  out.set("PolicyName", name);
  out.set("PolicyDocument", enc::uri_encode(rec->str("PolicyDocument")));
  return out;
}

Result<Doc> delete_role_policy(OpContext& ctx, const Doc& in) {
  std::string role = in.str("RoleName"), name = in.str("PolicyName");
  load_role(ctx, role);
  if (!load(ctx, "role-inline", role + "\n" + name))
    return no_such_entity("The role policy with name " + name + " cannot be found.");
  erase(ctx, "role-inline", role + "\n" + name);
  return Doc::map();
}

Result<Doc> list_role_policies(OpContext& ctx, const Doc& in) {
  std::string role = in.str("RoleName");
  load_role(ctx, role);
  return paginate(scan(ctx, "role-inline", role + "\n"), in, "PolicyNames",
                  [](const Doc& d) -> std::optional<Doc> { return Doc(d.str("PolicyName")); });
}

// ---- users and access keys ----

Doc load_user(OpContext& ctx, const std::string& name) {
  auto u = load(ctx, "user", name);
  if (!u) throw no_such_entity("The user with name " + name + " cannot be found.");
  return *u;
}

Result<Doc> create_user(OpContext& ctx, const Doc& in) {
  std::string name = in.str("UserName");
  std::string path = normalize_path(in, ctx);
  if (load(ctx, "user", name)) return already_exists("User with name " + name + " already exists.");
  Doc rec = Doc::map();
  rec.set("Path", path);
  rec.set("UserName", name);
  rec.set("UserId", unique_id("AIDA"));
  rec.set("Arn", "arn:aws:iam::" + ctx.account() + ":user" + path + name);
  rec.set("CreateDate", ctx.now_ms);
  if (const Doc* t = in.get("Tags"); t && t->size()) rec.set("Tags", *t);
  store(ctx, "user", name, rec);
  Doc out = Doc::map();
  out.set("User", with_dates(rec, {"CreateDate"}));
  return out;
}

Result<Doc> get_user(OpContext& ctx, const Doc& in) {
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
  out.set("User", with_dates(load_user(ctx, in.str("UserName")), {"CreateDate"}));
  return out;
}

Result<Doc> list_users(OpContext& ctx, const Doc& in) {
  return paginate(scan(ctx, "user"), in, "Users", [&](const Doc& u) -> std::optional<Doc> {
    if (!path_matches(u, in)) return std::nullopt;
    return with_dates(u, {"CreateDate"});
  });
}

Result<Doc> delete_user(OpContext& ctx, const Doc& in) {
  std::string name = in.str("UserName");
  load_user(ctx, name);
  if (!scan(ctx, "user-attached", name + "\n").empty() || !scan(ctx, "access-key", name + "\n").empty())
    return delete_conflict("Cannot delete entity, must delete access keys and detach all policies first.");
  erase(ctx, "user", name);
  return Doc::map();
}

Result<Doc> attach_user_policy(OpContext& ctx, const Doc& in) {
  load_user(ctx, in.str("UserName"));
  return attach(ctx, "user-attached", in.str("UserName"), in.str("PolicyArn"));
}
Result<Doc> detach_user_policy(OpContext& ctx, const Doc& in) {
  load_user(ctx, in.str("UserName"));
  return detach(ctx, "user-attached", in.str("UserName"), in.str("PolicyArn"));
}
Result<Doc> list_attached_user_policies(OpContext& ctx, const Doc& in) {
  load_user(ctx, in.str("UserName"));
  return list_attached(ctx, "user-attached", in.str("UserName"), in);
}

Result<Doc> create_access_key(OpContext& ctx, const Doc& in) {
  std::string name = in.str("UserName");
  Doc user = load_user(ctx, name);
  if (scan(ctx, "access-key", name + "\n").size() >= 2)
    return AwsError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409);
  auth::Credential cred;
  cred.access_key = "AKIA" + ids::random_upper_alnum(16);
  cred.secret_key = ids::random_base64(30);
  cred.account = ctx.account();
  cred.principal_arn = user.str("Arn");
  cred.user_id = user.str("UserId");
  if (!ctx.server.keys().put(cred)) return errors::internal("could not store the key");
  Doc rec = Doc::map();
  rec.set("UserName", name);
  rec.set("AccessKeyId", cred.access_key);
  rec.set("Status", "Active");
  rec.set("CreateDate", ctx.now_ms);
  store(ctx, "access-key", name + "\n" + cred.access_key, rec);
  Doc key = with_dates(rec, {"CreateDate"});
  key.set("SecretAccessKey", cred.secret_key);
  Doc out = Doc::map();
  out.set("AccessKey", std::move(key));
  return out;
}

Result<Doc> list_access_keys(OpContext& ctx, const Doc& in) {
  std::string name = in.str("UserName");
  load_user(ctx, name);
  return paginate(scan(ctx, "access-key", name + "\n"), in, "AccessKeyMetadata",
                  [](const Doc& d) -> std::optional<Doc> { return with_dates(d, {"CreateDate"}); });
}

Result<Doc> delete_access_key(OpContext& ctx, const Doc& in) {
  std::string name = in.str("UserName"), id = in.str("AccessKeyId");
  load_user(ctx, name);
  if (!load(ctx, "access-key", name + "\n" + id))
    return no_such_entity("The Access Key with id " + id + " cannot be found.");
  erase(ctx, "access-key", name + "\n" + id);
  ctx.server.keys().remove(id);
  return Doc::map();
}

class IamService final : public Service {
 public:
  IamService() : Service("iam") {
    add("CreateRole", create_role);
    add("GetRole", get_role);
    add("ListRoles", list_roles);
    add("DeleteRole", delete_role);
    add("UpdateRole", update_role);
    add("UpdateAssumeRolePolicy", update_assume_role_policy);
    add("CreatePolicy", create_policy);
    add("GetPolicy", get_policy);
    add("GetPolicyVersion", get_policy_version);
    add("ListPolicies", list_policies);
    add("DeletePolicy", delete_policy);
    add("AttachRolePolicy", attach_role_policy);
    add("DetachRolePolicy", detach_role_policy);
    add("ListAttachedRolePolicies", list_attached_role_policies);
    add("PutRolePolicy", put_role_policy);
    add("GetRolePolicy", get_role_policy);
    add("DeleteRolePolicy", delete_role_policy);
    add("ListRolePolicies", list_role_policies);
    add("CreateUser", create_user);
    add("GetUser", get_user);
    add("ListUsers", list_users);
    add("DeleteUser", delete_user);
    add("AttachUserPolicy", attach_user_policy);
    add("DetachUserPolicy", detach_user_policy);
    add("ListAttachedUserPolicies", list_attached_user_policies);
    add("CreateAccessKey", create_access_key);
    add("ListAccessKeys", list_access_keys);
    add("DeleteAccessKey", delete_access_key);
  }
};

}  // namespace

std::unique_ptr<Service> make_service() { return std::make_unique<IamService>(); }

}  // namespace stratus::iam
