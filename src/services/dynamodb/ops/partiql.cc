// PartiQL operations: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction.
//
// Statements are parsed by partiql.h into the expression engine's structures. A SELECT with an
// equality (or IN) on the partition key reads those partitions (a Query); any other SELECT walks
// the whole table or index (a Scan); the whole WHERE clause filters what is read. Writes need an
// equality on every key attribute; the remaining conditions of the WHERE clause are the write's
// condition. Every write goes through commit() (item + index entries + stream record in one
// atomic batch), transactions through the same multi-item commit as TransactWriteItems.
#include <set>

#include "core/encoding.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"
#include "services/dynamodb/partiql.h"

namespace stratus::dynamodb {
namespace {

using partiql::Statement;
constexpr size_t kPageBytes = 1024 * 1024;


using Prepared = PartiqlStatement;

// Splits the WHERE clause into the primary key's equalities and the rest.
void split_key(Prepared& p) {
  if (!p.st.where) return;
  std::vector<const Condition*> rest;
  Item key;
  std::vector<const KeyDef*> defs{&p.t->hash};
  if (p.t->range) defs.push_back(&*p.t->range);
  for (const Condition* c : partiql::conjuncts(*p.st.where)) {
    bool used = false;
    for (const KeyDef* d : defs) {
      if (key.count(d->name)) continue;
      if (const Value* v = partiql::equality_on(*c, d->name)) {
        key[d->name] = *v;
        used = true;
        break;
      }
    }
    if (!used) rest.push_back(c);
  }
  p.cond = partiql::conjunction(rest);
  if (key.size() == defs.size()) p.key = std::move(key);
}

}  // namespace

Prepared prepare_statement(Catalog& cat, OpContext& ctx, const Doc& req) {
  Prepared p;
  const Doc* params = req.get("Parameters");
  p.st = partiql::parse(req.str("Statement"), params && params->is_list() ? &params->as_list() : nullptr);
  p.t = cat.find(ctx.storage, ctx.account(), ctx.region(), p.st.table);
  if (!p.t) throw errors::resource_not_found("Requested resource not found");
  if (!p.st.index.empty()) {
    p.ix = p.t->index(p.st.index);
    if (!p.ix) throw errors::validation("The table does not have the specified index: " + p.st.index);
  }
  switch (p.st.kind) {
    case Statement::Kind::select:
      if (!p.ix) split_key(p);
      break;
    case Statement::Kind::insert:
      check_item(*p.t, p.st.item);
      p.key = key_of(*p.t, p.st.item);
      break;
    case Statement::Kind::update:
    case Statement::Kind::del:
      split_key(p);
      if (!p.key) throw errors::validation("Where clause does not contain a mandatory equality on all key attributes");
      parse_key(*p.t, item_to_doc(*p.key));  // key types as the schema says
      if (p.st.kind == Statement::Kind::update) check_key_not_updated(*p.t, p.st.actions);
      break;
  }
  return p;
}

namespace {

ItemWrite make_write(const Prepared& p, bool return_old) {
  ItemWrite w;
  w.table = p.t;
  w.key_attrs = *p.key;
  w.key = item_key(*p.t, *p.key);
  w.compute = [&p, return_old](const Item* old) -> std::optional<Item> {
    const Condition* cond = p.cond ? &*p.cond : nullptr;
    switch (p.st.kind) {
      case Statement::Kind::insert:
        if (old) throw errors::duplicate_item("Duplicate primary key exists in table");
        return p.st.item;
      case Statement::Kind::update: {
        // UPDATE changes an existing item only.
        if (!old || (cond && !evaluate(*cond, *old))) throw conditional_failed(old, return_old);
        Item item = *old;
        apply_update(p.st.actions, item);
        check_item(*p.t, item);
        return item;
      }
      default:
        if (cond && !evaluate(*cond, old ? *old : Item{})) throw conditional_failed(old, return_old);
        return std::nullopt;
    }
  };
  return w;
}

// RETURNING's items for a committed write.
Doc returned_items(const Prepared& p, const ItemWrite& w) {
  Doc items = Doc::list();
  const std::string& r = p.st.returning;
  const std::optional<Item>& which = r == "ALL_OLD" || r == "MODIFIED_OLD" ? w.old_item : w.new_item;
  if (r.empty() || !which) return items;
  if (r.rfind("MODIFIED", 0) == 0) {
    std::vector<Path> paths;
    for (const auto& a : p.st.actions) paths.push_back(a.path);
    Item m = project(*which, paths);
    if (!m.empty()) items.push(item_to_doc(m));
  } else {
    items.push(item_to_doc(*which));
  }
  return items;
}

double write_size_units(const ItemWrite& w) {
  return write_units(std::max(w.new_item ? item_size(*w.new_item) : 0, w.old_item ? item_size(*w.old_item) : 0));
}

// SELECT ---------------------------------------------------------------------------------------

struct PageToken {
  size_t partition = 0;
  std::string key;  // storage key of the last item evaluated
};

std::string encode_token(const PageToken& t) {
  Doc d = Doc::map();
  d.set("p", static_cast<int64_t>(t.partition));
  d.set("k", enc::base64_encode(t.key));
  return enc::base64_encode(json::write(d));
}

PageToken decode_token(const std::string& s) {
  auto bad = [] { return errors::validation("The provided NextToken is invalid"); };
  auto raw = enc::base64_decode(s);
  if (!raw) throw bad();
  Doc d;
  try {
    d = json::parse(*raw);
  } catch (...) {
    throw bad();
  }
  const Doc* p = d.is_map() ? d.get("p") : nullptr;
  const Doc* k = d.is_map() ? d.get("k") : nullptr;
  if (!p || !p->is_int() || p->as_int() < 0 || !k || !k->is_string()) throw bad();
  auto key = enc::base64_decode(k->as_string());
  if (!key) throw bad();
  return PageToken{static_cast<size_t>(p->as_int()), *key};
}

// The partitions a SELECT is limited to, each as the values of every partition key attribute
// (empty: the whole table or index). An equality on each partition attribute names one
// partition; with a single partition attribute, IN names several.
std::vector<std::vector<Value>> partitions(const Prepared& p, const KeySchema& keys) {
  if (!p.st.where) return {};
  auto conjuncts = partiql::conjuncts(*p.st.where);
  if (keys.hash.size() > 1) {
    std::vector<Value> values;
    for (const auto& d : keys.hash) {
      const Value* found = nullptr;
      for (const Condition* c : conjuncts)
        if ((found = partiql::equality_on(*c, d.name))) break;
      if (!found) return {};
      values.push_back(*found);
    }
    return {values};
  }
  const std::string& hash = keys.hash[0].name;
  for (const Condition* c : conjuncts) {
    if (const Value* v = partiql::equality_on(*c, hash)) return {{*v}};
    if (c->kind == Condition::Kind::in && c->operands[0].kind == Operand::Kind::path &&
        c->operands[0].path.size() == 1 && c->operands[0].path[0].name == hash) {
      std::vector<Value> out;
      bool all_values = true;
      for (size_t i = 1; i < c->operands.size(); ++i) {
        if (c->operands[i].kind != Operand::Kind::value) all_values = false;
        else out.push_back(c->operands[i].value);
      }
      if (!all_values) continue;
      std::vector<std::vector<Value>> unique;
      for (auto& v : out) {
        bool seen = false;
        for (const auto& u : unique) seen = seen || equal(u[0], v);
        if (!seen) unique.push_back({std::move(v)});
      }
      return unique;
    }
  }
  return {};
}

// The conditions on the sort key attributes that narrow the range read within a partition:
// equalities on the leading ones, then the first usable condition on the next (the whole WHERE
// clause still filters what is read).
void sort_key_condition(const Prepared& p, const std::vector<KeyDef>& ranges, KeyRange& kr) {
  if (!p.st.where) return;
  using K = Condition::Kind;
  auto conjuncts = partiql::conjuncts(*p.st.where);
  for (const KeyDef& range : ranges) {
    const Value* eq = nullptr;
    for (const Condition* c : conjuncts)
      if (const Value* v = partiql::equality_on(*c, range.name); v && v->type == range.type) eq = v;
    if (eq) {
      kr.sort_prefix.push_back(*eq);
      continue;
    }
    for (const Condition* c : conjuncts) {
      bool usable = c->kind == K::lt || c->kind == K::le || c->kind == K::gt || c->kind == K::ge ||
                    c->kind == K::between || (c->kind == K::begins_with && range.type != Type::N);
      if (!usable || c->operands[0].kind != Operand::Kind::path || c->operands[0].path.size() != 1 ||
          c->operands[0].path[0].name != range.name)
        continue;
      for (size_t i = 1; i < c->operands.size(); ++i)
        if (c->operands[i].kind != Operand::Kind::value || c->operands[i].value.type != range.type) usable = false;
      if (!usable) continue;
      kr.op = c->kind;
      kr.v1 = c->operands[1].value;
      if (c->kind == K::between) kr.v2 = c->operands[2].value;
      return;
    }
    return;
  }
}

Doc run_select(OpContext& ctx, const Doc& in, const Prepared& p) {
  const TableInfo& t = *p.t;
  bool consistent = in.flag("ConsistentRead");
  if (p.ix && p.ix->global && consistent)
    throw errors::validation("Consistent reads are not supported on global secondary indexes");
  KeySchema keys = t.key_schema(p.ix);
  uint64_t id = p.ix ? p.ix->id : t.id;
  std::vector<std::vector<Value>> parts = partitions(p, keys);
  bool is_query = !parts.empty();
  if (p.st.order_by) {
    if (!is_query) throw errors::validation("Must have WHERE clause in the statement when using ORDER BY clause.");
    if (keys.range.empty() || p.st.order_by->size() != 1 || p.st.order_by->front().name != keys.range[0].name)
      throw errors::validation("Variable reference " + path_text(*p.st.order_by) +
                               " in ORDER BY clause must be a part of the primary key");
  }
  // Storage ranges to read, in order.
  std::vector<std::pair<std::string, std::string>> ranges;
  if (is_query) {
    KeyRange kr;
    sort_key_condition(p, keys.range, kr);
    for (const auto& v : parts) {
      bool typed = true;  // a partition value of another type can't match any item
      for (size_t i = 0; i < v.size(); ++i) typed = typed && v[i].type == keys.hash[i].type;
      if (!typed) continue;
      kr.hash = v;
      std::string start, end;
      storage_range(kr, id, start, end);
      ranges.emplace_back(start, end);
    }
  } else {
    std::string pre;
    append_be64(pre, id);
    ranges.emplace_back(pre, storage::prefix_end(pre));
  }
  PageToken from;
  bool resume = false;
  if (in.has("NextToken")) {
    from = decode_token(in.str("NextToken"));
    resume = true;
    if (from.partition >= ranges.size()) throw errors::validation("The provided NextToken is invalid");
  }
  int64_t limit = in.integer("Limit", 0);
  int64_t evaluated = 0;
  size_t bytes = 0;
  Doc items = Doc::list();
  std::optional<PageToken> next;
  std::optional<Item> last_key;
  const Condition* filter = p.st.where ? &*p.st.where : nullptr;
  // Attributes beyond a local index's projection come from the table, as Query does.
  bool fetch_from_table = p.ix && !p.ix->global && p.ix->projection != "ALL" && p.st.projection;
  Item item;
  for (size_t r = resume ? from.partition : 0; r < ranges.size() && !next; ++r) {
    storage::ScanOptions so;
    so.start = ranges[r].first;
    so.end = ranges[r].second;
    so.reverse = p.st.descending;
    if (resume && r == from.partition && !from.key.empty()) {
      if (so.reverse) so.end = std::min(so.end, from.key);
      else so.start = std::max(so.start, from.key + std::string(1, '\0'));
    }
    auto it = ctx.storage.scan(p.ix ? kIndex : kItems, so);
    std::string last_storage_key;
    for (; it->valid(); it->next()) {
      if ((limit > 0 && evaluated >= limit) || bytes >= kPageBytes) {
        next = PageToken{r, last_storage_key};
        break;
      }
      if (!decode_item(it->value(), item)) continue;
      ++evaluated;
      bytes += item_size(item);
      last_storage_key = std::string(it->key());
      last_key = key_of(t, item, p.ix);
      if (fetch_from_table) {
        std::string v;
        if (ctx.storage.get(kItems, item_key(t, item), &v).ok()) decode_item(v, item);
      }
      if (filter && !evaluate(*filter, item)) continue;
      items.push(item_to_doc(p.st.projection ? project(item, *p.st.projection) : item));
    }
    if (!it->status().ok()) throw errors::internal("storage: " + it->status().message);
    // A Limit reached on the last item read still leaves a page to ask for (as Query does).
    if (!next && limit > 0 && evaluated >= limit && !last_storage_key.empty())
      next = PageToken{r, last_storage_key};
  }
  Doc out = Doc::map();
  out.set("Items", items);
  if (next) {
    out.set("NextToken", encode_token(*next));
    if (last_key) out.set("LastEvaluatedKey", item_to_doc(*last_key));
  }
  double units = read_units(bytes, consistent);
  Doc cc = p.ix ? consumed(in, t, 0, true, units, p.ix->name) : consumed(in, t, units, true);
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  return out;
}

}  // namespace

// ExecuteStatement -----------------------------------------------------------------------------

ExecuteStatementRun execute_statement(Catalog& cat, OpContext& ctx, const Doc& in) {
  return ExecuteStatementRun{&in, prepare_statement(cat, ctx, in)};
}

Doc ExecuteStatementRun::apply(Catalog& cat, OpContext& ctx) {
  const Doc& in = *this->in;
  if (p.is_read()) return run_select(ctx, in, p);
  std::vector<ItemWrite> w;
  w.push_back(make_write(p, in.str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"));
  commit(ctx.storage, cat, w, true, ctx.now_ms);
  Doc out = Doc::map();
  out.set("Items", returned_items(p, w[0]));
  Doc cc = consumed(in, *p.t, write_size_units(w[0]), false);
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  return out;
}

namespace {

// Reads of one item by its full key (batches and transactions): the item when it satisfies the
// rest of the WHERE clause, projected.
std::optional<Item> read_one(OpContext& ctx, const Prepared& p, const storage::Snapshot* snap, double& units, bool consistent) {
  auto item = read_item(ctx.storage, item_key(*p.t, *p.key), snap);
  units += read_units(item ? item_size(*item) : 0, consistent);
  if (!item || (p.cond && !evaluate(*p.cond, *item))) return std::nullopt;
  if (p.st.projection) return project(*item, *p.st.projection);
  return item;
}

AwsError single_item_read_error(const char* op) {
  return errors::validation(std::string("Select statements within ") + op +
                            " are only supported with an equality on all key attributes of the table");
}

// BatchExecuteStatement ------------------------------------------------------------------------

std::string batch_code(const std::string& code) {
  if (code == "ConditionalCheckFailedException") return "ConditionalCheckFailed";
  if (code == "DuplicateItemException") return "DuplicateItem";
  if (code == "ResourceNotFoundException") return "ResourceNotFound";
  if (code == "ValidationException") return "ValidationError";
  if (code == "TransactionConflictException") return "TransactionConflict";
  return "InternalServerError";
}

Doc batch_error(const AwsError& e) {
  Doc err = Doc::map();
  err.set("Code", batch_code(e.code));
  err.set("Message", e.message);
  if (!e.extra_json.empty()) {
    Doc extra = json::parse(e.extra_json);
    if (const Doc* item = extra.get("Item")) err.set("Item", *item);
  }
  return err;
}

}  // namespace

BatchExecuteStatementRun batch_execute_statement(Catalog& cat, OpContext& ctx, const Doc& in) {
  const auto& list = in.get("Statements")->as_list();
  if (list.size() > 25)
    throw errors::validation("1 validation error detected: Value at 'statements' failed to satisfy constraint: "
                             "Member must have length less than or equal to 25");
  BatchExecuteStatementRun b{&in, std::vector<std::optional<Prepared>>(list.size()),
                             std::vector<std::optional<AwsError>>(list.size())};
  int reads = 0, writes = 0;
  std::set<std::pair<uint64_t, std::string>> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    try {
      b.prepared[i].emplace(prepare_statement(cat, ctx, list[i]));
    } catch (const AwsError& e) {
      b.failures[i] = e;
      continue;
    }
    const Prepared& p = *b.prepared[i];
    (p.is_read() ? reads : writes)++;
    if (!p.is_read() && !seen.insert({p.t->id, item_key(*p.t, *p.key)}).second)
      throw errors::validation("Provided list of item keys contains duplicates");
    if (p.is_read() && (p.ix || !p.key)) b.failures[i] = single_item_read_error("BatchExecuteStatement");
  }
  if (reads && writes) throw errors::validation("Supported statements in a batch are either all reads or all writes");
  b.writes = writes > 0;
  return b;
}

Doc BatchExecuteStatementRun::apply(Catalog& cat, OpContext& ctx) {
  const Doc& in = *this->in;
  const auto& list = in.get("Statements")->as_list();
  Doc responses = Doc::list();
  Doc capacity = Doc::list();
  for (size_t i = 0; i < list.size(); ++i) {
    Doc r = Doc::map();
    Prepared* p = prepared[i] ? &*prepared[i] : nullptr;
    if (p) r.set("TableName", p->t->name);
    if (p && !failures[i]) {
      try {
        if (p->is_read()) {
          double units = 0;
          bool consistent = list[i].flag("ConsistentRead");
          auto item = read_one(ctx, *p, nullptr, units, consistent);
          if (item) r.set("Item", item_to_doc(*item));
          add_capacity(capacity, in, *p->t, units, true);
        } else {
          std::vector<ItemWrite> w;
          w.push_back(make_write(*p, list[i].str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"));
          commit(ctx.storage, cat, w, true, ctx.now_ms);
          add_capacity(capacity, in, *p->t, write_size_units(w[0]), false);
        }
      } catch (const AwsError& e) {
        failures[i] = e;
      }
    }
    if (failures[i]) r.set("Error", batch_error(*failures[i]));
    responses.push(r);
  }
  Doc out = Doc::map();
  out.set("Responses", responses);
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
}

// ExecuteTransaction ---------------------------------------------------------------------------

ExecuteTransactionRun execute_transaction(Catalog& cat, OpContext& ctx, const Doc& in) {
  const auto& list = in.get("TransactStatements")->as_list();
  if (list.size() > 100)
    throw errors::validation("1 validation error detected: Value at 'transactStatements' failed to satisfy constraint: "
                             "Member must have length less than or equal to 100");
  ExecuteTransactionRun x{&in};
  x.prepared.reserve(list.size());
  int reads = 0, writes = 0;
  std::set<std::pair<uint64_t, std::string>> seen;
  for (const auto& s : list) {
    Prepared& p = x.prepared.emplace_back(prepare_statement(cat, ctx, s));
    (p.is_read() ? reads : writes)++;
    if (p.is_read() && (p.ix || !p.key)) throw single_item_read_error("ExecuteTransaction");
    if (!seen.insert({p.t->id, item_key(*p.t, *p.key)}).second)
      throw errors::validation("Transaction request cannot include multiple operations on one item");
  }
  if (reads && writes)
    throw errors::validation("Transaction statements must be either all reads or all writes");
  x.writes = writes > 0;
  return x;
}

Doc ExecuteTransactionRun::apply(Catalog& cat, OpContext& ctx) {
  const Doc& in = *this->in;
  const auto& list = in.get("TransactStatements")->as_list();
  Doc out = Doc::map();
  Doc capacity = Doc::list();
  if (!writes) {
    auto snap = ctx.storage.snapshot();  // one consistent view for every read
    Doc responses = Doc::list();
    for (const auto& p : prepared) {
      double units = 0;
      auto item = read_one(ctx, p, snap.get(), units, true);
      Doc r = Doc::map();
      if (item) r.set("Item", item_to_doc(*item));
      responses.push(r);
      add_capacity(capacity, in, *p.t, 2 * units, true);
    }
    out.set("Responses", responses);
  } else {
    std::vector<ItemWrite> w;
    for (size_t i = 0; i < prepared.size(); ++i)
      w.push_back(make_write(prepared[i], list[i].str("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"));
    TransactionToken token(ctx, in);
    if (token.applied()) return token.replayed(ctx, in, w);
    commit_transaction(ctx.storage, cat, w, ctx.now_ms, token.record());
    for (const auto& x : w) add_capacity(capacity, in, *x.table, 2 * write_size_units(x), false);
  }
  if (!capacity.as_list().empty()) out.set("ConsumedCapacity", capacity);
  return out;
}

}  // namespace stratus::dynamodb
