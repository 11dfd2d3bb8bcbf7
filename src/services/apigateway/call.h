// One invocation of a deployed method (invoke.cc): the request as API Gateway sees it (path
// parameters, query, title-cased headers), the deployment it runs against, the $context and
// $stageVariables of its templates, and the gate (guard.h) that checks it and finishes its answer.
// A Call is shared (shared_ptr) across the asynchronous steps of one invocation: authorizers,
// the integration's own call, the integration response. Its members are written while the method
// is selected and read after; one step at a time touches it.
//
// The request-side lookups are pure over those members, so unit tests build a Call by hand:
//   Call c; c.headers = {{"Content-Type", "application/json"}};
//   c.source("method.request.header.content-type");  // "application/json"
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"
#include "services/apigateway/deployed.h"
#include "services/apigateway/guard.h"
#include "services/apigateway/vtl/vtl.h"

namespace stratus::apigateway {

class Invoker;  // invoke.h

// The media type of a Content-Type or of the first entry of an Accept header, lower-case and
// without parameters ("Image/PNG; q=1, text/html" → "image/png").
std::string first_media_type(std::string v);
// binaryMediaTypes entries match exactly or with a "*" subtype or type ("image/*", "*/*").
bool is_binary_type(const std::vector<std::string>& types, const std::string& media);

class Call : public std::enable_shared_from_this<Call> {
 public:
  Invoker* invoker = nullptr;
  http::Request req;
  http::Responder respond;
  std::shared_ptr<const Deployed> dep;
  const DResource* resource = nullptr;
  const DMethod* method = nullptr;
  std::string path;  // the path after the stage
  std::string request_id;
  int64_t now = 0;
  Pairs path_params, query, headers;  // headers title-cased
  vtl::Value context, stage_vars;
  std::string trace;           // integration steps, for TestInvokeMethod's log
  std::shared_ptr<Gate> gate;  // invoke-time checks, gateway responses, access log (guard.h)
  bool test = false;           // TestInvokeMethod: the request validator is the only check

  // The gate for this call's deployment; dep and the request (req) must be in place.
  void open_gate();
  // The method's integration document (method must be set).
  const Doc& integration() const { return *method->doc.get("methodIntegration"); }
  // The last value of a request header, by name in any case; "" when absent.
  std::string header(std::string_view name) const;
  // Whether the request body / the accepted answer is binary by the API's binaryMediaTypes.
  bool request_binary() const;
  bool accept_binary() const;
  // The variables of a mapping template ($input over `body`, $util, $context, $stageVariables).
  vtl::Context vars(const std::string& body) const;
  // A request/response parameter source: 'literal', method.request.*, stageVariables.*,
  // context.*, integration.response.* (when resp_headers/resp_body are given); nullopt when the
  // source names nothing.
  std::optional<std::string> source(const std::string& expr, const Pairs* resp_headers = nullptr,
                                    const std::string* resp_body = nullptr) const;
  // Every value of `name` in a list (case-insensitive names when ci), in order.
  static std::vector<std::string> values(const Pairs& l, const std::string& name, bool ci);
  // The value at a JSONPath below the body's root ("a.b[0]"): strings as they are, other values
  // as JSON; nullopt when the body is not JSON or nothing is there.
  static std::optional<std::string> json_at(const std::string& body, const std::string& path);
  // AWS/ApiGateway's Count, Latency, 4XXError and 5XXError by ApiName and by ApiName, Stage (the
  // API's name without its non-ASCII characters, or its id when none remain).
  void publish_metrics(int status);
  // Sends the answer: the gate finishes it (gateway responses, access log), the metrics are
  // published (not for TestInvokeMethod), x-amz-apigw-id added.
  void answer(http::Response res);
};

}  // namespace stratus::apigateway
