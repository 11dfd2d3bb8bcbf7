#include "runtime/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace stratus::runtime {
namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool write_file(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

bool pid_alive(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

}  // namespace

std::string cgroup2_mount(const std::string& mountinfo, std::string* mount_root) {
  std::istringstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype;
    tail >> fstype;
    if (fstype != "cgroup2") continue;
    std::istringstream head(line.substr(0, dash));
    std::string id, parent, dev, root, point;
    if (!(head >> id >> parent >> dev >> root >> point)) continue;
    if (mount_root) *mount_root = root;
    return point;
  }
  return {};
}

std::string cgroup2_path(const std::string& proc_cgroup) {
  std::istringstream in(proc_cgroup);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

bool Cgroups::init() {
  std::string mount_root;
  std::string mount = cgroup2_mount(read_file("/proc/self/mountinfo"), &mount_root);
  std::string own = cgroup2_path(read_file("/proc/self/cgroup"));
  std::string why;
  if (mount.empty() || own.empty()) {
    why = "no cgroup2 hierarchy is mounted";
  } else {
    // The mount may show a sub-tree (a container's namespace root): our path is relative to it.
    if (mount_root != "/" && own.rfind(mount_root, 0) == 0) own = own.substr(mount_root.size());
    if (own.empty() || own[0] != '/') own = "/" + own;
    std::string parent = (fs::path(mount) / own.substr(1)).lexically_normal().string();
    while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
    std::string dir = parent + "/stratus-" + std::to_string(::getpid());
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      why = "cannot create " + dir + ": " + std::strerror(errno);
    } else {
      root_ = dir;
      // Orphan sweep: cgroups of servers that died without cleaning up (kill -9).
      std::error_code ec;
      for (auto it = fs::directory_iterator(parent, ec); !ec && it != fs::directory_iterator();
           it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.rfind("stratus-", 0) != 0 || it->path().string() == root_) continue;
        pid_t pid = static_cast<pid_t>(std::atoll(name.c_str() + 8));
        if (pid <= 0 || pid_alive(pid)) continue;
        int killed = 0;
        for (auto env = fs::directory_iterator(it->path(), ec);
             !ec && env != fs::directory_iterator(); env.increment(ec)) {
          if (!env->is_directory()) continue;
          killed += static_cast<int>(pids(env->path().string()).size());
          kill_all(env->path().string());
        }
        if (killed)
          spdlog::warn("lambda: killed {} processes left over by a server that died ({})", killed,
                       name);
        Cgroups old;
        old.root_ = it->path().string();
        old.destroy(500);
      }
    }
  }
  if (!why.empty()) {
    spdlog::warn(
        "lambda: {}; environments are tracked by process group only, so a process that calls "
        "setsid() "
        "can outlive its environment",
        why);
  }
  return available();
}

std::string Cgroups::create(const std::string& name) const {
  if (root_.empty()) return {};
  std::string dir = root_ + "/" + name;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    spdlog::warn("lambda: cannot create cgroup {}: {}", dir, std::strerror(errno));
    return {};
  }
  return dir;
}

int Cgroups::open_procs(const std::string& dir) {
  if (dir.empty()) return -1;
  return ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
}

bool Cgroups::join(int procs_fd) {
  if (procs_fd < 0) return false;
  return ::write(procs_fd, "0", 1) == 1;
}

std::vector<pid_t> Cgroups::pids(const std::string& dir) {
  std::vector<pid_t> out;
  std::ifstream f(dir + "/cgroup.procs");
  long pid = 0;
  while (f >> pid) out.push_back(static_cast<pid_t>(pid));
  return out;
}

void Cgroups::kill_all(const std::string& dir) {
  if (dir.empty()) return;
  if (write_file(dir + "/cgroup.kill", "1")) return;
  // Before Linux 5.14: freeze so nothing forks while we go through the list, then kill each.
  bool frozen = write_file(dir + "/cgroup.freeze", "1");
  for (int round = 0; round < 16; ++round) {
    auto list = pids(dir);
    if (list.empty()) break;
    for (pid_t p : list) ::kill(p, SIGKILL);
  }
  if (frozen) write_file(dir + "/cgroup.freeze", "0");  // killed tasks die once thawed
}

bool Cgroups::remove(const std::string& dir) {
  if (dir.empty()) return true;
  return ::rmdir(dir.c_str()) == 0 || errno == ENOENT;
}

void Cgroups::destroy(int wait_ms) const {
  if (root_.empty()) return;
  std::vector<std::string> dirs;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root_, ec); !ec && it != fs::directory_iterator();
       it.increment(ec))
    if (it->is_directory(ec)) dirs.push_back(it->path().string());
  for (const auto& d : dirs) kill_all(d);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    bool all = true;
    for (const auto& d : dirs) all = remove(d) && all;
    if (all && remove(root_)) return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  spdlog::warn("lambda: cgroup {} could not be removed", root_);
}

}  // namespace stratus::runtime
