// One cgroup v2 per Lambda execution environment, so that every process an environment starts —
// including a double-forked, setsid()'d daemon that has left its process group and session — can
// be found and killed when the environment ends.
//
// Why cgroups: a process group (kill(-pgid)) is escaped by setsid(), and PR_SET_PDEATHSIG only
// covers the direct child. A process cannot leave its cgroup without write access to another
// cgroup's cgroup.procs, which sandboxed functions do not have (and, without --lambda-isolation
// =bwrap, the default mode runs functions with the server's own rights: see NOTES/README).
//
// Layout: <the server's own cgroup>/stratus-<server pid>/env-<id>. Killing uses cgroup.kill
// (Linux >= 5.14), else SIGKILL to every pid in cgroup.procs until it is empty. A directory is
// removed once its processes are gone (rmdir fails while any is alive: retried later).
// After a kill -9 of the server, the next start finds stratus-<pid> directories of dead servers
// beside its own and kills what is left in them (orphan sweep).
//
// When no writable cgroup2 hierarchy exists (cgroup v1 only, a read-only /sys/fs/cgroup in a
// container), available() is false, a warning is logged once, and callers fall back to process
// groups. Thread safety: const members may be called from any thread; init() once, first.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace stratus::runtime {

class Cgroups {
 public:
  // Finds the cgroup2 hierarchy and this process's cgroup in it, creates stratus-<pid> there and
  // sweeps the directories of dead servers. Never throws; false (and one warning) when unusable.
  bool init();
  bool available() const { return !root_.empty(); }

  // Creates the cgroup of one environment; its path, or "" (not available / mkdir failed).
  std::string create(const std::string& name) const;
  // Writes "0" to dir/cgroup.procs from a freshly forked child: moves the calling process in.
  // Async-signal-safe when given the fd opened by open_procs(). False on failure.
  static int open_procs(const std::string& dir);  // O_WRONLY|O_CLOEXEC fd, or -1
  static bool join(int procs_fd);

  // SIGKILLs every process in dir (cgroup.kill, else a loop over cgroup.procs).
  static void kill_all(const std::string& dir);
  // Pids currently in dir (empty when gone).
  static std::vector<pid_t> pids(const std::string& dir);
  // rmdir; true when the directory is gone (or never existed).
  static bool remove(const std::string& dir);

  // Kills and removes every environment cgroup and our own directory (server stop). Waits up to
  // wait_ms for the processes to be gone.
  void destroy(int wait_ms) const;

  const std::string& root() const { return root_; }

 private:
  std::string root_;  // <hierarchy>/<own cgroup>/stratus-<pid>, "" when unavailable
};

// The cgroup2 directory of this process ("" when there is no cgroup2 hierarchy). Pure parsing
// helpers, exposed for tests: mountinfo text -> mount point and root of the cgroup2 mount;
// /proc/self/cgroup text -> the "0::" path.
std::string cgroup2_mount(const std::string& mountinfo, std::string* mount_root);
std::string cgroup2_path(const std::string& proc_cgroup);

}  // namespace stratus::runtime
