// Which interpreter runs a function declared `nodejs22.x` or `python3.13`.
//
// Resolution, for a runtime identifier (resolve_interpreter_for(), a pure function over a
// HostProbe so that tests fake the file system and the version probes):
//   1. an explicit mapping: `stratus serve --runtime nodejs22.x=/usr/local/bin/node22`
//      (repeatable) or the environment variable STRATUS_RUNTIME_NODEJS22_X=/path (the
//      identifier upper-cased, '.' as '_'); the flag wins over the variable;
//   2. an interpreter named for the version: node22 / nodejs22 (Node.js: the major version
//      decides), python3.13 (Python: major.minor) on PATH, then in /usr/local/bin and /usr/bin;
//   3. a version manager's install: nvm's ~/.nvm/versions/node/v22.*/bin/node (the newest
//      v22), pyenv's ~/.pyenv/versions/3.13*/bin/python3.13 (the newest 3.13);
//   4. the plain `node` / `nodejs` / `python3` on PATH, when its version matches;
//   5. otherwise the first plain interpreter that runs, whatever its version: the function runs
//      on it and the mismatch is said once per function in its log stream and in Stratus' own
//      output (mismatch_note()).
// Every candidate is run once (its version and real path probed) before it is taken, so a
// pyenv shim that names an uninstalled version is skipped, and the real binary is used instead
// of the shim. GetFunction keeps reporting the declared runtime.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::runtime {

// A Node.js or Python runtime identifier, read: nodejs22.x -> {"node", 22, -1},
// python3.13 -> {"python", 3, 13}. nullopt for other runtimes (provided*, java, ...).
struct RuntimeWant {
  std::string language;  // "node" or "python"
  int major = 0;
  int minor = -1;  // Python only
};
std::optional<RuntimeWant> parse_runtime(std::string_view runtime);

// What the host offers, injected (host_probe() is the real one).
struct HostProbe {
  // Every executable called `name` in the PATH directories, in PATH order.
  std::function<std::vector<std::string>(const std::string& name)> on_path;
  // Whether path is an executable file (that the sandbox user may run, when that matters).
  std::function<bool(const std::string& path)> executable;
  // The entry names of a directory ({} when it does not exist).
  std::function<std::vector<std::string>(const std::string& dir)> list_dir;
  // Runs the interpreter: {version "22.11.0" / "3.13.1", its real executable path}; the version
  // is "" when it does not run.
  std::function<std::pair<std::string, std::string>(const std::string& path, const std::string& language)> probe;
  std::string home;  // $HOME, for nvm and pyenv
};

struct Interpreter {
  std::string path;     // "" = nothing runs this language here
  std::string version;  // as the interpreter reports it
  bool exact = false;   // the version matches the runtime identifier
  std::string source;   // how it was found: "--runtime", "STRATUS_RUNTIME_NODEJS22_X", "PATH", "nvm", ...
};

// mappings: runtime identifier -> {path, source}, from --runtime flags and the environment.
Interpreter resolve_interpreter_for(const std::string& runtime,
                                    const std::map<std::string, std::pair<std::string, std::string>>& mappings,
                                    const HostProbe& host);

// One line saying which interpreter a runtime runs on when it is not the declared version
// ("" when exact): "nodejs24.x: no Node.js 24 interpreter found; running on Node.js 20.20.2
// (/usr/bin/node). Map one with --runtime nodejs24.x=PATH."
std::string mismatch_note(const std::string& runtime, const Interpreter& found);

// The environment form of the mapping for a runtime identifier: STRATUS_RUNTIME_NODEJS22_X.
std::string runtime_env_name(const std::string& runtime);
// The runtime identifier of such a variable name ("" when it is not one).
std::string runtime_of_env_name(std::string_view var);

// The real host: PATH, the file system, and version probes run as child processes (cached per
// path). for_others: only interpreters that an unprivileged user may run (bwrap as root).
HostProbe host_probe(bool for_others);

}  // namespace stratus::runtime
