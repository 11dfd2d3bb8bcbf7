#include "storage/lane.h"

#include <pthread.h>

#include <utility>
#include "core/thread.h"

namespace stratus::storage {

CommitLane::CommitLane(Engine& engine, std::string thread_name)
    : engine_(engine), name_(std::move(thread_name)) {
  // Callers wait for their group's outcome: a lane that stopped would hang them all.
  thread_ = std::thread([this] { run_or_exit(name_, [this] { run(); }); });
}

CommitLane::~CommitLane() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void CommitLane::submit(Task task) {
  bool wake;
  {
    std::lock_guard l(mu_);
    wake = queue_.empty();  // a non-empty queue means the lane is awake or about to be
    queue_.push_back(std::move(task));
  }
  if (wake) cv_.notify_one();
}

uint64_t CommitLane::groups() const {
  std::lock_guard l(mu_);
  return groups_;
}

uint64_t CommitLane::tasks() const {
  std::lock_guard l(mu_);
  return tasks_;
}

void CommitLane::run() {
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  std::vector<Task> group;
  std::vector<Then> thens;
  for (;;) {
    {
      std::unique_lock l(mu_);
      cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      group.swap(queue_);
    }
    engine_.defer_wal(true);
    for (Task& t : group) thens.push_back(t());
    engine_.defer_wal(false);
    Status logged = engine_.sync_wal();
    {
      std::lock_guard l(mu_);
      ++groups_;
      tasks_ += group.size();
    }
    for (Then& then : thens)
      if (then) then(logged);
    group.clear();
    thens.clear();
  }
}

}  // namespace stratus::storage
