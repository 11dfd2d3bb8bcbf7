// Minimal blocking clients over plain TCP: HTTP/1.1 (SNS http deliveries, the `stratus mailbox`
// command) and the connection helper the SMTP relay uses. Plain http only; https endpoints are
// reported as failures (no TLS client in Stratus yet).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace stratus::sns {

struct HttpResult {
  int status = 0;     // 0 when no answer (connect/read failure, timeout, https)
  std::string error;  // why, when status == 0
  std::string body;   // the answer's body (read to the end of the connection)
};

HttpResult http_request(const std::string& method, const std::string& url,
                        const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                        int timeout_ms = 5000, bool read_body = true);
// Reads only the status line (deliveries need no more).
inline HttpResult http_post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body, int timeout_ms = 5000) {
  return http_request("POST", url, headers, body, timeout_ms, false);
}

// Connects to host:port with send/receive timeouts; returns the socket, or -1 with `error` set.
int tcp_connect(const std::string& host, const std::string& port, int timeout_ms, std::string& error);
// Sends all of `data`; false on failure.
bool send_all(int fd, const std::string& data);

}  // namespace stratus::sns
