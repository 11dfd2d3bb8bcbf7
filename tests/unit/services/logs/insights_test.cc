// Logs Insights queries (services/logs/insights.h): parsing, evaluation, stats, ordering.
#include "services/logs/insights.h"

#include <gtest/gtest.h>

#include <map>

namespace stratus::logs::insights {
namespace {

std::vector<std::map<std::string, std::string>> run(std::string_view q,
                                                    const std::vector<std::pair<int64_t, std::string>>& events,
                                                    int64_t limit = 10000) {
  std::string err;
  auto query = Query::parse(q, &err);
  EXPECT_TRUE(query.has_value()) << q << ": " << err;
  if (!query) return {};
  Run r(*query, limit);
  for (const auto& [ts, msg] : events) {
    Event e;
    e.timestamp = ts;
    e.message = msg;
    e.stream = "s";
    e.group_label = "1:g";
    e.ptr = "p";
    r.add(e);
  }
  std::vector<std::map<std::string, std::string>> out;
  for (const auto& row : r.finish()) out.emplace_back(row.begin(), row.end());
  return out;
}

bool malformed(std::string_view q) {
  std::string err;
  return !Query::parse(q, &err) && !err.empty();
}

const std::vector<std::pair<int64_t, std::string>> kEvents = {
    {1000, R"({"svc":"api","ms":120,"user":{"id":"u1"},"tags":["x","y"]})"},
    {2000, R"({"svc":"api","ms":20})"},
    {3000, R"({"svc":"db","ms":300})"},
    {4000, "ERROR plain text line"},
};

TEST(LogsInsights, DefaultRowsNewestFirstWithPtr) {
  auto rows = run("fields @timestamp, @message", kEvents);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0]["@message"], "ERROR plain text line");
  EXPECT_EQ(rows[0]["@timestamp"], "1970-01-01 00:00:04.000");
  EXPECT_EQ(rows[0]["@ptr"], "p");
  EXPECT_EQ(rows[0].count("@logStream"), 0u);
}

TEST(LogsInsights, FilterOperators) {
  EXPECT_EQ(run("filter ms > 100", kEvents).size(), 2u);
  EXPECT_EQ(run("filter ms >= 20 and ms < 121", kEvents).size(), 2u);
  EXPECT_EQ(run("filter svc = 'api' or svc = \"db\"", kEvents).size(), 3u);
  EXPECT_EQ(run("filter not svc = 'api'", kEvents).size(), 2u);  // db, and the event without svc
  EXPECT_EQ(run("filter svc != 'api'", kEvents).size(), 1u);     // a missing field compares false
  EXPECT_EQ(run("filter @message like 'ERROR'", kEvents).size(), 1u);
  EXPECT_EQ(run("filter @message like /(?i)error/", kEvents).size(), 1u);
  EXPECT_EQ(run("filter @message =~ /pl.in/", kEvents).size(), 1u);
  EXPECT_EQ(run("filter @message not like /ERROR/", kEvents).size(), 3u);
  EXPECT_EQ(run("filter svc in ['db', 'x']", kEvents).size(), 1u);
  EXPECT_EQ(run("filter ms not in [20, 300]", kEvents).size(), 1u);  // 120 (the text event has no ms)
  EXPECT_EQ(run("filter ispresent(user.id)", kEvents).size(), 1u);
  EXPECT_EQ(run("filter tags.1 = 'y'", kEvents).size(), 1u);
  EXPECT_EQ(run("filter strcontains(@message, 'plain')", kEvents).size(), 1u);
  EXPECT_EQ(run("filter (ms > 100 or svc = 'x') and svc = 'db'", kEvents).size(), 1u);
}

TEST(LogsInsights, SortLimitFieldsAlias) {
  auto rows = run("fields svc as service, ms | filter ispresent(ms) | sort ms asc | limit 2", kEvents);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["ms"], "20");  // numeric order, not text order
  EXPECT_EQ(rows[1]["ms"], "120");
  EXPECT_EQ(rows[0]["service"], "api");
  EXPECT_EQ(run("fields @message", kEvents, 3).size(), 3u);
  auto d = run("fields svc, ms | display ms | sort ms desc", kEvents);
  EXPECT_EQ(d[0].size(), 2u);  // ms and @ptr
  EXPECT_EQ(d[0]["ms"], "300");
}

TEST(LogsInsights, Stats) {
  auto rows =
      run("stats count(*) as n, sum(ms), avg(ms), min(ms), max(ms), count_distinct(svc) by svc | sort n desc", kEvents);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["svc"], "api");
  EXPECT_EQ(rows[0]["n"], "2");
  EXPECT_EQ(rows[0]["sum(ms)"], "140");
  EXPECT_EQ(rows[0]["avg(ms)"], "70");
  EXPECT_EQ(rows[0]["min(ms)"], "20");
  EXPECT_EQ(rows[0]["max(ms)"], "120");
  EXPECT_EQ(rows[0]["count_distinct(svc)"], "1");
  auto bins = run("stats count() as c by bin(2s)", kEvents);
  ASSERT_EQ(bins.size(), 3u);  // 0-2s: 1, 2-4s: 2, 4-6s: 1
  EXPECT_EQ(bins[1]["bin(2s)"], "1970-01-01 00:00:02.000");
  EXPECT_EQ(bins[1]["c"], "2");
  auto avg = run("filter ispresent(ms) | stats avg(ms) as a", kEvents);
  ASSERT_EQ(avg.size(), 1u);
  EXPECT_EQ(avg[0]["a"], "146.66666666666666");
  auto after = run("filter svc = 'api' | sort ms | stats count(*) as c", kEvents);
  EXPECT_EQ(after[0]["c"], "2");
}

TEST(LogsInsights, Parse) {
  auto rows =
      run("parse @message '* plain * line' as level, what | filter ispresent(level) | fields level, what", kEvents);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["level"], "ERROR");
  EXPECT_EQ(rows[0]["what"], "text");
}

TEST(LogsInsights, ParseRegex) {
  auto rows =
      run(R"(parse @message /(?<level>[A-Z]+) (?:plain) (?<what>\w+)/ | filter ispresent(what) | fields level, what)",
          kEvents);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["level"], "ERROR");
  EXPECT_EQ(rows[0]["what"], "text");
  // Plain groups count for the numbering but give no field; no match leaves the row without them.
  auto all = run(R"(parse svc /(a|d)(?<rest>.*)/ | fields svc, rest | sort svc asc)", kEvents);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0]["rest"], "pi");
  EXPECT_EQ(all[2]["rest"], "b");
  EXPECT_EQ(all[3].count("rest"), 0u);
}

TEST(LogsInsights, Dedup) {
  // Newest first by default: the first row of each svc is its newest event.
  auto rows = run("fields svc, ms | dedup svc", kEvents);
  ASSERT_EQ(rows.size(), 3u);  // db, api (the newer one), and the event without svc is kept
  EXPECT_EQ(rows[0].count("svc"), 0u);
  EXPECT_EQ(rows[1]["svc"], "db");
  EXPECT_EQ(rows[2]["svc"], "api");
  EXPECT_EQ(rows[2]["ms"], "20");
  auto sorted = run("fields svc, ms | sort ms asc | dedup svc | limit 1", kEvents);
  ASSERT_EQ(sorted.size(), 1u);
  EXPECT_EQ(sorted[0]["ms"], "20");
  EXPECT_EQ(run("fields svc | dedup svc, @logStream", kEvents).size(), 3u);
}

TEST(LogsInsights, StatsByFiveMinuteBins) {
  const std::vector<std::pair<int64_t, std::string>> ev = {{0, "a"}, {299999, "b"}, {300000, "c"}, {900001, "d"}};
  auto rows = run("stats count(*) as n by bin(5m)", ev);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["bin(5m)"], "1970-01-01 00:00:00.000");
  EXPECT_EQ(rows[0]["n"], "2");
  EXPECT_EQ(rows[1]["bin(5m)"], "1970-01-01 00:05:00.000");
  EXPECT_EQ(rows[2]["bin(5m)"], "1970-01-01 00:15:00.000");
}

TEST(LogsInsights, Malformed) {
  EXPECT_TRUE(malformed("parse @message /no named groups/"));
  EXPECT_TRUE(malformed("parse @message /(?<a>x/"));
  EXPECT_TRUE(malformed("parse @message /(?<a x)/"));
  EXPECT_TRUE(malformed("dedup"));
  EXPECT_TRUE(malformed("dedup 'x'"));
  EXPECT_TRUE(malformed("dedup a | sort a"));
  EXPECT_FALSE(malformed("dedup a | limit 3"));
  EXPECT_TRUE(malformed(""));
  EXPECT_TRUE(malformed("fields"));
  EXPECT_TRUE(malformed("frobnicate"));
  EXPECT_TRUE(malformed("filter x = 'unterminated"));
  EXPECT_TRUE(malformed("filter x like /a(b)/"));
  EXPECT_TRUE(malformed("stats nosuch(x)"));
  EXPECT_TRUE(malformed("stats sum()"));
  EXPECT_TRUE(malformed("limit 0"));
  EXPECT_TRUE(malformed("limit abc"));
  EXPECT_TRUE(malformed("fields a | | fields b"));
  EXPECT_TRUE(malformed("parse @message '* *' as a"));
  EXPECT_TRUE(malformed("filter " + std::string(10000, '(') + "a = 1" + std::string(10000, ')')));
  EXPECT_TRUE(malformed("stats count(*) by bin(5x)"));
  EXPECT_TRUE(malformed("stats count(*) by bin(x)"));
  EXPECT_FALSE(malformed("fields @message # a comment\n | limit 5"));
}

}  // namespace
}  // namespace stratus::logs::insights
