// Each codec lives in its own file and exposes one instance here; only codecs.cc uses these.
// The codecs include this header, which also names the model types they all work with.
#pragma once

#include "model/model.h"
#include "protocol/codec.h"

namespace stratus::protocol {
using model::Member;
using model::Operation;
using model::ServiceModel;
using model::Shape;
using model::ShapeType;

const Codec& json_codec();       // json.cc: awsJson 1.0 / 1.1
const Codec& query_codec();      // query.cc: awsQuery (form in, XML out)
const Codec& cbor_codec();       // cbor.cc: smithy-rpc-v2-cbor
const Codec& rest_json_codec();  // rest_json.cc
const Codec& rest_xml_codec();   // rest_xml.cc
}  // namespace stratus::protocol
