#include "services/secretsmanager/password.h"

#include <openssl/rand.h>

#include <cstdint>
#include <vector>

#include "services/secretsmanager/errors.h"

namespace stratus::secretsmanager {

namespace {

// Uniform in [0, n) by rejection sampling.
uint32_t uniform(uint32_t n) {
  uint32_t limit = UINT32_MAX - UINT32_MAX % n;
  for (;;) {
    uint32_t r;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1)
      throw errors::internal_service_error("An error occurred on the server side.");
    if (r < limit) return r % n;
  }
}

}  // namespace

std::string random_password(const PasswordOptions& o) {
  static const std::string kLower = "abcdefghijklmnopqrstuvwxyz", kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                           kDigits = "0123456789", kPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  auto keep = [&](const std::string& set) {
    std::string out;
    for (char c : set)
      if (o.exclude_characters.find(c) == std::string::npos) out.push_back(c);
    return out;
  };
  std::vector<std::string> classes;
  if (!o.exclude_lowercase) classes.push_back(keep(kLower));
  if (!o.exclude_uppercase) classes.push_back(keep(kUpper));
  if (!o.exclude_numbers) classes.push_back(keep(kDigits));
  if (!o.exclude_punctuation) classes.push_back(keep(kPunct));
  if (o.include_space) classes.push_back(keep(" "));
  std::string all;
  std::vector<std::string> required;
  for (const auto& c : classes) {
    all += c;
    if (!c.empty()) required.push_back(c);
  }
  if (all.empty())
    throw errors::invalid_parameter("The password can't be generated: every character type is excluded.");
  if (o.require_each && static_cast<size_t>(o.length) < required.size())
    throw errors::invalid_parameter(
        "The password length is too short to include at least one character of every included type.");
  std::string pw;
  pw.reserve(static_cast<size_t>(o.length));
  for (int64_t i = 0; i < o.length; ++i) pw.push_back(all[uniform(static_cast<uint32_t>(all.size()))]);
  if (o.require_each) {
    // Put one character of each required class at distinct random positions.
    std::vector<size_t> positions;
    for (size_t i = 0; i < pw.size(); ++i) positions.push_back(i);
    for (const auto& c : required) {
      size_t k = uniform(static_cast<uint32_t>(positions.size()));
      pw[positions[k]] = c[uniform(static_cast<uint32_t>(c.size()))];
      positions.erase(positions.begin() + static_cast<long>(k));
    }
  }
  return pw;
}

}  // namespace stratus::secretsmanager
