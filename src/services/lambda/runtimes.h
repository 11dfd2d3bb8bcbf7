// Lambda's runtime deprecation policy as CreateFunction and the update operations apply it.
//
// After a runtime's deprecation date AWS first blocks creating functions with it (at least 30 days
// later), then updating functions that use it (at least 60 days later); invocations go on. The
// dates are AWS's (aws-facts C6, the Lambda runtimes page): runtimes deprecated before 2025 are
// blocked for both; those deprecated in 2025-2026 (nodejs18.x, python3.9, ruby3.2, nodejs20.x,
// provided.al2) block creation from 2027-02-01 and updates from 2027-03-03.
#pragma once

#include <cstdint>
#include <string>

namespace stratus::lambda {

struct RuntimePolicy {
  bool deprecated = false;
  bool create_blocked = false;  // CreateFunction, and UpdateFunctionConfiguration to this runtime
  bool update_blocked = false;  // updates of functions that use it
};

// The policy for a runtime identifier at now_ms (epoch milliseconds).
RuntimePolicy runtime_policy(const std::string& runtime, int64_t now_ms);

// The runtime AWS's message recommends instead: the newest of the same language.
std::string recommended_runtime(const std::string& runtime);

// InvalidParameterValueException's text for a blocked runtime.
std::string blocked_runtime_message(const std::string& runtime);

}  // namespace stratus::lambda
