#include "runtime/pool.h"

#include <string.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "runtime/extensions.h"
#include "runtime/process.h"

namespace stratus::runtime {

// Invoke's ClientContext is base64 JSON; runtimes get the JSON text itself (AWS's clients
// JSON-parse the header). Written compact, so the header holds no line break; "" when it is not
// base64 of a JSON document.
std::string client_context_header(std::string_view b64) {
  auto raw = enc::base64_decode(b64);
  if (!raw) return "";
  try {
    return json::write(json::parse(*raw));
  } catch (const std::exception&) {
    return "";
  }
}

namespace {

// A platform record: the text line, or with LoggingConfig LogFormat JSON AWS's JSON record
// ({"time", "type": "platform.<event>", "record"}) when level (0 DEBUG, 1 INFO, 2 WARN) reaches
// the function's SystemLogLevel.
void platform(Env& e, const char* event, int level, const Doc& record, std::string text) {
  if (e.spec->log_format != "JSON") return log_line(e, std::move(text));
  const std::string& min = e.spec->system_log_level;
  int threshold = min == "DEBUG" ? 0 : min == "WARN" ? 2 : 1;
  if (level < threshold) return;
  log_line(e, "{\"time\":\"" + enc_time() + "\",\"type\":\"platform." + event + "\",\"record\":" + json::write(record) +
                  "}");
}

double ms2(double v) {
  return std::round(v * 100) / 100;
}

http::Response next_response(const Invocation& inv) {
  http::Response r;
  r.status = 200;
  r.headers.set("content-type", "application/json");
  r.headers.set("lambda-runtime-aws-request-id", inv.req.request_id);
  r.headers.set("lambda-runtime-deadline-ms", std::to_string(inv.deadline_ms));
  r.headers.set("lambda-runtime-invoked-function-arn", inv.req.invoked_arn);
  r.headers.set("lambda-runtime-trace-id", inv.trace_id);
  if (!inv.req.client_context.empty()) {
    std::string cc = client_context_header(inv.req.client_context);
    if (!cc.empty()) r.headers.set("lambda-runtime-client-context", cc);
  }
  if (!inv.req.cognito_identity.empty()) r.headers.set("lambda-runtime-cognito-identity", inv.req.cognito_identity);
  r.body = inv.req.payload.empty() ? "{}" : inv.req.payload;  // no payload: the function gets {} as on AWS
  return r;
}

}  // namespace

Pools::Pools(int default_max_environments, bool sandboxed, std::function<void()> wake)
    : default_max_(default_max_environments), sandboxed_(sandboxed), wake_(std::move(wake)) {}

bool Pools::kept_warm(const Env& e) {
  const Pool& p = *e.pool;
  if (p.provisioned <= 0) return false;
  int live = 0;
  for (const Env* o : p.envs) live += o->kill_reason.empty() && o->state != Env::State::dead ? 1 : 0;
  return live <= p.provisioned;
}

Pool& Pools::pool_of(const FunctionSpec& spec) {
  auto& slot = pools_[spec.pool_key];
  if (!slot) {
    slot = std::make_unique<Pool>();
    slot->key = spec.pool_key;
  }
  return *slot;
}

int Pools::cap(const Pool& p) const {
  return p.spec->reserved ? p.spec->max_environments : default_max_;
}

void Pools::dispatch(Env& e, After& after) {
  if (!e.parked || e.current || !e.kill_reason.empty()) return;
  if (!ExtensionsApi::ready(e)) {
    if (e.state != Env::State::starting) e.state = Env::State::returning;
    return;
  }
  if (e.state == Env::State::starting) {
    e.init_ms = steady_ms() - e.spawned;
    if (sandboxed_) follow_sandboxed_runtime(e);
  }
  e.ext_deadline_ms = 0;
  Pool& p = *e.pool;
  if (p.retired && p.queue.empty()) {
    e.kill_reason = "retired";
    e.state = Env::State::idle;
    wake_();
    return;
  }
  if (!p.queue.empty()) {
    auto inv = p.queue.front();
    p.queue.pop_front();
    http::Responder r = std::move(e.parked);
    e.parked = nullptr;
    after.replies.emplace_back(std::move(r), assign(e, std::move(inv), after));
  } else {
    // Pre-warmed (provisioned) environments report their init now, not in the first REPORT.
    if (e.state == Env::State::starting && p.provisioned > 0 && !e.init_reported) {
      Doc rec = Doc::map();
      rec.set("initializationType", "provisioned-concurrency");
      rec.set("phase", "init");
      rec.set("status", "success");
      Doc metrics = Doc::map();
      metrics.set("durationMs", ms2(e.init_ms));
      rec.set("metrics", std::move(metrics));
      platform(e, "initReport", 1, rec,
               "INIT_REPORT Init Duration: " + fmt2(e.init_ms) + " ms\tPhase: init\tStatus: success");
      e.init_reported = true;
    }
    e.state = Env::State::idle;
    e.idle_since_ms = now_millis();
    wake_();  // idle deadline
  }
}

http::Response Pools::assign(Env& e, std::shared_ptr<Invocation> inv, After& after) {
  e.state = Env::State::busy;
  inv->started = steady_ms();
  inv->deadline_ms = now_millis() + int64_t{e.spec->timeout_s} * 1000;
  e.current = inv;
  if (!e.exts.empty()) {
    e.ext_deadline_ms = inv->deadline_ms;
    ExtensionsApi::send_invoke(e, *inv, after);
  }
  Doc rec = Doc::map();
  rec.set("requestId", inv->req.request_id);
  rec.set("version", e.spec->version);
  platform(e, "start", 1, rec, "START RequestId: " + inv->req.request_id + " Version: " + e.spec->version);
  wake_();  // the monitor must know the new deadline
  return next_response(*inv);
}

void Pools::maybe_spawn(Pool& p) {
  int soon = 0;
  for (Env* e : p.envs) {
    if (e->state == Env::State::spawning || e->state == Env::State::starting ||
        e->state == Env::State::returning)
      ++soon;
  }
  int total = static_cast<int>(p.envs.size());
  bool any = false;
  while ((static_cast<int>(p.queue.size()) > soon || (total < p.provisioned && !p.retired)) && total < cap(p) &&
         !stopping_) {
    auto env = std::make_unique<Env>();
    env->id = next_env_++;
    env->pool = &p;
    env->spec = p.spec;
    char date[16];
    std::time_t t = now_millis() / 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(date, sizeof date, "%Y/%m/%d", &tm);
    std::string hex;
    for (int i = 0; i < 2; ++i) hex += ids::uuid4().substr(0, 8) + ids::uuid4().substr(24, 8);
    env->stream = std::string(date) + "/[" + p.spec->version + "]" + hex;
    p.envs.push_back(env.get());
    envs_[env->id] = std::move(env);
    ++soon;
    ++total;
    any = true;
  }
  if (any) wake_();
}

void Pools::complete(Env& e, InvokeResult res, const char* status, After& after) {
  auto inv = e.current;
  double now = steady_ms();
  double dur = now - inv->started;
  // The bootstrap's own peak catches spikes between the samples of the whole process group.
  e.peak_kb = std::max(e.peak_kb, hwm_kb(e.status_fd));
  report_dropped(e);
  std::string st = !status ? "success" : std::string_view(status).substr(0, 7) == "timeout" ? "timeout" : "error";
  int level = status ? 2 : 1;
  Doc done = Doc::map();
  done.set("requestId", inv->req.request_id);
  done.set("status", st);
  Doc dm = Doc::map();
  dm.set("durationMs", ms2(dur));
  dm.set("producedBytes", static_cast<int64_t>(res.payload.size()));
  done.set("metrics", std::move(dm));
  platform(e, "runtimeDone", status ? 2 : 0, done, "END RequestId: " + inv->req.request_id);
  Doc metrics = Doc::map();
  metrics.set("durationMs", ms2(dur));
  metrics.set("billedDurationMs", static_cast<int64_t>(dur) + 1);
  metrics.set("memorySizeMB", e.spec->memory_mb);
  metrics.set("maxMemoryUsedMB", std::max<int64_t>(1, (e.peak_kb + 1023) / 1024));
  std::string report = "REPORT RequestId: " + inv->req.request_id + "\tDuration: " + fmt2(dur) +
                       " ms\tBilled Duration: " + std::to_string(static_cast<int64_t>(dur) + 1) +
                       " ms\tMemory Size: " + std::to_string(e.spec->memory_mb) +
                       " MB\tMax Memory Used: " + std::to_string(std::max<int64_t>(1, (e.peak_kb + 1023) / 1024)) + " MB";
  if (!e.init_reported && e.init_ms >= 0) {
    report += "\tInit Duration: " + fmt2(e.init_ms) + " ms";
    metrics.set("initDurationMs", ms2(e.init_ms));
    e.init_reported = true;
  }
  if (status) report += std::string("\tStatus: ") + status;
  Doc rep = Doc::map();
  rep.set("requestId", inv->req.request_id);
  rep.set("metrics", std::move(metrics));
  rep.set("status", st);
  if (status && !res.error_type.empty()) rep.set("errorType", res.error_type);
  platform(e, "report", level, rep, std::move(report));
  e.current.reset();
  if (inv->req.tail) {
    res.log_tail = inv->tail.size() > kTailBytes ? inv->tail.substr(inv->tail.size() - kTailBytes) : inv->tail;
  }
  after.done.emplace_back(std::move(inv->done), std::move(res));
}

void Pools::buried(Env& e, int wstatus, After& after) {
  bool was_starting = e.state == Env::State::starting;
  e.state = Env::State::dead;
  std::string reason = e.kill_reason;
  std::string why;
  if (WIFEXITED(wstatus)) why = "exit status " + std::to_string(WEXITSTATUS(wstatus));
  else if (WIFSIGNALED(wstatus)) {
    why = "signal: " + std::string(strsignal(WTERMSIG(wstatus)));  // as Go prints it: "signal: killed"
    why[8] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[8])));
  }
  if (reason == "oom") why = "signal: killed";
  if (e.current) {
    const std::string& rid = e.current->req.request_id;
    InvokeResult res;
    res.kind = InvokeResult::Kind::function_error;
    if (reason == "timeout") {
      std::string msg = "Task timed out after " + fmt2(e.spec->timeout_s) + " seconds";
      log_line(e, enc_time() + " " + rid + " " + msg);
      res.error_type = "Sandbox.Timedout";
      res.payload = error_doc(res.error_type, "RequestId: " + rid + " Error: " + msg);
      complete(e, std::move(res), "timeout", after);
    } else if (reason == "extension-crash") {
      res.error_type = "Extension.Crash";
      log_line(e, "RequestId: " + rid + " Error: " + e.crash + "\n" + res.error_type);
      res.payload = error_doc(res.error_type, "RequestId: " + rid + " Error: " + e.crash);
      complete(e, std::move(res), "error", after);
    } else {
      std::string msg = "Runtime exited with error: " + why;
      if (reason == "stop") msg = "Runtime exited: the server is shutting down";
      res.error_type = "Runtime.ExitError";
      log_line(e, "RequestId: " + rid + " Error: " + msg + "\n" + res.error_type);
      res.payload = error_doc(res.error_type, "RequestId: " + rid + " Error: " + msg);
      complete(e, std::move(res), reason == "oom" ? "error\tError Type: Runtime.OutOfMemory" : "error", after);
    }
  } else if (was_starting && (reason.empty() || reason == "oom" || reason == "init-error" || reason == "extension-crash") && !e.pool->queue.empty()) {
    // Init failed: the invocation that waited for this environment gets the error.
    auto inv = e.pool->queue.front();
    e.pool->queue.pop_front();
    InvokeResult res;
    res.kind = InvokeResult::Kind::function_error;
    if (!e.init_error.empty()) {
      res.payload = e.init_error;
      try {
        res.error_type = json::parse(e.init_error).str("errorType");
      } catch (const std::exception&) {
      }
    } else {
      res.error_type = "Runtime.ExitError";
      res.payload = error_doc(res.error_type, "RequestId: " + inv->req.request_id +
                                                  " Error: Runtime exited with error: " + why);
    }
    Doc rec = Doc::map();
    rec.set("initializationType", "on-demand");
    rec.set("phase", "init");
    rec.set("status", "error");
    rec.set("errorType", res.error_type);
    Doc metrics = Doc::map();
    metrics.set("durationMs", ms2(steady_ms() - e.spawned));
    rec.set("metrics", std::move(metrics));
    platform(e, "initReport", 2, rec,
             "INIT_REPORT Init Duration: " + fmt2(steady_ms() - e.spawned) +
                 " ms\tPhase: init\tStatus: error\tError Type: " + res.error_type);
    if (inv->req.tail) res.log_tail = e.logs.empty() ? "" : [&] {
      std::string t;
      for (const auto& l : e.logs) t += l.message + "\n";
      return t.size() > kTailBytes ? t.substr(t.size() - kTailBytes) : t;
    }();
    after.done.emplace_back(std::move(inv->done), std::move(res));
  } else if (reason == "init-timeout" && !e.pool->queue.empty()) {
    auto inv = e.pool->queue.front();
    e.pool->queue.pop_front();
    InvokeResult res;
    res.kind = InvokeResult::Kind::function_error;
    res.error_type = "Sandbox.Timedout";
    res.payload = error_doc(res.error_type, "RequestId: " + inv->req.request_id +
                                                " Error: Task timed out after " + fmt2(e.spec->timeout_s) + " seconds");
    after.done.emplace_back(std::move(inv->done), std::move(res));
  }
  if (e.parked) {
    after.replies.emplace_back(std::move(e.parked), json_response(410, error_doc("EnvironmentStopped", "stopped")));
    e.parked = nullptr;
  }
}

void Pools::invoke(std::shared_ptr<Invocation> inv, After& after) {
  const std::shared_ptr<const FunctionSpec>& spec = inv->spec;
  Pool& p = pool_of(*spec);
  p.spec = spec;
  if (stopping_) {
    InvokeResult r;
    r.kind = InvokeResult::Kind::throttled;
    r.throttle_reason = "ServerShuttingDown";
    after.done.emplace_back(std::move(inv->done), std::move(r));
    return;
  }
  if (spec->reserved) {
    int busy = 0;
    for (Env* e : p.envs) busy += e->state == Env::State::busy ? 1 : 0;
    if (busy + static_cast<int>(p.queue.size()) >= spec->max_environments) {
      InvokeResult r;
      r.kind = InvokeResult::Kind::throttled;
      r.throttle_reason = "ReservedFunctionConcurrentInvocationLimitExceeded";
      after.done.emplace_back(std::move(inv->done), std::move(r));
      return;
    }
  }
  Env* idle = nullptr;
  for (Env* e : p.envs)
    if (e->state == Env::State::idle && e->parked && e->kill_reason.empty()) idle = e;
  if (idle) {
    http::Responder r = std::move(idle->parked);
    idle->parked = nullptr;
    after.replies.emplace_back(std::move(r), assign(*idle, std::move(inv), after));
  } else {
    p.queue.push_back(std::move(inv));
    maybe_spawn(p);
  }
}

void Pools::retire(const std::string& prefix) {
  for (auto& [key, p] : pools_) {
    if (!starts_with(key, prefix)) continue;
    p->retired = true;
    p->provisioned = 0;
    for (Env* e : p->envs)
      if (e->state == Env::State::idle && e->kill_reason.empty()) e->kill_reason = "retired";
  }
}

void Pools::provision(std::shared_ptr<const FunctionSpec> spec, int n) {
  Pool& p = pool_of(*spec);
  if (!p.spec || n > 0) p.spec = spec;
  p.provisioned = n;
  if (n > 0) p.retired = false;
  maybe_spawn(p);
}

Manager::Stats Pools::stats(const std::string& key) const {
  Manager::Stats s;
  auto it = pools_.find(key);
  if (it == pools_.end()) return s;
  s.environments = static_cast<int>(it->second->envs.size());
  for (Env* e : it->second->envs) s.busy += e->state == Env::State::busy ? 1 : 0;
  s.pending = static_cast<int>(it->second->queue.size());
  for (Env* e : it->second->envs)
    s.ready += e->kill_reason.empty() && (e->state == Env::State::idle || e->state == Env::State::busy ||
                                          e->state == Env::State::returning) ? 1 : 0;
  return s;
}

void Pools::stop(After& after) {
  stopping_ = true;
  for (auto& [key, p] : pools_) {
    for (auto& inv : p->queue) {
      InvokeResult r;
      r.kind = InvokeResult::Kind::function_error;
      r.error_type = "Runtime.ExitError";
      r.payload = error_doc(r.error_type, "The server is shutting down");
      after.done.emplace_back(std::move(inv->done), std::move(r));
    }
    p->queue.clear();
  }
}

Env* Pools::on_port(uint16_t port) {
  auto bp = by_port_.find(port);
  if (bp == by_port_.end()) return nullptr;
  auto it = envs_.find(bp->second);
  return it == envs_.end() ? nullptr : it->second.get();
}

void Pools::bind_port(Env& e, uint16_t port) {
  e.port = port;
  by_port_[port] = e.id;
}

void Pools::erase(Env& e) {
  Pool* p = e.pool;
  p->envs.erase(std::remove(p->envs.begin(), p->envs.end(), &e), p->envs.end());
  if (e.port) by_port_.erase(e.port);
  uint64_t id = e.id;  // not a reference into e, which erase() destroys
  envs_.erase(id);
  if (!stopping_) maybe_spawn(*p);
}

}  // namespace stratus::runtime
