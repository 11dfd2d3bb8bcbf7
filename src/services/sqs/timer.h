// SQS's timer: one thread that runs callbacks at given moments — long-poll deadlines, wake-ups
// when delayed or in-flight messages become visible, and the steps of message move tasks.
// Callbacks run on the timer's thread, one at a time, without the timer's lock held (they may
// call at() again). Nothing here is durable: after a restart, load() re-arms what it needs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace stratus::sqs {

class Timer {
 public:
  Timer();  // starts the thread
  ~Timer();
  // Runs fn at when_ms (epoch milliseconds; a past moment means now). Thread safe.
  void at(int64_t when_ms, std::function<void()> fn);
  // Drops what is due and joins the thread (callable more than once, also from a callback).
  void stop();

 private:
  void run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<int64_t, std::function<void()>> due_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                              // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace stratus::sqs
