// A compact binary record format for SQS's stored messages: fields appended in a fixed order,
// integers as varints or fixed 8-byte big-endian (storage/keys.h's be64), strings
// length-prefixed. Cheaper than JSON on the SendMessage hot path. Keys are schema.h's.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "storage/keys.h"

namespace stratus::sqs {

inline void put_u64(std::string& out, uint64_t v) { storage::append_be64(out, v); }
inline void put_str(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

// Variable length (7 bits a byte, low bits first, high bit set on all but the last byte): the
// message record's integers and lengths, mostly small.
inline void put_var(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
inline void put_var_str(std::string& out, std::string_view s) {
  put_var(out, s.size());
  out.append(s);
}

// Reads what put_u64/put_str/put_var/put_var_str wrote; throws std::runtime_error on truncated input (a corrupt
// record is a storage fault, not user input).
class Reader {
 public:
  explicit Reader(std::string_view data) : d_(data) {}
  uint64_t u64() {
    if (d_.size() < 8) throw std::runtime_error("sqs: truncated record");
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(d_[i]);
    d_.remove_prefix(8);
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string str() { return take(u64()); }
  uint64_t var() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (d_.empty()) throw std::runtime_error("sqs: truncated record");
      auto b = static_cast<unsigned char>(d_[0]);
      d_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    throw std::runtime_error("sqs: bad varint in record");
  }
  std::string var_str() { return take(var()); }
  bool done() const { return d_.empty(); }

 private:
  std::string take(uint64_t n) {
    if (d_.size() < n) throw std::runtime_error("sqs: truncated record");
    std::string s(d_.substr(0, n));
    d_.remove_prefix(n);
    return s;
  }
  std::string_view d_;
};

}  // namespace stratus::sqs
