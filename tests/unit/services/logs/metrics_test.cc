// Metric filters' points (services/logs/metrics.h): fixed and field values, dimensions, the
// default value of a batch without matches.
#include "services/logs/metrics.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace stratus::logs {
namespace {

TEST(LogsMetricFilters, FixedValueAndDefault) {
  Doc f = json::parse(R"({"filterPattern":"ERROR","metricTransformations":[{"metricName":"Errors",
    "metricNamespace":"App","metricValue":"1","defaultValue":0}]})");
  auto pts = metric_points(f, {{10, "ERROR a"}, {11, "ok"}, {12, "ERROR b"}}, 99);
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].ns, "App");
  EXPECT_EQ(pts[0].name, "Errors");
  EXPECT_EQ(pts[0].unit, "None");
  EXPECT_EQ(pts[0].value, 1);
  EXPECT_EQ(pts[1].time_ms, 12);
  auto none = metric_points(f, {{10, "ok"}}, 99);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].value, 0);
  EXPECT_EQ(none[0].time_ms, 99);
  EXPECT_TRUE(metric_points(f, {}, 99).empty());
}

TEST(LogsMetricFilters, FieldValueAndDimensions) {
  Doc f = json::parse(R"({"filterPattern":"{ $.ms = * }","metricTransformations":[{"metricName":"Latency",
    "metricNamespace":"App","metricValue":"$.ms","unit":"Milliseconds","dimensions":{"Route":"$.route"}}]})");
  auto pts =
      metric_points(f, {{1, R"({"ms":120,"route":"/a"})"}, {2, R"({"ms":5})"}, {3, R"({"ms":"x","route":"/b"})"}}, 9);
  ASSERT_EQ(pts.size(), 1u);  // missing dimension; value not a number
  EXPECT_EQ(pts[0].value, 120);
  EXPECT_EQ(pts[0].unit, "Milliseconds");
  ASSERT_EQ(pts[0].dimensions.size(), 1u);
  EXPECT_EQ(pts[0].dimensions[0], (std::pair<std::string, std::string>{"Route", "/a"}));
  Doc sp = json::parse(R"({"filterPattern":"[ip, user, bytes]","metricTransformations":[{"metricName":"Bytes",
    "metricNamespace":"Web","metricValue":"$bytes"}]})");
  auto b = metric_points(sp, {{1, "1.2.3.4 ann 512"}}, 9);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].value, 512);
}

}  // namespace
}  // namespace stratus::logs
