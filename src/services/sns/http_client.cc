#include "services/sns/http_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace stratus::sns {

int tcp_connect(const std::string& host, const std::string& port, int timeout_ms, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
    error = "cannot resolve " + host;
    return -1;
  }
  int fd = -1;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // also bounds connect()
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) error = "cannot connect to " + host + ":" + port;
  return fd;
}

bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

HttpResult http_request(const std::string& method, const std::string& url,
                        const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                        int timeout_ms, bool read_body) {
  HttpResult r;
  if (url.rfind("http://", 0) != 0) {
    r.error = "only http:// endpoints are supported";
    return r;
  }
  std::string rest = url.substr(7);
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string host = hostport, port = "80";
  if (auto c = hostport.rfind(':'); c != std::string::npos && hostport.find(']') == std::string::npos) {
    host = hostport.substr(0, c);
    port = hostport.substr(c + 1);
  }
  int fd = tcp_connect(host, port, timeout_ms, r.error);
  if (fd < 0) return r;
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  req += body;
  if (!send_all(fd, req)) {
    close(fd);
    r.error = "send failed";
    return r;
  }
  std::string all;
  char buf[4096];
  while (read_body || all.find("\r\n") == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  // "HTTP/1.1 200 OK"
  auto sp = all.find(' ');
  if (all.rfind("HTTP/", 0) != 0 || sp == std::string::npos) {
    r.error = "no HTTP answer";
    return r;
  }
  r.status = std::atoi(all.c_str() + sp + 1);
  if (auto b = all.find("\r\n\r\n"); b != std::string::npos) {
    std::string head = all.substr(0, b);
    r.body = all.substr(b + 4);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head.find("transfer-encoding: chunked") != std::string::npos) {  // de-chunk
      std::string out;
      size_t i = 0;
      while (i < r.body.size()) {
        size_t eol = r.body.find("\r\n", i);
        if (eol == std::string::npos) break;
        size_t n = std::strtoul(r.body.substr(i, eol - i).c_str(), nullptr, 16);
        if (n == 0) break;
        out += r.body.substr(eol + 2, n);
        i = eol + 2 + n + 2;
      }
      r.body = std::move(out);
    }
  }
  return r;
}

}  // namespace stratus::sns
