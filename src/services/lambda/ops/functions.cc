#include "services/lambda/ops.h"

#include <regex>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "runtime/manager.h"
#include "services/lambda/code.h"
#include "services/lambda/runtimes.h"
#include "services/lambda/state.h"

namespace stratus::lambda::ops {

static void check_role(const std::string& role) {
  static const std::regex re("arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  if (!std::regex_match(role, re)) {
    throw stratus::errors::validation("1 validation error detected: Value '" + role +
                       "' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                       "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  }
}

// Creating with (or switching to) a runtime whose creation AWS blocks.
static void check_runtime(const std::string& runtime) {
  if (runtime_policy(runtime, now_millis()).create_blocked)
    throw errors::invalid_parameter_value(blocked_runtime_message(runtime));
}

// Updating a function whose runtime AWS no longer lets functions be updated with.
static void check_updatable(const Doc& cfg) {
  std::string runtime = cfg.str("Runtime");
  if (runtime_policy(runtime, now_millis()).update_blocked)
    throw errors::invalid_parameter_value(blocked_runtime_message(runtime));
}

static void apply_code(Doc& cfg, const StoredCode& c) {
  cfg.set("CodeSha256", c.sha256_b64);
  cfg.set("CodeSize", c.size);
  cfg.set("_code", c.hex);
}

// Copies configuration members of a Create/UpdateFunctionConfiguration request.
static void apply_config(Doc& cfg, const Doc& in) {
  for (const char* k : {"Runtime", "Role", "Handler", "Description", "Timeout", "MemorySize", "KMSKeyArn"})
    if (const Doc* v = in.get(k)) cfg.set(k, *v);
  if (const Doc* e = in.get("Environment")) {
    Doc env = Doc::map();
    env.set("Variables", e->get("Variables") ? *e->get("Variables") : Doc::map());
    cfg.set("Environment", std::move(env));
  }
  if (const Doc* t = in.get("TracingConfig")) cfg.set("TracingConfig", *t);
  if (const Doc* d = in.get("DeadLetterConfig")) cfg.set("DeadLetterConfig", *d);
  if (const Doc* e = in.get("EphemeralStorage")) cfg.set("EphemeralStorage", *e);
  if (const Doc* l = in.get("LoggingConfig")) {
    Doc lc = *l;
    if (!lc.has("LogFormat")) lc.set("LogFormat", "Text");
    if (!lc.has("LogGroup")) lc.set("LogGroup", cfg.get("LoggingConfig")->str("LogGroup"));
    cfg.set("LoggingConfig", std::move(lc));
  }
  if (const Doc* v = in.get("VpcConfig")) {
    Doc vc = Doc::map();
    vc.set("SubnetIds", v->get("SubnetIds") ? *v->get("SubnetIds") : Doc::list());
    vc.set("SecurityGroupIds", v->get("SecurityGroupIds") ? *v->get("SecurityGroupIds") : Doc::list());
    vc.set("VpcId", "");
    cfg.set("VpcConfig", std::move(vc));
  }
}

Doc create_function(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::string package = in.str("PackageType", "Zip");
  if (package == "Image")
    throw errors::invalid_parameter_value("Stratus runs functions as host processes, without containers: PackageType Image is not "
                   "supported. Use a Zip package with a python, nodejs or provided runtime.");
  std::string runtime = in.str("Runtime");
  if (runtime.empty() || (in.str("Handler").empty() && runtime.rfind("provided", 0) != 0))
    throw errors::invalid_parameter_value("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
  check_runtime(runtime);
  check_role(in.str("Role"));
  if (!in.get("Code")) throw errors::invalid_parameter_value("Please provide a source for function code.");
  StoredCode code = state(ctx).store_code(ctx, *in.get("Code"));

  std::lock_guard lock(state(ctx).write_mu());
  if (state(ctx).load(ctx, ref.name)) throw errors::resource_conflict("Function already exist: " + ref.name);
  Doc cfg = Doc::map();
  cfg.set("FunctionName", ref.name);
  cfg.set("FunctionArn", function_arn(ctx, ref.name));
  cfg.set("Description", "");
  cfg.set("Timeout", 3);
  cfg.set("MemorySize", 128);
  cfg.set("Handler", in.str("Handler"));
  cfg.set("Version", "$LATEST");
  Doc tracing = Doc::map();
  tracing.set("Mode", "PassThrough");
  cfg.set("TracingConfig", tracing);
  cfg.set("PackageType", "Zip");
  Doc arch = Doc::list();
  arch.push(in.get("Architectures") && in.get("Architectures")->size() ? in.get("Architectures")->as_list()[0]
                                                                          : Doc("x86_64"));
  cfg.set("Architectures", arch);
  Doc eph = Doc::map();
  eph.set("Size", 512);
  cfg.set("EphemeralStorage", eph);
  Doc snap = Doc::map();
  snap.set("ApplyOn", "None");
  snap.set("OptimizationStatus", "Off");
  cfg.set("SnapStart", snap);
  Doc logging = Doc::map();
  logging.set("LogFormat", "Text");
  logging.set("LogGroup", "/aws/lambda/" + ref.name);
  cfg.set("LoggingConfig", logging);
  cfg.set("State", "Active");
  cfg.set("LastUpdateStatus", "Successful");
  apply_config(cfg, in);
  state(ctx).apply_layers(ctx, cfg, in);
  apply_code(cfg, code);
  touch(cfg, ctx);
  Doc rec = Doc::map();
  rec.set("config", cfg);
  rec.set("versions", Doc::map());
  rec.set("aliases", Doc::map());
  rec.set("tags", in.get("Tags") ? *in.get("Tags") : Doc::map());
  rec.set("next_version", 1);
  if (in.flag("Publish")) publish(ctx, rec, "");
  state(ctx).save(ctx, ref.name, rec);
  // AWS answers while the function is still being created; waiters then see Active.
  Doc out = public_config(cfg);
  out.set("State", "Pending");
  out.set("StateReason", "The function is being created.");
  out.set("StateReasonCode", "Creating");
  if (in.flag("Publish")) out = public_config(*rec.get("versions")->get(std::to_string(rec.integer("next_version") - 1)));
  return out;
}

namespace {

// $LATEST of function `name` was changed and saved: its warm environments retire, and the answer
// is its configuration with the update in progress (AWS answers before the update is done).
Doc latest_updated(OpContext& ctx, const std::string& name, const Doc& cfg) {
  state(ctx).manager().retire(pool_prefix(ctx, name) + "$LATEST/");
  Doc out = public_config(cfg);
  out.set("LastUpdateStatus", "InProgress");
  out.set("LastUpdateStatusReason", "The function is being created.");
  out.set("LastUpdateStatusReasonCode", "Creating");
  return out;
}

}  // namespace

Doc update_function_code(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  if (in.has("ImageUri")) throw errors::invalid_parameter_value("Stratus runs functions without containers: ImageUri is not supported.");
  StoredCode code = state(ctx).store_code(ctx, in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  Doc& cfg = *rec.get("config");
  check_revision(in, cfg);
  check_updatable(cfg);
  if (in.flag("DryRun")) {
    Doc out = public_config(cfg);
    out.set("CodeSha256", code.sha256_b64);
    out.set("CodeSize", code.size);
    return out;
  }
  apply_code(cfg, code);
  if (const Doc* a = in.get("Architectures"); a && a->size()) cfg.set("Architectures", *a);
  touch(cfg, ctx);
  if (in.flag("Publish")) publish(ctx, rec, "");
  state(ctx).save(ctx, ref.name, rec);
  return latest_updated(ctx, ref.name, cfg);
}

Doc update_function_configuration(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  if (in.has("Runtime")) check_runtime(in.str("Runtime"));
  if (in.has("Role")) check_role(in.str("Role"));
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  Doc& cfg = *rec.get("config");
  check_revision(in, cfg);
  if (!in.has("Runtime") || in.str("Runtime") == cfg.str("Runtime")) check_updatable(cfg);
  apply_config(cfg, in);
  state(ctx).apply_layers(ctx, cfg, in);
  touch(cfg, ctx);
  state(ctx).save(ctx, ref.name, rec);
  return latest_updated(ctx, ref.name, cfg);
}

Doc delete_function(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  if (!ref.qualifier.empty()) {
    if (ref.qualifier == "$LATEST")
      throw errors::invalid_parameter_value("$LATEST version cannot be deleted without deleting the function.");
    Doc* versions = rec.get("versions");
    if (!versions->get(ref.qualifier)) throw not_found_fn(function_arn(ctx, ref.name) + ":" + ref.qualifier);
    for (const auto& [name, alias] : rec.get("aliases")->as_map()) {
      if (alias.str("FunctionVersion") == ref.qualifier)
        throw errors::resource_conflict("Unable to delete version because the following aliases reference it: [" + name + "]");
    }
    versions->as_map().erase(ref.qualifier);
    if (Doc* ic = rec.get("invoke_config")) ic->as_map().erase(ref.qualifier);
    if (Doc* pc = rec.get("provisioned")) pc->as_map().erase(ref.qualifier);
    state(ctx).save(ctx, ref.name, rec);
    state(ctx).manager().retire(pool_prefix(ctx, ref.name) + ref.qualifier + "/");
    return Doc::map();
  }
  state(ctx).drop_urls(ctx, rec);
  state(ctx).remove(ctx, ref.name);
  state(ctx).manager().retire(pool_prefix(ctx, ref.name));
  return Doc::map();
}

// ---- reads ----

Doc get_function_configuration(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  return public_config(*resolve(ctx, rec, ref.name, ref.qualifier));
}

Doc get_function(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  const Doc& cfg = *resolve(ctx, rec, ref.name, ref.qualifier);
  Doc out = Doc::map();
  out.set("Configuration", public_config(cfg));
  Doc code = Doc::map();
  code.set("RepositoryType", "S3");
  code.set("Location", "http://" + state(ctx).manager().address() + "/code/" + cfg.str("_code") + ".zip");
  out.set("Code", code);
  out.set("Tags", rec.get("tags") ? *rec.get("tags") : Doc::map());
  if (rec.has("concurrency")) {
    Doc c = Doc::map();
    c.set("ReservedConcurrentExecutions", rec.integer("concurrency"));
    out.set("Concurrency", c);
  }
  return out;
}

Doc list_functions(OpContext& ctx, const Doc& in) {
  bool all = in.str("FunctionVersion") == "ALL";
  std::vector<std::pair<std::string, Doc>> items;
  state(ctx).functions().each(ctx.account(), ctx.region(), [&](const Doc& rec) {
    std::string name = rec.get("config")->str("FunctionName");
    items.emplace_back(name + '\0' + version_sort_key("$LATEST"), public_config(*rec.get("config")));
    if (all) {
      for (const auto& [v, cfg] : rec.get("versions")->as_map())
        items.emplace_back(name + '\0' + version_sort_key(v), public_config(cfg));
    }
  });
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return page(std::move(items), in, "Functions", "NextMarker");
}

}  // namespace stratus::lambda::ops
