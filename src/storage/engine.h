// The storage engine interface every service stores its state through.
//
// Model: named keyspaces, each an ordered map from byte-string keys to byte-string values
// (bytewise order). Services choose keyspace names ("sqs.messages") and encode keys so that the
// orderings they need (by account, region, resource, sort key) are plain bytewise order.
// Keyspace names are non-empty text without NUL bytes (else invalid_argument); keys and values
// are arbitrary bytes (NUL and 0xff included), values may be empty.
//
// Durability: when a write call returns ok, the write is in the engine's log. The RocksDB engine
// thereby survives kill -9 of the process (the WAL is in the OS page cache); with
// Options::fsync it also survives power loss (the WAL is synced, concurrent writers share a sync
// — group commit). The memory engine (--ephemeral, tests) keeps nothing across restarts.
//
// Thread safety: every method may be called concurrently from any thread. Reads see all writes
// that returned before the read began. A WriteBatch is atomic: all its conditions are checked
// and all its writes applied as one step, or nothing is applied.
//
// Lifetime: snapshots and iterators borrow the engine; destroy them before the engine.
//
// A second backend (shared PostgreSQL) must be able to implement this interface without any
// change in services: nothing here exposes RocksDB.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::storage {

enum class Code { ok, not_found, conflict, io_error, invalid_argument };

struct Status {
  Code code = Code::ok;
  std::string message;
  bool ok() const { return code == Code::ok; }
  bool not_found() const { return code == Code::not_found; }
  bool conflict() const { return code == Code::conflict; }
  static Status OK() { return {}; }
  static Status NotFound() { return {Code::not_found, {}}; }
  static Status Conflict(std::string m = {}) { return {Code::conflict, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::io_error, std::move(m)}; }
  static Status Invalid(std::string m) { return {Code::invalid_argument, std::move(m)}; }
};

// A consistent read view. Reads through it see the engine as of snapshot() time.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
};

// A precondition of a WriteBatch, checked atomically with its writes.
struct Condition {
  enum class Kind { exists, not_exists, equals };
  Kind kind;
  std::string keyspace, key;
  std::string value;  // for equals
};

class WriteBatch {
 public:
  struct Op {
    bool is_delete = false;
    std::string keyspace, key, value;
    bool is_add = false;  // counter increment: value holds the delta (encode_counter)
  };
  void put(std::string_view ks, std::string_view key, std::string_view value) {
    ops_.push_back(Op{false, std::string(ks), std::string(key), std::string(value), false});
  }
  // Temporaries are moved in, not copied.
  template <class K, class V>
    requires std::same_as<K, std::string> && std::same_as<V, std::string>
  void put(std::string_view ks, K&& key, V&& value) {
    ops_.push_back(Op{false, std::string(ks), std::move(key), std::move(value), false});
  }
  void del(std::string_view ks, std::string_view key) {
    ops_.push_back(Op{true, std::string(ks), std::string(key), {}, false});
  }
  // Adds delta to the counter stored at key (8 bytes, encode_counter; absent counts as 0), as
  // part of the batch's atomic step: concurrent adds never lose an update. A key is either a
  // counter or written with put/del, never both in one batch.
  void add(std::string_view ks, std::string_view key, int64_t delta) {
    ops_.push_back(Op{false, std::string(ks), std::string(key), encode_counter(delta), true});
  }
  static std::string encode_counter(int64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((static_cast<uint64_t>(v) >> (56 - 8 * i)) & 0xff);
    return s;
  }
  // The value of a counter (0 for anything that is not 8 bytes).
  static int64_t decode_counter(std::string_view s) {
    if (s.size() != 8) return 0;
    uint64_t v = 0;
    for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
    return static_cast<int64_t>(v);
  }
  void require(Condition c) { conditions_.push_back(std::move(c)); }
  const std::vector<Op>& ops() const { return ops_; }
  const std::vector<Condition>& conditions() const { return conditions_; }
  bool empty() const { return ops_.empty() && conditions_.empty(); }

 private:
  std::vector<Op> ops_;
  std::vector<Condition> conditions_;
};

// Forward iteration over [start, end) of one keyspace (or backward when reverse). Not thread
// safe; each thread uses its own. Keys and values stay valid until the next call to next().
// Without ScanOptions::snapshot an iterator reads an implicit snapshot taken when scan() was
// called: concurrent writes neither invalidate it nor show up in it.
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;  // io errors end the iteration; check after the loop
};

struct ScanOptions {
  std::string start;            // inclusive lower bound ("" = first key)
  std::string end;              // exclusive upper bound ("" = unbounded)
  bool reverse = false;         // iterate from end towards start
  const Snapshot* snapshot = nullptr;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // not_found when absent; value untouched then.
  virtual Status get(std::string_view ks, std::string_view key, std::string* value,
                     const Snapshot* snap = nullptr) = 0;
  virtual Status put(std::string_view ks, std::string_view key, std::string_view value) = 0;
  // ok also when the key was absent.
  virtual Status del(std::string_view ks, std::string_view key) = 0;
  // conflict (and nothing written) when a condition fails.
  virtual Status write(const WriteBatch& batch) = 0;
  virtual std::unique_ptr<Iterator> scan(std::string_view ks, const ScanOptions& opts) = 0;
  virtual std::shared_ptr<const Snapshot> snapshot() = 0;
  // Deletes every key of every keyspace (POST /_stratus/reset).
  virtual Status clear() = 0;
  // Makes every acknowledged write durable on disk (shutdown).
  virtual Status flush() = 0;
  // A short description for /_stratus/health: {"engine": "rocksdb", ...} as JSON text.
  virtual std::string describe() const = 0;

  // Group commit on one thread (storage/lane.h). While deferred, the calling thread's writes are
  // applied and in the log as usual (they survive kill -9), but under Options::fsync they are not
  // synced one by one: sync_wal() syncs all of them at once. The caller must not acknowledge a
  // deferred write before sync_wal() returned ok. Other threads' writes are unaffected. Engines
  // without a log (memory) ignore both.
  virtual void defer_wal(bool on) { (void)on; }
  virtual Status sync_wal() { return Status::OK(); }

  // Convenience: iterate every key starting with prefix.
  std::unique_ptr<Iterator> prefix(std::string_view ks, std::string_view prefix,
                                   const Snapshot* snap = nullptr);
};

// The smallest key greater than every key starting with prefix ("" when none: all 0xff).
std::string prefix_end(std::string_view prefix);

struct Options {
  std::string path;    // data directory (RocksDB)
  bool fsync = false;  // sync the WAL before acknowledging (group commit)
};

std::unique_ptr<Engine> open_memory();
// Throws std::runtime_error when the directory can't be opened (e.g. locked by another stratus).
std::unique_ptr<Engine> open_rocksdb(const Options& opts);

}  // namespace stratus::storage
