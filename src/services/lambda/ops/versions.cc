#include "services/lambda/ops.h"

#include "core/ids.h"
#include "services/lambda/state.h"

namespace stratus::lambda::ops {

// Publishes $LATEST as the next version unless the newest version already has this code and
// configuration (AWS then returns that version). Returns the version number.
std::string publish(OpContext& ctx, Doc& rec, const std::string& description) {
  const Doc& latest = *rec.get("config");
  Doc* versions = rec.get("versions");
  int64_t n = rec.integer("next_version", 1);
  if (n > 1) {
    if (const Doc* prev = versions->get(std::to_string(n - 1)); prev && prev->str("CodeSha256") == latest.str("CodeSha256") &&
                                                               prev->str("_config_rev") == latest.str("RevisionId")) {
      return std::to_string(n - 1);
    }
  }
  std::string v = std::to_string(n);
  Doc cfg = latest;
  cfg.set("Version", v);
  cfg.set("FunctionArn", latest.str("FunctionArn") + ":" + v);
  cfg.set("_config_rev", latest.str("RevisionId"));
  if (!description.empty()) cfg.set("Description", description);
  touch(cfg, ctx);
  versions->set(v, cfg);
  rec.set("next_version", n + 1);
  return v;
}

Doc publish_version(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  const Doc& latest = *rec.get("config");
  check_revision(in, latest);
  if (in.has("CodeSha256") && in.str("CodeSha256") != latest.str("CodeSha256"))
    throw errors::invalid_parameter_value("CodeSHA256 (" + in.str("CodeSha256") + ") is different from current CodeSHA256 in $LATEST (" +
                   latest.str("CodeSha256") + "). Please try again with the CodeSHA256 in $LATEST.");
  std::string v = publish(ctx, rec, in.str("Description"));
  state(ctx).save(ctx, ref.name, rec);
  Doc out = public_config(*rec.get("versions")->get(v));
  out.as_map().erase("_config_rev");
  return out;
}

Doc list_versions_by_function(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  std::vector<std::pair<std::string, Doc>> items;
  items.emplace_back(version_sort_key("$LATEST"), public_config(*rec.get("config")));
  for (const auto& [v, cfg] : rec.get("versions")->as_map()) {
    Doc c = public_config(cfg);
    c.as_map().erase("_config_rev");
    items.emplace_back(version_sort_key(v), std::move(c));
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return page(std::move(items), in, "Versions", "NextMarker");
}

// ---- aliases ----

static void check_version(OpContext& ctx, const Doc& rec, const std::string& name, const std::string& v) {
  if (v == "$LATEST") return;
  if (!rec.get("versions")->get(v)) throw not_found_fn(function_arn(ctx, name) + ":" + v);
}

static void check_routing(OpContext& ctx, const Doc& rec, const std::string& name, const Doc& in) {
  const Doc* rc = in.get("RoutingConfig");
  if (!rc || !rc->get("AdditionalVersionWeights")) return;
  for (const auto& [v, w] : rc->get("AdditionalVersionWeights")->as_map()) {
    check_version(ctx, rec, name, v);
    if (w.as_double() < 0 || w.as_double() > 1) throw errors::invalid_parameter_value("Invalid weight " + std::to_string(w.as_double()));
  }
}

Doc create_alias(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  std::string name = in.str("Name");
  std::string arn = function_arn(ctx, ref.name) + ":" + name;
  if (rec.get("aliases")->get(name)) throw errors::resource_conflict("Alias already exists: " + arn);
  check_version(ctx, rec, ref.name, in.str("FunctionVersion"));
  check_routing(ctx, rec, ref.name, in);
  Doc a = Doc::map();
  a.set("AliasArn", arn);
  a.set("Name", name);
  a.set("FunctionVersion", in.str("FunctionVersion"));
  a.set("Description", in.str("Description"));
  if (in.has("RoutingConfig")) a.set("RoutingConfig", *in.get("RoutingConfig"));
  a.set("RevisionId", ids::uuid4());
  rec.get("aliases")->set(name, a);
  state(ctx).save(ctx, ref.name, rec);
  return a;
}

static Doc& must_alias(OpContext& ctx, Doc& rec, const std::string& fn, const std::string& name) {
  Doc* a = rec.get("aliases")->get(name);
  if (!a)
    throw errors::resource_not_found("Alias not found: " + function_arn(ctx, fn) + ":" + name);
  return *a;
}

Doc get_alias(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  return must_alias(ctx, rec, ref.name, in.str("Name"));
}

Doc update_alias(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  Doc& a = must_alias(ctx, rec, ref.name, in.str("Name"));
  check_revision(in, a);
  std::string old_version = a.str("FunctionVersion");
  if (in.has("FunctionVersion")) {
    check_version(ctx, rec, ref.name, in.str("FunctionVersion"));
    a.set("FunctionVersion", in.str("FunctionVersion"));
  }
  if (in.has("Description")) a.set("Description", in.str("Description"));
  if (in.has("RoutingConfig")) {
    check_routing(ctx, rec, ref.name, in);
    a.set("RoutingConfig", *in.get("RoutingConfig"));
  }
  a.set("RevisionId", ids::uuid4());
  Doc out = a;
  state(ctx).save(ctx, ref.name, rec);
  if (const Doc* pc = provisioned_of(rec, in.str("Name")); pc && old_version != out.str("FunctionVersion")) {
    state(ctx).provision_version(ctx, ref.name, old_version, 0);
    state(ctx).provision_version(ctx, ref.name, out.str("FunctionVersion"), static_cast<int>(pc->integer("Requested")));
  }
  return out;
}

Doc delete_alias(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  std::string alias_version;
  if (const Doc* a = rec.get("aliases")->get(in.str("Name"))) alias_version = a->str("FunctionVersion");
  bool had_pc = provisioned_of(rec, in.str("Name")) != nullptr;
  if (Doc* pc = rec.get("provisioned")) pc->as_map().erase(in.str("Name"));
  rec.get("aliases")->as_map().erase(in.str("Name"));
  state(ctx).drop_urls(ctx, rec, in.str("Name"));
  if (Doc* urls = rec.get("urls")) urls->as_map().erase(in.str("Name"));
  if (Doc* ic = rec.get("invoke_config")) ic->as_map().erase(in.str("Name"));
  state(ctx).save(ctx, ref.name, rec);
  if (had_pc) state(ctx).provision_version(ctx, ref.name, alias_version, 0);
  return Doc::map();
}

Doc list_aliases(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  std::string only = in.str("FunctionVersion");
  std::vector<std::pair<std::string, Doc>> items;
  for (const auto& [name, a] : rec.get("aliases")->as_map())
    if (only.empty() || a.str("FunctionVersion") == only) items.emplace_back(name, a);
  return page(std::move(items), in, "Aliases", "NextMarker");
}

}  // namespace stratus::lambda::ops
