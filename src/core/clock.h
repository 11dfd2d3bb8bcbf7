#pragma once

#include <chrono>
#include <cstdint>

namespace stratus {

inline int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace stratus
