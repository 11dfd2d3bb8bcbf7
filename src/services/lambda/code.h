// Lambda deployment packages: content-addressed zip files and their extracted trees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

// The /opt view of a function's layers: root/../opt/<id>/ holding the extracted trees root/<hex>
// of `layers` merged in order (a later layer's file replaces an earlier one's, as Lambda extracts
// them into /opt), made of hard links, built once per list. Returns its path ("" for no layers).
std::string merge_layers(const std::string& root, const std::vector<std::string>& layers);

// Lambda's timestamp form: 2024-01-02T03:04:05.678+0000.
std::string lambda_timestamp(int64_t epoch_ms);

// Stratus runs with umask 077 (its data is its own), but function code, layers and runtime shims
// must stay readable by a sandbox that may run functions as another user: directories under
// `root` (and root itself) get r-x for everyone, files r-- (and x where the owner has it).
// recursive=false opens up root alone (a directory on the way to code).
void make_world_readable(const std::string& root, bool recursive = true);

}  // namespace stratus::lambda
