// Streaming multipart/form-data parser (RFC 7578) for S3's browser POST uploads.
//
//   MultipartForm form(*MultipartForm::boundary_of(content_type), {
//       .on_file = [&](const MultipartForm& f) { /* fields() complete: check the policy */ },
//       .on_data = [&](std::string_view bytes) { spool.write(bytes); }});
//   for (piece : body) form.feed(piece);
//   form.finish();
//
// Fields before the file part are kept (their bytes bounded: S3's
// MaxPostPreDataLengthExceededError); the file part ("file", as S3 names it) is streamed to
// on_data piece by piece, never held whole; every part after it is ignored, as S3 ignores the
// fields that follow the file. Malformed framing throws AwsError MalformedPOSTRequest.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace stratus::protocol {

class MultipartForm {
 public:
  struct Callbacks {
    // Once, when the file part's headers have been read (fields() holds every earlier field).
    // May throw to refuse the upload before any byte of the file is read.
    std::function<void(const MultipartForm&)> on_file;
    // The file's bytes, in order, as they arrive.
    std::function<void(std::string_view)> on_data;
  };
  // S3's bound on the bytes of the fields that precede the file.
  static constexpr size_t kMaxPreDataBytes = 20 * 1024;

  // The boundary parameter of a multipart/form-data Content-Type; nullopt when the type is not
  // multipart/form-data or the boundary is missing or invalid (1..70 characters).
  static std::optional<std::string> boundary_of(std::string_view content_type);

  MultipartForm(std::string boundary, Callbacks callbacks, size_t max_pre_data = kMaxPreDataBytes);
  void feed(std::string_view data);
  // End of body: throws MalformedPOSTRequest unless the closing boundary was seen.
  void finish();

  // Form fields before the file, in order (names as sent; S3 compares them case-insensitively).
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  // The first field named `name` (ASCII case-insensitive), or nullptr.
  const std::string* field(std::string_view name) const;
  bool has_file() const { return has_file_; }
  const std::string& filename() const { return filename_; }            // file part's filename=
  const std::string& file_content_type() const { return file_type_; }  // file part's Content-Type
  uint64_t file_bytes() const { return file_bytes_; }
  bool complete() const { return state_ == State::done; }

 private:
  enum class State { preamble, after_boundary, headers, body, done };
  void parse_headers(std::string_view block);
  void end_part();
  void emit(std::string_view bytes);

  std::string delimiter_;  // "\r\n--" + boundary
  Callbacks cb_;
  size_t max_pre_data_;
  State state_ = State::preamble;
  std::string buf_;
  size_t pre_data_ = 0;
  // The part being read.
  enum class PartKind { field, file, ignored } part_ = PartKind::ignored;
  std::string part_name_, part_value_;
  std::vector<std::pair<std::string, std::string>> fields_;
  bool has_file_ = false;
  std::string filename_, file_type_;
  uint64_t file_bytes_ = 0;
};

AwsError malformed_post_request();

}  // namespace stratus::protocol
