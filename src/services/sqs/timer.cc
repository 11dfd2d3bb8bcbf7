#include "services/sqs/timer.h"

#include "core/clock.h"
#include "core/thread.h"

namespace stratus::sqs {

Timer::Timer() : thread_([this] { run_restarting("sqs-timer", [this] { run(); }); }) {}

Timer::~Timer() { stop(); }

void Timer::at(int64_t when_ms, std::function<void()> fn) {
  std::lock_guard lk(mu_);
  bool earliest = due_.empty() || when_ms < due_.begin()->first;
  due_.emplace(when_ms, std::move(fn));
  if (earliest) cv_.notify_one();
}

void Timer::stop() {
  {
    std::lock_guard lk(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    due_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Timer::run() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    if (due_.empty()) {
      cv_.wait(lk);
      continue;
    }
    int64_t now = now_millis();
    int64_t first = due_.begin()->first;
    if (first > now) {
      cv_.wait_for(lk, std::chrono::milliseconds(first - now));
      continue;
    }
    auto fn = std::move(due_.begin()->second);
    due_.erase(due_.begin());
    lk.unlock();
    fn();
    lk.lock();
  }
}

}  // namespace stratus::sqs
