#include "services/sqs/queue.h"

#include <random>
#include <unordered_set>

namespace stratus::sqs {
namespace {

uint32_t random_nonce() {
  thread_local std::mt19937 gen{std::random_device{}()};
  uint32_t n = 0;
  while (n == 0) n = gen();
  return n;
}

}  // namespace

void Queue::insert(const MessagePtr& m, int64_t now) {
  // New messages have the highest seq yet: the end is the place to try first.
  messages.insert_or_assign(messages.end(), m->seq, m);
  if (m->visible_at <= now) {
    ready.insert(ready.end(), m->seq);
    return;
  }
  hidden.insert({m->visible_at, m->seq});
  if (m->receive_count > 0) {
    ++in_flight;
    if (fifo) ++group_in_flight[m->group_id];
  }
}

void Queue::erase(MessagePtr m, int64_t) {
  messages.erase(m->seq);
  if (ready.erase(m->seq)) return;
  if (hidden.erase({m->visible_at, m->seq}) && m->receive_count > 0) {
    --in_flight;
    if (fifo) {
      auto it = group_in_flight.find(m->group_id);
      if (it != group_in_flight.end() && --it->second <= 0) group_in_flight.erase(it);
    }
  }
}

void Queue::promote(int64_t now) {
  while (!hidden.empty() && hidden.begin()->first <= now) {
    uint64_t seq = hidden.begin()->second;
    hidden.erase(hidden.begin());
    auto it = messages.find(seq);
    if (it == messages.end()) continue;
    const MessagePtr& m = it->second;
    if (m->receive_count > 0) {
      --in_flight;
      if (fifo) {
        auto g = group_in_flight.find(m->group_id);
        if (g != group_in_flight.end() && --g->second <= 0) group_in_flight.erase(g);
      }
    }
    ready.insert(seq);
  }
}

PickResult Queue::pick(const ReceiveParams& p, int64_t now,
                       const std::function<QueuePtr(const std::string&)>& resolve_dlq) {
  PickResult r;
  promote(now);
  const int64_t retention_ms = cfg.retention_seconds * 1000;
  // Messages are kept in send order, so expired ones sit at the front.
  while (!messages.empty()) {
    MessagePtr m = messages.begin()->second;
    if (m->sent_ms + retention_ms > now) break;
    erase(m, now);
    r.expired.push_back(std::move(m));
  }
  const int64_t vt = p.visibility_timeout >= 0 ? p.visibility_timeout : cfg.visibility_timeout;
  std::unordered_set<std::string> taken_groups, blocked_groups;
  QueuePtr dlq;
  bool dlq_resolved = false;
  for (auto it = ready.begin(); it != ready.end() && static_cast<int>(r.got.size()) < p.max;) {
    uint64_t seq = *it++;
    auto mit = messages.find(seq);
    if (mit == messages.end()) {
      ready.erase(seq);
      continue;
    }
    MessagePtr m = mit->second;
    if (m->sent_ms + retention_ms <= now) {
      erase(m, now);
      r.expired.push_back(std::move(m));
      continue;
    }
    if (fifo) {
      // One batch in flight per message group: a group with received, invisible messages is
      // skipped entirely, which also keeps its later messages behind the earlier ones.
      if (blocked_groups.count(m->group_id)) continue;
      if (!taken_groups.count(m->group_id) && group_in_flight.count(m->group_id)) {
        blocked_groups.insert(m->group_id);
        continue;
      }
    }
    if (cfg.max_receive_count > 0 && m->receive_count >= static_cast<uint32_t>(cfg.max_receive_count) &&
        !cfg.dlq_arn.empty()) {
      if (!dlq_resolved) {
        dlq = resolve_dlq(cfg.dlq_arn);
        dlq_resolved = true;
      }
      if (dlq && dlq.get() != this) {
        erase(m, now);
        r.to_dlq.emplace_back(dlq, std::move(m));
        continue;
      }
    }
    ready.erase(seq);
    m->receive_count++;
    if (m->first_receive_ms == 0) m->first_receive_ms = now;
    m->nonce = random_nonce();
    m->received_ms = now;
    m->visible_at = now + vt * 1000;
    if (vt == 0) {
      ready.insert(seq);  // behind the iterator: not picked twice in this call
    } else {
      hidden.insert({m->visible_at, seq});
      ++in_flight;
      if (fifo) ++group_in_flight[m->group_id];
    }
    if (fifo) taken_groups.insert(m->group_id);
    r.got.push_back(Picked{m, m->payload, m->receive_count, m->first_receive_ms, m->nonce, m->visible_at});
  }
  return r;
}

void Queue::set_visible_at(MessagePtr m, int64_t at, int64_t now) {
  erase(m, now);
  m->visible_at = at;
  insert(m, now);
}

int64_t Queue::next_wake() const {
  if (waiters.empty()) return kNever;
  int64_t t = kNever;
  for (const auto& w : waiters) t = std::min(t, w->deadline_ms);
  if (!hidden.empty()) t = std::min(t, hidden.begin()->first);
  return t;
}

}  // namespace stratus::sqs
