#include "services/cloudwatch/emf.h"

#include <cmath>

#include "core/doc.h"
#include "core/json.h"

namespace stratus::cloudwatch {

bool parse_emf(std::string_view line, std::vector<EmfMetric>& out) {
  size_t a = line.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos || line[a] != '{' || line.find("\"_aws\"") == std::string_view::npos) return false;
  Doc doc;
  try {
    doc = json::parse(line.substr(a));
  } catch (const std::exception&) {
    return false;
  }
  const Doc* aws = doc.get("_aws");
  if (!aws || !aws->is_map()) return false;
  const Doc* ts = aws->get("Timestamp");
  const Doc* directives = aws->get("CloudWatchMetrics");
  if (!ts || !ts->is_number() || !directives || !directives->is_list()) return false;
  int64_t when = ts->as_int();
  for (const auto& dir : directives->as_list()) {
    const Doc* ns = dir.get("Namespace");
    const Doc* dimsets = dir.get("Dimensions");
    const Doc* metrics = dir.get("Metrics");
    if (!ns || !ns->is_string() || ns->as_string().empty() || !dimsets || !dimsets->is_list() || !metrics ||
        !metrics->is_list() || metrics->as_list().size() > 100)
      continue;
    std::vector<std::vector<std::pair<std::string, std::string>>> sets;
    bool ok = true;
    for (const auto& set : dimsets->as_list()) {
      if (!set.is_list() || set.as_list().size() > 30) {
        ok = false;
        break;
      }
      std::vector<std::pair<std::string, std::string>> dims;
      for (const auto& k : set.as_list()) {
        const Doc* v = k.is_string() ? doc.get(k.as_string()) : nullptr;
        if (!v || !v->is_string() || v->as_string().empty()) {
          ok = false;
          break;
        }
        dims.emplace_back(k.as_string(), v->as_string());
      }
      if (!ok) break;
      sets.push_back(std::move(dims));
    }
    if (!ok) continue;
    if (sets.empty()) sets.emplace_back();
    for (const auto& m : metrics->as_list()) {
      const Doc* name = m.get("Name");
      if (!name || !name->is_string() || name->as_string().empty()) continue;
      const Doc* v = doc.get(name->as_string());
      std::vector<double> values;
      if (v && v->is_number()) {
        values.push_back(v->as_double());
      } else if (v && v->is_list() && v->as_list().size() <= 100) {
        for (const auto& x : v->as_list())
          if (x.is_number()) values.push_back(x.as_double());
      }
      std::erase_if(values, [](double x) { return std::isnan(x) || std::isinf(x); });
      if (values.empty()) continue;
      for (const auto& dims : sets) {
        EmfMetric e;
        e.ns = ns->as_string();
        e.name = name->as_string();
        e.unit = m.str("Unit", "None");
        e.storage_resolution = m.integer("StorageResolution", 60) == 1 ? 1 : 60;
        e.dims = dims;
        e.values = values;
        e.ts_ms = when;
        out.push_back(std::move(e));
      }
    }
  }
  return true;
}

}  // namespace stratus::cloudwatch
