#include "services/lambda/ops.h"

#include "core/arn.h"
#include "services/lambda/destinations.h"
#include "services/lambda/state.h"

namespace stratus::lambda::ops {

// ---- event invoke config (retries, event age and destinations of Event invocations) ----

static Doc invoke_config_out(const Doc& c) {
  Doc out = c;
  if (const Doc* lm = out.get("LastModified"); lm && lm->is_number()) out.set("LastModified", Timestamp{lm->as_int()});
  return out;
}

// Destinations must be queues, topics, buses or other functions.
static void check_destinations(const OpContext& ctx, const Doc& in, const std::string& name) {
  const Doc* dc = in.get("DestinationConfig");
  if (!dc) return;
  for (const char* k : {"OnSuccess", "OnFailure"}) {
    const Doc* d = dc->get(k);
    std::string dest = d ? d->str("Destination") : "";
    if (dest.empty()) continue;
    if (!destination_supported(dest)) throw errors::invalid_parameter_value("The destination ARN " + dest + " is invalid.");
    auto arn = Arn::parse(dest);
    if (arn->service == "lambda" && arn->account == ctx.account() && arn->region == ctx.region()) {
      std::string target = arn->resource.substr(arn->resource.find(':') + 1);
      if (target.substr(0, target.find(':')) == name)
        throw errors::invalid_parameter_value("You can't specify the function as a destination for itself.");
    }
  }
}

static Doc put_invoke_config(OpContext& ctx, const Doc& in, bool replace) {
  FnRef ref = parse_ref(in);
  check_destinations(ctx, in, ref.name);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  (void)resolve(ctx, rec, ref.name, ref.qualifier);
  Doc& all = rec["invoke_config"];
  if (all.is_null()) all = Doc::map();
  std::string q = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
  if (!replace && !all.get(q))
    throw errors::resource_not_found("The function " + qualified_arn(ctx, ref) + " doesn't have an EventInvokeConfig");
  Doc c = replace ? Doc::map() : *all.get(q);
  for (const char* k : {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"})
    if (const Doc* v = in.get(k)) c.set(k, *v);
  Doc dests = c.get("DestinationConfig") ? *c.get("DestinationConfig") : Doc::map();
  if (const Doc* dc = in.get("DestinationConfig")) {
    for (const char* k : {"OnSuccess", "OnFailure"}) {
      if (const Doc* d = dc->get(k)) {
        Doc one = Doc::map();
        if (!d->str("Destination").empty()) one.set("Destination", d->str("Destination"));
        dests.set(k, std::move(one));
      }
    }
  }
  for (const char* k : {"OnSuccess", "OnFailure"})
    if (!dests.get(k)) dests.set(k, Doc::map());
  c.set("DestinationConfig", std::move(dests));
  c.set("FunctionArn", qualified_arn(ctx, ref));
  c.set("LastModified", ctx.now_ms);
  all.set(q, c);
  state(ctx).save(ctx, ref.name, rec);
  return invoke_config_out(c);
}

Doc put_function_event_invoke_config(OpContext& ctx, const Doc& in) { return put_invoke_config(ctx, in, true); }

Doc update_function_event_invoke_config(OpContext& ctx, const Doc& in) {
  return put_invoke_config(ctx, in, false);
}

Doc get_function_event_invoke_config(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  std::string q = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
  const Doc* c = rec.get("invoke_config") ? rec.get("invoke_config")->get(q) : nullptr;
  if (!c)
    throw errors::resource_not_found("The function " + qualified_arn(ctx, ref) + " doesn't have an EventInvokeConfig");
  return invoke_config_out(*c);
}

Doc delete_function_event_invoke_config(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  Doc* all = rec.get("invoke_config");
  std::string q = ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
  if (!all || !all->get(q))
    throw errors::resource_not_found("The function " + qualified_arn(ctx, ref) + " doesn't have an EventInvokeConfig");
  all->as_map().erase(q);
  state(ctx).save(ctx, ref.name, rec);
  return Doc::map();
}

Doc list_function_event_invoke_configs(OpContext& ctx, const Doc& in) {
  return list_qualifier_configs(ctx, in, "invoke_config", "FunctionEventInvokeConfigs",
                                [](const Doc&, const std::string&, const Doc& c) { return invoke_config_out(c); });
}

}  // namespace stratus::lambda::ops
