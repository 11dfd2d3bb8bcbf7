#include "services/s3/range.h"

#include <cctype>

namespace stratus::s3 {
namespace {

// Decimal digits only, at most 19 of them (no overflow).
bool parse_u64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

RangeKind parse_range(std::string_view header, uint64_t size, ByteRange* out) {
  header = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size()) return RangeKind::none;
  for (size_t i = 0; i < kUnit.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kUnit[i]) return RangeKind::none;
  std::string_view spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return RangeKind::none;
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeKind::none;
  std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last n bytes
    if (!parse_u64(b, &last)) return RangeKind::none;
    if (last == 0 || size == 0) return RangeKind::unsatisfiable;
    out->first = last >= size ? 0 : size - last;
    out->last = size - 1;
    return RangeKind::ok;
  }
  if (!parse_u64(a, &first)) return RangeKind::none;
  if (b.empty()) {
    last = UINT64_MAX;
  } else {
    if (!parse_u64(b, &last)) return RangeKind::none;
    if (last < first) return RangeKind::none;
  }
  if (first >= size) return RangeKind::unsatisfiable;
  out->first = first;
  out->last = last >= size ? size - 1 : last;
  return RangeKind::ok;
}

}  // namespace stratus::s3

#include "core/encoding.h"

namespace stratus::s3 {

std::string encode_token(const ListPosition& p) {
  return enc::base64_encode(std::string(p.after_prefix ? "P" : "K") + p.value);
}

std::optional<ListPosition> decode_token(std::string_view token) {
  if (token.empty() || token.size() > 4096) return std::nullopt;
  auto raw = enc::base64_decode(token);
  if (!raw || raw->size() < 2 || ((*raw)[0] != 'K' && (*raw)[0] != 'P')) return std::nullopt;
  if (raw->find('\0') != std::string::npos) return std::nullopt;
  return ListPosition{(*raw)[0] == 'P', raw->substr(1)};
}

}  // namespace stratus::s3
