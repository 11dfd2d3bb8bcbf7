// DynamoDB expression limits (issue 21): the inputs that used to exhaust the stack or take
// quadratic time answer AWS's ValidationException, checked before any recursive parsing.
#include <gtest/gtest.h>

#include <string>

#include "services/dynamodb/expr.h"

using namespace stratus;
using namespace stratus::dynamodb;

namespace {

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

Doc values_v() {
  Doc v = Doc::map();
  Doc s = Doc::map();
  s.set("S", "x");
  v.set(":v", s);
  return v;
}

// The message of the error parse_* throws for `text`, "" when it parses.
std::string condition_error(const std::string& text, const std::string& kind = "Condition") {
  Doc v = values_v();
  try {
    ExprContext ctx(nullptr, &v);
    parse_condition(text, kind, ctx);
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "ValidationException");
    return e.message;
  }
  return "";
}

std::string update_error(const std::string& text) {
  Doc v = values_v();
  try {
    ExprContext ctx(nullptr, &v);
    parse_update(text, ctx);
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "ValidationException");
    return e.message;
  }
  return "";
}

std::string projection_error(const std::string& text) {
  try {
    ExprContext ctx(nullptr, nullptr);
    parse_projection(text, ctx);
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "ValidationException");
    return e.message;
  }
  return "";
}

std::string limits_error(const std::string& text, const std::string& kind) {
  try {
    check_expression_limits(text, kind);
  } catch (const AwsError& e) {
    return e.message;
  }
  return "";
}

TEST(DynamoDbExprLimits, SizeOver4KbRefusedBeforeParsing) {
  // The reproductions: 10,000 nested parentheses, 100,000 NOTs / ANDs.
  std::string parens = repeat("(", 10000) + "a = :v" + repeat(")", 10000);
  EXPECT_EQ(condition_error(parens, "Filter"),
            "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 20006");
  EXPECT_NE(condition_error(repeat("NOT ", 100000) + "a = :v").find("Expression size has exceeded"),
            std::string::npos);
  EXPECT_NE(condition_error("a = :v" + repeat(" AND a = :v", 100000))
                .find("Expression size has exceeded"),
            std::string::npos);
  EXPECT_NE(projection_error("a" + repeat(".a", 100000))
                .find("Invalid ProjectionExpression: Expression size"),
            std::string::npos);
  // Exactly 4 KB is allowed (a long attribute name keeps it valid).
  std::string at_limit = std::string(4096 - 5, 'x') + " = :v";
  ASSERT_EQ(at_limit.size(), 4096u);
  EXPECT_EQ(condition_error(at_limit), "");
  EXPECT_NE(condition_error("y" + at_limit).find("expression size: 4097"), std::string::npos);
}

TEST(DynamoDbExprLimits, HundredThousandSetActionsRefused) {
  std::string set = "SET a0 = :v";
  for (int i = 1; i < 100000; ++i) set += ", a" + std::to_string(i) + " = :v";
  EXPECT_NE(update_error(set).find("Invalid UpdateExpression: Expression size has exceeded"),
            std::string::npos);
}

TEST(DynamoDbExprLimits, OperatorCount) {
  // 300 operators pass, 301 fail; ANDs, NOTs and functions all count.
  std::string ok = "a = :v";                          // 1
  for (int i = 0; i < 149; ++i) ok += " AND a = :v";  // +2 each: 299
  EXPECT_EQ(condition_error("NOT " + ok), "");        // 300
  EXPECT_EQ(condition_error("NOT NOT " + ok),
            "Invalid ConditionExpression: The expression contains too many operators; "
            "operator count: 301");
  EXPECT_NE(condition_error(repeat("NOT ", 400) + "a = :v").find("too many operators"),
            std::string::npos);
  EXPECT_NE(
      condition_error(repeat("attribute_exists(a) OR ", 150) + "a = :v").find("too many operators"),
      std::string::npos);
  // BETWEEN's AND is part of BETWEEN.
  std::string between = "a BETWEEN :v AND :v";
  for (int i = 0; i < 149; ++i) between += " OR a BETWEEN :v AND :v";
  EXPECT_EQ(condition_error(between), "");  // 150 BETWEEN + 149 OR
  // SET's "=" is not an operator; "+" is.
  std::string set = "SET a = :v";
  for (int i = 0; i < 301; ++i) set += " + :v";
  EXPECT_NE(update_error(set).find(
                "Invalid UpdateExpression: The expression contains too many operators"),
            std::string::npos);
  EXPECT_NE(limits_error(set, "Update").find("too many operators"), std::string::npos);
}

TEST(DynamoDbExprLimits, RedundantParentheses) {
  EXPECT_EQ(condition_error("((a = :v))"),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(condition_error(repeat("(", 2000) + "a = :v" + repeat(")", 2000)),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  // One pair around a condition, and nested pairs around different things, are fine.
  EXPECT_EQ(condition_error("(a = :v)"), "");
  EXPECT_EQ(condition_error("((a = :v) AND (b = :v)) OR c = :v"), "");
  EXPECT_EQ(condition_error("(a = :v AND (b = :v OR (c = :v)))"), "");
  EXPECT_EQ(condition_error("NOT (attribute_exists(a))"), "");
}

TEST(DynamoDbExprLimits, DeepNonRedundantNestingBoundedByOperators) {
  // Every level needs an operator: deep nesting ends at the operator limit, never in recursion.
  std::string deep;
  for (int i = 0; i < 600; ++i) deep += "NOT (";
  deep += "a = :v" + repeat(")", 600);
  ASSERT_LE(deep.size(), 4096u);
  EXPECT_NE(condition_error(deep).find("too many operators"), std::string::npos);
  EXPECT_NE(condition_error(repeat("size(", 400) + "a" + repeat(")", 400) + " = :v")
                .find("too many operators"),
            std::string::npos);
  // Nested functions below the limit parse (recursion bounded by the operator count).
  Doc l = Doc::map();
  l.set("L", Doc::list());
  Doc values = Doc::map();
  values.set(":l", l);
  ExprContext ctx(nullptr, &values);
  auto actions =
      parse_update("SET a = " + repeat("list_append(", 170) + ":l" + repeat(", :l)", 170), ctx);
  Item item;
  apply_update(actions, item);
  EXPECT_EQ(item["a"].type, Type::L);
}

TEST(DynamoDbExprLimits, DocumentPathDepth) {
  std::string path = "a" + repeat(".b", 31);  // 32 levels
  EXPECT_EQ(projection_error(path), "");
  EXPECT_EQ(projection_error(path + ".c"),
            "Invalid ProjectionExpression: The document path has too many nesting levels; nesting "
            "levels: 33");
  EXPECT_NE(projection_error("a" + repeat("[0]", 40)).find("nesting levels: 33"),
            std::string::npos);
  EXPECT_NE(condition_error("attribute_exists(a" + repeat(".b", 40) + ")")
                .find("too many nesting levels"),
            std::string::npos);
}

TEST(DynamoDbExprLimits, OverlapCheckLinearAndSameMessage) {
  // Hundreds of distinct paths: sorted once, no pairwise comparison.
  std::string set = "SET a0 = :v";
  for (int i = 1; i < 340; ++i) set += ", a" + std::to_string(i) + " = :v";
  ASSERT_LE(set.size(), 4096u);
  EXPECT_EQ(update_error(set), "");
  // The pair AWS names is the first in the expression's order.
  EXPECT_EQ(update_error("SET b = :v, a.x = :v, c = :v, a = :v"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of "
            "these paths; path one: [a, x], path two: [a]");
  EXPECT_EQ(projection_error("x[1], y, x[1].z"),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove "
            "or rewrite one "
            "of these paths; path one: [x, [1]], path two: [x, [1], z]");
  EXPECT_EQ(projection_error("x[1], x.a, x[2]"), "");
}

TEST(DynamoDbExprLimits, SetUnionAndDifferenceLarge) {
  // ADD / DELETE on big sets: hashing, not a search per element.
  Doc big = Doc::map();
  DocList a, b;
  for (int i = 0; i < 50000; ++i) a.push_back(Doc("e" + std::to_string(i)));
  for (int i = 25000; i < 75000; ++i) b.push_back(Doc("e" + std::to_string(i)));
  Doc sa = Doc::map();
  sa.set("SS", Doc(std::move(a)));
  Doc sb = Doc::map();
  sb.set("SS", Doc(std::move(b)));
  Doc values = Doc::map();
  values.set(":b", sb);
  Item item;
  item["s"] = from_doc(sa);
  ExprContext ctx(nullptr, &values);
  auto add = parse_update("ADD s :b", ctx);
  apply_update(add, item);
  EXPECT_EQ(item["s"].set.size(), 75000u);
  ExprContext ctx2(nullptr, &values);
  auto del = parse_update("DELETE s :b", ctx2);
  apply_update(del, item);
  EXPECT_EQ(item["s"].set.size(), 25000u);
}

TEST(DynamoDbExprLimits, CopiesPastItemSizeStopEarly) {
  // SET a1 = big, a2 = big, ...: fails once the copies exceed an item's size.
  Item item;
  item["big"] = Value::str(std::string(300 * 1024, 'x'));
  std::string set = "SET a0 = big";
  for (int i = 1; i < 300; ++i) set += ", a" + std::to_string(i) + " = big";
  ExprContext ctx(nullptr, nullptr);
  auto actions = parse_update(set, ctx);
  try {
    apply_update(actions, item);
    FAIL() << "expected a ValidationException";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.message, "Item size to update has exceeded the maximum allowed size");
  }
}

}  // namespace

namespace {

TEST(DynamoDbExprLimits, UpdateCannotNestPast32Levels) {
  // SET m.x = m nests one level deeper per update; the 33rd level is refused as AWS refuses it.
  Item item;
  item["m"].type = Type::M;
  int applied = 0;
  try {
    for (; applied < 100; ++applied) {
      ExprContext ctx(nullptr, nullptr);
      auto actions = parse_update("SET m.x = m", ctx);
      apply_update(actions, item);
    }
  } catch (const AwsError& e) {
    EXPECT_EQ(e.message, "Nesting Levels have exceeded supported limits");
  }
  EXPECT_EQ(applied, 32);
}

}  // namespace
