// Workers — an elastic pool of threads for work that must not run on an I/O thread: CPU-heavy
// steps (Cognito's PBKDF2 password hashes) and steps that wait (a Cognito operation waiting for
// its Lambda trigger, which may itself call back into Cognito).
//
//   Workers w("cognito-work", 32);
//   w.post([ctx, done] { done(slow_thing()); });
//
// Contract
// - post() runs the task on an idle thread; when none is idle and fewer than `max_threads` run,
//   it starts one (threads start lazily: an idle server has none). Past the cap, tasks queue and
//   run in submission order as threads free up. So a task that waits for another task (a trigger
//   calling back) deadlocks only when `max_threads` tasks wait at once.
// - Threads live until stop(). An exception from a task is logged and the thread goes on.
// - stop() drops the queued tasks, waits for the running ones and joins every thread; it must not
//   be called from a task. post() after stop() drops the task. start() after stop() runs again.
// - All methods are thread safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace stratus {

class Workers {
 public:
  using Task = std::function<void()>;
  Workers(std::string name, size_t max_threads) : name_(std::move(name)), max_(max_threads ? max_threads : 1) {}
  ~Workers() { stop(); }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  void post(Task fn);
  void start();
  void stop();
  size_t threads() const;  // threads started so far

 private:
  void run();

  const std::string name_;
  const size_t max_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;            // GUARDED_BY(mu_)
  size_t idle_ = 0;                   // GUARDED_BY(mu_) threads waiting for a task
  bool stopping_ = false;             // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;  // GUARDED_BY(mu_)
};

}  // namespace stratus
