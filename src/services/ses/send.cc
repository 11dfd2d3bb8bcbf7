// The one send path (state.h: send()).
#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/queue.h"
#include "mail/mailbox.h"
#include "mail/mime.h"
#include "server/context.h"
#include "services/cloudwatch/api.h"
#include "services/events/api.h"
#include "services/ses/errors.h"
#include "services/ses/schema.h"
#include "services/ses/state.h"
#include "services/ses/tracking.h"
#include "storage/keys.h"

namespace stratus::ses {
namespace {

constexpr int64_t kSlotMs = 15 * 60 * 1000;
constexpr size_t kMaxRecipients = 50;
constexpr size_t kMaxRawV1 = 10 * 1024 * 1024;
constexpr size_t kMaxRawV2 = 40 * 1024 * 1024;
constexpr std::string_view kSimulatorDomain = "simulator.amazonses.com";
// The EICAR anti-virus test string: SES accepts such a message, then rejects it (a Reject event).
constexpr std::string_view kEicar = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE";
constexpr const char* kMta = "a8-70.smtp-out.amazonses.com";
constexpr uint32_t kEventAttempts = 6;
constexpr int64_t kSandboxDailyQuota = 200;
constexpr int64_t kProductionDailyQuota = 50000;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "bounce+label@simulator.amazonses.com" -> "bounce"; "" for other addresses.
std::string simulator_kind(std::string_view address) {
  std::string a = enc::ascii_lower(mime::bare(address));
  size_t at = a.rfind('@');
  if (at == std::string::npos || std::string_view(a).substr(at + 1) != kSimulatorDomain) return {};
  std::string local = a.substr(0, at);
  return local.substr(0, local.find('+'));
}

Doc strings(const std::vector<std::string>& v) {
  Doc l = Doc::list();
  for (const auto& s : v) l.push(s);
  return l;
}

// The caller an event is published as, kept in a delivery or tracking record, and read back.
Doc caller_doc(const OpContext::Caller& caller) {
  Doc p = Doc::map();
  p.set("account", caller.account);
  p.set("region", caller.region);
  p.set("accessKey", caller.access_key);
  p.set("arn", caller.arn);
  return p;
}

OpContext::Caller caller_of(const Doc& p) {
  OpContext::Caller caller;
  caller.account = p.str("account");
  caller.region = p.str("region");
  caller.access_key = p.str("accessKey");
  caller.arn = p.str("arn");
  return caller;
}

// Collects the configuration set's events: each (destination, event) is one durable delivery on
// the events queue (topic kEventsTopic, deliver_event() below), written in one batch with the
// send's statistics when the send is done.
struct Publisher {
  State& st;
  const OpContext::Caller& caller;
  const Doc* cs;  // the configuration set, or nullptr
  Doc mail;
  storage::WriteBatch* batch;
  std::vector<events::Queue::Ticket>* tickets;
  const Doc* identity = nullptr;  // the sender's identity (its notification topics), or nullptr

  void enqueue(const char* kind, const std::string& target, const std::string& detail_type,
               const std::string& text) const {
    Doc p = caller_doc(caller);
    p.set("kind", kind);
    p.set("target", target);
    p.set("detailType", detail_type);
    p.set("event", text);
    tickets->push_back(st.ctx.events().add(*batch, kEventsTopic, json::write(p)));
  }

  // type: v1 EventType name (send, delivery, ...); event_type: the JSON's eventType; member: the
  // event's own object's name.
  void operator()(const char* type, const char* event_type, const char* member, Doc body,
                  const char* detail_type) const {
    notify_identity(type, event_type, member, body);
    if (!cs) return;
    const Doc* dests = cs->get("EventDestinations");
    if (!dests || dests->type() != Doc::Type::list) return;
    std::string text;
    for (const Doc& d : dests->as_list()) {
      if (!d.flag("Enabled")) continue;
      bool wanted = false;
      if (const Doc* t = d.get("Types"); t && t->type() == Doc::Type::list)
        for (const Doc& x : t->as_list()) wanted = wanted || (x.type() == Doc::Type::string && x.as_string() == type);
      if (!wanted) continue;
      if (text.empty()) {
        Doc ev = Doc::map();
        ev.set("eventType", event_type);
        ev.set("mail", mail);
        ev.set(member, body);
        text = json::write(ev);
      }
      for (const char* kind : {"Sns", "EventBridge"})
        if (std::string target = d.str(kind); !target.empty()) enqueue(kind, target, detail_type, text);
    }
  }

  // Identity feedback notifications (SetIdentityNotificationTopic): Bounce, Complaint and
  // Delivery, named notificationType, without tags; headers only when the identity asks.
  void notify_identity(const std::string& type, const char* event_type, const char* member, const Doc& body) const {
    if (!identity || (type != "bounce" && type != "complaint" && type != "delivery")) return;
    std::string which = type == "bounce" ? "Bounce" : type == "complaint" ? "Complaint" : "Delivery";
    std::string topic = identity->str(which + "Topic");
    if (topic.empty()) return;
    Doc m = mail;
    m.as_map().erase("tags");
    if (!identity->flag("HeadersIn" + which + "NotificationsEnabled")) {
      m.as_map().erase("headers");
      m.as_map().erase("commonHeaders");
    }
    Doc n = Doc::map();
    n.set("notificationType", event_type);
    n.set(member, body);
    n.set("mail", std::move(m));
    enqueue("Sns", topic, "", json::write(n));
  }
};

Doc bounce_of(const std::string& recipient, const char* sub_type, const char* diagnostic, const std::string& ts) {
  Doc b = Doc::map();
  b.set("feedbackId", message_id(now_millis()));
  b.set("bounceType", "Permanent");
  b.set("bounceSubType", sub_type);
  Doc r = Doc::map();
  r.set("emailAddress", mime::bare(recipient));
  r.set("action", "failed");
  r.set("status", "5.1.1");
  r.set("diagnosticCode", diagnostic);
  Doc list = Doc::list();
  list.push(std::move(r));
  b.set("bouncedRecipients", std::move(list));
  b.set("timestamp", ts);
  b.set("reportingMTA", std::string("dns; ") + kMta);
  return b;
}

// Whether the configuration set has an enabled destination for the v1 event type `type`.
bool wants(const Doc* cs, std::string_view type) {
  const Doc* dests = cs ? cs->get("EventDestinations") : nullptr;
  if (!dests || dests->type() != Doc::Type::list) return false;
  for (const Doc& d : dests->as_list()) {
    if (!d.flag("Enabled")) continue;
    if (const Doc* t = d.get("Types"); t && t->type() == Doc::Type::list)
      for (const Doc& x : t->as_list())
        if (x.type() == Doc::Type::string && x.as_string() == type) return true;
  }
  return false;
}

}  // namespace

std::string send(State& st, const OpContext::Caller& caller, int64_t now, Outgoing m) {
  const std::string& acct = caller.account;
  const std::string& region = caller.region;
  const bool v1 = m.api == Api::v1;
  auto rejected = [&](std::string msg) -> AwsError {
    return v1 ? errors::message_rejected(std::move(msg)) : v2::errors::message_rejected(std::move(msg));
  };
  auto bad = [&](std::string msg) -> AwsError {
    return v1 ? stratus::errors::invalid_parameter_value(std::move(msg)) : v2::errors::bad_request(std::move(msg));
  };
  Doc account = st.account(acct, region);
  if (!account.flag("SendingEnabled", true))
    throw v1 ? errors::account_sending_paused("Account is paused") : v2::errors::sending_paused("Account is paused");
  std::optional<Doc> cs;
  if (!m.config_set.empty()) {
    cs = st.get(schema::kConfigSets.name, acct, region, m.config_set);
    std::string msg = "Configuration set <" + m.config_set + "> does not exist.";
    if (!cs) throw v1 ? errors::configuration_set_does_not_exist(msg) : v2::errors::not_found(msg);
    if (!cs->flag("SendingEnabled", true)) {
      std::string p = "Sending is paused for configuration set " + m.config_set + ".";
      throw v1 ? errors::configuration_set_sending_paused(p) : v2::errors::sending_paused(p);
    }
  }
  if (m.recipients.empty()) throw bad("Missing required header 'To'.");
  if (m.recipients.size() > kMaxRecipients) throw bad("Recipient count exceeds 50.");
  if (std::string p = mime::address_problem(m.source); !p.empty()) throw bad(p);
  for (const auto& r : m.recipients)
    if (std::string p = mime::address_problem(r); !p.empty()) throw bad(p);
  size_t limit = v1 && m.raw_api ? kMaxRawV1 : kMaxRawV2;
  if (m.raw.size() > limit)
    throw rejected("Message length is more than " + std::to_string(limit) + " bytes long: '" +
                   std::to_string(m.raw.size()) + "'.");
  // Sandbox rules: a verified sender always; verified (or simulator) recipients in the sandbox.
  std::vector<std::string> failed;
  std::string source = mime::bare(m.source);
  if (!st.verified(acct, region, source)) failed.push_back(source);
  if (!account.flag("ProductionAccessEnabled")) {
    for (const auto& r : m.recipients) {
      std::string b = mime::bare(r);
      if (simulator_kind(b).empty() && !st.verified(acct, region, b) &&
          std::find(failed.begin(), failed.end(), b) == failed.end())
        failed.push_back(b);
    }
  }
  if (!failed.empty()) {
    std::string list;
    for (const auto& f : failed) list += (list.empty() ? "" : ", ") + f;
    throw rejected("Email address is not verified. The following identities failed the check in region " +
                   upper(region) + ": " + list);
  }

  // The daily quota counts recipients, but not the mailbox simulator's.
  int64_t quota_used = 0;
  for (const auto& r : m.recipients) quota_used += simulator_kind(r).empty() ? 1 : 0;
  if (quota_used > 0) {
    int64_t max = account.flag("ProductionAccessEnabled") ? kProductionDailyQuota : kSandboxDailyQuota;
    if (st.sent_last_24h(acct, region, now) + quota_used > max)
      throw v1 ? AwsError{"Throttling", "Daily message quota exceeded.", 400}
               : v2::errors::too_many_requests("Daily message quota exceeded.");
  }

  std::string id = message_id(now);
  std::string ts = enc::iso8601(now);
  // The stored message carries SES's Message-ID and a Date.
  std::string raw = "Message-ID: <" + id + "@email.amazonses.com>\r\n";
  mime::Message parsed;
  try {
    parsed = mime::parse(m.raw);
  } catch (const mime::Error& e) {
    throw bad(e.what());
  }
  if (!parsed.has_header("Date")) raw += "Date: " + enc::http_date(now) + "\r\n";
  raw += m.raw;

  // The "mail" object of every event.
  Doc mail = Doc::map();
  mail.set("timestamp", ts);
  mail.set("source", m.source);
  size_t at = source.rfind('@');
  std::string from_domain = at == std::string::npos ? source : source.substr(at + 1);
  mail.set("sourceArn", "arn:aws:ses:" + region + ":" + acct + ":identity/" + source);
  mail.set("sendingAccountId", acct);
  mail.set("messageId", id);
  mail.set("destination", strings(m.recipients));
  mail.set("headersTruncated", false);
  Doc headers = Doc::list();
  for (const auto& [k, v] : parsed.headers) {
    Doc h = Doc::map();
    h.set("name", k);
    h.set("value", v);
    headers.push(std::move(h));
  }
  mail.set("headers", std::move(headers));
  Doc common = Doc::map();
  common.set("from", strings(mime::addresses(parsed.header("From"))));
  if (parsed.has_header("To")) common.set("to", strings(mime::addresses(parsed.header("To"))));
  if (parsed.has_header("Cc")) common.set("cc", strings(mime::addresses(parsed.header("Cc"))));
  common.set("messageId", id);
  common.set("subject", parsed.header("Subject"));
  mail.set("commonHeaders", std::move(common));
  Doc tags = Doc::map();
  auto tag = [&](const std::string& k, const std::string& v) {
    Doc l = Doc::list();
    l.push(v);
    tags.set(k, std::move(l));
  };
  if (!m.config_set.empty()) tag("ses:configuration-set", m.config_set);
  tag("ses:source-ip", "127.0.0.1");
  tag("ses:from-domain", from_domain);
  tag("ses:caller-identity",
      caller.arn.substr(caller.arn.rfind('/') == std::string::npos ? 0 : caller.arn.rfind('/') + 1));
  for (const auto& [k, v] : m.tags) tag(k, v);
  mail.set("tags", std::move(tags));
  storage::WriteBatch stats;  // statistics and events, written once the send is done
  std::vector<events::Queue::Ticket> tickets;
  std::optional<Doc> identity = st.verified_identity(acct, region, source);
  Publisher publish{
      st, caller, cs ? &*cs : nullptr, std::move(mail), &stats, &tickets, identity ? &*identity : nullptr};
  auto finish = [&] {
    if (stats.empty()) return;
    if (!st.engine.write(stats).ok()) throw stratus::errors::internal();
    for (const auto& t : tickets) st.ctx.events().published(t);
  };
  std::string slot = storage::KeyBuilder().scope(acct, region).u64(static_cast<uint64_t>(now - now % kSlotMs)).take();
  auto count = [&](const char* counter, int64_t n) {
    if (n > 0) stats.add(schema::kStats.name, slot + storage::KeyBuilder().str(counter).take(), n);
  };
  // The account-level AWS/SES metrics (no dimensions).
  auto metric = [&](const char* name, int64_t n) {
    if (st.metrics && n > 0) st.metrics->put(acct, region, "AWS/SES", name, {}, static_cast<double>(n), "Count", now);
  };

  if (!m.render_error.empty()) {
    Doc f = Doc::map();
    f.set("errorMessage", m.render_error);
    f.set("templateName", m.template_name);
    publish("renderingFailure", "Rendering Failure", "failure", std::move(f), "Email Rendering Failed");
    finish();
    return id;
  }
  publish("send", "Send", "send", Doc::map(), "Email Sent");
  count("DeliveryAttempts", static_cast<int64_t>(m.recipients.size()));
  metric("Send", 1);
  count("QuotaUsed", quota_used);
  if (raw.find(kEicar) != std::string::npos) {
    Doc r = Doc::map();
    r.set("reason", "Bad content");
    publish("reject", "Reject", "reject", std::move(r), "Email Rejected");
    count("Rejects", 1);
    metric("Reject", 1);
    finish();
    return id;
  }
  std::string subject = parsed.header("Subject");
  const bool opens = wants(cs ? &*cs : nullptr, "open"), clicks = wants(cs ? &*cs : nullptr, "click");
  const std::string endpoint =
      m.endpoint.empty() ? "http://localhost:" + std::to_string(st.ctx.config().port) : m.endpoint;
  std::string text = parsed.text();
  if (text.empty()) text = parsed.html();
  std::vector<std::string> delivered;
  int64_t bounces = 0, complaints = 0;
  for (const auto& r : m.recipients) {
    std::string b = mime::bare(r);
    std::string kind = simulator_kind(b);
    bool suppressed = kind.empty() && st.get(schema::kSuppressed.name, acct, region, enc::ascii_lower(b)).has_value();
    if (suppressed || kind == "bounce" || kind == "suppressionlist") {
      ++bounces;
      const char* sub = suppressed ? "OnAccountSuppressionList" : kind == "bounce" ? "General" : "Suppressed";
      const char* diag =
          suppressed ? "Amazon SES did not send the message to this address because it is on the suppression list "
                       "for your account. For more information about removing addresses from the suppression list, "
                       "see the Amazon SES Developer Guide at "
                       "https://docs.aws.amazon.com/ses/latest/DeveloperGuide/sending-email-suppression-list.html"
          : kind == "bounce" ? "smtp; 550 5.1.1 user unknown"
                             : "Amazon SES has suppressed sending to this address because it has a recent history of "
                               "bouncing as an invalid address. For more information about how to remove an address "
                               "from the suppression list, see the Amazon SES Developer Guide: "
                               "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html ";
      publish("bounce", "Bounce", "bounce", bounce_of(b, sub, diag, ts), "Email Bounced");
      if (identity && identity->flag("ForwardingEnabled", true)) {
        // Feedback forwarding: the bounce goes back to the sender by email.
        mailbox::Mail dsn;
        dsn.channel = "email";
        dsn.recipient = source;
        dsn.sender = "MAILER-DAEMON@amazonses.com";
        dsn.subject = "Delivery Status Notification (Failure)";
        dsn.body = std::string("An error occurred while trying to deliver the mail to the following recipients:\n") +
                   b + "\n\n" + diag + "\n";
        dsn.source = "ses:" + id;
        dsn.raw = mime::build_text({{"From", dsn.sender},
                                    {"To", source},
                                    {"Subject", dsn.subject},
                                    {"In-Reply-To", "<" + id + "@email.amazonses.com>"}},
                                   dsn.body);
        mailbox::deliver(st.engine, std::move(dsn));
      }
      continue;
    }
    mailbox::Mail mm;
    mm.channel = "email";
    mm.recipient = b;
    mm.sender = m.source;
    mm.subject = subject;
    mm.body = text;
    mm.source = "ses:" + id;
    mm.raw = raw;
    if ((opens || clicks) && !parsed.html().empty()) {
      // This copy's tracking: the pixel and the links, and what their events need.
      std::string tid = ids::random_lower_alnum(32);
      std::vector<TrackedLink> links;
      mm.raw =
          rewrite_html(raw, [&](std::string html) { return add_tracking(html, endpoint, tid, opens, clicks, links); });
      Doc t = caller_doc(caller);
      t.set("configSet", m.config_set);
      t.set("mail", publish.mail);
      Doc l = Doc::list();
      for (const auto& link : links) {
        Doc x = Doc::map();
        x.set("url", link.url);
        Doc tg = Doc::map();
        for (const auto& [k, v] : link.tags) {
          Doc vs = Doc::list();
          vs.push(v);
          tg.set(k, std::move(vs));
        }
        x.set("tags", std::move(tg));
        l.push(std::move(x));
      }
      t.set("links", std::move(l));
      stats.put(schema::kTracking.name, storage::KeyBuilder().str(tid).take(), json::write(t));
    }
    mm.timestamp_ms = now;
    if (!mailbox::deliver(st.engine, std::move(mm)).ok()) throw stratus::errors::internal();
    delivered.push_back(b);
    if (kind == "complaint") {
      ++complaints;
      Doc c = Doc::map();
      c.set("feedbackId", message_id(now_millis()));
      c.set("complaintSubType", nullptr);
      Doc who = Doc::map();
      who.set("emailAddress", b);
      Doc l = Doc::list();
      l.push(std::move(who));
      c.set("complainedRecipients", std::move(l));
      c.set("timestamp", ts);
      c.set("userAgent", "Amazon SES Mailbox Simulator");
      c.set("complaintFeedbackType", "abuse");
      c.set("arrivalDate", ts);
      publish("complaint", "Complaint", "complaint", std::move(c), "Email Complaint Received");
    } else if (kind == "ooto") {
      // The automatic reply (RFC 3834) goes back to the sender.
      mailbox::Mail reply;
      reply.channel = "email";
      reply.recipient = source;
      reply.sender = b;
      reply.subject = "Out of the Office: " + subject;
      reply.body = "I am out of the office and will reply when I return.\n";
      reply.source = "ses:" + id;
      reply.raw = mime::build_text({{"From", b},
                                    {"To", source},
                                    {"Subject", reply.subject},
                                    {"Auto-Submitted", "auto-replied"},
                                    {"In-Reply-To", "<" + id + "@email.amazonses.com>"}},
                                   reply.body);
      mailbox::deliver(st.engine, std::move(reply));
    }
  }
  count("Bounces", bounces);
  count("Complaints", complaints);
  metric("Bounce", bounces);
  metric("Complaint", complaints);
  metric("Delivery", static_cast<int64_t>(delivered.size()));
  if (!delivered.empty()) {
    Doc d = Doc::map();
    d.set("timestamp", ts);
    d.set("processingTimeMillis", int64_t{now_millis() - now});
    d.set("recipients", strings(delivered));
    d.set("smtpResponse", "250 2.6.0 Message received");
    d.set("reportingMTA", kMta);
    publish("delivery", "Delivery", "delivery", std::move(d), "Email Delivered");
  }
  finish();
  return id;
}

void serve_tracking(State& st, bool click, const http::Request& req, http::Response& res) {
  std::string id, n;
  for (const auto& [k, v] : http::parse_query(req.query)) {
    if (k == "id") id = v;
    if (k == "n") n = v;
  }
  std::string raw;
  Doc t;
  bool found = !id.empty() && st.engine.get(schema::kTracking.name, storage::KeyBuilder().str(id).take(), &raw).ok();
  if (found) {
    try {
      t = json::parse(raw);
    } catch (const std::exception&) {
      found = false;
    }
  }
  const Doc* link = nullptr;
  if (found && click) {
    const Doc* links = t.get("links");
    size_t k = 0;
    bool digits = !n.empty() && n.size() < 6 && n.find_first_not_of("0123456789") == std::string::npos;
    if (digits) k = static_cast<size_t>(std::stoul(n));
    if (digits && links && links->type() == Doc::Type::list && k < links->as_list().size()) link = &links->as_list()[k];
    found = link != nullptr;
  }
  if (!found) {
    res.status = 404;
    res.headers.set("content-type", "text/plain; charset=UTF-8");
    res.body = "Unknown tracking link.\n";
    return;
  }
  OpContext::Caller caller = caller_of(t);
  std::optional<Doc> cs;
  if (!t.str("configSet").empty())
    cs = st.get(schema::kConfigSets.name, caller.account, caller.region, t.str("configSet"));
  storage::WriteBatch batch;
  std::vector<events::Queue::Ticket> tickets;
  Publisher publish{st, caller, cs ? &*cs : nullptr, *t.get("mail"), &batch, &tickets, nullptr};
  Doc ev = Doc::map();
  ev.set("ipAddress", req.remote_addr.empty() ? std::string("127.0.0.1") : req.remote_addr);
  ev.set("timestamp", enc::iso8601(now_millis()));
  ev.set("userAgent", req.headers.get("user-agent"));
  if (click) {
    ev.set("link", link->str("url"));
    ev.set("linkTags", link->get("tags") ? *link->get("tags") : Doc::map());
    publish("click", "Click", "click", std::move(ev), "Email Clicked");
  } else {
    publish("open", "Open", "open", std::move(ev), "Email Opened");
  }
  if (!batch.empty()) {
    if (st.engine.write(batch).ok()) {
      for (const auto& tk : tickets) st.ctx.events().published(tk);
    } else {
      spdlog::warn("ses: the {} event of {} was not stored", click ? "click" : "open", id);
    }
  }
  res.headers.set("cache-control", "no-cache, no-store, must-revalidate");
  if (click) {
    res.status = 302;
    res.headers.set("location", link->str("url"));
    return;
  }
  // A transparent 1x1 GIF.
  static const unsigned char kGif[] = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80,
                                       0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04,
                                       0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01,
                                       0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
  res.headers.set("content-type", "image/gif");
  res.body.assign(reinterpret_cast<const char*>(kGif), sizeof kGif);
}

events::Verdict deliver_event(State& st, const events::Delivery& d) {
  Doc p;
  try {
    p = json::parse(d.payload);
  } catch (const std::exception&) {
    return events::Verdict::drop();
  }
  std::string kind = p.str("kind"), target = p.str("target");
  OpContext::Caller caller = caller_of(p);
  if (kind == "Sns") {
    if (!st.ctx.service("sns")) {
      spdlog::warn("ses: event destination {}: SNS is not running; event dropped", target);
      return events::Verdict::drop();
    }
    Doc in = Doc::map();
    in.set("TopicArn", target);
    in.set("Message", p.str("event"));
    Result<Doc> r = st.ctx.call_sync("sns", "Publish", std::move(in), caller);
    if (r) return events::Verdict::done();
    if (r.error().http_status < 500 || d.attempt + 1 >= kEventAttempts) {
      spdlog::warn("ses: event to {}: {}: {}", target, r.error().code, r.error().message);
      return events::Verdict::drop();
    }
    return events::Verdict::retry_after(events::backoff_ms(d.attempt, 500, 30'000));
  }
  if (kind == "EventBridge") {
    if (!st.bus) {
      spdlog::warn("ses: event destination {}: EventBridge is not running; event dropped", target);
      return events::Verdict::drop();
    }
    events::Entry e;
    e.source = "aws.ses";
    e.detail_type = p.str("detailType");
    e.detail = p.str("event");
    e.bus = target;
    Result<std::string> r = st.bus->put(caller.account, caller.region, std::move(e));
    if (!r) spdlog::warn("ses: event to {}: {}: {}", target, r.error().code, r.error().message);
    return events::Verdict::done();
  }
  return events::Verdict::drop();
}

}  // namespace stratus::ses
