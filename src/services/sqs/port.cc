// SQS's port (port.h).
#include "services/sqs/port.h"

#include <algorithm>

#include "core/clock.h"
#include "services/sqs/common.h"
#include "services/sqs/state.h"

namespace stratus::sqs {
namespace {

SendInput input_of(Delivery& d) {
  SendInput in;
  in.body = std::move(d.body);
  in.attrs = std::move(d.attrs);
  in.group_id = std::move(d.group_id);
  in.dedup_id = std::move(d.dedup_id);
  in.sender_id = std::move(d.sender_id);
  in.finish_on_read = d.finish_on_read;
  in.finished_size = d.finished_size;
  in.queue_size_limit = d.queue_size_limit;
  return in;
}

}  // namespace

void Port::set_body_finisher(BodyFinisher f) { s_.finisher = std::move(f); }

Result<std::string> Port::deliver(const std::string& queue_arn, Delivery d) {
  QueuePtr q = s_.store.by_arn(queue_arn);
  if (!q) return no_queue();
  if (d.body.empty()) return missing("MessageBody");
  try {
    return s_.send_one(q, input_of(d)).message_id;
  } catch (const AwsError& e) {
    return e;
  }
}

storage::Status Port::deliver_all(std::vector<Target>& targets, storage::WriteBatch& batch, const Staged& staged) {
  int64_t now = now_millis();
  std::vector<Result<std::string>> results;
  results.reserve(targets.size());
  std::vector<std::pair<QueuePtr, std::vector<MessagePtr>>> stored;  // per queue, in send order
  for (auto& t : targets) {
    QueuePtr q = s_.store.by_arn(t.queue_arn);
    if (!q) {
      results.emplace_back(no_queue());
      continue;
    }
    if (t.delivery.body.empty()) {
      results.emplace_back(missing("MessageBody"));
      continue;
    }
    SendInput in = input_of(t.delivery);
    SendOutcome out;
    try {
      out = s_.prepare(*q, in, now);
    } catch (const AwsError& e) {
      results.emplace_back(e);
      continue;
    }
    results.emplace_back(out.message_id);
    if (out.duplicate) continue;
    Store::stage(batch, *q, out.msg, now);
    auto it = std::find_if(stored.begin(), stored.end(), [&](const auto& x) { return x.first == q; });
    if (it == stored.end()) stored.emplace_back(q, std::vector<MessagePtr>{out.msg});
    else it->second.push_back(out.msg);
  }
  if (staged) staged(results, batch);
  storage::Status st;
  if (!batch.empty()) st = s_.store.write(batch);
  for (const auto& [q, msgs] : stored) s_.settle(q, msgs, st, now);
  return st;
}

std::optional<Api::QueueInfo> Port::info(const std::string& queue_arn) {
  QueuePtr q = s_.store.by_arn(queue_arn);
  if (!q) return std::nullopt;
  std::lock_guard lk(q->mu);
  return QueueInfo{q->fifo, q->cfg.visibility_timeout};
}

void Port::receive(const std::string& queue_arn, const Doc& request, Done done) {
  QueuePtr q = s_.store.by_arn(queue_arn);
  if (!q) return done(no_queue());
  ReceiveParams p;
  try {
    p = parse_receive(request);
  } catch (const AwsError& e) {
    return done(e);
  }
  s_.receive_from(q, p, std::move(done));
}

Result<Doc> Port::remove(const std::string& queue_arn, const std::vector<std::string>& handles) {
  QueuePtr q = s_.store.by_arn(queue_arn);
  if (!q) return no_queue();
  storage::WriteBatch b;
  try {
    for (const auto& h : handles) s_.delete_one(*q, h, b);
  } catch (const AwsError& e) {
    return e;
  }
  if (!b.empty()) {
    auto st = s_.store.write(b);
    if (!st.ok()) return stratus::errors::internal(st.message);
  }
  return Doc::map();
}

Result<Doc> Port::change_visibility(const std::string& queue_arn, const std::string& handle, int64_t seconds) {
  QueuePtr q = s_.store.by_arn(queue_arn);
  if (!q) return no_queue();
  storage::WriteBatch b;
  bool woke = false;
  try {
    s_.change_one(*q, handle, seconds, b, woke);
  } catch (const AwsError& e) {
    return e;
  }
  auto st = s_.store.write(b);
  if (!st.ok()) return stratus::errors::internal(st.message);
  if (woke) s_.wake(q);
  return Doc::map();
}

}  // namespace stratus::sqs
