// Multipart uploads: the upload records, their parts, and the completion that turns them into
// one object through Store::put_object.
//
//   Multipart mp(engine, store);
//   Upload u = mp.create(bucket, key, template_version, now_ms);        // s3.uploads
//   Part p = mp.put_part(u, 1, data_ref, size, md5_hex, checksum, now); // s3.parts (+ s3.files)
//   ObjectVersion v = mp.complete(bucket, u, listed_parts, now, check);
//
// Durability: a part's data file is referenced (s3.files) in the batch that records the part,
// and unreferenced in the batch that forgets it (replacement, abort, completion), the files
// being unlinked after that commit. Completion writes the object's data into a new, unreferenced
// file, then commits in one batch the object version, its reference, and the removal of the
// upload, its parts and their references (the batch requires the upload record): a kill -9
// leaves the upload with its parts, or the object; the start-up sweep deletes unreferenced files.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "services/s3/store.h"

namespace stratus::s3 {

struct Upload {
  std::string bucket, key, upload_id;
  int64_t initiated_ms = 0;
  ObjectVersion object;  // metadata, tags, storage class, owner, checksum algorithm and type
};

struct Part {
  uint64_t number = 0;
  uint64_t size = 0;
  std::string etag;      // md5 hex, no quotes
  std::string checksum;  // base64 of the upload's checksum algorithm ("" none)
  int64_t last_modified_ms = 0;
  DataRef data;
};

// A part as CompleteMultipartUpload lists it.
struct ListedPart {
  uint64_t number = 0;
  std::string etag;      // without quotes
  std::string checksum;  // the upload's algorithm, "" when not given
};

class Multipart {
 public:
  static constexpr uint64_t kMinPartSize = 5ull << 20;
  static constexpr uint64_t kMaxParts = 10000;

  Multipart(storage::Engine& engine, Store& store) : engine_(engine), store_(store) {}

  Upload create(const Bucket& b, std::string_view key, ObjectVersion object, int64_t now_ms);
  // NoSuchUpload unless the upload exists for that bucket and key.
  Upload require(std::string_view bucket, std::string_view key, std::string_view upload_id) const;
  // Records (or replaces) a part; takes ownership of data (discarded on failure).
  Part put_part(const Upload& u, Part part);
  std::vector<Part> parts(std::string_view upload_id, uint64_t after = 0, size_t limit = SIZE_MAX) const;
  // Removes the upload and its parts (NoSuchUpload when absent).
  void abort(std::string_view bucket, std::string_view key, std::string_view upload_id);
  // Validates the list (InvalidPartOrder, InvalidPart, EntityTooSmall), assembles the data,
  // commits the object and removes the upload in one batch. mpu_size: x-amz-mp-object-size;
  // expected_checksum: the object checksum the request states (BadDigest when it differs).
  ObjectVersion complete(const Bucket& b, const Upload& u, const std::vector<ListedPart>& listed, int64_t now_ms,
                         const Store::Check& check, std::optional<uint64_t> mpu_size,
                         std::string_view expected_checksum = {});
  // Uploads of a bucket with key >= from (> (from, after_id) when after_id is set), by key then id.
  void scan(std::string_view bucket, std::string_view prefix, std::string_view from, std::string_view after_id,
            const std::function<bool(const Upload&)>& fn) const;

 private:
  storage::Engine& engine_;
  Store& store_;
};

AwsError no_such_upload(std::string_view upload_id);

// The multipart ETag: MD5 of the concatenated binary MD5s of the parts, "-N".
std::string multipart_etag(const std::vector<std::string>& part_md5_hex);
// A composite checksum: the algorithm over the concatenated raw part checksums, base64, "-N".
std::string composite_checksum(std::string_view algorithm, const std::vector<std::string>& part_checksums_b64);

}  // namespace stratus::s3
