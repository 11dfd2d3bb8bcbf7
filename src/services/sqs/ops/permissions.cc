// SQS's tag and permission operations.
#include "services/sqs/ops.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <string_view>

#include "core/json.h"
#include "core/permission.h"
#include "services/sqs/attributes.h"
#include "services/sqs/common.h"
#include "services/sqs/state.h"
#include "storage/written.h"

namespace stratus::sqs {
namespace {

bool word_chars(std::string_view v) {
  for (char c : v)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

// AddPermission's documented rules: a label of at most 80 word characters, at most 7 actions
// per statement, actions another account may be granted, account principals only.
void check_permission(const Doc& in, const std::string& label) {
  if (label.size() > 80 || !word_chars(label)) {
    throw invalid_value("Label", label,
                        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
  static const std::set<std::string_view> kGrantable = {"*",
                                                        "SendMessage",
                                                        "ReceiveMessage",
                                                        "DeleteMessage",
                                                        "ChangeMessageVisibility",
                                                        "GetQueueAttributes",
                                                        "GetQueueUrl",
                                                        "ListDeadLetterSourceQueues",
                                                        "PurgeQueue",
                                                        "SendMessageBatch",
                                                        "DeleteMessageBatch",
                                                        "ChangeMessageVisibilityBatch",
                                                        "StartMessageMoveTask",
                                                        "ListMessageMoveTasks",
                                                        "CancelMessageMoveTask"};
  static const std::set<std::string_view> kOwnerOnly = {"AddPermission", "RemovePermission", "CreateQueue",
                                                        "DeleteQueue",   "ListQueues",       "SetQueueAttributes",
                                                        "TagQueue",      "UntagQueue",       "ListQueueTags"};
  const Doc* actions = in.get("Actions");
  size_t n = actions && actions->is_list() ? actions->as_list().size() : 0;
  if (n == 0) throw missing("Actions");
  if (n > 7) throw errors::over_limit(std::to_string(n) + " Actions were found, maximum allowed is 7.");
  for (const auto& a : actions->as_list()) {
    std::string name = a.is_string() ? a.as_string() : std::string();
    if (kGrantable.count(name)) continue;
    throw invalid_value("ActionName", "SQS:" + name,
                        kOwnerOnly.count(name) ? "Only the queue owner is allowed to invoke this action"
                                               : "Please refer to the appropriate WSDL for a list of valid actions");
  }
  const Doc* accounts = in.get("AWSAccountIds");
  if (!accounts || !accounts->is_list() || accounts->as_list().empty()) throw missing("AWSAccountIds");
  for (const auto& a : accounts->as_list()) {
    std::string id = a.is_string() ? a.as_string() : std::string();
    if (id.size() != 12 || id.find_first_not_of("0123456789") != std::string::npos) {
      throw invalid_value("PrincipalId", "[" + id + "]", "Unable to verify");
    }
  }
}

}  // namespace

// Tags as SQS's queue quotas state them: key 1..128 characters, value at most 256, the letters,
// digits, whitespace and _ . : / = + - @ only; the aws: prefix is reserved.
void check_tags(const Doc* tags) {
  if (!tags || !tags->is_map()) return;
  auto allowed = [](std::string_view v) {
    for (unsigned char c : v)
      if (c < 0x80 && !std::isalnum(c) && !std::isspace(c) && !std::strchr("_.:/=+-@", c)) return false;
    return true;
  };
  auto chars = [](std::string_view v) {
    size_t n = 0;
    for (unsigned char c : v) n += (c & 0xC0) != 0x80;
    return n;
  };
  for (const auto& [k, v] : tags->as_map()) {
    std::string value = v.is_string() ? v.as_string() : std::string();
    if (k.empty() || chars(k) > 128) throw invalid("Tag key must be between 1 and 128 characters long.");
    if (chars(value) > 256) throw invalid("Tag value must be at most 256 characters long.");
    if (!allowed(k) || !allowed(value)) {
      throw invalid("Tag keys and values can only contain letters, digits, whitespace and _ . : / = + - @.");
    }
    if (k.size() >= 4 && std::equal(k.begin(), k.begin() + 4, "aws:", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      throw invalid("Tag keys starting with 'aws:' are reserved for use by AWS.");
    }
  }
}

Doc tag_queue(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  check_tags(in.get("Tags"));
  std::lock_guard lk(q->mu);
  auto tags = q->tags;
  if (const Doc* t = in.get("Tags"); t && t->is_map())
    for (const auto& [k, v] : t->as_map()) tags[k] = v.is_string() ? v.as_string() : "";
  if (tags.size() > 50) throw invalid("Too many tags added for queue " + q->name + ".");
  q->tags = std::move(tags);
  storage::written(s.store.save_queue(*q));
  return Doc::map();
}

Doc untag_queue(OpContext& ctx, const Doc& in) {
  State& s = state(ctx);
  QueuePtr q = queue_for(ctx, in);
  std::lock_guard lk(q->mu);
  if (const Doc* l = in.get("TagKeys"); l && l->is_list())
    for (const auto& k : l->as_list())
      if (k.is_string()) q->tags.erase(k.as_string());
  storage::written(s.store.save_queue(*q));
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
  check_permission(in, label);
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
  if (stmts.size() >= kMaxPolicyStatements) {
    throw errors::over_limit(std::to_string(stmts.size() + 1) + " statements were found, maximum allowed is " +
                             std::to_string(kMaxPolicyStatements) + ".");
  }
  Doc st = permission_statement(label, in.get("AWSAccountIds"), in.get("Actions"), "SQS", queue.arn);
  stmts.push(std::move(st));
  std::string text = json::write(policy);
  if (text.size() > kMaxPolicyBytes) {
    throw errors::over_limit("The policy would be longer than " + std::to_string(kMaxPolicyBytes) + " bytes.");
  }
  queue.attributes["Policy"] = std::move(text);
  storage::written(s.store.save_queue(queue));
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
  storage::written(s.store.save_queue(queue));
  return Doc::map();
}

}  // namespace stratus::sqs
