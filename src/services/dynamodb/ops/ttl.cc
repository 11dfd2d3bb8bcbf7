// Time to live settings: UpdateTimeToLive, DescribeTimeToLive (the sweep itself is background.cc).
#include "core/arn.h"
#include "core/env.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {

// Writes the TTL index entries of every existing item (TTL being enabled).
void backfill_ttl(storage::Engine& e, const TableInfo& t) {
  std::string attr = t.ttl_attribute();
  std::string prefix;
  append_be64(prefix, t.id);
  storage::WriteBatch batch;
  size_t n = 0;
  for (auto it = e.prefix(kItems, prefix); it->valid(); it->next()) {
    Item item;
    if (!decode_item(it->value(), item)) continue;
    auto exp = ttl_expiry(item, attr);
    if (!exp) continue;
    batch.put(kTtl, ttl_key(t.id, *exp, it->key()), {});
    if (++n % 1000 == 0) {
      e.write(batch);
      batch = storage::WriteBatch();
    }
  }
  if (!batch.empty()) e.write(batch);
}

Doc update_time_to_live(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr cur = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  const Doc* spec = in.get("TimeToLiveSpecification");
  bool enable = spec && spec->flag("Enabled");
  std::shared_ptr<TableInfo> t;
  {
    // Writers re-read the metadata under this lock: after it, every write keeps the index.
    std::unique_lock meta(cat.meta_lock(cur->id));
    std::lock_guard lock(cat.write_lock(cur->id));
    cur = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
    t = std::make_shared<TableInfo>(*cur);
    bool was = !t->ttl_attribute().empty();
    if (enable && was) throw errors::validation("TimeToLive is already enabled");
    if (!enable && !was) throw errors::validation("TimeToLive is already disabled");
    // AWS allows one change of the setting per table per hour (STRATUS_DYNAMODB_TTL_CHANGE_MS
    // shortens the interval for tests).
    if (t->ttl_changed_ms &&
        ctx.now_ms - t->ttl_changed_ms < env_positive("STRATUS_DYNAMODB_TTL_CHANGE_MS", 3600 * 1000))
      throw errors::validation("Time to live has been modified multiple times within a fixed interval");
    t->ttl_changed_ms = ctx.now_ms;
    t->ttl = *spec;
    store(ctx.storage, cat, *t);
  }
  // Entries for items written before; stale ones (item changed meanwhile) the sweeper drops.
  if (enable) backfill_ttl(ctx.storage, *t);
  else drop_prefix(ctx.storage, kTtl, t->id);
  return answer("TimeToLiveSpecification", *spec);
}

Doc describe_time_to_live(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  Doc d = Doc::map();
  if (t->ttl.is_map() && t->ttl.flag("Enabled")) {
    d.set("TimeToLiveStatus", "ENABLED");
    d.set("AttributeName", t->ttl.str("AttributeName"));
  } else {
    d.set("TimeToLiveStatus", "DISABLED");
  }
  return answer("TimeToLiveDescription", d);
}
}  // namespace stratus::dynamodb
