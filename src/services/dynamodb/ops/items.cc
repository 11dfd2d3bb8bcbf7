// Item operations: PutItem, GetItem, UpdateItem, DeleteItem, and what every item operation
// shares (expressions of a request, consumed capacity, item collection metrics).
#include <atomic>

#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/legacy.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {

namespace {

// ConsumedCapacity's TableName: the table's ARN when the request named the table by its ARN.
std::string shown_name(const Doc& in, const TableInfo& t) {
  std::string arn = t.arn();
  if (in.str("TableName") == arn) return arn;
  if (const Doc* r = in.get("RequestItems"); r && r->is_map() && r->has(arn)) return arn;
  if (const Doc* items = in.get("TransactItems"); items && items->is_list())
    for (const auto& item : items->as_list())
      if (item.is_map())
        for (const auto& [_, op] : item.as_map())
          if (op.is_map() && op.str("TableName") == arn) return arn;
  return t.name;
}

// ConsumedCapacity with a per-index breakdown (index name -> units).
namespace {
std::atomic<cloudwatch::Api*> g_metrics{nullptr};
}  // namespace

Doc consumed_detail(const Doc& in, const TableInfo& t, double units, bool read,
                    const std::vector<std::pair<std::string, double>>& index_units) {
  // AWS/DynamoDB ConsumedRead/WriteCapacityUnits: by TableName, and by TableName and
  // GlobalSecondaryIndexName for the indexes' share.
  if (cloudwatch::Api* m = g_metrics.load(std::memory_order_relaxed)) {
    const char* name = read ? "ConsumedReadCapacityUnits" : "ConsumedWriteCapacityUnits";
    const cloudwatch::Dimension dims[] = {{"TableName", t.name}};
    m->put(t.account, t.region, "AWS/DynamoDB", name, dims, units, "Count");
    for (const auto& [ix, u] : index_units) {
      const cloudwatch::Dimension idims[] = {{"GlobalSecondaryIndexName", ix}, {"TableName", t.name}};
      m->put(t.account, t.region, "AWS/DynamoDB", name, idims, u, "Count");
    }
  }
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
  c.set("TableName", shown_name(in, t));
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

}  // namespace

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

void set_metrics_port(cloudwatch::Api* api) {
  g_metrics.store(api);
}

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
  if (const Doc* tables = in.get("RequestItems"); tables && tables->is_map())  // BatchGetItem
    for (const auto& [_, spec] : tables->as_map())
      if (spec.is_map()) one(spec);
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

// UpdateItem words the size limit its own way.
void check_updated_size(const Item& item) {
  if (item_size(item) > kMaxItemSize) throw errors::validation("Item size to update has exceeded the maximum allowed size");
}

bool wants_metrics(const Doc& in, const TableInfo& t) {
  return in.str("ReturnItemCollectionMetrics", "NONE") == "SIZE" && has_lsi(t);
}

namespace {

Doc updated_attributes(const Item& item, const std::vector<UpdateAction>& actions) {
  std::vector<Path> paths;
  for (const auto& a : actions) paths.push_back(a.path);
  return item_to_doc(project(item, paths));
}

// PutItem's, DeleteItem's and UpdateItem's one write: the item with key attributes `key` in t
// (its compute is set by apply()).
std::vector<ItemWrite> one_write(const TablePtr& t, Item key) {
  std::vector<ItemWrite> writes(1);
  writes[0].table = t;
  writes[0].key = item_key(*t, key);
  writes[0].key_attrs = std::move(key);
  return writes;
}

void add_metrics(Doc& out, Catalog& cat, OpContext& ctx, const Doc& in, const TableInfo& t, const Item& key) {
  if (wants_metrics(in, t)) out.set("ItemCollectionMetrics", collection_metrics(ctx.storage, cat, t, key));
}

// What a single-item write (PutItem, DeleteItem, UpdateItem) checks on the I/O thread before its
// item, in AWS's order: the expressions given, ReturnValues (one of `allowed`), the parsed
// expressions (`update`: UpdateExpression too), then the table.
struct WriteRequest {
  std::string rv;
  ItemExprs ex;
  TablePtr t;
};
WriteRequest write_request(Catalog& cat, OpContext& ctx, const Doc& in, std::initializer_list<const char*> allowed,
                           bool update) {
  check_request_expressions(in);
  std::string rv = in.str("ReturnValues", "NONE");
  check_return_values(rv, allowed);
  ItemExprs ex(in);
  ex.parse(in, update, false);
  TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  return {std::move(rv), std::move(ex), std::move(t)};
}

// A single-item write's condition against the item it replaces: AWS's failure when false.
void check_condition(const ItemExprs& ex, const Item* old, bool return_old_on_fail) {
  if (ex.condition && !evaluate(*ex.condition, old ? *old : Item{})) throw conditional_failed(old, return_old_on_fail);
}

// ConsumedCapacity and ItemCollectionMetrics of a single-item write's answer.
void add_write_costs(Doc& out, Catalog& cat, OpContext& ctx, const Doc& in, const TableInfo& t, const WriteCost& cost,
                     const Item& key) {
  Doc cc = consumed_write(in, t, cost);
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  add_metrics(out, cat, ctx, in, t, key);
}

}  // namespace

PutItemWrite put_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  // What the request alone decides is validated before the table is looked up.
  auto [rv, ex, t] = write_request(cat, ctx, in, {"NONE", "ALL_OLD"}, false);
  const Doc* item_doc = in.get("Item");
  Item item = item_from_doc(item_doc ? *item_doc : Doc::map());
  check_item(*t, item);
  PutItemWrite w{&in, std::move(t), std::move(item), std::move(ex)};
  w.return_all_old = rv == "ALL_OLD";
  w.return_old_on_fail = in.str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
  bool want_capacity = in.str("ReturnConsumedCapacity", "NONE") != "NONE";
  w.read_old = w.ex.condition || w.return_all_old || needs_old(*w.t) || want_capacity;
  w.writes = one_write(w.t, key_of(*w.t, w.item));
  return w;
}

Doc PutItemWrite::apply(Catalog& cat, OpContext& ctx) {
  writes[0].compute = [&](const Item* old) -> std::optional<Item> {
    check_condition(ex, old, return_old_on_fail);
    return item;
  };
  commit(ctx.storage, cat, writes, read_old, ctx.now_ms);
  Doc out = Doc::map();
  if (return_all_old && writes[0].old_item) out.set("Attributes", item_to_doc(*writes[0].old_item));
  add_write_costs(out, cat, ctx, *in, *t, write_cost(*t, writes[0].old_item, item), writes[0].key_attrs);
  return out;
}

Doc get_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  check_request_expressions(in);
  ItemExprs ex(in);
  ex.parse(in, false, true);
  TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  Item key = parse_key(*t, *in.get("Key"));
  auto item = read_item(ctx.storage, item_key(*t, key));
  Doc out = Doc::map();
  size_t size = item ? item_size(*item) : 0;
  if (item) out.set("Item", item_to_doc(ex.projection ? project(*item, *ex.projection) : *item));
  Doc cc = consumed(in, *t, read_units(size, in.flag("ConsistentRead")), true);
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  return out;
}

DeleteItemWrite delete_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  auto [rv, ex, t] = write_request(cat, ctx, in, {"NONE", "ALL_OLD"}, false);
  Item key = parse_key(*t, *in.get("Key"));
  DeleteItemWrite w{&in, std::move(t), std::move(key), std::move(ex)};
  w.return_all_old = rv == "ALL_OLD";
  w.return_old_on_fail = in.str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
  w.read_old = w.ex.condition || w.return_all_old || needs_old(*w.t) ||
               in.str("ReturnConsumedCapacity", "NONE") != "NONE";
  w.writes = one_write(w.t, w.key);
  return w;
}

Doc DeleteItemWrite::apply(Catalog& cat, OpContext& ctx) {
  writes[0].compute = [&](const Item* old) -> std::optional<Item> {
    check_condition(ex, old, return_old_on_fail);
    return std::nullopt;
  };
  commit(ctx.storage, cat, writes, read_old, ctx.now_ms);
  Doc out = Doc::map();
  if (return_all_old && writes[0].old_item) out.set("Attributes", item_to_doc(*writes[0].old_item));
  add_write_costs(out, cat, ctx, *in, *t, write_cost(*t, writes[0].old_item, std::nullopt), key);
  return out;
}

UpdateItemWrite update_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  auto [rv, ex, t] = write_request(cat, ctx, in, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}, true);
  Item key = parse_key(*t, *in.get("Key"));
  UpdateItemWrite w{&in, std::move(t), std::move(rv), std::move(key), std::move(ex)};
  check_key_not_updated(*w.t, w.ex.update);
  w.return_old_on_fail = in.str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD";
  w.writes = one_write(w.t, w.key);
  return w;
}

Doc UpdateItemWrite::apply(Catalog& cat, OpContext& ctx) {
  writes[0].compute = [&](const Item* old) -> std::optional<Item> {
    check_condition(ex, old, return_old_on_fail);
    Item item = old ? *old : key;
    apply_update(ex.update, item);
    check_updated_size(item);
    check_item(*t, item);
    return item;
  };
  commit(ctx.storage, cat, writes, true, ctx.now_ms);
  Doc out = Doc::map();
  const auto& old = writes[0].old_item;
  const auto& neu = writes[0].new_item;
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
  add_write_costs(out, cat, ctx, *in, *t, write_cost(*t, old, neu), key);
  return out;
}

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
    if (e.str("TableName") == c.str("TableName")) {
      sum_into(e, c);
      return;
    }
  }
  list.push(c);
}

}  // namespace stratus::dynamodb
