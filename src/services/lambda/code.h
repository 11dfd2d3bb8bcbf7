// Lambda deployment packages: content-addressed zip files and their extracted trees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace stratus::lambda {

struct StoredCode {
  std::string hex;        // sha256 of the zip, hex (directory and file names)
  std::string sha256_b64; // CodeSha256 as AWS reports it
  int64_t size = 0;       // zip bytes (CodeSize)
  int64_t unzipped = 0;
};

// Stores zip under root/<hex>.zip and extracts it to root/<hex>/ (atomically, once per content).
// Returns nullopt with *error set when the bytes are not a usable zip.
std::optional<StoredCode> store_zip(const std::string& root, const std::string& zip, std::string* error);

}  // namespace stratus::lambda
