// Background work of the DynamoDB service (sweep(), run every STRATUS_DYNAMODB_SWEEP_MS on the
// service's scheduler, see service.cc):
// - Time to Live: items whose TTL attribute (epoch seconds) is in the past are deleted through
//   the normal write path (item, index entries, counters, stream record marked as the DynamoDB
//   service's) by walking the TTL index (ddb.ttl), never the table.
// - Streams: records older than the retention (24 h) are trimmed; the last trimmed sequence
//   number is kept in ddb.streammeta (TrimmedDataAccessException, sequence continuity).
// - History (PITR, backups): change records nobody can restore to any more are pruned.
#include <chrono>
#include <cstdlib>
#include <map>

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/json.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/api.h"

namespace stratus::dynamodb {

namespace {

constexpr int64_t kFiveYearsS = 5LL * 366 * 24 * 3600;
constexpr size_t kChunk = 1000;

std::string be64(uint64_t v) { return storage::KeyBuilder(8).u64(v).take(); }

// Deletes expired items of one table; returns how many TTL entries were handled.
size_t sweep_table_ttl(storage::Engine& e, Catalog& cat, const TablePtr& t, int64_t now_ms) {
  std::string attr = t->ttl_attribute();
  if (attr.empty()) return 0;
  int64_t now_s = now_ms / 1000;
  storage::ScanOptions o;
  o.start = be64(t->id) + be64(static_cast<uint64_t>(std::max<int64_t>(0, now_s - kFiveYearsS)));
  o.end = be64(t->id) + be64(static_cast<uint64_t>(now_s));  // expiry < now
  std::vector<std::string> keys;
  for (auto it = e.scan(kTtl, o); it->valid() && keys.size() < kChunk; it->next()) keys.emplace_back(it->key());
  for (const auto& k : keys) {
    int64_t expiry = static_cast<int64_t>(read_be64(std::string_view(k).substr(8)));
    std::string item_key = be64(t->id) + k.substr(16);
    std::string bytes;
    Item item;
    storage::Status st = e.get(kItems, item_key, &bytes);
    bool present = st.ok() && decode_item(bytes, item);
    if (present && ttl_expiry(item, attr) == expiry) {
      std::vector<ItemWrite> w(1);
      w[0].table = t;
      w[0].key = item_key;
      w[0].key_attrs = key_of(*t, item);
      w[0].by_ttl = true;
      w[0].compute = [&](const Item* old) -> std::optional<Item> {
        if (!old) return std::nullopt;
        if (ttl_expiry(*old, attr) == expiry) return std::nullopt;  // still expired: delete
        return *old;                                                 // changed meanwhile: keep
      };
      try {
        commit(e, cat, w, true, now_ms);
      } catch (const std::exception& ex) {
        spdlog::warn("dynamodb: TTL deletion in {} failed: {}", t->name, ex.what());
      }
      continue;
    }
    // A stale entry (the item changed or went since): drop it unless the item changes again.
    storage::WriteBatch b;
    if (st.ok()) b.require({storage::Condition::Kind::equals, kItems, item_key, bytes});
    else b.require({storage::Condition::Kind::not_exists, kItems, item_key, {}});
    b.del(kTtl, k);
    e.write(b);
  }
  return keys.size();
}

void sweep_ttl(storage::Engine& e, Catalog& cat, int64_t now_ms) {
  std::vector<TablePtr> tables;
  for (auto it = e.scan(kTables, {}); it->valid(); it->next()) {
    try {
      auto t = TableInfo::from_json(json::parse(it->value()));
      if (!t->ttl_attribute().empty()) tables.push_back(cat.find(e, t->account, t->region, t->name));
    } catch (const std::exception&) {
    }
  }
  for (const auto& t : tables) {
    if (!t) continue;
    while (sweep_table_ttl(e, cat, t, now_ms) == kChunk) {
    }
  }
}

// Walks a keyspace whose keys start with be64(id), one id at a time: fn(id, it) handles up to
// kChunk keys of that id and returns how many it handled (kChunk: call again for the same id).
template <class Fn>
void walk_ids(storage::Engine& e, const char* ks, Fn fn) {
  std::string start;
  while (true) {
    storage::ScanOptions o;
    o.start = start;
    auto it = e.scan(ks, o);
    if (!it->valid()) return;
    std::string id(it->key().substr(0, 8));
    size_t n = fn(id, *it);
    start = n == kChunk ? id : storage::prefix_end(id);
    if (start.empty()) return;
  }
}

void trim_streams(storage::Engine& e, int64_t now_ms) {
  int64_t horizon = now_ms - stream_retention_ms();
  walk_ids(e, kStream, [&](const std::string& sid, storage::Iterator& it) {
    storage::WriteBatch b;
    uint64_t last = 0;
    size_t n = 0;
    for (; it.valid() && n < kChunk && it.key().substr(0, 8) == sid; it.next()) {
      StreamRecord r;
      if (decode_record(it.value(), r) && r.created_ms >= horizon) break;
      b.del(kStream, it.key());
      last = read_be64(it.key().substr(8));
      ++n;
    }
    if (n) {
      b.put(kStreamMeta, sid, be64(last));
      e.write(b);
    }
    return n;
  });
}

// History records older than anything restorable go: per table, everything before the oldest
// backup's time and (PITR) the 35-day window. Only records older than the sweep's start are
// touched, so a backup or PITR switched on meanwhile never loses records it needs.
void prune_history(storage::Engine& e, int64_t now_ms) {
  std::map<uint64_t, int64_t> keep_from;  // table id -> oldest time still needed
  auto need = [&](uint64_t id, int64_t ms) {
    auto [it, fresh] = keep_from.emplace(id, ms);
    if (!fresh) it->second = std::min(it->second, ms);
  };
  for (auto it = e.scan(kTables, {}); it->valid(); it->next()) {
    try {
      auto t = TableInfo::from_json(json::parse(it->value()));
      if (t->pitr) need(t->id, std::max<int64_t>(t->pitr_since_ms, now_ms - t->pitr_days * 24 * 3600 * 1000));
    } catch (const std::exception&) {
    }
  }
  for (auto it = e.scan(kBackups, {}); it->valid(); it->next()) {
    try {
      Doc b = json::parse(it->value());
      need(std::stoull(b.str("source_id", "0")), b.integer("cursor_ms"));
    } catch (const std::exception&) {
    }
  }
  walk_ids(e, kHistory, [&](const std::string& id, storage::Iterator& it) {
    auto k = keep_from.find(read_be64(id));
    int64_t before = std::min(now_ms, k == keep_from.end() ? now_ms : k->second);
    std::string end = id + be64(static_cast<uint64_t>(std::max<int64_t>(0, before)));
    storage::WriteBatch b;
    size_t n = 0;
    for (; it.valid() && n < kChunk && it.key() < end; it.next(), ++n) b.del(kHistory, it.key());
    if (n) e.write(b);
    return n;
  });
}

}  // namespace

void sweep(storage::Engine& e, Catalog& cat, int64_t now_ms) {
  sweep_ttl(e, cat, now_ms);
  trim_streams(e, now_ms);
  prune_history(e, now_ms);
}

}  // namespace stratus::dynamodb
