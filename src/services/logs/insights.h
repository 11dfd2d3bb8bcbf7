// CloudWatch Logs Insights queries (StartQuery's queryString), a subset of the language: pure
// parser and executor, no storage (ops/queries.cc feeds it events).
//
//   auto q = insights::Query::parse("filter level = 'error' | stats count(*) as n by service", &err);
//   insights::Run run(*q, 10000);
//   for (each event) run.add(event);         // filter/parse/fields per event, matches kept
//   std::vector<insights::Row> rows = run.finish();   // stats, sort, limit, projection
//
// Supported: commands separated by `|`, `#` comments;
//   fields f, g [as alias]      display f, g        limit n        sort f [asc|desc][, g ...]
//   filter expr  — = != < <= > >=, and/or/not, ( ), in [..], not in [..], like "substring",
//                  like /regex/, =~ /regex/, not like, ispresent(f), isempty(f), isblank(f),
//                  strcontains(f, "s"); numbers compare as numbers when both sides are numeric
//   stats agg[, agg] [by f|bin(5m), ...] — count(), count(*), count(f), count_distinct(f), sum,
//                  avg, min, max (output named as written, or `as alias`)
//   parse f "glob with * captures" as a, b, c      parse f /regex with (?<name>...) groups/
//   dedup f, g  — the first row of each combination (rows missing a field kept); only limit may
//                  follow
// Fields: @timestamp, @message, @logStream, @log, @ingestionTime, and the members of JSON events
// (nested as a.b, arrays as a.0). Without fields/display/stats a row holds @timestamp, @message,
// @logStream and @log; rows are newest first unless sorted; every non-stats row carries @ptr.
// Filter regexes are the filter-pattern engine's (filter.h LogRegex: no ( ) grouping; (?i) prefix);
// parse regexes are core/regex.h's (groups, bounded backtracking).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::logs::insights {

using Row = std::vector<std::pair<std::string, std::string>>;

struct Event {
  int64_t timestamp = 0, ingestion = 0;
  std::string_view message, stream, group_label, ptr;  // group_label: "account:group"
};

struct Plan;

class Query {
 public:
  // nullopt and *error (MalformedQueryException's message) when the query is not understood.
  static std::optional<Query> parse(std::string_view text, std::string* error);
  std::shared_ptr<const Plan> plan;
};

class Run {
 public:
  // `limit`: StartQuery's limit (rows at most; a `limit` command may lower it).
  Run(const Query& q, int64_t limit);
  ~Run();
  void add(const Event& e);
  std::vector<Row> finish();
  int64_t scanned() const { return scanned_; }
  int64_t matched() const { return matched_; }
  int64_t bytes() const { return bytes_; }

 private:
  struct State;
  std::shared_ptr<const Plan> plan_;
  std::unique_ptr<State> st_;
  int64_t limit_;
  int64_t scanned_ = 0, matched_ = 0, bytes_ = 0;
};

// "2026-12-06 07:30:00.123", the form Insights answers @timestamp in.
std::string format_time(int64_t ms);

}  // namespace stratus::logs::insights
