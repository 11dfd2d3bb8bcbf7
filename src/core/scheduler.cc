#include "core/scheduler.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/clock.h"
#include "core/thread.h"

namespace stratus {

Scheduler::Scheduler(std::string name) : name_(std::move(name)) { start(); }

Scheduler::~Scheduler() { stop(); }

Scheduler::TaskId Scheduler::at(std::string_view task_name, int64_t when_ms, Task fn) {
  TaskId id;
  {
    std::lock_guard lk(mu_);
    if (stopping_) return 0;
    id = ++seq_;
    Key key{when_ms, id};
    due_.emplace(key, id);
    jobs_.emplace(id, std::make_pair(key, Job{std::string(task_name), std::make_shared<Task>(std::move(fn)), 0}));
  }
  cv_.notify_one();
  return id;
}

Scheduler::TaskId Scheduler::every(std::string_view task_name, int64_t period_ms, Task fn) {
  if (period_ms < 1) period_ms = 1;
  TaskId id;
  {
    std::lock_guard lk(mu_);
    if (stopping_) return 0;
    id = ++seq_;
    Key key{now_millis() + period_ms, id};
    due_.emplace(key, id);
    jobs_.emplace(id,
                  std::make_pair(key, Job{std::string(task_name), std::make_shared<Task>(std::move(fn)), period_ms}));
  }
  cv_.notify_one();
  return id;
}

bool Scheduler::cancel(TaskId id) {
  std::lock_guard lk(mu_);
  if (id != 0 && id == running_) {
    running_cancelled_ = true;
    return true;
  }
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return false;
  due_.erase(it->second.first);
  jobs_.erase(it);
  return true;
}

void Scheduler::start() {
  std::lock_guard lk(mu_);
  stopping_ = false;
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    run_restarting("scheduler " + name_, [this] { run(); });
  });
}

void Scheduler::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    due_.clear();
    jobs_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

size_t Scheduler::pending() const {
  std::lock_guard lk(mu_);
  return jobs_.size();
}

void Scheduler::run() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    if (due_.empty()) {
      cv_.wait(lk);
      continue;
    }
    auto first = due_.begin();
    int64_t now = now_millis();
    if (first->first.first > now) {
      cv_.wait_for(lk, std::chrono::milliseconds(first->first.first - now));
      continue;
    }
    TaskId id = first->second;
    due_.erase(first);
    auto node = jobs_.extract(id);
    Job job = std::move(node.mapped().second);
    int64_t was_due = node.mapped().first.first;
    running_ = id;
    running_cancelled_ = false;
    lk.unlock();
    try {
      (*job.fn)();
    } catch (const std::exception& e) {
      spdlog::error("scheduler {}: task {} failed: {}", name_, job.name, e.what());
    } catch (...) {
      spdlog::error("scheduler {}: task {} failed: non-standard exception", name_, job.name);
    }
    lk.lock();
    running_ = 0;
    if (job.period_ms > 0 && !running_cancelled_ && !stopping_) {
      int64_t next = was_due + job.period_ms;
      if (int64_t t = now_millis(); next <= t) next = t + job.period_ms;
      Key key{next, ++seq_};
      due_.emplace(key, id);
      jobs_.emplace(id, std::make_pair(key, std::move(job)));
    }
  }
}

}  // namespace stratus
