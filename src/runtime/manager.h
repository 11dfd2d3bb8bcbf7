// Lambda execution environments as host processes, and the Runtime API they talk to.
//
// Each environment is a child process (python3 / node with our runtime client, or the package's
// `bootstrap` for provided runtimes) that long-polls GET .../runtime/invocation/next and posts
// .../response or .../error, exactly as on AWS. The Manager keeps one pool per function version
// (and code/configuration revision), hands invocations to idle environments, scales out up to
// the pool's limit, replaces environments that crash, exit or hang, kills the ones that exceed
// their timeout, and reaps idle ones.
//
// The Runtime API is served by a second HTTP listener on 127.0.0.1 (an ephemeral port, one I/O
// thread), separate from the AWS endpoint: runtime clients are local, trusted and unsigned, their
// long polls must never take the customer-facing threads, and they need no routing or auth.
// Each environment gets its own loopback port on that listener (Server::open_port, same I/O
// thread), so AWS_LAMBDA_RUNTIME_API is a plain "127.0.0.1:PORT" as on AWS: runtime clients
// that treat it as host:port (AWS's Node/Python RICs, Rust/Go runtimes) work, and the port a
// request came in on identifies the calling environment. The port closes when the environment
// is gone.
//
// Extensions (Extensions API 2020-01-01 on the same port): the executables in <opt>/extensions
// are started first; once all have registered the runtime starts; they long-poll
// /extension/event/next for INVOKE and SHUTDOWN events. An environment takes an invocation only when the runtime and every
// running extension wait in their /next, so extensions' post-invoke work delays the next
// invocation (not the caller's answer), bounded by the invocation's deadline. Spin-down (idle,
// code change, server stop) sends SHUTDOWN and gives extensions 2 s to exit. Difference from
// AWS: SHUTDOWN is sent only on spin-down (not after timeouts or crashes). An extension that exits outside SHUTDOWN takes the environment down: the
// invocation waiting for it fails with Extension.Crash.
//
// Limits: every process gets Lambda's rlimits; the monitor samples each environment's resident
// memory (its process groups) for Max Memory Used and kills it above MemorySize. Output: lines
// are cut into events of at most 256 KB; each environment's log stream takes 1 MB/s (bursts of
// 4 MB, an event counting its message + 26 bytes); output beyond that is dropped and counted, and
// a "[stratus] N lines (M bytes) of output dropped" line says so. The function is never slowed.
//
// Process trees: every process of an environment joins the environment's cgroup v2
// (runtime/cgroup.h) and starts its own session; whenever an environment ends (exit, crash,
// timeout, idle, code change, delete, OOM, server stop) the cgroup and the process groups are
// SIGKILLed, so a double-forked setsid() daemon dies too. Without cgroups: process groups only.
//
// Threads: invoke() may be called from any thread and never blocks on a process. One monitor
// thread (the Manager's own Scheduler, "lambda-monitor") spawns processes (so that
// PR_SET_PDEATHSIG ties children to it), reads their output, enforces deadlines and reaps exits.
// Completion callbacks run on the Runtime API thread or the monitor thread; they must be quick
// (post elsewhere).
//
// The parts (each header states its contract): runtime/environment.h (the shared state of
// environments and their log streams), runtime/pool.h (pools: scheduling, warm reuse, scale-out,
// provisioned concurrency, settling invocations), runtime/process.h (starting and killing
// processes, the sandbox), runtime/runtime_api.h (the Runtime API listener's handler),
// runtime/extensions.h (the Extensions API); manager.cc puts them together with the monitor.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/server.h"

namespace stratus::runtime {

// Everything an environment of one function version needs. Immutable once handed to invoke().
struct FunctionSpec {
  std::string pool_key;       // identifies the pool: same key = environments are interchangeable
  std::string account, region;
  std::string function_name;  // plain name
  std::string version;        // "$LATEST" or "1", "2", ...
  std::string function_arn;   // unqualified
  std::string runtime;        // "python3.12", "nodejs20.x", "provided.al2023", ...
  std::string handler;
  std::string code_dir;       // extracted package (LAMBDA_TASK_ROOT)
  std::string opt_dir;        // the layers merged in order (/opt on AWS), "" without layers
  std::map<std::string, std::string> environment;  // the function's own variables
  int timeout_s = 3;
  int memory_mb = 128;
  int max_environments = 0;   // reserved concurrency (0 with reserved = always throttled)
  bool reserved = false;      // max_environments is a hard limit (throttle beyond it)
  std::string log_group;      // /aws/lambda/NAME
  // LoggingConfig: "JSON" makes application and platform records JSON; the levels filter them
  // (application: TRACE..FATAL, set only with JSON as on AWS; system: DEBUG, INFO, WARN).
  std::string log_format = "Text";
  std::string app_log_level, system_log_level;
  std::map<std::string, std::string> credentials;  // AWS_ACCESS_KEY_ID, ... for the process
  // The function has AWS's Parameters and Secrets Lambda Extension layer: its environments reach
  // the extension's HTTP API (ManagerOptions::parameters_secrets) on 127.0.0.1:extension_port, or
  // on their own Runtime API port when that port could not be had; PARAMETERS_SECRETS_EXTENSION_HTTP_PORT
  // names the one that works.
  bool parameters_secrets = false;
};

struct InvokeRequest {
  std::string request_id;
  std::string payload;
  std::string invoked_arn;    // as the caller named it (qualified or not)
  std::string client_context; // base64 JSON, passed through
  std::string cognito_identity;
  bool tail = false;          // LogType=Tail: collect the log of this invocation
};

struct InvokeResult {
  enum class Kind { ok, function_error, throttled };
  Kind kind = Kind::ok;
  std::string payload;        // response payload, or the error document
  std::string error_type;     // function_error: errorType as reported (for logs/metrics)
  std::string log_tail;       // raw log text of the invocation (when tail was requested)
  std::string throttle_reason;
  // Response streaming (the runtime posted with Lambda-Runtime-Function-Response-Mode: streaming):
  // the body's Content-Type, and with a mid-stream error (the Lambda-Runtime-Function-Error-Type
  // and -Body trailers; kind function_error, payload the error document) the bytes streamed
  // before it.
  bool streamed = false;
  std::string content_type;
  std::string partial;
};

using Completion = std::function<void(InvokeResult)>;

// One log line for CloudWatch Logs.
struct LogEvent {
  int64_t timestamp_ms;
  std::string message;
};
// Receives log events of one environment's stream. Called from manager threads, in order per
// stream, never under a manager lock.
using LogSink = std::function<void(const std::string& account, const std::string& region,
                                   const std::string& group, const std::string& stream,
                                   std::vector<LogEvent> events)>;

struct ManagerOptions {
  std::string shim_dir;        // where the python/node runtime clients are written
  std::string endpoint_url;    // AWS_ENDPOINT_URL for functions (the Stratus endpoint)
  int default_max_environments = 128;  // per pool, without reserved concurrency
  int64_t idle_ms = 10 * 60 * 1000;   // environments idle longer are stopped
  LogSink log_sink;
  // Serves GET /code/<path> from this directory (GetFunction's Code.Location), "" = none.
  std::string download_root;
  // Isolation: "none" runs environments as plain host processes (the code and layers are
  // reached at their host paths); "bwrap" runs each process under bubblewrap with a read-only
  // root, the code at /var/task and the layers at /opt (read-only binds), its own /tmp, in its
  // own PID/IPC/UTS namespaces, as an unprivileged user without capabilities (see process.h).
  std::string isolation = "none";
  // bwrap: directories the sandbox must not see (the data directory), each under an empty tmpfs.
  std::vector<std::string> hidden;
  // Interpreters mapped to runtime identifiers ("nodejs22.x" -> {path, where the mapping came
  // from: "--runtime" or "STRATUS_RUNTIME_NODEJS22_X"}); the rest are searched (interpreters.h).
  std::map<std::string, std::pair<std::string, std::string>> runtime_paths;
  // The HTTP API of the Parameters and Secrets Lambda Extension (GET /systemsmanager/... and
  // /secretsmanager/...) for environments whose spec has `parameters_secrets`. It is served on
  // 127.0.0.1:extension_port (AWS's 2773), one listener for every environment, where the
  // X-Aws-Parameters-Secrets-Token header (the environment's AWS_SESSION_TOKEN) names the calling
  // environment; and always on each environment's own Runtime API port (the fallback when
  // extension_port is 0 or was taken by another process at start: one warning in the log).
  // Called on the Runtime API thread outside the Manager's lock with the calling environment's
  // spec (nullptr on the shared port when the token names no environment: refuse it); must not block; answers through
  // `respond` once, from any thread.
  std::function<void(std::shared_ptr<const FunctionSpec>, http::Request, http::Responder)> parameters_secrets;
  uint16_t extension_port = 2773;
};

class Manager {
 public:
  explicit Manager(ManagerOptions opts);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Binds the Runtime API listener and starts the monitor thread. Throws on bind failure.
  void start();
  // Kills every environment, fails pending invocations, stops threads.
  void stop();

  // host:port of the Runtime API listener (valid after start()).
  std::string address() const;
  // The port the Parameters and Secrets extension listens on for every environment (after
  // start()), 0 when there is none (each environment's own port serves it).
  uint16_t extension_port() const;

  // Runs one invocation; `done` is called exactly once, from a manager thread (or inline when
  // throttled).
  void invoke(std::shared_ptr<const FunctionSpec> spec, InvokeRequest req, Completion done);

  // Stops the environments of pools whose key starts with prefix (function updated/deleted).
  // In-flight invocations finish first.
  void retire(const std::string& pool_key_prefix);

  // Provisioned concurrency: keeps n environments of spec's pool started and warm (exempt from
  // idle reaping, replaced when they end); n = 0 lets them be reaped again. Extra environments
  // beyond n scale and reap as usual.
  void provision(std::shared_ptr<const FunctionSpec> spec, int n);

  struct Stats {
    int environments = 0, busy = 0, pending = 0;
    int ready = 0;  // environments past init (idle or working)
  };
  Stats stats(const std::string& pool_key) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Writes the runtime clients (python, node) embedded in the binary into dir.
void write_shims(const std::string& dir);

}  // namespace stratus::runtime
