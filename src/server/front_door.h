// The front door: every HTTP request enters here. It answers Stratus' own endpoints
// (/_stratus/...), resolves the AWS service and operation, authenticates the caller (account,
// region), decodes and validates with the service's codec, runs the handler and encodes the
// answer — or the error, in the protocol's own wire form.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/sigv4.h"
#include "http/server.h"
#include "protocol/codec.h"
#include "server/context.h"
#include "server/invoke_router.h"

namespace stratus {

class FrontDoor final : public http::Handler {
 public:
  explicit FrontDoor(ServerContext& ctx);

  http::BodyPlan begin(http::Request& head, std::unique_ptr<http::Response>& reject) override;
  void handle(http::Request req, http::Responder respond) override;
  // ServerContext::call_http: the request as if signed by `principal` for `signing_name`.
  void handle_as(std::string signing_name, http::Request req, OpContext::Caller principal,
                 http::Responder respond);
  http::Response transport_error(const http::Request& head, int status, std::string_view code,
                                 std::string_view message) override;

  struct Route {
    Service* service = nullptr;
    const protocol::Codec* codec = nullptr;
    std::string protocol;
  };
  // Which service a request is for (nullptr service when none). Public for tests.
  Route route(const http::Request& req, const std::optional<auth::SignedRequestInfo>& sig) const;

 private:
  struct Call;
  void serve_aws(const std::shared_ptr<Call>& call);
  bool serve_internal(const http::Request& req, http::Response& res);
  // Why a /_stratus/* request is refused: with --auth=strict every endpoint but health and SNS's
  // certificate wants a valid signature by the root key pair (reset wipes everything).
  std::optional<std::string> admin_refusal(const http::Request& req) const;
  Route with_protocol(Service* s, std::string_view protocol) const;
  // The route of requests that name their service in the head alone (X-Amz-Target, the Smithy
  // RPC v2 path): all that begin() and the HTTP layer's errors can know before the body.
  Route rpc_route(const http::Request& head) const;
  // The largest body the request's service takes (--max-body, or less: DynamoDB's 16 MB).
  uint64_t max_request_bytes(const Route& rpc) const;
  // Removes a Content-Encoding (gzip, deflate) from an RPC request's body, bounded by the
  // service's request size; the error to answer when the body can't be decoded.
  std::optional<AwsError> decode_body(http::Request& req) const;
  // CORS on the AWS endpoints: the Access-Control-Allow-Origin value for the request's Origin
  // (nullopt: no Origin, or one --cors-origins doesn't list).
  std::optional<std::string> cors_allow_origin(const http::Request& req) const;
  // The answer to a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method).
  http::Response preflight(const http::Request& req) const;
  // The service whose operation takes the request's body as a streaming blob (spooled, not
  // buffered); nullptr for other requests. *form: an S3 browser POST upload.
  Service* streams_body(const http::Request& head, bool* form) const;

  ServerContext& ctx_;
  std::unordered_map<std::string, Service*> by_target_prefix_;
  std::unordered_map<std::string, std::vector<Service*>> by_signing_name_;
  std::vector<Service*> query_services_;
  std::vector<Service*> rest_services_;
  std::vector<InvokeRouter*> invoke_routers_;  // services answering non-AWS requests first
  std::string spool_dir_;                      // where streaming bodies are spooled
};

}  // namespace stratus
