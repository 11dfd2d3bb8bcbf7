// Event buses: create/describe/delete/list/update, and their resource policies
// (PutPermission/RemovePermission or a whole Policy).
#include "core/json.h"
#include "core/tags.h"
#include "services/events/ops.h"
#include "services/events/schema.h"
#include "storage/engine.h"
#include "storage/keys.h"

namespace stratus::events {
namespace {

Doc bus_out(const Doc& rec, bool with_policy) {
  Doc out = Doc::map();
  out.set("Name", rec.str("Name"));
  out.set("Arn", rec.str("Arn"));
  for (const char* m : {"Description", "KmsKeyIdentifier"})
    if (rec.has(m)) out.set(m, rec.str(m));
  for (const char* m : {"DeadLetterConfig", "LogConfig"})
    if (const Doc* v = rec.get(m)) out.set(m, *v);
  if (with_policy && rec.has("Policy")) out.set("Policy", rec.str("Policy"));
  if (rec.has("CreationTime")) {
    out.set("CreationTime", Timestamp{rec.integer("CreationTime")});
    out.set("LastModifiedTime", Timestamp{rec.integer("LastModifiedTime", rec.integer("CreationTime"))});
  }
  return out;
}

// A read-modify-write of a bus record under the state's lock: `change` edits it; the record is
// saved with LastModifiedTime (and CreationTime when it had none) and returned.
template <class Change>
Doc modify_bus(OpContext& ctx, const std::string& name, Change&& change) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu());
  auto rec = st.bus(ctx.account(), ctx.region(), name);
  if (!rec) throw no_bus(name);
  change(*rec);
  rec->set("LastModifiedTime", ctx.now_ms);
  if (!rec->has("CreationTime")) rec->set("CreationTime", ctx.now_ms);
  save(st.db(), schema::kBuses.name, bus_key(ctx.account(), ctx.region(), name), *rec);
  return std::move(*rec);
}

}  // namespace

Doc create_event_bus(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("Name");
  check_name(name, "name", true);
  if (name.find('/') != std::string::npos && !in.has("EventSourceName"))
    throw errors::validation("Event bus name must not contain '/'.");
  if (in.has("EventSourceName"))
    throw errors::resource_not_found("Event source " + in.str("EventSourceName") + " does not exist.");
  std::lock_guard lk(st.mu());
  if (name == "default" || st.bus(ctx.account(), ctx.region(), name))
    throw errors::resource_already_exists("Event bus " + name + " already exists.");
  Doc rec = Doc::map();
  rec.set("Name", name);
  rec.set("Arn", bus_arn(ctx.account(), ctx.region(), name));
  for (const char* m : {"Description", "KmsKeyIdentifier"})
    if (in.has(m)) rec.set(m, in.str(m));
  for (const char* m : {"DeadLetterConfig", "LogConfig"})
    if (const Doc* v = in.get(m)) rec.set(m, *v);
  Doc tags = Doc::list();
  tags::merge_list(tags, in.get("Tags"));
  rec.set("Tags", std::move(tags));
  rec.set("CreationTime", ctx.now_ms);
  rec.set("LastModifiedTime", ctx.now_ms);
  save(st.db(), schema::kBuses.name, bus_key(ctx.account(), ctx.region(), name), rec);
  Doc out = Doc::map();
  out.set("EventBusArn", rec.str("Arn"));
  for (const char* m : {"Description", "KmsKeyIdentifier"})
    if (rec.has(m)) out.set(m, rec.str(m));
  for (const char* m : {"DeadLetterConfig", "LogConfig"})
    if (const Doc* v = rec.get(m)) out.set(m, *v);
  return out;
}

Doc describe_event_bus(OpContext& ctx, const Doc& in) {
  std::string name = bus_name_of(in.str("Name"));
  auto rec = state(ctx).bus(ctx.account(), ctx.region(), name);
  if (!rec) throw no_bus(name);
  return bus_out(*rec, true);
}

Doc update_event_bus(OpContext& ctx, const Doc& in) {
  std::string name = bus_name_of(in.str("Name"));
  Doc rec = modify_bus(ctx, name, [&](Doc& bus) {
    for (const char* m : {"Description", "KmsKeyIdentifier"})
      if (in.has(m)) bus.set(m, in.str(m));
    for (const char* m : {"DeadLetterConfig", "LogConfig"})
      if (const Doc* v = in.get(m)) bus.set(m, *v);
  });
  Doc out = bus_out(rec, false);
  out.as_map().erase("CreationTime");
  out.as_map().erase("LastModifiedTime");
  return out;
}

Doc delete_event_bus(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = bus_name_of(in.str("Name"));
  if (name == "default") throw errors::validation("Cannot delete event bus default.");
  std::lock_guard lk(st.mu());
  storage::WriteBatch b;
  b.del(schema::kBuses.name, bus_key(ctx.account(), ctx.region(), name));
  for (auto& [key, rule] : scan(st.db(), schema::kRules.name, bus_key(ctx.account(), ctx.region(), name)))
    b.del(schema::kRules.name, key);
  auto s = st.db().write(b);
  if (!s.ok()) throw stratus::errors::internal(s.message);
  return Doc::map();
}

Doc list_event_buses(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::map<std::string, Doc> buses;
  buses.emplace("default", *st.bus(ctx.account(), ctx.region(), "default"));
  for (auto& [key, rec] : scan(st.db(), schema::kBuses.name, storage::scope_prefix(ctx.account(), ctx.region())))
    buses.insert_or_assign(rec.str("Name"), rec);
  return name_page(
      std::vector<std::pair<std::string, Doc>>(buses.begin(), buses.end()), in, "Name", "EventBuses",
      [](const Doc&) { return true; }, [](const Doc& rec) { return bus_out(rec, true); });
}

Doc put_permission(OpContext& ctx, const Doc& in) {
  std::string name = bus_name_of(in.str("EventBusName"));
  modify_bus(ctx, name, [&](Doc& bus) {
    if (in.has("Policy")) {
      if (in.has("StatementId") || in.has("Principal") || in.has("Action") || in.has("Condition"))
        throw errors::validation("Policy can not be used with other parameters.");
      Doc policy;
      try {
        policy = json::parse(in.str("Policy"));
      } catch (const AwsError&) {
        throw errors::validation("Policy is not valid JSON.");
      }
      if (!policy.is_map() || !policy.get("Statement")) throw errors::validation("Policy must contain Statement.");
      if (in.str("Policy").size() > 10240) throw errors::policy_length_exceeded("Policy length exceeded.");
      bus.set("Policy", in.str("Policy"));
    } else {
      std::string sid = in.str("StatementId"), principal = in.str("Principal"), action = in.str("Action");
      if (sid.empty() || principal.empty() || action.empty())
        throw errors::validation("One or more of Action, Principal, StatementId is missing.");
      if (action != "events:PutEvents")
        throw errors::validation("Provided value in parameter 'action' is not supported.");
      if (principal != "*" &&
          (principal.size() != 12 || principal.find_first_not_of("0123456789") != std::string::npos))
        throw errors::validation("Value " + principal + " at 'principal' failed to satisfy constraint.");
      Doc policy = bus.has("Policy") ? json::parse(bus.str("Policy")) : Doc::map();
      if (!policy.has("Version")) policy.set("Version", "2012-10-17");
      Doc stmts =
          policy.get("Statement") && policy.get("Statement")->is_list() ? *policy.get("Statement") : Doc::list();
      Doc kept = Doc::list();
      for (const Doc& s : stmts.as_list())
        if (s.str("Sid") != sid) kept.push(s);
      Doc s = Doc::map();
      s.set("Sid", sid);
      s.set("Effect", "Allow");
      if (principal == "*")
        s.set("Principal", "*");
      else
        s.set("Principal", answer("AWS", "arn:aws:iam::" + principal + ":root"));
      s.set("Action", action);
      s.set("Resource", bus.str("Arn"));
      if (const Doc* c = in.get("Condition")) {
        Doc cond = Doc::map();
        cond.set(c->str("Type") == "StringEquals" ? "StringEquals" : c->str("Type"),
                 answer(c->str("Key"), c->str("Value")));
        s.set("Condition", std::move(cond));
      }
      kept.push(std::move(s));
      policy.set("Statement", std::move(kept));
      bus.set("Policy", json::write(policy));
    }
  });
  return Doc::map();
}

Doc remove_permission(OpContext& ctx, const Doc& in) {
  std::string name = bus_name_of(in.str("EventBusName"));
  modify_bus(ctx, name, [&](Doc& bus) {
    if (in.flag("RemoveAllPermissions")) {
      bus.as_map().erase("Policy");
    } else {
      std::string sid = in.str("StatementId");
      if (sid.empty()) throw errors::validation("Either StatementId or RemoveAllPermissions must be specified.");
      if (!bus.has("Policy")) throw errors::resource_not_found("EventBus does not have a policy.");
      Doc policy = json::parse(bus.str("Policy"));
      Doc kept = Doc::list();
      bool found = false;
      if (const Doc* stmts = policy.get("Statement"); stmts && stmts->is_list()) {
        for (const Doc& s : stmts->as_list()) {
          if (s.str("Sid") == sid)
            found = true;
          else
            kept.push(s);
        }
      }
      if (!found) throw errors::resource_not_found("Statement with the provided id does not exist.");
      if (kept.size() == 0) {
        bus.as_map().erase("Policy");
      } else {
        policy.set("Statement", std::move(kept));
        bus.set("Policy", json::write(policy));
      }
    }
  });
  return Doc::map();
}

}  // namespace stratus::events
