// GetRandomPassword's generator (pure; unit tested): characters drawn with a CSPRNG from the
// included classes, at least one of each included class unless RequireEachIncludedType is false.
#pragma once

#include <cstdint>
#include <string>

namespace stratus::secretsmanager {

struct PasswordOptions {
  int64_t length = 32;
  std::string exclude_characters;
  bool exclude_numbers = false, exclude_uppercase = false, exclude_lowercase = false, exclude_punctuation = false;
  bool include_space = false;
  bool require_each = true;
};

// Throws InvalidParameterException when no character is left to choose from or the length
// can't hold one of each required class.
std::string random_password(const PasswordOptions& o);

}  // namespace stratus::secretsmanager
