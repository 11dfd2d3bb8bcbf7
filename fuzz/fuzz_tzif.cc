// Fuzz the TZif reader (events/tz.h): arbitrary bytes as a zone file, and the first line as a
// POSIX TZ rule. Malformed input is refused (nullopt); reading outside the input, crashes and
// hangs are not allowed, and a parsed zone answers offsets and resolutions.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "events/tz.h"

using namespace stratus::events;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = tz::PosixRule::parse(in.substr(0, in.find('\n')))) (void)r->offset_at(1793882400);
  if (auto z = tz::Zone::parse(in, "fuzz")) {
    for (int64_t t : {int64_t{-5000000000}, int64_t{0}, int64_t{1793882400}, int64_t{9000000000}}) {
      (void)z->offset_at(t);
      (void)z->resolve(t);
    }
  }
  return 0;
}
