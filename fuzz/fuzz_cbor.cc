// Fuzz the CBOR reader (untyped) and the rpc-v2-cbor decoder (shape-directed), and check that
// whatever decodes also re-encodes into input the reader accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/model.h"
#include "protocol/cbor/cbor.h"
#include "protocol/codec.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const model::ServiceModel* cw = model::Models::get("cloudwatch");
  static const protocol::Codec* codec = protocol::codec_for("smithy-rpc-v2-cbor");
  std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    Doc d = cbor::decode(in);
    try {
      (void)cbor::decode(cbor::encode(d));
    } catch (const AwsError&) {
      std::abort();  // our own output must always read back
    }
  } catch (const AwsError&) {
  }
  static const char* const kOps[] = {"PutMetricData", "GetMetricData", "PutMetricAlarm", "PutDashboard"};
  for (const char* name : kOps) {
    http::Request req;
    req.body.assign(in);
    try {
      (void)codec->decode(*cw, *cw->find_operation(name), req);
    } catch (const AwsError&) {
    }
  }
  return 0;
}
