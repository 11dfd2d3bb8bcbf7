#include "mail/mailbox.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <mutex>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/record.h"
#include "events/queue.h"
#include "mail/smtp.h"
#include "storage/keys.h"

namespace stratus::mailbox {
namespace {

constexpr std::string_view kKs = kKeyspace.name;
constexpr const char* kRelayTopic = "mailbox.smtp";
constexpr uint32_t kRelayAttempts = 8;

struct Relay {
  std::mutex mu;
  events::Queue* events = nullptr;  // GUARDED_BY(mu)
  std::string host_port;            // GUARDED_BY(mu)
};
Relay& relay() {
  static Relay r;
  return r;
}

// The stored record of a mail; to_doc adds "timestamp" (ISO 8601, for readers) beside it.
const json::Record<Mail> kMailRecord{
    {"id", &Mail::id},         {"timestamp_ms", &Mail::timestamp_ms}, {"channel", &Mail::channel},
    {"recipient", &Mail::recipient}, {"sender", &Mail::sender},       {"subject", &Mail::subject},
    {"body", &Mail::body},     {"source", &Mail::source}};

Mail from_doc(const Doc& d) { return kMailRecord.from_doc(d); }

int64_t parse_since(const std::string& s) {
  if (s.empty()) return 0;
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return v < 100'000'000'000 ? v * 1000 : v;
  if (auto t = enc::parse_timestamp(s)) return *t;
  return -1;
}

}  // namespace

Doc Mail::to_doc() const {
  Doc d = kMailRecord.to_doc(*this);
  d.set("timestamp", enc::iso8601(timestamp_ms));
  return d;
}

storage::Status deliver(storage::Engine& engine, Mail mail) {
  static std::atomic<uint64_t> seq{0};
  if (mail.id.empty()) mail.id = ids::uuid4();
  if (mail.timestamp_ms == 0) mail.timestamp_ms = now_millis();
  // The id makes keys unique across restarts even though seq restarts at 0.
  std::string key =
      storage::KeyBuilder().u64(static_cast<uint64_t>(mail.timestamp_ms)).u64(seq.fetch_add(1)).raw(mail.id).take();
  std::string value = json::write(mail.to_doc());
  events::Queue* events = nullptr;
  if (mail.channel.rfind("email", 0) == 0) {
    std::lock_guard lk(relay().mu);
    events = relay().events;
  }
  if (!events) return engine.put(kKs, key, value);
  storage::WriteBatch b;
  b.put(kKs, key, value);
  auto ticket = events->add(b, kRelayTopic, value);
  auto st = engine.write(b);
  if (st.ok()) events->published(ticket);
  return st;
}

void enable_relay(events::Queue& events, std::string host_port) {
  {
    std::lock_guard lk(relay().mu);
    relay().events = host_port.empty() ? nullptr : &events;
    relay().host_port = host_port;
  }
  if (host_port.empty()) return;
  events.subscribe(kRelayTopic, [](const events::Delivery& d) {
    Mail m;
    try {
      m = from_doc(json::parse(d.payload));
    } catch (const std::exception&) {
      return events::Verdict::drop();
    }
    std::string to;
    {
      std::lock_guard lk(relay().mu);
      to = relay().host_port;
    }
    if (to.empty()) return events::Verdict::drop();
    smtp::Message out;
    out.from = smtp::bare_address(m.sender);
    out.to = smtp::bare_address(m.recipient);
    out.headers = "From: " + m.sender + "\r\nTo: " + m.recipient + "\r\nSubject: " + m.subject +
                  "\r\nDate: " + enc::http_date(m.timestamp_ms) + "\r\nMessage-ID: <" + m.id +
                  "@stratus.local>\r\nMIME-Version: 1.0\r\nContent-Type: " +
                  (m.channel == "email-json" ? "application/json" : "text/plain") + "; charset=UTF-8\r\n";
    out.body = m.body;
    std::string err = smtp::send(to, out);
    if (err.empty()) return events::Verdict::done();
    if (d.attempt + 1 >= kRelayAttempts) {
      spdlog::error("mailbox: giving up relaying {} to {} via {}: {}", m.id, m.recipient, to, err);
      return events::Verdict::drop();
    }
    spdlog::warn("mailbox: relaying {} via {} failed (attempt {}): {}", m.id, to, d.attempt + 1, err);
    return events::Verdict::retry_after(events::backoff_ms(d.attempt, 500, 30'000));
  });
}

std::vector<Mail> list(storage::Engine& engine, const std::string& recipient, int64_t since_ms) {
  std::vector<Mail> out;
  storage::ScanOptions opts;
  if (since_ms > 0) opts.start = storage::KeyBuilder().u64(static_cast<uint64_t>(since_ms)).take();
  for (auto it = engine.scan(kKs, opts); it->valid(); it->next()) {
    try {
      Mail m = from_doc(json::parse(it->value()));
      if (recipient.empty() || m.recipient == recipient) out.push_back(std::move(m));
    } catch (const std::exception&) {
    }
  }
  return out;
}

storage::Status clear(storage::Engine& engine, const std::string& recipient) {
  storage::WriteBatch b;
  for (auto it = engine.scan(kKs, {}); it->valid(); it->next()) {
    if (!recipient.empty()) {
      try {
        if (json::parse(it->value()).str("recipient") != recipient) continue;
      } catch (const std::exception&) {
      }
    }
    b.del(kKs, it->key());
  }
  return b.empty() ? storage::Status::OK() : engine.write(b);
}

void serve(storage::Engine& engine, const http::Request& req, http::Response& res) {
  std::string recipient, since;
  for (const auto& [k, v] : http::parse_query(req.query)) {
    if (k == "recipient") recipient = v;
    else if (k == "since") since = v;
  }
  res.headers.set("content-type", "application/json");
  if (req.method == "GET" || req.method == "HEAD") {
    int64_t since_ms = parse_since(since);
    if (since_ms < 0) {
      res.status = 400;
      res.body = "{\"message\":\"since must be an ISO 8601 timestamp or epoch milliseconds\"}";
      return;
    }
    Doc list_doc = Doc::list();
    for (const auto& m : list(engine, recipient, since_ms)) list_doc.push(m.to_doc());
    Doc out = Doc::map();
    out.set("messages", std::move(list_doc));
    res.body = json::write(out);
    return;
  }
  if (req.method == "DELETE") {
    size_t n = list(engine, recipient).size();
    auto st = clear(engine, recipient);
    if (!st.ok()) {
      res.status = 500;
      res.body = "{\"message\":\"" + json::escape(st.message) + "\"}";
      return;
    }
    res.body = "{\"deleted\":" + std::to_string(n) + "}";
    return;
  }
  res.status = 405;
  res.body = "{\"message\":\"Use GET or DELETE\"}";
}

}  // namespace stratus::mailbox
