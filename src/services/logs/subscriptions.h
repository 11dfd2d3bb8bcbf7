// Subscription filters (PutSubscriptionFilter): log events that match a filter's pattern are
// delivered to its destination — a Lambda function — as AWS shapes them: the function is invoked
// asynchronously with {"awslogs": {"data": base64(gzip(JSON))}}, the JSON being
//   {"messageType": "DATA_MESSAGE", "owner": ACCOUNT, "logGroup": ..., "logStream": ...,
//    "subscriptionFilters": [NAME], "logEvents": [{"id", "timestamp", "message"}, ...]}
// (one invocation per filter and PutLogEvents batch). AWS sends CONTROL_MESSAGE records only to
// Kinesis/Firehose destinations (reachability checks), so a Lambda destination sees none.
//
// Durability: the matching events of an append become one events::Queue delivery per filter on
// kSubscriptionTopic, added to the batch that stores the events (LogStore::append): after a
// kill -9 either both or neither are there. Delivery is at-least-once; it runs on the queue's
// dispatcher when the logs service is running (until then deliveries wait in the queue).
// Failed invocations (throttles, Lambda down) are retried with backoff; a function that no longer
// exists drops the delivery (AWS counts a DeliveryError).
//
// Storage: "logs.subscriptions" (schema.h): scope(account, region) str(group) raw(filter name)
// -> JSON {filterName, filterPattern, destinationArn, roleArn, distribution, creationTime,
// applyOnTransformedLogs, fieldSelectionCriteria, emitSystemFields}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/doc.h"
#include "events/queue.h"
#include "storage/engine.h"

namespace stratus {
class ServerContext;
}

namespace stratus::logs {

inline constexpr const char* kSubscriptionTopic = "logs.subscription";
inline constexpr int64_t kMaxSubscriptionFilters = 2;  // per log group

// An event as a subscription delivers it.
struct ForwardedEvent {
  std::string id;  // the event id FilterLogEvents shows for it
  int64_t timestamp = 0;
  std::string message;
};

// One delivery: the events of one append that one filter matched.
struct SubscriptionDelivery {
  std::string destination;  // the function's ARN
  std::string filter;       // the filter's name
  std::string owner, region, group, stream;
  std::vector<ForwardedEvent> events;
};
std::string encode(const SubscriptionDelivery& d);
SubscriptionDelivery decode(std::string_view payload);  // throws AwsError on bad input

// The DATA_MESSAGE document (before compression).
Doc data_message(const SubscriptionDelivery& d);
// The Lambda event: {"awslogs": {"data": base64(gzip(json(data_message)))}}.
std::string lambda_event(const SubscriptionDelivery& d);

// For LogStore::append: adds to `batch` one delivery per subscription filter of the group that
// matches some of `events`; the returned tickets are published after the batch committed.
std::vector<events::Queue::Ticket> add_deliveries(storage::Engine& db, events::Queue& queue, storage::WriteBatch& batch,
                                                  const std::string& account, const std::string& region,
                                                  const std::string& group, const std::string& stream,
                                                  const std::vector<ForwardedEvent>& events);

// The consumer of kSubscriptionTopic (subscribed by the logs service's start()).
events::Verdict deliver(ServerContext& server, const events::Delivery& d);

}  // namespace stratus::logs
