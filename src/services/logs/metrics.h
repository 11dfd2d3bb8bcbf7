// Metric filters turning matching log events into CloudWatch metrics (PutMetricFilter's
// metricTransformations), published through CloudWatch's port (cloudwatch/api.h) as events are
// appended (LogStore::append), whichever way they come in (PutLogEvents, Lambda's and API
// Gateway's logs through logs::append).
//
// Per filter of the group and per matching event: one value at the event's timestamp — the
// transformation's metricValue when it is a number, else the field it names ("$.latency",
// "$bytes"; events where it is missing or not a number publish nothing) — with the dimensions'
// field values (an event missing one publishes nothing). A batch in which no event matches
// publishes the defaultValue, when the transformation has one, once at the ingestion time (AWS
// reports it for periods with ingested but unmatched events). Unit: the transformation's, "None"
// by default.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/doc.h"
#include "services/logs/api.h"
#include "storage/engine.h"

namespace stratus::cloudwatch {
class Api;
}

namespace stratus::logs {

struct MetricPoint {
  std::string ns, name, unit;
  std::vector<std::pair<std::string, std::string>> dimensions;
  double value = 0;
  int64_t time_ms = 0;
};

// The points one stored metric filter record (logs.metricfilters) makes of a batch of events.
std::vector<MetricPoint> metric_points(const Doc& filter, const std::vector<Event>& events, int64_t now_ms);

// Publishes the points of every metric filter of the group.
void publish_metric_filters(storage::Engine& db, cloudwatch::Api& metrics, const std::string& account,
                            const std::string& region, const std::string& group, const std::vector<Event>& events,
                            int64_t now_ms);

}  // namespace stratus::logs
