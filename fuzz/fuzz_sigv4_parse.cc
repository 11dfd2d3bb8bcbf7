// parse_signature on hostile input: the first input byte picks S3 or not, the rest is split at
// the first NUL into an Authorization header value and a raw query string (each optional), plus
// a few fixed headers. Everything that is not an AwsError is a bug. When parsing succeeds the
// canonical request and verification run too, since they read the same fields.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  bool s3 = data[0] & 1;
  bool with_date = data[0] & 2;
  size_t nul = in.find('\0');
  std::string_view header = in.substr(0, nul);
  std::string_view query = nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1);

  stratus::http::Request req;
  req.method = "GET";
  req.path = "/a/./b/../c%20d";
  req.query = std::string(query);
  req.headers.add("host", "example.amazonaws.com");
  if (with_date) req.headers.add("x-amz-date", "20261122T000358Z");
  if (!header.empty()) req.headers.add("authorization", header);
  try {
    auto info = stratus::auth::parse_signature(req, s3);
    if (info) {
      (void)stratus::auth::canonical_request(req, *info, s3);
      (void)stratus::auth::verify(req, *info, "secret", s3);
      (void)stratus::auth::check_time(*info, 1795305838000, s3);
    }
  } catch (const stratus::AwsError&) {
  }
  (void)stratus::auth::canonical_query(query, true);
  (void)stratus::auth::canonical_uri(header, false);
  return 0;
}
