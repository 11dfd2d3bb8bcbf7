#include "auth/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "auth/sigv2.h"
#include "core/encoding.h"
#include "core/json.h"

namespace stratus::auth {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr int64_t kMaxSkewMs = 15 * 60 * 1000;
constexpr int64_t kMaxPresignExpiresS = 604800;

// What S3 expects a credential to look like, quoted in its AuthorizationHeaderMalformed and
// AuthorizationQueryParametersError messages.
constexpr std::string_view kCredentialShape =
    "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  out.reserve(static_cast<size_t>(std::count(s.begin(), s.end(), sep)) + 1);  // one allocation
  while (true) {
    size_t p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

// Raw query pairs, split on '&' and the first '='. Keys and values stay percent-encoded.
std::vector<std::pair<std::string_view, std::string_view>> raw_query_pairs(std::string_view q) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  if (q.empty()) return out;
  for (std::string_view part : split(q, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos)
      out.emplace_back(part, std::string_view{});
    else
      out.emplace_back(part.substr(0, eq), part.substr(eq + 1));
  }
  return out;
}

// Strict SigV4 timestamp: YYYYMMDD'T'HHMMSS'Z' and nothing else.
std::optional<int64_t> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  return enc::parse_iso8601(s);
}

std::vector<std::string> split_signed_headers(std::string_view s) {
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(std::count(s.begin(), s.end(), ';')) + 1);
  for (std::string_view h : split(s, ';'))
    if (!h.empty()) out.push_back(enc::ascii_lower(trim(h)));
  return out;
}

struct Credential {
  std::string access_key, date, region, service;
};

// Credential=AKID/YYYYMMDD/region/service/aws4_request. nullopt plus an AWS-worded reason when
// it has the wrong shape.
std::optional<Credential> parse_credential(std::string_view cred, std::string& why) {
  std::vector<std::string_view> parts = split(cred, '/');
  if (parts.size() != 5) {
    why = "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
          std::string(cred) + "'";
    return std::nullopt;
  }
  if (parts[4] != kTerminator) {
    why = "Credential should be scoped with a valid terminator: 'aws4_request', not '" + std::string(parts[4]) + "'.";
    return std::nullopt;
  }
  if (parts[0].empty()) {
    why = "Credential must have a non-empty access key id.";
    return std::nullopt;
  }
  bool date_ok = parts[1].size() == 8 &&
                 std::all_of(parts[1].begin(), parts[1].end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!date_ok || parts[2].empty() || parts[3].empty()) {
    why = "Credential has a malformed date, region or service: '" + std::string(cred) + "'";
    return std::nullopt;
  }
  return Credential{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]), std::string(parts[3])};
}

AwsError s3_header_malformed(std::string_view detail) {
  return {"AuthorizationHeaderMalformed", "The authorization header is malformed; " + std::string(detail), 400};
}

AwsError query_params_error(std::string msg) {
  return {"AuthorizationQueryParametersError", std::move(msg), 400};
}

// Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...
// AWS accepts the components separated by commas, spaces or both, in any order.
SignedRequestInfo parse_authorization_header(const http::Request& req, std::string_view value, bool s3_style) {
  std::string_view v = trim(value);
  std::string_view algorithm = v.substr(0, std::min(v.size(), v.find_first_of(" \t")));
  bool sigv4 = algorithm == kAlgorithm;
  if (!sigv4 && s3_style) {
    // S3 in every region opened after 2014 (and for all new buckets) rejects SigV2 this way.
    if (algorithm == "AWS")
      throw AwsError("InvalidRequest",
                     "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
                     400);
    throw AwsError("InvalidArgument", "Unsupported Authorization Type", 400);
  }

  std::optional<std::string_view> credential, signed_headers, sig;
  if (sigv4) {
    std::string_view rest = v.substr(algorithm.size());
    while (!rest.empty()) {
      size_t start = rest.find_first_not_of(", \t");
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      size_t end = rest.find_first_of(", \t");
      std::string_view item = rest.substr(0, end);
      rest.remove_prefix(item.size());
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = item.substr(0, eq), val = item.substr(eq + 1);
      if (key == "Credential")
        credential = val;
      else if (key == "SignedHeaders")
        signed_headers = val;
      else if (key == "Signature")
        sig = val;
    }
  }

  const std::string* amz_date = req.headers.find("x-amz-date");
  const std::string* http_date = req.headers.find("date");
  if (!credential || !signed_headers || !sig) {
    if (s3_style)
      throw s3_header_malformed(
          "the authorization header requires three components: Credential, SignedHeaders, and Signature.");
    // Non-S3 services list every missing piece, then echo the header: this is how AWS answers
    // a Bearer token or a SigV2 header too.
    std::string msg;
    if (!credential) msg += "Authorization header requires 'Credential' parameter. ";
    if (!sig) msg += "Authorization header requires 'Signature' parameter. ";
    if (!signed_headers) msg += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!amz_date && !http_date)
      msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    msg += "Authorization=" + std::string(value);
    throw AwsError("IncompleteSignature", msg, 403);
  }

  std::string why;
  std::optional<Credential> cred = parse_credential(*credential, why);
  if (!cred) {
    if (s3_style) throw s3_header_malformed(kCredentialShape);
    throw AwsError("IncompleteSignature", why, 403);
  }

  SignedRequestInfo info;
  info.access_key = std::move(cred->access_key);
  info.date = std::move(cred->date);
  info.region = std::move(cred->region);
  info.service = std::move(cred->service);
  info.signed_headers = split_signed_headers(*signed_headers);
  info.signature = std::string(*sig);

  if (amz_date) {
    std::optional<int64_t> t = parse_amz_date(trim(*amz_date));
    if (!t) {
      if (s3_style) throw AwsError("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", 403);
      throw AwsError("IncompleteSignature",
                     "Date must be in ISO-8601 'basic format'. Got '" + *amz_date +
                         "'. See http://en.wikipedia.org/wiki/ISO_8601",
                     403);
    }
    info.amz_date = std::string(trim(*amz_date));
    info.request_time_ms = *t;
  } else {
    std::optional<int64_t> t = http_date ? enc::parse_http_date(trim(*http_date)) : std::nullopt;
    if (!t) {
      if (s3_style) throw AwsError("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", 403);
      if (!http_date)
        throw AwsError("IncompleteSignature",
                       "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                       "Authorization=" + std::string(value),
                       403);
      throw AwsError("IncompleteSignature",
                     "Date must be in ISO-8601 'basic format'. Got '" + *http_date +
                         "'. See http://en.wikipedia.org/wiki/ISO_8601",
                     403);
    }
    // The Date header stands in for X-Amz-Date; the string to sign carries its basic form.
    info.amz_date = enc::iso8601_basic(*t);
    info.request_time_ms = *t;
  }

  if (!s3_style && std::find(info.signed_headers.begin(), info.signed_headers.end(), "host") ==
                       info.signed_headers.end())
    throw AwsError("IncompleteSignature",
                   "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", 403);

  info.session_token = req.headers.get("x-amz-security-token");
  info.payload_hash = req.headers.get("x-amz-content-sha256");
  return info;
}

// The value of a query parameter (the first of that name), or nullptr.
const std::string* find_param(const std::vector<std::pair<std::string, std::string>>& params, std::string_view name) {
  for (const auto& [k, v] : params)
    if (k == name) return &v;
  return nullptr;
}

// 1 to 12 decimal digits (X-Amz-Expires, SigV2's Expires).
bool short_number(std::string_view e) {
  return !e.empty() && e.size() <= 12 && std::all_of(e.begin(), e.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Presigned URL: every X-Amz-* parameter S3 documents for query-string authentication.
SignedRequestInfo parse_presigned(const http::Request& req,
                                  const std::vector<std::pair<std::string, std::string>>& params) {
  auto param = [&](std::string_view name) { return find_param(params, name); };
  const std::string* algorithm = param("X-Amz-Algorithm");
  const std::string* credential = param("X-Amz-Credential");
  const std::string* sig = param("X-Amz-Signature");
  const std::string* date = param("X-Amz-Date");
  const std::string* signed_headers = param("X-Amz-SignedHeaders");
  const std::string* expires = param("X-Amz-Expires");
  if (!algorithm || !credential || !sig || !date || !signed_headers || !expires)
    throw query_params_error(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, "
        "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  if (*algorithm != kAlgorithm) throw query_params_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");

  std::string why;
  std::optional<Credential> cred = parse_credential(*credential, why);
  if (!cred) throw query_params_error("Error parsing the X-Amz-Credential parameter; " + std::string(kCredentialShape));

  std::optional<int64_t> t = parse_amz_date(*date);
  if (!t) throw query_params_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");

  int64_t expires_s = 0;
  std::string_view e = *expires;
  bool negative = !e.empty() && e.front() == '-';
  if (negative) e.remove_prefix(1);
  if (!short_number(e)) throw query_params_error("X-Amz-Expires should be a number");
  for (char c : e) expires_s = expires_s * 10 + (c - '0');
  if (negative) throw query_params_error("X-Amz-Expires must be non-negative");

  SignedRequestInfo info;
  info.presigned = true;
  info.access_key = std::move(cred->access_key);
  info.date = std::move(cred->date);
  info.region = std::move(cred->region);
  info.service = std::move(cred->service);
  info.signed_headers = split_signed_headers(*signed_headers);
  info.signature = *sig;
  info.amz_date = *date;
  info.request_time_ms = *t;
  info.expires_s = expires_s;
  if (const std::string* token = param("X-Amz-Security-Token")) info.session_token = *token;
  info.payload_hash = req.headers.get("x-amz-content-sha256", kUnsignedPayload);
  return info;
}

// SigV2 presigned URL: AWSAccessKeyId, Signature, Expires (absolute epoch seconds).
SignedRequestInfo parse_sigv2_query(const http::Request& req,
                                    const std::vector<std::pair<std::string, std::string>>& params) {
  auto param = [&](std::string_view name) { return find_param(params, name); };
  const std::string* expires = param("Expires");
  std::string_view e = *expires;
  if (!short_number(e))
    throw AwsError("AccessDenied", "Invalid date (should be seconds since epoch): " + *expires, 403);
  SignedRequestInfo info;
  info.presigned = true;
  info.sigv2 = true;
  info.access_key = *param("AWSAccessKeyId");
  info.signature = *param("Signature");
  for (char c : e) info.expires_s = info.expires_s * 10 + (c - '0');
  info.request_time_ms = info.expires_s * 1000;
  if (const std::string* token = param("x-amz-security-token")) info.session_token = *token;
  if (const std::string* token = param("X-Amz-Security-Token")) info.session_token = *token;
  info.payload_hash = req.headers.get("x-amz-content-sha256", kUnsignedPayload);
  return info;
}

// OpenSSL 3 looks the implementation of EVP_sha256() up on every use; fetching it once saves
// that lookup on every signature verified.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();
  }();
  return md;
}

// One digest context per thread, reused: EVP_Digest would allocate and free one per call.
EVP_MD_CTX* thread_md_ctx() {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return ctx.get();
}

// Digest of the concatenation a || b into out; returns the digest length.
unsigned int digest_into(const EVP_MD* md, std::string_view a, std::string_view b, unsigned char* out) {
  EVP_MD_CTX* c = thread_md_ctx();
  unsigned int len = 0;
  if (!c || EVP_DigestInit_ex(c, md, nullptr) != 1 || EVP_DigestUpdate(c, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(c, b.data(), b.size()) != 1 || EVP_DigestFinal_ex(c, out, &len) != 1)
    throw errors::internal("digest failed");
  return len;
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = digest_into(md, data, {}, out);
  return std::string(reinterpret_cast<char*>(out), len);
}

// Step 1 of the spec: RFC 3986 remove_dot_segments, plus the removal of empty segments that
// AWS services (not S3) apply, as botocore's normalize_url_path does.
std::string normalize_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  for (std::string_view seg : split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(seg);
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

}  // namespace

std::optional<SignedRequestInfo> parse_signature(const http::Request& req, bool s3_style) {
  std::vector<std::pair<std::string, std::string>> params;
  for (auto [k, v] : raw_query_pairs(req.query)) params.emplace_back(enc::uri_decode(k), enc::uri_decode(v));
  auto has_param = [&](std::string_view name) {
    return std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  };
  const std::string* authorization = req.headers.find("authorization");
  bool presigned = has_param("X-Amz-Algorithm") || has_param("X-Amz-Credential") || has_param("X-Amz-Signature");
  if (presigned && authorization)
    throw AwsError("InvalidArgument",
                   "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
                   "parameter or the Authorization header should be specified",
                   400);
  if (presigned) return parse_presigned(req, params);
  // S3's SigV2 query string (the Query protocol's SigV2 names SignatureVersion, never Expires).
  bool sigv2 =
      has_param("AWSAccessKeyId") && has_param("Signature") && has_param("Expires") && !has_param("SignatureVersion");
  if (sigv2 && authorization)
    throw AwsError("InvalidArgument",
                   "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
                   "parameter or the Authorization header should be specified",
                   400);
  if (authorization) return parse_authorization_header(req, *authorization, s3_style);
  if (sigv2) return parse_sigv2_query(req, params);
  return std::nullopt;
}

// Task 1, CanonicalURI. Other services: normalise, then URI-encode every segment of the path as
// received, so "%20" on the wire becomes "%2520" (the path is encoded twice). S3: the path
// exactly as sent, already encoded once by the client, no normalisation ("//" and ".." stay).
std::string canonical_uri(std::string_view raw_path, bool s3_style) {
  if (raw_path.empty()) return "/";
  if (s3_style) return std::string(raw_path);
  return enc::uri_encode(normalize_path(raw_path), /*keep_slash=*/true);
}

// Task 1, CanonicalQueryString: each name and value decoded then URI-encoded (RFC 3986, spaces
// as %20, '+' is a literal plus), a name without '=' gets an empty value, and pairs are sorted
// by encoded name then encoded value. A presigned URL signs every parameter but X-Amz-Signature.
std::string canonical_query(std::string_view raw_query, bool presigned) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto [k, v] : raw_query_pairs(raw_query)) {
    std::string key = enc::uri_encode(enc::uri_decode(k));
    if (presigned && key == "X-Amz-Signature") continue;
    pairs.emplace_back(std::move(key), enc::uri_encode(enc::uri_decode(v)));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

// Task 1, CanonicalHeaders: "name:value\n" for each signed header in the order listed, values
// trimmed with inner runs of whitespace collapsed to one space, repeated headers joined by ','.
std::string canonical_headers(const http::Headers& headers, const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const std::string& name : signed_headers) {
    out += name;
    out += ':';
    bool first_value = true;
    for (const auto& [k, v] : headers.items()) {
      if (k != name) continue;
      if (!first_value) out += ',';
      first_value = false;
      bool pending_space = false, any = false;
      for (char c : v) {
        if (is_space(c) || c == '\r' || c == '\n') {
          pending_space = any;
          continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        any = true;
        out += c;
      }
    }
    out += '\n';
  }
  return out;
}

// Task 1, CanonicalRequest: method, URI, query, headers, signed header list, payload hash. The
// payload hash is x-amz-content-sha256 whenever the client sent it (botocore signs with that
// header's value for every service); a presigned S3 URL signs UNSIGNED-PAYLOAD; otherwise the
// SHA-256 of the body.
std::string canonical_request(const http::Request& req, const SignedRequestInfo& info, bool s3_style) {
  std::string signed_list;
  for (const std::string& h : info.signed_headers) {
    if (!signed_list.empty()) signed_list += ';';
    signed_list += h;
  }
  std::string payload;
  if (const std::string* h = req.headers.find("x-amz-content-sha256"))
    payload = *h;
  else if (info.presigned && s3_style)
    payload = kUnsignedPayload;
  else
    payload = body_sha256(req);

  std::string headers = canonical_headers(req.headers, info.signed_headers);
  std::string out;
  out.reserve(req.method.size() + req.path.size() * 2 + req.query.size() * 2 + headers.size() +
              signed_list.size() + payload.size() + 8);
  out += req.method;
  out += '\n';
  if (req.path == "/" || req.path.empty()) out += '/';  // the common case, without a copy
  else out += canonical_uri(req.path, s3_style);
  out += '\n';
  if (!req.query.empty()) out += canonical_query(req.query, info.presigned);
  out += '\n';
  out += headers;
  out += '\n';
  out += signed_list;
  out += '\n';
  out += payload;
  return out;
}

// Task 2: algorithm, request date, credential scope, hex SHA-256 of the canonical request.
std::string string_to_sign(const SignedRequestInfo& info, std::string_view canonical_request) {
  std::string out;
  out.reserve(kAlgorithm.size() + info.amz_date.size() + info.date.size() + info.region.size() +
              info.service.size() + kTerminator.size() + 64 + 8);
  out += kAlgorithm;
  out += '\n';
  out += info.amz_date;
  out += '\n';
  for (std::string_view part : {std::string_view(info.date), std::string_view(info.region),
                                std::string_view(info.service)}) {
    out += part;
    out += '/';
  }
  out += kTerminator;
  out += '\n';
  out += sha256_hex(canonical_request);
  return out;
}

// Task 3: kDate = HMAC("AWS4" + secret, date), kRegion, kService, kSigning = HMAC(.., "aws4_request").
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string k = hmac_sha256("AWS4" + std::string(secret), date);
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  return hmac_sha256(k, kTerminator);
}

// Task 3: hex(HMAC(kSigning, string to sign)).
std::string signature(std::string_view signing_key, std::string_view string_to_sign) {
  return enc::hex(hmac_sha256(signing_key, string_to_sign));
}

std::string sha256_hex(std::string_view data) { return enc::hex(digest(sha256_md(), data)); }
std::string sha256(std::string_view data) {
  return digest(sha256_md(), data);
}

// RFC 2104 HMAC-SHA256 on the thread's digest context. OpenSSL 3's one-shot HMAC() fetches
// the MAC and its digest by name on every call, which cost more than the hashing itself.
std::string hmac_sha256(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  unsigned char k[kBlock] = {};
  if (key.size() > kBlock) digest_into(sha256_md(), key, {}, k);
  else std::memcpy(k, key.data(), key.size());
  char ipad[kBlock], opad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<char>(k[i] ^ 0x36);
    opad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  unsigned char inner[EVP_MAX_MD_SIZE], out[EVP_MAX_MD_SIZE];
  unsigned int n = digest_into(sha256_md(), std::string_view(ipad, kBlock), data, inner);
  unsigned int len =
      digest_into(sha256_md(), std::string_view(opad, kBlock), std::string_view(reinterpret_cast<char*>(inner), n), out);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string body_sha256(const http::Request& req) {
  if (req.body_file) return req.body_file->sha256_hex;
  if (!req.wire_sha256.empty()) return req.wire_sha256;
  return sha256_hex(req.body);
}

namespace {
// The signing key depends only on (secret, date, region, service): the same for every request a
// client sends in a day, so each I/O thread keeps the last few (as SDKs do on their side). Saves
// four HMACs per verified request.
const std::string& cached_signing_key(std::string_view secret, std::string_view date, std::string_view region,
                                      std::string_view service) {
  struct Slot {
    std::string secret, date, region, service, key;
  };
  thread_local Slot slots[4];
  thread_local unsigned next = 0;
  for (auto& sl : slots)
    if (sl.date == date && sl.region == region && sl.service == service && sl.secret == secret && !sl.key.empty())
      return sl.key;
  Slot& sl = slots[next++ % 4];
  sl = Slot{std::string(secret), std::string(date), std::string(region), std::string(service),
            signing_key(secret, date, region, service)};
  return sl.key;
}
}  // namespace

std::optional<AwsError> verify(const http::Request& req, const SignedRequestInfo& info, std::string_view secret,
                               bool s3_style) {
  if (info.sigv2) {
    // The resource is the path-style path as sent ("/bucket/key"), virtual-hosted or not.
    std::string sts = sigv2_string_to_sign(req, req.path, std::to_string(info.expires_s));
    if (signatures_equal(sigv2_signature(secret, sts), info.signature)) return std::nullopt;
    AwsError e = signature_mismatch(true);
    e.extra_json = json::write(Doc(DocMap{{"AWSAccessKeyId", Doc(info.access_key)},
                                          {"StringToSign", Doc(sts)},
                                          {"SignatureProvided", Doc(info.signature)}}));
    return e;
  }
  // The scope date must be the day of X-Amz-Date; each family words the refusal differently.
  if (info.amz_date.compare(0, 8, info.date) != 0) {
    if (s3_style && info.presigned)
      return query_params_error("Invalid credential date. Date is not the same as X-Amz-Date.");
    if (s3_style) return s3_header_malformed("Invalid credential date. Date is not the same as X-Amz-Date.");
    return AwsError("SignatureDoesNotMatch",
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                        info.date + "' != '" + info.amz_date.substr(0, 8) + "', from '" + info.amz_date + "'.",
                    403);
  }
  std::string creq = canonical_request(req, info, s3_style);
  std::string sts = string_to_sign(info, creq);
  std::string expected = signature(cached_signing_key(secret, info.date, info.region, info.service), sts);
  // Constant time, so the comparison leaks nothing about how much of a guess was right.
  if (signatures_equal(expected, info.signature)) return std::nullopt;
  AwsError e = signature_mismatch(s3_style);
  // S3 shows what it signed, so a client can find where it differs.
  if (s3_style)
    e.extra_json = json::write(Doc(DocMap{{"AWSAccessKeyId", Doc(info.access_key)},
                                          {"StringToSign", Doc(sts)},
                                          {"SignatureProvided", Doc(info.signature)},
                                          {"CanonicalRequest", Doc(creq)}}));
  return e;
}

AwsError signature_mismatch(bool s3_style) {
  if (s3_style)
    return AwsError("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your key "
                    "and signing method.",
                    403);
  return AwsError("SignatureDoesNotMatch",
                  "The request signature we calculated does not match the signature you provided. Check your AWS "
                  "Secret Access Key and signing method. Consult the service documentation for details.",
                  403);
}

std::optional<AwsError> check_time(const SignedRequestInfo& info, int64_t now_ms, bool s3_style) {
  if (info.sigv2) {
    if (now_ms <= info.expires_s * 1000) return std::nullopt;
    AwsError e("AccessDenied", "Request has expired", 403);
    e.extra_json = json::write(Doc(DocMap{{"Expires", Doc(enc::iso8601(info.expires_s * 1000))},
                                          {"ServerTime", Doc(enc::iso8601(now_ms - now_ms % 1000))}}));
    return e;
  }
  if (info.presigned) {
    if (info.expires_s < 1 || info.expires_s > kMaxPresignExpiresS)
      return query_params_error("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    if (info.request_time_ms - now_ms > kMaxSkewMs)
      return AwsError("AccessDenied", "Request is not valid yet", 403);
    if (now_ms > info.request_time_ms + info.expires_s * 1000)
      return AwsError("AccessDenied", "Request has expired", 403);
    return std::nullopt;
  }
  int64_t skew = info.request_time_ms - now_ms;
  if (skew >= -kMaxSkewMs && skew <= kMaxSkewMs) return std::nullopt;
  if (s3_style)
    return AwsError("RequestTimeTooSkewed",
                    "The difference between the request time and the current time is too large.", 403);
  // The wording STS, SQS, Lambda and the JSON services use, with the bound that was crossed.
  if (skew < 0)
    return AwsError("RequestTimeTooSkewed",
                    "Signature expired: " + info.amz_date + " is now earlier than " +
                        enc::iso8601_basic(now_ms - kMaxSkewMs) + " (" + enc::iso8601_basic(now_ms) + " - 15 min.)",
                    403);
  return AwsError("RequestTimeTooSkewed",
                  "Signature not yet current: " + info.amz_date + " is still later than " +
                      enc::iso8601_basic(now_ms + kMaxSkewMs) + " (" + enc::iso8601_basic(now_ms) + " + 15 min.)",
                  403);
}

void sign(http::Request& req, std::string_view access_key, std::string_view secret,
          std::string_view region, std::string_view service, int64_t now_ms) {
  SignedRequestInfo info;
  info.access_key = access_key;
  info.amz_date = enc::iso8601_basic(now_ms);
  info.date = info.amz_date.substr(0, 8);
  info.region = region;
  info.service = service;
  info.signed_headers = {"host", "x-amz-date"};
  req.headers.set("x-amz-date", info.amz_date);
  std::string sts = string_to_sign(info, canonical_request(req, info, false));
  std::string sig = signature(signing_key(secret, info.date, region, service), sts);
  req.headers.set("authorization",
                  std::string(kAlgorithm) + " Credential=" + info.access_key + "/" + info.date +
                      "/" + info.region + "/" + info.service +
                      "/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig);
}

std::optional<AwsError> check_scope_service(const SignedRequestInfo& info,
                                            std::string_view signing_name) {
  if (info.service == signing_name || (info.sigv2 && signing_name == "s3")) return std::nullopt;
  return AwsError(
      "SignatureDoesNotMatch",
      "Credential should be scoped to correct service: '" + std::string(signing_name) + "'. ", 403);
}

std::optional<AwsError> check_payload_hash(const http::Request& req) {
  const std::string* h = req.headers.find("x-amz-content-sha256");
  if (!h) return std::nullopt;
  static constexpr std::string_view kMarkers[] = {
      "UNSIGNED-PAYLOAD",
      "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
      "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
      "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
  };
  if (std::find(std::begin(kMarkers), std::end(kMarkers), *h) != std::end(kMarkers)) return std::nullopt;
  if (!is_hex64(*h))
    return AwsError("InvalidArgument",
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
                    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a "
                    "valid sha256 value.",
                    400);
  if (enc::ascii_lower(*h) != body_sha256(req))
    return AwsError("XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
  return std::nullopt;
}

}  // namespace stratus::auth
