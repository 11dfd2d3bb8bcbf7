#include "services/logs/subscriptions.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>

#include "core/arn.h"
#include "core/encoding.h"
#include "core/error.h"
#include "core/json.h"
#include "core/record.h"
#include "http/compression.h"
#include "server/context.h"
#include "services/lambda/invoke.h"
#include "services/logs/filter.h"
#include "services/logs/store.h"

namespace stratus::logs {
namespace {

// {"id", "timestamp", "message"}: an entry of a DATA_MESSAGE's logEvents (and of the queue payload).
const json::Record<ForwardedEvent> kEvent{
    {"id", &ForwardedEvent::id}, {"timestamp", &ForwardedEvent::timestamp}, {"message", &ForwardedEvent::message}};

// The queue payload's members besides "events".
const json::Record<SubscriptionDelivery> kDelivery{{"destination", &SubscriptionDelivery::destination},
                                                   {"filter", &SubscriptionDelivery::filter},
                                                   {"owner", &SubscriptionDelivery::owner},
                                                   {"region", &SubscriptionDelivery::region},
                                                   {"group", &SubscriptionDelivery::group},
                                                   {"stream", &SubscriptionDelivery::stream}};

}  // namespace

std::string encode(const SubscriptionDelivery& d) {
  Doc p = kDelivery.to_doc(d);
  p.set("events", kEvent.to_list(d.events));
  return json::write(p);
}

SubscriptionDelivery decode(std::string_view payload) {
  Doc p = json::parse(payload);
  SubscriptionDelivery d = kDelivery.from_doc(p);
  d.events = kEvent.from_list(p.get("events"));
  return d;
}

Doc data_message(const SubscriptionDelivery& d) {
  Doc m = Doc::map();
  m.set("messageType", "DATA_MESSAGE");
  m.set("owner", d.owner);
  m.set("logGroup", d.group);
  m.set("logStream", d.stream);
  Doc filters = Doc::list();
  filters.push(d.filter);
  m.set("subscriptionFilters", std::move(filters));
  m.set("logEvents", kEvent.to_list(d.events));
  return m;
}

std::string lambda_event(const SubscriptionDelivery& d) {
  std::string gz = http::encode(json::write(data_message(d)), http::Coding::gzip);
  Doc data = Doc::map();
  data.set("data", enc::base64_encode(gz));
  Doc ev = Doc::map();
  ev.set("awslogs", std::move(data));
  return json::write(ev);
}

std::vector<events::Queue::Ticket> add_deliveries(storage::Engine& db, events::Queue& queue, storage::WriteBatch& batch,
                                                  const std::string& account, const std::string& region,
                                                  const std::string& group, const std::string& stream,
                                                  const std::vector<ForwardedEvent>& events) {
  std::vector<events::Queue::Ticket> tickets;
  if (events.empty()) return tickets;
  LogStore(db).each_group_record(LogStore::kSubscriptions, account, region, group, [&](const Doc& rec) {
    std::string err;
    auto pattern = FilterPattern::parse(rec.str("filterPattern"), &err);
    if (!pattern) return;  // refused when it was put; nothing matches
    SubscriptionDelivery d;
    for (const auto& e : events)
      if (pattern->match(e.message).matched) d.events.push_back(e);
    if (d.events.empty()) return;
    d.destination = rec.str("destinationArn");
    d.filter = rec.str("filterName");
    d.owner = account;
    d.region = region;
    d.group = group;
    d.stream = stream;
    tickets.push_back(queue.add(batch, kSubscriptionTopic, encode(d)));
  });
  return tickets;
}

events::Verdict deliver(ServerContext& server, const events::Delivery& d) {
  SubscriptionDelivery job;
  try {
    job = decode(d.payload);
  } catch (const AwsError& e) {
    spdlog::error("logs: dropping an unreadable subscription delivery: {}", e.message);
    return events::Verdict::drop();
  }
  auto arn = Arn::parse(job.destination);
  if (!arn || arn->service != "lambda") return events::Verdict::drop();
  lambda::InvokeCall call;
  call.account = arn->account;
  call.region = arn->region;
  call.function = job.destination;
  call.payload = lambda_event(job);
  call.type = lambda::InvocationType::event;
  // Event invocations answer inline once queued by Lambda (durably); `retry` outlives a late answer.
  auto retry = std::make_shared<std::atomic<bool>>(false);
  std::string filter = job.filter, group = job.group;
  lambda::invoke(server, std::move(call), [retry, filter, group](lambda::InvokeOutcome out) {
    if (!out.error) return;
    // A function that is gone loses the events (AWS counts a DeliveryError); throttles and
    // Lambda being down are retried.
    spdlog::warn("logs: subscription filter {} of {}: {}", filter, group, out.error->message);
    if (out.error->code != "ResourceNotFoundException") *retry = true;
  });
  return *retry ? events::Verdict::retry_after(events::backoff_ms(d.attempt, 1000)) : events::Verdict::done();
}

}  // namespace stratus::logs
