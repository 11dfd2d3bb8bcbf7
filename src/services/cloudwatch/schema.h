// CloudWatch's keyspaces, declared once (storage/keys.h). Layouts are on disk: never changed, a
// new layout gets a new keyspace. JSON records without a version member are v1.
#pragma once

#include "storage/keys.h"

namespace stratus::cloudwatch::schema {

// One entry per metric (ListMetrics): its identity and when it last received data.
inline constexpr storage::Keyspace kMetrics{"cloudwatch.metrics", "scope(account, region) str(series key)",
                                            "{Last: ms}, JSON v1"};
// Datapoints: one per PutMetricData datum (or per flushed minute of a service metric), merged
// into coarser ones by the retention sweep (metrics.h Datum encoding).
inline constexpr storage::Keyspace kData{"cloudwatch.data",
                                         "scope(account, region) str(series key) u64(timestamp ms) u64(seq)",
                                         "Datum binary v1 (metrics.cc encode)"};
// Metric and composite alarms, with their state.
inline constexpr storage::Keyspace kAlarms{"cloudwatch.alarms", "scope(account, region) str(alarm name)",
                                           "alarm JSON v1 (DescribeAlarms' member names + Kind, Tags)"};
// Alarm history (two weeks).
inline constexpr storage::Keyspace kHistory{
    "cloudwatch.history", "scope(account, region) str(alarm name) u64(ms) u64(seq)", "AlarmHistoryItem JSON v1"};
inline constexpr storage::Keyspace kDashboards{"cloudwatch.dashboards", "scope(account, region) str(name)",
                                               "{DashboardBody, LastModified, Size}, JSON v1"};
inline constexpr storage::Keyspace kDetectors{"cloudwatch.detectors", "scope(account, region) str(detector key)",
                                              "AnomalyDetector JSON v1"};
// Tags of metric streams, dashboards... that are not stored inside an alarm record.
inline constexpr storage::Keyspace kTags{"cloudwatch.tags", "str(resource arn)", "[{Key, Value}] JSON v1"};

inline constexpr storage::Keyspace kKeyspaces[] = {kMetrics, kData, kAlarms, kHistory, kDashboards, kDetectors, kTags};

}  // namespace stratus::cloudwatch::schema
