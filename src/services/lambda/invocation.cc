#include <spdlog/spdlog.h>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "runtime/manager.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/lambda/destinations.h"
#include "services/lambda/errors.h"
#include "services/lambda/invoke.h"
#include "services/lambda/state.h"

namespace stratus::lambda {

static int64_t mono_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

static AwsError throttled(const std::string& reason) {
  AwsError e = errors::too_many_requests("Rate Exceeded.");
  e.extra_json = "{\"Reason\":\"" + reason + "\"}";
  return e;
}

AwsError payload_too_large(size_t size, const char* invocation_type, size_t limit) {
  return AwsError("RequestEntityTooLargeException",
                  std::to_string(size) + " byte payload is too large for the " + invocation_type +
                      " invocation type (limit " + std::to_string(limit) + " bytes)",
                  413, true);
}

void State::run(ServerContext& server, InvokeCall call, InvokeDone done) {
  InvokeOutcome out;
  out.request_id = call.request_id.empty() ? ids::uuid4() : call.request_id;
  auto fail = [&](AwsError e) {
    out.error = std::move(e);
    done(std::move(out));
  };
  try {
    int64_t now = now_millis();
    const std::string& account = call.account;
    const std::string& region = call.region;
    Doc in = Doc::map();
    in.set("FunctionName", call.function);
    if (!call.qualifier.empty()) in.set("Qualifier", call.qualifier);
    FnRef ref = parse_ref(in);
    bool event = call.type == InvocationType::event;
    size_t limit = event ? kAsyncPayload : kSyncPayload;
    if (call.payload.size() > limit)
      return fail(payload_too_large(call.payload.size(), event ? "Event" : "RequestResponse", limit));
    if (!call.payload.empty()) {
      try {
        (void)json::parse(call.payload);
      } catch (const AwsError& e) {
        return fail(errors::invalid_request_content("Could not parse request body into json: Could not parse payload into json: " + e.message));
      }
    }
    Target t = target(account, region, ref.name, ref.qualifier);
    if (call.type == InvocationType::dry_run) {
      out.status = 204;
      return done(std::move(out));
    }
    std::string invoked = function_arn(account, region, ref.name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
    if (event) {
      Doc d = Doc::map();
      d.set("a", account);
      d.set("r", region);
      d.set("f", ref.name);
      d.set("q", ref.qualifier);
      d.set("p", enc::base64_encode(call.payload));
      d.set("id", out.request_id);
      d.set("n", 0);
      d.set("t", now);
      auto st = server.events().enqueue(kAsyncTopic, json::write(d));
      if (!st.ok()) return fail(stratus::errors::internal(st.message));
      out.status = 202;
      return done(std::move(out));
    }
    runtime::InvokeRequest req;
    req.request_id = out.request_id;
    req.payload = std::move(call.payload);
    req.invoked_arn = invoked;
    req.client_context = std::move(call.client_context);
    req.tail = call.tail;
    out.executed_version = t.spec->version;
    invocation_started(account, region, ref.name);
    int64_t started = mono_us();
    manager_->invoke(t.spec, std::move(req),
                     [this, account, region, fn = ref.name, started, out = std::move(out),
                      done = std::move(done)](runtime::InvokeResult r) mutable {
                       invocation_ended(account, region, fn, static_cast<int>(r.kind), started);
                       if (r.kind == runtime::InvokeResult::Kind::throttled) {
                         out.error = throttled(r.throttle_reason);
                         return done(std::move(out));
                       }
                       out.payload = std::move(r.payload);
                       if (r.kind == runtime::InvokeResult::Kind::function_error) out.function_error = "Unhandled";
                       out.error_type = std::move(r.error_type);
                       out.log_tail = std::move(r.log_tail);
                       out.streamed = r.streamed;
                       out.content_type = std::move(r.content_type);
                       out.partial = std::move(r.partial);
                       done(std::move(out));
                     });
  } catch (const AwsError& e) {
    fail(e);
  }
}

// AWS/Lambda metrics, published through CloudWatch's port (a counter bump each; nothing when
// CloudWatch is not running). ConcurrentExecutions is the number of invocations in flight when
// one starts (Maximum is its statistic).
void State::invocation_started(const std::string& account, const std::string& region, const std::string& fn) {
  if (!metrics_) return;
  int n;
  {
    std::lock_guard lock(running_mu_);
    thread_local std::string key;
    key.assign(account).append(1, '\0').append(region).append(1, '\0').append(fn);
    n = ++running_[key];
  }
  const cloudwatch::Dimension dims[] = {{"FunctionName", fn}};
  metrics_->put(account, region, "AWS/Lambda", "ConcurrentExecutions", dims, n, "Count");
  metrics_->put(account, region, "AWS/Lambda", "ConcurrentExecutions", {}, n, "Count");
}

void State::invocation_ended(const std::string& account, const std::string& region, const std::string& fn, int outcome,
                             int64_t started_us) {
  if (!metrics_) return;
  {
    std::lock_guard lock(running_mu_);
    thread_local std::string key;
    key.assign(account).append(1, '\0').append(region).append(1, '\0').append(fn);
    if (auto it = running_.find(key); it != running_.end() && --it->second <= 0) running_.erase(it);
  }
  const cloudwatch::Dimension dims[] = {{"FunctionName", fn}};
  for (std::span<const cloudwatch::Dimension> d :
       {std::span<const cloudwatch::Dimension>(dims), std::span<const cloudwatch::Dimension>()}) {
    if (outcome == static_cast<int>(runtime::InvokeResult::Kind::throttled)) {
      metrics_->put(account, region, "AWS/Lambda", "Throttles", d, 1, "Count");
      continue;
    }
    bool error = outcome == static_cast<int>(runtime::InvokeResult::Kind::function_error);
    metrics_->put(account, region, "AWS/Lambda", "Invocations", d, 1, "Count");
    metrics_->put(account, region, "AWS/Lambda", "Errors", d, error ? 1 : 0, "Count");
    metrics_->put(account, region, "AWS/Lambda", "Duration", d, static_cast<double>(mono_us() - started_us) / 1000.0,
                  "Milliseconds");
  }
}

Result<std::string> State::existing_arn(ServerContext& server, const std::string& account, const std::string& region,
                                 const std::string& function) {
  try {
    Doc in = Doc::map();
    in.set("FunctionName", function);
    FnRef ref = parse_ref(in);
    Doc rec = must_load(account, region, ref.name);
    (void)resolve(rec, function_arn(account, region, ref.name), ref.qualifier);
    return function_arn(account, region, ref.name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
  } catch (const AwsError& e) {
    return e;
  }
}

// One Event invocation (queue dispatcher thread): hand it to the manager and return. A failure
// (function error or timeout) enqueues the next attempt after AWS's backoff (1 then 2 minutes;
// STRATUS_LAMBDA_ASYNC_RETRY_MS sets the base); the queue keeps it across restarts. Events
// older than MaximumEventAgeInSeconds, and failures after the last retry, go to OnFailure and
// the dead-letter queue; successes to OnSuccess.
events::Verdict State::deliver_async(const events::Delivery& d) {
  Doc job;
  try {
    job = json::parse(d.payload);
  } catch (const AwsError& e) {
    spdlog::error("lambda: dropping unreadable event invocation: {}", e.message);
    return events::Verdict::drop();
  }
  std::string inflight_key = job.str("id") + ":" + std::to_string(job.integer("n"));
  Target t;
  try {
    t = target(job.str("a"), job.str("r"), job.str("f"), job.str("q"));
  } catch (const AwsError& e) {
    spdlog::warn("lambda: dropping event invocation {} of {}: {}", job.str("id"), job.str("f"), e.message);
    return events::Verdict::drop();
  }
  if (now_millis() - job.integer("t") > t.max_age_s * 1000) {
    spdlog::warn("lambda: event invocation {} of {} is older than {} s", job.str("id"), job.str("f"), t.max_age_s);
    async_outcome(job, t, "EventAgeExceeded", nullptr);
    return events::Verdict::done();
  }
  functions_->put_inflight(inflight_key, d.payload);
  runtime::InvokeRequest req;
  req.request_id = job.str("id");
  req.payload = enc::base64_decode(job.str("p")).value_or("");
  req.invoked_arn = function_arn(job.str("a"), job.str("r"), job.str("f")) + (job.str("q").empty() ? "" : ":" + job.str("q"));
  invocation_started(job.str("a"), job.str("r"), job.str("f"));
  int64_t started = mono_us();
  manager_->invoke(t.spec, std::move(req), [this, job, inflight_key, t, started](runtime::InvokeResult r) mutable {
    invocation_ended(job.str("a"), job.str("r"), job.str("f"), static_cast<int>(r.kind), started);
    ServerContext& server = *server_;
    int64_t n = job.integer("n");
    if (r.kind == runtime::InvokeResult::Kind::throttled) {
      // Throttles do not count as attempts: they wait (from 1 s, doubling, up to 5 minutes, as
      // on AWS; scaled with the retry base) and try again until the event is too old.
      uint32_t th = static_cast<uint32_t>(job.integer("th"));
      job.set("th", static_cast<int64_t>(th) + 1);
      int64_t first = std::max<int64_t>(1, retry_base_ms_ / 60);
      server.events().enqueue(kAsyncTopic, json::write(job), now_millis() + events::backoff_ms(th, first, first * 300));
    } else if (r.kind == runtime::InvokeResult::Kind::ok) {
      async_outcome(job, t, "Success", &r);
    } else if (n < t.max_retries) {
      job.set("n", n + 1);
      server.events().enqueue(kAsyncTopic, json::write(job), now_millis() + retry_base_ms_ * (n + 1));
    } else {
      spdlog::warn("lambda: event invocation {} of {} failed after {} attempts", job.str("id"), job.str("f"), n + 1);
      async_outcome(job, t, "RetriesExhausted", &r);
    }
    functions_->del_inflight(inflight_key);
  });
  return events::Verdict::done();
}

static Doc json_or_text(const std::string& s) {
  if (s.empty()) return Doc();
  try {
    return json::parse(s);
  } catch (const AwsError&) {
    return Doc(s);
  }
}

// The destination record AWS sends for an Event invocation, and the dead-letter message.
void State::async_outcome(const Doc& job, const Target& t, const char* condition, const runtime::InvokeResult* r) {
  bool success = std::string_view(condition) == "Success";
  const std::string& dest = success ? t.on_success : t.on_failure;
  std::string payload = enc::base64_decode(job.str("p")).value_or("");
  std::string account = job.str("a");
  if (!dest.empty()) {
    Doc rc = Doc::map();
    rc.set("requestId", job.str("id"));
    rc.set("functionArn", Arn::make("lambda", job.str("r"), account,
                                     "function:" + job.str("f") + ":" + (job.str("q").empty() ? "$LATEST" : job.str("q"))));
    rc.set("condition", condition);
    rc.set("approximateInvokeCount", job.integer("n") + (r ? 1 : 0));
    Doc rec = Doc::map();
    rec.set("version", "1.0");
    rec.set("timestamp", enc::iso8601(now_millis()));
    rec.set("requestContext", std::move(rc));
    rec.set("requestPayload", json_or_text(payload));
    if (r) {
      Doc resp = Doc::map();
      resp.set("statusCode", 200);
      resp.set("executedVersion", t.spec->version);
      if (!success) resp.set("functionError", "Unhandled");
      rec.set("responseContext", std::move(resp));
      rec.set("responsePayload", json_or_text(r->payload));
    }
    send_to_destination(*server_, account, dest, json::write(rec));
  }
  if (!success && !t.dead_letter.empty()) {
    std::string message = condition;
    if (r) {
      Doc err = json_or_text(r->payload);
      message = err.is_map() ? err.str("errorMessage", r->payload) : r->payload;
    }
    if (message.size() > 1024) message.resize(1024);
    send_to_destination(*server_, account, t.dead_letter, payload,
                        {{"RequestID", "String", job.str("id")},
                         {"ErrorCode", "Number", "200"},
                         {"ErrorMessage", "String", message}});
  }
}

// ---- invoke.h ----

void invoke(ServerContext& server, InvokeCall call, InvokeDone done) {
  State* svc = State::of(server);
  if (!svc) {
    InvokeOutcome out;
    out.error = AwsError("ServiceUnavailableException", "Lambda is not running in this Stratus.", 503, false);
    return done(std::move(out));
  }
  svc->run(server, std::move(call), std::move(done));
}

Result<std::string> function_arn(ServerContext& server, const std::string& account, const std::string& region,
                                 const std::string& function) {
  State* svc = State::of(server);
  if (!svc) return AwsError("ServiceUnavailableException", "Lambda is not running in this Stratus.", 503, false);
  return svc->existing_arn(server, account, region, function);
}

}  // namespace stratus::lambda
