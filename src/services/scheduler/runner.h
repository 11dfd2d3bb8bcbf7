// Firing schedules and invoking their targets, durably, on the "scheduler" scheduler.
//
// Every second (STRATUS_SCHEDULER_TICK_MS), and at the next stored fire or attempt time when that
// comes before the next tick (a one-shot wake-up armed by each tick), tick() reads the fire times that are due
// (scheduler.due) and the invocations whose attempt is due (scheduler.invocations):
// - A due fire time is turned, in one batch, into an invocation record (due at the scheduled time,
//   or at a time picked at random in the FlexibleTimeWindow: [time, time + MaximumWindowInMinutes),
//   STRATUS_SCHEDULER_WINDOW_MINUTE_MS shortens its minutes for tests), the schedule's next fire time and
//   its new fire-time entry. A kill -9 before the batch fires it again after the restart; after
//   it, the invocation is attempted after the restart.
// - An invocation is attempted (at least once): the target's Input with the context attributes
//   <aws.scheduler.schedule-arn>, <aws.scheduler.scheduled-time>, <aws.scheduler.execution-id>
//   and <aws.scheduler.attempt-number> replaced, sent to the templated target (Lambda async
//   Invoke, SQS SendMessage with SqsParameters.MessageGroupId, SNS Publish, EventBridge PutEvents
//   with EventBridgeParameters, Step Functions StartExecution) or the universal target
//   arn:aws:scheduler:::aws-sdk:<service>:<action> (the action's JSON request through ctx.call,
//   as the schedule's RoleArn). A failure is retried with exponential backoff
//   (STRATUS_SCHEDULER_RETRY_MS, default 1 s, doubling, at most 5 min) while the RetryPolicy
//   allows (MaximumRetryAttempts, default 185; MaximumEventAgeInSeconds from the scheduled time,
//   default 86400); errors a retry cannot mend (4xx but throttling) are not retried. Then the
//   invocation goes to the DeadLetterConfig queue (SQS) when there is one, with the message
//   attributes below, and is dropped.
// - ActionAfterCompletion DELETE: the schedule is deleted once the invocation of its last fire time
//   completed (delivered or given up).
//
// Missed runs (the server was down, or a tick was late): the occurrences between the stored fire
// time and now collapse into ONE invocation, of the latest occurrence, if that occurrence is not
// older than the RetryPolicy's MaximumEventAgeInSeconds; older ones are dropped. Source: AWS runs
// Scheduler without downtime, so the nearest documented rule is the retry policy's (an invocation
// is attempted until MaximumEventAgeInSeconds after its scheduled time, "Configuring a retry
// policy", Scheduler user guide), applied to the one invocation a late scheduler still owes;
// EventBridge rules and Stratus' events::Queue schedules likewise do not catch up missed periods.
//
// Dead letters (Scheduler user guide, "Configuring a dead-letter queue"): the body is the input
// the target would have received; attributes ERROR_CODE, ERROR_MESSAGE, EXECUTION_ID,
// EXHAUSTED_RETRY_CONDITION (MaximumRetryAttempts | MaximumEventAgeInSeconds, absent for errors
// not retried), IS_POISONOUS (false), RETRY_ATTEMPTS, SCHEDULED_TIME, SCHEDULE_ARN, TARGET_ARN.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "core/doc.h"
#include "core/error.h"
#include "services/scheduler/store.h"

namespace stratus {
class ServerContext;
namespace sqs {
class Api;
}
namespace events {
class Api;
}
}  // namespace stratus

namespace stratus::scheduler {

class Runner {
 public:
  Runner(ServerContext& server, Store& store) : server_(server), store_(store) {}
  // Resolves the ports and starts the tick on ctx.scheduler("scheduler").
  void start();
  void tick();
  // After storage was wiped (POST /_stratus/reset): forget the invocations in flight.
  void reset();

 private:
  void fire(const std::string& due_key);
  void attempt(const std::string& key, Doc inv);
  void finish(const std::string& key, Doc inv, std::optional<AwsError> err);
  void dead_letter(const Doc& inv, const std::string& input, const AwsError& err, const char* exhausted);
  void complete(const std::string& key, const Doc& inv);
  void arm_wake(int64_t now);

  ServerContext& server_;
  Store& store_;
  sqs::Api* sqs_ = nullptr;
  events::Api* bus_ = nullptr;
  std::mutex mu_;
  std::set<std::string> in_flight_;  // GUARDED_BY(mu_) invocation keys being attempted
  int64_t wake_at_ = 0;              // the armed wake-up (the "scheduler" thread's only)
};

// The target's input with the context attributes replaced.
std::string render_input(const Doc& inv);
// "arn:aws:scheduler:::aws-sdk:sqs:sendMessage" -> {"sqs", "sendMessage"}; false when not universal.
bool universal_target(std::string_view arn, std::string* service, std::string* action);
// Universal targets refuse read-only actions (get*, describe*, list*, ...: Scheduler user guide).
bool read_only_action(std::string_view action);

}  // namespace stratus::scheduler
