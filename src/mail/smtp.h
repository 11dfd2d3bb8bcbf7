// A minimal SMTP client (RFC 5321 without TLS or AUTH) for relaying the mailbox to a real
// mail server (`serve --smtp-relay HOST:PORT`, e.g. a local MailHog or Postfix).
#pragma once

#include <string>

namespace stratus::smtp {

struct Message {
  std::string from;     // bare address: no-reply@sns.amazonaws.com
  std::string to;       // bare address
  std::string headers;  // "From: ...\r\nTo: ...\r\nSubject: ...\r\n" (without the blank line)
  std::string body;     // text; lines are dot-stuffed and CRLF-terminated here
};

// Sends one message to host:port. Returns "" on success, else what went wrong.
std::string send(const std::string& host_port, const Message& m, int timeout_ms = 10000);

// The address inside "Name <addr>", or the whole text.
std::string bare_address(const std::string& s);

}  // namespace stratus::smtp
