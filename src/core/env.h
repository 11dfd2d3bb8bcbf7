// Tuning knobs read from the environment: test hooks and operator settings such as
// STRATUS_DYNAMODB_SWEEP_MS or STRATUS_S3_LIFECYCLE_MS. One parser, so every knob accepts the
// same spelling.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace stratus {

// The variable's value when it is a whole decimal integer (an optional sign, then digits and
// nothing else); otherwise — unset, empty, "12abc", out of range — the fallback.
inline int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  return end && *end == '\0' ? static_cast<int64_t>(n) : fallback;
}

// The same for quantities that must be positive (periods, lifetimes, sizes): 0 and negative
// values also give the fallback.
inline int64_t env_positive(const char* name, int64_t fallback) {
  int64_t n = env_int(name, fallback);
  return n > 0 ? n : fallback;
}

}  // namespace stratus
