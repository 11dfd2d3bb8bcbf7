#include "services/sqs/store.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "core/arn.h"
#include "core/json.h"
#include "core/record.h"
#include "services/sqs/attributes.h"
#include "services/sqs/common.h"
#include "services/sqs/record.h"

namespace stratus::sqs {

// ---- the index ----------------------------------------------------------------------------------

QueuePtr Store::find(const std::string& key) {
  std::shared_lock lk(map_mu_);
  auto it = queues_.find(key);
  return it == queues_.end() ? nullptr : it->second;
}

QueuePtr Store::by_arn(const std::string& arn) {
  std::shared_lock lk(map_mu_);
  auto it = by_arn_.find(arn);
  return it == by_arn_.end() ? nullptr : it->second;
}

std::vector<QueuePtr> Store::all() {
  std::shared_lock lk(map_mu_);
  std::vector<QueuePtr> out;
  for (const auto& [_, q] : queues_) out.push_back(q);
  return out;
}

std::vector<QueuePtr> Store::with_prefix(const std::string& prefix) {
  std::shared_lock lk(map_mu_);
  std::vector<QueuePtr> out;
  for (auto it = queues_.lower_bound(prefix); it != queues_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it)
    out.push_back(it->second);
  return out;
}

std::pair<QueuePtr, bool> Store::create(const std::string& key, int64_t now, const std::function<QueuePtr()>& make) {
  std::unique_lock lk(map_mu_);
  if (auto it = queues_.find(key); it != queues_.end()) return {it->second, false};
  if (auto d = deleted_at_.find(key); d != deleted_at_.end() && now - d->second < kQueueReuseMs) {
    throw errors::queue_deleted_recently(
        "You must wait 60 seconds after deleting a queue before you can create another with the same name.");
  }
  QueuePtr q = make();
  {
    std::lock_guard qlk(q->mu);
    auto st = save_queue(*q);
    if (!st.ok()) throw stratus::errors::internal("could not store the queue: " + st.message);
  }
  queues_[key] = q;
  by_arn_[q->arn] = q;
  by_uid_[q->uid] = q;
  return {q, true};
}

bool Store::remove(const QueuePtr& q, int64_t now) {
  std::string key = queue_key(q->account, q->region, q->name);
  {
    std::unique_lock lk(map_mu_);
    auto it = queues_.find(key);
    if (it == queues_.end() || it->second != q) return false;
    queues_.erase(it);
    by_arn_.erase(q->arn);
    by_uid_.erase(q->uid);
    deleted_at_[key] = now;
  }
  auto st = engine_->del(kQueuesKs, key);
  if (!st.ok()) throw stratus::errors::internal(st.message);
  return true;
}

std::vector<QueuePtr> Store::clear() {
  std::vector<QueuePtr> all;
  std::unique_lock lk(map_mu_);
  for (auto& [_, q] : queues_) all.push_back(q);
  queues_.clear();
  by_arn_.clear();
  by_uid_.clear();
  deleted_at_.clear();
  return all;
}

// ---- records ------------------------------------------------------------------------------------

namespace {
// The stored record of a queue (account, region and name are the storage key; the ARN follows).
const json::Record<Queue> kQueueRecord{
    {"uid", &Queue::uid},         {"created", &Queue::created_ms},        {"modified", &Queue::modified_ms},
    {"fifo", &Queue::fifo},       {"last_purge", &Queue::last_purge_ms},  {"attributes", &Queue::attributes},
    {"tags", &Queue::tags}};
}  // namespace

std::string Store::queue_record(const Queue& q) { return kQueueRecord.write(q); }

storage::Status Store::save_queue(Queue& q) {
  return engine_->put(kQueuesKs, queue_key(q.account, q.region, q.name), queue_record(q));
}

void Store::stage(storage::WriteBatch& b, const Queue& q, const MessagePtr& m, int64_t now) {
  const Payload& p = *m->payload;  // set by prepare()
  b.put(kMessagesKs, message_key(q.uid, m->seq), encode_message(*m, p));
  if (q.fifo) {
    std::string v;
    put_u64(v, static_cast<uint64_t>(now + kDedupWindowMs));
    put_str(v, p.id);
    put_u64(v, p.sequence_number);
    b.put(kDedupKs, queue_item_key(q.uid, q.dedup_key(m->group_id, p.dedup_id)), v);
  }
}

PayloadPtr Store::payload_of(const Queue& q, const Message& m) {
  if (m.payload) return m.payload;
  std::string raw;
  if (engine_->get(kMessagesKs, message_key(q.uid, m.seq), &raw).ok()) {
    try {
      return decode_message(raw)->payload;
    } catch (const std::exception& e) {
      spdlog::error("sqs: unreadable message record {} in {}: {}", m.seq, q.name, e.what());
    }
  } else {
    spdlog::error("sqs: message record {} of {} is missing", m.seq, q.name);
  }
  return std::make_shared<const Payload>();
}

void Store::fill_payloads(const Queue& q, std::vector<Picked>& got) {
  for (auto& p : got)
    if (!p.payload) p.payload = payload_of(q, *p.msg);
}

void Store::drop_stored(const std::string& uid, const std::vector<uint64_t>& seqs, bool all_keys) {
  storage::WriteBatch b;
  auto flush = [&](size_t at_least) {
    if (b.ops().size() < at_least) return;
    (void)engine_->write(b);
    b = storage::WriteBatch();
  };
  for (uint64_t seq : seqs) {
    std::string key = message_key(uid, seq);
    b.del(kMessagesKs, key);
    b.del(kStateKs, key);
    flush(1000);
  }
  if (all_keys) {
    for (std::string_view ks : {kDedupKs, kAttemptsKs}) {
      for (auto it = engine_->prefix(ks, uid); it->valid(); it->next()) {
        b.del(ks, it->key());
        flush(1000);
      }
    }
  }
  flush(1);
}

std::string Store::encode_attempt(int64_t expires, const std::vector<Picked>& got) {
  std::string v;
  put_u64(v, static_cast<uint64_t>(expires));
  put_u64(v, got.size());
  for (const auto& p : got) {
    put_u64(v, p.msg->seq);
    put_u64(v, p.receive_count);
    put_u64(v, static_cast<uint64_t>(p.first_receive_ms));
    put_u64(v, p.nonce);
    put_u64(v, static_cast<uint64_t>(p.visible_at));
  }
  return v;
}

// ---- loading ------------------------------------------------------------------------------------

void Store::load(int64_t now, storage::WriteBatch& orphans) {
  std::unordered_map<std::string, QueuePtr> uids;
  for (auto it = engine_->scan(kQueuesKs, {}); it->valid(); it->next()) {
    std::string key(it->key());
    auto q = std::make_shared<Queue>();
    try {
      storage::KeyReader k(key);
      q->account = k.str();
      q->region = k.str();
      q->name = k.rest();
    } catch (const std::runtime_error&) {
      continue;  // not a queue key
    }
    try {
      kQueueRecord.read(it->value(), *q);
    } catch (const std::exception& e) {
      spdlog::error("sqs: skipping unreadable queue record {}: {}", q->name, e.what());
      continue;
    }
    q->arn = Arn::make("sqs", q->region, q->account, q->name);
    q->cfg = parse_config(q->attributes);
    uids[q->uid] = q;
    std::unique_lock lk(map_mu_);
    queues_[key] = q;
    by_arn_[q->arn] = q;
    by_uid_[q->uid] = q;
  }
  // Message and state keys are be64(seq) uid; data written before the seq came first has
  // uid be64(seq) keys (a uid is lower-case alphanumeric, a seq's first byte 0) and is moved
  // to the current layout here.
  storage::WriteBatch relayout;
  auto parse_key = [](std::string_view key, std::string& uid, uint64_t& seq) {
    if (key.size() != 24) return false;
    storage::KeyReader k(key);
    if (key[0] != '\0') {  // legacy: raw(uid) u64(seq)
      uid.assign(k.raw(16));
      seq = k.u64();
    } else {
      seq = k.u64();
      uid.assign(k.rest());
    }
    return true;
  };
  auto flush_relayout = [&](size_t at_least) {
    if (relayout.ops().size() < at_least) return;
    if (auto st = engine_->write(relayout); !st.ok()) spdlog::error("sqs: re-keying messages failed: {}", st.message);
    relayout = storage::WriteBatch();
  };
  std::string uid;
  uint64_t seq = 0;
  for (bool messages : {true, false}) {
    std::string_view ks = messages ? kMessagesKs : kStateKs;
    for (auto it = engine_->scan(ks, {}); it->valid(); it->next()) {
      std::string_view key = it->key();
      if (!parse_key(key, uid, seq)) continue;
      auto q = uids.find(uid);
      MessagePtr m;
      if (q != uids.end() && !messages) {
        auto mit = q->second->messages.find(seq);
        if (mit != q->second->messages.end()) m = mit->second;
      }
      if (q == uids.end() || (!messages && !m)) {
        orphans.del(ks, key);
        continue;
      }
      if (key[0] != '\0') {
        relayout.del(ks, key);
        relayout.put(ks, message_key(uid, seq), it->value());
        flush_relayout(1000);
      }
      if (!messages) {
        decode_state(it->value(), *m);
        continue;
      }
      try {
        m = decode_message(it->value());
        m->seq = seq;
        if (!payload_resident_ok()) m->payload.reset();
        q->second->messages[seq] = m;
        if (seq >= next_seq_) next_seq_ = seq + 1;
      } catch (const std::exception& e) {
        spdlog::error("sqs: skipping unreadable message in {}: {}", q->second->name, e.what());
      }
    }
  }
  flush_relayout(1);
  for (auto it = engine_->scan(kDedupKs, {}); it->valid(); it->next()) {
    std::string_view key = it->key();
    auto q = key.size() >= 16 ? uids.find(std::string(key.substr(0, 16))) : uids.end();
    if (q == uids.end()) {
      orphans.del(kDedupKs, key);
      continue;
    }
    Reader r(it->value());
    DedupEntry e;
    e.expires_ms = r.i64();
    e.message_id = r.str();
    e.sequence_number = r.u64();
    if (e.expires_ms <= now) orphans.del(kDedupKs, key);
    else q->second->dedup[std::string(key.substr(16))] = std::move(e);
  }
  for (auto it = engine_->scan(kAttemptsKs, {}); it->valid(); it->next()) {
    std::string_view key = it->key();
    auto q = key.size() > 16 ? uids.find(std::string(key.substr(0, 16))) : uids.end();
    if (q == uids.end()) {
      orphans.del(kAttemptsKs, key);
      continue;
    }
    try {
      Reader r(it->value());
      int64_t expires = r.i64();
      if (expires <= now) {
        orphans.del(kAttemptsKs, key);
        continue;
      }
      std::vector<Picked> got;
      for (uint64_t n = r.u64(); n > 0; --n) {
        uint64_t seq = r.u64();
        Picked p{};
        p.receive_count = static_cast<uint32_t>(r.u64());
        p.first_receive_ms = r.i64();
        p.nonce = static_cast<uint32_t>(r.u64());
        p.visible_at = r.i64();
        auto m = q->second->messages.find(seq);
        if (m == q->second->messages.end()) continue;
        p.msg = m->second;
        got.push_back(std::move(p));
      }
      q->second->attempts[std::string(key.substr(16))] = {expires, std::move(got)};
    } catch (const std::exception& e) {
      spdlog::error("sqs: skipping unreadable receive attempt in {}: {}", q->second->name, e.what());
    }
  }
  for (auto& [_, q] : uids) {
    auto all = std::move(q->messages);
    q->messages.clear();
    for (auto& [seq, m] : all) q->insert(m, now);
  }
}

}  // namespace stratus::sqs
