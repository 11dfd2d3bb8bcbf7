// Fuzz the shared schedule-expression parser (rate/cron/at) and next_fire: the input is the
// expression; each valid one is evaluated in UTC and in a zone with DST. Invalid expressions are
// fine (a reason); crashes, hangs, and a fire time not after the instant asked about are not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "events/schedule.h"

using namespace stratus::events;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = schedule::parse(in);
  if (!p.expr) {
    if (p.reason.empty()) std::abort();
    return 0;
  }
  static const tz::Zone* zones[] = {tz::find("UTC"), tz::find("America/New_York")};
  for (const tz::Zone* z : zones) {
    if (!z) continue;
    for (int64_t after : {int64_t{1793882400000}, int64_t{4102444800000}}) {
      auto t = schedule::next_fire(*p.expr, *z, after, 1793882400000);
      if (t && *t <= after) std::abort();
    }
  }
  return 0;
}
