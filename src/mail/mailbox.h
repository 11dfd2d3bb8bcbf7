// The mailbox: a durable store of everything the emulated cloud addresses to people (SNS email,
// email-json and SMS, Cognito codes and invitations; SES mail later), readable at
// GET /_stratus/mailbox. A layer of its own (src/mail/, below server and services): the server
// serves the route and enables the relay once (ServerContext::start_services), whatever
// services run; services write with deliver().
//
// Storage: keyspace "mailbox", key be64(timestamp ms) be64(sequence) so a scan is in arrival
// order; value a JSON object. Every function is thread safe (the engine is).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/doc.h"
#include "http/message.h"
#include "storage/engine.h"
#include "storage/keys.h"

namespace stratus::events {
class Queue;
}

namespace stratus::mailbox {

// Mail to people: arrival order. Listed in the keyspaces of every service that writes it.
inline constexpr storage::Keyspace kKeyspace{"mailbox", "u64(timestamp ms) u64(sequence) raw(mail id)",
                                             "mail record, JSON v1 (mailbox::Mail::to_doc)"};

struct Mail {
  std::string id;         // assigned by deliver() when empty
  int64_t timestamp_ms = 0;  // assigned by deliver() when 0
  std::string channel;    // "email", "email-json", "sms"
  std::string recipient;  // address or phone number
  std::string sender;     // "AWS Notifications <no-reply@sns.amazonaws.com>", "no-reply@verificationemail.com"
  std::string subject;
  std::string body;
  std::string source;     // what sent it: topic ARN, "sns:Publish", ...
  std::string raw;        // the whole RFC 5322 message when the sender composed one (SES), else ""
  Doc to_doc() const;
  // The message as a .eml file: `raw`, or one composed from the fields.
  std::string eml() const;
};

// Durable when it returns ok (with the relay on, so is its relay event).
storage::Status deliver(storage::Engine& engine, Mail mail);

// `serve --smtp-relay HOST:PORT`: every email (channels email and email-json) is also handed to
// that SMTP server. deliver() writes the mail and a durable "mailbox.smtp" event in one batch;
// the event's handler (on the events dispatcher, never on a request thread) sends it and retries
// with backoff (8 attempts). Call once at start, before the event queue starts.
void enable_relay(events::Queue& events, std::string host_port);
// Mail in arrival order; empty recipient = everyone; since_ms = only mail at or after it.
std::vector<Mail> list(storage::Engine& engine, const std::string& recipient = {}, int64_t since_ms = 0);
// Removes mail (of one recipient, or all).
storage::Status clear(storage::Engine& engine, const std::string& recipient = {});

// GET  /_stratus/mailbox?recipient=&since=   {"messages": [...]}   since: ISO 8601 or epoch ms
//      (a message with a raw MIME text lists "eml" (its URL) and "attachments" instead of "raw")
// GET  /_stratus/mailbox?id=ID                 the message as message/rfc822 (.eml)
// DELETE /_stratus/mailbox?recipient=        {"deleted": n}
void serve(storage::Engine& engine, const http::Request& req, http::Response& res);

}  // namespace stratus::mailbox
