#include "services/dynamodb/store.h"

#include <algorithm>
#include <cmath>

#include "core/arn.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/record.h"
#include "services/dynamodb/api.h"

namespace stratus::dynamodb {
namespace {

Doc keydef_json(const KeyDef& k) {
  Doc d = Doc::map();
  d.set("n", k.name);
  d.set("t", std::string(type_name(k.type)));
  return d;
}
KeyDef keydef_from(const Doc& d) {
  KeyDef k;
  k.name = d.str("n");
  type_from_name(d.str("t"), k.type);
  return k;
}

AwsError not_valid_key_value(const std::string& attr, Type t) {
  return errors::validation(std::string("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ") +
                            (t == Type::B ? "binary" : "string") + " value. Key: " + attr);
}

void check_key_size(const TableInfo& t, const Value& hash, const Value* range) {
  if (hash.scalar.size() > 2048 && hash.type != Type::N)
    throw errors::validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
  if (range && range->type != Type::N && range->scalar.size() > 1024)
    throw errors::validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
}

// The plain members of a stored table and of its indexes. Members with a non-empty default
// (billing, class, pitr_days, projection), the ids (stored as decimal strings), key schemas and
// Doc members are written and read beside the tables.
const json::Record<TableInfo> kTableRecord{
    {"account", &TableInfo::account},         {"region", &TableInfo::region},
    {"name", &TableInfo::name},               {"table_id", &TableInfo::table_id},
    {"rcu", &TableInfo::rcu},                 {"wcu", &TableInfo::wcu},
    {"created", &TableInfo::created_ms},      {"stream_enabled", &TableInfo::stream_enabled},
    {"stream_view", &TableInfo::stream_view_type}, {"stream_label", &TableInfo::stream_label},
    {"deletion_protection", &TableInfo::deletion_protection}, {"pitr", &TableInfo::pitr},
    {"pitr_since", &TableInfo::pitr_since_ms}, {"backups", &TableInfo::backups}};
const json::Record<IndexInfo> kIndexRecord{
    {"name", &IndexInfo::name}, {"global", &IndexInfo::global}, {"rcu", &IndexInfo::rcu}, {"wcu", &IndexInfo::wcu}};
}  // namespace

const IndexInfo* TableInfo::index(std::string_view n) const {
  for (const auto& ix : indexes)
    if (ix.name == n) return &ix;
  return nullptr;
}

Doc TableInfo::to_json() const {
  Doc d = kTableRecord.to_doc(*this);
  d.set("id", std::to_string(id));
  d.set("hash", keydef_json(hash));
  if (range) d.set("range", keydef_json(*range));
  d.set("attrs", attribute_definitions);
  Doc ixs = Doc::list();
  for (const auto& ix : indexes) {
    Doc x = kIndexRecord.to_doc(ix);
    x.set("id", std::to_string(ix.id));
    x.set("hash", keydef_json(ix.hash));
    if (ix.range) x.set("range", keydef_json(*ix.range));
    x.set("projection", ix.projection);
    Doc nk = Doc::list();
    for (const auto& a : ix.non_key) nk.push(a);
    x.set("non_key", nk);
    ixs.push(std::move(x));
  }
  d.set("indexes", ixs);
  d.set("billing", billing_mode);
  d.set("stream_id", std::to_string(stream_id));
  d.set("class", table_class);
  d.set("sse", sse);
  d.set("tags", tags);
  d.set("ttl", ttl);
  d.set("pitr_days", pitr_days);
  d.set("restore", restore_summary);
  return d;
}

std::shared_ptr<TableInfo> TableInfo::from_json(const Doc& d) {
  auto t = std::make_shared<TableInfo>();
  kTableRecord.from_doc(d, *t);
  t->id = std::stoull(d.str("id", "0"));
  t->hash = keydef_from(*d.get("hash"));
  if (const Doc* r = d.get("range")) t->range = keydef_from(*r);
  if (const Doc* a = d.get("attrs")) t->attribute_definitions = *a;
  if (const Doc* ixs = d.get("indexes"); ixs && ixs->is_list()) {
    for (const auto& x : ixs->as_list()) {
      IndexInfo ix;
      kIndexRecord.from_doc(x, ix);
      ix.id = std::stoull(x.str("id", "0"));
      ix.hash = keydef_from(*x.get("hash"));
      if (const Doc* r = x.get("range")) ix.range = keydef_from(*r);
      ix.projection = x.str("projection", "ALL");
      if (const Doc* nk = x.get("non_key"); nk && nk->is_list())
        for (const auto& a : nk->as_list()) ix.non_key.push_back(a.as_string());
      t->indexes.push_back(std::move(ix));
    }
  }
  t->billing_mode = d.str("billing", "PROVISIONED");
  t->stream_id = std::stoull(d.str("stream_id", "0"));
  t->table_class = d.str("class", "STANDARD");
  if (const Doc* s = d.get("sse")) t->sse = *s;
  if (const Doc* s = d.get("tags")) t->tags = *s;
  if (const Doc* s = d.get("ttl")) t->ttl = *s;
  t->pitr_days = d.integer("pitr_days", 35);
  if (const Doc* s = d.get("restore")) t->restore_summary = *s;
  return t;
}

uint16_t partition_hash(std::string_view s) {
  uint32_t h = 2166136261u;  // FNV-1a: stable across builds and runs
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return static_cast<uint16_t>((h >> 16) ^ (h & 0xffff));
}

std::string table_key(const std::string& account, const std::string& region, std::string_view name) {
  std::string k = account;
  k += '\0';
  k += region;
  k += '\0';
  k.append(name);
  return k;
}

std::string partition_prefix(uint64_t id, const Value& hash) {
  std::string enc;
  encode_key_value(hash, enc);
  return storage::KeyBuilder(10 + enc.size()).u64(id).u16(partition_hash(enc)).raw(enc).take();
}

std::string item_key(const TableInfo& t, const Item& key) {
  std::string k = partition_prefix(t.id, key.at(t.hash.name));
  if (t.range) encode_key_value(key.at(t.range->name), k);
  return k;
}

std::optional<std::string> index_key(const TableInfo& t, const IndexInfo& ix, const Item& item) {
  auto h = item.find(ix.hash.name);
  if (h == item.end() || h->second.type != ix.hash.type) return std::nullopt;
  const Value* r = nullptr;
  if (ix.range) {
    auto it = item.find(ix.range->name);
    if (it == item.end() || it->second.type != ix.range->type) return std::nullopt;
    r = &it->second;
  }
  std::string k = partition_prefix(ix.id, h->second);
  if (r) encode_key_value(*r, k);
  encode_key_value(item.at(t.hash.name), k);
  if (t.range) encode_key_value(item.at(t.range->name), k);
  return k;
}

Item key_of(const TableInfo& t, const Item& item, const IndexInfo* ix) {
  Item k;
  auto add = [&](const std::string& n) {
    auto it = item.find(n);
    if (it != item.end()) k.emplace(n, it->second);
  };
  add(t.hash.name);
  if (t.range) add(t.range->name);
  if (ix) {
    add(ix->hash.name);
    if (ix->range) add(ix->range->name);
  }
  return k;
}

Item project_for_index(const TableInfo& t, const IndexInfo& ix, const Item& item) {
  if (ix.projection == "ALL") return item;
  Item out = key_of(t, item, &ix);
  for (const auto& a : ix.non_key) {
    auto it = item.find(a);
    if (it != item.end()) out.emplace(a, it->second);
  }
  return out;
}

Item parse_key(const TableInfo& t, const Doc& key) {
  Item k = item_from_doc(key);
  size_t want = t.range ? 2 : 1;
  auto check = [&](const KeyDef& d) {
    auto it = k.find(d.name);
    if (it == k.end() || it->second.type != d.type)
      throw errors::validation("The provided key element does not match the schema");
    if (it->second.type != Type::N && it->second.scalar.empty()) throw not_valid_key_value(d.name, d.type);
  };
  if (k.size() != want) throw errors::validation("The provided key element does not match the schema");
  check(t.hash);
  if (t.range) check(*t.range);
  check_key_size(t, k.at(t.hash.name), t.range ? &k.at(t.range->name) : nullptr);
  return k;
}

void check_item(const TableInfo& t, const Item& item) {
  auto check = [&](const KeyDef& d) {
    auto it = item.find(d.name);
    if (it == item.end())
      throw errors::validation("One or more parameter values were invalid: Missing the key " + d.name + " in the item");
    if (it->second.type != d.type)
      throw errors::validation("One or more parameter values were invalid: Type mismatch for key " + d.name +
                               " expected: " + std::string(type_name(d.type)) +
                               " actual: " + std::string(type_name(it->second.type)));
    if (d.type != Type::N && it->second.scalar.empty()) throw not_valid_key_value(d.name, d.type);
  };
  check(t.hash);
  if (t.range) check(*t.range);
  check_key_size(t, item.at(t.hash.name), t.range ? &item.at(t.range->name) : nullptr);
  for (const auto& ix : t.indexes) {
    for (const KeyDef* d : {&ix.hash, ix.range ? &*ix.range : nullptr}) {
      if (!d) continue;
      auto it = item.find(d->name);
      if (it == item.end()) continue;
      if (it->second.type != d->type)
        throw errors::validation("One or more parameter values were invalid: Type mismatch for Index Key " + d->name +
                                 " Expected: " + std::string(type_name(d->type)) +
                                 " Actual: " + std::string(type_name(it->second.type)) + " IndexName: " + ix.name);
      if (d->type != Type::N && it->second.scalar.empty())
        throw errors::validation("One or more parameter values are not valid. A value specified for a secondary index key is not supported. "
                                 "The AttributeValue for a key attribute cannot contain an empty string value. IndexName: " +
                                 ix.name + ", IndexKey: " + d->name);
    }
  }
  if (item_size(item) > kMaxItemSize) throw errors::validation("Item size has exceeded the maximum allowed size");
}

// Catalog -----------------------------------------------------------------------------------

TablePtr Catalog::find(storage::Engine& e, const std::string& account, const std::string& region, std::string_view name) {
  // Item operations accept a table ARN wherever they take a table name.
  if (name.substr(0, 4) == "arn:") {
    auto arn = Arn::parse(name);
    if (!arn || arn->service != "dynamodb" || arn->account != account || arn->region != region ||
        arn->resource.substr(0, 6) != "table/" || arn->resource.find('/', 6) != std::string::npos)
      return nullptr;
    return find(e, account, region, std::string_view(name).substr(name.size() - (arn->resource.size() - 6)));
  }
  std::string k = table_key(account, region, name);
  {
    std::shared_lock lock(mu_);
    auto it = tables_.find(k);
    if (it != tables_.end()) return it->second;
  }
  std::string v;
  if (!e.get(kTables, k, &v).ok()) return nullptr;
  TablePtr t = TableInfo::from_json(json::parse(v));
  std::unique_lock lock(mu_);
  tables_[k] = t;
  return t;
}

TablePtr Catalog::get(storage::Engine& e, const std::string& account, const std::string& region, std::string_view name) {
  TablePtr t = find(e, account, region, name);
  if (!t) throw errors::resource_not_found("Requested resource not found");
  return t;
}

void Catalog::invalidate(const std::string& account, const std::string& region, std::string_view name) {
  std::unique_lock lock(mu_);
  tables_.erase(table_key(account, region, name));
}

void Catalog::clear() {
  {
    std::unique_lock lock(mu_);
    tables_.clear();
  }
  {
    std::lock_guard l(collections_mu_);
    collections_.clear();
  }
  std::lock_guard l(sequences_mu_);
  sequences_.clear();
}

int64_t Catalog::collection_size(storage::Engine& e, const TableInfo& t, const Value& hash) {
  std::string id = partition_prefix(t.id, hash);
  {
    std::lock_guard l(collections_mu_);
    auto it = collections_.find(id);
    if (it != collections_.end()) return it->second;
  }
  storage::ScanOptions o;
  o.start = id;
  o.end = storage::prefix_end(id);
  int64_t total = 0;
  Item item;
  for (auto it = e.scan(kItems, o); it->valid(); it->next())
    if (decode_item(it->value(), item)) total += collection_bytes(t, item);
  std::lock_guard l(collections_mu_);
  if (collections_.size() >= 100000) collections_.clear();  // a cache: sizes are re-read on demand
  return collections_.emplace(id, total).first->second;
}

void Catalog::collection_changed(const TableInfo& t, const Value& hash, int64_t delta) {
  std::lock_guard l(collections_mu_);
  auto it = collections_.find(partition_prefix(t.id, hash));
  if (it != collections_.end()) it->second = std::max<int64_t>(0, it->second + delta);
}

namespace {
// The lock of `id` in `locks`, created on first use; a shared lookup first, as it nearly always exists.
template <typename Lock>
Lock& lock_of(std::shared_mutex& mu, std::unordered_map<uint64_t, std::unique_ptr<Lock>>& locks, uint64_t id) {
  {
    std::shared_lock l(mu);
    auto it = locks.find(id);
    if (it != locks.end()) return *it->second;
  }
  std::unique_lock l(mu);
  auto& m = locks[id];
  if (!m) m = std::make_unique<Lock>();
  return *m;
}
}  // namespace

std::mutex& Catalog::write_lock(uint64_t table_id) { return lock_of(locks_mu_, locks_, table_id); }

uint64_t Catalog::next_sequence(storage::Engine& e, uint64_t stream_id) {
  std::lock_guard l(sequences_mu_);
  auto it = sequences_.find(stream_id);
  if (it == sequences_.end()) {
    std::string prefix;
    append_be64(prefix, stream_id);
    storage::ScanOptions o;
    o.start = prefix;
    o.end = storage::prefix_end(prefix);
    o.reverse = true;
    auto iter = e.scan(kStream, o);
    uint64_t last = 0;
    if (iter->valid()) last = read_be64(iter->key().substr(8));
    std::string trimmed;  // every record may have been trimmed: continue after them
    if (e.get(kStreamMeta, prefix, &trimmed).ok()) last = std::max(last, read_be64(trimmed));
    it = sequences_.emplace(stream_id, last).first;
  }
  return ++it->second;
}

std::shared_mutex& Catalog::meta_lock(uint64_t table_id) { return lock_of(locks_mu_, meta_locks_, table_id); }

// Counters, TTL index, history ------------------------------------------------------------

namespace {

constexpr int kCounterShards = 8;

std::string counter_key(uint64_t id, char what, unsigned shard) {
  const char tail[2] = {what, static_cast<char>(shard)};
  return storage::KeyBuilder(10).u64(id).raw(std::string_view(tail, 2)).take();
}

unsigned my_shard() {
  static std::atomic<unsigned> next{0};
  thread_local unsigned shard = next++ % kCounterShards;
  return shard;
}

}  // namespace

void count_change(storage::WriteBatch& b, uint64_t id, int64_t items, int64_t bytes) {
  unsigned sh = my_shard();
  if (items) b.add(kCounts, counter_key(id, 'n', sh), items);
  if (bytes) b.add(kCounts, counter_key(id, 'b', sh), bytes);
}

std::string ttl_key(uint64_t table_id, int64_t expiry, std::string_view item_key) {
  return storage::KeyBuilder(item_key.size() + 8).u64(table_id).u64(static_cast<uint64_t>(expiry)).raw(item_key.substr(8)).take();
}

std::optional<int64_t> ttl_expiry(const Item& item, const std::string& attr) {
  if (attr.empty()) return std::nullopt;
  auto it = item.find(attr);
  if (it == item.end() || it->second.type != Type::N) return std::nullopt;
  double v = std::strtod(it->second.scalar.c_str(), nullptr);
  if (!(v >= 0) || v > 4e18) return std::nullopt;
  return static_cast<int64_t>(std::floor(v));
}

Counts read_counts(storage::Engine& e, uint64_t id) {
  Counts c;
  std::string prefix;
  append_be64(prefix, id);
  for (auto it = e.prefix(kCounts, prefix); it->valid(); it->next()) {
    int64_t v = storage::WriteBatch::decode_counter(it->value());
    if (it->key().size() > 8 && it->key()[8] == 'n') c.items += v;
    else c.bytes += v;
  }
  c.items = std::max<int64_t>(0, c.items);
  c.bytes = std::max<int64_t>(0, c.bytes);
  return c;
}

void drop_prefix(storage::Engine& e, const char* ks, uint64_t id) {
  std::string prefix;
  append_be64(prefix, id);
  while (true) {
    auto it = e.prefix(ks, prefix);
    storage::WriteBatch batch;
    size_t n = 0;
    for (; it->valid() && n < 1000; it->next(), ++n) batch.del(ks, it->key());
    if (n == 0) return;
    e.write(batch);
  }
}

std::string encode_change(std::string_view key_suffix, const std::optional<Item>& old_item) {
  Item m;
  m.emplace("k", Value::bin(std::string(key_suffix)));
  if (old_item) {
    Value v;
    v.type = Type::M;
    v.map = *old_item;
    m.emplace("o", std::move(v));
  }
  std::string out;
  encode_item(m, out);
  return out;
}

bool decode_change(std::string_view bytes, std::string& key_suffix, std::optional<Item>& old_item) {
  Item m;
  if (!decode_item(bytes, m)) return false;
  auto k = m.find("k");
  if (k == m.end()) return false;
  key_suffix = k->second.scalar;
  old_item.reset();
  if (auto o = m.find("o"); o != m.end()) old_item = std::move(o->second.map);
  return true;
}

// Write path --------------------------------------------------------------------------------

bool needs_old(const TableInfo& t) { return !t.indexes.empty() || t.stream_enabled; }

bool has_lsi(const TableInfo& t) {
  for (const auto& ix : t.indexes)
    if (!ix.global) return true;
  return false;
}

int64_t collection_bytes(const TableInfo& t, const Item& item) {
  auto total = static_cast<int64_t>(item_size(item));
  for (const auto& ix : t.indexes)
    if (!ix.global && index_key(t, ix, item))
      total += static_cast<int64_t>(item_size(project_for_index(t, ix, item))) + 100;
  return total;
}

Doc collection_metrics(storage::Engine& e, Catalog& cat, const TableInfo& t, const Item& key) {
  const Value& hash = key.at(t.hash.name);
  double gb = static_cast<double>(cat.collection_size(e, t, hash)) / (1024.0 * 1024.0 * 1024.0);
  Doc k = Doc::map();
  k.set(t.hash.name, to_doc(hash));
  Doc range = Doc::list();
  range.push(std::floor(gb));
  range.push(std::floor(gb) + 1.0);
  Doc m = Doc::map();
  m.set("ItemCollectionKey", k);
  m.set("SizeEstimateRangeGB", range);
  return m;
}

void commit(storage::Engine& e, Catalog& cat, std::vector<ItemWrite>& writes, bool /*read_old*/, int64_t now_ms,
            const std::function<void(size_t, const AwsError&)>& on_failure, const storage::WriteBatch* extra) {
  const bool read_old = true;  // counters need the previous item
  // Metadata locks (shared), then the current metadata of every table written.
  std::vector<uint64_t> meta_ids;
  for (const auto& w : writes) meta_ids.push_back(w.table->id);
  std::sort(meta_ids.begin(), meta_ids.end());
  meta_ids.erase(std::unique(meta_ids.begin(), meta_ids.end()), meta_ids.end());
  std::vector<std::shared_lock<std::shared_mutex>> meta_locks;
  for (uint64_t id : meta_ids) meta_locks.emplace_back(cat.meta_lock(id));
  for (auto& w : writes) {
    TablePtr fresh = cat.find(e, w.table->account, w.table->region, w.table->name);
    if (fresh && fresh->id == w.table->id) w.table = fresh;
  }
  // Stream tables: one writer at a time, in table-id order to avoid deadlocks.
  std::vector<uint64_t> lock_ids;
  for (const auto& w : writes)
    if (w.table->stream_enabled) lock_ids.push_back(w.table->id);
  std::sort(lock_ids.begin(), lock_ids.end());
  lock_ids.erase(std::unique(lock_ids.begin(), lock_ids.end()), lock_ids.end());
  std::vector<std::unique_lock<std::mutex>> locks;
  for (uint64_t id : lock_ids) locks.emplace_back(cat.write_lock(id));

  for (int attempt = 0; attempt < 200; ++attempt) {
    storage::WriteBatch batch;
    std::vector<std::pair<uint64_t, uint64_t>> appended;  // (stream id, seq)
    std::optional<AwsError> first_error;
    std::vector<std::pair<size_t, int64_t>> grown;  // (write, collection delta) of LSI tables
    std::string old_bytes, new_bytes;
    for (size_t i = 0; i < writes.size(); ++i) {
      ItemWrite& w = writes[i];
      const TableInfo& t = *w.table;
      w.old_item.reset();
      w.new_item.reset();
      old_bytes.clear();
      bool have = false;
      if (read_old) {
        storage::Status st = e.get(kItems, w.key, &old_bytes);
        if (st.ok()) {
          Item old;
          if (!decode_item(old_bytes, old)) throw errors::internal("corrupt item");
          w.old_item = std::move(old);
          have = true;
        } else if (!st.not_found()) {
          throw errors::internal("storage: " + st.message);
        }
      }
      try {
        w.new_item = w.compute(have ? &*w.old_item : nullptr);
      } catch (const AwsError& err) {
        if (!on_failure) throw;
        on_failure(i, err);
        if (!first_error) first_error = err;
        continue;
      }
      if (read_old) {
        if (have) batch.require({storage::Condition::Kind::equals, kItems, w.key, old_bytes});
        else batch.require({storage::Condition::Kind::not_exists, kItems, w.key, {}});
      }
      if (w.condition_check_only) {
        w.new_item = w.old_item;
        continue;
      }
      if (has_lsi(t)) {
        int64_t delta = (w.new_item ? collection_bytes(t, *w.new_item) : 0) - (w.old_item ? collection_bytes(t, *w.old_item) : 0);
        const Value& hash = w.key_attrs.at(t.hash.name);
        if (delta > 0 && cat.collection_size(e, t, hash) + delta > kMaxCollectionBytes) {
          AwsError err = errors::item_collection_size_limit_exceeded("Collection size exceeded.");
          if (!on_failure) throw err;
          on_failure(i, err);
          if (!first_error) first_error = err;
          continue;
        }
        if (delta != 0) grown.emplace_back(i, delta);
      }
      new_bytes.clear();
      if (w.new_item) {
        encode_item(*w.new_item, new_bytes);
        if (have && new_bytes == old_bytes) continue;  // nothing changes: no write, no record
        batch.put(kItems, w.key, new_bytes);
      } else if (have) {
        batch.del(kItems, w.key);
      } else {
        continue;  // deleting an absent item
      }
      count_change(batch, t.id, (w.new_item ? 1 : 0) - (have ? 1 : 0),
            static_cast<int64_t>(new_bytes.size()) - static_cast<int64_t>(have ? old_bytes.size() : 0));
      for (const auto& ix : t.indexes) {
        std::optional<std::string> ok = w.old_item ? index_key(t, ix, *w.old_item) : std::nullopt;
        std::optional<std::string> nk = w.new_item ? index_key(t, ix, *w.new_item) : std::nullopt;
        int64_t bytes = 0;
        if (ok) {
          std::string v;
          encode_item(project_for_index(t, ix, *w.old_item), v);
          bytes -= static_cast<int64_t>(v.size());
          if (!nk || *ok != *nk) batch.del(kIndex, *ok);
        }
        if (nk) {
          std::string v;
          encode_item(project_for_index(t, ix, *w.new_item), v);
          bytes += static_cast<int64_t>(v.size());
          batch.put(kIndex, *nk, v);
        }
        count_change(batch, ix.id, (nk ? 1 : 0) - (ok ? 1 : 0), bytes);
      }
      if (std::string attr = t.ttl_attribute(); !attr.empty()) {
        auto oe = w.old_item ? ttl_expiry(*w.old_item, attr) : std::nullopt;
        auto ne = w.new_item ? ttl_expiry(*w.new_item, attr) : std::nullopt;
        if (oe != ne) {
          if (oe) batch.del(kTtl, ttl_key(t.id, *oe, w.key));
          if (ne) batch.put(kTtl, ttl_key(t.id, *ne, w.key), {});
        }
      }
      if (t.keeps_history()) {
        // Time read now, after the previous version was read: per item, history keys order
        // as the changes committed.
        std::string k = storage::KeyBuilder(24).u64(t.id).u64(static_cast<uint64_t>(now_millis())).u64(cat.next_history_seq()).take();
        batch.put(kHistory, k, encode_change(std::string_view(w.key).substr(8), w.old_item));
      }
      if (t.stream_enabled && (have || w.new_item)) {
        StreamRecord r;
        r.sequence = cat.next_sequence(e, t.stream_id);
        r.event_name = !have ? "INSERT" : w.new_item ? "MODIFY" : "REMOVE";
        r.created_ms = now_ms;
        r.keys = w.key_attrs;
        r.view_type = t.stream_view_type;
        r.by_ttl = w.by_ttl;
        if ((t.stream_view_type == "OLD_IMAGE" || t.stream_view_type == "NEW_AND_OLD_IMAGES") && have)
          r.old_image = w.old_item;
        if ((t.stream_view_type == "NEW_IMAGE" || t.stream_view_type == "NEW_AND_OLD_IMAGES") && w.new_item)
          r.new_image = w.new_item;
        r.size_bytes = item_size(r.keys) + (r.old_image ? item_size(*r.old_image) : 0) +
                       (r.new_image ? item_size(*r.new_image) : 0);
        batch.put(kStream, storage::KeyBuilder(16).u64(t.stream_id).u64(r.sequence).take(), encode_record(r));
        appended.emplace_back(t.stream_id, r.sequence);
      }
    }
    if (first_error) throw *first_error;
    if (extra) {
      for (const auto& op : extra->ops()) {
        if (op.is_add) batch.add(op.keyspace, op.key, storage::WriteBatch::decode_counter(op.value));
        else if (op.is_delete) batch.del(op.keyspace, op.key);
        else batch.put(op.keyspace, op.key, op.value);
      }
      for (const auto& c : extra->conditions()) batch.require(c);
    }
    if (batch.ops().empty() && batch.conditions().empty()) return;
    if (batch.ops().empty()) {
      // Only conditions (ConditionCheck, unchanged items): verify they still hold.
      bool still = true;
      for (const auto& c : batch.conditions()) {
        std::string v;
        storage::Status st = e.get(c.keyspace, c.key, &v);
        if (c.kind == storage::Condition::Kind::not_exists ? st.ok() : (!st.ok() || v != c.value)) still = false;
      }
      if (still) return;
      continue;
    }
    storage::Status st = e.write(batch);
    if (st.ok()) {
      for (const auto& [sid, seq] : appended) stream_appended(sid, seq);
      for (const auto& [i, delta] : grown)
        cat.collection_changed(*writes[i].table, writes[i].key_attrs.at(writes[i].table->hash.name), delta);
      return;
    }
    if (!st.conflict()) throw errors::internal("storage: " + st.message);
  }
  throw errors::transaction_conflict("Transaction is ongoing for the item");
}

std::string encode_record(const StreamRecord& r) {
  Item m;
  m.emplace("e", Value::str(r.event_name));
  m.emplace("t", Value::str(std::to_string(r.created_ms)));
  Value keys;
  keys.type = Type::M;
  keys.map = r.keys;
  m.emplace("k", std::move(keys));
  if (r.old_image) {
    Value v;
    v.type = Type::M;
    v.map = *r.old_image;
    m.emplace("o", std::move(v));
  }
  if (r.new_image) {
    Value v;
    v.type = Type::M;
    v.map = *r.new_image;
    m.emplace("n", std::move(v));
  }
  m.emplace("s", Value::str(std::to_string(r.size_bytes)));
  m.emplace("v", Value::str(r.view_type));
  if (r.by_ttl) m.emplace("u", Value::boolean_of(true));
  std::string out;
  encode_item(m, out);
  return out;
}

bool decode_record(std::string_view bytes, StreamRecord& r) {
  Item m;
  if (!decode_item(bytes, m)) return false;
  auto get = [&](const char* k) -> const Value* {
    auto it = m.find(k);
    return it == m.end() ? nullptr : &it->second;
  };
  if (!get("e") || !get("k") || !get("t")) return false;
  r.event_name = get("e")->scalar;
  r.created_ms = std::stoll(get("t")->scalar);
  r.keys = get("k")->map;
  if (const Value* o = get("o")) r.old_image = o->map;
  if (const Value* n = get("n")) r.new_image = n->map;
  if (const Value* s = get("s")) r.size_bytes = std::stoull(s->scalar);
  if (const Value* v = get("v")) r.view_type = v->scalar;
  r.by_ttl = get("u") != nullptr;
  return true;
}

double read_units(size_t bytes, bool consistent) {
  double units = std::max<double>(1.0, std::ceil(static_cast<double>(bytes) / 4096.0));
  return consistent ? units : units / 2.0;
}

double write_units(size_t bytes) { return std::max<double>(1.0, std::ceil(static_cast<double>(bytes) / 1024.0)); }

}  // namespace stratus::dynamodb
