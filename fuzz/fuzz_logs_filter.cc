// Fuzz CloudWatch Logs filter patterns: the first line is a pattern, the rest an event. Invalid
// patterns are fine; crashes, hangs and leaks are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/logs/filter.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  std::string pat = in.substr(0, cut);
  std::string event = cut == std::string::npos ? "" : in.substr(cut + 1);
  std::string err;
  auto p = logs::FilterPattern::parse(pat, &err);
  if (!p) return 0;
  auto m = p->match(event);
  (void)m.value("$.a[0].b");
  (void)m.value("$a");
  return 0;
}
