#include "services/sns/delivery.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "mail/mailbox.h"
#include "server/context.h"
#include "services/lambda/api.h"
#include "services/sns/checks.h"
#include "services/sns/envelope.h"
#include "services/sns/http_delivery.h"
#include "services/sqs/api.h"

namespace stratus::sns {
namespace {

// The SQS message for one subscription: the signed envelope (compact), or the raw message.
sqs::Delivery sqs_envelope(State& st, const Published& p, const std::string& sub_arn, const std::string& text,
                           int version) {
  Envelopes::Compact c = st.envelopes.compact(p, sub_arn, text, version);
  sqs::Delivery out;
  out.body = std::move(c.body);
  out.finish_on_read = true;
  out.finished_size = c.finished_size;
  return out;
}

bool ends_fifo(const std::string& arn) {
  return arn.size() > 5 && arn.compare(arn.size() - 5, 5, ".fifo") == 0;
}

// The group and deduplication ids a queue gets: FIFO queues both; standard queues the group id
// of a standard topic's message (fair queues) and nothing from a FIFO topic.
void set_fifo_ids(sqs::Delivery& out, const std::string& queue_arn, const Published& p) {
  if (ends_fifo(queue_arn)) {
    out.group_id = p.group_id;
    out.dedup_id = p.dedup_id;
  } else if (!ends_fifo(p.topic_arn)) {
    out.group_id = p.group_id;
  }
}

sqs::Delivery sqs_delivery(State& st, const Sub& s, const Published& p, const std::string& text, int version) {
  sqs::Delivery out;
  if (s.raw()) {
    out.body = text;
    for (const auto& a : p.attrs) {
      std::string type = a.type == "String.Array" ? "String" : a.type;
      out.attrs.push_back(sqs::Attribute{a.name, type, a.value});
    }
    std::sort(out.attrs.begin(), out.attrs.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  } else {
    out = sqs_envelope(st, p, s.arn, text, version);
  }
  set_fifo_ids(out, s.endpoint, p);
  out.sender_id = "AIDAIT2UOQQY3AUEKVGXU";  // SNS's service principal id, as queues see it
  return out;
}

// A failed delivery goes to the subscription's dead-letter queue, when it has one.
void redrive(State& st, const Sub& s, const Published& p, const std::string& text) {
  auto it = s.attributes.find("RedrivePolicy");
  if (it == s.attributes.end()) return;
  try {
    std::string dlq = json::parse(it->second).str("deadLetterTargetArn");
    sqs::Delivery out = sqs_envelope(st, p, s.arn, text, 1);
    set_fifo_ids(out, dlq, p);
    if (sqs::Api* api = st.sqs) (void)api->deliver(dlq, std::move(out));
  } catch (const std::exception& e) {
    spdlog::warn("sns: redrive for {} failed: {}", s.arn, e.what());
  }
}

void deliver_one(State& st, const Sub& s, const Published& p, const std::string& display_name, int version) {
  std::string text = p.text_for(s.protocol);
  if (s.protocol == "sqs") {
    sqs::Api* api = st.sqs;
    if (!api) return;
    auto r = api->deliver(s.endpoint, sqs_delivery(st, s, p, text, version));
    if (!r) {
      spdlog::warn("sns: delivery to {} failed: {}", s.endpoint, r.error().message);
      redrive(st, s, p, text);
    }
    return;
  }
  if (s.protocol == "lambda") {
    Doc rec = Doc::map();
    rec.set("EventSource", "aws:sns");
    rec.set("EventVersion", "1.0");
    rec.set("EventSubscriptionArn", s.arn);
    Doc sns = json::parse(st.envelopes.notification(p, s.arn, text, version));
    rec.set("Sns", std::move(sns));
    Doc records = Doc::list();
    records.push(std::move(rec));
    Doc event = Doc::map();
    event.set("Records", std::move(records));
    lambda::SnsDelivery d;
    d.function = s.endpoint;
    d.event = std::move(event);
    (void)st.server.events().enqueue(lambda::kSnsTopic, lambda::encode(d));
    return;
  }
  if (s.protocol == "http" || s.protocol == "https") {
    enqueue_http(st, s, s.raw() ? text : st.envelopes.notification(p, s.arn, text, version), "Notification",
                 p.message_id, false);
    return;
  }
  if (s.protocol == "email" || s.protocol == "email-json" || s.protocol == "sms") {
    mailbox::Mail m;
    m.channel = s.protocol;
    m.recipient = s.endpoint;
    m.source = p.topic_arn;
    m.id = p.message_id + ":" + s.arn.substr(s.arn.rfind(':') + 1);
    if (s.protocol == "sms") {
      m.sender = display_name.empty() ? "AWS SNS" : display_name;
      m.body = display_name.empty() ? text : display_name + "> " + text;
    } else {
      m.sender = (display_name.empty() ? "AWS Notifications" : display_name) + " <" + kMailSender + ">";
      m.subject = p.subject.empty() ? "AWS Notification Message" : p.subject;
      m.body = s.protocol == "email-json"
                   ? st.envelopes.notification(p, s.arn, text, version)
                   : text + "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or "
                            "visit the link below to unsubscribe:\n" + unsubscribe_url(s.arn, p.host) +
                         "\n\nPlease do not reply directly to this email. If you have any questions or comments "
                         "regarding this email, please contact us at https://aws.amazon.com/support";
    }
    auto ws = mailbox::deliver(st.engine, std::move(m));
    if (!ws.ok()) throw std::runtime_error("mailbox write failed: " + ws.message);
    return;
  }
  if (s.protocol == "application") {
    std::string platform = Platform::platform_of(s.endpoint);
    try {
      st.platform.push(s.endpoint, p.message.is_string() ? text : p.text_for(platform), p.topic_arn,
                       p.message_id + ":" + s.arn.substr(s.arn.rfind(':') + 1));
    } catch (const AwsError& e) {  // a disabled or deleted endpoint: this copy is lost, as on AWS
      spdlog::warn("sns: push to {} failed: {}", s.endpoint, e.message);
    }
    return;
  }
  // firehose: accepted and stored only (no stream behind it yet).
}

}  // namespace

bool passes_filter(const Sub& s, const Published& p) {
  if (!s.filter) return true;  // no policy, or the empty one ("{}"): everything
  if (s.body_scope()) {
    auto body = parse_json(p.text_for(s.protocol));
    return body && s.filter->match(*body);
  }
  return s.filter->match(filter_view(p.attrs));
}

storage::Status store_publish(State& st, Published& p, const Fanout& f,
                              const std::function<void(storage::WriteBatch&)>& extra) {
  sqs::Api* api = st.sqs;
  std::vector<sqs::Api::Target> targets;
  std::vector<const Sub*> inline_subs;
  bool others = false;
  for (const auto& s : f.subs) {
    if (!api || s->protocol != "sqs") {
      others = true;
      continue;
    }
    if (!passes_filter(*s, p)) continue;
    inline_subs.push_back(s.get());
    targets.push_back({s->endpoint, sqs_delivery(st, *s, p, p.text_for(s->protocol), f.version)});
  }
  std::optional<events::Queue::Ticket> ticket;
  auto staged = [&](const std::vector<Result<std::string>>& r, storage::WriteBatch& batch) {
    bool failed = false;
    for (size_t i = 0; i < r.size(); ++i) {
      if (r[i]) p.done.insert(inline_subs[i]->arn);
      else failed = true;
    }
    if (others || failed) ticket = st.server.events().add(batch, kPublishTopic, p.payload());
    if (extra) extra(batch);
  };
  storage::WriteBatch b;
  storage::Status ws;
  if (targets.empty()) {
    staged({}, b);
    if (!b.empty()) ws = st.engine.write(b);
  } else {
    ws = api->deliver_all(targets, b, staged);
  }
  if (ws.ok() && ticket) st.server.events().published(*ticket);
  return ws;
}

events::Verdict fan_out(State& st, const events::Delivery& d) {
  Published p;
  try {
    p = Published::from(d.payload);
  } catch (const std::exception& e) {
    spdlog::error("sns: dropping unreadable publish event: {}", e.what());
    return events::Verdict::drop();
  }
  Fanout f;
  {
    std::shared_lock lk(st.store.mutex());
    auto t = st.store.topic(p.topic_arn);
    if (!t) return events::Verdict::done();  // topic deleted since
    f = st.store.fanout_of(*t);
  }
  for (const auto& s : f.subs) {
    if (p.done.count(s->arn) || !passes_filter(*s, p)) continue;
    try {
      deliver_one(st, *s, p, f.display_name, f.version);
    } catch (const std::exception& e) {
      spdlog::error("sns: delivery to {} failed: {}", s->arn, e.what());
    }
  }
  return events::Verdict::done();
}

void send_confirmation(State& st, const Sub& s, const std::string& host) {
  int64_t now = now_millis();
  std::string msg_id = ids::uuid4();
  std::string message = "You have chosen to subscribe to the topic " + s.topic_arn +
                        ".\nTo confirm the subscription, visit the SubscribeURL included in this message.";
  std::string url = subscribe_url(s.topic_arn, s.token, host);
  std::string ts = timestamp(now);
  int version = st.store.signature_version(s.topic_arn);
  std::string to_sign = "Message\n" + message + "\nMessageId\n" + msg_id + "\nSubscribeURL\n" + url +
                        "\nTimestamp\n" + ts + "\nToken\n" + s.token + "\nTopicArn\n" + s.topic_arn +
                        "\nType\nSubscriptionConfirmation\n";
  Envelope e;
  e.add("Type", "SubscriptionConfirmation");
  e.add("MessageId", msg_id);
  e.add("Token", s.token);
  e.add("TopicArn", s.topic_arn);
  e.add("Message", message);
  e.add("SubscribeURL", url);
  e.add("Timestamp", ts);
  e.add("SignatureVersion", std::to_string(version));
  e.add("Signature", st.envelopes.signer().sign(to_sign, version));
  e.add("SigningCertURL", cert_url(host));
  std::string body = e.finish();
  if (s.protocol == "http" || s.protocol == "https") {
    enqueue_http(st, s, body, "SubscriptionConfirmation", msg_id, true);
    return;
  }
  mailbox::Mail m;
  m.channel = s.protocol;
  m.recipient = s.endpoint;
  m.sender = "AWS Notifications <" + std::string(kMailSender) + ">";
  m.subject = "AWS Notification - Subscription Confirmation";
  m.body = s.protocol == "email-json"
               ? body
               : "You have chosen to subscribe to the topic: \n" + s.topic_arn +
                     "\n\nTo confirm this subscription, click or visit the link below (If this was in error no "
                     "action is necessary): \nConfirm subscription: " + url + "\n";
  m.source = s.topic_arn;
  auto ws = mailbox::deliver(st.engine, std::move(m));
  if (!ws.ok()) spdlog::error("sns: mailbox write failed: {}", ws.message);
}

}  // namespace stratus::sns
