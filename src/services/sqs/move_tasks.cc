// Message move tasks (move_tasks.h).
#include "services/sqs/move_tasks.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/clock.h"
#include "core/record.h"
#include "services/sqs/common.h"
#include "services/sqs/state.h"

namespace stratus::sqs {

namespace {
// The stored record of a task (the id is the storage key, not a member).
const json::Record<MoveTask> kMoveTaskRecord{
    {"handle", &MoveTask::handle}, {"source", &MoveTask::source_arn}, {"dest", &MoveTask::dest_arn},
    {"rate", &MoveTask::rate},     {"status", &MoveTask::status},     {"moved", &MoveTask::moved},
    {"to_move", &MoveTask::to_move}, {"started", &MoveTask::started_ms}, {"failure", &MoveTask::failure}};
}  // namespace

std::string MoveTasks::record(const MoveTask& t) { return kMoveTaskRecord.write(t); }

void MoveTasks::read_record(std::string_view json, MoveTask& t) { kMoveTaskRecord.read(json, t); }

void MoveTasks::save(const MoveTask& t) {
  auto st = engine_->put(kTasksKs, t.id, record(t));
  if (!st.ok()) spdlog::error("sqs: storing message move task {}: {}", t.id, st.message);
}

std::vector<MoveTaskPtr> MoveTasks::load(storage::WriteBatch& drop) {
  std::vector<MoveTaskPtr> all;
  for (auto it = engine_->scan(kTasksKs, {}); it->valid(); it->next()) {
    auto t = std::make_shared<MoveTask>();
    t->id = std::string(it->key());
    try {
      read_record(it->value(), *t);
    } catch (const std::exception& e) {
      spdlog::error("sqs: dropping unreadable message move task {}: {}", t->id, e.what());
      drop.del(kTasksKs, t->id);
      continue;
    }
    all.push_back(std::move(t));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a->started_ms < b->started_ms; });
  std::vector<MoveTaskPtr> running;
  std::lock_guard lk(mu_);
  tasks_.clear();
  for (auto& t : all) tasks_[t->source_arn].push_back(t);
  for (auto& [_, list] : tasks_) {
    while (list.size() > 10) {
      drop.del(kTasksKs, list.front()->id);
      list.erase(list.begin());
    }
    for (const auto& t : list)
      if (t->status == "RUNNING") running.push_back(t);
  }
  return running;
}

void MoveTasks::begin(MoveTaskPtr t) {
  std::lock_guard lk(mu_);
  auto& list = tasks_[t->source_arn];
  for (const auto& x : list) {
    if (x->status == "RUNNING") {
      throw invalid("There is already a task running. Only one active task is allowed for a source queue arn at "
                    "a given time.");
    }
  }
  list.push_back(t);
  if (list.size() > 10) {
    (void)engine_->del(kTasksKs, list.front()->id);
    list.erase(list.begin());
  }
  save(*t);
}

void MoveTasks::step(State& s, const MoveTaskPtr& t) {
  auto finish = [&](const char* status, const std::string& why) {
    std::lock_guard lk(mu_);
    if (t->status != "RUNNING") return;
    t->status = status;
    t->failure = why;
    save(*t);
  };
  int64_t budget;
  {
    std::lock_guard lk(mu_);
    if (t->status != "RUNNING") return;
    budget = std::min<int64_t>(t->rate > 0 ? std::max<int64_t>(1, t->rate / 10) : 1000, t->to_move - t->moved);
  }
  QueuePtr src = s.store.by_arn(t->source_arn);
  if (!src) return finish("FAILED", "AWS.SimpleQueueService.NonExistentQueue");
  int64_t now = now_millis();
  std::vector<MessagePtr> taken;
  std::string failure;
  {
    std::lock_guard lk(src->mu);
    src->promote(now);
    for (auto it = src->ready.begin(); it != src->ready.end() && static_cast<int64_t>(taken.size()) < budget;) {
      auto m = src->messages.find(*it++);
      if (m == src->messages.end()) continue;
      if (t->dest_arn.empty() && m->second->dlq_source_arn.empty()) {
        failure = "CouldNotDetermineMessageSource";
        break;
      }
      MessagePtr msg = m->second;
      src->erase(msg, now);
      taken.push_back(std::move(msg));
    }
  }
  storage::WriteBatch b;
  std::vector<std::pair<QueuePtr, MessagePtr>> moved;
  std::vector<MessagePtr> back;
  for (auto& m : taken) {
    QueuePtr dst = s.store.by_arn(t->dest_arn.empty() ? m->dlq_source_arn : t->dest_arn);
    if (!dst) {
      failure = "AWS.SimpleQueueService.NonExistentQueue";
      back.push_back(m);
      continue;
    }
    auto copy = std::make_shared<Message>(*m);
    copy->receive_count = 0;
    copy->first_receive_ms = 0;
    copy->nonce = 0;
    copy->visible_at = now;
    copy->sent_ms = now;
    copy->dlq_source_arn.clear();
    auto payload = std::make_shared<Payload>(*s.store.payload_of(*src, *m));
    {
      std::lock_guard lk(dst->mu);
      copy->seq = s.store.take_seq();
      if (dst->fifo) payload->sequence_number = kSequenceBase + copy->seq;
    }
    b.put(kMessagesKs, message_key(dst->uid, copy->seq), encode_message(*copy, *payload));
    copy->payload = payload_resident_ok() ? seal(std::move(payload)) : nullptr;
    b.del(kMessagesKs, message_key(src->uid, m->seq));
    b.del(kStateKs, message_key(src->uid, m->seq));
    moved.emplace_back(std::move(dst), std::move(copy));
  }
  auto st = b.empty() ? storage::Status::OK() : s.store.write(b);
  if (!st.ok()) {
    back = taken;
    moved.clear();
    failure = st.message;
  }
  if (!back.empty()) {
    std::lock_guard lk(src->mu);
    for (auto& m : back) src->insert(m, now);
  }
  for (auto& [dst, m] : moved) {
    {
      std::lock_guard lk(dst->mu);
      if (!dst->deleted) dst->insert(m, now);
    }
    s.wake(dst);
  }
  bool more;
  {
    std::lock_guard lk(mu_);
    t->moved += static_cast<int64_t>(moved.size());
    more = t->moved < t->to_move && !taken.empty();
    if (more && t->status == "RUNNING" && !moved.empty()) save(*t);
  }
  if (!failure.empty()) return finish("FAILED", failure);
  if (!more) return finish("COMPLETED", "");
  s.at("sqs.move-task", t->rate > 0 ? now + 100 : now, [&s, this, t] { step(s, t); });
}

Doc MoveTasks::results(const std::string& source_arn, int64_t max) {
  Doc results = Doc::list();
  std::lock_guard lk(mu_);
  if (auto it = tasks_.find(source_arn); it != tasks_.end()) {
    for (auto t = it->second.rbegin(); t != it->second.rend() && static_cast<int64_t>(results.size()) < max; ++t) {
      const MoveTask& x = **t;
      Doc d = Doc::map();
      if (x.status == "RUNNING") d.set("TaskHandle", x.handle);
      d.set("Status", x.status);
      d.set("SourceArn", x.source_arn);
      if (!x.dest_arn.empty()) d.set("DestinationArn", x.dest_arn);
      if (x.rate > 0) d.set("MaxNumberOfMessagesPerSecond", x.rate);
      d.set("ApproximateNumberOfMessagesMoved", x.moved);
      d.set("ApproximateNumberOfMessagesToMove", x.to_move);
      if (!x.failure.empty()) d.set("FailureReason", x.failure);
      d.set("StartedTimestamp", x.started_ms);
      results.push(std::move(d));
    }
  }
  return results;
}

Doc MoveTasks::cancel(const std::string& id, const std::string& source_arn) {
  std::lock_guard lk(mu_);
  auto it = tasks_.find(source_arn);
  if (id.empty() || it == tasks_.end()) throw errors::resource_not_found("Task does not exist.");
  for (auto& t : it->second) {
    if (t->id != id) continue;
    if (t->status != "RUNNING") {
      throw errors::unsupported_operation("Only tasks in RUNNING status can be cancelled.");
    }
    t->status = "CANCELLED";
    save(*t);
    return answer("ApproximateNumberOfMessagesMoved", t->moved);
  }
  throw errors::resource_not_found("Task does not exist.");
}

void MoveTasks::reset() {
  std::lock_guard lk(mu_);
  for (auto& [_, list] : tasks_)
    for (auto& t : list) t->status = "CANCELLED";
  tasks_.clear();
}

}  // namespace stratus::sqs
