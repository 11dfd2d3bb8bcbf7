// Rules, their targets and tags (rules and buses).
#include <algorithm>

#include "core/arn.h"
#include "core/env.h"
#include "core/tags.h"
#include "events/schedule.h"
#include "events/tz.h"
#include "services/events/ops.h"
#include "services/events/schema.h"
#include "services/events/transform.h"
#include "storage/engine.h"
#include "storage/written.h"

namespace stratus::events {
namespace {

struct RuleRef {
  std::string bus, name, key;
};

RuleRef find_rule(OpContext& ctx, const Doc& in, std::string_view member = "Name") {
  RuleRef r;
  r.bus = existing_bus(ctx, in);
  r.name = in.str(member);
  r.key = rule_key(ctx.account(), ctx.region(), r.bus, r.name);
  return r;
}

Doc load_rule(OpContext& ctx, const RuleRef& r) {
  auto rec = load(state(ctx).db(), schema::kRules.name, r.key);
  if (!rec) throw no_rule(r.name, r.bus);
  return std::move(*rec);
}

Doc rule_out(const Doc& rec) {
  Doc out = Doc::map();
  for (const char* m : {"Name", "Arn", "EventPattern", "ScheduleExpression", "State", "Description", "RoleArn",
                        "ManagedBy", "EventBusName"})
    if (rec.has(m)) out.set(m, rec.str(m));
  return out;
}

bool digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

bool valid_schedule(std::string_view expr) {
  auto p = schedule::parse(expr);
  return p.expr && p.expr->kind != schedule::Expression::Kind::at;
}

std::optional<int64_t> next_fire(std::string_view expr, int64_t after_ms, int64_t anchor_ms) {
  auto p = schedule::parse(expr);
  if (!p.expr || p.expr->kind == schedule::Expression::Kind::at) return std::nullopt;
  if (p.expr->kind == schedule::Expression::Kind::rate) {
    int64_t minute = env_positive("STRATUS_EVENTS_MINUTE_MS", 60'000);
    int64_t period = p.expr->rate.period_ms() / 60'000 * minute;
    if (period <= 0) return std::nullopt;
    if (after_ms < anchor_ms) return anchor_ms + period;
    return anchor_ms + ((after_ms - anchor_ms) / period + 1) * period;
  }
  static const tz::Zone utc = tz::Zone::utc();
  return schedule::next_fire(*p.expr, utc, after_ms, anchor_ms);
}

Doc put_rule(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string name = in.str("Name");
  check_name(name, "name");
  std::string bus = existing_bus(ctx, in);
  std::string pattern = in.str("EventPattern"), schedule = in.str("ScheduleExpression");
  if (pattern.empty() && schedule.empty())
    throw errors::validation("Parameter(s) EventPattern or ScheduleExpression must be specified.");
  if (!schedule.empty()) {
    if (!valid_schedule(schedule)) throw errors::validation("Parameter ScheduleExpression is not valid.");
    if (bus != "default") throw errors::validation("ScheduleExpression is supported only on the default event bus.");
  }
  if (!pattern.empty()) check_pattern(st, pattern);
  std::lock_guard lk(st.mu());
  std::string key = rule_key(ctx.account(), ctx.region(), bus, name);
  auto old = load(st.db(), schema::kRules.name, key);
  if (old && old->has("ManagedBy"))
    throw errors::managed_rule("Rule " + name + " is managed by " + old->str("ManagedBy") + ".");
  Doc rec = Doc::map();
  rec.set("Name", name);
  rec.set("Arn", rule_arn(ctx.account(), ctx.region(), bus, name));
  rec.set("EventBusName", bus);
  rec.set("State", in.str("State", "ENABLED"));
  for (const char* m : {"EventPattern", "ScheduleExpression", "Description", "RoleArn"})
    if (in.has(m)) rec.set(m, in.str(m));
  rec.set("CreatedBy", ctx.account());
  if (old) {
    rec.set("Targets", old->get("Targets") ? *old->get("Targets") : Doc::list());
    rec.set("Tags", old->get("Tags") ? *old->get("Tags") : Doc::list());
  } else {
    rec.set("Targets", Doc::list());
    Doc tags = Doc::list();
    tags::merge_list(tags, in.get("Tags"));
    rec.set("Tags", std::move(tags));
  }
  st.save_rule(ctx.account(), ctx.region(), key, rec, ctx.now_ms);
  return answer("RuleArn", rec.str("Arn"));
}

Doc describe_rule(OpContext& ctx, const Doc& in) {
  Doc rec = load_rule(ctx, find_rule(ctx, in));
  Doc out = rule_out(rec);
  out.set("CreatedBy", rec.str("CreatedBy", ctx.account()));
  return out;
}

Doc delete_rule(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  RuleRef r = find_rule(ctx, in);
  std::lock_guard lk(st.mu());
  auto rec = load(st.db(), schema::kRules.name, r.key);
  if (!rec) return Doc::map();
  if (rec->has("ManagedBy") && !in.flag("Force"))
    throw errors::managed_rule("Rule " + r.name + " is managed by " + rec->str("ManagedBy") + ".");
  if (const Doc* t = rec->get("Targets"); t && t->size() > 0)
    throw errors::validation("Rule can't be deleted since it has targets.");
  storage::written(st.db().del(schema::kRules.name, r.key));  // its schedule chain ends at its next tick
  return Doc::map();
}

Doc list_rules(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string bus = existing_bus(ctx, in);
  return name_page(
      scan(st.db(), schema::kRules.name, bus_key(ctx.account(), ctx.region(), bus)), in, "Name", "Rules",
      [](const Doc&) { return true; }, rule_out);
}

static Doc set_state(OpContext& ctx, const Doc& in, const char* state_value) {
  State& st = state(ctx);
  RuleRef r = find_rule(ctx, in);
  std::lock_guard lk(st.mu());
  Doc rec = load_rule(ctx, r);
  if (rec.has("ManagedBy"))
    throw errors::managed_rule("Rule " + r.name + " is managed by " + rec.str("ManagedBy") + ".");
  bool was = rec.str("State") != "DISABLED";
  rec.set("State", state_value);
  if (was && rec.str("State") != "DISABLED") return Doc::map();  // already enabled: the chain goes on
  st.save_rule(ctx.account(), ctx.region(), r.key, rec, ctx.now_ms);
  return Doc::map();
}

Doc enable_rule(OpContext& ctx, const Doc& in) {
  return set_state(ctx, in, "ENABLED");
}
Doc disable_rule(OpContext& ctx, const Doc& in) {
  return set_state(ctx, in, "DISABLED");
}

Doc list_rule_names_by_target(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string bus = existing_bus(ctx, in);
  std::string arn = in.str("TargetArn");
  return name_page(
      scan(st.db(), schema::kRules.name, bus_key(ctx.account(), ctx.region(), bus)), in, "Name", "RuleNames",
      [&](const Doc& rec) {
        const Doc* targets = rec.get("Targets");
        return targets && targets->is_list() &&
               std::any_of(targets->as_list().begin(), targets->as_list().end(),
                           [&](const Doc& t) { return t.str("Arn") == arn; });
      },
      [](const Doc& rec) { return Doc(rec.str("Name")); });
}

// A target's input settings as AWS checks them in PutTargets (ValidationException).
static void check_target(const Doc& t) {
  std::string id = t.str("Id");
  if (id.empty() ||
      id.find_first_not_of(".-_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos)
    throw errors::validation("1 validation error detected: Value '" + id +
                             "' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular "
                             "expression pattern: [\\.\\-_A-Za-z0-9]+");
  int inputs = t.has("Input") + t.has("InputPath") + t.has("InputTransformer");
  if (inputs > 1)
    throw errors::validation("Only one of Input, InputPath, or InputTransformer must be provided for target " + id +
                             ".");
  if (t.has("Input") && !transform::minify(t.str("Input")))
    throw errors::validation("Input for target " + id + " is not a valid JSON text.");
  if (t.has("InputPath") && !transform::valid_path(t.str("InputPath")))
    throw errors::validation("InputPath for target " + id + " is not a valid JSON path.");
  if (const Doc* tr = t.get("InputTransformer")) {
    if (const Doc* m = tr->get("InputPathsMap"); m && m->is_map()) {
      if (m->size() > 100) throw errors::validation("InputPathsMap for target " + id + " has more than 100 entries.");
      for (const auto& [k, v] : m->as_map()) {
        if (k.rfind("AWS.", 0) == 0 || k.rfind("aws.", 0) == 0)
          throw errors::validation("InputTransformer path key " + k + " can not start with AWS.");
        if (!v.is_string() || !transform::valid_path(v.as_string()))
          throw errors::validation("Target " + id + " has an invalid InputPathsMap value for " + k + ".");
      }
    }
  }
  auto arn = Arn::parse(t.str("Arn"));
  if (!arn)
    throw errors::validation("Parameter " + t.str("Arn") +
                             " is not valid. Reason: Provided Arn is not in correct format.");
  if (arn->service == "sqs" && arn->resource.size() > 5 && arn->resource.ends_with(".fifo")) {
    const Doc* sp = t.get("SqsParameters");
    if (!sp || sp->str("MessageGroupId").empty())
      throw errors::validation("Parameter(s) SqsParameters must be specified for target: " + id + ".");
  }
  if (const Doc* dlq = t.get("DeadLetterConfig"); dlq && dlq->has("Arn")) {
    auto d = Arn::parse(dlq->str("Arn"));
    if (!d || d->service != "sqs")
      throw errors::validation(
          "Parameter DeadLetterConfig.Arn is not valid. Reason: Provided Arn is not an SQS queue.");
    if (d->resource.ends_with(".fifo"))
      throw errors::validation("Parameter DeadLetterConfig.Arn is not valid. Reason: FIFO queues are not supported.");
  }
}

namespace {
// PutTargets' and RemoveTargets' answer when every entry succeeded.
Doc no_failed_entries() {
  Doc out = Doc::map();
  out.set("FailedEntryCount", 0);
  out.set("FailedEntries", Doc::list());
  return out;
}
}  // namespace

Doc put_targets(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  RuleRef r = find_rule(ctx, in, "Rule");
  const Doc* add = in.get("Targets");
  if (add && add->size() > 10)
    throw errors::validation(
        "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length less "
        "than or equal to 10");
  std::lock_guard lk(st.mu());
  Doc rec = load_rule(ctx, r);
  if (rec.has("ManagedBy"))
    throw errors::managed_rule("Rule " + r.name + " is managed by " + rec.str("ManagedBy") + ".");
  Doc targets = rec.get("Targets") && rec.get("Targets")->is_list() ? *rec.get("Targets") : Doc::list();
  if (add && add->is_list()) {
    for (const Doc& t : add->as_list()) check_target(t);
    for (const Doc& t : add->as_list()) {
      auto& l = targets.as_list();
      auto it = std::find_if(l.begin(), l.end(), [&](const Doc& x) { return x.str("Id") == t.str("Id"); });
      if (it != l.end())
        *it = t;
      else
        l.push_back(t);
    }
  }
  if (targets.size() > 5) throw errors::limit_exceeded("The requested resource exceeds the maximum number allowed.");
  rec.set("Targets", std::move(targets));
  save(st.db(), schema::kRules.name, r.key, rec);
  return no_failed_entries();
}

Doc remove_targets(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  RuleRef r = find_rule(ctx, in, "Rule");
  std::lock_guard lk(st.mu());
  Doc rec = load_rule(ctx, r);
  if (rec.has("ManagedBy") && !in.flag("Force"))
    throw errors::managed_rule("Rule " + r.name + " is managed by " + rec.str("ManagedBy") + ".");
  Doc kept = Doc::list();
  std::vector<std::string> ids;
  if (const Doc* l = in.get("Ids"); l && l->is_list())
    for (const Doc& d : l->as_list()) ids.push_back(d.as_string());
  if (const Doc* t = rec.get("Targets"); t && t->is_list())
    for (const Doc& x : t->as_list())
      if (std::find(ids.begin(), ids.end(), x.str("Id")) == ids.end()) kept.push(x);
  rec.set("Targets", std::move(kept));
  save(st.db(), schema::kRules.name, r.key, rec);
  return no_failed_entries();
}

Doc list_targets_by_rule(OpContext& ctx, const Doc& in) {
  RuleRef r = find_rule(ctx, in, "Rule");
  Doc rec = load_rule(ctx, r);
  // NextToken: the decimal index of the next target
  std::string token = in.str("NextToken");
  size_t start = 0;
  if (!token.empty()) {
    if (!digits(token)) throw errors::validation("The NextToken provided is not valid.");
    start = std::stoul(token);
  }
  const Doc* t = rec.get("Targets");
  size_t n = t && t->is_list() ? t->size() : 0;
  auto page = paging::slice(start, n, in.integer("Limit", 100), [&](size_t i) { return t->as_list()[i]; });
  return page.answer("Targets", "NextToken", [](size_t next) { return std::to_string(next); });
}

// ---- tags: rules and buses by ARN ----
namespace {

// The storage key and keyspace of the tagged resource; throws ResourceNotFound.
std::pair<std::string, std::string> tagged(OpContext& ctx, const std::string& arn_text) {
  auto arn = Arn::parse(arn_text);
  State& st = state(ctx);
  if (!arn || arn->service != "events")
    throw errors::validation("Parameter " + arn_text + " is not valid. Reason: Provided Arn is not in correct format.");
  const std::string& res = arn->resource;
  if (res.rfind("rule/", 0) == 0) {
    std::string rest = res.substr(5);
    auto slash = rest.find('/');
    std::string bus = slash == std::string::npos ? "default" : rest.substr(0, slash);
    std::string name = slash == std::string::npos ? rest : rest.substr(slash + 1);
    std::string key = rule_key(arn->account, arn->region, bus, name);
    if (!load(st.db(), schema::kRules.name, key)) throw no_rule(name, bus);
    return {std::string(schema::kRules.name), key};
  }
  if (res.rfind("event-bus/", 0) == 0) {
    std::string name = res.substr(10);
    auto rec = st.bus(arn->account, arn->region, name);
    if (!rec) throw no_bus(name);
    std::string key = bus_key(arn->account, arn->region, name);
    if (!load(st.db(), schema::kBuses.name, key)) save(st.db(), schema::kBuses.name, key, *rec);
    return {std::string(schema::kBuses.name), key};
  }
  throw errors::resource_not_found("Resource " + arn_text + " does not exist.");
}

}  // namespace

namespace {
// Tag/UntagResource: `change` edits the resource's tag list, which is saved; nothing is answered.
template <class Change>
Doc edit_tags(OpContext& ctx, const Doc& in, Change&& change) {
  State& st = state(ctx);
  std::lock_guard lk(st.mu());
  auto [ks, key] = tagged(ctx, in.str("ResourceARN"));
  Doc rec = *load(st.db(), ks, key);
  Doc tags = rec.get("Tags") && rec.get("Tags")->is_list() ? *rec.get("Tags") : Doc::list();
  change(tags);
  rec.set("Tags", std::move(tags));
  save(st.db(), ks, key, rec);
  return Doc::map();
}
}  // namespace

Doc tag_resource(OpContext& ctx, const Doc& in) {
  return edit_tags(ctx, in, [&](Doc& tags) {
    tags::merge_list(tags, in.get("Tags"));
    if (tags.size() > 50) throw errors::limit_exceeded("The requested resource exceeds the maximum number allowed.");
  });
}

Doc untag_resource(OpContext& ctx, const Doc& in) {
  return edit_tags(ctx, in, [&](Doc& tags) { tags::remove_from_list(tags, in.get("TagKeys")); });
}

Doc list_tags_for_resource(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  auto [ks, key] = tagged(ctx, in.str("ResourceARN"));
  Doc rec = *load(st.db(), ks, key);
  return answer("Tags", rec.get("Tags") && rec.get("Tags")->is_list() ? *rec.get("Tags") : Doc::list());
}

}  // namespace stratus::events
