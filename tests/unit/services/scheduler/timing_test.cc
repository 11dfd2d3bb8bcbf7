// Scheduler's timing rules (store.h): a schedule's first fire time after create/update, and the
// firing step's missed-run rule (one invocation of the latest occurrence within the event age).
#include <gtest/gtest.h>

#include "services/scheduler/store.h"

namespace stratus::scheduler {
namespace {

constexpr int64_t kMin = 60'000, kHour = 60 * kMin, kDay = 24 * kHour;
// 2026-12-06T12:00:00Z
constexpr int64_t kNoon = 1796558400000;

Timing timing(const char* expr, std::optional<int64_t> start = {}, std::optional<int64_t> end = {},
              int64_t anchor = kNoon, const char* tz = nullptr) {
  Doc rec = Doc::map();
  rec.set("ScheduleExpression", expr);
  if (tz) rec.set("ScheduleExpressionTimezone", tz);
  if (start) rec.set("StartDate", *start);
  if (end) rec.set("EndDate", *end);
  rec.set("Anchor", anchor);
  auto t = Timing::of(rec);
  EXPECT_TRUE(t.has_value()) << expr;
  return *t;
}

TEST(SchedulerTiming, FirstFire) {
  // rate() without StartDate starts invoking at once; with one, at the StartDate.
  EXPECT_EQ(first_fire(timing("rate(5 minutes)"), kNoon), kNoon);
  EXPECT_EQ(first_fire(timing("rate(5 minutes)", kNoon + kHour, {}, kNoon + kHour), kNoon), kNoon + kHour);
  // cron(): the first match at or after max(now, StartDate).
  EXPECT_EQ(first_fire(timing("cron(30 * * * ? *)"), kNoon), kNoon + 30 * kMin);
  EXPECT_EQ(first_fire(timing("cron(0 * * * ? *)", kNoon + 90 * kMin), kNoon), kNoon + 2 * kHour);
  // EndDate bounds recurring schedules.
  EXPECT_EQ(first_fire(timing("cron(0 0 * * ? *)", {}, kNoon + kHour), kNoon), std::nullopt);
  // at(): its time, even when past; StartDate/EndDate are ignored.
  EXPECT_EQ(first_fire(timing("at(2026-12-06T11:00:00)", kNoon + kDay, kNoon), kNoon), kNoon - kHour);
  EXPECT_EQ(first_fire(timing("at(2026-12-06T07:00:00)", {}, {}, kNoon, "America/New_York"), kNoon), kNoon);
}

TEST(SchedulerTiming, OnTimeFiresTheOccurrenceAndMovesOn) {
  auto f = catch_up(timing("rate(1 minute)"), kNoon + 5 * kMin, kNoon + 5 * kMin + 300, kDay);
  EXPECT_EQ(f.invoke, kNoon + 5 * kMin);
  EXPECT_EQ(f.next, kNoon + 6 * kMin);
}

TEST(SchedulerTiming, MissedRunsCollapseIntoTheLatest) {
  // Down for an hour: one invocation, of the latest minute, not sixty.
  auto f = catch_up(timing("rate(1 minute)"), kNoon + kMin, kNoon + kHour + kMin + 20'000, kDay);
  EXPECT_EQ(f.invoke, kNoon + kHour + kMin);
  EXPECT_EQ(f.next, kNoon + kHour + 2 * kMin);
  // Down for three days, a daily cron and a 24 h event age: yesterday's noon is within it.
  auto g = catch_up(timing("cron(0 12 * * ? *)"), kNoon, kNoon + 3 * kDay + kHour, kDay);
  EXPECT_EQ(g.invoke, kNoon + 3 * kDay);
  EXPECT_EQ(g.next, kNoon + 4 * kDay);
  // ...with a one-hour event age the latest noon is too old: nothing is invoked.
  auto h = catch_up(timing("cron(0 12 * * ? *)"), kNoon, kNoon + 3 * kDay + 2 * kHour, kHour);
  EXPECT_EQ(h.invoke, std::nullopt);
  EXPECT_EQ(h.next, kNoon + 4 * kDay);
  // EndDate passed while down: the last occurrence before it, then no more.
  auto e = catch_up(timing("rate(1 hour)", {}, kNoon + 2 * kHour + 1), kNoon, kNoon + 5 * kHour, kDay);
  EXPECT_EQ(e.invoke, kNoon + 2 * kHour);
  EXPECT_EQ(e.next, std::nullopt);
}

TEST(SchedulerTiming, MissedAtFiresOnceWithinTheEventAge) {
  auto t = timing("at(2026-12-06T12:00:00)");
  EXPECT_EQ(catch_up(t, kNoon, kNoon + kHour, kDay).invoke, kNoon);
  EXPECT_EQ(catch_up(t, kNoon, kNoon + kHour, kDay).next, std::nullopt);
  EXPECT_EQ(catch_up(t, kNoon, kNoon + 2 * kDay, kDay).invoke, std::nullopt);
}

TEST(SchedulerTiming, InvalidRecordsHaveNoTiming) {
  Doc rec = Doc::map();
  rec.set("ScheduleExpression", "rate(1 minutes)");
  EXPECT_FALSE(Timing::of(rec));
  rec.set("ScheduleExpression", "rate(1 minute)");
  rec.set("ScheduleExpressionTimezone", "Nowhere/Special");
  EXPECT_FALSE(Timing::of(rec));
}

}  // namespace
}  // namespace stratus::scheduler
