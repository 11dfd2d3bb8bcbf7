#include "runtime/manager.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include "core/clock.h"
#include "core/scheduler.h"
#include "core/thread.h"
#include "http/server.h"
#include "runtime/cgroup.h"
#include "runtime/environment.h"
#include "runtime/extensions.h"
#include "runtime/pool.h"
#include "runtime/process.h"
#include "runtime/runtime_api.h"

namespace stratus::runtime {
namespace {

namespace fs = std::filesystem;

}  // namespace

// The Manager puts the parts together: the pools (pool.h) decide, the launcher (process.h)
// starts processes, the Runtime API and the Extensions API (runtime_api.h, extensions.h) answer
// the environments, and the monitor below (tasks on its own Scheduler) does everything that
// waits on processes: it starts them, reads their output, enforces deadlines and memory limits,
// reaps exits, removes dead environments and hands log events to the sink. One mutex (mu)
// guards all of it.
struct Manager::Impl {
  explicit Impl(ManagerOptions o)
      : opts(std::move(o)),
        launcher(opts),
        pools(opts.default_max_environments, opts.isolation == "bwrap", [this] { wake(); }),
        extensions([this](Env& e, After& after) { pools.dispatch(e, after); }, [this] { wake(); }),
        api(mu, pools, extensions, opts.download_root, opts.parameters_secrets) {}

  ManagerOptions opts;
  mutable std::mutex mu;
  Launcher launcher;     // configured by start(); runtime_command() on the monitor thread only
  Pools pools;           // GUARDED_BY(mu)
  ExtensionsApi extensions;
  RuntimeApi api;        // the Runtime API listener's handler
  std::unique_ptr<http::Server> server;
  uint16_t port = 0;
  int wake_fd = -1;
  Cgroups cgroups;                         // init() by start()
  std::vector<std::string> stale_cgroups;  // monitor (sched) only: killed, rmdir failed so far
  bool started = false;                    // start() ran and stop() did not yet
  bool monitor_done = false;               // GUARDED_BY(mu) the monitor ended (stop(), no environments)
  std::condition_variable monitor_cv;      // monitor_done changed
  // Last: stopped and destroyed before everything its tasks touch.
  Scheduler sched{"lambda-monitor"};

  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  // Everything of e goes: its processes, cgroup, /tmp and port; then the pools forget it.
  // REQUIRES(mu).
  void remove_env(Env& e) {
    // Whatever the way out (exit, crash, kill, failed start), nothing the environment started
    // survives it: a runtime that exited by itself may leave children behind.
    // Without a cgroup, the runtime's process group (it cannot be reused while a member lives).
    Cgroups::kill_all(e.cgroup);
    if (e.cgroup.empty() && e.pid > 0) ::kill(-e.pid, SIGKILL);
    if (!Cgroups::remove(e.cgroup)) stale_cgroups.push_back(e.cgroup);
    if (launcher.sandboxed()) {
      std::error_code ec;
      fs::remove_all(launcher.env_tmp(e.id), ec);
    }
    if (e.port) server->close_port(e.port);
    pools.erase(e);
  }

  // ---- the monitor thread ----

  // Starts the process of e (monitor thread; mu not held). Returns "" or an init error document.
  std::string spawn(Env& e) {
    const FunctionSpec& s = *e.spec;
    const Launcher::View v = launcher.view(s);
    std::vector<std::string> argv;
    std::string note;
    if (std::string err = launcher.runtime_command(s, &argv, &note); !err.empty()) return err;
    if (!note.empty()) {
      std::lock_guard lock(mu);
      log_line(e, "[stratus] " + note);
    }
    try {
      uint16_t p = server->open_port();
      std::lock_guard lock(mu);
      pools.bind_port(e, p);
    } catch (const std::exception& ex) {
      return error_doc("Runtime.Unknown", std::string("cannot open a Runtime API port: ") + ex.what());
    }
    std::string cgroup = cgroups.create("env-" + std::to_string(e.id));
    {
      std::lock_guard lock(mu);
      e.cgroup = cgroup;
    }
    std::vector<std::string> envs_s = launcher.env_block(e);
    if (std::string err = launcher.prepare_tmp(e); !err.empty()) return err;
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
      pid_t xp = launcher.start(launcher.wrap(e, {in_view}), envs_s, s.code_dir, e.cgroup, &fd);
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
      e.runtime_cmd = launcher.wrap(e, argv);
      e.runtime_env = std::move(envs_s);
      return {};
    }
    return start_runtime(e, launcher.wrap(e, argv), envs_s);
  }

  // Starts the runtime process of e (monitor thread; mu not held). "" or an init error document.
  std::string start_runtime(Env& e, std::vector<std::string> cmd, std::vector<std::string>& env) {
    int fd = -1, tel = -1;
    pid_t pid = launcher.start(std::move(cmd), env, e.spec->code_dir, e.cgroup, &fd, &tel);
    if (pid < 0) return error_doc("Runtime.Unknown", std::string("fork failed: ") + std::strerror(errno));
    int status_fd = ::open(("/proc/" + std::to_string(pid) + "/status").c_str(), O_RDONLY | O_CLOEXEC);
    std::lock_guard lock(mu);
    e.pid = pid;
    e.out_fd = fd;
    e.tel_fd = tel;
    e.status_fd = status_fd;
    return {};
  }

  // The monitor runs on sched (its own thread, which every process is started from, so that
  // PR_SET_PDEATHSIG ties them to it) as three tasks:
  // - "lambda.monitor" (step()): a pass over the environments (deadlines, kills, SHUTDOWN
  //   progress, exits), then the processes to spawn or start, then a poll() on their output and
  //   the wake eventfd until the next deadline (at most kSampleMs while there are environments,
  //   so that the periodic tasks get their turn); it posts itself again until stop() was called
  //   and every environment is gone, then says so (monitor_done).
  // - "lambda.sample-memory" every kSampleMs: Max Memory Used and the memory limit.
  // - "lambda.flush-logs" every 100 ms: the environments' log events to the sink.
  // The monitor owns every environment's state: after an exception there is no resuming it, so
  // each task ends the process on one (run_or_exit), as the monitor thread did.

  // Due now, not "as soon as possible" (post()): the periodic tasks that are due run first.
  void post_step() {
    sched.at("lambda.monitor", now_millis(), [this] { run_or_exit("lambda-monitor", [this] { step(); }); });
  }

  // What one monitor step found to do.
  struct Pass {
    std::vector<Env*> to_spawn;
    std::vector<Env*> to_start;  // environments whose extensions registered: start the runtime
    std::vector<pollfd> pfds;    // output to wait for
    std::vector<uint64_t> ids;   // the environment of each entry of pfds
    int timeout = 1000;          // ms to wait at most (the next deadline)
    After after;
  };

  void step() {
    Pass pass;
    if (!scan(pass)) {  // stop() was called and every environment is gone
      deliver_logs();
      std::lock_guard lock(mu);
      monitor_done = true;
      monitor_cv.notify_all();
      return;
    }
    std::erase_if(stale_cgroups, [](const std::string& d) { return Cgroups::remove(d); });
    deliver_logs();
    pass.after.run();
    if (launch(pass)) return post_step();
    wait_for_output(pass);
    post_step();
  }

  // The pass over the environments, under the lock: deadlines, kills (SHUTDOWN first for
  // spin-downs), exits of extensions and runtimes, removal of the dead; what to spawn or start,
  // which output to wait for and how long. False: stop() was called and no environment is left.
  bool scan(Pass& pass) {
    std::vector<Env*>& to_spawn = pass.to_spawn;
    std::vector<Env*>& to_start = pass.to_start;
    std::vector<pollfd>& pfds = pass.pfds;
    std::vector<uint64_t>& ids = pass.ids;
    int& timeout = pass.timeout;
    After& after = pass.after;
    std::unique_lock lock(mu);
    if (pools.stopping() && pools.envs().empty()) return false;
    int64_t now = now_millis();
    double snow = steady_ms();
    std::vector<Env*> dead;
    for (auto& [id, ep] : pools.envs()) {
      Env& e = *ep;
      if (e.state == Env::State::spawning) {
        to_spawn.push_back(&e);
        continue;
      }
      // Deadlines.
      if (e.kill_reason.empty()) {
        if (pools.stopping()) e.kill_reason = "stop";
        else if (e.state == Env::State::busy && e.current && now >= e.current->deadline_ms) e.kill_reason = "timeout";
        else if (e.state == Env::State::starting &&
                 snow - e.spawned >= static_cast<double>(kInitLimitMs + int64_t{e.spec->timeout_s} * 1000))
          e.kill_reason = "init-timeout";
        else if (e.state == Env::State::idle && now - e.idle_since_ms >= opts.idle_ms && !Pools::kept_warm(e))
          e.kill_reason = "idle";
        else if (e.state == Env::State::returning && e.ext_deadline_ms && now >= e.ext_deadline_ms)
          e.kill_reason = "extension-timeout";  // an extension did not come back to /next in time
      }
      if (e.pid == 0 && !e.runtime_cmd.empty()) {
        if (!e.kill_reason.empty()) {
          // Init ended before the runtime started (extension crash or init error, init timeout,
          // stop): no runtime process to wait for.
          e.runtime_cmd.clear();
          pools.buried(e, 0, after);
          dead.push_back(&e);
          continue;
        }
        if (ExtensionsApi::registered(e)) to_start.push_back(&e);
      }
      if (!e.kill_reason.empty() && !e.killed && e.pid > 0) {
        if (ExtensionsApi::shutting_down(e, snow, after)) {
          e.killed = true;
          Launcher::kill_tree(e);
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
            after.replies.emplace_back(std::move(x.parked), ExtensionsApi::error(410, "EnvironmentStopped", "exited"));
            x.parked = nullptr;
          }
          if (e.kill_reason.empty() && (e.state == Env::State::starting || e.state == Env::State::returning))
            pools.dispatch(e, after);
        } else {
          timeout = std::min(timeout, 20);
        }
      }
      if (e.state == Env::State::returning && e.ext_deadline_ms)
        timeout = static_cast<int>(std::clamp<int64_t>(e.ext_deadline_ms - now + 1, 0, timeout));
      if (e.state == Env::State::busy && e.current)
        timeout = static_cast<int>(std::clamp<int64_t>(e.current->deadline_ms - now + 1, 0, timeout));
      if (e.state == Env::State::idle && !Pools::kept_warm(e))
        timeout = static_cast<int>(std::clamp<int64_t>(e.idle_since_ms + opts.idle_ms - now + 1, 0, timeout));
      // Exits.
      if (e.pid > 0 && (e.eof || e.killed)) {
        int ws = 0;
        pid_t r = ::waitpid(e.pid, &ws, e.killed ? 0 : WNOHANG);
        if (r == e.pid) {
          drain(e);
          pools.buried(e, ws, after);
          dead.push_back(&e);
          continue;
        }
        if (e.eof) timeout = std::min(timeout, 20);
      }
      if (e.out_fd >= 0 && !e.eof) {
        pfds.push_back({e.out_fd, POLLIN, 0});
        ids.push_back(e.id);
      }
      if (e.tel_fd >= 0 && !e.tel_eof) {
        pfds.push_back({e.tel_fd, POLLIN, 0});
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
      ExtensionsApi::bury(*e, after);
      report_dropped(*e);
      flush_one(*e);
      if (e->out_fd >= 0) ::close(e->out_fd);
      if (e->tel_fd >= 0) ::close(e->tel_fd);
      if (e->status_fd >= 0) ::close(e->status_fd);
      remove_env(*e);
    }
    if (pools.stopping()) {
      for (auto& [id, ep] : pools.envs()) flush_one(*ep);
    }
    if (!to_spawn.empty()) timeout = 0;
    if (!pools.envs().empty()) timeout = std::min<int>(timeout, static_cast<int>(kSampleMs));
    // Stopping and the last environments just went: the next pass ends the monitor at once
    // instead of after a whole idle poll (stop() waits for it).
    if (pools.stopping() && pools.envs().empty()) timeout = 0;
    return true;
  }

  // Starts the runtimes whose extensions registered and spawns new environments (lock not held:
  // forks and execs). True when there was any (the next step comes right away).
  bool launch(Pass& pass) {
    for (Env* e : pass.to_start) {
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
        pools.buried(*e, 0, a2);
        ExtensionsApi::bury(*e, a2);
        flush_one(*e);
        remove_env(*e);
        a2.run();
      }
    }
    for (Env* e : pass.to_spawn) {
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
        pools.buried(*e, 0, a2);
        ExtensionsApi::bury(*e, a2);
        flush_one(*e);
        remove_env(*e);
      }
      a2.run();  // under the lock is fine: completions post elsewhere, replies are posts
    }
    return !pass.to_spawn.empty() || !pass.to_start.empty();
  }

  // Waits for output of the environments' processes or a wake() until pass.timeout, and reads
  // what arrived.
  void wait_for_output(Pass& pass) {
    std::vector<pollfd>& pfds = pass.pfds;
    pfds.push_back({wake_fd, POLLIN, 0});
    ::poll(pfds.data(), pfds.size(), pass.timeout);
    if (pfds.back().revents & POLLIN) {
      uint64_t v;
      [[maybe_unused]] auto n = ::read(wake_fd, &v, sizeof v);
    }
    pfds.pop_back();
    std::lock_guard lock(mu);
    for (size_t i = 0; i < pfds.size(); ++i) {
      if (!pfds[i].revents) continue;
      auto it = pools.envs().find(pass.ids[i]);
      if (it != pools.envs().end()) drain(*it->second);
    }
  }

  // Samples the memory of every live environment (process groups of the runtime and the
  // extensions) outside the lock, then watch_memory().
  void sample_memory() {
    std::vector<pid_t> to_sample;
    {
      std::lock_guard lock(mu);
      for (auto& [id, ep] : pools.envs()) {
        if (ep->pid <= 0 || !ep->kill_reason.empty()) continue;
        to_sample.push_back(ep->pid);
        for (const auto& x : ep->exts)
          if (x.pid > 0) to_sample.push_back(x.pid);
      }
    }
    if (!to_sample.empty()) watch_memory(group_rss_kb(to_sample));
  }

  // Hands what every environment printed so far to the sink.
  void flush_logs() {
    {
      std::lock_guard lock(mu);
      for (auto& [id, ep] : pools.envs()) flush_one(*ep);
    }
    deliver_logs();
  }


  // Records each environment's memory use and kills the ones above their MemorySize, as Lambda's
  // memory limit does (the invoke then fails with "signal: killed").
  void watch_memory(const std::unordered_map<pid_t, int64_t>& rss) {
    std::lock_guard lock(mu);
    for (auto& [id, ep] : pools.envs()) {
      Env& e = *ep;
      auto it = e.pid > 0 ? rss.find(e.pid) : rss.end();
      if (it == rss.end()) continue;
      int64_t kb = it->second;
      for (const auto& x : e.exts)
        if (auto xi = x.pid > 0 ? rss.find(x.pid) : rss.end(); xi != rss.end()) kb += xi->second;
      e.peak_kb = std::max(e.peak_kb, kb);
      if (e.kill_reason.empty() && kb > int64_t{e.spec->memory_mb} * 1024) {
        e.kill_reason = "oom";
        Launcher::kill_tree(e);
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
};

Manager::Manager(ManagerOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}

Manager::~Manager() { stop(); }

void Manager::start() {
  impl_->launcher.configure();
  impl_->launcher.announce_mappings();
  impl_->cgroups.init();
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  http::ServerOptions so;
  so.host = "127.0.0.1";
  so.port = 0;
  so.threads = 1;
  so.idle_timeout_s = 3600;
  impl_->server = std::make_unique<http::Server>(so, impl_->api);
  impl_->server->start();
  impl_->port = impl_->server->port();
  if (impl_->opts.parameters_secrets && impl_->opts.extension_port) {
    try {
      uint16_t p = impl_->server->open_port(impl_->opts.extension_port);
      impl_->api.set_extension_port(p);
      impl_->launcher.set_extension_port(p);
    } catch (const std::exception& ex) {
      spdlog::warn(
          "lambda: the Parameters and Secrets extension cannot listen on 127.0.0.1:{} ({}); each environment "
          "serves it on its own Runtime API port, named by PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
          impl_->opts.extension_port, ex.what());
    }
  }
  impl_->sched.start();  // after a stop()
  {
    std::lock_guard lock(impl_->mu);
    impl_->monitor_done = false;
  }
  impl_->started = true;
  Impl* impl = impl_.get();
  impl->sched.every("lambda.sample-memory", kSampleMs, [impl] {
    run_or_exit("lambda-monitor", [impl] { impl->sample_memory(); });
  });
  impl->sched.every("lambda.flush-logs", 100, [impl] {
    run_or_exit("lambda-monitor", [impl] { impl->flush_logs(); });
  });
  impl->post_step();
}

void Manager::stop() {
  if (!impl_->started) return;
  impl_->started = false;
  {
    std::lock_guard lock(impl_->mu);
    After after;
    impl_->pools.stop(after);
    impl_->wake();
    after.run();
  }
  {
    // The monitor kills every environment (SHUTDOWN first for spin-downs), then ends; the
    // scheduler stops after it, before anything it uses goes.
    std::unique_lock lock(impl_->mu);
    impl_->monitor_cv.wait(lock, [this] { return impl_->monitor_done; });
  }
  impl_->sched.stop();
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
  After after;
  {
    std::lock_guard lock(impl_->mu);
    impl_->pools.invoke(std::move(inv), after);
  }
  after.run();
}

uint16_t Manager::extension_port() const {
  return impl_->api.extension_port();
}

void Manager::retire(const std::string& prefix) {
  std::lock_guard lock(impl_->mu);
  impl_->pools.retire(prefix);
  impl_->wake();
}

Manager::Stats Manager::stats(const std::string& key) const {
  std::lock_guard lock(impl_->mu);
  return impl_->pools.stats(key);
}

void Manager::provision(std::shared_ptr<const FunctionSpec> spec, int n) {
  std::lock_guard lock(impl_->mu);
  impl_->pools.provision(std::move(spec), n);
  impl_->wake();  // idle deadlines change
}

}  // namespace stratus::runtime
