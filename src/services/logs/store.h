// CloudWatch Logs storage, shared by the logs service and the services that write logs
// (Lambda writes function output to /aws/lambda/NAME).
//
// Keyspaces (all keys prefixed with account \0 region \0):
//   "logs.groups"   group                          -> JSON {creationTime, retentionInDays, tags}
//   "logs.streams"  group \0 stream                -> JSON {creationTime, first/lastEventTimestamp, ...}
//   "logs.events"   group \0 stream \0 be64(ts) be64(seq) -> be64(ingestion ms) message
// Thread safety: every function may be called from any thread; metadata updates are serialised
// by a process-wide mutex.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/engine.h"

namespace stratus::logs {

struct Event {
  int64_t timestamp = 0;
  std::string message;
};

// Appends events (any order; stored by timestamp) to group/stream. With create, a missing group
// or stream is created first (as Lambda does); without it, not_found when either is missing.
storage::Status append(storage::Engine& db, const std::string& account, const std::string& region,
                       const std::string& group, const std::string& stream, const std::vector<Event>& events,
                       bool create);

}  // namespace stratus::logs
