// A commit lane: one thread that runs a service's writes one after another and acknowledges them
// in groups.
//
// Why: when I/O threads write themselves, concurrent writers meet in RocksDB's write group, where
// all but the leader sleep until the leader has written the log for them. On a machine whose
// cores are shared with busy clients, a sleeping writer — and every other connection of its I/O
// thread — then waits for a time slice: a millisecond or more of tail latency per write, and a
// context switch or two per write. On the lane no writer ever waits for another, and the I/O
// threads stay free to read and answer while writes are applied.
//
// How: submit() queues a task and returns at once. The lane takes every queued task in turn
// ("a group"), runs each with its thread's syncs deferred (Engine::defer_wal) — each write is
// applied, visible to reads and in the log at once — then calls Engine::sync_wal() once (one
// fsync for the whole group under --fsync), and only then runs the tasks' continuations, which
// acknowledge the writes. A write is thus never acknowledged before it is as durable as the
// engine's options promise.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/engine.h"

namespace stratus::storage {

class CommitLane {
 public:
  // What a task leaves to run once its writes are in the log (answering the client); may be
  // empty. Continuations run on the lane thread, after sync_wal(), in submission order.
  using Then = std::function<void(const Status& logged)>;
  using Task = std::function<Then()>;

  CommitLane(Engine& engine, std::string thread_name);
  ~CommitLane();  // runs every queued task, then stops
  CommitLane(const CommitLane&) = delete;
  CommitLane& operator=(const CommitLane&) = delete;

  // Queues a task; any thread. Tasks must not throw (they answer their own errors through their
  // continuation) and must not block on other lane tasks.
  void submit(Task task);

  // Groups and tasks run so far (tests).
  uint64_t groups() const;
  uint64_t tasks() const;

 private:
  void run();

  Engine& engine_;
  const std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Task> queue_;
  bool stopping_ = false;
  uint64_t groups_ = 0, tasks_ = 0;
  std::thread thread_;
};

}  // namespace stratus::storage
