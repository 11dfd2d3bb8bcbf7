// A codec turns HTTP requests into Docs and Docs/AwsErrors into HTTP responses for one AWS
// wire protocol, driven entirely by the service model.
//
// Contracts:
//  - resolve(): which operation of `svc` the request names, or nullptr when the request doesn't
//    name one this service has (caller answers with the protocol's unknown-operation error).
//  - decode(): the operation's input as a Doc shaped like op.input. Throws AwsError
//    (SerializationException / protocol equivalent) on malformed bodies; type and constraint
//    validation happens separately in validate.h.
//  - encode()/encode_with_request_id()/encode_error(): fill status, headers and body. They
//    never throw for a Doc that matches the output shape; members not in the shape are ignored.
// Codecs are stateless and safe to use from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/doc.h"
#include "core/error.h"
#include "http/message.h"
#include "model/model.h"

namespace stratus::protocol {

class Codec {
 public:
  virtual ~Codec() = default;
  virtual const model::Operation* resolve(const model::ServiceModel& svc,
                                          const http::Request& req) const = 0;
  virtual Doc decode(const model::ServiceModel& svc, const model::Operation& op,
                     const http::Request& req) const = 0;
  virtual void encode(const model::ServiceModel& svc, const model::Operation& op, const Doc& out,
                      http::Response& res) const = 0;
  // encode() for a request whose id is known. The dispatcher calls this one. awsQuery writes
  // the id into the body (<ResponseMetadata><RequestId>); every other protocol carries it only
  // in the x-amzn-RequestId header (the dispatcher's job), so the default just forwards.
  // A distinct name, not an overload, so codecs overriding encode() hide nothing.
  virtual void encode_with_request_id(const model::ServiceModel& svc, const model::Operation& op,
                                      const Doc& out, const std::string& request_id,
                                      http::Response& res) const {
    encode(svc, op, out, res);
  }
  virtual void encode_error(const model::ServiceModel& svc, const model::Operation* op,
                            const AwsError& err, const std::string& request_id,
                            http::Response& res) const = 0;
};

// The codec for a protocol name as botocore spells it: "json", "rest-json", "rest-xml",
// "query", "smithy-rpc-v2-cbor". nullptr for unknown names.
const Codec* codec_for(std::string_view protocol);

}  // namespace stratus::protocol
