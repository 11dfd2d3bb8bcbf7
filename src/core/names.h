// Resource names with AWS's common alphabet: letters, digits, '-' and '_', of 1 to `max`
// characters, ending in ".fifo" exactly for FIFO resources (the suffix counts in `max`): SQS
// queue names (80), SNS topic names (256).
#pragma once

#include <cstddef>
#include <string_view>

namespace stratus {

inline bool valid_fifo_aware_name(std::string_view name, bool fifo, size_t max) {
  std::string_view base = name;
  if (fifo) {
    if (name.size() < 5 || name.substr(name.size() - 5) != ".fifo") return false;
    base = name.substr(0, name.size() - 5);
  }
  if (name.empty() || name.size() > max || base.empty()) return false;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace stratus
