#include "auth/aws_chunked.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <vector>

#include "auth/checksum.h"
#include "auth/sigv4.h"
#include "core/encoding.h"

namespace stratus::auth {
namespace {

// A chunk header is "<hex size>;chunk-signature=<64 hex>\r\n" (under 100 bytes); anything near
// this bound is garbage or an attack on memory.
constexpr size_t kMaxLine = 4096;
constexpr size_t kMaxTrailerBytes = 16 * 1024;
// 15 hex digits: far above any S3 object size, and the value cannot overflow.
constexpr size_t kMaxSizeDigits = 15;
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kChecksumPrefix = "x-amz-checksum-";
constexpr std::string_view kAlgorithms[] = {"crc32", "crc32c", "crc64nvme", "sha1", "sha256"};

AwsError truncated() { return {"IncompleteBody", "The request body terminated unexpectedly", 400}; }
AwsError short_of_declared() {
  return {"IncompleteBody",
          "You did not provide the number of bytes specified by the Content-Length HTTP header.",
          400};
}
AwsError over_declared() {
  return {"InvalidRequest",
          "The decoded body is longer than the x-amz-decoded-content-length header specifies.",
          400};
}
AwsError bad_framing(std::string what) {
  return {"InvalidChunkSizeError", "Invalid aws-chunked encoding: " + std::move(what), 400};
}
AwsError bad_signature() {
  return {"SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided. Check your key and "
          "signing method.",
          403};
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

struct AwsChunkedDecoder::Impl {
  enum class State { header, data, data_cr, data_lf, final_cr, final_lf, trailer, done, failed };

  Sink sink;
  std::optional<SigningContext> signing;
  bool signed_chunks = false;
  bool has_trailer = false;
  std::string declared;  // algorithm named by x-amz-trailer, if any
  std::vector<std::pair<std::string, std::unique_ptr<Checksum>>> checksums;

  State state = State::header;
  std::string line;
  uint64_t remaining = 0;
  uint64_t decoded = 0;
  std::optional<uint64_t> expected;  // x-amz-decoded-content-length
  std::string chunk_signature;
  std::string previous_signature;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> chunk_hash;
  size_t trailer_bytes = 0;
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string trailer_signature;
  std::string checksum_name, checksum_value;
  std::optional<AwsError> error;  // once failed, the decoder keeps failing the same way

  void start_chunk_hash() {
    if (!chunk_hash) chunk_hash.reset(EVP_MD_CTX_new());
    if (!chunk_hash || EVP_DigestInit_ex(chunk_hash.get(), EVP_sha256(), nullptr) != 1)
      throw errors::internal("digest init failed");
  }

  std::string chunk_hash_hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(chunk_hash.get(), out, &len);
    return enc::hex(std::string_view(reinterpret_cast<char*>(out), len));
  }

  // The chunk string to sign of the S3 streaming spec; each chunk chains on the previous
  // signature, starting from the seed signature of the request's Authorization header.
  void verify_chunk(std::string_view data_sha256) {
    if (!signing) return;
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + signing->amz_date + "\n" + signing->scope + "\n" +
                      previous_signature + "\n" + std::string(kEmptySha256) + "\n" + std::string(data_sha256);
    std::string expected = signature(signing->signing_key, sts);
    if (!equal_ct(expected, chunk_signature)) throw bad_signature();
    previous_signature = std::move(expected);
  }

  // "<hex size>[;ext=value...]\r\n". Signed forms must carry chunk-signature.
  void on_header_line() {
    if (line.size() < 2 || line[line.size() - 2] != '\r') throw bad_framing("chunk header must end with CRLF");
    std::string_view l(line.data(), line.size() - 2);
    std::string_view size_part = l.substr(0, l.find(';'));
    if (size_part.empty() || size_part.size() > kMaxSizeDigits) throw bad_framing("bad chunk size");
    uint64_t size = 0;
    for (char c : size_part) {
      int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (v < 0) throw bad_framing("bad chunk size");
      size = size * 16 + static_cast<uint64_t>(v);
    }
    chunk_signature.clear();
    bool have_signature = false;
    for (std::string_view rest = l.substr(size_part.size()); !rest.empty();) {
      rest.remove_prefix(1);  // ';'
      std::string_view ext = rest.substr(0, rest.find(';'));
      rest.remove_prefix(ext.size());
      if (ext.substr(0, 16) == "chunk-signature=") {
        chunk_signature = std::string(ext.substr(16));
        have_signature = true;
      }
    }
    if (signed_chunks && !have_signature) throw bad_framing("chunk-signature missing");
    line.clear();
    if (signing) start_chunk_hash();
    if (size > 0) {
      remaining = size;
      state = State::data;
      return;
    }
    verify_chunk(kEmptySha256);
    state = has_trailer ? State::trailer : State::final_cr;
  }

  void on_data(std::string_view d) {
    if (expected && d.size() > *expected - decoded) throw over_declared();
    if (signing) EVP_DigestUpdate(chunk_hash.get(), d.data(), d.size());
    for (auto& [name, c] : checksums) c->update(d);
    decoded += d.size();
    sink(d);
  }

  void on_trailer_line() {
    if (line.size() < 2 || line[line.size() - 2] != '\r') throw bad_framing("trailer must end with CRLF");
    std::string_view l(line.data(), line.size() - 2);
    if (l.empty()) {
      line.clear();
      finish_trailers();
      state = State::done;
      return;
    }
    size_t colon = l.find(':');
    if (colon == std::string_view::npos) throw bad_framing("malformed trailer");
    std::string name(trim(l.substr(0, colon)));
    for (char& c : name)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    std::string value(trim(l.substr(colon + 1)));
    line.clear();
    if (name == "x-amz-trailer-signature")
      trailer_signature = std::move(value);
    else
      trailers.emplace_back(std::move(name), std::move(value));
  }

  void finish_trailers() {
    if (signed_chunks && signing) {
      // Signed trailer: its own string to sign over "name:value\n" of each trailer header.
      std::string canonical;
      for (const auto& [n, v] : trailers) canonical += n + ":" + v + "\n";
      std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + signing->amz_date + "\n" + signing->scope + "\n" +
                        previous_signature + "\n" + sha256_hex(canonical);
      if (!equal_ct(signature(signing->signing_key, sts), trailer_signature)) throw bad_signature();
    }
    for (const auto& [n, v] : trailers) {
      if (n.compare(0, kChecksumPrefix.size(), kChecksumPrefix) != 0) continue;
      std::string algorithm = n.substr(kChecksumPrefix.size());
      if (std::find(std::begin(kAlgorithms), std::end(kAlgorithms), algorithm) == std::end(kAlgorithms)) continue;
      auto it = std::find_if(checksums.begin(), checksums.end(), [&](const auto& p) { return p.first == algorithm; });
      if (it == checksums.end())
        throw AwsError("InvalidRequest", "The value specified in the x-amz-trailer header is not the trailer sent: " + n,
                       400);
      std::string expected_raw = it->second->digest();
      std::optional<std::string> sent = enc::base64_decode(v);
      if (!sent || sent->size() != expected_raw.size())
        throw AwsError("InvalidRequest", "Value for " + n + " header is invalid.", 400);
      if (!equal_ct(*sent, expected_raw))
        throw AwsError("BadDigest", "The " + upper(algorithm) + " you specified did not match the calculated checksum.",
                       400);
      checksum_name = n;
      checksum_value = v;
    }
  }

  void feed(std::string_view in) {
    while (!in.empty()) {
      switch (state) {
        case State::header:
        case State::trailer: {
          size_t nl = in.find('\n');
          size_t take = nl == std::string_view::npos ? in.size() : nl + 1;
          if (line.size() + take > kMaxLine) throw bad_framing("chunk header or trailer line too long");
          if (state == State::trailer && (trailer_bytes += take) > kMaxTrailerBytes)
            throw bad_framing("trailer too long");
          line.append(in.substr(0, take));
          in.remove_prefix(take);
          if (nl == std::string_view::npos) break;
          if (state == State::header)
            on_header_line();
          else
            on_trailer_line();
          break;
        }
        case State::data: {
          size_t n = static_cast<size_t>(std::min<uint64_t>(remaining, in.size()));
          on_data(in.substr(0, n));
          in.remove_prefix(n);
          remaining -= n;
          if (remaining == 0) {
            if (signing) verify_chunk(chunk_hash_hex());
            state = State::data_cr;
          }
          break;
        }
        case State::data_cr:
        case State::final_cr:
          if (in.front() != '\r') throw bad_framing("chunk data not followed by CRLF");
          in.remove_prefix(1);
          state = state == State::data_cr ? State::data_lf : State::final_lf;
          break;
        case State::data_lf:
        case State::final_lf:
          if (in.front() != '\n') throw bad_framing("chunk data not followed by CRLF");
          in.remove_prefix(1);
          state = state == State::data_lf ? State::header : State::done;
          break;
        case State::done:
          throw bad_framing("data after the final chunk");
        case State::failed:
          throw *error;
      }
    }
  }
};

AwsChunkedDecoder::AwsChunkedDecoder(std::string_view content_sha256, Sink sink,
                                     std::optional<SigningContext> signing, std::string_view x_amz_trailer)
    : impl_(std::make_shared<Impl>()) {
  Impl& m = *impl_;
  if (content_sha256 == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") {
    m.signed_chunks = true;
  } else if (content_sha256 == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") {
    m.signed_chunks = m.has_trailer = true;
  } else if (content_sha256 == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
    m.has_trailer = true;
  } else {
    throw AwsError("InvalidArgument",
                   "Unsupported x-amz-content-sha256 for aws-chunked: " + std::string(content_sha256), 400);
  }
  m.sink = std::move(sink);
  if (m.signed_chunks && signing) {
    m.signing = std::move(signing);
    m.previous_signature = m.signing->seed_signature;
  }
  if (m.has_trailer) {
    std::string_view declared = trim(x_amz_trailer);
    if (declared.substr(0, kChecksumPrefix.size()) == kChecksumPrefix) declared.remove_prefix(kChecksumPrefix.size());
    if (!declared.empty()) {
      if (auto c = Checksum::make(declared)) m.checksums.emplace_back(std::string(declared), std::move(c));
    } else {
      for (std::string_view a : kAlgorithms) m.checksums.emplace_back(std::string(a), Checksum::make(a));
    }
  }
}

std::optional<uint64_t> parse_decoded_length(std::string_view value) {
  if (value.empty() || value.size() > 19 ||
      value.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  uint64_t n = 0;
  for (char c : value) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

void AwsChunkedDecoder::expect_decoded_length(uint64_t n) {
  impl_->expected = n;
}

void AwsChunkedDecoder::feed(std::string_view data) {
  try {
    impl_->feed(data);
  } catch (const AwsError& e) {
    decoded_ = impl_->decoded;
    impl_->error = e;
    impl_->state = Impl::State::failed;
    throw;
  }
  decoded_ = impl_->decoded;
}

void AwsChunkedDecoder::finish() {
  if (impl_->state == Impl::State::failed) throw *impl_->error;
  if (impl_->state != Impl::State::done) throw truncated();
  if (impl_->expected && impl_->decoded < *impl_->expected) throw short_of_declared();
  checksum_name_ = impl_->checksum_name;
  checksum_value_ = impl_->checksum_value;
}

}  // namespace stratus::auth
