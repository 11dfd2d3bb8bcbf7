#include "services/lambda/esm_settings.h"

#include "core/arn.h"

namespace stratus::lambda::esm {

Kind kind_of(const std::string& source_arn) {
  auto a = Arn::parse(source_arn);
  return a && a->service == "dynamodb" ? Kind::dynamodb : Kind::sqs;
}

Settings settings_of(const Doc& rec) {
  Settings s;
  s.uuid = rec.str("UUID");
  s.account = rec.str("_account");
  s.region = rec.str("_region");
  s.function_arn = rec.str("FunctionArn");
  s.source_arn = rec.str("EventSourceArn");
  s.kind = kind_of(s.source_arn);
  s.batch_size = rec.integer("BatchSize", s.kind == Kind::sqs ? 10 : 100);
  s.window_s = rec.integer("MaximumBatchingWindowInSeconds", 0);
  if (const Doc* sc = rec.get("ScalingConfig")) s.max_concurrency = sc->integer("MaximumConcurrency", 0);
  s.max_retries = rec.integer("MaximumRetryAttempts", -1);
  s.max_age_s = rec.integer("MaximumRecordAgeInSeconds", -1);
  s.bisect = rec.flag("BisectBatchOnFunctionError");
  if (const Doc* t = rec.get("FunctionResponseTypes"); t && t->is_list())
    for (const auto& x : t->as_list())
      if (x.is_string() && x.as_string() == "ReportBatchItemFailures") s.report_failures = true;
  s.enabled = rec.str("State") != "Disabled";
  if (const Doc* d = rec.get("DestinationConfig"); d && d->get("OnFailure"))
    s.on_failure = d->get("OnFailure")->str("Destination");
  if (const Doc* f = rec.get("FilterCriteria"); f && f->get("Filters")) {
    for (const auto& x : f->get("Filters")->as_list()) {
      std::string err;
      if (auto p = events::pattern::Pattern::parse(x.str("Pattern"), &err)) s.filters.push_back(std::move(*p));
    }
  }
  return s;
}

bool passes(const Settings& s, const Doc& record) {
  if (s.filters.empty()) return true;
  for (const auto& f : s.filters)
    if (f.match(record)) return true;
  return false;
}

}  // namespace stratus::lambda::esm
