// Amazon CloudWatch Logs: log groups, streams and events, enough for Lambda's logs and for
// `aws logs` (describe, get, filter, tail).
#include <algorithm>
#include <atomic>
#include <mutex>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/json.h"
#include "server/context.h"
#include "services/logs/store.h"
#include "services/service.h"

namespace stratus::logs {
namespace {

constexpr std::string_view kGroups = "logs.groups";
constexpr std::string_view kStreams = "logs.streams";
constexpr std::string_view kEvents = "logs.events";

// A page of GetLogEvents/FilterLogEvents: up to 1 MB of events or 10,000 events (each event
// counted as its message plus 26 bytes, as PutLogEvents counts); FilterLogEvents also stops after
// reading kMaxScanBytes, so that one call's work and memory stay bounded however large the group.
constexpr int64_t kMaxPageEvents = 10000;
constexpr size_t kMaxPageBytes = 1024 * 1024;
constexpr size_t kMaxScanBytes = 32 * 1024 * 1024;
constexpr size_t kEventOverhead = 26;

std::mutex& meta_mu() {
  static std::mutex mu;
  return mu;
}

std::string be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}
uint64_t read_be64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

std::string scope(const std::string& account, const std::string& region) {
  return account + '\0' + region + '\0';
}
std::string group_key(const std::string& a, const std::string& r, const std::string& g) { return scope(a, r) + g; }
std::string stream_key(const std::string& a, const std::string& r, const std::string& g, const std::string& s) {
  return scope(a, r) + g + '\0' + s;
}
std::string events_prefix(const std::string& a, const std::string& r, const std::string& g, const std::string& s) {
  return stream_key(a, r, g, s) + '\0';
}

uint64_t next_seq() {
  static std::atomic<uint64_t> seq{static_cast<uint64_t>(now_millis()) << 16};
  return seq++;
}

std::optional<Doc> load(storage::Engine& db, std::string_view ks, const std::string& key) {
  std::string v;
  if (!db.get(ks, key, &v).ok()) return std::nullopt;
  return json::parse(v);
}

std::string group_arn(const std::string& a, const std::string& r, const std::string& g) {
  return "arn:aws:logs:" + r + ":" + a + ":log-group:" + g;
}

Doc new_group(int64_t now) {
  Doc g = Doc::map();
  g.set("creationTime", now);
  return g;
}

Doc new_stream(int64_t now) {
  Doc s = Doc::map();
  s.set("creationTime", now);
  s.set("storedBytes", 0);
  return s;
}

}  // namespace

storage::Status append(storage::Engine& db, const std::string& account, const std::string& region,
                       const std::string& group, const std::string& stream, const std::vector<Event>& events,
                       bool create) {
  std::lock_guard lock(meta_mu());
  int64_t now = now_millis();
  storage::WriteBatch batch;
  std::string gk = group_key(account, region, group);
  std::string sk = stream_key(account, region, group, stream);
  auto g = load(db, kGroups, gk);
  if (!g) {
    if (!create) return storage::Status::NotFound();
    batch.put(kGroups, gk, json::write(new_group(now)));
  }
  auto s = load(db, kStreams, sk);
  if (!s) {
    if (!create) return storage::Status::NotFound();
    s = new_stream(now);
  }
  std::string prefix = events_prefix(account, region, group, stream);
  int64_t first = s->integer("firstEventTimestamp", INT64_MAX), last = s->integer("lastEventTimestamp", 0);
  int64_t bytes = s->integer("storedBytes", 0);
  for (const auto& e : events) {
    batch.put(kEvents, prefix + be64(static_cast<uint64_t>(e.timestamp)) + be64(next_seq()), be64(now) + e.message);
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
  return db.write(batch);
}

namespace {

AwsError not_found(const std::string& what) {
  return {"ResourceNotFoundException", "The specified " + what + " does not exist.", 400};
}
AwsError exists(const std::string& what) {
  return {"ResourceAlreadyExistsException", "The specified " + what + " already exists", 400};
}

// logGroupName or logGroupIdentifier (a name or an ARN).
std::string group_name(const Doc& in) {
  std::string n = in.str("logGroupName");
  if (n.empty()) n = in.str("logGroupIdentifier");
  if (n.rfind("arn:", 0) == 0) {
    auto p = n.find(":log-group:");
    if (p != std::string::npos) n = n.substr(p + 11);
    if (n.size() > 2 && n.compare(n.size() - 2, 2, ":*") == 0) n.resize(n.size() - 2);
  }
  return n;
}

Result<Doc> create_log_group(OpContext& ctx, const Doc& in) {
  std::string name = in.str("logGroupName");
  std::lock_guard lock(meta_mu());
  std::string key = group_key(ctx.account(), ctx.region(), name);
  if (load(ctx.storage, kGroups, key)) return exists("log group");
  Doc g = new_group(ctx.now_ms);
  if (const Doc* t = in.get("tags")) g.set("tags", *t);
  if (in.has("logGroupClass")) g.set("logGroupClass", in.str("logGroupClass"));
  ctx.storage.put(kGroups, key, json::write(g));
  return Doc::map();
}

void delete_prefix(storage::Engine& db, std::string_view ks, const std::string& prefix) {
  storage::WriteBatch batch;
  for (auto it = db.prefix(ks, prefix); it->valid(); it->next()) {
    batch.del(ks, it->key());
    if (batch.ops().size() >= 1000) {
      db.write(batch);
      batch = storage::WriteBatch();
    }
  }
  if (!batch.empty()) db.write(batch);
}

Result<Doc> delete_log_group(OpContext& ctx, const Doc& in) {
  std::string name = group_name(in);
  std::lock_guard lock(meta_mu());
  std::string key = group_key(ctx.account(), ctx.region(), name);
  if (!load(ctx.storage, kGroups, key)) return not_found("log group");
  ctx.storage.del(kGroups, key);
  delete_prefix(ctx.storage, kStreams, key + '\0');
  delete_prefix(ctx.storage, kEvents, key + '\0');
  return Doc::map();
}

Doc group_doc(const std::string& a, const std::string& r, const std::string& name, const Doc& g, int64_t bytes) {
  Doc d = Doc::map();
  d.set("logGroupName", name);
  d.set("creationTime", g.integer("creationTime"));
  if (g.has("retentionInDays")) d.set("retentionInDays", g.integer("retentionInDays"));
  d.set("metricFilterCount", 0);
  d.set("arn", group_arn(a, r, name) + ":*");
  d.set("logGroupArn", group_arn(a, r, name));
  d.set("storedBytes", bytes);
  d.set("logGroupClass", g.str("logGroupClass", "STANDARD"));
  return d;
}

Result<Doc> describe_log_groups(OpContext& ctx, const Doc& in) {
  std::string prefix = in.str("logGroupNamePrefix");
  std::string pattern = in.str("logGroupNamePattern");
  int64_t limit = in.integer("limit", 50);
  std::string after;
  if (in.has("nextToken")) after = enc::base64_decode(in.str("nextToken")).value_or("");
  std::string sc = scope(ctx.account(), ctx.region());
  Doc groups = Doc::list();
  std::string next;
  for (auto it = ctx.storage.prefix(kGroups, sc + prefix); it->valid(); it->next()) {
    std::string name(it->key().substr(sc.size()));
    if (!after.empty() && name <= after) continue;
    if (!pattern.empty() && name.find(pattern) == std::string::npos) continue;
    if (static_cast<int64_t>(groups.size()) >= limit) {
      next = enc::base64_encode(groups.as_list().back().str("logGroupName"));
      break;
    }
    groups.push(group_doc(ctx.account(), ctx.region(), name, json::parse(it->value()), 0));
  }
  Doc out = Doc::map();
  out.set("logGroups", std::move(groups));
  if (!next.empty()) out.set("nextToken", next);
  return out;
}

Result<Doc> create_log_stream(OpContext& ctx, const Doc& in) {
  std::string g = in.str("logGroupName"), s = in.str("logStreamName");
  std::lock_guard lock(meta_mu());
  if (!load(ctx.storage, kGroups, group_key(ctx.account(), ctx.region(), g))) return not_found("log group");
  std::string key = stream_key(ctx.account(), ctx.region(), g, s);
  if (load(ctx.storage, kStreams, key)) return exists("log stream");
  ctx.storage.put(kStreams, key, json::write(new_stream(ctx.now_ms)));
  return Doc::map();
}

Result<Doc> delete_log_stream(OpContext& ctx, const Doc& in) {
  std::string g = in.str("logGroupName"), s = in.str("logStreamName");
  std::lock_guard lock(meta_mu());
  std::string key = stream_key(ctx.account(), ctx.region(), g, s);
  if (!load(ctx.storage, kStreams, key)) return not_found("log stream");
  ctx.storage.del(kStreams, key);
  delete_prefix(ctx.storage, kEvents, key + '\0');
  return Doc::map();
}

Doc stream_doc(const std::string& a, const std::string& r, const std::string& g, const std::string& name,
               const Doc& s) {
  Doc d = Doc::map();
  d.set("logStreamName", name);
  d.set("creationTime", s.integer("creationTime"));
  for (const char* k : {"firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"})
    if (s.has(k)) d.set(k, s.integer(k));
  d.set("uploadSequenceToken", "49039859543329722483216658224475613839227813958212");
  d.set("arn", group_arn(a, r, g) + ":log-stream:" + name);
  d.set("storedBytes", 0);
  return d;
}

Result<Doc> describe_log_streams(OpContext& ctx, const Doc& in) {
  std::string g = group_name(in);
  if (!load(ctx.storage, kGroups, group_key(ctx.account(), ctx.region(), g))) return not_found("log group");
  std::string order = in.str("orderBy", "LogStreamName");
  bool desc = in.flag("descending");
  int64_t limit = in.integer("limit", 50);
  int64_t offset = 0;
  if (in.has("nextToken")) offset = std::atoll(enc::base64_decode(in.str("nextToken")).value_or("0").c_str());
  std::string base = stream_key(ctx.account(), ctx.region(), g, "");
  std::vector<Doc> all;
  for (auto it = ctx.storage.prefix(kStreams, base + in.str("logStreamNamePrefix")); it->valid(); it->next()) {
    all.push_back(stream_doc(ctx.account(), ctx.region(), g, std::string(it->key().substr(base.size())),
                             json::parse(it->value())));
  }
  if (order == "LastEventTime") {
    std::stable_sort(all.begin(), all.end(), [](const Doc& a, const Doc& b) {
      return a.integer("lastEventTimestamp", a.integer("creationTime")) <
             b.integer("lastEventTimestamp", b.integer("creationTime"));
    });
  }
  if (desc) std::reverse(all.begin(), all.end());
  Doc streams = Doc::list();
  int64_t i = offset;
  for (; i < static_cast<int64_t>(all.size()) && static_cast<int64_t>(streams.size()) < limit; ++i) streams.push(all[i]);
  Doc out = Doc::map();
  out.set("logStreams", std::move(streams));
  if (i < static_cast<int64_t>(all.size())) out.set("nextToken", enc::base64_encode(std::to_string(i)));
  return out;
}

Result<Doc> put_log_events(OpContext& ctx, const Doc& in) {
  std::vector<Event> events;
  const Doc* list = in.get("logEvents");
  if (list && list->is_list()) {
    int64_t prev = INT64_MIN;
    for (const auto& e : list->as_list()) {
      int64_t ts = e.integer("timestamp");
      if (ts < prev)
        return AwsError("InvalidParameterException",
                        "Log events in a single PutLogEvents request must be in chronological order.", 400);
      prev = ts;
      events.push_back({ts, e.str("message")});
    }
  }
  auto st = append(ctx.storage, ctx.account(), ctx.region(), in.str("logGroupName"), in.str("logStreamName"),
                   events, false);
  if (st.not_found()) {
    if (!load(ctx.storage, kGroups, group_key(ctx.account(), ctx.region(), in.str("logGroupName"))))
      return not_found("log group");
    return not_found("log stream");
  }
  if (!st.ok()) return errors::internal(st.message);
  Doc out = Doc::map();
  out.set("nextSequenceToken", "49039859543329722483216658224475613839227813958212");
  return out;
}

struct StoredEvent {
  std::string stream;
  std::string key;  // position within the stream (be64 ts + be64 seq)
  int64_t ts, ingest;
  std::string message;
};

StoredEvent decode_event(std::string_view key, std::string_view value, size_t prefix_len, std::string stream) {
  StoredEvent e;
  e.stream = std::move(stream);
  e.key = std::string(key.substr(prefix_len));
  e.ts = static_cast<int64_t>(read_be64(e.key));
  e.ingest = static_cast<int64_t>(read_be64(value));
  e.message = std::string(value.substr(std::min<size_t>(8, value.size())));
  return e;
}

Doc output_event(const StoredEvent& e) {
  Doc d = Doc::map();
  d.set("timestamp", e.ts);
  d.set("message", e.message);
  d.set("ingestionTime", e.ingest);
  return d;
}

Result<Doc> get_log_events(OpContext& ctx, const Doc& in) {
  std::string g = group_name(in), s = in.str("logStreamName");
  if (!load(ctx.storage, kGroups, group_key(ctx.account(), ctx.region(), g))) return not_found("log group");
  if (!load(ctx.storage, kStreams, stream_key(ctx.account(), ctx.region(), g, s))) return not_found("log stream");
  std::string prefix = events_prefix(ctx.account(), ctx.region(), g, s);
  int64_t limit = std::clamp<int64_t>(in.integer("limit", kMaxPageEvents), 1, kMaxPageEvents);
  int64_t start = in.integer("startTime", INT64_MIN), end = in.integer("endTime", INT64_MAX);
  std::string token = in.str("nextToken");
  bool forward = in.flag("startFromHead");
  std::string pos;
  if (token.size() > 2 && (token[0] == 'f' || token[0] == 'b') && token[1] == '/') {
    forward = token[0] == 'f';
    auto raw = enc::base64_decode(token.substr(2));
    if (!raw) return AwsError("InvalidParameterException", "The specified nextToken is invalid.", 400);
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
  for (auto it = ctx.storage.scan(kEvents, so); it->valid() && static_cast<int64_t>(got.size()) < limit; it->next()) {
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

// CloudWatch Logs filter patterns for unstructured events: terms that must all appear, "quoted
// phrases", ?term alternatives (any of them), -term exclusions. JSON ({ $.x = ... }) and
// space-delimited ([a, b]) patterns match every event here.
struct Pattern {
  std::vector<std::string> all, any, none;
  bool match_all = false;
  explicit Pattern(std::string_view p) {
    size_t i = 0;
    while (i < p.size() && p[i] == ' ') ++i;
    if (i >= p.size() || p[i] == '{' || p[i] == '[') {
      match_all = true;
      return;
    }
    while (i < p.size()) {
      while (i < p.size() && p[i] == ' ') ++i;
      if (i >= p.size()) break;
      char kind = 0;
      if (p[i] == '?' || p[i] == '-') kind = p[i++];
      std::string term;
      if (i < p.size() && p[i] == '"') {
        size_t j = p.find('"', i + 1);
        if (j == std::string_view::npos) j = p.size();
        term = std::string(p.substr(i + 1, j - i - 1));
        i = j + 1;
      } else {
        size_t j = p.find(' ', i);
        if (j == std::string_view::npos) j = p.size();
        term = std::string(p.substr(i, j - i));
        i = j;
      }
      if (term.empty()) continue;
      (kind == '?' ? any : kind == '-' ? none : all).push_back(term);
    }
  }
  bool matches(std::string_view m) const {
    if (match_all) return true;
    for (const auto& t : all)
      if (m.find(t) == std::string_view::npos) return false;
    for (const auto& t : none)
      if (m.find(t) != std::string_view::npos) return false;
    if (any.empty()) return true;
    for (const auto& t : any)
      if (m.find(t) != std::string_view::npos) return true;
    return false;
  }
};

// One stream's events in FilterLogEvents' merge, positioned at its next event.
struct Cursor {
  std::string stream, prefix;
  std::unique_ptr<storage::Iterator> it;
  std::string order;  // sort key of the current event (see order_key)
};

// Events of a group in the order FilterLogEvents returns them: timestamp, stream, position.
std::string order_key(std::string_view pos, const std::string& stream) {
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
Result<Doc> filter_log_events(OpContext& ctx, const Doc& in) {
  std::string g = group_name(in);
  if (!load(ctx.storage, kGroups, group_key(ctx.account(), ctx.region(), g))) return not_found("log group");
  int64_t start = in.integer("startTime", 0), end = in.integer("endTime", INT64_MAX);
  int64_t limit = std::clamp<int64_t>(in.integer("limit", kMaxPageEvents), 1, kMaxPageEvents);
  Pattern pat(in.str("filterPattern"));
  std::vector<std::string> names;
  if (const Doc* l = in.get("logStreamNames"); l && l->is_list())
    for (const auto& n : l->as_list()) names.push_back(n.as_string());
  std::string base = stream_key(ctx.account(), ctx.region(), g, "");
  if (names.empty()) {
    for (auto it = ctx.storage.prefix(kStreams, base + in.str("logStreamNamePrefix")); it->valid(); it->next())
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
    c.prefix = events_prefix(ctx.account(), ctx.region(), g, s);
    storage::ScanOptions so;
    so.start = c.prefix + be64(static_cast<uint64_t>(from));
    so.end = end == INT64_MAX ? storage::prefix_end(c.prefix) : c.prefix + be64(static_cast<uint64_t>(end) + 1);
    so.snapshot = snap.get();
    c.it = ctx.storage.scan(kEvents, so);
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
      d.set("eventId", std::to_string(e.ts) + std::to_string(read_be64(e.key.substr(8))));
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

// Read-modify-write of a group record.
template <typename F>
Result<Doc> with_group(OpContext& ctx, const std::string& name, F f) {
  std::lock_guard lock(meta_mu());
  std::string key = group_key(ctx.account(), ctx.region(), name);
  auto g = load(ctx.storage, kGroups, key);
  if (!g) return not_found("log group");
  Doc out = f(*g);
  ctx.storage.put(kGroups, key, json::write(*g));
  return out;
}

Result<Doc> put_retention_policy(OpContext& ctx, const Doc& in) {
  int64_t days = in.integer("retentionInDays");
  return with_group(ctx, in.str("logGroupName"), [&](Doc& g) {
    g.set("retentionInDays", days);
    return Doc::map();
  });
}

Result<Doc> delete_retention_policy(OpContext& ctx, const Doc& in) {
  return with_group(ctx, in.str("logGroupName"), [&](Doc& g) {
    g.as_map().erase("retentionInDays");
    return Doc::map();
  });
}

std::string arn_group(const std::string& arn) {
  Doc d = Doc::map();
  d.set("logGroupIdentifier", arn);
  return group_name(d);
}

Result<Doc> tag_group(OpContext& ctx, const std::string& name, const Doc& tags) {
  return with_group(ctx, name, [&](Doc& g) {
    Doc& t = g["tags"];
    if (tags.is_map())
      for (const auto& [k, v] : tags.as_map()) t.set(k, v);
    return Doc::map();
  });
}

Result<Doc> untag_group(OpContext& ctx, const std::string& name, const Doc& keys) {
  return with_group(ctx, name, [&](Doc& g) {
    if (Doc* t = g.get("tags"); t && t->is_map() && keys.is_list())
      for (const auto& k : keys.as_list()) t->as_map().erase(k.as_string());
    return Doc::map();
  });
}

Result<Doc> list_tags(OpContext& ctx, const std::string& name) {
  return with_group(ctx, name, [&](Doc& g) {
    Doc out = Doc::map();
    const Doc* t = g.get("tags");
    out.set("tags", t ? *t : Doc::map());
    return out;
  });
}

class LogsService final : public Service {
 public:
  LogsService() : Service("logs") {
    add("CreateLogGroup", create_log_group);
    add("DeleteLogGroup", delete_log_group);
    add("DescribeLogGroups", describe_log_groups);
    add("CreateLogStream", create_log_stream);
    add("DeleteLogStream", delete_log_stream);
    add("DescribeLogStreams", describe_log_streams);
    add("PutLogEvents", put_log_events);
    add("GetLogEvents", get_log_events);
    add("FilterLogEvents", filter_log_events);
    add("PutRetentionPolicy", put_retention_policy);
    add("DeleteRetentionPolicy", delete_retention_policy);
    add("TagLogGroup", [](OpContext& c, const Doc& in) { return tag_group(c, in.str("logGroupName"), *in.get("tags")); });
    add("UntagLogGroup", [](OpContext& c, const Doc& in) { return untag_group(c, in.str("logGroupName"), *in.get("tags")); });
    add("ListTagsLogGroup", [](OpContext& c, const Doc& in) { return list_tags(c, in.str("logGroupName")); });
    add("TagResource", [](OpContext& c, const Doc& in) { return tag_group(c, arn_group(in.str("resourceArn")), *in.get("tags")); });
    add("UntagResource", [](OpContext& c, const Doc& in) { return untag_group(c, arn_group(in.str("resourceArn")), *in.get("tagKeys")); });
    add("ListTagsForResource", [](OpContext& c, const Doc& in) { return list_tags(c, arn_group(in.str("resourceArn"))); });
  }
  std::string validation_error_code() const override { return "InvalidParameterException"; }
};

}  // namespace

std::unique_ptr<Service> make_service() { return std::make_unique<LogsService>(); }

}  // namespace stratus::logs
