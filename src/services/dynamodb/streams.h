// DynamoDB Streams inside Stratus: the records every committed item change writes (in the same
// storage batch as the item, see table.h), and an internal API to follow a stream without the
// HTTP API — for Lambda event source mappings.
//
// Following a stream from C++:
//
//   auto ref = dynamodb::find_stream(engine, stream_arn);          // nullopt: no such stream
//   uint64_t pos = from_latest ? dynamodb::last_sequence(engine, ref->stream_id) : 0;
//   uint64_t token = dynamodb::add_stream_listener([&](uint64_t sid, uint64_t seq) {
//     if (sid == ref->stream_id) wake_up();                        // cheap; called on writer threads
//   });
//   for (auto& r : dynamodb::read_stream(engine, ref->stream_id, pos, 100)) {
//     Doc event = dynamodb::record_to_doc(r, *ref);               // Lambda's record shape
//     pos = r.sequence;                                            // resume after it
//   }
//   dynamodb::remove_stream_listener(token);
//
// Contracts: sequence numbers of a stream increase in commit order (writers of a stream table
// are serialised), so "records after pos" never misses a record committed later. Records
// persist with the items (kill -9 safe); a reader keeps its own position durably if it needs
// to resume after restart. Listeners are called after the batch committed, on the writer's
// thread, without locks held; they must not block. All functions are thread safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/doc.h"
#include "services/dynamodb/store.h"
#include "storage/engine.h"

namespace stratus::dynamodb {

struct StreamRef {
  std::string arn, account, region, table, label, view_type;
  uint64_t stream_id = 0;
  bool enabled = false;  // false once the table's stream was disabled (records stay readable)
};

// Resolves a stream ARN (DescribeTable's LatestStreamArn, ListStreams).
std::optional<StreamRef> find_stream(storage::Engine& e, const std::string& stream_arn);
// Up to `limit` records with sequence number > after, in order.
std::vector<StreamRecord> read_stream(storage::Engine& e, uint64_t stream_id, uint64_t after, size_t limit);
// The newest sequence number of the stream (0 when empty): "LATEST" starts after it.
uint64_t last_sequence(storage::Engine& e, uint64_t stream_id);
// The oldest sequence number still stored (0 when empty).
uint64_t first_sequence(storage::Engine& e, uint64_t stream_id);
// The last sequence number trimmed from the stream (records older than the retention), 0 if none.
uint64_t trimmed_through(storage::Engine& e, uint64_t stream_id);
// How long records stay (24 h; STRATUS_DYNAMODB_STREAM_RETENTION_MS for tests).
int64_t stream_retention_ms();
// A record as GetRecords returns it and (lambda_event: userIdentity spelled
// {"type","principalId"}) as Lambda passes it to functions.
Doc record_to_doc(const StreamRecord& r, const StreamRef& ref, bool lambda_event = false);
// The id of the stream's (single) shard, as DescribeStream reports it.
std::string stream_shard_id(const StreamRef& ref);
// SequenceNumber text for a sequence (21 digits, zero-padded: orders as text and as a number).
std::string sequence_text(uint64_t seq);

using StreamListener = std::function<void(uint64_t stream_id, uint64_t sequence)>;
uint64_t add_stream_listener(StreamListener l);
void remove_stream_listener(uint64_t token);
// Called by the write path after a batch with a stream record committed.
void stream_appended(uint64_t stream_id, uint64_t sequence);

}  // namespace stratus::dynamodb
