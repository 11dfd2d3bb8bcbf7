// Runtime identifier -> interpreter (runtime/interpreters.h) over a fake host: PATH, directories
// and version probes are injected.
#include "runtime/interpreters.h"

#include <gtest/gtest.h>

#include <set>

namespace stratus::runtime {
namespace {

struct FakeHost {
  std::map<std::string, std::vector<std::string>> path;  // name -> executables on PATH
  std::map<std::string, std::string> versions;           // executable -> version ("" = does not run)
  std::map<std::string, std::string> real;               // executable -> real path
  std::map<std::string, std::vector<std::string>> dirs;  // directory -> entries
  std::set<std::string> probed;

  HostProbe probe() {
    HostProbe h;
    h.on_path = [this](const std::string& n) {
      auto it = path.find(n);
      return it == path.end() ? std::vector<std::string>{} : it->second;
    };
    h.executable = [this](const std::string& p) { return versions.count(p) > 0; };
    h.list_dir = [this](const std::string& d) {
      auto it = dirs.find(d);
      return it == dirs.end() ? std::vector<std::string>{} : it->second;
    };
    h.probe = [this](const std::string& p, const std::string&) {
      probed.insert(p);
      auto r = real.find(p);
      return std::make_pair(versions[p], r == real.end() ? std::string() : r->second);
    };
    h.home = "/home/u";
    return h;
  }
};

using Mappings = std::map<std::string, std::pair<std::string, std::string>>;

TEST(Interpreters, ParseRuntime) {
  auto n = parse_runtime("nodejs22.x");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->language, "node");
  EXPECT_EQ(n->major, 22);
  auto p = parse_runtime("python3.13");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->language, "python");
  EXPECT_EQ(p->major, 3);
  EXPECT_EQ(p->minor, 13);
  EXPECT_FALSE(parse_runtime("provided.al2023"));
  EXPECT_FALSE(parse_runtime("java21"));
  EXPECT_FALSE(parse_runtime("nodejs"));
}

TEST(Interpreters, EnvNames) {
  EXPECT_EQ(runtime_env_name("nodejs22.x"), "STRATUS_RUNTIME_NODEJS22_X");
  EXPECT_EQ(runtime_env_name("python3.13"), "STRATUS_RUNTIME_PYTHON3_13");
  EXPECT_EQ(runtime_of_env_name("STRATUS_RUNTIME_NODEJS22_X"), "nodejs22.x");
  EXPECT_EQ(runtime_of_env_name("STRATUS_RUNTIME_PYTHON3_13"), "python3.13");
  EXPECT_EQ(runtime_of_env_name("STRATUS_RUNTIME_"), "");
  EXPECT_EQ(runtime_of_env_name("STRATUS_RUNTIME_JAVA21"), "");
  EXPECT_EQ(runtime_of_env_name("STRATUS_PORT"), "");
}

TEST(Interpreters, VersionedNameOnPathWins) {
  FakeHost f;
  f.path["node"] = {"/usr/bin/node"};
  f.path["node22"] = {"/opt/bin/node22"};
  f.versions = {{"/usr/bin/node", "20.20.2"}, {"/opt/bin/node22", "22.11.0"}};
  Interpreter in = resolve_interpreter_for("nodejs22.x", {}, f.probe());
  EXPECT_EQ(in.path, "/opt/bin/node22");
  EXPECT_EQ(in.version, "22.11.0");
  EXPECT_TRUE(in.exact);
  EXPECT_EQ(mismatch_note("nodejs22.x", in), "");
}

TEST(Interpreters, UsrLocalBinIsSearchedToo) {
  FakeHost f;
  f.versions = {{"/usr/local/bin/python3.13", "3.13.1"}};
  Interpreter in = resolve_interpreter_for("python3.13", {}, f.probe());
  EXPECT_EQ(in.path, "/usr/local/bin/python3.13");
  EXPECT_TRUE(in.exact);
}

TEST(Interpreters, ShimThatDoesNotRunIsSkippedForPyenv) {
  FakeHost f;
  f.path["python3.13"] = {"/home/u/.pyenv/shims/python3.13"};
  f.path["python3"] = {"/usr/bin/python3"};
  f.versions = {{"/home/u/.pyenv/shims/python3.13", ""},
                {"/usr/bin/python3", "3.11.2"},
                {"/home/u/.pyenv/versions/3.13.0/bin/python3.13", "3.13.0"},
                {"/home/u/.pyenv/versions/3.13.2/bin/python3.13", "3.13.2"}};
  f.dirs["/home/u/.pyenv/versions"] = {"3.11.7", "3.13.0", "3.13.2", "3.12.1", "3.130.0"};
  Interpreter in = resolve_interpreter_for("python3.13", {}, f.probe());
  EXPECT_EQ(in.path, "/home/u/.pyenv/versions/3.13.2/bin/python3.13");
  EXPECT_EQ(in.source, "pyenv");
  EXPECT_TRUE(in.exact);
}

TEST(Interpreters, NvmNewestMatchingMajor) {
  FakeHost f;
  f.path["node"] = {"/usr/bin/node"};
  f.versions = {{"/usr/bin/node", "20.20.2"},
                {"/home/u/.nvm/versions/node/v22.2.0/bin/node", "22.2.0"},
                {"/home/u/.nvm/versions/node/v22.10.1/bin/node", "22.10.1"},
                {"/home/u/.nvm/versions/node/v24.1.0/bin/node", "24.1.0"}};
  f.dirs["/home/u/.nvm/versions/node"] = {"v22.2.0", "v24.1.0", "v22.10.1"};
  Interpreter in = resolve_interpreter_for("nodejs22.x", {}, f.probe());
  EXPECT_EQ(in.path, "/home/u/.nvm/versions/node/v22.10.1/bin/node");
  EXPECT_EQ(in.source, "nvm");
}

TEST(Interpreters, PlainInterpreterOfTheRightVersion) {
  FakeHost f;
  f.path["python3"] = {"/home/u/.pyenv/shims/python3", "/usr/bin/python3"};
  f.versions = {{"/home/u/.pyenv/shims/python3", "3.11.7"}, {"/usr/bin/python3", "3.11.2"}};
  f.real["/home/u/.pyenv/shims/python3"] = "/home/u/.pyenv/versions/3.11.7/bin/python3";
  Interpreter in = resolve_interpreter_for("python3.11", {}, f.probe());
  EXPECT_EQ(in.path, "/home/u/.pyenv/versions/3.11.7/bin/python3");  // the real binary, not the shim
  EXPECT_TRUE(in.exact);
}

TEST(Interpreters, OtherVersionRunsAndIsSaid) {
  FakeHost f;
  f.path["node"] = {"/usr/bin/node"};
  f.versions = {{"/usr/bin/node", "20.20.2"}};
  Interpreter in = resolve_interpreter_for("nodejs24.x", {}, f.probe());
  EXPECT_EQ(in.path, "/usr/bin/node");
  EXPECT_FALSE(in.exact);
  EXPECT_EQ(mismatch_note("nodejs24.x", in),
            "nodejs24.x: no Node.js 24 interpreter found; running on Node.js 20.20.2 (/usr/bin/node). Map one with "
            "--runtime nodejs24.x=PATH or STRATUS_RUNTIME_NODEJS24_X=PATH.");
  // python3.10 against 3.11: the minor version counts.
  f.path["python3"] = {"/usr/bin/python3"};
  f.versions["/usr/bin/python3"] = "3.11.2";
  in = resolve_interpreter_for("python3.10", {}, f.probe());
  EXPECT_FALSE(in.exact);
  EXPECT_NE(mismatch_note("python3.10", in).find("no Python 3.10 interpreter found; running on Python 3.11.2"),
            std::string::npos);
}

TEST(Interpreters, ExplicitMappingIsTakenAsIs) {
  FakeHost f;
  f.path["node22"] = {"/usr/bin/node22"};
  f.versions = {{"/usr/bin/node22", "22.1.0"}, {"/srv/node", "23.0.0"}};
  Mappings m{{"nodejs22.x", {"/srv/node", "--runtime"}}};
  Interpreter in = resolve_interpreter_for("nodejs22.x", m, f.probe());
  EXPECT_EQ(in.path, "/srv/node");
  EXPECT_FALSE(in.exact);
  EXPECT_EQ(in.source, "--runtime");
  EXPECT_NE(mismatch_note("nodejs22.x", in).find("the interpreter mapped by --runtime is Node.js 23.0.0"),
            std::string::npos);
  // A mapping that does not run is an error, not a search.
  Mappings bad{{"nodejs22.x", {"/nope/node", "STRATUS_RUNTIME_NODEJS22_X"}}};
  in = resolve_interpreter_for("nodejs22.x", bad, f.probe());
  EXPECT_EQ(in.path, "");
  EXPECT_EQ(mismatch_note("nodejs22.x", in),
            "nodejs22.x: the interpreter mapped by STRATUS_RUNTIME_NODEJS22_X does not run");
}

TEST(Interpreters, NothingInstalled) {
  FakeHost f;
  Interpreter in = resolve_interpreter_for("python3.12", {}, f.probe());
  EXPECT_EQ(in.path, "");
  EXPECT_EQ(mismatch_note("python3.12", in), "python3.12: no Python interpreter found");
  EXPECT_EQ(resolve_interpreter_for("provided.al2023", {}, f.probe()).path, "");
}

}  // namespace
}  // namespace stratus::runtime
