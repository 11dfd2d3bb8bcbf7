// CloudWatch Logs filter patterns (services/logs/filter.h): the examples of AWS's "Filter
// pattern syntax" page (aws-facts/cloudwatch.md §6) and the edges around them.
#include "services/logs/filter.h"

#include <gtest/gtest.h>

namespace stratus::logs {
namespace {

FilterPattern P(std::string_view p) {
  std::string err;
  auto f = FilterPattern::parse(p, &err);
  EXPECT_TRUE(f.has_value()) << p << ": " << err;
  if (!f) return *FilterPattern::parse("", nullptr);
  return *f;
}

bool invalid(std::string_view p) {
  std::string err;
  return !FilterPattern::parse(p, &err).has_value() && !err.empty();
}

TEST(LogsFilter, EmptyAndBlankQuotesMatchEverything) {
  EXPECT_TRUE(P("").matches("anything"));
  EXPECT_TRUE(P("   ").matches("anything"));
  EXPECT_TRUE(P("\" \"").matches("anything"));
}

TEST(LogsFilter, TermsAreCaseSensitiveAndAllMustAppear) {
  const char* lines[] = {"[ERROR 400] BAD REQUEST", "[ERROR 401] UNAUTHORIZED REQUEST", "[ERROR 419] MISSING ARGUMENTS",
                         "[ERROR 420] INVALID ARGUMENTS"};
  EXPECT_TRUE(P("ERROR").matches(lines[0]));
  EXPECT_FALSE(P("error").matches(lines[0]));
  EXPECT_FALSE(P("ERROR ARGUMENTS").matches(lines[0]));
  EXPECT_TRUE(P("ERROR ARGUMENTS").matches(lines[2]));
  for (auto* l : lines) EXPECT_TRUE(P("?ERROR ?ARGUMENTS").matches(l));
  EXPECT_FALSE(P("?ARGUMENTS ?UNAUTHORIZED").matches(lines[0]));
  EXPECT_TRUE(P("\"BAD REQUEST\"").matches(lines[0]));
  EXPECT_FALSE(P("\"BAD  REQUEST\"").matches(lines[0]));
  EXPECT_TRUE(P("ERROR -ARGUMENTS").matches(lines[0]));
  EXPECT_FALSE(P("ERROR -ARGUMENTS").matches(lines[2]));
}

TEST(LogsFilter, JsonFactTable) {
  std::string e1 =
      R"({"user":{"id":1,"email":"John.Stiles@example.com"},"users":[{"id":2,"email":"John.Doe@example.com"},{"id":3,"email":"Jane.Doe@example.com"}],"actions":["GET","PUT","DELETE"],"coordinates":[[0,1,2],[4,5,6],[7,8,9]]})";
  EXPECT_TRUE(P(R"({ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") })").matches(e1));
  EXPECT_TRUE(
      P(R"({ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" })")
          .matches(e1));
  EXPECT_FALSE(
      P(R"({ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" })")
          .matches(e1));
  EXPECT_FALSE(P(R"({ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" })").matches(e1));
  EXPECT_TRUE(P(R"({ $.coordinates[1][2] = 6 })").matches(e1));
  EXPECT_FALSE(P(R"({ $.user = "x" })").matches(e1));   // objects never match
  EXPECT_FALSE(P(R"({ $.actions = * })").matches(e1));  // nor arrays

  std::string e2 =
      R"({"eventType":"UpdateTrail","sourceIPAddress":"111.111.111.111","arrayKey":["value","another value"],"objectList":[{"name":"a","id":1},{"name":"b","id":2}],"SomeObject":null,"ok":true,"bad":false})";
  EXPECT_TRUE(P(R"({ $.eventType = "UpdateTrail" })").matches(e2));
  EXPECT_TRUE(P(R"({ $.eventType = UpdateTrail })").matches(e2));
  EXPECT_TRUE(P(R"({ $.sourceIPAddress != 123.123.* })").matches(e2));
  EXPECT_FALSE(P(R"({ $.sourceIPAddress != 111.111.* })").matches(e2));
  EXPECT_TRUE(P(R"({ $.arrayKey[0] = "value" })").matches(e2));
  EXPECT_TRUE(P(R"({ $.objectList[1].id = 2 })").matches(e2));
  EXPECT_TRUE(P(R"({ $.SomeObject IS NULL })").matches(e2));
  EXPECT_TRUE(P(R"({ $.SomeOtherObject NOT EXISTS })").matches(e2));
  EXPECT_FALSE(P(R"({ $.eventType NOT EXISTS })").matches(e2));
  EXPECT_TRUE(P(R"({ $.ok IS TRUE && $.bad IS FALSE })").matches(e2));
  EXPECT_FALSE(P(R"({ $.bad IS TRUE })").matches(e2));
  EXPECT_TRUE(P(R"({ $.eventType = "Update*" })").matches(e2));
  EXPECT_TRUE(P(R"({ $.eventType = "*" })").matches(e2));
  EXPECT_FALSE(P(R"({ $.missing = "*" })").matches(e2));
  EXPECT_TRUE(P(R"({ $.eventType = %Upd.te% })").matches(e2));
}

TEST(LogsFilter, JsonNumbers) {
  std::string e = R"({"latency": 50, "ratio": 0.001, "code": "404", "neg": -3})";
  EXPECT_TRUE(P("{ $.latency = 50 }").matches(e));
  EXPECT_TRUE(P("{ $.latency >= 50 && $.latency <= 50 }").matches(e));
  EXPECT_TRUE(P("{ $.latency > 49.5 }").matches(e));
  EXPECT_FALSE(P("{ $.latency < 50 }").matches(e));
  EXPECT_TRUE(P("{ $.latency != 51 }").matches(e));
  EXPECT_TRUE(P("{ $.ratio = 1e-3 }").matches(e));
  EXPECT_TRUE(P("{ $.neg < -2 }").matches(e));
  EXPECT_TRUE(P("{ $.neg = -3 }").matches(e));
  EXPECT_TRUE(P("{ $.latency = * }").matches(e));
  EXPECT_TRUE(P("{ $.code = 404 }").matches(e));
  EXPECT_TRUE(P("{ $.code = 4* }").matches(e));
}

TEST(LogsFilter, JsonPatternsNeverMatchPlainText) {
  EXPECT_FALSE(P(R"({ $.level = "ERROR" })").matches("plain text ERROR"));
  EXPECT_FALSE(P(R"({ $.x NOT EXISTS })").matches("not json"));
  EXPECT_FALSE(P(R"({ $.level = "ERROR" })").matches("{broken json"));
}

TEST(LogsFilter, SpaceDelimited) {
  std::string line = R"(127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534)";
  auto m = P("[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]").match(line);
  ASSERT_TRUE(m.matched);
  EXPECT_EQ(m.value("$ip"), "127.0.0.1");
  EXPECT_EQ(m.value("$timestamp"), "10/Oct/2000:13:25:15 -0700");
  EXPECT_EQ(m.value("$request"), "GET /index.html HTTP/1.0");
  EXPECT_EQ(m.value("$status_code"), "404");
  EXPECT_EQ(m.value("$bytes"), "1534");
  EXPECT_TRUE(P("[ip, server, username, timestamp, request, status_code, bytes > 1000]").matches(line));
  EXPECT_FALSE(P("[ip, server, username, timestamp, request, status_code, bytes > 2000]").matches(line));
  EXPECT_FALSE(P("[ip, server, username, timestamp, request, status_code]").matches(line));  // field count
  EXPECT_TRUE(P("[..., request=*.html*, status_code=4*, bytes]").matches(line));
  EXPECT_TRUE(P("[ip, ..., status_code = 404 || status_code = 410, size]").matches(line));
  EXPECT_FALSE(P("[ip, ..., status_code = 500 || status_code = 410, size]").matches(line));
  EXPECT_TRUE(P("[ip, user != Test && user != Dev, ...]").matches(line));
  EXPECT_FALSE(P("[ip, user != Prod && user != Dev, ...]").matches(line));
  EXPECT_TRUE(P("[..., size >= 1534]").matches(line));
  EXPECT_TRUE(P("[...]").matches(line));
  auto m2 = P("[ip, ..., code, size]").match(line);
  ASSERT_TRUE(m2.matched);
  EXPECT_EQ(m2.value("$code"), "404");
  EXPECT_TRUE(P("[w1=ERROR, w2]").matches("ERROR timeout"));
  EXPECT_FALSE(P("[w1=ERROR, w2]").matches("WARN timeout"));
  EXPECT_TRUE(P("[w1!=ERROR && w1!=WARNING, w2]").matches("INFO hello"));
  EXPECT_FALSE(P("[w1!=ERROR && w1!=WARNING, w2]").matches("WARNING hello"));
  EXPECT_TRUE(P("[a, b=%^[0-9]+$%]").matches("x 123"));
  EXPECT_FALSE(P("[a, b=%^[0-9]+$%]").matches("x 12a"));
}

TEST(LogsFilter, Regex) {
  EXPECT_TRUE(P("%AUTHORIZED%").matches("[ERROR 401] UNAUTHORIZED REQUEST"));
  EXPECT_TRUE(P("%AUTHORIZED%").matches("AUTHORIZED"));
  EXPECT_TRUE(P("%ERR.R%").matches("an ERROR here"));
  EXPECT_TRUE(P("%colou?r%").matches("color"));
  EXPECT_TRUE(P("%colou?r%").matches("colour"));
  EXPECT_TRUE(P("%[Ee]rror|[Ff]ail%").matches("it failed"));
  EXPECT_FALSE(P("%[Ee]rror|[Ff]ail%").matches("all good"));
  EXPECT_TRUE(P(R"(%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%)").matches("from 10.0.12.255 ok"));
  EXPECT_FALSE(P(R"(%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%)").matches("from 10.0.12 ok"));
  EXPECT_TRUE(P("%^START%").matches("START RequestId"));
  EXPECT_FALSE(P("%^START%").matches("x START"));
  EXPECT_TRUE(P("%END$%").matches("the END"));
  EXPECT_FALSE(P("%END$%").matches("END here"));
  EXPECT_TRUE(P("%a{3}%").matches("baaab"));
  EXPECT_FALSE(P("%ba{3}b%").matches("baab"));
  EXPECT_TRUE(P("%ba{2,}b%").matches("baaaaab"));
  EXPECT_TRUE(P("%[^a-z]+%").matches("ABC"));
  EXPECT_FALSE(P("%^[^a-z]+$%").matches("AbC"));
  EXPECT_TRUE(P("%x.*y%").matches("x then y"));
  EXPECT_TRUE(P("ERROR %time.ut%").matches("ERROR timeout"));
  // no backtracking blow-up
  EXPECT_FALSE(P("%a*a*a*a*a*a*a*a*a*b%").matches(std::string(20000, 'a')));
}

TEST(LogsFilter, InvalidPatterns) {
  EXPECT_TRUE(invalid("%something!%"));
  EXPECT_TRUE(invalid("%(a|b)%"));
  EXPECT_TRUE(invalid("%a% %b% %c%"));  // at most two regexes
  EXPECT_TRUE(invalid("%abc"));
  EXPECT_TRUE(invalid("%[abc%"));
  EXPECT_TRUE(invalid("%é%"));
  EXPECT_TRUE(invalid("{ $.a = 1"));
  EXPECT_TRUE(invalid("{ a = 1 }"));
  EXPECT_TRUE(invalid("{ $.a IS NOT NULL }"));
  EXPECT_TRUE(invalid("{ $.a EXISTS }"));
  EXPECT_TRUE(invalid("{ $.a < \"x\" }"));
  EXPECT_TRUE(invalid("{ ($.a = 1 }"));
  EXPECT_TRUE(invalid("{ $.a = 1 } trailing"));
  EXPECT_TRUE(invalid("[a, b"));
  EXPECT_TRUE(invalid("[a, , b]"));
  EXPECT_TRUE(invalid("[a > x]"));
  EXPECT_TRUE(invalid("[a = 1 && b = 2]"));
  EXPECT_TRUE(invalid("\"unterminated"));
  EXPECT_TRUE(invalid("ab\"c"));
  EXPECT_TRUE(invalid("{" + std::string(100, '(') + "$.a=1" + std::string(100, ')') + "}"));
}

TEST(LogsFilter, FieldReferences) {
  EXPECT_TRUE(valid_field_reference("$.latency"));
  EXPECT_TRUE(valid_field_reference("$.a[0].b"));
  EXPECT_TRUE(valid_field_reference("$bytes"));
  EXPECT_FALSE(valid_field_reference("$"));
  EXPECT_FALSE(valid_field_reference("latency"));
  EXPECT_FALSE(valid_field_reference("$.a..b"));
  auto m = P("{ $.latency = * }").match(R"({"latency": 50, "t": {"x": [1.5]}})");
  ASSERT_TRUE(m.matched);
  EXPECT_EQ(m.value("$.latency"), "50");
  EXPECT_EQ(m.value("$.t.x[0]"), "1.5");
  EXPECT_EQ(m.value("$.t"), std::nullopt);
  EXPECT_EQ(m.value("$.nope"), std::nullopt);
}

}  // namespace
}  // namespace stratus::logs
