#include "core/ids.h"

#include <cstdio>
#include <random>

#include "core/encoding.h"

namespace stratus::ids {
namespace {
std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}
std::string pick(const char* alphabet, size_t n_alpha, int n) {
  std::string s;
  s.reserve(n);
  for (int i = 0; i < n; ++i) s += alphabet[rng()() % n_alpha];
  return s;
}
}  // namespace

std::string uuid4() {
  uint64_t a = rng()(), b = rng()();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string random_upper_alnum(int n) { return pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 36, n); }
std::string random_lower_alnum(int n) { return pick("abcdefghijklmnopqrstuvwxyz0123456789", 36, n); }
std::string random_base64(int bytes) {
  std::string raw;
  for (int i = 0; i < bytes; ++i) raw += static_cast<char>(rng()() & 0xff);
  return enc::base64_encode(raw);
}

}  // namespace stratus::ids
