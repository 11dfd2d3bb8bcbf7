// The event source mappings' pollers (esm.h is the contract the operations see): per mapping a
// Runner on the "lambda-esm" scheduler, SQS pollers that collect batches through SQS's port and
// DynamoDB stream followers with durable positions, and the consumer of SNS deliveries to
// Lambda subscriptions. The pure steps (event records, batch item failures) are static members
// that unit tests reach without a server.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/doc.h"
#include "core/result.h"
#include "core/scheduler.h"
#include "events/queue.h"
#include "services/lambda/esm.h"
#include "services/lambda/esm_settings.h"

namespace stratus::dynamodb {
struct StreamRef;
struct StreamRecord;
}  // namespace stratus::dynamodb
namespace stratus::sqs {
class Api;
}  // namespace stratus::sqs

namespace stratus::lambda {
struct InvokeOutcome;  // invoke.h
}  // namespace stratus::lambda

namespace stratus::lambda::esm {

// Per-mapping runtime state: touched only on the scheduler's thread.
struct Runner {
  Settings s;
  bool active = false;
  bool gone = false;  // deleted (or reset): never runs again
  // SQS
  int pollers = 0;
  // DynamoDB stream
  uint64_t stream_id = 0;
  uint64_t position = 0;
  bool running = false, again = false;
  uint64_t listener = 0;
  std::atomic<bool> wake_pending{false};
  uint64_t attempt_pos = 0;
  int attempts = 0;
  size_t limit = 0;  // bisected batch size (0: BatchSize)
  int64_t window_until = 0;
};
using RunnerPtr = std::shared_ptr<Runner>;

// Messages collected by one SQS poller for one invocation.
struct SqsBatch {
  std::vector<Doc> records;  // the event records
  int64_t deadline_ms = 0;   // end of the batching window (0: not started)
};
using SqsBatchPtr = std::shared_ptr<SqsBatch>;

class Poller final : public EventSourceMappings {
 public:
  void start(ServerContext& server) override;
  // The ServerContext has stopped the "lambda-esm" scheduler already (pending steps dropped).
  void stop() override;
  void reset() override;
  // ---- records, for the operations (ops/esm.cc) ----
  std::mutex& write_mu() override { return write_mu_; }
  std::optional<Doc> load(const std::string& uuid) override;
  Doc public_view(const Doc& rec, const std::string& state) override;
  void check(Doc& rec) override;
  void check_unique(const Doc& rec) override;
  void install(const Doc& rec) override { install_runner(rec); }
  void uninstall(const std::string& uuid) override;

  // ---- pure steps ----
  // Pollers per SQS mapping: five, as AWS starts, or MaximumConcurrency (at most 32).
  static int desired_pollers(const Settings& s);
  // Lambda's SQS event record for one received message (ReceiveMessage's spelling in, Lambda's out).
  static Doc sqs_record(const Doc& m, const Settings& s);
  // The receipt handles to delete after an invocation that returned `payload`: all of the batch, or
  // with ReportBatchItemFailures all but the reported ones (none when an identifier is unknown/empty).
  static std::vector<std::string> sqs_processed(const std::vector<Doc>& batch, const std::string& payload,
                                                bool report_failures);
  // With ReportBatchItemFailures: the lowest reported sequence number of a batch spanning
  // [first, last] (an unreadable or outside identifier counts as `first`); 0 when none failed.
  static uint64_t stream_first_failure(const std::string& payload, uint64_t first, uint64_t last);
  // SNS's delivery event with Lambda's spelling of each record's Sns member (SigningCertUrl, ...).
  static Doc lambda_sns_event(Doc event);

 private:
  void install_all();
  void set_result(const std::string& uuid, std::string r);
  // ---- runners ----
  // Creates or reconfigures the runner of a stored mapping.
  void install_runner(const Doc& rec);
  void configure(const RunnerPtr& r, Settings s);
  void deactivate(const RunnerPtr& r, bool gone);
  // ---- SQS ----
  void sqs_poll(const RunnerPtr& r, const SqsBatchPtr& b);
  void sqs_received(const RunnerPtr& r, const SqsBatchPtr& b, Result<Doc> res);
  // Makes collected messages visible again (the mapping was disabled meanwhile).
  void release(const RunnerPtr& r, const SqsBatchPtr& b);
  void sqs_dispatch(const RunnerPtr& r, const SqsBatchPtr& b);
  void sqs_invoked(const RunnerPtr& r, const SqsBatchPtr& b, const std::vector<Doc>& batch, const InvokeOutcome& out);
  // ---- DynamoDB streams ----
  void start_stream(const RunnerPtr& r);
  void kick(const RunnerPtr& r);
  void idle(const RunnerPtr& r);
  void advance(const RunnerPtr& r, uint64_t seq);
  void stream_step(const RunnerPtr& r);
  void stream_invoked(const RunnerPtr& r, const dynamodb::StreamRef& ref,
                      const std::vector<dynamodb::StreamRecord>& batch, const InvokeOutcome& out);
  // Skips a batch after its retries or age ran out, sending AWS's record to OnFailure.
  void give_up(const RunnerPtr& r, const dynamodb::StreamRef& ref, const std::vector<dynamodb::StreamRecord>& batch,
               const char* condition, const InvokeOutcome* out);
  events::Verdict sns_delivery(const events::Delivery& d);
  // Every mapping step runs on the "lambda-esm" scheduler, one at a time: runner state is touched
  // only there. Steps posted before start() or after stop() are dropped.
  void post(Scheduler::Task f);
  void at(int64_t when_ms, Scheduler::Task f);

  ServerContext* server_ = nullptr;
  Scheduler* sched_ = nullptr;
  sqs::Api* sqs_ = nullptr;  // SQS's port, nullptr when SQS is not running
  // False once stopped: callbacks from other threads (SQS receives, invocations, stream
  // listeners) then post nothing.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(false);
  int64_t retry_ms_ = 500;
  std::mutex write_mu_;  // serialises read-modify-write of mapping records
  std::mutex mu_;
  std::unordered_map<std::string, RunnerPtr> runners_;  // GUARDED_BY(mu_)
  std::mutex result_mu_;
  std::unordered_map<std::string, std::string> results_;  // GUARDED_BY(result_mu_) LastProcessingResult
};

}  // namespace stratus::lambda::esm
