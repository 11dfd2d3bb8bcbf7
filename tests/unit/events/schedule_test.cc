// Schedule expressions (rate, cron, at) and their next fire times in UTC and IANA zones, with the
// DST rules of the EventBridge Scheduler user guide; the TZif reader checked against glibc.
#include "events/schedule.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

namespace stratus::events::schedule {
namespace {

int64_t ms(const char* iso) {
  // "2026-03-08T02:30:00Z"
  int y, mo, d, h, mi, s;
  EXPECT_EQ(sscanf(iso, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s), 6) << iso;
  return (tz::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 +
          s) *
         1000;
}

std::string iso(std::optional<int64_t> t) {
  if (!t) return "never";
  int64_t s = *t / 1000;
  auto c = tz::civil_from_days(s / 86400);
  int64_t r = s % 86400;
  char buf[40];
  snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(c.year), c.month, c.day,
           static_cast<long long>(r / 3600), static_cast<long long>(r % 3600 / 60), static_cast<long long>(r % 60));
  return buf;
}

Expression expr(const char* text) {
  auto p = parse(text);
  EXPECT_TRUE(p.expr.has_value()) << text << ": " << p.reason;
  return p.expr.value_or(Expression{});
}

std::string reason(const char* text) {
  auto p = parse(text);
  EXPECT_FALSE(p.expr.has_value()) << text;
  return p.reason;
}

const tz::Zone& utc() {
  return *tz::find("UTC");
}

std::string next(const char* e, const char* after, const char* zone = "UTC") {
  const tz::Zone* z = tz::find(zone);
  EXPECT_NE(z, nullptr) << zone;
  return iso(next_fire(expr(e), *z, ms(after), 0));
}

TEST(ScheduleParse, Rates) {
  auto e = expr("rate(1 minute)");
  EXPECT_EQ(e.kind, Expression::Kind::rate);
  EXPECT_EQ(e.rate.period_ms(), 60'000);
  EXPECT_EQ(expr("rate(5 minutes)").rate.period_ms(), 300'000);
  EXPECT_EQ(expr("rate(1 hour)").rate.period_ms(), 3'600'000);
  EXPECT_EQ(expr("rate(12 hours)").rate.period_ms(), 12 * 3'600'000LL);
  EXPECT_EQ(expr("rate(1 day)").rate.period_ms(), 86'400'000);
  EXPECT_EQ(expr("rate(7 days)").rate.period_ms(), 7 * 86'400'000LL);
  // AWS: the singular for 1, the plural above.
  EXPECT_NE(reason("rate(1 hours)").find("singular"), std::string::npos);
  EXPECT_NE(reason("rate(5 hour)").find("plural"), std::string::npos);
  reason("rate(1 minutes)");
  reason("rate(0 minutes)");
  reason("rate(-1 minutes)");
  reason("rate(5 weeks)");
  reason("rate(5)");
  reason("rate(minutes)");
  reason("rate(5minutes)");
  reason("rate( 5 minutes)");
  reason("rate(5 minutes )");
  reason("rate(1.5 hours)");
  reason("rate(99999999999 minutes)");
  reason("Rate(5 minutes)");
  reason("rate(5 MINUTES)");
  reason("rate 5 minutes");
  reason("");
  reason("cron()");
}

TEST(ScheduleParse, CronFieldsAndAwsExamples) {
  auto c = expr("cron(0 12 * * ? *)").cron;
  EXPECT_TRUE(c.minutes.test(0));
  EXPECT_EQ(c.minutes.count(), 1u);
  EXPECT_TRUE(c.hours.test(12));
  EXPECT_EQ(c.dom.count(), 31u);
  EXPECT_TRUE(c.dow_any);
  EXPECT_EQ(c.years.count(), static_cast<size_t>(kLastYear - kFirstYear + 1));
  c = expr("cron(5,35 14 * * ? *)").cron;
  EXPECT_EQ(c.minutes.count(), 2u);
  c = expr("cron(1/10 * * * ? *)").cron;  // 1, 11, 21, 31, 41, 51
  EXPECT_EQ(c.minutes.count(), 6u);
  EXPECT_TRUE(c.minutes.test(51));
  c = expr("cron(0/5 8-17 ? * MON-FRI *)").cron;
  EXPECT_EQ(c.hours.count(), 10u);
  EXPECT_EQ(c.dow.count(), 5u);
  EXPECT_TRUE(c.dow.test(2) && c.dow.test(6) && !c.dow.test(1) && !c.dow.test(7));
  c = expr("cron(15 10 ? * 6L 2019-2022)").cron;
  EXPECT_EQ(c.dow_last, 6);
  EXPECT_EQ(c.years.count(), 4u);
  c = expr("cron(0 9 ? * 3#2 *)").cron;
  EXPECT_EQ(c.dow_nth_day, 3);
  EXPECT_EQ(c.dow_nth, 2);
  EXPECT_EQ(expr("cron(0 9 L * ? *)").cron.dom_last, true);
  EXPECT_EQ(expr("cron(0 9 LW * ? *)").cron.dom_last_weekday, true);
  EXPECT_EQ(expr("cron(0 9 15W * ? *)").cron.dom_nearest_weekday, 15);
  c = expr("cron(0 0 1 jan,Mar-may/2,DEC ? *)").cron;
  EXPECT_TRUE(c.months.test(1) && c.months.test(3) && c.months.test(5) && c.months.test(12));
  EXPECT_EQ(c.months.count(), 4u);
  c = expr("cron(0 22-2 ? * FRI-MON *)").cron;  // wrapping ranges
  EXPECT_EQ(c.hours.count(), 5u);
  EXPECT_TRUE(c.hours.test(23) && c.hours.test(0) && c.hours.test(2));
  EXPECT_EQ(c.dow.count(), 4u);
  EXPECT_TRUE(c.dow.test(6) && c.dow.test(7) && c.dow.test(1) && c.dow.test(2));
  expr("cron(*/5 * ? * * *)");
  expr("cron(0  12  *  *  ?  *)");
}

TEST(ScheduleParse, CronErrors) {
  EXPECT_NE(reason("cron(0 12 * * * *)").find("?"), std::string::npos);  // one of the day fields must be ?
  reason("cron(0 12 ? * ? *)");
  EXPECT_NE(reason("cron(0 12 * * ?)").find("6 fields"), std::string::npos);
  reason("cron(0 12 * * ? * *)");
  EXPECT_NE(reason("cron(60 12 * * ? *)").find("minutes"), std::string::npos);
  EXPECT_NE(reason("cron(0 24 * * ? *)").find("hours"), std::string::npos);
  reason("cron(0 12 0 * ? *)");
  reason("cron(0 12 32 * ? *)");
  reason("cron(0 12 * 13 ? *)");
  reason("cron(0 12 * FOO ? *)");
  reason("cron(0 12 ? * 8 *)");
  reason("cron(0 12 ? * 0 *)");
  reason("cron(0 12 * * ? 1969)");
  reason("cron(0 12 * * ? 2200)");
  reason("cron(0 12 ? * 3#1,6#3 *)");  // with #, one expression only
  reason("cron(0 12 ? * 3#6 *)");
  reason("cron(0 12 ? * 8L *)");
  reason("cron(0 12 32W * ? *)");
  reason("cron(0 12 L,5 * ? *)");
  reason("cron(0/0 12 * * ? *)");
  reason("cron(0- 12 * * ? *)");
  reason("cron(, 12 * * ? *)");
  reason("cron(0 12 ? * MONDAY *)");
  reason("cron(0 12 ? * W *)");
  reason("cron(0 12 L * L *)");
}

TEST(ScheduleParse, At) {
  auto e = expr("at(2026-12-06T14:05:09)");
  EXPECT_EQ(e.kind, Expression::Kind::at);
  EXPECT_EQ(e.at.year, 2026);
  EXPECT_EQ(e.at.second, 9);
  expr("at(2028-02-29T00:00:00)");
  reason("at(2026-02-29T00:00:00)");
  reason("at(2026-13-01T00:00:00)");
  reason("at(2026-12-06T24:00:00)");
  reason("at(2026-12-06T14:05)");
  reason("at(2026-12-06 14:05:00)");
  reason("at(2026-12-06T14:05:00Z)");
  reason("at(2026-12-06T14:05:00.000)");
  reason("at()");
}

TEST(ScheduleNext, CronUtc) {
  EXPECT_EQ(next("cron(0 12 * * ? *)", "2026-12-06T13:00:00Z"), "2026-12-07T12:00:00Z");
  EXPECT_EQ(next("cron(0 12 * * ? *)", "2026-12-06T11:59:59Z"), "2026-12-06T12:00:00Z");
  EXPECT_EQ(next("cron(0 12 * * ? *)", "2026-12-06T12:00:00Z"), "2026-12-07T12:00:00Z");  // strictly after
  EXPECT_EQ(next("cron(0/15 * * * ? *)", "2026-12-06T13:00:00Z"), "2026-12-06T13:15:00Z");
  EXPECT_EQ(next("cron(* * * * ? *)", "2026-12-06T13:00:30Z"), "2026-12-06T13:01:00Z");
  EXPECT_EQ(next("cron(59 23 31 12 ? *)", "2026-12-31T23:59:00Z"), "2027-12-31T23:59:00Z");
  // Friday 2026-12-04 17:56 -> Monday 08:00.
  EXPECT_EQ(next("cron(0/5 8-17 ? * MON-FRI *)", "2026-12-04T17:56:00Z"), "2026-12-07T08:00:00Z");
  // Last Friday of the month, 2019-2022 only.
  EXPECT_EQ(next("cron(15 10 ? * 6L 2019-2022)", "2022-11-01T00:00:00Z"), "2022-11-25T10:15:00Z");
  EXPECT_EQ(next("cron(15 10 ? * 6L 2019-2022)", "2022-12-30T10:15:00Z"), "never");
  // Second Tuesday.
  EXPECT_EQ(next("cron(0 9 ? * 3#2 *)", "2026-12-01T00:00:00Z"), "2026-12-08T09:00:00Z");
  EXPECT_EQ(next("cron(0 9 ? * TUE#5 *)", "2026-01-01T00:00:00Z"), "2026-03-31T09:00:00Z");
  // Last day, last weekday, nearest weekday.
  EXPECT_EQ(next("cron(0 0 L * ? *)", "2028-02-01T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 LW * ? *)", "2026-05-01T00:00:00Z"), "2026-05-29T00:00:00Z");   // 31st is a Sunday
  EXPECT_EQ(next("cron(0 0 15W * ? *)", "2026-08-01T00:00:00Z"), "2026-08-14T00:00:00Z");  // 15th: Saturday
  EXPECT_EQ(next("cron(0 0 1W * ? *)", "2026-08-01T00:00:00Z"), "2026-08-03T00:00:00Z");   // 1st: Saturday
  EXPECT_EQ(next("cron(0 0 16W * ? *)", "2026-08-01T00:00:00Z"), "2026-08-17T00:00:00Z");  // 16th: Sunday
  EXPECT_EQ(next("cron(0 0 31W * ? *)", "2026-05-01T00:00:00Z"), "2026-05-29T00:00:00Z");  // 31st: Sunday
  EXPECT_EQ(next("cron(0 0 ? * L *)", "2026-12-06T00:00:00Z"), "2026-12-12T00:00:00Z");    // L alone: Saturday
  // Never.
  EXPECT_EQ(next("cron(0 0 30 2 ? *)", "2026-01-01T00:00:00Z"), "never");
  EXPECT_EQ(next("cron(0 0 1 1 ? 2199)", "2199-01-01T00:00:00Z"), "never");
  EXPECT_EQ(next("cron(0 0 29 2 ? *)", "2026-01-01T00:00:00Z"), "2028-02-29T00:00:00Z");
  // Before 1970: the first matching time in 1970.
  EXPECT_EQ(next("cron(0 0 1 1 ? *)", "1960-06-01T00:00:00Z"), "1970-01-01T00:00:00Z");
}

TEST(ScheduleNext, RateCountsFromItsAnchor) {
  auto e = expr("rate(5 minutes)");
  const int64_t anchor = ms("2026-12-06T13:00:07Z");
  EXPECT_EQ(iso(next_fire(e, utc(), anchor - 1, anchor)), "2026-12-06T13:00:07Z");
  EXPECT_EQ(iso(next_fire(e, utc(), anchor, anchor)), "2026-12-06T13:05:07Z");
  EXPECT_EQ(iso(next_fire(e, utc(), ms("2026-12-06T14:02:00Z"), anchor)), "2026-12-06T14:05:07Z");
  // A day is 24 hours whatever the zone (DST does not move it).
  const tz::Zone& ny = *tz::find("America/New_York");
  auto d = expr("rate(1 day)");
  const int64_t a2 = ms("2026-03-07T14:00:00Z");
  EXPECT_EQ(iso(next_fire(d, ny, a2, a2)), "2026-03-08T14:00:00Z");
}

TEST(ScheduleNext, AtInZones) {
  EXPECT_EQ(next("at(2026-12-06T14:05:00)", "2026-12-06T00:00:00Z"), "2026-12-06T14:05:00Z");
  EXPECT_EQ(next("at(2026-12-06T14:05:00)", "2026-12-06T14:05:00Z"), "never");
  EXPECT_EQ(next("at(2026-12-06T14:05:00)", "2026-12-06T00:00:00Z", "America/New_York"), "2026-12-06T19:05:00Z");
  EXPECT_EQ(next("at(2026-07-01T09:00:00)", "2026-01-01T00:00:00Z", "Europe/Berlin"), "2026-07-01T07:00:00Z");
  EXPECT_EQ(next("at(2026-07-01T09:00:00)", "2026-01-01T00:00:00Z", "Asia/Kolkata"), "2026-07-01T03:30:00Z");
  // In the spring-forward gap: moved forward by the gap (02:30 EST does not exist: 03:30 EDT).
  EXPECT_EQ(next("at(2026-03-08T02:30:00)", "2026-01-01T00:00:00Z", "America/New_York"), "2026-03-08T07:30:00Z");
  // In the fall-back overlap: the first occurrence (01:30 EDT).
  EXPECT_EQ(next("at(2026-11-01T01:30:00)", "2026-01-01T00:00:00Z", "America/New_York"), "2026-11-01T05:30:00Z");
}

TEST(ScheduleNext, CronDstAsTheSchedulerGuide) {
  // New York 2026: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
  // Spring forward: 02:30 does not exist on the 8th, that invocation is skipped.
  EXPECT_EQ(next("cron(30 2 * * ? *)", "2026-03-07T08:00:00Z", "America/New_York"), "2026-03-09T06:30:00Z");
  EXPECT_EQ(next("cron(30 2 * * ? *)", "2026-03-06T08:00:00Z", "America/New_York"), "2026-03-07T07:30:00Z");
  // 03:00 exists (EDT).
  EXPECT_EQ(next("cron(0 3 * * ? *)", "2026-03-07T09:00:00Z", "America/New_York"), "2026-03-08T07:00:00Z");
  // Fall back: 01:30 happens twice on 1 Nov; it fires once, at the first (EDT) occurrence.
  EXPECT_EQ(next("cron(30 1 * * ? *)", "2026-10-31T06:00:00Z", "America/New_York"), "2026-11-01T05:30:00Z");
  EXPECT_EQ(next("cron(30 1 * * ? *)", "2026-11-01T05:30:00Z", "America/New_York"), "2026-11-02T06:30:00Z");
  // Every 15 minutes through the fall-back hour: 01:00-01:45 EDT, then 02:00 EST (no repeat).
  EXPECT_EQ(next("cron(0/15 * * * ? *)", "2026-11-01T05:45:00Z", "America/New_York"), "2026-11-01T07:00:00Z");
  // ...and through the spring-forward: 01:45 EST, then 03:00 EDT.
  EXPECT_EQ(next("cron(0/15 * * * ? *)", "2026-03-08T06:45:00Z", "America/New_York"), "2026-03-08T07:00:00Z");
  // Southern hemisphere (Sydney: DST ends 2026-04-05 03:00 -> 02:00, starts 2026-10-04 02:00 -> 03:00).
  EXPECT_EQ(next("cron(30 2 * * ? *)", "2026-10-03T00:00:00Z", "Australia/Sydney"),
            "2026-10-04T15:30:00Z");  // the 5th, AEDT
  EXPECT_EQ(next("cron(30 2 * * ? *)", "2026-04-04T00:00:00Z", "Australia/Sydney"), "2026-04-04T15:30:00Z");
  // Beyond the TZif transitions (2037): the POSIX footer rule (2050-03-13 is the second Sunday).
  EXPECT_EQ(next("cron(30 2 * * ? *)", "2050-03-12T08:00:00Z", "America/New_York"), "2050-03-14T06:30:00Z");
  EXPECT_EQ(next("cron(0 12 * * ? *)", "2050-07-01T00:00:00Z", "Europe/Berlin"), "2050-07-01T10:00:00Z");
}

TEST(TimeZones, FindChecksNames) {
  EXPECT_NE(tz::find("UTC"), nullptr);
  EXPECT_NE(tz::find("Etc/UTC"), nullptr);
  EXPECT_NE(tz::find("America/Argentina/Buenos_Aires"), nullptr);
  EXPECT_EQ(tz::find("America/New_York"), tz::find("America/New_York"));  // loaded once
  EXPECT_EQ(tz::find("Mars/Olympus_Mons"), nullptr);
  EXPECT_EQ(tz::find("America"), nullptr);  // a directory
  EXPECT_EQ(tz::find("../../etc/passwd"), nullptr);
  EXPECT_EQ(tz::find("/etc/passwd"), nullptr);
  EXPECT_EQ(tz::find("zone.tab"), nullptr);  // not TZif (and '.' is not allowed)
  EXPECT_EQ(tz::find("right/UTC"), nullptr);
  EXPECT_EQ(tz::find(""), nullptr);
  EXPECT_EQ(tz::find("america/new_york"), nullptr);
}

TEST(TimeZones, PosixRules) {
  auto r = tz::PosixRule::parse("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->std_offset, -5 * 3600);
  EXPECT_EQ(r->dst_offset, -4 * 3600);
  EXPECT_EQ(r->offset_at(ms("2050-07-01T00:00:00Z") / 1000), -4 * 3600);
  EXPECT_EQ(r->offset_at(ms("2050-01-01T00:00:00Z") / 1000), -5 * 3600);
  auto ist = tz::PosixRule::parse("<+0530>-5:30");
  ASSERT_TRUE(ist);
  EXPECT_EQ(ist->std_offset, 5 * 3600 + 1800);
  auto dub = tz::PosixRule::parse("IST-1GMT0,M10.5.0,M3.5.0/1");  // negative DST (Europe/Dublin)
  ASSERT_TRUE(dub);
  EXPECT_EQ(dub->offset_at(ms("2050-07-01T00:00:00Z") / 1000), 3600);
  EXPECT_EQ(dub->offset_at(ms("2050-01-01T00:00:00Z") / 1000), 0);
  auto nuuk = tz::PosixRule::parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  ASSERT_TRUE(nuuk);
  EXPECT_TRUE(tz::PosixRule::parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"));
  EXPECT_TRUE(tz::PosixRule::parse("XXX3YYY,J60/2,300/25"));
  EXPECT_FALSE(tz::PosixRule::parse(""));
  EXPECT_FALSE(tz::PosixRule::parse("E5"));
  EXPECT_FALSE(tz::PosixRule::parse("EST5EDT,M13.1.0,M11.1.0"));
  EXPECT_FALSE(tz::PosixRule::parse("EST5EDT,M3.2.0"));
  EXPECT_FALSE(tz::PosixRule::parse("EST99"));
}

TEST(TimeZones, MalformedTzifIsRefused) {
  EXPECT_FALSE(tz::Zone::parse("", "x"));
  EXPECT_FALSE(tz::Zone::parse("TZif2", "x"));
  std::string h = "TZif2" + std::string(15, '\0');
  for (int i = 0; i < 6; ++i) h += std::string("\xff\xff\xff\xff", 4);
  EXPECT_FALSE(tz::Zone::parse(h, "x"));
}

// The reader agrees with glibc's (which reads the same files) on every zone below, at instants
// every 25 hours and a bit from 1970 to 2100 (the part after 2037 comes from the POSIX footer).
TEST(TimeZones, AgreesWithGlibc) {
  const char* zones[] = {"America/New_York", "Europe/Berlin",     "Australia/Sydney",  "Australia/Lord_Howe",
                         "Europe/Dublin",    "Asia/Kolkata",      "America/Sao_Paulo", "Pacific/Chatham",
                         "America/Nuuk",     "Africa/Casablanca", "America/Santiago",  "Asia/Tehran"};
  const char* old_tz = getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  for (const char* name : zones) {
    const tz::Zone* z = tz::find(name);
    ASSERT_NE(z, nullptr) << name;
    setenv("TZ", (std::string(":") + name).c_str(), 1);
    tzset();
    int mismatches = 0;
    for (int64_t t = 0; t < 4102444800LL && mismatches < 3; t += 90'061) {
      time_t tt = static_cast<time_t>(t);
      struct tm lt {};
      localtime_r(&tt, &lt);
      if (lt.tm_gmtoff != z->offset_at(t)) {
        ++mismatches;
        ADD_FAILURE() << name << " at " << iso(t * 1000) << ": glibc " << lt.tm_gmtoff << ", ours " << z->offset_at(t);
      }
    }
  }
  if (old_tz)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
}

TEST(TimeZones, ResolveGapAndOverlap) {
  const tz::Zone& ny = *tz::find("America/New_York");
  auto gap = ny.resolve(ms("2026-03-08T02:30:00Z") / 1000);
  EXPECT_EQ(gap.count, 0);
  auto overlap = ny.resolve(ms("2026-11-01T01:30:00Z") / 1000);
  ASSERT_EQ(overlap.count, 2);
  EXPECT_EQ(iso(overlap.first * 1000), "2026-11-01T05:30:00Z");
  EXPECT_EQ(iso(overlap.second * 1000), "2026-11-01T06:30:00Z");
  auto one = ny.resolve(ms("2026-12-06T09:00:00Z") / 1000);
  ASSERT_EQ(one.count, 1);
  EXPECT_EQ(iso(one.first * 1000), "2026-12-06T14:00:00Z");
}

TEST(Calendar, RoundTripsAndWeekdays) {
  for (int64_t d = -800'000; d < 800'000; d += 997) {
    auto c = tz::civil_from_days(d);
    EXPECT_EQ(tz::days_from_civil(c.year, c.month, c.day), d);
  }
  EXPECT_EQ(tz::weekday_of(0), 4u);                                 // 1970-01-01 Thursday
  EXPECT_EQ(tz::weekday_of(-1), 3u);                                // Wednesday
  EXPECT_EQ(tz::weekday_of(tz::days_from_civil(2026, 12, 6)), 0u);  // Sunday
}

}  // namespace
}  // namespace stratus::events::schedule
