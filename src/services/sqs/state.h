// The running SQS: its store and move tasks, its scheduler, and the message flow every entry point
// shares — sending (prepare, then one atomic write, then settle), receiving (picks, long-poll
// waiters, receive state written back), deleting and visibility changes by receipt handle.
// The operation handlers (ops/) and the port (port.h) are thin layers over these.
//
// Locking: see queue.h and store.h. No method here holds a queue's mutex while writing to
// storage, except where noted (REQUIRES).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/doc.h"
#include "core/scheduler.h"
#include "core/result.h"
#include "services/sqs/api.h"
#include "services/sqs/move_tasks.h"
#include "services/sqs/queue.h"
#include "services/sqs/store.h"

namespace stratus::cloudwatch {
class Api;
}

namespace stratus::sqs {

// One message to send, parsed from a request (or a Delivery).
struct SendInput {
  std::string body;
  Attributes attrs;
  std::string trace_header;
  int64_t delay = -1;  // -1: the queue's DelaySeconds
  std::string group_id, dedup_id;
  std::string sender_id;
  bool finish_on_read = false;
  size_t finished_size = 0;
  bool queue_size_limit = true;  // false: kMaxMessageBytes instead of the queue's MaximumMessageSize
};

struct SendOutcome {
  MessagePtr msg;          // the message written (nullptr for a duplicate)
  PayloadPtr payload;      // what was written; for a duplicate, only the digests of this send
  std::string message_id;
  uint64_t sequence_number = 0;
  bool duplicate = false;
};

// A receipt handle's contents: the queue's uid, the message's seq, the receive's nonce.
struct Handle {
  std::string uid;
  uint64_t seq;
  uint32_t nonce;
};
std::string receipt_handle(const Queue& q, const Picked& p);
std::optional<Handle> parse_handle(std::string_view h);

// ReceiveMessage's input, checked (InvalidParameterValue thrown).
ReceiveParams parse_receive(const Doc& in);
// ReceiveMessage's output for picked messages (payloads filled). A message stored with
// finish_on_read has its body finished by `finish`.
Doc receive_output(const Queue& q, const std::vector<Picked>& got, const ReceiveParams& params,
                   const Api::BodyFinisher& finish);

class State {
 public:
  Store store;
  MoveTasks tasks;
  Api::BodyFinisher finisher;  // set once by SNS at start-up, before requests are served
  // AWS/SQS metrics by QueueName (cloudwatch/api.h; nullptr without CloudWatch), set before start().
  cloudwatch::Api* metrics = nullptr;
  void metric(const Queue& q, std::string_view name, double value, std::string_view unit = "Count");
  // The queues' gauges (ApproximateNumberOfMessagesVisible/NotVisible/Delayed), once a minute.
  void publish_gauges();

  // Loads everything from `engine` and resumes running move tasks on `sched` (ServerContext's
  // "sqs" scheduler: long-poll deadlines, visibility wake-ups, move task steps). Nothing timed
  // is durable: after a restart, start() re-arms what it needs.
  void start(storage::Engine& engine, Scheduler& sched);
  // Runs fn at when_ms on the scheduler (dropped before start() and once it stopped).
  void at(std::string_view task, int64_t when_ms, std::function<void()> fn) {
    if (sched_) sched_->at(task, when_ms, std::move(fn));
  }
  // Storage was wiped: forget every queue (their waiters get empty answers) and task.
  void reset();

  // ---- sending ----
  // Checks one message against the queue and reserves its place (seq, dedup entry). Nothing is
  // stored yet; commit() (or Store::stage + a write + settle()) writes. Throws the error that
  // keeps the message out (QueueDoesNotExist, too large, FIFO rules).
  SendOutcome prepare(Queue& q, SendInput& in, int64_t now);
  // After the write of staged messages: makes them visible (or forgets their dedup entries when
  // the write failed) and serves waiting receivers.
  void settle(const QueuePtr& q, const std::vector<MessagePtr>& msgs, const storage::Status& st, int64_t now);
  // Stores prepared messages in one atomic batch, then makes them visible to receivers.
  storage::Status commit(const QueuePtr& q, const std::vector<MessagePtr>& msgs, int64_t now);
  SendOutcome send_one(const QueuePtr& q, SendInput in);  // prepare() and commit(); throws

  // ---- receiving ----
  // ReceiveMessage on a queue (parse_receive() checked its input); `done` is called once,
  // inline or when a long poll ends.
  void receive_from(const QueuePtr& queue, const ReceiveParams& p, Done done);
  // Serves waiting receivers from newly visible messages and ends those whose time is up.
  void wake(const QueuePtr& q);
  // Marks a queue gone: waiting receivers get an empty answer.
  void retire(const QueuePtr& q);
  // Writes the effects of a pick (receive state, expiry, dead-lettering) and moves
  // dead-lettered messages into their queues.
  void apply(Queue& q, PickResult& r);

  // ---- by receipt handle ----
  // Deletes one message (a message already gone is success) and adds the writes to `b`;
  // throws ReceiptHandleIsInvalid.
  void delete_one(Queue& q, const std::string& handle, storage::WriteBatch& b);
  // ChangeMessageVisibility of one message; sets `woke` when waiters should be served after
  // the write. Throws the entry's error (bad handle, not in flight, timeout out of range).
  void change_one(Queue& q, const std::string& handle, int64_t vt, storage::WriteBatch& b, bool& woke);

 private:
  Scheduler* sched_ = nullptr;
  void arm(const QueuePtr& q);  // REQUIRES(q->mu)
  std::function<QueuePtr(const std::string&)> resolver();
  // What a FIFO receive with a ReceiveRequestAttemptId returned, for its retries. REQUIRES(q.mu)
  // apply() stores it with the receive state.
  static void remember_attempt(Queue& q, const std::string& id, PickResult& r, int64_t now);
};

}  // namespace stratus::sqs
