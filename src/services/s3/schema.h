// S3's keyspaces and their keys. Every layout here is on disk: never change one, only add.
//
// Buckets are global (one namespace for all accounts and regions), so their keys carry no scope.
// An object key is stored as str(key): keys sort by their UTF-8 bytes as S3 lists them, and a
// key sorts before its extensions ("a" < "a/b"). Keys containing NUL are refused at the edge.
//
//   s3.buckets   raw(bucket)                          bucket record (JSON v1, store.h Bucket)
//   s3.config    str(bucket) raw(name)                one bucket subresource configuration per
//                                                     record (policy, cors, lifecycle, ...): the
//                                                     owner's own format, opaque to the store
//   s3.objects   str(bucket) str(key)                 the key's current version (may be a
//                                                     delete marker): ObjectVersion JSON v1
//   s3.versions  str(bucket) str(key) u64(~seq)       noncurrent versions, newest first
//   s3.blobs     raw(data id)                         data of small objects, inline
//   s3.files     raw(data id)                         "" for every data file a record references:
//                                                     the start-up sweep deletes files without one
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/keys.h"

namespace stratus::s3 {

inline constexpr storage::Keyspace kBuckets{"s3.buckets", "raw(bucket)", "bucket record, JSON v1 (store.h Bucket)"};
inline constexpr storage::Keyspace kConfig{"s3.config", "str(bucket) raw(name)",
                                           "bucket subresource configuration, owner-defined bytes"};
inline constexpr storage::Keyspace kObjects{"s3.objects", "str(bucket) str(key)",
                                            "current version of the key, JSON v1 (store.h ObjectVersion)"};
inline constexpr storage::Keyspace kVersions{"s3.versions", "str(bucket) str(key) u64(~seq)",
                                             "noncurrent version, JSON v1 (store.h ObjectVersion)"};
inline constexpr storage::Keyspace kBlobs{"s3.blobs", "raw(data id)", "object data of small objects, raw bytes"};
inline constexpr storage::Keyspace kFiles{"s3.files", "raw(data id)",
                                          "empty: the data file <data-dir>/s3/data/<id[0:2]>/<id> is referenced"};

// Multipart uploads (multipart.h): an upload's record, and its parts keyed by the upload id.
//   s3.uploads   str(bucket) str(key) raw(upload id)  upload record (JSON v1, multipart.h Upload)
//   s3.parts     str(upload id) u64(part number)      part record (JSON v1, multipart.h Part)
inline constexpr storage::Keyspace kUploads{"s3.uploads", "str(bucket) str(key) raw(upload id)",
                                            "multipart upload, JSON v1 (multipart.h Upload)"};
inline constexpr storage::Keyspace kParts{"s3.parts", "str(upload id) u64(part number)",
                                          "uploaded part, JSON v1 (multipart.h Part)"};

inline constexpr storage::Keyspace kKeyspaces[] = {kBuckets, kConfig, kObjects, kVersions,
                                                   kBlobs,   kFiles,  kUploads, kParts};

inline std::string bucket_key(std::string_view bucket) {
  return std::string(bucket);
}
inline std::string config_key(std::string_view bucket, std::string_view name) {
  return storage::KeyBuilder(bucket.size() + name.size() + 1).str(bucket).raw(name).take();
}
inline std::string bucket_prefix(std::string_view bucket) {  // s3.objects, s3.versions, s3.config
  return storage::KeyBuilder(bucket.size() + 1).str(bucket).take();
}
inline std::string object_key(std::string_view bucket, std::string_view key) {
  return storage::KeyBuilder(bucket.size() + key.size() + 2).str(bucket).str(key).take();
}
inline std::string version_key(std::string_view bucket, std::string_view key, uint64_t seq) {
  return storage::KeyBuilder(bucket.size() + key.size() + 10).str(bucket).str(key).u64(~seq).take();
}

inline std::string upload_key(std::string_view bucket, std::string_view key, std::string_view upload_id) {
  return storage::KeyBuilder(bucket.size() + key.size() + upload_id.size() + 2)
      .str(bucket)
      .str(key)
      .raw(upload_id)
      .take();
}
inline std::string part_key(std::string_view upload_id, uint64_t part) {
  return storage::KeyBuilder(upload_id.size() + 9).str(upload_id).u64(part).take();
}

}  // namespace stratus::s3
