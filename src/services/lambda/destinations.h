// Where Lambda sends records of its own: async invocation destinations (OnSuccess/OnFailure),
// dead-letter queues (DeadLetterConfig) and event source mappings' on-failure destinations.
//
// Delivery is in-process through the target service's internal API, never over HTTP:
// - SQS queue: sqs::Api::deliver (durable when it returns), message attributes as given;
// - SNS topic: SNS's Publish operation through ServerContext::call_sync (validated, as the
//   function's account), message attributes as given;
// - Lambda function: lambda::invoke with InvocationType Event (the record is the payload);
// - EventBridge bus: events::Api::put, an event from source "lambda" (detail-type "Lambda Function
//   Invocation Result - Success" or "- Failure", the record as its detail).
// Failures are logged, never thrown: the caller has nothing better to do with the record.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace stratus {
class ServerContext;
}
namespace stratus::sqs {
class Api;
}

namespace stratus::lambda {

// SQS's port (nullptr when SQS is not running).
sqs::Api* sqs_port(ServerContext& server);

struct DestinationAttribute {
  std::string name, data_type, value;  // data_type "String" or "Number"
};

// `account` is the sender's (the function's owner); the destination ARN names its own region.
void send_to_destination(ServerContext& server, const std::string& account, const std::string& destination,
                         const std::string& body, const std::vector<DestinationAttribute>& attributes = {});

// Whether `destination` is an ARN Lambda can send records to: an SQS queue, SNS topic, Lambda
// function or EventBridge bus.
bool destination_supported(const std::string& destination);

}  // namespace stratus::lambda
