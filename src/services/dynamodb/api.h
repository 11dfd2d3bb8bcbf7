// The DynamoDB port: what other services use of DynamoDB without its HTTP API — today, following
// a table's stream (Lambda's event source mappings). The records are those every committed item
// change writes, in the same storage batch as the item (store.h).
//
// Resolve the port once, in your Service::start() (nullptr when DynamoDB is not running):
//
//   dynamodb::Api* ddb = ctx.port<dynamodb::Api>();
//   auto ref = ddb->find_stream(stream_arn);                       // nullopt: no such stream
//   uint64_t pos = from_latest ? ddb->last_sequence(ref->stream_id) : 0;
//   uint64_t token = ddb->add_stream_listener([&](uint64_t sid, uint64_t seq) {
//     if (sid == ref->stream_id) wake_up();                        // cheap; called on writer threads
//   });
//   for (auto& r : ddb->read_stream(ref->stream_id, pos, 100)) {
//     Doc event = dynamodb::record_to_doc(r, *ref, true);          // Lambda's record shape
//     pos = r.sequence;                                            // resume after it
//   }
//   ddb->remove_stream_listener(token);
//
// Contracts: sequence numbers of a stream increase in commit order (writers of a stream table
// are serialised), so "records after pos" never misses a record committed later. Records
// persist with the items (kill -9 safe); a reader keeps its own position durably if it needs
// to resume after restart. Listeners are called after the batch committed, on the writer's
// thread, without locks held; they must not block. Everything here is thread safe.
//
// The free functions below are the port's implementation over an engine; lambda/esm.cc still
// calls them directly (it only changed its include line) until it resolves the port.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"
#include "services/dynamodb/value.h"

namespace stratus::storage { class Engine; }

namespace stratus::dynamodb {

// A stream record (stored, and decoded for GetRecords and for the port's readers).
struct StreamRecord {
  uint64_t sequence = 0;
  std::string event_name;  // INSERT | MODIFY | REMOVE
  int64_t created_ms = 0;
  Item keys;
  std::optional<Item> old_image, new_image;
  size_t size_bytes = 0;
  std::string view_type;
  bool by_ttl = false;  // deleted by Time to Live: userIdentity is the DynamoDB service
};

struct StreamRef {
  std::string arn, account, region, table, label, view_type;
  uint64_t stream_id = 0;
  bool enabled = false;  // false once the table's stream was disabled (records stay readable)
};

using StreamListener = std::function<void(uint64_t stream_id, uint64_t sequence)>;

class Api {
 public:
  virtual ~Api() = default;
  // Resolves a stream ARN (DescribeTable's LatestStreamArn, ListStreams).
  virtual std::optional<StreamRef> find_stream(const std::string& stream_arn) = 0;
  // Up to `limit` records with sequence number > after, in order.
  virtual std::vector<StreamRecord> read_stream(uint64_t stream_id, uint64_t after, size_t limit) = 0;
  // The newest sequence number of the stream (0 when empty): "LATEST" starts after it.
  virtual uint64_t last_sequence(uint64_t stream_id) = 0;
  // Called after every commit that appended to any stream; returns a token for removal.
  virtual uint64_t add_stream_listener(StreamListener l) = 0;
  virtual void remove_stream_listener(uint64_t token) = 0;
};

// A record as GetRecords returns it and (lambda_event: userIdentity spelled
// {"type","principalId"}) as Lambda passes it to functions.
Doc record_to_doc(const StreamRecord& r, const StreamRef& ref, bool lambda_event = false);
// The id of the stream's (single) shard, as DescribeStream reports it.
std::string stream_shard_id(const StreamRef& ref);
// SequenceNumber text for a sequence (21 digits, zero-padded: orders as text and as a number).
std::string sequence_text(uint64_t seq);

// The implementation of Api over an engine (see the note above).
std::optional<StreamRef> find_stream(storage::Engine& e, const std::string& stream_arn);
std::vector<StreamRecord> read_stream(storage::Engine& e, uint64_t stream_id, uint64_t after, size_t limit);
uint64_t last_sequence(storage::Engine& e, uint64_t stream_id);
uint64_t add_stream_listener(StreamListener l);
void remove_stream_listener(uint64_t token);

}  // namespace stratus::dynamodb
