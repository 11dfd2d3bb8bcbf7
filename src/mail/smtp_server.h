// A small SMTP server (RFC 5321 with AUTH PLAIN/LOGIN, RFC 4954, and STARTTLS, RFC 3207, when given
// a certificate) for applications that
// send mail through SMTP instead of an API: SES's SMTP endpoint (`serve --smtp-port`). The
// protocol only: who may log in and what happens to a message are the owner's hooks.
//
//   mail::SmtpServer smtp;
//   std::string err = smtp.start("127.0.0.1", 2525, {.auth = ..., .deliver = ...});
//   ...
//   smtp.stop();
//
// Bounds: 32 connections at once (more get 421), 60 s without a line ends a connection, a
// command line is at most 2,000 bytes, a message at most max_message_bytes (552 after), at most
// 50 recipients per message (452 after). Each connection has its own thread; stop() closes them
// all and joins.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

struct ssl_ctx_st;

namespace stratus::mail {

struct SmtpHooks {
  // Checks a user name and password; on success returns true and sets `who` (handed to deliver).
  std::function<bool(const std::string& user, const std::string& password, std::string* who)> auth;
  // Takes a message (data without the final "." line, dot-unstuffed, CRLF line ends) and returns
  // the whole reply line, e.g. "250 Ok <id>" or "554 Message rejected: ...".
  std::function<std::string(const std::string& who, const std::string& from, const std::vector<std::string>& to,
                            std::string data)>
      deliver;
  std::string greeting_host = "email-smtp.amazonaws.com";
  // PEM certificate and key: STARTTLS is offered (after it, the session starts over: EHLO, AUTH).
  // Empty: "454 TLS not available".
  std::string tls_cert_pem, tls_key_pem;
  size_t max_message_bytes = 10 * 1024 * 1024;
};

class SmtpServer {
 public:
  ~SmtpServer() { stop(); }
  // Listens on host:port (0: any free port); "" on success, else why not.
  std::string start(const std::string& host, uint16_t port, SmtpHooks hooks);
  uint16_t port() const { return port_; }
  void stop();

 private:
  void accept_loop();
  void session(int fd);

  SmtpHooks hooks_;
  ssl_ctx_st* tls_ = nullptr;  // with a certificate
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::set<int> open_;  // GUARDED_BY(mu_) connection sockets
  struct Session {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Session> sessions_;  // GUARDED_BY(mu_)
};

}  // namespace stratus::mail
