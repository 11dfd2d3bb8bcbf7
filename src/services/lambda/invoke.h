// Invoking a Lambda function from inside Stratus (API Gateway integrations, event source
// mappings, SNS subscriptions, ...) without going through HTTP.
//
//   lambda::InvokeCall call;
//   call.account = "000000000000";
//   call.region = "us-east-1";
//   call.function = "my-fn";                 // or "my-fn:alias", or a (partial) ARN
//   call.payload = R"({"hello":"world"})";
//   lambda::invoke(server, std::move(call), [](lambda::InvokeOutcome out) {
//     if (out.error) { /* out.error->code: ResourceNotFoundException, TooManyRequestsException ... */ }
//     else if (!out.function_error.empty()) { /* the function failed: out.payload is its error */ }
//     else { /* out.payload is the function's response */ }
//   });
//
// Contract
// - This is the code path of the Invoke operation itself: the same name/ARN/qualifier parsing
//   and validation, alias resolution (with weighted routing), reserved and account concurrency
//   (throttles answer TooManyRequestsException), payload limits (6 MB RequestResponse, 1 MB
//   Event) and JSON check, Event invocations through the durable async queue (retries, event
//   age), logs in CloudWatch Logs.
// - `done` is called exactly once, from any thread (sometimes inline, before invoke() returns;
//   otherwise from a Lambda runtime thread). It must be quick and must not block: hand longer
//   work elsewhere.
// - Errors that Invoke would answer with an HTTP error come back in `error` (as AwsError with
//   Lambda's code, message and status); a function that ran and failed is not an error:
//   `function_error` is "Unhandled" and `payload` holds the runtime's error document
//   ({"errorMessage", "errorType", "stackTrace"}), exactly as Invoke returns them.
// - Thread safe; may be called from any thread once services have started. When Lambda is not
//   among the running services, `done` receives ServiceUnavailableException.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/result.h"

namespace stratus {
class ServerContext;
}

namespace stratus::lambda {

enum class InvocationType { request_response, event, dry_run };

struct InvokeCall {
  std::string account;     // 12 digits: whose function
  std::string region;      // e.g. "us-east-1"
  std::string function;    // name, name:qualifier, ACCOUNT:function:NAME[:Q] or full ARN
  std::string qualifier;   // optional; must agree with a qualifier inside `function`
  std::string payload;     // JSON text ("" = no payload)
  InvocationType type = InvocationType::request_response;
  std::string client_context;  // base64 JSON, passed to the function as on AWS
  bool tail = false;           // LogType=Tail: return the last 4 KB of the log
  std::string request_id;      // "" = a fresh one
};

struct InvokeOutcome {
  std::optional<AwsError> error;  // the invocation did not happen (or the Event was not queued)
  int status = 200;               // 200 RequestResponse, 202 Event, 204 DryRun
  std::string payload;            // the response, or the error document when function_error
  std::string function_error;     // "" or "Unhandled"
  std::string log_tail;           // raw log text (not base64) when tail was requested
  std::string executed_version;   // "$LATEST", "1", ... (RequestResponse)
  std::string request_id;         // the invocation's request id
  std::string error_type;         // with function_error: the runtime's error type, when known
  // The function streamed its response (awslambda.streamifyResponse or a runtime posting in
  // streaming mode): payload is every byte it wrote, content_type what it declared; after a
  // mid-stream error payload is the error document and `partial` the bytes written before it.
  bool streamed = false;
  std::string content_type;
  std::string partial;
  bool ok() const { return !error && function_error.empty(); }
};

using InvokeDone = std::function<void(InvokeOutcome)>;

void invoke(ServerContext& server, InvokeCall call, InvokeDone done);

// The unqualified ARN of an existing function (the qualifier, when given and existing, is
// appended), or ResourceNotFoundException / ValidationException as the API reports them.
Result<std::string> function_arn(ServerContext& server, const std::string& account, const std::string& region,
                                 const std::string& function);

}  // namespace stratus::lambda
