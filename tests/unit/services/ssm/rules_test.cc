#include "services/ssm/rules.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace stratus::ssm {
namespace {

std::string code_of(auto fn) {
  try {
    fn();
  } catch (const AwsError& e) {
    return e.code;
  }
  return "";
}

TEST(SsmRules, NameKeysAndArns) {
  EXPECT_EQ(name_key("a"), "/a");
  EXPECT_EQ(name_key("/a"), "/a");
  EXPECT_EQ(name_key("/a/b"), "/a/b");
  EXPECT_EQ(parameter_arn("1", "r", "/a/b"), "arn:aws:ssm:r:1:parameter/a/b");
  EXPECT_EQ(parameter_arn("1", "r", "a"), "arn:aws:ssm:r:1:parameter/a");
  EXPECT_EQ(strip_arn("arn:aws:ssm:r:1:parameter/a/b"), "/a/b");
  EXPECT_EQ(strip_arn("plain"), "plain");
  EXPECT_EQ(levels("/a/b/c"), 3u);
  EXPECT_EQ(levels("a"), 1u);
}

TEST(SsmRules, PutNames) {
  EXPECT_EQ(validate_put_name("  /a/b  ", "000000000000", "us-east-1"), "/a/b");
  EXPECT_EQ(code_of([] { validate_put_name("awsx", "0", "r"); }), "ValidationException");
  EXPECT_EQ(code_of([] { validate_put_name("/aws/x/y", "0", "r"); }), "AccessDeniedException");
  EXPECT_EQ(code_of([] { validate_put_name("/SSM/x", "0", "r"); }), "ValidationException");
  EXPECT_EQ(code_of([] { validate_put_name("/a//b", "0", "r"); }), "ValidationException");
  EXPECT_EQ(code_of([] { validate_put_name("/a/b/", "0", "r"); }), "ValidationException");
  EXPECT_EQ(code_of([] { validate_put_name("a/b", "0", "r"); }), "ValidationException");
  EXPECT_EQ(code_of([] { validate_put_name("/a$", "0", "r"); }), "ValidationException");
  std::string deep;
  for (int i = 0; i < 16; ++i) deep += "/x";
  EXPECT_EQ(code_of([&] { validate_put_name(deep, "0", "r"); }), "HierarchyLevelLimitExceededException");
  EXPECT_EQ(code_of([&] { validate_put_name(deep.substr(2), "0", "r"); }), "");
}

TEST(SsmRules, Selectors) {
  auto s = parse_selector("/a/b:12");
  EXPECT_EQ(s.name, "/a/b");
  EXPECT_EQ(*s.version, 12);
  EXPECT_EQ(s.text, ":12");
  s = parse_selector("arn:aws:ssm:us-east-1:000000000000:parameter/a:prod");
  EXPECT_EQ(s.name, "/a");
  EXPECT_EQ(s.label, "prod");
  EXPECT_FALSE(s.version);
  EXPECT_FALSE(parse_selector("/a:b:c").valid);
  EXPECT_FALSE(parse_selector("/a:").valid);
  EXPECT_EQ(parse_selector("/a:99999999999999999999").label, "99999999999999999999");
}

TEST(SsmRules, Labels) {
  EXPECT_TRUE(valid_label("prod"));
  EXPECT_TRUE(valid_label("a.b-c_d"));
  EXPECT_FALSE(valid_label("1a"));
  EXPECT_FALSE(valid_label("AWSx"));
  EXPECT_FALSE(valid_label("ssmx"));
  EXPECT_FALSE(valid_label("a/b"));
  EXPECT_FALSE(valid_label(std::string(101, 'a')));
}

TEST(SsmRules, Policies) {
  auto p = parse_policies(
      R"([{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00.000Z"}},)"
      R"({"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"15","Unit":"Days"}}])");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].expires_ms, 1893456000000);
  EXPECT_EQ(p[1].amount, 15);
  EXPECT_TRUE(parse_policies("[{}]").empty());
  EXPECT_EQ(code_of([] { parse_policies("{"); }), "ValidationException");
  EXPECT_EQ(code_of([] { parse_policies(R"([{"Type":"X","Attributes":{}}])"); }), "InvalidPolicyTypeException");
  EXPECT_EQ(code_of([] { parse_policies(R"([{"Type":"NoChangeNotification","Attributes":{"After":"-1"}}])"); }),
            "InvalidPolicyAttributeException");
  EXPECT_EQ(code_of([] {
              parse_policies(R"([{"Type":"NoChangeNotification","Attributes":{"After":"1"}},)"
                             R"({"Type":"NoChangeNotification","Attributes":{"After":"2"}}])");
            }),
            "IncompatiblePolicyException");
  EXPECT_EQ(code_of([] { parse_policies(R"([{"Type":"ExpirationNotification","Attributes":{"Before":"1"}}])"); }),
            "IncompatiblePolicyException");
}

TEST(SsmRules, Patterns) {
  EXPECT_EQ(matches_pattern("^\\d+$", "123"), true);
  EXPECT_EQ(matches_pattern("^\\d+$", "12a"), false);
  EXPECT_EQ(matches_pattern("(", "x"), std::nullopt);
  // Catastrophic backtracking is bounded (a step budget), not a hang.
  EXPECT_NE(matches_pattern("(a*)*b", std::string(8000, 'a')), true);
}

}  // namespace
}  // namespace stratus::ssm
