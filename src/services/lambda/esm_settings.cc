#include "services/lambda/esm_settings.h"

#include "core/arn.h"
#include "core/record.h"

namespace stratus::lambda::esm {

Kind kind_of(const std::string& source_arn) {
  auto a = Arn::parse(source_arn);
  return a && a->service == "dynamodb" ? Kind::dynamodb : Kind::sqs;
}

namespace {
// The members of a mapping record read as they are; those with a default other than empty / 0 /
// false, or nested, are read beside the table in settings_of.
const json::Record<Settings> kSettingsRecord{
    {"UUID", &Settings::uuid},
    {"_account", &Settings::account},
    {"_region", &Settings::region},
    {"FunctionArn", &Settings::function_arn},
    {"EventSourceArn", &Settings::source_arn},
    {"MaximumBatchingWindowInSeconds", &Settings::window_s},
    {"BisectBatchOnFunctionError", &Settings::bisect}};
}  // namespace

Settings settings_of(const Doc& rec) {
  Settings s;
  kSettingsRecord.from_doc(rec, s);
  s.kind = kind_of(s.source_arn);
  s.batch_size = rec.integer("BatchSize", s.kind == Kind::sqs ? 10 : 100);
  if (const Doc* sc = rec.get("ScalingConfig")) s.max_concurrency = sc->integer("MaximumConcurrency", 0);
  s.max_retries = rec.integer("MaximumRetryAttempts", -1);
  s.max_age_s = rec.integer("MaximumRecordAgeInSeconds", -1);
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
