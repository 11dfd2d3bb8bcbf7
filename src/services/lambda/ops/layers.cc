// Lambda layers' operations: PublishLayerVersion, Get/List/Delete and the layer version resource
// policy. The layer store and the check of a function's Layers list are in layers.h.
#include "services/lambda/ops.h"

#include "core/arn.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/paging.h"
#include "services/lambda/code.h"
#include "services/lambda/layers.h"
#include "services/lambda/state.h"
#include "storage/keys.h"

namespace stratus::lambda::ops {

static AwsError no_resource() { return errors::resource_not_found("The resource you requested does not exist."); }

static bool matches(const Doc& v, const Doc& in) {
  auto has = [&](const char* list, const char* want) {
    if (!in.has(want)) return true;
    const Doc* l = v.get(list);
    if (!l) return false;
    for (const auto& x : l->as_list())
      if (x.as_string() == in.str(want)) return true;
    return false;
  };
  return has("CompatibleRuntimes", "CompatibleRuntime") && has("CompatibleArchitectures", "CompatibleArchitecture");
}

// The LayerVersionsListItem members of a stored version.
static Doc list_item(const Doc& v) {
  Doc out = Doc::map();
  for (const char* k : {"LayerVersionArn", "Version", "Description", "CreatedDate", "CompatibleRuntimes", "LicenseInfo",
                        "CompatibleArchitectures"})
    if (const Doc* x = v.get(k)) out.set(k, *x);
  return out;
}

Doc publish_layer_version(OpContext& ctx, const Doc& in) {
  Layers& layers = state(ctx).layers();
  LayerRef ref = parse_layer_name(ctx, in.str("LayerName"));
  if (ref.account != ctx.account() || ref.region != ctx.region())
    throw errors::invalid_parameter_value("Layers can only be published in the caller's account and region.");
  const Doc* content = in.get("Content");
  std::optional<std::string> from_s3 = content ? zip_from_s3(ctx, *content) : std::nullopt;
  const Doc* zip = content ? content->get("ZipFile") : nullptr;
  if (!zip && !from_s3) throw errors::invalid_parameter_value("Please provide a source for layer content.");
  if (const Doc* rts = in.get("CompatibleRuntimes"); rts && rts->size() > 15)
    throw errors::invalid_parameter_value("CompatibleRuntimes can contain at most 15 runtimes.");
  std::string error;
  auto code = store_zip(layers.code_root(),
                        from_s3 ? *from_s3 : (zip->is_blob() ? zip->as_blob().bytes : zip->as_string()), &error);
  if (!code) throw errors::invalid_parameter_value(error);

  std::lock_guard lock(layers.mu());
  ref.version = layers.next_version(ctx, ref);

  Doc v = Doc::map();
  Doc out_content = Doc::map();
  out_content.set("CodeSha256", code->sha256_b64);
  out_content.set("CodeSize", code->size);
  v.set("Content", std::move(out_content));
  v.set("LayerArn", ref.layer_arn());
  v.set("LayerVersionArn", ref.version_arn());
  v.set("Description", in.str("Description"));
  v.set("CreatedDate", lambda_timestamp(ctx.now_ms));
  v.set("Version", ref.version);
  for (const char* k : {"CompatibleRuntimes", "CompatibleArchitectures"})
    if (const Doc* x = in.get(k); x && x->size()) v.set(k, *x);
  if (in.has("LicenseInfo")) v.set("LicenseInfo", in.str("LicenseInfo"));
  v.set("_code", code->hex);
  layers.save(ctx, ref, v);
  return layers.present(v);
}

Doc get_layer_version(OpContext& ctx, const Doc& in) {
  Layers& layers = state(ctx).layers();
  return layers.present(layers.must_load(ctx, in).second);
}

Doc get_layer_version_by_arn(OpContext& ctx, const Doc& in) {
  auto ref = parse_layer_version_arn(in.str("Arn"));
  if (!ref) throw errors::invalid_parameter_value("Invalid layer version ARN: " + in.str("Arn"));
  auto v = Layers::load(ctx, *ref);
  if (!v) throw no_resource();
  Layers::check_access(ctx, *ref, *v);
  return state(ctx).layers().present(*v);
}

static int64_t max_items(const Doc& in) { return in.integer("MaxItems", 50); }

Doc list_layers(OpContext& ctx, const Doc& in) {
  paging::After page(max_items(in), in.str("Marker"));
  // Versions are stored in ascending order per name: the last match of each name is its latest.
  std::vector<std::pair<std::string, Doc>> latest;  // name, version
  std::string prefix = storage::scope_prefix(ctx.account(), ctx.region());
  for (auto it = ctx.storage.prefix(Layers::kLayers, prefix); it->valid(); it->next()) {
    std::string k(it->key());
    std::string name = k.substr(prefix.size(), k.find('\0', prefix.size()) - prefix.size());
    if (page.seen(name)) continue;
    Doc v = json::parse(it->value());
    if (!matches(v, in)) continue;
    if (!latest.empty() && latest.back().first == name) latest.back().second = std::move(v);
    else latest.emplace_back(name, std::move(v));
  }
  for (auto& [name, v] : latest) {
    if (page.full()) break;
    Doc item = Doc::map();
    item.set("LayerName", name);
    item.set("LayerArn", v.str("LayerArn"));
    item.set("LatestMatchingVersion", list_item(v));
    page.add(name, std::move(item));
  }
  return page.answer("Layers", "NextMarker");
}

Doc list_layer_versions(OpContext& ctx, const Doc& in) {
  LayerRef ref = parse_layer_name(ctx, in.str("LayerName"));
  int64_t before = in.has("Marker") ? std::atoll(in.str("Marker").c_str()) : 0;
  std::vector<Doc> all;
  for (auto it = ctx.storage.prefix(Layers::kLayers, ref.prefix()); it->valid(); it->next()) {
    Doc v = json::parse(it->value());
    if (before && v.integer("Version") >= before) continue;
    if (ref.account != ctx.account()) {
      LayerRef r = ref;
      r.version = v.integer("Version");
      try {
        Layers::check_access(ctx, r, v);
      } catch (const AwsError&) {
        continue;
      }
    }
    if (matches(v, in)) all.push_back(std::move(v));
  }
  paging::After page(max_items(in));  // the marker is the last version returned (listed newest first)
  for (auto it = all.rbegin(); it != all.rend(); ++it) {  // newest first, as Lambda lists them
    if (page.full()) break;
    page.add(std::to_string(it->integer("Version")), list_item(*it));
  }
  return page.answer("LayerVersions", "NextMarker");
}

Doc delete_layer_version(OpContext& ctx, const Doc& in) {
  LayerRef ref = parse_layer_name(ctx, in.str("LayerName"));
  ref.version = in.integer("VersionNumber");
  if (ref.account != ctx.account()) return Doc::map();
  std::lock_guard lock(state(ctx).layers().mu());
  ctx.storage.del(Layers::kLayers, ref.key());  // idempotent, as on AWS; functions keep their copy
  return Doc::map();
}

static void check_policy_revision(const Doc& in, const Doc& v) {
  if (in.has("RevisionId") && in.str("RevisionId") != v.str("policy_rev"))
    throw errors::precondition_failed("The Revision Id provided does not match the latest Revision Id. Call the "
                   "GetLayerVersionPolicy API to retrieve the latest Revision Id");
}

Doc add_layer_version_permission(OpContext& ctx, const Doc& in) {
  std::lock_guard lock(state(ctx).layers().mu());
  auto [ref, v] = state(ctx).layers().must_load(ctx, in);
  if (ref.account != ctx.account()) throw no_resource();
  check_policy_revision(in, v);
  std::string sid = in.str("StatementId");
  if (in.str("Action") != "lambda:GetLayerVersion")
    throw errors::invalid_parameter_value("The provided action (" + in.str("Action") + ") is not supported. Supported action: "
                     "lambda:GetLayerVersion");
  Doc& policy = v["policy"];
  Doc st = new_statement(policy, sid);
  std::string p = in.str("Principal");
  if (p == "*") {
    st.set("Principal", "*");
  } else {
    Doc pr = Doc::map();
    pr.set("AWS", p.size() == 12 ? root_arn(p) : p);
    st.set("Principal", std::move(pr));
  }
  st.set("Action", "lambda:GetLayerVersion");
  st.set("Resource", ref.version_arn());
  if (in.has("OrganizationId")) {
    Doc eq = Doc::map();
    eq.set("aws:PrincipalOrgID", in.str("OrganizationId"));
    Doc cond = Doc::map();
    cond.set("StringEquals", std::move(eq));
    st.set("Condition", std::move(cond));
  }
  policy.push(st);
  v.set("policy_rev", ids::uuid4());
  Layers::save(ctx, ref, v);
  Doc out = Doc::map();
  out.set("Statement", json::write(st));
  out.set("RevisionId", v.str("policy_rev"));
  return out;
}

Doc remove_layer_version_permission(OpContext& ctx, const Doc& in) {
  std::lock_guard lock(state(ctx).layers().mu());
  auto [ref, v] = state(ctx).layers().must_load(ctx, in);
  if (ref.account != ctx.account()) throw no_resource();
  check_policy_revision(in, v);
  std::string sid = in.str("StatementId");
  remove_statement(v.get("policy"), sid);
  v.set("policy_rev", ids::uuid4());
  Layers::save(ctx, ref, v);
  return Doc::map();
}

Doc get_layer_version_policy(OpContext& ctx, const Doc& in) {
  auto [ref, v] = state(ctx).layers().must_load(ctx, in);
  const Doc* policy = v.get("policy");
  if (!policy || !policy->size())
    throw errors::resource_not_found("No policy is associated with the given resource.");
  return policy_answer(*policy, v.str("policy_rev"));
}

}  // namespace stratus::lambda::ops
