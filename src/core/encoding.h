// Small encoders shared by codecs and auth: base64, hex, percent-encoding, timestamps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::enc {

std::string base64_encode(std::string_view bytes);
// Returns nullopt when s is not valid base64 (padding optional, whitespace not allowed).
std::optional<std::string> base64_decode(std::string_view s);
std::string hex(std::string_view bytes);
// s with A-Z turned into a-z and every other byte as it is (header names, enum words, hosts).
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}
// Appends the UTF-8 encoding of a Unicode code point.
void append_utf8(uint32_t cp, std::string& out);
// The first character of s outside XML 1.0's Char production (#x9 | #xA | #xD | #x20-#xD7FF |
// #xE000-#xFFFD | #x10000-#x10FFFF), the set SQS and SNS accept in message text. A byte that does
// not start a well-formed UTF-8 sequence (truncated, overlong, a surrogate, beyond U+10FFFF, a
// stray continuation byte) is reported as that byte's value with malformed set. nullopt: all fine.
struct BadChar {
  uint32_t value;  // the code point, or the offending byte when malformed
  bool malformed;  // not UTF-8 at all
  size_t offset;   // byte offset in s
};
std::optional<BadChar> first_non_xml_char(std::string_view s);
// s with every character first_non_xml_char would report replaced by U+FFFD (a malformed
// sequence's bytes one by one).
std::string replace_non_xml_chars(std::string_view s);
// RFC 3986 percent-encoding; unreserved characters stay, '/' stays when keep_slash.
std::string uri_encode(std::string_view s, bool keep_slash = false);
// Decodes %XX sequences (and '+' as space when plus_space); invalid escapes are kept verbatim.
std::string uri_decode(std::string_view s, bool plus_space = false);

// Timestamps as AWS writes them. millis = epoch milliseconds.
std::string iso8601(int64_t millis);           // 2026-11-22T00:03:58.123Z (ms omitted when 0)
std::string iso8601_basic(int64_t millis);     // 20261122T000358Z (SigV4 X-Amz-Date)
std::string http_date(int64_t millis);         // Sun, 22 Nov 2026 00:03:58 GMT
std::string clf_date(int64_t millis);          // 22/Nov/2026:00:03:58 +0000 (access logs, API Gateway)
std::optional<int64_t> parse_iso8601(std::string_view s);   // also accepts offsets
std::optional<int64_t> parse_http_date(std::string_view s);
std::optional<int64_t> parse_epoch_seconds(std::string_view s);  // "1700000000.123"
// Any of the three forms above.
std::optional<int64_t> parse_timestamp(std::string_view s);

}  // namespace stratus::enc
