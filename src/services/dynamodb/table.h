// DynamoDB tables: metadata, the in-memory catalog, storage key layout and the item write path
// shared by every operation that changes items.
//
// Storage layout (keyspaces of storage::Engine):
//   ddb.tables  account '\0' region '\0' name            -> table metadata (JSON)
//   ddb.items   be64(table id) be16(h) key(hash) [key(range)]            -> item (encode_item)
//   ddb.index   be64(index id) be16(h) key(ihash) [key(irange)] key(hash) [key(range)]
//                                                                       -> projected item
//   ddb.stream  be64(stream id) be64(sequence number)                    -> stream record
//   ddb.txtokens, ddb.txtoken-expiry: TransactWriteItems ClientRequestTokens (items.cc), written
//               in the transaction's own batch
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
// sequence numbers commit in order.
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

#include "core/doc.h"
#include "core/result.h"
#include "services/dynamodb/expr.h"
#include "services/dynamodb/value.h"
#include "storage/engine.h"

namespace stratus::dynamodb {

inline constexpr const char* kTables = "ddb.tables";
inline constexpr const char* kItems = "ddb.items";
inline constexpr const char* kIndex = "ddb.index";
inline constexpr const char* kStream = "ddb.stream";

struct KeyDef {
  std::string name;
  Type type = Type::S;
};

struct IndexInfo {
  std::string name;
  bool global = true;
  uint64_t id = 0;
  KeyDef hash;
  std::optional<KeyDef> range;
  std::string projection = "ALL";  // ALL | KEYS_ONLY | INCLUDE
  std::vector<std::string> non_key;
  int64_t rcu = 0, wcu = 0;
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
  int64_t created_ms = 0;
  bool stream_enabled = false;
  std::string stream_view_type;
  std::string stream_label;  // ISO time of the latest stream; empty when never enabled
  uint64_t stream_id = 0;
  bool deletion_protection = false;
  std::string table_class = "STANDARD";
  Doc sse;   // SSEDescription or null
  Doc tags;  // map key -> value
  Doc ttl;   // {AttributeName, Enabled} or null

  std::string arn() const { return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + name; }
  std::string stream_arn() const { return arn() + "/stream/" + stream_label; }
  const IndexInfo* index(std::string_view n) const;
  bool is_key(std::string_view attr) const {
    return attr == hash.name || (range && attr == range->name);
  }

  Doc to_json() const;
  static std::shared_ptr<TableInfo> from_json(const Doc& d);
};

using TablePtr = std::shared_ptr<const TableInfo>;

// Helpers for storage keys --------------------------------------------------------------------
void append_be64(std::string& out, uint64_t v);
uint64_t read_be64(std::string_view in);
uint16_t partition_hash(std::string_view encoded_hash_key);
std::string table_key(const std::string& account, const std::string& region, std::string_view name);

// Storage key of an item: the key attributes must be present with the schema's types.
std::string item_key(const TableInfo& t, const Item& key);
// The prefix of a partition (items with this hash key).
std::string partition_prefix(uint64_t id, const Value& hash);
// Storage key of an index entry; nullopt when the item lacks the index's key attributes.
std::optional<std::string> index_key(const TableInfo& t, const IndexInfo& ix, const Item& item);
// The item's key attributes (table keys, plus the index keys for an index).
Item key_of(const TableInfo& t, const Item& item, const IndexInfo* ix = nullptr);
// What an index stores for an item.
Item project_for_index(const TableInfo& t, const IndexInfo& ix, const Item& item);

// Validation of keys given by callers ----------------------------------------------------------
// A Key parameter (GetItem, DeleteItem, UpdateItem…): exactly the key attributes, right types.
Item parse_key(const TableInfo& t, const Doc& key);
// An Item parameter (PutItem): must contain the keys with the right types; checks sizes and
// index key types.
void check_item(const TableInfo& t, const Item& item);

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
  // Bytes of an item collection (items of one partition key plus their local secondary index
  // entries) of a table with LSIs: read once from storage, then kept current by commit().
  int64_t collection_size(storage::Engine& e, const TableInfo& t, const Value& hash);
  void collection_changed(const TableInfo& t, const Value& hash, int64_t delta);

 private:
  std::shared_mutex mu_;
  std::unordered_map<std::string, TablePtr> tables_;  // GUARDED_BY(mu_)
  std::mutex locks_mu_;
  std::unordered_map<uint64_t, std::unique_ptr<std::mutex>> locks_;  // GUARDED_BY(locks_mu_)
  std::unordered_map<uint64_t, uint64_t> sequences_;                 // GUARDED_BY(locks_mu_)
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
  // Filled by commit():
  std::optional<Item> old_item;
  std::optional<Item> new_item;
};

// Whether a write must read the previous item (conditions, indexes, streams, return values).
bool needs_old(const TableInfo& t);

// Commits the writes atomically (one WriteBatch with storage conditions on every item read),
// retrying the computation on conflicts. `read_old` false allows a blind write (single-item
// puts/deletes on tables without indexes and streams, with nothing to return).
// on_failure(i, error) is called when writes[i].compute throws; commit then rethrows it.
// `extra` (optional) adds its puts, deletes and conditions to the same atomic batch.
void commit(storage::Engine& e, Catalog& cat, std::vector<ItemWrite>& writes, bool read_old, int64_t now_ms,
            const std::function<void(size_t, const AwsError&)>& on_failure = nullptr,
            const storage::WriteBatch* extra = nullptr);

// Stream record (stored, and decoded for GetRecords / internal readers).
struct StreamRecord {
  uint64_t sequence = 0;
  std::string event_name;  // INSERT | MODIFY | REMOVE
  int64_t created_ms = 0;
  Item keys;
  std::optional<Item> old_image, new_image;
  size_t size_bytes = 0;
  std::string view_type;
};
std::string encode_record(const StreamRecord& r);
bool decode_record(std::string_view bytes, StreamRecord& r);

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
