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

std::string uuid4_of(uint64_t a, uint64_t b) {
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  // 8-4-4-4-12 lower-case hex digits (one per request: no snprintf).
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) out[static_cast<size_t>(pos + i)] = kHex[v & 15], v >>= 4;
    pos += digits + 1;
  };
  put(a >> 32, 8);
  put((a >> 16) & 0xffff, 4);
  put(a & 0xffff, 4);
  put(b >> 48, 4);
  put(b & 0xffffffffffffULL, 12);
  return out;
}

std::string uuid4() {
  uint64_t a = rng()();
  return uuid4_of(a, rng()());
}

std::string random_upper_alnum(int n) { return pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 36, n); }
std::string random_lower_alnum(int n) { return pick("abcdefghijklmnopqrstuvwxyz0123456789", 36, n); }
std::string random_base64(int bytes) {
  std::string raw;
  for (int i = 0; i < bytes; ++i) raw += static_cast<char>(rng()() & 0xff);
  return enc::base64_encode(raw);
}

}  // namespace stratus::ids
