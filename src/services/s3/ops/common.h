// What S3's handlers share: the store, object keys and ETags, the object headers of
// GET/HEAD answers, conditional requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/doc.h"
#include "http/message.h"
#include "services/s3/s3_errors.h"
#include "services/s3/store.h"
#include "services/service.h"

namespace stratus::s3 {

Store& store(OpContext& ctx);

// The bucket a request acts on, once the store's authorizer allowed `action` (NoSuchBucket,
// AccessDenied).
// The IAM action of a request that names a version (s3:GetObject -> s3:GetObjectVersion).
std::string versioned_action(std::string_view action);
Bucket bucket_for(OpContext& ctx, std::string_view name, std::string_view action, std::string_view key = {});

// Object keys: 1..1024 bytes of UTF-8 without NUL (KeyTooLongError, InvalidArgument).
void check_key(std::string_view key);
std::string quoted(std::string_view etag);  // "\"<etag>\""
// The ETag of a condition header without quotes and W/ ("*" stays).
std::string unquoted(std::string_view etag);

// GET/HEAD conditions (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since), as S3
// evaluates them: 412 PreconditionFailed or 304 Not Modified (thrown).
void check_read_conditions(const Doc& in, const ObjectVersion& v, std::string_view prefix = "");

// The headers of a version in a GET/HEAD answer (ETag, Last-Modified, metadata, content
// headers, storage class, checksum when `checksum`, tags count, restore...).
void describe_version(Doc& out, const ObjectVersion& v, bool checksum);

// The version a GET/HEAD/attributes/tagging request names (VersionId or the current one):
// NoSuchBucket, NoSuchKey, NoSuchVersion, and for a delete marker the S3 answer (404 NoSuchKey
// with x-amz-delete-marker for the current one; 405 MethodNotAllowed when named by version).
// `action` is the IAM action asked of the authorizer.
ObjectVersion resolve_version(OpContext& ctx, const Doc& in, std::string_view method, std::string_view action,
                              Bucket* bucket_out = nullptr);

// S3's version id format check (InvalidArgument "Invalid version id specified").
void check_version_id(std::string_view vid);

// ---- Writes (ops/objects.cc), shared by PutObject, multipart uploads and POST uploads.
// MD5 (the ETag) and one flexible checksum over data that is in memory or in a file.
struct Digests {
  std::string md5_raw;
  std::string checksum_b64;
};
Digests digest(const std::string* bytes, const http::BodyFile* file, std::string_view algorithm);
// The flexible checksum a request declares: its algorithm and the value it sent ("" when the
// server is to compute it; CRC64NVME when the request names none).
struct DeclaredChecksum {
  std::string algorithm, value;
};
DeclaredChecksum declared_checksum(const Doc& in);
// The payload of PutObject / UploadPart: spooled or in memory, at most 5 GiB (EntityTooLarge),
// and its Content-MD5 (raw; InvalidDigest when malformed).
struct UploadBody {
  const http::BodyFile* file = nullptr;
  const std::string* bytes = nullptr;
  uint64_t size = 0;
  std::optional<std::string> md5;
};
UploadBody upload_body(OpContext& ctx, const Doc& in);
std::string storage_class(const std::string& s);  // InvalidStorageClass
std::vector<std::pair<std::string, std::string>> parse_tagging(std::string_view text);
// Content and user metadata members of PutObject / CopyObject (REPLACE) into v.
void take_metadata(const Doc& in, ObjectVersion& v);
// Conditional writes (If-None-Match: *, If-Match) against the current version.
Store::Check write_conditions(const Doc& in, std::string_view key);
void put_checksum_out(Doc& out, const ObjectVersion& v);

// PutObject in two halves: prepare_put_object runs every check and writes the data (I/O
// thread; throws the request's errors), commit_put_object commits the version, emits the event
// and answers (on the I/O thread when the key is free, else on S3's commit lane: service.cc).
// put_object (ops.h) is both in a row.
struct PreparedPut {
  Bucket bucket;
  std::string key;
  ObjectVersion version;  // its data written, not yet referenced: the commit owns it
  Store::Check check;
};
PreparedPut prepare_put_object(OpContext& ctx, const Doc& in);
Doc commit_put_object(OpContext& ctx, PreparedPut& p);
// commit_put_object when the key is free at once (Store::try_put_object), else nullopt.
std::optional<Doc> try_commit_put_object(OpContext& ctx, PreparedPut& p);

// Lower-case hex MD5 and base64 MD5 of bytes.
std::string md5_hex(std::string_view bytes);
// Owner {DisplayName, ID} of an account, as listings and ListBuckets report it.
Doc owner_doc(std::string_view account);

}  // namespace stratus::s3
