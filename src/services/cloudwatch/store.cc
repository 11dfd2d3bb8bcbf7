#include "services/cloudwatch/store.h"

#include <map>

#include "core/clock.h"
#include "core/json.h"
#include "services/cloudwatch/schema.h"
#include "storage/keys.h"

namespace stratus::cloudwatch {

using storage::KeyBuilder;
using storage::KeyReader;

uint64_t Store::next_seq() {
  uint64_t s = seq_.fetch_add(1) + 1;
  // Unique across restarts: the start time in microseconds in the high bits.
  static const uint64_t base = static_cast<uint64_t>(now_millis()) * 1000 << 12;
  return base + s;
}

bool Store::put_data(const std::string& account, const std::string& region, const std::vector<Write>& writes,
                     int64_t now_ms) {
  storage::WriteBatch b;
  std::map<std::string, int64_t> last;
  for (const auto& w : writes) {
    b.put(schema::kData.name,
          KeyBuilder()
              .scope(account, region)
              .str(w.series)
              .u64(static_cast<uint64_t>(w.datum.ts_ms))
              .u64(next_seq())
              .take(),
          encode(w.datum));
    last[w.series] = now_ms;
  }
  for (const auto& [series, ms] : last)
    b.put(schema::kMetrics.name, KeyBuilder().scope(account, region).str(series).take(),
          KeyBuilder().u64(static_cast<uint64_t>(ms)).take());
  return db_.write(b).ok();
}

std::vector<Datum> Store::read(const std::string& account, const std::string& region, const std::string& series,
                               int64_t start_ms, int64_t end_ms) {
  std::vector<Datum> out;
  std::string prefix = KeyBuilder().scope(account, region).str(series).take();
  storage::ScanOptions o;
  o.start = KeyBuilder().raw(prefix).u64(static_cast<uint64_t>(std::max<int64_t>(start_ms, 0))).take();
  o.end = KeyBuilder().raw(prefix).u64(static_cast<uint64_t>(std::max<int64_t>(end_ms, 0))).take();
  for (auto it = db_.scan(schema::kData.name, o); it->valid(); it->next()) {
    Datum d;
    if (decode(it->value(), d)) out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::pair<std::string, int64_t>> Store::metrics(const std::string& account, const std::string& region) {
  std::vector<std::pair<std::string, int64_t>> out;
  std::string prefix = storage::scope_prefix(account, region);
  for (auto it = db_.prefix(schema::kMetrics.name, prefix); it->valid(); it->next()) {
    KeyReader r(it->key().substr(prefix.size()));
    std::string series(r.str());
    int64_t last = it->value().size() == 8 ? static_cast<int64_t>(KeyReader(it->value()).u64()) : 0;
    out.emplace_back(std::move(series), last);
  }
  return out;
}

void Store::retain(int64_t now_ms) {
  // Tiers: (age beyond which points are merged, into buckets of this many ms).
  struct Tier {
    int64_t age_ms, bucket_ms;
  };
  static constexpr Tier kTiers[] = {
      {3 * 3600'000LL, 60'000}, {15 * 86400'000LL, 300'000}, {63 * 86400'000LL, 3600'000}};
  const int64_t drop_before = now_ms - 455 * 86400'000LL;
  // Walk every series' old points: group per (prefix, bucket), rewrite merged groups.
  struct Group {
    std::string prefix;
    int64_t bucket = -1;
    std::vector<std::string> keys;
    Datum merged;
    bool needs = false;
  };
  storage::WriteBatch b;
  size_t ops = 0;
  Group g;
  auto flush_group = [&] {
    if (g.keys.size() > 1 || g.needs) {
      for (const auto& k : g.keys) b.del(schema::kData.name, k);
      g.merged.ts_ms = g.bucket;
      b.put(schema::kData.name, KeyBuilder().raw(g.prefix).u64(static_cast<uint64_t>(g.bucket)).u64(next_seq()).take(),
            encode(g.merged));
      ops += g.keys.size() + 1;
    }
    g = Group{};
  };
  for (auto it = db_.scan(schema::kData.name, {}); it->valid(); it->next()) {
    std::string_view key = it->key();
    if (key.size() < 16) continue;
    std::string_view prefix = key.substr(0, key.size() - 16);
    int64_t ts = static_cast<int64_t>(KeyReader(key.substr(key.size() - 16)).u64());
    if (ts < drop_before) {
      b.del(schema::kData.name, key);
      ++ops;
      continue;
    }
    int64_t bucket_ms = 0;
    for (const auto& t : kTiers)
      if (ts < now_ms - t.age_ms) bucket_ms = t.bucket_ms;
    if (bucket_ms == 0) continue;
    Datum d;
    if (!decode(it->value(), d)) continue;
    int64_t bucket = ts / bucket_ms * bucket_ms;
    // Units are aggregated separately: a datum of another unit starts its own group.
    if (g.prefix != prefix || g.bucket != bucket || g.merged.unit != d.unit) {
      flush_group();
      g.prefix = std::string(prefix);
      g.bucket = bucket;
      g.merged.unit = d.unit;
      g.merged.storage_resolution = 60;
    }
    g.needs = g.needs || ts != bucket;
    g.keys.emplace_back(key);
    g.merged.merge(d);
    if (ops > 10'000) {
      db_.write(b);
      b = storage::WriteBatch{};
      ops = 0;
    }
  }
  flush_group();
  if (ops) db_.write(b);
}

std::optional<Doc> Store::get(std::string_view ks, const std::string& account, const std::string& region,
                              const std::string& name) {
  std::string v;
  if (!db_.get(ks, KeyBuilder().scope(account, region).str(name).take(), &v).ok()) return std::nullopt;
  try {
    return json::parse(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool Store::put(std::string_view ks, const std::string& account, const std::string& region, const std::string& name,
                const Doc& record) {
  return db_.put(ks, KeyBuilder().scope(account, region).str(name).take(), json::write(record)).ok();
}

bool Store::del(std::string_view ks, const std::string& account, const std::string& region, const std::string& name) {
  return db_.del(ks, KeyBuilder().scope(account, region).str(name).take()).ok();
}

std::vector<std::pair<std::string, Doc>> Store::list(std::string_view ks, const std::string& account,
                                                     const std::string& region) {
  std::vector<std::pair<std::string, Doc>> out;
  std::string prefix = storage::scope_prefix(account, region);
  for (auto it = db_.prefix(ks, prefix); it->valid(); it->next()) {
    KeyReader r(it->key().substr(prefix.size()));
    std::string name(r.str());
    try {
      out.emplace_back(std::move(name), json::parse(it->value()));
    } catch (const std::exception&) {
    }
  }
  return out;
}

std::vector<Store::Located> Store::all(std::string_view ks) {
  std::vector<Located> out;
  for (auto it = db_.scan(ks, {}); it->valid(); it->next()) {
    KeyReader r(it->key());
    Located l;
    l.account = std::string(r.str());
    l.region = std::string(r.str());
    l.name = std::string(r.str());
    try {
      l.record = json::parse(it->value());
    } catch (const std::exception&) {
      continue;
    }
    out.push_back(std::move(l));
  }
  return out;
}

void Store::add_history(const std::string& account, const std::string& region, const std::string& alarm, int64_t ms,
                        const Doc& item) {
  db_.put(schema::kHistory.name,
          KeyBuilder().scope(account, region).str(alarm).u64(static_cast<uint64_t>(ms)).u64(next_seq()).take(),
          json::write(item));
}

std::vector<Doc> Store::history(const std::string& account, const std::string& region, const std::string& alarm) {
  std::vector<Doc> out;
  std::string prefix =
      alarm.empty() ? storage::scope_prefix(account, region) : KeyBuilder().scope(account, region).str(alarm).take();
  for (auto it = db_.prefix(schema::kHistory.name, prefix); it->valid(); it->next()) {
    try {
      out.push_back(json::parse(it->value()));
    } catch (const std::exception&) {
    }
  }
  return out;
}

void Store::drop_history(const std::string& account, const std::string& region, const std::string& alarm) {
  storage::WriteBatch b;
  for (auto it = db_.prefix(schema::kHistory.name, KeyBuilder().scope(account, region).str(alarm).take()); it->valid();
       it->next())
    b.del(schema::kHistory.name, it->key());
  db_.write(b);
}

}  // namespace stratus::cloudwatch
