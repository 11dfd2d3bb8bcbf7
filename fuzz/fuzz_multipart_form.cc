// The multipart/form-data parser fed in fuzz-chosen pieces. Input: byte 0 seeds the piece sizes;
// the rest is the body under the boundary "b". Only AwsError may escape, and the file bytes
// counted must equal what reached the sink.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/multipart_form.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint32_t seed = data[0];
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  uint64_t sunk = 0;
  try {
    stratus::protocol::MultipartForm form("b",
                                          {.on_file =
                                               [](const stratus::protocol::MultipartForm& f) {
                                                 if (f.fields().size() > 1000) std::abort();
                                               },
                                           .on_data = [&](std::string_view d) { sunk += d.size(); }},
                                          256);
    while (!body.empty()) {
      seed = seed * 1103515245u + 12345u;
      size_t n = std::min<size_t>(body.size(), 1 + (seed >> 16) % 64);
      form.feed(body.substr(0, n));
      body.remove_prefix(n);
    }
    form.finish();
    if (form.file_bytes() != sunk) std::abort();
  } catch (const stratus::AwsError&) {
  }
  // The content type parser too.
  (void)stratus::protocol::MultipartForm::boundary_of(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
