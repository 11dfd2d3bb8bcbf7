#include "services/lambda/runtimes.h"

#include <string_view>

namespace stratus::lambda {
namespace {

struct Deprecated {
  const char* runtime;
  int64_t block_create_ms;  // 0: blocked long ago
  int64_t block_update_ms;
};

constexpr int64_t kFeb1st2027 = 1801440000000;  // 2027-02-01T00:00:00Z
constexpr int64_t kMar3rd2027 = 1804032000000;  // 2027-03-03T00:00:00Z

constexpr Deprecated kDeprecated[] = {
    // Deprecated in 2025-2026: still creatable until the block dates.
    {"provided.al2", kFeb1st2027, kMar3rd2027},
    {"nodejs20.x", kFeb1st2027, kMar3rd2027},
    {"ruby3.2", kFeb1st2027, kMar3rd2027},
    {"python3.9", kFeb1st2027, kMar3rd2027},
    {"nodejs18.x", kFeb1st2027, kMar3rd2027},
    // Deprecated before 2025: blocked.
    {"dotnet6", 0, 0},
    {"python3.8", 0, 0},
    {"nodejs16.x", 0, 0},
    {"java8", 0, 0},
    {"go1.x", 0, 0},
    {"provided", 0, 0},
    {"ruby2.7", 0, 0},
    {"nodejs14.x", 0, 0},
    {"python3.7", 0, 0},
    {"python3.6", 0, 0},
    {"python2.7", 0, 0},
    {"nodejs12.x", 0, 0},
    {"nodejs10.x", 0, 0},
    {"nodejs8.10", 0, 0},
    {"nodejs6.10", 0, 0},
    {"nodejs4.3", 0, 0},
    {"nodejs4.3-edge", 0, 0},
    {"nodejs", 0, 0},
    {"dotnetcore3.1", 0, 0},
    {"dotnetcore2.1", 0, 0},
    {"dotnetcore2.0", 0, 0},
    {"dotnetcore1.0", 0, 0},
    {"ruby2.5", 0, 0},
};

}  // namespace

RuntimePolicy runtime_policy(const std::string& runtime, int64_t now_ms) {
  RuntimePolicy p;
  for (const auto& d : kDeprecated) {
    if (runtime != d.runtime) continue;
    p.deprecated = true;
    p.create_blocked = now_ms >= d.block_create_ms;
    p.update_blocked = now_ms >= d.block_update_ms;
  }
  return p;
}

std::string recommended_runtime(const std::string& r) {
  std::string_view v(r);
  if (v.substr(0, 6) == "python") return "python3.14";
  if (v.substr(0, 6) == "nodejs") return "nodejs24.x";
  if (v.substr(0, 6) == "dotnet") return "dotnet10";
  if (v.substr(0, 4) == "ruby") return "ruby4.0";
  if (v.substr(0, 4) == "java") return "java25";
  return "provided.al2023";
}

std::string blocked_runtime_message(const std::string& runtime) {
  return "The runtime parameter of " + runtime +
         " is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new "
         "runtime (" +
         recommended_runtime(runtime) + ") while creating or updating functions.";
}

}  // namespace stratus::lambda
