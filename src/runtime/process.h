// The processes of a Lambda execution environment: finding the interpreters, the command line
// and environment variables of the runtime and of the extensions, the sandbox around them
// (--lambda-isolation=bwrap: bubblewrap, setpriv as root, a seccomp filter) and starting and
// killing them.
//
// Contract: the Launcher is configured once (configure(), which throws when the isolation asked
// for cannot be had) and is then read-only, except for the interpreter paths that
// runtime_command() looks up on first use: that one is for the monitor thread only. Processes
// are started by the monitor thread (PR_SET_PDEATHSIG ties them to the thread that forks them),
// each in its own session and process group, in the environment's cgroup when there is one, with
// Lambda's rlimits, stdout and stderr into one non-blocking pipe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/interpreters.h"
#include "runtime/manager.h"

namespace stratus::runtime {

struct Env;

// The sandbox user of --lambda-isolation=bwrap when the server runs as root: AWS's sbx_user1051.
inline constexpr uid_t kSandboxUid = 993;
inline constexpr gid_t kSandboxGid = 990;

// Every executable called name on PATH, in PATH order.
std::vector<std::string> which_all(const std::string& name);
// Finds an executable on PATH; "" when none.
std::string which(const std::string& name);
// Any user may run path: it and every directory above it are open to others (the sandbox user
// cannot use an interpreter under /root, where pyenv and nvm put theirs).
bool others_can_run(const std::string& path);
// Where tools/deps.sh installs the AWS SDK for JavaScript v3 that Node functions get without
// bundling it (STRATUS_NODE_SDK_DIR overrides): a node_modules folder.
inline constexpr const char* kNodeSdkDir = "/usr/local/lib/stratus/nodejs/node_modules";
std::string node_sdk_dir();

// Peak resident memory (kB) of one process, from its /proc/PID/status kept open (a pread is a
// few microseconds: cheap enough for every invocation). 0 when fd < 0 or unreadable.
int64_t hwm_kb(int status_fd);
// Resident memory (kB) of each process group among `groups`: an environment is its bootstrap
// process and everything it started (they share its process group), bubblewrap's own processes
// aside. Every group asked for is in the result (0 when it has no process).
std::unordered_map<pid_t, int64_t> group_rss_kb(const std::vector<pid_t>& groups);
// Under bwrap the process we started is bwrap itself: Max Memory Used must follow its child, the
// runtime. Points e.status_fd at the runtime's /proc/PID/status (unchanged when not found).
void follow_sandboxed_runtime(Env& e);

class Launcher {
 public:
  // Takes shim_dir, endpoint_url, isolation and hidden from opts.
  explicit Launcher(const ManagerOptions& opts);

  // Checks the isolation and finds its tools: bwrap (probed with `bwrap --ro-bind / / true`),
  // setpriv as root, the seccomp filter. Throws std::runtime_error with the reason when the
  // isolation cannot be had or is unknown.
  void configure();
  // Uses these tools without probing (configure() calls it; tests). setpriv "" = no uid change,
  // seccomp "" = no filter.
  void use_tools(std::string bwrap, std::string setpriv, std::string seccomp);

  bool sandboxed() const { return isolation_ == "bwrap"; }
  // The shared port of the Parameters and Secrets extension (manager.h), 0: each environment's
  // own. Before the monitor runs.
  void set_extension_port(uint16_t port) { extension_port_ = port; }

  // Where an environment's processes see the code, the layers and the runtime clients: inside the
  // sandbox /var/task, /opt and /var/runtime, otherwise the host paths.
  struct View {
    std::string task, opt, runtime;
  };
  View view(const FunctionSpec& s) const;

  // The runtime's command for s (argv[0] the runtime's interpreter, interpreters.h, or the
  // bootstrap), as seen from inside the environment (view()). Returns "" or an init error
  // document (Lambda's error JSON) when the runtime cannot run here. When the interpreter is not
  // the declared version, *note says so the first time for each function (and Stratus' log once
  // per runtime). Monitor thread only (caches the interpreters).
  std::string runtime_command(const FunctionSpec& s, std::vector<std::string>* argv, std::string* note = nullptr);
  // The interpreter of a Node.js or Python runtime identifier (resolved once, then cached).
  const Interpreter& interpreter(const std::string& runtime);
  // Resolves the explicitly mapped runtimes and says in Stratus' log what each runs on (a
  // warning when the version differs or the interpreter does not run). Before the monitor runs.
  void announce_mappings();
  // The command that runs argv inside e's sandbox (bwrap), or argv itself.
  std::vector<std::string> wrap(const Env& e, std::vector<std::string> argv) const;
  // The process environment of e's runtime and extensions ("K=V", sorted by name).
  std::vector<std::string> env_block(const Env& e) const;
  // The host directory behind an isolated environment's /tmp.
  std::string env_tmp(uint64_t env_id) const;
  // bwrap: creates e's /tmp (owned by the sandbox user as root). "" or an init error document.
  std::string prepare_tmp(const Env& e) const;

  // start_process() with this launcher's seccomp filter.
  pid_t start(std::vector<std::string> argv, std::vector<std::string>& env, const std::string& dir,
              const std::string& cgroup, int* out_fd, int* tel_fd = nullptr) const;

  // Forks and execs one process of an environment: its own session and process group, killed
  // with the calling thread (PR_SET_PDEATHSIG), in cgroup (a cgroup v2 directory, "" = none),
  // Lambda's resource limits, stdout and stderr into a pipe (*out_fd, non-blocking), stdin
  // /dev/null, seccomp_prog (non-empty) handed over as fd 3 for bwrap's --seccomp 3. With tel_fd
  // (the runtime), a second pipe is its fd kTelemetryFd, named by _LAMBDA_TELEMETRY_LOG_FD, and
  // *tel_fd its read end (non-blocking). Returns the pid, or -1.
  static pid_t start_process(std::vector<std::string> argv, std::vector<std::string>& env, const std::string& dir,
                             const std::string& cgroup, const std::string& seccomp_prog, int* out_fd,
                             int* tel_fd = nullptr);
  // SIGKILLs every process of e: its cgroup (which also holds what escaped the process groups
  // with setsid()), the process groups of the runtime and the extensions, and those processes.
  static void kill_tree(Env& e);

  // The part of bwrap's command line shared by every environment (see process.cc).
  static std::vector<std::string> bwrap_base(const std::string& bwrap, const std::string& setpriv,
                                             const std::vector<std::string>& hidden);

 private:
  // Why an interpreter may be missing under bwrap as root: none on PATH that uid 993 may run.
  std::string for_sandbox() const;

  std::string shim_dir_, endpoint_url_, isolation_;
  uint16_t extension_port_ = 0;
  std::vector<std::string> hidden_;
  std::string bwrap_;
  std::string setpriv_;  // bwrap as root: drops the sandbox to kSandboxUid ("" = no uid change)
  std::string seccomp_;  // bwrap: the filter handed over as fd 3 ("" = none), seccomp.h
  std::vector<std::string> bwrap_base_;
  // Monitor thread only: interpreters per runtime identifier, the runtimes and functions told
  // about a version mismatch.
  std::map<std::string, std::pair<std::string, std::string>> runtime_paths_;
  std::unique_ptr<HostProbe> host_;
  std::map<std::string, Interpreter> interpreters_;
  std::set<std::string> warned_, noted_;
};

}  // namespace stratus::runtime
