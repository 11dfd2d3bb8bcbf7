// The embedded metric format (EMF): structured log lines that CloudWatch turns into metrics.
// Pure parsing (fuzzed by fuzz_cloudwatch).
//   {"_aws": {"Timestamp": 1700000000000, "CloudWatchMetrics": [{"Namespace": "App",
//    "Dimensions": [["Service"], []], "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}]}]},
//    "Service": "api", "Latency": [12, 30]}
// gives Latency{Service=api} and Latency{} with values 12 and 30. Rules kept from AWS's
// specification: at most 30 dimensions per set, 100 metrics per directive, 100 values per
// metric, dimension values must be strings, metric values numbers or arrays of numbers; a
// directive that breaks them is skipped (AWS drops the metrics, keeps the log line).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::cloudwatch {

struct EmfMetric {
  std::string ns, name, unit = "None";
  std::vector<std::pair<std::string, std::string>> dims;
  std::vector<double> values;
  int64_t ts_ms = 0;
  int storage_resolution = 60;
};

// False when the line is not an EMF document.
bool parse_emf(std::string_view line, std::vector<EmfMetric>& out);

}  // namespace stratus::cloudwatch
