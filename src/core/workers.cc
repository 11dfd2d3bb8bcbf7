#include "core/workers.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "core/thread.h"

namespace stratus {

void Workers::post(Task fn) {
  std::unique_lock lk(mu_);
  if (stopping_) return;
  queue_.push_back(std::move(fn));
  // Every idle thread already woken for an earlier task counts against the queue.
  if (idle_ >= queue_.size()) {
    lk.unlock();
    cv_.notify_one();
    return;
  }
  if (threads_.size() < max_) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
      run_or_exit(name_, [this] { run(); });
    });
    return;
  }
  lk.unlock();
  cv_.notify_one();
}

void Workers::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (stopping_) return;
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lk.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("{}: task failed: {}", name_, e.what());
    } catch (...) {
      spdlog::error("{}: task failed", name_);
    }
    lk.lock();
  }
}

void Workers::start() {
  std::lock_guard lk(mu_);
  stopping_ = false;
}

void Workers::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    queue_.clear();
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

size_t Workers::threads() const {
  std::lock_guard lk(mu_);
  return threads_.size();
}

}  // namespace stratus
