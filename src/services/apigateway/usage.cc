// API keys, usage plans and usage plan keys (account-wide, not per REST API). Stored as one
// JSON document per account/region (Guard::load_usage/save_usage); the invoke-time checks are in
// guard.cc. Errors and messages as AWS answers them.
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/guard.h"

namespace stratus::apigateway {
namespace {

// One usage document loaded for a read-modify-write under the guard's usage lock.
struct UsageTx {
  OpContext& ctx;
  Guard& guard;
  std::unique_lock<std::mutex> lock;
  Doc doc;
  UsageTx(OpContext& c, Guard& g) : ctx(c), guard(g), lock(g.usage_mu) {
    doc = guard.load_usage(ctx.server, ctx.account(), ctx.region());
  }
  void save() { guard.save_usage(ctx.server, ctx.account(), ctx.region(), doc); }
  Doc& key(const std::string& id) {
    Doc* k = doc["apiKeys"].get(id);
    if (!k) throw not_found("Invalid API Key identifier specified");
    return *k;
  }
  Doc& plan(const std::string& id) {
    Doc* p = doc["usagePlans"].get(id);
    if (!p) throw not_found("Invalid Usage Plan ID specified");
    return *p;
  }
};

Doc key_view(const Doc& k, bool with_value) {
  Doc o = k;
  if (!with_value) o.as_map().erase("value");
  return out(o);
}

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
    if (!api) throw not_found("Invalid API identifier specified " + ctx.account() + ":" + s.str("apiId"));
    const Doc* st = api->get("stages") ? api->get("stages")->get(s.str("stage")) : nullptr;
    if (!st) throw not_found("Invalid stage identifier specified");
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
      if (colon == std::string::npos) throw bad_request("Invalid API stage specified: " + v);
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
        throw bad_request("Invalid patch operation specified. Must be one of: [add, remove]");
      }
    }
  }
  rest.set("patchOperations", std::move(rest_ops));
  apply_patch(plan, rest);
}

}  // namespace

void register_usage(Service& svc, Guard& guard) {
  Guard* g = &guard;

  // --- API keys ---
  svc.add("CreateApiKey", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    std::string value = in.str("value");
    if (in.has("value") && value.size() < 20) return bad_request("API Key value should be at least 20 characters");
    if (value.empty()) value = ids::random_base64(30).substr(0, 40);
    for (auto& c : value)
      if (c == '+' || c == '/' || c == '=') c = 'a';
    UsageTx tx(ctx, *g);
    for (const auto& [_, k] : tx.doc["apiKeys"].as_map())
      if (k.str("value") == value) return conflict("API Key already exists");
    Doc k = Doc::map();
    k.set("id", ids::random_lower_alnum(10));
    k.set("value", value);
    k.set("name", in.str("name"));
    copy_members(in, k, {"description", "customerId", "tags"});
    k.set("enabled", in.flag("enabled"));
    Doc stage_keys = Doc::list();
    if (const Doc* sk = in.get("stageKeys"); sk && sk->is_list())
      for (const Doc& s : sk->as_list()) stage_keys.push(Doc(s.str("restApiId") + "/" + s.str("stageName")));
    k.set("stageKeys", std::move(stage_keys));
    k.set("createdDate", ctx.now_ms);
    k.set("lastUpdatedDate", ctx.now_ms);
    tx.doc["apiKeys"].set(k.str("id"), k);
    tx.save();
    return key_view(k, true);
  });
  svc.add("GetApiKey", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc d = g->load_usage(ctx.server, ctx.account(), ctx.region());
    const Doc* k = d["apiKeys"].get(in.str("apiKey"));
    if (!k) return not_found("Invalid API Key identifier specified");
    return key_view(*k, in.flag("includeValue"));
  });
  svc.add("GetApiKeys", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc d = g->load_usage(ctx.server, ctx.account(), ctx.region());
    std::vector<Doc> list;
    for (const auto& [_, k] : d["apiKeys"].as_map()) {
      if (!in.str("nameQuery").empty() && k.str("name").rfind(in.str("nameQuery"), 0) != 0) continue;
      if (!in.str("customerId").empty() && k.str("customerId") != in.str("customerId")) continue;
      Doc v = k;
      if (!in.flag("includeValues")) v.as_map().erase("value");
      list.push_back(std::move(v));
    }
    std::sort(list.begin(), list.end(), [](const Doc& a, const Doc& b) { return a.integer("createdDate") < b.integer("createdDate"); });
    return items(std::move(list));
  });
  svc.add("UpdateApiKey", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    UsageTx tx(ctx, *g);
    Doc& k = tx.key(in.str("apiKey"));
    std::string value = k.str("value");
    apply_patch(k, in);
    k.set("value", value);
    k.set("id", in.str("apiKey"));
    k.set("lastUpdatedDate", ctx.now_ms);
    Doc copy = k;
    tx.save();
    return key_view(copy, true);
  });
  svc.add("DeleteApiKey", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    UsageTx tx(ctx, *g);
    tx.key(in.str("apiKey"));
    tx.doc["apiKeys"].as_map().erase(in.str("apiKey"));
    for (auto& [_, keys] : tx.doc["planKeys"].as_map())
      if (keys.is_map()) keys.as_map().erase(in.str("apiKey"));
    tx.save();
    return Doc::map();
  });

  // --- usage plans ---
  svc.add("CreateUsagePlan", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    if (in.str("name").empty()) return bad_request("Usage plan name must be non-empty");
    check_api_stages(ctx, *g, in.get("apiStages"));
    UsageTx tx(ctx, *g);
    Doc p = Doc::map();
    p.set("id", ids::random_lower_alnum(6));
    p.set("name", in.str("name"));
    copy_members(in, p, {"description", "throttle", "quota", "tags"});
    p.set("apiStages", in.has("apiStages") ? *in.get("apiStages") : Doc::list());
    tx.doc["usagePlans"].set(p.str("id"), p);
    tx.save();
    return p;
  });
  svc.add("GetUsagePlan", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc d = g->load_usage(ctx.server, ctx.account(), ctx.region());
    const Doc* p = d["usagePlans"].get(in.str("usagePlanId"));
    if (!p) return not_found("Invalid Usage Plan ID specified");
    return *p;
  });
  svc.add("GetUsagePlans", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc d = g->load_usage(ctx.server, ctx.account(), ctx.region());
    std::vector<Doc> list;
    for (const auto& [pid, p] : d["usagePlans"].as_map()) {
      if (!in.str("keyId").empty()) {
        const Doc* pk = d["planKeys"].get(pid);
        if (!pk || !pk->has(in.str("keyId"))) continue;
      }
      list.push_back(p);
    }
    return items(std::move(list));
  });
  svc.add("UpdateUsagePlan", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    UsageTx tx(ctx, *g);
    Doc& p = tx.plan(in.str("usagePlanId"));
    patch_plan(ctx, *g, p, in);
    p.set("id", in.str("usagePlanId"));
    Doc copy = p;
    tx.save();
    return copy;
  });
  svc.add("DeleteUsagePlan", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    UsageTx tx(ctx, *g);
    tx.plan(in.str("usagePlanId"));
    tx.doc["usagePlans"].as_map().erase(in.str("usagePlanId"));
    tx.doc["planKeys"].as_map().erase(in.str("usagePlanId"));
    tx.save();
    return Doc::map();
  });

  // --- usage plan keys ---
  svc.add("CreateUsagePlanKey", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    if (in.str("keyType") != "API_KEY") return bad_request("Invalid key type specified. Must be API_KEY");
    UsageTx tx(ctx, *g);
    tx.plan(in.str("usagePlanId"));
    const Doc& k = tx.key(in.str("keyId"));
    Doc& keys = tx.doc["planKeys"][in.str("usagePlanId")];
    if (!keys.is_map()) keys = Doc::map();
    if (keys.has(in.str("keyId"))) return conflict("Usage Plan Key already exists");
    keys.set(in.str("keyId"), true);
    Doc view = plan_key_view(k);
    tx.save();
    return view;
  });
  svc.add("GetUsagePlanKey", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc d = g->load_usage(ctx.server, ctx.account(), ctx.region());
    if (!d["usagePlans"].has(in.str("usagePlanId"))) return not_found("Invalid Usage Plan ID specified");
    const Doc* pk = d["planKeys"].get(in.str("usagePlanId"));
    const Doc* k = d["apiKeys"].get(in.str("keyId"));
    if (!pk || !pk->has(in.str("keyId")) || !k) return not_found("Invalid Usage Plan Key identifier specified");
    return plan_key_view(*k);
  });
  svc.add("GetUsagePlanKeys", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc d = g->load_usage(ctx.server, ctx.account(), ctx.region());
    if (!d["usagePlans"].has(in.str("usagePlanId"))) return not_found("Invalid Usage Plan ID specified");
    std::vector<Doc> list;
    if (const Doc* pk = d["planKeys"].get(in.str("usagePlanId")); pk && pk->is_map())
      for (const auto& [kid, _] : pk->as_map())
        if (const Doc* k = d["apiKeys"].get(kid)) {
          if (!in.str("nameQuery").empty() && k->str("name").rfind(in.str("nameQuery"), 0) != 0) continue;
          list.push_back(plan_key_view(*k));
        }
    return items(std::move(list));
  });
  svc.add("DeleteUsagePlanKey", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    UsageTx tx(ctx, *g);
    tx.plan(in.str("usagePlanId"));
    Doc* pk = tx.doc["planKeys"].get(in.str("usagePlanId"));
    if (!pk || !pk->has(in.str("keyId"))) return not_found("Invalid Usage Plan Key identifier specified");
    pk->as_map().erase(in.str("keyId"));
    tx.save();
    return Doc::map();
  });

  // --- usage ---
  svc.add("GetUsage", [g](OpContext& ctx, const Doc& in) -> Result<Doc> {
    Doc d = g->load_usage(ctx.server, ctx.account(), ctx.region());
    const Doc* p = d["usagePlans"].get(in.str("usagePlanId"));
    if (!p) return not_found("Invalid Usage Plan ID specified");
    std::string start = in.str("startDate"), end = in.str("endDate");
    if (start.size() != 10 || end.size() != 10) return bad_request("Invalid date format; expected yyyy-MM-dd");
    if (end < start) return bad_request("The usage end date must be on or after the start date");
    Doc o = Doc::map();
    o.set("usagePlanId", in.str("usagePlanId"));
    o.set("startDate", start);
    o.set("endDate", end);
    o.set("items", g->usage_report(*p, in.str("keyId"), start, end));
    return o;
  });
}

}  // namespace stratus::apigateway
