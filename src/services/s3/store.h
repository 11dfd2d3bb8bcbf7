// The S3 object store: buckets, bucket configuration records, object versions (metadata in the
// storage engine) and object data (files under <data-dir>/s3/data, small objects inline).
//
// Usage (a handler, or another part of S3 such as multipart completion or bucket configuration):
//
//   Store& st = store(ctx);                                  // ops/common.h
//   Bucket b = bucket_for(ctx, "photos", "s3:PutObject", key);  // NoSuchBucket, AccessDenied
//   DataRef d = st.write_data(bytes);                        // or adopt_spool(file), or:
//   auto [id, fd] = st.new_data_file(); /* write */ st.sync_data(fd); ::close(fd);
//   DataRef assembled{id, false, {}};                        // (multipart completion)
//   ObjectVersion v;  v.size = ...; v.etag = ...;  v.data = d;
//   ObjectVersion put = st.put_object(b, "a/b.jpg", std::move(v), ctx.now_ms, check);
//   std::optional<std::string> cors = st.config("photos", "cors");
//   st.put_config("photos", "cors", json_text);
//   st.set_authorizer(...);                                  // bucket policies / ACLs, at start()
//
// Contract
// - Atomicity. put_object / delete_object commit one storage batch that carries the new current
//   version, the move of the previous one to the noncurrent versions (versioned buckets), the
//   data reference (s3.files) of the new data and the removal of the references of data that no
//   version uses any more; the bucket must still exist (a condition of the batch) and the key's
//   current record is the one read: the store's writers of one key (put_object, delete_object,
//   update_version) hold that key's lock from the read to the commit, and hold their bucket's
//   gate shared while DeleteBucket holds it exclusively, so neither needs a read of its own in
//   the batch (conditions the caller's `also` adds still make the step retry, and `check` runs
//   again on the fresh current version). Replaced data files are unlinked after the commit. A
//   reader sees the old object or the new one.
// - Data files. A data file is written completely (and fsynced when the server runs with
//   --fsync) before the batch that references it commits. A file with no s3.files entry is
//   garbage: start() deletes every such file, so a kill -9 at any point leaks no space. Code that
//   keeps a data file across requests without an object version (multipart parts) must write
//   its s3.files entry (`reference(batch, id)`) in the batch that records the file, and drop it
//   (`unreference`) in the batch that forgets it, then call `remove_data(id)` after that commit.
// - Versioning. Every key has one current version in s3.objects (possibly a delete marker) and
//   its noncurrent versions in s3.versions, newest first. An unversioned bucket's versions are
//   all "null" and replaced in place; Enabled adds versions; Suspended writes "null" versions
//   that replace the previous "null" one wherever it is.
// - Configuration records (s3.config) belong to their writer (bucket policy, CORS, lifecycle,
//   website, notification, ... one record per subresource name); the store only keeps them and
//   deletes them with the bucket.
// - One Store per engine: it is the only writer of its records and caches some of them (buckets,
//   configuration, the current record a key's last PUT wrote).
// - Errors are thrown as AwsError in S3's wording (NoSuchBucket, NoSuchKey, ...); storage
//   failures as InternalError.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/doc.h"

namespace stratus {
struct OpContext;
namespace storage {
class Engine;
class WriteBatch;
}  // namespace storage
namespace http {
struct BodyFile;
}
}  // namespace stratus

namespace stratus::s3 {

struct Bucket {
  std::string name, account, region;
  int64_t created_ms = 0;
  std::string versioning;  // "" (never enabled), "Enabled", "Suspended"
  std::string mfa_delete;  // "" or "Disabled"/"Enabled" as last set
  bool object_lock = false;
  Doc extra = Doc::map();  // members other parts of S3 keep in the bucket record (stored as is)
};

// Where an object's bytes are: nothing (empty object), an inline blob (s3.blobs) or a data file.
struct DataRef {
  std::string id;  // "" for no data
  bool inline_blob = false;
  // Inline bytes not stored yet: written by reference() in the committing batch (not a record
  // member).
  std::string pending;
  bool empty() const { return id.empty(); }
};

struct ObjectVersion {
  std::string version_id = "null";
  uint64_t seq = 0;  // orders a key's versions; assigned by put_object/delete_object
  bool delete_marker = false;
  int64_t last_modified_ms = 0;
  uint64_t size = 0;
  std::string etag;  // without quotes: md5 hex, or "<md5 of md5s>-<parts>" for multipart
  DataRef data;
  std::string owner;  // account id of the writer
  std::string content_type, content_encoding, content_disposition, content_language, cache_control;
  std::string expires;  // the Expires header as sent (HTTP date)
  std::string website_redirect;
  std::map<std::string, std::string> metadata;            // x-amz-meta-* (lower-case names)
  std::vector<std::pair<std::string, std::string>> tags;  // in the order given
  std::string checksum_algorithm;                         // "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"
  std::string checksum_value;                             // base64
  std::string checksum_type;                              // "FULL_OBJECT" or "COMPOSITE"
  std::string storage_class = "STANDARD";
  std::string restore;      // x-amz-restore value once RestoreObject ran ("" none)
  int64_t parts_count = 0;  // multipart objects
  // Members other parts of S3 keep (ACL, SSE, object lock), stored as is. Read here:
  //   "headers": {OutputMember: value} added to GET/HEAD answers (SSE, object lock headers);
  //   "part_sizes": [bytes of part 1, 2, ...] of a multipart object (GET/HEAD ?partNumber=N);
  //   "object_parts": the ObjectParts structure GetObjectAttributes answers (TotalPartsCount
  //   is set from parts_count).
  Doc extra = Doc::map();

  Doc to_doc() const;
  static ObjectVersion from_doc(const Doc& d);
  // The stored record's bytes: json::write(to_doc()), written directly (every PUT writes one).
  std::string encode() const;
};

// A version record's listing summary (every scalar member; no metadata, tags or extra) read
// into v, reusing its storage; a record it cannot scan is decoded whole (AwsError when it is not
// JSON). Conditional writes read the current record with it; exposed for the fuzz target.
void read_summary(std::string_view text, ObjectVersion& v);

// What the listings (ListObjects, ListObjectsV2, ListObjectVersions) answer of a version, read
// from the record's text without copies: the views point into the text (or into `whole`, for a
// record the scanner cannot read, decoded whole) and stay valid while they do.
struct ListedVersion {
  std::string_view version_id{"null"}, etag, owner, checksum_algorithm, checksum_type, storage_class{"STANDARD"};
  int64_t last_modified_ms = 0;
  uint64_t size = 0;
  bool delete_marker = false;
  bool restored = false;  // RestoreObject ran (restore is set)
  ObjectVersion whole;    // the fallback's storage
};
// Reads a version record into `out` (the same members read_summary gives). AwsError when the text
// is not JSON. Store::scan_listing reads with it; exposed for the fuzz target.
void read_listed(std::string_view text, ListedVersion& out);

// The canonical user id S3 reports for an account (Owner/ID): 64 hex, stable.
std::string canonical_user_id(std::string_view account);
// The display name reported beside it.
std::string display_name(std::string_view account);

class Store {
 public:
  // root: <data-dir>/s3 (data files under root/data). fsync: sync data files before committing.
  Store(storage::Engine& engine, std::string root, bool fsync);
  ~Store();
  // Creates the directories and sweeps data files no record references. Call before serving.
  void start();
  const std::string& root() const { return root_; }
  storage::Engine& engine() const { return engine_; }  // for S3's own record owners (multipart)

  // ---- buckets
  std::optional<Bucket> bucket(std::string_view name) const;
  Bucket require_bucket(std::string_view name) const;  // NoSuchBucket
  // false when the name is taken (the caller tells BucketAlreadyOwnedByYou from ...Exists).
  bool create_bucket(const Bucket& b);
  void update_bucket(const Bucket& b);  // versioning, extra: rewrites the record
  // BucketNotEmpty when any version or delete marker is left; removes the configuration records.
  void delete_bucket(std::string_view name);
  std::vector<Bucket> buckets() const;  // every bucket, by name
  bool bucket_empty(std::string_view name) const;

  // ---- access
  // Every handler asks before it acts on a bucket, naming the IAM action ("s3:GetObject") and the
  // object key ("" for bucket operations); the authorizer throws AccessDenied to refuse. The
  // default lets the bucket's own account do everything and refuses every other account; bucket
  // policies and ACLs replace it (set once, in start(), before serving).
  using Authorizer =
      std::function<void(const OpContext& ctx, const Bucket& bucket, std::string_view action, std::string_view key)>;
  void set_authorizer(Authorizer a) { authorizer_ = std::move(a); }
  void authorize(const OpContext& ctx, const Bucket& bucket, std::string_view action, std::string_view key) const;

  // ---- bucket configuration records (owner-defined bytes, one per subresource name)
  std::optional<std::string> config(std::string_view bucket, std::string_view name) const;
  void put_config(std::string_view bucket, std::string_view name, std::string_view value);
  void delete_config(std::string_view bucket, std::string_view name);

  // ---- data
  // Small data (<= kInlineMax) goes inline (its bytes ride in the committing batch: see
  // DataRef::pending), larger into a new file; the ref is not referenced until a commit takes it
  // (see the contract).
  static constexpr size_t kInlineMax = 16 * 1024;
  DataRef write_data(std::string_view bytes);
  // Moves a spooled request body into the data directory (a hard link of the unnamed file when
  // on the same file system, else a copy).
  DataRef adopt_spool(const http::BodyFile& spool);
  // An empty new data file for writers that assemble data themselves (multipart): its id and
  // an open descriptor (O_RDWR; the caller closes it). Call sync_data(fd) before committing.
  std::pair<std::string, int> new_data_file();
  void sync_data(int fd) const;
  std::string data_path(std::string_view id) const;
  // A copy of a version's data (CopyObject).
  DataRef copy_data(const DataRef& from, uint64_t size);
  // Reading: inline bytes, or an open file (the caller keeps it; replaced data stays readable).
  // nullopt when the data vanished under a concurrent replace: read the record again.
  std::optional<std::string> read_inline(const DataRef& d) const;
  std::shared_ptr<http::BodyFile> open_data(const DataRef& d, uint64_t size) const;
  // Data bytes of a version, read whole (small objects, copy sources in memory).
  std::string read_all(const ObjectVersion& v) const;
  // Reference bookkeeping for writers of their own records (multipart parts); reference() also
  // writes pending inline bytes.
  static void reference(storage::WriteBatch& batch, const DataRef& d);
  static void unreference(storage::WriteBatch& batch, const DataRef& d);
  void remove_data(const DataRef& d);  // after the commit that dropped its reference (files only)
  // Deletes data written but never committed (a failed request).
  void discard(const DataRef& d);

  // ---- objects
  // The key's current version (possibly a delete marker).
  std::optional<ObjectVersion> current(std::string_view bucket, std::string_view key) const;
  // The current version's record as stored (JSON): checks that look for one member before
  // decoding (the SSE-C guard of every GET) read it.
  std::optional<std::string> current_text(std::string_view bucket, std::string_view key) const;
  // A version by id ("null" included), current or not.
  std::optional<ObjectVersion> version(std::string_view bucket, std::string_view key,
                                       std::string_view version_id) const;
  // Runs before the commit with the current version (may throw PreconditionFailed...); for
  // put_object a listing summary (no metadata, tags or extra).
  using Check = std::function<void(const std::optional<ObjectVersion>& current)>;
  // Commits v as the key's new current version under the bucket's versioning; assigns
  // version_id, seq and (when 0) last_modified_ms. Takes ownership of v.data (discarded when the
  // commit fails). Returns the stored version.
  // `also` adds the caller's own writes and conditions to the commit batch (multipart completion
  // removes the upload in it); it runs once per attempt and may throw.
  using Also = std::function<void(storage::WriteBatch&)>;
  ObjectVersion put_object(const Bucket& b, std::string_view key, ObjectVersion v, int64_t now_ms,
                           const Check& check = {}, const Also& also = {});
  // put_object when the key's lock (and its bucket's gate) are free at once, else nullopt with v
  // untouched: a caller that must not wait (an I/O thread) hands the write to one that may.
  std::optional<ObjectVersion> try_put_object(const Bucket& b, std::string_view key, ObjectVersion& v, int64_t now_ms,
                                              const Check& check = {});
  struct Deleted {
    bool delete_marker = false;  // a delete marker was created, or the version removed was one
    std::string version_id;      // of the marker created or the version removed ("" none)
    bool removed = false;        // something was committed (false: nothing was there)
    uint64_t seq = 0;            // the marker's seq, or a fresh one for a removal (event sequencer)
  };
  // DELETE without a version id: a delete marker in versioned buckets, else removes the key.
  // With a version id: removes that version (the newest noncurrent becomes current).
  Deleted delete_object(const Bucket& b, std::string_view key, const std::optional<std::string>& version_id,
                        int64_t now_ms, const Check& check = {});
  // Rewrites a version's record in place (tags, restore status, ACL...): fn edits it. NoSuchKey /
  // NoSuchVersion when absent. Returns the record written.
  ObjectVersion update_version(std::string_view bucket, std::string_view key,
                               const std::optional<std::string>& version_id,
                               const std::function<void(ObjectVersion&)>& fn);

  // ---- listing (keys in UTF-8 byte order)
  // Current versions with key >= from (or > from when `after`), starting with prefix, for
  // ListObjects pages: each record read as a ListedVersion (no copies). fn returns false to stop.
  // Delete markers are passed too (callers skip them for object listings).
  void scan_listing(std::string_view bucket, std::string_view prefix, std::string_view from, bool after,
                    const std::function<bool(std::string_view key, const ListedVersion&)>& fn) const;
  // Every version of keys >= from starting with prefix, each key's newest first (current, then
  // noncurrent).
  void scan_versions(std::string_view bucket, std::string_view prefix, std::string_view from,
                     const std::function<bool(std::string_view key, const ObjectVersion&, bool is_latest)>& fn) const;
  // The same walk for ListObjectVersions pages, each record read as a ListedVersion.
  void scan_listed_versions(
      std::string_view bucket, std::string_view prefix, std::string_view from,
      const std::function<bool(std::string_view key, const ListedVersion&, bool is_latest)>& fn) const;

  // Fresh ids.
  std::string new_version_id();
  uint64_t next_seq(int64_t now_ms);
  // Removes every data file (POST /_stratus/reset, after storage was wiped).
  void reset();

 private:
  void write(storage::WriteBatch& batch) const;  // throws InternalError on storage failure
  // A new data file filled by fill(fd) and synced; removed again when fill throws.
  DataRef fill_new_file(const std::function<void(int fd)>& fill);
  std::vector<ObjectVersion> noncurrent(std::string_view bucket, std::string_view key) const;
  // Pieces of put_object/delete_object's batch: the "null" noncurrent version goes (suspended
  // buckets); the current version moves to the noncurrent ones or, as "null" in an unversioned
  // write, goes; commit writes the batch (false: a concurrent change, retry) and removes data.
  void drop_null_noncurrent(storage::WriteBatch& batch, const std::string& okey, std::vector<DataRef>& dropped) const;
  void retire_current(storage::WriteBatch& batch, std::string_view bucket, std::string_view key,
                      const ObjectVersion& cur, const std::string& cur_raw, bool versioned,
                      std::vector<DataRef>& dropped) const;
  bool commit(storage::WriteBatch& batch, const std::vector<DataRef>& dropped, std::string_view bucket);

  // Writers of one key's records (s3.objects, s3.versions) hold its lock from their read to their
  // commit; writers of objects hold their bucket's gate shared, DeleteBucket exclusively (its
  // emptiness check and the removal are one step against them). Striped by hash; a gate is taken
  // before a key lock, and nothing else is locked under either but the caches' buckets_mu_.
  // Each lock also remembers the current record put_object last committed under it (the store
  // being the records' only writer, it is what storage holds until the next writer under the
  // same lock): PUTs that follow each other on one key read nothing.
  struct KeyLock {
    std::mutex mu;
    bool known = false;  // okey's current record is `raw` (nullopt: none)
    std::string okey;
    std::optional<std::string> raw;
  };
  static constexpr size_t kKeyLocks = 64, kBucketGates = 16;
  KeyLock& key_lock(std::string_view okey) const;
  std::shared_mutex& bucket_gate(std::string_view bucket) const;
  mutable std::array<KeyLock, kKeyLocks> key_locks_;
  // put_object's step under both locks.
  ObjectVersion put_locked(KeyLock& kl, const std::string& okey, const Bucket& b, std::string_view key,
                           ObjectVersion& v, int64_t now_ms, const Check& check, const Also& also);
  mutable std::array<std::shared_mutex, kBucketGates> bucket_gates_;

  storage::Engine& engine_;
  std::string root_;
  bool fsync_;
  std::atomic<uint64_t> last_seq_{0};
  // Bucket records, cached (every request reads its bucket, often more than once); the store is
  // their only writer and forgets an entry when it writes the record.
  static constexpr size_t kBucketCacheMax = 100'000;
  void forget_bucket(std::string_view name) const;
  mutable std::mutex buckets_mu_;
  mutable std::unordered_map<std::string, Bucket> bucket_cache_;  // GUARDED_BY(buckets_mu_)
  mutable uint64_t bucket_gen_ = 0;                               // GUARDED_BY(buckets_mu_)
  // Configuration records (absence too) by "bucket\0name", under the same lock and generation.
  void forget_config(std::string_view bucket, std::string_view name) const;
  mutable std::unordered_map<std::string, std::optional<std::string>> config_cache_;  // GUARDED_BY(buckets_mu_)
  Authorizer authorizer_;
};

}  // namespace stratus::s3
