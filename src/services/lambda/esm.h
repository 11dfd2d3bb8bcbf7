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

#include "core/doc.h"
#include "core/result.h"

namespace stratus {
class ServerContext;
struct OpContext;
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

  // The *EventSourceMapping operations (their handlers, in ops/esm.cc, call these): each
  // validates, writes the mapping record and (re)configures its poller before answering;
  // errors are thrown (AwsError).
  virtual Doc create(OpContext& ctx, const Doc& in) = 0;
  virtual Doc get(OpContext& ctx, const Doc& in) = 0;
  virtual Doc list(OpContext& ctx, const Doc& in) = 0;
  virtual Doc update(OpContext& ctx, const Doc& in) = 0;
  virtual Doc remove(OpContext& ctx, const Doc& in) = 0;
};

std::unique_ptr<EventSourceMappings> make_event_source_mappings();

}  // namespace stratus::lambda
