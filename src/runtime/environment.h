// The state of Lambda execution environments, shared by the parts of the runtime Manager
// (runtime/manager.h): the pools (runtime/pool.h) decide what each environment does, the process
// launcher (runtime/process.h) starts and kills its processes, the Runtime API
// (runtime/runtime_api.h) and the Extensions API (runtime/extensions.h) talk to them.
//
// Locking: every Env, Ext, Pool and Invocation reachable from the Manager is guarded by the
// Manager's one mutex; the functions below that take them REQUIRE it (the monitor thread reads
// an environment's fds and fields it alone writes, as the comments in manager.cc say). None of
// these functions calls back into the Manager: work that must run without the lock (completions,
// replies to long polls) is collected in an After and run once the lock is released.
//
// Also here: an environment's log stream (what its processes print, cut into CloudWatch events,
// within a byte budget) and the small helpers every part uses.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/server.h"
#include "runtime/manager.h"

namespace stratus::runtime {

inline constexpr size_t kMaxResponseBytes = 6 * 1024 * 1024;  // synchronous response payload limit
// A streamed response (Lambda-Runtime-Function-Response-Mode: streaming) is collected whole
// before it is answered, up to this size (AWS streams up to 200 MB).
inline constexpr size_t kMaxStreamedBytes = 32 * 1024 * 1024;
inline constexpr size_t kTailBytes = 4096;                     // LogType=Tail: the last 4 KB
inline constexpr size_t kMaxLineBytes = 256 * 1024;            // one CloudWatch event at most
// Function output stored per log stream (environment): a token bucket of bytes, each event
// counted as its message plus 26 bytes (PutLogEvents' accounting), refilled at kLogBytesPerSec up
// to kLogBurstBytes. Lines beyond it are dropped and counted; a marker line says how many. This
// keeps the server's memory and the log's growth bounded while a function prints without end,
// and never slows the function (it is not blocked on a full pipe).
inline constexpr double kLogBytesPerSec = 1024 * 1024;
inline constexpr double kLogBurstBytes = 4 * 1024 * 1024;
inline constexpr size_t kLogEventOverhead = 26;
inline constexpr size_t kDrainBytesPerPass = 256 * 1024;       // read per process per monitor pass
inline constexpr int64_t kInitLimitMs = 10'000;                // AWS's init phase limit
inline constexpr int64_t kSampleMs = 100;                      // how often environments' memory is measured

// Monotonic milliseconds (durations, init and shutdown deadlines).
double steady_ms();
// "%.2f", as Lambda prints durations.
std::string fmt2(double v);
bool starts_with(std::string_view s, std::string_view p);
// {"errorType": type, "errorMessage": message}: Lambda's error document.
std::string error_doc(const std::string& type, const std::string& message);
http::Response json_response(int status, std::string body);
// Now as the runtime clients print it in log lines: 2024-01-02T03:04:05.678Z.
std::string enc_time();

struct Invocation {
  std::shared_ptr<const FunctionSpec> spec;
  InvokeRequest req;
  Completion done;
  int64_t deadline_ms = 0;  // wall clock, set when handed to an environment
  double started = 0;       // steady ms
  std::string tail;
  std::string trace_id;     // X-Amzn-Trace-Id: a fresh, unsampled root
  Invocation();
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
  // spawning: created, the monitor has not started it yet; starting: processes run, init not
  // done (the runtime's first /next with every extension ready ends it); idle: parked in /next
  // without work; busy: working on `current`; returning: answered, waiting for its extensions
  // to come back to /next; dead: its runtime exited, about to be removed.
  enum class State { spawning, starting, idle, busy, returning, dead };
  uint64_t id = 0;
  uint16_t port = 0;           // its own Runtime API port (AWS_LAMBDA_RUNTIME_API=127.0.0.1:port)
  Pool* pool = nullptr;
  std::shared_ptr<const FunctionSpec> spec;
  State state = State::spawning;
  pid_t pid = 0;
  int out_fd = -1;
  bool eof = false;
  int tel_fd = -1;  // the runtime's log records (_LAMBDA_TELEMETRY_LOG_FD), read end
  bool tel_eof = false;
  std::string tel_buf;  // bytes of a frame not yet whole
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

// Work to do after the Manager's lock is released: completions and responses to environments.
// Replies run first (an environment's next poll may then proceed), completions after.
struct After {
  std::vector<std::pair<Completion, InvokeResult>> done;
  std::vector<std::pair<http::Responder, http::Response>> replies;
  void run() {
    for (auto& [r, res] : replies) r(std::move(res));
    for (auto& [d, res] : done) d(std::move(res));
  }
};

// ---- an environment's log stream ----

// Appends one log line to e's stream (cut to kMaxLineBytes), and to the tail of e's current
// invocation when LogType=Tail asked for it (the last kTailBytes are kept). ts 0: now.
void log_line(Env& e, std::string line, int64_t ts = 0);
// Takes room for one output line of n bytes from e's budget; false: drop it (counted).
bool log_budget(Env& e, size_t n);
// Says in the log how much output was dropped since the last time (outside the budget).
void report_dropped(Env& e);
// One line the function printed: within the stream's budget, or dropped.
void output_line(Env& e, std::string_view line);
// Reads what a process of e printed so far from fd (non-blocking, at most kDrainBytesPerPass:
// the monitor comes back while more is there) into e's log: whole lines, and lines without a
// newline cut at kMaxLineBytes; what remains waits in partial. At end of file sets eof and logs
// the partial line.
void drain(Env& e, int fd, bool& eof, std::string& partial);
// drain() of the runtime's and every extension's output, and drain_telemetry().

// The telemetry log descriptor AWS's runtime clients write records to (_LAMBDA_TELEMETRY_LOG_FD):
// each a frame of a 4-byte type (0xa55a0002 JSON / 0xa55a0003 text, OR'd with a level mask in
// bits 2..4), a 4-byte length, an 8-byte timestamp in microseconds (all big-endian), then the
// message. A record is one log event whatever line breaks it holds.
inline constexpr int kTelemetryFd = 4;  // its number in the runtime process
inline constexpr uint32_t kMaxFrameBytes = 1024 * 1024;
struct TelemetryFrame {
  int64_t ts_ms = 0;
  std::string_view message;
  int priority = 0;  // the level of the type's mask: 1 TRACE .. 6 FATAL, 0 none
};
// 1 TRACE .. 6 FATAL, 0 for anything else.
int level_priority(std::string_view level);
// With LoggingConfig LogFormat JSON, application records below ApplicationLogLevel are dropped
// (Lambda's filtering, for runtimes that do not filter themselves); priority 0 counts as INFO.
bool filtered_out(const Env& e, int priority);
// Parses the whole frames at the start of buf into out (views into buf); returns the bytes they
// take. bad: a frame header that is not one (wrong magic, length over kMaxFrameBytes).
size_t parse_frames(std::string_view buf, std::vector<TelemetryFrame>& out, bool& bad);
// Reads e's telemetry descriptor (non-blocking, bounded like drain()) into e's log: each frame
// one event (cut at kMaxLineBytes), within the stream's budget. A malformed frame is reported in
// the log and the descriptor is read no further.
void drain_telemetry(Env& e);
void drain(Env& e);

}  // namespace stratus::runtime
