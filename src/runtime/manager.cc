#include "runtime/manager.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/thread.h"
#include "http/server.h"
#include "runtime/cgroup.h"
#include "runtime/seccomp.h"

extern char** environ;

namespace stratus::runtime {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxResponseBytes = 6 * 1024 * 1024;  // synchronous response payload limit
constexpr size_t kTailBytes = 4096;                     // LogType=Tail: the last 4 KB
constexpr size_t kMaxLineBytes = 256 * 1024;            // one CloudWatch event at most
// Function output stored per log stream (environment): a token bucket of bytes, each event
// counted as its message plus 26 bytes (PutLogEvents' accounting), refilled at kLogBytesPerSec up
// to kLogBurstBytes. Lines beyond it are dropped and counted; a marker line says how many. This
// keeps the server's memory and the log's growth bounded while a function prints without end,
// and never slows the function (it is not blocked on a full pipe).
constexpr double kLogBytesPerSec = 1024 * 1024;
constexpr double kLogBurstBytes = 4 * 1024 * 1024;
constexpr size_t kLogEventOverhead = 26;
constexpr size_t kDrainBytesPerPass = 256 * 1024;       // read per process per monitor pass
constexpr int64_t kInitLimitMs = 10'000;                // AWS's init phase limit
constexpr int64_t kSampleMs = 100;                      // how often environments' memory is measured
constexpr rlim_t kMaxOpenFiles = 1024;                  // Lambda's limits inside an environment
constexpr rlim_t kMaxProcesses = 1024;

double steady_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string fmt2(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The sandbox user of --lambda-isolation=bwrap when the server runs as root: AWS's sbx_user1051.
constexpr uid_t kSandboxUid = 993;
constexpr gid_t kSandboxGid = 990;

// Every executable called name on PATH, in PATH order.
std::vector<std::string> which_all(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  std::vector<std::string> out;
  while (std::getline(ss, dir, ':')) {
    std::string p = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) out.push_back(p);
  }
  return out;
}

// Finds an executable on PATH; "" when none.
std::string which(const std::string& name) {
  auto all = which_all(name);
  return all.empty() ? std::string() : all.front();
}

// Any user may run path: it and every directory above it are open to others (the sandbox user
// cannot use an interpreter under /root, where pyenv and nvm put theirs).
bool others_can_run(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::canonical(path, ec);
  if (ec) return false;
  struct stat st{};
  if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
  for (fs::path d = p.parent_path(); !d.empty(); d = d.parent_path()) {
    if (::stat(d.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
    if (d == d.root_path()) break;
  }
  return true;
}

// The real interpreter behind a name (pyenv and similar put slow shell shims on PATH): the first
// on PATH, or with for_others the first that an unprivileged user can run.
std::string resolve_interpreter(const std::string& name, const char* probe, bool for_others) {
  for (const auto& found : which_all(name)) {
    std::string cmd = "'" + found + "' " + probe + " 2>/dev/null";
    std::string out;
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
      char buf[512];
      while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
      ::pclose(f);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    std::string real = !out.empty() && ::access(out.c_str(), X_OK) == 0 ? out : found;
    if (!for_others || others_can_run(real)) return real;
  }
  return {};
}

std::string error_doc(const std::string& type, const std::string& message) {
  Doc d = Doc::map();
  d.set("errorType", type);
  d.set("errorMessage", message);
  return json::write(d);
}

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.set("content-type", "application/json");
  r.body = std::move(body);
  return r;
}

// Peak resident memory (kB) of one process, from its /proc/PID/status kept open (a pread is a
// few microseconds: cheap enough for every invocation).
int64_t hwm_kb(int status_fd) {
  if (status_fd < 0) return 0;
  char buf[4096];
  ssize_t n = ::pread(status_fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = 0;
  const char* p = std::strstr(buf, "VmHWM:");
  return p ? std::atoll(p + 6) : 0;
}

// Resident memory (kB) of each process group among `groups`: an environment is its bootstrap
// process and everything it started (they share its process group), bubblewrap's own processes
// aside. Reads /proc/N/stat of every process: pgrp is field 5 and rss (pages) field 24.
std::unordered_map<pid_t, int64_t> group_rss_kb(const std::vector<pid_t>& groups) {
  std::unordered_map<pid_t, int64_t> out;
  if (groups.empty()) return out;
  for (pid_t g : groups) out[g] = 0;
  static const int64_t page_kb = std::max<int64_t>(1, ::sysconf(_SC_PAGESIZE) / 1024);
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] < '0' || name[0] > '9') continue;
    int fd = ::open(("/proc/" + name + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) continue;
    buf[n] = 0;
    const char* p = std::strrchr(buf, ')');
    if (!p) continue;
    // The sandbox's own processes are not the function's memory (AWS counts the runtime's).
    if (const char* c = std::strchr(buf, '('); c && std::string_view(c + 1, p - c - 1) == "bwrap") continue;
    std::istringstream in(p + 2);
    std::string field;
    long long pgrp = 0, rss = 0;
    for (int i = 3; i <= 24 && in >> field; ++i) {
      if (i == 5) pgrp = std::atoll(field.c_str());
      if (i == 24) rss = std::atoll(field.c_str());
    }
    auto g = out.find(static_cast<pid_t>(pgrp));
    if (g != out.end()) g->second += rss * page_kb;
  }
  return out;
}

}  // namespace

struct Invocation {
  std::shared_ptr<const FunctionSpec> spec;
  InvokeRequest req;
  Completion done;
  int64_t deadline_ms = 0;  // wall clock, set when handed to an environment
  double started = 0;       // steady ms
  std::string tail;
  std::string trace_id = "Root=1-" + ids::random_lower_alnum(8) + "-" + ids::random_lower_alnum(24) + ";Sampled=0";
};

struct Pool;

// An extension of an environment: an external one (an executable in the layers' extensions/
// folder, its own process) or an internal one (registered by the runtime process itself).
struct Ext {
  std::string name;             // Lambda-Extension-Name (the executable's file name)
  std::string path;             // external: the executable
  std::string id;               // Lambda-Extension-Identifier once registered
  bool registered = false, wants_invoke = false, wants_shutdown = false;
  pid_t pid = 0;                // external, while running
  bool exited = false;          // external process gone
  int out_fd = -1;
  bool eof = false;
  std::string partial;
  http::Responder parked;       // its long-polling /event/next
  std::deque<std::string> events;  // events not yet handed over
};

struct Env {
  enum class State { spawning, starting, idle, busy, returning, dead };
  uint64_t id = 0;
  uint16_t port = 0;           // its own Runtime API port (AWS_LAMBDA_RUNTIME_API=127.0.0.1:port)
  Pool* pool = nullptr;
  std::shared_ptr<const FunctionSpec> spec;
  State state = State::spawning;
  pid_t pid = 0;
  int out_fd = -1;
  bool eof = false;
  std::string stream;
  double spawned = 0;          // steady ms
  double init_ms = -1;         // until the first /next; reported once
  int64_t peak_kb = 0;         // highest memory use measured (Max Memory Used)
  int status_fd = -1;          // /proc/PID/status of the bootstrap process
  bool init_reported = false;
  int64_t idle_since_ms = 0;
  http::Responder parked;      // the long-polling /next while idle
  std::shared_ptr<Invocation> current;
  std::string partial;         // output not yet ending in a newline
  double log_tokens = kLogBurstBytes;  // the stream's byte budget (see kLogBytesPerSec)
  double log_tokens_at = 0;            // steady ms of the last refill
  int64_t dropped_lines = 0, dropped_bytes = 0;  // output over the budget, not yet reported
  std::vector<LogEvent> logs;  // waiting for the sink
  std::string init_error;      // body of /init/error
  std::string kill_reason;     // set: the monitor kills it ("timeout", "idle", "retired", "stop", "oom")
  bool killed = false;         // SIGKILL sent
  std::vector<Ext> exts;       // extensions; the environment takes work only when all wait in /next
  int64_t ext_deadline_ms = 0; // extensions must be back in /next by then (the invoke's deadline)
  double shutdown_until = 0;   // steady ms: SHUTDOWN sent, extensions may finish until then
  std::string crash;           // an extension died: what happened
  std::vector<std::string> runtime_cmd, runtime_env;  // set: the runtime waits for registrations
  std::string cgroup;          // its cgroup v2 directory ("" without cgroups: process groups only)
};

struct Pool {
  std::string key;
  std::shared_ptr<const FunctionSpec> spec;
  std::deque<std::shared_ptr<Invocation>> queue;
  std::vector<Env*> envs;
  bool retired = false;  // code or configuration changed: stop environments once idle
  int provisioned = 0;   // environments kept started and warm (provisioned concurrency)
};

struct Manager::Impl final : http::Handler {
  explicit Impl(ManagerOptions o) : opts(std::move(o)) {}

  ManagerOptions opts;
  std::unique_ptr<http::Server> server;
  uint16_t port = 0;
  int wake_fd = -1;
  std::thread monitor;

  mutable std::mutex mu;
  bool stopping = false;                                        // GUARDED_BY(mu)
  std::unordered_map<std::string, std::unique_ptr<Pool>> pools;  // GUARDED_BY(mu)
  std::unordered_map<uint64_t, std::unique_ptr<Env>> envs;       // GUARDED_BY(mu)
  std::unordered_map<uint16_t, uint64_t> by_port;                 // GUARDED_BY(mu)
  uint64_t next_env = 1;                                          // GUARDED_BY(mu)
  std::string python, node;                                       // monitor thread only
  std::string bwrap;                                              // set by start() for isolation=bwrap
  std::string setpriv;  // bwrap as root: drops the sandbox to kSandboxUid ("" = no uid change)
  std::string seccomp;  // bwrap: the filter handed over as fd 3 ("" = none), seccomp.h
  std::vector<std::string> bwrap_base;                            // make_bwrap_base()
  Cgroups cgroups;                                                // init() by start()
  std::vector<std::string> stale_cgroups;  // monitor thread only: killed, rmdir failed so far

  // Work to do after the lock is released: completions and responses to environments.
  struct After {
    std::vector<std::pair<Completion, InvokeResult>> done;
    std::vector<std::pair<http::Responder, http::Response>> replies;
    void run() {
      for (auto& [r, res] : replies) r(std::move(res));
      for (auto& [d, res] : done) d(std::move(res));
    }
  };

  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  // ---- scheduling (all REQUIRES(mu)) ----

  // e is one of its pool's provisioned environments: never reaped for idleness.
  static bool kept_warm(const Env& e) {
    const Pool& p = *e.pool;
    if (p.provisioned <= 0) return false;
    int live = 0;
    for (const Env* o : p.envs) live += o->kill_reason.empty() && o->state != Env::State::dead ? 1 : 0;
    return live <= p.provisioned;
  }

  Pool& pool_of(const FunctionSpec& spec) {
    auto& slot = pools[spec.pool_key];
    if (!slot) {
      slot = std::make_unique<Pool>();
      slot->key = spec.pool_key;
    }
    return *slot;
  }

  int cap(const Pool& p) const {
    return p.spec->reserved ? p.spec->max_environments : opts.default_max_environments;
  }

  // Takes room for one output line of n bytes from e's budget; false: drop it.
  static bool log_budget(Env& e, size_t n) {
    double now = steady_ms();
    if (e.log_tokens_at > 0)
      e.log_tokens = std::min(kLogBurstBytes, e.log_tokens + (now - e.log_tokens_at) * kLogBytesPerSec / 1000);
    e.log_tokens_at = now;
    double cost = static_cast<double>(std::min(n, kMaxLineBytes) + kLogEventOverhead);
    if (e.log_tokens < cost) {
      ++e.dropped_lines;
      e.dropped_bytes += static_cast<int64_t>(n);
      return false;
    }
    e.log_tokens -= cost;
    return true;
  }

  // Says in the log how much output was dropped since the last time (outside the budget).
  void report_dropped(Env& e) {
    if (e.dropped_lines == 0) return;
    std::string msg = "[stratus] " + std::to_string(e.dropped_lines) + " lines (" + std::to_string(e.dropped_bytes) +
                      " bytes) of output dropped: more than " + std::to_string(static_cast<int64_t>(kLogBytesPerSec)) +
                      " bytes/s (bursts up to " + std::to_string(static_cast<int64_t>(kLogBurstBytes)) +
                      " bytes) for one log stream";
    e.dropped_lines = e.dropped_bytes = 0;
    log_line(e, std::move(msg));
  }

  // One line the function printed: within the stream's budget, or dropped.
  void output_line(Env& e, std::string_view line) {
    if (!log_budget(e, line.size())) return;
    report_dropped(e);
    log_line(e, std::string(line.substr(0, kMaxLineBytes)));
  }

  void log_line(Env& e, std::string line, int64_t ts = 0) {
    if (line.size() > kMaxLineBytes) line.resize(kMaxLineBytes);
    if (e.current && e.current->req.tail) {
      e.current->tail += line;
      e.current->tail += '\n';
      if (e.current->tail.size() > 2 * kTailBytes) e.current->tail.erase(0, e.current->tail.size() - kTailBytes);
    }
    e.logs.push_back({ts ? ts : now_millis(), std::move(line)});
  }

  // Reads what a process of e printed so far (non-blocking, at most kDrainBytesPerPass: the
  // monitor comes back while more is there) into e's log.
  void drain(Env& e, int fd, bool& eof, std::string& partial) {
    if (fd < 0 || eof) return;
    char buf[65536];
    for (size_t total = 0; total < kDrainBytesPerPass;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        total += static_cast<size_t>(n);
        partial.append(buf, static_cast<size_t>(n));
        std::string_view rest = partial;
        size_t nl;
        while ((nl = rest.find('\n')) != std::string_view::npos) {
          output_line(e, rest.substr(0, nl));
          rest.remove_prefix(nl + 1);
        }
        while (rest.size() >= kMaxLineBytes) {  // prints without newlines: cut into events
          output_line(e, rest.substr(0, kMaxLineBytes));
          rest.remove_prefix(kMaxLineBytes);
        }
        partial.erase(0, partial.size() - rest.size());
        continue;
      }
      if (n == 0) {
        eof = true;
        if (!partial.empty()) output_line(e, partial);
        partial.clear();
      }
      return;  // EAGAIN or error
    }
  }
  void drain(Env& e) {
    drain(e, e.out_fd, e.eof, e.partial);
    for (auto& x : e.exts) drain(e, x.out_fd, x.eof, x.partial);
  }

  // ---- extensions (REQUIRES(mu)) ----

  static http::Response event_response(const std::string& body) {
    http::Response r = json_response(200, body);
    r.headers.set("lambda-extension-event-identifier", ids::uuid4());
    return r;
  }

  // Hands queued events to extensions waiting in /next.
  static void pump(Ext& x, After& after) {
    if (x.parked && !x.events.empty()) {
      after.replies.emplace_back(std::move(x.parked), event_response(x.events.front()));
      x.parked = nullptr;
      x.events.pop_front();
    }
  }

  // Every extension that is still running has registered and waits in /next with nothing queued.
  static bool extensions_ready(const Env& e) {
    for (const auto& x : e.exts) {
      if (x.exited) continue;
      if (!x.registered || !x.parked || !x.events.empty()) return false;
    }
    return true;
  }

  // The runtime waits in /next: give it work if the extensions are ready too.
  void dispatch(Env& e, After& after) {
    if (!e.parked || e.current || !e.kill_reason.empty()) return;
    if (!extensions_ready(e)) {
      if (e.state != Env::State::starting) e.state = Env::State::returning;
      return;
    }
    if (e.state == Env::State::starting) {
      e.init_ms = steady_ms() - e.spawned;
      if (opts.isolation == "bwrap") watch_sandboxed(e);
    }
    e.ext_deadline_ms = 0;
    Pool& p = *e.pool;
    if (p.retired && p.queue.empty()) {
      e.kill_reason = "retired";
      e.state = Env::State::idle;
      wake();
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
        log_line(e, "INIT_REPORT Init Duration: " + fmt2(e.init_ms) + " ms\tPhase: init\tStatus: success");
        e.init_reported = true;
      }
      e.state = Env::State::idle;
      e.idle_since_ms = now_millis();
      wake();  // idle deadline
    }
  }

  // Under bwrap the process we started is bwrap itself: Max Memory Used must follow its child,
  // the runtime.
  static void watch_sandboxed(Env& e) {
    if (e.pid <= 0) return;
    // bwrap -> bwrap (the PID namespace's init) -> the runtime.
    long child = e.pid;
    for (int depth = 0; depth < 3; ++depth) {
      std::string pid = std::to_string(child);
      std::ifstream comm("/proc/" + pid + "/comm");
      std::string name;
      if (depth > 0 && (!(comm >> name) || name != "bwrap")) break;
      std::ifstream f("/proc/" + pid + "/task/" + pid + "/children");
      long next = 0;
      if (!(f >> next) || next <= 0) return;
      child = next;
    }
    int fd = ::open(("/proc/" + std::to_string(child) + "/status").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (e.status_fd >= 0) ::close(e.status_fd);
    e.status_fd = fd;
  }

  // Starts the graceful end of e: SHUTDOWN to the extensions that asked for it. Returns true when
  // the processes may be killed now.
  bool shutting_down(Env& e, double snow, After& after) {
    bool graceful = e.kill_reason == "idle" || e.kill_reason == "retired" || e.kill_reason == "stop";
    bool any = false;
    for (const auto& x : e.exts) any = any || (x.wants_shutdown && !x.exited);
    if (!graceful || !any) return true;
    if (e.shutdown_until == 0) {
      e.shutdown_until = snow + 2000;
      Doc ev = Doc::map();
      ev.set("eventType", "SHUTDOWN");
      ev.set("shutdownReason", "spindown");
      ev.set("deadlineMs", now_millis() + 2000);
      std::string body = json::write(ev);
      for (auto& x : e.exts) {
        if (!x.wants_shutdown || x.exited) continue;
        x.events.push_back(body);
        pump(x, after);
      }
    }
    bool all_gone = true;
    for (const auto& x : e.exts) all_gone = all_gone && (x.exited || x.pid == 0);
    return all_gone || snow >= e.shutdown_until;
  }

  http::Response next_response(const Invocation& inv) {
    http::Response r;
    r.status = 200;
    r.headers.set("content-type", "application/json");
    r.headers.set("lambda-runtime-aws-request-id", inv.req.request_id);
    r.headers.set("lambda-runtime-deadline-ms", std::to_string(inv.deadline_ms));
    r.headers.set("lambda-runtime-invoked-function-arn", inv.req.invoked_arn);
    r.headers.set("lambda-runtime-trace-id", inv.trace_id);
    if (!inv.req.client_context.empty()) r.headers.set("lambda-runtime-client-context", inv.req.client_context);
    if (!inv.req.cognito_identity.empty()) r.headers.set("lambda-runtime-cognito-identity", inv.req.cognito_identity);
    r.body = inv.req.payload;
    return r;
  }

  // Hands inv to e (which is polling /next) and INVOKE events to its extensions; returns the
  // response for the runtime's poll.
  http::Response assign(Env& e, std::shared_ptr<Invocation> inv, After& after) {
    e.state = Env::State::busy;
    inv->started = steady_ms();
    inv->deadline_ms = now_millis() + int64_t{e.spec->timeout_s} * 1000;
    e.current = inv;
    if (!e.exts.empty()) {
      e.ext_deadline_ms = inv->deadline_ms;
      Doc ev = Doc::map();
      ev.set("eventType", "INVOKE");
      ev.set("deadlineMs", inv->deadline_ms);
      ev.set("requestId", inv->req.request_id);
      ev.set("invokedFunctionArn", inv->req.invoked_arn);
      Doc tracing = Doc::map();
      tracing.set("type", "X-Amzn-Trace-Id");
      tracing.set("value", inv->trace_id);
      ev.set("tracing", std::move(tracing));
      std::string body = json::write(ev);
      for (auto& x : e.exts) {
        if (!x.wants_invoke || x.exited) continue;
        x.events.push_back(body);
        pump(x, after);
      }
    }
    log_line(e, "START RequestId: " + inv->req.request_id + " Version: " + e.spec->version);
    wake();  // the monitor must know the new deadline
    return next_response(*inv);
  }

  void maybe_spawn(Pool& p) {
    int soon = 0;
    for (Env* e : p.envs) {
      if (e->state == Env::State::spawning || e->state == Env::State::starting ||
          e->state == Env::State::returning)
        ++soon;
    }
    int total = static_cast<int>(p.envs.size());
    bool any = false;
    while ((static_cast<int>(p.queue.size()) > soon || (total < p.provisioned && !p.retired)) && total < cap(p) &&
           !stopping) {
      auto env = std::make_unique<Env>();
      env->id = next_env++;
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
      envs[env->id] = std::move(env);
      ++soon;
      ++total;
      any = true;
    }
    if (any) wake();
  }

  void complete(Env& e, InvokeResult res, const char* status, After& after) {
    auto inv = e.current;
    double now = steady_ms();
    double dur = now - inv->started;
    // The bootstrap's own peak catches spikes between the samples of the whole process group.
    e.peak_kb = std::max(e.peak_kb, hwm_kb(e.status_fd));
    report_dropped(e);
    log_line(e, "END RequestId: " + inv->req.request_id);
    std::string report = "REPORT RequestId: " + inv->req.request_id + "\tDuration: " + fmt2(dur) +
                         " ms\tBilled Duration: " + std::to_string(static_cast<int64_t>(dur) + 1) +
                         " ms\tMemory Size: " + std::to_string(e.spec->memory_mb) +
                         " MB\tMax Memory Used: " + std::to_string(std::max<int64_t>(1, (e.peak_kb + 1023) / 1024)) + " MB";
    if (!e.init_reported && e.init_ms >= 0) {
      report += "\tInit Duration: " + fmt2(e.init_ms) + " ms";
      e.init_reported = true;
    }
    if (status) report += std::string("\tStatus: ") + status;
    log_line(e, report);
    e.current.reset();
    if (inv->req.tail) {
      res.log_tail = inv->tail.size() > kTailBytes ? inv->tail.substr(inv->tail.size() - kTailBytes) : inv->tail;
    }
    after.done.emplace_back(std::move(inv->done), std::move(res));
  }

  // An environment is gone (exited, killed): settle its work. REQUIRES(mu).
  void buried(Env& e, int wstatus, After& after) {
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
      log_line(e, "INIT_REPORT Init Duration: " + fmt2(steady_ms() - e.spawned) + " ms\tPhase: init\tStatus: error\tError Type: " + res.error_type);
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

  static std::string enc_time() {
    int64_t ms = now_millis();
    std::time_t t = ms / 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
  }

  void remove_env(Env& e) {
    // Whatever the way out (exit, crash, kill, failed start), nothing the environment started
    // survives it: a runtime that exited by itself may leave children behind.
    // Without a cgroup, the runtime's process group (it cannot be reused while a member lives).
    Cgroups::kill_all(e.cgroup);
    if (e.cgroup.empty() && e.pid > 0) ::kill(-e.pid, SIGKILL);
    if (!Cgroups::remove(e.cgroup)) stale_cgroups.push_back(e.cgroup);
    Pool* p = e.pool;
    p->envs.erase(std::remove(p->envs.begin(), p->envs.end(), &e), p->envs.end());
    uint64_t id = e.id;
    if (opts.isolation == "bwrap") {
      std::error_code ec;
      fs::remove_all(env_tmp(e), ec);
    }
    if (e.port) {
      server->close_port(e.port);
      by_port.erase(e.port);
    }
    envs.erase(id);
    if (!stopping) maybe_spawn(*p);
  }

  // ---- the monitor thread ----

  // Where an environment's processes see the code, the layers and the runtime clients.
  struct View {
    std::string task, opt, runtime;
  };
  View view(const FunctionSpec& s) const {
    if (opts.isolation == "bwrap") return {"/var/task", s.opt_dir.empty() ? "" : "/opt", "/var/runtime"};
    return {s.code_dir, s.opt_dir, opts.shim_dir};
  }

  // The command that runs argv inside e's sandbox (bwrap), or argv itself.
  std::vector<std::string> wrap(const Env& e, std::vector<std::string> argv) const {
    if (opts.isolation != "bwrap") return argv;
    const FunctionSpec& s = *e.spec;
    std::vector<std::string> w = bwrap_base;
    // One /tmp for all processes of the environment (runtime and extensions share it on AWS).
    w.insert(w.end(), {"--bind", env_tmp(e), "/tmp"});
    w.insert(w.end(), {"--ro-bind", s.code_dir, "/var/task", "--ro-bind", opts.shim_dir, "/var/runtime"});
    if (!s.opt_dir.empty()) w.insert(w.end(), {"--ro-bind", s.opt_dir, "/opt"});
    else w.insert(w.end(), {"--dir", "/opt"});
    if (!seccomp.empty()) w.insert(w.end(), {"--seccomp", "3"});
    w.insert(w.end(), {"--remount-ro", "/", "--die-with-parent", "--chdir", "/var/task", "--"});
    if (!setpriv.empty()) {
      // Still root inside (with only the capabilities to change uid): become the sandbox user,
      // no supplementary groups, every capability gone for good (bounding set emptied).
      w.insert(w.end(), {setpriv, "--reuid=" + std::to_string(kSandboxUid), "--regid=" + std::to_string(kSandboxGid),
                         "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--"});
    }
    w.insert(w.end(), argv.begin(), argv.end());
    return w;
  }

  // The host directory behind an isolated environment's /tmp.
  std::string env_tmp(const Env& e) const {
    return (fs::path(opts.shim_dir).parent_path() / "envtmp" / std::to_string(e.id)).string();
  }

  // The sandbox: its own PID, IPC, UTS and cgroup namespaces (the server and every host process
  // are invisible; when bwrap dies, the namespace's init dies and the kernel kills everything in
  // it), the host's network namespace (the Runtime API and the Stratus endpoint are on the
  // host's 127.0.0.1), no capabilities, no_new_privs (bwrap sets it). As root, bwrap keeps only
  // CAP_SETUID/SETGID/SETPCAP for setpriv, which drops to kSandboxUid with nothing left; as any
  // other user a user namespace maps the server's uid and forbids nested user namespaces.
  // The root: the host's top-level directories and /var/* read-only (each bound, so that
  // /var/task, /var/runtime and /opt can be mount points), the data directory hidden under an
  // empty tmpfs, a minimal /dev (null, zero, full, random, urandom, tty, pts: no disks), a new
  // /proc for the new PID namespace, /sys read-only, a private /tmp.
  void make_bwrap_base() {
    bwrap_base = {bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"};
    if (!setpriv.empty()) {
      bwrap_base.insert(bwrap_base.end(), {"--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                                           "--cap-add", "CAP_SETPCAP"});
    } else {
      bwrap_base.insert(bwrap_base.end(), {"--unshare-user", "--disable-userns", "--cap-drop", "ALL"});
    }
    auto add_dir = [&](const std::string& dir, std::initializer_list<std::string_view> skip) {
      std::error_code ec;
      std::vector<fs::path> entries;
      for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        entries.push_back(it->path());
      std::sort(entries.begin(), entries.end());
      for (const auto& p : entries) {
        std::string name = p.filename().string();
        if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
        if (fs::is_symlink(fs::symlink_status(p, ec)))
          bwrap_base.insert(bwrap_base.end(), {"--symlink", fs::read_symlink(p, ec).string(), p.string()});
        else
          bwrap_base.insert(bwrap_base.end(), {"--ro-bind", p.string(), p.string()});
      }
    };
    add_dir("/", {"tmp", "proc", "dev", "sys", "var", "opt", "lost+found"});
    bwrap_base.insert(bwrap_base.end(), {"--dir", "/var"});
    add_dir("/var", {"task", "runtime"});
    for (const auto& h : opts.hidden) {
      // Only paths inside what was bound from the host: elsewhere (/tmp) they are not visible,
      // and a mount point would be created in the environment's own /tmp.
      std::error_code ec;
      fs::path p = fs::weakly_canonical(fs::absolute(h), ec);
      if (ec || p == p.root_path() || !fs::is_directory(p, ec)) continue;
      std::string top = (++p.begin())->string();
      if (top == "tmp" || top == "proc" || top == "dev" || top == "sys" || top == "lost+found") continue;
      bwrap_base.insert(bwrap_base.end(), {"--tmpfs", p.string()});
    }
    bwrap_base.insert(bwrap_base.end(), {"--dev", "/dev", "--proc", "/proc", "--ro-bind", "/sys", "/sys", "--dir",
                                         "/tmp"});  // each environment binds its own /tmp
  }

  std::vector<std::string> env_block(const Env& e) {
    const FunctionSpec& s = *e.spec;
    const View v = view(s);
    std::map<std::string, std::string> vars = s.environment;
    const char* path = std::getenv("PATH");
    vars["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
    vars["LANG"] = "en_US.UTF-8";
    vars["TZ"] = ":UTC";
    // Without a mount namespace the layers' /opt is a directory elsewhere: it is reached through
    // the variables runtimes search, in the order Lambda sets them (/opt after the task's own).
    const std::string& opt = v.opt;
    std::string lib = v.task + ":" + v.task + "/lib";
    if (!opt.empty()) {
      lib += ":" + opt + "/lib";
      vars["PATH"] += ":" + opt + "/bin";
    }
    vars["LD_LIBRARY_PATH"] = lib;
    vars["AWS_REGION"] = s.region;
    vars["AWS_DEFAULT_REGION"] = s.region;
    vars["AWS_LAMBDA_FUNCTION_NAME"] = s.function_name;
    vars["AWS_LAMBDA_FUNCTION_VERSION"] = s.version;
    vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(s.memory_mb);
    vars["AWS_LAMBDA_LOG_GROUP_NAME"] = s.log_group;
    vars["AWS_LAMBDA_LOG_STREAM_NAME"] = e.stream;
    vars["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + std::to_string(e.port);
    vars["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
    vars["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + s.runtime;
    vars["_HANDLER"] = s.handler;
    vars["LAMBDA_TASK_ROOT"] = v.task;
    vars["LAMBDA_RUNTIME_DIR"] = v.runtime;
    vars["AWS_ENDPOINT_URL"] = opts.endpoint_url;
    for (const auto& [k, val] : s.credentials) vars[k] = val;
    if (starts_with(s.runtime, "python")) {
      std::string pp = v.task;
      if (!opt.empty()) pp += ":" + opt + "/python/lib/" + s.runtime + "/site-packages:" + opt + "/python";
      vars["PYTHONPATH"] = pp;
      vars["PYTHONUNBUFFERED"] = "1";
    } else if (starts_with(s.runtime, "nodejs")) {
      std::string np;
      if (!opt.empty()) {
        std::string major = s.runtime.substr(6, s.runtime.find('.') - 6);  // nodejs20.x -> 20
        np = opt + "/nodejs/node" + major + "/node_modules:" + opt + "/nodejs/node_modules:";
      }
      vars["NODE_PATH"] = np + v.task + "/node_modules";
    }
    if (!opt.empty()) vars["STRATUS_LAMBDA_OPT"] = opt;
    std::vector<std::string> out;
    for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
    return out;
  }

  // Why an interpreter may be missing under bwrap as root: none on PATH that uid 993 may run.
  std::string for_sandbox() const {
    return setpriv.empty() ? "" : " (none on PATH that the sandbox user " + std::to_string(kSandboxUid) +
                                      " may run: not under /root, every directory open to others)";
  }

  // Starts the process of e (monitor thread; mu not held). Returns "" or an init error document.
  std::string spawn(Env& e) {
    const FunctionSpec& s = *e.spec;
    const View v = view(s);
    std::vector<std::string> argv;
    if (starts_with(s.runtime, "python")) {
      if (python.empty()) python = resolve_interpreter("python3", "-c 'import sys;print(sys.executable)'", !setpriv.empty());
      if (python.empty()) return error_doc("Runtime.InvalidRuntime", "python3 is not installed on this host" + for_sandbox());
      argv = {python, v.runtime + "/python/bootstrap.py"};
    } else if (starts_with(s.runtime, "nodejs")) {
      if (node.empty()) node = resolve_interpreter("node", "-e 'console.log(process.execPath)'", !setpriv.empty());
      if (node.empty()) return error_doc("Runtime.InvalidRuntime", "node is not installed on this host" + for_sandbox());
      argv = {node, v.runtime + "/node/bootstrap.mjs"};
    } else if (starts_with(s.runtime, "provided")) {
      std::string b;
      if (::access((s.code_dir + "/bootstrap").c_str(), X_OK) == 0) b = v.task + "/bootstrap";
      else if (!s.opt_dir.empty() && ::access((s.opt_dir + "/bootstrap").c_str(), X_OK) == 0) b = v.opt + "/bootstrap";
      if (b.empty())
        return error_doc("Runtime.InvalidEntrypoint",
                         "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
      argv = {b};
    } else {
      return error_doc("Runtime.InvalidRuntime", "Stratus cannot run the " + s.runtime +
                                                     " runtime without containers (supported: python3.x, "
                                                     "nodejs*, provided*)");
    }
    try {
      uint16_t p = server->open_port();
      std::lock_guard lock(mu);
      e.port = p;
      by_port[p] = e.id;
    } catch (const std::exception& ex) {
      return error_doc("Runtime.Unknown", std::string("cannot open a Runtime API port: ") + ex.what());
    }
    std::string cgroup = cgroups.create("env-" + std::to_string(e.id));
    {
      std::lock_guard lock(mu);
      e.cgroup = cgroup;
    }
    std::vector<std::string> envs_s = env_block(e);
    if (opts.isolation == "bwrap") {
      std::error_code ec;
      fs::create_directories(env_tmp(e), ec);
      if (ec) return error_doc("Runtime.Unknown", "cannot create the environment's /tmp: " + ec.message());
      if (!setpriv.empty() && ::chown(env_tmp(e).c_str(), kSandboxUid, kSandboxGid) != 0)
        return error_doc("Runtime.Unknown", std::string("cannot hand /tmp to the sandbox user: ") + std::strerror(errno));
    }
    // External extensions: the executables in /opt/extensions, started before the runtime in
    // name order (Lambda starts them in parallel and waits for them to register).
    std::vector<std::string> ext_paths;
    if (!s.opt_dir.empty()) {
      std::error_code ec;
      for (auto it = fs::directory_iterator(s.opt_dir + "/extensions", ec); !ec && it != fs::directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file(ec) && ::access(it->path().c_str(), X_OK) == 0) ext_paths.push_back(it->path().string());
      }
      std::sort(ext_paths.begin(), ext_paths.end());
    }
    {
      std::lock_guard lock(mu);
      e.state = Env::State::starting;
      e.spawned = steady_ms();
      for (const auto& pth : ext_paths) {
        Ext x;
        x.path = pth;
        x.name = fs::path(pth).filename().string();
        e.exts.push_back(std::move(x));
      }
    }
    for (size_t i = 0; i < ext_paths.size(); ++i) {
      int fd = -1;
      std::string in_view = v.opt + "/extensions/" + fs::path(ext_paths[i]).filename().string();
      pid_t xp = start_process(wrap(e, {in_view}), envs_s, s.code_dir, e.cgroup, seccomp, &fd);
      std::lock_guard lock(mu);
      Ext& x = e.exts[i];
      if (xp > 0) {
        x.pid = xp;
        x.out_fd = fd;
      } else {
        x.exited = true;
        log_line(e, "EXTENSION\tName: " + x.name + "\tState: LaunchError\tError: cannot start " + x.path);
      }
    }
    if (!ext_paths.empty()) {
      // As on AWS, the runtime starts once every extension has registered (the monitor does it).
      std::lock_guard lock(mu);
      e.runtime_cmd = wrap(e, argv);
      e.runtime_env = std::move(envs_s);
      return {};
    }
    return start_runtime(e, wrap(e, argv), envs_s);
  }

  // Starts the runtime process of e (monitor thread; mu not held). "" or an init error document.
  std::string start_runtime(Env& e, std::vector<std::string> cmd, std::vector<std::string>& env) {
    int fd = -1;
    pid_t pid = start_process(std::move(cmd), env, e.spec->code_dir, e.cgroup, seccomp, &fd);
    if (pid < 0) return error_doc("Runtime.Unknown", std::string("fork failed: ") + std::strerror(errno));
    int status_fd = ::open(("/proc/" + std::to_string(pid) + "/status").c_str(), O_RDONLY | O_CLOEXEC);
    std::lock_guard lock(mu);
    e.pid = pid;
    e.out_fd = fd;
    e.status_fd = status_fd;
    return {};
  }

  // Extensions all registered (or gone): e's runtime may start.
  static bool registration_done(const Env& e) {
    for (const auto& x : e.exts)
      if (!x.registered && !x.exited) return false;
    return true;
  }

  // Forks and execs one process of an environment: its own process group, killed with the
  // monitor, Lambda's resource limits, stdout and stderr into a pipe (*out_fd, non-blocking).
  // Returns the pid, or -1.
  static pid_t start_process(std::vector<std::string> argv, std::vector<std::string>& env, const std::string& dir,
                             const std::string& cgroup, const std::string& seccomp_prog, int* out_fd) {
    std::vector<char*> av, ev;
    for (auto& a : argv) av.push_back(a.data());
    av.push_back(nullptr);
    for (auto& v : env) ev.push_back(v.data());
    ev.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
    pid_t parent = ::getpid();
    const char* cwd = dir.c_str();
    int cgroup_fd = Cgroups::open_procs(cgroup);
    // bwrap reads the seccomp filter from fd 3 (--seccomp 3 in the command).
    int seccomp_fd = -1;
    if (!seccomp_prog.empty()) {
      seccomp_fd = ::memfd_create("stratus-seccomp", MFD_CLOEXEC);
      if (seccomp_fd < 0 || ::write(seccomp_fd, seccomp_prog.data(), seccomp_prog.size()) !=
                                static_cast<ssize_t>(seccomp_prog.size())) {
        if (seccomp_fd >= 0) ::close(seccomp_fd);
        if (cgroup_fd >= 0) ::close(cgroup_fd);
        ::close(fds[0]);
        ::close(fds[1]);
        return -1;
      }
      ::lseek(seccomp_fd, 0, SEEK_SET);
    }
    pid_t pid = ::fork();
    if (pid == 0) {
      // Child: only async-signal-safe calls from here on. Into the environment's cgroup first, so
      // that nothing it starts can be missed; a session of its own (no controlling terminal of
      // the server's: nothing to inject input into), whose process group is its pid.
      Cgroups::join(cgroup_fd);
      ::setsid();
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      if (::chdir(cwd) != 0) ::_exit(126);
      const struct rlimit files{kMaxOpenFiles, kMaxOpenFiles}, procs{kMaxProcesses, kMaxProcesses}, core{0, 0};
      ::setrlimit(RLIMIT_NOFILE, &files);
      ::setrlimit(RLIMIT_NPROC, &procs);
      ::setrlimit(RLIMIT_CORE, &core);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      if (seccomp_fd == 3) ::fcntl(3, F_SETFD, 0);
      else if (seccomp_fd >= 0) ::dup2(seccomp_fd, 3);
      ::close_range(seccomp_fd >= 0 ? 4 : 3, ~0U, 0);
      ::execve(av[0], av.data(), ev.data());
      const char msg[] = "exec failed\n";
      [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
      ::_exit(127);
    }
    ::close(fds[1]);
    if (cgroup_fd >= 0) ::close(cgroup_fd);
    if (seccomp_fd >= 0) ::close(seccomp_fd);
    if (pid < 0) {
      ::close(fds[0]);
      return -1;
    }
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    *out_fd = fds[0];
    return pid;
  }

  void run_monitor() {
    int64_t last_flush = 0;
    double last_sample = 0;
    for (;;) {
      std::vector<pid_t> to_sample;  // process groups of live environments, when due
      std::vector<Env*> to_spawn;
      std::vector<Env*> to_start;    // environments whose extensions registered: start the runtime
      std::vector<pollfd> pfds;
      std::vector<uint64_t> ids;
      int timeout = 1000;
      After after;
      {
        std::unique_lock lock(mu);
        if (stopping && envs.empty()) break;
        int64_t now = now_millis();
        double snow = steady_ms();
        std::vector<Env*> dead;
        for (auto& [id, ep] : envs) {
          Env& e = *ep;
          if (e.state == Env::State::spawning) {
            to_spawn.push_back(&e);
            continue;
          }
          // Deadlines.
          if (e.kill_reason.empty()) {
            if (stopping) e.kill_reason = "stop";
            else if (e.state == Env::State::busy && e.current && now >= e.current->deadline_ms) e.kill_reason = "timeout";
            else if (e.state == Env::State::starting &&
                     snow - e.spawned >= static_cast<double>(kInitLimitMs + int64_t{e.spec->timeout_s} * 1000))
              e.kill_reason = "init-timeout";
            else if (e.state == Env::State::idle && now - e.idle_since_ms >= opts.idle_ms && !kept_warm(e))
              e.kill_reason = "idle";
            else if (e.state == Env::State::returning && e.ext_deadline_ms && now >= e.ext_deadline_ms)
              e.kill_reason = "extension-timeout";  // an extension did not come back to /next in time
          }
          if (e.pid == 0 && !e.runtime_cmd.empty()) {
            if (!e.kill_reason.empty()) {
              // Init ended before the runtime started (extension crash or init error, init timeout,
              // stop): no runtime process to wait for.
              e.runtime_cmd.clear();
              buried(e, 0, after);
              dead.push_back(&e);
              continue;
            }
            if (registration_done(e)) to_start.push_back(&e);
          }
          if (!e.kill_reason.empty() && !e.killed && e.pid > 0) {
            if (shutting_down(e, snow, after)) {
              e.killed = true;
              kill_tree(e);
            } else {
              timeout = std::min(timeout, 20);
            }
          }
          // Extensions that exited (their output ended).
          for (auto& x : e.exts) {
            if (x.pid <= 0 || !x.eof) continue;
            int ws = 0;
            if (::waitpid(x.pid, &ws, WNOHANG) == x.pid) {
              x.pid = 0;
              x.exited = true;
              if (e.kill_reason.empty()) {
                // As on AWS, an extension that dies takes its environment down (Extension.Crash).
                std::string how = WIFEXITED(ws) ? "exit status " + std::to_string(WEXITSTATUS(ws))
                                                : "signal " + std::to_string(WTERMSIG(ws));
                e.crash = "Extension " + x.name + " exited with error: " + how;
                e.kill_reason = "extension-crash";
                if (e.init_error.empty()) e.init_error = error_doc("Extension.Crash", e.crash);
                timeout = 0;
              }
              if (x.parked) {
                after.replies.emplace_back(std::move(x.parked), ext_error(410, "EnvironmentStopped", "exited"));
                x.parked = nullptr;
              }
              if (e.kill_reason.empty() && (e.state == Env::State::starting || e.state == Env::State::returning))
                dispatch(e, after);
            } else {
              timeout = std::min(timeout, 20);
            }
          }
          if (e.state == Env::State::returning && e.ext_deadline_ms)
            timeout = static_cast<int>(std::clamp<int64_t>(e.ext_deadline_ms - now + 1, 0, timeout));
          if (e.state == Env::State::busy && e.current)
            timeout = static_cast<int>(std::clamp<int64_t>(e.current->deadline_ms - now + 1, 0, timeout));
          if (e.state == Env::State::idle && !kept_warm(e))
            timeout = static_cast<int>(std::clamp<int64_t>(e.idle_since_ms + opts.idle_ms - now + 1, 0, timeout));
          // Exits.
          if (e.pid > 0 && (e.eof || e.killed)) {
            int ws = 0;
            pid_t r = ::waitpid(e.pid, &ws, e.killed ? 0 : WNOHANG);
            if (r == e.pid) {
              drain(e);
              buried(e, ws, after);
              dead.push_back(&e);
              continue;
            }
            if (e.eof) timeout = std::min(timeout, 20);
          }
          if (e.out_fd >= 0 && !e.eof) {
            pfds.push_back({e.out_fd, POLLIN, 0});
            ids.push_back(e.id);
          }
          for (const auto& x : e.exts) {
            if (x.out_fd >= 0 && !x.eof) {
              pfds.push_back({x.out_fd, POLLIN, 0});
              ids.push_back(e.id);
            }
          }
        }
        for (Env* e : dead) {
          bury_extensions(*e, after);
          report_dropped(*e);
          flush_one(*e);
          if (e->out_fd >= 0) ::close(e->out_fd);
          if (e->status_fd >= 0) ::close(e->status_fd);
          remove_env(*e);
        }
        if (now - last_flush >= 100 || stopping) {
          for (auto& [id, ep] : envs) flush_one(*ep);
          last_flush = now;
        }
        if (!to_spawn.empty()) timeout = 0;
        if (snow - last_sample >= kSampleMs) {
          last_sample = snow;
          for (auto& [id, ep] : envs) {
            if (ep->pid <= 0 || !ep->kill_reason.empty()) continue;
            to_sample.push_back(ep->pid);
            for (const auto& x : ep->exts)
              if (x.pid > 0) to_sample.push_back(x.pid);
          }
        }
        if (!envs.empty()) timeout = std::min<int>(timeout, static_cast<int>(kSampleMs));
      }
      if (!to_sample.empty()) watch_memory(group_rss_kb(to_sample));
      std::erase_if(stale_cgroups, [](const std::string& d) { return Cgroups::remove(d); });
      deliver_logs();
      after.run();
      for (Env* e : to_start) {
        std::vector<std::string> cmd, env;
        {
          std::lock_guard lock(mu);
          cmd = std::move(e->runtime_cmd);
          env = std::move(e->runtime_env);
          e->runtime_cmd.clear();
        }
        std::string err = start_runtime(*e, std::move(cmd), env);
        if (!err.empty()) {
          After a2;
          std::lock_guard lock(mu);
          e->init_error = err;
          e->kill_reason = "init-error";
          buried(*e, 0, a2);
          bury_extensions(*e, a2);
          flush_one(*e);
          remove_env(*e);
          a2.run();
        }
      }
      for (Env* e : to_spawn) {
        std::string err = spawn(*e);
        After a2;
        std::lock_guard lock(mu);
        if (!err.empty()) {
          e->init_error = err;
          e->state = Env::State::dead;
          e->spawned = steady_ms();
          e->state = Env::State::starting;
          e->init_ms = -1;
          // No process: settle as an init failure right away.
          buried(*e, 0, a2);
          bury_extensions(*e, a2);
          flush_one(*e);
          remove_env(*e);
        }
        a2.run();  // under the lock is fine: completions post elsewhere, replies are posts
      }
      if (!to_spawn.empty() || !to_start.empty()) continue;
      pfds.push_back({wake_fd, POLLIN, 0});
      ::poll(pfds.data(), pfds.size(), timeout);
      if (pfds.back().revents & POLLIN) {
        uint64_t v;
        [[maybe_unused]] auto n = ::read(wake_fd, &v, sizeof v);
      }
      pfds.pop_back();
      std::lock_guard lock(mu);
      for (size_t i = 0; i < pfds.size(); ++i) {
        if (!pfds[i].revents) continue;
        auto it = envs.find(ids[i]);
        if (it != envs.end()) drain(*it->second);
      }
    }
    deliver_logs();
  }

  // SIGKILLs every process of e: its cgroup (which also holds what escaped the process groups
  // with setsid()), the process groups of the runtime and the extensions, and those processes.
  static void kill_tree(Env& e) {
    Cgroups::kill_all(e.cgroup);
    if (e.pid > 0) {
      ::kill(-e.pid, SIGKILL);
      ::kill(e.pid, SIGKILL);
    }
    for (auto& x : e.exts) {
      if (x.pid <= 0) continue;
      ::kill(-x.pid, SIGKILL);
      ::kill(x.pid, SIGKILL);
    }
  }

  // The runtime of e is gone: its extensions go too. REQUIRES(mu).
  void bury_extensions(Env& e, After& after) {
    for (auto& x : e.exts) {
      if (x.pid > 0) {
        ::kill(-x.pid, SIGKILL);
        ::kill(x.pid, SIGKILL);
        int ws = 0;
        ::waitpid(x.pid, &ws, 0);
        x.pid = 0;
      }
      drain(e, x.out_fd, x.eof, x.partial);
      if (x.out_fd >= 0) ::close(x.out_fd);
      x.out_fd = -1;
      x.exited = true;
      if (x.parked) {
        after.replies.emplace_back(std::move(x.parked), ext_error(410, "EnvironmentStopped", "stopped"));
        x.parked = nullptr;
      }
    }
  }

  // Records each environment's memory use and kills the ones above their MemorySize, as Lambda's
  // memory limit does (the invoke then fails with "signal: killed").
  void watch_memory(const std::unordered_map<pid_t, int64_t>& rss) {
    std::lock_guard lock(mu);
    for (auto& [id, ep] : envs) {
      Env& e = *ep;
      auto it = e.pid > 0 ? rss.find(e.pid) : rss.end();
      if (it == rss.end()) continue;
      int64_t kb = it->second;
      for (const auto& x : e.exts)
        if (auto xi = x.pid > 0 ? rss.find(x.pid) : rss.end(); xi != rss.end()) kb += xi->second;
      e.peak_kb = std::max(e.peak_kb, kb);
      if (e.kill_reason.empty() && kb > int64_t{e.spec->memory_mb} * 1024) {
        e.kill_reason = "oom";
        kill_tree(e);
      }
    }
  }

  // Log events ready for the sink, collected under mu, delivered by the monitor without it.
  std::vector<std::tuple<std::shared_ptr<const FunctionSpec>, std::string, std::vector<LogEvent>>> outbox;  // GUARDED_BY(mu)

  void flush_one(Env& e) {
    if (e.logs.empty()) return;
    outbox.emplace_back(e.spec, e.stream, std::move(e.logs));
    e.logs.clear();
  }

  void deliver_logs() {
    decltype(outbox) batch;
    {
      std::lock_guard lock(mu);
      batch.swap(outbox);
    }
    if (!opts.log_sink) return;
    for (auto& [spec, stream, events] : batch) {
      try {
        opts.log_sink(spec->account, spec->region, spec->log_group, stream, std::move(events));
      } catch (const std::exception& ex) {
        spdlog::warn("lambda logs: {}", ex.what());
      }
    }
  }

  // ---- the Runtime API (http::Handler) ----

  http::BodyPlan begin(http::Request&, std::unique_ptr<http::Response>&) override {
    http::BodyPlan plan;
    plan.max_bytes = kMaxResponseBytes + 1024 * 1024;
    return plan;
  }

  http::Response transport_error(const http::Request&, int status, std::string_view code,
                                 std::string_view message) override {
    return json_response(status, error_doc(std::string(code), std::string(message)));
  }

  void serve_download(const http::Request& req, http::Responder& respond) {
    std::string rel = req.path.substr(6);
    if (opts.download_root.empty() || rel.find("..") != std::string::npos || rel.empty()) {
      return respond(json_response(404, error_doc("NotFound", "no such code package")));
    }
    std::ifstream f(opts.download_root + "/" + rel, std::ios::binary);
    if (!f) return respond(json_response(404, error_doc("NotFound", "no such code package")));
    http::Response r;
    r.headers.set("content-type", "application/zip");
    r.body.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    respond(std::move(r));
  }

  void handle(http::Request req, http::Responder respond) override {
    std::string_view path = req.path;
    if (starts_with(path, "/code/") && (req.method == "GET" || req.method == "HEAD")) {
      return serve_download(req, respond);
    }
    constexpr std::string_view kBase = "/2018-06-01/runtime/";
    constexpr std::string_view kExt = "/2020-01-01/extension/";
    bool ext = starts_with(path, kExt);
    if (!ext && !starts_with(path, kBase)) return respond(json_response(404, error_doc("NotFound", "unknown path")));
    std::string_view rest = path.substr(ext ? kExt.size() : kBase.size());

    After after;
    {
      std::lock_guard lock(mu);
      auto bp = by_port.find(req.local_port);
      auto it = bp == by_port.end() ? envs.end() : envs.find(bp->second);
      if (it == envs.end() || it->second->state == Env::State::dead || it->second->killed) {
        after.replies.emplace_back(std::move(respond),
                                   json_response(403, error_doc("InvalidEnvironment", "this environment was stopped")));
      } else if (ext) {
        route_extension(*it->second, req, rest, std::move(respond), after);
      } else if (!it->second->kill_reason.empty()) {
        after.replies.emplace_back(std::move(respond),
                                   json_response(403, error_doc("InvalidEnvironment", "this environment was stopped")));
      } else {
        route(*it->second, req, rest, std::move(respond), after);
      }
    }
    after.run();
  }

  static http::Response ext_error(int status, const std::string& type, const std::string& message) {
    return json_response(status, error_doc(type, message));
  }

  // The Extensions API (2020-01-01): register, event/next, init/error, exit/error.
  void route_extension(Env& e, http::Request& req, std::string_view rest, http::Responder respond, After& after) {
    auto reply = [&](http::Response r) { after.replies.emplace_back(std::move(respond), std::move(r)); };
    if (rest == "register" && req.method == "POST") {
      std::string name = req.headers.get("lambda-extension-name");
      if (name.empty()) return reply(ext_error(400, "InvalidRequest", "Empty extension name"));
      if (e.state != Env::State::starting && e.state != Env::State::spawning)
        return reply(ext_error(403, "Extension.InvalidRegistration", "Extensions can register only during Init"));
      Doc body;
      try {
        body = req.body.empty() ? Doc::map() : json::parse(req.body);
      } catch (const std::exception&) {
        return reply(ext_error(400, "InvalidRequest", "the body must be a JSON object with \"events\""));
      }
      Ext* x = nullptr;
      for (auto& c : e.exts)
        if (c.name == name) x = &c;
      if (x && x->registered)
        return reply(ext_error(409, "Extension.AlreadyRegistered", "Extension " + name + " is already registered"));
      if (!x) {  // an internal extension (the runtime process registers it)
        e.exts.emplace_back();
        x = &e.exts.back();
        x->name = name;
      }
      if (const Doc* evs = body.get("events"); evs && evs->is_list()) {
        for (const auto& ev : evs->as_list()) {
          if (!ev.is_string()) continue;
          if (ev.as_string() == "INVOKE") x->wants_invoke = true;
          else if (ev.as_string() == "SHUTDOWN") x->wants_shutdown = true;
          else return reply(ext_error(400, "InvalidRequest", "unknown event type " + ev.as_string()));
        }
      }
      x->registered = true;
      x->id = ids::uuid4();
      if (!e.runtime_cmd.empty() && registration_done(e)) wake();  // the runtime may start
      Doc out = Doc::map();
      out.set("functionName", e.spec->function_name);
      out.set("functionVersion", e.spec->version);
      out.set("handler", e.spec->handler);
      if (req.headers.get("lambda-extension-accept-feature").find("accountId") != std::string::npos)
        out.set("accountId", e.spec->account);
      http::Response r = json_response(200, json::write(out));
      r.headers.set("lambda-extension-identifier", x->id);
      return reply(std::move(r));
    }
    std::string id = req.headers.get("lambda-extension-identifier");
    if (id.empty())
      return reply(ext_error(403, "Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header"));
    Ext* x = nullptr;
    for (auto& c : e.exts)
      if (c.id == id) x = &c;
    if (!x) return reply(ext_error(403, "Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier"));
    if (rest == "event/next" && req.method == "GET") {
      if (x->parked) {
        after.replies.emplace_back(std::move(x->parked), ext_error(409, "Conflict", "superseded"));
        x->parked = nullptr;
      }
      x->parked = std::move(respond);
      pump(*x, after);
      if (e.state == Env::State::starting || e.state == Env::State::returning) dispatch(e, after);
      return;
    }
    if ((rest == "init/error" || rest == "exit/error") && req.method == "POST") {
      std::string type = req.headers.get("lambda-extension-function-error-type", "Extension.Unknown");
      log_line(e, "EXTENSION\tName: " + x->name + "\tState: " + (rest == "init/error" ? "InitError" : "ExitError") +
                      "\tError Type: " + type);
      if (rest == "init/error" && e.state == Env::State::starting) {
        std::string msg;
        try {
          msg = json::parse(req.body).str("errorMessage");
        } catch (const std::exception&) {
        }
        e.init_error = error_doc(type, msg.empty() ? "Extension " + x->name + " failed to initialize" : msg);
        e.kill_reason = "init-error";
        wake();
      }
      return reply(json_response(202, "{\"status\":\"OK\"}"));
    }
    reply(json_response(404, error_doc("NotFound", "unknown path")));
  }

  void route(Env& e, http::Request& req, std::string_view rest, http::Responder respond, After& after) {
    if (rest == "invocation/next" && req.method == "GET") {
      if (e.current) {
        // Asked for more work without answering: the invocation failed.
        InvokeResult res;
        res.kind = InvokeResult::Kind::function_error;
        res.error_type = "Runtime.NoResponse";
        res.payload = error_doc(res.error_type, "the runtime asked for the next invocation without answering this one");
        complete(e, std::move(res), "error", after);
      }
      if (e.parked) {
        after.replies.emplace_back(std::move(e.parked), json_response(409, error_doc("Conflict", "superseded")));
        e.parked = nullptr;
      }
      e.parked = std::move(respond);
      dispatch(e, after);
      return;
    }
    if (rest == "init/error" && req.method == "POST") {
      e.init_error = req.body.empty() ? error_doc("Runtime.Unknown", "init error") : req.body;
      after.replies.emplace_back(std::move(respond), json_response(202, "{\"status\":\"OK\"}"));
      return;
    }
    constexpr std::string_view kInv = "invocation/";
    if (starts_with(rest, kInv) && req.method == "POST") {
      rest.remove_prefix(kInv.size());
      size_t s = rest.find('/');
      std::string rid(rest.substr(0, s));
      std::string_view what = s == std::string_view::npos ? std::string_view() : rest.substr(s + 1);
      if (!e.current || e.current->req.request_id != rid || (what != "response" && what != "error")) {
        after.replies.emplace_back(std::move(respond),
                                   json_response(400, error_doc("InvalidRequestID", "Invalid request ID")));
        return;
      }
      drain(e);
      InvokeResult res;
      if (what == "response") {
        if (req.body.size() > kMaxResponseBytes) {
          res.kind = InvokeResult::Kind::function_error;
          res.error_type = "Function.ResponseSizeTooLarge";
          res.payload = error_doc(res.error_type, "Response payload size exceeded maximum allowed payload size (" +
                                                      std::to_string(kMaxResponseBytes) + " bytes).");
          after.replies.emplace_back(std::move(respond),
                                     json_response(413, error_doc("RequestEntityTooLarge", "response too large")));
        } else {
          res.payload = std::move(req.body);
          after.replies.emplace_back(std::move(respond), json_response(202, "{\"status\":\"OK\"}"));
        }
      } else {
        res.kind = InvokeResult::Kind::function_error;
        res.payload = std::move(req.body);
        res.error_type = req.headers.get("lambda-runtime-function-error-type");
        if (res.payload.empty()) res.payload = error_doc(res.error_type.empty() ? "Unhandled" : res.error_type, "");
        after.replies.emplace_back(std::move(respond), json_response(202, "{\"status\":\"OK\"}"));
      }
      complete(e, std::move(res), res.kind == InvokeResult::Kind::ok ? nullptr : "error", after);
      e.state = Env::State::returning;
      return;
    }
    after.replies.emplace_back(std::move(respond), json_response(404, error_doc("NotFound", "unknown path")));
  }
};

Manager::Manager(ManagerOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}

Manager::~Manager() { stop(); }

void Manager::start() {
  if (impl_->opts.isolation == "bwrap") {
    impl_->bwrap = which("bwrap");
    std::string probe = "'" + impl_->bwrap + "' --ro-bind / / true >/dev/null 2>&1";
    if (impl_->bwrap.empty() || std::system(probe.c_str()) != 0)
      throw std::runtime_error("--lambda-isolation=bwrap: bubblewrap is not installed or cannot create a sandbox here "
                               "(`bwrap --ro-bind / / true` fails); use --lambda-isolation=none");
    if (::geteuid() == 0) {
      impl_->setpriv = which("setpriv");
      if (impl_->setpriv.empty())
        throw std::runtime_error("--lambda-isolation=bwrap as root needs setpriv (util-linux) to run functions as an "
                                 "unprivileged user");
    }
    impl_->seccomp = seccomp_program();
    impl_->make_bwrap_base();
  } else if (impl_->opts.isolation != "none") {
    throw std::runtime_error("unknown Lambda isolation " + impl_->opts.isolation);
  }
  impl_->cgroups.init();
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  http::ServerOptions so;
  so.host = "127.0.0.1";
  so.port = 0;
  so.threads = 1;
  so.idle_timeout_s = 3600;
  impl_->server = std::make_unique<http::Server>(so, *impl_);
  impl_->server->start();
  impl_->port = impl_->server->port();
  // The monitor owns every environment's state; after an exception there is no resuming it.
  impl_->monitor =
      std::thread([this] { run_or_exit("lambda-monitor", [this] { impl_->run_monitor(); }); });
}

void Manager::stop() {
  if (!impl_->monitor.joinable()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    Impl::After after;
    for (auto& [key, p] : impl_->pools) {
      for (auto& inv : p->queue) {
        InvokeResult r;
        r.kind = InvokeResult::Kind::function_error;
        r.error_type = "Runtime.ExitError";
        r.payload = error_doc(r.error_type, "The server is shutting down");
        after.done.emplace_back(std::move(inv->done), std::move(r));
      }
      p->queue.clear();
    }
    impl_->wake();
    after.run();
  }
  impl_->monitor.join();
  impl_->cgroups.destroy(1000);  // anything that escaped the environments' own kills
  impl_->server->stop(200);
  impl_->server->wait();
  ::close(impl_->wake_fd);
}

std::string Manager::address() const { return "127.0.0.1:" + std::to_string(impl_->port); }

void Manager::invoke(std::shared_ptr<const FunctionSpec> spec, InvokeRequest req, Completion done) {
  auto inv = std::make_shared<Invocation>();
  inv->spec = spec;
  inv->req = std::move(req);
  inv->done = std::move(done);
  Impl::After after;
  {
    std::lock_guard lock(impl_->mu);
    Pool& p = impl_->pool_of(*spec);
    p.spec = spec;
    if (impl_->stopping) {
      InvokeResult r;
      r.kind = InvokeResult::Kind::throttled;
      r.throttle_reason = "ServerShuttingDown";
      after.done.emplace_back(std::move(inv->done), std::move(r));
    } else {
      if (spec->reserved) {
        int busy = 0;
        for (Env* e : p.envs) busy += e->state == Env::State::busy ? 1 : 0;
        if (busy + static_cast<int>(p.queue.size()) >= spec->max_environments) {
          InvokeResult r;
          r.kind = InvokeResult::Kind::throttled;
          r.throttle_reason = "ReservedFunctionConcurrentInvocationLimitExceeded";
          after.done.emplace_back(std::move(inv->done), std::move(r));
          inv.reset();
        }
      }
      if (inv) {
        Env* idle = nullptr;
        for (Env* e : p.envs)
          if (e->state == Env::State::idle && e->parked && e->kill_reason.empty()) idle = e;
        if (idle) {
          http::Responder r = std::move(idle->parked);
          idle->parked = nullptr;
          after.replies.emplace_back(std::move(r), impl_->assign(*idle, std::move(inv), after));
        } else {
          p.queue.push_back(std::move(inv));
          impl_->maybe_spawn(p);
        }
      }
    }
  }
  after.run();
}

void Manager::retire(const std::string& prefix) {
  std::lock_guard lock(impl_->mu);
  for (auto& [key, p] : impl_->pools) {
    if (!starts_with(key, prefix)) continue;
    p->retired = true;
    p->provisioned = 0;
    for (Env* e : p->envs)
      if (e->state == Env::State::idle && e->kill_reason.empty()) e->kill_reason = "retired";
  }
  impl_->wake();
}

Manager::Stats Manager::stats(const std::string& key) const {
  std::lock_guard lock(impl_->mu);
  Stats s;
  auto it = impl_->pools.find(key);
  if (it == impl_->pools.end()) return s;
  s.environments = static_cast<int>(it->second->envs.size());
  for (Env* e : it->second->envs) s.busy += e->state == Env::State::busy ? 1 : 0;
  s.pending = static_cast<int>(it->second->queue.size());
  for (Env* e : it->second->envs)
    s.ready += e->kill_reason.empty() && (e->state == Env::State::idle || e->state == Env::State::busy ||
                                          e->state == Env::State::returning) ? 1 : 0;
  return s;
}

void Manager::provision(std::shared_ptr<const FunctionSpec> spec, int n) {
  std::lock_guard lock(impl_->mu);
  Pool& p = impl_->pool_of(*spec);
  if (!p.spec || n > 0) p.spec = spec;
  p.provisioned = n;
  if (n > 0) p.retired = false;
  impl_->maybe_spawn(p);
  impl_->wake();  // idle deadlines change
}

}  // namespace stratus::runtime
