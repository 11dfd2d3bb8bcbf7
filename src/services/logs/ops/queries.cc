// Logs Insights: StartQuery, GetQueryResults, StopQuery, DescribeQueries. A query runs to
// completion inside StartQuery (insights.h over the stored events, bounded by kMaxScanBytes) and
// its results are stored (logs.queries), so GetQueryResults answers Complete at once.
#include <algorithm>

#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/lookup.h"
#include "core/paging.h"
#include "services/logs/insights.h"
#include "services/logs/ops.h"
#include "services/logs/store.h"

namespace stratus::logs {
namespace {

constexpr size_t kMaxScanBytes = 64 * 1024 * 1024;  // per query
constexpr int64_t kMaxRowsStored = 10000;           // GetQueryResults' page and what we keep
constexpr size_t kMaxGroups = 50;

std::string query_key(OpContext& ctx, const std::string& id) {
  return LogStore::scope(ctx.account(), ctx.region()) + id;
}

std::vector<std::string> query_groups(const Doc& in) {
  int given = in.has("logGroupName") + in.has("logGroupNames") + in.has("logGroupIdentifiers");
  if (given != 1)
    throw errors::invalid_parameter(
        "Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified.");
  std::vector<std::string> out;
  if (in.has("logGroupName")) out.push_back(in.str("logGroupName"));
  for (const char* k : {"logGroupNames", "logGroupIdentifiers"}) {
    if (const Doc* l = in.get(k); l && l->is_list())
      for (const auto& g : l->as_list()) {
        Doc one = Doc::map();
        one.set("logGroupIdentifier", g.is_string() ? g.as_string() : std::string());
        out.push_back(group_name(one));
      }
  }
  if (out.empty()) throw errors::invalid_parameter("At least one log group must be specified.");
  if (out.size() > kMaxGroups) throw errors::invalid_parameter("A query can search at most 50 log groups.");
  return out;
}

// The position a nextToken of GetQueryResults / DescribeQueries stands for (0 without one).
size_t page_offset(const Doc& in) {
  if (!in.has("nextToken")) return 0;
  auto offset = paging::parse_offset(in.str("nextToken"));
  if (!offset) throw errors::invalid_parameter("The specified nextToken is invalid.");
  return *offset;
}

Doc stats_doc(const insights::Run& run, size_t groups) {
  Doc s = Doc::map();
  s.set("recordsMatched", static_cast<double>(run.matched()));
  s.set("recordsScanned", static_cast<double>(run.scanned()));
  s.set("bytesScanned", static_cast<double>(run.bytes()));
  s.set("logGroupsScanned", static_cast<double>(groups));
  s.set("estimatedRecordsSkipped", 0.0);
  s.set("estimatedBytesSkipped", 0.0);
  return s;
}

}  // namespace

Doc start_query(OpContext& ctx, const Doc& in) {
  std::vector<std::string> groups = query_groups(in);
  std::string lang = in.str("queryLanguage", "CWLI");
  if (lang != "CWLI")
    throw errors::invalid_parameter("Stratus runs Logs Insights (CWLI) queries only, not " + lang + ".");
  int64_t start = in.integer("startTime"), end = in.integer("endTime");
  if (end < start) throw errors::invalid_parameter("endTime must be greater than or equal to startTime.");
  std::string text = in.str("queryString");
  std::string err;
  auto q = insights::Query::parse(text, &err);
  if (!q) {
    AwsError e = errors::malformed_query("Query syntax error: " + err);
    Doc location = Doc::map();
    location.set("startCharOffset", 0);
    location.set("endCharOffset", static_cast<int64_t>(text.size()));
    Doc detail = Doc::map();
    detail.set("location", std::move(location));
    detail.set("message", err);
    Doc extra = Doc::map();
    extra.set("queryCompileError", std::move(detail));
    e.extra_json = json::write(extra);
    throw e;
  }
  LogStore store(ctx.storage);
  for (const auto& g : groups)
    if (!store.load(LogStore::kGroups, LogStore::group_key(ctx.account(), ctx.region(), g)))
      throw not_found("log group");
  insights::Run run(*q, std::clamp<int64_t>(in.integer("limit", kMaxRowsStored), 1, kMaxRowsStored));
  auto snap = ctx.storage.snapshot();
  uint64_t from = static_cast<uint64_t>(std::max<int64_t>(start, 0)) * 1000;
  uint64_t to = static_cast<uint64_t>(std::max<int64_t>(end, 0)) * 1000 + 1000;  // endTime is inclusive
  size_t scanned = 0;
  for (const auto& g : groups) {
    std::string base = LogStore::group_prefix(ctx.account(), ctx.region(), g);
    std::string label = ctx.account() + ":" + g;
    for (auto s = ctx.storage.prefix(LogStore::kStreams, base); s->valid() && scanned < kMaxScanBytes; s->next()) {
      std::string stream(s->key().substr(base.size()));
      std::string prefix = LogStore::events_prefix(ctx.account(), ctx.region(), g, stream);
      storage::ScanOptions so;
      so.start = prefix + be64(from);
      so.end = prefix + be64(to);
      so.snapshot = snap.get();
      for (auto it = ctx.storage.scan(LogStore::kEvents, so); it->valid() && scanned < kMaxScanBytes; it->next()) {
        std::string_view v = it->value();
        std::string_view pos = it->key().substr(prefix.size());
        insights::Event e;
        e.timestamp = static_cast<int64_t>(read_be64(pos));
        e.ingestion = static_cast<int64_t>(read_be64(v));
        e.message = v.substr(std::min<size_t>(8, v.size()));
        e.stream = stream;
        e.group_label = label;
        std::string ptr = enc::base64_encode(std::string(pos) + g);
        e.ptr = ptr;
        run.add(e);
        scanned += v.size() + 26;
      }
    }
  }
  Doc results = Doc::list();
  for (const auto& row : run.finish()) {
    Doc r = Doc::list();
    for (const auto& [f, v] : row) {
      Doc cell = Doc::map();
      cell.set("field", f);
      cell.set("value", v);
      r.push(std::move(cell));
    }
    results.push(std::move(r));
  }
  std::string id = ids::uuid4();
  Doc rec = Doc::map();
  rec.set("queryId", id);
  rec.set("queryString", text);
  rec.set("queryLanguage", lang);
  Doc names = Doc::list();
  for (const auto& g : groups) names.push(g);
  rec.set("logGroupNames", std::move(names));
  rec.set("createTime", ctx.now_ms);
  rec.set("status", "Complete");
  rec.set("results", std::move(results));
  rec.set("statistics", stats_doc(run, groups.size()));
  rec.set("userIdentity", ctx.caller.arn);
  auto st = ctx.storage.put(LogStore::kQueries, query_key(ctx, id), json::write(rec));
  if (!st.ok()) throw stratus::errors::internal(st.message);
  return answer("queryId", id);
}

static Doc load_query(OpContext& ctx, const std::string& id) {
  return found_or(LogStore(ctx.storage).load(LogStore::kQueries, query_key(ctx, id)),
                  [] { return errors::resource_not_found("Query does not exist."); });
}

Doc get_query_results(OpContext& ctx, const Doc& in) {
  Doc rec = load_query(ctx, in.str("queryId"));
  Doc out = Doc::map();
  size_t offset = page_offset(in);
  int64_t max = in.integer("maxItems", kMaxRowsStored);
  if (max <= 0) max = kMaxRowsStored;
  Doc rows = Doc::list();
  if (const Doc* all = rec.get("results"); all && all->is_list()) {
    const auto& list = all->as_list();
    auto page = paging::slice(offset, list.size(), max, [&](size_t i) { return list[i]; });
    rows = std::move(page.list);
    if (page.more()) out.set("nextToken", paging::offset_token(page.next));
  }
  out.set("results", std::move(rows));
  if (const Doc* s = rec.get("statistics")) out.set("statistics", *s);
  out.set("status", rec.str("status"));
  out.set("queryLanguage", rec.str("queryLanguage", "CWLI"));
  return out;
}

Doc stop_query(OpContext& ctx, const Doc& in) {
  Doc rec = load_query(ctx, in.str("queryId"));
  Doc out = Doc::map();
  // Queries complete inside StartQuery: there is never a running one to stop.
  out.set("success", rec.str("status") == "Running" || rec.str("status") == "Scheduled");
  return out;
}

Doc describe_queries(OpContext& ctx, const Doc& in) {
  std::string group = in.str("logGroupName"), status = in.str("status");
  int64_t max = in.integer("maxResults", 1000);
  std::vector<Doc> found;
  std::string scope = LogStore::scope(ctx.account(), ctx.region());
  for (auto it = ctx.storage.prefix(LogStore::kQueries, scope); it->valid(); it->next()) {
    Doc rec = json::parse(it->value());
    if (!status.empty() && rec.str("status") != status) continue;
    if (!group.empty()) {
      bool hit = false;
      if (const Doc* l = rec.get("logGroupNames"); l && l->is_list())
        for (const auto& g : l->as_list()) hit = hit || (g.is_string() && g.as_string() == group);
      if (!hit) continue;
    }
    Doc q = Doc::map();
    for (const char* k : {"queryId", "queryString", "status", "queryLanguage", "userIdentity"})
      if (rec.has(k)) q.set(k, rec.str(k));
    q.set("createTime", rec.integer("createTime"));
    if (const Doc* l = rec.get("logGroupNames"); l && l->is_list() && l->size() > 0)
      q.set("logGroupName", l->as_list()[0]);
    if (const Doc* s = rec.get("statistics"))
      q.set("bytesScanned", s->get("bytesScanned") ? *s->get("bytesScanned") : Doc(0.0));
    q.set("queryDuration", int64_t{0});
    found.push_back(std::move(q));
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const Doc& a, const Doc& b) { return a.integer("createTime") > b.integer("createTime"); });
  size_t offset = page_offset(in);
  auto page = paging::slice(offset, found.size(), max, [&](size_t i) { return std::move(found[i]); });
  Doc out = Doc::map();
  if (page.more()) out.set("nextToken", paging::offset_token(page.next));
  out.set("queries", std::move(page.list));
  return out;
}

}  // namespace stratus::logs
