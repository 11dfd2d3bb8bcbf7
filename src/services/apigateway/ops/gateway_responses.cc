// Gateway responses: what the guard answers for an error of each type (guard.h).
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

namespace {

// A type nobody customised answers with its default (defaultResponse true).
Doc default_gateway_response(const std::string& type) {
  Doc g = Doc::map();
  g.set("responseType", type);
  if (int status = gateway_default_status(type)) g.set("statusCode", std::to_string(status));
  g.set("responseParameters", Doc::map());
  Doc templates = Doc::map();
  templates.set("application/json", "{\"message\":$context.error.messageString}");
  g.set("responseTemplates", std::move(templates));
  g.set("defaultResponse", true);
  return g;
}

}  // namespace

Doc put_gateway_response(OpContext& ctx, const Doc& in) {
  Store& st = store(ctx);
  std::string type = in.str("responseType");
  const auto& types = gateway_response_types();
  if (std::find(types.begin(), types.end(), type) == types.end())
    throw errors::bad_request("Invalid response type specified: " + type);
  ApiTx tx(ctx, st, in.str("restApiId"));
  Doc g = Doc::map();
  g.set("responseType", type);
  copy_members(in, g, {"statusCode", "responseParameters", "responseTemplates"});
  if (!g.has("responseParameters")) g.set("responseParameters", Doc::map());
  if (!g.has("responseTemplates")) g.set("responseTemplates", Doc::map());
  g.set("defaultResponse", false);
  tx.section("gatewayResponses").set(type, g);
  tx.save();
  return g;
}

// Only a customised response can be deleted (the type then answers its default again).
Doc delete_gateway_response(OpContext& ctx, const Doc& in) {
  static constexpr Section kGatewayResponse{"gatewayResponses", "responseType",
                                            "Invalid Gateway Response identifier specified"};
  return delete_entry(ctx, store(ctx), in, kGatewayResponse);
}

Doc get_gateway_response(OpContext& ctx, const Doc& in) {
  Doc doc = load_api(ctx, store(ctx), in.str("restApiId"));
  const auto& types = gateway_response_types();
  if (std::find(types.begin(), types.end(), in.str("responseType")) == types.end())
    throw errors::not_found("Invalid Gateway Response identifier specified");
  if (const Doc* g = doc["gatewayResponses"].get(in.str("responseType"))) return *g;
  return default_gateway_response(in.str("responseType"));
}

Doc get_gateway_responses(OpContext& ctx, const Doc& in) {
  Doc doc = load_api(ctx, store(ctx), in.str("restApiId"));
  std::vector<Doc> list;
  for (const auto& type : gateway_response_types()) {
    const Doc* g = doc["gatewayResponses"].is_map() ? doc["gatewayResponses"].get(type) : nullptr;
    list.push_back(g ? *g : default_gateway_response(type));
  }
  return items(std::move(list));
}

}  // namespace stratus::apigateway
