// Usage plans, usage plan keys and GetUsage (account-wide), in the usage document (guard.h);
// the invoke-time throttle and quota checks are in guard.cc.
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

namespace {

Doc plan_key_view(const Doc& k) {
  Doc o = Doc::map();
  o.set("id", k.str("id"));
  o.set("type", "API_KEY");
  o.set("value", k.str("value"));
  if (k.has("name")) o.set("name", k.str("name"));
  return o;
}

// apiStages must name existing REST APIs and stages of this account.
void check_api_stages(OpContext& ctx, Guard& guard, const Doc* stages) {
  if (!stages || !stages->is_list()) return;
  for (const Doc& s : stages->as_list()) {
    auto api = guard.store().load(ctx.storage, ctx.account(), ctx.region(), s.str("apiId"));
    if (!api) throw errors::not_found("Invalid API identifier specified " + ctx.account() + ":" + s.str("apiId"));
    const Doc* st = api->get("stages") ? api->get("stages")->get(s.str("stage")) : nullptr;
    if (!st) throw errors::not_found("Invalid stage identifier specified");
  }
}

// Usage plan patches: "/apiStages" add/remove "apiId:stage" values, the rest as plain members.
void patch_plan(OpContext& ctx, Guard& guard, Doc& plan, const Doc& in) {
  Doc rest = Doc::map();
  Doc rest_ops = Doc::list();
  if (const Doc* ops = in.get("patchOperations"); ops && ops->is_list()) {
    for (const Doc& op : ops->as_list()) {
      std::string path = op.str("path");
      if (path != "/apiStages") {
        rest_ops.push(op);
        continue;
      }
      std::string v = op.str("value");
      auto colon = v.find(':');
      if (colon == std::string::npos) throw errors::bad_request("Invalid API stage specified: " + v);
      Doc stage = Doc::map();
      stage.set("apiId", v.substr(0, colon));
      stage.set("stage", v.substr(colon + 1));
      Doc& list = plan["apiStages"];
      if (!list.is_list()) list = Doc::list();
      auto& l = list.as_list();
      auto same = [&](const Doc& s) { return s.str("apiId") == stage.str("apiId") && s.str("stage") == stage.str("stage"); };
      if (op.str("op") == "add") {
        Doc one = Doc::list();
        one.push(stage);
        check_api_stages(ctx, guard, &one);
        if (std::none_of(l.begin(), l.end(), same)) l.push_back(stage);
      } else if (op.str("op") == "remove") {
        l.erase(std::remove_if(l.begin(), l.end(), same), l.end());
      } else {
        throw errors::bad_request("Invalid patch operation specified. Must be one of: [add, remove]");
      }
    }
  }
  rest.set("patchOperations", std::move(rest_ops));
  apply_patch(plan, rest);
}

}  // namespace

Doc create_usage_plan(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  if (in.str("name").empty()) throw errors::bad_request("Usage plan name must be non-empty");
  check_api_stages(ctx, g, in.get("apiStages"));
  UsageTx tx(ctx, g);
  Doc p = Doc::map();
  p.set("id", ids::random_lower_alnum(6));
  p.set("name", in.str("name"));
  copy_members(in, p, {"description", "throttle", "quota", "tags"});
  p.set("apiStages", in.has("apiStages") ? *in.get("apiStages") : Doc::list());
  tx.doc["usagePlans"].set(p.str("id"), p);
  tx.save();
  return p;
}

Doc get_usage_plan(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  Doc d = g.load_usage(ctx.server, ctx.account(), ctx.region());
  const Doc* p = d["usagePlans"].get(in.str("usagePlanId"));
  if (!p) throw errors::not_found("Invalid Usage Plan ID specified");
  return *p;
}

Doc get_usage_plans(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  Doc d = g.load_usage(ctx.server, ctx.account(), ctx.region());
  std::vector<Doc> list;
  for (const auto& [pid, p] : d["usagePlans"].as_map()) {
    if (!in.str("keyId").empty()) {
      const Doc* pk = d["planKeys"].get(pid);
      if (!pk || !pk->has(in.str("keyId"))) continue;
    }
    list.push_back(p);
  }
  return items(std::move(list));
}

Doc update_usage_plan(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  UsageTx tx(ctx, g);
  Doc& p = tx.plan(in.str("usagePlanId"));
  patch_plan(ctx, g, p, in);
  p.set("id", in.str("usagePlanId"));
  Doc copy = p;
  tx.save();
  return copy;
}

Doc delete_usage_plan(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  UsageTx tx(ctx, g);
  tx.plan(in.str("usagePlanId"));
  tx.doc["usagePlans"].as_map().erase(in.str("usagePlanId"));
  tx.doc["planKeys"].as_map().erase(in.str("usagePlanId"));
  tx.save();
  return Doc::map();
}

Doc create_usage_plan_key(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  if (in.str("keyType") != "API_KEY") throw errors::bad_request("Invalid key type specified. Must be API_KEY");
  UsageTx tx(ctx, g);
  tx.plan(in.str("usagePlanId"));
  const Doc& k = tx.key(in.str("keyId"));
  Doc& keys = tx.doc["planKeys"][in.str("usagePlanId")];
  if (!keys.is_map()) keys = Doc::map();
  if (keys.has(in.str("keyId"))) throw errors::conflict("Usage Plan Key already exists");
  keys.set(in.str("keyId"), true);
  Doc view = plan_key_view(k);
  tx.save();
  return view;
}

Doc get_usage_plan_key(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  Doc d = g.load_usage(ctx.server, ctx.account(), ctx.region());
  if (!d["usagePlans"].has(in.str("usagePlanId"))) throw errors::not_found("Invalid Usage Plan ID specified");
  const Doc* pk = d["planKeys"].get(in.str("usagePlanId"));
  const Doc* k = d["apiKeys"].get(in.str("keyId"));
  if (!pk || !pk->has(in.str("keyId")) || !k) throw errors::not_found("Invalid Usage Plan Key identifier specified");
  return plan_key_view(*k);
}

Doc get_usage_plan_keys(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  Doc d = g.load_usage(ctx.server, ctx.account(), ctx.region());
  if (!d["usagePlans"].has(in.str("usagePlanId"))) throw errors::not_found("Invalid Usage Plan ID specified");
  std::vector<Doc> list;
  if (const Doc* pk = d["planKeys"].get(in.str("usagePlanId")); pk && pk->is_map())
    for (const auto& [kid, _] : pk->as_map())
      if (const Doc* k = d["apiKeys"].get(kid)) {
        if (!in.str("nameQuery").empty() && k->str("name").rfind(in.str("nameQuery"), 0) != 0) continue;
        list.push_back(plan_key_view(*k));
      }
  return items(std::move(list));
}

Doc delete_usage_plan_key(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  UsageTx tx(ctx, g);
  tx.plan(in.str("usagePlanId"));
  Doc* pk = tx.doc["planKeys"].get(in.str("usagePlanId"));
  if (!pk || !pk->has(in.str("keyId"))) throw errors::not_found("Invalid Usage Plan Key identifier specified");
  pk->as_map().erase(in.str("keyId"));
  tx.save();
  return Doc::map();
}

Doc get_usage(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  Doc d = g.load_usage(ctx.server, ctx.account(), ctx.region());
  const Doc* p = d["usagePlans"].get(in.str("usagePlanId"));
  if (!p) throw errors::not_found("Invalid Usage Plan ID specified");
  std::string start = in.str("startDate"), end = in.str("endDate");
  if (start.size() != 10 || end.size() != 10) throw errors::bad_request("Invalid date format; expected yyyy-MM-dd");
  if (end < start) throw errors::bad_request("The usage end date must be on or after the start date");
  Doc o = Doc::map();
  o.set("usagePlanId", in.str("usagePlanId"));
  o.set("startDate", start);
  o.set("endDate", end);
  o.set("items", g.usage_report(*p, in.str("keyId"), start, end));
  return o;
}

}  // namespace stratus::apigateway
