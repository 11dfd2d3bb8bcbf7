// An event source mapping's settings, parsed from its stored record ("lambda.esm", esm.h), and
// its filters. Read on the mappings' executor thread; plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/doc.h"
#include "events/pattern/pattern.h"

namespace stratus::lambda::esm {

enum class Kind { sqs, dynamodb };

struct Settings {
  Kind kind = Kind::sqs;
  std::string uuid, account, region, function_arn, source_arn;
  int64_t batch_size = 10, window_s = 0, max_concurrency = 0, max_retries = -1, max_age_s = -1;
  bool bisect = false, report_failures = false, enabled = true;
  std::string on_failure;
  std::vector<events::pattern::Pattern> filters;
};

// The kind of source an EventSourceArn names: DynamoDB stream ARNs are dynamodb, anything else sqs.
Kind kind_of(const std::string& source_arn);
// The settings of a stored mapping record (defaults as Lambda applies them; unparseable filter
// patterns are skipped, as the API refused them when they were set).
Settings settings_of(const Doc& rec);
// Whether a record passes the mapping's FilterCriteria (any filter matching; none: all pass).
bool passes(const Settings& s, const Doc& record);

}  // namespace stratus::lambda::esm
