// API Gateway invoke-time checks: the JSON Schema (draft 4) validator used by request
// validators and the IAM policy / ARN matcher used by Lambda authorizers.
#include <gtest/gtest.h>

#include "core/json.h"
#include "services/apigateway/guard.h"
#include "services/apigateway/json_schema.h"
#include "services/apigateway/policy.h"

using namespace stratus;
using namespace stratus::apigateway;

namespace {

std::optional<std::string> V(const std::string& schema, const std::string& value, const SchemaResolver& r = {}) {
  return validate_schema(json::parse(schema), json::parse(value), r);
}

}  // namespace

TEST(ApigwJsonSchema, Types) {
  EXPECT_FALSE(V(R"({"type":"string"})", R"("x")"));
  EXPECT_TRUE(V(R"({"type":"string"})", "1"));
  EXPECT_FALSE(V(R"({"type":"integer"})", "3"));
  EXPECT_FALSE(V(R"({"type":"integer"})", "3.0"));
  EXPECT_TRUE(V(R"({"type":"integer"})", "3.5"));
  EXPECT_FALSE(V(R"({"type":"number"})", "3"));
  EXPECT_FALSE(V(R"({"type":["string","null"]})", "null"));
  EXPECT_TRUE(V(R"({"type":["string","null"]})", "true"));
  EXPECT_FALSE(V(R"({"type":"object"})", "{}"));
  EXPECT_TRUE(V(R"({"type":"object"})", "[]"));
  EXPECT_FALSE(V(R"({"type":"array"})", "[]"));
  EXPECT_FALSE(V(R"({"type":"boolean"})", "false"));
  auto e = V(R"({"type":"object"})", "[1]");
  ASSERT_TRUE(e);
  EXPECT_NE(e->find("instance type (array)"), std::string::npos) << *e;
}

TEST(ApigwJsonSchema, PropertiesRequiredAdditional) {
  std::string s = R"({"type":"object","required":["name","age"],
    "properties":{"name":{"type":"string","minLength":2,"maxLength":5},"age":{"type":"integer","minimum":0,"maximum":150}},
    "additionalProperties":false})";
  EXPECT_FALSE(V(s, R"({"name":"Bob","age":40})"));
  auto e = V(s, R"({"name":"Bob"})");
  ASSERT_TRUE(e);
  EXPECT_NE(e->find("missing required properties ([\"age\"])"), std::string::npos) << *e;
  EXPECT_TRUE(V(s, R"({"name":"B","age":1})"));
  EXPECT_TRUE(V(s, R"({"name":"Bobbyy","age":1})"));
  EXPECT_FALSE(V(s, R"({"name":"\u00e9\u00e9\u00e9\u00e9\u00e9","age":1})"));  // 5 code points
  EXPECT_TRUE(V(s, R"({"name":"Bob","age":-1})"));
  EXPECT_TRUE(V(s, R"({"name":"Bob","age":151})"));
  e = V(s, R"({"name":"Bob","age":1,"x":1})");
  ASSERT_TRUE(e);
  EXPECT_NE(e->find("not allowed"), std::string::npos) << *e;
  EXPECT_FALSE(V(R"({"additionalProperties":{"type":"integer"}})", R"({"a":1})"));
  EXPECT_TRUE(V(R"({"additionalProperties":{"type":"integer"}})", R"({"a":"1"})"));
  EXPECT_TRUE(V(R"({"properties":{"a":{"type":"object","properties":{"b":{"type":"string"}}}}})", R"({"a":{"b":1}})"));
  e = V(R"({"properties":{"a":{"type":"object","properties":{"b":{"type":"string"}}}}})", R"({"a":{"b":1}})");
  EXPECT_NE(e->find("/a/b"), std::string::npos) << *e;
}

TEST(ApigwJsonSchema, NumbersExclusive) {
  EXPECT_FALSE(V(R"({"minimum":5})", "5"));
  EXPECT_TRUE(V(R"({"minimum":5,"exclusiveMinimum":true})", "5"));
  EXPECT_FALSE(V(R"({"maximum":5})", "5"));
  EXPECT_TRUE(V(R"({"maximum":5,"exclusiveMaximum":true})", "5"));
  EXPECT_FALSE(V(R"({"multipleOf":0.5})", "2.5"));
  EXPECT_TRUE(V(R"({"multipleOf":2})", "3"));
  EXPECT_FALSE(V(R"({"minimum":5})", R"("not a number")"));  // only applies to numbers
}

TEST(ApigwJsonSchema, ItemsEnumPattern) {
  EXPECT_FALSE(V(R"({"items":{"type":"integer"},"minItems":1,"maxItems":3})", "[1,2]"));
  EXPECT_TRUE(V(R"({"items":{"type":"integer"}})", R"([1,"2"])"));
  EXPECT_TRUE(V(R"({"minItems":1})", "[]"));
  EXPECT_TRUE(V(R"({"maxItems":1})", "[1,2]"));
  EXPECT_TRUE(V(R"({"uniqueItems":true})", "[1,2,1]"));
  EXPECT_FALSE(V(R"({"items":[{"type":"string"},{"type":"integer"}]})", R"(["a",1,true])"));
  EXPECT_TRUE(V(R"({"items":[{"type":"string"}],"additionalItems":false})", R"(["a",1])"));
  EXPECT_FALSE(V(R"({"enum":["a","b",3]})", R"("b")"));
  EXPECT_FALSE(V(R"({"enum":["a","b",3]})", "3.0"));
  EXPECT_TRUE(V(R"({"enum":["a","b"]})", R"("c")"));
  EXPECT_FALSE(V(R"({"pattern":"^[a-z]+-\\d{2}$"})", R"("abc-12")"));
  EXPECT_TRUE(V(R"({"pattern":"^[a-z]+-\\d{2}$"})", R"("abc-123")"));
  EXPECT_FALSE(V(R"({"pattern":"b"})", R"("abc")"));  // unanchored search
  EXPECT_TRUE(V(R"({"pattern":"(a"})", R"("abc")"));    // malformed pattern fails, no throw
}

TEST(ApigwJsonSchema, CombinatorsAndRefs) {
  EXPECT_FALSE(V(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "1"));
  EXPECT_TRUE(V(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "true"));
  EXPECT_TRUE(V(R"({"oneOf":[{"type":"number"},{"type":"integer"}]})", "1"));
  EXPECT_FALSE(V(R"({"allOf":[{"type":"number"},{"minimum":0}]})", "1"));
  EXPECT_TRUE(V(R"({"not":{"type":"string"}})", R"("x")"));
  std::string local = R"({"definitions":{"pet":{"type":"object","required":["id"]}},"type":"array","items":{"$ref":"#/definitions/pet"}})";
  EXPECT_FALSE(V(local, R"([{"id":1}])"));
  EXPECT_TRUE(V(local, R"([{"name":1}])"));
  Doc other = json::parse(R"({"type":"object","required":["street"]})");
  SchemaResolver r = [&](const std::string& ref) -> const Doc* {
    return ref == "https://apigateway.amazonaws.com/restapis/abc/models/Address" ? &other : nullptr;
  };
  std::string s = R"({"type":"object","properties":{"home":{"$ref":"https://apigateway.amazonaws.com/restapis/abc/models/Address"}}})";
  EXPECT_FALSE(V(s, R"({"home":{"street":"x"}})", r));
  EXPECT_TRUE(V(s, R"({"home":{}})", r));
  EXPECT_TRUE(V(R"({"$ref":"https://apigateway.amazonaws.com/restapis/abc/models/Nope"})", "{}", r));
  // A self-referencing schema is bounded by depth, not by the stack, and branching ones by work.
  EXPECT_TRUE(V(R"({"$ref":"#"})", "{}"));
  auto e = V(R"({"allOf":[{"$ref":"#"},{"$ref":"#"},{"$ref":"#"}]})", "{}");
  ASSERT_TRUE(e);
  EXPECT_NE(e->find("too"), std::string::npos) << *e;
}

TEST(ApigwPolicy, Wildcards) {
  EXPECT_TRUE(wildcard_match("arn:aws:execute-api:*:*:abc/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/x/y"));
  EXPECT_TRUE(wildcard_match("a?c", "abc"));
  EXPECT_FALSE(wildcard_match("a?c", "ac"));
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_FALSE(wildcard_match("abc", "abcd"));
  EXPECT_TRUE(wildcard_match("*/GET/*", "x/prod/GET/pets"));
  EXPECT_FALSE(wildcard_match("*/POST/*", "x/prod/GET/pets"));
  EXPECT_TRUE(wildcard_match("EXECUTE-API:invoke", "execute-api:Invoke", true));
  EXPECT_FALSE(wildcard_match("EXECUTE-API:invoke", "execute-api:Invoke", false));
  EXPECT_TRUE(wildcard_match("a*b*c*d", "axxbyyczzd"));
  EXPECT_FALSE(wildcard_match("a*b*c*d", std::string(5000, 'a')));
}

TEST(ApigwPolicy, Evaluate) {
  const std::string arn = "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/pets/1";
  auto eval = [&](const std::string& p) { return evaluate_policy(json::parse(p), arn); };
  EXPECT_EQ(eval(R"({"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":")" + arn + R"("}]})"),
            PolicyDecision::allow);
  EXPECT_EQ(eval(R"({"Statement":{"Action":"execute-api:*","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:abc123/*/GET/*"}})"),
            PolicyDecision::allow);
  EXPECT_EQ(eval(R"({"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:abc123/*/POST/*"}]})"),
            PolicyDecision::implicit_deny);
  EXPECT_EQ(eval(R"({"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},
                                  {"Action":"execute-api:Invoke","Effect":"Deny","Resource":["x","arn:aws:execute-api:*:*:abc123/prod/*"]}]})"),
            PolicyDecision::explicit_deny);
  EXPECT_EQ(eval(R"({"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}]})"), PolicyDecision::implicit_deny);
  EXPECT_EQ(eval(R"({"Statement":[{"NotAction":"s3:*","Effect":"Allow","Resource":"*"}]})"), PolicyDecision::allow);
  EXPECT_EQ(eval(R"({"Statement":[{"Action":"*","Effect":"Allow","NotResource":"arn:aws:execute-api:*:*:abc123/prod/GET/pets/?"}]})"),
            PolicyDecision::implicit_deny);
  EXPECT_EQ(eval(R"({"Statement":[]})"), PolicyDecision::implicit_deny);
  EXPECT_EQ(eval(R"("not a policy")"), PolicyDecision::implicit_deny);
}

namespace stratus::apigateway {
namespace {

// $context.authorizer.claims as REST APIs render a Cognito token's claims: strings throughout.
TEST(CognitoClaims, RenderedAsAwsRendersThem) {
  EXPECT_EQ(claim_string("sub", Doc("abc")), "abc");
  EXPECT_EQ(claim_string("email_verified", Doc(true)), "true");
  EXPECT_EQ(claim_string("auth_time", Doc(int64_t{1550000000})), "1550000000");
  EXPECT_EQ(claim_string("exp", Doc(int64_t{1550003748})), "Tue Feb 12 20:35:48 UTC 2019");
  EXPECT_EQ(claim_string("iat", Doc(int64_t{0})), "Thu Jan 01 00:00:00 UTC 1970");
  Doc groups = Doc::list();
  groups.push("admins");
  groups.push("staff");
  EXPECT_EQ(claim_string("cognito:groups", groups), "admins,staff");
}

}  // namespace
}  // namespace stratus::apigateway
