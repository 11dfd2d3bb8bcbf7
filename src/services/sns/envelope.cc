#include "services/sns/envelope.h"

#include <charconv>

#include "core/encoding.h"
#include "core/json.h"

namespace stratus::sns {

std::string timestamp(int64_t ms) {
  std::string s = enc::iso8601(ms);
  if (s.find('.') == std::string::npos && !s.empty() && s.back() == 'Z') s.insert(s.size() - 1, ".000");
  return s;
}

void Envelope::add(std::string_view k, std::string_view v) {
  key(k);
  out_ += '"';
  json::escape_into(out_, v);
  out_ += '"';
}

void Envelope::add_raw(std::string_view k, std::string_view raw_json) {
  key(k);
  out_ += raw_json;
}

std::string Envelope::finish() {
  out_ += "\n}";
  return std::move(out_);
}

void Envelope::key(std::string_view k) {
  if (out_.empty()) out_.reserve(1024);
  out_ += out_.empty() ? "{\n  \"" : ",\n  \"";
  json::escape_into(out_, k);
  out_ += "\" : ";
}

std::string subscribe_url(const std::string& topic_arn, const std::string& token, const std::string& host) {
  return "http://" + host + "/?Action=ConfirmSubscription&TopicArn=" + topic_arn + "&Token=" + token;
}
std::string unsubscribe_url(const std::string& sub_arn, const std::string& host) {
  return "http://" + host + "/?Action=Unsubscribe&SubscriptionArn=" + sub_arn;
}
std::string cert_url(const std::string& host) { return "http://" + host + kCertPath; }

std::string notification_to_sign(std::string_view text, std::string_view id, std::string_view subject,
                                  std::string_view ts, std::string_view topic_arn) {
  std::string out;
  out.reserve(text.size() + topic_arn.size() + 128);
  out.append("Message\n").append(text).append("\nMessageId\n").append(id).append("\n");
  if (!subject.empty()) out.append("Subject\n").append(subject).append("\n");
  out.append("Timestamp\n").append(ts).append("\nTopicArn\n").append(topic_arn).append("\nType\nNotification\n");
  return out;
}

std::string attributes_json(const std::vector<MsgAttr>& attrs) {
  std::string out = "{";
  bool first = true;
  for (const auto& a : attrs) {
    if (!first) out += ",";
    first = false;
    std::string v = a.type.rfind("Binary", 0) == 0 ? enc::base64_encode(a.value) : a.value;
    out.append("\"").append(json::escape(a.name)).append("\":{\"Type\":\"").append(json::escape(a.type));
    out.append("\",\"Value\":\"").append(json::escape(v)).append("\"}");
  }
  return out + "}";
}

std::string render(const Notice& n, const std::string& ts, std::string_view signature) {
  Envelope e;
  e.add("Type", "Notification");
  e.add("MessageId", n.id);
  if (n.sequence) e.add("SequenceNumber", std::to_string(n.sequence));
  e.add("TopicArn", n.topic_arn);
  if (!n.subject.empty()) e.add("Subject", n.subject);
  e.add("Message", n.text);
  e.add("Timestamp", ts);
  e.add("SignatureVersion", std::to_string(n.version));
  e.add("Signature", signature);
  e.add("SigningCertURL", cert_url(std::string(n.host)));
  e.add("UnsubscribeURL", unsubscribe_url(std::string(n.sub_arn), std::string(n.host)));
  if (!n.attrs_json.empty()) e.add_raw("MessageAttributes", n.attrs_json);
  return e.finish();
}

Signer& Envelopes::signer() {
  std::lock_guard lk(signer_mu_);
  if (!signer_) signer_ = std::make_unique<Signer>(engine_);
  return *signer_;
}

void Envelopes::reset() {
  {
    std::lock_guard lk(signer_mu_);
    signer_.reset();
  }
  std::lock_guard slk(signed_mu_);
  signed_.clear();
}

Notice Envelopes::notice(const Published& p, std::string_view sub_arn, const std::string& text, int version) {
  if (!p.attrs.empty() && p.attrs_json.empty()) p.attrs_json = attributes_json(p.attrs);
  return Notice{p.message_id, p.topic_arn, p.subject, text, p.host, sub_arn, p.attrs_json, p.sequence,
                p.timestamp_ms, version};
}

std::string Envelopes::notification(const Published& p, const std::string& sub_arn, const std::string& text,
                                    int version) {
  Notice n = notice(p, sub_arn, text, version);
  std::string ts = timestamp(p.timestamp_ms);
  auto& sig = p.signatures[{text, version}];
  if (sig.empty()) sig = signer().sign(notification_to_sign(text, p.message_id, p.subject, ts, p.topic_arn), version);
  return render(n, ts, sig);
}

Envelopes::Compact Envelopes::compact(const Published& p, const std::string& sub_arn, const std::string& text,
                                      int version) {
  auto& c = p.stored[version == 2 ? 1 : 0];
  auto put = [](std::string& out, std::string_view v) { out.append(std::to_string(v.size())).append(1, ':').append(v); };
  if (c.prefix.empty()) {
    // The envelope's length but for the subscription ARN in its UnsubscribeURL (escaping is
    // per character: each copy adds its ARN's escaped length).
    Notice n = notice(p, "", text, version);
    c.prefix = "sns1:";
    for (std::string_view v : {n.id, n.topic_arn, n.subject, n.text, n.host, n.attrs_json}) put(c.prefix, v);
    for (int64_t v : {static_cast<int64_t>(n.sequence), n.ts_ms, static_cast<int64_t>(version)}) put(c.prefix, std::to_string(v));
    std::string sig(signer().signature_chars(), 'x');
    c.size = render(n, timestamp(p.timestamp_ms), sig).size();
  }
  Compact out;
  out.body.reserve(c.prefix.size() + sub_arn.size() + 8);
  out.body = c.prefix;
  // A subscription's ARN is its topic's plus ":id": only the id is kept then.
  std::string_view sub(sub_arn);
  if (sub.size() > p.topic_arn.size() + 1 && sub.compare(0, p.topic_arn.size(), p.topic_arn) == 0 &&
      sub[p.topic_arn.size()] == ':' && sub.compare(p.topic_arn.size() + 1, 4, "arn:") != 0)
    sub.remove_prefix(p.topic_arn.size() + 1);
  put(out.body, sub);
  out.finished_size = c.size + json::escaped_size(sub_arn);
  return out;
}

std::string Envelopes::finish(std::string_view body) {
  std::string_view in = body;
  if (in.substr(0, 5) != "sns1:") return std::string(body);
  in.remove_prefix(5);
  std::string_view f[10];
  for (auto& x : f) {
    size_t colon = in.find(':'), len = 0;
    if (colon == std::string_view::npos) return std::string(body);
    auto r = std::from_chars(in.data(), in.data() + colon, len);
    if (r.ec != std::errc() || r.ptr != in.data() + colon || in.size() - colon - 1 < len) return std::string(body);
    x = in.substr(colon + 1, len);
    in.remove_prefix(colon + 1 + len);
  }
  int64_t num[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) std::from_chars(f[6 + i].data(), f[6 + i].data() + f[6 + i].size(), num[i]);
  std::string sub_arn = f[9].substr(0, 4) == "arn:" ? std::string(f[9]) : std::string(f[1]) + ":" + std::string(f[9]);
  Notice n{f[0], f[1], f[2], f[3], f[4], sub_arn, f[5], static_cast<uint64_t>(num[0]), num[1], num[2] == 2 ? 2 : 1};
  std::string ts = timestamp(n.ts_ms);
  std::string key = std::string(n.id) + (n.version == 2 ? "/2" : "/1");
  std::string sig;
  {
    std::lock_guard lk(signed_mu_);
    if (auto it = signed_.find(key); it != signed_.end()) sig = it->second;
  }
  if (sig.empty()) {
    sig = signer().sign(notification_to_sign(n.text, n.id, n.subject, ts, n.topic_arn), n.version);
    std::lock_guard lk(signed_mu_);
    if (signed_.size() >= 4096) signed_.clear();
    signed_[key] = sig;
  }
  return render(n, ts, sig);
}

}  // namespace stratus::sns
