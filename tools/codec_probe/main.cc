// codec_probe: drives one codec from the command line, so Python tests can check our codecs
// against botocore's own serializers and parsers (the clients are the spec).
//
//   codec_probe decode SERVICE            stdin: {"method","path","query","headers":{k:v},"body_b64"}
//                                         stdout: {"operation": NAME, "input": PLAIN} or {"error": {code,message,status}}
//   codec_probe encode SERVICE OPERATION  stdin: PLAIN output doc -> {"status","headers":{k:v},"body_b64"}
//   codec_probe error SERVICE OPERATION   stdin: {"code","message","status","sender_fault"} -> same as encode
//   codec_probe validate SERVICE OPERATION stdin: PLAIN input -> {"error": ...} or {"ok": true}
// PLAIN = JSON with blobs as base64 and timestamps as epoch seconds (see protocol/shape_json.h).
// The protocol used is the model's preferred one unless STRATUS_PROTOCOL names another.
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "core/encoding.h"
#include "core/json.h"
#include "protocol/codec.h"
#include "protocol/shape_json.h"
#include "protocol/validate.h"

using namespace stratus;

namespace {

Doc response_doc(const http::Response& res) {
  Doc out = Doc::map();
  out.set("status", res.status);
  Doc h = Doc::map();
  for (const auto& [k, v] : res.headers.items()) h.set(k, v);
  out.set("headers", std::move(h));
  out.set("body_b64", enc::base64_encode(res.body));
  return out;
}

Doc error_doc(const AwsError& e) {
  Doc err = Doc::map();
  err.set("code", e.code);
  err.set("message", e.message);
  err.set("status", e.http_status);
  Doc out = Doc::map();
  out.set("error", std::move(err));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: codec_probe decode|encode|error|validate SERVICE [OPERATION]\n";
    return 2;
  }
  std::string cmd = argv[1];
  const model::ServiceModel* svc = model::Models::get(argv[2]);
  if (!svc) {
    std::cerr << "unknown service " << argv[2] << "\n";
    return 2;
  }
  const char* proto_env = std::getenv("STRATUS_PROTOCOL");
  const protocol::Codec* codec = protocol::codec_for(proto_env ? proto_env : svc->protocol);
  if (!codec) {
    std::cerr << "no codec\n";
    return 2;
  }
  std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  Doc input = json::parse(in.empty() ? "{}" : in);
  const model::Operation* op = nullptr;
  if (argc > 3) {
    op = svc->find_operation(argv[3]);
    if (!op) {
      std::cerr << "unknown operation\n";
      return 2;
    }
  }
  Doc out;
  try {
    if (cmd == "decode") {
      http::Request req;
      req.method = input.str("method", "POST");
      req.path = input.str("path", "/");
      req.query = input.str("query");
      req.target = req.path + (req.query.empty() ? "" : "?" + req.query);
      if (const Doc* h = input.get("headers"); h && h->is_map())
        for (const auto& [k, v] : h->as_map()) req.headers.add(k, v.is_string() ? v.as_string() : "");
      req.body = enc::base64_decode(input.str("body_b64")).value_or("");
      const model::Operation* found = codec->resolve(*svc, req);
      if (!found) throw errors::unknown_operation();
      Doc decoded = codec->decode(*svc, *found, req);
      out = Doc::map();
      out.set("operation", found->name);
      out.set("input", protocol::plain_from_typed(decoded));
    } else if (cmd == "encode" && op) {
      http::Response res;
      Doc typed = op->output ? protocol::typed_from_plain(*op->output, input) : Doc::map();
      codec->encode_with_request_id(*svc, *op, typed, "probe-request-id", res);
      out = response_doc(res);
    } else if (cmd == "error" && op) {
      AwsError e(input.str("code"), input.str("message"), static_cast<int>(input.integer("status", 400)),
                 input.flag("sender_fault", true));
      http::Response res;
      codec->encode_error(*svc, op, e, "probe-request-id", res);
      out = response_doc(res);
    } else if (cmd == "validate" && op && op->input) {
      Doc typed = protocol::typed_from_plain(*op->input, input);
      auto err = protocol::validate(*svc, *op->input, typed,
                                    svc->protocol == "query" ? "ValidationError" : "ValidationException");
      if (err) {
        out = error_doc(*err);
      } else {
        out = Doc::map();
        out.set("ok", true);
      }
    } else {
      std::cerr << "bad command\n";
      return 2;
    }
  } catch (const AwsError& e) {
    out = error_doc(e);
  }
  std::cout << json::write(out) << "\n";
  return 0;
}
