// The embedded, durable engine: one RocksDB database in Options::path.
//
// Keyspaces are a key prefix, not column families: the stored key is
//   <keyspace name> 0x00 <key>
// Keyspace names contain no NUL, so each keyspace is one contiguous range and bytewise order
// within it is preserved. Column families were the alternative; they cost a memtable, a set of
// SST files and a MANIFEST entry per keyspace, and services create dozens of keyspaces, most of
// them tiny. One column family keeps the idle footprint small (one memtable, one block cache),
// makes a cross-keyspace WriteBatch an ordinary single-CF batch, and clear() one DeleteRange.
//
// Conditional batches: a striped lock (kStripes mutexes, chosen by hashing the stored key).
// Every write — put, del, batch — holds the stripes of all the keys it checks or writes, taken
// in ascending order (no deadlock), across condition check and Write(). Holding them for plain
// writes too is what makes a conditional batch atomic against concurrent unconditional writers.
// We chose this over TransactionDB (per-key lock manager, lock timeouts, larger footprint) and
// OptimisticTransactionDB (commit-time validation needs memtable history and retry loops): the
// striped lock never fails spuriously, costs one uncontended mutex per key, and keeps a plain DB.
// Writers on different stripes still enter RocksDB's write path concurrently and share WAL
// writes and syncs.
//
// Durability: the WAL is always on. Without Options::fsync each acknowledged write has been
// handed to the OS, so it survives kill -9. With fsync the WAL is synced before Write() returns;
// RocksDB's write group is group commit: the leader of a group writes and syncs the WAL once for
// every writer queued behind it, so N concurrent sync writers share far fewer than N fsyncs.
// describe() reports writes and WAL syncs so this is observable.
//
// A thread that deferred its syncs (defer_wal, storage/lane.h) writes without sync and syncs
// once per group of writes with sync_wal(), before acknowledging any of them. Its writes still
// reach the OS one by one: handing the WAL to the OS by hand (manual_wal_flush) measured no
// better on the lane and cost every other writer a second call (FlushWAL) per write.
#include <atomic>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_partitioner.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "storage/engine.h"
#include "storage/engine_base.h"

namespace stratus::storage {
namespace {

constexpr size_t kStripes = 64;


std::string encode(std::string_view ks, std::string_view key) {
  std::string out;
  out.reserve(ks.size() + 1 + key.size());
  out.append(ks);
  out.push_back('\0');
  out.append(key);
  return out;
}

Status to_status(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound();
  if (s.IsInvalidArgument()) return Status::Invalid(s.ToString());
  return Status::IoError(s.ToString());
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[(c >> 4) & 0xf]);
      out.push_back(hex[c & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class RocksSnapshot final : public Snapshot {
 public:
  RocksSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snap) : db_(db), snap_(snap) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(snap_); }
  const rocksdb::Snapshot* get() const { return snap_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
};

const rocksdb::Snapshot* raw(const Snapshot* s) {
  return s ? static_cast<const RocksSnapshot*>(s)->get() : nullptr;
}

class RocksIterator final : public Iterator {
 public:
  RocksIterator(rocksdb::DB* db, std::string_view ks, const ScanOptions& o)
      : prefix_len_(ks.size() + 1),
        lower_(encode(ks, o.start)),
        upper_(o.end.empty() ? prefix_end(encode(ks, {})) : encode(ks, o.end)),
        lower_slice_(lower_),
        upper_slice_(upper_),
        reverse_(o.reverse) {
    rocksdb::ReadOptions ro;
    ro.snapshot = raw(o.snapshot);  // none: RocksDB pins an implicit snapshot at creation
    ro.iterate_lower_bound = &lower_slice_;
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(ro));
    if (upper_ <= lower_) {
      empty_ = true;
      return;
    }
    if (reverse_) {
      it_->SeekToLast();
    } else {
      it_->SeekToFirst();
    }
  }
  bool valid() const override { return !empty_ && it_->Valid(); }
  void next() override {
    if (reverse_) {
      it_->Prev();
    } else {
      it_->Next();
    }
  }
  std::string_view key() const override {
    auto k = it_->key();
    return {k.data() + prefix_len_, k.size() - prefix_len_};
  }
  std::string_view value() const override {
    auto v = it_->value();
    return {v.data(), v.size()};
  }
  Status status() const override { return empty_ ? Status::OK() : to_status(it_->status()); }

 private:
  size_t prefix_len_;
  // The bound slices point into these strings and must outlive it_.
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  bool reverse_;
  bool empty_ = false;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// What scan() returns for an invalid keyspace name: no keys, and the reason in status().
class ErrorIterator final : public Iterator {
 public:
  explicit ErrorIterator(Status s) : status_(std::move(s)) {}
  bool valid() const override { return false; }
  void next() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return status_; }

 private:
  Status status_;
};

// WriteBatch::add counters are RocksDB merges: a write needs no read, RocksDB sums the deltas
// (8-byte big-endian two's complement, WriteBatch::encode_counter) when the key is read or
// compacted. Only counter keys are ever merged.
class CounterAdd final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    int64_t sum = WriteBatch::decode_counter(std::string_view(value.data(), value.size()));
    if (existing) sum += WriteBatch::decode_counter(std::string_view(existing->data(), existing->size()));
    *new_value = WriteBatch::encode_counter(sum);
    return true;
  }
  const char* Name() const override { return "stratus.counter_add"; }
};

// Compaction output files hold one keyspace each. Append-mostly keyspaces (SQS messages keyed
// in send order, DynamoDB stream records, ...) then grow at their end without any older file
// spanning that end: new data is moved down the levels as whole files (trivial moves) instead of
// being merged again and again with the small keyspaces that sort after it.
std::string_view keyspace_of(const rocksdb::Slice& stored_key) {
  std::string_view k(stored_key.data(), stored_key.size());
  return k.substr(0, k.find('\0'));
}

class KeyspacePartitioner final : public rocksdb::SstPartitioner {
 public:
  const char* Name() const override { return "stratus.keyspace"; }
  rocksdb::PartitionerResult ShouldPartition(const rocksdb::PartitionerRequest& r) override {
    return keyspace_of(*r.prev_user_key) == keyspace_of(*r.current_user_key) ? rocksdb::kNotRequired
                                                                              : rocksdb::kRequired;
  }
  bool CanDoTrivialMove(const rocksdb::Slice& smallest, const rocksdb::Slice& largest) override {
    return keyspace_of(smallest) == keyspace_of(largest);
  }
};

class KeyspacePartitionerFactory final : public rocksdb::SstPartitionerFactory {
 public:
  const char* Name() const override { return "stratus.keyspace"; }
  std::unique_ptr<rocksdb::SstPartitioner> CreatePartitioner(const rocksdb::SstPartitioner::Context&) const override {
    return std::make_unique<KeyspacePartitioner>();
  }
};

class NullLogger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

class RocksEngine final : public EngineBase {
 public:
  explicit RocksEngine(const Options& opts) : path_(opts.path), fsync_(opts.fsync) {
    rocksdb::Options o;
    o.create_if_missing = true;
    // Footprint: the whole server must idle under 15 MB RSS, so small caches and buffers.
    rocksdb::BlockBasedTableOptions t;
    // The cache fills only as blocks are read (idle RSS is unaffected); 32 MB keeps the bloom
    // filters and indexes of a few-million-key keyspace resident, so lookups of absent keys
    // (every insert reads the previous item) stay in memory instead of re-reading filter blocks.
    t.block_cache = rocksdb::NewLRUCache(32 << 20, /*num_shard_bits=*/2);
    t.cache_index_and_filter_blocks = true;  // index/filter memory is bounded by the cache
    t.cache_index_and_filter_blocks_with_high_priority = true;
    t.pin_l0_filter_and_index_blocks_in_cache = true;
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));  // cheap not_found lookups
    t.optimize_filters_for_memory = true;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    o.merge_operator = std::make_shared<CounterAdd>();
    o.sst_partitioner_factory = std::make_shared<KeyspacePartitionerFactory>();
    // 16 MB memtables (the arena grows as writes arrive, so idle RSS does not change): every flush
    // ends in an L0->L1 compaction that rewrites the L1 tables its keys' range spans, which for
    // writes spread over several keyspaces is most of L1. With 4 MB memtables, 1 KiB PutObjects
    // into a store holding a million objects spent a third of the CPU compacting (12.9k/s against
    // 23.9k/s on an empty store); with 16 MB, 21-23k/s.
    o.write_buffer_size = 16 << 20;
    // A bloom filter over the memtable's keys: most point reads are of keys the memtable doesn't
    // hold (every put of a new item first reads the previous one), and the filter answers those
    // without walking the skip list. 2% of the write buffer (320 KB) is plenty for its key count.
    o.memtable_prefix_bloom_size_ratio = 0.02;
    o.memtable_whole_key_filtering = true;
    o.max_write_buffer_number = 2;
    o.arena_block_size = 256 << 10;
    o.max_total_wal_size = 32 << 20;
    o.max_background_jobs = 2;
    o.max_open_files = 256;
    o.table_cache_numshardbits = 2;
    o.keep_log_file_num = 2;
    o.max_log_file_size = 1 << 20;
    // No LOG file: RocksDB's informational log is for tuning RocksDB itself, and writing it (the
    // full options dump at every open) costs start-up time and resident code pages.
    o.info_log = std::make_shared<NullLogger>();
    o.info_log_level = rocksdb::InfoLogLevel::HEADER_LEVEL;
    o.writable_file_max_buffer_size = 64 << 10;  // per open WAL/SST writer; default is 1 MB
    o.stats_dump_period_sec = 0;
    o.stats_persist_period_sec = 0;
    // Statistics (per-core ticker and histogram arrays) only where they tell something: how many
    // WAL syncs group commit saved under --fsync. Writes are counted here.
    if (fsync_) {
      o.statistics = rocksdb::CreateDBStatistics();
      o.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
      stats_ = o.statistics;
    }
    o.skip_stats_update_on_db_open = true;  // don't read every SST's properties at open
    // Group commit: concurrent writers form write groups whose leader writes (and syncs) the
    // WAL once for all of them. No pipelining: it splits each write into a WAL stage and a
    // memtable stage with a hand-off between threads at each, and with more I/O threads than
    // cores those hand-offs are context switches — measured with 4 I/O threads on 2 cores and
    // PutItem of new items, 2.9 switches and 52 us of CPU per write with it, 0.9 and 40 us
    // without.
    o.enable_pipelined_write = false;
    // Writers waiting for their group's leader block on a condition variable after a short spin,
    // without the adaptive sched_yield loop in between: on cores shared with other busy threads
    // (the I/O threads, the client) a yield puts the writer behind all of them for a time slice,
    // which showed up as milliseconds in the write latency tail.
    o.enable_write_thread_adaptive_yield = false;
    // The group's leader inserts every member's (small) batch into the memtable itself, so a
    // follower is woken once, when its write is done, instead of once to insert and once to leave.
    o.allow_concurrent_memtable_write = false;
    o.manual_wal_flush = false;  // every write reaches the OS before Write() returns
    o.unordered_write = false;  // would let a read miss an acknowledged write

    // Flushes and compactions run at idle priority (SCHED_IDLE): a flush holds a core for
    // milliseconds at a time, and at normal priority the kernel lets it run a whole tick while
    // the I/O threads and the commit lane wait behind it — that wait was most of the write
    // latency tail. Idle threads still get every cycle the request threads leave, and when
    // flushing falls behind, RocksDB's write stall frees the cores for it.
    o.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::HIGH, rocksdb::CpuPriority::kIdle);
    o.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW, rocksdb::CpuPriority::kIdle);

    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(o, path_, &db);
    if (!s.ok()) {
      std::string msg = s.ToString();
      if (s.IsIOError() && msg.find("lock") != std::string::npos)
        throw std::runtime_error("storage: data directory " + path_ +
                                 " is in use by another stratus process (" + msg + ")");
      throw std::runtime_error("storage: cannot open RocksDB in " + path_ + ": " + msg);
    }
    db_.reset(db);
    write_opts_.sync = fsync_;
    write_opts_.disableWAL = false;
    deferred_opts_ = write_opts_;
    deferred_opts_.sync = false;  // synced once per group by sync_wal()
  }

  ~RocksEngine() override {
    if (db_) {
      db_->FlushWAL(true);
      db_->Close();
    }
  }

  Status get(std::string_view ks, std::string_view key, std::string* value,
             const Snapshot* snap) override {
    if (auto s = check_keyspace(ks); !s.ok()) return s;
    rocksdb::ReadOptions ro;
    ro.snapshot = raw(snap);
    std::string tmp;
    auto s = db_->Get(ro, encode(ks, key), value ? value : &tmp);
    return to_status(s);
  }

  Status write(const WriteBatch& batch) override {
    if (auto s = check_keyspaces(batch); !s.ok()) return s;

    // The batch's bytes, reserved at once: a header, and per op a tag, two varint lengths,
    // the stored key and the value.
    size_t bytes = 12;
    for (const auto& op : batch.ops()) bytes += 11 + op.keyspace.size() + 1 + op.key.size() + op.value.size();
    rocksdb::WriteBatch wb(bytes);
    std::vector<size_t> stripes;
    stripes.reserve(batch.ops().size() + batch.conditions().size());
    for (const auto& op : batch.ops()) {
      // The stored key <keyspace> 0x00 <key>, in parts (RocksDB copies them into the batch).
      const rocksdb::Slice parts[3] = {op.keyspace, rocksdb::Slice("\0", 1), op.key};
      const rocksdb::SliceParts k(parts, 3);
      const rocksdb::Slice value(op.value);
      const rocksdb::SliceParts v(&value, 1);
      if (op.is_add) {  // merges commute: no stripe needed
        auto s = wb.Merge(k, v);
        if (!s.ok()) return to_status(s);
        continue;
      }
      stripes.push_back(stripe_of(op.keyspace, op.key));
      auto s = op.is_delete ? wb.Delete(k) : wb.Put(k, v);
      if (!s.ok()) return to_status(s);
    }
    std::vector<std::string> cond_keys;
    for (const auto& c : batch.conditions()) {
      cond_keys.push_back(encode(c.keyspace, c.key));
      stripes.push_back(stripe_of(c.keyspace, c.key));
    }
    std::sort(stripes.begin(), stripes.end());
    stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());

    StripeGuard guard(*this, stripes);
    for (size_t i = 0; i < cond_keys.size(); ++i) {
      const auto& c = batch.conditions()[i];
      std::string current;
      auto s = db_->Get(rocksdb::ReadOptions(), cond_keys[i], &current);
      if (!s.ok() && !s.IsNotFound()) return to_status(s);
      bool ok = c.kind == Condition::Kind::exists       ? s.ok()
                : c.kind == Condition::Kind::not_exists ? s.IsNotFound()
                                                        : s.ok() && current == c.value;
      if (!ok) return Status::Conflict("condition failed on " + c.keyspace);
    }
    if (wb.Count() == 0) return Status::OK();
    auto ws = db_->Write(t_deferring == this ? deferred_opts_ : write_opts_, &wb);
    if (ws.ok()) writes_.fetch_add(1, std::memory_order_relaxed);
    return to_status(ws);
  }

  void defer_wal(bool on) override { t_deferring = on ? this : nullptr; }

  Status sync_wal() override { return fsync_ ? to_status(db_->SyncWAL()) : Status::OK(); }

  std::unique_ptr<Iterator> scan(std::string_view ks, const ScanOptions& opts) override {
    if (auto s = check_keyspace(ks); !s.ok()) return std::make_unique<ErrorIterator>(s);
    return std::make_unique<RocksIterator>(db_.get(), ks, opts);
  }

  std::shared_ptr<const Snapshot> snapshot() override {
    return std::make_shared<RocksSnapshot>(db_.get(), db_->GetSnapshot());
  }

  Status clear() override {
    // Every stripe: no conditional batch may straddle the reset.
    std::vector<size_t> all(kStripes);
    for (size_t i = 0; i < kStripes; ++i) all[i] = i;
    StripeGuard guard(*this, all);
    // Keyspace names never start with 0xff bytes (they are text), so this range covers all.
    auto s = db_->DeleteRange(write_opts_, db_->DefaultColumnFamily(), std::string(),
                              std::string(8, '\xff'));
    if (!s.ok()) return to_status(s);
    // Reclaim the space now rather than carry range tombstones through every later scan.
    rocksdb::CompactRangeOptions cro;
    return to_status(db_->CompactRange(cro, nullptr, nullptr));
  }

  Status flush() override {
    auto s = db_->FlushWAL(/*sync=*/true);
    if (!s.ok()) return to_status(s);
    rocksdb::FlushOptions fo;
    fo.wait = true;
    return to_status(db_->Flush(fo));
  }

  std::string describe() const override {
    return std::string(R"({"engine":"rocksdb","path":")") + json_escape(path_) +
           R"(","fsync":)" + (fsync_ ? "true" : "false") +
           R"(,"writes":)" + std::to_string(writes_.load(std::memory_order_relaxed)) +
           (stats_ ? R"(,"wal_syncs":)" + std::to_string(stats_->getTickerCount(rocksdb::WAL_FILE_SYNCED)) : "") +
           "}";
  }

 private:
  // Locks a sorted, duplicate-free list of stripes for the guard's lifetime.
  class StripeGuard {
   public:
    StripeGuard(RocksEngine& e, const std::vector<size_t>& s) : e_(e), stripes_(s) {
      for (size_t i : stripes_) e_.stripes_[i].lock();
    }
    ~StripeGuard() {
      for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) e_.stripes_[*it].unlock();
    }
    StripeGuard(const StripeGuard&) = delete;
    StripeGuard& operator=(const StripeGuard&) = delete;

   private:
    RocksEngine& e_;
    const std::vector<size_t>& stripes_;
  };

  static size_t stripe_of(std::string_view ks, std::string_view key) {
    size_t h = std::hash<std::string_view>{}(key);
    h ^= std::hash<std::string_view>{}(ks) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h % kStripes;
  }

  const std::string path_;
  const bool fsync_;
  std::shared_ptr<rocksdb::Statistics> stats_;  // only with fsync
  std::atomic<uint64_t> writes_{0};
  rocksdb::WriteOptions write_opts_;
  rocksdb::WriteOptions deferred_opts_;  // the writes of a thread that deferred its syncs
  std::unique_ptr<rocksdb::DB> db_;
  // The engine whose WAL syncs the current thread deferred (defer_wal), if any.
  static thread_local const RocksEngine* t_deferring;
  // Stripe i serialises check-and-write of every stored key hashing to i (see top of file).
  std::array<std::mutex, kStripes> stripes_;
};

thread_local const RocksEngine* RocksEngine::t_deferring = nullptr;

}  // namespace

std::unique_ptr<Engine> open_rocksdb(const Options& opts) {
  return std::make_unique<RocksEngine>(opts);
}

}  // namespace stratus::storage
