// events::Queue — durable internal deliveries between services (stream → function,
// queue → function, topic fan-out, notifications) and periodic work (TTL sweeps, schedules).
//
// Storage layout (all through storage::Engine, so it is as durable as the engine):
//   "events.pending"   key = be64(due_at_ms) be64(seq)   value = delivery record
//                      bytewise key order is delivery order: earliest due first, then FIFO.
//   "events.schedules" key = schedule name               value = schedule record
//
// Contracts
// - enqueue() returns ok only once the delivery is in the engine (durable per the engine's
//   contract). It may be called from any thread, before start() and after stop(); deliveries
//   enqueued while stopped are delivered by the next Queue opened on the same engine.
// - Delivery is at-least-once: a delivery is removed only after its handler returned done or
//   drop. A crash (or stop) while the handler runs redelivers it later with the same attempt.
//   Handlers must therefore be idempotent.
// - Handlers are called on the dispatcher threads, never under a Queue lock; they may call
//   enqueue(). With QueueOptions::threads == 1 deliveries start in (due_at_ms, enqueue) order;
//   with more threads, deliveries that are due together may run concurrently.
// - A delivery whose topic has no subscriber is held (not dropped) until one subscribes.
//   Subscribe every topic before start() so that recovered deliveries find their handler.
// - retry_after(ms) stores the delivery again, due now + ms, with attempt + 1; the attempt
//   count survives restarts. An exception from a handler counts as retry_after(backoff_ms()).
// - schedule(name, ...) is idempotent: calling it again with the same topic, payload and
//   period (as every service does at startup) keeps the running chain. Each occurrence is a
//   normal delivery (payload, attempt, retries); the next occurrence is enqueued atomically with
//   the completion of an occurrence's first attempt, due one period after the previous one (or
//   one period from now when that is already past: no catch-up bursts after downtime).
// - stop() stops dispatching, waits for in-flight handlers, and returns; undelivered entries
//   stay stored. Never call it from a handler (it joins the handler's own thread). The
//   destructor calls stop(). The engine must outlive the Queue.
// - After Engine::clear() (POST /_stratus/reset) call reset(): it forgets the in-memory index
//   and re-arms the schedules this process registered.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "storage/engine.h"

namespace stratus::events {

struct Delivery {
  std::string topic;
  std::string payload;
  uint32_t attempt = 0;    // 0 on the first delivery, +1 for every retry
  int64_t due_at_ms = 0;   // when this attempt became due (epoch milliseconds)
  std::string schedule;    // the schedule name for periodic occurrences, else empty
};

struct Verdict {
  enum class Kind { done, retry, drop };
  Kind kind = Kind::done;
  int64_t delay_ms = 0;
  static Verdict done() { return {Kind::done, 0}; }
  static Verdict retry_after(int64_t ms) { return {Kind::retry, ms < 0 ? 0 : ms}; }
  // Gives up on the delivery; the queue forgets it (callers log or dead-letter it themselves).
  static Verdict drop() { return {Kind::drop, 0}; }
};

using Handler = std::function<Verdict(const Delivery&)>;
// An asynchronous handler hands the delivery's work off (an HTTP call, a worker pool) and returns
// at once; `finish` records the verdict later, from any thread (the first call counts).
using Finish = std::function<void(Verdict)>;
using AsyncHandler = std::function<void(const Delivery&, Finish finish)>;

// Exponential backoff for retries: base * 2^attempt, capped.
int64_t backoff_ms(uint32_t attempt, int64_t base_ms = 100, int64_t cap_ms = 60'000);

struct QueueOptions {
  int threads = 1;  // dispatcher threads (1–2 is plenty: handlers hand work off, they don't run it)
};

class Queue {
 public:
  // Loads the pending index from the engine. Does not dispatch until start().
  explicit Queue(storage::Engine& engine, QueueOptions opts = {});
  ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Durable when it returns ok. due_at_ms <= now means "as soon as possible".
  storage::Status enqueue(std::string_view topic, std::string_view payload, int64_t due_at_ms = 0);

  // For deliveries that must commit atomically with service state (e.g. a stream record and the
  // item write that caused it): add() puts the delivery into the caller's batch; after the batch
  // committed, published() makes the dispatcher aware of it (without published() it is still
  // delivered, but only after the next restart).
  struct Ticket {
    int64_t due_at_ms;
    uint64_t seq;
    std::string topic;
  };
  Ticket add(storage::WriteBatch& batch, std::string_view topic, std::string_view payload,
             int64_t due_at_ms = 0);
  void published(const Ticket& t);

  // Replaces the topic's handler. Thread safe; may be called while running.
  void subscribe(std::string topic, Handler handler);
  // The same for a handler that answers later: the dispatcher goes on with the next delivery
  // while this one waits, and the delivery stays stored until `finish` records its verdict. A
  // `finish` called after stop() (or never: a dropped task) does nothing; the delivery is then
  // redelivered by the next Queue opened on the engine.
  void subscribe_async(std::string topic, AsyncHandler handler);

  storage::Status schedule(std::string_view name, std::string_view topic, std::string_view payload,
                           int64_t every_ms);
  // Stops the chain: the pending occurrence is dropped when it comes due.
  storage::Status unschedule(std::string_view name);

  void start();
  void stop();
  void reset();

  // Deliveries known to this process that are not finished (pending or in flight).
  size_t pending() const;

 private:
  struct Entry {
    int64_t wake_ms;  // in-memory delivery time; later than due_ms only after a storage error
    int64_t due_ms;   // together with seq, the stored key
    uint64_t seq;
    std::string topic;
    bool operator<(const Entry& o) const {
      return std::tie(wake_ms, due_ms, seq) < std::tie(o.wake_ms, o.due_ms, o.seq);
    }
  };
  struct ScheduleDef {
    std::string topic, payload;
    int64_t every_ms;
  };

  void load();
  void run();
  struct Gate;  // lets late `finish` calls reach this Queue only until stop()
  void deliver(Entry e, const AsyncHandler& handler);
  // Records a delivery's verdict: `raw` is its stored record, `next_occurrence` the encoded next
  // occurrence of its schedule chain (empty: none) due `every_ms` after it.
  void complete(Entry e, const std::string& key, const std::string& raw, const std::string& next_occurrence,
                int64_t every_ms, Verdict v);
  void done_one();
  void insert(std::vector<Entry> entries);
  uint64_t next_seq();
  storage::Status arm(const std::string& name, const ScheduleDef& def, bool force);

  storage::Engine& engine_;
  const QueueOptions opts_;

  mutable std::mutex mu_;
  std::condition_variable cv_;                                 // index_ or stopping_ changed
  std::set<Entry> index_;                                      // GUARDED_BY(mu_) deliverable
  std::map<std::string, std::vector<Entry>, std::less<>> parked_;  // GUARDED_BY(mu_) no handler
  std::map<std::string, std::shared_ptr<AsyncHandler>, std::less<>> handlers_;  // GUARDED_BY(mu_)
  std::map<std::string, ScheduleDef, std::less<>> schedules_;  // GUARDED_BY(mu_) registered here
  size_t in_flight_ = 0;                                       // GUARDED_BY(mu_)
  std::shared_ptr<Gate> gate_;                                 // set by start(), closed by stop()
  bool stopping_ = false;                                      // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;                           // touched by start/stop only
  uint64_t seq_ = 0;                                           // GUARDED_BY(mu_)
  // Serialises schedule()/unschedule()/reset() so a schedule's record and its first occurrence
  // are written by one caller at a time. Never held together with mu_ by the same thread while
  // waiting (lock order: schedule_mu_ before mu_).
  std::mutex schedule_mu_;
  uint64_t generation_state_;  // GUARDED_BY(schedule_mu_) source of schedule generations
};

}  // namespace stratus::events
