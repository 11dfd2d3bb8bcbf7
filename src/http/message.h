// Protocol-neutral HTTP messages. Only src/http/ sees Beast; everything else sees these.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::http {

// Header list; names are stored lower-case (HTTP names are case-insensitive), order kept.
class Headers {
 public:
  void add(std::string_view name, std::string_view value);
  void reserve(size_t n) { items_.reserve(n); }
  void set(std::string_view name, std::string_view value);  // replaces all values of name
  void remove(std::string_view name);
  // First value of name, or nullptr. name must be lower-case.
  const std::string* find(std::string_view name) const;
  std::string get(std::string_view name, std::string_view dflt = {}) const {
    const std::string* v = find(name);
    return v ? *v : std::string(dflt);
  }
  bool has(std::string_view name) const { return find(name) != nullptr; }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  size_t size() const { return items_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// A request body kept in an anonymous temporary file instead of in memory (operations whose
// payload is a streaming blob, when the body is large or of unknown length). The file has no
// name (O_TMPFILE), so it disappears with its descriptor, even after kill -9.
// What a spooled body is digested with as it arrives (one pass, on the connection's thread).
struct BodyDigests {
  bool sha256 = true;    // for x-amz-content-sha256 (not needed for UNSIGNED-PAYLOAD / STREAMING-*)
  bool md5 = false;      // S3's ETag
  std::string checksum;  // a flexible checksum algorithm, lower-case ("crc64nvme"); "" none
};

struct BodyFile {
  int fd = -1;
  uint64_t size = 0;
  std::string sha256_hex;  // of the decoded body, for x-amz-content-sha256 checks ("" not computed)
  // Digests computed as the body arrived, when the operation asked for them (S3: the ETag's MD5
  // and a flexible checksum); empty when not computed.
  std::string md5_raw;
  std::string checksum_algorithm;  // lower-case ("crc64nvme")
  std::string checksum_b64;
  BodyFile() = default;
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;
  ~BodyFile();
  // Reads up to n bytes at offset; throws std::runtime_error on I/O errors.
  std::string read(uint64_t offset, size_t n) const;
};

struct Request {
  std::string method;        // "GET", "POST", ...
  std::string target;        // raw request-target as received ("/a%20b?x=1")
  std::string path;          // raw (still percent-encoded) path part of target
  std::string query;         // raw query string after '?', without '?'
  Headers headers;
  std::string body;          // the decoded body (chunked/aws-chunked framing removed)
  // Hex SHA-256 of the body as sent, set when `body` no longer holds those bytes (the front door
  // decoded its Content-Encoding): SigV4's payload hash covers what the client sent.
  std::string wire_sha256;
  std::shared_ptr<const BodyFile> body_file;  // set instead of `body` for spooled bodies
  std::string remote_addr;
  uint16_t local_port = 0;   // the server port the connection came in on (Server::open_port)
  int64_t received_at_ms = 0;
  // Filled by the front door.
  std::string host() const { return headers.get("host"); }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // A body served from a file instead of `body` (S3 GetObject): `file_length` bytes from
  // `file_offset` of `file`, written after `body` with sendfile(2) in slices, never read into
  // memory. Content-Length is `body` plus `file_length` unless a header sets it.
  std::shared_ptr<const BodyFile> file;
  uint64_t file_offset = 0, file_length = 0;
};

// Splits a raw query string into decoded (key, value) pairs, in order. "a&b=" gives
// ("a",""),("b","").
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view raw);
// Decodes an application/x-www-form-urlencoded body ('+' is a space).
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view raw);

}  // namespace stratus::http
