// Managed policies (CreatePolicy, GetPolicy, ListPolicies, DeletePolicy), their versions
// (Create/Get/List/DeletePolicyVersion, SetDefaultPolicyVersion) and their attachments to roles
// and users.
#include <algorithm>
#include <cstdlib>

#include "core/arn.h"
#include "core/encoding.h"
#include "core/lookup.h"
#include "services/iam/errors.h"
#include "services/iam/ops.h"
#include "services/iam/ops/common.h"

namespace stratus::iam {
namespace {

// AWS managed policies (arn:aws:iam::aws:policy/...) exist in every account; we accept them by
// ARN without keeping their documents.
bool aws_managed(const std::string& arn) { return arn.rfind("arn:aws:iam::aws:policy/", 0) == 0; }

std::string policy_key(const std::string& arn) {
  auto a = Arn::parse(arn);
  return a ? a->resource : arn;  // "policy/path/name"
}

std::optional<Doc> load_policy(Store& store, const std::string& arn) {
  auto a = Arn::parse(arn);
  if (!a || a->service != "iam" || a->resource.rfind("policy/", 0) != 0)
    throw errors::invalid_input("ARN " + arn + " is not valid.");
  if (a->account != store.account()) return std::nullopt;
  return store.load("policy", policy_key(arn));
}

Doc require_policy(Store& store, const std::string& arn) {
  return found_or(load_policy(store, arn),
                  [&] { return errors::no_such_entity("Policy " + arn + " does not exist or is not attachable."); });
}

// GetPolicy's and GetPolicyVersion's NoSuchEntity text.
Doc existing_policy(Store& store, const std::string& arn) {
  return found_or(load_policy(store, arn), [&] { return errors::no_such_entity("Policy " + arn + " was not found."); });
}

Doc policy_out(const Doc& rec) {
  Doc p = with_dates(rec, {"CreateDate", "UpdateDate"});
  p.as_map().erase("Versions");
  return p;
}

void count_attachment(Store& store, const std::string& arn, int delta) {
  if (aws_managed(arn)) return;
  auto p = load_policy(store, arn);
  if (!p) return;
  p->set("AttachmentCount", std::max<int64_t>(0, p->integer("AttachmentCount") + delta));
  store.put("policy", policy_key(arn), *p);
}

std::string policy_name_of(const std::string& arn) { return arn.substr(arn.rfind('/') + 1); }

// A managed policy keeps at most five versions (IAM quotas); ids are never reused: "VersionCounter"
// counts every version ever created (records written before it existed count their highest id).
constexpr size_t kMaxPolicyVersions = 5;

// "v12" -> 12 (ids are "v" and a number: CreatePolicy and CreatePolicyVersion make them).
int64_t version_number(const Doc& v) {
  return std::atoll(v.str("VersionId").c_str() + 1);
}

int64_t highest_version(const Doc& p) {
  int64_t n = p.integer("VersionCounter");
  if (const Doc* versions = p.get("Versions"))
    for (const auto& v : versions->as_list()) n = std::max(n, version_number(v));
  return n;
}

DocList& versions_of(Doc& p) {
  if (!p.get("Versions")) p.set("Versions", Doc::list());
  return p.get("Versions")->as_list();
}

// The version `vid` of policy `arn`, or NoSuchEntity with the text GetPolicyVersion answers.
Doc& require_version(Doc& p, const std::string& arn, const std::string& vid) {
  for (auto& v : versions_of(p))
    if (v.str("VersionId") == vid) return v;
  throw errors::no_such_entity("Policy " + arn + " version " + vid + " does not exist or is not attachable.");
}

Doc version_out(const Doc& p, const Doc& v, bool with_document) {
  Doc pv = with_dates(v, {"CreateDate"});
  if (with_document)
    pv.set("Document", enc::uri_encode(v.str("Document")));
  else
    pv.as_map().erase("Document");
  pv.set("IsDefaultVersion", p.str("DefaultVersionId") == v.str("VersionId"));
  return pv;
}

}  // namespace

Doc create_policy(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string name = in.str("PolicyName");
  std::string path = normalize_path(in);
  std::string arn = Arn::make("iam", "", ctx.account(), "policy" + path + name);
  if (store.load("policy", policy_key(arn)))
    throw errors::entity_already_exists("A policy called " + name + " already exists. Duplicate names are not allowed.");
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
  store.put("policy", policy_key(arn), rec);
  return answer("Policy", policy_out(rec));
}

Doc get_policy(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string arn = in.str("PolicyArn");
  Doc p = existing_policy(store, arn);
  return answer("Policy", policy_out(p));
}

Doc get_policy_version(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string arn = in.str("PolicyArn");
  Doc p = existing_policy(store, arn);
  return answer("PolicyVersion", version_out(p, require_version(p, arn, in.str("VersionId")), true));
}

Doc create_policy_version(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string arn = in.str("PolicyArn");
  Doc p = require_policy(store, arn);
  check_policy_document(in.str("PolicyDocument"));
  DocList& versions = versions_of(p);
  if (versions.size() >= kMaxPolicyVersions)
    throw errors::limit_exceeded(
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing "
        "version.");
  int64_t n = highest_version(p) + 1;
  std::string vid = "v" + std::to_string(n);
  Doc v = Doc::map();
  v.set("VersionId", vid);
  v.set("Document", in.str("PolicyDocument"));
  v.set("CreateDate", ctx.now_ms);
  versions.push_back(v);
  p.set("VersionCounter", n);
  if (in.flag("SetAsDefault")) {
    p.set("DefaultVersionId", vid);
    p.set("UpdateDate", ctx.now_ms);
  }
  store.put("policy", policy_key(arn), p);
  return answer("PolicyVersion", version_out(p, v, false));
}

Doc list_policy_versions(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string arn = in.str("PolicyArn");
  Doc p = existing_policy(store, arn);
  // Newest first, as IAM lists them: the paging keys (fixed width, so they sort as numbers) count down.
  std::vector<std::pair<std::string, Doc>> items;
  for (const Doc& v : versions_of(p)) {
    std::string key = std::to_string(INT64_MAX - version_number(v));
    items.emplace_back(std::string(20 - key.size(), '0') + key, version_out(p, v, false));
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return paginate(items, in, "Versions", [](const Doc& v) -> std::optional<Doc> { return v; });
}

Doc delete_policy_version(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string arn = in.str("PolicyArn");
  Doc p = require_policy(store, arn);
  std::string vid = in.str("VersionId");
  require_version(p, arn, vid);
  if (p.str("DefaultVersionId") == vid) throw errors::delete_conflict("Cannot delete the default version of a policy.");
  DocList& versions = versions_of(p);
  std::erase_if(versions, [&](const Doc& v) { return v.str("VersionId") == vid; });
  store.put("policy", policy_key(arn), p);
  return Doc::map();
}

Doc set_default_policy_version(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string arn = in.str("PolicyArn");
  Doc p = require_policy(store, arn);
  std::string vid = in.str("VersionId");
  require_version(p, arn, vid);
  p.set("DefaultVersionId", vid);
  p.set("UpdateDate", ctx.now_ms);
  store.put("policy", policy_key(arn), p);
  return Doc::map();
}

Doc list_policies(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string scope = in.str("Scope", "All");
  bool only_attached = in.flag("OnlyAttached");
  std::vector<std::pair<std::string, Doc>> items;
  if (scope != "AWS") items = store.scan("policy");
  return paginate(items, in, "Policies", [&](const Doc& p) -> std::optional<Doc> {
    if (!path_matches(p, in)) return std::nullopt;
    if (only_attached && p.integer("AttachmentCount") == 0) return std::nullopt;
    return policy_out(p);
  });
}

Doc delete_policy(OpContext& ctx, const Doc& in) {
  Store store = store_of(ctx);
  std::string arn = in.str("PolicyArn");
  Doc p = require_policy(store, arn);
  if (p.integer("AttachmentCount") > 0) throw errors::delete_conflict("Cannot delete a policy attached to entities.");
  if (const Doc* versions = p.get("Versions"); versions && versions->size() > 1)
    throw errors::delete_conflict(
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The "
        "default version is deleted with the policy.");
  store.erase("policy", policy_key(arn));
  return Doc::map();
}

// ---- attachments (roles and users share the shape) ----

void attach(Store& store, const std::string& kind, const std::string& owner, const std::string& arn) {
  if (!aws_managed(arn)) require_policy(store, arn);
  std::string k = owner + "\n" + arn;
  if (!store.load(kind, k)) {
    Doc rec = Doc::map();
    rec.set("PolicyArn", arn);
    rec.set("PolicyName", policy_name_of(arn));
    store.put(kind, k, rec);
    count_attachment(store, arn, +1);
  }
}

void detach(Store& store, const std::string& kind, const std::string& owner, const std::string& arn) {
  std::string k = owner + "\n" + arn;
  if (!store.load(kind, k)) throw errors::no_such_entity("Policy " + arn + " was not found.");
  store.erase(kind, k);
  count_attachment(store, arn, -1);
}

Doc list_attached(Store& store, const std::string& kind, const std::string& owner, const Doc& in) {
  return paginate(store.scan(kind, owner + "\n"), in, "AttachedPolicies",
                  [&](const Doc& d) -> std::optional<Doc> {
                    return d;
                  });
}

Doc attach_policy(OpContext& ctx, const Doc& in, const Attachments& a) {
  Store store = store_of(ctx);
  a.load(store, in.str(a.name_member));
  attach(store, a.kind, in.str(a.name_member), in.str("PolicyArn"));
  return Doc::map();
}

Doc detach_policy(OpContext& ctx, const Doc& in, const Attachments& a) {
  Store store = store_of(ctx);
  a.load(store, in.str(a.name_member));
  detach(store, a.kind, in.str(a.name_member), in.str("PolicyArn"));
  return Doc::map();
}

Doc list_attached_policies(OpContext& ctx, const Doc& in, const Attachments& a) {
  Store store = store_of(ctx);
  a.load(store, in.str(a.name_member));
  return list_attached(store, a.kind, in.str(a.name_member), in);
}

}  // namespace stratus::iam
