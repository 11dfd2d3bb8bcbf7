// Batches: BatchGetItem, BatchWriteItem.
#include <set>

#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {

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

namespace {

// BatchGetItem answers at most this many bytes; the rest goes back in UnprocessedKeys (AWS's
// documented example: of 100 items of 300 KB, 52 are returned).
constexpr size_t kBatchGetBytes = 16'000'000;

}  // namespace

Doc batch_get_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  check_request_expressions(in);
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
    ItemExprs ex(r);  // the request's own errors come before the table's
    ex.parse(r, false, true);
    tr.projection = ex.projection;
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

namespace {
// BatchWriteItem's limit on the whole request.
constexpr size_t kBatchWriteRequestBytes = 16 * 1024 * 1024;
}  // namespace

BatchWriteItemWrite batch_write_item(Catalog& cat, OpContext& ctx, const Doc& in) {
  check_request_expressions(in);
  if (ctx.transport.body_bytes > kBatchWriteRequestBytes)
    throw errors::validation("Request size exceeds the maximum of 16 MB for the BatchWriteItem call");
  const Doc* req = in.get("RequestItems");
  size_t total = 0;
  BatchWriteItemWrite b{&in};
  std::vector<ItemWrite>& writes = b.writes;
  std::vector<Item>& puts = b.puts;
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
  return b;
}

Doc BatchWriteItemWrite::apply(Catalog& cat, OpContext& ctx) {
  const Doc& in = *this->in;
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

}  // namespace stratus::dynamodb
