#include "http/message.h"

#include <algorithm>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/encoding.h"

namespace stratus::http {
namespace {
// ASCII only: header names are tokens, and std::tolower's locale lookup is per character.
std::vector<std::pair<std::string, std::string>> split_pairs(std::string_view raw, bool plus_space) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view kv = raw.substr(0, amp);
    if (!kv.empty()) {
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos)
        out.emplace_back(enc::uri_decode(kv, plus_space), "");
      else
        out.emplace_back(enc::uri_decode(kv.substr(0, eq), plus_space),
                         enc::uri_decode(kv.substr(eq + 1), plus_space));
    }
    if (amp == std::string_view::npos) break;
    raw.remove_prefix(amp + 1);
  }
  return out;
}
}  // namespace

void Headers::add(std::string_view name, std::string_view value) {
  items_.emplace_back(enc::ascii_lower(name), std::string(value));
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void Headers::remove(std::string_view name) {
  std::string n = enc::ascii_lower(name);
  items_.erase(std::remove_if(items_.begin(), items_.end(), [&](const auto& p) { return p.first == n; }),
               items_.end());
}

const std::string* Headers::find(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (k == name) return &v;
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view raw) {
  return split_pairs(raw, true);
}

std::vector<std::pair<std::string, std::string>> parse_form(std::string_view raw) {
  return split_pairs(raw, true);
}

BodyFile::~BodyFile() {
  if (fd >= 0) ::close(fd);
}

std::string BodyFile::read(uint64_t offset, size_t n) const {
  std::string out;
  if (offset >= size) return out;
  n = static_cast<size_t>(std::min<uint64_t>(n, size - offset));
  out.resize(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, out.data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) throw std::runtime_error(std::string("spooled body: read failed: ") + std::strerror(errno));
    got += static_cast<size_t>(r);
  }
  return out;
}

}  // namespace stratus::http
