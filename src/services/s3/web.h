// What S3 answers outside its REST API, claimed before AWS routing (server/invoke_router.h):
//   - static website hosting: http://BUCKET.s3-website.localhost:PORT/,
//     BUCKET.s3-website-REGION.localhost and BUCKET.s3-website.REGION.localhost serve the bucket's
//     website configuration (index and error documents, routing rules, RedirectAllRequestsTo,
//     x-amz-website-redirect-location, "/dir" -> 302 "/dir/") to anonymous readers as S3's
//     website endpoints do, with HTML error pages;
//   - CORS preflights (OPTIONS with Origin and Access-Control-Request-Method) to an existing
//     bucket, path style or virtual-hosted (BUCKET.s3.localhost, BUCKET.s3.REGION.localhost),
//     answered from the bucket's CORS configuration (403 AccessForbidden when no rule matches).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "server/invoke_router.h"
#include "services/service.h"

namespace stratus::s3 {

class Store;

class WebRouter : public InvokeRouter {
 public:
  void set_store(Store* st) { store_ = st; }
  bool claims(const http::Request& req) const override;
  void serve(http::Request req, http::Responder respond) override;
  const char* log_service() const override { return "s3"; }

 private:
  Store* store_ = nullptr;
};

// Pure helpers (unit-tested).
// The bucket of a website host ("b.s3-website.localhost:4566" -> "b"); nullopt otherwise.
std::optional<std::string> website_bucket(std::string_view host);
// The bucket a preflight names: virtual-hosted host, else the first path segment.
std::string preflight_bucket(std::string_view host, std::string_view path);
// The CORS rule of a configuration matching origin, method and requested headers (nullptr: none).
const Doc* match_cors_rule(const Doc& config, std::string_view origin, std::string_view method,
                           std::string_view request_headers);
// The Access-Control-* (and Vary) headers S3 answers for a matched rule, preflight or not.
std::vector<std::pair<std::string, std::string>> cors_rule_headers(const Doc& rule, std::string_view origin,
                                                                   std::string_view request_headers);
// Actual (non-preflight) requests with an Origin to a bucket that has CORS rules answer with the
// headers of the rule matching the origin and the operation's method, or with none when no rule
// matches (the reply's own_cors tells the FrontDoor to add nothing). A bucket without rules
// leaves the answer to the server's --cors-origins.
void apply_bucket_cors(OpContext& ctx, const Store& st, std::string_view bucket);

}  // namespace stratus::s3
