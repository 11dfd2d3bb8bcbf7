// CloudWatch metrics as other services publish them: AWS/Lambda Invocations, AWS/SQS
// NumberOfMessagesSent, Logs metric filters and embedded metric format lines all go through this
// port, without HTTP. CloudWatch publishes it in Service::attach(); producers resolve it once in
// their start():
//
//   cloudwatch::Api* cw = ctx.port<cloudwatch::Api>();  // nullptr when CloudWatch is not running
//   if (cw) {
//     const cloudwatch::Dimension dims[] = {{"FunctionName", name}};
//     cw->put(account, region, "AWS/Lambda", "Invocations", dims, 1.0, "Count");
//   }
//
// Contract
// - `put` adds one value (or, with `count`, the same value `count` times) to the metric named by
//   namespace, name and dimensions (at most 30; their order does not matter) in the given unit
//   (a StandardUnit name, "" = "None"), at `time_ms` (0 = now). Values are aggregated in memory
//   per metric, unit and minute (SampleCount, Sum, Minimum, Maximum), and flushed into storage
//   every few seconds (STRATUS_CLOUDWATCH_FLUSH_MS, default 5000) as PutMetricData would store a
//   statistic set; Get* then see them like any other datapoint. So the call is cheap: a hash
//   lookup and a counter bump under a short lock, no allocation once the metric is known in the
//   current minute, no I/O, never blocks on storage. Values published in the last flush interval
//   are lost by a kill -9 (AWS's own service metrics arrive late too).
// - `put_values` is the same for a list of values with counts (EMF arrays, metric filters with
//   dimensions), kept as individual values so percentiles work.
// - `put_log_line` reads one log line in the embedded metric format (EMF: a JSON object with
//   "_aws": {"Timestamp", "CloudWatchMetrics": [{"Namespace", "Dimensions": [[...]], "Metrics":
//   [{"Name", "Unit", "StorageResolution"}]}]} and the values as root members) and publishes its
//   metrics as `put_values` would, one metric per dimension set; false when the line is not EMF
//   (or is invalid EMF: AWS drops those too). Lambda calls it for each function log line.
// - Invalid input (NaN, empty namespace or name, more than 30 dimensions) is dropped silently:
//   producers are AWS services, not callers; nothing is returned.
// - Thread safe; callable from any thread (hot request paths included) once services started.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace stratus::cloudwatch {

struct Dimension {
  std::string_view name;
  std::string_view value;
};

class Api {
 public:
  virtual ~Api() = default;
  virtual void put(std::string_view account, std::string_view region, std::string_view ns, std::string_view name,
                   std::span<const Dimension> dimensions, double value, std::string_view unit = "None",
                   int64_t time_ms = 0, double count = 1) = 0;
  virtual void put_values(std::string_view account, std::string_view region, std::string_view ns, std::string_view name,
                          std::span<const Dimension> dimensions, std::span<const double> values,
                          std::span<const double> counts, std::string_view unit = "None", int64_t time_ms = 0) = 0;
  virtual bool put_log_line(std::string_view account, std::string_view region, std::string_view line) = 0;
};

}  // namespace stratus::cloudwatch
