// The Manager end to end (runtime/manager.h) with processes that need no interpreter: the
// monitor on its Scheduler spawns, reaps and reports, and stop() ends it.
#include "runtime/manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "core/json.h"

namespace stratus::runtime {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("stratus-rt-mgr-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path / "shims"); }
  ~TempDir() { fs::remove_all(path); }
};

struct Logs {
  std::mutex mu;
  std::vector<std::string> lines;
  LogSink sink() {
    return [this](const std::string&, const std::string&, const std::string&, const std::string&,
                  std::vector<LogEvent> events) {
      std::lock_guard lock(mu);
      for (auto& e : events) lines.push_back(e.message);
    };
  }
  bool has_prefix(const std::string& p) {
    std::lock_guard lock(mu);
    for (const auto& l : lines)
      if (l.rfind(p, 0) == 0) return true;
    return false;
  }
};

std::shared_ptr<FunctionSpec> spec_for(const std::string& runtime, const std::string& code_dir) {
  auto s = std::make_shared<FunctionSpec>();
  s->pool_key = "fn:" + runtime;
  s->function_name = "fn";
  s->version = "$LATEST";
  s->runtime = runtime;
  s->code_dir = code_dir;
  s->log_group = "/aws/lambda/fn";
  return s;
}

InvokeResult invoke_and_wait(Manager& m, std::shared_ptr<const FunctionSpec> spec) {
  auto p = std::make_shared<std::promise<InvokeResult>>();
  auto f = p->get_future();
  InvokeRequest req;
  req.request_id = "r1";
  req.payload = "{}";
  m.invoke(std::move(spec), std::move(req), [p](InvokeResult r) { p->set_value(std::move(r)); });
  EXPECT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  return f.get();
}

TEST(RuntimeManager, AnUnsupportedRuntimeFailsItsInit) {
  TempDir dir;
  Logs logs;
  ManagerOptions o;
  o.shim_dir = (dir.path / "shims").string();
  o.log_sink = logs.sink();
  Manager m(o);
  m.start();
  EXPECT_EQ(m.address().rfind("127.0.0.1:", 0), 0u);
  InvokeResult r = invoke_and_wait(m, spec_for("java21", dir.path.string()));
  EXPECT_EQ(r.kind, InvokeResult::Kind::function_error);
  EXPECT_EQ(r.error_type, "Runtime.InvalidRuntime");
  m.stop();
  EXPECT_TRUE(logs.has_prefix("INIT_REPORT Init Duration: "));
  m.stop();  // twice is fine
}

TEST(RuntimeManager, ABootstrapThatExitsFailsTheInvocation) {
  TempDir dir;
  Logs logs;
  { std::ofstream(dir.path / "bootstrap") << "#!/bin/sh\necho starting\nexit 3\n"; }
  fs::permissions(dir.path / "bootstrap", fs::perms::owner_all);
  ManagerOptions o;
  o.shim_dir = (dir.path / "shims").string();
  o.log_sink = logs.sink();
  Manager m(o);
  m.start();
  auto spec = spec_for("provided.al2023", dir.path.string());
  InvokeResult r = invoke_and_wait(m, spec);
  EXPECT_EQ(r.error_type, "Runtime.ExitError");
  EXPECT_NE(json::parse(r.payload).str("errorMessage").find("exit status 3"), std::string::npos);
  EXPECT_EQ(m.stats(spec->pool_key).pending, 0);
  m.stop();
  EXPECT_TRUE(logs.has_prefix("starting"));
  EXPECT_EQ(m.stats(spec->pool_key).environments, 0);
}

TEST(RuntimeManager, StopEndsLongRunningEnvironmentsAndThrottlesLaterInvocations) {
  TempDir dir;
  // Never polls the Runtime API: stays in init until stop() kills it.
  { std::ofstream(dir.path / "bootstrap") << "#!/bin/sh\nexec sleep 60\n"; }
  fs::permissions(dir.path / "bootstrap", fs::perms::owner_all);
  ManagerOptions o;
  o.shim_dir = (dir.path / "shims").string();
  Manager m(o);
  m.start();
  auto spec = spec_for("provided.al2023", dir.path.string());
  auto p = std::make_shared<std::promise<InvokeResult>>();
  auto f = p->get_future();
  InvokeRequest req;
  req.request_id = "r1";
  m.invoke(spec, req, [p](InvokeResult r) { p->set_value(std::move(r)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the monitor starts the bootstrap
  EXPECT_EQ(m.stats(spec->pool_key).environments, 1);
  auto t0 = std::chrono::steady_clock::now();
  m.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(f.get().error_type, "Runtime.ExitError");
  EXPECT_EQ(m.stats(spec->pool_key).environments, 0);
  InvokeResult late;
  m.invoke(spec, req, [&late](InvokeResult r) { late = std::move(r); });
  EXPECT_EQ(late.kind, InvokeResult::Kind::throttled);
  EXPECT_EQ(late.throttle_reason, "ServerShuttingDown");
}

// A started Manager whose function's bootstrap never polls the Runtime API (its environment
// stays in init until stop() kills it).
std::unique_ptr<Manager> manager_with_sleeping_bootstrap(const TempDir& dir) {
  std::ofstream(dir.path / "bootstrap") << "#!/bin/sh\nexec sleep 60\n";
  fs::permissions(dir.path / "bootstrap", fs::perms::owner_all);
  ManagerOptions options;
  options.shim_dir = (dir.path / "shims").string();
  auto m = std::make_unique<Manager>(options);
  m->start();
  return m;
}

TEST(RuntimeManager, StopDoesNotWaitOutAnIdlePoll) {
  TempDir dir;
  auto m = manager_with_sleeping_bootstrap(dir);
  auto spec = spec_for("provided.al2023", dir.path.string());
  InvokeRequest req;
  req.request_id = "r1";
  m->invoke(spec, req, [](InvokeResult) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(m->stats(spec->pool_key).environments, 1);
  // The environment is killed and reaped in one monitor pass; the monitor then ends at once (it
  // used to poll a whole second with nothing left before saying so: stop() took 1.2 s).
  auto t0 = std::chrono::steady_clock::now();
  m->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(800));
}

}  // namespace
}  // namespace stratus::runtime
