#include "runtime/interpreters.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>

#include "runtime/process.h"

namespace stratus::runtime {
namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// Leading decimal number of s at *i (advancing *i); -1 when there is none.
int number(std::string_view s, size_t* i) {
  if (*i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[*i]))) return -1;
  int n = 0;
  while (*i < s.size() && std::isdigit(static_cast<unsigned char>(s[*i])) && n < 100000) n = n * 10 + (s[(*i)++] - '0');
  return n;
}

// "22.11.0" / "v22.11.0" / "3.13.1" -> {22, 11, 0}.
std::vector<int> components(std::string_view v) {
  if (!v.empty() && v[0] == 'v') v.remove_prefix(1);
  std::vector<int> out;
  size_t i = 0;
  while (true) {
    int n = number(v, &i);
    if (n < 0) break;
    out.push_back(n);
    if (i >= v.size() || v[i] != '.') break;
    ++i;
  }
  return out;
}

bool matches(const RuntimeWant& w, std::string_view version) {
  auto c = components(version);
  if (c.empty() || c[0] != w.major) return false;
  return w.minor < 0 || (c.size() > 1 && c[1] == w.minor);
}

std::string language_name(const std::string& language) {
  return language == "node" ? "Node.js" : "Python";
}

std::string wanted(const RuntimeWant& w) {
  return language_name(w.language) + " " + std::to_string(w.major) +
         (w.minor >= 0 ? "." + std::to_string(w.minor) : "");
}

}  // namespace

std::optional<RuntimeWant> parse_runtime(std::string_view runtime) {
  RuntimeWant w;
  size_t i = 0;
  if (starts_with(runtime, "nodejs")) {
    w.language = "node";
    i = 6;
    w.major = number(runtime, &i);
    if (w.major < 0) return std::nullopt;  // "nodejs": the 0.10 runtime, long gone
    return w;
  }
  if (starts_with(runtime, "python")) {
    w.language = "python";
    i = 6;
    w.major = number(runtime, &i);
    if (w.major < 0) return std::nullopt;
    if (i < runtime.size() && runtime[i] == '.') {
      ++i;
      w.minor = number(runtime, &i);
    }
    return w;
  }
  return std::nullopt;
}

Interpreter resolve_interpreter_for(const std::string& runtime,
                                    const std::map<std::string, std::pair<std::string, std::string>>& mappings,
                                    const HostProbe& host) {
  Interpreter out;
  auto want = parse_runtime(runtime);
  if (!want) return out;
  // need_match: only an interpreter of the declared version; searched candidates run as their
  // real binary (not a version manager's shim), a mapping as the user named it.
  auto take = [&](const std::string& path, const std::string& source, bool need_match, bool as_named = false) {
    if (!host.executable(path)) return false;
    auto [version, real] = host.probe(path, want->language);
    if (version.empty()) return false;
    bool exact = matches(*want, version);
    if (need_match && !exact) return false;
    out.path = real.empty() || as_named ? path : real;
    out.version = version;
    out.exact = exact;
    out.source = source;
    return true;
  };
  // 1. Explicit mappings: taken even when their version differs (said so), never searched past.
  if (auto it = mappings.find(runtime); it != mappings.end()) {
    if (!take(it->second.first, it->second.second, false, true)) {
      out.path.clear();
      out.source = it->second.second;
    }
    return out;
  }
  // 2. Interpreters named for the version.
  std::vector<std::string> names;
  std::string m = std::to_string(want->major);
  if (want->language == "node")
    names = {"node" + m, "nodejs" + m};
  else if (want->minor >= 0)
    names = {"python" + m + "." + std::to_string(want->minor)};
  for (const auto& name : names) {
    std::vector<std::string> found = host.on_path(name);
    for (const char* dir : {"/usr/local/bin/", "/usr/bin/"})
      if (std::find(found.begin(), found.end(), dir + name) == found.end()) found.push_back(dir + name);
    for (const auto& p : found)
      if (take(p, "PATH", true)) return out;
  }
  // 3. Version managers: the newest matching install.
  auto newest = [&](const std::string& dir, const std::string& prefix, const std::string& bin, const char* source) {
    std::vector<std::string> entries;
    for (const auto& e : host.list_dir(dir))
      if (starts_with(e, prefix) && matches(*want, e)) entries.push_back(e);
    std::sort(entries.begin(), entries.end(),
              [](const std::string& a, const std::string& b) { return components(a) > components(b); });
    for (const auto& e : entries)
      if (take(dir + "/" + e + "/bin/" + bin, source, true)) return true;
    return false;
  };
  if (!host.home.empty()) {
    if (want->language == "node" && newest(host.home + "/.nvm/versions/node", "v" + m + ".", "node", "nvm")) return out;
    if (want->language == "python" && want->minor >= 0 &&
        newest(host.home + "/.pyenv/versions", m + "." + std::to_string(want->minor), names[0], "pyenv"))
      return out;
  }
  // 4./5. The plain interpreter: matching if one does, else the first that runs.
  std::vector<std::string> plain;
  for (const char* name :
       want->language == "node" ? std::vector<const char*>{"node", "nodejs"} : std::vector<const char*>{"python3"})
    for (const auto& p : host.on_path(name)) plain.push_back(p);
  for (const auto& p : plain)
    if (take(p, "PATH", true)) return out;
  for (const auto& p : plain)
    if (take(p, "PATH", false)) return out;
  return out;
}

std::string mismatch_note(const std::string& runtime, const Interpreter& found) {
  auto want = parse_runtime(runtime);
  if (!want || found.exact) return {};
  if (found.path.empty()) {
    if (!found.source.empty()) return runtime + ": the interpreter mapped by " + found.source + " does not run";
    return runtime + ": no " + language_name(want->language) + " interpreter found";
  }
  std::string how = found.source == "PATH" || found.source.empty()
                        ? "no " + wanted(*want) + " interpreter found; running on "
                        : "the interpreter mapped by " + found.source + " is ";
  return runtime + ": " + how + language_name(want->language) + " " + found.version + " (" + found.path +
         "). Map one with --runtime " + runtime + "=PATH or " + runtime_env_name(runtime) + "=PATH.";
}

std::string runtime_env_name(const std::string& runtime) {
  std::string out = "STRATUS_RUNTIME_";
  for (char c : runtime) out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

std::string runtime_of_env_name(std::string_view var) {
  constexpr std::string_view kPrefix = "STRATUS_RUNTIME_";
  if (!starts_with(var, kPrefix) || var.size() == kPrefix.size()) return {};
  std::string out;
  for (char c : var.substr(kPrefix.size()))
    out.push_back(c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return parse_runtime(out) ? out : std::string();
}

HostProbe host_probe(bool for_others) {
  HostProbe h;
  h.on_path = [](const std::string& name) { return which_all(name); };
  h.executable = [for_others](const std::string& path) {
    return ::access(path.c_str(), X_OK) == 0 && !std::filesystem::is_directory(path) &&
           (!for_others || others_can_run(path));
  };
  h.list_dir = [](const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec))
      out.push_back(it->path().filename().string());
    return out;
  };
  struct Cache {
    std::mutex mu;
    std::map<std::string, std::pair<std::string, std::string>> probed;
  };
  auto cache = std::make_shared<Cache>();
  h.probe = [cache, for_others](const std::string& path, const std::string& language) {
    {
      std::lock_guard lock(cache->mu);
      if (auto it = cache->probed.find(path); it != cache->probed.end()) return it->second;
    }
    std::string code = language == "node"
                           ? " -e 'console.log(process.versions.node);console.log(process.execPath)'"
                           : " -c 'import sys;print(\"%d.%d.%d\" % sys.version_info[:3]);print(sys.executable)'";
    std::string cmd = "'" + path + "'" + code + " 2>/dev/null </dev/null";
    std::string text;
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
      char buf[512];
      while (size_t n = std::fread(buf, 1, sizeof buf, f)) text.append(buf, n);
      ::pclose(f);
    }
    std::pair<std::string, std::string> r;
    size_t nl = text.find('\n');
    if (nl != std::string::npos && !components(text.substr(0, nl)).empty()) {
      r.first = text.substr(0, nl);
      std::string real = text.substr(nl + 1);
      while (!real.empty() && (real.back() == '\n' || real.back() == '\r')) real.pop_back();
      if (!real.empty() && ::access(real.c_str(), X_OK) == 0 && (!for_others || others_can_run(real))) r.second = real;
    }
    std::lock_guard lock(cache->mu);
    cache->probed[path] = r;
    return r;
  };
  const char* home = std::getenv("HOME");
  h.home = home ? home : "";
  return h;
}

}  // namespace stratus::runtime
