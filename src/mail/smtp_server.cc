#include "mail/smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>

#include "core/encoding.h"

namespace stratus::mail {
namespace {

constexpr size_t kMaxConnections = 32;
constexpr size_t kMaxLine = 2000;
constexpr size_t kMaxRecipients = 50;
constexpr int kIdleSeconds = 60;

// Line reader over a blocking socket with a receive timeout.
struct Conn {
  int fd;
  std::string buf;
  bool closed = false;
  SSL* ssl = nullptr;  // after STARTTLS

  ~Conn() {
    if (!ssl) return;
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  ssize_t write_some(const char* p, size_t n) {
    if (!ssl) return ::send(fd, p, n, MSG_NOSIGNAL);
    int r = SSL_write(ssl, p, static_cast<int>(std::min<size_t>(n, 1 << 20)));
    return r > 0 ? r : -1;
  }
  ssize_t read_some(char* p, size_t n) {
    if (!ssl) return ::recv(fd, p, n, 0);
    int r = SSL_read(ssl, p, static_cast<int>(n));
    return r > 0 ? r : -1;
  }
  bool send(std::string_view s) {
    std::string line(s);
    line += "\r\n";
    size_t off = 0;
    while (off < line.size()) {
      ssize_t n = write_some(line.data() + off, line.size() - off);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // One line without its CRLF; false at the end of the connection, a timeout, or a line over
  // `limit` (then `too_long` is set and the rest of the line is consumed).
  bool line(std::string* out, size_t limit, bool* too_long = nullptr) {
    for (;;) {
      size_t nl = buf.find('\n');
      if (nl != std::string::npos) {
        size_t end = nl > 0 && buf[nl - 1] == '\r' ? nl - 1 : nl;
        if (end > limit) {
          if (too_long) *too_long = true;
          buf.erase(0, nl + 1);
          out->clear();
          return true;
        }
        out->assign(buf, 0, end);
        buf.erase(0, nl + 1);
        return true;
      }
      if (buf.size() > limit + 2) {
        // Drop what we have of the long line and keep reading until its end.
        if (too_long) *too_long = true;
        buf.clear();
      }
      char tmp[16384];
      ssize_t n = read_some(tmp, sizeof tmp);
      if (n <= 0) {
        closed = true;
        return false;
      }
      buf.append(tmp, static_cast<size_t>(n));
    }
  }
};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "<a@b>" or "a@b" (with optional parameters after) -> "a@b"; "" when there is no path.
std::string path_of(std::string_view arg) {
  size_t i = 0;
  while (i < arg.size() && arg[i] == ' ') ++i;
  arg.remove_prefix(i);
  if (!arg.empty() && arg[0] == '<') {
    size_t gt = arg.find('>');
    return gt == std::string_view::npos ? std::string() : std::string(arg.substr(1, gt - 1));
  }
  return std::string(arg.substr(0, arg.find(' ')));
}

}  // namespace

std::string SmtpServer::start(const std::string& host, uint16_t port, SmtpHooks hooks) {
  hooks_ = std::move(hooks);
  if (!hooks_.tls_cert_pem.empty()) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    BIO* cb = BIO_new_mem_buf(hooks_.tls_cert_pem.data(), static_cast<int>(hooks_.tls_cert_pem.size()));
    BIO* kb = BIO_new_mem_buf(hooks_.tls_key_pem.data(), static_cast<int>(hooks_.tls_key_pem.size()));
    X509* cert = cb ? PEM_read_bio_X509(cb, nullptr, nullptr, nullptr) : nullptr;
    EVP_PKEY* key = kb ? PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr) : nullptr;
    bool ok = ctx && cert && key && SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
              SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
    if (!ok) {
      SSL_CTX_free(ctx);
      return "the STARTTLS certificate or key is not usable";
    }
    tls_ = ctx;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return "not an IPv4 address: " + host;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return err;
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listen_fd_ = fd;
  stopping_ = false;
  acceptor_ = std::thread([this] { accept_loop(); });
  return {};
}

void SmtpServer::stop() {
  if (listen_fd_ < 0) {
    SSL_CTX_free(tls_);
    tls_ = nullptr;
    return;
  }
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
  std::vector<Session> threads;
  {
    std::lock_guard lk(mu_);
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(sessions_);
  }
  for (auto& t : threads)
    if (t.thread.joinable()) t.thread.join();
  SSL_CTX_free(tls_);
  tls_ = nullptr;
}

void SmtpServer::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval tv{kIdleSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::vector<Session> finished;
    std::unique_lock lk(mu_);
    for (size_t i = 0; i < sessions_.size();) {
      if (sessions_[i].done->load()) {
        finished.push_back(std::move(sessions_[i]));
        sessions_[i] = std::move(sessions_.back());
        sessions_.pop_back();
      } else {
        ++i;
      }
    }
    if (open_.size() >= kMaxConnections) {
      lk.unlock();
      Conn c{fd, {}};
      c.send("421 Too many concurrent SMTP connections");
      ::close(fd);
      for (auto& f : finished) f.thread.join();
      continue;
    }
    open_.insert(fd);
    // Finished sessions' threads are joined here (above, after the lock) and at stop().
    auto done = std::make_shared<std::atomic<bool>>(false);
    sessions_.push_back({std::thread([this, fd, done] {
                           session(fd);
                           {
                             std::lock_guard l(mu_);
                             open_.erase(fd);
                             ::close(fd);
                           }
                           done->store(true);
                         }),
                         done});
    lk.unlock();
    for (auto& f : finished) f.thread.join();
  }
}

void SmtpServer::session(int fd) {
  Conn c{fd, {}};
  if (!c.send("220 " + hooks_.greeting_host + " ESMTP SimpleEmailService-stratus")) return;
  std::string who, from, line;
  bool authed = false, have_from = false;
  std::vector<std::string> rcpt;
  auto reset = [&] {
    have_from = false;
    from.clear();
    rcpt.clear();
  };
  auto check = [&](const std::string& user, const std::string& pass) {
    std::string w;
    if (hooks_.auth && hooks_.auth(user, pass, &w)) {
      authed = true;
      who = w;
      return c.send("235 Authentication successful.");
    }
    return c.send("535 Authentication Credentials Invalid");
  };
  while (!stopping_) {
    bool too_long = false;
    if (!c.line(&line, kMaxLine, &too_long)) return;
    if (too_long) {
      if (!c.send("500 Line too long")) return;
      continue;
    }
    std::string verb = upper(line.substr(0, line.find(' ')));
    std::string arg = line.find(' ') == std::string::npos ? "" : line.substr(line.find(' ') + 1);
    bool ok = true;
    if (verb == "EHLO") {
      reset();
      ok = c.send("250-" + hooks_.greeting_host) && c.send("250-8BITMIME") &&
           c.send("250-SIZE " + std::to_string(hooks_.max_message_bytes)) &&
           (!tls_ || c.ssl || c.send("250-STARTTLS")) && c.send("250-AUTH PLAIN LOGIN") && c.send("250 Ok");
    } else if (verb == "HELO") {
      reset();
      ok = c.send("250 " + hooks_.greeting_host);
    } else if (verb == "AUTH") {
      std::string mech = upper(arg.substr(0, arg.find(' ')));
      std::string initial = arg.find(' ') == std::string::npos ? "" : arg.substr(arg.find(' ') + 1);
      if (authed) {
        ok = c.send("503 Already authenticated");
      } else if (mech == "PLAIN") {
        if (initial.empty()) {
          if (!c.send("334 ") || !c.line(&initial, kMaxLine)) return;
        }
        auto dec = enc::base64_decode(initial);
        size_t a = dec ? dec->find('\0') : std::string::npos;
        size_t b = a == std::string::npos ? a : dec->find('\0', a + 1);
        if (b == std::string::npos)
          ok = c.send("501 Invalid AUTH PLAIN response");
        else
          ok = check(dec->substr(a + 1, b - a - 1), dec->substr(b + 1));
      } else if (mech == "LOGIN") {
        std::string u = initial, p;
        if (u.empty() && (!c.send("334 VXNlcm5hbWU6") || !c.line(&u, kMaxLine))) return;
        if (!c.send("334 UGFzc3dvcmQ6") || !c.line(&p, kMaxLine)) return;
        auto du = enc::base64_decode(u), dp = enc::base64_decode(p);
        if (!du || !dp)
          ok = c.send("501 Invalid base64 data");
        else
          ok = check(*du, *dp);
      } else {
        ok = c.send("504 Unrecognized authentication type");
      }
    } else if (verb == "MAIL") {
      if (!authed)
        ok = c.send("530 Authentication required");
      else if (upper(arg).rfind("FROM:", 0) != 0)
        ok = c.send("501 Syntax: MAIL FROM:<address>");
      else if (have_from)
        ok = c.send("503 Sender already specified");
      else {
        from = path_of(arg.substr(5));
        have_from = true;
        ok = c.send("250 Ok");
      }
    } else if (verb == "RCPT") {
      if (!have_from)
        ok = c.send("503 Error: need MAIL command");
      else if (upper(arg).rfind("TO:", 0) != 0)
        ok = c.send("501 Syntax: RCPT TO:<address>");
      else if (rcpt.size() >= kMaxRecipients)
        ok = c.send("452 Too many recipients");
      else {
        std::string to = path_of(arg.substr(3));
        if (to.find('@') == std::string::npos)
          ok = c.send("553 <" + to + "> address unknown");
        else {
          rcpt.push_back(to);
          ok = c.send("250 Ok");
        }
      }
    } else if (verb == "DATA") {
      if (rcpt.empty()) {
        ok = c.send("503 Error: need RCPT command");
      } else {
        if (!c.send("354 End data with <CR><LF>.<CR><LF>")) return;
        std::string data, l;
        bool over = false;
        for (;;) {
          bool long_line = false;
          if (!c.line(&l, hooks_.max_message_bytes, &long_line)) return;
          if (long_line) over = true;
          if (l == ".") break;
          if (!l.empty() && l[0] == '.') l.erase(0, 1);
          if (!over && data.size() + l.size() + 2 > hooks_.max_message_bytes) over = true;
          if (!over) data += l + "\r\n";
        }
        if (over)
          ok = c.send("552 Message is too long.");
        else
          ok = c.send(hooks_.deliver ? hooks_.deliver(who, from, rcpt, std::move(data))
                                     : "451 Temporary service failure");
        reset();
      }
    } else if (verb == "RSET") {
      reset();
      ok = c.send("250 Ok");
    } else if (verb == "NOOP") {
      ok = c.send("250 Ok");
    } else if (verb == "QUIT") {
      c.send("221 Bye");
      return;
    } else if (verb == "STARTTLS") {
      if (!tls_) {
        ok = c.send("454 TLS not available");
      } else if (c.ssl) {
        ok = c.send("503 TLS already active");
      } else {
        if (!c.send("220 Ready to start TLS")) return;
        // RFC 3207: nothing sent before the handshake counts, and the session starts over.
        c.buf.clear();
        c.ssl = SSL_new(tls_);
        if (!c.ssl || SSL_set_fd(c.ssl, fd) != 1 || SSL_accept(c.ssl) != 1) {
          ERR_clear_error();
          return;
        }
        authed = false;
        who.clear();
        reset();
      }
    } else {
      ok = c.send("502 Command not implemented");
    }
    if (!ok) return;
  }
}

}  // namespace stratus::mail
