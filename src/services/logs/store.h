// CloudWatch Logs storage: log groups, streams and events, and the keys that address them. Other
// services write events through the port (api.h), never here.
//
// Keyspaces (schema.h; all keys prefixed with scope(account, region); the layout is on disk):
//   "logs.groups"   group                          -> JSON {creationTime, retentionInDays, tags, logGroupClass}
//   "logs.streams"  group \0 stream                -> JSON {creationTime, first/lastEventTimestamp,
//                                                           lastIngestionTime, storedBytes}
//   "logs.events"   group \0 stream \0 be64(ts) be64(seq) -> be64(ingestion ms) message
//   "logs.metricfilters" group \0 filter name      -> JSON {filterName, filterPattern, metricTransformations, ...}
//   "logs.queries"  query id                       -> JSON Logs Insights query and its results
//   "logs.subscriptions" group \0 filter name     -> JSON subscription filter (subscriptions.h)
// Thread safety: every method may be called from any thread; metadata read-modify-writes hold the
// process-wide meta_mu() (one lock for every engine: metadata updates are rare and quick).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/doc.h"
#include "events/queue.h"
#include "services/logs/api.h"
#include "services/logs/schema.h"
#include "storage/engine.h"

namespace stratus {
class ServerContext;
}
namespace stratus::cloudwatch {
class Api;
}

namespace stratus::logs {

// 8 bytes, big-endian (sorts like the number): storage::KeyBuilder::u64's encoding.
std::string be64(uint64_t v);
// The first 8 bytes of s as a big-endian number (shorter input: the bytes there are; values are
// read leniently, unlike storage::KeyReader).
uint64_t read_be64(std::string_view s);

// An event's id as FilterLogEvents and subscription deliveries show it.
std::string event_id(int64_t timestamp, uint64_t seq);

// Where LogStore::append sends what appended events cause (subscription deliveries, metrics).
struct AppendSinks {
  events::Queue* deliveries = nullptr;
  cloudwatch::Api* metrics = nullptr;  // nullptr: CloudWatch is not running
};

class LogStore {
 public:
  static constexpr std::string_view kGroups = schema::kGroups.name;
  static constexpr std::string_view kStreams = schema::kStreams.name;
  static constexpr std::string_view kEvents = schema::kEvents.name;
  static constexpr std::string_view kMetricFilters = schema::kMetricFilters.name;
  static constexpr std::string_view kQueries = schema::kQueries.name;
  static constexpr std::string_view kSubscriptions = schema::kSubscriptions.name;

  explicit LogStore(storage::Engine& db) : db_(db) {}

  // Keys. scope = account \0 region \0.
  static std::string scope(const std::string& account, const std::string& region);
  static std::string group_key(const std::string& a, const std::string& r, const std::string& g);
  static std::string stream_key(const std::string& a, const std::string& r, const std::string& g,
                                const std::string& s);
  // The prefix of a group's stream keys and event keys: scope(a, r) str(g).
  static std::string group_prefix(const std::string& a, const std::string& r, const std::string& g);
  // The prefix of a stream's event keys: scope(a, r) str(g) str(s).
  static std::string events_prefix(const std::string& a, const std::string& r, const std::string& g,
                                   const std::string& s);

  // Serialises metadata read-modify-writes (groups and streams) across the process.
  static std::mutex& meta_mu();

  // A stored JSON record of keyspace ks, or nullopt.
  std::optional<Doc> load(std::string_view ks, const std::string& key);
  // Fresh records.
  static Doc new_group(int64_t now);
  static Doc new_stream(int64_t now);
  // A group's filter record key (metric and subscription filters): group_prefix(a, r, g) + name.
  static std::string filter_key(const std::string& a, const std::string& r, const std::string& g,
                                const std::string& name);
  // The group's records of keyspace ks (a filter keyspace) in key order, parsed; unreadable ones
  // are logged and skipped.
  void each_group_record(std::string_view ks, const std::string& a, const std::string& r, const std::string& g,
                         const std::function<void(const Doc&)>& f);
  // How many keys of ks start with prefix.
  int64_t count_prefix(std::string_view ks, const std::string& prefix);
  // Deletes every key of ks starting with prefix, in batches of 1000.
  void delete_prefix(std::string_view ks, const std::string& prefix);

  // Appends events (any order; stored by timestamp) to group/stream (see api.h). Takes meta_mu().
  // With sinks: the group's subscription filters' deliveries (subscriptions.h) are written in
  // the same batch and published after it; its metric filters publish through `metrics`
  // (metrics.h) once the batch committed.
  storage::Status append(const std::string& account, const std::string& region, const std::string& group,
                         const std::string& stream, const std::vector<Event>& events, bool create,
                         const AppendSinks& sinks = {});
  // The sinks of a running server.
  static AppendSinks sinks_of(ServerContext& server);

 private:
  storage::Engine& db_;
};

}  // namespace stratus::logs
