// SQS's message attribute rules (parse_attributes): Number values as SQS takes them.
#include <gtest/gtest.h>

#include "services/sqs/message.h"

namespace stratus::sqs {
namespace {

bool number_ok(const std::string& v) {
  Doc attr = Doc::map();
  attr.set("DataType", "Number");
  attr.set("StringValue", v);
  Doc map = Doc::map();
  map.set("n", attr);
  try {
    parse_attributes(&map);
    return true;
  } catch (const AwsError&) {
    return false;
  }
}

TEST(SqsMessageAttributes, NumberSyntax) {
  for (const char* ok : {"0", "-1", "+1", "1.5", ".5", "5.", "1e10", "1E-10", "-0.000", "007"})
    EXPECT_TRUE(number_ok(ok)) << ok;
  for (const char* bad : {"", "-", ".", "1e", "1e+", "nan", "inf", "Infinity", "0x10", "1.2.3", "1 ", "1e1.5"})
    EXPECT_FALSE(number_ok(bad)) << bad;
}

TEST(SqsMessageAttributes, NumberPrecisionAndRange) {
  EXPECT_TRUE(number_ok(std::string(38, '9')));
  EXPECT_FALSE(number_ok(std::string(39, '9')));
  EXPECT_TRUE(number_ok("1" + std::string(37, '0') + "00000"));  // trailing zeros are not significant
  EXPECT_TRUE(number_ok("0.000" + std::string(38, '7')));        // nor are leading ones
  EXPECT_TRUE(number_ok("9.9e126"));
  EXPECT_FALSE(number_ok("1e127"));
  EXPECT_TRUE(number_ok("1e-128"));
  EXPECT_FALSE(number_ok("1e-129"));
  EXPECT_TRUE(number_ok("0e-999"));  // zero at any exponent
}

}  // namespace
}  // namespace stratus::sqs
