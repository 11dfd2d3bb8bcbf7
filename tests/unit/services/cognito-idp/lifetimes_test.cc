// How long what Cognito hands out lives, as AWS documents it: a temporary password the pool's
// TemporaryPasswordValidityDays (7 when 0 or unset), a forgot-password code one hour, a sign-up
// code 24 hours (read back from the stored user record); failed sign-ins are forgotten after 15
// quiet minutes.
#include <gtest/gtest.h>

#include "../running.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/ops.h"
#include "services/cognito-idp/schema.h"
#include "services/cognito-idp/store.h"

namespace stratus::cognitoidp {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;

// The password-hashing operations are asynchronous (offload): called here as the worker calls them.
void run(unit::Running& r, const char* op, HandlerFn fn, const std::string& input) {
  auto oc = r.op_context("cognito-idp", op, now_millis());
  fn(*oc, json::parse(input));
}

TEST(CognitoLifetimes, TemporaryPasswordAndCodes) {
  unit::Running r({"cognito-idp"});
  std::string pid =
      r.ok("cognito-idp", "CreateUserPool",
           R"({"PoolName":"p","AutoVerifiedAttributes":["email"],"Policies":{"PasswordPolicy":{"MinimumLength":8,)"
           R"("TemporaryPasswordValidityDays":2}}})")["UserPool"]
          .str("Id");
  std::string cid = r.ok("cognito-idp", "CreateUserPoolClient",
                         R"({"UserPoolId":")" + pid + R"(","ClientName":"c"})")["UserPoolClient"]
                        .str("ClientId");
  int64_t t0 = now_millis();
  run(r, "AdminCreateUser", admin_create_user,
      R"({"UserPoolId":")" + pid +
          R"(","Username":"u","MessageAction":"SUPPRESS","UserAttributes":[{"Name":"email","Value":"u@x.io"},)"
          R"({"Name":"email_verified","Value":"true"}]})");
  Store s(r.ctx.storage(), "");
  Doc pool = *s.get(kPools.name, Store::pool_key(pid));
  auto user = [&](const char* name) { return *s.get(kUsers.name, Store::child_key(pid, user_key(pool, name))); };
  EXPECT_NEAR(user("u").integer("TempPasswordExpires") - t0, 48 * kHourMs, 60'000);

  run(r, "AdminSetUserPassword", admin_set_user_password,
      R"({"UserPoolId":")" + pid + R"(","Username":"u","Password":"Passw0rd!x","Permanent":true})");
  run(r, "ForgotPassword", forgot_password, R"({"ClientId":")" + cid + R"(","Username":"u"})");
  EXPECT_NEAR(user("u")["Codes"]["forgot"].integer("Expires") - t0, kHourMs, 60'000);

  run(r, "SignUp", sign_up,
      R"({"ClientId":")" + cid +
          R"(","Username":"v","Password":"Passw0rd!x","UserAttributes":[{"Name":"email","Value":"v@x.io"}]})");
  EXPECT_NEAR(user("v")["Codes"]["signup"].integer("Expires") - t0, 24 * kHourMs, 60'000);
}

TEST(CognitoLifetimes, FailedSignInsForgottenAfterFifteenQuietMinutes) {
  unit::Running r({"cognito-idp"});
  std::string pid = r.ok("cognito-idp", "CreateUserPool", R"({"PoolName":"p"})")["UserPool"].str("Id");
  run(r, "AdminCreateUser", admin_create_user,
      R"({"UserPoolId":")" + pid + R"(","Username":"u","MessageAction":"SUPPRESS"})");
  Store s(r.ctx.storage(), "");
  Doc pool = *s.get(kPools.name, Store::pool_key(pid));
  auto fail = [&](int64_t at) {
    auto oc = r.op_context("cognito-idp", "InitiateAuth", at);
    Doc u = *s.get(kUsers.name, Store::child_key(pid, user_key(pool, "u")));
    try {
      wrong_password(*oc, pool, u);
    } catch (const AwsError& e) {
      return e.message;
    }
    return std::string();
  };
  int64_t t = now_millis();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(fail(t + i), "Incorrect username or password.");
  EXPECT_EQ(fail(t + 10), "Password attempts exceeded");
  EXPECT_EQ(fail(t + 10 + 15 * 60 * 1000 + 1), "Incorrect username or password.");  // counted from 1 again
}

}  // namespace
}  // namespace stratus::cognitoidp
