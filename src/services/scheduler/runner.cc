#include "services/scheduler/runner.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <random>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/env.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/queue.h"
#include "protocol/shape_json.h"
#include "server/context.h"
#include "services/events/api.h"
#include "services/lambda/invoke.h"
#include "services/scheduler/schema.h"
#include "services/sqs/api.h"

namespace stratus::scheduler {

namespace {

int64_t tick_ms() {
  return env_positive("STRATUS_SCHEDULER_TICK_MS", 1000);
}
int64_t retry_base_ms() {
  return env_positive("STRATUS_SCHEDULER_RETRY_MS", 1000);
}
// A minute of FlexibleTimeWindow (tests shorten it).
int64_t window_minute_ms() {
  return env_positive("STRATUS_SCHEDULER_WINDOW_MINUTE_MS", 60'000);
}

std::string iso_seconds(int64_t ms) {
  return enc::iso8601(ms - ms % 1000);  // 2026-12-06T12:00:00Z (ms omitted when 0)
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + with.size()))
    s.replace(p, what.size(), with);
}

// Which Stratus service a universal target's <service> names: the SDK's service identifier is the
// model's serviceId in lower case without spaces ("CloudWatch Logs" -> "cloudwatchlogs").
Service* service_named(ServerContext& server, std::string_view sdk_id) {
  for (const auto& s : server.services()) {
    std::string id;
    for (char c : s->summary().service_id)
      if (c != ' ' && c != '-') id.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (id == sdk_id || s->id() == sdk_id) return s.get();
  }
  return nullptr;
}

// "arn:aws:lambda:us-east-1:1234:function:f" -> "lambda"; "" when not an ARN.
std::string arn_service(std::string_view arn) {
  if (arn.rfind("arn:", 0) != 0) return {};
  size_t a = arn.find(':', 4);
  if (a == std::string_view::npos) return {};
  size_t b = arn.find(':', a + 1);
  return b == std::string_view::npos ? std::string() : std::string(arn.substr(a + 1, b - a - 1));
}

bool retryable(const AwsError& e) {
  return e.http_status >= 500 || e.http_status == 429 || e.code.find("Throttl") != std::string::npos ||
         e.code == "TooManyRequestsException";
}

}  // namespace

bool universal_target(std::string_view arn, std::string* service, std::string* action) {
  constexpr std::string_view kPrefix = "arn:aws:scheduler:::aws-sdk:";
  if (arn.rfind(kPrefix, 0) != 0) return false;
  std::string_view rest = arn.substr(kPrefix.size());
  size_t colon = rest.find(':');
  *service = std::string(rest.substr(0, colon));
  *action = colon == std::string_view::npos ? std::string() : std::string(rest.substr(colon + 1));
  return true;
}

bool read_only_action(std::string_view action) {
  static const char* const kPrefixes[] = {"get",
                                          "describe",
                                          "list",
                                          "poll",
                                          "receive",
                                          "search",
                                          "scan",
                                          "query",
                                          "select",
                                          "read",
                                          "lookup",
                                          "discover",
                                          "validate",
                                          "batchGet",
                                          "batchDescribe",
                                          "batchRead",
                                          "transactGet",
                                          "adminGet",
                                          "adminList",
                                          "testMigration",
                                          "retrieve",
                                          "testConnection",
                                          "translateDocument",
                                          "isAuthorized",
                                          "invokeModel"};
  for (const char* p : kPrefixes)
    if (action.rfind(p, 0) == 0) return true;
  return false;
}

std::string render_input(const Doc& inv) {
  const Doc* target = inv.get("Target");
  std::string s = target && target->has("Input") ? target->str("Input") : std::string("{}");
  replace_all(s, "<aws.scheduler.schedule-arn>", inv.str("Arn"));
  replace_all(s, "<aws.scheduler.scheduled-time>", iso_seconds(inv.integer("ScheduledTime")));
  replace_all(s, "<aws.scheduler.execution-id>", inv.str("ExecutionId"));
  replace_all(s, "<aws.scheduler.attempt-number>", std::to_string(inv.integer("Attempt", 1)));
  return s;
}

void Runner::start() {
  sqs_ = server_.port<sqs::Api>();
  bus_ = server_.port<events::Api>();
  server_.scheduler("scheduler").every("scheduler.tick", tick_ms(), [this] { tick(); });
}

// Between the ticks, a wake-up at the next stored fire or attempt time, so that a schedule fires
// on its time rather than at the next tick (up to a second late). Runs on the "scheduler" thread.
void Runner::arm_wake(int64_t now) {
  const std::string after = storage::KeyBuilder().u64(static_cast<uint64_t>(now) + 1).take();
  int64_t next = INT64_MAX;
  for (std::string_view ks : {schema::kDue.name, schema::kInvocations.name}) {
    auto it = store_.db().scan(ks, {.start = after, .end = ""});
    if (it->valid()) next = std::min(next, static_cast<int64_t>(storage::KeyReader(it->key()).u64()));
  }
  if (next == INT64_MAX || next >= now + tick_ms() || (wake_at_ > now && wake_at_ <= next)) return;
  wake_at_ = next;
  server_.scheduler("scheduler").at("scheduler.wake", next, [this] { tick(); });
}

void Runner::reset() {
  std::lock_guard lk(mu_);
  in_flight_.clear();
}

void Runner::tick() {
  const int64_t now = now_millis();
  const std::string until = storage::KeyBuilder().u64(static_cast<uint64_t>(now) + 1).take();
  std::vector<std::string> due;
  {
    auto it = store_.db().scan(schema::kDue.name, {.start = "", .end = until});
    for (; it->valid() && due.size() < 500; it->next()) due.emplace_back(it->key());
  }
  for (const auto& k : due) {
    try {
      fire(k);
    } catch (const std::exception& e) {
      spdlog::error("scheduler: firing failed: {}", e.what());
    }
  }
  std::vector<std::pair<std::string, Doc>> ready;
  {
    std::lock_guard lk(mu_);
    auto it = store_.db().scan(schema::kInvocations.name, {.start = "", .end = until});
    for (; it->valid() && ready.size() < 500; it->next()) {
      std::string key(it->key());
      if (in_flight_.count(key)) continue;
      try {
        ready.emplace_back(key, json::parse(it->value()));
        in_flight_.insert(key);
      } catch (const std::exception&) {
        store_.db().del(schema::kInvocations.name, key);  // unreadable: nothing to attempt
      }
    }
  }
  for (auto& [k, inv] : ready) attempt(k, std::move(inv));
  arm_wake(now_millis());
}

void Runner::fire(const std::string& due_key) {
  const int64_t now = now_millis();
  int64_t due = 0;
  Id id = Store::due_id(due_key, &due);
  std::lock_guard lk(store_.mu());
  auto rec = store_.schedule(id);
  auto t = rec ? Timing::of(*rec) : std::nullopt;
  if (!rec || !t || rec->integer("Next", -1) != due || rec->str("State") != "ENABLED") {
    store_.db().del(schema::kDue.name, due_key);  // stale: the schedule changed or went
    return;
  }
  const Doc& target = *rec->get("Target");
  const Doc* rp = target.get("RetryPolicy");
  const int64_t max_age_ms = (rp ? rp->integer("MaximumEventAgeInSeconds", 86400) : 86400) * 1000;
  Fire f = catch_up(*t, due, now, max_age_ms);
  Doc next = *rec;
  if (f.next)
    next.set("Next", *f.next);
  else
    next.as_map().erase("Next");
  storage::WriteBatch b;
  Store::stage_schedule(b, id, next, due);
  if (f.invoke) {
    Doc inv = Doc::map();
    inv.set("Account", id.account);
    inv.set("Region", id.region);
    inv.set("Group", id.group);
    inv.set("Name", id.name);
    inv.set("Arn", rec->str("Arn"));
    inv.set("Target", target);
    inv.set("ScheduledTime", *f.invoke);
    inv.set("Attempt", int64_t{1});
    const std::string exec = ids::random_lower_alnum(16);
    inv.set("ExecutionId", exec);
    inv.set("DeleteAfter", !f.next && rec->str("ActionAfterCompletion") == "DELETE");
    int64_t at = *f.invoke;
    const Doc* ftw = rec->get("FlexibleTimeWindow");
    if (ftw && ftw->str("Mode") == "FLEXIBLE") {  // a time picked at random in the window
      thread_local std::mt19937_64 rng{std::random_device{}()};
      const int64_t window = ftw->integer("MaximumWindowInMinutes", 1) * window_minute_ms();
      at += static_cast<int64_t>(rng() % static_cast<uint64_t>(window));
    }
    b.put(schema::kInvocations.name, Store::invocation_key(at, exec), json::write(inv));
  } else {
    spdlog::info("scheduler: {} missed its run at {} by more than its MaximumEventAgeInSeconds; skipped",
                 rec->str("Arn"), iso_seconds(due));
  }
  store_.write(b);
}

void Runner::attempt(const std::string& key, Doc inv) {
  const Doc target = inv.get("Target") ? *inv.get("Target") : Doc::map();
  const std::string arn = target.str("Arn");
  const std::string input = render_input(inv);
  auto done = [this, key, inv](std::optional<AwsError> err) mutable { finish(key, std::move(inv), std::move(err)); };
  OpContext::Caller as{inv.str("Account"), inv.str("Region"), "", target.str("RoleArn"), ""};
  auto call = [&](std::string_view svc, std::string_view op, Doc in) {
    server_.call(svc, op, std::move(in), as,
                 [done](Result<Doc> r) mutable { done(r ? std::nullopt : std::optional<AwsError>(r.error())); });
  };
  try {
    std::string svc, action;
    if (universal_target(arn, &svc, &action)) {
      Service* s = service_named(server_, svc);
      if (!s) return done(AwsError{"ServiceUnavailableException", "Service " + svc + " is not running.", 503});
      std::string op = action;
      if (!op.empty()) op[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(op[0])));
      const model::Operation* o = s->model().find_operation(op);
      if (!o) return done(errors::validation("Unknown action " + action + " of service " + svc + "."));
      Doc plain = json::parse(input);
      Doc typed = o->input ? protocol::typed_from_plain(*o->input, plain) : Doc::map();
      return call(s->id(), op, std::move(typed));
    }
    const std::string kind = arn_service(arn);
    if (kind == "lambda") {
      lambda::InvokeCall c;
      c.account = inv.str("Account");
      c.region = inv.str("Region");
      c.function = arn;
      c.payload = input;
      c.type = lambda::InvocationType::event;
      return lambda::invoke(server_, std::move(c), [done](lambda::InvokeOutcome out) mutable {
        done(out.error ? std::optional<AwsError>(*out.error) : std::nullopt);
      });
    }
    if (kind == "sqs") {
      if (!sqs_) return done(AwsError{"ServiceUnavailableException", "SQS is not running.", 503});
      sqs::Delivery d;
      d.body = input;
      if (const Doc* p = target.get("SqsParameters")) d.group_id = p->str("MessageGroupId");
      auto r = sqs_->deliver(arn, std::move(d));
      return done(r ? std::nullopt : std::optional<AwsError>(r.error()));
    }
    if (kind == "sns") {
      Doc in = Doc::map();
      in.set("TopicArn", arn);
      in.set("Message", input);
      return call("sns", "Publish", std::move(in));
    }
    if (kind == "events") {
      if (!bus_) return done(AwsError{"ServiceUnavailableException", "EventBridge is not running.", 503});
      const Doc* p = target.get("EventBridgeParameters");
      events::Entry e;
      e.source = p ? p->str("Source") : "aws.scheduler";
      e.detail_type = p ? p->str("DetailType") : "Scheduled Event";
      e.detail = input;
      e.resources = {inv.str("Arn")};
      e.bus = arn;
      auto r = bus_->put(inv.str("Account"), inv.str("Region"), std::move(e));
      return done(r ? std::nullopt : std::optional<AwsError>(r.error()));
    }
    if (kind == "states") {
      Doc in = Doc::map();
      in.set("stateMachineArn", arn);
      in.set("input", input);
      return call("stepfunctions", "StartExecution", std::move(in));
    }
    done(AwsError{"ValidationException", "Target " + arn + " is not supported by Stratus.", 400});
  } catch (const AwsError& e) {
    done(e);
  } catch (const std::exception& e) {
    done(errors::internal(e.what()));
  }
}

void Runner::finish(const std::string& key, Doc inv, std::optional<AwsError> err) {
  const int64_t now = now_millis();
  try {
    if (!err) return complete(key, inv);
    const int64_t attempt = inv.integer("Attempt", 1);
    const Doc* rp = inv.get("Target") ? inv.get("Target")->get("RetryPolicy") : nullptr;
    const int64_t max_retries = rp ? rp->integer("MaximumRetryAttempts", 185) : 185;
    const int64_t max_age_ms = (rp ? rp->integer("MaximumEventAgeInSeconds", 86400) : 86400) * 1000;
    const int64_t delay = events::backoff_ms(static_cast<uint32_t>(attempt - 1), retry_base_ms(), 300'000);
    const char* exhausted = attempt - 1 >= max_retries                                ? "MaximumRetryAttempts"
                            : now + delay - inv.integer("ScheduledTime") > max_age_ms ? "MaximumEventAgeInSeconds"
                                                                                      : nullptr;
    if (retryable(*err) && !exhausted) {
      inv.set("Attempt", attempt + 1);
      storage::WriteBatch b;
      b.del(schema::kInvocations.name, key);
      b.put(schema::kInvocations.name, Store::invocation_key(now + delay, inv.str("ExecutionId")), json::write(inv));
      store_.write(b);
      std::lock_guard lk(mu_);
      in_flight_.erase(key);
      return;
    }
    spdlog::warn("scheduler: {} could not invoke {}: {}: {}", inv.str("Arn"),
                 inv.get("Target") ? inv.get("Target")->str("Arn") : "", err->code, err->message);
    dead_letter(inv, render_input(inv), *err, retryable(*err) ? exhausted : nullptr);
    complete(key, inv);
  } catch (const std::exception& e) {
    spdlog::error("scheduler: finishing an invocation failed: {}", e.what());
    std::lock_guard lk(mu_);
    in_flight_.erase(key);
  }
}

void Runner::dead_letter(const Doc& inv, const std::string& input, const AwsError& err, const char* exhausted) {
  const Doc* target = inv.get("Target");
  const Doc* dlc = target ? target->get("DeadLetterConfig") : nullptr;
  if (!dlc || dlc->str("Arn").empty()) return;
  if (!sqs_) {
    spdlog::warn("scheduler: dead-letter queue {} unreachable (SQS is not running)", dlc->str("Arn"));
    return;
  }
  sqs::Delivery d;
  d.body = input.empty() ? std::string("{}") : input;
  auto attr = [&](std::string name, std::string value, const char* type = "String") {
    d.attrs.push_back(sqs::Attribute{std::move(name), type, std::move(value)});
  };
  attr("ERROR_CODE", err.code);
  attr("ERROR_MESSAGE", err.message.empty() ? err.code : err.message);
  attr("EXECUTION_ID", inv.str("ExecutionId"));
  if (exhausted) attr("EXHAUSTED_RETRY_CONDITION", exhausted);
  attr("IS_POISONOUS", "false");
  attr("RETRY_ATTEMPTS", std::to_string(inv.integer("Attempt", 1) - 1), "Number");
  attr("SCHEDULED_TIME", iso_seconds(inv.integer("ScheduledTime")));
  attr("SCHEDULE_ARN", inv.str("Arn"));
  attr("TARGET_ARN", target->str("Arn"));
  std::sort(d.attrs.begin(), d.attrs.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  auto r = sqs_->deliver(dlc->str("Arn"), std::move(d));
  if (!r)
    spdlog::warn("scheduler: dead-letter to {} failed: {}: {}", dlc->str("Arn"), r.error().code, r.error().message);
}

void Runner::complete(const std::string& key, const Doc& inv) {
  storage::WriteBatch b;
  b.del(schema::kInvocations.name, key);
  if (inv.flag("DeleteAfter")) {  // ActionAfterCompletion DELETE, after the last invocation
    std::lock_guard lk(store_.mu());
    Id id{inv.str("Account"), inv.str("Region"), inv.str("Group"), inv.str("Name")};
    auto rec = store_.schedule(id);
    if (rec && !rec->has("Next") && rec->str("ActionAfterCompletion") == "DELETE") Store::stage_delete(b, id, *rec);
    store_.write(b);
  } else {
    store_.write(b);
  }
  std::lock_guard lk(mu_);
  in_flight_.erase(key);
}

}  // namespace stratus::scheduler
