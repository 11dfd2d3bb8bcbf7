#include "auth/sigv2.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "core/encoding.h"
#include "core/error.h"

namespace stratus::auth {
namespace {

// The query parameters S3 counts as part of the resource (botocore's HmacV1Auth list).
constexpr std::string_view kSubResources[] = {"accelerate",
                                              "acl",
                                              "analytics",
                                              "cors",
                                              "defaultObjectAcl",
                                              "delete",
                                              "inventory",
                                              "lifecycle",
                                              "location",
                                              "logging",
                                              "metrics",
                                              "notification",
                                              "object-lock",
                                              "partNumber",
                                              "policy",
                                              "replication",
                                              "requestPayment",
                                              "response-cache-control",
                                              "response-content-disposition",
                                              "response-content-encoding",
                                              "response-content-language",
                                              "response-content-type",
                                              "response-expires",
                                              "restore",
                                              "select",
                                              "select-type",
                                              "storageClass",
                                              "tagging",
                                              "torrent",
                                              "uploadId",
                                              "uploads",
                                              "versionId",
                                              "versioning",
                                              "versions",
                                              "website"};

bool is_sub_resource(std::string_view name) {
  return std::find(std::begin(kSubResources), std::end(kSubResources), name) != std::end(kSubResources);
}

}  // namespace

std::string hmac_sha1(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &len))
    throw errors::internal("hmac failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string sigv2_signature(std::string_view secret, std::string_view string_to_sign) {
  return enc::base64_encode(hmac_sha1(secret, string_to_sign));
}

std::string sigv2_string_to_sign(const http::Request& req, std::string_view resource_path, std::string_view expires) {
  std::string out = req.method;
  out += '\n';
  out += req.headers.get("content-md5");
  out += '\n';
  out += req.headers.get("content-type");
  out += '\n';
  out += expires;
  out += '\n';
  std::vector<std::pair<std::string, std::string>> amz;
  for (const auto& header : req.headers.items()) {
    if (header.first.rfind("x-amz-", 0) != 0) continue;
    auto it = std::find_if(amz.begin(), amz.end(), [&](const auto& p) { return p.first == header.first; });
    if (it == amz.end())
      amz.push_back(header);
    else
      it->second += "," + header.second;
  }
  std::sort(amz.begin(), amz.end());
  for (const auto& [name, value] : amz) out += name + ":" + value + "\n";

  out += resource_path.empty() ? std::string_view("/") : resource_path;
  std::vector<std::pair<std::string, std::string>> subs;
  std::string_view q = req.query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q.remove_prefix(amp == std::string_view::npos ? q.size() : amp + 1);
    size_t eq = part.find('=');
    std::string name = enc::uri_decode(part.substr(0, eq));
    if (!is_sub_resource(name)) continue;
    if (eq == std::string_view::npos)
      subs.emplace_back(std::move(name), std::string());
    else
      subs.emplace_back(std::move(name), "=" + enc::uri_decode(part.substr(eq + 1)));
  }
  std::stable_sort(subs.begin(), subs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < subs.size(); ++i) {
    out += i ? '&' : '?';
    out += subs[i].first + subs[i].second;
  }
  return out;
}

bool signatures_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace stratus::auth
