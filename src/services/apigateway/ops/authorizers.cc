// Authorizers: stored and returned here; evaluated at invoke time by the guard (guard.h).
#include <algorithm>
#include <cctype>

#include "core/clock.h"
#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/guard.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

namespace {

constexpr Section kAuthorizer{"authorizers", "authorizerId", "Invalid Authorizer identifier specified"};

}  // namespace

Doc create_authorizer(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  std::string type = in.str("type");
  if (type != "TOKEN" && type != "REQUEST" && type != "COGNITO_USER_POOLS")
    throw errors::bad_request("Invalid authorizer type specified");
  if (type == "COGNITO_USER_POOLS" && !in.has("providerARNs")) throw errors::bad_request("ProviderARNs need to be specified for COGNITO_USER_POOLS");
  if (type != "COGNITO_USER_POOLS" && in.str("authorizerUri").empty()) throw errors::bad_request("Authorizer URI must be specified for " + type + " authorizers");
  Doc a = Doc::map();
  a.set("id", ids::random_lower_alnum(6));
  copy_members(in, a, {"name", "type", "providerARNs", "authType", "authorizerUri", "authorizerCredentials",
                       "identitySource", "identityValidationExpression"});
  if (type == "TOKEN" && !a.has("identitySource")) throw errors::bad_request("Identity source must be specified for TOKEN authorizers");
  a.set("authorizerResultTtlInSeconds", in.integer("authorizerResultTtlInSeconds", 300));
  tx.section("authorizers").set(a.str("id"), a);
  tx.save();
  return a;
}

Doc get_authorizer(OpContext& ctx, const Doc& in) { return get_entry(ctx, store(ctx), in, kAuthorizer); }
Doc get_authorizers(OpContext& ctx, const Doc& in) { return list_entries(ctx, store(ctx), in, kAuthorizer); }
Doc update_authorizer(OpContext& ctx, const Doc& in) { return update_entry(ctx, store(ctx), in, kAuthorizer); }
Doc delete_authorizer(OpContext& ctx, const Doc& in) { return delete_entry(ctx, store(ctx), in, kAuthorizer); }

// COGNITO_USER_POOLS authorizers run as at invoke time (guard.h: cognito_authorize) on the
// request's headers, for a method without scopes (an ID token); the claims come back as strings.
Doc test_invoke_authorizer(OpContext& ctx, const Doc& in) {
  Doc az = get_authorizer(ctx, in);
  if (az.str("type") != "COGNITO_USER_POOLS")
    throw errors::bad_request("TestInvokeAuthorizer runs COGNITO_USER_POOLS authorizers only (Stratus)");
  Pairs headers;
  if (const Doc* h = in.get("headers"); h && h->is_map())
    for (const auto& [k, v] : h->as_map()) headers.emplace_back(k, v.is_string() ? v.as_string() : std::string());
  Gate g;
  g.now = ctx.now_ms;
  g.headers = &headers;
  g.context = vtl::Value::new_map();
  g.source = [&headers](const std::string& src) -> std::optional<std::string> {
    constexpr std::string_view kHeader = "method.request.header.";
    if (src.compare(0, kHeader.size(), kHeader) != 0) return std::nullopt;
    std::string name = src.substr(kHeader.size());
    for (const auto& [k, v] : headers)
      if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          }))
        return v;
    return std::nullopt;
  };
  int64_t start = now_millis();
  auto err = cognito_authorize(g, az, Doc::map(), ctx.server);
  Doc out = Doc::map();
  out.set("clientStatus", err ? 401 : 200);
  out.set("latency", now_millis() - start);
  out.set("log", "");
  if (!err) {
    Doc claims = Doc::map();
    if (const vtl::Value* a = g.context.map().find("authorizer"))
      if (const vtl::Value* c = a->is_map() ? a->map().find("claims") : nullptr; c && c->is_map())
        for (const auto& [k, v] : c->map().items()) claims.set(k, v.is_string() ? v.as_string() : v.to_string());
    out.set("claims", std::move(claims));
  }
  return out;
}

}  // namespace stratus::apigateway
