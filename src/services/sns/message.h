// A published message between Publish and its deliveries: the message attributes (checked at
// Publish) and the record the durable "sns.publish" event carries to the fan-out.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"

namespace stratus::sns {

struct MsgAttr {
  std::string name, type, value;  // value: string, or raw bytes for Binary
};

// A message attribute name: 1-256 of A-Za-z0-9_-. with no leading or trailing '.', no "..",
// and no "AWS." / "Amazon." prefix (in any case).
bool valid_attribute_name(std::string_view name);

// Publish's MessageAttributes (a map of {DataType, StringValue | BinaryValue}): at most 10;
// types String, Number, Binary (with a ".custom" suffix) and String.Array (a JSON array);
// strings of XML characters only, since SQS and HTTP subscribers must be able to decode them.
// nullptr or a non-map is no attributes. Throws InvalidParameter / ParameterValueInvalid.
std::vector<MsgAttr> parse_message_attributes(const Doc* map);

// The stored form of attributes in the publish event: [{"n","t","v"}], binary values base64.
Doc attrs_to_doc(const std::vector<MsgAttr>& attrs);
std::vector<MsgAttr> attrs_from_doc(const Doc* list);

// The document a MessageAttributes-scope filter policy sees: numbers as numbers, String.Array
// as the array, binary attributes left out.
Doc filter_view(const std::vector<MsgAttr>& attrs);

// One published message, as stored in the durable publish event.
struct Published {
  std::string topic_arn, message_id, subject, structure, group_id, dedup_id, host;
  Doc message;  // the string, or the per-protocol map for MessageStructure=json
  std::vector<MsgAttr> attrs;
  int64_t timestamp_ms = 0;
  uint64_t sequence = 0;
  std::set<std::string> done;  // subscriptions already delivered with the publish itself
  // Signatures by (protocol text, version): one RSA signature per distinct text, not per
  // subscription (the signed string has no subscription in it).
  mutable std::map<std::pair<std::string, int>, std::string> signatures;
  mutable std::string attrs_json;  // MessageAttributes of the envelopes, once made
  // What the SQS copies share, by signature version 1/2 (see Envelopes::compact).
  struct Stored {
    std::string prefix;
    size_t size = 0;
  };
  mutable Stored stored[2];

  // The event payload (JSON; "done" only when not empty) and back. from() throws on a payload
  // that is not JSON.
  std::string payload() const;
  static Published from(const std::string& payload);
  // The message text for a protocol (MessageStructure=json picks the protocol's entry).
  std::string text_for(const std::string& protocol) const;
};

}  // namespace stratus::sns
