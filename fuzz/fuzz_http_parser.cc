// Fuzzes the HTTP/1.1 request parsing glue: Beast's parser with our limits plus our header and
// target handling, and the framing checks (check_framing) that refuse request smuggling shapes.
// Oracles: a request that parses has a path when it has a target, and its framing is
// unambiguous: never Transfer-Encoding with Content-Length, a final coding other than chunked,
// or an obs-fold line in its head.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/server.h"

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stratus::http::ServerOptions opts;
  std::string err;
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto req = stratus::http::parse_request(raw, opts, &err);
  if (!req) return 0;
  if (req->path.empty() && !req->target.empty() && req->target[0] != '?') __builtin_trap();
  const std::string* te = req->headers.find("transfer-encoding");
  if (te && req->headers.has("content-length")) __builtin_trap();
  if (te) {
    std::string_view v = *te;
    for (const auto& [name, value] : req->headers.items())
      if (name == "transfer-encoding") v = value;  // the last field holds the final coding
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == ',')) v.remove_suffix(1);
    size_t comma = v.rfind(',');
    std::string_view last = comma == std::string_view::npos ? v : v.substr(comma + 1);
    while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
    if (!iequals(last, "chunked")) __builtin_trap();
  }
  std::string_view head = raw.substr(0, raw.find("\r\n\r\n"));
  if (head.find("\n ") != std::string_view::npos || head.find("\n\t") != std::string_view::npos) __builtin_trap();
  return 0;
}
