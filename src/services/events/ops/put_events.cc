// PutEvents and TestEventPattern.
#include "core/arn.h"
#include "core/encoding.h"
#include "core/json.h"
#include "services/events/ops.h"
#include "services/events/transform.h"
#include "storage/engine.h"

namespace stratus::events {
namespace {

Doc failed(const std::string& code, const std::string& message) {
  Doc d = Doc::map();
  d.set("ErrorCode", code);
  d.set("ErrorMessage", message);
  return d;
}

bool principal_allows(const Doc& p, const std::string& account) {
  if (p.is_string()) return p.as_string() == "*" || p.as_string() == account || p.as_string() == root_arn(account);
  if (p.is_list()) {
    for (const Doc& x : p.as_list())
      if (principal_allows(x, account)) return true;
    return false;
  }
  if (const Doc* aws = p.get("AWS")) return principal_allows(*aws, account);
  return false;
}

bool action_allows(const Doc& a) {
  if (a.is_string()) return a.as_string() == "events:PutEvents" || a.as_string() == "events:*" || a.as_string() == "*";
  if (a.is_list()) {
    for (const Doc& x : a.as_list())
      if (action_allows(x)) return true;
  }
  return false;
}

}  // namespace

// Whether the bus' resource policy lets `account` put events (the bus' own account always may).
bool policy_allows_put(const Doc& bus, const std::string& bus_account, const std::string& account) {
  if (account == bus_account) return true;
  if (!bus.has("Policy")) return false;
  Doc policy;
  try {
    policy = json::parse(bus.str("Policy"));
  } catch (const AwsError&) {
    return false;
  }
  const Doc* stmts = policy.get("Statement");
  if (!stmts) return false;
  DocList list = stmts->is_list() ? stmts->as_list() : DocList{*stmts};
  bool allowed = false;
  for (const Doc& s : list) {
    const Doc* p = s.get("Principal");
    const Doc* a = s.get("Action");
    if (!p || !a || !principal_allows(*p, account) || !action_allows(*a)) continue;
    if (s.str("Effect") == "Deny") return false;
    if (s.str("Effect") == "Allow") allowed = true;
  }
  return allowed;
}

Doc put_events(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  const Doc* entries = in.get("Entries");
  size_t total = 0;
  if (entries && entries->is_list()) {
    for (const Doc& e : entries->as_list()) {
      if (e.has("Time")) total += 14;
      total += e.str("Source").size() + e.str("DetailType").size() + e.str("Detail").size();
      if (const Doc* r = e.get("Resources"); r && r->is_list())
        for (const Doc& x : r->as_list()) total += x.is_string() ? x.as_string().size() : 0;
    }
  }
  if (total >= 256 * 1024) throw errors::validation("Total size of the entries in the request is over the limit.");
  Doc results = Doc::list();
  int64_t failures = 0;
  if (entries && entries->is_list()) {
    for (const Doc& e : entries->as_list()) {
      auto fail = [&](const std::string& code, const std::string& msg) {
        results.push(failed(code, msg));
        ++failures;
      };
      if (!e.has("Source")) {
        fail("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.");
        continue;
      }
      if (!e.has("DetailType")) {
        fail("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
        continue;
      }
      if (!e.has("Detail")) {
        fail("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.");
        continue;
      }
      if (!transform::is_json_object(e.str("Detail"))) {
        fail("MalformedDetail", "Detail is malformed.");
        continue;
      }
      std::string source = e.str("Source");
      if (source.rfind("aws.", 0) == 0) {
        fail("NotAuthorizedForSourceException", "Not authorized for the source.");
        continue;
      }
      Entry entry;
      entry.source = source;
      entry.detail_type = e.str("DetailType");
      entry.detail = e.str("Detail");
      if (const Doc* r = e.get("Resources"); r && r->is_list())
        for (const Doc& x : r->as_list()) entry.resources.push_back(x.is_string() ? x.as_string() : "");
      if (const Doc* t = e.get("Time"); t && t->is_timestamp()) entry.time = rfc3339(t->as_timestamp().millis);
      std::string bus_text = e.str("EventBusName");
      std::string bus_name = bus_name_of(bus_text);
      std::string bus_account = ctx.account(), bus_region = ctx.region();
      if (auto arn = Arn::parse(bus_text)) {
        bus_account = arn->account;
        bus_region = arn->region;
      }
      auto bus = st.bus(bus_account, bus_region, bus_name);
      if (!bus) {
        fail("ResourceNotFoundException", "Event bus " + bus_name + " does not exist.");
        continue;
      }
      if (!policy_allows_put(*bus, bus_account, ctx.account())) {
        fail("AccessDeniedException",
             "User: " + ctx.caller.arn + " is not authorized to perform: events:PutEvents on resource: " +
                 bus->str("Arn") + " because no resource-based policy allows the events:PutEvents action");
        continue;
      }
      entry.bus = bus->str("Arn");
      auto id = st.publish(ctx.account(), ctx.region(), std::move(entry));
      if (!id) {
        fail(id.error().code, id.error().message);
        continue;
      }
      results.push(answer("EventId", *id));
    }
  }
  Doc out = Doc::map();
  out.set("FailedEntryCount", failures);
  out.set("Entries", std::move(results));
  return out;
}

Doc test_event_pattern(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string pattern = in.str("EventPattern");
  check_pattern(st, pattern);
  std::string err;
  auto p = st.compile(pattern, &err);
  Doc ev;
  try {
    ev = json::parse(in.str("Event"));
  } catch (const AwsError&) {
    throw errors::validation("Parameter Event is not valid.");
  }
  if (!ev.is_map()) throw errors::validation("Parameter Event is not valid.");
  for (const char* m : {"id", "account", "source", "time", "region", "resources", "detail-type"})
    if (!ev.has(m)) throw errors::validation("Parameter Event is not valid.");
  if (!ev.get("resources")->is_list()) throw errors::validation("Parameter Event is not valid.");
  return answer("Result", p->match(ev));
}

}  // namespace stratus::events
