#include "services/logs/ops.h"

#include <mutex>

#include "core/arn.h"
#include "core/json.h"
#include "core/lookup.h"
#include "services/logs/filter.h"
#include "services/logs/store.h"

namespace stratus::logs {

AwsError not_found(const std::string& what) {
  return errors::resource_not_found("The specified " + what + " does not exist.");
}
AwsError exists(const std::string& what) {
  return errors::resource_already_exists("The specified " + what + " already exists");
}

FilterPattern parse_pattern(const std::string& pattern) {
  std::string err;
  auto p = FilterPattern::parse(pattern, &err);
  if (!p) throw errors::invalid_parameter("Invalid filter pattern: " + err);
  return *p;
}

std::string group_name(const Doc& in) {
  std::string n = in.str("logGroupName");
  if (n.empty()) n = in.str("logGroupIdentifier");
  if (n.rfind("arn:", 0) == 0) {
    auto p = n.find(":log-group:");
    if (p != std::string::npos) n = n.substr(p + 11);
    if (n.size() > 2 && n.compare(n.size() - 2, 2, ":*") == 0) n.resize(n.size() - 2);
  }
  return n;
}

Doc with_group(OpContext& ctx, const std::string& name, const std::function<Doc(Doc& group)>& f) {
  std::lock_guard lock(LogStore::meta_mu());
  std::string key = LogStore::group_key(ctx.account(), ctx.region(), name);
  Doc g = found_or(LogStore(ctx.storage).load(LogStore::kGroups, key), [] { return not_found("log group"); });
  Doc out = f(g);
  ctx.storage.put(LogStore::kGroups, key, json::write(g));
  return out;
}

void check_group(OpContext& ctx, const std::string& group) {
  if (!LogStore(ctx.storage).load(LogStore::kGroups, LogStore::group_key(ctx.account(), ctx.region(), group)))
    throw not_found("log group");
}

Doc new_filter(OpContext& ctx, std::string_view ks, const std::string& group, const Doc& in, int64_t max) {
  check_group(ctx, group);
  std::string name = in.str("filterName");
  LogStore store(ctx.storage);
  auto old = store.load(ks, LogStore::filter_key(ctx.account(), ctx.region(), group, name));
  if (!old && store.count_prefix(ks, LogStore::group_prefix(ctx.account(), ctx.region(), group)) >= max)
    throw errors::limit_exceeded("Resource limit exceeded.");
  Doc rec = Doc::map();
  rec.set("filterName", name);
  rec.set("filterPattern", in.str("filterPattern"));
  rec.set("creationTime", old ? old->integer("creationTime", ctx.now_ms) : ctx.now_ms);
  rec.set("applyOnTransformedLogs", in.flag("applyOnTransformedLogs"));
  if (in.has("fieldSelectionCriteria")) rec.set("fieldSelectionCriteria", in.str("fieldSelectionCriteria"));
  return rec;
}

void put_filter(OpContext& ctx, std::string_view ks, const std::string& group, const Doc& rec) {
  auto st = ctx.storage.put(ks, LogStore::filter_key(ctx.account(), ctx.region(), group, rec.str("filterName")),
                            json::write(rec));
  if (!st.ok()) throw stratus::errors::internal(st.message);
}

Doc delete_filter(OpContext& ctx, std::string_view ks, const Doc& in, const std::string& what) {
  std::string group = in.str("logGroupName");
  std::lock_guard lock(LogStore::meta_mu());
  check_group(ctx, group);
  std::string key = LogStore::filter_key(ctx.account(), ctx.region(), group, in.str("filterName"));
  if (!LogStore(ctx.storage).load(ks, key)) throw not_found(what);
  auto st = ctx.storage.del(ks, key);
  if (!st.ok()) throw stratus::errors::internal(st.message);
  return Doc::map();
}

Doc filter_out(const std::string& group, const Doc& rec) {
  Doc d = rec;
  d.set("logGroupName", group);
  return d;
}

std::string group_arn(const std::string& a, const std::string& r, const std::string& g) {
  return Arn::make("logs", r, a, "log-group:" + g);
}

}  // namespace stratus::logs
