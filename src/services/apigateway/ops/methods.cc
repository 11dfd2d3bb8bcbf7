// Methods and method responses.
#include <set>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

Doc put_method(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  Doc& r = tx.resource(in.str("resourceId"));
  std::string verb = verb_of(in);
  static const std::set<std::string> verbs = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"};
  if (!verbs.count(verb)) throw errors::bad_request("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY");
  Doc& methods = r["resourceMethods"];
  if (!methods.is_map()) methods = Doc::map();
  if (methods.has(verb)) throw errors::conflict("Method already exists for this resource");
  std::string auth = in.str("authorizationType");
  static const std::set<std::string> auths = {"NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"};
  if (!auths.count(auth)) throw errors::bad_request("Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS");
  if ((auth == "CUSTOM" || auth == "COGNITO_USER_POOLS")) {
    std::string az = in.str("authorizerId");
    if (az.empty() || !tx.section("authorizers").has(az)) throw errors::bad_request("Invalid authorizer ID specified. Setting the authorization type to " + auth + " requires a valid authorizer.");
  }
  if (!in.str("requestValidatorId").empty() && !tx.section("validators").has(in.str("requestValidatorId")))
    throw errors::bad_request("Invalid Request Validator identifier specified");
  Doc m = Doc::map();
  m.set("httpMethod", verb);
  m.set("authorizationType", auth);
  m.set("apiKeyRequired", in.flag("apiKeyRequired"));
  copy_members(in, m, {"authorizerId", "operationName", "requestParameters", "requestModels", "requestValidatorId",
                       "authorizationScopes"});
  methods.set(verb, m);
  tx.save();
  return m;
}

Doc get_method(OpContext& ctx, const Doc& in) {
  Doc doc = load_api(ctx, in);
  return find_method(doc, in);
}

Doc update_method(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  return tx.patch(tx.method(in), in);
}

Doc delete_method(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  tx.method(in);
  tx.resource(in.str("resourceId"))["resourceMethods"].as_map().erase(verb_of(in));
  tx.save();
  return Doc::map();
}

Doc put_method_response(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  return put_status_entry(tx, tx.method(in), "methodResponses", in, {"responseParameters", "responseModels"});
}

Doc update_method_response(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  return update_status_entry(tx, tx.method(in), "methodResponses", in);
}

Doc delete_method_response(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  return delete_status_entry(tx, tx.method(in), "methodResponses", in);
}

Doc get_method_response(OpContext& ctx, const Doc& in) {
  Doc doc = load_api(ctx, store(ctx), in.str("restApiId"));
  const Doc& m = find_method(doc, in);
  return find_status_entry(m, "methodResponses", in.str("statusCode"));
}

}  // namespace stratus::apigateway
