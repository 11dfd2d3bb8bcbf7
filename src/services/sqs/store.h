// SQS's queues in storage and in memory: the queue index (by name, ARN and uid) over the Queue
// objects of queue.h, the one message seq counter, and every read and write of SQS's keyspaces
// (schema.h).
//
// Locking: the index has its own shared mutex, which may be taken while holding a queue's mutex
// (never the other way round); no Store method holds it while calling out.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/sqs/queue.h"
#include "services/sqs/schema.h"
#include "storage/engine.h"

namespace stratus::sqs {

class Store {
 public:
  // Before load() and any other call.
  void open(storage::Engine& engine) { engine_ = &engine; }
  storage::Engine& engine() { return *engine_; }

  // Reads every queue with its messages, receive state, dedup entries and receive attempts
  // into memory, re-keys messages of the old uid-first layout, and adds the deletes of records
  // that belong to no queue (or expired) to `orphans` (the caller writes them).
  void load(int64_t now, storage::WriteBatch& orphans);

  // ---- the index ----
  QueuePtr find(const std::string& key);  // by queue_key()
  QueuePtr by_arn(const std::string& arn);
  std::vector<QueuePtr> all();
  // Queues whose key starts with `prefix`, in key order.
  std::vector<QueuePtr> with_prefix(const std::string& prefix);
  // CreateQueue's step under the index lock: the queue already under `key` (second = false),
  // or the queue make() builds, stored and indexed (second = true). Throws QueueDeletedRecently
  // within kQueueReuseMs of a delete, whatever make() throws, and InternalFailure when the
  // record can't be stored.
  std::pair<QueuePtr, bool> create(const std::string& key, int64_t now, const std::function<QueuePtr()>& make);
  // Unindexes `q` (false when it is no longer the queue under its name) and deletes its record
  // (InternalFailure thrown when that fails).
  bool remove(const QueuePtr& q, int64_t now);
  // Forgets every queue (storage was wiped); returns them to retire.
  std::vector<QueuePtr> clear();

  // The next message seq (take it under the target queue's mutex, so a queue's seqs increase
  // in the order its messages are prepared).
  uint64_t take_seq() { return next_seq_++; }

  // ---- records ----
  storage::Status save_queue(Queue& q);  // REQUIRES(q.mu)
  storage::Status write(storage::WriteBatch& b) { return engine_->write(b); }
  // Adds a prepared message's record (and its FIFO dedup entry) to a batch. m->payload is set.
  static void stage(storage::WriteBatch& b, const Queue& q, const MessagePtr& m, int64_t now);
  // A message's payload: the resident one, or read back from its record. A record that is gone
  // or unreadable (a storage fault) gives an empty payload, logged, rather than failing the
  // receive of every other message.
  PayloadPtr payload_of(const Queue& q, const Message& m);
  void fill_payloads(const Queue& q, std::vector<Picked>& got);
  // Deletes the stored records of a queue's messages (by seq: message keys start with the seq)
  // and, when all_keys, its dedup entries and receive attempts. Records a crash leaves behind
  // are orphans that load() deletes.
  void drop_stored(const std::string& uid, const std::vector<uint64_t>& seqs, bool all_keys);
  // The value of a sqs.attempts record.
  static std::string encode_attempt(int64_t expires, const std::vector<Picked>& got);
  // The JSON record of a queue (sqs.queues). REQUIRES(q.mu)
  static std::string queue_record(const Queue& q);

 private:
  storage::Engine* engine_ = nullptr;
  std::shared_mutex map_mu_;
  std::map<std::string, QueuePtr> queues_;                // GUARDED_BY(map_mu_) by queue_key
  std::unordered_map<std::string, QueuePtr> by_arn_;      // GUARDED_BY(map_mu_)
  std::unordered_map<std::string, QueuePtr> by_uid_;      // GUARDED_BY(map_mu_)
  std::unordered_map<std::string, int64_t> deleted_at_;   // GUARDED_BY(map_mu_) name reuse rule
  std::atomic<uint64_t> next_seq_{1};
};

}  // namespace stratus::sqs
