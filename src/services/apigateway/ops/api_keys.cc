// API keys (account-wide, not per REST API), in the usage document (guard.h).
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

namespace {

Doc key_view(const Doc& k, bool with_value) {
  Doc o = k;
  if (!with_value) o.as_map().erase("value");
  return out(o);
}

}  // namespace

Doc create_api_key(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  std::string value = in.str("value");
  if (in.has("value") && value.size() < 20) throw errors::bad_request("API Key value should be at least 20 characters");
  if (value.empty()) value = ids::random_base64(30).substr(0, 40);
  for (auto& c : value)
    if (c == '+' || c == '/' || c == '=') c = 'a';
  UsageTx tx(ctx, g);
  for (const auto& [_, k] : tx.doc["apiKeys"].as_map())
    if (k.str("value") == value) throw errors::conflict("API Key already exists");
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
}

Doc get_api_key(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  Doc d = g.load_usage(ctx.server, ctx.account(), ctx.region());
  const Doc* k = d["apiKeys"].get(in.str("apiKey"));
  if (!k) throw errors::not_found("Invalid API Key identifier specified");
  return key_view(*k, in.flag("includeValue"));
}

Doc get_api_keys(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  Doc d = g.load_usage(ctx.server, ctx.account(), ctx.region());
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
}

Doc update_api_key(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  UsageTx tx(ctx, g);
  Doc& k = tx.key(in.str("apiKey"));
  std::string value = k.str("value");
  apply_patch(k, in);
  k.set("value", value);
  k.set("id", in.str("apiKey"));
  k.set("lastUpdatedDate", ctx.now_ms);
  Doc copy = k;
  tx.save();
  return key_view(copy, true);
}

Doc delete_api_key(OpContext& ctx, const Doc& in) {
  Guard& g = guard(ctx);
  UsageTx tx(ctx, g);
  tx.key(in.str("apiKey"));
  tx.doc["apiKeys"].as_map().erase(in.str("apiKey"));
  for (auto& [_, keys] : tx.doc["planKeys"].as_map())
    if (keys.is_map()) keys.as_map().erase(in.str("apiKey"));
  tx.save();
  return Doc::map();
}

}  // namespace stratus::apigateway
