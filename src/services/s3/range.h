// The Range header of GET/HEAD Object, as S3 reads it: one "bytes=first-last", "bytes=first-"
// or "bytes=-suffix" range. Anything else (other units, several ranges, malformed numbers,
// first > last) is ignored and the whole object is answered; a range starting at or past the
// end, or an empty suffix, is unsatisfiable (416 InvalidRange).
#pragma once

#include <cstdint>
#include <string_view>

namespace stratus::s3 {

struct ByteRange {
  uint64_t first = 0, last = 0;  // inclusive
};

enum class RangeKind { none, ok, unsatisfiable };

RangeKind parse_range(std::string_view header, uint64_t size, ByteRange* out);

}  // namespace stratus::s3

#include <optional>
#include <string>

namespace stratus::s3 {

// ListObjectsV2 continuation tokens: opaque to clients (base64), they say where the previous
// page stopped — after a key ('K') or after a common prefix ('P', whose keys are all skipped).
struct ListPosition {
  bool after_prefix = false;
  std::string value;
};
std::string encode_token(const ListPosition& p);
// nullopt for anything encode_token did not produce.
std::optional<ListPosition> decode_token(std::string_view token);

}  // namespace stratus::s3
