// CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule, ListSchedules.
#include <algorithm>

#include "auth/policy.h"
#include "core/arn.h"
#include "core/encoding.h"
#include "core/json.h"
#include "core/paging.h"
#include "protocol/shape_json.h"
#include "server/context.h"
#include "services/scheduler/ops.h"
#include "services/scheduler/runner.h"

namespace stratus::scheduler {

namespace es = events::schedule;

Store& store_of(OpContext& ctx) {
  return *ctx.server.port<State>()->store;
}

AwsError schedule_not_found(std::string_view name) {
  return errors::resource_not_found("Schedule " + std::string(name) + " does not exist.");
}
AwsError group_not_found(std::string_view name) {
  return errors::resource_not_found("Schedule group " + std::string(name) + " does not exist.");
}

Doc render(const Doc& rec) {
  Doc out = Doc::map();
  for (const auto& [k, v] : rec.as_map()) {
    if (k == "Next" || k == "Anchor" || k == "ClientToken" || k == "Tags") continue;
    if ((k == "CreationDate" || k == "LastModificationDate" || k == "StartDate" || k == "EndDate") && v.is_int())
      out.set(k, Timestamp{v.as_int()});
    else
      out.set(k, v);
  }
  return out;
}

namespace {

constexpr int64_t kFiveMinutes = 5 * 60 * 1000;

Id id_of(OpContext& ctx, const Doc& in) {
  return Id{ctx.account(), ctx.region(), in.str("GroupName", kDefaultGroup), in.str("Name")};
}

// Targets whose Input must be well-formed JSON: templated Lambda, Step Functions and EventBridge
// targets (Target.Input's documentation), and universal targets (the Input is the API request).
bool json_target(std::string_view arn) {
  if (arn.rfind("arn:aws:scheduler:::aws-sdk:", 0) == 0) return true;
  for (const char* p : {":lambda:", ":states:", ":events:"})
    if (arn.find(p) != std::string_view::npos && arn.rfind("arn:", 0) == 0) return true;
  return false;
}

void check_target(const Doc& target) {
  const std::string arn = target.str("Arn");
  std::string svc, action;
  if (universal_target(arn, &svc, &action)) {
    if (svc.empty() || action.empty())
      throw errors::validation("Invalid target arn " + arn +
                               ". Universal target arns must be arn:aws:scheduler:::aws-sdk:<service>:<apiAction>.");
    if (read_only_action(action))
      throw errors::validation("Invalid target arn " + arn + ". Read-only API actions are not supported.");
  }
  if (const Doc* input = target.get("Input"); input && json_target(arn)) {
    try {
      // The JSON it becomes: the context attributes replaced (<aws.scheduler.attempt-number> may
      // stand bare for a number).
      Doc probe = Doc::map();
      probe.set("Target", target);
      probe.set("Attempt", int64_t{1});
      Doc d = json::parse(render_input(probe));
      (void)d;
    } catch (const AwsError&) {
      throw errors::validation("Invalid target input. The input must be a well-formed JSON for target " + arn + ".");
    }
  }
}

// AWS checks the execution role when a schedule is written: it must exist and its trust policy
// must let scheduler.amazonaws.com assume it (the confused-deputy conditions aws:SourceAccount
// and aws:SourceArn, the schedule group's ARN, are set), else ValidationException with this
// text. Not checked when IAM is not among the running services.
void check_role(OpContext& ctx, const Id& id, const std::string& role_arn) {
  const AwsError refused =
      errors::validation("The execution role you provide must allow AWS EventBridge Scheduler to assume the role.");
  auto a = Arn::parse(role_arn);
  if (!a || a->resource.rfind("role/", 0) != 0) throw refused;
  Doc in = Doc::map();
  in.set("RoleName", a->resource.substr(a->resource.rfind('/') + 1));
  OpContext::Caller owner;
  owner.account = a->account;
  owner.region = ctx.region();
  owner.arn = root_arn(a->account);
  auto res = ctx.server.call_sync("iam", "GetRole", std::move(in), owner);
  if (!res) {
    if (res.error().code == "ServiceUnavailableException") return;
    throw refused;
  }
  const Doc* role = res->get("Role");
  if (!role || role->str("Arn") != role_arn) throw refused;
  auto parsed =
      auth::policy::parse(enc::uri_decode(role->str("AssumeRolePolicyDocument")), {.require_resource = false});
  if (!parsed.ok()) throw refused;
  auth::policy::Request r;
  r.principal.service = "scheduler.amazonaws.com";
  r.action = "sts:AssumeRole";
  r.resource = role_arn;
  r.set("aws:SourceAccount", id.account);
  r.set("aws:SourceArn", Arn::make("scheduler", id.region, id.account, "schedule-group/" + id.group));
  if (auth::policy::evaluate(*parsed.policy, r) != auth::policy::Decision::allow) throw refused;
}

// The stored record for a CreateSchedule/UpdateSchedule input (validated as AWS does).
Doc build(OpContext& ctx, const Doc& in, const Id& id, const Doc* old) {
  const int64_t now = ctx.now_ms;
  const std::string expr = in.str("ScheduleExpression");
  auto parsed = es::parse(expr);
  if (!parsed.expr) throw errors::validation("Invalid Schedule Expression " + expr + ".");
  Doc rec = Doc::map();
  rec.set("Name", id.name);
  rec.set("GroupName", id.group);
  rec.set("Arn", schedule_arn(id));
  rec.set("ScheduleExpression", expr);
  if (const Doc* tz = in.get("ScheduleExpressionTimezone")) {
    if (!events::tz::find(tz->as_string()))
      throw errors::validation("Invalid ScheduleExpressionTimezone " + tz->as_string() + ".");
    rec.set("ScheduleExpressionTimezone", *tz);
  }
  const Doc& ftw = *in.get("FlexibleTimeWindow");
  const bool flexible = ftw.str("Mode") == "FLEXIBLE";
  if (flexible && !ftw.has("MaximumWindowInMinutes"))
    throw errors::validation("MaximumWindowInMinutes must be provided when FlexibleTimeWindow Mode is FLEXIBLE.");
  if (!flexible && ftw.has("MaximumWindowInMinutes"))
    throw errors::validation("MaximumWindowInMinutes must not be provided when FlexibleTimeWindow Mode is OFF.");
  rec.set("FlexibleTimeWindow", ftw);
  std::optional<int64_t> start, end;
  if (const Doc* s = in.get("StartDate")) start = s->as_timestamp().millis;
  if (const Doc* e = in.get("EndDate")) end = e->as_timestamp().millis;
  if (parsed.expr->recurring()) {  // "EventBridge Scheduler ignores StartDate/EndDate for one-time schedules"
    if (start && *start < now - kFiveMinutes)
      throw errors::validation("The StartDate you specify cannot be earlier than 5 minutes ago.");
    if (end && *end < now) throw errors::validation("The EndDate you specify cannot be earlier than the current time.");
    if (start && end && *end <= *start)
      throw errors::validation("The EndDate you specify must be later than the StartDate.");
  }
  if (start) rec.set("StartDate", *start);
  if (end) rec.set("EndDate", *end);
  rec.set("State", in.str("State", "ENABLED"));
  rec.set("ActionAfterCompletion", in.str("ActionAfterCompletion", "NONE"));
  if (const Doc* d = in.get("Description")) rec.set("Description", *d);
  if (const Doc* k = in.get("KmsKeyArn")) rec.set("KmsKeyArn", *k);
  Doc target = protocol::plain_from_typed(*in.get("Target"));
  check_target(target);
  if (!target.has("RetryPolicy")) {  // GetSchedule reports the defaults
    Doc rp = Doc::map();
    rp.set("MaximumEventAgeInSeconds", int64_t{86400});
    rp.set("MaximumRetryAttempts", int64_t{185});
    target.set("RetryPolicy", std::move(rp));
  }
  rec.set("Target", std::move(target));
  rec.set("CreationDate", old ? old->integer("CreationDate", now) : now);
  rec.set("LastModificationDate", now);
  if (const Doc* t = in.get("ClientToken")) rec.set("ClientToken", *t);
  // Firing state: kept when nothing that decides the fire times changed (an update of the target
  // alone must not fire a rate() schedule again), else computed afresh.
  auto same = [&](const char* k) {
    const Doc* a = old ? old->get(k) : nullptr;
    const Doc* b = rec.get(k);
    return (!a && !b) || (a && b && *a == *b);
  };
  const bool same_anchor = old && same("ScheduleExpression") && same("StartDate");
  rec.set("Anchor", start ? *start : same_anchor ? old->integer("Anchor", now) : now);
  if (same_anchor && same("ScheduleExpressionTimezone") && same("EndDate") && same("State")) {
    if (const Doc* n = old->get("Next")) rec.set("Next", *n);
  } else if (auto t = Timing::of(rec)) {
    if (auto n = first_fire(*t, now)) rec.set("Next", *n);
  }
  return rec;
}

std::optional<int64_t> next_of(const Doc& rec) {
  const Doc* n = rec.get("Next");
  return n && rec.str("State") == "ENABLED" ? std::optional<int64_t>(n->as_int()) : std::nullopt;
}

}  // namespace

Doc create_schedule(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  Id id = id_of(ctx, in);
  check_role(ctx, id, in.get("Target")->str("RoleArn"));
  std::lock_guard lk(st.mu());
  st.ensure_default(id.account, id.region, ctx.now_ms);
  if (!st.group(id.account, id.region, id.group)) throw group_not_found(id.group);
  if (auto old = st.schedule(id)) {
    if (in.has("ClientToken") && old->str("ClientToken") == in.str("ClientToken"))
      return answer("ScheduleArn", old->str("Arn"));  // the same request again
    throw errors::conflict("Schedule " + id.name + " already exists.");
  }
  Doc rec = build(ctx, in, id, nullptr);
  storage::WriteBatch b;
  Store::stage_schedule(b, id, rec, std::nullopt);
  st.write(b);
  return answer("ScheduleArn", rec.str("Arn"));
}

Doc update_schedule(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  Id id = id_of(ctx, in);
  check_role(ctx, id, in.get("Target")->str("RoleArn"));
  std::lock_guard lk(st.mu());
  if (!st.group(id.account, id.region, id.group) && id.group != kDefaultGroup) throw group_not_found(id.group);
  auto old = st.schedule(id);
  if (!old) throw schedule_not_found(id.name);
  Doc rec = build(ctx, in, id, &*old);
  storage::WriteBatch b;
  Store::stage_schedule(b, id, rec, next_of(*old));
  st.write(b);
  return answer("ScheduleArn", rec.str("Arn"));
}

Doc get_schedule(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  Id id = id_of(ctx, in);
  auto rec = st.schedule(id);
  if (!rec) {
    if (id.group != kDefaultGroup && !st.group(id.account, id.region, id.group)) throw group_not_found(id.group);
    throw schedule_not_found(id.name);
  }
  return render(*rec);
}

Doc delete_schedule(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  Id id = id_of(ctx, in);
  std::lock_guard lk(st.mu());
  auto rec = st.schedule(id);
  if (!rec) throw schedule_not_found(id.name);
  storage::WriteBatch b;
  Store::stage_delete(b, id, *rec);
  st.write(b);
  return Doc::map();
}

Doc list_schedules(OpContext& ctx, const Doc& in) {
  Store& st = store_of(ctx);
  const std::string group = in.str("GroupName");
  if (!group.empty() && group != kDefaultGroup && !st.group(ctx.account(), ctx.region(), group))
    throw group_not_found(group);
  const std::string prefix = in.str("NamePrefix"), state = in.str("State");
  std::vector<std::pair<std::string, Doc>> items;
  for (Doc& rec : st.schedules(ctx.account(), ctx.region(), group)) {
    if (!prefix.empty() && rec.str("Name").rfind(prefix, 0) != 0) continue;
    if (!state.empty() && rec.str("State") != state) continue;
    std::string key = rec.str("GroupName") + "/" + rec.str("Name");
    items.emplace_back(std::move(key), std::move(rec));
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  paging::Style style{"NextToken", "MaxResults", 100, "NextToken", nullptr};
  return paging::paginate(items, in, "Schedules", style, [](const Doc& rec) -> std::optional<Doc> {
    Doc s = Doc::map();
    for (const char* k : {"Arn", "GroupName", "Name", "State"}) s.set(k, rec.str(k));
    s.set("CreationDate", Timestamp{rec.integer("CreationDate")});
    s.set("LastModificationDate", Timestamp{rec.integer("LastModificationDate")});
    Doc t = Doc::map();
    t.set("Arn", rec.get("Target") ? rec.get("Target")->str("Arn") : "");
    s.set("Target", std::move(t));
    return s;
  });
}

}  // namespace stratus::scheduler
