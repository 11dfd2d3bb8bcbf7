// The process side of environments (runtime/process.h): the runtime's command and environment,
// the bwrap command line, and starting a process with its output in a pipe.
#include "runtime/process.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/json.h"
#include "runtime/environment.h"

namespace stratus::runtime {
namespace {

namespace fs = std::filesystem;

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// The index of the sequence `seq` in v, or -1.
long find_seq(const std::vector<std::string>& v, const std::vector<std::string>& seq) {
  auto it = std::search(v.begin(), v.end(), seq.begin(), seq.end());
  return it == v.end() ? -1 : it - v.begin();
}

ManagerOptions options(const std::string& isolation) {
  ManagerOptions o;
  o.shim_dir = "/data/shims";
  o.endpoint_url = "http://127.0.0.1:4566";
  o.isolation = isolation;
  return o;
}

Env make_env(std::shared_ptr<FunctionSpec> spec) {
  Env e;
  e.id = 7;
  e.port = 40123;
  e.stream = "2024/01/02/[$LATEST]abc";
  e.spec = std::move(spec);
  return e;
}

std::shared_ptr<FunctionSpec> python_spec() {
  auto s = std::make_shared<FunctionSpec>();
  s->region = "us-east-1";
  s->function_name = "fn";
  s->version = "$LATEST";
  s->runtime = "python3.12";
  s->handler = "app.handler";
  s->code_dir = "/data/code/fn";
  s->opt_dir = "/data/opt/fn";
  s->memory_mb = 256;
  s->log_group = "/aws/lambda/fn";
  s->environment = {{"MINE", "1"}, {"AWS_REGION", "overridden"}};
  s->credentials = {{"AWS_ACCESS_KEY_ID", "AKIA"}};
  return s;
}

std::string var(const std::vector<std::string>& block, const std::string& name) {
  for (const auto& kv : block)
    if (kv.rfind(name + "=", 0) == 0) return kv.substr(name.size() + 1);
  return "<unset>";
}

TEST(RuntimeProcess, TheEnvironmentBlockIsLambdas) {
  Launcher plain(options("none"));
  Env e = make_env(python_spec());
  auto block = plain.env_block(e);
  EXPECT_TRUE(std::is_sorted(block.begin(), block.end()));
  EXPECT_EQ(var(block, "MINE"), "1");
  EXPECT_EQ(var(block, "AWS_REGION"), "us-east-1");  // Lambda's own win
  EXPECT_EQ(var(block, "AWS_ACCESS_KEY_ID"), "AKIA");
  EXPECT_EQ(var(block, "AWS_LAMBDA_RUNTIME_API"), "127.0.0.1:40123");
  EXPECT_EQ(var(block, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "256");
  EXPECT_EQ(var(block, "AWS_LAMBDA_LOG_STREAM_NAME"), "2024/01/02/[$LATEST]abc");
  EXPECT_EQ(var(block, "AWS_EXECUTION_ENV"), "AWS_Lambda_python3.12");
  EXPECT_EQ(var(block, "AWS_ENDPOINT_URL"), "http://127.0.0.1:4566");
  EXPECT_EQ(var(block, "_HANDLER"), "app.handler");
  // Without a sandbox the host paths are used.
  EXPECT_EQ(var(block, "LAMBDA_TASK_ROOT"), "/data/code/fn");
  EXPECT_EQ(var(block, "LAMBDA_RUNTIME_DIR"), "/data/shims");
  EXPECT_EQ(var(block, "PYTHONPATH"),
            "/data/code/fn:/data/opt/fn/python/lib/python3.12/site-packages:/data/opt/fn/python");
  EXPECT_EQ(var(block, "LD_LIBRARY_PATH"), "/data/code/fn:/data/code/fn/lib:/data/opt/fn/lib");
  EXPECT_EQ(var(block, "STRATUS_LAMBDA_OPT"), "/data/opt/fn");
  EXPECT_EQ(var(block, "NODE_PATH"), "<unset>");

  Launcher boxed(options("bwrap"));
  block = boxed.env_block(e);
  EXPECT_EQ(var(block, "LAMBDA_TASK_ROOT"), "/var/task");
  EXPECT_EQ(var(block, "LAMBDA_RUNTIME_DIR"), "/var/runtime");
  EXPECT_EQ(var(block, "STRATUS_LAMBDA_OPT"), "/opt");
  EXPECT_EQ(var(block, "HOME"), "/tmp");  // the sandbox user has no home of its own

  auto node = python_spec();
  node->runtime = "nodejs20.x";
  Env n = make_env(node);
  // The runtime's AWS SDK after the layers' packages (a function's and its layers' versions win).
  EXPECT_EQ(var(plain.env_block(n), "NODE_PATH"),
            "/data/opt/fn/nodejs/node20/node_modules:/data/opt/fn/nodejs/node_modules:" + node_sdk_dir() +
                ":/data/code/fn/node_modules");
  EXPECT_EQ(var(plain.env_block(n), "AWS_LAMBDA_LOG_FORMAT"), "<unset>");
  node->log_format = "JSON";
  node->app_log_level = "WARN";
  EXPECT_EQ(var(plain.env_block(n), "AWS_LAMBDA_LOG_FORMAT"), "JSON");
  EXPECT_EQ(var(plain.env_block(n), "AWS_LAMBDA_LOG_LEVEL"), "WARN");
}

TEST(RuntimeProcess, TheSandboxCommandLine) {
  Launcher boxed(options("bwrap"));
  boxed.use_tools("/usr/bin/bwrap", "", "");
  Env e = make_env(python_spec());
  auto cmd = boxed.wrap(e, {"/usr/bin/python3", "/var/runtime/python/bootstrap.py"});
  ASSERT_FALSE(cmd.empty());
  EXPECT_EQ(cmd[0], "/usr/bin/bwrap");
  EXPECT_GE(find_seq(cmd, {"--bind", "/data/envtmp/7", "/tmp"}), 0);
  EXPECT_GE(find_seq(cmd, {"--ro-bind", "/data/code/fn", "/var/task"}), 0);
  EXPECT_GE(find_seq(cmd, {"--ro-bind", "/data/shims", "/var/runtime"}), 0);
  EXPECT_GE(find_seq(cmd, {"--ro-bind", "/data/opt/fn", "/opt"}), 0);
  EXPECT_GE(find_seq(cmd, {"--unshare-user", "--disable-userns", "--cap-drop", "ALL"}), 0);
  EXPECT_FALSE(has(cmd, "--seccomp"));
  long dashdash = find_seq(cmd, {"--chdir", "/var/task", "--"});
  ASSERT_GE(dashdash, 0);
  EXPECT_EQ(cmd[dashdash + 3], "/usr/bin/python3");
  EXPECT_EQ(cmd.back(), "/var/runtime/python/bootstrap.py");
  EXPECT_EQ(boxed.env_tmp(7), "/data/envtmp/7");

  // As root: setpriv drops to the sandbox user, bwrap keeps only the capabilities for it.
  boxed.use_tools("/usr/bin/bwrap", "/usr/bin/setpriv", "filter");
  cmd = boxed.wrap(e, {"/var/task/bootstrap"});
  EXPECT_GE(find_seq(cmd, {"--seccomp", "3"}), 0);
  EXPECT_GE(find_seq(cmd, {"--cap-add", "CAP_SETUID"}), 0);
  EXPECT_FALSE(has(cmd, "--unshare-user"));
  EXPECT_GE(find_seq(cmd, {"/usr/bin/setpriv", "--reuid=" + std::to_string(kSandboxUid)}), 0);

  Launcher plain(options("none"));
  EXPECT_EQ(plain.wrap(e, {"a", "b"}), (std::vector<std::string>{"a", "b"}));
}

TEST(RuntimeProcess, TheSandboxHidesTheDataDirectory) {
  fs::path dir = fs::temp_directory_path() / ("stratus-rt-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Under /tmp: not visible in the sandbox anyway (each environment has its own /tmp).
  auto base = Launcher::bwrap_base("/usr/bin/bwrap", "", {dir.string()});
  EXPECT_FALSE(has(base, dir.string()));
  EXPECT_EQ(base[0], "/usr/bin/bwrap");
  EXPECT_GE(find_seq(base, {"--dev", "/dev", "--proc", "/proc"}), 0);
  fs::remove_all(dir);
  // A directory elsewhere on the host gets an empty tmpfs over it.
  base = Launcher::bwrap_base("/usr/bin/bwrap", "", {"/etc"});
  EXPECT_GE(find_seq(base, {"--tmpfs", "/etc"}), 0);
}

TEST(RuntimeProcess, TheRuntimeCommand) {
  Launcher plain(options("none"));
  auto s = python_spec();
  std::vector<std::string> argv;
  s->runtime = "java21";
  std::string err = plain.runtime_command(*s, &argv);
  EXPECT_EQ(json::parse(err).str("errorType"), "Runtime.InvalidRuntime");

  fs::path dir = fs::temp_directory_path() / ("stratus-rt-code-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  s->runtime = "provided.al2023";
  s->code_dir = dir.string();
  s->opt_dir = "";
  err = plain.runtime_command(*s, &argv);
  EXPECT_EQ(json::parse(err).str("errorType"), "Runtime.InvalidEntrypoint");
  { std::ofstream(dir / "bootstrap") << "#!/bin/sh\n"; }
  fs::permissions(dir / "bootstrap", fs::perms::owner_all);
  err = plain.runtime_command(*s, &argv);
  EXPECT_EQ(err, "");
  EXPECT_EQ(argv, (std::vector<std::string>{(dir / "bootstrap").string()}));
  fs::remove_all(dir);
}

TEST(RuntimeProcess, StartsAProcessWithItsOutputInAPipe) {
  EXPECT_FALSE(which("sh").empty());
  EXPECT_EQ(which("no-such-program-stratus"), "");
  std::vector<std::string> env = {"GREETING=hello"};
  int fd = -1;
  pid_t pid = Launcher::start_process({"/bin/sh", "-c", "echo $GREETING; echo oops >&2; exit 3"}, env, "/", "", "",
                                      &fd);
  ASSERT_GT(pid, 0);
  int ws = 0;
  ASSERT_EQ(::waitpid(pid, &ws, 0), pid);
  EXPECT_TRUE(WIFEXITED(ws));
  EXPECT_EQ(WEXITSTATUS(ws), 3);
  Env e;
  e.out_fd = fd;
  drain(e);
  ASSERT_EQ(e.logs.size(), 2u);
  EXPECT_EQ(e.logs[0].message, "hello");
  EXPECT_EQ(e.logs[1].message, "oops");
  ::close(fd);
}

TEST(RuntimeProcess, MeasuresAndKillsAProcessGroup) {
  std::vector<std::string> env;
  int fd = -1;
  pid_t pid = Launcher::start_process({"/bin/sh", "-c", "sleep 30"}, env, "/", "", "", &fd);
  ASSERT_GT(pid, 0);
  auto rss = group_rss_kb({pid});
  ASSERT_EQ(rss.count(pid), 1u);  // its own process group (setsid)
  Env e;
  e.pid = pid;
  Launcher::kill_tree(e);
  int ws = 0;
  ASSERT_EQ(::waitpid(pid, &ws, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(ws));
  EXPECT_EQ(WTERMSIG(ws), SIGKILL);
  ::close(fd);
  EXPECT_EQ(hwm_kb(-1), 0);
}

}  // namespace
}  // namespace stratus::runtime
