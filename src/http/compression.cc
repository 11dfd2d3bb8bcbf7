#include "http/compression.h"

#include <zlib.h>

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cstdlib>
#include <limits>
#include <new>

namespace stratus::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

using boost::beast::iequals;

// Calls fn(token, parameters) for each element of a comma-separated header list.
template <typename Fn>
void for_each_element(std::string_view list, Fn fn) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    size_t semi = item.find(';');
    std::string_view token = trim(item.substr(0, semi));
    std::string_view params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
    if (!token.empty()) fn(token, params);
  }
}

// The q-value of an Accept-Encoding element's parameters ("q=0.5"); 1 when absent, 0 when invalid.
double q_value(std::string_view params) {
  double q = 1;
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string v(trim(p.substr(2)));
      char* end = nullptr;
      q = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(q >= 0 && q <= 1)) q = 0;
    }
  }
  return q;
}

// zlib's lengths are uInt: input is fed in slices no larger than kSlice.
constexpr size_t kSlice = 1u << 30;
constexpr size_t kOutBuf = 64 * 1024;

// Input not yet handed to zlib.
struct Feed {
  const char* next;
  size_t left;
  // Hands zlib the next slice once it has used up the last one.
  void into(z_stream& zs) {
    if (zs.avail_in != 0 || left == 0) return;
    size_t n = std::min(left, kSlice);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(next));
    zs.avail_in = static_cast<uInt>(n);
    next += n;
    left -= n;
  }
};

// One zlib stream over an input, freed by `End` (inflateEnd or deflateEnd; both accept a stream
// whose init failed). step() hands zlib the next input slice and an empty output buffer, runs
// `op` (inflate or deflate) and returns its code; produced() is what that step wrote.
template <int (*End)(z_streamp)>
struct ZStream {
  z_stream zs{};
  Feed feed;
  char buf[kOutBuf];
  explicit ZStream(std::string_view in) : feed{in.data(), in.size()} {}
  ~ZStream() { End(&zs); }
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;
  template <typename Op>
  int step(const Op& op) {
    feed.into(zs);
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    return op(&zs);
  }
  std::string_view produced() const { return {buf, sizeof buf - zs.avail_out}; }
  bool input_used_up() const { return zs.avail_in == 0 && feed.left == 0; }
};

// Whether the bytes start with a zlib (RFC 1950) header: method 8, window <= 32K, check bits.
bool zlib_header(std::string_view in) {
  if (in.size() < 2) return false;
  auto b0 = static_cast<unsigned char>(in[0]), b1 = static_cast<unsigned char>(in[1]);
  return (b0 & 0x0f) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
}

DecodeStatus inflate_all(std::string_view in, int window_bits, bool members, size_t max_out, std::string* out) {
  ZStream<inflateEnd> z(in);
  if (inflateInit2(&z.zs, window_bits) != Z_OK) throw std::bad_alloc();
  for (;;) {
    int rc = z.step([](z_streamp zs) { return inflate(zs, Z_NO_FLUSH); });
    std::string_view produced = z.produced();
    if (produced.size() > max_out - std::min(max_out, out->size())) return DecodeStatus::too_large;
    out->append(produced);
    if (rc == Z_STREAM_END) {
      if (z.input_used_up()) return DecodeStatus::ok;
      if (!members) return DecodeStatus::malformed;  // bytes after the stream
      inflateReset(&z.zs);                           // the next gzip member
      continue;
    }
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    if (rc != Z_OK && rc != Z_BUF_ERROR) return DecodeStatus::malformed;
    // Everything consumed, room left in the output, and the stream not ended: truncated.
    if (z.input_used_up() && z.zs.avail_out != 0) return DecodeStatus::malformed;
  }
}

}  // namespace

std::optional<std::vector<Coding>> parse_content_encoding(std::string_view value) {
  std::vector<Coding> codings;
  bool known = true;
  for_each_element(value, [&](std::string_view token, std::string_view) {
    if (iequals(token, "gzip") || iequals(token, "x-gzip"))
      codings.push_back(Coding::gzip);
    else if (iequals(token, "deflate"))
      codings.push_back(Coding::deflate);
    else if (!iequals(token, "identity") && !iequals(token, "aws-chunked"))
      known = false;
  });
  if (!known) return std::nullopt;
  return codings;
}

Coding preferred_coding(std::string_view accept_encoding) {
  double gzip = -1, deflate = -1, star = -1;
  for_each_element(accept_encoding, [&](std::string_view token, std::string_view params) {
    double q = q_value(params);
    if (iequals(token, "gzip") || iequals(token, "x-gzip"))
      gzip = std::max(gzip, q);
    else if (iequals(token, "deflate"))
      deflate = std::max(deflate, q);
    else if (token == "*")
      star = q;
  });
  if (gzip < 0) gzip = star;
  if (deflate < 0) deflate = star;
  if (gzip > 0 && gzip >= deflate) return Coding::gzip;
  if (deflate > 0) return Coding::deflate;
  return Coding::identity;
}

DecodeStatus decode(std::string_view in, Coding coding, size_t max_out, std::string* out) {
  out->clear();
  if (coding == Coding::identity || in.empty()) {
    if (in.size() > max_out) return DecodeStatus::too_large;
    out->assign(in);
    return DecodeStatus::ok;
  }
  if (coding == Coding::gzip) return inflate_all(in, 16 + MAX_WBITS, true, max_out, out);
  return inflate_all(in, zlib_header(in) ? MAX_WBITS : -MAX_WBITS, false, max_out, out);
}

std::string encode(std::string_view in, Coding coding) {
  if (coding == Coding::identity) return std::string(in);
  ZStream<deflateEnd> z(in);
  int bits = coding == Coding::gzip ? 16 + MAX_WBITS : MAX_WBITS;
  if (deflateInit2(&z.zs, Z_BEST_SPEED, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::bad_alloc();
  std::string out;
  out.reserve(in.size() / 4 + 64);
  for (;;) {
    int rc = z.step([&z](z_streamp zs) { return deflate(zs, z.feed.left == 0 ? Z_FINISH : Z_NO_FLUSH); });
    out.append(z.produced());
    if (rc == Z_STREAM_END) return out;
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::bad_alloc();
  }
}

std::string_view coding_name(Coding coding) {
  switch (coding) {
    case Coding::gzip:
      return "gzip";
    case Coding::deflate:
      return "deflate";
    case Coding::identity:
      break;
  }
  return "identity";
}

}  // namespace stratus::http
