// Lambda event source mappings: Create/Get/List/Update/DeleteEventSourceMapping and the pollers
// that read SQS queues and DynamoDB streams and invoke functions with AWS's event shapes; and the
// consumer of SNS deliveries to Lambda subscriptions.
//
// Storage: "lambda.esm" (UUID -> the mapping's configuration as JSON, plus the owner account and
// region) and "lambda.esm_pos" (UUID -> the last acknowledged stream sequence number). Both are
// written before the operation answers or the next batch is read, so mappings survive restarts
// and resume where they stopped.
//
// Delivery guarantees, as on AWS:
// - SQS: at-least-once through the queue itself. Messages are deleted only after the function
//   succeeded (or, with ReportBatchItemFailures, only the ones it did not report); failures stay
//   invisible until their visibility timeout ends and are retried, so the queue's redrive policy
//   moves poison messages to its dead-letter queue. Messages that no filter matches are deleted.
// - DynamoDB Streams: in order, one batch at a time; the position is stored after each batch that
//   succeeded or was given up on (MaximumRetryAttempts, MaximumRecordAgeInSeconds, sent to
//   DestinationConfig.OnFailure). A batch running at a crash is delivered again after restart.
//
// Threads: every poller step runs on the "lambda-esm" scheduler (ServerContext::scheduler), one
// at a time; SQS receives, function invocations and stream listeners only post work to it.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/doc.h"

namespace stratus {
class ServerContext;
}  // namespace stratus

namespace stratus::lambda {

class EventSourceMappings {
 public:
  virtual ~EventSourceMappings() = default;
  // Loads the stored mappings and starts the enabled ones; subscribes "lambda.sns".
  virtual void start(ServerContext& server) = 0;
  // Stops every poller (before the runtime manager stops).
  virtual void stop() = 0;
  // Storage was wiped: forget every mapping.
  virtual void reset() = 0;

  // ---- for the *EventSourceMapping handlers (ops/esm.cc); errors are thrown (AwsError) ----
  // Serialises read-modify-write of mapping records.
  virtual std::mutex& write_mu() = 0;
  // A stored mapping record ("lambda.esm"), or nullopt.
  virtual std::optional<Doc> load(const std::string& uuid) = 0;
  // A record as the API shows it (no "_" members; LastProcessingResult for streams), with State
  // replaced by `state` when not empty ("Creating", "Updating", ...).
  virtual Doc public_view(const Doc& rec, const std::string& state) = 0;
  // Checks a complete configuration (defaults filled in) against the source kind's rules.
  virtual void check(Doc& rec) = 0;
  // ResourceConflictException when another mapping joins the same function and source.
  virtual void check_unique(const Doc& rec) = 0;
  // After the record was written: creates or reconfigures its poller.
  virtual void install(const Doc& rec) = 0;
  // After the record was deleted: stops its poller and forgets its last processing result.
  virtual void uninstall(const std::string& uuid) = 0;
};

std::unique_ptr<EventSourceMappings> make_event_source_mappings();

}  // namespace stratus::lambda
