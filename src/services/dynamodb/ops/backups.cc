// On-demand backups (CreateBackup, DescribeBackup, ListBackups, DeleteBackup,
// RestoreTableFromBackup) and point-in-time recovery (UpdateContinuousBackups,
// DescribeContinuousBackups, RestoreTableToPointInTime).
//
// Design (see docs/architecture.md): nothing is copied when a backup is taken. While a table has
// PITR enabled or any backup, every write also stores the item's previous image in ddb.history,
// keyed (table id, commit time, history seq), in the same atomic batch as the write. A backup is
// a record holding the table's metadata and a history cursor (time, seq) taken under the
// table's exclusive metadata lock. The state at a cursor is "the items now, minus the changes
// after the cursor": restoring reads the table's items and the history after the cursor from one
// storage snapshot; for every item changed since, the oldest image after the cursor is the item
// as it was. A deleted table's items and history stay while backups of it exist. So backups are
// O(1) to take, durable exactly as writes are (kill -9 safe), and cost one extra put per write.
#include <cstdio>
#include <mutex>
#include <set>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/paging.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

struct Cursor {
  int64_t ms = 0;
  uint64_t seq = ~0ULL;  // every change at ms belongs to the state (PITR)
};

// Work in progress that concurrent requests must not disturb: restores by target table and by
// backup, deletions by backup (TableInUseException, BackupInUseException).
std::mutex busy_mu;
std::set<std::string> busy;  // GUARDED_BY(busy_mu)

class Claim {
 public:
  explicit Claim(std::string key) : key_(std::move(key)) {
    std::lock_guard l(busy_mu);
    ok_ = busy.insert(key_).second;
  }
  ~Claim() {
    if (!ok_) return;
    std::lock_guard l(busy_mu);
    busy.erase(key_);
  }
  Claim(const Claim&) = delete;
  Claim& operator=(const Claim&) = delete;
  bool ok() const { return ok_; }

 private:
  std::string key_;
  bool ok_ = false;
};

std::string be64(uint64_t v) { return storage::KeyBuilder(8).u64(v).take(); }

// TableName members of these operations accept a name or a table ARN.
std::string name_of(const std::string& v) {
  if (v.rfind("arn:", 0) != 0) return v;
  auto p = v.find(":table/");
  if (p == std::string::npos) return v;
  std::string n = v.substr(p + 7);
  return n.substr(0, n.find('/'));
}

std::optional<int64_t> time_of(const Doc& in, std::string_view k) {
  const Doc* d = in.get(k);
  if (!d) return std::nullopt;
  if (d->is_timestamp()) return d->as_timestamp().millis;
  if (d->is_number()) return static_cast<int64_t>(d->as_double() * 1000);
  return std::nullopt;
}

std::string backup_key(const std::string& account, const std::string& region, const std::string& table,
                       const std::string& id) {
  std::string k = table_key(account, region, table);  // not KeyBuilder: see ddb.tables in schema.h
  k += '\0';
  k += id;
  return k;
}

// Storage key of a backup ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/backup/ID).
std::optional<std::string> key_of_arn(const std::string& arn) {
  auto a = Arn::parse(arn);
  if (!a || a->service != "dynamodb" || a->resource.rfind("table/", 0) != 0) return std::nullopt;
  auto b = a->resource.find("/backup/");
  if (b == std::string::npos) return std::nullopt;
  return backup_key(a->account, a->region, a->resource.substr(6, b - 6), a->resource.substr(b + 8));
}

Doc load_backup(storage::Engine& e, const std::string& arn, std::string* key_out = nullptr) {
  auto k = key_of_arn(arn);
  std::string v;
  if (!k || !e.get(kBackups, *k, &v).ok()) throw errors::backup_not_found("Backup not found: " + arn);
  if (key_out) *key_out = *k;
  return json::parse(v);
}

Doc details(const Doc& b, const std::string& status) {
  Doc d = Doc::map();
  d.set("BackupArn", b.str("arn"));
  d.set("BackupName", b.str("name"));
  d.set("BackupSizeBytes", b.integer("size"));
  d.set("BackupStatus", status);
  d.set("BackupType", b.str("type", "USER"));
  d.set("BackupCreationDateTime", Timestamp{b.integer("created")});
  return d;
}

Doc index_infos(const Doc& list, bool global) {
  Doc out = Doc::list();
  for (const auto& x : list.as_list()) {
    Doc i = Doc::map();
    for (const char* k : {"IndexName", "KeySchema", "Projection"})
      if (const Doc* v = x.get(k)) i.set(k, *v);
    if (global)
      if (const Doc* pt = x.get("ProvisionedThroughput")) {
        Doc p = Doc::map();
        p.set("ReadCapacityUnits", pt->integer("ReadCapacityUnits"));
        p.set("WriteCapacityUnits", pt->integer("WriteCapacityUnits"));
        i.set("ProvisionedThroughput", p);
      }
    out.push(std::move(i));
  }
  return out;
}

Doc description(storage::Engine& e, const Doc& b, const std::string& status) {
  auto t = TableInfo::from_json(*b.get("table"));
  Doc desc = describe(e, *t, "ACTIVE", false);
  Doc src = Doc::map();
  src.set("TableName", t->name);
  src.set("TableId", t->table_id);
  src.set("TableArn", t->arn());
  src.set("TableSizeBytes", b.integer("size"));
  src.set("KeySchema", *desc.get("KeySchema"));
  src.set("TableCreationDateTime", Timestamp{t->created_ms});
  Doc pt = Doc::map();
  pt.set("ReadCapacityUnits", t->rcu);
  pt.set("WriteCapacityUnits", t->wcu);
  src.set("ProvisionedThroughput", pt);
  src.set("ItemCount", b.integer("items"));
  src.set("BillingMode", t->billing_mode);
  Doc features = Doc::map();
  if (const Doc* l = desc.get("LocalSecondaryIndexes")) features.set("LocalSecondaryIndexes", index_infos(*l, false));
  if (const Doc* g = desc.get("GlobalSecondaryIndexes")) features.set("GlobalSecondaryIndexes", index_infos(*g, true));
  if (const Doc* s = desc.get("StreamSpecification")) features.set("StreamDescription", *s);
  Doc ttl = Doc::map();
  ttl.set("TimeToLiveStatus", t->ttl_attribute().empty() ? "DISABLED" : "ENABLED");
  if (!t->ttl_attribute().empty()) ttl.set("AttributeName", t->ttl_attribute());
  features.set("TimeToLiveDescription", ttl);
  if (!t->sse.is_null()) features.set("SSEDescription", t->sse);
  Doc d = Doc::map();
  d.set("BackupDetails", details(b, status));
  d.set("SourceTableDetails", src);
  d.set("SourceTableFeatureDetails", features);
  return d;
}

// Clients send RestoreDateTime in whole seconds (JSON protocol): the window's ends are whole
// seconds too, the earliest rounded up so that it never predates the history.
int64_t earliest_restorable(const TableInfo& t, int64_t now) {
  int64_t ms = std::max<int64_t>(t.pitr_since_ms, now - t.pitr_days * kDayMs);
  return (ms + 999) / 1000 * 1000;
}

Doc continuous(const TableInfo& t, int64_t now) {
  Doc p = Doc::map();
  p.set("PointInTimeRecoveryStatus", t.pitr ? "ENABLED" : "DISABLED");
  if (t.pitr) {
    p.set("RecoveryPeriodInDays", t.pitr_days);
    p.set("EarliestRestorableDateTime", Timestamp{earliest_restorable(t, now)});
    p.set("LatestRestorableDateTime", Timestamp{now / 1000 * 1000});
  }
  Doc d = Doc::map();
  d.set("ContinuousBackupsStatus", "ENABLED");
  d.set("PointInTimeRecoveryDescription", p);
  return d;
}

// Writes the items of table `source_id` as of cursor `c` into table `t` (not yet visible: its
// metadata is written last), with index entries. Returns the counter batch for the metadata.
storage::WriteBatch copy_items(storage::Engine& e, uint64_t source_id, Cursor c, const TableInfo& t) {
  auto snap = e.snapshot();
  std::string prefix = be64(source_id);
  // Items changed after the cursor: the oldest later image is the item at the cursor (nullopt:
  // it did not exist). Ordered map: only these are held in memory.
  std::map<std::string, std::optional<Item>> changed;
  {
    storage::ScanOptions o;
    o.start = prefix + be64(static_cast<uint64_t>(c.ms)) + be64(c.seq) + std::string(1, '\0');
    o.end = storage::prefix_end(prefix);
    o.snapshot = snap.get();
    std::string suffix;
    std::optional<Item> old;
    for (auto it = e.scan(kHistory, o); it->valid(); it->next())
      if (decode_change(it->value(), suffix, old)) changed.emplace(suffix, std::move(old));
  }
  std::map<uint64_t, Counts> counts;
  storage::WriteBatch batch;
  size_t n = 0;
  auto put = [&](std::string_view suffix, std::string_view bytes) {
    std::string key = be64(t.id);
    key.append(suffix);
    batch.put(kItems, key, bytes);
    counts[t.id].items += 1;
    counts[t.id].bytes += static_cast<int64_t>(bytes.size());
    if (!t.indexes.empty()) {
      Item item;
      if (!decode_item(bytes, item)) return;
      for (const auto& ix : t.indexes) {
        auto k = index_key(t, ix, item);
        if (!k) continue;
        std::string v;
        encode_item(project_for_index(t, ix, item), v);
        batch.put(kIndex, *k, v);
        counts[ix.id].items += 1;
        counts[ix.id].bytes += static_cast<int64_t>(v.size());
      }
    }
    if (++n % 500 == 0) {
      storage::Status st = e.write(batch);
      if (!st.ok()) throw errors::internal("storage: " + st.message);
      batch = storage::WriteBatch();
    }
  };
  for (auto it = e.prefix(kItems, prefix, snap.get()); it->valid(); it->next()) {
    std::string_view suffix = it->key().substr(8);
    if (changed.count(std::string(suffix))) continue;
    put(suffix, it->value());
  }
  std::string bytes;
  for (const auto& [suffix, img] : changed) {
    if (!img) continue;
    bytes.clear();
    encode_item(*img, bytes);
    put(suffix, bytes);
  }
  if (!batch.empty()) {
    storage::Status st = e.write(batch);
    if (!st.ok()) throw errors::internal("storage: " + st.message);
  }
  storage::WriteBatch meta;
  for (const auto& [id, c2] : counts) count_change(meta, id, c2.items, c2.bytes);
  return meta;
}

// Creates table `target` from `src`'s schema (with the request's overrides) holding the items of
// table `source_id` as of `c`.
Doc restore(OpContext& ctx, Catalog& cat, const TableInfo& src, uint64_t source_id, Cursor c, const Doc& in,
            const Doc& summary, const std::string& backup_arn) {
  std::string target = in.str("TargetTableName");
  Claim claim("table:" + table_key(ctx.account(), ctx.region(), target));
  if (!claim.ok()) throw errors::table_in_use("Table is being restored: " + target);
  std::optional<Claim> backup_claim;
  if (!backup_arn.empty()) {
    backup_claim.emplace("backup:" + backup_arn);
    if (!backup_claim->ok()) throw errors::backup_in_use("Backup is being used: " + backup_arn);
  }
  if (cat.find(ctx.storage, ctx.account(), ctx.region(), target))
    throw errors::table_already_exists("Table already exists: " + target);
  auto t = std::make_shared<TableInfo>(src);
  t->account = ctx.account();
  t->region = ctx.region();
  t->name = target;
  t->id = random_id();
  t->table_id = ids::uuid4();
  t->created_ms = ctx.now_ms;
  // Like AWS, a restored table does not inherit streams, TTL, PITR, tags, resource-based
  // policies or deletion protection.
  t->policies = Doc();
  t->stream_enabled = false;
  t->stream_view_type.clear();
  t->stream_label.clear();
  t->stream_id = 0;
  t->ttl = Doc();
  t->pitr = false;
  t->pitr_since_ms = 0;
  t->backups = 0;
  t->tags = Doc::map();
  t->deletion_protection = false;
  for (auto& ix : t->indexes) ix.id = random_id();
  if (in.has("BillingModeOverride") || in.has("ProvisionedThroughputOverride")) {
    Doc b = Doc::map();
    if (const Doc* m = in.get("BillingModeOverride")) b.set("BillingMode", *m);
    if (const Doc* p = in.get("ProvisionedThroughputOverride")) b.set("ProvisionedThroughput", *p);
    set_billing(*t, b, false);
    if (t->billing_mode == "PAY_PER_REQUEST")
      for (auto& ix : t->indexes) ix.rcu = ix.wcu = 0;
  }
  std::map<std::string, Type> defs;
  if (t->attribute_definitions.is_list())
    for (const auto& a : t->attribute_definitions.as_list()) {
      Type ty;
      if (type_from_name(a.str("AttributeType"), ty)) defs[a.str("AttributeName")] = ty;
    }
  auto override_indexes = [&](const char* member, bool global) {
    const Doc* l = in.get(member);
    if (!l || !l->is_list()) return;
    std::erase_if(t->indexes, [&](const IndexInfo& ix) { return ix.global == global; });
    for (const auto& x : l->as_list()) {
      std::set<std::string> used;
      IndexInfo ix = parse_index(x, global, defs, used);
      if (!global && (ix.keys.hash[0].name != t->hash.name || ix.keys.range.empty() || !t->range))
        throw errors::validation("One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: " + ix.name);
      if (t->index(ix.name)) throw errors::validation("One or more parameter values were invalid: Duplicate index name: " + ix.name);
      t->indexes.push_back(std::move(ix));
    }
  };
  override_indexes("GlobalSecondaryIndexOverride", true);
  override_indexes("LocalSecondaryIndexOverride", false);
  if (const Doc* sse = in.get("SSESpecificationOverride")) t->sse = sse->flag("Enabled") ? sse_description(*t) : Doc();
  t->restore_summary = summary;

  storage::WriteBatch meta = copy_items(ctx.storage, source_id, c, *t);
  std::string k = table_key(t->account, t->region, t->name);
  meta.require({storage::Condition::Kind::not_exists, kTables, k, {}});
  meta.put(kTables, k, json::write(t->to_json()));
  storage::Status st = ctx.storage.write(meta);
  if (!st.ok()) {
    drop_table_data(ctx.storage, *t);
    if (st.conflict()) throw errors::table_already_exists("Table already exists: " + target);
    throw errors::internal("storage: " + st.message);
  }
  cat.invalidate(t->account, t->region, t->name);
  return answer("TableDescription", describe(ctx.storage, *t, "CREATING", false));
}

std::string backup_id(int64_t ms) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%014lld-%08llx", static_cast<long long>(ms),
                static_cast<unsigned long long>(random_id() & 0xffffffffULL));
  return buf;
}

}  // namespace

Doc create_backup(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string name = name_of(in.str("TableName"));
  std::string backup_name = in.str("BackupName");
  if (backup_name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
    throw errors::validation("1 validation error detected: Value '" + backup_name +
                             "' at 'backupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  TablePtr t = cat.find(ctx.storage, ctx.account(), ctx.region(), name);
  if (!t) throw errors::table_not_found("Table not found: " + name);
  Doc b = Doc::map();
  {
    // Exclusive: writes before this have no history and are in the items; writes after it
    // see backups > 0 and record history after the cursor.
    std::unique_lock meta(cat.meta_lock(t->id));
    std::lock_guard lock(cat.write_lock(t->id));
    t = cat.find(ctx.storage, ctx.account(), ctx.region(), name);
    if (!t) throw errors::table_not_found("Table not found: " + name);
    int64_t ms = now_millis();
    std::string id = backup_id(ms);
    Counts c = read_counts(ctx.storage, t->id);
    b.set("arn", t->arn() + "/backup/" + id);
    b.set("name", backup_name);
    b.set("table", t->to_json());
    b.set("source_id", std::to_string(t->id));
    b.set("cursor_ms", ms);
    b.set("cursor_seq", std::to_string(cat.history_seq()));
    b.set("created", ms);
    b.set("size", c.bytes);
    b.set("items", c.items);
    b.set("type", "USER");
    auto nt = std::make_shared<TableInfo>(*t);
    nt->backups += 1;
    storage::WriteBatch batch;
    batch.put(kTables, table_key(t->account, t->region, t->name), json::write(nt->to_json()));
    batch.put(kBackups, backup_key(t->account, t->region, t->name, id), json::write(b));
    storage::Status st = ctx.storage.write(batch);
    if (!st.ok()) throw errors::internal("storage: " + st.message);
    cat.invalidate(t->account, t->region, t->name);
  }
  return answer("BackupDetails", details(b, "AVAILABLE"));
}

Doc describe_backup(Catalog& cat, OpContext& ctx, const Doc& in) {
  Doc b = load_backup(ctx.storage, in.str("BackupArn"));
  return answer("BackupDescription", description(ctx.storage, b, "AVAILABLE"));
}

Doc list_backups(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string type = in.str("BackupType", "USER");
  std::string prefix = table_key(ctx.account(), ctx.region(), "");
  if (in.has("TableName")) {
    prefix = table_key(ctx.account(), ctx.region(), name_of(in.str("TableName")));
    prefix += '\0';
  }
  storage::ScanOptions o;
  o.start = prefix;
  o.end = storage::prefix_end(prefix);
  if (in.has("ExclusiveStartBackupArn")) {
    auto k = key_of_arn(in.str("ExclusiveStartBackupArn"));
    if (!k) throw errors::validation("Invalid ExclusiveStartBackupArn: " + in.str("ExclusiveStartBackupArn"));
    if (*k >= o.start) o.start = *k + std::string(1, '\0');
  }
  auto lower = time_of(in, "TimeRangeLowerBound");
  auto upper = time_of(in, "TimeRangeUpperBound");
  paging::After page(in.integer("Limit", 100));  // ExclusiveStartBackupArn is the scan's start
  if (type == "USER" || type == "ALL") {
    for (auto it = ctx.storage.scan(kBackups, o); it->valid(); it->next()) {
      Doc b = json::parse(it->value());
      int64_t created = b.integer("created");
      if ((lower && created < *lower) || (upper && created >= *upper)) continue;
      if (page.full()) break;
      auto t = TableInfo::from_json(*b.get("table"));
      Doc s = Doc::map();
      s.set("TableName", t->name);
      s.set("TableId", t->table_id);
      s.set("TableArn", t->arn());
      s.set("BackupArn", b.str("arn"));
      s.set("BackupName", b.str("name"));
      s.set("BackupCreationDateTime", Timestamp{created});
      s.set("BackupStatus", "AVAILABLE");
      s.set("BackupType", b.str("type", "USER"));
      s.set("BackupSizeBytes", b.integer("size"));
      page.add(b.str("arn"), std::move(s));
    }
  }
  return page.answer("BackupSummaries", "LastEvaluatedBackupArn");
}

Doc delete_backup(Catalog& cat, OpContext& ctx, const Doc& in) {
  static std::mutex delete_mu;  // serialises the "last backup of a deleted table" decision
  std::string arn = in.str("BackupArn");
  Claim claim("backup:" + arn);
  if (!claim.ok()) throw errors::backup_in_use("Backup is being used: " + arn);
  std::lock_guard serial(delete_mu);
  std::string key;
  Doc b = load_backup(ctx.storage, arn, &key);
  Doc desc = description(ctx.storage, b, "DELETED");
  auto src = TableInfo::from_json(*b.get("table"));
  uint64_t source_id = std::stoull(b.str("source_id", "0"));
  TablePtr live = cat.find(ctx.storage, src->account, src->region, src->name);
  if (live && live->id == source_id) {
    std::unique_lock meta(cat.meta_lock(live->id));
    std::lock_guard lock(cat.write_lock(live->id));
    live = cat.find(ctx.storage, src->account, src->region, src->name);
    if (live && live->id == source_id) {
      auto nt = std::make_shared<TableInfo>(*live);
      nt->backups = std::max<int64_t>(0, nt->backups - 1);
      storage::WriteBatch batch;
      batch.require({storage::Condition::Kind::exists, kBackups, key, {}});
      batch.del(kBackups, key);
      batch.put(kTables, table_key(nt->account, nt->region, nt->name), json::write(nt->to_json()));
      storage::Status st = ctx.storage.write(batch);
      if (st.conflict()) throw errors::backup_not_found("Backup not found: " + arn);
      if (!st.ok()) throw errors::internal("storage: " + st.message);
      cat.invalidate(nt->account, nt->region, nt->name);
      return answer("BackupDescription", desc);
    }
  }
  // The table is gone: its data stays only while some backup still needs it.
  ctx.storage.del(kBackups, key);
  std::string prefix = table_key(src->account, src->region, src->name) + std::string(1, '\0');
  bool needed = false;
  for (auto it = ctx.storage.prefix(kBackups, prefix); it->valid() && !needed; it->next())
    needed = json::parse(it->value()).str("source_id") == std::to_string(source_id);
  if (!needed) {
    drop_prefix(ctx.storage, kItems, source_id);
    drop_prefix(ctx.storage, kCounts, source_id);
    drop_prefix(ctx.storage, kHistory, source_id);
  }
  return answer("BackupDescription", desc);
}

Doc restore_table_from_backup(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string arn = in.str("BackupArn");
  Doc b = load_backup(ctx.storage, arn);
  auto src = TableInfo::from_json(*b.get("table"));
  Cursor c;
  c.ms = b.integer("cursor_ms");
  c.seq = std::stoull(b.str("cursor_seq", "0"));
  Doc summary = Doc::map();
  summary.set("SourceBackupArn", arn);
  summary.set("SourceTableArn", src->arn());
  summary.set("RestoreDateTime", Timestamp{b.integer("created")});
  return restore(ctx, cat, *src, std::stoull(b.str("source_id", "0")), c, in, summary, arn);
}

Doc update_continuous_backups(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string name = name_of(in.str("TableName"));
  TablePtr t = cat.find(ctx.storage, ctx.account(), ctx.region(), name);
  if (!t) throw errors::table_not_found("Table not found: " + name);
  const Doc* spec = in.get("PointInTimeRecoverySpecification");
  bool enable = spec && spec->flag("PointInTimeRecoveryEnabled");
  std::shared_ptr<TableInfo> nt;
  {
    std::unique_lock meta(cat.meta_lock(t->id));
    std::lock_guard lock(cat.write_lock(t->id));
    t = cat.find(ctx.storage, ctx.account(), ctx.region(), name);
    if (!t) throw errors::table_not_found("Table not found: " + name);
    nt = std::make_shared<TableInfo>(*t);
    if (enable && !nt->pitr) nt->pitr_since_ms = now_millis();
    nt->pitr = enable;
    if (enable) nt->pitr_days = spec->integer("RecoveryPeriodInDays", 35);
    store(ctx.storage, cat, *nt);
  }
  return answer("ContinuousBackupsDescription", continuous(*nt, now_millis()));
}

Doc describe_continuous_backups(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string name = name_of(in.str("TableName"));
  TablePtr t = cat.find(ctx.storage, ctx.account(), ctx.region(), name);
  if (!t) throw errors::table_not_found("Table not found: " + name);
  return answer("ContinuousBackupsDescription", continuous(*t, now_millis()));
}

Doc restore_table_to_point_in_time(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string name = in.has("SourceTableArn") ? name_of(in.str("SourceTableArn")) : in.str("SourceTableName");
  if (name.empty()) throw errors::validation("Either SourceTableArn or SourceTableName must be provided");
  TablePtr t = cat.find(ctx.storage, ctx.account(), ctx.region(), name);
  if (!t) throw errors::table_not_found("Table not found: " + name);
  if (!t->pitr)
    throw errors::point_in_time_recovery_unavailable("Point in time recovery is not enabled for table '" + name + "'");
  bool latest = in.flag("UseLatestRestorableTime");
  auto when = time_of(in, "RestoreDateTime");
  if (latest && when)
    throw errors::validation("Only one of RestoreDateTime or UseLatestRestorableTime can be specified");
  if (!latest && !when)
    throw errors::validation("RestoreDateTime must be specified when UseLatestRestorableTime is false");
  int64_t now = now_millis();
  int64_t earliest = earliest_restorable(*t, now);
  Cursor c;
  c.ms = latest ? now : *when;
  if (c.ms < earliest || c.ms > now)
    throw errors::invalid_restore_time("Restore time is not within the restorable range [" + enc::iso8601(earliest) +
                                       ", " + enc::iso8601(now) + "]");
  Doc summary = Doc::map();
  summary.set("SourceTableArn", t->arn());
  summary.set("RestoreDateTime", Timestamp{c.ms});
  return restore(ctx, cat, *t, t->id, c, in, summary, {});
}

}  // namespace stratus::dynamodb
