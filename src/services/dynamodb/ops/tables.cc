// Table operations: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, limits and
// endpoints (tags: tags.cc, time to live: ttl.cc).
#include <random>
#include <set>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/paging.h"
#include "server/context.h"
#include "services/dynamodb/api.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {

uint64_t random_id() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(now_millis()));
  uint64_t v;
  do v = rng();
  while (v == 0);
  return v;
}

namespace {

constexpr int64_t kWarmRead = 12000, kWarmWrite = 4000;
// DescribeLimits: the current default quotas.
constexpr int64_t kAccountMaxUnits = 80000, kTableMaxUnits = 40000;

std::string join_names(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

// A KeySchema: one HASH element and at most one RANGE element after it; for a global secondary
// index (`multi_attribute`) up to four of each, every HASH before the first RANGE, no name twice.
// The messages of multi-attribute keys are ours: AWS documents the rules, not its wording.
KeySchema parse_key_schema(const Doc* ks, const std::map<std::string, Type>& defs, std::set<std::string>& used,
                           bool multi_attribute) {
  if (!ks || !ks->is_list() || ks->as_list().empty()) throw errors::validation("Invalid KeySchema: Some index key attribute have no definition");
  const auto& l = ks->as_list();
  if (!multi_attribute && l.size() > 2) throw errors::validation("Invalid KeySchema: Too many key schema elements");
  if (l[0].str("KeyType") != "HASH") throw errors::validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  if (!multi_attribute) {
    if (l.size() == 2 && l[1].str("KeyType") != "RANGE")
      throw errors::validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  }
  size_t hashes = 0, ranges = 0;
  std::set<std::string> names;
  for (const auto& e : l) {
    bool hash = e.str("KeyType") == "HASH";
    if (hash && ranges > 0)
      throw errors::validation(
          "Invalid KeySchema: Every HASH KeySchemaElement must come before the RANGE KeySchemaElements");
    ++(hash ? hashes : ranges);
    if (hashes > kMaxIndexKeyAttributes || ranges > kMaxIndexKeyAttributes)
      throw errors::validation(
          "Invalid KeySchema: A global secondary index supports up to 4 HASH and up to 4 RANGE KeySchemaElements");
    if (!names.insert(e.str("AttributeName")).second) {
      if (l.size() == 2)
        throw errors::validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
      throw errors::validation("Invalid KeySchema: Duplicate KeySchemaElement AttributeName: " +
                               e.str("AttributeName"));
    }
  }
  std::vector<std::string> missing;
  for (const auto& e : l)
    if (!defs.count(e.str("AttributeName"))) missing.push_back(e.str("AttributeName"));
  if (!missing.empty()) {
    std::vector<std::string> names;
    for (const auto& [n, _] : defs) names.push_back(n);
    throw invalid_values("Some index key attributes are not defined in AttributeDefinitions. Keys: " + join_names(missing) +
                  ", AttributeDefinitions: " + join_names(names));
  }
  KeySchema keys;
  for (const auto& e : l) {
    KeyDef d{e.str("AttributeName"), defs.at(e.str("AttributeName"))};
    used.insert(d.name);
    (e.str("KeyType") == "HASH" ? keys.hash : keys.range).push_back(std::move(d));
  }
  return keys;
}

// A table's KeySchema.
void parse_key_schema(const Doc* ks, const std::map<std::string, Type>& defs, KeyDef& hash,
                      std::optional<KeyDef>& range, std::set<std::string>& used) {
  KeySchema keys = parse_key_schema(ks, defs, used, false);
  hash = keys.hash[0];
  if (!keys.range.empty()) range = keys.range[0];
}

void parse_projection(const Doc* p, IndexInfo& ix) {
  if (!p) throw errors::validation("One or more parameter values were invalid: Projection is required for index " + ix.name);
  ix.projection = p->str("ProjectionType", "ALL");
  ix.non_key.clear();
  if (const Doc* nk = p->get("NonKeyAttributes"); nk && nk->is_list()) {
    if (ix.projection != "INCLUDE")
      throw invalid_values("ProjectionType is " + ix.projection + ", but NonKeyAttributes is specified");
    for (const auto& a : nk->as_list()) ix.non_key.push_back(a.as_string());
  } else if (ix.projection == "INCLUDE") {
    throw invalid_values("ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
  }
}

Doc key_schema_doc(const KeySchema& keys) {
  Doc l = Doc::list();
  for (const auto* defs : {&keys.hash, &keys.range}) {
    for (const auto& k : *defs) {
      Doc a = Doc::map();
      a.set("AttributeName", k.name);
      a.set("KeyType", defs == &keys.hash ? "HASH" : "RANGE");
      l.push(std::move(a));
    }
  }
  return l;
}

// OnDemandThroughput as described: -1 where no maximum is set.
Doc on_demand_doc(int64_t max_read, int64_t max_write) {
  Doc d = Doc::map();
  d.set("MaxReadRequestUnits", max_read ? max_read : -1);
  d.set("MaxWriteRequestUnits", max_write ? max_write : -1);
  return d;
}

// A new table or index starts warm at 12,000 read and 4,000 write units per second; warm
// throughput asked for above that is what it is prewarmed to.
Doc warm_doc(int64_t read, int64_t write, const char* status_member, const char* status) {
  Doc d = Doc::map();
  d.set("ReadUnitsPerSecond", std::max<int64_t>(read, kWarmRead));
  d.set("WriteUnitsPerSecond", std::max<int64_t>(write, kWarmWrite));
  d.set(status_member, status);
  return d;
}

Doc throughput_doc(int64_t rcu, int64_t wcu) {
  Doc p = Doc::map();
  p.set("NumberOfDecreasesToday", 0);
  p.set("ReadCapacityUnits", rcu);
  p.set("WriteCapacityUnits", wcu);
  return p;
}

}  // namespace

Doc describe(storage::Engine& e, const TableInfo& t, const std::string& status, bool counts) {
  Doc d = Doc::map();
  d.set("AttributeDefinitions", t.attribute_definitions);
  d.set("TableName", t.name);
  d.set("KeySchema", key_schema_doc(t.key_schema()));
  d.set("TableStatus", status);
  d.set("CreationDateTime", Timestamp{t.created_ms});
  d.set("ProvisionedThroughput", throughput_doc(t.rcu, t.wcu));
  Counts c = counts ? read_counts(e, t.id) : Counts{};
  d.set("TableSizeBytes", c.bytes);
  d.set("ItemCount", c.items);
  d.set("TableArn", t.arn());
  d.set("TableId", t.table_id);
  // AWS shows the summary once the table has been on demand (at creation or by a switch).
  if (t.billing_mode == "PAY_PER_REQUEST" || t.billing_ms) {
    Doc b = Doc::map();
    b.set("BillingMode", t.billing_mode);
    b.set("LastUpdateToPayPerRequestDateTime", Timestamp{t.billing_ms ? t.billing_ms : t.created_ms});
    d.set("BillingModeSummary", b);
  }
  bool on_demand = t.billing_mode == "PAY_PER_REQUEST";
  if (on_demand) d.set("OnDemandThroughput", on_demand_doc(t.max_read, t.max_write));
  d.set("WarmThroughput", warm_doc(t.warm_read, t.warm_write, "Status", status == "CREATING" ? "CREATING" : "ACTIVE"));
  Doc gsis = Doc::list(), lsis = Doc::list();
  for (const auto& ix : t.indexes) {
    Doc x = Doc::map();
    x.set("IndexName", ix.name);
    x.set("KeySchema", key_schema_doc(ix.keys));
    Doc p = Doc::map();
    p.set("ProjectionType", ix.projection);
    if (!ix.non_key.empty()) {
      Doc nk = Doc::list();
      for (const auto& a : ix.non_key) nk.push(a);
      p.set("NonKeyAttributes", nk);
    }
    x.set("Projection", p);
    Counts ic = counts ? read_counts(e, ix.id) : Counts{};
    x.set("IndexSizeBytes", ic.bytes);
    x.set("ItemCount", ic.items);
    x.set("IndexArn", t.arn() + "/index/" + ix.name);
    if (ix.global) {
      x.set("IndexStatus", "ACTIVE");
      x.set("ProvisionedThroughput", throughput_doc(ix.rcu, ix.wcu));
      if (on_demand) x.set("OnDemandThroughput", on_demand_doc(ix.max_read, ix.max_write));
      x.set("WarmThroughput", warm_doc(ix.warm_read, ix.warm_write, "Status", "ACTIVE"));
      gsis.push(std::move(x));
    } else {
      lsis.push(std::move(x));
    }
  }
  if (!gsis.as_list().empty()) d.set("GlobalSecondaryIndexes", gsis);
  if (!lsis.as_list().empty()) d.set("LocalSecondaryIndexes", lsis);
  if (!t.stream_label.empty()) {
    Doc s = Doc::map();
    s.set("StreamEnabled", t.stream_enabled);
    if (t.stream_enabled) s.set("StreamViewType", t.stream_view_type);
    d.set("StreamSpecification", s);
    d.set("LatestStreamLabel", t.stream_label);
    d.set("LatestStreamArn", t.stream_arn());
  }
  if (!t.sse.is_null()) d.set("SSEDescription", t.sse);
  if (t.table_class != "STANDARD") {
    Doc tc = Doc::map();
    tc.set("TableClass", t.table_class);
    d.set("TableClassSummary", tc);
  }
  d.set("DeletionProtectionEnabled", t.deletion_protection);
  if (t.restore_summary.is_map()) {
    Doc r = t.restore_summary;
    r.set("RestoreInProgress", status == "CREATING");
    d.set("RestoreSummary", r);
  }
  return d;
}

void set_billing(TableInfo& t, const Doc& in, bool creating) {
  // (BillingMode and ProvisionedThroughput members of `in`)
  std::string mode = in.str("BillingMode", creating ? "PROVISIONED" : t.billing_mode);
  const Doc* pt = in.get("ProvisionedThroughput");
  if (mode == "PAY_PER_REQUEST") {
    if (pt) throw invalid_values("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
    t.rcu = t.wcu = 0;
  } else {
    if (!pt && (creating || t.billing_mode != "PROVISIONED"))
      throw invalid_values("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
    if (pt) {
      t.rcu = pt->integer("ReadCapacityUnits");
      t.wcu = pt->integer("WriteCapacityUnits");
    }
  }
  if (!creating && mode == "PAY_PER_REQUEST" && t.billing_mode != mode) t.billing_ms = now_millis();
  t.billing_mode = mode;
}

namespace {

void set_on_demand(const Doc* od, int64_t& max_read, int64_t& max_write) {
  if (!od) return;
  if (!od->has("MaxReadRequestUnits") && !od->has("MaxWriteRequestUnits"))
    throw invalid_values("OnDemandThroughput must specify at least one of MaxReadRequestUnits or MaxWriteRequestUnits");
  auto one = [&](const char* member, int64_t& out) {
    if (!od->has(member)) return;
    int64_t v = od->integer(member);
    if (v == -1)
      out = 0;  // no maximum
    else if (v < 1 || v > kTableMaxUnits)
      throw invalid_values(std::string(member) + " must be -1 or between 1 and " + std::to_string(kTableMaxUnits) +
                           ", value: " + std::to_string(v));
    else
      out = v;
  };
  one("MaxReadRequestUnits", max_read);
  one("MaxWriteRequestUnits", max_write);
}

void set_warm(const Doc* w, int64_t& read, int64_t& write) {
  if (!w) return;
  if (!w->has("ReadUnitsPerSecond") && !w->has("WriteUnitsPerSecond"))
    throw invalid_values("WarmThroughput must specify at least one of ReadUnitsPerSecond or WriteUnitsPerSecond");
  auto one = [&](const char* member, int64_t& out, int64_t floor) {
    if (!w->has(member)) return;
    int64_t v = w->integer(member);
    int64_t current = std::max(out, floor);
    if (v < current)  // warm throughput is raised, never lowered
      throw invalid_values("Requested " + std::string(member) + " " + std::to_string(v) +
                           " is lower than the current warm throughput " + std::to_string(current));
    out = v;
  };
  one("ReadUnitsPerSecond", read, kWarmRead);
  one("WriteUnitsPerSecond", write, kWarmWrite);
}

}  // namespace

namespace {

// A new enable replaces the table's disabled stream: the old one stays readable (closed) until
// the retention period after its disabling has passed (24 h), then it is forgotten.
void retire_stream(TableInfo& t, int64_t now_ms) {
  Doc past = Doc::list();
  Doc old = Doc::map();
  old.set("label", t.stream_label);
  old.set("id", std::to_string(t.stream_id));
  old.set("view", t.stream_view_type);
  old.set("disabled", t.stream_disabled_ms ? t.stream_disabled_ms : now_ms);
  past.push(std::move(old));
  if (t.past_streams.is_list())
    for (const auto& p : t.past_streams.as_list())
      if (p.integer("disabled") + stream_retention_ms() > now_ms) past.push(p);
  t.past_streams = std::move(past);
}

void set_stream(TableInfo& t, const Doc& spec, int64_t now_ms, bool creating) {
  bool enabled = spec.flag("StreamEnabled");
  if (enabled) {
    std::string view = spec.str("StreamViewType");
    if (view.empty()) throw invalid_values("The StreamViewType must be specified when StreamEnabled is true");
    if (t.stream_enabled) throw errors::validation("Table already has an enabled stream: " + t.stream_arn());
    if (!t.stream_label.empty()) retire_stream(t, now_ms);
    t.stream_enabled = true;
    t.stream_disabled_ms = 0;
    t.stream_view_type = view;
    t.stream_label = enc::iso8601(now_ms);
    if (t.stream_label.find('.') == std::string::npos) t.stream_label.insert(t.stream_label.size() - 1, ".000");
    t.stream_label.pop_back();  // AWS labels carry no trailing 'Z'
    t.stream_id = random_id();
  } else {
    if (spec.has("StreamViewType")) throw invalid_values("The StreamViewType cannot be specified when StreamEnabled is false");
    if (!creating && !t.stream_enabled) throw errors::validation("Table already has no stream enabled");  // AWS: can't disable twice
    if (t.stream_enabled) t.stream_disabled_ms = now_ms;
    t.stream_enabled = false;
  }
}

// AWS's per-table index quotas: 5 local and 20 global secondary indexes, 100 projected
// (INCLUDE) attributes summed over all indexes.
void check_index_counts(const TableInfo& t) {
  size_t local = 0, global = 0, projected = 0;
  for (const auto& ix : t.indexes) {
    (ix.global ? global : local)++;
    projected += ix.non_key.size();
  }
  if (local > 5) throw invalid_values("Number of LocalSecondaryIndexes exceeds per-table limit of 5");
  if (global > 20)
    throw errors::limit_exceeded(
        "Subscriber limit exceeded: Number of GlobalSecondaryIndexes exceeds per-table limit of 20");
  if (projected > 100)
    throw invalid_values("The number of projected attributes in all indexes of the table exceeds the limit of 100");
}

}  // namespace

IndexInfo parse_index(const Doc& x, bool global, const std::map<std::string, Type>& defs, std::set<std::string>& used) {
  IndexInfo ix;
  ix.name = x.str("IndexName");
  check_resource_name(ix.name, "indexName");
  ix.global = global;
  ix.id = random_id();
  ix.keys = parse_key_schema(x.get("KeySchema"), defs, used, global);
  parse_projection(x.get("Projection"), ix);
  if (const Doc* pt = x.get("ProvisionedThroughput")) {
    ix.rcu = pt->integer("ReadCapacityUnits");
    ix.wcu = pt->integer("WriteCapacityUnits");
  }
  set_on_demand(x.get("OnDemandThroughput"), ix.max_read, ix.max_write);
  set_warm(x.get("WarmThroughput"), ix.warm_read, ix.warm_write);
  return ix;
}

Doc sse_description(const TableInfo& t) {
  Doc d = Doc::map();
  d.set("Status", "ENABLED");
  d.set("SSEType", "KMS");
  d.set("KMSMasterKeyArn", Arn::make("kms", t.region, t.account, "key/" + ids::uuid4()));
  return d;
}

void store(storage::Engine& e, Catalog& cat, const TableInfo& t) {
  storage::Status st = e.put(kTables, table_key(t.account, t.region, t.name), json::write(t.to_json()));
  if (!st.ok()) throw errors::internal("storage: " + st.message);
  cat.invalidate(t.account, t.region, t.name);
}

namespace {

// Writes the index entries of every existing item (UpdateTable creating a GSI).
void backfill(storage::Engine& e, const TableInfo& t, const IndexInfo& ix) {
  std::string prefix;
  append_be64(prefix, t.id);
  auto it = e.prefix(kItems, prefix);
  storage::WriteBatch batch;
  size_t n = 0;
  for (; it->valid(); it->next()) {
    Item item;
    if (!decode_item(it->value(), item)) continue;
    auto k = index_key(t, ix, item);
    if (!k) continue;
    std::string v;
    encode_item(project_for_index(t, ix, item), v);
    batch.put(kIndex, *k, v);
    count_change(batch, ix.id, 1, static_cast<int64_t>(v.size()));
    if (++n % 1000 == 0) {
      e.write(batch);
      batch = storage::WriteBatch();
    }
  }
  if (!batch.empty()) e.write(batch);
}


}  // namespace

void drop_derived_data(storage::Engine& e, const TableInfo& t) {
  drop_prefix(e, kTtl, t.id);
  for (const auto& ix : t.indexes) {
    drop_prefix(e, kIndex, ix.id);
    drop_prefix(e, kCounts, ix.id);
  }
}

void drop_table_data(storage::Engine& e, const TableInfo& t) {
  drop_prefix(e, kItems, t.id);
  drop_prefix(e, kCounts, t.id);
  drop_prefix(e, kHistory, t.id);
  drop_derived_data(e, t);
}


Doc create_table(Catalog& cat, OpContext& ctx, const Doc& in) {
  auto t = std::make_shared<TableInfo>();
  t->account = ctx.account();
  t->region = ctx.region();
  auto name = table_name_of(t->account, t->region, in.str("TableName"));
  if (!name)
    throw errors::validation("Invalid TableArn: the table ARN " + in.str("TableName") +
                             " names another account or region");
  t->name = *name;
  t->id = random_id();
  t->table_id = ids::uuid4();
  t->created_ms = ctx.now_ms;
  std::map<std::string, Type> defs;
  const Doc* ad = in.get("AttributeDefinitions");
  if (ad && ad->is_list()) {
    for (const auto& a : ad->as_list()) {
      Type ty;
      if (!type_from_name(a.str("AttributeType"), ty) || (ty != Type::S && ty != Type::N && ty != Type::B))
        throw invalid_values("Member must satisfy enum value set: [B, N, S]");
      if (!defs.emplace(a.str("AttributeName"), ty).second)
        throw invalid_values("Duplicate AttributeName found in AttributeDefinitions: " + a.str("AttributeName"));
    }
    t->attribute_definitions = *ad;
  }
  std::set<std::string> used;
  parse_key_schema(in.get("KeySchema"), defs, t->hash, t->range, used);
  std::set<std::string> index_names;
  if (const Doc* l = in.get("LocalSecondaryIndexes"); l && l->is_list()) {
    if (!t->range) throw invalid_values("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
    for (const auto& x : l->as_list()) {
      IndexInfo ix = parse_index(x, false, defs, used);
      if (ix.keys.hash[0].name != t->hash.name)
        throw invalid_values(
            "Index KeySchema does not have the same leading hash key as table KeySchema for index: " + ix.name +
            ". index hash key: " + ix.keys.hash[0].name + ", table hash key: " + t->hash.name);
      if (ix.keys.range.empty())
        throw invalid_values("Index KeySchema for local secondary index " + ix.name + " must have a range key");
      if (!index_names.insert(ix.name).second) throw invalid_values("Duplicate index name: " + ix.name);
      t->indexes.push_back(std::move(ix));
    }
  }
  if (const Doc* g = in.get("GlobalSecondaryIndexes"); g && g->is_list()) {
    for (const auto& x : g->as_list()) {
      IndexInfo ix = parse_index(x, true, defs, used);
      if (!index_names.insert(ix.name).second) throw invalid_values("Duplicate index name: " + ix.name);
      if (in.str("BillingMode") != "PAY_PER_REQUEST" && !x.has("ProvisionedThroughput"))
        throw invalid_values("ProvisionedThroughput is not specified for index: " + ix.name);
      if (in.str("BillingMode") == "PAY_PER_REQUEST" && x.has("ProvisionedThroughput"))
        throw invalid_values("ProvisionedThroughput should not be specified for index: " + ix.name +
                      " when BillingMode is PAY_PER_REQUEST");
      t->indexes.push_back(std::move(ix));
    }
  }
  check_index_counts(*t);
  if (used.size() != defs.size())
    throw invalid_values("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
  set_billing(*t, in, true);
  if (const Doc* s = in.get("StreamSpecification")) set_stream(*t, *s, ctx.now_ms, true);
  if (const Doc* sse = in.get("SSESpecification"); sse && sse->flag("Enabled")) t->sse = sse_description(*t);
  t->table_class = in.str("TableClass", "STANDARD");
  t->deletion_protection = in.flag("DeletionProtectionEnabled");
  set_on_demand(in.get("OnDemandThroughput"), t->max_read, t->max_write);
  set_warm(in.get("WarmThroughput"), t->warm_read, t->warm_write);
  t->tags = Doc::map();
  if (const Doc* tags = in.get("Tags"); tags && tags->is_list()) {
    check_tags(*tags, t->tags);
    for (const auto& tag : tags->as_list()) t->tags.set(tag.str("Key"), tag.str("Value"));
  }
  if (in.has("ResourcePolicy")) set_policy(*t, "", in.str("ResourcePolicy"), ctx.now_ms);
  // Create only if absent: a storage condition makes concurrent creates race safely.
  storage::WriteBatch b;
  std::string k = table_key(t->account, t->region, t->name);
  b.require({storage::Condition::Kind::not_exists, kTables, k, {}});
  b.put(kTables, k, json::write(t->to_json()));
  storage::Status st = ctx.storage.write(b);
  if (st.conflict()) throw errors::resource_in_use("Table already exists: " + t->name);
  if (!st.ok()) throw errors::internal("storage: " + st.message);
  cat.invalidate(t->account, t->region, t->name);
  return answer("TableDescription", describe(ctx.storage, *t, "CREATING", false));
}

Doc describe_table(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr t = cat.find(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  if (!t)
    throw errors::resource_not_found("Requested resource not found: Table: " + in.str("TableName") + " not found");
  return answer("Table", describe(ctx.storage, *t, "ACTIVE"));
}

Doc list_tables(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string prefix = table_key(ctx.account(), ctx.region(), "");
  storage::ScanOptions o;
  o.start = prefix;
  if (in.has("ExclusiveStartTableName")) o.start = prefix + in.str("ExclusiveStartTableName") + std::string(1, '\0');
  o.end = storage::prefix_end(prefix);
  paging::After page(in.integer("Limit", 100));  // ExclusiveStartTableName is the scan's start
  for (auto it = ctx.storage.scan(kTables, o); it->valid(); it->next()) {
    if (page.full()) break;
    std::string name(it->key().substr(prefix.size()));
    page.add(name, Doc(name));
  }
  return page.answer("TableNames", "LastEvaluatedTableName");
}

Doc delete_table(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr t = cat.find(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  if (!t)
    throw errors::resource_not_found("Requested resource not found: Table: " + in.str("TableName") + " not found");
  if (t->deletion_protection)
    throw errors::validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
  Doc desc = describe(ctx.storage, *t, "DELETING", false);
  {
    std::unique_lock meta(cat.meta_lock(t->id));
    std::lock_guard lock(cat.write_lock(t->id));
    t = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
    ctx.storage.del(kTables, table_key(t->account, t->region, t->name));
    cat.invalidate(t->account, t->region, t->name);
  }
  // Backups read the items and history of the deleted table: those stay until the last
  // backup is deleted (DeleteBackup).
  if (t->backups > 0) drop_derived_data(ctx.storage, *t);
  else drop_table_data(ctx.storage, *t);
  return answer("TableDescription", desc);
}

Doc update_table(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr cur = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  std::lock_guard lock(cat.write_lock(cur->id));
  cur = cat.get(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  auto t = std::make_shared<TableInfo>(*cur);
  bool changed = false;
  if (in.has("BillingMode") || in.has("ProvisionedThroughput")) {
    set_billing(*t, in, false);
    changed = true;
  }
  if (const Doc* s = in.get("StreamSpecification")) {
    set_stream(*t, *s, ctx.now_ms, false);
    changed = true;
  }
  if (in.has("DeletionProtectionEnabled")) {
    t->deletion_protection = in.flag("DeletionProtectionEnabled");
    changed = true;
  }
  if (const Doc* od = in.get("OnDemandThroughput")) {
    set_on_demand(od, t->max_read, t->max_write);
    changed = true;
  }
  if (const Doc* w = in.get("WarmThroughput")) {
    set_warm(w, t->warm_read, t->warm_write);
    changed = true;
  }
  if (in.has("TableClass")) {
    t->table_class = in.str("TableClass");
    changed = true;
  }
  std::vector<IndexInfo> created;
  if (const Doc* ad = in.get("AttributeDefinitions"); ad && ad->is_list()) {
    // Merge new definitions (for new GSIs).
    Doc merged = t->attribute_definitions.is_list() ? t->attribute_definitions : Doc::list();
    for (const auto& a : ad->as_list()) {
      bool found = false;
      for (const auto& m : merged.as_list()) found = found || m.str("AttributeName") == a.str("AttributeName");
      if (!found) merged.push(a);
    }
    t->attribute_definitions = merged;
  }
  if (const Doc* ups = in.get("GlobalSecondaryIndexUpdates"); ups && ups->is_list()) {
    // One index created or deleted per UpdateTable (the API reference).
    size_t online = 0;
    for (const auto& u : ups->as_list()) online += (u.has("Create") ? 1 : 0) + (u.has("Delete") ? 1 : 0);
    if (online > 1)
      throw errors::limit_exceeded(
          "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table");
    std::map<std::string, Type> defs;
    for (const auto& a : t->attribute_definitions.as_list()) {
      Type ty;
      if (type_from_name(a.str("AttributeType"), ty)) defs[a.str("AttributeName")] = ty;
    }
    for (const auto& u : ups->as_list()) {
      if (const Doc* c = u.get("Create")) {
        std::set<std::string> used;
        IndexInfo ix = parse_index(*c, true, defs, used);
        if (t->index(ix.name)) throw invalid_values("Index " + ix.name + " already exists");  // AWS: ResourceInUse-like
        t->indexes.push_back(ix);
        created.push_back(ix);
      } else if (const Doc* d = u.get("Delete")) {
        std::string name = d->str("IndexName");
        auto it = std::find_if(t->indexes.begin(), t->indexes.end(), [&](const IndexInfo& x) { return x.global && x.name == name; });
        if (it == t->indexes.end())
          throw errors::resource_not_found("Requested resource not found: Index: " + name + " not found");
        drop_prefix(ctx.storage, kIndex, it->id);
        t->indexes.erase(it);
      } else if (const Doc* upd = u.get("Update")) {
        auto it = std::find_if(t->indexes.begin(), t->indexes.end(), [&](const IndexInfo& x) { return x.name == upd->str("IndexName"); });
        if (it == t->indexes.end())
          throw errors::resource_not_found("Requested resource not found: Index: " + upd->str("IndexName") + " not found");
        if (const Doc* pt = upd->get("ProvisionedThroughput")) {
          it->rcu = pt->integer("ReadCapacityUnits");
          it->wcu = pt->integer("WriteCapacityUnits");
        }
        set_on_demand(upd->get("OnDemandThroughput"), it->max_read, it->max_write);
        set_warm(upd->get("WarmThroughput"), it->warm_read, it->warm_write);
      }
      changed = true;
    }
  }
  check_index_counts(*t);
  if (!changed && !in.has("AttributeDefinitions"))
    throw errors::validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  for (const auto& ix : created) backfill(ctx.storage, *t, ix);
  store(ctx.storage, cat, *t);
  return answer("TableDescription", describe(ctx.storage, *t, "UPDATING", false));
}

Doc describe_limits(Catalog& cat, OpContext&, const Doc&) {
  Doc out = Doc::map();
  out.set("AccountMaxReadCapacityUnits", kAccountMaxUnits);
  out.set("AccountMaxWriteCapacityUnits", kAccountMaxUnits);
  out.set("TableMaxReadCapacityUnits", kTableMaxUnits);
  out.set("TableMaxWriteCapacityUnits", kTableMaxUnits);
  return out;
}

Doc describe_endpoints(Catalog& cat, OpContext& ctx, const Doc&) {
  Doc e = Doc::map();
  e.set("Address", "dynamodb." + ctx.region() + ".amazonaws.com");
  e.set("CachePeriodInMinutes", 1440);
  return answer("Endpoints", DocList{e});
}

}  // namespace stratus::dynamodb
