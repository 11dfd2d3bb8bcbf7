// Fuzzes the HTTP/1.1 request parsing glue: Beast's parser with our limits plus our header and
// target handling.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stratus::http::ServerOptions opts;
  std::string err;
  auto req = stratus::http::parse_request(std::string_view(reinterpret_cast<const char*>(data), size), opts, &err);
  if (req && req->path.empty() && !req->target.empty() && req->target[0] != '?') __builtin_trap();
  return 0;
}
