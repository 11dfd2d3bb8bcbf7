// Secrets Manager's pure parts: rotation schedules (schedule.h), the password generator
// (password.h), staging labels and version pruning (store.h), and the store over the memory engine.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "services/secretsmanager/password.h"
#include "services/secretsmanager/schedule.h"
#include "services/secretsmanager/store.h"
#include "storage/engine.h"

namespace stratus::secretsmanager {
namespace {

constexpr int64_t kHour = 3600 * 1000LL, kDay = 24 * kHour;
// 2024-01-01T00:00:00Z, a Monday.
constexpr int64_t kJan1 = 1704067200000LL;

Doc rules(const char* expr, const char* duration = nullptr) {
  Doc r = Doc::map();
  r.set("ScheduleExpression", expr);
  if (duration) r.set("Duration", duration);
  return r;
}

std::string code_of(const Doc& r) {
  try {
    parse_rules(r);
  } catch (const AwsError& e) {
    return e.code;
  }
  return "";
}

TEST(SecretsSchedule, AutomaticallyAfterDays) {
  Doc r = Doc::map();
  r.set("AutomaticallyAfterDays", 30);
  Window w = next_window(parse_rules(r), kJan1 + 5 * kHour);
  EXPECT_EQ(w.start_ms, kJan1 + 30 * kDay);
  EXPECT_EQ(w.end_ms, kJan1 + 31 * kDay - 1000);  // the rest of that UTC day
}

TEST(SecretsSchedule, RateHoursStartsAtMidnight) {
  Schedule s = parse_rules(rules("rate(6 hours)"));
  Window w = next_window(s, kJan1 + 7 * kHour);
  EXPECT_EQ(w.start_ms, kJan1 + 12 * kHour);
  EXPECT_EQ(w.end_ms, kJan1 + 13 * kHour - 1000);  // one hour by default
  w = next_window(parse_rules(rules("rate(10 hours)", "2h")), kJan1 + 21 * kHour);
  EXPECT_EQ(w.start_ms, kJan1 + kDay);  // windows restart at midnight
  EXPECT_EQ(w.end_ms, kJan1 + kDay + 2 * kHour - 1000);
}

TEST(SecretsSchedule, RateDays) {
  Window w = next_window(parse_rules(rules("rate(10 days)")), kJan1 + kHour);
  EXPECT_EQ(w.start_ms, kJan1 + 10 * kDay);
  EXPECT_EQ(parse_rules(rules("rate(1 day)")).every, 1);
}

TEST(SecretsSchedule, Cron) {
  // Every 8 hours from 08:00: a schedule in hours (one-hour windows).
  Window w = next_window(parse_rules(rules("cron(0 8/8 * * ? *)")), kJan1 + 9 * kHour);
  EXPECT_EQ(w.start_ms, kJan1 + 16 * kHour);
  EXPECT_EQ(w.end_ms, kJan1 + 17 * kHour - 1000);
  // The last day of the month at 17:00: a schedule in days (window to the end of the day).
  w = next_window(parse_rules(rules("cron(0 17 L * ? *)")), kJan1);
  EXPECT_EQ(w.start_ms, kJan1 + 30 * kDay + 17 * kHour);
  EXPECT_EQ(w.end_ms, kJan1 + 31 * kDay - 1000);
  // Weekdays at 08:00: Saturday 2024-01-06 goes to Monday 2024-01-08.
  w = next_window(parse_rules(rules("cron(0 8 ? * MON-FRI *)")), kJan1 + 5 * kDay + 9 * kHour);
  EXPECT_EQ(w.start_ms, kJan1 + 7 * kDay + 8 * kHour);
  // The first Sunday of the month: 2024-01-07, then 2024-02-04.
  w = next_window(parse_rules(rules("cron(0 4 ? * SUN#1 *)")), kJan1);
  EXPECT_EQ(w.start_ms, kJan1 + 6 * kDay + 4 * kHour);
  w = next_window(parse_rules(rules("cron(0 4 ? * SUN#1 *)")), w.start_ms);
  EXPECT_EQ(w.start_ms, kJan1 + 34 * kDay + 4 * kHour);
  // Named months, lists.
  w = next_window(parse_rules(rules("cron(0 0 1,15 MAR ? *)", "3h")), kJan1);
  EXPECT_EQ(w.start_ms, 1709251200000LL);  // 2024-03-01
  EXPECT_EQ(w.end_ms, 1709251200000LL + 3 * kHour - 1000);
}

TEST(SecretsSchedule, Invalid) {
  for (const char* bad : {"rate(3 hours)", "rate(1 hours)", "rate(2 day)", "rate(5 minutes)", "rate(x days)",
                          "rate(4 hours) ", "cron(5 8 * * ? *)", "cron(0 8 * * ? 2030)", "cron(0 8 * * * *)",
                          "cron(0 8 ? * ? *)", "cron(0 25 * * ? *)", "cron(0 8 32 * ? *)", "cron(0 8 ? * FOO *)",
                          "cron(0 8 ? * MON#9 *)", "cron(0 8/0 * * ? *)", "cron(0 8 * *)", "every day", ""})
    EXPECT_EQ(code_of(rules(bad)), "InvalidParameterException") << bad;
  EXPECT_EQ(code_of(rules("rate(4 hours)", "5h")), "InvalidParameterException");
  EXPECT_EQ(code_of(rules("rate(1 days)", "0h")), "InvalidParameterException");
  EXPECT_EQ(code_of(rules("rate(1 days)", "h")), "InvalidParameterException");
  Doc both = rules("rate(1 days)");
  both.set("AutomaticallyAfterDays", 1);
  EXPECT_EQ(code_of(both), "InvalidParameterException");
  EXPECT_EQ(code_of(Doc::map()), "InvalidParameterException");
}

TEST(SecretsPassword, Classes) {
  PasswordOptions o;
  for (int i = 0; i < 200; ++i) {
    std::string pw = random_password(o);
    ASSERT_EQ(pw.size(), 32u);
    bool lower = false, upper = false, digit = false, punct = false;
    for (char c : pw) {
      lower |= c >= 'a' && c <= 'z';
      upper |= c >= 'A' && c <= 'Z';
      digit |= c >= '0' && c <= '9';
      punct |= std::ispunct(static_cast<unsigned char>(c)) != 0;
      EXPECT_NE(c, ' ');
    }
    EXPECT_TRUE(lower && upper && digit && punct) << pw;
  }
  o.length = 4;
  o.exclude_lowercase = o.exclude_uppercase = o.exclude_numbers = true;
  o.exclude_characters = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  EXPECT_THROW(random_password(o), AwsError);  // nothing left
  o.include_space = true;
  EXPECT_EQ(random_password(o), "    ");
  PasswordOptions short_one;
  short_one.length = 3;
  EXPECT_THROW(random_password(short_one), AwsError);
  short_one.require_each = false;
  EXPECT_EQ(random_password(short_one).size(), 3u);
}

Doc secret_with_versions() {
  Doc s = Doc::map();
  s.set("Name", "n");
  s.set("Versions", Doc::map());
  return s;
}

TEST(SecretsLabels, MovingCurrentMovesPrevious) {
  Doc s = secret_with_versions();
  move_stage(s, "AWSCURRENT", "v1");
  EXPECT_EQ(version_with(s, "AWSCURRENT"), "v1");
  move_stage(s, "AWSCURRENT", "v2");
  EXPECT_EQ(version_with(s, "AWSCURRENT"), "v2");
  EXPECT_EQ(version_with(s, "AWSPREVIOUS"), "v1");
  move_stage(s, "AWSCURRENT", "v3");
  EXPECT_EQ(version_with(s, "AWSPREVIOUS"), "v2");
  EXPECT_EQ(s.get("Versions")->get("v1")->get("Stages")->size(), 0u);
  move_stage(s, "custom", "v1");
  remove_stage(s, "custom", "v1");
  EXPECT_EQ(version_with(s, "custom"), "");
}

TEST(SecretsLabels, PruneKeepsLabelledAndYoungVersions) {
  Doc s = secret_with_versions();
  int64_t now = 400 * kDay;
  for (int i = 0; i < 110; ++i) {
    Doc v = Doc::map();
    v.set("Created", i < 105 ? int64_t{i} : now);  // five young ones
    v.set("Stages", Doc::list());
    s["Versions"].set("v" + std::to_string(1000 + i), std::move(v));
  }
  move_stage(s, "AWSCURRENT", "v1000");
  auto dropped = prune_versions(s, now);
  EXPECT_EQ(dropped.size(), 10u);
  EXPECT_EQ(s.get("Versions")->size(), 100u);
  EXPECT_TRUE(s.get("Versions")->has("v1000"));  // labelled
  EXPECT_FALSE(s.get("Versions")->has("v1001"));
  EXPECT_TRUE(s.get("Versions")->has("v1109"));  // young
}

TEST(SecretsStore, FindsByNameArnAndPartialArn) {
  auto engine = storage::open_memory();
  storage::Engine& db = *engine;
  auto cipher = make_local_cipher(std::string(32, 'k'));
  SecretStore store(db, *cipher);
  Doc s = secret_with_versions();
  std::string arn = make_arn("123456789012", "us-east-1", "app/db-1");
  s.set("ARN", arn);
  s.set("Name", "app/db-1");
  storage::WriteBatch batch;
  store.put_value(batch, "123456789012", "us-east-1", s, "ver1", Value{false, "hunter2"});
  store.save(batch, "123456789012", "us-east-1", s);
  store.commit(batch);
  EXPECT_TRUE(store.find("123456789012", "us-east-1", "app/db-1"));
  EXPECT_TRUE(store.find("123456789012", "us-east-1", arn));
  EXPECT_TRUE(store.find("123456789012", "us-east-1", arn.substr(0, arn.size() - 7)));
  EXPECT_FALSE(store.find("123456789012", "us-east-1", arn.substr(0, arn.size() - 1) + "#"));
  EXPECT_FALSE(store.find("123456789012", "eu-west-1", arn));
  EXPECT_FALSE(store.find("210987654321", "us-east-1", arn));
  EXPECT_FALSE(store.find("123456789012", "us-east-1", "arn:aws:secretsmanager:"));
  auto v = store.get_value("123456789012", "us-east-1", s, "ver1");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->bytes, "hunter2");
  // The stored bytes are sealed, and bound to the version.
  std::string raw;
  ASSERT_TRUE(
      db.get(SecretStore::kValues, SecretStore::value_key("123456789012", "us-east-1", "app/db-1", "ver1"), &raw).ok());
  EXPECT_EQ(raw.find("hunter2"), std::string::npos);
  ASSERT_TRUE(
      db.put(SecretStore::kValues, SecretStore::value_key("123456789012", "us-east-1", "app/db-1", "ver2"), raw).ok());
  EXPECT_THROW(store.get_value("123456789012", "us-east-1", s, "ver2"), AwsError);
  EXPECT_EQ(store.refs().size(), 1u);
  store.erase("123456789012", "us-east-1", "app/db-1");
  EXPECT_FALSE(store.find("123456789012", "us-east-1", "app/db-1"));
}

TEST(SecretsStore, Names) {
  EXPECT_TRUE(valid_name("a/b_c+d=e.f@g-h"));
  EXPECT_FALSE(valid_name(""));
  EXPECT_FALSE(valid_name("a b"));
  EXPECT_FALSE(valid_name("a!"));
  EXPECT_FALSE(valid_name(std::string(513, 'a')));
  std::string arn = make_arn("1", "r", "x");
  EXPECT_EQ(arn.substr(0, arn.size() - 6), "arn:aws:secretsmanager:r:1:secret:x-");
}

}  // namespace
}  // namespace stratus::secretsmanager
