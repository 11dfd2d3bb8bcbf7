// CBOR (RFC 8949) reading and writing for the smithy-rpc-v2-cbor protocol.
//
// Reader is a bounded pull parser over an input buffer it does not own: every declared length
// is checked against the bytes that remain before anything is allocated, nesting is limited to
// kMaxDepth, and any malformation throws AwsError(SerializationException). Writer appends
// definite-length items to a string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/doc.h"

namespace stratus::cbor {

constexpr int kMaxDepth = 64;

enum Major : uint8_t { kUint = 0, kNegint = 1, kBytes = 2, kText = 3, kArray = 4, kMap = 5, kTag = 6, kSimple = 7 };

// The head of a data item. For kSimple, `info` says which simple value or float width it is and
// `arg` holds the raw bits of a float.
struct Head {
  Major major;
  uint8_t info;
  uint64_t arg;
  bool indefinite;  // strings, arrays and maps of unknown length, ended by a break
};

class Reader {
 public:
  explicit Reader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool at_end() const { return p_ == end_; }
  // Reads a head. A break (0xFF) is an error here; use at_break() inside indefinite items.
  Head head();
  // True (and consumed) when the next byte is the break that ends an indefinite item.
  bool at_break();
  // Throws unless at least `n` items of at least `min_bytes` each could still follow.
  void need_items(uint64_t n, uint64_t min_bytes) const;

  // String payload after its head: a view into the input for definite strings; indefinite
  // strings are joined into `scratch` (their chunks must be definite strings of the same type).
  // Text is checked to be UTF-8.
  std::string_view string(const Head& h, std::string& scratch);
  // Number (major 0/1/7-float) as a double / as an int64 (floats must be integral). Throws for
  // other types.
  static bool is_number(const Head& h) {
    return h.major == kUint || h.major == kNegint ||
           (h.major == kSimple && (h.info == 25 || h.info == 26 || h.info == 27));
  }
  static double to_double(const Head& h);
  // Integer value of a major 0/1 head; throws when outside int64.
  static int64_t to_int(const Head& h);

  // Skips the item whose head was just read (its content, recursively).
  void skip(const Head& h, int depth);
  // The whole item as an untyped Doc (byte strings -> Blob, tag 1 -> Timestamp).
  Doc read_doc(int depth = 0);
  Doc read_doc(const Head& h, int depth);

 private:
  const char* p_;
  const char* end_;
};

// Decodes exactly one item filling the whole input.
Doc decode(std::string_view in);

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void head(Major m, uint64_t arg);
  void uint(uint64_t v) { head(kUint, v); }
  void integer(int64_t v) {
    if (v >= 0) head(kUint, static_cast<uint64_t>(v));
    else head(kNegint, static_cast<uint64_t>(-(v + 1)));
  }
  void text(std::string_view s) {
    head(kText, s.size());
    out_.append(s);
  }
  void bytes(std::string_view s) {
    head(kBytes, s.size());
    out_.append(s);
  }
  void array(uint64_t n) { head(kArray, n); }
  void map(uint64_t n) { head(kMap, n); }
  void boolean(bool b) { out_.push_back(static_cast<char>(b ? 0xF5 : 0xF4)); }
  void null() { out_.push_back(static_cast<char>(0xF6)); }
  void float32(float f);
  void float64(double d);
  // A number written in the smallest of float32/float64 that holds it exactly.
  void floating(double d);
  // Tag 1 (epoch-based date/time) with seconds: an integer when whole, else a float64.
  void timestamp(int64_t millis);
  // Untyped Doc (Blob -> byte string, Timestamp -> tag 1).
  void value(const Doc& d);

 private:
  std::string& out_;
};

std::string encode(const Doc& d);

}  // namespace stratus::cbor
