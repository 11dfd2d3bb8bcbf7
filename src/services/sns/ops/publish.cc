// Publish (to a topic, a mobile endpoint or a phone number) and PublishBatch.
#include <openssl/evp.h>

#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "services/sns/delivery.h"
#include "services/sns/mailbox.h"
#include "services/sns/message.h"
#include "services/sns/ops.h"
#include "services/sns/ops/common.h"
#include "services/sns/state.h"

namespace stratus::sns {
namespace {

constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;

std::string sha256_hex(std::string_view s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_sha256(), nullptr);
  return enc::hex(std::string_view(reinterpret_cast<const char*>(d), n));
}

// Checks one message (Publish or a PublishBatch entry) and fills `p`; no I/O.
std::optional<AwsError> check_publish(const Topic& t, const Doc& in, Published& p) {
  const Doc* msg = in.get("Message");
  if (!msg || !msg->is_string() || msg->as_string().empty()) return invalid("Empty message");
  const std::string& text = msg->as_string();
  // Messages are UTF-8 text of XML characters (what SQS stores and every subscriber decodes).
  if (enc::first_non_xml_char(text))
    return invalid("Message Reason: Message contains invalid characters");
  auto attrs = parse_message_attributes(in.get("MessageAttributes"));
  if (!attrs) return attrs.error();
  size_t size = text.size();
  for (const auto& a : attrs.value()) size += a.name.size() + a.type.size() + a.value.size();
  if (size > kMaxMessageBytes) return invalid("Message too long");
  std::string structure = in.str("MessageStructure");
  if (!structure.empty()) {
    if (structure != "json") return invalid("MessageStructure");
    Doc parsed;
    try {
      parsed = json::parse(text);
    } catch (const AwsError&) {
      return invalid("Message Structure - JSON message body failed to parse");
    }
    if (!parsed.is_map()) return invalid("Message Structure - JSON message body failed to parse");
    const Doc* def = parsed.get("default");
    if (!def || !def->is_string()) return invalid("Message Structure - No default entry in JSON message body");
    p.message = std::move(parsed);
  } else {
    p.message = text;
  }
  std::string subject = in.str("Subject");
  if (in.has("Subject")) {
    if (subject.empty() || subject.size() > 100) return invalid("Subject");
    for (unsigned char c : subject)
      if (c < 32) return invalid("Subject");
    if (enc::first_non_xml_char(subject)) return invalid("Subject");
  }
  p.subject = subject;
  p.attrs = std::move(attrs.value());
  p.group_id = in.str("MessageGroupId");
  p.dedup_id = in.str("MessageDeduplicationId");
  if (t.fifo) {
    if (p.group_id.empty()) return invalid("The MessageGroupId parameter is required for FIFO topics");
    if (p.dedup_id.empty()) {
      auto cbd = t.attributes.find("ContentBasedDeduplication");
      if (cbd == t.attributes.end() || cbd->second != "true")
        return invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                       "provided explicitly");
      p.dedup_id = sha256_hex(text);
    }
  } else if (!p.dedup_id.empty()) {
    return invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is "
                   "not valid for this topic type");
  }
  return std::nullopt;
}

struct PublishOutcome {
  std::string message_id;
  uint64_t sequence = 0;
};

// Stores the publish event (durable) unless a FIFO duplicate. REQUIRES(store mutex); exclusive for FIFO.
Result<PublishOutcome> enqueue_publish(State& st, Topic& t, Published& p, const std::string& host) {
  int64_t now = now_millis();
  p.topic_arn = t.arn;
  p.timestamp_ms = now;
  p.host = host;
  if (t.fifo) {
    std::string key = p.dedup_id;
    auto it = t.dedup.find(key);
    if (it != t.dedup.end() && it->second.first > now) return PublishOutcome{it->second.second.first, it->second.second.second};
    p.sequence = 10'000'000'000'000'000'000ULL + t.next_seq++;
    p.message_id = ids::uuid4();
    t.dedup[key] = {now + kDedupWindowMs, {p.message_id, p.sequence}};
    if (t.dedup.size() > 1024)
      for (auto d = t.dedup.begin(); d != t.dedup.end();) d = d->second.first <= now ? t.dedup.erase(d) : std::next(d);
  } else {
    p.message_id = ids::uuid4();
  }
  auto ws = store_publish(st, p, st.store.fanout_of(t));
  if (!ws.ok()) {
    if (t.fifo) t.dedup.erase(p.dedup_id);
    return errors::internal("could not store the message: " + ws.message);
  }
  return PublishOutcome{p.message_id, p.sequence};
}

// Publish with PhoneNumber: straight into the mailbox (nothing for opted-out numbers).
Result<Doc> publish_sms(State& st, OpContext& ctx, const Doc& in, const std::string& phone) {
  if (auto e = check_endpoint("sms", phone, false)) return invalid("PhoneNumber Reason: " + phone + " is not valid to publish to");
  std::string text = in.str("Message");
  if (text.empty()) return invalid("Empty message");
  if (in.str("MessageStructure") == "json") {
    try {
      Doc d = json::parse(text);
      text = d.has("sms") ? d.str("sms") : d.str("default");
    } catch (const AwsError&) {
      return invalid("Message Structure - JSON message body failed to parse");
    }
  }
  if (st.platform.opted_out(ctx.account(), phone)) {
    Doc d = Doc::map();  // accepted, not delivered (as AWS does for opted-out numbers)
    d.set("MessageId", ids::uuid4());
    return d;
  }
  mailbox::Mail m;
  m.id = ids::uuid4();
  m.channel = "sms";
  m.recipient = phone;
  m.sender = "AWS SNS";
  m.body = text;
  m.source = "sns:Publish";
  std::string id = m.id;
  auto ws = mailbox::deliver(st.engine, std::move(m));
  if (!ws.ok()) return errors::internal(ws.message);
  Doc d = Doc::map();
  d.set("MessageId", id);
  return d;
}

}  // namespace

Result<Doc> publish(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string phone = in.str("PhoneNumber");
  if (!phone.empty()) return publish_sms(st, ctx, in, phone);
  std::string member = in.has("TopicArn") ? "TopicArn" : "TargetArn";
  if (!in.has("TopicArn") && !in.has("TargetArn")) return invalid("TopicArn or TargetArn Reason: no value for required parameter");
  if (std::string platform = Platform::platform_of(in.str("TargetArn")); !platform.empty() && !in.has("TopicArn")) {
    std::string text = in.str("Message");
    if (text.empty()) return invalid("Empty message");
    if (in.str("MessageStructure") == "json") {
      try {
        Doc d = json::parse(text);
        text = d.has(platform) ? d.str(platform) : d.str("default");
      } catch (const AwsError&) {
        return invalid("Message Structure - JSON message body failed to parse");
      }
    }
    auto id = st.platform.push(in.str("TargetArn"), text, "sns:Publish");
    if (!id) return id.error();
    Doc d = Doc::map();
    d.set("MessageId", *id);
    return d;
  }
  // FIFO topics publish under the exclusive lock (dedup state; copies stored in sequence order).
  std::shared_lock slk(st.store.mutex());
  std::unique_lock<std::shared_mutex> ulk;
  auto t = topic_for(st.store, in, member.c_str());
  if (!t) return t.error();
  if ((*t)->fifo) {
    slk.unlock();
    ulk = std::unique_lock(st.store.mutex());
    t = topic_for(st.store, in, member.c_str());
    if (!t) return t.error();
  }
  Published p;
  if (auto e = check_publish(**t, in, p)) return *e;
  auto out = enqueue_publish(st, **t, p, host_of(ctx));
  if (!out) return out.error();
  Doc d = Doc::map();
  d.set("MessageId", out->message_id);
  if ((*t)->fifo) d.set("SequenceNumber", std::to_string(out->sequence));
  return d;
}

Result<Doc> publish_batch(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  const Doc* entries = in.get("PublishBatchRequestEntries");
  size_t n = entries && entries->is_list() ? entries->as_list().size() : 0;
  if (n == 0) return AwsError("EmptyBatchRequest", "The batch request doesn't contain any entries", 400);
  if (n > 10) return AwsError("TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.", 400);
  std::set<std::string> ids;
  size_t total = 0;
  for (const auto& e : entries->as_list()) {
    std::string id = e.str("Id");
    bool ok_id = !id.empty() && id.size() <= 80 &&
                 id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
                     std::string::npos;
    if (!ok_id) return AwsError("InvalidBatchEntryId", "The Id of a batch entry in a batch request doesn't abide by the specification.", 400);
    if (!ids.insert(id).second) return AwsError("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.", 400);
    total += e.str("Message").size();
  }
  if (total > kMaxMessageBytes) return AwsError("BatchRequestTooLong", "The length of all the messages put together is more than the limit.", 400);
  std::unique_lock lk(st.store.mutex());
  auto t = topic_for(st.store, in);
  if (!t) return t.error();
  Doc ok = Doc::list(), failed = Doc::list();
  for (const auto& e : entries->as_list()) {
    Published p;
    std::optional<AwsError> err = check_publish(**t, e, p);
    Result<PublishOutcome> out = err ? Result<PublishOutcome>(*err) : enqueue_publish(st, **t, p, host_of(ctx));
    if (!out) {
      Doc f = Doc::map();
      f.set("Id", e.str("Id"));
      f.set("Code", out.error().code);
      f.set("Message", out.error().message);
      f.set("SenderFault", out.error().sender_fault);
      failed.push(std::move(f));
      continue;
    }
    Doc d = Doc::map();
    d.set("Id", e.str("Id"));
    d.set("MessageId", out->message_id);
    if ((*t)->fifo) d.set("SequenceNumber", std::to_string(out->sequence));
    ok.push(std::move(d));
  }
  Doc out = Doc::map();
  out.set("Successful", std::move(ok));
  out.set("Failed", std::move(failed));
  return out;
}

}  // namespace stratus::sns
