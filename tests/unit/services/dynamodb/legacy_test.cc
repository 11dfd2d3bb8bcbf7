// DynamoDB legacy parameters (Expected, ConditionalOperator, AttributeUpdates, KeyConditions,
// QueryFilter/ScanFilter, AttributesToGet) translated into the expression AST: the translation,
// its evaluation against items, and AWS's validation messages.
#include <gtest/gtest.h>

#include "core/json.h"
#include "services/dynamodb/legacy.h"

using namespace stratus;
using namespace stratus::dynamodb;

namespace {

Doc J(const char* text) { return json::parse(text); }

Item item() {
  return item_from_doc(J(R"({"id":{"S":"abc"},"n":{"N":"5"},"s":{"S":"hello world"},"tags":{"SS":["a","b"]},
                            "b":{"B":"xyz123"},"lst":{"L":[{"N":"1"},{"S":"two"}]},"nul":{"NULL":true}})"));
}

bool eval_expected(const char* expected, const char* op = "") {
  auto c = legacy_condition(J(expected), "Expected", op);
  EXPECT_TRUE(c.has_value());
  return evaluate(*c, item());
}

bool eval_filter(const char* filter, const char* op = "") {
  auto c = legacy_condition(J(filter), "ScanFilter", op);
  EXPECT_TRUE(c.has_value());
  return evaluate(*c, item());
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "ValidationException");
    return e.message;
  }
  return "(no error)";
}

}  // namespace

TEST(DynamoLegacy, ExpectedValueAndExists) {
  EXPECT_TRUE(eval_expected(R"({"n":{"Value":{"N":"5.0"}}})"));
  EXPECT_FALSE(eval_expected(R"({"n":{"Value":{"S":"5"}}})"));
  EXPECT_TRUE(eval_expected(R"({"n":{"Value":{"N":"5"},"Exists":true}})"));
  EXPECT_TRUE(eval_expected(R"({"missing":{"Exists":false}})"));
  EXPECT_FALSE(eval_expected(R"({"n":{"Exists":false}})"));
}

TEST(DynamoLegacy, EveryComparisonOperator) {
  EXPECT_TRUE(eval_filter(R"({"n":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"5"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"n":{"ComparisonOperator":"NE","AttributeValueList":[{"N":"6"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"n":{"ComparisonOperator":"LE","AttributeValueList":[{"N":"5"}]}})"));
  EXPECT_FALSE(eval_filter(R"({"n":{"ComparisonOperator":"LT","AttributeValueList":[{"N":"5"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"n":{"ComparisonOperator":"GE","AttributeValueList":[{"N":"-1"}]}})"));
  EXPECT_FALSE(eval_filter(R"({"n":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"10"}]}})"));
  // A different type never compares.
  EXPECT_FALSE(eval_filter(R"({"n":{"ComparisonOperator":"GT","AttributeValueList":[{"S":"1"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"nul":{"ComparisonOperator":"NOT_NULL"}})"));
  EXPECT_TRUE(eval_filter(R"({"zzz":{"ComparisonOperator":"NULL"}})"));
  EXPECT_FALSE(eval_filter(R"({"n":{"ComparisonOperator":"NULL"}})"));
  EXPECT_TRUE(eval_filter(R"({"s":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"lo w"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"tags":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"b"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"lst":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"two"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"b":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"B":"z12"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"tags":{"ComparisonOperator":"NOT_CONTAINS","AttributeValueList":[{"S":"c"}]}})"));
  EXPECT_FALSE(eval_filter(R"({"s":{"ComparisonOperator":"NOT_CONTAINS","AttributeValueList":[{"S":"hello"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"s":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"hell"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"n":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"},{"N":"5"}]}})"));
  EXPECT_FALSE(eval_filter(R"({"n":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"},{"S":"5"}]}})"));
  EXPECT_TRUE(eval_filter(R"({"n":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"5"},{"N":"9"}]}})"));
  EXPECT_FALSE(eval_filter(R"({"n":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"6"},{"N":"9"}]}})"));
}

TEST(DynamoLegacy, ConditionalOperatorCombines) {
  const char* two = R"({"n":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"5"}]},
                        "s":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"nope"}]}})";
  EXPECT_FALSE(eval_filter(two));
  EXPECT_FALSE(eval_filter(two, "AND"));
  EXPECT_TRUE(eval_filter(two, "OR"));
  auto c = legacy_condition(J(two), "ScanFilter", "OR");
  EXPECT_EQ(c->kind, Condition::Kind::or_);
  EXPECT_FALSE(legacy_condition(J("{}"), "ScanFilter", "").has_value());
}

TEST(DynamoLegacy, ArgumentCountsAndTypes) {
  auto filter = [](const char* f) { return error_of([&] { legacy_condition(J(f), "QueryFilter", ""); }); };
  EXPECT_EQ(filter(R"({"a":{"ComparisonOperator":"EQ"}})"),
            "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator");
  EXPECT_EQ(filter(R"({"a":{"ComparisonOperator":"NULL","AttributeValueList":[{"S":"x"}]}})"),
            "One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator");
  EXPECT_EQ(filter(R"({"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"}]}})"),
            "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator");
  EXPECT_EQ(filter(R"({"a":{"ComparisonOperator":"IN","AttributeValueList":[]}})"),
            "One or more parameter values were invalid: Invalid number of argument(s) for the IN ComparisonOperator");
  EXPECT_EQ(filter(R"({"a":{"ComparisonOperator":"LT","AttributeValueList":[{"SS":["x"]}]}})"),
            "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS AttributeValue type");
  EXPECT_EQ(filter(R"({"a":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"N":"1"}]}})"),
            "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type");
  EXPECT_EQ(filter(R"({"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"S":"2"}]}})"),
            "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type");
  EXPECT_EQ(filter(R"({"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"3"},{"N":"2"}]}})"),
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
  EXPECT_EQ(error_of([] { legacy_condition(J(R"({"a":{"ComparisonOperator":"NE","AttributeValueList":[{"S":"x"}]}})"), "KeyConditions", ""); }),
            "Attempted conditional constraint is not an indexable operation");
}

TEST(DynamoLegacy, ExpectedValidation) {
  auto expected = [](const char* f) { return error_of([&] { legacy_condition(J(f), "Expected", ""); }); };
  EXPECT_EQ(expected(R"({"a":{}})"),
            "One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a");
  EXPECT_EQ(expected(R"({"a":{"Exists":true}})"),
            "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a");
  EXPECT_EQ(expected(R"({"a":{"Exists":false,"Value":{"S":"x"}}})"),
            "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a");
  EXPECT_EQ(expected(R"({"a":{"Value":{"S":"x"},"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"}]}})"),
            "One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: a");
  EXPECT_EQ(expected(R"({"a":{"AttributeValueList":[{"S":"x"}]}})"),
            "One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a");
}

TEST(DynamoLegacy, AttributeUpdatesBecomeUpdateActions) {
  auto actions = legacy_updates(J(R"({"n":{"Action":"ADD","Value":{"N":"2"}},"s":{"Value":{"S":"new"}},
                                      "tags":{"Action":"DELETE","Value":{"SS":["a"]}},"lst":{"Action":"DELETE"},
                                      "fresh":{"Action":"ADD","Value":{"NS":["1"]}}})"));
  Item it = item();
  apply_update(actions, it);
  EXPECT_EQ(it.at("n").scalar, "7");
  EXPECT_EQ(it.at("s").scalar, "new");
  EXPECT_EQ(it.at("tags").set, std::vector<std::string>{"b"});
  EXPECT_EQ(it.count("lst"), 0u);
  EXPECT_EQ(it.at("fresh").type, Type::NS);

  auto updates = [](const char* f) { return error_of([&] { legacy_updates(J(f)); }); };
  EXPECT_EQ(updates(R"({"a":{"Action":"PUT"}})"),
            "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified");
  EXPECT_EQ(updates(R"({"a":{"Action":"ADD","Value":{"S":"x"}}})"),
            "One or more parameter values were invalid: ADD action is not supported for the type S");
  EXPECT_EQ(updates(R"({"a":{"Action":"DELETE","Value":{"N":"1"}}})"),
            "One or more parameter values were invalid: DELETE action with value is not supported for the type N");
}

TEST(DynamoLegacy, AttributesToGetAndMixing) {
  auto paths = legacy_attributes_to_get(J(R"(["a","b"])"));
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[1][0].name, "b");
  EXPECT_EQ(error_of([] { legacy_attributes_to_get(J(R"(["a","a"])")); }),
            "One or more parameter values were invalid: Duplicate value in attribute name: a");
  EXPECT_EQ(error_of([] { check_expression_mix(J(R"({"Expected":{},"ConditionExpression":"x"})")); }),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}");
  EXPECT_EQ(error_of([] { check_expression_mix(J(R"({"AttributesToGet":["a"],"Expected":{},"ConditionExpression":"x","ProjectionExpression":"a"})")); }),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet, Expected} Expression parameters: {ProjectionExpression, ConditionExpression}");
  EXPECT_EQ(error_of([] { check_expression_mix(J(R"({"ConditionalOperator":"OR"})")); }),
            "One or more parameter values were invalid: ConditionalOperator can only be used when Filter or Expected conditions have been specified");
  EXPECT_EQ(error_of([] { check_expression_mix(J(R"({"Expected":{},"AttributeUpdates":{}})")); }), "(no error)");
}
