#include "auth/sealing.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace stratus::auth {
namespace {

constexpr std::string_view kMagic{"\0SLD", 4};
constexpr unsigned char kVersionDataDirKey = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kHeaderBytes = 4 + 1 + kNonceBytes;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::runtime_error sys_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

std::string read_key(int fd, const std::string& path) {
  std::string key(kSealingKeyBytes + 1, '\0');  // one more: a longer file is refused
  size_t got = 0;
  while (got < key.size()) {
    ssize_t n = ::read(fd, key.data() + got, key.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("cannot read", path);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got != kSealingKeyBytes)
    throw std::runtime_error(path + " is not a Stratus key (" + std::to_string(kSealingKeyBytes) +
                             " bytes)");
  key.resize(got);
  return key;
}

// This thread's AES-256-GCM context for `key`, one for sealing and one for unsealing: the cipher
// fetched and the key schedule computed once, so a seal or unseal only sets its nonce (a fresh
// context per call fetched the cipher through OpenSSL 3's name maps and expanded the key again:
// a sealed Cognito refresh token cost ~10 us). Dropped after any failure; rekeyed when another key
// comes (tests run servers with different keys in one process).
struct Gcm {
  CipherCtx ctx{nullptr, &EVP_CIPHER_CTX_free};
  std::string key;
};
Gcm& gcm_slot(bool encrypt) {
  thread_local Gcm enc, dec;
  return encrypt ? enc : dec;
}
// The slot's context keyed with `key` and set to `nonce`; nullptr when OpenSSL fails.
EVP_CIPHER_CTX* gcm(bool encrypt, std::string_view key, const unsigned char* nonce) {
  Gcm& g = gcm_slot(encrypt);
  if (!g.ctx || g.key != key) {
    g.key.clear();
    g.ctx.reset(EVP_CIPHER_CTX_new());
    if (!g.ctx || EVP_CipherInit_ex(g.ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), nullptr, encrypt) != 1) {
      g.ctx.reset();
      return nullptr;
    }
    g.key.assign(key);
  }
  if (EVP_CipherInit_ex(g.ctx.get(), nullptr, nullptr, nullptr, nonce, encrypt) != 1) {
    g.ctx.reset();
    return nullptr;
  }
  return g.ctx.get();
}

}  // namespace

std::string random_sealing_key() {
  std::string key(kSealingKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
    throw std::runtime_error("no random bytes for the sealing key");
  return key;
}

std::string load_or_create_sealing_key(const std::string& path) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      std::string key;
      try {
        key = read_key(fd, path);
      } catch (...) {
        ::close(fd);
        throw;
      }
      ::close(fd);
      return key;
    }
    if (errno != ENOENT) throw sys_error("cannot open", path);
    // Written under a temporary name and linked into place, so a crash never leaves a short key
    // file behind; O_EXCL on the link makes a concurrent first start keep one key.
    std::string key = random_sealing_key();
    std::string tmp = path + ".tmp" + std::to_string(::getpid());
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw sys_error("cannot create", tmp);
    bool ok =
        ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(tmp.c_str());
      throw sys_error("cannot write", tmp);
    }
    int linked = ::link(tmp.c_str(), path.c_str());
    int link_errno = errno;
    ::unlink(tmp.c_str());
    if (linked == 0) return key;
    if (link_errno != EEXIST) {
      errno = link_errno;
      throw sys_error("cannot create", path);
    }
    // Another process created it first: read theirs.
  }
  throw std::runtime_error("cannot create " + path);
}

bool is_sealed(std::string_view value) {
  return value.substr(0, kMagic.size()) == kMagic;
}

std::string seal(std::string_view key, std::string_view plaintext, std::string_view associated) {
  std::string out(kHeaderBytes + plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::memcpy(o, kMagic.data(), kMagic.size());
  o[kMagic.size()] = kVersionDataDirKey;
  unsigned char* nonce = o + kMagic.size() + 1;
  if (key.size() != kSealingKeyBytes || RAND_bytes(nonce, kNonceBytes) != 1) throw std::runtime_error("sealing failed");
  EVP_CIPHER_CTX* ctx = gcm(true, key, nonce);
  int n = 0;
  bool ok = ctx && EVP_EncryptUpdate(ctx, nullptr, &n, bytes(associated), static_cast<int>(associated.size())) == 1 &&
            EVP_EncryptUpdate(ctx, o + kHeaderBytes, &n, bytes(plaintext), static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, o + kHeaderBytes + n, &n) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, o + kHeaderBytes + plaintext.size()) == 1;
  if (!ok) {
    gcm_slot(true).ctx.reset();
    throw std::runtime_error("sealing failed");
  }
  return out;
}

std::optional<std::string> unseal(std::string_view key, std::string_view sealed,
                                  std::string_view associated) {
  if (!is_sealed(sealed) || sealed.size() < kHeaderBytes + kTagBytes ||
      key.size() != kSealingKeyBytes)
    return std::nullopt;
  if (static_cast<unsigned char>(sealed[kMagic.size()]) != kVersionDataDirKey) return std::nullopt;
  const unsigned char* nonce = bytes(sealed) + kMagic.size() + 1;
  std::string_view body = sealed.substr(kHeaderBytes, sealed.size() - kHeaderBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::string out(body.size(), '\0');
  EVP_CIPHER_CTX* ctx = gcm(false, key, nonce);
  int n = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  bool ok = ctx && EVP_DecryptUpdate(ctx, nullptr, &n, bytes(associated), static_cast<int>(associated.size())) == 1 &&
            EVP_DecryptUpdate(ctx, o, &n, bytes(body), static_cast<int>(body.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx, o + n, &n) == 1;
  if (!ok) {
    gcm_slot(false).ctx.reset();  // a failed tag check is the common failure: start the next one clean
    return std::nullopt;
  }
  return out;
}

}  // namespace stratus::auth
