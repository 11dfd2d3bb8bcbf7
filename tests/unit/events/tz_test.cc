// events/tz.h: TZif files as tzdata ships them (America/New_York from /usr/share/zoneinfo), DST
// edges from the transitions and from the POSIX footer past them, wall-clock resolution (gaps and
// overlaps), zone-name checks and the civil calendar helpers. Expected instants are Python
// zoneinfo's for the same zones.
#include "events/tz.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace stratus::events::tz {
namespace {

std::string read_file(const char* path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

constexpr int kEst = -5 * 3600, kEdt = -4 * 3600;

TEST(Tz, NewYorkTransitionsFromTheFile) {
  std::string bytes = read_file("/usr/share/zoneinfo/America/New_York");
  ASSERT_FALSE(bytes.empty());
  auto z = Zone::parse(bytes, "America/New_York");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->name(), "America/New_York");
  // 2024-03-10 07:00Z: clocks go 02:00 EST -> 03:00 EDT; 2024-11-03 06:00Z: back.
  EXPECT_EQ(z->offset_at(1710054000 - 1), kEst);
  EXPECT_EQ(z->offset_at(1710054000), kEdt);
  EXPECT_EQ(z->offset_at(1730613600 - 1), kEdt);
  EXPECT_EQ(z->offset_at(1730613600), kEst);
}

TEST(Tz, FooterGovernsAfterTheLastTransition) {
  const Zone* z = find("America/New_York");
  ASSERT_NE(z, nullptr);
  // 2100 is past any transition in the file: the footer "EST5EDT,M3.2.0,M11.1.0" decides.
  EXPECT_EQ(z->offset_at(4108690800 - 1), kEst);  // 2100-03-14 06:59:59Z
  EXPECT_EQ(z->offset_at(4108690800), kEdt);      // 2100-03-14 07:00Z
  EXPECT_EQ(z->offset_at(4129250400 - 1), kEdt);  // 2100-11-07 05:59:59Z
  EXPECT_EQ(z->offset_at(4129250400), kEst);
}

TEST(Tz, BeforeTheFirstTransitionIsTheFirstType) {
  const Zone* z = find("America/New_York");
  ASSERT_NE(z, nullptr);
  // Local mean time, -4:56:02, until 1883.
  EXPECT_EQ(z->offset_at(-6'000'000'000LL), -17762);
}

TEST(Tz, ResolveGapOverlapAndPlainTimes) {
  const Zone* z = find("America/New_York");
  ASSERT_NE(z, nullptr);
  // 2024-03-10 02:30 local does not exist.
  EXPECT_EQ(z->resolve(1710037800).count, 0);
  // 2024-11-03 01:30 local happens twice: 05:30Z (EDT) then 06:30Z (EST).
  auto r = z->resolve(1730597400);
  ASSERT_EQ(r.count, 2);
  EXPECT_EQ(r.first, 1730597400 + 4 * 3600);
  EXPECT_EQ(r.second, 1730597400 + 5 * 3600);
  // 2024-07-01 12:00 local is 16:00Z.
  int64_t local = days_from_civil(2024, 7, 1) * 86400 + 12 * 3600;
  r = z->resolve(local);
  ASSERT_EQ(r.count, 1);
  EXPECT_EQ(r.first, local + 4 * 3600);
  // The same edges in 2100 come from the footer.
  EXPECT_EQ(z->resolve(days_from_civil(2100, 3, 14) * 86400 + 2 * 3600 + 1800).count, 0);
  EXPECT_EQ(z->resolve(days_from_civil(2100, 11, 7) * 86400 + 1 * 3600 + 1800).count, 2);
}

TEST(Tz, SouthernHemisphereAndHalfHourDst) {
  // Lord Howe: +10:30 standard, +11 in summer (a 30-minute shift), summer over the new year.
  const Zone* z = find("Australia/Lord_Howe");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->offset_at(days_from_civil(2024, 1, 15) * 86400), 11 * 3600);
  EXPECT_EQ(z->offset_at(days_from_civil(2024, 7, 15) * 86400), 10 * 3600 + 1800);
}

TEST(Tz, MalformedBytesAreRejected) {
  std::string bytes = read_file("/usr/share/zoneinfo/America/New_York");
  EXPECT_FALSE(Zone::parse("", "x"));
  EXPECT_FALSE(Zone::parse("TZif", "x"));
  EXPECT_FALSE(Zone::parse("NOTZ" + bytes.substr(4), "x"));
  for (size_t n : {size_t{20}, size_t{44}, size_t{100}, bytes.size() / 2})
    EXPECT_FALSE(Zone::parse(std::string_view(bytes).substr(0, n), "x")) << n;
}

TEST(Tz, PosixRules) {
  auto r = PosixRule::parse("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->std_offset, kEst);
  EXPECT_EQ(r->dst_offset, kEdt);
  EXPECT_TRUE(r->has_dst);
  EXPECT_EQ(r->start.kind, 'M');
  EXPECT_EQ(r->start.a, 3);
  EXPECT_EQ(r->start.b, 2);
  EXPECT_EQ(r->start.c, 0);
  EXPECT_EQ(r->start.time, 7200);
  EXPECT_EQ(r->offset_at(1710054000 - 1), kEst);
  EXPECT_EQ(r->offset_at(1710054000), kEdt);
  auto utc = PosixRule::parse("UTC0");
  ASSERT_TRUE(utc);
  EXPECT_FALSE(utc->has_dst);
  EXPECT_EQ(utc->offset_at(1710054000), 0);
  // Angle-bracket names and explicit times: "<+0330>-3:30" is 3:30 east of UTC.
  auto tehran = PosixRule::parse("<+0330>-3:30");
  ASSERT_TRUE(tehran);
  EXPECT_EQ(tehran->std_offset, 3 * 3600 + 1800);
  auto eu = PosixRule::parse("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(eu);
  EXPECT_EQ(eu->end.time, 3 * 3600);
  // 2024-03-31 01:00Z: Europe springs forward.
  EXPECT_EQ(eu->offset_at(1711846800 - 1), 3600);
  EXPECT_EQ(eu->offset_at(1711846800), 7200);
  EXPECT_FALSE(PosixRule::parse(""));
  EXPECT_FALSE(PosixRule::parse("EST"));
  EXPECT_FALSE(PosixRule::parse("EST5EDT,M13.2.0,M11.1.0"));
}

TEST(Tz, FindChecksNamesAndKeepsZones) {
  const Zone* utc = find("UTC");
  ASSERT_NE(utc, nullptr);
  EXPECT_EQ(utc->offset_at(1710054000), 0);
  EXPECT_EQ(utc->resolve(1234).count, 1);
  EXPECT_EQ(utc->resolve(1234).first, 1234);
  const Zone* berlin = find("Europe/Berlin");
  ASSERT_NE(berlin, nullptr);
  EXPECT_EQ(find("Europe/Berlin"), berlin);  // loaded once, same pointer
  EXPECT_EQ(berlin->offset_at(1711846800), 7200);
  EXPECT_NE(find("Etc/UTC"), nullptr);
  EXPECT_NE(find("EST5EDT"), nullptr);
  for (const char* bad :
       {"", "Nowhere/City", "../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/../UTC", "posix/Europe/Berlin",
        "right/UTC", "localtime", "posixrules", "Europe/Berlin ", "Europe//Berlin"})
    EXPECT_EQ(find(bad), nullptr) << bad;
  EXPECT_EQ(find(std::string(51, 'A')), nullptr);
}

TEST(Tz, CivilCalendar) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  Civil c = civil_from_days(days_from_civil(2024, 2, 29));
  EXPECT_EQ(c.year, 2024);
  EXPECT_EQ(c.month, 2u);
  EXPECT_EQ(c.day, 29u);
  EXPECT_EQ(days_in_month(2024, 2), 29u);
  EXPECT_EQ(days_in_month(2100, 2), 28u);
  EXPECT_EQ(days_in_month(2000, 2), 29u);
  EXPECT_EQ(days_in_month(2023, 4), 30u);
  EXPECT_EQ(days_in_month(2023, 12), 31u);
  EXPECT_EQ(weekday_of(0), 4u);                             // 1970-01-01: Thursday
  EXPECT_EQ(weekday_of(days_from_civil(2024, 3, 10)), 0u);  // Sunday
}

}  // namespace
}  // namespace stratus::events::tz
