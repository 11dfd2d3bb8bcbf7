#include "services/sns/http_delivery.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <shared_mutex>
#include <vector>

#include "core/doc.h"
#include "core/json.h"
#include "server/context.h"
#include "services/sns/checks.h"
#include "services/sns/http_client.h"

namespace stratus::sns {

void enqueue_http(State& st, const Sub& s, const std::string& body, const std::string& type, const std::string& msg_id,
                  bool confirmation) {
  Doc d = Doc::map();
  d.set("sub", s.arn);
  d.set("topic", s.topic_arn);
  d.set("url", s.endpoint);
  d.set("body", body);
  d.set("type", type);
  d.set("id", msg_id);
  d.set("raw", s.raw() && !confirmation);
  auto ws = st.server.events().enqueue(kHttpTopic, json::write(d));
  if (!ws.ok()) spdlog::error("sns: could not queue http delivery: {}", ws.message);
}

std::pair<int, int64_t> retry_policy(const Store& store, const std::string& sub_arn, const std::string& topic_arn) {
  std::shared_lock lk(store.mutex());
  std::string policy;
  if (auto t = store.topic(topic_arn))
    if (auto it = t->attributes.find("DeliveryPolicy"); it != t->attributes.end()) policy = it->second;
  if (auto s = store.sub(sub_arn))
    if (auto dp = s->attributes.find("DeliveryPolicy"); dp != s->attributes.end()) policy = dp->second;
  int retries = 3;
  int64_t delay_ms = 20000;
  if (auto d = policy.empty() ? std::nullopt : parse_json(policy)) {
    const Doc* h = d->get("healthyRetryPolicy");
    if (!h) {
      if (const Doc* http = d->get("http")) h = http->get("defaultHealthyRetryPolicy");
    }
    if (h) {
      retries = static_cast<int>(h->integer("numRetries", retries));
      delay_ms = h->integer("minDelayTarget", 20) * 1000;
    }
  }
  return {retries, delay_ms};
}

events::Verdict deliver_http(State& st, const events::Delivery& d) {
  auto parsed = parse_json(d.payload);
  if (!parsed) return events::Verdict::drop();
  const Doc& job = *parsed;
  std::string sub = job.str("sub"), topic_arn = job.str("topic");
  {
    std::shared_lock lk(st.store.mutex());
    if (!st.store.sub(sub)) return events::Verdict::done();  // unsubscribed meanwhile
  }
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "text/plain; charset=UTF-8"},
      {"User-Agent", "Amazon Simple Notification Service Agent"},
      {"x-amz-sns-message-type", job.str("type")},
      {"x-amz-sns-message-id", job.str("id")},
      {"x-amz-sns-topic-arn", topic_arn},
  };
  if (job.str("type") == "Notification") headers.emplace_back("x-amz-sns-subscription-arn", sub);
  if (job.flag("raw")) headers.emplace_back("x-amz-sns-rawdelivery", "true");
  HttpResult r = http_post(job.str("url"), headers, job.str("body"));
  if (r.status >= 200 && r.status < 300) return events::Verdict::done();
  auto [retries, delay] = retry_policy(st.store, sub, topic_arn);
  if (static_cast<int>(d.attempt) < retries) return events::Verdict::retry_after(delay);
  spdlog::warn("sns: giving up on {} after {} attempts (status {} {})", job.str("url"), d.attempt + 1, r.status,
               r.error);
  return events::Verdict::drop();
}

}  // namespace stratus::sns
