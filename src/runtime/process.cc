#include "runtime/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "runtime/cgroup.h"
#include "runtime/environment.h"
#include "runtime/seccomp.h"

namespace stratus::runtime {
namespace {

namespace fs = std::filesystem;

constexpr rlim_t kMaxOpenFiles = 1024;  // Lambda's limits inside an environment
constexpr rlim_t kMaxProcesses = 1024;

}  // namespace

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

std::string which(const std::string& name) {
  auto all = which_all(name);
  return all.empty() ? std::string() : all.front();
}

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

std::string node_sdk_dir() {
  const char* d = std::getenv("STRATUS_NODE_SDK_DIR");
  return d && *d ? d : kNodeSdkDir;
}

int64_t hwm_kb(int status_fd) {
  if (status_fd < 0) return 0;
  char buf[4096];
  ssize_t n = ::pread(status_fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = 0;
  const char* p = std::strstr(buf, "VmHWM:");
  return p ? std::atoll(p + 6) : 0;
}

// Reads /proc/N/stat of every process: pgrp is field 5 and rss (pages) field 24.
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

void follow_sandboxed_runtime(Env& e) {
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

Launcher::Launcher(const ManagerOptions& opts)
    : shim_dir_(opts.shim_dir),
      endpoint_url_(opts.endpoint_url),
      isolation_(opts.isolation),
      hidden_(opts.hidden),
      runtime_paths_(opts.runtime_paths) {}

void Launcher::configure() {
  if (isolation_ == "bwrap") {
    std::string bwrap = which("bwrap");
    std::string probe = "'" + bwrap + "' --ro-bind / / true >/dev/null 2>&1";
    if (bwrap.empty() || std::system(probe.c_str()) != 0)
      throw std::runtime_error("--lambda-isolation=bwrap: bubblewrap is not installed or cannot create a sandbox here "
                               "(`bwrap --ro-bind / / true` fails); use --lambda-isolation=none");
    std::string setpriv;
    if (::geteuid() == 0) {
      setpriv = which("setpriv");
      if (setpriv.empty())
        throw std::runtime_error("--lambda-isolation=bwrap as root needs setpriv (util-linux) to run functions as an "
                                 "unprivileged user");
    }
    use_tools(std::move(bwrap), std::move(setpriv), seccomp_program());
  } else if (isolation_ != "none") {
    throw std::runtime_error("unknown Lambda isolation " + isolation_);
  }
}

void Launcher::use_tools(std::string bwrap, std::string setpriv, std::string seccomp) {
  bwrap_ = std::move(bwrap);
  setpriv_ = std::move(setpriv);
  seccomp_ = std::move(seccomp);
  bwrap_base_ = bwrap_base(bwrap_, setpriv_, hidden_);
}

Launcher::View Launcher::view(const FunctionSpec& s) const {
  if (sandboxed()) return {"/var/task", s.opt_dir.empty() ? "" : "/opt", "/var/runtime"};
  return {s.code_dir, s.opt_dir, shim_dir_};
}

std::string Launcher::for_sandbox() const {
  return setpriv_.empty() ? "" : " (none on PATH that the sandbox user " + std::to_string(kSandboxUid) +
                                     " may run: not under /root, every directory open to others)";
}

const Interpreter& Launcher::interpreter(const std::string& runtime) {
  auto it = interpreters_.find(runtime);
  if (it != interpreters_.end()) return it->second;
  if (!host_) host_ = std::make_unique<HostProbe>(host_probe(!setpriv_.empty()));
  return interpreters_[runtime] = resolve_interpreter_for(runtime, runtime_paths_, *host_);
}

void Launcher::announce_mappings() {
  for (const auto& [runtime, mapping] : runtime_paths_) {
    const Interpreter& in = interpreter(runtime);
    std::string n = mismatch_note(runtime, in);
    if (!n.empty()) {
      spdlog::warn("lambda: {}", n);
      warned_.insert(runtime);
    } else {
      spdlog::info("lambda: {} runs on {} (version {}, from {})", runtime, in.path, in.version, in.source);
    }
  }
}

std::string Launcher::runtime_command(const FunctionSpec& s, std::vector<std::string>* argv, std::string* note) {
  const View v = view(s);
  bool python = starts_with(s.runtime, "python");
  if (python || starts_with(s.runtime, "nodejs")) {
    const Interpreter& in = interpreter(s.runtime);
    std::string n = mismatch_note(s.runtime, in);
    if (in.path.empty()) {
      std::string why = n.empty() ? (python ? "python3" : "node") + std::string(" is not installed on this host") : n;
      return error_doc("Runtime.InvalidRuntime", why + for_sandbox());
    }
    if (!n.empty()) {
      if (warned_.insert(s.runtime).second) spdlog::warn("lambda: {}", n);
      if (note && noted_.insert(s.function_arn).second) *note = n;
    }
    *argv = {in.path, v.runtime + (python ? "/python/bootstrap.py" : "/node/bootstrap.mjs")};
  } else if (starts_with(s.runtime, "provided")) {
    std::string b;
    if (::access((s.code_dir + "/bootstrap").c_str(), X_OK) == 0) b = v.task + "/bootstrap";
    else if (!s.opt_dir.empty() && ::access((s.opt_dir + "/bootstrap").c_str(), X_OK) == 0) b = v.opt + "/bootstrap";
    if (b.empty())
      return error_doc("Runtime.InvalidEntrypoint",
                       "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
    *argv = {b};
  } else {
    return error_doc("Runtime.InvalidRuntime", "Stratus cannot run the " + s.runtime +
                                                   " runtime without containers (supported: python3.x, "
                                                   "nodejs*, provided*)");
  }
  return {};
}

std::vector<std::string> Launcher::wrap(const Env& e, std::vector<std::string> argv) const {
  if (!sandboxed()) return argv;
  const FunctionSpec& s = *e.spec;
  std::vector<std::string> w = bwrap_base_;
  // One /tmp for all processes of the environment (runtime and extensions share it on AWS).
  w.insert(w.end(), {"--bind", env_tmp(e.id), "/tmp"});
  w.insert(w.end(), {"--ro-bind", s.code_dir, "/var/task", "--ro-bind", shim_dir_, "/var/runtime"});
  if (!s.opt_dir.empty()) w.insert(w.end(), {"--ro-bind", s.opt_dir, "/opt"});
  else w.insert(w.end(), {"--dir", "/opt"});
  if (!seccomp_.empty()) w.insert(w.end(), {"--seccomp", "3"});
  w.insert(w.end(), {"--remount-ro", "/", "--die-with-parent", "--chdir", "/var/task", "--"});
  if (!setpriv_.empty()) {
    // Still root inside (with only the capabilities to change uid): become the sandbox user,
    // no supplementary groups, every capability gone for good (bounding set emptied).
    w.insert(w.end(), {setpriv_, "--reuid=" + std::to_string(kSandboxUid), "--regid=" + std::to_string(kSandboxGid),
                       "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--"});
  }
  w.insert(w.end(), argv.begin(), argv.end());
  return w;
}

std::string Launcher::env_tmp(uint64_t env_id) const {
  return (fs::path(shim_dir_).parent_path() / "envtmp" / std::to_string(env_id)).string();
}

std::string Launcher::prepare_tmp(const Env& e) const {
  if (!sandboxed()) return {};
  std::error_code ec;
  fs::create_directories(env_tmp(e.id), ec);
  if (ec) return error_doc("Runtime.Unknown", "cannot create the environment's /tmp: " + ec.message());
  if (!setpriv_.empty() && ::chown(env_tmp(e.id).c_str(), kSandboxUid, kSandboxGid) != 0)
    return error_doc("Runtime.Unknown", std::string("cannot hand /tmp to the sandbox user: ") + std::strerror(errno));
  return {};
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
std::vector<std::string> Launcher::bwrap_base(const std::string& bwrap, const std::string& setpriv,
                                              const std::vector<std::string>& hidden) {
  std::vector<std::string> base = {bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"};
  if (!setpriv.empty()) {
    base.insert(base.end(), {"--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                             "--cap-add", "CAP_SETPCAP"});
  } else {
    base.insert(base.end(), {"--unshare-user", "--disable-userns", "--cap-drop", "ALL"});
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
        base.insert(base.end(), {"--symlink", fs::read_symlink(p, ec).string(), p.string()});
      else
        base.insert(base.end(), {"--ro-bind", p.string(), p.string()});
    }
  };
  add_dir("/", {"tmp", "proc", "dev", "sys", "var", "opt", "lost+found"});
  base.insert(base.end(), {"--dir", "/var"});
  add_dir("/var", {"task", "runtime"});
  for (const auto& h : hidden) {
    // Only paths inside what was bound from the host: elsewhere (/tmp) they are not visible,
    // and a mount point would be created in the environment's own /tmp.
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::absolute(h), ec);
    if (ec || p == p.root_path() || !fs::is_directory(p, ec)) continue;
    std::string top = (++p.begin())->string();
    if (top == "tmp" || top == "proc" || top == "dev" || top == "sys" || top == "lost+found") continue;
    base.insert(base.end(), {"--tmpfs", p.string()});
  }
  base.insert(base.end(), {"--dev", "/dev", "--proc", "/proc", "--ro-bind", "/sys", "/sys", "--dir",
                           "/tmp"});  // each environment binds its own /tmp
  return base;
}

std::vector<std::string> Launcher::env_block(const Env& e) const {
  const FunctionSpec& s = *e.spec;
  const View v = view(s);
  std::map<std::string, std::string> vars = s.environment;
  const char* path = std::getenv("PATH");
  vars["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
  vars["LANG"] = "en_US.UTF-8";
  // The sandbox user has no passwd entry, so no home directory of its own: the SDKs (the AWS SDK
  // for JavaScript's shared config lookup) need one. A function's own HOME wins.
  if (isolation_ == "bwrap" && !s.environment.count("HOME")) vars["HOME"] = "/tmp";
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
  vars["AWS_ENDPOINT_URL"] = endpoint_url_;
  if (s.log_format == "JSON") {
    vars["AWS_LAMBDA_LOG_FORMAT"] = "JSON";
    vars["AWS_LAMBDA_LOG_LEVEL"] = s.app_log_level;
  }
  for (const auto& [k, val] : s.credentials) vars[k] = val;
  // The extension's API: the shared port, or the environment's own (manager.h: parameters_secrets).
  if (s.parameters_secrets)
    vars["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] = std::to_string(extension_port_ ? extension_port_ : e.port);
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
    // AWS's runtimes resolve the AWS SDK below the function's and its layers' packages.
    vars["NODE_PATH"] = np + node_sdk_dir() + ":" + v.task + "/node_modules";
  }
  if (!opt.empty()) vars["STRATUS_LAMBDA_OPT"] = opt;
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

pid_t Launcher::start(std::vector<std::string> argv, std::vector<std::string>& env, const std::string& dir,
                      const std::string& cgroup, int* out_fd, int* tel_fd) const {
  return start_process(std::move(argv), env, dir, cgroup, seccomp_, out_fd, tel_fd);
}

pid_t Launcher::start_process(std::vector<std::string> argv, std::vector<std::string>& env, const std::string& dir,
                              const std::string& cgroup, const std::string& seccomp_prog, int* out_fd, int* tel_fd) {
  std::vector<char*> av, ev;
  for (auto& a : argv) av.push_back(a.data());
  av.push_back(nullptr);
  std::string tel_var = "_LAMBDA_TELEMETRY_LOG_FD=" + std::to_string(kTelemetryFd);
  for (auto& v : env) ev.push_back(v.data());
  if (tel_fd) ev.push_back(tel_var.data());
  ev.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  int tel[2] = {-1, -1};
  if (tel_fd && ::pipe2(tel, O_CLOEXEC) != 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return -1;
  }
  auto close_tel = [&] {
    if (tel[0] >= 0) ::close(tel[0]);
    if (tel[1] >= 0) ::close(tel[1]);
  };
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
      close_tel();
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
    // Out of the way of fds 3 and 4 first (the pipe's number may be either).
    int tel_w = tel[1] >= 0 ? ::fcntl(tel[1], F_DUPFD, kTelemetryFd + 1) : -1;
    if (seccomp_fd < 0)
      ::close(3);
    else if (seccomp_fd == 3)
      ::fcntl(3, F_SETFD, 0);
    else
      ::dup2(seccomp_fd, 3);
    if (tel_w >= 0) {
      ::dup2(tel_w, kTelemetryFd);
      ::close_range(kTelemetryFd + 1, ~0U, 0);
    } else {
      ::close_range(seccomp_fd >= 0 ? 4 : 3, ~0U, 0);
    }
    ::execve(av[0], av.data(), ev.data());
    const char msg[] = "exec failed\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(fds[1]);
  if (tel[1] >= 0) ::close(tel[1]);
  tel[1] = -1;
  if (cgroup_fd >= 0) ::close(cgroup_fd);
  if (seccomp_fd >= 0) ::close(seccomp_fd);
  if (pid < 0) {
    ::close(fds[0]);
    close_tel();
    return -1;
  }
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  *out_fd = fds[0];
  if (tel_fd) {
    ::fcntl(tel[0], F_SETFL, O_NONBLOCK);
    *tel_fd = tel[0];
  }
  return pid;
}

void Launcher::kill_tree(Env& e) {
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

}  // namespace stratus::runtime
