#include "services/logs/metrics.h"

#include <cstdlib>
#include <optional>

#include "services/cloudwatch/api.h"
#include "services/logs/filter.h"
#include "services/logs/store.h"

namespace stratus::logs {
namespace {

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::vector<MetricPoint> metric_points(const Doc& filter, const std::vector<Event>& events, int64_t now_ms) {
  std::vector<MetricPoint> out;
  std::string err;
  auto pattern = FilterPattern::parse(filter.str("filterPattern"), &err);
  const Doc* list = filter.get("metricTransformations");
  if (!pattern || !list || !list->is_list() || list->size() == 0) return out;
  const Doc& t = list->as_list()[0];
  MetricPoint base;
  base.ns = t.str("metricNamespace");
  base.name = t.str("metricName");
  base.unit = t.str("unit").empty() ? std::string("None") : t.str("unit");
  std::string value_ref = t.str("metricValue");
  std::optional<double> fixed = number(value_ref);
  const Doc* dims = t.get("dimensions");
  bool any = false;
  for (const auto& e : events) {
    FilterMatch m = pattern->match(e.message);
    if (!m.matched) continue;
    any = true;
    MetricPoint p = base;
    p.time_ms = e.timestamp;
    if (fixed) {
      p.value = *fixed;
    } else {
      auto v = m.value(value_ref);
      auto n = v ? number(*v) : std::nullopt;
      if (!n) continue;
      p.value = *n;
    }
    bool complete = true;
    if (dims && dims->is_map())
      for (const auto& [name, ref] : dims->as_map()) {
        auto v = ref.is_string() ? m.value(ref.as_string()) : std::nullopt;
        if (!v) {
          complete = false;
          break;
        }
        p.dimensions.emplace_back(name, *v);
      }
    if (complete) out.push_back(std::move(p));
  }
  if (!any && !events.empty() && t.has("defaultValue")) {
    const Doc* d = t.get("defaultValue");
    MetricPoint p = base;
    p.time_ms = now_ms;
    p.value = d->is_number() ? d->as_double() : number(d->is_string() ? d->as_string() : std::string()).value_or(0);
    out.push_back(std::move(p));
  }
  return out;
}

void publish_metric_filters(storage::Engine& db, cloudwatch::Api& metrics, const std::string& account,
                            const std::string& region, const std::string& group, const std::vector<Event>& events,
                            int64_t now_ms) {
  if (events.empty()) return;
  LogStore(db).each_group_record(LogStore::kMetricFilters, account, region, group, [&](const Doc& rec) {
    for (const auto& p : metric_points(rec, events, now_ms)) {
      std::vector<cloudwatch::Dimension> dims;
      dims.reserve(p.dimensions.size());
      for (const auto& [k, v] : p.dimensions) dims.push_back({k, v});
      metrics.put(account, region, p.ns, p.name, dims, p.value, p.unit, p.time_ms);
    }
  });
}

}  // namespace stratus::logs
