// SQS's tag and permission operations.
#include "services/sqs/ops.h"

#include <algorithm>

#include "core/json.h"
#include "core/permission.h"
#include "services/sqs/common.h"
#include "services/sqs/state.h"

namespace stratus::sqs {
Doc tag_queue(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  std::lock_guard lk(q->mu);
  auto tags = q->tags;
  if (const Doc* t = in.get("Tags"); t && t->is_map())
    for (const auto& [k, v] : t->as_map()) tags[k] = v.is_string() ? v.as_string() : "";
  if (tags.size() > 50) throw invalid("Too many tags added for queue " + q->name + ".");
  q->tags = std::move(tags);
  auto st = s.store.save_queue(*q);
  if (!st.ok()) throw stratus::errors::internal(st.message);
  return Doc::map();
}

Doc untag_queue(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  std::lock_guard lk(q->mu);
  if (const Doc* l = in.get("TagKeys"); l && l->is_list())
    for (const auto& k : l->as_list())
      if (k.is_string()) q->tags.erase(k.as_string());
  auto st = s.store.save_queue(*q);
  if (!st.ok()) throw stratus::errors::internal(st.message);
  return Doc::map();
}

Doc list_queue_tags(OpContext& ctx, const Doc& in) {
  QueuePtr q = queue_for(ctx, in);
  std::lock_guard lk(q->mu);
  Doc out = Doc::map();
  if (!q->tags.empty()) {
    Doc t = Doc::map();
    for (const auto& [k, v] : q->tags) t.set(k, v);
    out.set("Tags", std::move(t));
  }
  return out;
}

Doc add_permission(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  std::string label = in.str("Label");
  if (label.empty()) throw missing("Label");
  Queue& queue = *q;
  std::lock_guard lk(queue.mu);
  Doc policy = Doc::map();
  if (auto it = queue.attributes.find("Policy"); it != queue.attributes.end()) {
    try {
      policy = json::parse(it->second);
    } catch (const AwsError&) {
    }
  }
  if (!policy.has("Version")) policy.set("Version", "2012-10-17");
  if (!policy.has("Id")) policy.set("Id", queue.arn + "/SQSDefaultPolicy");
  Doc& stmts = policy["Statement"];
  if (!stmts.is_list()) stmts = Doc::list();
  for (const auto& s : stmts.as_list())
    if (s.str("Sid") == label) throw invalid_value("Label", label, "Already exists");
  Doc st = permission_statement(label, in.get("AWSAccountIds"), in.get("Actions"), "SQS", queue.arn);
  stmts.push(std::move(st));
  queue.attributes["Policy"] = json::write(policy);
  auto saved = s.store.save_queue(queue);
  if (!saved.ok()) throw stratus::errors::internal(saved.message);
  return Doc::map();
}

Doc remove_permission(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  std::string label = in.str("Label");
  Queue& queue = *q;
  std::lock_guard lk(queue.mu);
  auto it = queue.attributes.find("Policy");
  bool found = false;
  if (it != queue.attributes.end()) {
    try {
      Doc policy = json::parse(it->second);
      Doc* stmts = policy.get("Statement");
      if (stmts && stmts->is_list()) {
        auto& l = stmts->as_list();
        auto before = l.size();
        l.erase(std::remove_if(l.begin(), l.end(), [&](const Doc& s) { return s.str("Sid") == label; }), l.end());
        found = l.size() != before;
        if (l.empty()) queue.attributes.erase(it);
        else it->second = json::write(policy);
      }
    } catch (const AwsError&) {
    }
  }
  if (!found) throw invalid_value("Label", label, "can't find label");
  auto saved = s.store.save_queue(queue);
  if (!saved.ok()) throw stratus::errors::internal(saved.message);
  return Doc::map();
}

}  // namespace stratus::sqs
