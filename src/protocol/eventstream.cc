#include "protocol/eventstream.h"

#include <algorithm>
#include <cstdint>

#include "auth/checksum.h"

namespace stratus::protocol::eventstream {
namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace

std::string encode(const Headers& headers, std::string_view payload) {
  std::string h;
  for (const auto& [name, value] : headers) {
    size_t n = std::min<size_t>(name.size(), 255);
    size_t v = std::min<size_t>(value.size(), 65535);
    h.push_back(static_cast<char>(n));
    h.append(name, 0, n);
    h.push_back(7);  // string
    h.push_back(static_cast<char>(v >> 8));
    h.push_back(static_cast<char>(v & 0xff));
    h.append(value, 0, v);
  }
  std::string out;
  uint32_t total = static_cast<uint32_t>(12 + h.size() + payload.size() + 4);
  out.reserve(total);
  put_u32(out, total);
  put_u32(out, static_cast<uint32_t>(h.size()));
  put_u32(out, auth::crc32(out));
  out += h;
  out.append(payload);
  put_u32(out, auth::crc32(out));
  return out;
}

std::string event(std::string_view type, std::string_view content_type, std::string_view payload) {
  return encode(
      {{":event-type", std::string(type)}, {":content-type", std::string(content_type)}, {":message-type", "event"}},
      payload);
}

}  // namespace stratus::protocol::eventstream
