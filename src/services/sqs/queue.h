// The in-memory side of SQS: one Queue per queue with its message indexes and waiting
// receivers, rebuilt from storage at start. Storage stays the source of truth: every change is
// written (one atomic batch per request) before the request is answered.
//
// Locking: each Queue has its own mutex `mu`; no code holds two queue mutexes at once. The
// Store's queue index has its own shared mutex, which may be taken while holding a queue's mutex
// (never the other way round).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "services/service.h"
#include "services/sqs/message.h"

namespace stratus::sqs {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// The settable attributes, parsed.
struct Config {
  int64_t visibility_timeout = 30;
  int64_t delay_seconds = 0;
  int64_t retention_seconds = 345600;
  int64_t maximum_message_size = 1048576;
  int64_t receive_wait_seconds = 0;
  bool content_based_dedup = false;
  bool dedup_scope_group = false;  // DeduplicationScope=messageGroup
  std::string dlq_arn;             // from RedrivePolicy
  int64_t max_receive_count = 0;
};

// What a receiver asked for (ReceiveMessage input, checked).
struct ReceiveParams {
  int max = 1;
  int64_t visibility_timeout = -1;  // -1: the queue's
  int64_t wait_seconds = 0;
  std::vector<std::string> system_names;   // AttributeNames + MessageSystemAttributeNames
  std::vector<std::string> attribute_names;  // MessageAttributeNames
  std::string attempt_id;                    // ReceiveRequestAttemptId (FIFO queues)
};

// A message handed to a receiver, with the receive state as of that moment.
struct Picked {
  MessagePtr msg;
  PayloadPtr payload;  // the message's resident payload (nullptr: the service reads the record)
  uint32_t receive_count;
  int64_t first_receive_ms;
  uint32_t nonce;
  int64_t visible_at;
};

class Queue;
using QueuePtr = std::shared_ptr<Queue>;

// The outcome of one pick: what to answer and what to write.
struct PickResult {
  std::vector<Picked> got;
  std::vector<MessagePtr> expired;                     // retention passed: delete
  std::vector<std::pair<QueuePtr, MessagePtr>> to_dlq;  // maxReceiveCount passed: move
  std::string attempt_id;   // FIFO ReceiveRequestAttemptId to store with the receive ("" = none)
  int64_t attempt_expires = 0;
};

struct Waiter {
  ReceiveParams params;
  Done done;
  int64_t deadline_ms;
  std::string host;  // unused by output today; kept for symmetry with sync receives
  bool finished = false;
};
using WaiterPtr = std::shared_ptr<Waiter>;

struct DedupEntry {
  int64_t expires_ms;
  std::string message_id;
  uint64_t sequence_number;
};

class Queue {
 public:
  // Identity, fixed at creation.
  std::string account, region, name, uid, arn;
  bool fifo = false;
  int64_t created_ms = 0;

  std::mutex mu;
  // Everything below is GUARDED_BY(mu).
  std::map<std::string, std::string> attributes;  // settable attributes as the user set them
  std::map<std::string, std::string> tags;
  int64_t modified_ms = 0;
  Config cfg;
  bool deleted = false;
  int64_t last_purge_ms = 0;
  std::map<uint64_t, MessagePtr> messages;          // every stored message, by seq
  std::set<uint64_t> ready;                         // visible now
  std::set<std::pair<int64_t, uint64_t>> hidden;    // (visible_at, seq): delayed or in flight
  size_t in_flight = 0;                             // hidden messages that were received
  std::unordered_map<std::string, int> group_in_flight;  // FIFO: received, invisible per group
  std::unordered_map<std::string, DedupEntry> dedup;     // FIFO: dedup key -> first send
  // FIFO: ReceiveRequestAttemptId -> (expiry, what that receive returned), for retries.
  std::unordered_map<std::string, std::pair<int64_t, std::vector<Picked>>> attempts;
  std::list<WaiterPtr> waiters;
  int64_t armed_at = kNever;  // the earliest timer wake requested

  // Adds a message to the indexes (visible or hidden by its visible_at).
  void insert(const MessagePtr& m, int64_t now);
  // Removes a message from every index.
  void erase(MessagePtr m, int64_t now);  // by value: m may be the map's own copy
  // Moves hidden messages whose time came into `ready`.
  void promote(int64_t now);
  // Picks up to p.max messages for a receiver, making them invisible. resolve_dlq finds the
  // dead-letter queue by ARN (nullptr when gone).
  PickResult pick(const ReceiveParams& p, int64_t now, const std::function<QueuePtr(const std::string&)>& resolve_dlq);
  // Sets a received message's visibility (ChangeMessageVisibility).
  void set_visible_at(MessagePtr m, int64_t at, int64_t now);
  // The earliest moment something may change for the waiters (kNever when no waiters).
  int64_t next_wake() const;
  size_t delayed() const { return hidden.size() - in_flight; }
  std::string dedup_key(const std::string& group, const std::string& id) const {
    return cfg.dedup_scope_group ? group + '\n' + id : id;
  }
};

}  // namespace stratus::sqs
