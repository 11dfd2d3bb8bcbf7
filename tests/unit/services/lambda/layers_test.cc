// Layer names and keys (services/lambda/layers.h).
#include "services/lambda/layers.h"

#include <gtest/gtest.h>

namespace stratus::lambda {
namespace {

TEST(LambdaLayerRef, VersionArns) {
  auto r = parse_layer_version_arn("arn:aws:lambda:eu-west-1:123456789012:layer:my-layer:12");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->account, "123456789012");
  EXPECT_EQ(r->region, "eu-west-1");
  EXPECT_EQ(r->name, "my-layer");
  EXPECT_EQ(r->version, 12);
  EXPECT_EQ(r->layer_arn(), "arn:aws:lambda:eu-west-1:123456789012:layer:my-layer");
  EXPECT_EQ(r->version_arn(), "arn:aws:lambda:eu-west-1:123456789012:layer:my-layer:12");
  EXPECT_FALSE(parse_layer_version_arn("arn:aws:lambda:eu-west-1:123456789012:layer:my-layer").has_value());
  EXPECT_FALSE(parse_layer_version_arn("arn:aws:lambda:eu-west-1:1234:layer:my-layer:1").has_value());
  EXPECT_FALSE(parse_layer_version_arn("my-layer:1").has_value());
  std::string long_name(140, 'a');
  EXPECT_FALSE(parse_layer_version_arn("arn:aws:lambda:eu-west-1:123456789012:layer:" + long_name + ":1").has_value());
}

TEST(LambdaLayerRef, KeysSortVersionsNumerically) {
  LayerRef r{"123456789012", "us-east-1", "l", 7};
  EXPECT_EQ(r.prefix(), std::string("123456789012\0us-east-1\0l\0", 25));
  EXPECT_EQ(r.key(), r.prefix() + "0000000007");
  LayerRef big = r;
  big.version = 10;
  EXPECT_LT(r.key(), big.key());
}

}  // namespace
}  // namespace stratus::lambda
