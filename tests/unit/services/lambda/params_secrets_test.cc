// The Parameters and Secrets extension's request mapping and cache settings (params_secrets.h).
#include "services/lambda/params_secrets.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace stratus::lambda {
namespace {

TEST(ParamsSecrets, LayerNames) {
  EXPECT_TRUE(is_parameters_secrets_layer("AWS-Parameters-and-Secrets-Lambda-Extension"));
  EXPECT_TRUE(is_parameters_secrets_layer("AWS-Parameters-and-Secrets-Lambda-Extension-Arm64"));
  EXPECT_FALSE(is_parameters_secrets_layer("my-layer"));
}

TEST(ParamsSecrets, ParameterRequests) {
  auto c = plan_extension_call("GET", "/systemsmanager/parameters/get", "name=%2Fa%2Fb&withDecryption=true&version=3");
  ASSERT_EQ(c.status, 0);
  EXPECT_EQ(c.service, "ssm");
  EXPECT_EQ(c.target, "AmazonSSM.GetParameter");
  Doc in = json::parse(c.input);
  EXPECT_EQ(in.str("Name"), "/a/b:3");
  EXPECT_TRUE(in.get("WithDecryption")->as_bool());
  EXPECT_EQ(
      json::parse(plan_extension_call("GET", "/systemsmanager/parameters/get/", "name=x&label=l").input).str("Name"),
      "x:l");
  EXPECT_EQ(plan_extension_call("GET", "/systemsmanager/parameters/get", "name=x&label=l&version=1").status, 400);
  EXPECT_EQ(plan_extension_call("GET", "/systemsmanager/parameters/get", "").status, 400);
  EXPECT_EQ(plan_extension_call("GET", "/systemsmanager/parameters/get", "name=x&withDecryption=yes").status, 400);
  EXPECT_EQ(plan_extension_call("POST", "/systemsmanager/parameters/get", "name=x").status, 405);
  EXPECT_EQ(plan_extension_call("GET", "/systemsmanager/other", "name=x").status, 404);
}

TEST(ParamsSecrets, SecretRequests) {
  auto c = plan_extension_call("GET", "/secretsmanager/get", "secretId=a%2Fb&versionStage=AWSPREVIOUS");
  ASSERT_EQ(c.status, 0);
  EXPECT_EQ(c.target, "secretsmanager.GetSecretValue");
  Doc in = json::parse(c.input);
  EXPECT_EQ(in.str("SecretId"), "a/b");
  EXPECT_EQ(in.str("VersionStage"), "AWSPREVIOUS");
  EXPECT_FALSE(in.has("VersionId"));
  EXPECT_NE(c.cache_key, plan_extension_call("GET", "/secretsmanager/get", "secretId=a%2Fb").cache_key);
  EXPECT_EQ(plan_extension_call("GET", "/secretsmanager/get", "versionId=x").status, 400);
}

TEST(ParamsSecrets, QueryValuesMustBeUtf8) {
  // The values become JSON strings of the GetParameter / GetSecretValue call.
  auto c = plan_extension_call("GET", "/secretsmanager/get", "secretId=a&versionStage=A%A9%ABPREV");
  EXPECT_EQ(c.status, 400);
  EXPECT_NE(c.body.find("not valid UTF-8"), std::string::npos);
  c = plan_extension_call("GET", "/systemsmanager/parameters/get", "name=%2Fa%1Fb%C3%A9");  // control char, é: fine
  EXPECT_EQ(c.status, 0);
}

TEST(ParamsSecrets, CacheConfig) {
  auto d = extension_cache_config({});
  EXPECT_TRUE(d.enabled);
  EXPECT_EQ(d.ssm_ttl_s, 300);
  EXPECT_EQ(d.secrets_ttl_s, 300);
  EXPECT_EQ(d.size, 1000u);
  auto c = extension_cache_config({{"SSM_PARAMETER_STORE_TTL", "0"},
                                   {"SECRETS_MANAGER_TTL", "900"},
                                   {"PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", "5"}});
  EXPECT_EQ(c.ssm_ttl_s, 0);
  EXPECT_EQ(c.secrets_ttl_s, 300);  // out of range: the default
  EXPECT_EQ(c.size, 5u);
  EXPECT_FALSE(extension_cache_config({{"PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "FALSE"}}).enabled);
  EXPECT_FALSE(extension_cache_config({{"PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", "0"}}).enabled);
}

}  // namespace
}  // namespace stratus::lambda
