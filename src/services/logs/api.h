// CloudWatch Logs' port: how other services write log events (Lambda writes function output to
// /aws/lambda/NAME, API Gateway its execution and access logs). Nothing outside src/services/logs
// reads or writes the logs.* keyspaces directly.
//
//   std::vector<logs::Event> events{{now_ms, "START RequestId: ..."}};
//   auto st = logs::append(server, account, region, "/aws/lambda/my-fn", stream, events, true);
//
// Contract
// - Events may come in any order; they are stored by timestamp and read back by GetLogEvents,
//   FilterLogEvents and `aws logs tail` like events from PutLogEvents.
// - With create, a missing group or stream is created first (as Lambda does); without it the
//   result is not_found when either is missing, and nothing is written.
// - The events and the stream's metadata are written in one batch: all or nothing.
// - Thread safe; may be called from any thread once the server's storage is open, whether or not
//   the logs service is among the running services (its data is there when it is enabled later).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/engine.h"

namespace stratus {
class ServerContext;
}

namespace stratus::logs {

struct Event {
  int64_t timestamp = 0;  // epoch ms
  std::string message;
};

storage::Status append(ServerContext& server, const std::string& account, const std::string& region,
                       const std::string& group, const std::string& stream, const std::vector<Event>& events,
                       bool create);

}  // namespace stratus::logs
