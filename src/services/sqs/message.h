// SQS messages: the in-memory form, their stored records, and the MD5 digests SDKs verify.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"
#include "core/result.h"

namespace stratus::sqs {

// One message attribute ("user" attribute, or the AWSTraceHeader system attribute).
struct Attribute {
  std::string name;
  std::string data_type;  // "String", "Number", "Binary", optionally with ".custom" suffix
  std::string value;      // StringValue, or the raw bytes of BinaryValue
  bool binary() const { return data_type.compare(0, 6, "Binary") == 0; }
};
using Attributes = std::vector<Attribute>;  // sorted by name, names distinct

// What a message carries: fixed once stored. A queue's in-memory index keeps it beside the
// message only while the resident budget allows (payload_resident_ok()); otherwise it stays in
// the message record and receives read it back. Every live Payload is counted
// (payload_bytes()), so a backlog of millions of messages costs their index entries, not their
// bodies.
struct Payload {
  std::string id;  // MessageId (uuid)
  std::string body;
  std::string md5_body, md5_attrs, md5_sys;
  Attributes attrs;
  std::string trace_header;  // AWSTraceHeader system attribute ("" when absent)
  std::string sender_id;
  std::string dedup_id;
  uint64_t sequence_number = 0;  // FIFO queues

  Payload() = default;
  Payload(const Payload& o);
  Payload& operator=(const Payload&) = delete;
  ~Payload();
  // Counts this payload in payload_bytes() (once; seal() does it).
  void charge();

 private:
  size_t charged_ = 0;
};
using PayloadPtr = std::shared_ptr<const Payload>;
// Counts the payload and freezes it.
PayloadPtr seal(std::shared_ptr<Payload> p);
// Bytes of every live Payload (resident in an index, or in flight to a receiver).
int64_t payload_bytes();
// Whether another payload may stay resident: live payloads are under the budget (32 MB, or
// STRATUS_SQS_RESIDENT_BYTES).
bool payload_resident_ok();

// One stored message as the queue's index holds it: what ordering, visibility and redrive need
// (about 100 bytes), and the payload when resident.
struct Message {
  uint64_t seq = 0;  // position in the queue (storage key); one counter for all queues
  int64_t sent_ms = 0;
  std::string group_id;        // FIFO: ordering and in-flight groups
  std::string dlq_source_arn;  // set when redriven into a dead-letter queue
  PayloadPtr payload;  // nullptr: read it from the record (set before the message is indexed)
  // Receive state; guarded by the owning queue's mutex, stored separately (sqs.state).
  int64_t visible_at = 0;  // epoch ms from which receivers may see it
  int64_t first_receive_ms = 0;
  uint32_t receive_count = 0;
  uint32_t nonce = 0;  // changes with every receive: the receipt handle's generation
  // When the current receive happened (not stored: 0 after a restart, which leaves the 12-hour
  // total of ChangeMessageVisibility unchecked for messages received before it).
  int64_t received_ms = 0;
};
using MessagePtr = std::shared_ptr<Message>;

std::string encode_message(const Message& m, const Payload& p);
// The message with its payload. Throws std::runtime_error when corrupt.
MessagePtr decode_message(std::string_view data);
std::string encode_state(const Message& m);
void decode_state(std::string_view data, Message& m);

std::string md5_hex(std::string_view data);
// MD5OfMessageAttributes / MD5OfMessageSystemAttributes as SQS computes them: for each attribute
// in name order, length-prefixed (4-byte big-endian) name and data type, a transport byte
// (1 string/number, 2 binary), then the length-prefixed value. "" for no attributes.
std::string md5_of_attributes(const Attributes& attrs);

// Parses and validates a MessageAttributes map (user attributes) into sorted Attributes.
// Throws SQS's InvalidParameterValue & co.
Attributes parse_attributes(const Doc* map);
// The bytes a message counts against MaximumMessageSize: body plus every attribute's name,
// type and value.
size_t message_size(std::string_view body, const Attributes& attrs);
// SQS accepts only the XML character set: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
// #x10000-#x10FFFF. Returns the first bad code point (for bytes that are not UTF-8 at all — the
// Query protocol carries any percent-encoded byte — the offending byte), or -1 when all is well.
long first_invalid_char(std::string_view s);
// "#xD800"-style rendering for error messages.
std::string char_ref(long cp);
// Doc form of attributes for responses (MessageAttributes map).
Doc attributes_doc(const Attributes& attrs);

}  // namespace stratus::sqs
