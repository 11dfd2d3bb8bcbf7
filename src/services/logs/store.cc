#include "services/logs/store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>

#include "core/clock.h"
#include "core/json.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/logs/metrics.h"
#include "services/logs/subscriptions.h"
#include "storage/keys.h"

namespace stratus::logs {

std::string be64(uint64_t v) { return storage::KeyBuilder(8).u64(v).take(); }

uint64_t read_be64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

std::string event_id(int64_t timestamp, uint64_t seq) {
  return std::to_string(timestamp) + std::to_string(seq);
}

std::string LogStore::scope(const std::string& account, const std::string& region) {
  return storage::scope_prefix(account, region);
}

std::string LogStore::group_key(const std::string& a, const std::string& r, const std::string& g) {
  return storage::KeyBuilder().scope(a, r).raw(g).take();
}

std::string LogStore::stream_key(const std::string& a, const std::string& r, const std::string& g,
                                 const std::string& s) {
  return storage::KeyBuilder().scope(a, r).str(g).raw(s).take();
}

std::string LogStore::group_prefix(const std::string& a, const std::string& r, const std::string& g) {
  return storage::KeyBuilder().scope(a, r).str(g).take();
}

std::string LogStore::events_prefix(const std::string& a, const std::string& r, const std::string& g,
                                    const std::string& s) {
  return storage::KeyBuilder().scope(a, r).str(g).text(s).take();  // stream names may hold NUL
}

std::mutex& LogStore::meta_mu() {
  static std::mutex mu;
  return mu;
}

// Event sequence numbers: unique across the process and increasing across restarts.
static uint64_t next_seq() {
  static std::atomic<uint64_t> seq{static_cast<uint64_t>(now_millis()) << 16};
  return seq++;
}

std::optional<Doc> LogStore::load(std::string_view ks, const std::string& key) {
  std::string v;
  if (!db_.get(ks, key, &v).ok()) return std::nullopt;
  return json::parse(v);
}

Doc LogStore::new_group(int64_t now) {
  Doc g = Doc::map();
  g.set("creationTime", now);
  return g;
}

Doc LogStore::new_stream(int64_t now) {
  Doc s = Doc::map();
  s.set("creationTime", now);
  s.set("storedBytes", 0);
  return s;
}

std::string LogStore::filter_key(const std::string& a, const std::string& r, const std::string& g,
                                 const std::string& name) {
  return group_prefix(a, r, g) + name;
}

void LogStore::each_group_record(std::string_view ks, const std::string& a, const std::string& r, const std::string& g,
                                 const std::function<void(const Doc&)>& f) {
  for (auto it = db_.prefix(ks, group_prefix(a, r, g)); it->valid(); it->next()) {
    Doc rec;
    try {
      rec = json::parse(it->value());
    } catch (const AwsError& e) {
      spdlog::error("logs: unreadable {} record: {}", ks, e.message);
      continue;
    }
    f(rec);
  }
}

int64_t LogStore::count_prefix(std::string_view ks, const std::string& prefix) {
  int64_t n = 0;
  for (auto it = db_.prefix(ks, prefix); it->valid(); it->next()) ++n;
  return n;
}

void LogStore::delete_prefix(std::string_view ks, const std::string& prefix) {
  storage::WriteBatch batch;
  for (auto it = db_.prefix(ks, prefix); it->valid(); it->next()) {
    batch.del(ks, it->key());
    if (batch.ops().size() >= 1000) {
      db_.write(batch);
      batch = storage::WriteBatch();
    }
  }
  if (!batch.empty()) db_.write(batch);
}

storage::Status LogStore::append(const std::string& account, const std::string& region, const std::string& group,
                                 const std::string& stream, const std::vector<Event>& events, bool create,
                                 const AppendSinks& sinks) {
  events::Queue* deliveries = sinks.deliveries;
  std::lock_guard lock(meta_mu());
  int64_t now = now_millis();
  storage::WriteBatch batch;
  std::string gk = group_key(account, region, group);
  std::string sk = stream_key(account, region, group, stream);
  auto g = load(kGroups, gk);
  if (!g) {
    if (!create) return storage::Status::NotFound();
    batch.put(kGroups, gk, json::write(new_group(now)));
  }
  auto s = load(kStreams, sk);
  if (!s) {
    if (!create) return storage::Status::NotFound();
    s = new_stream(now);
  }
  std::string prefix = events_prefix(account, region, group, stream);
  int64_t first = s->integer("firstEventTimestamp", INT64_MAX), last = s->integer("lastEventTimestamp", 0);
  int64_t bytes = s->integer("storedBytes", 0);
  std::vector<ForwardedEvent> forwarded;
  if (deliveries) forwarded.reserve(events.size());
  for (const auto& e : events) {
    uint64_t seq = next_seq();
    std::string key =
        storage::KeyBuilder(prefix.size() + 16).raw(prefix).u64(static_cast<uint64_t>(e.timestamp)).u64(seq).take();
    batch.put(kEvents, key, be64(now) + e.message);
    if (deliveries) forwarded.push_back({event_id(e.timestamp, seq), e.timestamp, e.message});
    first = std::min(first, e.timestamp);
    last = std::max(last, e.timestamp);
    bytes += static_cast<int64_t>(e.message.size());
  }
  if (!events.empty()) {
    s->set("firstEventTimestamp", first);
    s->set("lastEventTimestamp", last);
    s->set("lastIngestionTime", now);
    s->set("storedBytes", bytes);
  }
  batch.put(kStreams, sk, json::write(*s));
  std::vector<events::Queue::Ticket> tickets;
  if (deliveries) tickets = add_deliveries(db_, *deliveries, batch, account, region, group, stream, forwarded);
  auto st = db_.write(batch);
  if (!st.ok()) return st;
  for (const auto& t : tickets) deliveries->published(t);
  if (sinks.metrics) publish_metric_filters(db_, *sinks.metrics, account, region, group, events, now);
  return st;
}

AppendSinks LogStore::sinks_of(ServerContext& server) {
  return {&server.events(), server.port<cloudwatch::Api>()};
}

// ---- api.h ----

storage::Status append(ServerContext& server, const std::string& account, const std::string& region,
                       const std::string& group, const std::string& stream, const std::vector<Event>& events,
                       bool create) {
  return LogStore(server.storage()).append(account, region, group, stream, events, create, LogStore::sinks_of(server));
}

}  // namespace stratus::logs
