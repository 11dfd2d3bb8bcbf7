// Metric filters: PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter, TestMetricFilter.
// Filters are stored with their metric transformations and matched with the one pattern engine
// (filter.h); appended events publish their metrics through CloudWatch's port (metrics.h).
#include <mutex>

#include "core/encoding.h"
#include "core/json.h"
#include "core/paging.h"
#include "services/logs/filter.h"
#include "services/logs/ops.h"
#include "services/logs/store.h"
#include "storage/keys.h"

namespace stratus::logs {
namespace {

constexpr int64_t kMaxFiltersPerGroup = 100;
constexpr size_t kMaxDimensions = 3;

bool is_number(std::string_view s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::string t(s);
  std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size();
}

// The transformation's rules (aws-facts/cloudwatch.md §6.5).
void check_transformation(const Doc& t, const FilterPattern& pattern) {
  std::string value = t.str("metricValue");
  if (!is_number(value)) {
    if (!valid_field_reference(value))
      throw errors::invalid_parameter("Invalid metric value: " + value +
                                      " (a number, or a field reference such as $.latency or $bytes)");
    if (!pattern.structured())
      throw errors::invalid_parameter(
          "The metric value can refer to a field only with a JSON or space-delimited filter pattern.");
  }
  const Doc* dims = t.get("dimensions");
  if (dims && dims->is_map() && dims->size() > 0) {
    if (dims->size() > kMaxDimensions) throw errors::limit_exceeded("A metric filter can have at most 3 dimensions.");
    if (t.has("defaultValue"))
      throw errors::invalid_parameter("A metric transformation with dimensions cannot have a default value.");
    if (!pattern.structured())
      throw errors::invalid_parameter("Dimensions need a JSON or space-delimited filter pattern.");
    for (const auto& [k, v] : dims->as_map())
      if (!v.is_string() || !valid_field_reference(v.as_string()))
        throw errors::invalid_parameter("Invalid dimension value for " + k +
                                        ": a field reference such as $.field or $field");
  }
}

}  // namespace

Doc put_metric_filter(OpContext& ctx, const Doc& in) {
  std::string group = in.str("logGroupName"), name = in.str("filterName");
  if (name.find_first_of(":*") != std::string::npos)
    throw errors::invalid_parameter("1 validation error detected: Value '" + name +
                                    "' at 'filterName' failed to satisfy constraint: Member must satisfy regular "
                                    "expression pattern: [^:*]*");
  FilterPattern pattern = parse_pattern(in.str("filterPattern"));
  const Doc* list = in.get("metricTransformations");
  if (!list || !list->is_list() || list->size() != 1)
    throw errors::invalid_parameter("A metric filter has exactly one metric transformation.");
  check_transformation(list->as_list()[0], pattern);
  std::lock_guard lock(LogStore::meta_mu());
  Doc rec = new_filter(ctx, LogStore::kMetricFilters, group, in, kMaxFiltersPerGroup);
  rec.set("metricTransformations", *list);
  if (const Doc* e = in.get("emitSystemFieldDimensions")) rec.set("emitSystemFieldDimensions", *e);
  put_filter(ctx, LogStore::kMetricFilters, group, rec);
  return Doc::map();
}

Doc delete_metric_filter(OpContext& ctx, const Doc& in) {
  return delete_filter(ctx, LogStore::kMetricFilters, in, "filter");
}

// Filters in (group, name) order; nextToken is the last key returned (base64).
Doc describe_metric_filters(OpContext& ctx, const Doc& in) {
  std::string group = in.str("logGroupName"), prefix = in.str("filterNamePrefix");
  std::string metric = in.str("metricName"), ns = in.str("metricNamespace");
  if (in.has("filterNamePrefix") && group.empty())
    throw errors::invalid_parameter("logGroupName is required when filterNamePrefix is specified.");
  if (in.has("metricName") != in.has("metricNamespace"))
    throw errors::invalid_parameter("metricName and metricNamespace must be specified together.");
  std::string scope = LogStore::scope(ctx.account(), ctx.region());
  std::string start = scope;
  if (!group.empty()) {
    if (!LogStore(ctx.storage).load(LogStore::kGroups, LogStore::group_key(ctx.account(), ctx.region(), group)))
      throw not_found("log group");
    start = LogStore::group_prefix(ctx.account(), ctx.region(), group) + prefix;
  }
  std::string after;
  if (in.has("nextToken")) {
    auto raw = enc::base64_decode(in.str("nextToken"));
    if (!raw || raw->compare(0, scope.size(), scope) != 0)
      throw errors::invalid_parameter("The specified nextToken is invalid.");
    after = *raw;
  }
  paging::After page(in.integer("limit", 50), std::move(after));
  for (auto it = ctx.storage.prefix(LogStore::kMetricFilters, start); it->valid(); it->next()) {
    std::string key(it->key());
    if (page.seen(key)) continue;
    Doc rec = json::parse(it->value());
    if (!metric.empty()) {
      bool hit = false;
      if (const Doc* ts = rec.get("metricTransformations"); ts && ts->is_list())
        for (const auto& t : ts->as_list())
          hit = hit || (t.str("metricName") == metric && t.str("metricNamespace") == ns);
      if (!hit) continue;
    }
    if (page.full()) break;
    storage::KeyReader r(std::string_view(key).substr(scope.size()));
    std::string g(r.str());
    page.add(std::move(key), filter_out(g, rec));
  }
  return page.answer("metricFilters", "nextToken", paging::Token::base64);
}

Doc test_metric_filter(OpContext&, const Doc& in) {
  FilterPattern pattern = parse_pattern(in.str("filterPattern"));
  Doc matches = Doc::list();
  int64_t n = 0;
  if (const Doc* l = in.get("logEventMessages"); l && l->is_list()) {
    for (const auto& m : l->as_list()) {
      ++n;
      std::string msg = m.is_string() ? m.as_string() : std::string();
      FilterMatch fm = pattern.match(msg);
      if (!fm.matched) continue;
      Doc rec = Doc::map();
      rec.set("eventNumber", n);
      rec.set("eventMessage", msg);
      Doc values = Doc::map();
      for (const auto& [k, v] : fm.fields) values.set(k, v);
      rec.set("extractedValues", std::move(values));
      matches.push(std::move(rec));
    }
  }
  return answer("matches", std::move(matches));
}

}  // namespace stratus::logs
