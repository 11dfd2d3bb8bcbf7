// Resource-based policies: PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy (and
// CreateTable's ResourcePolicy, through set_policy). A policy lives in its table's metadata
// record (TableInfo::policies), so it is as durable as the table and goes with it. Policies are
// stored and returned but not evaluated: nothing in Stratus enforces IAM permissions yet; when
// it does, cross-account access through these policies is evaluated there.
#include <algorithm>

#include "core/arn.h"
#include "core/json.h"
#include "server/context.h"
#include "services/dynamodb/common.h"
#include "services/dynamodb/ops.h"

namespace stratus::dynamodb {
namespace {

// AWS's limit on a policy document, white space counted.
constexpr size_t kMaxPolicyBytes = 20 * 1024;

// The table (or one of its streams) a ResourceArn names.
struct Target {
  TablePtr table;
  std::string key;  // "" for the table, the stream label for a stream
};

Target target(Catalog& cat, OpContext& ctx, const std::string& arn) {
  auto parsed = Arn::parse(arn);
  auto invalid = [&] { return errors::validation("Invalid ResourceArn provided as input " + arn); };
  if (!parsed || parsed->service != "dynamodb" || parsed->resource.rfind("table/", 0) != 0) throw invalid();
  std::string rest = parsed->resource.substr(6);
  std::string name = rest.substr(0, rest.find('/'));
  std::string label;
  if (name.size() != rest.size()) {
    std::string tail = rest.substr(name.size());
    if (tail.rfind("/stream/", 0) != 0 || tail.size() == 8) throw invalid();  // indexes have no policy of their own
    label = tail.substr(8);
  }
  check_resource_name(name, "tableName");
  TablePtr t;
  if (parsed->account == ctx.account() && parsed->region == ctx.region())
    t = cat.find(ctx.storage, ctx.account(), ctx.region(), name);
  if (!t || (!label.empty() && label != t->stream_label))
    throw errors::resource_not_found("Requested resource not found: ResourceArn: " + arn + " not found");
  return {t, label};
}

const Doc* policy_of(const TableInfo& t, const std::string& key) {
  return t.policies.is_map() ? t.policies.get(key) : nullptr;
}

AwsError not_found(const std::string& arn) {
  return errors::policy_not_found("Resource-based policy not found for the provided ResourceArn: " + arn);
}

// PolicyNotFoundException unless the current policy's revision is ExpectedRevisionId
// ("NO_POLICY": unless there is no policy).
void check_expected(const Doc& in, const Doc* current, const std::string& arn) {
  if (!in.has("ExpectedRevisionId")) return;
  std::string expected = in.str("ExpectedRevisionId");
  std::string actual = current ? current->str("RevisionId") : "NO_POLICY";
  if (expected == actual) return;
  throw errors::policy_not_found(
      "Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id " +
      expected + ", but the policy associated to target " + arn +
      (current ? " has revision id " + actual + "." : " does not exist."));
}

}  // namespace

std::string set_policy(TableInfo& t, const std::string& key, const std::string& policy, int64_t now_ms) {
  if (policy.empty()) throw errors::validation("Invalid policy document: the policy is empty");
  if (policy.size() > kMaxPolicyBytes)
    throw errors::validation("Resource-based policy document size " + std::to_string(policy.size()) +
                             " bytes exceeds the maximum allowed size of 20 KB");
  Doc parsed;
  try {
    parsed = json::parse(policy);
  } catch (const AwsError&) {
    throw errors::validation("Invalid policy document: the policy is not valid JSON");
  }
  if (!parsed.is_map() || !parsed.has("Statement"))
    throw errors::validation("Invalid policy document: the policy must be a JSON object with a Statement");
  if (!t.policies.is_map()) t.policies = Doc::map();
  const Doc* cur = t.policies.get(key);
  if (cur && cur->str("Policy") == policy) return cur->str("RevisionId");  // same document, same revision
  // Revision ids are decimal milliseconds, always growing for one resource.
  int64_t rev = now_ms;
  if (cur) rev = std::max<int64_t>(rev, std::stoll("0" + cur->str("RevisionId")) + 1);
  Doc entry = Doc::map();
  entry.set("Policy", policy);
  entry.set("RevisionId", std::to_string(rev));
  t.policies.set(key, entry);
  return std::to_string(rev);
}

Doc put_resource_policy(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string arn = in.str("ResourceArn");
  Target tg = target(cat, ctx, arn);
  std::lock_guard lock(cat.write_lock(tg.table->id));  // metadata read-modify-write
  tg = target(cat, ctx, arn);
  check_expected(in, policy_of(*tg.table, tg.key), arn);
  auto t = std::make_shared<TableInfo>(*tg.table);
  std::string rev = set_policy(*t, tg.key, in.str("Policy"), ctx.now_ms);
  store(ctx.storage, cat, *t);
  return answer("RevisionId", rev);
}

Doc get_resource_policy(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string arn = in.str("ResourceArn");
  Target tg = target(cat, ctx, arn);
  const Doc* p = policy_of(*tg.table, tg.key);
  if (!p) throw not_found(arn);
  Doc out = Doc::map();
  out.set("Policy", p->str("Policy"));
  out.set("RevisionId", p->str("RevisionId"));
  return out;
}

Doc delete_resource_policy(Catalog& cat, OpContext& ctx, const Doc& in) {
  std::string arn = in.str("ResourceArn");
  Target tg = target(cat, ctx, arn);
  std::lock_guard lock(cat.write_lock(tg.table->id));
  tg = target(cat, ctx, arn);
  const Doc* p = policy_of(*tg.table, tg.key);
  if (in.has("ExpectedRevisionId") && !p) throw not_found(arn);
  check_expected(in, p, arn);
  Doc out = Doc::map();
  if (!p) return out;  // nothing to delete: no error, no revision id
  out.set("RevisionId", p->str("RevisionId"));
  auto t = std::make_shared<TableInfo>(*tg.table);
  t->policies.as_map().erase(tg.key);
  store(ctx.storage, cat, *t);
  return out;
}

}  // namespace stratus::dynamodb
