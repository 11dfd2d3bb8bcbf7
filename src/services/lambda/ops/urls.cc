#include "services/lambda/ops.h"

#include "server/context.h"
#include "services/lambda/code.h"
#include "services/lambda/state.h"
#include "services/lambda/urls.h"

namespace stratus::lambda::ops {

// ---- function URLs (configurations here; the HTTP side in urls.cc) ----

static std::string url_time(int64_t ms) {
  std::string s = lambda_timestamp(ms);  // 2026-01-02T03:04:05.678+0000
  return s.substr(0, 23) + "000Z";
}

static Doc url_out(const Doc& u, bool with_modified) {
  Doc out = Doc::map();
  for (const char* k : {"FunctionUrl", "FunctionArn", "AuthType", "Cors", "CreationTime", "InvokeMode"})
    if (const Doc* v = u.get(k)) out.set(k, *v);
  if (with_modified) out.set("LastModifiedTime", u.str("LastModifiedTime"));
  return out;
}

static AwsError url_not_found() { return errors::resource_not_found("The resource you requested does not exist."); }

Doc create_function_url_config(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  (void)resolve(ctx, rec, ref.name, ref.qualifier);
  std::string q = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
  std::string arn = function_arn(ctx, ref.name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
  Doc& urls = rec["urls"];
  if (urls.is_null()) urls = Doc::map();
  if (urls.get(q))
    throw errors::resource_conflict("Failed to create function url config for [functionArn = " + arn +
                    "]. Error message:  FunctionUrlConfig exists for this Lambda function");
  std::string id = urls::new_url_id();
  Doc u = Doc::map();
  u.set("FunctionUrl", "http://" + id + ".lambda-url." + ctx.region() + ".localhost:" +
                           std::to_string(ctx.server.config().port) + "/");
  u.set("FunctionArn", arn);
  u.set("AuthType", in.str("AuthType"));
  if (const Doc* c = in.get("Cors")) u.set("Cors", *c);
  u.set("InvokeMode", in.str("InvokeMode", "BUFFERED"));
  u.set("CreationTime", url_time(ctx.now_ms));
  u.set("LastModifiedTime", url_time(ctx.now_ms));
  u.set("_id", id);
  urls.set(q, u);
  state(ctx).functions().put_url(id, {ctx.account(), ctx.region(), ref.name, ref.qualifier});
  state(ctx).save(ctx, ref.name, rec);
  return url_out(u, false);
}

// The function URL of the qualifier `ref` names in the function record; ResourceNotFound when none.
static Doc& existing_url(Doc& rec, const FnRef& ref) {
  Doc* urls = rec.get("urls");
  Doc* u = urls ? urls->get(ref.qualifier.empty() ? "$LATEST" : ref.qualifier) : nullptr;
  if (!u) throw url_not_found();
  return *u;
}

Doc get_function_url_config(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  Doc* u = &existing_url(rec, ref);
  return url_out(*u, true);
}

Doc update_function_url_config(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  Doc* u = &existing_url(rec, ref);
  for (const char* k : {"AuthType", "Cors", "InvokeMode"})
    if (const Doc* v = in.get(k)) u->set(k, *v);
  u->set("LastModifiedTime", url_time(ctx.now_ms));
  Doc out = url_out(*u, true);
  state(ctx).save(ctx, ref.name, rec);
  return out;
}

Doc delete_function_url_config(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  Doc* u = &existing_url(rec, ref);
  state(ctx).functions().del_url(u->str("_id"));
  rec.get("urls")->as_map().erase(ref.qualifier.empty() ? "$LATEST" : ref.qualifier);
  state(ctx).save(ctx, ref.name, rec);
  return Doc::map();
}

Doc list_function_url_configs(OpContext& ctx, const Doc& in) {
  Doc out = list_qualifier_configs(ctx, in, "urls", "FunctionUrlConfigs",
                                   [](const Doc&, const std::string&, const Doc& u) { return url_out(u, true); });
  if (!out.get("FunctionUrlConfigs")) out.set("FunctionUrlConfigs", Doc::list());
  return out;
}

}  // namespace stratus::lambda::ops
