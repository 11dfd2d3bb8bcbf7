// RestApis: create (or clone), read, patch, delete.
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

Doc create_rest_api(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string name = in.str("name");
  if (name.empty()) throw errors::bad_request("Invalid REST API name specified");
  std::string id = ids::random_lower_alnum(10);
  std::string root_id = ids::random_lower_alnum(10);
  Doc api = Doc::map();
  api.set("id", id);
  api.set("name", name);
  copy_members(in, api, {"description", "version", "binaryMediaTypes", "minimumCompressionSize", "policy", "tags"});
  api.set("createdDate", ctx.now_ms);
  api.set("apiKeySource", in.str("apiKeySource", "HEADER"));
  Doc ep = Doc::map();
  Doc types = Doc::list();
  types.push(Doc("EDGE"));
  ep.set("types", std::move(types));
  api.set("endpointConfiguration", in.has("endpointConfiguration") ? *in.get("endpointConfiguration") : ep);
  api.set("disableExecuteApiEndpoint", in.flag("disableExecuteApiEndpoint"));
  api.set("rootResourceId", root_id);
  Doc doc = Doc::map();
  Doc root = Doc::map();
  root.set("id", root_id);
  root.set("path", "/");
  root.set("resourceMethods", Doc::map());
  Doc resources = Doc::map();
  resources.set(root_id, std::move(root));
  if (!in.str("cloneFrom").empty()) {
    auto src = st.load(ctx.storage, ctx.account(), ctx.region(), in.str("cloneFrom"));
    if (!src) throw errors::not_found("Invalid API identifier specified " + ctx.account() + ":" + in.str("cloneFrom"));
    resources = *src->get("resources");
    api.set("rootResourceId", src->get("api")->str("rootResourceId"));
    for (const char* s : {"models", "validators", "authorizers", "gatewayResponses"})
      if (const Doc* v = src->get(s)) doc.set(s, *v);
  }
  doc.set("api", api);
  doc.set("resources", std::move(resources));
  std::lock_guard lock(st.mu);
  st.save(ctx.storage, ctx.account(), ctx.region(), id, doc);
  return out(api);
}

Doc get_rest_api(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  return out(*load_api(ctx, st, in.str("restApiId")).get("api"));
}

Doc get_rest_apis(OpContext& ctx, const Doc&) {
  Store& st = store(ctx);
  std::vector<Doc> apis;
  for (auto& d : st.list(ctx.storage, ctx.account(), ctx.region())) apis.push_back(*d.get("api"));
  std::sort(apis.begin(), apis.end(), [](const Doc& a, const Doc& b) { return a.integer("createdDate") < b.integer("createdDate"); });
  return items(std::move(apis));
}

Doc update_rest_api(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  Doc& api = tx.doc["api"];
  apply_patch(api, in);
  api.set("id", tx.id);
  tx.save();
  return out(api);
}

Doc delete_rest_api(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  tx.store.remove(ctx.storage, ctx.account(), ctx.region(), tx.id);
  return Doc::map();
}

}  // namespace stratus::apigateway
