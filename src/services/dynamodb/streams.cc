// The dynamodbstreams service (ListStreams, DescribeStream, GetShardIterator, GetRecords) and the
// stream functions behind the dynamodb::Api port (api.h) and the write path (store.h).
#include "core/env.h"
#include "services/dynamodb/api.h"

#include <cstdio>
#include <map>
#include <mutex>

#include "core/arn.h"
#include "core/encoding.h"
#include "core/json.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/service.h"

namespace stratus::dynamodb {
namespace {

int64_t iterator_lifetime_ms() {
  static const int64_t ms = env_positive("STRATUS_DYNAMODB_ITERATOR_LIFETIME_MS", 15 * 60 * 1000);
  return ms;
}

std::mutex listeners_mu;
std::map<uint64_t, std::shared_ptr<StreamListener>> listeners;  // GUARDED_BY(listeners_mu)
uint64_t next_listener = 1;                                     // GUARDED_BY(listeners_mu)

std::string stream_prefix(uint64_t stream_id) { return storage::KeyBuilder(8).u64(stream_id).take(); }

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

StreamRef ref_of(const TableInfo& t) {
  StreamRef r;
  r.arn = t.stream_arn();
  r.account = t.account;
  r.region = t.region;
  r.table = t.name;
  r.label = t.stream_label;
  r.view_type = t.stream_view_type;
  r.stream_id = t.stream_id;
  r.enabled = t.stream_enabled;
  return r;
}

// A stream the table replaced by a later enable ({label, id, view, disabled}: TableInfo).
StreamRef past_ref(const TableInfo& t, const Doc& p) {
  StreamRef r = ref_of(t);
  r.label = p.str("label");
  r.arn = t.arn() + "/stream/" + r.label;
  r.view_type = p.str("view");
  r.stream_id = std::stoull(p.str("id", "0"));
  r.enabled = false;
  return r;
}

// Every stream of the table still readable, the latest first.
std::vector<StreamRef> streams_of(const TableInfo& t) {
  std::vector<StreamRef> out;
  if (t.stream_label.empty()) return out;
  out.push_back(ref_of(t));
  if (t.past_streams.is_list())
    for (const auto& p : t.past_streams.as_list()) out.push_back(past_ref(t, p));
  return out;
}

std::string shard_id(const StreamRef& r) {
  // One shard per stream; its id names the stream's creation time like AWS's ids do.
  std::string digits = r.label;
  std::string ts;
  for (char c : digits)
    if (c >= '0' && c <= '9') ts += c;
  while (ts.size() < 20) ts += '0';
  return "shardId-" + ts.substr(0, 20) + "-" + hex64(r.stream_id).substr(0, 8);
}

}  // namespace

std::string stream_shard_id(const StreamRef& ref) { return shard_id(ref); }

int64_t stream_retention_ms() {
  static const int64_t ms = env_positive("STRATUS_DYNAMODB_STREAM_RETENTION_MS", 24LL * 3600 * 1000);
  return ms;
}

uint64_t trimmed_through(storage::Engine& e, uint64_t stream_id) {
  std::string v;
  return e.get(kStreamMeta, stream_prefix(stream_id), &v).ok() ? read_be64(v) : 0;
}

std::string sequence_text(uint64_t seq) {
  std::string s = std::to_string(seq);
  return std::string(s.size() < 21 ? 21 - s.size() : 0, '0') + s;
}

namespace {

// `table/NAME/stream/LABEL` of a stream ARN, or nullopt when the text is no DynamoDB stream ARN.
struct StreamArnParts {
  std::string account, region, table, label;
};
std::optional<StreamArnParts> parse_stream_arn(const std::string& stream_arn) {
  auto arn = Arn::parse(stream_arn);
  if (!arn || arn->service != "dynamodb") return std::nullopt;
  const std::string& res = arn->resource;
  if (res.rfind("table/", 0) != 0) return std::nullopt;
  auto s = res.find("/stream/");
  if (s == std::string::npos || s == 6 || s + 8 == res.size()) return std::nullopt;
  return StreamArnParts{arn->account, arn->region, res.substr(6, s - 6), res.substr(s + 8)};
}

}  // namespace

std::optional<StreamRef> find_stream(storage::Engine& e, const std::string& stream_arn) {
  auto parts = parse_stream_arn(stream_arn);
  if (!parts) return std::nullopt;
  std::string v;
  if (!e.get(kTables, table_key(parts->account, parts->region, parts->table), &v).ok()) return std::nullopt;
  auto t = TableInfo::from_json(json::parse(v));
  if (t->stream_label.empty()) return std::nullopt;
  if (t->stream_label == parts->label) return ref_of(*t);
  if (t->past_streams.is_list())
    for (const auto& p : t->past_streams.as_list())
      if (p.str("label") == parts->label) return past_ref(*t, p);
  return std::nullopt;
}

std::vector<StreamRecord> read_stream(storage::Engine& e, uint64_t stream_id, uint64_t after, size_t limit) {
  std::string p = stream_prefix(stream_id);
  storage::ScanOptions o;
  o.start = p;
  append_be64(o.start, after + 1);
  o.end = storage::prefix_end(p);
  std::vector<StreamRecord> out;
  auto it = e.scan(kStream, o);
  for (; it->valid() && out.size() < limit; it->next()) {
    StreamRecord r;
    if (!decode_record(it->value(), r)) continue;
    r.sequence = read_be64(it->key().substr(8));
    out.push_back(std::move(r));
  }
  return out;
}

uint64_t last_sequence(storage::Engine& e, uint64_t stream_id) {
  std::string p = stream_prefix(stream_id);
  storage::ScanOptions o;
  o.start = p;
  o.end = storage::prefix_end(p);
  o.reverse = true;
  auto it = e.scan(kStream, o);
  return it->valid() ? read_be64(it->key().substr(8)) : 0;
}

uint64_t first_sequence(storage::Engine& e, uint64_t stream_id) {
  auto it = e.prefix(kStream, stream_prefix(stream_id));
  return it->valid() ? read_be64(it->key().substr(8)) : 0;
}

Doc record_to_doc(const StreamRecord& r, const StreamRef& ref, bool lambda_event) {
  Doc d = Doc::map();
  d.set("eventID", hex64(ref.stream_id ^ (r.sequence * 0x9e3779b97f4a7c15ULL)) + hex64(r.sequence));
  d.set("eventName", r.event_name);
  d.set("eventVersion", "1.1");
  d.set("eventSource", "aws:dynamodb");
  d.set("awsRegion", ref.region);
  Doc db = Doc::map();
  db.set("ApproximateCreationDateTime", Timestamp{(r.created_ms / 1000) * 1000});
  db.set("Keys", item_to_doc(r.keys));
  if (r.new_image) db.set("NewImage", item_to_doc(*r.new_image));
  if (r.old_image) db.set("OldImage", item_to_doc(*r.old_image));
  db.set("SequenceNumber", sequence_text(r.sequence));
  db.set("SizeBytes", static_cast<int64_t>(r.size_bytes));
  db.set("StreamViewType", r.view_type);
  d.set("dynamodb", db);
  if (r.by_ttl) {
    Doc who = Doc::map();
    who.set(lambda_event ? "principalId" : "PrincipalId", "dynamodb.amazonaws.com");
    who.set(lambda_event ? "type" : "Type", "Service");
    d.set("userIdentity", who);
  }
  return d;
}

uint64_t add_stream_listener(StreamListener l) {
  std::lock_guard lock(listeners_mu);
  uint64_t token = next_listener++;
  listeners[token] = std::make_shared<StreamListener>(std::move(l));
  return token;
}

void remove_stream_listener(uint64_t token) {
  std::lock_guard lock(listeners_mu);
  listeners.erase(token);
}

void stream_appended(uint64_t stream_id, uint64_t sequence) {
  std::vector<std::shared_ptr<StreamListener>> copy;
  {
    std::lock_guard lock(listeners_mu);
    if (listeners.empty()) return;
    for (const auto& [_, l] : listeners) copy.push_back(l);
  }
  for (const auto& l : copy) (*l)(stream_id, sequence);
}

namespace {

AwsError trimmed() { return streams::errors::trimmed_data_access("The data you are trying to access has been trimmed."); }

AwsError stream_not_found(const std::string& arn) {
  return streams::errors::resource_not_found("Requested resource not found: Stream: " + arn + " not found");
}

// The stream an ARN names. A text that is no DynamoDB stream ARN is a ValidationException; a
// well-formed ARN of no (longer) existing stream is ResourceNotFoundException, as AWS answers.
StreamRef stream_named(storage::Engine& e, const std::string& arn) {
  if (!parse_stream_arn(arn)) throw errors::validation("Invalid StreamArn");
  auto r = find_stream(e, arn);
  if (!r) throw stream_not_found(arn);
  return *r;
}

// Limits past the documented maximum. The model gives no upper bound for these members (only
// min 1, which the model validation checks); AWS states them in the operations' documentation.
void check_limit(const Doc& in, int64_t max) {
  if (in.has("Limit") && in.integer("Limit") > max)
    throw errors::validation("1 validation error detected: Value '" + std::to_string(in.integer("Limit")) +
                             "' at 'limit' failed to satisfy constraint: Member must have value less than or equal to " +
                             std::to_string(max));
}

// Shard iterators are opaque to clients: stream ARN, shard, position and creation time.
std::string make_iterator(const StreamRef& r, uint64_t after, int64_t now_ms) {
  Doc d = Doc::map();
  d.set("a", r.arn);
  d.set("p", std::to_string(after));
  d.set("t", now_ms);
  return enc::base64_encode(json::write(d));
}

Doc key_schema(storage::Engine& e, const StreamRef& r) {
  std::string v;
  Doc l = Doc::list();
  if (!e.get(kTables, table_key(r.account, r.region, r.table), &v).ok()) return l;
  auto t = TableInfo::from_json(json::parse(v));
  Doc h = Doc::map();
  h.set("AttributeName", t->hash.name);
  h.set("KeyType", "HASH");
  l.push(h);
  if (t->range) {
    Doc rr = Doc::map();
    rr.set("AttributeName", t->range->name);
    rr.set("KeyType", "RANGE");
    l.push(rr);
  }
  return l;
}

int64_t label_ms(const std::string& label) {
  auto t = enc::parse_iso8601(label + "Z");
  return t ? *t : 0;
}

Doc list_streams(OpContext& ctx, const Doc& in) {
  check_limit(in, 100);
  std::string prefix = table_key(ctx.account(), ctx.region(), "");
  auto it = ctx.storage.prefix(kTables, prefix);
  std::vector<StreamRef> refs;
  for (; it->valid(); it->next()) {
    auto t = TableInfo::from_json(json::parse(it->value()));
    if (in.has("TableName") && t->name != in.str("TableName")) continue;
    for (auto& r : streams_of(*t)) refs.push_back(std::move(r));
  }
  size_t start = 0;
  if (in.has("ExclusiveStartStreamArn")) {
    for (size_t i = 0; i < refs.size(); ++i)
      if (refs[i].arn == in.str("ExclusiveStartStreamArn")) start = i + 1;
  }
  size_t limit = static_cast<size_t>(in.integer("Limit", 100));
  Doc streams = Doc::list();
  size_t i = start;
  for (; i < refs.size() && streams.as_list().size() < limit; ++i) {
    Doc s = Doc::map();
    s.set("StreamArn", refs[i].arn);
    s.set("TableName", refs[i].table);
    s.set("StreamLabel", refs[i].label);
    streams.push(s);
  }
  Doc out = Doc::map();
  out.set("Streams", streams);
  if (i < refs.size()) out.set("LastEvaluatedStreamArn", refs[i - 1].arn);
  return out;
}

// A stream has one shard (its id names the stream's creation). It is closed, with an ending
// sequence number, once the stream is disabled; it has no parent, so no shard has children.
Doc describe_stream(OpContext& ctx, const Doc& in) {
  check_limit(in, 100);
  StreamRef r = stream_named(ctx.storage, in.str("StreamArn"));
  Doc d = Doc::map();
  d.set("StreamArn", r.arn);
  d.set("StreamLabel", r.label);
  d.set("StreamStatus", r.enabled ? "ENABLED" : "DISABLED");
  d.set("StreamViewType", r.view_type);
  d.set("CreationRequestDateTime", Timestamp{label_ms(r.label)});
  d.set("TableName", r.table);
  d.set("KeySchema", key_schema(ctx.storage, r));
  std::vector<Doc> shards;
  Doc shard = Doc::map();
  shard.set("ShardId", shard_id(r));
  Doc range = Doc::map();
  uint64_t first = first_sequence(ctx.storage, r.stream_id);
  uint64_t horizon = trimmed_through(ctx.storage, r.stream_id);
  range.set("StartingSequenceNumber", sequence_text(first ? first : horizon + 1));
  if (!r.enabled) range.set("EndingSequenceNumber", sequence_text(std::max(horizon, last_sequence(ctx.storage, r.stream_id))));
  shard.set("SequenceNumberRange", range);
  shards.push_back(std::move(shard));
  if (const Doc* f = in.get("ShardFilter"); f && f->is_map()) {
    if (f->str("Type") != "CHILD_SHARDS")
      throw errors::validation("1 validation error detected: Value '" + f->str("Type") +
                               "' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [CHILD_SHARDS]");
    if (!f->has("ShardId")) throw errors::validation("ShardId must be provided when using ShardFilter of type CHILD_SHARDS");
    std::erase_if(shards, [&](const Doc& s) { return s.str("ParentShardId") != f->str("ShardId") || !s.has("ParentShardId"); });
  }
  if (in.has("ExclusiveStartShardId")) {
    std::string after = in.str("ExclusiveStartShardId");
    std::erase_if(shards, [&](const Doc& s) { return s.str("ShardId") <= after; });
  }
  size_t limit = static_cast<size_t>(in.integer("Limit", 100));
  Doc list = Doc::list();
  for (size_t i = 0; i < shards.size() && i < limit; ++i) list.push(shards[i]);
  d.set("Shards", list);
  if (shards.size() > limit) d.set("LastEvaluatedShardId", shards[limit - 1].str("ShardId"));
  return answer("StreamDescription", d);
}

uint64_t parse_seq(const std::string& s) {
  size_t nz = s.find_first_not_of('0');
  std::string digits = nz == std::string::npos ? "0" : s.substr(nz);
  if (s.empty() || digits.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
    throw errors::validation("Invalid SequenceNumber: " + s);
  return std::stoull(digits);
}

Doc get_shard_iterator(OpContext& ctx, const Doc& in) {
  StreamRef r = stream_named(ctx.storage, in.str("StreamArn"));
  if (in.str("ShardId") != shard_id(r))
    throw streams::errors::resource_not_found("Requested resource not found: Shard does not exist");
  std::string type = in.str("ShardIteratorType");
  uint64_t after = 0;
  uint64_t horizon = trimmed_through(ctx.storage, r.stream_id);
  if (type == "TRIM_HORIZON") {
    after = horizon;
  } else if (type == "LATEST") {
    after = std::max(horizon, last_sequence(ctx.storage, r.stream_id));
  } else if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") {
    if (!in.has("SequenceNumber"))
      throw errors::validation("Must provide a sequence number for the shard iterator type " + type);
    uint64_t s = parse_seq(in.str("SequenceNumber"));
    after = type == "AT_SEQUENCE_NUMBER" ? (s ? s - 1 : 0) : s;
    if (after < horizon) throw trimmed();
  }
  return answer("ShardIterator", make_iterator(r, after, ctx.now_ms));
}

// At most Limit (≤ 1,000) records or 1 MB of them, whichever comes first (at least one record).
constexpr size_t kGetRecordsBytes = 1 << 20;

Doc get_records(OpContext& ctx, const Doc& in) {
  check_limit(in, 1000);
  std::string text = in.str("ShardIterator");
  auto raw = enc::base64_decode(text);
  Doc d;
  try {
    if (!raw) throw errors::validation("Invalid ShardIterator");
    d = json::parse(*raw);
  } catch (const AwsError&) {
    throw errors::validation("Invalid ShardIterator");
  }
  if (!d.is_map() || !d.has("a") || !d.has("p")) throw errors::validation("Invalid ShardIterator");
  int64_t created = d.integer("t");
  if (ctx.now_ms - created > iterator_lifetime_ms())
    throw streams::errors::expired_iterator("Iterator expired. The iterator was created at time " +
                                            enc::iso8601(created) + " while right now it's " +
                                            enc::iso8601(ctx.now_ms) +
                                            " which is further in the future than the tolerated delay of " +
                                            std::to_string(iterator_lifetime_ms()) + " milliseconds.");
  auto r = find_stream(ctx.storage, d.str("a"));
  if (!r) throw stream_not_found(d.str("a"));
  uint64_t after = std::stoull(d.str("p"));
  if (after < trimmed_through(ctx.storage, r->stream_id)) throw trimmed();
  size_t limit = static_cast<size_t>(in.integer("Limit", 1000));
  auto recs = read_stream(ctx.storage, r->stream_id, after, limit);
  Doc records = Doc::list();
  size_t bytes = 0;
  for (const auto& rec : recs) {
    if (bytes > 0 && bytes + rec.size_bytes > kGetRecordsBytes) break;
    bytes += rec.size_bytes;
    records.push(record_to_doc(rec, *r));
    after = rec.sequence;
  }
  Doc out = Doc::map();
  out.set("Records", records);
  // A disabled stream's shard is closed: once read to its end, there is no next iterator.
  if (r->enabled || after < last_sequence(ctx.storage, r->stream_id))
    out.set("NextShardIterator", make_iterator(*r, after, ctx.now_ms));
  return out;
}

class StreamsService final : public Service {
 public:
  StreamsService() : Service("dynamodbstreams") {
    add("ListStreams", list_streams);
    add("DescribeStream", describe_stream);
    add("GetShardIterator", get_shard_iterator);
    add("GetRecords", get_records);
    gap("Shards", "one shard per stream for its whole life: AWS rolls shards over every few hours, so "
                  "ParentShardId and CHILD_SHARDS never have anything to show");
    gap("DeleteTable", "a deleted table's streams go with it (AWS keeps them readable for 24 hours)");
  }
};

}  // namespace

std::unique_ptr<Service> make_streams_service() { return std::make_unique<StreamsService>(); }

}  // namespace stratus::dynamodb
