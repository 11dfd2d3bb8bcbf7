// MIME (RFC 5322 / 2045-2047) messages as SES reads and writes them: a bounded parser for raw
// messages (SendRawEmail, the SMTP endpoint; fuzzed by fuzz_mime) and a builder for the messages
// SES composes (SendEmail, templates, the verification mail).
//
//   mime::Message m = mime::parse(raw);          // throws mime::Error on malformed input
//   m.header("Subject"); mime::addresses(m.header("To"));
//   for (const auto& a : m.attachments()) ...   // filename, content type, decoded size
//
// Limits: at most 100 nested multipart levels' worth of work is bounded by depth 32 and 1,000
// parts; headers are unfolded; bodies are kept as bytes (not decoded) except for the attachment
// sizes, which decode base64.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::mime {

// A malformed message; what() is the text SES answers with (InvalidParameterValue).
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Part {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded, in order
  std::string content_type;                                  // lower case "type/subtype" ("text/plain" default)
  std::string boundary, charset, filename, disposition;      // parameters, disposition type lower case
  std::string body;                                          // raw body (leaves only)
  std::vector<Part> parts;                                   // multipart children
  // The first header named so (case-insensitive), or "".
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct Attachment {
  std::string filename, content_type;
  size_t size = 0;  // decoded bytes
};

struct Message : Part {
  // The first text/plain and text/html leaves (decoded from quoted-printable / base64).
  std::string text() const;
  std::string html() const;
  std::vector<Attachment> attachments() const;
};

Message parse(std::string_view raw);

// "A <a@x>, b@y, \"C, D\" <c@z>" -> {"A <a@x>", "b@y", "\"C, D\" <c@z>"} (empty entries dropped).
std::vector<std::string> addresses(std::string_view list);
// The address inside "Name <addr>", or the trimmed text.
std::string bare(std::string_view address);
// Why an address is not acceptable to SES ("" when it is): the javax.mail-style texts SES answers.
std::string address_problem(std::string_view address);

// Builds a message: headers (values encoded per RFC 2047 when not ASCII), then text and/or html
// (multipart/alternative when both), then attachments (multipart/mixed). Lines end with CRLF.
struct OutAttachment {
  std::string filename, content_type = "application/octet-stream", disposition = "attachment", content_id, description,
                        data;  // data: the raw bytes (written base64)
};
struct Simple {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string text, html, charset = "UTF-8";
  std::vector<OutAttachment> attachments;  // with attachments: multipart/mixed around the body
};
std::string build(const Simple& s);
// A text/plain message of these headers and text.
std::string build_text(std::vector<std::pair<std::string, std::string>> headers, std::string text);
// An RFC 2047 encoded word when `v` is not printable ASCII, else `v`.
std::string encode_header_value(std::string_view v);
// The body content decoded according to Content-Transfer-Encoding.
std::string decode_body(const Part& p);

}  // namespace stratus::mime
