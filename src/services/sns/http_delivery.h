// SNS deliveries to http and https subscriptions: each POST is a durable "sns.http" event
// (payload JSON {sub, topic, url, body, type, id, raw}), retried per the subscription's or
// topic's DeliveryPolicy on the events dispatcher.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "events/queue.h"
#include "services/sns/state.h"
#include "services/sns/store.h"

namespace stratus::sns {

constexpr const char* kHttpTopic = "sns.http";

// Queues one POST of `body` to the subscription's endpoint (type: "Notification" or
// "SubscriptionConfirmation"; a confirmation is never marked raw). Errors are logged.
void enqueue_http(State& st, const Sub& s, const std::string& body, const std::string& type, const std::string& msg_id,
                  bool confirmation);

// The events handler for "sns.http": POSTs, and retries on a non-2xx answer while the retry
// policy allows. Done when the subscription is gone.
events::Verdict deliver_http(State& st, const events::Delivery& d);

// Retries and delay between them for a subscription: its DeliveryPolicy, the topic's, or AWS's
// default (3 retries, 20 s apart). healthyRetryPolicy or http.defaultHealthyRetryPolicy:
// numRetries and minDelayTarget (seconds). Takes the store's lock.
std::pair<int, int64_t> retry_policy(const Store& store, const std::string& sub_arn, const std::string& topic_arn);

}  // namespace stratus::sns
