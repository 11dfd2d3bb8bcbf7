// The Lambda telemetry log frames (runtime/environment.h: parse_frames) from any bytes: every
// frame must lie inside the input and the bytes used must be whole frames, with or without a
// malformed header after them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "runtime/environment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view buf(reinterpret_cast<const char*>(data), size);
  std::vector<stratus::runtime::TelemetryFrame> frames;
  bool bad = false;
  size_t used = stratus::runtime::parse_frames(buf, frames, bad);
  if (used > size) std::abort();
  size_t sum = 0;
  for (const auto& f : frames) {
    if (f.message.data() < buf.data() || f.message.data() + f.message.size() > buf.data() + size) std::abort();
    if (f.message.size() > stratus::runtime::kMaxFrameBytes) std::abort();
    sum += 16 + f.message.size();
  }
  if (sum != used) std::abort();
  return 0;
}
