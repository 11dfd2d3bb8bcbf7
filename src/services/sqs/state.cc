// The message flow of SQS (state.h).
#include "services/sqs/state.h"

#include "services/cloudwatch/api.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "services/sqs/common.h"
#include "services/sqs/record.h"

namespace stratus::sqs {
namespace {

std::string sha256_hex(std::string_view data) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d, &n, EVP_sha256(), nullptr);
  return enc::hex(std::string_view(reinterpret_cast<const char*>(d), n));
}

// ---- receive output ------------------------------------------------------------------------

bool wants(const std::vector<std::string>& names, std::string_view n) {
  for (const auto& x : names)
    if (x == "All" || x == n) return true;
  return false;
}

bool wants_attribute(const std::vector<std::string>& names, std::string_view n) {
  for (const auto& x : names) {
    if (x == "All" || x == ".*" || x == n) return true;
    if (x.size() > 2 && x.compare(x.size() - 2, 2, ".*") == 0 && n.substr(0, x.size() - 1) == x.substr(0, x.size() - 1))
      return true;
  }
  return false;
}

// A message stored with finish_on_read has no MD5 of its body yet (a real one is never empty).
Doc message_doc(const Queue& q, const Picked& p, const ReceiveParams& params, const Api::BodyFinisher& finish) {
  const Message& m = *p.msg;
  const Payload& pl = *p.payload;
  Doc d = Doc::map();
  d.set("MessageId", pl.id);
  d.set("ReceiptHandle", receipt_handle(q, p));
  if (pl.md5_body.empty()) {
    std::string body = finish ? finish(pl.body) : pl.body;
    if (enc::first_non_xml_char(body)) body = enc::replace_non_xml_chars(body);
    d.set("MD5OfBody", md5_hex(body));
    d.set("Body", std::move(body));
  } else if (enc::first_non_xml_char(pl.body)) {
    // Stored before input was checked (an SNS publish of invalid UTF-8): answered with U+FFFD in
    // place of the bad characters, so the one message cannot make every receive undecodable.
    std::string body = enc::replace_non_xml_chars(pl.body);
    d.set("MD5OfBody", md5_hex(body));
    d.set("Body", std::move(body));
  } else {
    d.set("MD5OfBody", pl.md5_body);
    d.set("Body", pl.body);
  }
  const auto& sn = params.system_names;
  if (!sn.empty()) {
    Doc a = Doc::map();
    if (wants(sn, "SenderId")) a.set("SenderId", pl.sender_id);
    if (wants(sn, "SentTimestamp")) a.set("SentTimestamp", std::to_string(m.sent_ms));
    if (wants(sn, "ApproximateReceiveCount")) a.set("ApproximateReceiveCount", std::to_string(p.receive_count));
    if (wants(sn, "ApproximateFirstReceiveTimestamp"))
      a.set("ApproximateFirstReceiveTimestamp", std::to_string(p.first_receive_ms));
    if (!pl.trace_header.empty() && wants(sn, "AWSTraceHeader")) a.set("AWSTraceHeader", pl.trace_header);
    if (!m.dlq_source_arn.empty() && wants(sn, "DeadLetterQueueSourceArn"))
      a.set("DeadLetterQueueSourceArn", m.dlq_source_arn);
    if (!m.group_id.empty() && wants(sn, "MessageGroupId")) a.set("MessageGroupId", m.group_id);
    if (q.fifo) {
      if (wants(sn, "MessageDeduplicationId")) a.set("MessageDeduplicationId", pl.dedup_id);
      if (wants(sn, "SequenceNumber")) a.set("SequenceNumber", std::to_string(pl.sequence_number));
    }
    if (a.size()) d.set("Attributes", std::move(a));
  }
  if (!params.attribute_names.empty() && !pl.attrs.empty()) {
    Attributes sel;
    for (const auto& a : pl.attrs)
      if (wants_attribute(params.attribute_names, a.name)) sel.push_back(a);
    if (!sel.empty()) {
      d.set("MD5OfMessageAttributes", md5_of_attributes(sel));
      d.set("MessageAttributes", attributes_doc(sel));
    }
  }
  return d;
}

}  // namespace

// ---- receipt handles -----------------------------------------------------------------------

std::string receipt_handle(const Queue& q, const Picked& p) {
  std::string raw = "\x01";
  raw += q.uid;
  put_u64(raw, p.msg->seq);
  put_u64(raw, p.nonce);
  return enc::base64_encode(raw);
}

std::optional<Handle> parse_handle(std::string_view h) {
  auto raw = enc::base64_decode(h);
  if (!raw || raw->size() != 1 + 16 + 16 || (*raw)[0] != '\x01') return std::nullopt;
  Handle out;
  out.uid = raw->substr(1, 16);
  Reader r(std::string_view(*raw).substr(17));
  out.seq = r.u64();
  out.nonce = static_cast<uint32_t>(r.u64());
  return out;
}

Doc receive_output(const Queue& q, const std::vector<Picked>& got, const ReceiveParams& params,
                   const Api::BodyFinisher& finish) {
  Doc out = Doc::map();
  if (got.empty()) return out;
  Doc list = Doc::list();
  for (const auto& p : got) list.push(message_doc(q, p, params, finish));
  out.set("Messages", std::move(list));
  return out;
}

ReceiveParams parse_receive(const Doc& in) {
  ReceiveParams p;
  if (const Doc* d = in.get("MaxNumberOfMessages"); d && d->is_number()) {
    int64_t n = d->as_int();
    if (n < 1 || n > 10) {
      throw invalid_value("MaxNumberOfMessages", std::to_string(n), "Must be between 1 and 10, if provided");
    }
    p.max = static_cast<int>(n);
  }
  if (const Doc* d = in.get("VisibilityTimeout"); d && d->is_number()) {
    p.visibility_timeout = d->as_int();
    if (p.visibility_timeout < 0 || p.visibility_timeout > 43200) {
      throw invalid_value("VisibilityTimeout", std::to_string(p.visibility_timeout),
                          "Must be >= 0 and <= 43200, if provided");
    }
  }
  p.wait_seconds = -1;
  if (const Doc* d = in.get("WaitTimeSeconds"); d && d->is_number()) {
    p.wait_seconds = d->as_int();
    if (p.wait_seconds < 0 || p.wait_seconds > 20) {
      throw invalid_value("WaitTimeSeconds", std::to_string(p.wait_seconds), "Must be >= 0 and <= 20, if provided");
    }
  }
  for (const char* k : {"AttributeNames", "MessageSystemAttributeNames"}) {
    if (const Doc* l = in.get(k); l && l->is_list())
      for (const auto& n : l->as_list())
        if (n.is_string()) p.system_names.push_back(n.as_string());
  }
  if (const Doc* l = in.get("MessageAttributeNames"); l && l->is_list())
    for (const auto& n : l->as_list())
      if (n.is_string()) p.attribute_names.push_back(n.as_string());
  p.attempt_id = in.str("ReceiveRequestAttemptId");
  if (p.attempt_id.size() > 128) {
    throw invalid_value("ReceiveRequestAttemptId", p.attempt_id, "The value must be at most 128 characters long");
  }
  for (char c : p.attempt_id) {
    if (c < 33 || c > 126) {
      throw invalid_value("ReceiveRequestAttemptId", p.attempt_id, "The value contains invalid characters");
    }
  }
  return p;
}

// ---- lifecycle ------------------------------------------------------------------------------

void State::start(storage::Engine& engine, Scheduler& sched) {
  sched_ = &sched;
  store.open(engine);
  tasks.open(engine);
  int64_t now = now_millis();
  storage::WriteBatch orphans;
  store.load(now, orphans);
  auto running = tasks.load(orphans);
  if (!orphans.empty()) (void)engine.write(orphans);
  for (auto& t : running) at("sqs.move-task", now, [this, t] { tasks.step(*this, t); });
}

void State::metric(const Queue& q, std::string_view name, double value, std::string_view unit) {
  if (!metrics) return;
  const cloudwatch::Dimension dims[] = {{"QueueName", q.name}};
  metrics->put(q.account, q.region, "AWS/SQS", name, dims, value, unit);
}

void State::publish_gauges() {
  if (!metrics) return;
  for (const auto& q : store.all()) {
    std::lock_guard lk(q->mu);
    if (q->deleted) continue;
    metric(*q, "ApproximateNumberOfMessagesVisible", static_cast<double>(q->ready.size()));
    metric(*q, "ApproximateNumberOfMessagesNotVisible", static_cast<double>(q->in_flight));
    metric(*q, "ApproximateNumberOfMessagesDelayed", static_cast<double>(q->delayed()));
  }
}

void State::reset() {
  for (auto& q : store.clear()) retire(q);
  tasks.reset();
}

// ---- waiters ---------------------------------------------------------------------------------

void State::apply(Queue& q, PickResult& r) {
  if (!r.got.empty()) metric(q, "NumberOfMessagesReceived", static_cast<double>(r.got.size()));
  if (r.got.empty() && r.expired.empty() && r.to_dlq.empty()) return;
  storage::WriteBatch b;
  for (const auto& p : r.got) {
    Message tmp;
    tmp.visible_at = p.visible_at;
    tmp.first_receive_ms = p.first_receive_ms;
    tmp.receive_count = p.receive_count;
    tmp.nonce = p.nonce;
    b.put(kStateKs, message_key(q.uid, p.msg->seq), encode_state(tmp));
  }
  if (!r.attempt_id.empty())
    b.put(kAttemptsKs, queue_item_key(q.uid, r.attempt_id), Store::encode_attempt(r.attempt_expires, r.got));
  for (const auto& m : r.expired) {
    b.del(kMessagesKs, message_key(q.uid, m->seq));
    b.del(kStateKs, message_key(q.uid, m->seq));
  }
  std::vector<std::pair<QueuePtr, MessagePtr>> moved;
  int64_t now = now_millis();
  for (auto& [dlq, m] : r.to_dlq) {
    b.del(kMessagesKs, message_key(q.uid, m->seq));
    b.del(kStateKs, message_key(q.uid, m->seq));
    auto copy = std::make_shared<Message>(*m);
    copy->receive_count = 0;
    copy->first_receive_ms = 0;
    copy->nonce = 0;
    copy->visible_at = now;
    copy->dlq_source_arn = q.arn;
    auto payload = std::make_shared<Payload>(*store.payload_of(q, *m));
    {
      std::lock_guard lk(dlq->mu);
      copy->seq = store.take_seq();
      if (dlq->fifo) payload->sequence_number = kSequenceBase + copy->seq;
    }
    b.put(kMessagesKs, message_key(dlq->uid, copy->seq), encode_message(*copy, *payload));
    copy->payload = payload_resident_ok() ? seal(std::move(payload)) : nullptr;
    moved.emplace_back(dlq, std::move(copy));
  }
  auto st = store.write(b);
  if (!st.ok()) spdlog::error("sqs: storing receive state of {} failed: {}", q.name, st.message);
  for (auto& [dlq, m] : moved) {
    {
      std::lock_guard lk(dlq->mu);
      if (!dlq->deleted) dlq->insert(m, now);
    }
    wake(dlq);
  }
}

void State::arm(const QueuePtr& q) {  // REQUIRES(q->mu)
  int64_t t = q->next_wake();
  if (t >= q->armed_at) return;
  q->armed_at = t;
  std::weak_ptr<Queue> weak = q;
  at("sqs.wake", t, [this, weak] {
    if (auto q = weak.lock()) {
      {
        std::lock_guard lk(q->mu);
        q->armed_at = kNever;
      }
      wake(q);
    }
  });
}

std::function<QueuePtr(const std::string&)> State::resolver() {
  return [this](const std::string& arn) { return store.by_arn(arn); };
}

void State::wake(const QueuePtr& q) {
  std::vector<std::pair<WaiterPtr, PickResult>> served;
  std::vector<WaiterPtr> ended;
  PickResult side;  // expiry and dead-lettering found while serving
  {
    std::lock_guard lk(q->mu);
    if (q->waiters.empty()) return;
    int64_t now = now_millis();
    for (auto it = q->waiters.begin(); it != q->waiters.end();) {
      if ((*it)->deadline_ms <= now || q->deleted) {
        (*it)->finished = true;
        ended.push_back(*it);
        it = q->waiters.erase(it);
      } else {
        ++it;
      }
    }
    q->promote(now);
    while (!q->waiters.empty() && !q->ready.empty()) {
      WaiterPtr w = q->waiters.front();
      PickResult r = q->pick(w->params, now, resolver());
      bool progress = !r.expired.empty() || !r.to_dlq.empty();
      for (auto& m : r.expired) side.expired.push_back(std::move(m));
      for (auto& d : r.to_dlq) side.to_dlq.push_back(std::move(d));
      if (r.got.empty()) {
        if (!progress) break;
        continue;
      }
      r.expired.clear();
      r.to_dlq.clear();
      if (q->fifo && !w->params.attempt_id.empty()) remember_attempt(*q, w->params.attempt_id, r, now);
      w->finished = true;
      q->waiters.pop_front();
      served.emplace_back(std::move(w), std::move(r));
    }
    arm(q);
  }
  apply(*q, side);
  for (auto& [w, r] : served) {
    apply(*q, r);
    store.fill_payloads(*q, r.got);
    w->done(receive_output(*q, r.got, w->params, finisher));
  }
  for (auto& w : ended) w->done(Doc::map());
}

void State::retire(const QueuePtr& q) {
  std::list<WaiterPtr> ws;
  {
    std::lock_guard lk(q->mu);
    q->deleted = true;
    ws.swap(q->waiters);
  }
  for (auto& w : ws) w->done(Doc::map());
}

// ---- sending ------------------------------------------------------------------------------

SendOutcome State::prepare(Queue& q, SendInput& in, int64_t now) {
  std::lock_guard lk(q.mu);
  if (q.deleted) throw no_queue();
  const Config& c = q.cfg;
  size_t size = message_size(in.body, in.attrs);
  if (in.finish_on_read) size = size - in.body.size() + in.finished_size;
  int64_t limit = in.queue_size_limit ? c.maximum_message_size : static_cast<int64_t>(kMaxMessageBytes);
  if (static_cast<int64_t>(size) > limit) {
    throw invalid("One or more parameters are invalid. Reason: Message must be shorter than " + std::to_string(limit) +
                  " bytes.");
  }
  if (q.fifo) {
    if (in.delay >= 0 && in.delay != 0) {
      throw invalid_value("DelaySeconds", std::to_string(in.delay),
                          "The request include parameter that is not valid for this queue type");
    }
    if (in.group_id.empty()) throw missing("MessageGroupId");
    if (in.dedup_id.empty()) {
      if (!c.content_based_dedup) {
        throw invalid("The queue should either have ContentBasedDeduplication enabled or "
                      "MessageDeduplicationId provided explicitly");
      }
      in.dedup_id = sha256_hex(in.body);
    }
  } else if (!in.dedup_id.empty()) {
    throw invalid_value("MessageDeduplicationId", in.dedup_id,
                        "The request includes a parameter that is not valid for this queue type");
  }
  SendOutcome out;
  if (q.fifo) {
    std::string key = q.dedup_key(in.group_id, in.dedup_id);
    auto it = q.dedup.find(key);
    if (it != q.dedup.end() && it->second.expires_ms > now) {
      out.duplicate = true;
      out.message_id = it->second.message_id;
      out.sequence_number = it->second.sequence_number;
      return out;
    }
  }
  auto m = std::make_shared<Message>();
  auto pl = std::make_shared<Payload>();
  m->seq = store.take_seq();
  pl->id = ids::uuid4();
  if (!in.finish_on_read) pl->md5_body = md5_hex(in.body);
  pl->md5_attrs = md5_of_attributes(in.attrs);
  if (!in.trace_header.empty()) {
    pl->md5_sys = md5_of_attributes({Attribute{"AWSTraceHeader", "String", in.trace_header}});
  }
  pl->body = std::move(in.body);
  pl->attrs = std::move(in.attrs);
  pl->trace_header = std::move(in.trace_header);
  pl->sender_id = std::move(in.sender_id);
  m->group_id = std::move(in.group_id);
  pl->dedup_id = std::move(in.dedup_id);
  m->sent_ms = now;
  int64_t delay = in.delay >= 0 ? in.delay : c.delay_seconds;
  m->visible_at = now + delay * 1000;
  if (q.fifo) {
    pl->sequence_number = kSequenceBase + m->seq;
    q.dedup[q.dedup_key(m->group_id, pl->dedup_id)] = DedupEntry{now + kDedupWindowMs, pl->id, pl->sequence_number};
    if (q.dedup.size() > 1024) {  // keep the window small
      for (auto it = q.dedup.begin(); it != q.dedup.end();)
        it = it->second.expires_ms <= now ? q.dedup.erase(it) : std::next(it);
    }
  }
  m->payload = seal(std::move(pl));
  out.msg = m;
  out.payload = m->payload;
  out.message_id = m->payload->id;
  out.sequence_number = m->payload->sequence_number;
  return out;
}

void State::settle(const QueuePtr& q, const std::vector<MessagePtr>& msgs, const storage::Status& st, int64_t now) {
  bool waiters;
  {
    std::lock_guard lk(q->mu);
    if (!st.ok()) {
      for (const auto& m : msgs) q->dedup.erase(q->dedup_key(m->group_id, m->payload->dedup_id));
      return;
    }
    metric(*q, "NumberOfMessagesSent", static_cast<double>(msgs.size()));
    for (const auto& m : msgs) {
      // Past the resident budget the index keeps only what ordering needs; receives read
      // the payload back from the record.
      if (!payload_resident_ok()) m->payload.reset();
      q->insert(m, now);
    }
    waiters = !q->waiters.empty();
  }
  if (waiters) wake(q);
}

storage::Status State::commit(const QueuePtr& q, const std::vector<MessagePtr>& msgs, int64_t now) {
  if (msgs.empty()) return {};
  storage::WriteBatch b;
  for (const auto& m : msgs) Store::stage(b, *q, m, now);
  auto st = store.write(b);
  settle(q, msgs, st, now);
  return st;
}

SendOutcome State::send_one(const QueuePtr& q, SendInput in) {
  int64_t now = now_millis();
  SendOutcome out = prepare(*q, in, now);
  if (!out.duplicate) {
    auto st = commit(q, {out.msg}, now);
    if (!st.ok()) throw stratus::errors::internal("could not store the message: " + st.message);
  }
  return out;
}

// ---- receiving ----------------------------------------------------------------------------

void State::remember_attempt(Queue& q, const std::string& id, PickResult& r, int64_t now) {
  if (q.attempts.size() >= 1024)
    for (auto it = q.attempts.begin(); it != q.attempts.end();)
      it = it->second.first <= now ? q.attempts.erase(it) : std::next(it);
  q.attempts[id] = {now + kDedupWindowMs, r.got};
  r.attempt_id = id;
  r.attempt_expires = now + kDedupWindowMs;
}

void State::receive_from(const QueuePtr& queue, const ReceiveParams& p, Done done) {
  PickResult r;
  bool waiting = false;
  {
    std::lock_guard lk(queue->mu);
    if (queue->deleted) return done(no_queue());
    int64_t now = now_millis();
    int64_t wait = p.wait_seconds >= 0 ? p.wait_seconds : queue->cfg.receive_wait_seconds;
    bool attempt = queue->fifo && !p.attempt_id.empty();
    if (attempt) {
      // A retry of a receive answers with the same messages and receipt handles, as long as
      // they were not deleted or received again meanwhile.
      auto it = queue->attempts.find(p.attempt_id);
      if (it != queue->attempts.end() && it->second.first > now) {
        for (const auto& pk : it->second.second) {
          auto m = queue->messages.find(pk.msg->seq);
          if (m != queue->messages.end() && m->second->nonce == pk.nonce) r.got.push_back(pk);
        }
        store.fill_payloads(*queue, r.got);
        auto out = receive_output(*queue, r.got, p, finisher);
        return done(std::move(out));
      }
    }
    r = queue->pick(p, now, resolver());
    if (attempt && !r.got.empty()) remember_attempt(*queue, p.attempt_id, r, now);
    if (r.got.empty() && wait > 0) {
      auto w = std::make_shared<Waiter>();
      w->params = p;
      w->done = std::move(done);
      w->deadline_ms = now + wait * 1000;
      queue->waiters.push_back(std::move(w));
      waiting = true;
      arm(queue);
    }
  }
  apply(*queue, r);
  if (!waiting && r.got.empty()) metric(*queue, "NumberOfEmptyReceives", 1);
  if (!waiting) {
    store.fill_payloads(*queue, r.got);
    done(receive_output(*queue, r.got, p, finisher));
  }
}

// ---- deleting and visibility ---------------------------------------------------------------

void State::delete_one(Queue& q, const std::string& handle, storage::WriteBatch& b) {
  auto h = parse_handle(handle);
  if (!h || h->uid != q.uid) throw bad_receipt(handle);
  std::lock_guard lk(q.mu);
  auto it = q.messages.find(h->seq);
  // Unknown (already deleted, expired) is success, as on AWS; a handle of an earlier receive
  // succeeds without deleting the message that someone else now holds.
  if (it == q.messages.end() || it->second->nonce != h->nonce) return;
  q.erase(it->second, now_millis());
  metric(q, "NumberOfMessagesDeleted", 1);
  b.del(kMessagesKs, message_key(q.uid, h->seq));
  b.del(kStateKs, message_key(q.uid, h->seq));
}

void State::change_one(Queue& q, const std::string& handle, int64_t vt, storage::WriteBatch& b, bool& woke) {
  if (vt < 0 || vt > 43200) {
    throw invalid_value("VisibilityTimeout", std::to_string(vt), "Must be between 0 and 43200, if provided");
  }
  auto h = parse_handle(handle);
  if (!h || h->uid != q.uid) throw bad_receipt(handle);
  std::lock_guard lk(q.mu);
  int64_t now = now_millis();
  q.promote(now);
  auto it = q.messages.find(h->seq);
  if (it == q.messages.end() || it->second->nonce != h->nonce) {
    throw invalid_value("ReceiptHandle", handle,
                        "Message does not exist or is not available for visibility timeout change");
  }
  MessagePtr m = it->second;
  if (m->receive_count == 0 || m->visible_at <= now) {
    throw errors::message_not_inflight("Message is not in flight.");
  }
  // A message stays invisible at most 12 hours from the receive in all (no clamping).
  if (m->received_ms && now + vt * 1000 > m->received_ms + int64_t{43200} * 1000) {
    throw invalid_value("VisibilityTimeout", std::to_string(vt),
                        "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
  }
  q.set_visible_at(m, now + vt * 1000, now);
  b.put(kStateKs, message_key(q.uid, m->seq), encode_state(*m));
  woke = woke || (vt == 0 && !q.waiters.empty());
}

}  // namespace stratus::sqs
