// The environments of each function version and what each one does next: the Manager's
// scheduling. A pool (one per FunctionSpec::pool_key: function version plus code/configuration
// revision) queues invocations, hands them to environments waiting in /next (warm reuse), asks
// for new environments up to its limit (scale-out; provisioned concurrency keeps n started and
// warm, exempt from idle reaping), and settles invocations when their environment answers, fails
// or dies.
//
// Contract: Pools is plain state plus the rules above; it starts and kills no process and does
// no I/O. New environments are created in State::spawning for the monitor to start; deadlines
// (timeouts, idle reaping) are enforced by the monitor from the fields set here (kill_reason,
// idle_since_ms, deadline_ms), and `wake` tells it to look again. Every method REQUIRES the
// Manager's lock; completions and replies to long polls are deferred into an After, run once the
// lock is released.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "runtime/environment.h"
#include "runtime/manager.h"

namespace stratus::runtime {

// The Lambda-Runtime-Client-Context header for Invoke's ClientContext (base64 JSON): the JSON
// text, compact; "" when b64 is not base64 of JSON (the header is then left out).
std::string client_context_header(std::string_view b64);

class Pools {
 public:
  // default_max_environments: a pool's limit without reserved concurrency. sandboxed: the
  // processes run under bwrap (Max Memory Used follows the runtime inside, see process.h).
  Pools(int default_max_environments, bool sandboxed, std::function<void()> wake);

  // ---- what the Manager's public methods do (manager.h) ----

  // Routes inv: throttled (reserved concurrency used up, or stopping), handed to an idle
  // environment, or queued (scaling out when needed).
  void invoke(std::shared_ptr<Invocation> inv, After& after);
  // Marks pools whose key starts with prefix retired: idle environments stop now, busy ones once
  // their invocation is done; no provisioned environments are kept.
  void retire(const std::string& prefix);
  // Keeps n environments of spec's pool started and warm (0: none).
  void provision(std::shared_ptr<const FunctionSpec> spec, int n);
  Manager::Stats stats(const std::string& pool_key) const;
  // The server stops: no new environments, every queued invocation fails (Runtime.ExitError).
  void stop(After& after);
  bool stopping() const { return stopping_; }

  // ---- the environments ----

  Pool& pool_of(const FunctionSpec& spec);
  // The most environments p may have.
  int cap(const Pool& p) const;
  // e is one of its pool's provisioned environments: never reaped for idleness.
  static bool kept_warm(const Env& e);
  // Creates environments (State::spawning) while p has more queued invocations than environments
  // on their way, or fewer than its provisioned ones, up to cap(p).
  void maybe_spawn(Pool& p);
  // The runtime of e waits in /next: hands it the next queued invocation if its extensions are
  // ready too; or it becomes idle (reporting a provisioned environment's init), or is retired.
  void dispatch(Env& e, After& after);
  // Hands inv to e (which is polling /next) and INVOKE events to its extensions; returns the
  // response for the runtime's poll.
  http::Response assign(Env& e, std::shared_ptr<Invocation> inv, After& after);
  // Ends e's current invocation with res: END and REPORT lines (status: "timeout", "error", ...
  // or nullptr), the log tail, the completion.
  void complete(Env& e, InvokeResult res, const char* status, After& after);
  // e's runtime is gone (wstatus as from waitpid; 0 when it never ran): settles its invocation,
  // or the queued one that waited for its init, and answers its parked /next with 410.
  void buried(Env& e, int wstatus, After& after);

  // The environment that owns a Runtime API port, or nullptr.
  Env* on_port(uint16_t port);
  void bind_port(Env& e, uint16_t port);
  // Forgets e (out of its pool, its port and the environments; e is destroyed) and scales its
  // pool out again if needed. The caller has killed its processes and closed its port.
  void erase(Env& e);
  std::unordered_map<uint64_t, std::unique_ptr<Env>>& envs() { return envs_; }

 private:
  int default_max_;
  bool sandboxed_;
  std::function<void()> wake_;
  bool stopping_ = false;
  std::unordered_map<std::string, std::unique_ptr<Pool>> pools_;
  std::unordered_map<uint64_t, std::unique_ptr<Env>> envs_;
  std::unordered_map<uint16_t, uint64_t> by_port_;
  uint64_t next_env_ = 1;
};

}  // namespace stratus::runtime
