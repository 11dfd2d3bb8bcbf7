// SQS's message move task operations.
#include "services/sqs/ops.h"

#include "core/arn.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "services/sqs/common.h"
#include "services/sqs/state.h"

namespace stratus::sqs {
namespace {

constexpr const char* kNoSource = "The resource that you specified for the SourceArn parameter doesn't exist.";

// An optional integer member within [lo, hi] (the move task operations' wording).
int64_t ranged(const Doc& in, const char* member, int64_t dflt, int64_t lo, int64_t hi) {
  const Doc* d = in.get(member);
  if (!d || !d->is_number()) return dflt;
  int64_t v = d->as_int();
  if (v < lo || v > hi) {
    throw invalid(std::string("Value for parameter ") + member + " is invalid. Reason: You must enter a number "
                  "that's between " + std::to_string(lo) + " and " + std::to_string(hi) + ".");
  }
  return v;
}

AwsError arn_error(const char* member) {
  return invalid(std::string("You must use this format to specify the ") + member +
                 ": arn:<partition>:<service>:<region>:<account-id>:<resource-id>");
}

bool is_dead_letter_queue(Store& store, const std::string& arn) {
  for (const auto& q : store.all()) {
    std::lock_guard lk(q->mu);
    if (q->cfg.dlq_arn == arn) return true;
  }
  return false;
}

}  // namespace

Doc start_message_move_task(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  std::string src = in.str("SourceArn");
  if (src.empty()) throw missing("SourceArn");
  if (!Arn::parse(src)) throw arn_error("SourceArn");
  QueuePtr q = s.store.by_arn(src);
  if (!q) throw errors::resource_not_found(kNoSource);
  std::string dst = in.str("DestinationArn");
  if (!dst.empty()) {
    if (!Arn::parse(dst)) throw arn_error("DestinationArn");
    if (!s.store.by_arn(dst)) {
      throw errors::resource_not_found(
          "The resource that you specified for the DestinationArn parameter doesn't exist.");
    }
  }
  int64_t rate = ranged(in, "MaxNumberOfMessagesPerSecond", 0, 1, 500);
  if (!is_dead_letter_queue(s.store, src)) throw invalid("Source queue must be configured as a Dead Letter Queue.");
  auto t = std::make_shared<MoveTask>();
  t->id = ids::uuid4();
  t->source_arn = src;
  t->dest_arn = dst;
  t->rate = rate;
  t->started_ms = now_millis();
  Doc h = Doc::map();
  h.set("taskId", t->id);
  h.set("sourceArn", src);
  t->handle = enc::base64_encode(json::write(h));
  {
    std::lock_guard lk(q->mu);
    q->promote(t->started_ms);
    t->to_move = static_cast<int64_t>(q->ready.size());
  }
  s.tasks.begin(t);
  s.at("sqs.move-task", t->started_ms, [&s, t] { s.tasks.step(s, t); });
  return answer("TaskHandle", t->handle);
}

Doc list_message_move_tasks(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  std::string src = in.str("SourceArn");
  if (src.empty()) throw missing("SourceArn");
  if (!Arn::parse(src)) throw arn_error("SourceArn");
  if (!s.store.by_arn(src)) {
    throw errors::resource_not_found(kNoSource);
  }
  int64_t max = ranged(in, "MaxResults", 1, 1, 10);
  return answer("Results", s.tasks.results(src, max));
}

Doc cancel_message_move_task(OpContext& ctx, const Doc& in) {
  std::string handle = in.str("TaskHandle");
  if (handle.empty()) throw missing("TaskHandle");
  std::string id, src;
  if (auto raw = enc::base64_decode(handle)) {
    try {
      Doc d = json::parse(*raw);
      id = d.str("taskId");
      src = d.str("sourceArn");
    } catch (const std::exception&) {
    }
  }
  return state(ctx).tasks.cancel(id, src);
}

}  // namespace stratus::sqs
