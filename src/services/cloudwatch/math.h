// Metric math (GetMetricData and alarm Expressions): the parser for AWS's expression language
// and an evaluator over series on one time grid. Pure: the caller supplies the metrics' series
// (by query Id) and a SEARCH callback; unit tests and the fuzzer (fuzz_cloudwatch) drive it.
//
// Supported: numbers, query Ids, + - * / ^ and unary -, comparisons (== != < <= > >=), AND/&&,
// OR/||, parentheses, and the functions ABS CEIL FLOOR LOG LOG10 SQRT, AVG SUM MIN MAX STDDEV
// DATAPOINT_COUNT (TS -> scalar, TS[] -> TS), DIFF DIFF_TIME RATE RUNNING_SUM, FILL (value,
// REPEAT, LINEAR), FIRST LAST, IF, METRICS([filter]), METRIC_COUNT, PERIOD, REMOVE_EMPTY, SLICE,
// SORT, TIME_SERIES, EPOCH MINUTE HOUR DAY MONTH YEAR, SEARCH and ANOMALY_DETECTION_BAND.
// Bounds: 2048 characters, 64 nesting levels, 2000 nodes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::cloudwatch::math {

struct MathError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Node {
  enum Kind { number, string, ref, call, binary, negate } kind = number;
  double num = 0;
  std::string text;  // string value, Id, function name (upper case) or operator
  std::vector<std::unique_ptr<Node>> args;
};

// Throws MathError with AWS-like wording on a syntax error.
std::unique_ptr<Node> parse(std::string_view expr);
// The Ids an expression refers to (for dependency order and METRICS()).
void references(const Node& n, std::vector<std::string>& out);

// A series on the grid: one value per grid timestamp, NaN where missing.
struct Series {
  std::string id, label;
  std::vector<double> v;
};
struct Value {
  enum Kind { scalar, series, array } kind = scalar;
  double s = 0;
  std::vector<Series> list;  // one element for `series`
};

struct Env {
  std::vector<int64_t> grid;  // timestamps (ms), ascending
  int64_t period_s = 60;
  std::map<std::string, Value> values;  // evaluated queries by Id
  std::vector<std::string> metric_ids;  // MetricStat query Ids in request order (METRICS())
  // SEARCH('query', 'Stat', period) -> one series per matching metric.
  std::function<std::vector<Series>(const std::string& query, const std::string& stat, int64_t period_s)> search;
};

Value evaluate(const Node& n, const Env& env);

}  // namespace stratus::cloudwatch::math
