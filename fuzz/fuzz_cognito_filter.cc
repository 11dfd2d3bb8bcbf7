// Fuzz Cognito's ListUsers Filter parser (services/cognito-idp/filter.h). Malformed filters are
// fine (an error text); crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/cognito-idp/filter.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  std::string err;
  auto f = cognitoidp::parse_user_filter(in, &err);
  if (!f && err.empty()) __builtin_trap();
  return 0;
}
