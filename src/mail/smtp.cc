#include "mail/smtp.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>

namespace stratus::smtp {
namespace {

// Connects to host:port with send/receive timeouts; returns the socket, or -1 with `error` set.
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

// Reads one (possibly multi-line) reply; returns its code, 0 on failure.
int reply(int fd, std::string& buf) {
  for (;;) {
    // A complete reply ends with a line "NNN text" (space, not '-', after the code).
    size_t start = 0;
    for (size_t eol; (eol = buf.find("\r\n", start)) != std::string::npos; start = eol + 2) {
      if (eol - start >= 3 && (eol - start == 3 || buf[start + 3] == ' ')) {
        int code = std::atoi(buf.substr(start, 3).c_str());
        buf.erase(0, eol + 2);
        return code;
      }
    }
    char tmp[1024];
    ssize_t n = recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return 0;
    buf.append(tmp, static_cast<size_t>(n));
  }
}

std::string dot_stuffed(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (i <= text.size()) {
    size_t eol = text.find('\n', i);
    std::string line = text.substr(i, eol == std::string::npos ? std::string::npos : eol - i);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '.') out += '.';
    out += line + "\r\n";
    if (eol == std::string::npos) break;
    i = eol + 1;
  }
  return out;
}

}  // namespace

std::string bare_address(const std::string& s) {
  auto a = s.find('<'), b = s.rfind('>');
  if (a != std::string::npos && b != std::string::npos && b > a) return s.substr(a + 1, b - a - 1);
  return s;
}

std::string send(const std::string& host_port, const Message& m, int timeout_ms) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return "relay must be HOST:PORT";
  std::string error;
  int fd = tcp_connect(host_port.substr(0, colon), host_port.substr(colon + 1), timeout_ms, error);
  if (fd < 0) return error;
  std::string buf;
  auto step = [&](const std::string& line, int want_lo, int want_hi) -> std::string {
    if (!line.empty() && !send_all(fd, line)) return "send failed";
    int code = reply(fd, buf);
    if (code < want_lo || code > want_hi) {
      return "unexpected reply " + std::to_string(code) + " to " + (line.empty() ? "greeting" : line.substr(0, 10));
    }
    return "";
  };
  std::string err = step("", 220, 220);
  if (err.empty()) err = step("EHLO stratus\r\n", 250, 250);
  if (err.empty()) err = step("MAIL FROM:<" + m.from + ">\r\n", 250, 250);
  if (err.empty()) err = step("RCPT TO:<" + m.to + ">\r\n", 250, 251);
  if (err.empty()) err = step("DATA\r\n", 354, 354);
  if (err.empty()) err = step(dot_stuffed(m.headers + "\r\n" + m.body) + ".\r\n", 250, 250);
  if (err.empty()) (void)step("QUIT\r\n", 221, 221);
  close(fd);
  return err;
}

}  // namespace stratus::smtp
