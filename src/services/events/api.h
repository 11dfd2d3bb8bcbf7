// EventBridge as other services see it: the events AWS services emit onto a bus (S3 "Object
// Created", CloudWatch "Alarm State Change", SSM "Parameter Store Change", Scheduler and SES
// targets, Lambda destinations) go through this port, without HTTP and without a signature.
// EventBridge publishes it in Service::attach(); producers resolve it once, in their start():
//
//   events::Api* bus = ctx.port<events::Api>();  // nullptr when EventBridge is not running
//   if (bus) {
//     events::Entry e{.source = "aws.s3", .detail_type = "Object Created",
//                     .detail = R"({"bucket":{"name":"b"},"object":{"key":"k"}})",
//                     .resources = {"arn:aws:s3:::b"}};
//     Result<std::string> id = bus->put(account, region, std::move(e));
//     if (!id) spdlog::warn("{}: {}", id.error().code, id.error().message);
//   }
//
// Contract
// - `put` is PutEvents for one entry, as the service `source` emits it: the entry goes to the
//   bus named by `bus` ("" = the account's "default" bus in `region`; a name or a bus ARN), gets
//   an event id and `time` (now, when empty), and is matched against that bus's enabled rules
//   and archives. "aws.*" sources are allowed here (PutEvents refuses them from callers).
// - Durable when it returns ok: the matching rules' deliveries are on the events queue, so
//   they happen after a kill -9 too (at least once). Returns the event id.
// - Errors come back as values, as PutEvents would answer them for the entry:
//   ResourceNotFoundException (no such bus), ValidationException (detail not a JSON object,
//   entry over 256 KB).
// - Thread safe; call from any thread once services have started. Never blocks beyond one
//   durable write.
//
// Durable with the producer's own write (an event that a kill -9 between the write and `put`
// must not lose): `add_put` puts the entry, as one events-queue delivery of topic kPutTopic,
// into the producer's storage batch; after that batch committed, `queue.published(ticket)`.
// EventBridge consumes the topic and runs `put` (at least once; the event's time is the time of
// add_put). Call it only while the port exists (EventBridge running): the delivery waits for
// EventBridge's subscription otherwise. An entry `put` refuses is logged and dropped.
//
//   std::optional<events::Queue::Ticket> t;
//   storage::WriteBatch b;  ... the producer's writes ...
//   if (bus) t = events::add_put(ctx.server.events(), b, account, region, std::move(e));
//   if (db.write(b).ok() && t) ctx.server.events().published(*t);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "events/queue.h"

namespace stratus::events {

struct Entry {
  std::string source;       // "aws.s3", "aws.cloudwatch", ...
  std::string detail_type;  // "Object Created", "Alarm State Change", ...
  std::string detail;       // JSON object text
  std::vector<std::string> resources;
  std::string time;  // RFC 3339 ("2026-12-06T12:00:00Z"); "" = now
  std::string bus;   // "" = "default"; name or ARN
};

class Api {
 public:
  virtual ~Api() = default;
  virtual Result<std::string> put(const std::string& account, const std::string& region, Entry entry) = 0;
};

// The events-queue topic of add_put's deliveries and its payload codec (state.cc).
inline constexpr const char* kPutTopic = "events.put";
struct PutRequest {
  std::string account, region;
  Entry entry;
};
std::string encode_put(const PutRequest& p);
std::optional<PutRequest> decode_put(std::string_view payload);  // nullopt: not a put record

// Adds the put of `entry` (time set to now when empty) to `batch` (see above).
Queue::Ticket add_put(Queue& queue, storage::WriteBatch& batch, const std::string& account, const std::string& region,
                      Entry entry);

}  // namespace stratus::events
