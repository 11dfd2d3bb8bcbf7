// Helpers shared by the DynamoDB operation handlers.
#pragma once

#include <map>
#include <set>
#include <mutex>
#include <string>

#include "core/json.h"
#include "services/dynamodb/store.h"
#include "services/service.h"

namespace stratus::cloudwatch {
class Api;
}

namespace stratus::dynamodb {

inline AwsError conditional_failed(const Item* old, bool return_old) {
  AwsError e = errors::conditional_check_failed("The conditional request failed");
  if (return_old && old) {
    Doc extra = Doc::map();
    extra.set("Item", item_to_doc(*old));
    e.extra_json = json::write(extra);
  }
  return e;
}

// The port consumed capacity is published through as AWS/DynamoDB metrics (set in start();
// nullptr without CloudWatch).
void set_metrics_port(cloudwatch::Api* api);

// ConsumedCapacity for the response, or null when not asked for.
Doc consumed(const Doc& in, const TableInfo& t, double units, bool read, double index_units = 0,
             const std::string& index_name = {});

// Write capacity of one item change, by AWS's rules: the table pays for the larger of the old
// and new item; an index pays for putting or deleting its entry, both when the index key changed,
// nothing when the item is in it neither before nor after (or its entry is unchanged).
struct WriteCost {
  double table = 0;
  std::vector<std::pair<std::string, double>> indexes;
};
WriteCost write_cost(const TableInfo& t, const std::optional<Item>& old, const std::optional<Item>& neu);
// ConsumedCapacity of a write (null when not asked for).
Doc consumed_write(const Doc& in, const TableInfo& t, const WriteCost& c);
// UpdateItem's (and a transaction's Update's) size limit, worded its own way.
void check_updated_size(const Item& item);
// Whether the request asked for ItemCollectionMetrics and the table has item collections (LSIs).
bool wants_metrics(const Doc& in, const TableInfo& t);
// ItemCollectionMetrics of a multi-item write (BatchWriteItem, TransactWriteItems): table name ->
// one entry per item collection written, for tables with LSIs when SIZE was asked for.
Doc metrics_per_table(Catalog& cat, OpContext& ctx, const Doc& in, const std::vector<ItemWrite>& writes);

// The expressions of an item request, parsed and checked before any I/O.
struct ItemExprs {
  ExprContext ctx;
  std::optional<Condition> condition;
  std::vector<UpdateAction> update;
  std::optional<std::vector<Path>> projection;
  ItemExprs(const Doc& in);
  // Parses ConditionExpression / UpdateExpression / ProjectionExpression when present (and the
  // legacy AttributesToGet), then checks that every name and value was used.
  void parse(const Doc& in, bool allow_update, bool allow_projection, bool other_expressions = false);
};

// The expression limits (check_expression_limits) of every expression of a request (its own
// Condition/Update/Filter/KeyCondition/ProjectionExpression and those of TransactItems'
// actions), before any table is looked up, as AWS validates them. Writes run it on the I/O
// thread before the request is queued on the commit lane. Throws AwsError.
void check_request_expressions(const Doc& in);

// GetItem-like read of one item by storage key: nullopt when absent.
std::optional<Item> read_item(storage::Engine& e, const std::string& key, const storage::Snapshot* snap = nullptr);
// Throws AWS's ValidationException when an update action changes a key attribute.
void check_key_not_updated(const TableInfo& t, const std::vector<UpdateAction>& actions);
// Adds units to the table's entry of a ConsumedCapacity list (when the request asked for it),
// with a per-index breakdown (index name -> units) for ReturnConsumedCapacity=INDEXES.
void add_capacity(Doc& list, const Doc& in, const TableInfo& t, double units, bool read,
                  const std::vector<std::pair<std::string, double>>& index_units = {});
// A Query's key condition: the partition (one value per partition key attribute, in order),
// equalities on the leading sort key attributes, and an optional condition on the next one.
struct KeyRange {
  std::vector<Value> hash;
  std::vector<Value> sort_prefix;
  std::optional<Condition::Kind> op;  // on the sort key attribute after sort_prefix
  Value v1, v2;
};
// The storage range [start, end) of the items (or index entries, with an index id) it selects.
void storage_range(const KeyRange& kr, uint64_t id, std::string& start, std::string& end);
// Commits a transaction's writes (and `extra`, e.g. a ClientRequestToken record, in the same
// batch); a failed item (condition, validation, item collection size) cancels the whole
// transaction with TransactionCanceledException and one CancellationReason per item.
void commit_transaction(storage::Engine& e, Catalog& cat, std::vector<ItemWrite>& writes, int64_t now_ms,
                        const storage::WriteBatch* extra = nullptr);


// ClientRequestToken of TransactWriteItems and ExecuteTransaction (writes): an identical request
// with the same token within 10 minutes succeeds again without being applied, a different one is
// IdempotentParameterMismatchException, and one arriving while a request with the token is still
// being applied is TransactionInProgressException. The token stays claimed while this lives.
class TransactionToken {
 public:
  // `in` is the whole request; no token in it: no idempotency (applied() false, record() null).
  TransactionToken(OpContext& ctx, const Doc& in);
  ~TransactionToken();
  TransactionToken(const TransactionToken&) = delete;
  TransactionToken& operator=(const TransactionToken&) = delete;
  // An identical request with this token already committed: answer with replayed().
  bool applied() const { return applied_; }
  // The token record, to commit in the transaction's own batch (as durable as its items).
  const storage::WriteBatch* record() const { return batch_.empty() ? nullptr : &batch_; }
  // The answer to a replayed request: success, with the capacity of reading its items.
  Doc replayed(OpContext& ctx, const Doc& in, const std::vector<ItemWrite>& writes) const;

 private:
  const void* engine_ = nullptr;
  std::string key_;
  bool claimed_ = false;
  bool applied_ = false;
  storage::WriteBatch batch_;
};
}  // namespace stratus::dynamodb

namespace stratus::dynamodb {
// Deletes every item, index entry, counter and history record of a table (DeleteTable).
void drop_table_data(storage::Engine& e, const TableInfo& t);
// Deletes what can be rebuilt from the items: index entries and their counters, TTL index.
void drop_derived_data(storage::Engine& e, const TableInfo& t);

// Shared with ops/backups.cc (defined in ops/tables.cc).
uint64_t random_id();
// TableDescription of a table (counts from the counters unless `counts` is false).
Doc describe(storage::Engine& e, const TableInfo& t, const std::string& status, bool counts = true);
// Applies BillingMode / ProvisionedThroughput of `in` (CreateTable and UpdateTable spelling).
void set_billing(TableInfo& t, const Doc& in, bool creating);
// An index definition of CreateTable (KeySchema, Projection, ProvisionedThroughput).
IndexInfo parse_index(const Doc& x, bool global, const std::map<std::string, Type>& defs, std::set<std::string>& used);
// SSEDescription of an SSE-enabled table (a KMS key ARN of the table's account).
Doc sse_description(const TableInfo& t);
// Writes the metadata and drops the cached copy.
void store(storage::Engine& e, Catalog& cat, const TableInfo& t);
}  // namespace stratus::dynamodb

namespace stratus::dynamodb {
// Hidden test knobs, read with core/env.h's env_positive (milliseconds):
// STRATUS_DYNAMODB_SWEEP_MS (background sweep period, default 5 s),
// STRATUS_DYNAMODB_STREAM_RETENTION_MS (24 h), STRATUS_DYNAMODB_ITERATOR_LIFETIME_MS (15 min).
// STRATUS_DYNAMODB_TTL_CHANGE_MS (interval between two UpdateTimeToLive changes of a table, 1 h).

// One background pass (background.cc): TTL deletions, stream trimming, history pruning. The
// service runs it every STRATUS_DYNAMODB_SWEEP_MS on its scheduler ("ddb.sweep").
void sweep(storage::Engine& e, Catalog& cat, int64_t now_ms);
}  // namespace stratus::dynamodb
