#include "services/kms/blob.h"

namespace stratus::kms::blob {
namespace {
void be32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}
}  // namespace

std::string header(std::string_view key_id, uint32_t version) {
  std::string h;
  h.reserve(6 + key_id.size());
  h.push_back(static_cast<char>(kFormat));
  h.push_back(static_cast<char>(key_id.size()));
  h.append(key_id);
  be32(h, version);
  return h;
}

std::optional<Parts> parse(std::string_view bytes) {
  if (bytes.size() < 2 || static_cast<uint8_t>(bytes[0]) != kFormat) return std::nullopt;
  size_t len = static_cast<uint8_t>(bytes[1]);
  if (len == 0 || len > 64) return std::nullopt;
  size_t head = 2 + len + 4;
  if (bytes.size() < head + kIvBytes + kTagBytes + 1) return std::nullopt;
  Parts p;
  p.key_id = bytes.substr(2, len);
  for (char c : p.key_id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return std::nullopt;
  for (size_t i = 0; i < 4; ++i) p.version = (p.version << 8) | static_cast<uint8_t>(bytes[2 + len + i]);
  p.header = bytes.substr(0, head);
  p.iv = bytes.substr(head, kIvBytes);
  p.sealed = bytes.substr(head + kIvBytes);
  return p;
}

std::string context_aad(const std::map<std::string, std::string>& context) {
  std::string out;
  for (const auto& [k, v] : context) {
    be32(out, static_cast<uint32_t>(k.size()));
    out += k;
    be32(out, static_cast<uint32_t>(v.size()));
    out += v;
  }
  return out;
}

}  // namespace stratus::kms::blob
