// Delivery of matched events to targets: one durable events::Queue delivery (kDeliverTopic) per
// event and target, the target's input (Input / InputPath / InputTransformer), the send through
// the target service's port, retries (RetryPolicy) and the dead-letter queue (DeadLetterConfig);
// the ticks of schedule rules (kScheduleTopic) and replay steps (kReplayTopic).
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/env.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/queue.h"
#include "server/context.h"
#include "services/events/ops.h"
#include "services/events/schema.h"
#include "services/events/transform.h"
#include "services/lambda/invoke.h"
#include "services/logs/api.h"
#include "services/sqs/api.h"
#include "storage/engine.h"

namespace stratus::events {

namespace {

struct Failure {
  std::string code;  // NO_RESOURCE, NO_PERMISSIONS, THROTTLING, TIMEOUT, SDK_CLIENT_ERROR, ...
  std::string message;
  bool retryable = true;
};
using Outcome = std::optional<Failure>;

OpContext::Caller principal_of(const std::string& account, const std::string& region) {
  OpContext::Caller c;
  c.account = account;
  c.region = region;
  c.arn = root_arn(account);
  return c;
}

Outcome to_sqs(ServerContext& server, const std::string& arn, const std::string& input, const Doc& target) {
  auto* sqs = server.port<sqs::Api>();
  if (!sqs) return Failure{"NO_RESOURCE", "SQS is not running", false};
  sqs::Delivery d;
  d.body = input;
  if (const Doc* p = target.get("SqsParameters")) d.group_id = p->str("MessageGroupId");
  auto r = sqs->deliver(arn, std::move(d));
  if (r) return std::nullopt;
  const auto& e = r.error();
  if (e.code.find("NonExistentQueue") != std::string::npos || e.code == "QueueDoesNotExist")
    return Failure{"NO_RESOURCE", "SQS queue " + arn + " does not exist.", false};
  return Failure{"SDK_CLIENT_ERROR", e.code + ": " + e.message, e.http_status >= 500};
}

Outcome to_lambda(ServerContext& server, const Arn& a, const std::string& arn, const std::string& input) {
  lambda::InvokeCall call;
  call.account = a.account;
  call.region = a.region;
  call.function = arn;
  call.payload = input;
  call.type = lambda::InvocationType::event;
  auto promise = std::make_shared<std::promise<lambda::InvokeOutcome>>();
  auto future = promise->get_future();
  lambda::invoke(server, std::move(call), [promise](lambda::InvokeOutcome out) { promise->set_value(std::move(out)); });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
    return Failure{"TIMEOUT", "Lambda did not accept the invocation in time.", true};
  auto out = future.get();
  if (!out.error) return std::nullopt;
  const auto& e = *out.error;
  if (e.code == "ResourceNotFoundException") return Failure{"NO_RESOURCE", e.message, false};
  if (e.code == "TooManyRequestsException") return Failure{"THROTTLING", e.message, true};
  if (e.code == "ServiceUnavailableException") return Failure{"SDK_CLIENT_ERROR", e.message, true};
  return Failure{"SDK_CLIENT_ERROR", e.code + ": " + e.message, e.http_status >= 500};
}

Outcome to_sns(ServerContext& server, const Arn& a, const std::string& arn, const std::string& input,
               const std::string& account) {
  Doc in = Doc::map();
  in.set("TopicArn", arn);
  in.set("Message", input);
  auto r = server.call_sync("sns", "Publish", std::move(in), principal_of(account, a.region));
  if (r) return std::nullopt;
  const auto& e = r.error();
  if (e.code == "NotFound") return Failure{"NO_RESOURCE", e.message, false};
  if (e.code == "AuthorizationError") return Failure{"NO_PERMISSIONS", e.message, false};
  return Failure{"SDK_CLIENT_ERROR", e.code + ": " + e.message, e.http_status >= 500};
}

Outcome to_bus(State& st, const Arn& a, const std::string& arn, const std::string& event, const std::string& account) {
  std::string name = bus_name_of(arn);
  auto bus = st.bus(a.account, a.region, name);
  if (!bus) return Failure{"NO_RESOURCE", "Event bus " + name + " does not exist.", false};
  if (!policy_allows_put(*bus, a.account, account))
    return Failure{"NO_PERMISSIONS", "Not authorized to put events on " + arn + ".", false};
  Doc ev = json::parse(event);
  Entry e;
  e.source = ev.str("source");
  e.detail_type = ev.str("detail-type");
  e.time = ev.str("time");
  if (const Doc* r = ev.get("resources"); r && r->is_list())
    for (const Doc& x : r->as_list()) e.resources.push_back(x.is_string() ? x.as_string() : "");
  e.detail = transform::extract(event, "$.detail").value_or("{}");
  e.bus = arn;
  auto r = st.publish(ev.str("account", account), a.region, std::move(e));
  if (r) return std::nullopt;
  return Failure{"SDK_CLIENT_ERROR", r.error().message, r.error().http_status >= 500};
}

Outcome to_logs(ServerContext& server, const Arn& a, const std::string& input, const std::string& event) {
  std::string group = a.resource.rfind("log-group:", 0) == 0 ? a.resource.substr(10) : a.resource;
  if (group.ends_with(":*")) group.resize(group.size() - 2);
  Doc ev = json::parse(event);
  std::string stream = ev.str("id");
  int64_t ts = enc::parse_iso8601(ev.str("time")).value_or(now_millis());
  Doc in = Doc::map();
  in.set("logGroupName", group);
  in.set("logStreamName", stream);
  auto r = server.call_sync("logs", "CreateLogStream", std::move(in), principal_of(a.account, a.region));
  bool create = false;
  if (!r) {
    const auto& e = r.error();
    if (e.code == "ResourceNotFoundException")
      return Failure{"NO_RESOURCE", "The specified log group does not exist.", false};
    if (e.code != "ResourceAlreadyExistsException") create = true;  // Logs not running: write through the port
  }
  std::string message = input;
  int64_t when = ts;
  // With a transformer the template is {"timestamp":<t>,"message":<m>}.
  if (auto m = transform::extract(input, "$.message")) {
    if (auto t = transform::extract(input, "$.timestamp")) {
      Doc md = json::parse(*m);
      message = md.is_string() ? md.as_string() : *m;
      Doc td = json::parse(*t);
      if (td.is_string())
        when = enc::parse_iso8601(td.as_string()).value_or(ts);
      else if (td.type() == Doc::Type::integer)
        when = td.as_int();
    }
  }
  auto st = logs::append(server, a.account, a.region, group, stream, {{when, message}}, create);
  if (st.ok()) return std::nullopt;
  if (st.not_found()) return Failure{"NO_RESOURCE", "The specified log group does not exist.", false};
  return Failure{"SDK_CLIENT_ERROR", st.message, true};
}

std::string input_of(const Doc& target, const std::string& event, const std::string& rule_arn,
                     const std::string& rule_name, int64_t ingested) {
  if (target.has("Input")) return target.str("Input");
  if (target.has("InputPath")) return transform::extract(event, target.str("InputPath")).value_or("");
  if (const Doc* tr = target.get("InputTransformer")) {
    std::map<std::string, std::string> paths;
    if (const Doc* m = tr->get("InputPathsMap"); m && m->is_map())
      for (const auto& [k, v] : m->as_map())
        if (v.is_string()) paths[k] = v.as_string();
    transform::Context c{rule_arn, rule_name, rfc3339(ingested)};
    return transform::render(tr->str("InputTemplate"), paths, event, c);
  }
  return event;
}

void dead_letter(ServerContext& server, const Doc& target, const std::string& rule_arn, const std::string& event,
                 const Failure& f, uint32_t attempts, const char* exhausted) {
  const Doc* dlq = target.get("DeadLetterConfig");
  std::string dlq_arn = dlq ? dlq->str("Arn") : "";
  if (dlq_arn.empty()) {
    spdlog::warn("events: dropped event for target {} of {}: {} {}", target.str("Id"), rule_arn, f.code, f.message);
    return;
  }
  auto* sqs = server.port<sqs::Api>();
  if (!sqs) return;
  sqs::Delivery d;
  d.body = event;
  d.attrs.push_back({"ERROR_CODE", "String", f.code});
  d.attrs.push_back({"ERROR_MESSAGE", "String", f.message.empty() ? f.code : f.message});
  if (exhausted) d.attrs.push_back({"EXHAUSTED_RETRY_CONDITION", "String", exhausted});
  d.attrs.push_back({"RETRY_ATTEMPTS", "Number", std::to_string(attempts)});
  d.attrs.push_back({"RULE_ARN", "String", rule_arn});
  d.attrs.push_back({"TARGET_ARN", "String", target.str("Arn")});
  auto r = sqs->deliver(dlq_arn, std::move(d));
  if (!r) spdlog::warn("events: dead-letter queue {} refused the event: {}", dlq_arn, r.error().message);
}

Verdict deliver(ServerContext& server, State& st, const events::Delivery& dv) {
  Doc p = json::parse(dv.payload);
  const Doc* tp = p.get("target");
  if (!tp) return Verdict::drop();
  const Doc& target = *tp;
  std::string account = p.str("account"), region = p.str("region"), rule_arn = p.str("rule_arn");
  std::string event = p.str("event");
  int64_t ingested = p.integer("ingested", now_millis());
  std::string arn_text = target.str("Arn");
  std::string input = input_of(target, event, rule_arn, p.str("rule_name"), ingested);
  Outcome out;
  auto a = Arn::parse(arn_text);
  try {
    if (!a)
      out = Failure{"NO_RESOURCE", "Target " + arn_text + " is not an ARN.", false};
    else if (a->service == "sqs")
      out = to_sqs(server, arn_text, input, target);
    else if (a->service == "lambda")
      out = to_lambda(server, *a, arn_text, input);
    else if (a->service == "sns")
      out = to_sns(server, *a, arn_text, input, account);
    else if (a->service == "events" && a->resource.rfind("event-bus/", 0) == 0)
      out = to_bus(st, *a, arn_text, event, account);
    else if (a->service == "logs")
      out = to_logs(server, *a, input, event);
    else
      out = Failure{"NO_RESOURCE", "Targets of service " + a->service + " are not supported by Stratus.", false};
  } catch (const AwsError& e) {
    out = Failure{"SDK_CLIENT_ERROR", e.code + ": " + e.message, true};
  }
  if (!out) return Verdict::done();
  const Doc* rp = target.get("RetryPolicy");
  int64_t max_attempts = rp ? rp->integer("MaximumRetryAttempts", 185) : 185;
  int64_t max_age_s = rp ? rp->integer("MaximumEventAgeInSeconds", 86400) : 86400;
  int64_t age_ms = now_millis() - ingested;
  if (out->retryable) {
    int64_t base = env_positive("STRATUS_EVENTS_RETRY_MS", 1000);
    int64_t delay = backoff_ms(dv.attempt, base, base * 180);
    if (static_cast<int64_t>(dv.attempt) < max_attempts && age_ms + delay < max_age_s * 1000)
      return Verdict::retry_after(delay);
    const char* why =
        static_cast<int64_t>(dv.attempt) >= max_attempts ? "MaximumRetryAttempts" : "MaximumEventAgeInSeconds";
    dead_letter(server, target, rule_arn, event, *out, dv.attempt, why);
  } else {
    dead_letter(server, target, rule_arn, event, *out, dv.attempt, nullptr);
  }
  return Verdict::drop();
}

// A schedule rule's tick: a "Scheduled Event" to each of its targets.
Verdict tick(State& st, const events::Delivery& dv) {
  Doc p = json::parse(dv.payload);
  std::string account = p.str("account"), region = p.str("region");
  auto rule = load(st.db(), schema::kRules.name, rule_key(account, region, p.str("bus"), p.str("rule")));
  if (!rule || rule->str("State") == "DISABLED" || !rule->has("ScheduleExpression") ||
      p.str("expr") != rule->str("ScheduleExpression")) {
    // The rule changed or is gone: this chain ends (a new one was armed for the new expression).
    st.server().events().unschedule(dv.schedule);
    return Verdict::done();
  }
  Entry e;
  e.source = "aws.events";
  e.detail_type = "Scheduled Event";
  e.detail = "{}";
  e.resources.push_back(rule->str("Arn"));
  int64_t now = now_millis();
  e.time = rfc3339(now);
  std::string event = State::envelope(ids::uuid4(), account, region, e, "{}", "");
  storage::WriteBatch batch;
  std::vector<Queue::Ticket> tickets;
  if (const Doc* targets = rule->get("Targets"); targets && targets->is_list()) {
    for (const Doc& t : targets->as_list()) {
      Doc d = Doc::map();
      d.set("account", account);
      d.set("region", region);
      d.set("rule_arn", rule->str("Arn"));
      d.set("rule_name", rule->str("Name"));
      d.set("target", t);
      d.set("event", event);
      d.set("ingested", now);
      tickets.push_back(st.server().events().add(batch, kDeliverTopic, json::write(d)));
    }
  }
  if (!batch.empty()) {
    auto s = st.db().write(batch);
    if (!s.ok()) return Verdict::retry_after(1000);
    for (const auto& t : tickets) st.server().events().published(t);
  }
  return Verdict::done();
}

}  // namespace

void State::arm_schedule(const std::string& account, const std::string& region, const Doc& rule) {
  std::string arn = rule.str("Arn");
  std::string expr = rule.str("ScheduleExpression");
  auto period = expr.empty() ? std::nullopt : schedule_period_ms(expr);
  if (rule.str("State") == "DISABLED" || !period || *period <= 0) {
    disarm_schedule(arn);
    return;
  }
  Doc p = Doc::map();
  p.set("account", account);
  p.set("region", region);
  p.set("bus", rule.str("EventBusName", "default"));
  p.set("rule", rule.str("Name"));
  p.set("expr", expr);
  auto s = server_.events().schedule("events:" + arn, kScheduleTopic, json::write(p), *period);
  if (!s.ok()) throw stratus::errors::internal(s.message);
}

void State::disarm_schedule(const std::string& rule_arn) {
  auto s = server_.events().unschedule("events:" + rule_arn);
  if (!s.ok() && !s.not_found()) spdlog::warn("events: cannot stop the schedule of {}: {}", rule_arn, s.message);
}

void subscribe_delivery(ServerContext& server, State& st) {
  server.events().subscribe(kDeliverTopic, [&server, &st](const events::Delivery& d) {
    try {
      return deliver(server, st, d);
    } catch (const std::exception& e) {
      spdlog::warn("events: bad delivery record: {}", e.what());
      return Verdict::drop();
    }
  });
  server.events().subscribe(kScheduleTopic, [&st](const events::Delivery& d) {
    try {
      return tick(st, d);
    } catch (const std::exception& e) {
      spdlog::warn("events: bad schedule record: {}", e.what());
      return Verdict::drop();
    }
  });
  server.events().subscribe(kReplayTopic, [&st](const events::Delivery& d) {
    try {
      Doc p = json::parse(d.payload);
      run_replay(st, p.str("account"), p.str("region"), p.str("name"));
    } catch (const std::exception& e) {
      spdlog::warn("events: replay failed: {}", e.what());
    }
    return Verdict::done();
  });
}

}  // namespace stratus::events
