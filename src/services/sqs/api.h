// SQS as other services see it: SNS (and later EventBridge, S3 notifications) deliver messages
// into queues by ARN through this port, Lambda's event source mappings poll queues with it.
// SQS publishes it in Service::attach(); callers resolve it once, in their start():
//
//   sqs::Api* sqs = ctx.port<sqs::Api>();  // nullptr when SQS is not among --services
//   if (sqs) {
//     Result<std::string> id = sqs->deliver(queue_arn, sqs::Delivery{.body = "hello"});
//     if (!id) spdlog::warn("{}: {}", id.error().code, id.error().message);
//   }
//
// Errors come back as values (Result, Done): QueueDoesNotExist for an ARN that names no queue,
// and the errors SendMessage / ReceiveMessage / DeleteMessage would answer.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "services/service.h"
#include "services/sqs/message.h"
#include "storage/engine.h"

namespace stratus {
class ServerContext;
}

namespace stratus::sqs {

struct Delivery {
  std::string body;
  Attributes attrs;  // user message attributes (validated by the caller)
  std::string group_id, dedup_id;
  std::string sender_id;
  // The body is finished when read (see Api::set_body_finisher): SNS stores its envelopes in a
  // compact form and renders and signs them when they are received. `finished_size` is the
  // finished body's length, which the queue's MaximumMessageSize applies to.
  bool finish_on_read = false;
  size_t finished_size = 0;
  // false: only SQS's own maximum (1 MiB) applies, not the queue's MaximumMessageSize. AWS does
  // not apply the queue's limit to SNS deliveries ("Publishing large messages with Amazon SNS").
  bool queue_size_limit = true;
};

class Api {
 public:
  virtual ~Api() = default;
  // Sends into the queue named by its ARN. Returns the MessageId, or the SQS error
  // (QueueDoesNotExist when there is no such queue). Durable when it returns.
  virtual Result<std::string> deliver(const std::string& queue_arn, Delivery d) = 0;

  // Sends one message into each target queue, all in ONE atomic write together with whatever
  // the caller puts into `batch` (SNS adds its publish event for the other protocols there).
  // Before writing, `staged` gets each target's outcome in order (its MessageId, or the error
  // that kept it out: QueueDoesNotExist, message too large, ...) and may add to the batch.
  // Returns the write's status; the messages are visible to receivers once it returned ok.
  struct Target {
    std::string queue_arn;
    Delivery delivery;
  };
  using Staged = std::function<void(const std::vector<Result<std::string>>&, storage::WriteBatch&)>;
  virtual storage::Status deliver_all(std::vector<Target>& targets, storage::WriteBatch& batch,
                                      const Staged& staged) = 0;

  // Turns a stored finish_on_read body into the one receivers get; called on
  // every receive of such a message, from any thread. Set once, at start-up, by SNS. Without
  // one, such bodies are served as stored.
  using BodyFinisher = std::function<std::string(std::string_view body)>;
  virtual void set_body_finisher(BodyFinisher f) = 0;

  // For pollers inside Stratus (Lambda event source mappings). Queues are named by ARN; a
  // missing queue answers QueueDoesNotExist. All are thread safe and never block.
  struct QueueInfo {
    bool fifo = false;
    int64_t visibility_timeout = 30;  // seconds
  };
  virtual std::optional<QueueInfo> info(const std::string& queue_arn) = 0;
  // ReceiveMessage on the queue: `request` holds ReceiveMessage's input members other than
  // QueueUrl (MaxNumberOfMessages, WaitTimeSeconds, AttributeNames, MessageAttributeNames, ...);
  // `done` receives ReceiveMessage's output document, exactly once, from any thread (inline when
  // messages are ready or the wait is 0; otherwise when messages arrive or the wait ends).
  virtual void receive(const std::string& queue_arn, const Doc& request, Done done) = 0;
  // DeleteMessage for each receipt handle (one atomic write). Handles of messages already gone
  // succeed, as on AWS.
  virtual Result<Doc> remove(const std::string& queue_arn, const std::vector<std::string>& handles) = 0;
  // ChangeMessageVisibility (0 makes the message visible again at once).
  virtual Result<Doc> change_visibility(const std::string& queue_arn, const std::string& handle,
                                        int64_t seconds) = 0;
};

// The running SQS, or nullptr when SQS is not among --services: ctx.port<sqs::Api>().
template <class Context = ServerContext>
inline Api* api(Context& ctx) {
  return ctx.template port<Api>();
}

}  // namespace stratus::sqs
