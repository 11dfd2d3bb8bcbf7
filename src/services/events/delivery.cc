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
#include "http/client.h"
#include "storage/keys.h"

#include <map>
#include <mutex>
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
  Entry e = entry_of(event, arn);
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

// ---- API destinations ----
std::mutex g_api_mu;
std::map<std::string, std::pair<int64_t, int64_t>> g_rate;  // destination ARN -> (second, calls in it)
std::map<std::string, std::string> g_tokens;                // connection ARN -> OAuth access token

bool take_rate(const std::string& arn, int64_t limit) {
  std::lock_guard lk(g_api_mu);
  int64_t sec = now_millis() / 1000;
  auto& [s, n] = g_rate[arn];
  if (s != sec) {
    s = sec;
    n = 0;
  }
  if (n >= limit) return false;
  ++n;
  return true;
}

// Key/value pairs of a connection's parameter lists ([{Key, Value}]) or a target's maps.
std::vector<std::pair<std::string, std::string>> pairs_of(const Doc* d) {
  std::vector<std::pair<std::string, std::string>> out;
  if (d && d->is_list())
    for (const Doc& p : d->as_list()) out.emplace_back(p.str("Key"), p.str("Value"));
  if (d && d->is_map())
    for (const auto& [k, v] : d->as_map()) out.emplace_back(k, v.is_string() ? v.as_string() : json::write(v));
  return out;
}

void add_params(const Doc* params, http::Headers& headers, std::string& query, Doc* body) {
  if (!params) return;
  for (const auto& [k, v] : pairs_of(params->get("HeaderParameters"))) headers.set(enc::ascii_lower(k), v);
  for (const auto& [k, v] : pairs_of(params->get("QueryStringParameters")))
    query += (query.empty() ? "" : "&") + enc::uri_encode(k) + "=" + enc::uri_encode(v);
  if (const Doc* b = params->get("BodyParameters"); b && b->is_list() && body)
    for (const Doc& p : b->as_list()) body->set(p.str("Key"), p.str("Value"));
}

// Client credentials grant against the connection's authorization endpoint; "" when it fails.
std::string oauth_token(const Doc& conn, bool refresh) {
  std::string arn = conn.str("ConnectionArn");
  if (!refresh) {
    std::lock_guard lk(g_api_mu);
    auto it = g_tokens.find(arn);
    if (it != g_tokens.end()) return it->second;
  }
  const Doc* o = conn.get("AuthParameters") ? conn.get("AuthParameters")->get("OAuthParameters") : nullptr;
  if (!o) return "";
  const Doc* c = o->get("ClientParameters");
  http::ClientRequest req;
  req.method = o->str("HttpMethod", "POST");
  req.url = o->str("AuthorizationEndpoint");
  req.timeout_ms = 5000;
  req.headers.set("authorization", "Basic " + enc::base64_encode((c ? c->str("ClientID") : "") + ":" +
                                                                 (c ? c->str("ClientSecret") : "")));
  std::string query = "grant_type=client_credentials";
  Doc body = Doc::map();
  add_params(o->get("OAuthHttpParameters"), req.headers, query, &body);
  if (req.method == "GET") {
    req.url += (req.url.find('?') == std::string::npos ? "?" : "&") + query;
  } else {
    req.headers.set("content-type", "application/x-www-form-urlencoded");
    req.body = query;
    for (const auto& [k, v] : body.as_map())
      req.body += "&" + enc::uri_encode(k) + "=" + enc::uri_encode(v.as_string());
  }
  auto res = http::fetch_blocking(std::move(req));
  if (!res.ok() || res.status / 100 != 2) return "";
  try {
    std::string token = json::parse(res.body).str("access_token");
    std::lock_guard lk(g_api_mu);
    g_tokens[arn] = token;
    return token;
  } catch (const AwsError&) {
    return "";
  }
}

Outcome to_api_destination(State& st, const Arn& a, const std::string& arn, const std::string& input,
                           const Doc& target) {
  std::string rest = a.resource.substr(16);  // after "api-destination/"
  std::string name = rest.substr(0, rest.find('/'));
  auto dest =
      load(st.db(), schema::kApiDestinations.name, storage::KeyBuilder().scope(a.account, a.region).str(name).take());
  if (!dest || dest->str("ApiDestinationArn") != arn)
    return Failure{"NO_RESOURCE", "API destination " + arn + " does not exist.", false};
  auto ca = Arn::parse(dest->str("ConnectionArn"));
  std::string conn_name = ca ? ca->resource.substr(11, ca->resource.find('/', 11) - 11) : "";
  auto conn =
      load(st.db(), schema::kConnections.name, storage::KeyBuilder().scope(a.account, a.region).str(conn_name).take());
  if (!conn) return Failure{"NO_RESOURCE", "Connection " + dest->str("ConnectionArn") + " does not exist.", false};
  if (conn->str("ConnectionState") == "DEAUTHORIZED")
    return Failure{"NO_PERMISSIONS", "Connection " + conn->str("Name") + " is deauthorized.", false};
  if (!take_rate(arn, dest->integer("InvocationRateLimitPerSecond", 300)))
    return Failure{"THROTTLING", "The API destination's invocation rate limit was exceeded.", true};
  for (bool refreshed : {false, true}) {
    http::ClientRequest req;
    req.method = dest->str("HttpMethod", "POST");
    req.url = dest->str("InvocationEndpoint");
    req.timeout_ms = 5000;
    // Path parameters fill the endpoint's '*' in order.
    if (const Doc* hp = target.get("HttpParameters"); hp && hp->get("PathParameterValues")) {
      for (const Doc& v : hp->get("PathParameterValues")->as_list()) {
        auto star = req.url.find('*');
        if (star == std::string::npos) break;
        req.url.replace(star, 1, v.as_string());
      }
    }
    std::string query;
    add_params(target.get("HttpParameters"), req.headers, query, nullptr);
    const Doc* auth = conn->get("AuthParameters");
    add_params(auth ? auth->get("InvocationHttpParameters") : nullptr, req.headers, query, nullptr);  // connection wins
    if (!query.empty()) req.url += (req.url.find('?') == std::string::npos ? "?" : "&") + query;
    std::string type = conn->str("AuthorizationType");
    if (type == "API_KEY" && auth && auth->get("ApiKeyAuthParameters")) {
      const Doc* k = auth->get("ApiKeyAuthParameters");
      req.headers.set(enc::ascii_lower(k->str("ApiKeyName")), k->str("ApiKeyValue"));
    } else if (type == "BASIC" && auth && auth->get("BasicAuthParameters")) {
      const Doc* b = auth->get("BasicAuthParameters");
      req.headers.set("authorization", "Basic " + enc::base64_encode(b->str("Username") + ":" + b->str("Password")));
    } else if (type == "OAUTH_CLIENT_CREDENTIALS") {
      std::string token = oauth_token(*conn, refreshed);
      if (token.empty()) return Failure{"NO_PERMISSIONS", "The OAuth token could not be obtained.", true};
      req.headers.set("authorization", "Bearer " + token);
    }
    req.headers.set("user-agent", "Amazon/EventBridge/ApiDestinations");
    req.headers.set("content-type", "application/json; charset=utf-8");
    req.headers.set("range", "bytes=0-1048575");
    req.headers.set("accept-encoding", "gzip,deflate");
    if (req.method != "GET" && req.method != "HEAD") req.body = input;
    auto res = http::fetch_blocking(std::move(req));
    if (!res.ok())
      return Failure{res.failure == http::ClientResponse::Failure::timeout ? "TIMEOUT" : "SDK_CLIENT_ERROR",
                     "Unable to invoke ApiDestination endpoint: " + res.error, true};
    if (type == "OAUTH_CLIENT_CREDENTIALS" && !refreshed && (res.status == 401 || res.status == 407)) continue;
    if (res.status / 100 == 2 || res.status / 100 == 1 || res.status / 100 == 3) return std::nullopt;
    bool retry = res.status == 429 || res.status >= 500;
    return Failure{"SDK_CLIENT_ERROR",
                   "Unable to invoke ApiDestination endpoint: The API destination endpoint responded with " +
                       std::to_string(res.status) + ".",
                   retry};
  }
  return Failure{"NO_PERMISSIONS", "The endpoint refused the OAuth token.", false};
}

// An API Gateway REST stage: arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH, invoked
// through this server's own invoke URL (the request AWS's service would send to the stage).
Outcome to_apigateway(ServerContext& server, const Arn& a, const std::string& input, const Doc& target) {
  std::vector<std::string> parts;
  size_t i = 0;
  const std::string& r = a.resource;
  while (parts.size() < 3 && i <= r.size()) {
    size_t j = r.find('/', i);
    if (j == std::string::npos) j = r.size();
    parts.push_back(r.substr(i, j - i));
    i = j + 1;
  }
  if (parts.size() < 2 || parts[0].empty() || parts[1].empty())
    return Failure{"NO_RESOURCE", "Target " + a.str() + " does not name an API Gateway stage.", false};
  std::string method = parts.size() > 2 && !parts[2].empty() && parts[2] != "*" ? parts[2] : "POST";
  std::string path = i < r.size() ? r.substr(i) : "";
  const Doc* hp = target.get("HttpParameters");
  if (hp && hp->get("PathParameterValues") && hp->get("PathParameterValues")->is_list()) {
    for (const Doc& v : hp->get("PathParameterValues")->as_list()) {
      auto star = path.find('*');
      if (star == std::string::npos) break;
      path.replace(star, 1, v.is_string() ? v.as_string() : "");
    }
  }
  http::ClientRequest req;
  req.method = method;
  req.timeout_ms = 29000;  // API Gateway's integration limit
  const auto& cfg = server.config();
  std::string host = cfg.host == "0.0.0.0" || cfg.host.empty() ? "127.0.0.1" : cfg.host;
  req.url = "http://" + host + ":" + std::to_string(cfg.port) + "/restapis/" + parts[0] + "/" + parts[1] +
            "/_user_request_/" + path;
  std::string query;
  add_params(hp, req.headers, query, nullptr);
  if (!query.empty()) req.url += "?" + query;
  req.headers.set("content-type", "application/json; charset=utf-8");
  req.headers.set("user-agent", "Amazon/EventBridge/CustomEvent");
  if (method != "GET" && method != "HEAD") req.body = input;
  auto res = http::fetch_blocking(std::move(req));
  if (!res.ok()) return Failure{"SDK_CLIENT_ERROR", "Unable to invoke the API Gateway stage: " + res.error, true};
  if (res.status / 100 == 2) return std::nullopt;
  if (res.status == 404 || res.status == 403)
    return Failure{"NO_RESOURCE", "API Gateway answered " + std::to_string(res.status) + ": " + res.body, false};
  return Failure{"SDK_CLIENT_ERROR", "API Gateway answered " + std::to_string(res.status) + ".",
                 res.status == 429 || res.status >= 500};
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

// Where a permanently failed event went (AWS/Events InvocationsSentToDlq and friends).
enum class DeadLetter { none, sent, failed };

DeadLetter dead_letter(ServerContext& server, const Doc& target, const std::string& rule_arn, const std::string& event,
                       const Failure& f, uint32_t attempts, const char* exhausted) {
  const Doc* dlq = target.get("DeadLetterConfig");
  std::string dlq_arn = dlq ? dlq->str("Arn") : "";
  if (dlq_arn.empty()) {
    spdlog::warn("events: dropped event for target {} of {}: {} {}", target.str("Id"), rule_arn, f.code, f.message);
    return DeadLetter::none;
  }
  auto* sqs = server.port<sqs::Api>();
  if (!sqs) return DeadLetter::failed;
  sqs::Delivery d;
  d.body = event;
  d.attrs.push_back({"ERROR_CODE", "String", f.code});
  d.attrs.push_back({"ERROR_MESSAGE", "String", f.message.empty() ? f.code : f.message});
  if (exhausted) d.attrs.push_back({"EXHAUSTED_RETRY_CONDITION", "String", exhausted});
  d.attrs.push_back({"RETRY_ATTEMPTS", "Number", std::to_string(attempts)});
  d.attrs.push_back({"RULE_ARN", "String", rule_arn});
  d.attrs.push_back({"TARGET_ARN", "String", target.str("Arn")});
  auto r = sqs->deliver(dlq_arn, std::move(d));
  if (r) return DeadLetter::sent;
  spdlog::warn("events: dead-letter queue {} refused the event: {}", dlq_arn, r.error().message);
  return DeadLetter::failed;
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
  std::string rule_name = p.str("rule_name");
  std::string input = input_of(target, event, rule_arn, rule_name, ingested);
  if (dv.attempt == 0)
    st.metric(account, region, "IngestionToInvocationStartLatency", "",
              static_cast<double>(std::max<int64_t>(0, now_millis() - ingested)), "Milliseconds");
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
    else if (a->service == "execute-api")
      out = to_apigateway(server, *a, input, target);
    else if (a->service == "events" && a->resource.rfind("api-destination/", 0) == 0)
      out = to_api_destination(st, *a, arn_text, input, target);
    else
      out = Failure{"NO_RESOURCE", "Targets of service " + a->service + " are not supported by Stratus.", false};
  } catch (const AwsError& e) {
    out = Failure{"SDK_CLIENT_ERROR", e.code + ": " + e.message, true};
  }
  // Invocations counts final outcomes only (a success, or a failure once retries are over).
  if (!out) {
    st.metric(account, region, "Invocations", rule_name);
    return Verdict::done();
  }
  if (out->code == "THROTTLING") st.metric(account, region, "ThrottledRules", rule_name);
  const Doc* rp = target.get("RetryPolicy");
  int64_t max_attempts = rp ? rp->integer("MaximumRetryAttempts", 185) : 185;
  int64_t max_age_s = rp ? rp->integer("MaximumEventAgeInSeconds", 86400) : 86400;
  int64_t age_ms = now_millis() - ingested;
  if (out->retryable) {
    int64_t base = env_positive("STRATUS_EVENTS_RETRY_MS", 1000);
    int64_t delay = backoff_ms(dv.attempt, base, base * 180);
    if (static_cast<int64_t>(dv.attempt) < max_attempts && age_ms + delay < max_age_s * 1000)
      return Verdict::retry_after(delay);
  }
  const char* why = !out->retryable                                    ? nullptr
                    : static_cast<int64_t>(dv.attempt) >= max_attempts ? "MaximumRetryAttempts"
                                                                       : "MaximumEventAgeInSeconds";
  DeadLetter dl = dead_letter(server, target, rule_arn, event, *out, dv.attempt, why);
  st.metric(account, region, "Invocations", rule_name);
  // FailedInvocations leaves out the failures that reached the dead-letter queue.
  if (dl == DeadLetter::sent) st.metric(account, region, "InvocationsSentToDlq", rule_name);
  if (dl == DeadLetter::failed) st.metric(account, region, "InvocationsFailedToBeSentToDlq", rule_name);
  if (dl != DeadLetter::sent) st.metric(account, region, "FailedInvocations", rule_name);
  return Verdict::drop();
}

}  // namespace

void State::save_rule(const std::string& account, const std::string& region, const std::string& key, Doc& rule,
                      int64_t now_ms) {
  storage::WriteBatch batch;
  std::optional<Queue::Ticket> ticket;
  std::string expr = rule.str("ScheduleExpression");
  if (!expr.empty() && rule.str("State") != "DISABLED") {
    int64_t anchor = now_ms;
    auto next = next_fire(expr, now_ms, anchor);
    std::string gen = ids::uuid4();
    rule.set("ScheduleGen", gen);
    rule.set("ScheduleAnchor", anchor);
    if (next) {
      Doc p = Doc::map();
      p.set("account", account);
      p.set("region", region);
      p.set("bus", rule.str("EventBusName", "default"));
      p.set("rule", rule.str("Name"));
      p.set("gen", gen);
      ticket = server_.events().add(batch, kScheduleTopic, json::write(p), *next);
    }
  } else {
    rule.as_map().erase("ScheduleGen");
  }
  batch.put(schema::kRules.name, key, json::write(rule));
  auto s = db_.write(batch);
  if (!s.ok()) throw stratus::errors::internal(s.message);
  if (ticket) server_.events().published(*ticket);
}

// A schedule rule's tick: a "Scheduled Event" to each of its targets, and the next tick, in one
// batch. The next tick is the first fire time after now: missed runs (downtime) are not made up.
Verdict State::tick(const events::Delivery& dv) {
  Doc p = json::parse(dv.payload);
  std::string account = p.str("account"), region = p.str("region");
  auto rule = load(db_, schema::kRules.name, rule_key(account, region, p.str("bus"), p.str("rule")));
  if (!rule || rule->str("State") == "DISABLED" || rule->str("ScheduleGen") != p.str("gen"))
    return Verdict::done();  // the rule is gone, disabled or re-armed: this chain ends
  int64_t now = now_millis();
  Entry e;
  e.source = "aws.events";
  e.detail_type = "Scheduled Event";
  e.resources.push_back(rule->str("Arn"));
  e.time = rfc3339(now);
  std::string event = envelope(ids::uuid4(), account, region, e, "{}", "");
  storage::WriteBatch batch;
  std::vector<Queue::Ticket> tickets;
  auto& queue = server_.events();
  metric(account, region, "TriggeredRules", rule->str("Name"));
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
      tickets.push_back(queue.add(batch, kDeliverTopic, json::write(d)));
    }
  }
  if (auto next =
          next_fire(rule->str("ScheduleExpression"), std::max(now, dv.due_at_ms), rule->integer("ScheduleAnchor", now)))
    tickets.push_back(queue.add(batch, kScheduleTopic, dv.payload, *next));
  auto s = db_.write(batch);
  if (!s.ok()) return Verdict::retry_after(1000);
  for (const auto& t : tickets) queue.published(t);
  return Verdict::done();
}

// API destinations and API Gateway stages answer over HTTP, which may take seconds: their
// deliveries run on the state's HTTP workers, so the shared dispatcher goes on with the others,
// and their verdicts are recorded when the call's result is known.
// The record is JSON text whose event is an escaped string, so an unescaped "Arn":" is the
// target's own (or its dead-letter queue's).
bool http_target(std::string_view payload) {
  static constexpr std::string_view kArn = "\"Arn\":\"";
  for (size_t i = payload.find(kArn); i != std::string_view::npos; i = payload.find(kArn, i + 1)) {
    std::string_view arn = payload.substr(i + kArn.size());
    arn = arn.substr(0, arn.find('"'));
    if (arn.find(":execute-api:") != std::string_view::npos || arn.find(":api-destination/") != std::string_view::npos)
      return true;
  }
  return false;
}

void subscribe_delivery(ServerContext& server, State& st) {
  auto guarded = [&server, &st](const events::Delivery& d) {
    try {
      return deliver(server, st, d);
    } catch (const std::exception& e) {
      spdlog::warn("events: bad delivery record: {}", e.what());
      return Verdict::drop();
    }
  };
  server.events().subscribe_async(kDeliverTopic, [&st, guarded](const events::Delivery& d, events::Finish finish) {
    if (!http_target(d.payload)) return finish(guarded(d));
    st.http_workers().post([guarded, d, finish] { finish(guarded(d)); });
  });
  server.events().subscribe(kScheduleTopic, [&st](const events::Delivery& d) {
    try {
      return st.tick(d);
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
