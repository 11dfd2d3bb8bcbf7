// Fuzz Secrets Manager's rotation schedules: the first line is a ScheduleExpression, the second a
// Duration. Invalid expressions are fine (InvalidParameterException); crashes, hangs and leaks
// are not, nor is a window that ends before it starts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "services/secretsmanager/schedule.h"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');
  Doc rules = Doc::map();
  rules.set("ScheduleExpression", in.substr(0, cut));
  if (cut != std::string::npos) rules.set("Duration", in.substr(cut + 1));
  try {
    auto s = secretsmanager::parse_rules(rules);
    auto w = secretsmanager::next_window(s, 1704067200000LL);
    if (w.end_ms < w.start_ms) std::abort();
  } catch (const AwsError&) {
  }
  return 0;
}
