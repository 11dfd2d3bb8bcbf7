// DynamoDB numbers, attribute values, item size and key ordering.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "services/dynamodb/decimal.h"
#include "services/dynamodb/value.h"

using namespace stratus;
using namespace stratus::dynamodb;

namespace {
std::string norm(const char* s) { return Decimal::must(s).str(); }
std::string err(const char* s) {
  auto r = Decimal::parse(s);
  return r ? "" : r.error().message;
}
Doc av(const char* type, Doc v) {
  Doc d = Doc::map();
  d.set(type, std::move(v));
  return d;
}
std::string value_error(const Doc& d) {
  try {
    from_doc(d);
  } catch (const AwsError& e) {
    return e.message;
  }
  return "";
}
}  // namespace

TEST(DynamoDecimal, NormalisesLikeDynamoDB) {
  EXPECT_EQ(norm("1"), "1");
  EXPECT_EQ(norm("01.500"), "1.5");
  EXPECT_EQ(norm("-0"), "0");
  EXPECT_EQ(norm("0.000"), "0");
  EXPECT_EQ(norm("1e2"), "100");
  EXPECT_EQ(norm("1.5E-3"), "0.0015");
  EXPECT_EQ(norm("+.5"), "0.5");
  EXPECT_EQ(norm("5."), "5");
  EXPECT_EQ(norm("-123.4500"), "-123.45");
  EXPECT_EQ(norm("1000000000000000000000000000000000000000000"), "1000000000000000000000000000000000000000000");
}

TEST(DynamoDecimal, RejectsInvalidAndOutOfRange) {
  EXPECT_EQ(err("abc"), "The parameter cannot be converted to a numeric value: abc");
  EXPECT_EQ(err(""), "The parameter cannot be converted to a numeric value");
  EXPECT_NE(err("1e"), "");
  EXPECT_NE(err("."), "");
  EXPECT_NE(err("1.2.3"), "");
  EXPECT_NE(err(" 1"), "");
  EXPECT_EQ(err("123456789012345678901234567890123456789"),
            "Attempting to store more than 38 significant digits in a Number");
  EXPECT_EQ(err("12345678901234567890123456789012345678"), "");
  EXPECT_EQ(err("1E126"), "Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(err("9.99E125"), "");
  EXPECT_EQ(err("1E-131"), "Number underflow. Attempting to store a number with magnitude smaller than supported range");
  EXPECT_EQ(err("1E-130"), "");
  EXPECT_EQ(err("0E-999"), "");
}

TEST(DynamoDecimal, ExactArithmetic) {
  auto s = [](const char* a, const char* b) { return (Decimal::must(a) + Decimal::must(b)).str(); };
  EXPECT_EQ(s("0.1", "0.2"), "0.3");
  EXPECT_EQ(s("1", "-1"), "0");
  EXPECT_EQ(s("-5", "3"), "-2");
  EXPECT_EQ(s("99999999999999999999999999999999999999", "1"), "100000000000000000000000000000000000000");
  EXPECT_EQ((Decimal::must("10") - Decimal::must("0.001")).str(), "9.999");
  EXPECT_EQ((Decimal::must("1E125") + Decimal::must("1E-130")).check(),
            "Attempting to store more than 38 significant digits in a Number");
}

TEST(DynamoDecimal, CompareAndKeyOrderAgree) {
  std::vector<std::string> nums = {"-1E125", "-100", "-10", "-9.5", "-1.23", "-1.2", "-1", "-0.001",
                                   "0", "1E-130", "0.001", "1", "1.2", "1.23", "9.5", "10", "100", "9.99E125"};
  for (size_t i = 0; i < nums.size(); ++i) {
    for (size_t j = 0; j < nums.size(); ++j) {
      Decimal a = Decimal::must(nums[i]), b = Decimal::must(nums[j]);
      int want = i < j ? -1 : i > j ? 1 : 0;
      EXPECT_EQ(compare(a, b), want) << nums[i] << " vs " << nums[j];
      std::string ka, kb;
      a.encode_key(ka);
      b.encode_key(kb);
      int c = ka.compare(kb);
      EXPECT_EQ(c < 0 ? -1 : c > 0 ? 1 : 0, want) << nums[i] << " vs " << nums[j];
    }
    std::string k;
    Decimal::must(nums[i]).encode_key(k);
    std::string_view in = k;
    Decimal back;
    ASSERT_TRUE(Decimal::decode_key(in, back));
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(back.str(), Decimal::must(nums[i]).str());
  }
}

TEST(DynamoValue, ValidationMessages) {
  EXPECT_EQ(value_error(Doc::map()), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  Doc two = av("S", "a");
  two.set("N", "1");
  EXPECT_EQ(value_error(two), "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
  EXPECT_EQ(value_error(av("SS", Doc::list())), "One or more parameter values were invalid: An string set  may not be empty");
  EXPECT_EQ(value_error(av("NS", Doc::list())), "One or more parameter values were invalid: An number set  may not be empty");
  EXPECT_EQ(value_error(av("BS", Doc::list())), "One or more parameter values were invalid: Binary sets should not be empty");
  EXPECT_EQ(value_error(av("SS", DocList{"a", "b", "a"})),
            "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates.");
  EXPECT_NE(value_error(av("NS", DocList{"1", "1.0"})), "");
  EXPECT_EQ(value_error(av("N", "x")), "The parameter cannot be converted to a numeric value: x");
  EXPECT_EQ(value_error(av("NULL", false)), "One or more parameter values were invalid: Null attribute value types must have the value of true");
  Doc deep = av("S", "x");
  for (int i = 0; i < 40; ++i) deep = av("L", DocList{deep});
  EXPECT_EQ(value_error(deep), "Nesting Levels have exceeded supported limits");
}

TEST(DynamoValue, RoundTripThroughDocAndBinary) {
  Doc item = Doc::map();
  item.set("s", av("S", ""));
  item.set("n", av("N", "-001.10"));
  item.set("b", av("B", Blob{std::string("\0\xff", 2)}));
  item.set("t", av("BOOL", true));
  item.set("z", av("NULL", true));
  item.set("ss", av("SS", DocList{"x", "y"}));
  item.set("ns", av("NS", DocList{"1", "2.50"}));
  item.set("bs", av("BS", DocList{Blob{"a"}}));
  Doc inner = Doc::map();
  inner.set("k", av("L", DocList{av("S", "v"), av("N", "3")}));
  item.set("m", av("M", inner));
  Item parsed = item_from_doc(item);
  EXPECT_EQ(parsed.at("n").scalar, "-1.1");
  EXPECT_EQ(parsed.at("ns").set[1], "2.5");
  std::string bytes;
  encode_item(parsed, bytes);
  Item back;
  ASSERT_TRUE(decode_item(bytes, back));
  EXPECT_EQ(item_to_doc(back), item_to_doc(parsed));
  EXPECT_FALSE(decode_item(bytes.substr(0, bytes.size() - 1), back));
}

TEST(DynamoValue, SetEqualityIgnoresOrder) {
  Value a = from_doc(av("SS", DocList{"a", "b"}));
  Value b = from_doc(av("SS", DocList{"b", "a"}));
  EXPECT_TRUE(equal(a, b));
  EXPECT_FALSE(equal(from_doc(av("N", "1")), from_doc(av("S", "1"))));
  EXPECT_TRUE(equal(from_doc(av("N", "1.0")), from_doc(av("N", "1"))));
}

TEST(DynamoValue, ItemSizeAsAwsCountsIt) {
  // Attribute name bytes + value bytes; numbers ~1 byte per two digits + 1; containers 3 + 1/element.
  Item item = item_from_doc([] {
    Doc d = Doc::map();
    d.set("id", av("S", "abc"));   // 2 + 3
    d.set("n", av("N", "123"));    // 1 + 3
    d.set("ok", av("BOOL", true)); // 2 + 1
    d.set("l", av("L", DocList{av("S", "xy"), av("NULL", true)}));  // 1 + 3 + (2+1) + (1+1)
    return d;
  }());
  EXPECT_EQ(item_size(item), 5u + 4u + 3u + 9u);
  EXPECT_EQ(Decimal::must("1").storage_size(), 2u);
  EXPECT_EQ(Decimal::must("-1").storage_size(), 3u);
  EXPECT_EQ(Decimal::must("12345").storage_size(), 4u);
}

TEST(DynamoValue, StringKeysOrderByUnsignedBytes) {
  std::vector<std::string> strs = {"", std::string("\0", 1), std::string("\0\0", 2), std::string("\0a", 2), "A", "a", "ab", "b",
                                   "\x7f", "\x80", "\xc3\xa9", "\xff"};
  for (size_t i = 0; i < strs.size(); ++i) {
    for (size_t j = 0; j < strs.size(); ++j) {
      std::string ka, kb;
      encode_key_value(Value::str(strs[i]), ka);
      encode_key_value(Value::str(strs[j]), kb);
      int c = ka.compare(kb);
      EXPECT_EQ(c < 0 ? -1 : c > 0 ? 1 : 0, i < j ? -1 : i > j ? 1 : 0) << i << " " << j;
    }
    std::string k;
    encode_key_value(Value::bin(strs[i]), k);
    k += "tail";
    std::string_view in = k;
    Value back;
    ASSERT_TRUE(decode_key_value(in, Type::B, back));
    EXPECT_EQ(back.scalar, strs[i]);
    EXPECT_EQ(in, "tail");
  }
}
