// DynamoDB tables: metadata, the in-memory catalog, storage key layout and the item write path
// shared by every operation that changes items.
//
// Storage layout: the keyspaces of schema.h (items, index entries, stream records, TTL index,
// counters, change history, backups, transaction tokens), each with its key layout and version.
// Tables with local secondary indexes keep item collection sizes in the Catalog (read once from
// storage, then updated by commit()), for ItemCollectionMetrics and the 10 GB limit.
// h is a 16-bit hash of the partition key's encoding: Scan walks items in that (AWS-like,
// unordered) order and parallel scan segments are contiguous ranges of it. key() is the
// order-preserving encoding from value.h, so a partition's items are ordered by sort key.
//
// Every change to an item, its index entries and its stream record is one WriteBatch. Writes
// that depend on the item's previous state read it, then commit with a storage condition that
// the item is still what was read (optimistic concurrency; the computation is retried on
// conflict). Tables with a stream serialise their writes under a per-table mutex so that
// sequence numbers commit in order. Every write also keeps, in the same batch, the table's
// item/byte counters (DescribeTable never scans), the TTL index (when TTL is enabled) and the
// change history (when point-in-time recovery is on or the table has backups). Writers hold the
// table's metadata lock shared and re-read the metadata under it; operations that switch TTL,
// PITR or backups on take it exclusively, so no write commits under stale settings.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/arn.h"
#include "core/doc.h"
#include "core/result.h"
#include "services/dynamodb/api.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/expr.h"
#include "services/dynamodb/schema.h"
#include "services/dynamodb/value.h"
#include "storage/engine.h"

// The common errors (ValidationException, InternalServerError...) beside the model's in
// dynamodb::errors, so that `errors::validation(...)` and `errors::resource_not_found(...)` both
// name what they say inside namespace dynamodb.
namespace stratus::dynamodb::errors {
using namespace stratus::errors;
}

namespace stratus::dynamodb {


struct KeyDef {
  std::string name;
  Type type = Type::S;
};

// The key attributes of a table or an index: its partition key attributes, then its sort key
// attributes, each in declared order. A table and a local secondary index have one partition
// attribute and at most one sort attribute; a global secondary index up to four of each
// (multi-attribute keys): its items are partitioned by all the partition attributes together and
// sorted by the sort attributes hierarchically.
struct KeySchema {
  std::vector<KeyDef> hash, range;
  bool has(std::string_view attr) const;
};

// Partition (and sort) key attributes of a global secondary index, at most.
inline constexpr size_t kMaxIndexKeyAttributes = 4;

struct IndexInfo {
  std::string name;
  bool global = true;
  uint64_t id = 0;
  KeySchema keys;
  std::string projection = "ALL";  // ALL | KEYS_ONLY | INCLUDE
  std::vector<std::string> non_key;
  int64_t rcu = 0, wcu = 0;
  int64_t max_read = 0, max_write = 0;    // OnDemandThroughput (0: not set, shown as -1)
  int64_t warm_read = 0, warm_write = 0;  // WarmThroughput asked for (0: the default)
};

struct TableInfo {
  std::string account, region, name;
  uint64_t id = 0;
  std::string table_id;  // uuid shown as TableId
  KeyDef hash;
  std::optional<KeyDef> range;
  Doc attribute_definitions;  // as given (list of {AttributeName, AttributeType})
  std::vector<IndexInfo> indexes;
  std::string billing_mode = "PROVISIONED";
  int64_t rcu = 0, wcu = 0;
  int64_t billing_ms = 0;                 // last change of billing mode (0: at creation)
  int64_t max_read = 0, max_write = 0;    // OnDemandThroughput (0: not set, shown as -1)
  int64_t warm_read = 0, warm_write = 0;  // WarmThroughput asked for (0: the default)
  int64_t created_ms = 0;
  bool stream_enabled = false;
  std::string stream_view_type;
  std::string stream_label;  // ISO time of the latest stream; empty when never enabled
  uint64_t stream_id = 0;
  int64_t stream_disabled_ms = 0;  // when the latest stream was disabled (0: never, or enabled)
  // Streams replaced by a later enable: [{label, id, view, disabled: ms}], newest first. They stay
  // readable (closed) for the retention period after they were disabled, as AWS keeps them.
  Doc past_streams;
  bool deletion_protection = false;
  std::string table_class = "STANDARD";
  Doc sse;   // SSEDescription or null
  Doc tags;  // map key -> value
  Doc ttl;   // {AttributeName, Enabled} or null
  int64_t ttl_changed_ms = 0;  // last UpdateTimeToLive (one per hour)
  bool pitr = false;           // point-in-time recovery enabled
  int64_t pitr_since_ms = 0;   // when it was (last) enabled
  int64_t pitr_days = 35;      // RecoveryPeriodInDays
  int64_t backups = 0;         // on-demand backups of this table that still exist
  Doc restore_summary;         // RestoreSummary for restored tables, else null
  // Resource-based policies (PutResourcePolicy): "" for the table, a stream label for one of its
  // streams -> {Policy, RevisionId}. Stored, not yet evaluated (no IAM enforcement).
  Doc policies;

  // The TTL attribute name, empty when TTL is disabled.
  std::string ttl_attribute() const { return ttl.is_map() && ttl.flag("Enabled") ? ttl.str("AttributeName") : std::string(); }
  // Whether writes record the items' previous images in ddb.history.
  bool keeps_history() const { return pitr || backups > 0; }

  std::string arn() const { return Arn::make("dynamodb", region, account, "table/" + name); }
  std::string stream_arn() const { return arn() + "/stream/" + stream_label; }
  const IndexInfo* index(std::string_view n) const;
  // The key schema of the table (ix null) or of one of its indexes.
  KeySchema key_schema(const IndexInfo* ix = nullptr) const;
  bool is_key(std::string_view attr) const {
    return attr == hash.name || (range && attr == range->name);
  }

  Doc to_json() const;
  static std::shared_ptr<TableInfo> from_json(const Doc& d);
};

using TablePtr = std::shared_ptr<const TableInfo>;

// The table name a TableName parameter carries: the name itself or the name inside a table ARN
// of this account and region (an ARN of another account or region: nullopt, a table not found).
// Throws ValidationException for a malformed ARN or a name outside AWS's rules (3..255
// characters of [a-zA-Z0-9_.-]). Catalog::find takes either form too; it checks ARNs this way
// but answers a plain name that cannot exist as not found (CreateTable checks new names).
std::optional<std::string> table_name_of(const std::string& account, const std::string& region, std::string_view name);
// ValidationException unless `name` is a valid table or index name; `what` is the member
// ("tableName", "indexName") named in the message.
void check_resource_name(std::string_view name, const char* what);

// Helpers for storage keys --------------------------------------------------------------------
using storage::append_be64;
using storage::read_be64;
uint16_t partition_hash(std::string_view encoded_hash_key);
// account '\0' region '\0' name: KeyBuilder().scope(account, region).raw(name)'s bytes, built by
// hand because account and region may come from a client's ARN (a NUL finds nothing).
std::string table_key(const std::string& account, const std::string& region, std::string_view name);

// Storage key of an item: the key attributes must be present with the schema's types.
std::string item_key(const TableInfo& t, const Item& key);
// The prefix of a partition (items with this hash key).
std::string partition_prefix(uint64_t id, const Value& hash);
// The prefix of an index partition: the values of every partition key attribute, in order (one
// value: partition_prefix's bytes).
std::string partition_prefix(uint64_t id, const std::vector<Value>& hash);
// Storage key of an index entry; nullopt when the item lacks one of the index's key attributes
// (or has it with another type).
std::optional<std::string> index_key(const TableInfo& t, const IndexInfo& ix, const Item& item);
// The item's key attributes (table keys, plus the index keys for an index).
Item key_of(const TableInfo& t, const Item& item, const IndexInfo* ix = nullptr);
// What an index stores for an item.
Item project_for_index(const TableInfo& t, const IndexInfo& ix, const Item& item);

// Validation of keys given by callers ----------------------------------------------------------
// A Key parameter (GetItem, DeleteItem, UpdateItem…): exactly the key attributes, right types.
Item parse_key(const TableInfo& t, const Doc& key);
// An Item parameter (PutItem): must contain the keys with the right types; checks sizes and
// (unless `index_keys` is false) index key types.
void check_item(const TableInfo& t, const Item& item, bool index_keys = true);
// check_item's part about index key attributes: those present must have the index's types and
// not be empty strings or binaries (absent ones leave the item out of the index).
void check_index_keys(const TableInfo& t, const Item& item);

// The table catalog: metadata cached in memory, read through from storage.
class Catalog {
 public:
  // nullptr when the table doesn't exist.
  TablePtr find(storage::Engine& e, const std::string& account, const std::string& region, std::string_view name);
  // Throws ResourceNotFoundException when missing.
  TablePtr get(storage::Engine& e, const std::string& account, const std::string& region, std::string_view name);
  void invalidate(const std::string& account, const std::string& region, std::string_view name);
  void clear();
  // The mutex serialising writes of a stream-enabled table (per table id).
  std::mutex& write_lock(uint64_t table_id);
  // Next stream sequence number for a stream (call with the table's write lock held).
  uint64_t next_sequence(storage::Engine& e, uint64_t stream_id);
  // Held shared by writers, exclusively while TTL, PITR or backups of the table change.
  std::shared_mutex& meta_lock(uint64_t table_id);
  // Next history sequence (process-wide; history keys also carry the commit time).
  uint64_t next_history_seq() { return ++history_seq_; }
  uint64_t history_seq() const { return history_seq_.load(); }
  // Bytes of an item collection (items of one partition key plus their local secondary index
  // entries) of a table with LSIs: read once from storage, then kept current by commit().
  int64_t collection_size(storage::Engine& e, const TableInfo& t, const Value& hash);
  void collection_changed(const TableInfo& t, const Value& hash, int64_t delta);

 private:
  std::shared_mutex mu_;
  std::unordered_map<std::string, TablePtr> tables_;  // GUARDED_BY(mu_)
  // Every item write looks its table's locks up: shared, so writers never queue behind each other
  // here (an exclusive lock held by a preempted thread would stall every other writer).
  std::shared_mutex locks_mu_;
  std::unordered_map<uint64_t, std::unique_ptr<std::mutex>> locks_;  // GUARDED_BY(locks_mu_)
  std::unordered_map<uint64_t, std::unique_ptr<std::shared_mutex>> meta_locks_;  // GUARDED_BY(locks_mu_)
  std::mutex sequences_mu_;
  std::unordered_map<uint64_t, uint64_t> sequences_;  // GUARDED_BY(sequences_mu_)
  std::atomic<uint64_t> history_seq_{0};
  std::mutex collections_mu_;
  std::unordered_map<std::string, int64_t> collections_;  // GUARDED_BY(collections_mu_)
};

// Write path -----------------------------------------------------------------------------------

// One item change inside a (possibly multi-item) atomic write.
struct ItemWrite {
  TablePtr table;
  std::string key;  // storage key
  Item key_attrs;
  // Computes the new item (nullopt = delete; return `old` unchanged to leave the item as is)
  // from the current one (nullptr when absent). Throws AwsError (e.g. a failed condition).
  // May run several times under contention, so it must not have side effects.
  std::function<std::optional<Item>(const Item* old)> compute;
  bool condition_check_only = false;  // TransactWriteItems ConditionCheck: no write
  bool by_ttl = false;                // a TTL deletion (stream record's userIdentity)
  // Filled by commit():
  std::optional<Item> old_item;
  std::optional<Item> new_item;
};

// Whether a write must read the previous item (conditions, indexes, streams, return values).
bool needs_old(const TableInfo& t);

// Commits the writes atomically (one WriteBatch with storage conditions on every item read),
// retrying the computation on conflicts. The previous item is always read (the counters need
// it); `read_old` is kept for callers' clarity.
// on_failure(i, error) is called when writes[i].compute throws; commit then rethrows it.
// `extra` (optional) adds its puts, deletes and conditions to the same atomic batch.
void commit(storage::Engine& e, Catalog& cat, std::vector<ItemWrite>& writes, bool read_old, int64_t now_ms,
            const std::function<void(size_t, const AwsError&)>& on_failure = nullptr,
            const storage::WriteBatch* extra = nullptr);

// Stream records (StreamRecord: api.h), stored and decoded.
std::string encode_record(const StreamRecord& r);
bool decode_record(std::string_view bytes, StreamRecord& r);
// The oldest sequence number still stored (0 when empty).
uint64_t first_sequence(storage::Engine& e, uint64_t stream_id);
// The last sequence number trimmed from the stream (records older than the retention), 0 if none.
uint64_t trimmed_through(storage::Engine& e, uint64_t stream_id);
// How long records stay (24 h; STRATUS_DYNAMODB_STREAM_RETENTION_MS for tests).
int64_t stream_retention_ms();
// Called by the write path after a batch with a stream record committed: runs the listeners.
void stream_appended(uint64_t stream_id, uint64_t sequence);

// Expiry (epoch seconds) of an item under a TTL attribute: nullopt unless it is a Number.
std::optional<int64_t> ttl_expiry(const Item& item, const std::string& attr);
// The table's (or index's) item count and stored bytes, from the counters.
struct Counts {
  int64_t items = 0, bytes = 0;
};
Counts read_counts(storage::Engine& e, uint64_t id);
// Adds to the counters of a table or index inside a batch.
void count_change(storage::WriteBatch& b, uint64_t id, int64_t items, int64_t bytes);
// Key of an item's TTL index entry (item_key is the item's storage key).
std::string ttl_key(uint64_t table_id, int64_t expiry, std::string_view item_key);
// Deletes every key starting with be64(id) from a keyspace (in batches).
void drop_prefix(storage::Engine& e, const char* ks, uint64_t id);
// Encodes a change record of ddb.history and reads one back.
std::string encode_change(std::string_view key_suffix, const std::optional<Item>& old_item);
bool decode_change(std::string_view bytes, std::string& key_suffix, std::optional<Item>& old_item);
// Item collections (tables with local secondary indexes) ---------------------------------------
inline constexpr int64_t kMaxCollectionBytes = 10LL * 1024 * 1024 * 1024;
// What an item adds to its collection: the item plus its LSI entries (100 bytes overhead each).
int64_t collection_bytes(const TableInfo& t, const Item& item);
bool has_lsi(const TableInfo& t);
// ItemCollectionMetrics of the collection holding `key` (ItemCollectionKey, SizeEstimateRangeGB).
Doc collection_metrics(storage::Engine& e, Catalog& cat, const TableInfo& t, const Item& key);

// Capacity units as AWS rounds them.
double read_units(size_t bytes, bool consistent);
double write_units(size_t bytes);

}  // namespace stratus::dynamodb
