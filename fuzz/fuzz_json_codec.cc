// Fuzz the awsJson decoder: arbitrary bodies for a few operations with deep and varied input
// shapes. Any AwsError is an acceptable answer; crashes, leaks and hangs are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "model/model.h"
#include "protocol/codec.h"
#include "protocol/validate.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const model::ServiceModel* ddb = model::Models::get("dynamodb");
  static const model::ServiceModel* sqs = model::Models::get("sqs");
  static const protocol::Codec* codec = protocol::codec_for("json");
  static const char* const kOps[] = {"PutItem", "TransactWriteItems", "CreateTable", "Query", "SendMessageBatch"};
  if (size == 0) return 0;
  const char* name = kOps[data[0] % 5];
  const model::ServiceModel* svc = data[0] % 5 == 4 ? sqs : ddb;
  const model::Operation* op = svc->find_operation(name);
  http::Request req;
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    Doc in = codec->decode(*svc, *op, req);
    (void)protocol::validate(*svc, *op->input, in, "ValidationException");
  } catch (const AwsError&) {
  }
  return 0;
}
