// Keys and keyspaces: how services lay out what they store.
//
// A service declares its keyspaces once, in its schema.h, as storage::Keyspace values (name, key
// layout, value codec and version), lists them in `kKeyspaces`, and returns that list from
// Service::keyspaces(): reset, health listings and a per-account export walk it instead of
// knowing names. Keys are built and read with KeyBuilder / KeyReader, so the encodings that
// make bytewise order the order a service needs are written once:
//
//   std::string k = KeyBuilder().scope(account, region).str(queue_name).take();
//       // "123456789012" \0 "us-east-1" \0 "orders" \0   (scope(), then a terminated string)
//   std::string m = KeyBuilder().u64(seq).raw(uid).take();  // be64(seq) uid
//   KeyReader r(m);  uint64_t seq = r.u64();  std::string_view uid = r.rest();
//
// Encodings (they are on disk: never change one, add a new method instead)
// - u64: 8 bytes big-endian, so numbers sort numerically. u16: 2 bytes big-endian.
// - str: the bytes, then one NUL. Strings sort bytewise and a shorter one before its
//   extensions; they must not contain NUL (KeyBuilder::str throws std::invalid_argument).
// - scope(account, region): str(account).str(region) — the prefix that scopes a resource to
//   where it lives. scope_prefix(account, region) is the same bytes, for prefix scans.
// - raw: bytes as they are, unterminated: only as a key's last component (or a fixed width).
// KeyReader returns what was written; it throws std::runtime_error on a truncated key (a stored
// key that does not parse is corruption, not input).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stratus::storage {

struct Keyspace {
  std::string_view name;   // the engine's keyspace name, "<service>.<what>"
  std::string_view key;    // key layout, in KeyBuilder terms
  std::string_view value;  // value codec and its version ("queue record, JSON v1")
};

inline void append_be64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v & 0xff);
  out.append(b, 8);
}

inline uint64_t read_be64(std::string_view in) {
  if (in.size() < 8) throw std::runtime_error("stored key or value too short for a 64-bit number");
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

class KeyBuilder {
 public:
  KeyBuilder() = default;
  explicit KeyBuilder(size_t reserve) { key_.reserve(reserve); }
  KeyBuilder& u64(uint64_t v) {
    append_be64(key_, v);
    return *this;
  }
  KeyBuilder& u16(uint16_t v) {
    key_.push_back(static_cast<char>(v >> 8));
    key_.push_back(static_cast<char>(v & 0xff));
    return *this;
  }
  KeyBuilder& str(std::string_view s) {
    if (s.find('\0') != std::string_view::npos) throw std::invalid_argument("key component contains NUL");
    key_.append(s);
    key_.push_back('\0');
    return *this;
  }
  // A text component that may contain NUL (names the model allows any character in: log stream
  // names): as str(), but a NUL is written as 0xff 0x01 and a 0xff byte as 0xff 0xff, so the
  // component holds no NUL and stays prefix-free. Text without NUL and 0xff (all UTF-8 text
  // without NUL) is written byte for byte as str() writes it.
  KeyBuilder& text(std::string_view s) {
    for (char c : s) {
      if (c == '\0' || c == '\xff') {
        key_.push_back('\xff');
        key_.push_back(c == '\0' ? '\x01' : '\xff');
      } else {
        key_.push_back(c);
      }
    }
    key_.push_back('\0');
    return *this;
  }
  KeyBuilder& scope(std::string_view account, std::string_view region) { return str(account).str(region); }
  KeyBuilder& raw(std::string_view s) {
    key_.append(s);
    return *this;
  }
  const std::string& view() const { return key_; }
  std::string take() { return std::move(key_); }

 private:
  std::string key_;
};

// The bytes KeyBuilder().scope(account, region) starts with: every key of that account and region.
inline std::string scope_prefix(std::string_view account, std::string_view region) {
  return KeyBuilder(account.size() + region.size() + 2).scope(account, region).take();
}

class KeyReader {
 public:
  explicit KeyReader(std::string_view key) : rest_(key) {}
  uint64_t u64() {
    uint64_t v = read_be64(rest_);
    rest_.remove_prefix(8);
    return v;
  }
  uint16_t u16() {
    if (rest_.size() < 2) throw std::runtime_error("stored key too short for a 16-bit number");
    uint16_t v = static_cast<uint16_t>((static_cast<unsigned char>(rest_[0]) << 8) | static_cast<unsigned char>(rest_[1]));
    rest_.remove_prefix(2);
    return v;
  }
  std::string_view str() {
    size_t nul = rest_.find('\0');
    if (nul == std::string_view::npos) throw std::runtime_error("stored key: unterminated component");
    std::string_view s = rest_.substr(0, nul);
    rest_.remove_prefix(nul + 1);
    return s;
  }
  // What KeyBuilder::text wrote.
  std::string text() {
    std::string_view s = str();
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\xff') {
        out.push_back(s[i]);
        continue;
      }
      if (i + 1 >= s.size()) throw std::runtime_error("stored key: truncated text escape");
      out.push_back(s[++i] == '\x01' ? '\0' : '\xff');
    }
    return out;
  }
  std::string_view raw(size_t n) {
    if (rest_.size() < n) throw std::runtime_error("stored key too short");
    std::string_view s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return s;
  }
  std::string_view rest() const { return rest_; }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace stratus::storage
