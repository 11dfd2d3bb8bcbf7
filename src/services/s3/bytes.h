// Byte searches eight bytes at a time (SWAR) for the listings' hot loops: reading the strings of
// stored records and escaping keys into XML. Little-endian words (every target Stratus builds for).
#pragma once

#include <cstdint>
#include <cstring>

namespace stratus::s3::bytes {

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

// The 8 bytes at p as a word.
inline uint64_t load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// The high bit of each byte of w that equals c. Bits above the lowest one may be false positives
// (a borrow), so only the lowest one is exact: use first().
inline uint64_t equal(uint64_t w, char c) {
  uint64_t x = w ^ (kOnes * static_cast<unsigned char>(c));
  return (x - kOnes) & ~x & kHighs;
}

// The index (0..7) of the byte a nonzero equal() mask found first.
inline unsigned first(uint64_t mask) {
  return static_cast<unsigned>(__builtin_ctzll(mask)) / 8;
}

}  // namespace stratus::s3::bytes
