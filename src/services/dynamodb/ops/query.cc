// Query and Scan: key conditions to storage ranges, filters, projections, pagination with
// Limit / ExclusiveStartKey / LastEvaluatedKey, Select, the 1 MB page, parallel scan segments.
#include <functional>
#include <set>

#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/legacy.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {
namespace {

constexpr size_t kPageBytes = 1024 * 1024;


const Operand* value_side(const Condition& c, const std::string& attr, bool& ok) {
  ok = c.operands.size() == 2 && c.operands[0].kind == Operand::Kind::path && c.operands[0].path.size() == 1 &&
       c.operands[0].path[0].name == attr && c.operands[1].kind == Operand::Kind::value;
  return ok ? &c.operands[1] : nullptr;
}

std::string attr_of(const Condition& c) {
  if (c.operands.empty() || c.operands[0].kind != Operand::Kind::path || c.operands[0].path.size() != 1) return {};
  return c.operands[0].path[0].name;
}

int position(const std::vector<KeyDef>& defs, const std::string& attr) {
  for (size_t i = 0; i < defs.size(); ++i)
    if (defs[i].name == attr) return static_cast<int>(i);
  return -1;
}

// A Query's key condition on a key schema: an equality on every partition key attribute and, on
// the sort key attributes, conditions left to right without a gap, each an equality but the last
// (multi-attribute keys of global secondary indexes; a single sort attribute is the usual case).
KeyRange key_range(const Condition& root, const KeySchema& keys) {
  // The conditions joined by AND (a chain of them with multi-attribute keys); OR and NOT are
  // not key conditions.
  std::vector<const Condition*> parts;
  std::function<void(const Condition&)> flatten = [&](const Condition& c) {
    if (c.kind == Condition::Kind::or_ || c.kind == Condition::Kind::not_)
      throw errors::validation(std::string("Invalid operator used in KeyConditionExpression: ") +
                               (c.kind == Condition::Kind::or_ ? "OR" : "NOT"));
    if (c.kind != Condition::Kind::and_) {
      parts.push_back(&c);
      return;
    }
    for (const auto& ch : c.children) flatten(ch);
  };
  flatten(root);
  const auto type_mismatch = [] {
    return errors::validation(
        "One or more parameter values were invalid: Condition parameter type does not match schema type");
  };
  const auto one_per_key = [] {
    return errors::validation("KeyConditionExpressions must only contain one condition per key");
  };
  const auto not_supported = [] { return errors::validation("Query key condition not supported"); };
  // The key element a condition on another attribute is reported missing: the first partition
  // attribute not given, else the first sort attribute not given (else the first sort attribute).
  std::set<std::string> given;
  for (const Condition* c : parts) given.insert(attr_of(*c));
  auto missed = [&]() -> const std::string& {
    for (const auto& d : keys.hash)
      if (!given.count(d.name)) return d.name;
    if (keys.range.empty()) return keys.hash[0].name;
    for (const auto& d : keys.range)
      if (!given.count(d.name)) return d.name;
    return keys.range[0].name;
  };
  KeyRange kr;
  kr.hash.resize(keys.hash.size());
  std::vector<bool> have_hash(keys.hash.size());
  std::vector<const Condition*> sort(keys.range.size());
  for (const Condition* c : parts) {
    std::string attr = attr_of(*c);
    if (int i = position(keys.hash, attr); i >= 0) {
      bool ok;
      const Operand* v = value_side(*c, attr, ok);
      if (c->kind != Condition::Kind::eq || !ok) throw not_supported();
      if (have_hash[i]) throw one_per_key();
      if (v->value.type != keys.hash[i].type) throw type_mismatch();
      kr.hash[i] = v->value;
      have_hash[i] = true;
    } else if (int j = position(keys.range, attr); j >= 0) {
      const KeyDef& range = keys.range[j];
      if (sort[j]) throw one_per_key();
      using K = Condition::Kind;
      if (c->kind == K::ne || c->kind == K::in || c->kind == K::exists || c->kind == K::not_exists || c->kind == K::contains ||
          c->kind == K::type)
        throw not_supported();
      for (size_t i = 1; i < c->operands.size(); ++i) {
        if (c->operands[i].kind != Operand::Kind::value) throw not_supported();
        if (c->operands[i].value.type != range.type) throw type_mismatch();
      }
      if (c->kind == K::begins_with && range.type == Type::N)
        throw errors::validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N");
      sort[j] = c;
    } else {
      if (attr.empty()) throw not_supported();
      throw errors::validation("Query condition missed key schema element: " + missed());
    }
  }
  for (size_t i = 0; i < keys.hash.size(); ++i)
    if (!have_hash[i]) throw errors::validation("Query condition missed key schema element: " + keys.hash[i].name);
  // Sort conditions: a leading run without gaps, equalities but the last.
  size_t given_sort = 0;
  while (given_sort < sort.size() && sort[given_sort]) ++given_sort;
  for (size_t j = given_sort; j < sort.size(); ++j)
    if (sort[j]) throw not_supported();
  for (size_t j = 0; j < given_sort; ++j) {
    const Condition& c = *sort[j];
    if (j + 1 < given_sort) {
      if (c.kind != Condition::Kind::eq) throw not_supported();
      kr.sort_prefix.push_back(c.operands[1].value);
      continue;
    }
    kr.op = c.kind;
    kr.v1 = c.operands[1].value;
    if (c.kind == Condition::Kind::between) kr.v2 = c.operands[2].value;
  }
  return kr;
}

std::string key_after(const std::string& k) { return k + std::string(1, '\0'); }

}  // namespace

void storage_range(const KeyRange& kr, uint64_t id, std::string& start, std::string& end) {
  std::string p = partition_prefix(id, kr.hash);
  for (const auto& v : kr.sort_prefix) encode_key_value(v, p);
  start = p;
  end = storage::prefix_end(p);
  if (!kr.op) return;
  auto enc = [&](const Value& v) {
    std::string k = p;
    encode_key_value(v, k);
    return k;
  };
  using K = Condition::Kind;
  switch (*kr.op) {
    case K::eq: start = enc(kr.v1); end = storage::prefix_end(start); break;
    case K::lt: end = enc(kr.v1); break;
    case K::le: end = storage::prefix_end(enc(kr.v1)); break;
    case K::gt: start = storage::prefix_end(enc(kr.v1)); break;
    case K::ge: start = enc(kr.v1); break;
    case K::between: start = enc(kr.v1); end = storage::prefix_end(enc(kr.v2)); break;
    case K::begins_with: {
      std::string k = p;
      encode_key_value(kr.v1, k);
      k.resize(k.size() - 2);  // drop the terminator: a prefix of every longer value
      start = k;
      end = storage::prefix_end(k);
      break;
    }
    default: break;
  }
  if (end.empty()) end = storage::prefix_end(p);
}

namespace {

struct ReadOptions {
  const TableInfo* t;
  const IndexInfo* ix;
  std::string start, end;
  bool reverse = false;
  int64_t limit = 0;  // 0 = none
  const Condition* key_condition = nullptr;
  const Condition* filter = nullptr;
  const std::vector<Path>* projection = nullptr;
  std::string select;
  bool consistent = false;
  bool fetch_from_table = false;  // LSI with attributes beyond its projection
};

Doc run(OpContext& ctx, const Doc& in, const ReadOptions& o) {
  storage::ScanOptions so;
  so.start = o.start;
  so.end = o.end;
  so.reverse = o.reverse;
  auto it = ctx.storage.scan(o.ix ? kIndex : kItems, so);
  Doc items = Doc::list();
  int64_t count = 0, scanned = 0;
  size_t bytes = 0;
  std::string last_bytes;  // the last item read (its key becomes LastEvaluatedKey)
  bool have_last = false;
  bool stopped = false;
  Item item;
  for (; it->valid(); it->next()) {
    if ((o.limit > 0 && scanned >= o.limit) || bytes >= kPageBytes) {
      stopped = true;
      break;
    }
    if (!decode_item(it->value(), item)) continue;
    if (o.key_condition && !evaluate(*o.key_condition, item)) continue;
    ++scanned;
    bytes += item_size(item);
    last_bytes.assign(it->value());
    have_last = true;
    if (o.fetch_from_table) {
      std::string v;
      if (ctx.storage.get(kItems, item_key(*o.t, item), &v).ok()) decode_item(v, item);
    }
    if (o.filter && !evaluate(*o.filter, item)) continue;
    ++count;
    if (o.select == "COUNT") continue;
    items.push(item_to_doc(o.projection ? project(item, *o.projection) : item));
  }
  if (!it->status().ok()) throw errors::internal("storage: " + it->status().message);
  if (!stopped && o.limit > 0 && scanned >= o.limit && have_last) stopped = true;
  Doc out = Doc::map();
  if (o.select != "COUNT") out.set("Items", std::move(items));
  out.set("Count", count);
  out.set("ScannedCount", scanned);
  if (stopped && have_last) {
    Item last;
    if (decode_item(last_bytes, last)) out.set("LastEvaluatedKey", item_to_doc(key_of(*o.t, last, o.ix)));
  }
  double units = read_units(bytes, o.consistent);
  Doc cc = o.ix ? consumed(in, *o.t, 0, true, units, o.ix->name) : consumed(in, *o.t, units, true);
  if (!cc.is_null()) out.set("ConsumedCapacity", cc);
  return out;
}

// Shared parameter handling of Query and Scan.
struct Common {
  TablePtr t;
  const IndexInfo* ix = nullptr;
  std::string select;
  bool fetch_from_table = false;
};

Common common(Catalog& cat, OpContext& ctx, const Doc& in, const ItemExprs& ex) {
  Common c;
  c.t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  if (in.has("IndexName")) {
    c.ix = c.t->index(in.str("IndexName"));
    if (!c.ix)
      throw errors::validation("The table does not have the specified index: " + in.str("IndexName"));
    if (c.ix->global && in.flag("ConsistentRead"))
      throw errors::validation("Consistent reads are not supported on global secondary indexes");
  }
  c.select = in.str("Select");
  bool has_projection = ex.projection.has_value();
  if (c.select.empty()) c.select = has_projection ? "SPECIFIC_ATTRIBUTES" : c.ix ? "ALL_PROJECTED_ATTRIBUTES" : "ALL_ATTRIBUTES";
  if (c.select == "SPECIFIC_ATTRIBUTES" && !has_projection)
    throw errors::validation("One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES requires ProjectionExpression or AttributesToGet");
  if (c.select != "SPECIFIC_ATTRIBUTES" && has_projection)
    throw errors::validation("One or more parameter values were invalid: Cannot specify the AttributesToGet when choosing to get " + c.select);
  if (c.select == "ALL_PROJECTED_ATTRIBUTES" && !c.ix)
    throw errors::validation("One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is supported only for index queries");
  if (c.ix && c.ix->projection != "ALL" && (c.select == "ALL_ATTRIBUTES" || has_projection)) {
    if (c.ix->global && c.select == "ALL_ATTRIBUTES")
      throw errors::validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " +
                               c.ix->name + " because its projection type is not ALL");
    c.fetch_from_table = !c.ix->global;
  }
  return c;
}

// The storage key where a page after ExclusiveStartKey starts.
std::string start_key(const TableInfo& t, const IndexInfo* ix, const Doc& esk) {
  Item k = item_from_doc(esk);
  auto check = [&](const KeyDef& d) {
    auto it = k.find(d.name);
    if (it == k.end() || it->second.type != d.type)
      throw errors::validation("The provided starting key is invalid: The provided key element does not match the schema");
  };
  check(t.hash);
  if (t.range) check(*t.range);
  for (const auto& [name, _] : k)  // key attributes only (the table's and the index's)
    if (!t.is_key(name) && !(ix && ix->keys.has(name)))
      throw errors::validation(
          "The provided starting key is invalid: The provided key element does not match the schema");
  if (ix) {
    for (const auto& d : ix->keys.hash) check(d);
    for (const auto& d : ix->keys.range) check(d);
    return *index_key(t, *ix, k);
  }
  return item_key(t, k);
}

// What Query and Scan read alike: the table or index, Limit, the filter, the projection and
// Select, and ConsistentRead. The caller adds the key range (and Query its key condition).
ReadOptions read_options(const Common& c, const Doc& in, const ItemExprs& ex, const std::optional<Condition>& filter) {
  ReadOptions o;
  o.t = c.t.get();
  o.ix = c.ix;
  o.limit = in.integer("Limit", 0);
  o.filter = filter ? &*filter : nullptr;
  o.projection = ex.projection ? &*ex.projection : nullptr;
  o.select = c.select;
  o.consistent = in.flag("ConsistentRead");
  o.fetch_from_table = c.fetch_from_table;
  return o;
}

}  // namespace

Doc query(Catalog& cat, OpContext& ctx, const Doc& in) {
  check_request_expressions(in);
  ItemExprs ex(in);
  Condition kc;
  if (in.has("KeyConditionExpression")) {
    kc = parse_condition(in.str("KeyConditionExpression"), "KeyCondition", ex.ctx);
  } else if (const Doc* legacy = in.get("KeyConditions")) {
    auto c = legacy_condition(*legacy, "KeyConditions", "");
    if (!c) throw errors::validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
    kc = std::move(*c);
  } else {
    throw errors::validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
  }
  std::optional<Condition> filter;
  if (in.has("FilterExpression")) filter = parse_condition(in.str("FilterExpression"), "Filter", ex.ctx);
  else if (const Doc* qf = in.get("QueryFilter")) filter = legacy_condition(*qf, "QueryFilter", in.str("ConditionalOperator"));
  ex.parse(in, false, true, in.has("KeyConditionExpression") || in.has("FilterExpression"));
  Common c = common(cat, ctx, in, ex);
  KeySchema keys = c.t->key_schema(c.ix);
  KeyRange kr = key_range(kc, keys);
  if (filter) {
    std::function<void(const Condition&)> walk = [&](const Condition& f) {
      for (const auto& ch : f.children) walk(ch);
      for (const auto& op : f.operands) {
        if (op.path.empty()) continue;
        const std::string& a = op.path[0].name;
        if (keys.has(a))
          throw errors::validation(std::string(in.has("QueryFilter") ? "QueryFilter" : "Filter Expression") +
                                   " can only contain non-primary key attributes: Primary key attribute: " + a);
      }
    };
    walk(*filter);
  }
  ReadOptions o = read_options(c, in, ex, filter);
  storage_range(kr, c.ix ? c.ix->id : c.t->id, o.start, o.end);
  o.reverse = in.has("ScanIndexForward") && !in.flag("ScanIndexForward", true);
  if (const Doc* esk = in.get("ExclusiveStartKey")) {
    std::string k = start_key(*c.t, c.ix, *esk);
    if (o.reverse) o.end = std::min(o.end, k);
    else o.start = std::max(o.start, key_after(k));
  }
  o.key_condition = &kc;
  return run(ctx, in, o);
}

Doc scan(Catalog& cat, OpContext& ctx, const Doc& in) {
  check_request_expressions(in);
  ItemExprs ex(in);
  std::optional<Condition> filter;
  if (in.has("FilterExpression")) filter = parse_condition(in.str("FilterExpression"), "Filter", ex.ctx);
  else if (const Doc* sf = in.get("ScanFilter")) filter = legacy_condition(*sf, "ScanFilter", in.str("ConditionalOperator"));
  ex.parse(in, false, true, in.has("FilterExpression"));
  bool has_seg = in.has("Segment"), has_total = in.has("TotalSegments");
  if (has_seg && !has_total)
    throw errors::validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
  if (has_total && !has_seg)
    throw errors::validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
  int64_t seg = in.integer("Segment", 0), total = in.integer("TotalSegments", 1);
  if (seg >= total)
    throw errors::validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
                             std::to_string(seg) + " is not less than TotalSegments: " + std::to_string(total));
  Common c = common(cat, ctx, in, ex);
  ReadOptions o = read_options(c, in, ex, filter);
  uint64_t id = c.ix ? c.ix->id : c.t->id;
  // Segments are contiguous ranges of the 16-bit partition hash that leads every key.
  auto bound = [&](int64_t s) {
    std::string k;
    append_be64(k, id);
    if (s >= total) return storage::prefix_end(k);
    uint32_t h = static_cast<uint32_t>((s * 65536) / total);
    k += static_cast<char>(h >> 8);
    k += static_cast<char>(h & 0xff);
    return k;
  };
  o.start = bound(seg);
  o.end = bound(seg + 1);
  if (const Doc* esk = in.get("ExclusiveStartKey")) o.start = std::max(o.start, key_after(start_key(*c.t, c.ix, *esk)));
  return run(ctx, in, o);
}


}  // namespace stratus::dynamodb
