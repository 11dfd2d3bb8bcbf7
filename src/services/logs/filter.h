// FilterLogEvents' filter patterns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stratus::logs {

// CloudWatch Logs filter patterns for unstructured events: terms that must all appear, "quoted
// phrases", ?term alternatives (any of them), -term exclusions. JSON ({ $.x = ... }) and
// space-delimited ([a, b]) patterns match every event here.
struct FilterPattern {
  std::vector<std::string> all, any, none;
  bool match_all = false;
  explicit FilterPattern(std::string_view p);
  bool matches(std::string_view message) const;
};

}  // namespace stratus::logs
