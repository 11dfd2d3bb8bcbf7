#include "server/spool.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/encoding.h"
#include "core/error.h"

namespace stratus {

namespace {
constexpr size_t kWriteChunk = 256 << 10;
}

struct SpoolWriter::Hash {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Hash() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~Hash() { EVP_MD_CTX_free(ctx); }
};

SpoolWriter::SpoolWriter(const std::string& dir)
    : file_(std::make_shared<http::BodyFile>()), hash_(new Hash) {
  file_->fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (file_->fd < 0)
    throw AwsError("InternalFailure",
                   "cannot spool the request body in " + dir + ": " + std::strerror(errno), 500);
  buffer_.reserve(kWriteChunk);
}

SpoolWriter::~SpoolWriter() = default;

void SpoolWriter::write(std::string_view piece) {
  EVP_DigestUpdate(hash_->ctx, piece.data(), piece.size());
  file_->size += piece.size();
  if (buffer_.size() + piece.size() > kWriteChunk) flush_buffer();
  if (piece.size() >= kWriteChunk) {
    buffer_.assign(piece);
    flush_buffer();
  } else {
    buffer_.append(piece);
  }
}

void SpoolWriter::flush_buffer() {
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t w = ::write(file_->fd, buffer_.data() + done, buffer_.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0)
      throw AwsError("InternalFailure",
                     std::string("cannot spool the request body: ") + std::strerror(errno), 500);
    done += static_cast<size_t>(w);
  }
  buffer_.clear();
}

std::shared_ptr<const http::BodyFile> SpoolWriter::finish() {
  flush_buffer();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(hash_->ctx, md, &len);
  file_->sha256_hex = enc::hex(std::string_view(reinterpret_cast<const char*>(md), len));
  return std::move(file_);
}

std::string body_bytes(const http::Request& req) {
  if (req.body_file) return req.body_file->read(0, static_cast<size_t>(req.body_file->size));
  return req.body;
}

}  // namespace stratus
