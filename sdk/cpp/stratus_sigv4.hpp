// AWS Signature Version 4 for the requests of stratus_aws.hpp, header-only on OpenSSL's libcrypto
// (link with -lcrypto). Each step of the spec is one function so each can be checked on its own:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
//
// Scope: requests whose path needs no encoding (the "/" of the JSON and Query protocols) and whose
// query string is already canonical (empty, or sorted and encoded). That is all the AWS APIs
// called by stratus_aws.hpp need.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace stratus_aws::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// OpenSSL 3 looks EVP_sha256()'s implementation up on every use; fetching it once is faster.
inline const EVP_MD* sha256_md() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();
  }();
  return md;
#else
  return EVP_sha256();
#endif
}

inline std::string hex(const unsigned char* p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

inline std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(data.data(), data.size(), md, &n, sha256_md(), nullptr)) throw std::runtime_error("SHA-256 failed");
  return hex(md, n);
}

// Raw HMAC-SHA256 bytes.
inline std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!HMAC(sha256_md(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), md, &n))
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(md), n);
}

// A header to sign: the name in any case, the value as sent.
using Header = std::pair<std::string, std::string>;

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Trims the value and folds inner runs of spaces into one, as the canonical form wants.
inline std::string canonical_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Sorted lower-case names joined by ';' (the SignedHeaders of the Authorization header).
inline std::string signed_headers(std::vector<Header> headers) {
  std::vector<std::string> names;
  for (auto& h : headers) names.push_back(lower(h.first));
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ";") + n;
  return out;
}

// Task 1: the canonical request.
inline std::string canonical_request(const std::string& method, const std::string& path, const std::string& query,
                                     std::vector<Header> headers, const std::string& payload_hash) {
  for (auto& h : headers) h = {lower(h.first), canonical_value(h.second)};
  std::sort(headers.begin(), headers.end());
  std::string out = method + "\n" + path + "\n" + query + "\n";
  for (const auto& [name, value] : headers) out += name + ":" + value + "\n";
  return out + "\n" + signed_headers(headers) + "\n" + payload_hash;
}

// "YYYYMMDD/region/service/aws4_request"
inline std::string scope(const std::string& date, const std::string& region, const std::string& service) {
  return date + "/" + region + "/" + service + "/aws4_request";
}

// Task 2: the string to sign. amz_date is YYYYMMDDTHHMMSSZ.
inline std::string string_to_sign(const std::string& amz_date, const std::string& region, const std::string& service,
                                  const std::string& canonical) {
  return "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope(amz_date.substr(0, 8), region, service) + "\n" +
         sha256_hex(canonical);
}

// Task 3: the signing key (raw bytes) and the signature (lower-case hex).
inline std::string signing_key(const std::string& secret, const std::string& date, const std::string& region,
                               const std::string& service) {
  return hmac_sha256(hmac_sha256(hmac_sha256(hmac_sha256("AWS4" + secret, date), region), service), "aws4_request");
}

inline std::string signature(const std::string& key, const std::string& to_sign) {
  std::string mac = hmac_sha256(key, to_sign);
  return hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

// YYYYMMDDTHHMMSSZ for a time (UTC).
inline std::string amz_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// Signs a request: adds X-Amz-Date (and X-Amz-Security-Token with temporary credentials) to
// `headers`, which must already hold Host and every other header to sign, then returns the value
// of the Authorization header.
inline std::string sign(const Credentials& creds, const std::string& region, const std::string& service,
                        const std::string& method, const std::string& path, const std::string& query,
                        std::vector<Header>& headers, const std::string& body, const std::string& date) {
  headers.emplace_back("X-Amz-Date", date);
  if (!creds.session_token.empty()) headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  std::string canonical = canonical_request(method, path, query, headers, sha256_hex(body));
  std::string key = signing_key(creds.secret_access_key, date.substr(0, 8), region, service);
  return "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + scope(date.substr(0, 8), region, service) +
         ", SignedHeaders=" + signed_headers(headers) +
         ", Signature=" + signature(key, string_to_sign(date, region, service, canonical));
}

}  // namespace stratus_aws::sigv4
