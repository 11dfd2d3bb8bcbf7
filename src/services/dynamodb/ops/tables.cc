// Table operations: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, limits and
// endpoints (tags: tags.cc, time to live: ttl.cc).
#include <random>
#include <set>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"
#include "services/dynamodb/api.h"

namespace stratus::dynamodb {

uint64_t random_id() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(now_millis()));
  uint64_t v;
  do v = rng();
  while (v == 0);
  return v;
}

namespace {


std::string join_names(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

void parse_key_schema(const Doc* ks, const std::map<std::string, Type>& defs, KeyDef& hash,
                      std::optional<KeyDef>& range, std::set<std::string>& used) {
  if (!ks || !ks->is_list() || ks->as_list().empty()) throw errors::validation("Invalid KeySchema: Some index key attribute have no definition");
  const auto& l = ks->as_list();
  if (l.size() > 2) throw errors::validation("Invalid KeySchema: Too many key schema elements");
  if (l[0].str("KeyType") != "HASH") throw errors::validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  if (l.size() == 2) {
    if (l[1].str("KeyType") != "RANGE") throw errors::validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    if (l[0].str("AttributeName") == l[1].str("AttributeName"))
      throw errors::validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
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
  hash = KeyDef{l[0].str("AttributeName"), defs.at(l[0].str("AttributeName"))};
  used.insert(hash.name);
  if (l.size() == 2) {
    range = KeyDef{l[1].str("AttributeName"), defs.at(l[1].str("AttributeName"))};
    used.insert(range->name);
  }
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

Doc key_schema_doc(const KeyDef& h, const std::optional<KeyDef>& r) {
  Doc l = Doc::list();
  Doc a = Doc::map();
  a.set("AttributeName", h.name);
  a.set("KeyType", "HASH");
  l.push(a);
  if (r) {
    Doc b = Doc::map();
    b.set("AttributeName", r->name);
    b.set("KeyType", "RANGE");
    l.push(b);
  }
  return l;
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
  d.set("KeySchema", key_schema_doc(t.hash, t.range));
  d.set("TableStatus", status);
  d.set("CreationDateTime", Timestamp{t.created_ms});
  d.set("ProvisionedThroughput", throughput_doc(t.rcu, t.wcu));
  Counts c = counts ? read_counts(e, t.id) : Counts{};
  d.set("TableSizeBytes", c.bytes);
  d.set("ItemCount", c.items);
  d.set("TableArn", t.arn());
  d.set("TableId", t.table_id);
  if (t.billing_mode == "PAY_PER_REQUEST") {
    Doc b = Doc::map();
    b.set("BillingMode", "PAY_PER_REQUEST");
    b.set("LastUpdateToPayPerRequestDateTime", Timestamp{t.created_ms});
    d.set("BillingModeSummary", b);
  }
  Doc gsis = Doc::list(), lsis = Doc::list();
  for (const auto& ix : t.indexes) {
    Doc x = Doc::map();
    x.set("IndexName", ix.name);
    x.set("KeySchema", key_schema_doc(ix.hash, ix.range));
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
  t.billing_mode = mode;
}

namespace {

void set_stream(TableInfo& t, const Doc& spec, int64_t now_ms, bool creating) {
  bool enabled = spec.flag("StreamEnabled");
  if (enabled) {
    std::string view = spec.str("StreamViewType");
    if (view.empty()) throw invalid_values("The StreamViewType must be specified when StreamEnabled is true");
    if (t.stream_enabled) throw errors::validation("Table already has an enabled stream: " + t.stream_arn());
    t.stream_enabled = true;
    t.stream_view_type = view;
    t.stream_label = enc::iso8601(now_ms);
    if (t.stream_label.find('.') == std::string::npos) t.stream_label.insert(t.stream_label.size() - 1, ".000");
    t.stream_label.pop_back();  // AWS labels carry no trailing 'Z'
    t.stream_id = random_id();
  } else {
    if (spec.has("StreamViewType")) throw invalid_values("The StreamViewType cannot be specified when StreamEnabled is false");
    if (!creating && !t.stream_enabled) throw errors::validation("Table already has no stream enabled");  // AWS: can't disable twice
    t.stream_enabled = false;
  }
}

}  // namespace

IndexInfo parse_index(const Doc& x, bool global, const std::map<std::string, Type>& defs, std::set<std::string>& used) {
  IndexInfo ix;
  ix.name = x.str("IndexName");
  ix.global = global;
  ix.id = random_id();
  parse_key_schema(x.get("KeySchema"), defs, ix.hash, ix.range, used);
  parse_projection(x.get("Projection"), ix);
  if (const Doc* pt = x.get("ProvisionedThroughput")) {
    ix.rcu = pt->integer("ReadCapacityUnits");
    ix.wcu = pt->integer("WriteCapacityUnits");
  }
  return ix;
}

Doc sse_description(const TableInfo& t) {
  Doc d = Doc::map();
  d.set("Status", "ENABLED");
  d.set("SSEType", "KMS");
  d.set("KMSMasterKeyArn", "arn:aws:kms:" + t.region + ":" + t.account + ":key/" + ids::uuid4());
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
  t->name = in.str("TableName");
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
      if (ix.hash.name != t->hash.name)
        throw invalid_values("Index KeySchema does not have the same leading hash key as table KeySchema for index: " + ix.name +
                      ". index hash key: " + ix.hash.name + ", table hash key: " + t->hash.name);
      if (!ix.range) throw invalid_values("Index KeySchema for local secondary index " + ix.name + " must have a range key");
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
  if (used.size() != defs.size())
    throw invalid_values("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
  set_billing(*t, in, true);
  if (const Doc* s = in.get("StreamSpecification")) set_stream(*t, *s, ctx.now_ms, true);
  if (const Doc* sse = in.get("SSESpecification"); sse && sse->flag("Enabled")) t->sse = sse_description(*t);
  t->table_class = in.str("TableClass", "STANDARD");
  t->deletion_protection = in.flag("DeletionProtectionEnabled");
  t->tags = Doc::map();
  if (const Doc* tags = in.get("Tags"); tags && tags->is_list())
    for (const auto& tag : tags->as_list()) t->tags.set(tag.str("Key"), tag.str("Value"));
  // Create only if absent: a storage condition makes concurrent creates race safely.
  storage::WriteBatch b;
  std::string k = table_key(t->account, t->region, t->name);
  b.require({storage::Condition::Kind::not_exists, kTables, k, {}});
  b.put(kTables, k, json::write(t->to_json()));
  storage::Status st = ctx.storage.write(b);
  if (st.conflict()) throw errors::resource_in_use("Table already exists: " + t->name);
  if (!st.ok()) throw errors::internal("storage: " + st.message);
  cat.invalidate(t->account, t->region, t->name);
  Doc out = Doc::map();
  out.set("TableDescription", describe(ctx.storage, *t, "CREATING", false));
  return out;
}

Doc describe_table(Catalog& cat, OpContext& ctx, const Doc& in) {
  TablePtr t = cat.find(ctx.storage, ctx.account(), ctx.region(), in.str("TableName"));
  if (!t)
    throw errors::resource_not_found("Requested resource not found: Table: " + in.str("TableName") + " not found");
  Doc out = Doc::map();
  out.set("Table", describe(ctx.storage, *t, "ACTIVE"));
  return out;
}

Doc list_tables(Catalog& cat, OpContext& ctx, const Doc& in) {
  int64_t limit = in.integer("Limit", 100);
  std::string prefix = table_key(ctx.account(), ctx.region(), "");
  storage::ScanOptions o;
  o.start = prefix;
  if (in.has("ExclusiveStartTableName")) o.start = prefix + in.str("ExclusiveStartTableName") + std::string(1, '\0');
  o.end = storage::prefix_end(prefix);
  auto it = ctx.storage.scan(kTables, o);
  Doc names = Doc::list();
  std::string last;
  bool more = false;
  for (; it->valid(); it->next()) {
    if (static_cast<int64_t>(names.as_list().size()) >= limit) {
      more = true;
      break;
    }
    last = std::string(it->key().substr(prefix.size()));
    names.push(last);
  }
  Doc out = Doc::map();
  out.set("TableNames", names);
  if (more) out.set("LastEvaluatedTableName", last);
  return out;
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
  Doc out = Doc::map();
  out.set("TableDescription", desc);
  return out;
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
      }
      changed = true;
    }
  }
  if (!changed && !in.has("AttributeDefinitions"))
    throw errors::validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  for (const auto& ix : created) backfill(ctx.storage, *t, ix);
  store(ctx.storage, cat, *t);
  Doc out = Doc::map();
  out.set("TableDescription", describe(ctx.storage, *t, "UPDATING", false));
  return out;
}

Doc describe_limits(Catalog& cat, OpContext&, const Doc&) {
  Doc out = Doc::map();
  out.set("AccountMaxReadCapacityUnits", 80000);
  out.set("AccountMaxWriteCapacityUnits", 80000);
  out.set("TableMaxReadCapacityUnits", 40000);
  out.set("TableMaxWriteCapacityUnits", 40000);
  return out;
}

Doc describe_endpoints(Catalog& cat, OpContext& ctx, const Doc&) {
  Doc e = Doc::map();
  e.set("Address", "dynamodb." + ctx.region() + ".amazonaws.com");
  e.set("CachePeriodInMinutes", 1440);
  Doc out = Doc::map();
  out.set("Endpoints", DocList{e});
  return out;
}

}  // namespace stratus::dynamodb
