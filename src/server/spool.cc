#include "server/spool.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "auth/checksum.h"
#include "core/encoding.h"
#include "core/error.h"

namespace stratus {

namespace {
constexpr size_t kWriteChunk = 256 << 10;
// Pieces at least this large are written as they are, without a copy into the buffer.
constexpr size_t kDirectWrite = 32 << 10;

struct MdCtx {
  EVP_MD_CTX* ctx = nullptr;
  void init(const EVP_MD* md) {
    ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, md, nullptr);
  }
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
  std::string final_raw() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    return std::string(reinterpret_cast<const char*>(md), len);
  }
};
}  // namespace

struct SpoolWriter::Hash {
  MdCtx sha256, md5;
  std::unique_ptr<auth::Checksum> checksum;
  std::string checksum_name;
  explicit Hash(const http::BodyDigests& d) {
    if (d.sha256) sha256.init(EVP_sha256());
    if (d.md5) {
      static EVP_MD* const fetched = EVP_MD_fetch(nullptr, "MD5", nullptr);
      md5.init(fetched ? fetched : EVP_md5());
    }
    if (!d.checksum.empty() && (checksum = auth::Checksum::make(d.checksum))) checksum_name = d.checksum;
  }
  void update(std::string_view piece) {
    if (sha256.ctx) EVP_DigestUpdate(sha256.ctx, piece.data(), piece.size());
    if (md5.ctx) EVP_DigestUpdate(md5.ctx, piece.data(), piece.size());
    if (checksum) checksum->update(piece);
  }
};

SpoolWriter::SpoolWriter(const std::string& dir, const http::BodyDigests& digests)
    : file_(std::make_shared<http::BodyFile>()), hash_(new Hash(digests)) {
  file_->fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (file_->fd < 0)
    throw AwsError("InternalFailure", "cannot spool the request body in " + dir + ": " + std::strerror(errno), 500);
}

SpoolWriter::~SpoolWriter() = default;

void SpoolWriter::write(std::string_view piece) {
  hash_->update(piece);
  file_->size += piece.size();
  if (buffer_.size() + piece.size() > kWriteChunk) flush_buffer();
  if (piece.size() >= kDirectWrite && buffer_.empty()) {
    write_out(piece);
  } else {
    if (buffer_.capacity() < kWriteChunk) buffer_.reserve(kWriteChunk);
    buffer_.append(piece);
  }
}

void SpoolWriter::write_out(std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(file_->fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0)
      throw AwsError("InternalFailure",
                     std::string("cannot spool the request body: ") + std::strerror(errno), 500);
    done += static_cast<size_t>(w);
  }
}

void SpoolWriter::flush_buffer() {
  write_out(buffer_);
  buffer_.clear();
}

void SpoolWriter::set_checksum(std::string algorithm, std::string b64) {
  file_->checksum_algorithm = std::move(algorithm);
  file_->checksum_b64 = std::move(b64);
}

std::shared_ptr<const http::BodyFile> SpoolWriter::finish() {
  flush_buffer();
  if (hash_->sha256.ctx) file_->sha256_hex = enc::hex(hash_->sha256.final_raw());
  if (hash_->md5.ctx) file_->md5_raw = hash_->md5.final_raw();
  if (hash_->checksum) set_checksum(hash_->checksum_name, hash_->checksum->base64());
  return std::move(file_);
}

std::string body_bytes(const http::Request& req) {
  if (req.body_file) return req.body_file->read(0, static_cast<size_t>(req.body_file->size));
  return req.body;
}

}  // namespace stratus
