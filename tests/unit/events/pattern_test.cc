// The shared event-pattern engine (SNS filter policies, later EventBridge and Lambda filters):
// every operator, matching and not matching, plus the compile errors.
#include "events/pattern/pattern.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace stratus::events::pattern {
namespace {

bool matches(const char* pattern, const char* event) {
  std::string err;
  auto p = Pattern::parse(pattern, &err);
  EXPECT_TRUE(p.has_value()) << pattern << ": " << err;
  return p && p->match(json::parse(event));
}

std::string error_of(const char* pattern) {
  std::string err;
  auto p = Pattern::parse(pattern, &err);
  EXPECT_FALSE(p.has_value()) << pattern;
  return err;
}

TEST(Pattern, ExactStrings) {
  EXPECT_TRUE(matches(R"({"color":["red","blue"]})", R"({"color":"red"})"));
  EXPECT_FALSE(matches(R"({"color":["red","blue"]})", R"({"color":"green"})"));
  EXPECT_FALSE(matches(R"({"color":["red"]})", R"({"colour":"red"})"));
  EXPECT_FALSE(matches(R"({"color":["Red"]})", R"({"color":"red"})"));
}

TEST(Pattern, ExactNumbersCompareNumerically) {
  EXPECT_TRUE(matches(R"({"n":[5]})", R"({"n":5.0})"));
  EXPECT_TRUE(matches(R"({"n":[0.5]})", R"({"n":0.5})"));
  EXPECT_FALSE(matches(R"({"n":[5]})", R"({"n":"5"})"));
  EXPECT_FALSE(matches(R"({"n":["5"]})", R"({"n":5})"));
}

TEST(Pattern, NullAndBooleans) {
  EXPECT_TRUE(matches(R"({"a":[null]})", R"({"a":null})"));
  EXPECT_FALSE(matches(R"({"a":[null]})", R"({"a":"null"})"));
  EXPECT_TRUE(matches(R"({"b":[true]})", R"({"b":true})"));
  EXPECT_FALSE(matches(R"({"b":[true]})", R"({"b":false})"));
}

TEST(Pattern, AllKeysMustMatch) {
  EXPECT_TRUE(matches(R"({"a":["x"],"b":["y"]})", R"({"a":"x","b":"y"})"));
  EXPECT_FALSE(matches(R"({"a":["x"],"b":["y"]})", R"({"a":"x","b":"z"})"));
}

TEST(Pattern, ArraysInTheEventMatchAnyElement) {
  EXPECT_TRUE(matches(R"({"tags":["b"]})", R"({"tags":["a","b"]})"));
  EXPECT_FALSE(matches(R"({"tags":["c"]})", R"({"tags":["a","b"]})"));
  EXPECT_TRUE(matches(R"({"n":[{"numeric":[">",10]}]})", R"({"n":[1,20]})"));
}

TEST(Pattern, Prefix) {
  EXPECT_TRUE(matches(R"({"r":[{"prefix":"us-"}]})", R"({"r":"us-east-1"})"));
  EXPECT_FALSE(matches(R"({"r":[{"prefix":"us-"}]})", R"({"r":"eu-west-1"})"));
  EXPECT_FALSE(matches(R"({"r":[{"prefix":"us-"}]})", R"({"r":5})"));
  EXPECT_TRUE(matches(R"({"r":[{"prefix":{"equals-ignore-case":"US-"}}]})", R"({"r":"us-east-1"})"));
}

TEST(Pattern, Suffix) {
  EXPECT_TRUE(matches(R"({"f":[{"suffix":".png"}]})", R"({"f":"a.png"})"));
  EXPECT_FALSE(matches(R"({"f":[{"suffix":".png"}]})", R"({"f":"a.jpg"})"));
  EXPECT_FALSE(matches(R"({"f":[{"suffix":"long.png"}]})", R"({"f":"g.png"})"));
  EXPECT_TRUE(matches(R"({"f":[{"suffix":{"equals-ignore-case":".PNG"}}]})", R"({"f":"a.png"})"));
}

TEST(Pattern, EqualsIgnoreCase) {
  EXPECT_TRUE(matches(R"({"n":[{"equals-ignore-case":"ALICE"}]})", R"({"n":"alice"})"));
  EXPECT_FALSE(matches(R"({"n":[{"equals-ignore-case":"ALICE"}]})", R"({"n":"alicia"})"));
}

TEST(Pattern, Wildcard) {
  EXPECT_TRUE(matches(R"({"k":[{"wildcard":"dir/*.png"}]})", R"({"k":"dir/a/b.png"})"));
  EXPECT_FALSE(matches(R"({"k":[{"wildcard":"dir/*.png"}]})", R"({"k":"other/a.png"})"));
  EXPECT_TRUE(matches(R"({"k":[{"wildcard":"*"}]})", R"({"k":""})"));
}

TEST(Pattern, AnythingButValues) {
  EXPECT_TRUE(matches(R"({"c":[{"anything-but":"red"}]})", R"({"c":"blue"})"));
  EXPECT_FALSE(matches(R"({"c":[{"anything-but":"red"}]})", R"({"c":"red"})"));
  EXPECT_TRUE(matches(R"({"c":[{"anything-but":["red","green"]}]})", R"({"c":"blue"})"));
  EXPECT_FALSE(matches(R"({"c":[{"anything-but":["red","green"]}]})", R"({"c":"green"})"));
  EXPECT_TRUE(matches(R"({"n":[{"anything-but":[1,2]}]})", R"({"n":3})"));
  EXPECT_FALSE(matches(R"({"n":[{"anything-but":[1,2]}]})", R"({"n":2})"));
  // anything-but needs the field to be present
  EXPECT_FALSE(matches(R"({"c":[{"anything-but":"red"}]})", R"({"other":"x"})"));
}

TEST(Pattern, AnythingButPrefixSuffixIgnoreCaseWildcard) {
  EXPECT_TRUE(matches(R"({"c":[{"anything-but":{"prefix":"int-"}}]})", R"({"c":"prod-1"})"));
  EXPECT_FALSE(matches(R"({"c":[{"anything-but":{"prefix":"int-"}}]})", R"({"c":"int-1"})"));
  EXPECT_TRUE(matches(R"({"c":[{"anything-but":{"suffix":".tmp"}}]})", R"({"c":"a.txt"})"));
  EXPECT_FALSE(matches(R"({"c":[{"anything-but":{"suffix":".tmp"}}]})", R"({"c":"a.tmp"})"));
  EXPECT_FALSE(matches(R"({"c":[{"anything-but":{"equals-ignore-case":["RED","Blue"]}}]})", R"({"c":"blue"})"));
  EXPECT_TRUE(matches(R"({"c":[{"anything-but":{"equals-ignore-case":"RED"}}]})", R"({"c":"green"})"));
  EXPECT_FALSE(matches(R"({"c":[{"anything-but":{"wildcard":"*.tmp"}}]})", R"({"c":"x.tmp"})"));
}

TEST(Pattern, NumericRanges) {
  const char* p = R"({"price":[{"numeric":[">",0,"<=",100]}]})";
  EXPECT_TRUE(matches(p, R"({"price":100})"));
  EXPECT_TRUE(matches(p, R"({"price":0.5})"));
  EXPECT_FALSE(matches(p, R"({"price":0})"));
  EXPECT_FALSE(matches(p, R"({"price":100.01})"));
  EXPECT_FALSE(matches(p, R"({"price":"50"})"));
  EXPECT_TRUE(matches(R"({"p":[{"numeric":["=",3.5]}]})", R"({"p":3.5})"));
  EXPECT_TRUE(matches(R"({"p":[{"numeric":[">=",10]}]})", R"({"p":10})"));
  EXPECT_TRUE(matches(R"({"p":[{"numeric":["<",-1]}]})", R"({"p":-2})"));
}

TEST(Pattern, Exists) {
  EXPECT_TRUE(matches(R"({"a":[{"exists":true}]})", R"({"a":"x"})"));
  EXPECT_FALSE(matches(R"({"a":[{"exists":true}]})", R"({"b":"x"})"));
  EXPECT_TRUE(matches(R"({"a":[{"exists":false}]})", R"({"b":"x"})"));
  EXPECT_FALSE(matches(R"({"a":[{"exists":false}]})", R"({"a":"x"})"));
  EXPECT_TRUE(matches(R"({"a":{"b":[{"exists":false}]}})", R"({"c":1})"));
}

TEST(Pattern, Cidr) {
  EXPECT_TRUE(matches(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.0.255"})"));
  EXPECT_FALSE(matches(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.1.0"})"));
  EXPECT_TRUE(matches(R"({"ip":[{"cidr":"10.0.0.0/7"}]})", R"({"ip":"11.200.0.1"})"));
  EXPECT_TRUE(matches(R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"2001:db8:1::1"})"));
  EXPECT_FALSE(matches(R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"10.0.0.1"})"));
  EXPECT_FALSE(matches(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"not-an-ip"})"));
}

TEST(Pattern, OrAlternatives) {
  const char* p = R"({"source":["shop"],"$or":[{"kind":["order"]},{"amount":[{"numeric":[">",100]}]}]})";
  EXPECT_TRUE(matches(p, R"({"source":"shop","kind":"order"})"));
  EXPECT_TRUE(matches(p, R"({"source":"shop","kind":"refund","amount":500})"));
  EXPECT_FALSE(matches(p, R"({"source":"shop","kind":"refund","amount":5})"));
  EXPECT_FALSE(matches(p, R"({"source":"bank","kind":"order"})"));
}

TEST(Pattern, NestedKeys) {
  const char* p = R"({"detail":{"state":["running"],"meta":{"zone":[{"prefix":"us-"}]}}})";
  EXPECT_TRUE(matches(p, R"({"detail":{"state":"running","meta":{"zone":"us-east-1a"}}})"));
  EXPECT_FALSE(matches(p, R"({"detail":{"state":"running","meta":{"zone":"eu-west-1a"}}})"));
  EXPECT_FALSE(matches(p, R"({"detail":{"state":"running"}})"));
  EXPECT_FALSE(matches(p, R"({"detail":"running"})"));
  EXPECT_TRUE(matches(R"({"items":{"sku":["a"]}})", R"({"items":[{"sku":"b"},{"sku":"a"}]})"));
}

TEST(Pattern, CompileErrors) {
  EXPECT_EQ(error_of(R"({"a":[{"prefx":"x"}]})"), "Unrecognized match type prefx");
  EXPECT_EQ(error_of(R"({"a":[{"exists":"yes"}]})"), "exists match pattern must be either true or false.");
  EXPECT_EQ(error_of(R"({"a":[{"numeric":[">",5,"<",1]}]})"), "Bottom must be less than top");
  EXPECT_EQ(error_of(R"({"a":[{"numeric":["~",5]}]})"), "Unrecognized numeric range operator: ~");
  EXPECT_EQ(error_of(R"({"a":[{"numeric":["<",5,">",1]}]})"), "Bad numeric range operator");
  EXPECT_EQ(error_of(R"({})"), "Filter policy can not be empty");
  EXPECT_EQ(error_of(R"({"a":"x"})"), "\"a\" must be an object or an array");
  EXPECT_EQ(error_of(R"({"a":[]})"), "Empty arrays are not allowed");
  EXPECT_EQ(error_of(R"([1])"), "Filter policy must be a JSON object");
  EXPECT_EQ(error_of("{not json"), "Filter policy must be valid JSON");
  EXPECT_EQ(error_of(R"({"a":[{"cidr":"10.0.0.0"}]})"), "Malformed CIDR, one '/' required");
  EXPECT_EQ(error_of(R"({"$or":[{"a":["x"]}]})"), "$or must be an array of at least two patterns");
}

TEST(Pattern, Complexity) {
  std::string err;
  auto p = Pattern::parse(R"({"a":["x","y"],"b":{"c":[1,2,3]}})", &err);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->complexity(), 5u);
}

}  // namespace
}  // namespace stratus::events::pattern
