// Internal to the Stratus C++ SDK (stratus_lambda_runtime.hpp, stratus_aws.hpp): a minimal
// HTTP/1.1 client over one keep-alive TCP connection. Plain http only; one request at a time.
// Header-only and C++17, like the headers that use it.
#pragma once

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>

namespace stratus_http {

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One connection to host:port, reopened when the server closes it. Not thread-safe.
class Connection {
 public:
  // timeout_ms bounds each send/receive (0: wait forever, as the Runtime API's long poll needs).
  Connection(std::string host, std::string port, int timeout_ms = 0)
      : host_(std::move(host)), port_(std::move(port)), timeout_ms_(timeout_ms) {}
  ~Connection() { close_fd(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The Host header value: host, or host:port when the port is not 80.
  std::string host_header() const {
    std::string h = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
    return port_ == "80" ? h : h + ":" + port_;
  }

  // Sends one request; `headers` holds extra "Name: value\r\n" lines (Host and Content-Length are
  // added here). A request on a reused connection that the server closed while it was idle is
  // sent again once on a new connection. Throws std::runtime_error when the server is unreachable.
  Response request(const std::string& method, const std::string& target, const std::string& headers = {},
                   const std::string& body = {}) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host_header() +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + headers + "\r\n" + body;
    int err = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = fd_ >= 0;
      if (!reused && !connect_fd()) {
        err = errno;
        throw std::runtime_error("cannot connect to " + host_header() + (err ? ": " + std::string(std::strerror(err)) : ""));
      }
      Response r;
      bool got_bytes = false;
      if (send_all(req) && read_response(r, got_bytes)) {
        if (lower(r.header("connection")) == "close") close_fd();
        return r;
      }
      err = errno;
      close_fd();
      // Only a keep-alive connection the server had closed is worth a retry: nothing was read
      // from it and it ended (not a timeout, which may mean the server is still working on it).
      if (!reused || got_bytes || !(err == 0 || err == ECONNRESET || err == EPIPE)) break;
    }
    throw std::runtime_error("HTTP " + method + " " + target + " to " + host_header() + " failed: " +
                             (err ? std::strerror(err) : "connection closed"));
  }

 private:
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  bool connect_fd() {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    errno = 0;
    if (getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res) != 0) return false;
    for (addrinfo* a = res; a && fd_ < 0; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (timeout_ms_ > 0) {
          timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
          setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
          setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        }
        fd_ = fd;
      } else {
        ::close(fd);
      }
    }
    freeaddrinfo(res);
    buf_.clear();
    return fd_ >= 0;
  }
  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send_all(const std::string& s) {
    size_t off = 0;
    errno = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool fill() {
    char tmp[65536];
    errno = 0;
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  // Reads until buf_ holds at least n bytes.
  bool need(size_t n) {
    while (buf_.size() < n)
      if (!fill()) return false;
    return true;
  }
  // Reads one line ending in CRLF from buf_ (without the CRLF).
  bool line(std::string& out) {
    size_t e;
    while ((e = buf_.find("\r\n")) == std::string::npos)
      if (!fill()) return false;
    out = buf_.substr(0, e);
    buf_.erase(0, e + 2);
    return true;
  }

  bool read_response(Response& r, bool& got_bytes) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return false;
      got_bytes = true;
    }
    got_bytes = true;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    auto sp = status_line.find(' ');
    r.status = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string h = head.substr(pos, e - pos);
      auto c = h.find(':');
      if (c != std::string::npos) {
        std::string v = h.substr(c + 1);
        size_t b = v.find_first_not_of(" \t"), z = v.find_last_not_of(" \t");
        r.headers[lower(h.substr(0, c))] = b == std::string::npos ? "" : v.substr(b, z - b + 1);
      }
      pos = e + 2;
    }
    if (lower(r.header("transfer-encoding")).find("chunked") != std::string::npos) {
      for (;;) {
        std::string size_line;
        if (!line(size_line)) return false;
        size_t n = std::strtoull(size_line.c_str(), nullptr, 16);
        if (n == 0) {  // trailers, then the empty line
          std::string t;
          do {
            if (!line(t)) return false;
          } while (!t.empty());
          return true;
        }
        if (!need(n + 2)) return false;
        r.body.append(buf_, 0, n);
        buf_.erase(0, n + 2);
      }
    }
    if (!r.headers.count("content-length") && lower(r.header("connection")) == "close") {
      while (fill()) {  // the body ends where the connection does
      }
      r.body.swap(buf_);
      return true;
    }
    size_t len = std::strtoull(r.header("content-length").c_str(), nullptr, 10);
    if (!need(len)) return false;
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return true;
  }

  std::string host_, port_;
  int timeout_ms_;
  std::string buf_;
  int fd_ = -1;
};

}  // namespace stratus_http
