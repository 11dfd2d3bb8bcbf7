// The content-coding decoder (http/compression.h) on fuzz-chosen bytes. Input: byte 0 picks the
// coding and the output cap; the rest is the compressed body. The decoder must never exceed the
// cap (gzip bombs), and whatever it decodes must encode and decode back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/compression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stratus::http;
  if (size < 1) return 0;
  Coding coding = (data[0] & 1) ? Coding::gzip : Coding::deflate;
  size_t cap = size_t{1} << (8 + ((data[0] >> 1) & 15));  // 256 B .. 8 MB
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string out;
  DecodeStatus st = decode(in, coding, cap, &out);
  if (out.size() > cap) abort();
  if (st != DecodeStatus::ok) return 0;
  std::string again;
  if (decode(encode(out, coding), coding, cap, &again) != DecodeStatus::ok || again != out) abort();
  // Content-Encoding and Accept-Encoding values parse without failing on the same bytes.
  (void)parse_content_encoding(in);
  (void)preferred_coding(in);
  return 0;
}
