// CloudWatch's pure logic: statistics over datapoints, metric math, alarm evaluation (AWS's
// documented missing-data truth tables), the composite rule language and EMF parsing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "services/cloudwatch/alarm.h"
#include "services/cloudwatch/emf.h"
#include "services/cloudwatch/math.h"
#include "services/cloudwatch/metrics.h"
#include "services/cloudwatch/store.h"
#include "storage/engine.h"

namespace stratus::cloudwatch {
namespace {

TEST(CloudWatchStats, BasicPercentilesAndTrimmed) {
  Datum d;
  for (int i = 1; i <= 100; ++i) d.add(i);
  EXPECT_EQ(*statistic(d, "SampleCount"), 100);
  EXPECT_EQ(*statistic(d, "Sum"), 5050);
  EXPECT_EQ(*statistic(d, "Average"), 50.5);
  EXPECT_EQ(*statistic(d, "p50"), 50);
  EXPECT_EQ(*statistic(d, "p99"), 99);
  EXPECT_EQ(*statistic(d, "p100"), 100);
  EXPECT_DOUBLE_EQ(*statistic(d, "tm90"), 45.5);         // mean of 1..90
  EXPECT_DOUBLE_EQ(*statistic(d, "TM(10%:90%)"), 50.5);  // mean of 11..90
  EXPECT_DOUBLE_EQ(*statistic(d, "IQM"), 50.5);          // mean of 26..75
  EXPECT_EQ(*statistic(d, "TC(80:500)"), 20);            // 80 < v <= 500
  EXPECT_EQ(*statistic(d, "TS(:3)"), 6);
  EXPECT_EQ(*statistic(d, "PR(:25)"), 25);
  EXPECT_DOUBLE_EQ(*statistic(d, "WM(10%:90%)"), (10 * 10 + (11 + 90) * 40.0 + 90 * 10) / 100);
  EXPECT_FALSE(valid_statistic("p101"));
  EXPECT_FALSE(valid_statistic("TM(90%:10%)"));
  EXPECT_FALSE(valid_statistic("Median"));
  Datum neg;
  neg.add(-1);
  EXPECT_FALSE(statistic(neg, "p50"));  // percentiles need non-negative values
  Datum set;                            // a statistic set with distinct values has no percentiles
  set.count = 2, set.sum = 3, set.min = 1, set.max = 2;
  EXPECT_FALSE(statistic(set, "p50"));
  EXPECT_EQ(*statistic(set, "Maximum"), 2);
}

TEST(CloudWatchStats, EncodeMergeAggregate) {
  Datum a;
  a.ts_ms = 60'000;
  a.unit = "Count";
  a.add(3, 2);
  Datum b;
  ASSERT_TRUE(decode(encode(a), b));
  EXPECT_EQ(b.values, a.values);
  EXPECT_EQ(b.unit, "Count");
  Datum c;
  c.ts_ms = 125'000;
  c.unit = "Count";
  c.add(7);
  auto aggs = aggregate({a, c}, 0, 300'000, 120, "Count");
  ASSERT_EQ(aggs.size(), 2u);
  EXPECT_EQ(aggs[0].d.sum, 6);
  EXPECT_EQ(aggs[1].ts_ms, 120'000);
  EXPECT_TRUE(aggregate({a}, 0, 300'000, 60, "Seconds").empty());
  MetricId m{"NS", "M", {{"B", "2"}, {"A", "1"}}};
  sort_dims(m.dims);
  MetricId back = parse_series_key(series_key(m));
  EXPECT_EQ(back.dims, m.dims);
  EXPECT_EQ(back.dims[0].name, "A");
}

math::Value eval(const std::string& expr) {
  math::Env env;
  env.grid = {0, 60'000, 120'000, 180'000};
  double nan = std::numeric_limits<double>::quiet_NaN();
  math::Value m1, m2;
  m1.kind = m2.kind = math::Value::series;
  m1.list.push_back({"m1", "m1", {1, 1, 0, 0}});
  m2.list.push_back({"m2", "m2", {30, nan, 0, 0}});
  env.values["m1"] = m1;
  env.values["m2"] = m2;
  env.metric_ids = {"m1", "m2"};
  return math::evaluate(*math::parse(expr), env);
}

std::vector<double> series(const std::string& expr) {
  auto v = eval(expr);
  EXPECT_EQ(v.kind, math::Value::series) << expr;
  return v.list.at(0).v;
}

TEST(CloudWatchMath, ArithmeticAndFunctions) {
  EXPECT_EQ(series("m1 + m2 * 2")[0], 61);
  EXPECT_EQ(series("m1 + m2")[1], 1);             // a missing point counts as 0 beside a present one
  EXPECT_TRUE(std::isnan(series("m2 / m1")[2]));  // division by zero drops the point
  EXPECT_EQ(series("-m2 ^ 2")[0], -900);
  EXPECT_EQ(series("m1 == 1 AND m2 > 10")[0], 1);
  EXPECT_EQ(eval("SUM(m2)").s, 30);
  EXPECT_EQ(series("SUM(METRICS())")[0], 31);
  EXPECT_EQ(series("SUM(METRICS('2'))")[0], 30);
  EXPECT_EQ(eval("METRIC_COUNT(METRICS())").s, 2);
  EXPECT_EQ(series("FILL(m2, 5)")[1], 5);
  EXPECT_EQ(series("FILL(m2, REPEAT)")[1], 30);
  EXPECT_EQ(series("DIFF(m1)")[2], -1);
  EXPECT_EQ(series("RUNNING_SUM(m1)")[3], 2);
  EXPECT_EQ(series("TIME_SERIES(4)")[3], 4);
  EXPECT_EQ(eval("SORT(METRICS(), MAX, DESC)").list[0].id, "m2");
  EXPECT_EQ(eval("SLICE(METRICS(), 1)").list.size(), 1u);
  EXPECT_THROW(math::parse("m1 +"), math::MathError);
  EXPECT_THROW(math::parse(std::string(3000, 'a')), math::MathError);
  EXPECT_THROW(math::parse(std::string(1000, '(') + "m1"), math::MathError);
  EXPECT_THROW(eval("NOPE(m1)"), math::MathError);
  EXPECT_THROW(eval("zz"), math::MathError);
}

TEST(CloudWatchMath, IfAsDocumented) {
  // AWS's example: m1 [1,1,0,0,-], m2 [30,-,0,0,30], m3 [0,0,20,-,20] -> [30,0,20,-,-].
  math::Env env;
  env.grid = {0, 1, 2, 3, 4};
  double nan = std::numeric_limits<double>::quiet_NaN();
  auto ts = [](std::vector<double> v) {
    math::Value x;
    x.kind = math::Value::series;
    x.list.push_back({"", "", std::move(v)});
    return x;
  };
  env.values["m1"] = ts({1, 1, 0, 0, nan});
  env.values["m2"] = ts({30, nan, 0, 0, 30});
  env.values["m3"] = ts({0, 0, 20, nan, 20});
  auto v = math::evaluate(*math::parse("IF(m1, m2, m3)"), env).list[0].v;
  EXPECT_EQ(v[0], 30);
  EXPECT_EQ(v[1], 0);
  EXPECT_EQ(v[2], 20);
  EXPECT_TRUE(std::isnan(v[3]));
  EXPECT_TRUE(std::isnan(v[4]));
  v = math::evaluate(*math::parse("IF(m1, m2, 5)"), env).list[0].v;
  EXPECT_EQ(v[2], 5);
  EXPECT_EQ(v[3], 5);
}

// "0 - X - X" style rows of AWS's tables, oldest first.
std::vector<Point> row(const std::string& s) {
  std::vector<Point> out;
  int64_t t = 0;
  for (char c : s) {
    if (c == ' ') continue;
    Point p;
    p.ts_ms = t += 60'000;
    if (c == '0') p.value = 0;
    if (c == 'X') p.value = 10;
    out.push_back(p);
  }
  return out;
}

std::string verdict(const std::string& data, int m, const std::string& treat) {
  Rule r;
  r.evaluation_periods = 3;
  r.datapoints_to_alarm = m;
  r.comparison = "GreaterThanThreshold";
  r.threshold = 5;
  r.treat_missing = treat;
  std::string s = evaluate_alarm(r, row(data)).state;
  return s.empty() ? "keep" : s;
}

TEST(CloudWatchAlarm, MissingDataTruthTables) {
  struct Case {
    std::string data;
    int m;
    std::string missing, ignore, breaching, not_breaching;
  };
  const Case cases[] = {
      {"0 - X - X", 3, "OK", "OK", "OK", "OK"},
      {"0 - - - -", 3, "OK", "OK", "OK", "OK"},
      {"- - - - -", 3, "INSUFFICIENT_DATA", "keep", "ALARM", "OK"},
      {"0 X X - X", 3, "ALARM", "ALARM", "ALARM", "ALARM"},
      {"- - X - -", 3, "ALARM", "keep", "ALARM", "OK"},
      {"0 - X - X", 2, "ALARM", "ALARM", "ALARM", "ALARM"},
      {"0 0 X 0 X", 2, "ALARM", "ALARM", "ALARM", "ALARM"},
      {"0 - X - -", 2, "OK", "OK", "ALARM", "OK"},
      {"- - - - 0", 2, "OK", "OK", "ALARM", "OK"},
      {"- - - X -", 2, "ALARM", "keep", "ALARM", "OK"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(verdict(c.data, c.m, "missing"), c.missing) << c.data << " M=" << c.m;
    EXPECT_EQ(verdict(c.data, c.m, "ignore"), c.ignore) << c.data << " M=" << c.m;
    EXPECT_EQ(verdict(c.data, c.m, "breaching"), c.breaching) << c.data << " M=" << c.m;
    EXPECT_EQ(verdict(c.data, c.m, "notBreaching"), c.not_breaching) << c.data << " M=" << c.m;
  }
  // The premature-alarm guard: a single fresh breaching point does not alarm with M = 3.
  EXPECT_EQ(verdict("- - - - X", 3, "missing"), "OK");
  EXPECT_EQ(verdict("- - - X -", 3, "missing"), "OK");
}

TEST(CloudWatchAlarm, EvaluationWindowHoldsClosedPeriodsOnly) {
  // 12:00:45 with Period 60 and N = 3: five whole minutes ending at 12:00:00, the open minute out.
  const int64_t noon = 1'700'000'000'000LL / 3'600'000 * 3'600'000;
  Window w = evaluation_window(noon + 45'000, 60'000, 3);
  EXPECT_EQ(w.end_ms, noon);
  EXPECT_EQ(w.start_ms, noon - 5 * 60'000);
  // At the boundary the minute that just ended is in.
  EXPECT_EQ(evaluation_window(noon + 60'000, 60'000, 3).end_ms, noon + 60'000);
  // High resolution: Period 10.
  w = evaluation_window(noon + 19'999, 10'000, 1);
  EXPECT_EQ(w.end_ms, noon + 10'000);
  EXPECT_EQ(w.start_ms, noon - 20'000);
  // A point in the open period is not evaluated; one in the last closed period is.
  Rule r;
  r.comparison = "GreaterThanThreshold";
  r.threshold = 1;
  auto decide = [&](int64_t point_ts, int64_t now) {
    Window x = evaluation_window(now, 60'000, 1);
    std::vector<Point> range(static_cast<size_t>(range_size(1)));
    for (size_t i = 0; i < range.size(); ++i) range[i].ts_ms = x.start_ms + static_cast<int64_t>(i) * 60'000;
    if (point_ts >= x.start_ms && point_ts < x.end_ms)
      range[static_cast<size_t>((point_ts - x.start_ms) / 60'000)].value = 5;
    return evaluate_alarm(r, range).state;
  };
  EXPECT_EQ(decide(noon + 10'000, noon + 20'000), "INSUFFICIENT_DATA");
  EXPECT_EQ(decide(noon + 10'000, noon + 60'000), "ALARM");
}

TEST(CloudWatchAlarm, ActionsSuppression) {
  SuppressionInput in;
  in.state = "ALARM";
  in.since_ms = 1000;
  in.wait_ms = 5000;
  in.ext_ms = 3000;
  in.sup_state = "OK";
  in.sup_prev = "INSUFFICIENT_DATA";
  in.sup_changed_ms = 0;
  // Waiting for the suppressor to go into ALARM, then acting.
  EXPECT_EQ(suppressed_by(in, 2000), "WaitPeriod");
  EXPECT_EQ(suppressed_by(in, 6000), "");
  // The wait period concerns transitions to ALARM only.
  SuppressionInput ok = in;
  ok.state = "OK";
  EXPECT_EQ(suppressed_by(ok, 2000), "");
  // The suppressor in ALARM holds every action.
  in.sup_state = "ALARM";
  EXPECT_EQ(suppressed_by(in, 2000), "Alarm");
  EXPECT_EQ(suppressed_by(in, 60000), "Alarm");
  ok.sup_state = "ALARM";
  EXPECT_EQ(suppressed_by(ok, 2000), "Alarm");
  // It leaves ALARM at 10 s: the extension period, then the actions.
  in.sup_state = "OK";
  in.sup_prev = "ALARM";
  in.sup_changed_ms = 10000;
  in.seen_alarm = true;
  EXPECT_EQ(suppressed_by(in, 12000), "ExtensionPeriod");
  EXPECT_EQ(suppressed_by(in, 13000), "");
}

TEST(CloudWatchAlarm, BandComparisons) {
  Rule r;
  r.comparison = "LessThanLowerOrGreaterThanUpperThreshold";
  Point p;
  p.value = 5;
  p.lower = 1;
  p.upper = 4;
  EXPECT_TRUE(breaches(r, p));
  r.comparison = "LessThanLowerThreshold";
  EXPECT_FALSE(breaches(r, p));
}

TEST(CloudWatchAlarm, CompositeRules) {
  auto rule =
      parse_rule("(ALARM(cpu) OR ALARM(\"disk full\")) AND NOT OK(arn:aws:cloudwatch:us-east-1:1:alarm:deploy)");
  std::vector<std::string> names;
  rule_alarms(*rule, names);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[1], "disk full");
  auto states = [](std::map<std::string, std::string> m) {
    return [m](const std::string& n) { return m.count(n) ? m.at(n) : std::string("INSUFFICIENT_DATA"); };
  };
  EXPECT_TRUE(eval_rule(*rule, states({{"cpu", "ALARM"}})));
  EXPECT_FALSE(eval_rule(*rule, states({{"cpu", "ALARM"}, {"arn:aws:cloudwatch:us-east-1:1:alarm:deploy", "OK"}})));
  EXPECT_TRUE(eval_rule(*parse_rule("TRUE"), states({})));
  EXPECT_THROW(parse_rule("ALARM(a) AND"), RuleError);
  EXPECT_THROW(parse_rule("ALARM()"), RuleError);
  EXPECT_THROW(parse_rule("MAYBE(a)"), RuleError);
  EXPECT_THROW(parse_rule(std::string(20000, '(')), RuleError);
}

TEST(CloudWatchEmf, DimensionSetsAndValues) {
  std::vector<EmfMetric> out;
  ASSERT_TRUE(parse_emf(R"({"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"App",
      "Dimensions":[["Service"],[]],"Metrics":[{"Name":"Latency","Unit":"Milliseconds"}]}]},
      "Service":"api","Latency":[12,30]})",
                        out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].dims.size(), 1u);
  EXPECT_EQ(out[0].values, (std::vector<double>{12, 30}));
  EXPECT_EQ(out[1].dims.size(), 0u);
  EXPECT_EQ(out[0].unit, "Milliseconds");
  out.clear();
  EXPECT_FALSE(parse_emf("START RequestId: x", out));
  EXPECT_FALSE(parse_emf(R"({"_aws": 1})", out));
  // a dimension whose value is not a string skips the directive
  EXPECT_TRUE(parse_emf(R"({"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"A","Dimensions":[["D"]],
      "Metrics":[{"Name":"M"}]}]},"D":5,"M":1})",
                        out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace stratus::cloudwatch

namespace stratus::cloudwatch {
namespace {

TEST(CloudWatchStore, RetentionRollsUpAndDrops) {
  auto db = storage::open_memory();
  Store store(*db);
  const int64_t day = 86400'000;
  const int64_t now = 1000 * day;
  MetricId m{"NS", "M", {}};
  std::string key = series_key(m);
  auto point = [&](int64_t ts, double v, int res = 60) {
    Datum d;
    d.ts_ms = ts;
    d.storage_resolution = res;
    d.add(v);
    return Store::Write{key, d};
  };
  int64_t old_hr = now - 4 * 3600'000LL;  // high resolution older than 3 hours: into its minute
  int64_t fresh = now - 60'000;
  ASSERT_TRUE(
      store.put_data("1", "r",
                     {point(old_hr + 1000, 1, 1), point(old_hr + 2000, 2, 1), point(fresh, 5, 1),
                      point(now - 20 * day + 60'000, 3), point(now - 20 * day + 120'000, 4), point(now - 500 * day, 9)},
                     now));
  store.retain(now);
  auto all = store.read("1", "r", key, 0, now + 1);
  ASSERT_EQ(all.size(), 3u);  // merged minute, merged 5 minutes, the fresh point; 500 days old dropped
  EXPECT_EQ(all[0].ts_ms, (now - 20 * day) / 300'000 * 300'000);
  EXPECT_EQ(all[0].sum, 7);
  EXPECT_EQ(all[1].ts_ms, old_hr / 60'000 * 60'000);
  EXPECT_EQ(all[1].count, 2);
  EXPECT_EQ(*statistic(all[1], "p50"), 1);  // raw values survive the roll-up
  EXPECT_EQ(all[2].sum, 5);
  store.retain(now);  // idempotent
  EXPECT_EQ(store.read("1", "r", key, 0, now + 1).size(), 3u);
}

}  // namespace
}  // namespace stratus::cloudwatch
