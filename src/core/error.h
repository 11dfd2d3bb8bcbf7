// AwsError: an error as AWS reports it. Codecs own its wire form; handlers only fill it in.
#pragma once

#include <exception>
#include <string>
#include <utility>

namespace stratus {

struct AwsError : std::exception {
  std::string code;     // e.g. "ResourceNotFoundException", "InvalidParameterValue"
  std::string message;  // AWS's message text
  int http_status = 400;
  bool sender_fault = true;  // Query protocol's <Type>Sender</Type> vs Receiver
  // Some protocols need extra members in the error body (e.g. DynamoDB CancellationReasons).
  std::string extra_json;  // optional JSON object text merged into JSON error bodies

  AwsError() = default;
  AwsError(std::string c, std::string m, int status = 400, bool sender = true)
      : code(std::move(c)), message(std::move(m)), http_status(status), sender_fault(sender) {}
  const char* what() const noexcept override { return message.c_str(); }
};

// Errors shared by every AWS service (see "Common Errors" in each API reference).
namespace errors {
inline AwsError validation(std::string msg) { return {"ValidationException", std::move(msg), 400}; }
// The Query protocol's spelling of a validation failure (IAM, STS, SNS).
inline AwsError validation_error(std::string msg) { return {"ValidationError", std::move(msg), 400}; }
inline AwsError invalid_parameter_value(std::string msg) { return {"InvalidParameterValue", std::move(msg), 400}; }
inline AwsError missing_parameter(std::string msg) { return {"MissingParameter", std::move(msg), 400}; }
inline AwsError serialization(std::string msg) { return {"SerializationException", std::move(msg), 400}; }
inline AwsError internal(std::string msg = "We encountered an internal error. Please try again.") {
  return {"InternalFailure", std::move(msg), 500, false};
}
inline AwsError unknown_operation(const std::string& op = {}) {
  return {"UnknownOperationException", op.empty() ? "" : "Unknown operation " + op, 400};
}
inline AwsError invalid_action(const std::string& action) {
  return {"InvalidAction", "The action " + action + " is not valid for this web service.", 400};
}
inline AwsError missing_action() { return {"MissingAction", "Missing Action", 400}; }
inline AwsError not_implemented(const std::string& op) {
  return {"NotImplemented", op + " is not implemented in Stratus yet.", 501, false};
}
inline AwsError throttling(std::string msg = "Rate exceeded") {
  return {"ThrottlingException", std::move(msg), 400};
}
}  // namespace errors

}  // namespace stratus
