// Item operations: PutItem, GetItem, UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem,
// TransactWriteItems, TransactGetItems.
#include <set>

#include "server/context.h"
#include "services/dynamodb/common.h"

namespace stratus::dynamodb {

Doc consumed(const Doc& in, const TableInfo& t, double units, bool read, double index_units, const std::string& index_name) {
  std::string mode = in.str("ReturnConsumedCapacity", "NONE");
  if (mode == "NONE") return Doc();
  Doc c = Doc::map();
  c.set("TableName", t.name);
  c.set("CapacityUnits", units + index_units);
  c.set(read ? "ReadCapacityUnits" : "WriteCapacityUnits", units + index_units);
  if (mode == "INDEXES") {
    Doc tab = Doc::map();
    tab.set("CapacityUnits", units);
    tab.set(read ? "ReadCapacityUnits" : "WriteCapacityUnits", units);
    c.set("Table", tab);
    if (!index_name.empty()) {
      const IndexInfo* ix = t.index(index_name);
      Doc one = Doc::map();
      one.set("CapacityUnits", index_units);
      one.set(read ? "ReadCapacityUnits" : "WriteCapacityUnits", index_units);
      Doc m = Doc::map();
      m.set(index_name, one);
      c.set(ix && ix->global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes", m);
    }
  }
  return c;
}

ItemExprs::ItemExprs(const Doc& in) : ctx(in.get("ExpressionAttributeNames"), in.get("ExpressionAttributeValues")) {}

void ItemExprs::parse(const Doc& in, bool allow_update, bool allow_projection, bool other_expressions) {
  bool any = other_expressions;
  if (in.has("ConditionExpression")) {
    if (in.has("Expected"))
      throw errors::validation("Can not use both expression and non-expression parameters in the same request: "
                               "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}");
    condition = parse_condition(in.str("ConditionExpression"), "Condition", ctx);
    any = true;
  } else if (in.has("Expected")) {
    throw AwsError("ValidationException", "Stratus does not support the legacy Expected parameter yet; use ConditionExpression", 400);
  }
  if (allow_update && in.has("UpdateExpression")) {
    if (in.has("AttributeUpdates"))
      throw errors::validation("Can not use both expression and non-expression parameters in the same request: "
                               "Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}");
    update = parse_update(in.str("UpdateExpression"), ctx);
    any = true;
  }
  if (allow_projection && in.has("ProjectionExpression")) {
    if (in.has("AttributesToGet"))
      throw errors::validation("Can not use both expression and non-expression parameters in the same request: "
                               "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
    projection = parse_projection(in.str("ProjectionExpression"), ctx);
    any = true;
  } else if (allow_projection && in.has("AttributesToGet")) {
    std::vector<Path> paths;
    for (const auto& a : in.get("AttributesToGet")->as_list()) paths.push_back(Path{PathElem{a.as_string(), -1}});
    projection = std::move(paths);
  }
  ctx.check_all_used(any);
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

Doc updated_attributes(const Item& item, const std::vector<UpdateAction>& actions) {
  std::vector<Path> paths;
  for (const auto& a : actions) paths.push_back(a.path);
  return item_to_doc(project(item, paths));
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
  size_t size = std::max(item_size(item), w[0].old_item ? item_size(*w[0].old_item) : 0);
  Doc cc = consumed(in, *t, write_units(size), false);
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  return out;
}

Result<Doc> get_item(Catalog& cat, OpContext& ctx, const Doc& in) {
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
  Doc cc = consumed(in, *t, write_units(w[0].old_item ? item_size(*w[0].old_item) : 0), false);
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  return out;
}

Result<Doc> update_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  std::string rv = in.str("ReturnValues", "NONE");
  check_return_values(rv, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"});
  Item key = parse_key(*t, *in.get("Key"));
  if (in.has("AttributeUpdates") && !in.has("UpdateExpression"))
    throw AwsError("ValidationException", "Stratus does not support the legacy AttributeUpdates parameter yet; use UpdateExpression", 400);
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
  size_t size = std::max(neu ? item_size(*neu) : 0, old ? item_size(*old) : 0);
  Doc cc = consumed(in, *t, write_units(size), false);
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  return out;
}

// Batch and transactions ---------------------------------------------------------------------

}  // namespace

void add_capacity(Doc& list, const Doc& in, const TableInfo& t, double units, bool read) {
  Doc c = consumed(in, t, units, read);
  if (c.is_null()) return;
  for (auto& e : list.as_list()) {
    if (e.str("TableName") == t.name) {
      double total = e.get("CapacityUnits")->as_double() + units;
      e.set("CapacityUnits", total);
      e.set(read ? "ReadCapacityUnits" : "WriteCapacityUnits", total);
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
      code = f->code == "ConditionalCheckFailedException" ? "ConditionalCheckFailed"
             : f->code == "DuplicateItemException"        ? "DuplicateItem"
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

void commit_transaction(storage::Engine& e, Catalog& cat, std::vector<ItemWrite>& writes, int64_t now_ms) {
  std::vector<std::optional<AwsError>> failures(writes.size());
  try {
    commit(e, cat, writes, true, now_ms, [&](size_t i, const AwsError& err) { failures[i] = err; });
  } catch (const AwsError&) {
    bool any = false;
    for (const auto& f : failures) any = any || f.has_value();
    if (!any) throw;
    throw transaction_canceled(failures);
  }
}

namespace {

Result<Doc> batch_get_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  const Doc* req = in.get("RequestItems");
  size_t total = 0;
  struct TableReq {
    TablePtr t;
    std::vector<std::string> keys;
    std::optional<std::vector<Path>> projection;
    bool consistent;
  };
  std::vector<TableReq> reqs;
  for (const auto& [name, r] : req->as_map()) {
    TableReq tr;
    tr.t = cat.get(ctx.storage, ctx.account(), ctx.region(), name);
    std::set<std::string> seen;
    if (const Doc* keys = r.get("Keys"); keys && keys->is_list()) {
      for (const auto& k : keys->as_list()) {
        std::string sk = item_key(*tr.t, parse_key(*tr.t, k));
        if (!seen.insert(sk).second) throw errors::validation("Provided list of item keys contains duplicates");
        tr.keys.push_back(sk);
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
  Doc capacity = Doc::list();
  for (const auto& tr : reqs) {
    Doc items = Doc::list();
    double units = 0;
    for (const auto& k : tr.keys) {
      auto item = read_item(ctx.storage, k);
      units += read_units(item ? item_size(*item) : 0, tr.consistent);
      if (item) items.push(item_to_doc(tr.projection ? project(*item, *tr.projection) : *item));
    }
    responses.set(tr.t->name, items);
    add_capacity(capacity, in, *tr.t, units, true);
  }
  Doc out = Doc::map();
  out.set("Responses", responses);
  out.set("UnprocessedKeys", Doc::map());
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
}

Result<Doc> batch_write_item(Catalog& cat, OpContext& ctx, const Doc& in) {
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
        w.condition_check_only = false;
        w.compute = nullptr;
      } else {
        throw errors::validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
      }
      if (!seen.insert({t->id, w.key}).second) throw errors::validation("Provided list of item keys contains duplicates");
      writes.push_back(std::move(w));
    }
  }
  if (total > 25) throw errors::validation("Too many items requested for the BatchWriteItem call");
  Doc capacity = Doc::list();
  // Each request is its own write, as on AWS (a batch is not a transaction).
  for (size_t i = 0; i < writes.size(); ++i) {
    bool is_put = !puts[i].empty();
    const Item* item = &puts[i];
    writes[i].compute = [is_put, item](const Item*) -> std::optional<Item> {
      if (is_put) return *item;
      return std::nullopt;
    };
    std::vector<ItemWrite> one;
    one.push_back(std::move(writes[i]));
    commit(ctx.storage, cat, one, needs_old(*one[0].table), ctx.now_ms);
    add_capacity(capacity, in, *one[0].table, write_units(is_put ? item_size(*item) : 0), false);
  }
  Doc out = Doc::map();
  out.set("UnprocessedItems", Doc::map());
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
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
  for (size_t i = 0; i < list.size(); ++i) {
    const Doc& ti = list[i];
    const Doc* op = nullptr;
    for (const char* k : {"ConditionCheck", "Put", "Delete", "Update"})
      if (const Doc* d = ti.get(k)) {
        op = d;
        parsed[i].kind = k;
      }
    if (!op) throw errors::validation("TransactItems can only contain one of ConditionCheck, Put, Update or Delete");
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
      check_item(*t, item);
      return item;
    };
  }
  commit_transaction(ctx.storage, cat, writes, ctx.now_ms);
  Doc out = Doc::map();
  Doc capacity = Doc::list();
  for (size_t i = 0; i < writes.size(); ++i) {
    size_t size = std::max(writes[i].new_item ? item_size(*writes[i].new_item) : 0,
                           writes[i].old_item ? item_size(*writes[i].old_item) : 0);
    add_capacity(capacity, in, *writes[i].table, 2 * write_units(size), false);
  }
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
}

Result<Doc> transact_get_items(Catalog& cat, OpContext& ctx, const Doc& in) {
  const auto& list = in.get("TransactItems")->as_list();
  struct G {
    TablePtr t;
    std::string key;
    std::optional<std::vector<Path>> projection;
  };
  std::vector<G> gets;
  for (const auto& ti : list) {
    const Doc* g = ti.get("Get");
    if (!g) throw errors::validation("TransactItems can only contain Get");
    G x;
    x.t = cat.get(ctx.storage, ctx.account(), ctx.region(), g->str("TableName"));
    x.key = item_key(*x.t, parse_key(*x.t, *g->get("Key")));
    ItemExprs ex(*g);
    ex.parse(*g, false, true);
    x.projection = ex.projection;
    gets.push_back(std::move(x));
  }
  auto snap = ctx.storage.snapshot();  // one consistent view for every Get
  Doc responses = Doc::list();
  Doc capacity = Doc::list();
  for (const auto& g : gets) {
    auto item = read_item(ctx.storage, g.key, snap.get());
    Doc r = Doc::map();
    if (item) r.set("Item", item_to_doc(g.projection ? project(*item, *g.projection) : *item));
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
