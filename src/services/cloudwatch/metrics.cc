#include "services/cloudwatch/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace stratus::cloudwatch {

void Datum::add(double v, double c) {
  if (count == 0) {
    min = max = v;
  } else {
    min = std::min(min, v);
    max = std::max(max, v);
  }
  count += c;
  sum += v * c;
  auto it = std::lower_bound(values.begin(), values.end(), v,
                             [](const std::pair<double, double>& p, double x) { return p.first < x; });
  if (it != values.end() && it->first == v) {
    it->second += c;
  } else if (values.size() < kMaxValues) {
    values.insert(it, {v, c});
  }
}

void Datum::merge(const Datum& o) {
  if (o.count <= 0) return;
  bool raw_ok = (count == 0 || !values.empty()) && !o.values.empty();
  if (count == 0) {
    min = o.min;
    max = o.max;
  } else {
    min = std::min(min, o.min);
    max = std::max(max, o.max);
  }
  count += o.count;
  sum += o.sum;
  if (!raw_ok) {
    values.clear();
    return;
  }
  std::vector<std::pair<double, double>> merged;
  merged.reserve(values.size() + o.values.size());
  size_t i = 0, j = 0;
  while (i < values.size() || j < o.values.size()) {
    if (j == o.values.size() || (i < values.size() && values[i].first < o.values[j].first)) {
      merged.push_back(values[i++]);
    } else if (i == values.size() || o.values[j].first < values[i].first) {
      merged.push_back(o.values[j++]);
    } else {
      merged.push_back({values[i].first, values[i].second + o.values[j].second});
      ++i, ++j;
    }
  }
  if (merged.size() > kMaxValues) merged.resize(kMaxValues);
  values = std::move(merged);
}

namespace {
template <class T>
void put_raw(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
template <class T>
bool get_raw(std::string_view& in, T& v) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(&v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}
}  // namespace

// On disk: u8 version (1), i64 ts, u8 storage resolution, u16 unit length, unit, f64 count, sum,
// min, max, u32 n, n × (f64 value, f64 count). Host byte order (little-endian machines only).
std::string encode(const Datum& d) {
  std::string out;
  out.reserve(48 + d.unit.size() + d.values.size() * 16);
  out.push_back(1);
  put_raw(out, d.ts_ms);
  out.push_back(static_cast<char>(d.storage_resolution == 1 ? 1 : 60));
  put_raw(out, static_cast<uint16_t>(d.unit.size()));
  out += d.unit;
  put_raw(out, d.count);
  put_raw(out, d.sum);
  put_raw(out, d.min);
  put_raw(out, d.max);
  put_raw(out, static_cast<uint32_t>(d.values.size()));
  for (const auto& [v, c] : d.values) {
    put_raw(out, v);
    put_raw(out, c);
  }
  return out;
}

bool decode(std::string_view in, Datum& d) {
  uint8_t version = 0, res = 0;
  uint16_t ulen = 0;
  uint32_t n = 0;
  if (!get_raw(in, version) || version != 1 || !get_raw(in, d.ts_ms) || !get_raw(in, res) || !get_raw(in, ulen) ||
      in.size() < ulen)
    return false;
  d.storage_resolution = res;
  d.unit.assign(in.substr(0, ulen));
  in.remove_prefix(ulen);
  if (!get_raw(in, d.count) || !get_raw(in, d.sum) || !get_raw(in, d.min) || !get_raw(in, d.max) || !get_raw(in, n) ||
      in.size() < size_t{n} * 16)
    return false;
  d.values.resize(n);
  for (auto& [v, c] : d.values) {
    get_raw(in, v);
    get_raw(in, c);
  }
  return true;
}

void sort_dims(std::vector<Dim>& dims) {
  std::sort(dims.begin(), dims.end(), [](const Dim& a, const Dim& b) { return a.name < b.name; });
}

std::string series_key(const MetricId& m) {
  std::string k = m.ns;
  k += '\x1f';
  k += m.name;
  for (const auto& d : m.dims) {
    k += '\x1f';
    k += d.name;
    k += '\x1e';
    k += d.value;
  }
  return k;
}

MetricId parse_series_key(std::string_view key) {
  MetricId m;
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    size_t e = key.find('\x1f', pos);
    parts.push_back(key.substr(pos, e == std::string_view::npos ? std::string_view::npos : e - pos));
    if (e == std::string_view::npos) break;
    pos = e + 1;
  }
  if (!parts.empty()) m.ns = parts[0];
  if (parts.size() > 1) m.name = parts[1];
  for (size_t i = 2; i < parts.size(); ++i) {
    size_t s = parts[i].find('\x1e');
    m.dims.push_back({std::string(parts[i].substr(0, s)),
                      s == std::string_view::npos ? std::string() : std::string(parts[i].substr(s + 1))});
  }
  return m;
}

std::vector<Agg> aggregate(const std::vector<Datum>& points, int64_t start_ms, int64_t end_ms, int64_t period_s,
                           std::string_view unit) {
  std::map<int64_t, Agg> by;
  int64_t p = period_s * 1000;
  if (p <= 0) return {};
  for (const auto& d : points) {
    if (d.ts_ms < start_ms || d.ts_ms >= end_ms) continue;
    if (!unit.empty() && d.unit != unit) continue;
    int64_t b = start_ms + (d.ts_ms - start_ms) / p * p;
    Agg& a = by[b];
    a.ts_ms = b;
    if (a.d.count == 0) a.unit = d.unit;
    a.d.merge(d);
  }
  std::vector<Agg> out;
  out.reserve(by.size());
  for (auto& [k, a] : by) out.push_back(std::move(a));
  return out;
}

namespace {

bool parse_number(std::string_view s, double& out) {
  if (s.empty() || s.size() > 30) return false;
  size_t dots = 0;
  for (char c : s) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  if (dots > 1 || s.front() == '.' || s.back() == '.') return false;
  out = std::strtod(std::string(s).c_str(), nullptr);
  return true;
}

struct Bound {
  bool present = false, percent = false;
  double v = 0;
};
struct Parsed {
  enum Kind { basic, percentile, tm, wm, tc, ts, pr, bad } kind = bad;
  Bound lo, hi;
  double p = 0;
};

bool parse_bound(std::string_view s, Bound& b) {
  if (s.empty()) return true;
  b.present = true;
  if (s.back() == '%') {
    b.percent = true;
    s.remove_suffix(1);
  }
  if (!parse_number(s, b.v)) return false;
  return !b.percent || b.v <= 100;
}

Parsed parse_stat(std::string_view s) {
  Parsed r;
  if (s == "SampleCount" || s == "Sum" || s == "Minimum" || s == "Maximum" || s == "Average") {
    r.kind = Parsed::basic;
    return r;
  }
  if (s == "IQM") {
    r.kind = Parsed::tm;
    r.lo = {true, true, 25};
    r.hi = {true, true, 75};
    return r;
  }
  if (s.size() >= 2 && s[0] == 'p' && s[1] != '(') {
    if (!parse_number(s.substr(1), r.p) || r.p > 100) return r;
    r.kind = Parsed::percentile;
    return r;
  }
  static constexpr std::pair<std::string_view, Parsed::Kind> kShort[] = {
      {"tm", Parsed::tm}, {"wm", Parsed::wm}, {"tc", Parsed::tc}, {"ts", Parsed::ts}};
  for (const auto& [pre, kind] : kShort) {
    if (s.size() > 2 && s.substr(0, 2) == pre) {
      double v = 0;
      if (!parse_number(s.substr(2), v) || v > 100) return r;
      r.kind = kind;
      r.hi = {true, true, v};
      return r;
    }
  }
  static constexpr std::pair<std::string_view, Parsed::Kind> kLong[] = {
      {"TM(", Parsed::tm}, {"WM(", Parsed::wm}, {"TC(", Parsed::tc}, {"TS(", Parsed::ts}, {"PR(", Parsed::pr}};
  for (const auto& [pre, kind] : kLong) {
    if (s.size() > 4 && s.substr(0, 3) == pre && s.back() == ')') {
      std::string_view in = s.substr(3, s.size() - 4);
      size_t colon = in.find(':');
      if (colon == std::string_view::npos) return r;
      if (!parse_bound(in.substr(0, colon), r.lo) || !parse_bound(in.substr(colon + 1), r.hi)) return r;
      if (!r.lo.present && !r.hi.present) return r;
      if (r.lo.present && r.hi.present && r.lo.percent == r.hi.percent && r.lo.v > r.hi.v) return r;
      r.kind = kind;
      return r;
    }
  }
  return r;
}

// The raw values of a datapoint: its values, or those a statistic set implies (one sample, or
// every sample equal).
std::vector<std::pair<double, double>> raw_values(const Datum& d) {
  if (!d.values.empty()) return d.values;
  if (d.count > 0 && (d.count == 1 || d.min == d.max)) return {{d.min, d.count}};
  return {};
}

// Value at rank fraction q (0..1), nearest rank.
double at_rank(const std::vector<std::pair<double, double>>& vs, double total, double q) {
  double rank = std::max(1.0, std::ceil(q * total - 1e-9));
  double cum = 0;
  for (const auto& [v, c] : vs) {
    cum += c;
    if (cum + 1e-9 >= rank) return v;
  }
  return vs.back().first;
}

}  // namespace

bool valid_statistic(std::string_view stat) {
  return parse_stat(stat).kind != Parsed::bad;
}
bool is_basic_statistic(std::string_view stat) {
  return parse_stat(stat).kind == Parsed::basic;
}
bool is_percentile_like(std::string_view stat) {
  auto k = parse_stat(stat).kind;
  return k != Parsed::basic && k != Parsed::bad;
}
double statistic_percentile(std::string_view stat) {
  Parsed p = parse_stat(stat);
  if (p.kind == Parsed::percentile) return p.p / 100;
  if (p.kind != Parsed::basic && p.kind != Parsed::bad && p.hi.present && p.hi.percent) return p.hi.v / 100;
  return 0;
}

std::optional<double> statistic(const Datum& d, std::string_view stat) {
  if (d.count <= 0) return std::nullopt;
  if (stat == "SampleCount") return d.count;
  if (stat == "Sum") return d.sum;
  if (stat == "Minimum") return d.min;
  if (stat == "Maximum") return d.max;
  if (stat == "Average") return d.sum / d.count;
  Parsed p = parse_stat(stat);
  if (p.kind == Parsed::bad || p.kind == Parsed::basic) return std::nullopt;
  auto vs = raw_values(d);
  if (vs.empty() || vs.front().first < 0) return std::nullopt;
  double total = 0;
  for (const auto& vc : vs) total += vc.second;
  if (p.kind == Parsed::percentile) return p.p == 0 ? vs.front().first : at_rank(vs, total, p.p / 100);
  // Selected weight of each value: rank-based for percent bounds, value-based for absolute ones
  // (lower bound exclusive, upper inclusive).
  double lo_rank = 0, hi_rank = total;
  bool lo_abs = p.lo.present && !p.lo.percent, hi_abs = p.hi.present && !p.hi.percent;
  if (p.lo.present && p.lo.percent) lo_rank = p.lo.v / 100 * total;
  if (p.hi.present && p.hi.percent) hi_rank = p.hi.v / 100 * total;
  double cum = 0, wsum = 0, wcount = 0;
  double lo_val = vs.front().first, hi_val = vs.back().first;
  if (p.lo.present) lo_val = p.lo.percent ? at_rank(vs, total, std::max(p.lo.v / 100, 1e-12)) : p.lo.v;
  if (p.hi.present) hi_val = p.hi.percent ? at_rank(vs, total, p.hi.v / 100) : p.hi.v;
  double wm_sum = 0;
  for (const auto& [v, c] : vs) {
    double a = cum, b = cum + c;
    cum = b;
    double w = std::max(0.0, std::min(b, hi_rank) - std::max(a, lo_rank));
    if (lo_abs && !(v > p.lo.v)) w = 0;
    if (hi_abs && !(v <= p.hi.v)) w = 0;
    wsum += w * v;
    wcount += w;
    wm_sum += std::clamp(v, lo_val, std::max(lo_val, hi_val)) * c;
  }
  switch (p.kind) {
    case Parsed::tm:
      if (wcount <= 0) return std::nullopt;
      return wsum / wcount;
    case Parsed::wm:
      return wm_sum / total;
    case Parsed::tc:
      return wcount;
    case Parsed::ts:
      return wsum;
    case Parsed::pr:
      return wcount / total * 100;
    default:
      return std::nullopt;
  }
}

}  // namespace stratus::cloudwatch
