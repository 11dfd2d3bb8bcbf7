// How an AwsError maps onto the service model's error shapes, shared by the RPC codecs
// (json, query, rpc-v2-cbor). Handlers may name an error by its shape name
// ("QueueDoesNotExist") or by its awsQuery code ("AWS.SimpleQueueService.NonExistentQueue");
// each protocol then writes whichever spelling AWS puts on its wire.
#pragma once

#include <string_view>

#include "core/error.h"
#include "model/model.h"

namespace stratus::protocol {

struct ErrorWire {
  const model::Shape* shape = nullptr;  // the modeled error shape, when the code names one
  std::string_view name;                // shape name, or the AwsError code when unmodeled
  std::string_view query_code;          // the awsQuery spelling of the code
};

// Never fails: unmodeled codes map to themselves.
ErrorWire error_wire(const model::ServiceModel& svc, const AwsError& err);

// Services that moved from awsQuery to JSON/CBOR and keep their old error codes alive through
// the `x-amzn-query-error: Code;Sender|Receiver` header (Smithy's @awsQueryCompatible).
bool query_compatible(const model::ServiceModel& svc);
bool query_compatible(std::string_view service_id);

// The body key for the error message: the modeled shape's own spelling ("message" or
// "Message"), else "message" as most AWS JSON services write it.
std::string_view message_key(const model::Shape* shape);

}  // namespace stratus::protocol
