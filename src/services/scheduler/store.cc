#include "services/scheduler/store.h"

#include <algorithm>
#include <limits>

#include "core/json.h"
#include "services/scheduler/schema.h"
#include "storage/keys.h"
#include "storage/written.h"

namespace stratus::scheduler {

namespace es = events::schedule;

std::string group_arn(std::string_view account, std::string_view region, std::string_view group) {
  return "arn:aws:scheduler:" + std::string(region) + ":" + std::string(account) + ":schedule-group/" +
         std::string(group);
}

std::string schedule_arn(const Id& id) {
  return "arn:aws:scheduler:" + id.region + ":" + id.account + ":schedule/" + id.group + "/" + id.name;
}

std::string Store::group_key(std::string_view account, std::string_view region, std::string_view name) {
  return storage::KeyBuilder().scope(account, region).str(name).take();
}

std::string Store::schedule_key(const Id& id) {
  return storage::KeyBuilder().scope(id.account, id.region).str(id.group).str(id.name).take();
}

std::string Store::due_key(int64_t ms, const Id& id) {
  return storage::KeyBuilder()
      .u64(static_cast<uint64_t>(std::max<int64_t>(ms, 0)))
      .str(id.account)
      .str(id.region)
      .str(id.group)
      .str(id.name)
      .take();
}

Id Store::due_id(std::string_view key, int64_t* ms) {
  storage::KeyReader r(key);
  *ms = static_cast<int64_t>(r.u64());
  Id id;
  id.account = r.str();
  id.region = r.str();
  id.group = r.str();
  id.name = r.str();
  return id;
}

std::string Store::invocation_key(int64_t ms, std::string_view execution_id) {
  return storage::KeyBuilder().u64(static_cast<uint64_t>(std::max<int64_t>(ms, 0))).str(execution_id).take();
}

static std::optional<Doc> read_json(storage::Engine& db, std::string_view ks, const std::string& key) {
  std::string v;
  if (!db.get(ks, key, &v).ok()) return std::nullopt;
  return json::parse(v);
}

std::optional<Doc> Store::group(std::string_view account, std::string_view region, std::string_view name) {
  return read_json(db_, schema::kGroups.name, group_key(account, region, name));
}

void Store::ensure_default(std::string_view account, std::string_view region, int64_t now) {
  const std::string key = group_key(account, region, kDefaultGroup);
  std::string v;
  if (db_.get(schema::kGroups.name, key, &v).ok()) return;
  Doc g = Doc::map();
  g.set("Name", kDefaultGroup);
  g.set("Arn", group_arn(account, region, kDefaultGroup));
  g.set("State", "ACTIVE");
  g.set("CreationDate", now);
  g.set("LastModificationDate", now);
  g.set("Tags", Doc::list());
  storage::written(db_.put(schema::kGroups.name, key, json::write(g)));
}

std::vector<Doc> Store::groups(std::string_view account, std::string_view region, int64_t now) {
  {
    std::lock_guard lk(mu_);
    ensure_default(account, region, now);
  }
  std::vector<Doc> out;
  for (auto it = db_.prefix(schema::kGroups.name, storage::scope_prefix(account, region)); it->valid(); it->next())
    out.push_back(json::parse(it->value()));
  return out;
}

std::optional<Doc> Store::schedule(const Id& id) {
  return read_json(db_, schema::kSchedules.name, schedule_key(id));
}

std::vector<Doc> Store::schedules(std::string_view account, std::string_view region, std::string_view group) {
  std::string prefix = storage::scope_prefix(account, region);
  if (!group.empty()) prefix = storage::KeyBuilder().scope(account, region).str(group).take();
  std::vector<Doc> out;
  for (auto it = db_.prefix(schema::kSchedules.name, prefix); it->valid(); it->next())
    out.push_back(json::parse(it->value()));
  return out;
}

static Id id_of(const Doc& rec, const Id& base) {
  Id id = base;
  id.group = rec.str("GroupName");
  id.name = rec.str("Name");
  return id;
}

void Store::stage_schedule(storage::WriteBatch& b, const Id& id, const Doc& rec, std::optional<int64_t> old_next) {
  b.put(schema::kSchedules.name, schedule_key(id), json::write(rec));
  if (old_next) b.del(schema::kDue.name, due_key(*old_next, id));
  if (const Doc* n = rec.get("Next"); n && rec.str("State") == "ENABLED")
    b.put(schema::kDue.name, due_key(n->as_int(), id), std::string());
}

void Store::stage_delete(storage::WriteBatch& b, const Id& id, const Doc& rec) {
  b.del(schema::kSchedules.name, schedule_key(id));
  if (const Doc* n = rec.get("Next")) b.del(schema::kDue.name, due_key(n->as_int(), id_of(rec, id)));
}

void Store::write(const storage::WriteBatch& b) {
  storage::written(db_.write(b));
}

// ---- timing ----

std::optional<Timing> Timing::of(const Doc& rec) {
  auto p = es::parse(rec.str("ScheduleExpression"));
  if (!p.expr) return std::nullopt;
  Timing t;
  t.expr = *p.expr;
  t.zone = events::tz::find(rec.str("ScheduleExpressionTimezone", "UTC"));
  if (!t.zone) return std::nullopt;
  if (t.expr.recurring()) {
    if (const Doc* s = rec.get("StartDate")) t.start = s->as_int();
    if (const Doc* e = rec.get("EndDate")) t.end = e->as_int();
  }
  t.anchor = rec.integer("Anchor");
  return t;
}

static std::optional<int64_t> bounded(const Timing& t, std::optional<int64_t> v) {
  if (v && t.end && *v > *t.end) return std::nullopt;
  return v;
}

std::optional<int64_t> first_fire(const Timing& t, int64_t now) {
  if (!t.expr.recurring()) return es::next_fire(t.expr, *t.zone, std::numeric_limits<int64_t>::min() / 4, 0);
  const int64_t from = std::max(now, t.start.value_or(now));
  return bounded(t, es::next_fire(t.expr, *t.zone, from - 1, t.anchor));
}

Fire catch_up(const Timing& t, int64_t due, int64_t now, int64_t max_age_ms) {
  Fire f;
  if (!t.expr.recurring()) {
    if (now - due <= max_age_ms) f.invoke = due;
    return f;
  }
  // The latest occurrence not after now, searched from the due time (or, when that is older than
  // the event age, from the start of the age window: older occurrences are dropped).
  std::optional<int64_t> last = due;
  if (now - due > max_age_ms) {
    last = bounded(t, es::next_fire(t.expr, *t.zone, now - max_age_ms - 1, t.anchor));
    if (last && *last > now) last.reset();
  }
  if (last) {
    for (int i = 0; i < 5000; ++i) {
      auto n = bounded(t, es::next_fire(t.expr, *t.zone, *last, t.anchor));
      if (!n || *n > now) break;
      last = n;
    }
  }
  f.invoke = last;
  f.next = bounded(t, es::next_fire(t.expr, *t.zone, std::max(last.value_or(now), now), t.anchor));
  return f;
}

}  // namespace stratus::scheduler
