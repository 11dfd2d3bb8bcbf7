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
#include "mail/mime.h"
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
const json::Record<Mail> kMailRecord{{"id", &Mail::id},           {"timestamp_ms", &Mail::timestamp_ms},
                                     {"channel", &Mail::channel}, {"recipient", &Mail::recipient},
                                     {"sender", &Mail::sender},   {"subject", &Mail::subject},
                                     {"body", &Mail::body},       {"source", &Mail::source},
                                     {"raw", &Mail::raw}};

Mail from_doc(const Doc& d) { return kMailRecord.from_doc(d); }

std::string composed_headers(const Mail& m) {
  return "From: " + m.sender + "\r\nTo: " + m.recipient + "\r\nSubject: " + m.subject +
         "\r\nDate: " + enc::http_date(m.timestamp_ms) + "\r\nMessage-ID: <" + m.id +
         "@stratus.local>\r\nMIME-Version: 1.0\r\nContent-Type: " +
         (m.channel == "email-json" ? "application/json" : "text/plain") + "; charset=UTF-8\r\n";
}

// The listing's form of a mail: the raw text is replaced by its URL and its attachments.
Doc listed(const Mail& m) {
  Doc d = m.to_doc();
  if (m.raw.empty()) {
    d.as_map().erase("raw");
    return d;
  }
  d.as_map().erase("raw");
  d.set("eml", "/_stratus/mailbox?id=" + m.id);
  Doc atts = Doc::list();
  try {
    for (const auto& a : mime::parse(m.raw).attachments()) {
      Doc x = Doc::map();
      x.set("filename", a.filename);
      x.set("contentType", a.content_type);
      x.set("size", static_cast<int64_t>(a.size));
      atts.push(std::move(x));
    }
  } catch (const mime::Error&) {
  }
  d.set("attachments", std::move(atts));
  return d;
}

int64_t parse_since(const std::string& s) {
  if (s.empty()) return 0;
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return v < 100'000'000'000 ? v * 1000 : v;
  if (auto t = enc::parse_timestamp(s)) return *t;
  return -1;
}

}  // namespace

std::string Mail::eml() const {
  if (!raw.empty()) return raw;
  std::string body_crlf;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r')) body_crlf.push_back('\r');
    body_crlf.push_back(body[i]);
  }
  return composed_headers(*this) + "\r\n" + body_crlf;
}

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
    if (m.raw.empty()) {
      out.headers = composed_headers(m);
      out.body = m.body;
    } else {
      // The composed message as it is: headers up to the blank line, then the body.
      size_t cut = m.raw.find("\r\n\r\n");
      size_t skip = 4;
      if (cut == std::string::npos) cut = m.raw.find("\n\n"), skip = 2;
      out.headers = m.raw.substr(0, cut == std::string::npos ? m.raw.size() : cut + skip / 2);
      out.body = cut == std::string::npos ? std::string() : m.raw.substr(cut + skip);
    }
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
  std::string recipient, since, id;
  for (const auto& [k, v] : http::parse_query(req.query)) {
    if (k == "recipient") recipient = v;
    else if (k == "since") since = v;
    else if (k == "id")
      id = v;
  }
  if (!id.empty() && (req.method == "GET" || req.method == "HEAD")) {
    for (const auto& m : list(engine)) {
      if (m.id != id) continue;
      res.headers.set("content-type", "message/rfc822");
      res.headers.set("content-disposition", "attachment; filename=\"" + json::escape(m.id) + ".eml\"");
      res.body = m.eml();
      return;
    }
    res.headers.set("content-type", "application/json");
    res.status = 404;
    res.body = "{\"message\":\"No such message\"}";
    return;
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
    for (const auto& m : list(engine, recipient, since_ms)) list_doc.push(listed(m));
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
