// release_free_memory: heap freed after a burst goes back to the OS.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/memory.h"

namespace stratus {
namespace {

long rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

TEST(Memory, ReleasesWhatABurstLeftBehind) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer has its own allocator";
#endif
  // Small chunks from another thread (its own arena), freed but for every 64th one: freed
  // memory between live chunks stays mapped until the arena is trimmed.
  std::vector<std::unique_ptr<char[]>> keep;
  std::thread([&] {
    std::vector<std::unique_ptr<char[]>> burst;
    for (int i = 0; i < 400'000; ++i) {
      burst.emplace_back(new char[200]);
      burst.back()[0] = 1;
    }
    for (size_t i = 0; i < burst.size(); i += 1024) keep.push_back(std::move(burst[i]));
  }).join();
  long before = rss_kb();
  EXPECT_TRUE(release_free_memory());
  long after = rss_kb();
  EXPECT_LT(after, before - 40'000) << before << " kB -> " << after << " kB";
  EXPECT_FALSE(release_free_memory(size_t{1} << 40));  // nothing near that much free
}

}  // namespace
}  // namespace stratus
