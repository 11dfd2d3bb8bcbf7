// The DynamoDB operation handlers, one per operation, named after it; service.cc lists them in its
// operation table. Each is defined in ops/<resource>.cc.
//
// Two kinds:
//  - Plain handlers `Doc op(Catalog&, OpContext&, const Doc& in)`: the whole operation on the
//    calling I/O thread (reads, control plane). Errors are thrown (AwsError).
//  - Writes of the data plane, which apply on the service's commit lane (storage/lane.h). Their
//    handler `XWrite op(Catalog&, OpContext&, const Doc& in)` runs on the I/O thread: it checks
//    the expression limits, looks the table up, parses and validates the whole request (keys,
//    items, Condition/Update/Projection expressions into expr.h's structures) — every error that
//    depends only on the request and the table's schema is thrown there, in the order AWS
//    reports them, and never waits in the lane. It returns the prepared write; the service
//    moves it into the lane task, which owns it and calls `Doc apply(Catalog&, OpContext&)`
//    once, on the lane thread: read the previous item(s), evaluate, write, answer. A prepared
//    write keeps a pointer to `in` (the front door keeps the input alive until the answer) and
//    is moved, never copied (it must be copyable only because std::function requires it).
//    `bool on_lane() const`, when present, says whether this request writes at all (a PartiQL
//    SELECT applies at once on the I/O thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/doc.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/partiql.h"
#include "services/dynamodb/store.h"
#include "services/service.h"

namespace stratus::dynamodb {

// ops/tables.cc
Doc create_table(Catalog& cat, OpContext& ctx, const Doc& in);
Doc describe_table(Catalog& cat, OpContext& ctx, const Doc& in);
Doc list_tables(Catalog& cat, OpContext& ctx, const Doc& in);
Doc delete_table(Catalog& cat, OpContext& ctx, const Doc& in);
Doc update_table(Catalog& cat, OpContext& ctx, const Doc& in);
Doc describe_limits(Catalog& cat, OpContext& ctx, const Doc& in);
Doc describe_endpoints(Catalog& cat, OpContext& ctx, const Doc& in);

// ops/tags.cc
Doc tag_resource(Catalog& cat, OpContext& ctx, const Doc& in);
Doc untag_resource(Catalog& cat, OpContext& ctx, const Doc& in);
Doc list_tags_of_resource(Catalog& cat, OpContext& ctx, const Doc& in);
// The table a table ARN names (TagResource...); ValidationException for a malformed ARN,
// ResourceNotFoundException for a missing table.
TablePtr table_by_arn(storage::Engine& e, Catalog& cat, OpContext& ctx, const std::string& arn);
// ValidationException unless the Tags list is valid and, added to `existing` (a map key ->
// value), keeps the resource within 50 tags: keys 1..128 and values 0..256 characters of
// letters, digits, white space and + - = . _ : / @, no "aws:" key prefix.
void check_tags(const Doc& tags, const Doc& existing);

// ops/policies.cc
Doc put_resource_policy(Catalog& cat, OpContext& ctx, const Doc& in);
Doc get_resource_policy(Catalog& cat, OpContext& ctx, const Doc& in);
Doc delete_resource_policy(Catalog& cat, OpContext& ctx, const Doc& in);
// Attaches a resource-based policy document to the table ("") or one of its streams (its label),
// keeping the revision id when the document is unchanged. ValidationException for a document
// that is not a JSON object or is over 20 KB. Returns the revision id.
std::string set_policy(TableInfo& t, const std::string& target, const std::string& policy, int64_t now_ms);

// ops/ttl.cc
Doc update_time_to_live(Catalog& cat, OpContext& ctx, const Doc& in);
Doc describe_time_to_live(Catalog& cat, OpContext& ctx, const Doc& in);
// Writes the TTL index entries of every existing item (TTL being enabled).
void backfill_ttl(storage::Engine& e, const TableInfo& t);

// ops/items.cc
Doc get_item(Catalog& cat, OpContext& ctx, const Doc& in);

// Prepared writes (PutItemWrite ... TransactWriteItemsWrite): made on the I/O thread from the
// request, applied on the commit lane. `in` points at the request, which must outlive the write:
// the FrontDoor and internal calls keep the input alive until the lane has answered.
struct PutItemWrite {
  const Doc* in{};
  TablePtr t{};
  Item item{};
  ItemExprs ex;
  bool return_all_old = false;      // ReturnValues ALL_OLD
  bool return_old_on_fail = false;  // ReturnValuesOnConditionCheckFailure ALL_OLD
  bool read_old = false;
  std::vector<ItemWrite> writes{};  // one; its compute is set by apply()
  Doc apply(Catalog& cat, OpContext& ctx);
};
PutItemWrite put_item(Catalog& cat, OpContext& ctx, const Doc& in);

struct DeleteItemWrite {
  const Doc* in{};
  TablePtr t{};
  Item key{};
  ItemExprs ex;
  bool return_all_old = false;
  bool return_old_on_fail = false;
  bool read_old = false;
  std::vector<ItemWrite> writes{};
  Doc apply(Catalog& cat, OpContext& ctx);
};
DeleteItemWrite delete_item(Catalog& cat, OpContext& ctx, const Doc& in);

struct UpdateItemWrite {
  const Doc* in{};
  TablePtr t{};
  std::string rv{};  // ReturnValues
  Item key{};
  ItemExprs ex;
  bool return_old_on_fail = false;
  std::vector<ItemWrite> writes{};
  Doc apply(Catalog& cat, OpContext& ctx);
};
UpdateItemWrite update_item(Catalog& cat, OpContext& ctx, const Doc& in);

// ops/batch.cc
Doc batch_get_item(Catalog& cat, OpContext& ctx, const Doc& in);

struct BatchWriteItemWrite {
  const Doc* in{};
  std::vector<ItemWrite> writes{};
  std::vector<Item> puts{};  // parallel to writes (empty for deletes)
  Doc apply(Catalog& cat, OpContext& ctx);
};
BatchWriteItemWrite batch_write_item(Catalog& cat, OpContext& ctx, const Doc& in);

// ops/transactions.cc
Doc transact_get_items(Catalog& cat, OpContext& ctx, const Doc& in);

struct TransactWriteItemsWrite {
  struct Action {
    std::string kind{};  // ConditionCheck | Put | Delete | Update
    std::optional<ItemExprs> ex{};
    Item item{};  // Put: the item; others: the key
    bool return_old = false;
  };
  const Doc* in{};
  std::vector<Action> actions{};
  std::vector<ItemWrite> writes{};  // parallel to actions
  Doc apply(Catalog& cat, OpContext& ctx);
};
TransactWriteItemsWrite transact_write_items(Catalog& cat, OpContext& ctx, const Doc& in);

// ops/query.cc
Doc query(Catalog& cat, OpContext& ctx, const Doc& in);
Doc scan(Catalog& cat, OpContext& ctx, const Doc& in);

// ops/backups.cc
Doc create_backup(Catalog& cat, OpContext& ctx, const Doc& in);
Doc describe_backup(Catalog& cat, OpContext& ctx, const Doc& in);
Doc list_backups(Catalog& cat, OpContext& ctx, const Doc& in);
Doc delete_backup(Catalog& cat, OpContext& ctx, const Doc& in);
Doc restore_table_from_backup(Catalog& cat, OpContext& ctx, const Doc& in);
Doc update_continuous_backups(Catalog& cat, OpContext& ctx, const Doc& in);
Doc describe_continuous_backups(Catalog& cat, OpContext& ctx, const Doc& in);
Doc restore_table_to_point_in_time(Catalog& cat, OpContext& ctx, const Doc& in);

// ops/partiql.cc

// A PartiQL statement bound to its table, with the key it addresses (when it addresses one item).
struct PartiqlStatement {
  partiql::Statement st{};
  TablePtr t{};
  const IndexInfo* ix = nullptr;  // into *t
  std::optional<Item> key;        // full primary key fixed by the WHERE clause (or the INSERT item)
  std::optional<Condition> cond{};  // the WHERE clause without the key equalities
  bool is_read() const { return st.kind == partiql::Statement::Kind::select; }
};
// Parses and binds one statement ({Statement, Parameters}): ResourceNotFoundException for a
// missing table, ValidationException for what the statement can't do on it.
PartiqlStatement prepare_statement(Catalog& cat, OpContext& ctx, const Doc& req);

struct ExecuteStatementRun {
  const Doc* in{};
  PartiqlStatement p{};
  bool on_lane() const { return !p.is_read(); }
  Doc apply(Catalog& cat, OpContext& ctx);
};
ExecuteStatementRun execute_statement(Catalog& cat, OpContext& ctx, const Doc& in);

struct BatchExecuteStatementRun {
  const Doc* in{};
  std::vector<std::optional<PartiqlStatement>> prepared{};  // nullopt where failures[i] is set
  std::vector<std::optional<AwsError>> failures{};          // per statement
  bool writes = false;
  bool on_lane() const { return writes; }
  Doc apply(Catalog& cat, OpContext& ctx);
};
BatchExecuteStatementRun batch_execute_statement(Catalog& cat, OpContext& ctx, const Doc& in);

struct ExecuteTransactionRun {
  const Doc* in{};
  std::vector<PartiqlStatement> prepared{};
  bool writes = false;
  bool on_lane() const { return writes; }
  Doc apply(Catalog& cat, OpContext& ctx);
};
ExecuteTransactionRun execute_transaction(Catalog& cat, OpContext& ctx, const Doc& in);

}  // namespace stratus::dynamodb
