#include "protocol/codec.h"
#include "protocol/codecs_internal.h"

namespace stratus::protocol {

const Codec* codec_for(std::string_view protocol) {
  if (protocol == "json") return &json_codec();
  if (protocol == "query") return &query_codec();
  if (protocol == "smithy-rpc-v2-cbor") return &cbor_codec();
  if (protocol == "rest-json") return &rest_json_codec();
  if (protocol == "rest-xml") return &rest_xml_codec();
  return nullptr;
}

}  // namespace stratus::protocol
