// Placeholder until the codec lands: answers every request with NotImplemented.
#include "protocol/codecs_internal.h"

namespace stratus::protocol {
namespace {
class Stub final : public Codec {
 public:
  const model::Operation* resolve(const model::ServiceModel&, const http::Request&) const override { return nullptr; }
  Doc decode(const model::ServiceModel&, const model::Operation& op, const http::Request&) const override {
    throw errors::not_implemented(op.name);
  }
  void encode(const model::ServiceModel&, const model::Operation&, const Doc&, http::Response& res) const override {
    res.status = 501;
  }
  void encode_error(const model::ServiceModel&, const model::Operation*, const AwsError& e, const std::string&,
                    http::Response& res) const override {
    res.status = e.http_status;
    res.body = e.code + ": " + e.message;
  }
};
}  // namespace
const Codec& json_codec() {
  static const Stub c;
  return c;
}
}  // namespace stratus::protocol
