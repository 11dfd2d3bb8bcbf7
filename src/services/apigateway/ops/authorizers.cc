// Authorizers: stored and returned here; evaluated at invoke time by the guard (guard.h).
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
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

}  // namespace stratus::apigateway
