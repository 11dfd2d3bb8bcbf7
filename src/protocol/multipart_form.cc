#include "protocol/multipart_form.h"

#include <algorithm>

namespace stratus::protocol {
namespace {

constexpr size_t kMaxHeaderBlock = 8 * 1024;  // one part's header lines
constexpr size_t kMaxPadding = 256;           // blanks between a boundary and its CRLF

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parameters of a header value: `form-data; name="key"; filename="a b.txt"`. Quoted strings
// may escape a quote or backslash with a backslash (browsers percent-encode them instead).
// Returns the value of `param` (case-insensitive name), or nullopt.
std::optional<std::string> header_param(std::string_view value, std::string_view param) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t eq = value.find_first_of("=;", i);
    if (eq == std::string_view::npos || value[eq] == ';') {
      i = eq;
      continue;
    }
    std::string_view name = trim(value.substr(i, eq - i));
    size_t j = eq + 1;
    while (j < value.size() && (value[j] == ' ' || value[j] == '\t')) ++j;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      ++j;
      bool closed = false;
      for (; j < value.size(); ++j) {
        char c = value[j];
        if (c == '\\' && j + 1 < value.size() && (value[j + 1] == '"' || value[j + 1] == '\\')) {
          v += value[++j];
        } else if (c == '"') {
          closed = true;
          ++j;
          break;
        } else {
          v += c;
        }
      }
      if (!closed) throw malformed_post_request();
      i = value.find(';', j);
    } else {
      size_t end = value.find(';', j);
      v = std::string(trim(value.substr(j, end == std::string_view::npos ? std::string_view::npos : end - j)));
      i = end;
    }
    if (iequals(name, param)) return v;
  }
  return std::nullopt;
}

AwsError pre_data_too_large(size_t max) {
  AwsError e("MaxPostPreDataLengthExceededError", "Your POST request fields preceeding the upload file was too large.",
             400);
  e.extra_json = "{\"MaxPostPreDataLength\":\"" + std::to_string(max) + "\"}";
  return e;
}

}  // namespace

AwsError malformed_post_request() {
  return AwsError("MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.", 400);
}

std::optional<std::string> MultipartForm::boundary_of(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  std::optional<std::string> b;
  try {
    b = header_param(content_type, "boundary");
  } catch (const AwsError&) {
    return std::nullopt;
  }
  if (!b || b->empty() || b->size() > 70) return std::nullopt;
  return b;
}

MultipartForm::MultipartForm(std::string boundary, Callbacks callbacks, size_t max_pre_data)
    : delimiter_("\r\n--" + boundary), cb_(std::move(callbacks)), max_pre_data_(max_pre_data) {
  buf_ = "\r\n";  // the first boundary may open the body: match it as a delimiter
}

const std::string* MultipartForm::field(std::string_view name) const {
  for (const auto& [k, v] : fields_)
    if (iequals(k, name)) return &v;
  return nullptr;
}

void MultipartForm::emit(std::string_view bytes) {
  if (bytes.empty()) return;
  switch (part_) {
    case PartKind::field:
      pre_data_ += bytes.size();
      if (pre_data_ > max_pre_data_) {
        throw pre_data_too_large(max_pre_data_);
      }
      part_value_.append(bytes);
      break;
    case PartKind::file:
      file_bytes_ += bytes.size();
      if (cb_.on_data) cb_.on_data(bytes);
      break;
    case PartKind::ignored:
      break;
  }
}

void MultipartForm::end_part() {
  if (part_ == PartKind::field) fields_.emplace_back(std::move(part_name_), std::move(part_value_));
  part_ = PartKind::ignored;
  part_name_.clear();
  part_value_.clear();
}

void MultipartForm::parse_headers(std::string_view block) {
  std::optional<std::string> name, filename;
  std::string type;
  bool disposition = false;
  while (!block.empty()) {
    size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 2);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) throw malformed_post_request();
    std::string_view hname = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (iequals(hname, "content-disposition")) {
      size_t semi = value.find(';');
      if (!iequals(trim(value.substr(0, semi)), "form-data")) throw malformed_post_request();
      disposition = true;
      name = header_param(value, "name");
      filename = header_param(value, "filename");
    } else if (iequals(hname, "content-type")) {
      type = std::string(value);
    }
  }
  if (!disposition || !name) throw malformed_post_request();
  if (has_file_) {
    part_ = PartKind::ignored;  // S3 ignores everything after the file
  } else if (iequals(*name, "file")) {
    part_ = PartKind::file;
    has_file_ = true;
    filename_ = filename.value_or("");
    file_type_ = std::move(type);
    if (cb_.on_file) cb_.on_file(*this);
  } else {
    part_ = PartKind::field;
    part_name_ = std::move(*name);
  }
}

void MultipartForm::feed(std::string_view data) {
  if (state_ == State::done) return;  // the epilogue is ignored
  buf_.append(data);
  size_t pos = 0;  // consumed bytes of buf_
  for (;;) {
    std::string_view rest = std::string_view(buf_).substr(pos);
    if (state_ == State::preamble || state_ == State::body) {
      size_t at = rest.find(delimiter_);
      if (at == std::string_view::npos) {
        // Keep what could still be the start of a delimiter.
        size_t keep = std::min(rest.size(), delimiter_.size() - 1);
        if (state_ == State::body) emit(rest.substr(0, rest.size() - keep));
        pos += rest.size() - keep;
        break;
      }
      if (state_ == State::body) {
        emit(rest.substr(0, at));
        end_part();
      }
      pos += at + delimiter_.size();
      state_ = State::after_boundary;
    } else if (state_ == State::after_boundary) {
      if (rest.size() < 2) break;
      if (rest.substr(0, 2) == "--") {
        state_ = State::done;
        buf_.clear();
        return;
      }
      size_t blank = 0;
      while (blank < rest.size() && (rest[blank] == ' ' || rest[blank] == '\t')) ++blank;
      if (blank > kMaxPadding) throw malformed_post_request();
      if (rest.size() < blank + 2) break;
      if (rest.substr(blank, 2) != "\r\n") throw malformed_post_request();
      pos += blank + 2;
      state_ = State::headers;
    } else if (state_ == State::headers) {
      size_t end;
      if (rest.substr(0, 2) == "\r\n") {
        end = 0;  // no header lines at all
      } else {
        size_t at = rest.find("\r\n\r\n");
        if (at == std::string_view::npos) {
          if (rest.size() > kMaxHeaderBlock) throw malformed_post_request();
          break;
        }
        end = at + 2;
      }
      if (end > kMaxHeaderBlock) throw malformed_post_request();
      if (rest.size() < end + 2) break;
      if (!has_file_) {
        pre_data_ += end;
        if (pre_data_ > max_pre_data_) {
          throw pre_data_too_large(max_pre_data_);
        }
      }
      std::string block(rest.substr(0, end));
      pos += end + 2;
      buf_.erase(0, pos);  // parse_headers may call on_file, which may throw: leave no stale state
      pos = 0;
      state_ = State::body;
      parse_headers(block);
    } else {
      break;
    }
  }
  buf_.erase(0, pos);
}

void MultipartForm::finish() {
  if (state_ != State::done) throw malformed_post_request();
}

}  // namespace stratus::protocol
