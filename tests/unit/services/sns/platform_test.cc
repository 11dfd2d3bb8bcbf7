// SNS's mobile push and SMS state: pushes reach the mailbox only for enabled endpoints of
// enabled applications, opt-outs are per account, and deleting an application takes its
// endpoints.
#include <gtest/gtest.h>

#include "core/error.h"
#include "mail/mailbox.h"
#include "services/sns/platform.h"
#include "storage/engine.h"

namespace stratus::sns {
namespace {

constexpr const char* kApp = "arn:aws:sns:us-east-1:000000000000:app/GCM/shop";
constexpr const char* kEndpoint = "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/shop/3b9c";

class SnsPlatformTest : public ::testing::Test {
 protected:
  std::unique_ptr<storage::Engine> engine = storage::open_memory();
  Platform platform;

  void SetUp() override {
    platform.open(*engine);
    Doc attrs = Doc::map();
    attrs.set("Enabled", "true");
    Doc app = Doc::map();
    app.set("name", "shop");
    app.set("platform", "GCM");
    app.set("attributes", attrs);
    ASSERT_TRUE(platform.save(Platform::app_key(kApp), app).ok());
    Doc eattrs = Doc::map();
    eattrs.set("Enabled", "true");
    eattrs.set("Token", "device-token");
    Doc e = Doc::map();
    e.set("app", kApp);
    e.set("attributes", eattrs);
    ASSERT_TRUE(platform.save(Platform::endpoint_key(kEndpoint), e).ok());
  }

  void set_enabled(const std::string& key, const char* value) {
    Doc given = Doc::map();
    given.set("Enabled", value);
    platform.update_attributes(key, "missing", &given, [](const std::string&) { return true; });
  }
};

TEST_F(SnsPlatformTest, PlatformOfEndpointArn) {
  EXPECT_EQ(Platform::platform_of(kEndpoint), "GCM");
  EXPECT_EQ(Platform::platform_of(kApp), "");
  EXPECT_EQ(Platform::platform_of("arn:aws:sqs:us-east-1:000000000000:endpoint/GCM/x"), "");
  EXPECT_EQ(Platform::platform_of("not an arn"), "");
}

TEST_F(SnsPlatformTest, PushGoesToTheMailbox) {
  EXPECT_EQ(platform.push(kEndpoint, "hello", "sns:Publish", "msg-1"), "msg-1");
  auto mail = mailbox::list(*engine, kEndpoint);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].channel, "application");
  EXPECT_EQ(mail[0].subject, "device-token");
  EXPECT_EQ(mail[0].body, "hello");
  EXPECT_EQ(mail[0].source, "sns:Publish");
}

// The code of what `f` throws, "ok" when it does not throw.
template <typename F>
std::string code_of(F&& f) {
  try {
    f();
  } catch (const AwsError& e) {
    return e.code + ": " + e.message;
  }
  return "ok";
}

TEST_F(SnsPlatformTest, PushRefusals) {
  EXPECT_EQ(code_of([&] { platform.push(std::string(kEndpoint) + "x", "m", "s"); }), "NotFound: Endpoint does not exist");
  set_enabled(Platform::app_key(kApp), "false");
  EXPECT_EQ(code_of([&] { platform.push(kEndpoint, "m", "s"); }),
            "PlatformApplicationDisabled: Platform application is disabled");
  set_enabled(Platform::endpoint_key(kEndpoint), "false");
  EXPECT_EQ(code_of([&] { platform.push(kEndpoint, "m", "s"); }), "EndpointDisabled: Endpoint is disabled");
  EXPECT_TRUE(mailbox::list(*engine).empty());
}

TEST_F(SnsPlatformTest, UpdateAttributesChecks) {
  auto any = [](const std::string&) { return true; };
  Doc bad = Doc::map();
  bad.set("Enabled", "maybe");
  EXPECT_EQ(code_of([&] { platform.update_attributes(Platform::endpoint_key(kEndpoint), "missing", &bad, any); }),
            "InvalidParameter: Invalid parameter: Enabled");
  Doc unknown = Doc::map();
  unknown.set("Color", "red");
  EXPECT_EQ(code_of([&] {
              platform.update_attributes(Platform::endpoint_key(kEndpoint), "missing", &unknown,
                                         [](const std::string& k) { return k == "Enabled"; });
            }),
            "InvalidParameter: Invalid parameter: Attributes Reason: Invalid attribute name: Color");
  EXPECT_EQ(code_of([&] {
              platform.update_attributes(Platform::endpoint_key("nope"), "Endpoint does not exist", &unknown, any);
            }),
            "NotFound: Endpoint does not exist");
}

TEST_F(SnsPlatformTest, EraseApplicationTakesItsEndpoints) {
  const std::string other_app = "arn:aws:sns:us-east-1:000000000000:app/APNS/other";
  const std::string other_endpoint = "arn:aws:sns:us-east-1:000000000000:endpoint/APNS/other/1";
  Doc e = Doc::map();
  e.set("app", other_app);
  e.set("attributes", Doc::map());
  ASSERT_TRUE(platform.save(Platform::endpoint_key(other_endpoint), e).ok());
  ASSERT_EQ(platform.endpoints().size(), 2u);
  ASSERT_TRUE(platform.erase_application(kApp).ok());
  EXPECT_FALSE(platform.load(Platform::app_key(kApp)));
  auto left = platform.endpoints();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].arn, other_endpoint);
}

TEST_F(SnsPlatformTest, ApplicationsByArnPrefix) {
  auto apps = platform.applications("arn:aws:sns:us-east-1:000000000000:app/");
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].arn, kApp);
  EXPECT_EQ(apps[0].doc.str("platform"), "GCM");
  EXPECT_TRUE(platform.applications("arn:aws:sns:eu-west-1:000000000000:app/").empty());
}

TEST_F(SnsPlatformTest, OptOutsArePerAccount) {
  ASSERT_TRUE(platform.opt_out("111111111111", "+15550100").ok());
  ASSERT_TRUE(platform.opt_out("111111111111", "+15550101").ok());
  EXPECT_TRUE(platform.opted_out("111111111111", "+15550100"));
  EXPECT_FALSE(platform.opted_out("222222222222", "+15550100"));
  EXPECT_EQ(platform.opted_out_numbers("111111111111"), (std::vector<std::string>{"+15550100", "+15550101"}));
  EXPECT_TRUE(platform.opted_out_numbers("222222222222").empty());
  ASSERT_TRUE(platform.erase(Platform::account_key('o', "111111111111", "+15550100")).ok());
  EXPECT_FALSE(platform.opted_out("111111111111", "+15550100"));
}

TEST_F(SnsPlatformTest, SandboxNumbers) {
  Doc rec = Doc::map();
  rec.set("status", "Pending");
  rec.set("otp", "123456");
  ASSERT_TRUE(platform.save(Platform::account_key('s', "111111111111", "+15550100"), rec).ok());
  auto numbers = platform.sandbox_numbers("111111111111");
  ASSERT_EQ(numbers.size(), 1u);
  EXPECT_EQ(numbers[0].first, "+15550100");
  EXPECT_EQ(numbers[0].second.str("status"), "Pending");
  EXPECT_TRUE(platform.sandbox_numbers("11111111111").empty());  // a prefix of the account is not it
}

TEST(SnsPlatformKeys, LayoutIsStable) {
  using namespace std::string_literals;
  EXPECT_EQ(Platform::app_key("arn"), "a\0arn"s);
  EXPECT_EQ(Platform::endpoint_key("arn"), "e\0arn"s);
  EXPECT_EQ(Platform::account_key('m', "000000000000", "us-east-1"), "m\0" "000000000000\0us-east-1"s);
  EXPECT_EQ(Platform::account_key('o', "000000000000"), "o\0" "000000000000\0"s);
}

}  // namespace
}  // namespace stratus::sns
