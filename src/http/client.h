// A non-blocking HTTP/1.1 client (Beast stays in client.cc). One request per connection
// (Connection: close); http:// and https:// (OpenSSL; peers verified against the system's CAs
// and the URL's host unless verify_tls is false). Requests run on the client's own I/O thread, started
// on first use, so callers on server I/O threads never wait: `fetch` returns at once and `done`
// is called exactly once, later, on the client thread. The deadline covers resolve, connect,
// write and read together.
//
// Users: API Gateway HTTP/HTTP_PROXY integrations (async), SNS http deliveries (fetch_blocking
// from the delivery worker).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "http/message.h"

namespace stratus::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port][/path][?query]; path and query sent as written
  Headers headers;  // Host and Content-Length are added; Connection: close is forced
  std::string body;
  int timeout_ms = 30000;
  uint64_t max_body_bytes = 16 * 1024 * 1024;
  bool verify_tls = true;
};

struct ClientResponse {
  enum class Failure { none, bad_url, resolve, connect, timeout, io };
  Failure failure = Failure::none;
  std::string error;  // why, when failure != none
  int status = 0;
  Headers headers;
  std::string body;
  bool ok() const { return failure == Failure::none; }
};

using ClientDone = std::function<void(ClientResponse)>;

struct Url {
  std::string scheme, host, port, target;  // target: "/path?query"
};
// Splits an absolute http(s) URL. nullopt-like: returns false when it isn't one.
bool parse_url(const std::string& url, Url& out);

void fetch(ClientRequest req, ClientDone done);
// Waits for the answer; never call it on the client's thread (from inside a `done`).
ClientResponse fetch_blocking(ClientRequest req);

}  // namespace stratus::http
