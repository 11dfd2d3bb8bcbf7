// A compact binary record format for SQS's stored messages: fields appended in a fixed order,
// integers as fixed 8-byte big-endian, strings length-prefixed. Cheaper than JSON on the
// SendMessage hot path, and bytewise-ordered keys come from the same be64 encoding.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stratus::sqs {

inline void put_u64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xff);
}
inline void put_str(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

// Reads what put_u64/put_str wrote; throws std::runtime_error on truncated input (a corrupt
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
  std::string str() {
    uint64_t n = u64();
    if (d_.size() < n) throw std::runtime_error("sqs: truncated record");
    std::string s(d_.substr(0, n));
    d_.remove_prefix(n);
    return s;
  }
  bool done() const { return d_.empty(); }

 private:
  std::string_view d_;
};

}  // namespace stratus::sqs
