#include "protocol/cbor/cbor.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace stratus::cbor {
namespace {

[[noreturn]] void malformed(const char* what) {
  throw errors::serialization(std::string("Malformed CBOR: ") + what);
}

double half_to_double(uint16_t h) {
  int exp = (h >> 10) & 0x1F;
  int mant = h & 0x3FF;
  double v;
  if (exp == 0) v = std::ldexp(mant, -24);
  else if (exp != 31) v = std::ldexp(mant + 1024, exp - 25);
  else v = mant == 0 ? INFINITY : NAN;
  return (h & 0x8000) ? -v : v;
}

// RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* e = p + s.size();
  while (p < e) {
    unsigned c = *p;
    if (c < 0x80) { ++p; continue; }
    size_t n;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; if (c < 0xC2) return false; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; if (c > 0xF4) return false; }
    else return false;
    if (static_cast<size_t>(e - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += n + 1;
  }
  return true;
}

}  // namespace

Head Reader::head() {
  if (p_ == end_) malformed("unexpected end of input");
  auto ib = static_cast<uint8_t>(*p_++);
  Head h{static_cast<Major>(ib >> 5), static_cast<uint8_t>(ib & 0x1F), 0, false};
  if (h.info < 24) {
    h.arg = h.info;
  } else if (h.info <= 27) {
    size_t n = size_t{1} << (h.info - 24);
    if (remaining() < n) malformed("unexpected end of input");
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(p_[i]);
    p_ += n;
    h.arg = v;
  } else if (h.info == 31) {
    if (h.major == kSimple) malformed("unexpected break");
    if (h.major == kUint || h.major == kNegint || h.major == kTag) malformed("indefinite length not allowed here");
    h.indefinite = true;
  } else {
    malformed("reserved additional information value");
  }
  if (h.major == kSimple) {
    // Simple values: 20-23 false/true/null/undefined; 24 is a one-byte simple value, none of
    // which the protocol uses; 25-27 are floats.
    if (h.info < 20 || h.info == 24) malformed("unsupported simple value");
  }
  return h;
}

bool Reader::at_break() {
  if (p_ == end_) malformed("unexpected end of input (missing break)");
  if (static_cast<uint8_t>(*p_) != 0xFF) return false;
  ++p_;
  return true;
}

void Reader::need_items(uint64_t n, uint64_t min_bytes) const {
  if (n > remaining() / min_bytes) malformed("declared length exceeds the input");
}

std::string_view Reader::string(const Head& h, std::string& scratch) {
  std::string_view out;
  if (!h.indefinite) {
    if (h.arg > remaining()) malformed("declared length exceeds the input");
    out = std::string_view(p_, static_cast<size_t>(h.arg));
    p_ += h.arg;
  } else {
    scratch.clear();
    while (!at_break()) {
      Head c = head();
      if (c.major != h.major || c.indefinite) malformed("bad chunk in indefinite-length string");
      if (c.arg > remaining()) malformed("declared length exceeds the input");
      if (h.major == kText && !valid_utf8(std::string_view(p_, c.arg))) malformed("invalid UTF-8 in text string");
      scratch.append(p_, static_cast<size_t>(c.arg));
      p_ += c.arg;
    }
    return scratch;
  }
  if (h.major == kText && !valid_utf8(out)) malformed("invalid UTF-8 in text string");
  return out;
}

double Reader::to_double(const Head& h) {
  switch (h.major) {
    case kUint: return static_cast<double>(h.arg);
    case kNegint: return -1.0 - static_cast<double>(h.arg);
    case kSimple:
      if (h.info == 25) return half_to_double(static_cast<uint16_t>(h.arg));
      if (h.info == 26) return static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(h.arg)));
      if (h.info == 27) return std::bit_cast<double>(h.arg);
      break;
    default: break;
  }
  malformed("expected a number");
}

int64_t Reader::to_int(const Head& h) {
  if (h.major == kUint) {
    if (h.arg > static_cast<uint64_t>(INT64_MAX)) malformed("integer out of range");
    return static_cast<int64_t>(h.arg);
  }
  if (h.major == kNegint) {
    if (h.arg > static_cast<uint64_t>(INT64_MAX)) malformed("integer out of range");
    return -1 - static_cast<int64_t>(h.arg);
  }
  malformed("expected an integer");
}

void Reader::skip(const Head& h, int depth) {
  if (depth > kMaxDepth) malformed("nesting too deep");
  std::string scratch;
  switch (h.major) {
    case kUint:
    case kNegint:
    case kSimple: return;
    case kBytes:
    case kText: string(h, scratch); return;
    case kTag: skip(head(), depth + 1); return;
    case kArray:
    case kMap: {
      int per = h.major == kMap ? 2 : 1;
      if (h.indefinite) {
        while (!at_break())
          for (int i = 0; i < per; ++i) skip(head(), depth + 1);
      } else {
        need_items(h.arg, per);
        for (uint64_t n = 0; n < h.arg * per; ++n) skip(head(), depth + 1);
      }
      return;
    }
  }
}

Doc Reader::read_doc(int depth) { return read_doc(head(), depth); }

Doc Reader::read_doc(const Head& h, int depth) {
  if (depth > kMaxDepth) malformed("nesting too deep");
  std::string scratch;
  switch (h.major) {
    case kUint:
    case kNegint:
      if (h.arg > static_cast<uint64_t>(INT64_MAX)) return Doc{to_double(h)};
      return Doc{to_int(h)};
    case kBytes: return Doc{Blob{std::string(string(h, scratch))}};
    case kText: return Doc{std::string(string(h, scratch))};
    case kArray: {
      Doc out = Doc::list();
      auto& l = out.as_list();
      if (h.indefinite) {
        while (!at_break()) l.push_back(read_doc(depth + 1));
      } else {
        need_items(h.arg, 1);
        l.reserve(static_cast<size_t>(h.arg));
        for (uint64_t i = 0; i < h.arg; ++i) l.push_back(read_doc(depth + 1));
      }
      return out;
    }
    case kMap: {
      Doc out = Doc::map();
      auto entry = [&] {
        Head k = head();
        if (k.major != kText) malformed("map keys must be text strings");
        std::string key(string(k, scratch));
        Doc v = read_doc(depth + 1);
        if (!v.is_null()) out.set(std::move(key), std::move(v));
      };
      if (h.indefinite) {
        while (!at_break()) entry();
      } else {
        need_items(h.arg, 2);
        for (uint64_t i = 0; i < h.arg; ++i) entry();
      }
      return out;
    }
    case kTag: {
      Head inner = head();
      if (h.arg == 1) {
        if (!is_number(inner)) malformed("tag 1 must hold a number");
        double s = to_double(inner);
        if (!std::isfinite(s) || std::fabs(s) > 1e14) malformed("timestamp out of range");
        return Doc{Timestamp{std::llround(s * 1000.0)}};
      }
      return read_doc(inner, depth + 1);  // other tags: the tagged value as it is
    }
    case kSimple:
      switch (h.info) {
        case 20: return Doc{false};
        case 21: return Doc{true};
        case 22:
        case 23: return Doc{};
        default: return Doc{to_double(h)};
      }
  }
  malformed("unknown major type");
}

Doc decode(std::string_view in) {
  Reader r(in);
  Doc d = r.read_doc();
  if (!r.at_end()) malformed("trailing data after the item");
  return d;
}

void Writer::head(Major m, uint64_t arg) {
  auto mt = static_cast<uint8_t>(m << 5);
  if (arg < 24) {
    out_.push_back(static_cast<char>(mt | arg));
    return;
  }
  int n;
  uint8_t info;
  if (arg <= 0xFF) { n = 1; info = 24; }
  else if (arg <= 0xFFFF) { n = 2; info = 25; }
  else if (arg <= 0xFFFFFFFFull) { n = 4; info = 26; }
  else { n = 8; info = 27; }
  char buf[9];
  buf[0] = static_cast<char>(mt | info);
  for (int i = 0; i < n; ++i) buf[1 + i] = static_cast<char>(arg >> (8 * (n - 1 - i)));
  out_.append(buf, static_cast<size_t>(n + 1));
}

void Writer::float32(float f) {
  uint32_t b = std::bit_cast<uint32_t>(f);
  char buf[5] = {static_cast<char>(0xFA), static_cast<char>(b >> 24), static_cast<char>(b >> 16),
                 static_cast<char>(b >> 8), static_cast<char>(b)};
  out_.append(buf, 5);
}

void Writer::float64(double d) {
  uint64_t b = std::bit_cast<uint64_t>(d);
  char buf[9];
  buf[0] = static_cast<char>(0xFB);
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>(b >> (8 * (7 - i)));
  out_.append(buf, 9);
}

void Writer::floating(double d) {
  if (std::isnan(d) || (std::fabs(d) <= 3.4e38 && static_cast<double>(static_cast<float>(d)) == d) ||
      std::isinf(d))
    float32(static_cast<float>(d));
  else
    float64(d);
}

void Writer::timestamp(int64_t millis) {
  head(kTag, 1);
  if (millis % 1000 == 0) integer(millis / 1000);
  else float64(static_cast<double>(millis) / 1000.0);
}

void Writer::value(const Doc& d) {
  switch (d.type()) {
    case Doc::Type::null: null(); return;
    case Doc::Type::boolean: boolean(d.as_bool()); return;
    case Doc::Type::integer: integer(d.as_int()); return;
    case Doc::Type::floating: float64(d.as_double()); return;
    case Doc::Type::string: text(d.as_string()); return;
    case Doc::Type::blob: bytes(d.as_blob().bytes); return;
    case Doc::Type::timestamp: timestamp(d.as_timestamp().millis); return;
    case Doc::Type::list:
      array(d.as_list().size());
      for (const auto& e : d.as_list()) value(e);
      return;
    case Doc::Type::map:
      map(d.as_map().size());
      for (const auto& [k, v] : d.as_map()) {
        text(k);
        value(v);
      }
      return;
  }
}

std::string encode(const Doc& d) {
  std::string out;
  Writer w(out);
  w.value(d);
  return out;
}

}  // namespace stratus::cbor
