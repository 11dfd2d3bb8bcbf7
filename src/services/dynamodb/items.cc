// Item operations: PutItem, GetItem, UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem,
// TransactWriteItems, TransactGetItems.
#include <mutex>
#include <set>

#include "auth/sigv4.h"
#include "core/json.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/legacy.h"

namespace stratus::dynamodb {

namespace {

// ConsumedCapacity with a per-index breakdown (index name -> units).
Doc consumed_detail(const Doc& in, const TableInfo& t, double units, bool read,
                    const std::vector<std::pair<std::string, double>>& index_units) {
  std::string mode = in.str("ReturnConsumedCapacity", "NONE");
  if (mode == "NONE") return Doc();
  double total = units;
  for (const auto& [_, u] : index_units) total += u;
  const char* kind = read ? "ReadCapacityUnits" : "WriteCapacityUnits";
  auto units_doc = [&](double u) {
    Doc d = Doc::map();
    d.set("CapacityUnits", u);
    d.set(kind, u);
    return d;
  };
  Doc c = units_doc(total);
  c.set("TableName", t.name);
  if (mode == "INDEXES") {
    c.set("Table", units_doc(units));
    for (const auto& [name, u] : index_units) {
      const IndexInfo* ix = t.index(name);
      const char* group = ix && ix->global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes";
      if (!c.has(group)) c.set(group, Doc::map());
      c.get(group)->set(name, units_doc(u));
    }
  }
  return c;
}

// Write capacity of one item change, by AWS's rules: the table pays for the larger of the old
// and new item; an index pays for putting or deleting its entry, both when the index key changed,
// nothing when the item is in it neither before nor after (or its entry is unchanged).
struct WriteCost {
  double table = 0;
  std::vector<std::pair<std::string, double>> indexes;
};

WriteCost write_cost(const TableInfo& t, const std::optional<Item>& old, const std::optional<Item>& neu) {
  WriteCost c;
  c.table = write_units(std::max(old ? item_size(*old) : 0, neu ? item_size(*neu) : 0));
  for (const auto& ix : t.indexes) {
    auto ok = old ? index_key(t, ix, *old) : std::nullopt;
    auto nk = neu ? index_key(t, ix, *neu) : std::nullopt;
    if (!ok && !nk) continue;
    std::optional<Item> oe = ok ? std::optional<Item>(project_for_index(t, ix, *old)) : std::nullopt;
    std::optional<Item> ne = nk ? std::optional<Item>(project_for_index(t, ix, *neu)) : std::nullopt;
    double u = 0;
    if (ok && nk && *ok == *nk) {
      std::string a, b;
      encode_item(*oe, a);
      encode_item(*ne, b);
      if (a != b) u = write_units(item_size(*ne));
    } else {
      if (oe) u += write_units(item_size(*oe));
      if (ne) u += write_units(item_size(*ne));
    }
    if (u > 0) c.indexes.emplace_back(ix.name, u);
  }
  return c;
}

Doc consumed_write(const Doc& in, const TableInfo& t, const WriteCost& c) {
  return consumed_detail(in, t, c.table, false, c.indexes);
}

}  // namespace

Doc consumed(const Doc& in, const TableInfo& t, double units, bool read, double index_units, const std::string& index_name) {
  std::vector<std::pair<std::string, double>> ix;
  if (!index_name.empty()) ix.emplace_back(index_name, index_units);
  return consumed_detail(in, t, units, read, ix);
}

ItemExprs::ItemExprs(const Doc& in) : ctx(in.get("ExpressionAttributeNames"), in.get("ExpressionAttributeValues")) {
  check_expression_mix(in);
}

void ItemExprs::parse(const Doc& in, bool allow_update, bool allow_projection, bool other_expressions) {
  bool any = other_expressions;
  if (in.has("ConditionExpression")) {
    condition = parse_condition(in.str("ConditionExpression"), "Condition", ctx);
    any = true;
  } else if (const Doc* expected = in.get("Expected")) {
    condition = legacy_condition(*expected, "Expected", in.str("ConditionalOperator"));
  }
  if (allow_update && in.has("UpdateExpression")) {
    update = parse_update(in.str("UpdateExpression"), ctx);
    any = true;
  } else if (const Doc* updates = in.get("AttributeUpdates"); allow_update && updates) {
    update = legacy_updates(*updates);
  }
  if (allow_projection && in.has("ProjectionExpression")) {
    projection = parse_projection(in.str("ProjectionExpression"), ctx);
    any = true;
  } else if (const Doc* names = in.get("AttributesToGet"); allow_projection && names) {
    projection = legacy_attributes_to_get(*names);
  }
  ctx.check_all_used(any);
}

void check_request_expressions(const Doc& in) {
  auto one = [](const Doc& op) {
    static constexpr std::pair<const char*, const char*> kExpressions[] = {
        {"ConditionExpression", "Condition"}, {"UpdateExpression", "Update"},
        {"FilterExpression", "Filter"},       {"KeyConditionExpression", "KeyCondition"},
        {"ProjectionExpression", "Projection"}};
    for (const auto& [field, kind] : kExpressions)
      if (const Doc* e = op.get(field); e && e->is_string()) check_expression_limits(e->as_string(), kind);
  };
  one(in);
  if (const Doc* items = in.get("TransactItems"); items && items->is_list())
    for (const auto& item : items->as_list())
      if (item.is_map())
        for (const auto& [_, op] : item.as_map())
          if (op.is_map()) one(op);
}

namespace {

void check_return_values(const std::string& rv, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (rv == a) return;
  throw errors::validation("Return values set to invalid value");
}

}  // namespace

void check_key_not_updated(const TableInfo& t, const std::vector<UpdateAction>& actions) {
  for (const auto& a : actions)
    if (t.is_key(a.path[0].name))
      throw errors::validation("One or more parameter values were invalid: Cannot update attribute " + a.path[0].name +
                               ". This attribute is part of the key");
}

// GetItem-like read of one item: nullopt when absent.
std::optional<Item> read_item(storage::Engine& e, const std::string& key, const storage::Snapshot* snap) {
  std::string v;
  storage::Status st = e.get(kItems, key, &v, snap);
  if (st.not_found()) return std::nullopt;
  if (!st.ok()) throw errors::internal("storage: " + st.message);
  Item item;
  if (!decode_item(v, item)) throw errors::internal("corrupt item");
  return item;
}

namespace {

// UpdateItem words the size limit its own way.
void check_updated_size(const Item& item) {
  if (item_size(item) > kMaxItemSize) throw errors::validation("Item size to update has exceeded the maximum allowed size");
}

Doc updated_attributes(const Item& item, const std::vector<UpdateAction>& actions) {
  std::vector<Path> paths;
  for (const auto& a : actions) paths.push_back(a.path);
  return item_to_doc(project(item, paths));
}

bool wants_metrics(const Doc& in, const TableInfo& t) {
  return in.str("ReturnItemCollectionMetrics", "NONE") == "SIZE" && has_lsi(t);
}

void add_metrics(Doc& out, Catalog& cat, OpContext& ctx, const Doc& in, const TableInfo& t, const Item& key) {
  if (wants_metrics(in, t)) out.set("ItemCollectionMetrics", collection_metrics(ctx.storage, cat, t, key));
}

Result<Doc> put_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  std::string rv = in.str("ReturnValues", "NONE");
  check_return_values(rv, {"NONE", "ALL_OLD"});
  const Doc* item_doc = in.get("Item");
  Item item = item_from_doc(item_doc ? *item_doc : Doc::map());
  check_item(*t, item);
  ItemExprs ex(in);
  ex.parse(in, false, false);
  bool return_old_on_fail = in.str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
  bool want_capacity = in.str("ReturnConsumedCapacity", "NONE") != "NONE";
  bool read_old = ex.condition || rv == "ALL_OLD" || needs_old(*t) || want_capacity;
  std::vector<ItemWrite> w(1);
  w[0].table = t;
  w[0].key = item_key(*t, item);
  w[0].key_attrs = key_of(*t, item);
  const Condition* cond = ex.condition ? &*ex.condition : nullptr;
  w[0].compute = [&](const Item* old) -> std::optional<Item> {
    if (cond && !evaluate(*cond, old ? *old : Item{})) throw conditional_failed(old, return_old_on_fail);
    return item;
  };
  commit(ctx.storage, cat, w, read_old, ctx.now_ms);
  Doc out = Doc::map();
  if (rv == "ALL_OLD" && w[0].old_item) out.set("Attributes", item_to_doc(*w[0].old_item));
  Doc cc = consumed_write(in, *t, write_cost(*t, w[0].old_item, item));
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  add_metrics(out, cat, ctx, in, *t, w[0].key_attrs);
  return out;
}

Result<Doc> get_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  check_request_expressions(in);
  TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  Item key = parse_key(*t, *in.get("Key"));
  ItemExprs ex(in);
  ex.parse(in, false, true);
  auto item = read_item(ctx.storage, item_key(*t, key));
  Doc out = Doc::map();
  size_t size = item ? item_size(*item) : 0;
  if (item) out.set("Item", item_to_doc(ex.projection ? project(*item, *ex.projection) : *item));
  Doc cc = consumed(in, *t, read_units(size, in.flag("ConsistentRead")), true);
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  return out;
}

Result<Doc> delete_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  std::string rv = in.str("ReturnValues", "NONE");
  check_return_values(rv, {"NONE", "ALL_OLD"});
  Item key = parse_key(*t, *in.get("Key"));
  ItemExprs ex(in);
  ex.parse(in, false, false);
  bool return_old_on_fail = in.str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
  bool read_old = ex.condition || rv == "ALL_OLD" || needs_old(*t) || in.str("ReturnConsumedCapacity", "NONE") != "NONE";
  std::vector<ItemWrite> w(1);
  w[0].table = t;
  w[0].key = item_key(*t, key);
  w[0].key_attrs = key;
  const Condition* cond = ex.condition ? &*ex.condition : nullptr;
  w[0].compute = [&](const Item* old) -> std::optional<Item> {
    if (cond && !evaluate(*cond, old ? *old : Item{})) throw conditional_failed(old, return_old_on_fail);
    return std::nullopt;
  };
  commit(ctx.storage, cat, w, read_old, ctx.now_ms);
  Doc out = Doc::map();
  if (rv == "ALL_OLD" && w[0].old_item) out.set("Attributes", item_to_doc(*w[0].old_item));
  Doc cc = consumed_write(in, *t, write_cost(*t, w[0].old_item, std::nullopt));
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  add_metrics(out, cat, ctx, in, *t, key);
  return out;
}

Result<Doc> update_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  std::string rv = in.str("ReturnValues", "NONE");
  check_return_values(rv, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"});
  Item key = parse_key(*t, *in.get("Key"));
  ItemExprs ex(in);
  ex.parse(in, true, false);
  check_key_not_updated(*t, ex.update);
  bool return_old_on_fail = in.str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
  std::vector<ItemWrite> w(1);
  w[0].table = t;
  w[0].key = item_key(*t, key);
  w[0].key_attrs = key;
  const Condition* cond = ex.condition ? &*ex.condition : nullptr;
  w[0].compute = [&](const Item* old) -> std::optional<Item> {
    if (cond && !evaluate(*cond, old ? *old : Item{})) throw conditional_failed(old, return_old_on_fail);
    Item item = old ? *old : key;
    apply_update(ex.update, item);
    check_updated_size(item);
    check_item(*t, item);
    return item;
  };
  commit(ctx.storage, cat, w, true, ctx.now_ms);
  Doc out = Doc::map();
  const auto& old = w[0].old_item;
  const auto& neu = w[0].new_item;
  if (rv == "ALL_OLD" && old) out.set("Attributes", item_to_doc(*old));
  if (rv == "ALL_NEW" && neu) out.set("Attributes", item_to_doc(*neu));
  if (rv == "UPDATED_OLD" && old) {
    Doc a = updated_attributes(*old, ex.update);
    if (!a.as_map().empty()) out.set("Attributes", a);
  }
  if (rv == "UPDATED_NEW" && neu) {
    Doc a = updated_attributes(*neu, ex.update);
    if (!a.as_map().empty()) out.set("Attributes", a);
  }
  Doc cc = consumed_write(in, *t, write_cost(*t, old, neu));
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  add_metrics(out, cat, ctx, in, *t, key);
  return out;
}

// Batch and transactions ---------------------------------------------------------------------

}  // namespace

namespace {

// Adds the numbers of `from` into `into` (same shape; maps merged key by key).
void sum_into(Doc& into, const Doc& from) {
  for (const auto& [k, v] : from.as_map()) {
    Doc* cur = into.get(k);
    if (!cur) into.set(k, v);
    else if (v.is_number()) *cur = Doc(cur->as_double() + v.as_double());
    else if (v.is_map() && cur->is_map()) sum_into(*cur, v);
  }
}

}  // namespace

void add_capacity(Doc& list, const Doc& in, const TableInfo& t, double units, bool read,
                  const std::vector<std::pair<std::string, double>>& index_units) {
  Doc c = consumed_detail(in, t, units, read, index_units);
  if (c.is_null()) return;
  for (auto& e : list.as_list()) {
    if (e.str("TableName") == t.name) {
      sum_into(e, c);
      return;
    }
  }
  list.push(c);
}

namespace {

AwsError transaction_canceled(const std::vector<std::optional<AwsError>>& failures) {
  Doc reasons = Doc::list();
  std::string codes;
  for (const auto& f : failures) {
    Doc r = Doc::map();
    std::string code = "None";
    if (f) {
      code = f->code == "ConditionalCheckFailedException"             ? "ConditionalCheckFailed"
             : f->code == "DuplicateItemException"                    ? "DuplicateItem"
             : f->code == "ItemCollectionSizeLimitExceededException" ? "ItemCollectionSizeLimitExceeded"
                                                                       : "ValidationError";
      r.set("Message", f->message);
      if (!f->extra_json.empty()) {
        Doc extra = json::parse(f->extra_json);
        if (const Doc* item = extra.get("Item")) r.set("Item", *item);
      }
    }
    r.set("Code", code);
    reasons.push(r);
    codes += (codes.empty() ? "" : ", ") + code;
  }
  AwsError err("TransactionCanceledException",
               "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]", 400);
  Doc extra = Doc::map();
  extra.set("CancellationReasons", reasons);
  err.extra_json = json::write(extra);
  return err;
}

}  // namespace

namespace {
// ClientRequestToken records: remembered for 10 minutes after the transaction commits (written in
// the transaction's own batch). ddb.txtokens: account '\0' region '\0' token -> {h: request
// digest, t: commit ms}; ddb.txtoken-expiry: be64(commit ms) token key -> "" (oldest first, for
// purging). Tokens of requests being applied are also held in memory (TransactionInProgress).
constexpr const char* kTokens = "ddb.txtokens";
constexpr const char* kTokenExpiry = "ddb.txtoken-expiry";
constexpr int64_t kTokenMs = 10 * 60 * 1000;

std::mutex in_flight_mu;
std::set<std::pair<const void*, std::string>> in_flight;  // (engine, token key)

void purge_tokens(storage::Engine& e, int64_t now_ms) {
  storage::ScanOptions o;
  std::string end;
  append_be64(end, static_cast<uint64_t>(std::max<int64_t>(0, now_ms - kTokenMs)));
  o.end = end;
  storage::WriteBatch b;
  int n = 0;
  for (auto it = e.scan(kTokenExpiry, o); it->valid() && n < 100; it->next(), ++n) {
    std::string key(it->key());
    std::string token_key = key.substr(8);
    std::string v;
    // The token may have been used again since: only its own record goes.
    if (e.get(kTokens, token_key, &v).ok() &&
        json::parse(v).integer("t") == static_cast<int64_t>(read_be64(key)))
      b.del(kTokens, token_key);
    b.del(kTokenExpiry, key);
  }
  if (!b.empty()) e.write(b);
}
}  // namespace

TransactionToken::TransactionToken(OpContext& ctx, const Doc& in) {
  std::string token = in.str("ClientRequestToken");
  if (token.empty()) return;
  Doc request = in;
  request.as_map().erase("ClientRequestToken");
  request.as_map().erase("ReturnConsumedCapacity");
  std::string digest = auth::sha256_hex(json::write(request));
  engine_ = &ctx.storage;
  key_ = table_key(ctx.account(), ctx.region(), token);
  purge_tokens(ctx.storage, ctx.now_ms);
  {
    std::lock_guard lock(in_flight_mu);
    if (!in_flight.insert({engine_, key_}).second)
      throw AwsError("TransactionInProgressException", "The transaction with the given request token is already in progress.", 400);
    claimed_ = true;
  }
  try {
    std::string v;
    if (ctx.storage.get(kTokens, key_, &v).ok()) {
      Doc rec = json::parse(v);
      if (ctx.now_ms - rec.integer("t") < kTokenMs) {
        if (rec.str("h") != digest)
          throw AwsError("IdempotentParameterMismatchException",
                         "The request uses the same client token as a previous, but non-identical request.", 400);
        applied_ = true;
        return;
      }
    }
  } catch (...) {
    std::lock_guard lock(in_flight_mu);
    in_flight.erase({engine_, key_});
    throw;
  }
  Doc rec = Doc::map();
  rec.set("h", digest);
  rec.set("t", ctx.now_ms);
  batch_.put(kTokens, key_, json::write(rec));
  std::string expiry;
  append_be64(expiry, static_cast<uint64_t>(ctx.now_ms));
  batch_.put(kTokenExpiry, expiry + key_, "");
}

TransactionToken::~TransactionToken() {
  if (!claimed_) return;
  std::lock_guard lock(in_flight_mu);
  in_flight.erase({engine_, key_});
}

Doc TransactionToken::replayed(OpContext& ctx, const Doc& in, const std::vector<ItemWrite>& writes) const {
  Doc out = Doc::map();
  Doc capacity = Doc::list();
  for (const auto& w : writes) {
    auto item = read_item(ctx.storage, w.key);
    add_capacity(capacity, in, *w.table, read_units(item ? item_size(*item) : 0, true), true);
  }
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
}

void commit_transaction(storage::Engine& e, Catalog& cat, std::vector<ItemWrite>& writes, int64_t now_ms,
                        const storage::WriteBatch* extra) {
  std::vector<std::optional<AwsError>> failures(writes.size());
  try {
    commit(e, cat, writes, true, now_ms, [&](size_t i, const AwsError& err) { failures[i] = err; }, extra);
  } catch (const AwsError&) {
    bool any = false;
    for (const auto& f : failures) any = any || f.has_value();
    if (!any) throw;
    throw transaction_canceled(failures);
  }
}

namespace {

// ItemCollectionMetrics of a multi-item write (BatchWriteItem, TransactWriteItems): table name ->
// one entry per item collection written, for tables with LSIs when SIZE was asked for.
Doc metrics_per_table(Catalog& cat, OpContext& ctx, const Doc& in, const std::vector<ItemWrite>& writes) {
  Doc out = Doc::map();
  std::set<std::string> seen;
  for (const auto& w : writes) {
    const TableInfo& t = *w.table;
    if (w.condition_check_only || !wants_metrics(in, t)) continue;
    if (!seen.insert(partition_prefix(t.id, w.key_attrs.at(t.hash.name))).second) continue;
    if (!out.has(t.name)) out.set(t.name, Doc::list());
    out.get(t.name)->push(collection_metrics(ctx.storage, cat, t, w.key_attrs));
  }
  return out;
}

// BatchGetItem answers at most this many bytes; the rest goes back in UnprocessedKeys (AWS's
// documented example: of 100 items of 300 KB, 52 are returned).
constexpr size_t kBatchGetBytes = 16'000'000;

Result<Doc> batch_get_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  const Doc* req = in.get("RequestItems");
  size_t total = 0;
  struct TableReq {
    std::string name;  // as requested
    const Doc* spec;   // the KeysAndAttributes
    TablePtr t;
    std::vector<std::string> keys;
    std::vector<const Doc*> key_docs;
    std::optional<std::vector<Path>> projection;
    bool consistent;
  };
  std::vector<TableReq> reqs;
  for (const auto& [name, r] : req->as_map()) {
    TableReq tr;
    tr.name = name;
    tr.spec = &r;
    tr.t = cat.get(ctx.storage, ctx.account(), ctx.region(), name);
    std::set<std::string> seen;
    if (const Doc* keys = r.get("Keys"); keys && keys->is_list()) {
      for (const auto& k : keys->as_list()) {
        std::string sk = item_key(*tr.t, parse_key(*tr.t, k));
        if (!seen.insert(sk).second) throw errors::validation("Provided list of item keys contains duplicates");
        tr.keys.push_back(sk);
        tr.key_docs.push_back(&k);
      }
    }
    total += tr.keys.size();
    ItemExprs ex(r);
    ex.parse(r, false, true);
    tr.projection = ex.projection;
    tr.consistent = r.flag("ConsistentRead");
    reqs.push_back(std::move(tr));
  }
  if (total > 100) throw errors::validation("Too many items requested for the BatchGetItem call");
  Doc responses = Doc::map();
  Doc unprocessed = Doc::map();
  Doc capacity = Doc::list();
  size_t bytes = 0;
  bool full = false;
  for (const auto& tr : reqs) {
    Doc items = Doc::list();
    Doc rest = Doc::list();
    double units = 0;
    for (size_t i = 0; i < tr.keys.size(); ++i) {
      if (full) {
        rest.push(*tr.key_docs[i]);
        continue;
      }
      auto item = read_item(ctx.storage, tr.keys[i]);
      units += read_units(item ? item_size(*item) : 0, tr.consistent);
      if (!item) continue;
      Item answer = tr.projection ? project(*item, *tr.projection) : std::move(*item);
      size_t size = item_size(answer);
      if (bytes + size > kBatchGetBytes) {
        full = true;
        rest.push(*tr.key_docs[i]);
        continue;
      }
      bytes += size;
      items.push(item_to_doc(answer));
    }
    responses.set(tr.name, items);
    if (!rest.as_list().empty()) {
      Doc again = *tr.spec;
      again.set("Keys", rest);
      unprocessed.set(tr.name, again);
    }
    add_capacity(capacity, in, *tr.t, units, true);
  }
  Doc out = Doc::map();
  out.set("Responses", responses);
  out.set("UnprocessedKeys", unprocessed);
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
}

// BatchWriteItem's limit on the whole request.
constexpr size_t kBatchWriteRequestBytes = 16 * 1024 * 1024;

Result<Doc> batch_write_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  if (ctx.http && ctx.http->body.size() > kBatchWriteRequestBytes)
    throw errors::validation("Request size exceeds the maximum of 16 MB for the BatchWriteItem call");
  const Doc* req = in.get("RequestItems");
  size_t total = 0;
  std::vector<ItemWrite> writes;
  std::vector<Item> puts;  // parallel to writes (empty for deletes)
  std::set<std::pair<uint64_t, std::string>> seen;
  for (const auto& [name, list] : req->as_map()) {
    TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), name);
    for (const auto& r : list.as_list()) {
      ++total;
      ItemWrite w;
      w.table = t;
      if (const Doc* p = r.get("PutRequest")) {
        Item item = item_from_doc(*p->get("Item"));
        check_item(*t, item);
        w.key = item_key(*t, item);
        w.key_attrs = key_of(*t, item);
        puts.push_back(std::move(item));
      } else if (const Doc* d = r.get("DeleteRequest")) {
        Item key = parse_key(*t, *d->get("Key"));
        w.key = item_key(*t, key);
        w.key_attrs = key;
        puts.push_back(Item{});
      } else {
        throw errors::validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
      }
      if (!seen.insert({t->id, w.key}).second) throw errors::validation("Provided list of item keys contains duplicates");
      writes.push_back(std::move(w));
    }
  }
  if (total > 25) throw errors::validation("Too many items requested for the BatchWriteItem call");
  Doc capacity = Doc::list();
  // Unconditional puts and deletes of distinct items: committed as one storage batch (one log
  // write for the request instead of one per item; atomic, which AWS does not promise).
  for (size_t i = 0; i < writes.size(); ++i) {
    bool is_put = !puts[i].empty();
    const Item* item = &puts[i];
    writes[i].compute = [is_put, item](const Item*) -> std::optional<Item> {
      if (is_put) return *item;
      return std::nullopt;
    };
  }
  commit(ctx.storage, cat, writes, true, ctx.now_ms);
  for (size_t i = 0; i < writes.size(); ++i) {
    std::optional<Item> written = puts[i].empty() ? std::nullopt : std::optional<Item>(puts[i]);
    WriteCost cost = write_cost(*writes[i].table, writes[i].old_item, written);
    add_capacity(capacity, in, *writes[i].table, cost.table, false, cost.indexes);
  }
  Doc out = Doc::map();
  out.set("UnprocessedItems", Doc::map());
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  Doc metrics = metrics_per_table(cat, ctx, in, writes);
  if (!metrics.as_map().empty()) out.set("ItemCollectionMetrics", metrics);
  return out;
}

// The aggregate size of the items of a transaction (TransactWriteItems, TransactGetItems).
constexpr size_t kTransactionBytes = 4 * 1024 * 1024;
AwsError transaction_too_large() {
  return errors::validation("The aggregate size of the items in the transaction cannot exceed 4 MB");
}

Result<Doc> transact_write_items(Catalog& cat, OpContext& ctx, const Doc& in) {
  const Doc* items = in.get("TransactItems");
  const auto& list = items->as_list();
  if (list.size() > 100)
    throw errors::validation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100");
  struct Parsed {
    std::string kind;
    std::unique_ptr<ItemExprs> ex;
    Item item;  // Put: the item; others: the key
    bool return_old;
  };
  std::vector<Parsed> parsed(list.size());
  std::vector<ItemWrite> writes(list.size());
  std::set<std::pair<uint64_t, std::string>> seen;
  size_t aggregate = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const Doc& ti = list[i];
    const Doc* op = nullptr;
    int kinds = 0;
    for (const char* k : {"ConditionCheck", "Put", "Delete", "Update"})
      if (const Doc* d = ti.get(k)) {
        op = d;
        parsed[i].kind = k;
        ++kinds;
      }
    if (kinds != 1) throw errors::validation("TransactItems can only contain one of ConditionCheck, Put, Update or Delete");
    Parsed& p = parsed[i];
    TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), op->str("TableName"));
    p.ex = std::make_unique<ItemExprs>(*op);
    p.ex->parse(*op, p.kind == "Update", false);
    p.return_old = op->str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
    if (p.kind == "ConditionCheck" && !p.ex->condition)
      throw errors::validation("The ConditionExpression parameter is required for ConditionCheck");
    if (p.kind == "Put") {
      p.item = item_from_doc(*op->get("Item"));
      check_item(*t, p.item);
      writes[i].key_attrs = key_of(*t, p.item);
    } else {
      p.item = parse_key(*t, *op->get("Key"));
      writes[i].key_attrs = p.item;
    }
    aggregate += item_size(p.item);
    if (p.kind == "Update") check_key_not_updated(*t, p.ex->update);
    writes[i].table = t;
    writes[i].key = item_key(*t, writes[i].key_attrs);
    writes[i].condition_check_only = p.kind == "ConditionCheck";
    if (!seen.insert({t->id, writes[i].key}).second)
      throw errors::validation("Transaction request cannot include multiple operations on one item");
    writes[i].compute = [&p, t](const Item* old) -> std::optional<Item> {
      if (p.ex->condition && !evaluate(*p.ex->condition, old ? *old : Item{})) throw conditional_failed(old, p.return_old);
      if (p.kind == "Put") return p.item;
      if (p.kind == "Delete") return std::nullopt;
      if (p.kind == "ConditionCheck") return old ? std::optional<Item>(*old) : std::nullopt;
      Item item = old ? *old : p.item;
      apply_update(p.ex->update, item);
      check_updated_size(item);
      check_item(*t, item);
      return item;
    };
  }
  if (aggregate > kTransactionBytes) throw transaction_too_large();

  TransactionToken token(ctx, in);
  if (token.applied()) return token.replayed(ctx, in, writes);
  commit_transaction(ctx.storage, cat, writes, ctx.now_ms, token.record());
  Doc out = Doc::map();
  Doc capacity = Doc::list();
  for (const auto& w : writes) {
    // Transactional writes cost twice; a ConditionCheck as much as writing its item.
    WriteCost cost;
    if (w.condition_check_only) cost.table = write_units(w.old_item ? item_size(*w.old_item) : 0);
    else cost = write_cost(*w.table, w.old_item, w.new_item);
    for (auto& [_, u] : cost.indexes) u *= 2;
    add_capacity(capacity, in, *w.table, 2 * cost.table, false, cost.indexes);
  }
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  Doc metrics = metrics_per_table(cat, ctx, in, writes);
  if (!metrics.as_map().empty()) out.set("ItemCollectionMetrics", metrics);
  return out;
}

Result<Doc> transact_get_items(Catalog& cat, OpContext& ctx, const Doc& in) {
  const auto& list = in.get("TransactItems")->as_list();
  if (list.size() > 100)
    throw errors::validation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100");
  struct G {
    TablePtr t;
    std::string key;
    std::optional<std::vector<Path>> projection;
  };
  std::vector<G> gets;
  std::set<std::pair<uint64_t, std::string>> seen;
  for (const auto& ti : list) {
    const Doc* g = ti.get("Get");
    if (!g) throw errors::validation("TransactItems can only contain Get");
    G x;
    x.t = cat.get(ctx.storage, ctx.account(), ctx.region(), g->str("TableName"));
    x.key = item_key(*x.t, parse_key(*x.t, *g->get("Key")));
    if (!seen.insert({x.t->id, x.key}).second)
      throw errors::validation("Transaction request cannot include multiple operations on one item");
    ItemExprs ex(*g);
    ex.parse(*g, false, true);
    x.projection = ex.projection;
    gets.push_back(std::move(x));
  }
  auto snap = ctx.storage.snapshot();  // one consistent view for every Get
  Doc responses = Doc::list();
  Doc capacity = Doc::list();
  size_t aggregate = 0;
  for (const auto& g : gets) {
    auto item = read_item(ctx.storage, g.key, snap.get());
    Doc r = Doc::map();
    if (item) {
      aggregate += item_size(*item);
      if (aggregate > kTransactionBytes) throw transaction_too_large();
      r.set("Item", item_to_doc(g.projection ? project(*item, *g.projection) : *item));
    }
    responses.push(r);
    add_capacity(capacity, in, *g.t, 2 * read_units(item ? item_size(*item) : 0, true), true);
  }
  Doc out = Doc::map();
  out.set("Responses", responses);
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
}

}  // namespace

void add_item_ops(const Adder& add, Catalog& cat) {
  add("PutItem", [&cat](OpContext& c, const Doc& in) { return put_item(cat, c, in); });
  add("GetItem", [&cat](OpContext& c, const Doc& in) { return get_item(cat, c, in); });
  add("UpdateItem", [&cat](OpContext& c, const Doc& in) { return update_item(cat, c, in); });
  add("DeleteItem", [&cat](OpContext& c, const Doc& in) { return delete_item(cat, c, in); });
  add("BatchGetItem", [&cat](OpContext& c, const Doc& in) { return batch_get_item(cat, c, in); });
  add("BatchWriteItem", [&cat](OpContext& c, const Doc& in) { return batch_write_item(cat, c, in); });
  add("TransactWriteItems", [&cat](OpContext& c, const Doc& in) { return transact_write_items(cat, c, in); });
  add("TransactGetItems", [&cat](OpContext& c, const Doc& in) { return transact_get_items(cat, c, in); });
}

}  // namespace stratus::dynamodb
