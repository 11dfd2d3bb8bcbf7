// DynamoDB expression parser and evaluator: syntax, AWS's messages, type rules, updates.
#include <gtest/gtest.h>

#include "services/dynamodb/expr.h"

using namespace stratus;
using namespace stratus::dynamodb;

namespace {

Doc S(const char* s) { Doc d = Doc::map(); d.set("S", s); return d; }
Doc N(const char* n) { Doc d = Doc::map(); d.set("N", n); return d; }
Doc L(DocList l) { Doc d = Doc::map(); d.set("L", Doc(std::move(l))); return d; }
Doc M(Doc m) { Doc d = Doc::map(); d.set("M", std::move(m)); return d; }
Doc SS(DocList l) { Doc d = Doc::map(); d.set("SS", Doc(std::move(l))); return d; }

Item sample() {
  Doc m = Doc::map();
  m.set("id", S("abc"));
  m.set("n", N("5"));
  m.set("s", S("hello world"));
  m.set("tags", SS({"a", "b"}));
  m.set("lst", L({N("1"), S("two"), N("3")}));
  Doc inner = Doc::map();
  inner.set("deep", S("x"));
  inner.set("arr", L({M([] { Doc d = Doc::map(); d.set("k", N("7")); return d; }())}));
  m.set("mp", M(inner));
  return item_from_doc(m);
}

struct Eval {
  Doc names = Doc::map();
  Doc values = Doc::map();
  bool operator()(const std::string& expr, const Item& item) {
    ExprContext ctx(names.as_map().empty() ? nullptr : &names, values.as_map().empty() ? nullptr : &values);
    Condition c = parse_condition(expr, "Condition", ctx);
    return evaluate(c, item);
  }
};

std::string cond_error(const std::string& expr, Doc names = Doc(), Doc values = Doc()) {
  try {
    ExprContext ctx(names.is_null() ? nullptr : &names, values.is_null() ? nullptr : &values);
    parse_condition(expr, "Condition", ctx);
    ctx.check_all_used(true);
  } catch (const AwsError& e) {
    return e.message;
  }
  return "";
}

Item updated(const std::string& expr, Doc values = Doc(), Item item = sample()) {
  ExprContext ctx(nullptr, values.is_null() ? nullptr : &values);
  auto actions = parse_update(expr, ctx);
  ctx.check_all_used(true);
  apply_update(actions, item);
  return item;
}

std::string update_error(const std::string& expr, Doc values = Doc()) {
  try {
    updated(expr, std::move(values));
  } catch (const AwsError& e) {
    return e.message;
  }
  return "";
}

}  // namespace

TEST(DynamoExpr, ComparisonsFollowTypeRules) {
  Eval e;
  e.values.set(":five", N("5.0"));
  Item it = sample();
  EXPECT_TRUE(e("n = :five", it));
  e.values = Doc::map();
  e.values.set(":s", S("5"));
  EXPECT_FALSE(e("n = :s", it));      // different types are never equal
  EXPECT_TRUE(e("n <> :s", it));
  EXPECT_FALSE(e("n < :s", it));      // nor ordered
  EXPECT_FALSE(e("n >= :s", it));
  e.values = Doc::map();
  e.values.set(":lo", N("1"));
  e.values.set(":hi", N("10"));
  EXPECT_TRUE(e("n BETWEEN :lo AND :hi", it));
  EXPECT_TRUE(e("n > :lo AND n < :hi", it));
  EXPECT_FALSE(e("NOT (n > :lo)", it));
  EXPECT_TRUE(e("absent < :hi OR n < :hi", it));
  EXPECT_TRUE(e("n IN (:lo, :hi, n)", it));
  EXPECT_TRUE(e("lst[0] = :lo and mp.arr[0].k < :hi", it));
}

TEST(DynamoExpr, Functions) {
  Eval e;
  Item it = sample();
  e.values.set(":p", S("hell"));
  e.values.set(":w", S("world"));
  e.values.set(":t", S("SS"));
  e.values.set(":a", S("a"));
  e.values.set(":two", S("two"));
  e.values.set(":n", N("11"));
  EXPECT_TRUE(e("attribute_exists(id) AND attribute_not_exists(nope) AND begins_with(s, :p) AND contains(s, :w) "
                "AND attribute_type(tags, :t) AND contains(tags, :a) AND contains(lst, :two) AND size(s) = :n", it));
  e.names.set("#m", "mp");
  e.values = Doc::map();
  e.values.set(":one", N("1"));
  EXPECT_TRUE(e("attribute_exists(#m.deep) AND size(#m.arr) = :one", it));
}

TEST(DynamoExpr, AwsMessagesForCommonMistakes) {
  Doc v = Doc::map();
  v.set(":v", S("x"));
  v.set(":w", S("y"));
  EXPECT_EQ(cond_error("id = :v", Doc(), v), "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}");
  Doc n = Doc::map();
  n.set("#a", "id");
  n.set("#b", "x");
  Doc v1 = Doc::map();
  v1.set(":v", S("x"));
  EXPECT_EQ(cond_error("#a = :v", n, v1), "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}");
  EXPECT_EQ(cond_error("id = :nope", Doc(), v1),
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope");
  EXPECT_EQ(cond_error("#zz = :v", n, v1),
            "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #zz");
  EXPECT_EQ(cond_error("status = :v", Doc(), v1), "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_EQ(cond_error("id = = :v", Doc(), v1), "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\"");
  EXPECT_EQ(cond_error("id =", Doc(), Doc()), "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\"");
  EXPECT_EQ(cond_error("", Doc(), Doc()), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(cond_error("foo(id)", Doc(), Doc()), "Invalid ConditionExpression: Invalid function name; function: foo");
  EXPECT_EQ(cond_error("begins_with(id)", Doc(), Doc()),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1");
  EXPECT_EQ(cond_error("attribute_exists(:v)", Doc(), v1),
            "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists");
  EXPECT_EQ(cond_error("id = :v", Doc::map(), v1), "ExpressionAttributeNames must not be empty");
  Doc bad = Doc::map();
  bad.set("v", S("x"));
  EXPECT_EQ(cond_error("id = :v", Doc(), bad), "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"");
  EXPECT_EQ(cond_error("id = :v AND id = $", Doc(), v1), "Invalid ConditionExpression: Invalid character encountered; character: \"$\"");
}

TEST(DynamoExpr, UpdateSetArithmeticAndFunctions) {
  Doc v = Doc::map();
  v.set(":one", N("1"));
  v.set(":l", L({S("z")}));
  v.set(":d", S("dflt"));
  Item it = updated("SET n = n + :one, lst = list_append(lst, :l), newattr = if_not_exists(newattr, :d), "
                    "s = if_not_exists(s, :d), mp.deep = :d",
                    v);
  EXPECT_EQ(it.at("n").scalar, "6");
  ASSERT_EQ(it.at("lst").list.size(), 4u);
  EXPECT_EQ(it.at("lst").list[3].scalar, "z");
  EXPECT_EQ(it.at("newattr").scalar, "dflt");
  EXPECT_EQ(it.at("s").scalar, "hello world");
  EXPECT_EQ(it.at("mp").map.at("deep").scalar, "dflt");
  Doc m = Doc::map();
  m.set(":x", N("0.1"));
  EXPECT_EQ(updated("SET n = :x - n", m).at("n").scalar, "-4.9");
}

TEST(DynamoExpr, UpdateRemoveAddDelete) {
  Doc v = Doc::map();
  v.set(":n", N("-2"));
  v.set(":ss", SS({"b", "c"}));
  v.set(":del", SS({"a"}));
  Item it = updated("REMOVE lst[0], lst[2], mp.deep ADD n :n, tags :ss, cnt :n DELETE oth :del", v);
  ASSERT_EQ(it.at("lst").list.size(), 1u);
  EXPECT_EQ(it.at("lst").list[0].scalar, "two");
  EXPECT_EQ(it.at("mp").map.count("deep"), 0u);
  EXPECT_EQ(it.at("n").scalar, "3");
  EXPECT_EQ(it.at("cnt").scalar, "-2");
  EXPECT_EQ(it.at("tags").set, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(updated("DELETE tags :del", v.get(":del") ? [&] { Doc d = Doc::map(); d.set(":del", *v.get(":del")); return d; }() : Doc()).at("tags").set, std::vector<std::string>{"b"});
  Doc all = Doc::map();
  all.set(":all", SS({"a", "b"}));
  EXPECT_EQ(updated("DELETE tags :all", all).count("tags"), 0u);  // an emptied set disappears
}

TEST(DynamoExpr, UpdateErrors) {
  Doc v = Doc::map();
  v.set(":s", S("x"));
  EXPECT_EQ(update_error("SET s = s + :s", v), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S");
  EXPECT_EQ(update_error("SET n = id + id"), "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(update_error("SET a = nothere"), "The provided expression refers to an attribute that does not exist in the item");
  EXPECT_EQ(update_error("SET nothere.x = :s", v), "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(update_error("SET a = :s SET b = :s", v), "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;");
  EXPECT_EQ(update_error("SET a = :s REMOVE a.b", v),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(update_error("ADD n :s", v), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING");
  EXPECT_EQ(update_error("ADD s :n", [] { Doc d = Doc::map(); d.set(":n", N("1")); return d; }()),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(update_error(""), "Invalid UpdateExpression: The expression can not be empty;");
}

TEST(DynamoExpr, Projection) {
  ExprContext ctx(nullptr, nullptr);
  auto paths = parse_projection("id, mp.arr[0].k, lst[2], lst[0], nope", ctx);
  Item p = project(sample(), paths);
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.at("mp").map.at("arr").list[0].map.at("k").scalar, "7");
  ASSERT_EQ(p.at("lst").list.size(), 2u);
  EXPECT_EQ(p.at("lst").list[0].scalar, "1");
  EXPECT_EQ(p.at("lst").list[1].scalar, "3");
}
