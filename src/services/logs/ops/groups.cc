#include "services/logs/ops.h"

#include <mutex>

#include "core/encoding.h"
#include "core/json.h"
#include "core/paging.h"
#include "services/logs/store.h"

namespace stratus::logs {

Doc create_log_group(OpContext& ctx, const Doc& in) {
  std::string name = in.str("logGroupName");
  std::lock_guard lock(LogStore::meta_mu());
  std::string key = LogStore::group_key(ctx.account(), ctx.region(), name);
  if (LogStore(ctx.storage).load(LogStore::kGroups, key)) throw exists("log group");
  Doc g = LogStore::new_group(ctx.now_ms);
  if (const Doc* t = in.get("tags")) g.set("tags", *t);
  if (in.has("logGroupClass")) g.set("logGroupClass", in.str("logGroupClass"));
  ctx.storage.put(LogStore::kGroups, key, json::write(g));
  return Doc::map();
}

Doc delete_log_group(OpContext& ctx, const Doc& in) {
  std::string name = group_name(in);
  std::lock_guard lock(LogStore::meta_mu());
  std::string key = LogStore::group_key(ctx.account(), ctx.region(), name);
  if (!LogStore(ctx.storage).load(LogStore::kGroups, key)) throw not_found("log group");
  ctx.storage.del(LogStore::kGroups, key);
  std::string prefix = LogStore::group_prefix(ctx.account(), ctx.region(), name);
  LogStore(ctx.storage).delete_prefix(LogStore::kStreams, prefix);
  LogStore(ctx.storage).delete_prefix(LogStore::kEvents, prefix);
  LogStore(ctx.storage).delete_prefix(LogStore::kMetricFilters, prefix);
  LogStore(ctx.storage).delete_prefix(LogStore::kSubscriptions, prefix);
  return Doc::map();
}

static Doc group_doc(const std::string& a, const std::string& r, const std::string& name, const Doc& g, int64_t bytes,
                     int64_t metric_filters) {
  Doc d = Doc::map();
  d.set("logGroupName", name);
  d.set("creationTime", g.integer("creationTime"));
  if (g.has("retentionInDays")) d.set("retentionInDays", g.integer("retentionInDays"));
  d.set("metricFilterCount", metric_filters);
  d.set("arn", group_arn(a, r, name) + ":*");
  d.set("logGroupArn", group_arn(a, r, name));
  d.set("storedBytes", bytes);
  d.set("logGroupClass", g.str("logGroupClass", "STANDARD"));
  return d;
}

Doc describe_log_groups(OpContext& ctx, const Doc& in) {
  std::string prefix = in.str("logGroupNamePrefix");
  std::string pattern = in.str("logGroupNamePattern");
  std::string after;
  if (in.has("nextToken")) after = enc::base64_decode(in.str("nextToken")).value_or("");
  paging::After page(in.integer("limit", 50), std::move(after));
  std::string sc = LogStore::scope(ctx.account(), ctx.region());
  for (auto it = ctx.storage.prefix(LogStore::kGroups, sc + prefix); it->valid(); it->next()) {
    std::string name(it->key().substr(sc.size()));
    if (page.seen(name)) continue;
    if (!pattern.empty() && name.find(pattern) == std::string::npos) continue;
    if (page.full()) break;
    int64_t filters = 0;
    for (auto f =
             ctx.storage.prefix(LogStore::kMetricFilters, LogStore::group_prefix(ctx.account(), ctx.region(), name));
         f->valid(); f->next())
      ++filters;
    page.add(name, group_doc(ctx.account(), ctx.region(), name, json::parse(it->value()), 0, filters));
  }
  return page.answer("logGroups", "nextToken", paging::Token::base64);
}

Doc put_retention_policy(OpContext& ctx, const Doc& in) {
  int64_t days = in.integer("retentionInDays");
  return with_group(ctx, in.str("logGroupName"), [&](Doc& g) {
    g.set("retentionInDays", days);
    return Doc::map();
  });
}

Doc delete_retention_policy(OpContext& ctx, const Doc& in) {
  return with_group(ctx, in.str("logGroupName"), [&](Doc& g) {
    g.as_map().erase("retentionInDays");
    return Doc::map();
  });
}

}  // namespace stratus::logs
