// Fuzz the awsQuery decoder: arbitrary form bodies for operations with lists, maps and nested
// structures. Any AwsError is an acceptable answer; crashes and hangs are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "model/model.h"
#include "protocol/codec.h"
#include "protocol/validate.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const protocol::Codec* codec = protocol::codec_for("query");
  static const model::ServiceModel* svcs[] = {model::Models::get("sns"), model::Models::get("sts"),
                                              model::Models::get("iam"), model::Models::get("cloudformation")};
  if (size == 0) return 0;
  const model::ServiceModel* svc = svcs[data[0] % 4];
  http::Request req;
  req.method = (data[0] & 0x80) ? "GET" : "POST";
  std::string in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (req.method == "GET") req.query = in;
  else req.body = in;
  try {
    const model::Operation* op = codec->resolve(*svc, req);
    if (!op) op = &svc->operations.begin()->second;
    Doc d = codec->decode(*svc, *op, req);
    if (op->input) (void)protocol::validate(*svc, *op->input, d, "ValidationError");
  } catch (const AwsError&) {
  }
  return 0;
}
