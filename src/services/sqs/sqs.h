// SQS as other services see it: SNS (and later EventBridge, S3 notifications) deliver messages
// into queues by ARN through this interface.
#pragma once

#include <string>

#include "core/result.h"
#include "services/sqs/message.h"

namespace stratus {
class ServerContext;
}

namespace stratus::sqs {

struct Delivery {
  std::string body;
  Attributes attrs;  // user message attributes (validated by the caller)
  std::string group_id, dedup_id;
  std::string sender_id;
};

class Api {
 public:
  virtual ~Api() = default;
  // Sends into the queue named by its ARN. Returns the MessageId, or the SQS error
  // (QueueDoesNotExist when there is no such queue). Durable when it returns.
  virtual Result<std::string> deliver(const std::string& queue_arn, Delivery d) = 0;
};

// The running SQS, or nullptr when SQS is not among --services.
Api* api(ServerContext& ctx);

}  // namespace stratus::sqs
