#include "services/logs/ops.h"

#include <algorithm>
#include <mutex>

#include "core/json.h"
#include "core/paging.h"
#include "services/logs/store.h"

namespace stratus::logs {

Doc create_log_stream(OpContext& ctx, const Doc& in) {
  std::string g = in.str("logGroupName"), s = in.str("logStreamName");
  std::lock_guard lock(LogStore::meta_mu());
  if (!LogStore(ctx.storage).load(LogStore::kGroups, LogStore::group_key(ctx.account(), ctx.region(), g))) throw not_found("log group");
  std::string key = LogStore::stream_key(ctx.account(), ctx.region(), g, s);
  if (LogStore(ctx.storage).load(LogStore::kStreams, key)) throw exists("log stream");
  ctx.storage.put(LogStore::kStreams, key, json::write(LogStore::new_stream(ctx.now_ms)));
  return Doc::map();
}

Doc delete_log_stream(OpContext& ctx, const Doc& in) {
  std::string g = in.str("logGroupName"), s = in.str("logStreamName");
  std::lock_guard lock(LogStore::meta_mu());
  std::string key = LogStore::stream_key(ctx.account(), ctx.region(), g, s);
  if (!LogStore(ctx.storage).load(LogStore::kStreams, key)) throw not_found("log stream");
  ctx.storage.del(LogStore::kStreams, key);
  LogStore(ctx.storage).delete_prefix(LogStore::kEvents, LogStore::events_prefix(ctx.account(), ctx.region(), g, s));
  return Doc::map();
}

static Doc stream_doc(const std::string& a, const std::string& r, const std::string& g, const std::string& name,
               const Doc& s) {
  Doc d = Doc::map();
  d.set("logStreamName", name);
  d.set("creationTime", s.integer("creationTime"));
  for (const char* k : {"firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"})
    if (s.has(k)) d.set(k, s.integer(k));
  d.set("uploadSequenceToken", "49039859543329722483216658224475613839227813958212");
  d.set("arn", group_arn(a, r, g) + ":log-stream:" + name);
  d.set("storedBytes", 0);
  return d;
}

Doc describe_log_streams(OpContext& ctx, const Doc& in) {
  std::string g = group_name(in);
  if (!LogStore(ctx.storage).load(LogStore::kGroups, LogStore::group_key(ctx.account(), ctx.region(), g))) throw not_found("log group");
  std::string order = in.str("orderBy", "LogStreamName");
  bool desc = in.flag("descending");
  int64_t limit = in.integer("limit", 50);
  size_t offset = in.has("nextToken") ? paging::parse_offset(in.str("nextToken")).value_or(0) : 0;
  std::string base = LogStore::group_prefix(ctx.account(), ctx.region(), g);
  std::vector<Doc> all;
  for (auto it = ctx.storage.prefix(LogStore::kStreams, base + in.str("logStreamNamePrefix")); it->valid(); it->next()) {
    all.push_back(stream_doc(ctx.account(), ctx.region(), g, std::string(it->key().substr(base.size())),
                             json::parse(it->value())));
  }
  if (order == "LastEventTime") {
    std::stable_sort(all.begin(), all.end(), [](const Doc& a, const Doc& b) {
      return a.integer("lastEventTimestamp", a.integer("creationTime")) <
             b.integer("lastEventTimestamp", b.integer("creationTime"));
    });
  }
  if (desc) std::reverse(all.begin(), all.end());
  auto page = paging::slice(offset, all.size(), limit, [&](size_t i) { return std::move(all[i]); });
  Doc out = Doc::map();
  out.set("logStreams", std::move(page.list));
  if (page.more()) out.set("nextToken", paging::offset_token(page.next));
  return out;
}

}  // namespace stratus::logs
