// Spooling of large request bodies to disk: operations whose input payload is a streaming blob
// (S3 PutObject/UploadPart, Lambda InvokeAsync) receive their body as an http::BodyFile rather
// than a string, so a multi-GB upload never sits in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.h"

namespace stratus {

// Writes a body piece by piece into an unnamed file (O_TMPFILE in `dir`), digesting it as it
// goes (what `digests` asks for: each piece is hashed while it is in cache, in one pass).
// Throws AwsError (500 InternalFailure) when the file can't be created or written.
class SpoolWriter {
 public:
  explicit SpoolWriter(const std::string& dir, const http::BodyDigests& digests = {});
  ~SpoolWriter();
  SpoolWriter(const SpoolWriter&) = delete;
  SpoolWriter& operator=(const SpoolWriter&) = delete;

  void write(std::string_view piece);
  // Flushes and hands the file over; the writer is empty afterwards.
  std::shared_ptr<const http::BodyFile> finish();
  // A digest of the body computed elsewhere (the aws-chunked decoder's verified trailer checksum).
  void set_checksum(std::string algorithm, std::string b64);

 private:
  void flush_buffer();
  void write_out(std::string_view bytes);
  std::shared_ptr<http::BodyFile> file_;
  std::string buffer_;  // coalesces small pieces into large writes
  struct Hash;
  std::unique_ptr<Hash> hash_;
};

// The decoded body as bytes: `body` itself, or the spooled file read whole (callers check the
// size first; this is for payloads small enough to handle in memory).
std::string body_bytes(const http::Request& req);

}  // namespace stratus
