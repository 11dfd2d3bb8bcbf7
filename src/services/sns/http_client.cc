#include "services/sns/http_client.h"

#include "http/client.h"

namespace stratus::sns {

// SNS deliveries run on the events worker (which may wait); the request itself goes through the
// shared non-blocking client (http/client.h).
HttpResult http_post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body, int timeout_ms) {
  HttpResult r;
  http::ClientRequest req;
  req.method = "POST";
  req.url = url;
  for (const auto& [k, v] : headers) req.headers.add(k, v);
  req.body = body;
  req.timeout_ms = timeout_ms;
  http::ClientResponse res = http::fetch_blocking(std::move(req));
  if (!res.ok()) {
    r.error = res.error;
    return r;
  }
  r.status = res.status;
  return r;
}

}  // namespace stratus::sns
