#include "core/encoding.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace stratus::enc {
namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHex[] = "0123456789abcdef";
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::tm to_tm(int64_t millis) {
  std::time_t t = static_cast<std::time_t>(millis >= 0 ? millis / 1000 : (millis - 999) / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

std::optional<int64_t> from_fields(int y, int mo, int d, int h, int mi, int s, int ms) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}
}  // namespace

std::string base64_encode(std::string_view in) {
  std::string out((in.size() + 2) / 3 * 4, '=');  // written in place: no capacity check per byte
  char* o = out.data();
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3, o += 4) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    o[0] = kB64[v >> 18];
    o[1] = kB64[(v >> 12) & 63];
    o[2] = kB64[(v >> 6) & 63];
    o[3] = kB64[v & 63];
  }
  if (i < in.size()) {  // one or two bytes left: the padding '=' is already there
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 2 == in.size()) v |= uint8_t(in[i + 1]) << 8;
    o[0] = kB64[v >> 18];
    o[1] = kB64[(v >> 12) & 63];
    if (i + 2 == in.size()) o[2] = kB64[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view s) {
  // b64_value as a table (sealed Cognito blocks of a few KB are decoded on every sign-in).
  static const auto kValue = [] {
    std::array<int8_t, 256> t{};
    for (int c = 0; c < 256; ++c) t[c] = static_cast<int8_t>(b64_value(static_cast<char>(c)));
    return t;
  }();
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return std::nullopt;
  std::string out(s.size() / 4 * 3 + (s.size() % 4 ? s.size() % 4 - 1 : 0), '\0');
  size_t o = 0, i = 0;
  for (; i + 4 <= s.size(); i += 4) {
    int a = kValue[static_cast<uint8_t>(s[i])], b = kValue[static_cast<uint8_t>(s[i + 1])],
        c = kValue[static_cast<uint8_t>(s[i + 2])], d = kValue[static_cast<uint8_t>(s[i + 3])];
    if ((a | b | c | d) < 0) return std::nullopt;
    uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    out[o++] = static_cast<char>(v >> 16);
    out[o++] = static_cast<char>(v >> 8);
    out[o++] = static_cast<char>(v);
  }
  uint32_t acc = 0;
  int bits = 0;
  for (; i < s.size(); ++i) {
    int v = kValue[static_cast<uint8_t>(s[i])];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::optional<BadChar> first_non_xml_char(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t len;
    uint32_t min;  // the smallest code point of this length: anything below is an overlong form
    if (c < 0x80) {
      cp = c, len = 1, min = 0;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, len = 2, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, len = 3, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, len = 4, min = 0x10000;
    } else {
      return BadChar{c, true, i};
    }
    if (i + len > s.size()) return BadChar{c, true, i};
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return BadChar{c, true, i};
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return BadChar{c, true, i};
    bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                   (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
    if (!allowed) return BadChar{cp, false, i};
    i += len;
  }
  return std::nullopt;
}

std::string replace_non_xml_chars(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (auto bad = first_non_xml_char(s)) {
    out.append(s.substr(0, bad->offset));
    out.append("\xEF\xBF\xBD");  // U+FFFD
    size_t len = 1;              // a malformed sequence is skipped byte by byte
    if (!bad->malformed)
      len = bad->value < 0x80 ? 1 : bad->value < 0x800 ? 2 : bad->value < 0x10000 ? 3 : 4;
    s.remove_prefix(bad->offset + len);
  }
  out.append(s);
  return out;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += "0123456789ABCDEF"[c >> 4];
      out += "0123456789ABCDEF"[c & 15];
    }
  }
  return out;
}

std::string uri_decode(std::string_view s, bool plus_space) {
  auto hv = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hv(s[i + 1]) >= 0 && hv(s[i + 2]) >= 0) {
      out += static_cast<char>(hv(s[i + 1]) * 16 + hv(s[i + 2]));
      i += 2;
    } else if (plus_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string iso8601(int64_t millis) {
  std::tm tm = to_tm(millis);
  char buf[96];
  int ms = static_cast<int>(((millis % 1000) + 1000) % 1000);
  int year = tm.tm_year + 1900;
  if (year >= 0 && year <= 9999) {
    // Digits by hand: listings format thousands of timestamps per answer (snprintf was most of it).
    auto put = [](char* at, int v, int width) {
      for (int i = width - 1; i >= 0; --i, v /= 10) at[i] = static_cast<char>('0' + v % 10);
    };
    char* p = buf;
    put(p, year, 4);
    p[4] = '-';
    put(p + 5, tm.tm_mon + 1, 2);
    p[7] = '-';
    put(p + 8, tm.tm_mday, 2);
    p[10] = 'T';
    put(p + 11, tm.tm_hour, 2);
    p[13] = ':';
    put(p + 14, tm.tm_min, 2);
    p[16] = ':';
    put(p + 17, tm.tm_sec, 2);
    size_t n = 19;
    if (ms) {
      p[19] = '.';
      put(p + 20, ms, 3);
      n = 23;
    }
    p[n++] = 'Z';
    return std::string(buf, n);
  }
  if (ms) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

std::string iso8601_basic(int64_t millis) {
  std::tm tm = to_tm(millis);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string http_date(int64_t millis) {
  std::tm tm = to_tm(millis);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string clf_date(int64_t millis) {
  std::tm tm = to_tm(millis);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, kMonths[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  size_t p = 0;
  if (!digits(s, 0, 4, y)) return std::nullopt;
  p = 4;
  bool basic = p < s.size() && s[p] != '-';
  if (!basic) ++p;
  if (!digits(s, p, 2, mo)) return std::nullopt;
  p += 2;
  if (!basic) {
    if (p >= s.size() || s[p] != '-') return std::nullopt;
    ++p;
  }
  if (!digits(s, p, 2, d)) return std::nullopt;
  p += 2;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    ++p;
    if (!digits(s, p, 2, h)) return std::nullopt;
    p += 2;
    if (!basic && p < s.size() && s[p] == ':') ++p;
    if (!digits(s, p, 2, mi)) return std::nullopt;
    p += 2;
    if (!basic && p < s.size() && s[p] == ':') ++p;
    if (!digits(s, p, 2, sec)) return std::nullopt;
    p += 2;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      ++p;
      int scale = 100;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        ms += (s[p] - '0') * scale;
        scale /= 10;
        ++p;
      }
    }
  }
  int64_t offset_min = 0;
  if (p < s.size()) {
    if (s[p] == 'Z' || s[p] == 'z') {
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      int sign = s[p] == '-' ? -1 : 1;
      int oh, om = 0;
      ++p;
      if (!digits(s, p, 2, oh)) return std::nullopt;
      p += 2;
      if (p < s.size() && s[p] == ':') ++p;
      if (p < s.size()) {
        if (!digits(s, p, 2, om)) return std::nullopt;
        p += 2;
      }
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (p != s.size()) return std::nullopt;
  auto base = from_fields(y, mo, d, h, mi, sec, ms);
  if (!base) return std::nullopt;
  return *base - offset_min * 60000;
}

std::optional<int64_t> parse_http_date(std::string_view s) {
  // "Sun, 22 Nov 2026 00:03:58 GMT"
  if (s.size() < 29 || s[3] != ',') return std::nullopt;
  int d, y, h, mi, sec;
  if (!digits(s, 5, 2, d) || !digits(s, 12, 4, y) || !digits(s, 17, 2, h) ||
      !digits(s, 20, 2, mi) || !digits(s, 23, 2, sec))
    return std::nullopt;
  std::string_view mon = s.substr(8, 3);
  int mo = 0;
  for (int i = 0; i < 12; ++i)
    if (mon == kMonths[i]) mo = i + 1;
  if (!mo) return std::nullopt;
  return from_fields(y, mo, d, h, mi, sec, 0);
}

std::optional<int64_t> parse_epoch_seconds(std::string_view s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  std::string tmp(s);
  char* end = nullptr;
  double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size()) return std::nullopt;
  if (!(v > -1e13 && v < 1e13)) return std::nullopt;
  return static_cast<int64_t>(v * 1000.0 + (v >= 0 ? 0.5 : -0.5));
}

std::optional<int64_t> parse_timestamp(std::string_view s) {
  if (auto v = parse_epoch_seconds(s)) return v;
  if (auto v = parse_iso8601(s)) return v;
  return parse_http_date(s);
}

}  // namespace stratus::enc
