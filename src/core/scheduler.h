// Scheduler — in-process timed and background work: one thread that runs named tasks in time
// order. Every background loop of a service runs on one (services get theirs from
// ServerContext::scheduler(name)); durable timed work (retries, periodic sweeps that must survive
// a restart) belongs on events::Queue instead, whose deliveries are stored.
//
//   Scheduler& s = ctx.scheduler("sqs");
//   s.post("sqs.move-task", [] { ... });                          // as soon as possible
//   auto id = s.at("sqs.poll-deadline", now_millis() + 20'000, [] { ... });
//   s.every("dynamodb.sweep", 5'000, [] { ... });                  // first run one period from now
//   s.cancel(id);
//
// Contract
// - Tasks run on the scheduler's one thread, in (due time, submission) order; a task that runs
//   long delays the others, so hand long work elsewhere or give it its own scheduler.
// - Names are for logs: an exception from a task is logged with the scheduler's and the task's
//   name, and the scheduler goes on with the next task.
// - every(): the next run is due one period after the previous one was due, or one period from
//   now when that is already past (no catch-up bursts after a stall). cancel() from inside the
//   task itself ends the chain too.
// - All methods are thread safe and may be called from tasks. Tasks submitted while stopped are
//   dropped. stop() drops every pending task, waits for the running one and joins the thread;
//   it must not be called from a task. start() after stop() runs again (POST /_stratus/reset).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

namespace stratus {

class Scheduler {
 public:
  using TaskId = uint64_t;
  using Task = std::function<void()>;

  // `name` names the thread (at most 15 characters are visible in ps/top). Starts running.
  explicit Scheduler(std::string name);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  const std::string& name() const { return name_; }

  void post(std::string_view task_name, Task fn) { at(task_name, 0, std::move(fn)); }
  // Runs fn once at when_ms (epoch milliseconds; past or 0: as soon as possible).
  TaskId at(std::string_view task_name, int64_t when_ms, Task fn);
  // Runs fn every period_ms (>= 1), the first time one period from now.
  TaskId every(std::string_view task_name, int64_t period_ms, Task fn);
  // True when the task was pending (it will not run) or is periodic (no further runs).
  bool cancel(TaskId id);

  void start();
  void stop();
  // Tasks waiting to run (not counting a running one).
  size_t pending() const;

 private:
  struct Job {
    std::string name;
    std::shared_ptr<Task> fn;  // shared by the occurrences of a periodic task
    int64_t period_ms = 0;     // 0: once
  };
  using Key = std::pair<int64_t, uint64_t>;  // (due ms, sequence)
  void run();

  const std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, TaskId> due_;               // GUARDED_BY(mu_) time order
  std::unordered_map<TaskId, std::pair<Key, Job>> jobs_;  // GUARDED_BY(mu_) pending by id
  TaskId running_ = 0;                      // GUARDED_BY(mu_) id of the task being run, or 0
  bool running_cancelled_ = false;          // GUARDED_BY(mu_) cancel() hit the running task
  uint64_t seq_ = 0;                        // GUARDED_BY(mu_)
  bool stopping_ = false;                   // GUARDED_BY(mu_)
  std::thread thread_;                      // touched by start/stop only
};

}  // namespace stratus
