// PutMetricData, GetMetricStatistics, GetMetricData (metric math through math.h), ListMetrics and
// the service-metrics aggregator behind cloudwatch::Api.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <set>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/paging.h"
#include "server/context.h"
#include "services/cloudwatch/emf.h"
#include "services/cloudwatch/math.h"
#include "services/cloudwatch/ops.h"

namespace stratus::cloudwatch {
namespace {

constexpr int64_t kTwoWeeksMs = 14 * 86400'000LL;
constexpr int64_t kTwoHoursMs = 2 * 3600'000LL;
const double kMaxAbs = std::pow(2.0, 360);

double num(const Doc& d) {
  return d.is_number() ? d.as_double() : 0;
}

int64_t time_of(const Doc& in, std::string_view member) {
  const Doc* t = in.get(member);
  if (!t) return 0;
  if (t->is_timestamp()) return t->as_timestamp().millis;
  if (t->is_number()) return static_cast<int64_t>(t->as_double() * 1000);
  return 0;
}

std::string fmt_number(double v) {
  char b[64];
  if (std::floor(v) == v && std::fabs(v) < 1e15) {
    snprintf(b, sizeof b, "%.0f", v);
    return b;
  }
  snprintf(b, sizeof b, "%.17g", v);
  std::string s = b;
  // Shortest form that reads back the same.
  for (int p = 1; p <= 17; ++p) {
    snprintf(b, sizeof b, "%.*g", p, v);
    if (std::strtod(b, nullptr) == v) return b;
  }
  return s;
}

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

void check_value(double v, const std::string& member) {
  if (std::isnan(v) || std::isinf(v) || std::fabs(v) > kMaxAbs || (v != 0 && std::fabs(v) < 1.0 / kMaxAbs))
    throw invalid_value("The value " + fmt_number(v) + " for parameter " + member + " is invalid.");
}

}  // namespace

std::string iso8601(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[96];
  snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return b;
}

MetricId metric_of(const Doc& metric) {
  MetricId m;
  m.ns = metric.str("Namespace");
  m.name = metric.str("MetricName");
  if (const Doc* dims = metric.get("Dimensions"); dims && dims->is_list())
    for (const auto& d : dims->as_list()) m.dims.push_back({d.str("Name"), d.str("Value")});
  sort_dims(m.dims);
  return m;
}

Doc metric_doc(const MetricId& m) {
  Doc out = Doc::map();
  out.set("Namespace", m.ns);
  out.set("MetricName", m.name);
  Doc dims = Doc::list();
  for (const auto& d : m.dims) {
    Doc x = Doc::map();
    x.set("Name", d.name);
    x.set("Value", d.value);
    dims.push(std::move(x));
  }
  out.set("Dimensions", std::move(dims));
  return out;
}

void check_period(int64_t period, const char* member) {
  if (period <= 0 || (period < 60 && period != 1 && period != 5 && period != 10 && period != 20 && period != 30) ||
      (period >= 60 && period % 60 != 0))
    throw invalid_value(std::string("The parameter ") + member +
                        " must be 1, 5, 10, 20, 30, 60, or any multiple of 60.");
}

// ---- PutMetricData ----

Doc put_metric_data(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::string ns = in.str("Namespace");
  if (ns.rfind("AWS/", 0) == 0) throw invalid_value("The value " + ns + " for parameter Namespace is invalid.");
  if (has_control(ns)) throw invalid_value("The value " + ns + " for parameter Namespace is invalid.");
  const Doc* data = in.get("MetricData");
  if ((!data || !data->is_list() || data->as_list().empty()) && !in.has("EntityMetricData"))
    throw missing_param("The parameter MetricData is required.");
  std::vector<Doc> datums;
  if (data && data->is_list()) datums = data->as_list();
  if (const Doc* em = in.get("EntityMetricData"); em && em->is_list()) {
    if (em->as_list().size() > 2)
      throw invalid_value("The collection EntityMetricData must not have a size greater than 2.");
    for (const auto& e : em->as_list())
      if (const Doc* md = e.get("MetricData"); md && md->is_list())
        for (const auto& d : md->as_list()) datums.push_back(d);
  }
  if (datums.size() > 1000) throw invalid_value("The collection MetricData must not have a size greater than 1000.");
  if (ctx.transport.body_bytes > 1024 * 1024)
    throw AwsError("RequestEntityTooLarge",
                   "Request size " + std::to_string(ctx.transport.body_bytes) + " exceeded 1048576 bytes", 413);
  std::vector<Store::Write> writes;
  writes.reserve(datums.size());
  int64_t now = ctx.now_ms ? ctx.now_ms : now_millis();
  for (size_t i = 0; i < datums.size(); ++i) {
    const Doc& d = datums[i];
    std::string p = "MetricData.member." + std::to_string(i + 1);
    MetricId m;
    m.ns = ns;
    m.name = d.str("MetricName");
    if (m.name.empty()) throw missing_param("The parameter " + p + ".MetricName is required.");
    if (has_control(m.name))
      throw invalid_value("The value " + m.name + " for parameter " + p + ".MetricName is invalid.");
    std::set<std::string> seen;
    if (const Doc* dims = d.get("Dimensions"); dims && dims->is_list()) {
      if (dims->as_list().size() > 30)
        throw invalid_value("The collection " + p + ".Dimensions must not have a size greater than 30.");
      size_t j = 0;
      for (const auto& x : dims->as_list()) {
        ++j;
        std::string dn = x.str("Name"), dv = x.str("Value");
        std::string dp = p + ".Dimensions.member." + std::to_string(j);
        if (dn.empty() || dn.find_first_not_of(" \t") == std::string::npos || dn[0] == ':' || has_control(dn))
          throw invalid_value("The value " + dn + " for parameter " + dp + ".Name is invalid.");
        if (dv.empty() || dv.find_first_not_of(" \t") == std::string::npos || has_control(dv))
          throw invalid_value("The value " + dv + " for parameter " + dp + ".Value is invalid.");
        if (!seen.insert(dn).second)
          throw invalid_value("No metric may have duplicate dimension names. Found duplicate name " + dn + " in " + p +
                              ".Dimensions.");
        m.dims.push_back({dn, dv});
      }
    }
    sort_dims(m.dims);
    Datum datum;
    datum.unit = d.str("Unit", "None");
    int64_t res = d.integer("StorageResolution", 60);
    if (res != 1 && res != 60)
      throw invalid_value("The value " + std::to_string(res) + " for parameter " + p +
                          ".StorageResolution is invalid. Valid values are 1 and 60.");
    datum.storage_resolution = static_cast<int>(res);
    int64_t ts = d.has("Timestamp") ? time_of(d, "Timestamp") : now;
    if (ts < now - kTwoWeeksMs)
      throw invalid_value("The parameter " + p + ".Timestamp must specify a time no more than two weeks in the past.");
    if (ts > now + kTwoHoursMs)
      throw invalid_value("The parameter " + p +
                          ".Timestamp must specify a time no more than two hours in the future.");
    // Standard resolution keeps the minute; high resolution the second.
    datum.ts_ms = res == 1 ? ts / 1000 * 1000 : ts / 60'000 * 60'000;
    bool has_value = d.has("Value"), has_stats = d.has("StatisticValues"), has_values = d.has("Values");
    if (has_value && has_stats)
      throw invalid_combination("The parameters " + p + ".Value and " + p +
                                ".StatisticValues are mutually exclusive and you have specified both.");
    if (has_values && (has_value || has_stats))
      throw invalid_combination("The parameters " + p + ".Values and " + p +
                                (has_value ? ".Value" : ".StatisticValues") +
                                " are mutually exclusive and you have specified both.");
    if (!has_values && d.has("Counts"))
      throw invalid_combination("The parameter " + p + ".Counts must be used with " + p + ".Values.");
    if (has_value) {
      double v = num(*d.get("Value"));
      check_value(v, p + ".Value");
      datum.add(v);
    } else if (has_stats) {
      const Doc& s = *d.get("StatisticValues");
      double sc = num(*s.get("SampleCount")), sum = num(*s.get("Sum")), mn = num(*s.get("Minimum")),
             mx = num(*s.get("Maximum"));
      check_value(sc, p + ".StatisticValues.SampleCount");
      check_value(sum, p + ".StatisticValues.Sum");
      check_value(mn, p + ".StatisticValues.Minimum");
      check_value(mx, p + ".StatisticValues.Maximum");
      if (sc <= 0) throw invalid_value("The parameter " + p + ".StatisticValues.SampleCount must be greater than 0.");
      if (mn > mx)
        throw invalid_value("The parameter " + p + ".StatisticValues.Maximum must be greater than " + p +
                            ".StatisticValues.Minimum.");
      datum.count = sc;
      datum.sum = sum;
      datum.min = mn;
      datum.max = mx;
      if (sc == 1 || mn == mx) datum.values = {{mn, sc}};
    } else if (has_values) {
      const auto& vs = d.get("Values")->as_list();
      const Doc* cs = d.get("Counts");
      if (vs.size() > 150)
        throw invalid_value("The collection " + p + ".Values must not have a size greater than 150.");
      if (cs && cs->as_list().size() != vs.size())
        throw invalid_value("The parameters " + p + ".Values and " + p + ".Counts must be of the same size.");
      if (vs.empty()) throw missing_param("The parameter " + p + ".Values must not be empty.");
      for (size_t k = 0; k < vs.size(); ++k) {
        double v = num(vs[k]);
        double c = cs ? num(cs->as_list()[k]) : 1;
        check_value(v, p + ".Values.member." + std::to_string(k + 1));
        if (c < 0 || std::isnan(c) || std::isinf(c))
          throw invalid_value("The value " + fmt_number(c) + " for parameter " + p + ".Counts.member." +
                              std::to_string(k + 1) + " is invalid.");
        if (c > 0) datum.add(v, c);
      }
      if (datum.count == 0) continue;
    } else {
      throw invalid_combination("At least one of the parameters " + p + ".Value, " + p + ".StatisticValues or " + p +
                                ".Values must be specified.");
    }
    writes.push_back({series_key(m), std::move(datum)});
  }
  if (!st.store->put_data(ctx.account(), ctx.region(), writes, now))
    throw AwsError("InternalServiceError", "Internal error writing the metric data.", 500, false);
  return Doc::map();
}

// ---- reading ----
namespace {

int64_t align_start(int64_t start_ms, int64_t period_s, int64_t now_ms) {
  int64_t unit = 60'000;
  if (period_s < 60) unit = period_s * 1000;
  int64_t age = now_ms - start_ms;
  if (age > 63 * 86400'000LL)
    unit = 3600'000;
  else if (age > 15 * 86400'000LL)
    unit = 300'000;
  return start_ms >= 0 ? start_ms / unit * unit : start_ms;
}

}  // namespace

Doc get_metric_statistics(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  int64_t start = time_of(in, "StartTime"), end = time_of(in, "EndTime");
  int64_t period = in.integer("Period");
  const Doc* stats = in.get("Statistics");
  const Doc* ext = in.get("ExtendedStatistics");
  bool has_stats = stats && stats->is_list() && !stats->as_list().empty();
  bool has_ext = ext && ext->is_list() && !ext->as_list().empty();
  if (has_stats == has_ext)
    throw invalid_combination("Must specify either Statistics or ExtendedStatistics, but not both.");
  if (has_stats && stats->as_list().size() > 5)
    throw invalid_value("The collection Statistics must not have a size greater than 5.");
  if (has_ext && ext->as_list().size() > 10)
    throw invalid_value("The collection ExtendedStatistics must not have a size greater than 10.");
  if (has_ext)
    for (const auto& e : ext->as_list())
      if (!is_percentile_like(e.as_string()))
        throw invalid_value("The value " + e.as_string() + " for parameter ExtendedStatistics is not supported.");
  check_period(period, "Period");
  if (start >= end) throw invalid_value("The parameter StartTime must be less than the parameter EndTime.");
  int64_t now = now_millis();
  start = align_start(start, period, now);
  int64_t n = (end - start + period * 1000 - 1) / (period * 1000);
  if (n > 1440)
    throw invalid_combination("You have requested up to " + std::to_string(n) +
                              " datapoints, which exceeds the limit of 1,440. You may reduce the datapoints "
                              "requested by increasing Period, or decreasing the time range.");
  MetricId m = metric_of(in);
  auto points = st.store->read(ctx.account(), ctx.region(), series_key(m), start, end);
  std::string unit = in.str("Unit");
  // Each unit is its own aggregate; without a Unit filter, every unit's periods are answered.
  std::set<std::string> units;
  if (!unit.empty())
    units.insert(unit);
  else
    for (const auto& p : points) units.insert(p.unit);
  Doc dps = Doc::list();
  for (const auto& u : units) {
    for (const auto& a : aggregate(points, start, end, period, u)) {
      Doc dp = Doc::map();
      dp.set("Timestamp", Timestamp{a.ts_ms});
      dp.set("Unit", a.unit);
      if (has_stats)
        for (const auto& s : stats->as_list())
          if (auto v = statistic(a.d, s.as_string())) dp.set(s.as_string(), *v);
      if (has_ext) {
        Doc em = Doc::map();
        for (const auto& e : ext->as_list())
          if (auto v = statistic(a.d, e.as_string())) em.set(e.as_string(), *v);
        dp.set("ExtendedStatistics", std::move(em));
      }
      dps.push(std::move(dp));
    }
  }
  Doc out = Doc::map();
  out.set("Label", m.name);
  out.set("Datapoints", std::move(dps));
  return out;
}

Doc list_metrics(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  std::string ns = in.str("Namespace"), name = in.str("MetricName");
  std::vector<std::pair<std::string, std::optional<std::string>>> filters;
  if (const Doc* f = in.get("Dimensions"); f && f->is_list()) {
    if (f->as_list().size() > 10)
      throw invalid_value("The collection Dimensions must not have a size greater than 10.");
    for (const auto& x : f->as_list())
      filters.emplace_back(x.str("Name"), x.has("Value") ? std::optional<std::string>(x.str("Value")) : std::nullopt);
  }
  bool recent = in.str("RecentlyActive") == "PT3H";
  int64_t now = now_millis();
  std::vector<std::pair<std::string, MetricId>> found;  // in series key order
  for (const auto& [key, last] : st.store->metrics(ctx.account(), ctx.region())) {
    if (recent && last < now - 3 * 3600'000LL) continue;
    if (last < now - kTwoWeeksMs) continue;  // ListMetrics shows metrics with data in the last two weeks
    MetricId m = parse_series_key(key);
    if (!ns.empty() && m.ns != ns) continue;
    if (!name.empty() && m.name != name) continue;
    bool ok = true;
    for (const auto& f : filters) {
      const std::string& fname = f.first;
      auto it = std::find_if(m.dims.begin(), m.dims.end(), [&](const Dim& d) { return d.name == fname; });
      if (it == m.dims.end() || (f.second && it->value != *f.second)) ok = false;
    }
    if (ok) found.emplace_back(key, std::move(m));
  }
  // NextToken: the series key of the first metric not yet returned (a token past every metric
  // is a valid empty page); 500 a page (the request names no page size)
  return paging::paginate(found, in, "Metrics", {"NextToken", "", 500, "NextToken", nullptr},
                          [](const MetricId& m) -> std::optional<Doc> { return metric_doc(m); });
}

// ---- GetMetricData ----
namespace {

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 255 || !(id[0] >= 'a' && id[0] <= 'z')) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::vector<double> series_on(const std::vector<Agg>& aggs, const std::vector<int64_t>& grid, std::string_view stat) {
  std::vector<double> v(grid.size(), std::numeric_limits<double>::quiet_NaN());
  size_t j = 0;
  for (const auto& a : aggs) {
    while (j < grid.size() && grid[j] < a.ts_ms) ++j;
    if (j < grid.size() && grid[j] == a.ts_ms)
      if (auto x = statistic(a.d, stat)) v[j] = *x;
  }
  return v;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A search word against a name: CloudWatch splits names into tokens at case changes, digits and
// other characters ("CustomCount1" -> "Custom", "Count", "1"); one token matches
// case-insensitively, a run of tokens ("CustomCount") or the whole name case-sensitively.
bool token_match(const std::string& field, const std::string& word) {
  if (field == word) return true;
  std::vector<std::pair<size_t, size_t>> toks;  // [begin, end)
  size_t i = 0;
  auto kind = [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return std::isdigit(u) ? 1 : std::isalpha(u) ? 2 : 0;
  };
  while (i < field.size()) {
    if (kind(field[i]) == 0) {
      ++i;
      continue;
    }
    size_t st = i++;
    if (kind(field[st]) == 1) {
      while (i < field.size() && kind(field[i]) == 1) ++i;
    } else {
      bool upper_run = std::isupper(static_cast<unsigned char>(field[st])) && i < field.size() &&
                       std::isupper(static_cast<unsigned char>(field[i]));
      while (i < field.size() && kind(field[i]) == 2) {
        bool up = std::isupper(static_cast<unsigned char>(field[i]));
        if (!upper_run && up) break;
        if (upper_run && !up) {
          // "HTTPServer": the last capital starts the next token.
          if (i - st > 1) --i;
          break;
        }
        ++i;
      }
    }
    toks.emplace_back(st, i);
  }
  std::string lw = lower(word);
  for (size_t a = 0; a < toks.size(); ++a) {
    if (lower(field.substr(toks[a].first, toks[a].second - toks[a].first)) == lw) return true;
    for (size_t b = a + 1; b < toks.size(); ++b)
      if (field.substr(toks[a].first, toks[b].second - toks[a].first) == word) return true;
  }
  return false;
}

// SEARCH('{Namespace,Dim1,Dim2} term term...'): a schema (namespace and the exact dimension
// names) and terms that must all match: Name="value" / Name=value designators (MetricName,
// Namespace or a dimension), "exact" quoted words, plain words matched case-insensitively
// against parts of the namespace, name and dimension values; NOT before a term negates it.
bool search_match(const MetricId& m, const std::string& query) {
  std::string q = query;
  size_t pos = 0;
  auto skip = [&] {
    while (pos < q.size() && std::isspace(static_cast<unsigned char>(q[pos]))) ++pos;
  };
  skip();
  if (pos < q.size() && q[pos] == '{') {
    size_t e = q.find('}', pos);
    if (e == std::string::npos) throw math::MathError("SEARCH: missing '}' in the schema");
    std::vector<std::string> parts;
    std::string cur;
    bool quoted = false;
    for (size_t i = pos + 1; i < e; ++i) {
      char c = q[i];
      if (c == '"')
        quoted = !quoted;
      else if (c == ',' && !quoted) {
        parts.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    parts.push_back(cur);
    for (auto& p : parts) {
      size_t a = p.find_first_not_of(" \t"), b = p.find_last_not_of(" \t");
      p = a == std::string::npos ? "" : p.substr(a, b - a + 1);
    }
    if (parts.empty() || parts[0] != m.ns) return false;
    std::set<std::string> want(parts.begin() + 1, parts.end()), have;
    for (const auto& d : m.dims) have.insert(d.name);
    if (want != have) return false;
    pos = e + 1;
  }
  while (true) {
    skip();
    if (pos >= q.size()) break;
    bool negate = false;
    if (q.compare(pos, 4, "NOT ") == 0) {
      negate = true;
      pos += 4;
      skip();
    }
    if (q.compare(pos, 3, "AND") == 0 || q.compare(pos, 2, "OR") == 0) {
      pos += q.compare(pos, 3, "AND") == 0 ? 3 : 2;
      continue;
    }
    std::string key, value;
    bool exact = false;
    auto read_word = [&](std::string& out) {
      if (pos < q.size() && q[pos] == '"') {
        size_t e = q.find('"', pos + 1);
        if (e == std::string::npos) e = q.size();
        out = q.substr(pos + 1, e - pos - 1);
        pos = std::min(e + 1, q.size());
        exact = true;
      } else {
        size_t st = pos;
        while (pos < q.size() && !std::isspace(static_cast<unsigned char>(q[pos])) && q[pos] != '=') ++pos;
        out = q.substr(st, pos - st);
      }
    };
    read_word(value);
    bool match = false;
    if (pos < q.size() && q[pos] == '=') {
      ++pos;
      key = value;
      exact = false;
      read_word(value);
      if (key == "MetricName")
        match = m.name == value;
      else if (key == "Namespace")
        match = m.ns == value;
      else
        for (const auto& d : m.dims) match = match || (d.name == key && d.value == value);
    } else {
      std::vector<std::string> fields = {m.ns, m.name};
      for (const auto& d : m.dims) fields.push_back(d.value);
      for (const auto& f : fields) match = match || (exact ? f == value : token_match(f, value));
    }
    if (match == negate) return false;
  }
  return true;
}

// Dynamic labels: ${LABEL} (the default label), ${PROP('Dim.<name>')}, ${PROP('MetricName')},
// ${PROP('Namespace')}, ${PROP('Period')}, ${PROP('Stat')} (MetricStat queries), and the
// series' ${AVG} ${MAX} ${MIN} ${SUM} ${FIRST} ${LAST} ${DATAPOINT_COUNT} (FIRST/LAST by time).
// Unknown names are left as written.
std::string dynamic_label(const std::string& text, const std::string& dflt, const Doc& q, const QueryResult& r) {
  MetricId m;
  const Doc* ms = q.get("MetricStat");
  if (ms && ms->get("Metric")) m = metric_of(*ms->get("Metric"));
  std::vector<std::pair<int64_t, double>> pts;
  for (size_t i = 0; i < r.ts.size(); ++i) pts.emplace_back(r.ts[i], r.values[i]);
  std::sort(pts.begin(), pts.end());
  auto value = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "LABEL") return dflt;
    if (name == "DATAPOINT_COUNT") return std::to_string(pts.size());
    if (name == "AVG" || name == "MAX" || name == "MIN" || name == "SUM" || name == "FIRST" || name == "LAST") {
      if (pts.empty()) return std::string();
      double acc = name == "FIRST" ? pts.front().second : name == "LAST" ? pts.back().second : 0;
      if (name == "MAX" || name == "MIN") acc = pts.front().second;
      for (const auto& [t, x] : pts) {
        if (name == "SUM" || name == "AVG") acc += x;
        if (name == "MAX") acc = std::max(acc, x);
        if (name == "MIN") acc = std::min(acc, x);
      }
      if (name == "AVG") acc /= static_cast<double>(pts.size());
      return fmt_number(acc);
    }
    if (name.rfind("PROP('", 0) == 0 && name.size() > 8 && name.substr(name.size() - 2) == "')") {
      std::string p = name.substr(6, name.size() - 8);
      if (!ms) return std::nullopt;
      if (p == "MetricName") return m.name;
      if (p == "Namespace") return m.ns;
      if (p == "Period") return std::to_string(ms->integer("Period"));
      if (p == "Stat") return ms->str("Stat");
      if (p.rfind("Dim.", 0) == 0)
        for (const auto& d : m.dims)
          if (d.name == p.substr(4)) return d.value;
    }
    return std::nullopt;
  };
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t a = text.find("${", pos);
    size_t b = a == std::string::npos ? std::string::npos : text.find('}', a);
    if (b == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    out.append(text, pos, a - pos);
    auto v = value(text.substr(a + 2, b - a - 2));
    out += v ? *v : text.substr(a, b - a + 1);
    pos = b + 1;
  }
  return out;
}

}  // namespace

std::vector<QueryResult> run_queries(Store& store, const std::string& account, const std::string& region,
                                     const Doc& queries, int64_t start_ms, int64_t end_ms) {
  const auto& qs = queries.as_list();
  if (qs.empty()) throw missing_param("The parameter MetricDataQueries is required.");
  if (qs.size() > 500) throw invalid_value("The collection MetricDataQueries must not have a size greater than 500.");
  std::set<std::string> ids;
  int64_t period = 0;
  for (size_t i = 0; i < qs.size(); ++i) {
    const Doc& q = qs[i];
    std::string p = "MetricDataQueries.member." + std::to_string(i + 1);
    std::string id = q.str("Id");
    if (!valid_id(id))
      throw validation_error("The value " + id + " for parameter " + p +
                             ".Id is invalid. It must start with a lowercase letter and contain only letters, numbers "
                             "and underscores.");
    if (!ids.insert(id).second)
      throw validation_error("The values for parameter id in MetricDataQueries are not unique.");
    bool has_stat = q.has("MetricStat"), has_expr = q.has("Expression");
    if (has_stat == has_expr)
      throw validation_error("Exactly one element of the MetricStat or Expression parameters in " + p +
                             " must be specified.");
    int64_t qp = has_stat ? q.get("MetricStat")->integer("Period") : q.integer("Period");
    if (has_stat) {
      check_period(qp, (p + ".MetricStat.Period").c_str());
      std::string stat = q.get("MetricStat")->str("Stat");
      if (!valid_statistic(stat))
        throw validation_error("The value " + stat + " for parameter " + p + ".MetricStat.Stat is invalid.");
    }
    if (qp > 0) period = period == 0 ? qp : std::min(period, qp);
  }
  if (period == 0) period = 60;
  int64_t now = now_millis();
  int64_t start = align_start(start_ms, period, now);
  std::vector<int64_t> grid;
  for (int64_t t = start; t < end_ms && grid.size() < 100'800; t += period * 1000) grid.push_back(t);

  math::Env env;
  env.grid = grid;
  env.period_s = period;
  auto catalog = std::make_shared<std::vector<std::pair<std::string, int64_t>>>();
  env.search = [&](const std::string& query, const std::string& stat, int64_t sp) {
    if (!valid_statistic(stat)) throw math::MathError("SEARCH: invalid statistic '" + stat + "'");
    if (catalog->empty()) *catalog = store.metrics(account, region);
    std::vector<math::Series> out;
    for (const auto& [key, last] : *catalog) {
      if (last < now - kTwoWeeksMs) continue;
      MetricId m = parse_series_key(key);
      if (!search_match(m, query)) continue;
      auto pts = store.read(account, region, key, start, end_ms);
      std::string label = m.name;
      for (const auto& d : m.dims) label = d.value + " " + label;
      out.push_back({"", label, series_on(aggregate(pts, start, end_ms, sp, ""), grid, stat)});
      if (out.size() >= 500) break;
    }
    return out;
  };
  std::vector<QueryResult> results;
  // MetricStat queries first, then expressions in dependency order.
  std::map<std::string, const Doc*> exprs;
  std::map<std::string, std::string> labels;
  for (const auto& q : qs) {
    std::string id = q.str("Id");
    labels[id] = q.str("Label");
    if (const Doc* ms = q.get("MetricStat")) {
      env.metric_ids.push_back(id);
      MetricId m = metric_of(*ms->get("Metric"));
      auto pts = store.read(account, region, series_key(m), start, end_ms);
      auto aggs = aggregate(pts, start, end_ms, ms->integer("Period", period), ms->str("Unit"));
      math::Series s{id, m.name, series_on(aggs, grid, ms->str("Stat"))};
      math::Value v;
      v.kind = math::Value::series;
      v.list.push_back(std::move(s));
      env.values[id] = std::move(v);
    } else {
      exprs[id] = &q;
    }
  }
  std::map<std::string, std::unique_ptr<math::Node>> parsed;
  for (const auto& [id, q] : exprs) {
    try {
      parsed[id] = math::parse(q->str("Expression"));
    } catch (const math::MathError& e) {
      throw validation_error("Error in expression '" + id + "': " + e.what());
    }
  }
  std::set<std::string> visiting;
  std::function<void(const std::string&)> eval = [&](const std::string& id) {
    if (env.values.count(id)) return;
    if (!visiting.insert(id).second) throw validation_error("Circular dependency in expression '" + id + "'.");
    std::vector<std::string> refs;
    math::references(*parsed[id], refs);
    for (const auto& r : refs) {
      if (r == "REPEAT" || r == "LINEAR" || r == "ASC" || r == "DESC" || r == "AVG" || r == "MIN" || r == "MAX" ||
          r == "SUM")
        continue;
      if (!env.values.count(r) && !parsed.count(r))
        throw validation_error("Error in expression '" + id + "': Unrecognized metric id: " + r);
      if (parsed.count(r)) eval(r);
    }
    try {
      math::Value v = math::evaluate(*parsed[id], env);
      if (v.kind == math::Value::scalar)
        throw validation_error("Error in expression '" + id +
                               "': The expression must produce a time series or an array of time series.");
      env.values[id] = std::move(v);
    } catch (const math::MathError& e) {
      throw validation_error("Error in expression '" + id + "': " + e.what());
    }
  };
  for (const auto& [id, q] : exprs) eval(id);
  for (const auto& q : qs) {
    std::string id = q.str("Id");
    const auto& v = env.values[id];
    bool rd = q.flag("ReturnData", true);
    for (const auto& s : v.list) {
      QueryResult r;
      r.id = id;
      std::string dflt = (q.has("Expression") && v.kind != math::Value::array) ? id : s.label;
      r.return_data = rd;
      for (size_t i = 0; i < s.v.size() && i < grid.size(); ++i) {
        if (std::isnan(s.v[i]) || std::isinf(s.v[i])) continue;
        r.ts.push_back(grid[i]);
        r.values.push_back(s.v[i]);
      }
      const std::string& given = labels[id];
      if (given.empty())
        r.label = dflt;
      else if (given.find("${") != std::string::npos)
        r.label = dynamic_label(given, dflt, q, r);
      else
        r.label = v.kind == math::Value::array ? given + " " + s.label : given;
      results.push_back(std::move(r));
    }
    if (v.list.empty() && v.kind != math::Value::array) {
      QueryResult r;
      r.id = id;
      r.label = labels[id].empty() ? id : labels[id];
      r.return_data = rd;
      results.push_back(std::move(r));
    }
  }
  return results;
}

Doc get_metric_data(OpContext& ctx, const Doc& in) {
  State& st = state_of(ctx);
  int64_t start = time_of(in, "StartTime"), end = time_of(in, "EndTime");
  if (start >= end) throw validation_error("The parameter StartTime must be less than the parameter EndTime.");
  std::string scan = in.str("ScanBy", "TimestampDescending");
  int64_t max_points = in.integer("MaxDatapoints", 100'800);
  if (max_points <= 0) max_points = 100'800;
  int64_t offset = 0;
  if (std::string tok = in.str("NextToken"); !tok.empty()) {
    char* e = nullptr;
    offset = std::strtoll(tok.c_str(), &e, 10);
    if (!e || *e || offset <= 0) throw AwsError("InvalidNextToken", "The service cannot find the token.", 400);
  }
  auto results = run_queries(*st.store, ctx.account(), ctx.region(), *in.get("MetricDataQueries"), start, end);
  Doc list = Doc::list();
  int64_t seen = 0, emitted = 0;
  bool truncated = false;
  for (auto& r : results) {
    if (!r.return_data) continue;
    if (scan == "TimestampDescending") {
      std::reverse(r.ts.begin(), r.ts.end());
      std::reverse(r.values.begin(), r.values.end());
    }
    Doc item = Doc::map();
    item.set("Id", r.id);
    item.set("Label", r.label);
    Doc ts = Doc::list(), vs = Doc::list();
    bool partial = false;
    for (size_t i = 0; i < r.ts.size(); ++i, ++seen) {
      if (seen < offset) continue;
      if (emitted >= max_points) {
        partial = truncated = true;
        break;
      }
      ts.push(Timestamp{r.ts[i]});
      vs.push(r.values[i]);
      ++emitted;
    }
    item.set("Timestamps", std::move(ts));
    item.set("Values", std::move(vs));
    item.set("StatusCode", partial ? "PartialData" : "Complete");
    item.set("Messages", Doc::list());
    list.push(std::move(item));
  }
  Doc out = Doc::map();
  out.set("MetricDataResults", std::move(list));
  out.set("Messages", Doc::list());
  if (truncated) out.set("NextToken", std::to_string(offset + emitted));
  return out;
}

// ---- the service-metrics aggregator (cloudwatch::Api) ----

Aggregator::Slot* Aggregator::slot(std::string_view account, std::string_view region, std::string_view ns,
                                   std::string_view name, std::span<const Dimension> dims, std::string_view unit,
                                   int64_t time_ms) {
  if (ns.empty() || name.empty() || dims.size() > 30) return nullptr;
  int64_t minute = time_ms / 60'000 * 60'000;
  thread_local std::string key;
  key.clear();
  key.append(account).push_back('\0');
  key.append(region).push_back('\0');
  key.append(ns).push_back('\x1f');
  key.append(name);
  // Dimensions in the caller's order here; the stored series key sorts them.
  for (const auto& d : dims) {
    key.push_back('\x1f');
    key.append(d.name).push_back('\x1e');
    key.append(d.value);
  }
  key.push_back('\0');
  key.append(unit.empty() ? std::string_view("None") : unit).push_back('\0');
  key.append(reinterpret_cast<const char*>(&minute), sizeof minute);
  auto it = slots_.find(key);
  if (it != slots_.end()) return &it->second;
  Slot s;
  s.account = std::string(account);
  s.region = std::string(region);
  MetricId m;
  m.ns = std::string(ns);
  m.name = std::string(name);
  for (const auto& d : dims) {
    std::string n(d.name), v(d.value);
    std::erase_if(n, [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    std::erase_if(v, [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (n.empty() || v.empty()) return nullptr;
    m.dims.push_back({std::move(n), std::move(v)});
  }
  sort_dims(m.dims);
  s.series = series_key(m);
  s.d.unit = std::string(unit.empty() ? std::string_view("None") : unit);
  s.d.ts_ms = minute;
  return &slots_.emplace(key, std::move(s)).first->second;
}

void Aggregator::put(std::string_view account, std::string_view region, std::string_view ns, std::string_view name,
                     std::span<const Dimension> dimensions, double value, std::string_view unit, int64_t time_ms,
                     double count) {
  if (std::isnan(value) || std::isinf(value) || !(count > 0)) return;
  if (time_ms == 0) time_ms = now_millis();
  std::lock_guard lock(mu_);
  if (Slot* s = slot(account, region, ns, name, dimensions, unit, time_ms)) s->d.add(value, count);
}

void Aggregator::put_values(std::string_view account, std::string_view region, std::string_view ns,
                            std::string_view name, std::span<const Dimension> dimensions,
                            std::span<const double> values, std::span<const double> counts, std::string_view unit,
                            int64_t time_ms) {
  if (time_ms == 0) time_ms = now_millis();
  std::lock_guard lock(mu_);
  Slot* s = slot(account, region, ns, name, dimensions, unit, time_ms);
  if (!s) return;
  for (size_t i = 0; i < values.size(); ++i) {
    double c = i < counts.size() ? counts[i] : 1;
    if (std::isnan(values[i]) || std::isinf(values[i]) || !(c > 0)) continue;
    s->d.add(values[i], c);
  }
}

bool Aggregator::put_log_line(std::string_view account, std::string_view region, std::string_view line) {
  std::vector<EmfMetric> ms;
  if (!parse_emf(line, ms)) return false;
  for (const auto& m : ms) {
    std::vector<Dimension> dims;
    dims.reserve(m.dims.size());
    for (const auto& [n, v] : m.dims) dims.push_back({n, v});
    put_values(account, region, m.ns, m.name, dims, m.values, {}, m.unit, m.ts_ms);
  }
  return true;
}

void Aggregator::flush() {
  std::unordered_map<std::string, Slot> taken;
  {
    std::lock_guard lock(mu_);
    taken.swap(slots_);
  }
  std::map<std::pair<std::string, std::string>, std::vector<Store::Write>> by_scope;
  for (auto& [k, s] : taken)
    if (s.d.count > 0) by_scope[{s.account, s.region}].push_back({s.series, std::move(s.d)});
  int64_t now = now_millis();
  for (const auto& [scope, writes] : by_scope) store_.put_data(scope.first, scope.second, writes, now);
}

}  // namespace stratus::cloudwatch
