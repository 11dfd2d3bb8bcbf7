// Publish (to a topic, a mobile endpoint or a phone number) and PublishBatch.
#include <openssl/evp.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <vector>

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "mail/mailbox.h"
#include "services/cloudwatch/api.h"
#include "services/sns/delivery.h"
#include "services/sns/errors.h"
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

// The document of a MessageStructure=json message: an object with a "default" string.
Doc parse_structure(const std::string& text) {
  auto parsed = parse_json(text);
  if (!parsed || !parsed->is_map()) throw errors::invalid_parameter("Message is not valid JSON.");
  const Doc* def = parsed->get("default");
  if (!def || !def->is_string()) throw invalid_parameter("Message Structure - No default entry in JSON message body");
  return std::move(*parsed);
}

// What FIFO topics ask of every message, checked for the whole request (PublishBatch refuses the
// batch when one entry lacks them).
void check_fifo_ids(const Topic& t, const Doc& in) {
  if (!t.fifo) return;
  if (in.str("MessageGroupId").empty())
    throw errors::invalid_parameter("The request must contain the parameter MessageGroupId.");
  if (in.str("MessageDeduplicationId").empty()) {
    auto cbd = t.attributes.find("ContentBasedDeduplication");
    if (cbd == t.attributes.end() || cbd->second != "true")
      throw invalid_parameter(
          "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
          "provided explicitly");
  }
}

// The key of a FIFO message in its topic's deduplication window: the deduplication id, within
// its message group when FifoThroughputScope is MessageGroup.
std::string dedup_key(const Topic& t, const Published& p) {
  auto scope = t.attributes.find("FifoThroughputScope");
  if (scope != t.attributes.end() && scope->second == "MessageGroup") return p.group_id + '\0' + p.dedup_id;
  return p.dedup_id;
}

// Checks one message (Publish or a PublishBatch entry) and fills `p`; no I/O. Throws what
// the message is refused with.
void check_publish(const Topic& t, const Doc& in, Published& p) {
  const Doc* msg = in.get("Message");
  if (!msg || !msg->is_string() || msg->as_string().empty()) throw invalid_parameter("Empty message");
  const std::string& text = msg->as_string();
  // Messages are UTF-8 text of XML characters (what SQS stores and every subscriber decodes).
  if (enc::first_non_xml_char(text))
    throw invalid_parameter("Message Reason: Message contains invalid characters");
  auto attrs = parse_message_attributes(in.get("MessageAttributes"));
  size_t size = text.size();
  for (const auto& a : attrs) size += a.name.size() + a.type.size() + a.value.size();
  if (size > kMaxMessageBytes) throw invalid_parameter("Message too long");
  std::string structure = in.str("MessageStructure");
  if (!structure.empty()) {
    if (structure != "json") throw invalid_parameter("MessageStructure");
    p.message = parse_structure(text);
  } else {
    p.message = text;
  }
  std::string subject = in.str("Subject");
  if (in.has("Subject")) {
    if (utf8_length(subject) > 100) throw errors::invalid_parameter("Subject must be less than 100 characters");
    if (subject.empty()) throw invalid_parameter("Subject");
    for (unsigned char c : subject)
      if (c < 32) throw invalid_parameter("Subject");
    if (enc::first_non_xml_char(subject)) throw invalid_parameter("Subject");
  }
  p.subject = subject;
  p.attrs = std::move(attrs);
  p.group_id = in.str("MessageGroupId");
  p.dedup_id = in.str("MessageDeduplicationId");
  if (!p.group_id.empty() && !valid_fifo_id(p.group_id))
    throw invalid_parameter(
        "MessageGroupId Reason: MessageGroupId can contain up to 128 alphanumeric characters and "
        "punctuation");
  if (!p.dedup_id.empty() && !valid_fifo_id(p.dedup_id))
    throw invalid_parameter(
        "MessageDeduplicationId Reason: MessageDeduplicationId can contain up to 128 alphanumeric "
        "characters and punctuation");
  if (t.fifo) {
    check_fifo_ids(t, in);
    if (p.dedup_id.empty()) p.dedup_id = sha256_hex(text);  // ContentBasedDeduplication: the body only
  } else if (!p.dedup_id.empty()) {
    throw invalid_parameter("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is "
                   "not valid for this topic type");
  }
}

struct PublishOutcome {
  std::string message_id;
  uint64_t sequence = 0;
};

// Stores the publish event (durable) unless a FIFO duplicate. REQUIRES(store mutex); exclusive for FIFO.
// Throws InternalFailure when the write fails.
PublishOutcome enqueue_publish(State& st, Topic& t, Published& p, const std::string& host) {
  int64_t now = now_millis();
  p.topic_arn = t.arn;
  p.timestamp_ms = now;
  p.host = host;
  std::vector<std::string> expired;  // FIFO deduplication entries past their window, to delete
  if (t.fifo) {
    std::string key = dedup_key(t, p);
    auto it = t.dedup.find(key);
    if (it != t.dedup.end() && it->second.first > now) return PublishOutcome{it->second.second.first, it->second.second.second};
    // Sequence numbers only grow, across restarts too (the counter is in memory): never below
    // the clock in microseconds.
    t.next_seq = std::max<uint64_t>(t.next_seq, static_cast<uint64_t>(now) * 1000);
    p.sequence = 10'000'000'000'000'000'000ULL + t.next_seq++;
    p.message_id = ids::uuid4();
    t.dedup[key] = {now + kDedupWindowMs, {p.message_id, p.sequence}};
    if (t.dedup.size() > 1024) {
      for (auto d = t.dedup.begin(); d != t.dedup.end();) {
        if (d->second.first > now) {
          ++d;
          continue;
        }
        expired.push_back(d->first);
        d = t.dedup.erase(d);
      }
    }
  } else {
    p.message_id = ids::uuid4();
  }
  std::function<void(storage::WriteBatch&)> dedup_write;
  if (t.fifo) {
    dedup_write = [&](storage::WriteBatch& b) {
      Store::dedup_record(b, t, dedup_key(t, p), now + kDedupWindowMs, p.message_id, p.sequence);
      for (const auto& k : expired) Store::dedup_forget(b, t, k);
    };
  }
  auto ws = store_publish(st, p, st.store.fanout_of(t), dedup_write);
  if (!ws.ok()) {
    if (t.fifo) t.dedup.erase(dedup_key(t, p));
    throw stratus::errors::internal("could not store the message: " + ws.message);
  }
  return PublishOutcome{p.message_id, p.sequence};
}

// Publish with PhoneNumber: straight into the mailbox (nothing for opted-out numbers).
Doc publish_sms(State& st, OpContext& ctx, const Doc& in, const std::string& phone) {
  if (!valid_e164(phone)) throw invalid_parameter("PhoneNumber Reason: " + phone + " is not valid to publish to");
  std::string text = in.str("Message");
  if (text.empty()) throw invalid_parameter("Empty message");
  if (in.str("MessageStructure") == "json") {
    Doc d = parse_structure(text);
    text = d.get("sms") && d.get("sms")->is_string() ? d.str("sms") : d.str("default");
  }
  if (utf8_length(text) > 1600) throw invalid_parameter("Message too long");  // a single SMS Publish
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
  if (!ws.ok()) throw stratus::errors::internal(ws.message);
  Doc d = Doc::map();
  d.set("MessageId", id);
  return d;
}

// AWS/SNS NumberOfMessagesPublished and PublishSize by TopicName.
void published_metric(State& st, const Topic& t, const Doc& in) {
  if (!st.metrics) return;
  const cloudwatch::Dimension dims[] = {{"TopicName", t.name}};
  st.metrics->put(t.account, t.region, "AWS/SNS", "NumberOfMessagesPublished", dims, 1, "Count");
  st.metrics->put(t.account, t.region, "AWS/SNS", "PublishSize", dims, static_cast<double>(in.str("Message").size()),
                  "Bytes");
}

}  // namespace

Doc publish(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  std::string phone = in.str("PhoneNumber");
  if (!phone.empty()) return publish_sms(st, ctx, in, phone);
  std::string member = in.has("TopicArn") ? "TopicArn" : "TargetArn";
  // Publishing works within the caller's region only.
  if (auto a = Arn::parse(in.str(member)); a && a->region != ctx.region()) throw invalid_parameter(member);
  if (!in.has("TopicArn") && !in.has("TargetArn")) throw invalid_parameter("TopicArn or TargetArn Reason: no value for required parameter");
  if (std::string platform = Platform::platform_of(in.str("TargetArn")); !platform.empty() && !in.has("TopicArn")) {
    std::string text = in.str("Message");
    if (text.empty()) throw invalid_parameter("Empty message");
    if (in.str("MessageStructure") == "json") {
      Doc d = parse_structure(text);
      text = d.get(platform) && d.get(platform)->is_string() ? d.str(platform) : d.str("default");
    }
    Doc d = Doc::map();
    d.set("MessageId", st.platform.push(in.str("TargetArn"), text, "sns:Publish"));
    return d;
  }
  // FIFO topics publish under the exclusive lock (dedup state; copies stored in sequence order).
  std::shared_lock slk(st.store.mutex());
  std::unique_lock<std::shared_mutex> ulk;
  auto t = topic_for(ctx, st.store, in, member.c_str());
  if (t->fifo) {
    slk.unlock();
    ulk = std::unique_lock(st.store.mutex());
    t = topic_for(ctx, st.store, in, member.c_str());
  }
  Published p;
  check_publish(*t, in, p);
  PublishOutcome out = enqueue_publish(st, *t, p, host_of(ctx));
  published_metric(st, *t, in);
  Doc d = Doc::map();
  d.set("MessageId", out.message_id);
  if (t->fifo) d.set("SequenceNumber", std::to_string(out.sequence));
  return d;
}

Doc publish_batch(OpContext& ctx, const Doc& in) {
  State& st = state(ctx);
  const Doc* entries = in.get("PublishBatchRequestEntries");
  size_t n = entries && entries->is_list() ? entries->as_list().size() : 0;
  if (n == 0) throw errors::empty_batch_request("The batch request doesn't contain any entries");
  if (n > 10) throw errors::too_many_entries_in_batch_request("The batch request contains more entries than permissible.");
  std::set<std::string> ids;
  size_t total = 0;
  for (const auto& e : entries->as_list()) {
    std::string id = e.str("Id");
    bool ok_id = !id.empty() && id.size() <= 80 &&
                 id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
                     std::string::npos;
    if (!ok_id) throw errors::invalid_batch_entry_id("The Id of a batch entry in a batch request doesn't abide by the specification.");
    if (!ids.insert(id).second) throw errors::batch_entry_ids_not_distinct("Two or more batch entries in the request have the same Id.");
    total += e.str("Message").size();
    if (const Doc* attrs = e.get("MessageAttributes"); attrs && attrs->is_map()) {
      for (const auto& [name, v] : attrs->as_map()) {
        total += name.size() + v.str("DataType").size() + v.str("StringValue").size();
        if (const Doc* b = v.get("BinaryValue"); b && b->is_blob()) total += b->as_blob().bytes.size();
      }
    }
  }
  if (total > kMaxMessageBytes) throw errors::batch_request_too_long("The length of all the messages put together is more than the limit.");
  if (auto a = Arn::parse(in.str("TopicArn")); a && a->region != ctx.region()) throw invalid_parameter("TopicArn");
  std::unique_lock lk(st.store.mutex());
  auto t = topic_for(ctx, st.store, in);
  for (const auto& e : entries->as_list()) check_fifo_ids(*t, e);
  Doc ok = Doc::list(), failed = Doc::list();
  for (const auto& e : entries->as_list()) {
    // Each entry's outcome is a value: an entry refused goes into Failed, the others go on.
    Result<PublishOutcome> out = [&]() -> Result<PublishOutcome> {
      try {
        Published p;
        check_publish(*t, e, p);
        return enqueue_publish(st, *t, p, host_of(ctx));
      } catch (const AwsError& err) {
        return err;
      }
    }();
    if (!out) {
      Doc f = Doc::map();
      f.set("Id", e.str("Id"));
      f.set("Code", out.error().code);
      f.set("Message", out.error().message);
      f.set("SenderFault", out.error().sender_fault);
      failed.push(std::move(f));
      continue;
    }
    published_metric(st, *t, e);
    Doc d = Doc::map();
    d.set("Id", e.str("Id"));
    d.set("MessageId", out->message_id);
    if (t->fifo) d.set("SequenceNumber", std::to_string(out->sequence));
    ok.push(std::move(d));
  }
  Doc out = Doc::map();
  out.set("Successful", std::move(ok));
  out.set("Failed", std::move(failed));
  return out;
}

}  // namespace stratus::sns
