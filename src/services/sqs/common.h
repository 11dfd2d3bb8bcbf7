// What SQS's handlers and state share: the service's limits and the errors they word alike.
// Errors end an operation by being thrown (services/service.h).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "services/sqs/errors.h"

namespace stratus::sqs {

constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;  // FIFO deduplication and receive attempts
constexpr int64_t kQueueReuseMs = 60 * 1000;       // a deleted queue's name is free again after
constexpr int64_t kPurgeIntervalMs = 60 * 1000;    // one PurgeQueue per queue per interval
constexpr uint64_t kSequenceBase = 18'000'000'000'000'000'000ULL;  // 20-digit sequence numbers
constexpr size_t kMaxMessageBytes = 1048576;                       // 1 MiB (2025; was 256 KiB): a message, a batch
constexpr size_t kMaxBatchBytes = kMaxMessageBytes;

// The common errors, in SQS's wording.
inline AwsError invalid(std::string msg) { return stratus::errors::invalid_parameter_value(std::move(msg)); }
inline AwsError invalid_value(std::string_view param, std::string_view value, std::string_view reason) {
  return invalid("Value " + std::string(value) + " for parameter " + std::string(param) + " is invalid. Reason: " +
                 std::string(reason) + ".");
}
inline AwsError missing(std::string_view param) {
  return stratus::errors::missing_parameter("The request must contain the parameter " + std::string(param) + ".");
}
// SQS's own errors, as the generated factories make them.
inline AwsError no_queue() { return errors::queue_does_not_exist("The specified queue does not exist."); }
inline AwsError bad_receipt(std::string_view h) {
  return errors::receipt_handle_is_invalid("The input receipt handle \"" + std::string(h) +
                                           "\" is not a valid receipt handle.");
}
// The model declares 400 for every SQS error; a few are answered with another status, as SQS's
// Query API does (InvalidAddress 404, PurgeQueueInProgress 403).
inline AwsError with_status(AwsError e, int status) {
  e.http_status = status;
  return e;
}

// A whole decimal integer, or nullopt.
inline std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace stratus::sqs
