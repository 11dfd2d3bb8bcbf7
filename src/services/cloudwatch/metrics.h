// The pure side of CloudWatch metrics: a stored datapoint (`Datum`: a statistic set plus the raw
// values with their counts, so percentiles and trimmed statistics work), the canonical series key
// of a metric (namespace, name, sorted dimensions), aggregation of datapoints into periods and the
// statistics AWS defines (SampleCount, Sum, Minimum, Maximum, Average, pNN, tmNN, TM(a%:b%),
// wmNN, tcNN, tsNN, IQM, PR(a:b)). No storage, no clock: unit tests drive it directly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::cloudwatch {

struct Datum {
  int64_t ts_ms = 0;
  std::string unit = "None";
  double count = 0, sum = 0, min = 0, max = 0;
  // Raw values and their counts (Value, Values/Counts); empty for statistic sets. Merged data
  // keeps at most kMaxValues distinct values (then percentiles are estimates).
  std::vector<std::pair<double, double>> values;
  int storage_resolution = 60;

  void add(double v, double c = 1);
  void merge(const Datum& o);
};
inline constexpr size_t kMaxValues = 5000;

std::string encode(const Datum& d);
bool decode(std::string_view bytes, Datum& out);

struct Dim {
  std::string name, value;
  bool operator==(const Dim&) const = default;
};
struct MetricId {
  std::string ns, name;
  std::vector<Dim> dims;  // sorted by name
};
// "ns \x1f name (\x1f dimname \x1e dimvalue)*" with dimensions sorted by name: the key of a
// metric in storage. Names hold no control characters (validated), so the key is unambiguous.
std::string series_key(const MetricId& m);
MetricId parse_series_key(std::string_view key);
void sort_dims(std::vector<Dim>& dims);

// Aggregate of the datapoints in one period.
struct Agg {
  int64_t ts_ms = 0;
  std::string unit;
  Datum d;
};
// Groups datapoints into periods of `period_s` starting at `start_ms` (aligned by the caller),
// keeping only those with `unit` when it is not empty. Result sorted by time.
std::vector<Agg> aggregate(const std::vector<Datum>& points, int64_t start_ms, int64_t end_ms, int64_t period_s,
                           std::string_view unit);

// A statistic name as AWS spells it: "Sum", "Average", "p99", "tm90", "TM(10%:90%)", "IQM" ...
// valid() checks the spelling; value() computes it (nullopt: not available, e.g. a percentile
// over negative values or a statistic set without raw values).
bool valid_statistic(std::string_view stat);
bool is_basic_statistic(std::string_view stat);
bool is_percentile_like(std::string_view stat);
std::optional<double> statistic(const Datum& d, std::string_view stat);
// The percentile p (0..1) a percentile-like statistic names (alarms' low-sample-count rule); 0 if none.
double statistic_percentile(std::string_view stat);

}  // namespace stratus::cloudwatch
