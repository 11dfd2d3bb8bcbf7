// Archives (events kept per bus, filtered by a pattern, RetentionDays) and replays into the bus.
#include <spdlog/spdlog.h>

#include "core/arn.h"
#include "core/clock.h"
#include "core/json.h"
#include "events/queue.h"
#include "server/context.h"
#include "services/events/ops.h"
#include "services/events/schema.h"
#include "services/events/transform.h"
#include "storage/engine.h"
#include "storage/keys.h"
#include "storage/written.h"

namespace stratus::events {
namespace {

std::string archive_key(std::string_view account, std::string_view region, std::string_view name) {
  return storage::KeyBuilder().scope(account, region).str(name).take();
}

AwsError no_archive(std::string_view name) {
  return errors::resource_not_found("Archive " + std::string(name) + " does not exist.");
}

// Events and bytes of an archive.
std::pair<int64_t, int64_t> archive_size(State& st, const std::string& account, const std::string& region,
                                         const std::string& name) {
  int64_t n = 0, bytes = 0;
  auto it = st.db().prefix(schema::kArchived.name, archive_key(account, region, name));
  for (; it->valid(); it->next()) {
    ++n;
    bytes += static_cast<int64_t>(it->value().size());
  }
  return {n, bytes};
}

Doc archive_out(State& st, const std::string& account, const std::string& region, const Doc& rec, bool full) {
  Doc out = Doc::map();
  out.set("ArchiveName", rec.str("ArchiveName"));
  if (full) out.set("ArchiveArn", rec.str("ArchiveArn"));
  out.set("EventSourceArn", rec.str("EventSourceArn"));
  if (full) {
    for (const char* m : {"Description", "EventPattern", "KmsKeyIdentifier"})
      if (rec.has(m)) out.set(m, rec.str(m));
  }
  out.set("State", rec.str("State", "ENABLED"));
  out.set("RetentionDays", rec.integer("RetentionDays", 0));
  auto [n, bytes] = archive_size(st, account, region, rec.str("ArchiveName"));
  out.set("EventCount", n);
  out.set("SizeBytes", bytes);
  out.set("CreationTime", Timestamp{rec.integer("CreationTime")});
  return out;
}

Doc replay_out(const Doc& rec, bool full) {
  Doc out = Doc::map();
  out.set("ReplayName", rec.str("ReplayName"));
  if (full) out.set("ReplayArn", rec.str("ReplayArn"));
  out.set("EventSourceArn", rec.str("EventSourceArn"));
  out.set("State", rec.str("State"));
  if (rec.has("StateReason")) out.set("StateReason", rec.str("StateReason"));
  if (full && rec.has("Description")) out.set("Description", rec.str("Description"));
  if (full && rec.get("Destination")) out.set("Destination", *rec.get("Destination"));
  for (const char* m : {"EventStartTime", "EventEndTime", "EventLastReplayedTime", "ReplayStartTime", "ReplayEndTime"})
    if (rec.has(m)) out.set(m, Timestamp{rec.integer(m)});
  return out;
}

// ListArchives and ListReplays: one filter at most (NamePrefix, EventSourceArn or State), a page
// of the account's records by name.
template <class Render>
Doc list_by_source(OpContext& ctx, const Doc& in, std::string_view keyspace, const std::string& op,
                   const char* name_member, const char* list_member, Render&& render) {
  State& st = state(ctx);
  int filters = in.has("NamePrefix") + in.has("EventSourceArn") + in.has("State");
  if (filters > 1)
    throw errors::validation("At most one filter is allowed for " + op +
                             ". Use either : State, EventSourceArn, or NamePrefix.");
  return name_page(
      scan(st.db(), keyspace, storage::scope_prefix(ctx.account(), ctx.region())), in, name_member, list_member,
      [&](const Doc& rec) {
        return (!in.has("EventSourceArn") || rec.str("EventSourceArn") == in.str("EventSourceArn")) &&
               (!in.has("State") || rec.str("State") == in.str("State"));
      },
      render);
}

}  // namespace

Doc create_archive(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("ArchiveName"), source = in.str("EventSourceArn");
  check_name(name, "archiveName");
  auto arn = Arn::parse(source);
  if (!arn || arn->service != "events" || arn->resource.rfind("event-bus/", 0) != 0)
    throw errors::validation("Parameter EventSourceArn is not valid. Reason: Provided Arn is not in correct format.");
  if (arn->account != ctx.account() || arn->region != ctx.region() ||
      !st.bus(ctx.account(), ctx.region(), bus_name_of(source)))
    throw no_bus(bus_name_of(source));
  if (in.has("EventPattern")) check_pattern(st, in.str("EventPattern"));
  if (in.integer("RetentionDays", 0) < 0)
    throw errors::validation("Parameter RetentionDays is not valid. Reason: RetentionDays must be 0 or more.");
  std::lock_guard lk(st.mu());
  std::string key = archive_key(ctx.account(), ctx.region(), name);
  if (load(st.db(), schema::kArchives.name, key))
    throw errors::resource_already_exists("Archive " + name + " already exists.");
  Doc rec = Doc::map();
  rec.set("ArchiveName", name);
  rec.set("ArchiveArn", Arn::make("events", ctx.region(), ctx.account(), "archive/" + name));
  rec.set("EventSourceArn", source);
  for (const char* m : {"Description", "EventPattern", "KmsKeyIdentifier"})
    if (in.has(m)) rec.set(m, in.str(m));
  rec.set("RetentionDays", in.integer("RetentionDays", 0));
  rec.set("State", "ENABLED");
  rec.set("CreationTime", ctx.now_ms);
  save(st.db(), schema::kArchives.name, key, rec);
  Doc out = Doc::map();
  out.set("ArchiveArn", rec.str("ArchiveArn"));
  out.set("State", "ENABLED");
  out.set("CreationTime", Timestamp{ctx.now_ms});
  return out;
}

Doc describe_archive(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  auto rec = load(st.db(), schema::kArchives.name, archive_key(ctx.account(), ctx.region(), in.str("ArchiveName")));
  if (!rec) throw no_archive(in.str("ArchiveName"));
  return archive_out(st, ctx.account(), ctx.region(), *rec, true);
}

Doc list_archives(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  return list_by_source(ctx, in, schema::kArchives.name, "ListArchives", "ArchiveName", "Archives",
                        [&](const Doc& rec) { return archive_out(st, ctx.account(), ctx.region(), rec, false); });
}

Doc update_archive(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("ArchiveName");
  if (in.has("EventPattern")) check_pattern(st, in.str("EventPattern"));
  std::lock_guard lk(st.mu());
  std::string key = archive_key(ctx.account(), ctx.region(), name);
  auto rec = load(st.db(), schema::kArchives.name, key);
  if (!rec) throw no_archive(name);
  for (const char* m : {"Description", "EventPattern", "KmsKeyIdentifier"})
    if (in.has(m)) rec->set(m, in.str(m));
  if (in.has("RetentionDays")) rec->set("RetentionDays", in.integer("RetentionDays"));
  save(st.db(), schema::kArchives.name, key, *rec);
  Doc out = Doc::map();
  out.set("ArchiveArn", rec->str("ArchiveArn"));
  out.set("State", rec->str("State", "ENABLED"));
  out.set("CreationTime", Timestamp{rec->integer("CreationTime")});
  return out;
}

Doc delete_archive(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("ArchiveName");
  std::lock_guard lk(st.mu());
  std::string key = archive_key(ctx.account(), ctx.region(), name);
  if (!load(st.db(), schema::kArchives.name, key)) throw no_archive(name);
  storage::WriteBatch b;
  b.del(schema::kArchives.name, key);
  auto it = st.db().prefix(schema::kArchived.name, key);
  for (; it->valid(); it->next()) b.del(schema::kArchived.name, it->key());
  storage::written(st.db().write(b));
  return Doc::map();
}

// Deletes archived events past their archive's RetentionDays (0 keeps them).
void sweep_archives(State& st, int64_t now_ms, int64_t day_ms) {
  for (auto& [key, rec] : scan(st.db(), schema::kArchives.name, "")) {
    int64_t days = rec.integer("RetentionDays", 0);
    if (days <= 0) continue;
    int64_t cutoff = now_ms - days * day_ms;
    storage::WriteBatch b;
    auto it = st.db().prefix(schema::kArchived.name, key);
    for (; it->valid(); it->next()) {
      storage::KeyReader r(it->key().substr(key.size()));
      if (static_cast<int64_t>(r.u64()) >= cutoff) break;
      b.del(schema::kArchived.name, it->key());
    }
    if (!b.empty()) (void)st.db().write(b);
  }
}

Doc start_replay(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("ReplayName"), source = in.str("EventSourceArn");
  check_name(name, "replayName");
  auto arn = Arn::parse(source);
  if (!arn || arn->service != "events" || arn->resource.rfind("archive/", 0) != 0)
    throw errors::validation("Parameter EventSourceArn is not valid. Reason: Provided Arn is not in correct format.");
  std::string archive = arn->resource.substr(8);
  auto ar = load(st.db(), schema::kArchives.name, archive_key(ctx.account(), ctx.region(), archive));
  if (!ar || arn->account != ctx.account()) throw no_archive(archive);
  int64_t start = in.get("EventStartTime")->as_timestamp().millis;
  int64_t end = in.get("EventEndTime")->as_timestamp().millis;
  if (start >= end)
    throw errors::validation(
        "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.");
  if (end > ctx.now_ms)
    throw errors::validation("Parameter EventEndTime is not valid. Reason: EventEndTime cannot be in the future.");
  const Doc* dest = in.get("Destination");
  if (!dest || dest->str("Arn") != ar->str("EventSourceArn"))
    throw errors::validation(
        "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.");
  std::lock_guard lk(st.mu());
  std::string key = archive_key(ctx.account(), ctx.region(), name);
  if (load(st.db(), schema::kReplays.name, key))
    throw errors::resource_already_exists("Replay " + name + " already exists.");
  int active = 0;
  for (auto& [k, r] : scan(st.db(), schema::kReplays.name, storage::scope_prefix(ctx.account(), ctx.region()))) {
    std::string s = r.str("State");
    active += s == "STARTING" || s == "RUNNING" || s == "CANCELLING";
  }
  if (active >= 10) throw errors::limit_exceeded("The requested resource exceeds the maximum number allowed.");
  Doc rec = Doc::map();
  rec.set("ReplayName", name);
  rec.set("ReplayArn", Arn::make("events", ctx.region(), ctx.account(), "replay/" + name));
  rec.set("EventSourceArn", source);
  if (in.has("Description")) rec.set("Description", in.str("Description"));
  rec.set("Destination", *dest);
  rec.set("EventStartTime", start);
  rec.set("EventEndTime", end);
  rec.set("ReplayStartTime", ctx.now_ms);
  rec.set("State", "STARTING");
  save(st.db(), schema::kReplays.name, key, rec);
  Doc p = Doc::map();
  p.set("account", ctx.account());
  p.set("region", ctx.region());
  p.set("name", name);
  storage::written(st.server().events().enqueue(kReplayTopic, json::write(p)));
  Doc out = Doc::map();
  out.set("ReplayArn", rec.str("ReplayArn"));
  out.set("State", "STARTING");
  out.set("ReplayStartTime", Timestamp{ctx.now_ms});
  return out;
}

void run_replay(State& st, const std::string& account, const std::string& region, const std::string& name) {
  std::string key = archive_key(account, region, name);
  auto set_state = [&](const char* s, int64_t last) -> std::optional<Doc> {
    std::lock_guard lk(st.mu());
    auto rec = load(st.db(), schema::kReplays.name, key);
    if (!rec) return std::nullopt;
    std::string cur = rec->str("State");
    if (cur == "CANCELLING" || cur == "CANCELLED") s = "CANCELLED";
    rec->set("State", s);
    if (last) rec->set("EventLastReplayedTime", last);
    if (std::string_view(s) == "COMPLETED" || std::string_view(s) == "CANCELLED")
      rec->set("ReplayEndTime", now_millis());
    save(st.db(), schema::kReplays.name, key, *rec);
    return rec;
  };
  auto rec = set_state("RUNNING", 0);
  if (!rec || rec->str("State") == "CANCELLED") return;
  auto src = Arn::parse(rec->str("EventSourceArn"));
  if (!src) return;
  std::string archive = src->resource.substr(8);
  std::vector<std::string> only;
  if (const Doc* d = rec->get("Destination"); d && d->get("FilterArns") && d->get("FilterArns")->is_list())
    for (const Doc& a : d->get("FilterArns")->as_list()) only.push_back(a.as_string());
  int64_t start = rec->integer("EventStartTime"), end = rec->integer("EventEndTime");
  std::string prefix = archive_key(account, region, archive);
  storage::ScanOptions so;
  so.start = storage::KeyBuilder().raw(prefix).u64(static_cast<uint64_t>(start)).take();
  so.end = storage::KeyBuilder().raw(prefix).u64(static_cast<uint64_t>(end) + 1).take();  // inclusive
  auto it = st.db().scan(schema::kArchived.name, so);
  int64_t last = 0;
  for (; it->valid(); it->next()) {
    std::string event(it->value());
    Entry e = entry_of(event, rec->get("Destination")->str("Arn"));
    auto r = st.publish(account, region, std::move(e), name, only);
    if (!r) spdlog::warn("events: replay {}: {}", name, r.error().message);
    storage::KeyReader kr(it->key().substr(prefix.size()));
    last = static_cast<int64_t>(kr.u64());
  }
  set_state("COMPLETED", last);
}

Doc describe_replay(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  auto rec = load(st.db(), schema::kReplays.name, archive_key(ctx.account(), ctx.region(), in.str("ReplayName")));
  if (!rec) throw errors::resource_not_found("Replay " + in.str("ReplayName") + " does not exist.");
  return replay_out(*rec, true);
}

Doc list_replays(OpContext& ctx, const Doc& in) {
  return list_by_source(ctx, in, schema::kReplays.name, "ListReplays", "ReplayName", "Replays",
                        [](const Doc& rec) { return replay_out(rec, false); });
}

Doc cancel_replay(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("ReplayName");
  std::lock_guard lk(st.mu());
  std::string key = archive_key(ctx.account(), ctx.region(), name);
  auto rec = load(st.db(), schema::kReplays.name, key);
  if (!rec) throw errors::resource_not_found("Replay " + name + " does not exist.");
  std::string s = rec->str("State");
  if (s != "STARTING" && s != "RUNNING")
    throw errors::illegal_status("Replay " + name + " is not in a valid state for this operation.");
  rec->set("State", "CANCELLING");
  save(st.db(), schema::kReplays.name, key, *rec);
  Doc out = Doc::map();
  out.set("ReplayArn", rec->str("ReplayArn"));
  out.set("State", "CANCELLING");
  return out;
}

}  // namespace stratus::events
