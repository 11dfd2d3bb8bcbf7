#include "storage/engine.h"

namespace stratus::storage {

std::string prefix_end(std::string_view prefix) {
  // Trailing 0xff bytes cannot be incremented; every key extending "ab\xff" is still below
  // "ac", so drop them and bump the last byte that can be bumped.
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;  // "" means unbounded, which is exactly right for an all-0xff prefix
}

std::unique_ptr<Iterator> Engine::prefix(std::string_view ks, std::string_view prefix,
                                         const Snapshot* snap) {
  ScanOptions opts;
  opts.start = std::string(prefix);
  opts.end = prefix_end(prefix);
  opts.snapshot = snap;
  return scan(ks, opts);
}

}  // namespace stratus::storage
