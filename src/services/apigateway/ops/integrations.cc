// Integrations and integration responses.
#include <algorithm>

#include "core/ids.h"
#include "server/context.h"
#include "services/apigateway/apigateway.h"
#include "services/apigateway/ops.h"
#include "services/apigateway/state.h"
#include "services/apigateway/tx.h"

namespace stratus::apigateway {

Doc put_integration(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  std::string rid = in.str("resourceId");
  Doc& m = tx.method(rid, verb_of(in));
  std::string type = in.str("type");
  std::string uri = in.str("uri");
  std::string http_method = in.str("integrationHttpMethod");
  if (type != "MOCK") {
    if (http_method.empty()) throw errors::bad_request("Enumeration value for HttpMethod must be non-empty");
    if (uri.empty()) throw errors::bad_request("Invalid integration URI specified");
    if ((type == "AWS" || type == "AWS_PROXY") && uri.rfind("arn:", 0) != 0)
      throw errors::bad_request("AWS ARN for integration must contain path or action");
    if ((type == "AWS" || type == "AWS_PROXY") && uri.find(":action/") == std::string::npos &&
        uri.find(":path/") == std::string::npos)
      throw errors::bad_request("AWS ARN for integration must contain path or action");
    if ((type == "HTTP" || type == "HTTP_PROXY") && uri.rfind("http://", 0) != 0 && uri.rfind("https://", 0) != 0)
      throw errors::bad_request("Invalid HTTP endpoint specified for URI");
    if (type == "AWS_PROXY" && uri.find(":lambda:path/") == std::string::npos &&
        uri.find(":firehose:") == std::string::npos)
      throw errors::bad_request("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.");
  }
  int64_t timeout = in.integer("timeoutInMillis", 29000);
  if (timeout < 50 || timeout > 29000) throw errors::bad_request("Timeout should be between 50 ms and 29000 ms");
  Doc i = Doc::map();
  i.set("type", type);
  if (!http_method.empty()) i.set("httpMethod", http_method);
  if (!uri.empty()) i.set("uri", uri);
  copy_members(in, i, {"credentials", "requestParameters", "requestTemplates", "contentHandling", "connectionType",
                       "connectionId", "tlsConfig"});
  i.set("passthroughBehavior", in.str("passthroughBehavior", "WHEN_NO_MATCH"));
  i.set("timeoutInMillis", timeout);
  i.set("cacheNamespace", in.str("cacheNamespace", rid));
  i.set("cacheKeyParameters", in.has("cacheKeyParameters") ? *in.get("cacheKeyParameters") : Doc::list());
  m.set("methodIntegration", i);
  tx.save();
  return i;
}

Doc get_integration(OpContext& ctx, const Doc& in) {
  return find_integration(load_api(ctx, in), in, "Invalid Integration identifier specified");
}

Doc update_integration(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  return tx.patch(tx.integration(in), in);
}

Doc delete_integration(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  tx.integration(in);
  tx.method(in).as_map().erase("methodIntegration");
  tx.save();
  return Doc::map();
}

Doc put_integration_response(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  Doc* i = tx.method(in).get("methodIntegration");
  if (!i) throw errors::not_found("No integration defined for method");
  return put_status_entry(tx, *i, "integrationResponses", in,
                          {"selectionPattern", "responseParameters", "responseTemplates", "contentHandling"});
}

Doc get_integration_response(OpContext& ctx, const Doc& in) {
  Doc doc = load_api(ctx, in);
  const Doc& i = find_integration(doc, in, "No integration defined for method");
  return find_status_entry(i, "integrationResponses", in.str("statusCode"));
}

Doc update_integration_response(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  return update_status_entry(tx, tx.integration(in), "integrationResponses", in);
}

Doc delete_integration_response(OpContext& ctx, const Doc& in) {
  ApiTx tx(ctx, in);
  return delete_status_entry(tx, tx.integration(in), "integrationResponses", in);
}

}  // namespace stratus::apigateway
