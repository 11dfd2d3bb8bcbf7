// Fuzz the event-pattern engine: the first half of the input is a pattern, the second an event.
// Compile errors are fine; crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "events/pattern/pattern.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  std::string pat = in.substr(0, cut);
  std::string event = cut == std::string::npos ? "{}" : in.substr(cut + 1);
  std::string err;
  auto p = events::pattern::Pattern::parse(pat, &err);
  if (!p) return 0;
  try {
    (void)p->match(json::parse(event));
  } catch (const AwsError&) {
  }
  return 0;
}
