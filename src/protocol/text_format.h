// Allocation-free number formatting for the codecs' writers (hot path: every response).
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace stratus::protocol {

inline void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Shortest text that reads back to the same double; "NaN", "Infinity", "-Infinity" as AWS
// spells the non-finite values.
inline void append_double(std::string& out, double v) {
  if (std::isnan(v)) { out += "NaN"; return; }
  if (std::isinf(v)) { out += v < 0 ? "-Infinity" : "Infinity"; return; }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Epoch milliseconds as epoch seconds: "1700000000" or "1700000000.123".
inline void append_epoch_seconds(std::string& out, int64_t millis) {
  int64_t s = millis / 1000, ms = millis % 1000;
  if (ms < 0) { ms += 1000; --s; }
  append_int(out, s);
  if (ms == 0) return;
  char frac[4] = {'.', char('0' + ms / 100), char('0' + ms / 10 % 10), char('0' + ms % 10)};
  size_t n = 4;
  while (frac[n - 1] == '0') --n;
  out.append(frac, n);
}

}  // namespace stratus::protocol
