// The in-memory engine (--ephemeral, unit tests): one std::map per keyspace.
//
// Snapshots and iterators are copy-on-write: a snapshot shares the keyspace maps with the
// engine, and a writer that finds a keyspace map shared (use_count > 1) copies it before
// changing it. A write with no snapshot or iterator alive on that keyspace is an in-place
// O(log n) update; the first write after a snapshot pays one O(n) copy of that keyspace. This is
// the simplest scheme that is obviously correct (a snapshot's maps are never mutated), which
// matters more here than the cost of big keyspaces: RocksDB is the engine for real workloads.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "storage/engine.h"
#include "storage/engine_base.h"

namespace stratus::storage {
namespace {

using Map = std::map<std::string, std::string, std::less<>>;
using MapPtr = std::shared_ptr<const Map>;
using Keyspaces = std::map<std::string, MapPtr, std::less<>>;


class MemorySnapshot final : public Snapshot {
 public:
  explicit MemorySnapshot(Keyspaces ks) : keyspaces_(std::move(ks)) {}
  const Map* find(std::string_view ks) const {
    auto it = keyspaces_.find(ks);
    return it == keyspaces_.end() ? nullptr : it->second.get();
  }
  MapPtr find_ptr(std::string_view ks) const {
    auto it = keyspaces_.find(ks);
    return it == keyspaces_.end() ? nullptr : it->second;
  }

 private:
  const Keyspaces keyspaces_;  // immutable: shared maps are never written through
};

// Iterates a map that no writer mutates while this holds a reference to it.
class MemoryIterator final : public Iterator {
 public:
  MemoryIterator(MapPtr map, const ScanOptions& o, Status status = Status::OK())
      : map_(std::move(map)), status_(std::move(status)) {
    static const Map empty;
    const Map& m = map_ ? *map_ : empty;
    begin_ = o.start.empty() ? m.begin() : m.lower_bound(o.start);
    end_ = o.end.empty() ? m.end() : m.lower_bound(o.end);
    if (!o.end.empty() && o.end <= o.start) end_ = begin_;  // empty or inverted range
    reverse_ = o.reverse;
    cur_ = reverse_ ? end_ : begin_;
    if (reverse_ && cur_ != begin_) --cur_;
    else if (reverse_) cur_ = end_;  // nothing to visit
  }
  bool valid() const override { return cur_ != end_; }
  void next() override {
    if (!reverse_) {
      ++cur_;
    } else if (cur_ == begin_) {
      cur_ = end_;
    } else {
      --cur_;
    }
  }
  std::string_view key() const override { return cur_->first; }
  std::string_view value() const override { return cur_->second; }
  Status status() const override { return status_; }

 private:
  MapPtr map_;  // keeps the (immutable while shared) map alive
  Status status_;  // set for an invalid keyspace name (then map_ is null: no keys)
  Map::const_iterator begin_, end_, cur_;
  bool reverse_ = false;
};

class MemoryEngine final : public EngineBase {
 public:
  Status get(std::string_view ks, std::string_view key, std::string* value,
             const Snapshot* snap) override {
    if (auto s = check_keyspace(ks); !s.ok()) return s;
    if (snap) return lookup(static_cast<const MemorySnapshot*>(snap)->find(ks), key, value);
    std::shared_lock lock(mu_);
    return lookup(find(ks), key, value);
  }

  Status write(const WriteBatch& batch) override {
    if (auto s = check_keyspaces(batch); !s.ok()) return s;
    // Conditions and writes happen under one exclusive lock: that is the atomic step.
    std::unique_lock lock(mu_);
    for (const auto& c : batch.conditions()) {
      std::string current;
      Status s = lookup(find(c.keyspace), c.key, &current);
      bool ok = c.kind == Condition::Kind::exists       ? s.ok()
                : c.kind == Condition::Kind::not_exists ? s.not_found()
                                                        : s.ok() && current == c.value;
      if (!ok) return Status::Conflict("condition failed on " + c.keyspace);
    }
    for (const auto& op : batch.ops()) {
      Map* m = writable(op.keyspace, !op.is_delete);
      if (!m) continue;  // deleting from a keyspace that does not exist
      if (op.is_add) {
        auto it = m->find(op.key);
        int64_t v = (it == m->end() ? 0 : WriteBatch::decode_counter(it->second)) + WriteBatch::decode_counter(op.value);
        m->insert_or_assign(op.key, WriteBatch::encode_counter(v));
      } else if (op.is_delete) {
        if (auto it = m->find(op.key); it != m->end()) m->erase(it);
      } else {
        m->insert_or_assign(op.key, op.value);
      }
    }
    return Status::OK();
  }

  std::unique_ptr<Iterator> scan(std::string_view ks, const ScanOptions& opts) override {
    if (auto s = check_keyspace(ks); !s.ok())
      return std::make_unique<MemoryIterator>(nullptr, opts, std::move(s));
    MapPtr map;
    if (opts.snapshot) {
      map = static_cast<const MemorySnapshot*>(opts.snapshot)->find_ptr(ks);
    } else {
      // Holding a reference makes the map shared, so writers copy instead of mutating it:
      // the iterator sees the keyspace as of now and stays valid whatever others write.
      std::shared_lock lock(mu_);
      if (auto it = keyspaces_.find(ks); it != keyspaces_.end()) map = it->second;
    }
    return std::make_unique<MemoryIterator>(std::move(map), opts);
  }

  std::shared_ptr<const Snapshot> snapshot() override {
    std::shared_lock lock(mu_);
    return std::make_shared<MemorySnapshot>(keyspaces_);
  }

  Status clear() override {
    std::unique_lock lock(mu_);
    keyspaces_.clear();  // snapshots keep their own references to the old maps
    return Status::OK();
  }

  Status flush() override { return Status::OK(); }

  std::string describe() const override { return R"({"engine":"memory"})"; }

 private:
  static Status lookup(const Map* m, std::string_view key, std::string* value) {
    if (!m) return Status::NotFound();
    auto it = m->find(key);
    if (it == m->end()) return Status::NotFound();
    if (value) *value = it->second;
    return Status::OK();
  }

  // REQUIRES: mu_ held (shared or exclusive).
  const Map* find(std::string_view ks) const {
    auto it = keyspaces_.find(ks);
    return it == keyspaces_.end() ? nullptr : it->second.get();
  }

  // REQUIRES: mu_ held exclusively. Returns a map no snapshot or iterator shares, copying the
  // shared one if needed. use_count() may only drop concurrently (new references are taken
  // under mu_), so a count of 1 really means nobody else can see the map.
  Map* writable(const std::string& ks, bool create) {
    auto it = keyspaces_.find(ks);
    if (it == keyspaces_.end()) {
      if (!create) return nullptr;
      it = keyspaces_.emplace(ks, std::make_shared<Map>()).first;
    } else if (it->second.use_count() > 1) {
      it->second = std::make_shared<Map>(*it->second);
    }
    return const_cast<Map*>(it->second.get());
  }

  // Guards keyspaces_ (the outer map and which map each name points to) and the contents of
  // every map in it whose use_count is 1. Maps shared with a snapshot are immutable.
  mutable std::shared_mutex mu_;
  Keyspaces keyspaces_;  // GUARDED_BY(mu_)
};

}  // namespace

std::unique_ptr<Engine> open_memory() { return std::make_unique<MemoryEngine>(); }

}  // namespace stratus::storage
