// Message move tasks (StartMessageMoveTask & co.): moving a dead-letter queue's messages back
// to their sources, or to a given queue, in steps on SQS's scheduler.
//
// Tasks are stored (sqs.tasks) when they start, after each step and when they end, so a
// restart lists them and resumes the running ones. The newest 10 per source queue are kept.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/doc.h"
#include "storage/engine.h"

namespace stratus::sqs {

class State;

struct MoveTask {
  std::string id, handle, source_arn, dest_arn;
  int64_t rate = 0;  // MaxNumberOfMessagesPerSecond; 0: as fast as it goes
  std::string status = "RUNNING";
  int64_t moved = 0, to_move = 0, started_ms = 0;
  std::string failure;
};
using MoveTaskPtr = std::shared_ptr<MoveTask>;

class MoveTasks {
 public:
  // Before load() and any other call.
  void open(storage::Engine& engine) { engine_ = &engine; }
  // At start: the stored tasks, the newest 10 per source (older ones are added to `drop`).
  // Returns the running ones, to carry on once the queues are loaded.
  std::vector<MoveTaskPtr> load(storage::WriteBatch& drop);
  // Records a new task (to_move counted by the caller; the caller schedules its first step).
  // Throws InvalidParameterValue when one is running for the same source.
  void begin(MoveTaskPtr t);
  // One step of a task: moves up to a step's worth of visible messages (one atomic batch)
  // and schedules the next step (State::at), until the count found at start is moved.
  void step(State& s, const MoveTaskPtr& t);
  // ListMessageMoveTasks' Results for a source: newest first, at most `max`.
  Doc results(const std::string& source_arn, int64_t max);
  // CancelMessageMoveTask's output. Throws ResourceNotFoundException for an unknown task,
  // UnsupportedOperation for one no longer running.
  Doc cancel(const std::string& id, const std::string& source_arn);
  // Storage was wiped: every task ends (CANCELLED) and is forgotten.
  void reset();

  // The JSON record of a task (sqs.tasks), and back (throws on a malformed record).
  static std::string record(const MoveTask& t);
  static void read_record(std::string_view json, MoveTask& t);

 private:
  void save(const MoveTask& t);  // REQUIRES(mu_) for a running task
  storage::Engine* engine_ = nullptr;
  std::mutex mu_;
  std::map<std::string, std::vector<MoveTaskPtr>> tasks_;  // GUARDED_BY(mu_) by source ARN, oldest first
};

}  // namespace stratus::sqs
