// SNS deliveries. A publish is made durable by store_publish(): copies for SQS subscriptions are
// written in the same atomic batch as the "sns.publish" event, which carries everything else to
// fan_out() on the events dispatcher: SQS copies that could not be stored (retried, then
// dead-lettered), Lambda (an event on lambda::kSnsTopic, declared in lambda/api.h), HTTP/S (an event on "sns.http", see
// http_delivery.h), email, email-json and SMS (the mailbox), and mobile push (the platform).
#pragma once

#include <functional>
#include <string>

#include "events/queue.h"
#include "services/sns/message.h"
#include "services/sns/state.h"
#include "services/sns/store.h"
#include "storage/engine.h"

namespace stratus::sns {

constexpr const char* kPublishTopic = "sns.publish";  // payload: Published::payload()
constexpr const char* kMailSender = "no-reply@sns.amazonaws.com";

// Whether a subscription's filter policy lets the message through (no policy: yes; a body that
// is not JSON never matches a MessageBody-scope policy).
bool passes_filter(const Sub& s, const Published& p);

// Makes a publish durable. SQS subscriptions are delivered right here: their messages are
// written in the same atomic batch as the publish event, which carries the other protocols
// (and any SQS copy that could not be stored, to be retried and dead-lettered by fan_out).
// No event is stored when every copy went in-line. Either way, once this returns ok, every
// copy is durable or has a durable event that will produce it (kill -9 safe).
// REQUIRES(st.store.mutex()) held (shared; exclusive for FIFO topics, whose copies are stored
// in sequence order).
// `extra` (when set) adds the caller's own writes to the same batch (FIFO deduplication records).
storage::Status store_publish(State& st, Published& p, const Fanout& f,
                              const std::function<void(storage::WriteBatch&)>& extra = {});

// The events handler for one published message: delivers to every confirmed subscription of
// the topic that is not in p.done and passes its filter. Always done (failures are logged);
// drops unreadable events.
events::Verdict fan_out(State& st, const events::Delivery& d);

// Sends the SubscriptionConfirmation of a pending subscription (http/https: an HTTP delivery;
// email, email-json: the mailbox). `host`: where the SubscribeURL points.
void send_confirmation(State& st, const Sub& s, const std::string& host);

}  // namespace stratus::sns
