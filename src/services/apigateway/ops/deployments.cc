// Deployments (snapshots of the resources and API sections) and the stages that point at them.
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

namespace {

constexpr Section kDeployment{"deployments", "deploymentId", "Invalid Deployment identifier specified"};
constexpr Section kStage{"stages", "stageName", "Invalid Stage identifier specified"};

Doc new_stage(OpContext& ctx, const std::string& name, const std::string& deployment_id, const Doc& in,
              const char* description_member) {
  Doc s = Doc::map();
  s.set("stageName", name);
  s.set("deploymentId", deployment_id);
  if (const Doc* d = in.get(description_member)) s.set("description", *d);
  s.set("cacheClusterEnabled", in.flag("cacheClusterEnabled"));
  s.set("cacheClusterStatus", "NOT_AVAILABLE");
  if (const Doc* v = in.get("cacheClusterSize")) s.set("cacheClusterSize", *v);
  s.set("tracingEnabled", in.flag("tracingEnabled"));
  s.set("methodSettings", Doc::map());
  s.set("variables", in.has("variables") ? *in.get("variables") : Doc::map());
  if (const Doc* t = in.get("tags")) s.set("tags", *t);
  s.set("createdDate", ctx.now_ms);
  s.set("lastUpdatedDate", ctx.now_ms);
  return s;
}

void check_stage_name(const std::string& name) {
  if (name.empty() || name.size() > 128) throw errors::bad_request("Stage name only allows a-zA-Z0-9_");
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      throw errors::bad_request("Stage name only allows a-zA-Z0-9_");
}

}  // namespace

Doc create_deployment(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  bool any_method = false;
  for (const auto& [_, r] : tx.section("resources").as_map()) {
    const Doc* rm = r.get("resourceMethods");
    if (!rm) continue;
    for (const auto& [verb, m] : rm->as_map()) {
      any_method = true;
      if (!m.has("methodIntegration")) throw errors::bad_request("No integration defined for method");
    }
  }
  if (!any_method) throw errors::bad_request("The REST API doesn't contain any methods");
  std::string stage = in.str("stageName");
  if (!stage.empty()) check_stage_name(stage);
  std::string id = ids::random_lower_alnum(6);
  Doc d = Doc::map();
  d.set("id", id);
  if (in.has("description")) d.set("description", in.str("description"));
  d.set("createdDate", ctx.now_ms);
  Doc stored = d;
  stored.set("snapshot", tx.section("resources"));
  Doc sections = Doc::map();
  for (const char* k : {"authorizers", "models", "validators", "gatewayResponses"}) sections.set(k, tx.section(k));
  stored.set("apiSnapshot", std::move(sections));
  tx.section("deployments").set(id, std::move(stored));
  if (!stage.empty()) {
    Doc& stages = tx.section("stages");
    if (Doc* existing = stages.get(stage)) {
      existing->set("deploymentId", id);
      existing->set("lastUpdatedDate", ctx.now_ms);
      if (const Doc* v = in.get("variables")) {
        Doc& vars = (*existing)["variables"];
        if (!vars.is_map()) vars = Doc::map();
        for (const auto& [k, val] : v->as_map()) vars.set(k, val);
      }
    } else {
      stages.set(stage, new_stage(ctx, stage, id, in, "stageDescription"));
    }
  }
  tx.save();
  return out(d);
}

Doc get_deployment(OpContext& ctx, const Doc& in) { return out(get_entry(ctx, store(ctx), in, kDeployment)); }

Doc get_deployments(OpContext& ctx, const Doc& in) {
  Doc doc = load_api(ctx, in);
  std::vector<Doc> list;
  if (doc["deployments"].is_map())
    for (const auto& [_, d] : doc["deployments"].as_map()) list.push_back(d);
  std::sort(list.begin(), list.end(), [](const Doc& a, const Doc& b) { return a.integer("createdDate") < b.integer("createdDate"); });
  return items(std::move(list));
}

Doc update_deployment(OpContext& ctx, const Doc& in) { return out(update_entry(ctx, store(ctx), in, kDeployment)); }

Doc delete_deployment(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  std::string id = in.str("deploymentId");
  if (!tx.section("deployments").has(id)) throw errors::not_found("Invalid Deployment identifier specified");
  for (const auto& [_, s] : tx.section("stages").as_map())
    if (s.str("deploymentId") == id)
      throw errors::bad_request("Active stages pointing to this deployment must be moved or deleted");
  tx.section("deployments").as_map().erase(id);
  tx.save();
  return Doc::map();
}

Doc create_stage(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  std::string name = in.str("stageName");
  check_stage_name(name);
  if (!tx.section("deployments").has(in.str("deploymentId"))) throw errors::not_found("Invalid Deployment identifier specified");
  if (tx.section("stages").has(name)) throw errors::conflict("Stage already exists");
  Doc s = new_stage(ctx, name, in.str("deploymentId"), in, "description");
  tx.section("stages").set(name, s);
  tx.save();
  return out(s);
}

Doc get_stage(OpContext& ctx, const Doc& in) { return out(get_entry(ctx, store(ctx), in, kStage)); }

Doc get_stages(OpContext& ctx, const Doc& in) {
  Doc doc = load_api(ctx, in);
  Doc o = Doc::map();
  Doc l = Doc::list();
  if (doc["stages"].is_map())
    for (const auto& [_, s] : doc["stages"].as_map())
      if (in.str("deploymentId").empty() || s.str("deploymentId") == in.str("deploymentId")) l.push(out(s));
  o.set("item", std::move(l));
  return o;
}

Doc update_stage(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  Doc* s = tx.section("stages").get(in.str("stageName"));
  if (!s) throw errors::not_found("Invalid Stage identifier specified");
  apply_patch(*s, in, true);
  if (!tx.section("deployments").has(s->str("deploymentId"))) throw errors::bad_request("Invalid deployment id specified");
  s->set("stageName", in.str("stageName"));
  s->set("lastUpdatedDate", ctx.now_ms);
  Doc copy = *s;
  tx.save();
  return out(copy);
}

Doc delete_stage(OpContext& ctx, const Doc& in) { return delete_entry(ctx, store(ctx), in, kStage); }

}  // namespace stratus::apigateway
