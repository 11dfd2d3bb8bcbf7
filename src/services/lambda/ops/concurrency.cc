#include "services/lambda/ops.h"

#include "core/json.h"
#include "runtime/manager.h"
#include "services/lambda/code.h"
#include "services/lambda/state.h"

namespace stratus::lambda::ops {

constexpr int kAccountConcurrency = 1000;

// Reserved executions of the account and region's functions, except one function's.
static int64_t reserved_total(OpContext& ctx, const std::string& except) {
  int64_t sum = 0;
  state(ctx).functions().each(ctx.account(), ctx.region(), [&](const Doc& rec) {
    if (rec.has("concurrency") && rec.get("config")->str("FunctionName") != except) sum += rec.integer("concurrency");
  });
  return sum;
}

Doc put_function_concurrency(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  int64_t n = in.integer("ReservedConcurrentExecutions");
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  // AWS keeps at least 100 executions unreserved.
  if (reserved_total(ctx, ref.name) + n > kAccountConcurrency - 100)
    throw errors::invalid_parameter_value("Specified ReservedConcurrentExecutions for function decreases account's "
                   "UnreservedConcurrentExecution below its minimum value of [100].");
  rec.set("concurrency", n);
  state(ctx).save(ctx, ref.name, rec);
  return answer("ReservedConcurrentExecutions", n);
}

Doc get_function_concurrency(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  Doc rec = state(ctx).must_load(ctx, ref.name);
  Doc out = Doc::map();
  if (rec.has("concurrency")) out.set("ReservedConcurrentExecutions", rec.integer("concurrency"));
  return out;
}

Doc delete_function_concurrency(OpContext& ctx, const Doc& in) {
  FnRef ref = parse_ref(in);
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec = state(ctx).must_load(ctx, ref.name);
  rec.as_map().erase("concurrency");
  state(ctx).save(ctx, ref.name, rec);
  return Doc::map();
}

// ---- provisioned concurrency ----
// Stored in the function record: "provisioned" {qualifier: {Requested, LastModified}}. The
// manager keeps that many environments of the (alias's) version warm; Status, Available and
// Allocated are read from the live pool, so they are IN_PROGRESS again after a restart until
// the environments are re-created.

// Puts, Gets and Deletes need a published version or an alias that exists.
static FnRef provisioned_ref(OpContext& ctx, const Doc& in, Doc& rec) {
  FnRef ref = parse_ref(in);
  if (ref.qualifier.empty() || ref.qualifier == "$LATEST")
    throw errors::invalid_parameter_value("Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
  rec = state(ctx).must_load(ctx, ref.name);
  (void)resolve(ctx, rec, ref.name, ref.qualifier);
  return ref;
}

static AwsError provisioned_not_found() {
  return errors::provisioned_concurrency_config_not_found("No Provisioned Concurrency Config found for this function");
}

static Doc provisioned_out(OpContext& ctx, const Doc& rec, const std::string& name, const std::string& q,
                    const Doc& pc, bool with_arn) {
  int64_t requested = pc.integer("Requested");
  std::string version = version_of(rec, q);
  const Doc* cfg = version == "$LATEST" ? rec.get("config") : rec.get("versions")->get(version);
  int64_t ready = 0;
  if (cfg) ready = state(ctx).manager().stats(pool_prefix(ctx, name) + version + "/" + cfg->str("RevisionId")).ready;
  ready = std::min(ready, requested);
  Doc out = Doc::map();
  if (with_arn) out.set("FunctionArn", function_arn(ctx, name) + ":" + q);
  out.set("RequestedProvisionedConcurrentExecutions", requested);
  out.set("AvailableProvisionedConcurrentExecutions", ready);
  out.set("AllocatedProvisionedConcurrentExecutions", ready);
  out.set("Status", ready >= requested ? "READY" : "IN_PROGRESS");
  out.set("LastModified", pc.str("LastModified"));
  return out;
}

// Provisioned executions configured in this account and region, except one configuration;
// `in_unreserved` counts only functions without reserved concurrency.
static int64_t provisioned_total(OpContext& ctx, const std::string& fn, bool only_fn, const std::string& except_q) {
  int64_t sum = 0;
  state(ctx).functions().each(ctx.account(), ctx.region(), [&](const Doc& rec) {
    std::string name = rec.get("config")->str("FunctionName");
    if (only_fn ? name != fn : rec.has("concurrency")) return;
    if (const Doc* all = rec.get("provisioned"))
      for (const auto& [q, pc] : all->as_map())
        if (!(name == fn && q == except_q)) sum += pc.integer("Requested");
  });
  return sum;
}

Doc put_provisioned_concurrency_config(OpContext& ctx, const Doc& in) {
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec;
  FnRef ref = provisioned_ref(ctx, in, rec);
  int64_t n = in.integer("ProvisionedConcurrentExecutions");
  if (n < 1)
    throw stratus::errors::validation("1 validation error detected: Value '" + std::to_string(n) +
                        "' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have "
                        "value greater than or equal to 1");
  std::string version = version_of(rec, ref.qualifier);
  bool is_alias = version != ref.qualifier;
  // AWS refuses a version and an alias of it both configured.
  if (const Doc* all = rec.get("provisioned")) {
    for (const auto& [q, pc] : all->as_map()) {
      if (q == ref.qualifier) continue;
      if (is_alias && q == version)
        throw errors::resource_conflict("Alias can't be allocated provisioned concurrency because it is referencing a version "
                        "that has provisioned concurrency configured.");
      if (version_of(rec, q) == version)
        throw errors::resource_conflict("Version is pointed by an alias " + q + " that has provisioned concurrency configured.");
    }
  }
  if (rec.has("concurrency")) {
    if (provisioned_total(ctx, ref.name, true, ref.qualifier) + n > rec.integer("concurrency"))
      throw errors::invalid_parameter_value("Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution "
                     "for function");
  } else {
    int64_t unreserved = kAccountConcurrency - reserved_total(ctx, "");
    if (provisioned_total(ctx, ref.name, false, ref.qualifier) + n > unreserved - 100)
      throw errors::invalid_parameter_value("Specified ConcurrentExecutions for function is greater than account's unreserved "
                     "concurrency [" + std::to_string(unreserved) + "].");
  }
  Doc pc = Doc::map();
  pc.set("Requested", n);
  pc.set("LastModified", lambda_timestamp(ctx.now_ms));
  rec["provisioned"].set(ref.qualifier, pc);
  state(ctx).save(ctx, ref.name, rec);
  state(ctx).provision_version(ctx, ref.name, version, static_cast<int>(n));
  return provisioned_out(ctx, rec, ref.name, ref.qualifier, pc, false);
}

Doc get_provisioned_concurrency_config(OpContext& ctx, const Doc& in) {
  Doc rec;
  FnRef ref = provisioned_ref(ctx, in, rec);
  const Doc* pc = provisioned_of(rec, ref.qualifier);
  if (!pc) throw provisioned_not_found();
  return provisioned_out(ctx, rec, ref.name, ref.qualifier, *pc, false);
}

Doc delete_provisioned_concurrency_config(OpContext& ctx, const Doc& in) {
  std::lock_guard lock(state(ctx).write_mu());
  Doc rec;
  FnRef ref = provisioned_ref(ctx, in, rec);
  if (!provisioned_of(rec, ref.qualifier)) throw provisioned_not_found();
  rec.get("provisioned")->as_map().erase(ref.qualifier);
  state(ctx).save(ctx, ref.name, rec);
  state(ctx).provision_version(ctx, ref.name, version_of(rec, ref.qualifier), 0);
  return Doc::map();
}

Doc list_provisioned_concurrency_configs(OpContext& ctx, const Doc& in) {
  std::string name = parse_ref(in).name;
  return list_qualifier_configs(ctx, in, "provisioned", "ProvisionedConcurrencyConfigs",
                                [&](const Doc& rec, const std::string& q, const Doc& pc) {
                                  return provisioned_out(ctx, rec, name, q, pc, true);
                                });
}

Doc get_account_settings(OpContext& ctx, const Doc&) {
  int64_t count = 0, total = 0;
  state(ctx).functions().each(ctx.account(), ctx.region(), [&](const Doc& rec) {
    ++count;
    total += rec.get("config")->integer("CodeSize");
  });
  Doc limit = Doc::map();
  limit.set("TotalCodeSize", int64_t{80530636800});
  limit.set("CodeSizeUnzipped", int64_t{262144000});
  limit.set("CodeSizeZipped", int64_t{52428800});
  limit.set("ConcurrentExecutions", kAccountConcurrency);
  limit.set("UnreservedConcurrentExecutions", kAccountConcurrency - reserved_total(ctx, ""));
  Doc usage = Doc::map();
  usage.set("TotalCodeSize", total);
  usage.set("FunctionCount", count);
  Doc out = Doc::map();
  out.set("AccountLimit", limit);
  out.set("AccountUsage", usage);
  return out;
}

}  // namespace stratus::lambda::ops
