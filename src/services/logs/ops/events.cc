#include "services/logs/ops.h"

#include <algorithm>

#include "core/encoding.h"
#include "core/json.h"
#include "server/context.h"
#include "services/logs/filter.h"
#include "services/logs/store.h"

namespace stratus::logs {

// A page of GetLogEvents/FilterLogEvents: up to 1 MB of events or 10,000 events (each event
// counted as its message plus 26 bytes, as PutLogEvents counts); FilterLogEvents also stops after
// reading kMaxScanBytes, so that one call's work and memory stay bounded however large the group.
constexpr int64_t kMaxPageEvents = 10000;
constexpr size_t kMaxPageBytes = 1024 * 1024;
constexpr size_t kMaxScanBytes = 32 * 1024 * 1024;
constexpr size_t kEventOverhead = 26;

Doc put_log_events(OpContext& ctx, const Doc& in) {
  std::vector<Event> events;
  const Doc* list = in.get("logEvents");
  if (list && list->is_list()) {
    int64_t prev = INT64_MIN;
    for (const auto& e : list->as_list()) {
      int64_t ts = e.integer("timestamp");
      if (ts < prev)
        throw errors::invalid_parameter("Log events in a single PutLogEvents request must be in chronological order.");
      prev = ts;
      events.push_back({ts, e.str("message")});
    }
  }
  auto st = LogStore(ctx.storage)
                .append(ctx.account(), ctx.region(), in.str("logGroupName"), in.str("logStreamName"), events, false,
                        LogStore::sinks_of(ctx.server));
  if (st.not_found()) {
    if (!LogStore(ctx.storage).load(LogStore::kGroups, LogStore::group_key(ctx.account(), ctx.region(), in.str("logGroupName"))))
      throw not_found("log group");
    throw not_found("log stream");
  }
  if (!st.ok()) throw stratus::errors::internal(st.message);
  return answer("nextSequenceToken", "49039859543329722483216658224475613839227813958212");
}

namespace {

// An event read back.
struct StoredEvent {
  std::string stream;
  std::string key;  // position within the stream (be64 ts + be64 seq)
  int64_t ts, ingest;
  std::string message;
};

}  // namespace

static StoredEvent decode_event(std::string_view key, std::string_view value, size_t prefix_len, std::string stream) {
  StoredEvent e;
  e.stream = std::move(stream);
  e.key = std::string(key.substr(prefix_len));
  e.ts = static_cast<int64_t>(read_be64(e.key));
  e.ingest = static_cast<int64_t>(read_be64(value));
  e.message = std::string(value.substr(std::min<size_t>(8, value.size())));
  return e;
}

static Doc output_event(const StoredEvent& e) {
  Doc d = Doc::map();
  d.set("timestamp", e.ts);
  d.set("message", e.message);
  d.set("ingestionTime", e.ingest);
  return d;
}

Doc get_log_events(OpContext& ctx, const Doc& in) {
  std::string g = group_name(in), s = in.str("logStreamName");
  if (!LogStore(ctx.storage).load(LogStore::kGroups, LogStore::group_key(ctx.account(), ctx.region(), g))) throw not_found("log group");
  if (!LogStore(ctx.storage).load(LogStore::kStreams, LogStore::stream_key(ctx.account(), ctx.region(), g, s))) throw not_found("log stream");
  std::string prefix = LogStore::events_prefix(ctx.account(), ctx.region(), g, s);
  int64_t limit = std::clamp<int64_t>(in.integer("limit", kMaxPageEvents), 1, kMaxPageEvents);
  int64_t start = in.integer("startTime", INT64_MIN), end = in.integer("endTime", INT64_MAX);
  std::string token = in.str("nextToken");
  bool forward = in.flag("startFromHead");
  std::string pos;
  if (token.size() > 2 && (token[0] == 'f' || token[0] == 'b') && token[1] == '/') {
    forward = token[0] == 'f';
    auto raw = enc::base64_decode(token.substr(2));
    if (!raw) throw errors::invalid_parameter("The specified nextToken is invalid.");
    pos = *raw;
  }
  storage::ScanOptions so;
  so.start = prefix + (start > 0 ? be64(static_cast<uint64_t>(start)) : "");
  so.end = end == INT64_MAX ? storage::prefix_end(prefix) : prefix + be64(static_cast<uint64_t>(end));
  bool reverse = !forward;
  if (!pos.empty()) {
    if (forward) so.start = std::max(so.start, prefix + pos + '\0');
    else so.end = std::min(so.end, prefix + pos);
  }
  so.reverse = reverse;
  std::vector<StoredEvent> got;
  size_t page_bytes = 0;
  for (auto it = ctx.storage.scan(LogStore::kEvents, so); it->valid() && static_cast<int64_t>(got.size()) < limit; it->next()) {
    size_t size = it->value().size() - std::min<size_t>(8, it->value().size()) + kEventOverhead;
    if (!got.empty() && page_bytes + size > kMaxPageBytes) break;  // the rest is for the next page
    page_bytes += size;
    got.push_back(decode_event(it->key(), it->value(), prefix.size(), s));
  }
  if (reverse) std::reverse(got.begin(), got.end());
  Doc events = Doc::list();
  for (const auto& e : got) events.push(output_event(e));
  Doc out = Doc::map();
  out.set("events", std::move(events));
  std::string fwd = got.empty() ? (forward && !pos.empty() ? pos : std::string()) : got.back().key;
  std::string bwd = got.empty() ? (!forward && !pos.empty() ? pos : std::string()) : got.front().key;
  if (got.empty() && token.size() > 2) {
    out.set("nextForwardToken", token[0] == 'f' ? token : "f/" + enc::base64_encode(pos));
    out.set("nextBackwardToken", token[0] == 'b' ? token : "b/" + enc::base64_encode(pos));
  } else {
    out.set("nextForwardToken", "f/" + enc::base64_encode(fwd.empty() ? std::string(16, '\0') : fwd));
    out.set("nextBackwardToken", "b/" + enc::base64_encode(bwd.empty() ? std::string(16, '\0') : bwd));
  }
  return out;
}

namespace {

// One stream's events in FilterLogEvents' merge, positioned at its next event.
struct Cursor {
  std::string stream, prefix;
  std::unique_ptr<storage::Iterator> it;
  std::string order;  // sort key of the current event (see order_key)
};

}  // namespace

// Events of a group in the order FilterLogEvents returns them: timestamp, stream, position.
static std::string order_key(std::string_view pos, const std::string& stream) {
  std::string k(pos.substr(0, 8));
  k += stream;
  k += '\0';
  k += pos;
  return k;
}

// Merges the group's streams in timestamp order, one iterator per stream (no event is held
// beyond the page): a page ends at `limit` events, at kMaxPageBytes of events, or once
// kMaxScanBytes were read (a partial or empty page with a nextToken, as AWS may answer). The
// token is the order key of the last event looked at.
Doc filter_log_events(OpContext& ctx, const Doc& in) {
  std::string g = group_name(in);
  if (!LogStore(ctx.storage).load(LogStore::kGroups, LogStore::group_key(ctx.account(), ctx.region(), g))) throw not_found("log group");
  int64_t start = in.integer("startTime", 0), end = in.integer("endTime", INT64_MAX);
  int64_t limit = std::clamp<int64_t>(in.integer("limit", kMaxPageEvents), 1, kMaxPageEvents);
  FilterPattern pat = parse_pattern(in.str("filterPattern"));
  std::vector<std::string> names;
  if (const Doc* l = in.get("logStreamNames"); l && l->is_list())
    for (const auto& n : l->as_list()) names.push_back(n.as_string());
  std::string base = LogStore::group_prefix(ctx.account(), ctx.region(), g);
  if (names.empty()) {
    for (auto it = ctx.storage.prefix(LogStore::kStreams, base + in.str("logStreamNamePrefix")); it->valid(); it->next())
      names.emplace_back(it->key().substr(base.size()));
  }
  std::string after_key;
  if (in.has("nextToken")) after_key = enc::base64_decode(in.str("nextToken")).value_or("");
  int64_t from = std::max<int64_t>(start, 0);
  if (after_key.size() >= 8) from = std::max(from, static_cast<int64_t>(read_be64(after_key)));
  auto snap = ctx.storage.snapshot();
  std::vector<Cursor> cursors;
  for (const auto& s : names) {
    Cursor c;
    c.stream = s;
    c.prefix = LogStore::events_prefix(ctx.account(), ctx.region(), g, s);
    storage::ScanOptions so;
    so.start = c.prefix + be64(static_cast<uint64_t>(from));
    so.end = end == INT64_MAX ? storage::prefix_end(c.prefix) : c.prefix + be64(static_cast<uint64_t>(end) + 1);
    so.snapshot = snap.get();
    c.it = ctx.storage.scan(LogStore::kEvents, so);
    for (; c.it->valid(); c.it->next()) {  // past what earlier pages covered (same millisecond)
      c.order = order_key(c.it->key().substr(c.prefix.size()), s);
      if (after_key.empty() || c.order > after_key) break;
    }
    if (c.it->valid()) cursors.push_back(std::move(c));
  }
  auto later = [&](size_t a, size_t b) { return cursors[a].order > cursors[b].order; };
  std::vector<size_t> heap(cursors.size());
  for (size_t i = 0; i < heap.size(); ++i) heap[i] = i;
  std::make_heap(heap.begin(), heap.end(), later);
  Doc events = Doc::list();
  size_t page_bytes = 0, scanned = 0;
  bool more = false;
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    Cursor& c = cursors[heap.back()];
    std::string_view value = c.it->value();
    std::string_view message = value.substr(std::min<size_t>(8, value.size()));
    if (pat.matches(message)) {
      size_t size = message.size() + kEventOverhead;
      if (static_cast<int64_t>(events.size()) >= limit || (events.size() > 0 && page_bytes + size > kMaxPageBytes)) {
        more = true;  // this event starts the next page
        break;
      }
      StoredEvent e = decode_event(c.it->key(), value, c.prefix.size(), c.stream);
      Doc d = output_event(e);
      d.set("logStreamName", e.stream);
      d.set("eventId", event_id(e.ts, read_be64(e.key.substr(8))));
      events.push(std::move(d));
      page_bytes += size;
    }
    after_key = c.order;
    scanned += value.size() + kEventOverhead;
    c.it->next();
    if (c.it->valid()) {
      c.order = order_key(c.it->key().substr(c.prefix.size()), c.stream);
      std::push_heap(heap.begin(), heap.end(), later);
    } else {
      heap.pop_back();
    }
    if (scanned >= kMaxScanBytes && !heap.empty()) {
      more = true;
      break;
    }
  }
  Doc searched = Doc::list();
  for (const auto& s : names) {
    Doc d = Doc::map();
    d.set("logStreamName", s);
    d.set("searchedCompletely", !more);
    searched.push(std::move(d));
  }
  Doc out = Doc::map();
  out.set("events", std::move(events));
  out.set("searchedLogStreams", std::move(searched));
  if (more) out.set("nextToken", enc::base64_encode(after_key));
  return out;
}

}  // namespace stratus::logs
