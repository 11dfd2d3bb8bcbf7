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
// Several environments share the listener, so each gets its own path prefix:
// AWS_LAMBDA_RUNTIME_API = "127.0.0.1:PORT/e/<id>". Runtime clients build their URLs as
// "http://" + AWS_LAMBDA_RUNTIME_API + "/2018-06-01/runtime/..." (aws-lambda-cpp, Go, curl
// scripts, our shims), so the prefix identifies the calling environment.
//
// Threads: invoke() may be called from any thread and never blocks on a process. One monitor
// thread spawns processes (so that PR_SET_PDEATHSIG ties children to it), reads their output,
// enforces deadlines and reaps exits. Completion callbacks run on the Runtime API thread or the
// monitor thread; they must be quick (post elsewhere).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
  std::vector<std::string> layer_dirs;  // extracted layers (mounted as /opt on AWS)
  std::map<std::string, std::string> environment;  // the function's own variables
  int timeout_s = 3;
  int memory_mb = 128;
  int max_environments = 0;   // reserved concurrency (0 with reserved = always throttled)
  bool reserved = false;      // max_environments is a hard limit (throttle beyond it)
  std::string log_group;      // /aws/lambda/NAME
  std::map<std::string, std::string> credentials;  // AWS_ACCESS_KEY_ID, ... for the process
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

  // Runs one invocation; `done` is called exactly once, from a manager thread (or inline when
  // throttled).
  void invoke(std::shared_ptr<const FunctionSpec> spec, InvokeRequest req, Completion done);

  // Stops the environments of pools whose key starts with prefix (function updated/deleted).
  // In-flight invocations finish first.
  void retire(const std::string& pool_key_prefix);

  struct Stats {
    int environments = 0, busy = 0, pending = 0;
  };
  Stats stats(const std::string& pool_key) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Writes the runtime clients (python, node) embedded in the binary into dir.
void write_shims(const std::string& dir);

}  // namespace stratus::runtime
