// API Gateway's operations (ops/) through ServerContext::call_sync: the handlers find their state
// through the port the service provides, read-modify-write one document (tx.h), and end with the
// model's errors (errors.h).
#include <gtest/gtest.h>

#include "core/json.h"
#include "server/context.h"
#include "services/apigateway/schema.h"
#include "storage/engine.h"

namespace stratus {
namespace {

class ApigwOps : public ::testing::Test {
 protected:
  ApigwOps() : ctx_(Config{}, storage::open_memory()) {
    Config c;
    c.services = {"apigateway"};
    for (auto& s : make_services(c)) ctx_.add_service(std::move(s));
    ctx_.start_services();
  }
  ~ApigwOps() override { ctx_.stop_services(); }

  OpContext::Caller principal() {
    OpContext::Caller p;
    p.account = "111122223333";
    p.region = "eu-west-1";
    p.arn = "arn:aws:iam::111122223333:root";
    p.user_id = "111122223333";
    return p;
  }
  Doc ok(std::string_view op, const std::string& input) {
    Result<Doc> r = ctx_.call_sync("apigateway", op, json::parse(input), principal());
    EXPECT_TRUE(r.ok()) << op << ": " << r.error().code << " " << r.error().message;
    return r.ok() ? r.value() : Doc::map();
  }
  AwsError fails(std::string_view op, const std::string& input) {
    Result<Doc> r = ctx_.call_sync("apigateway", op, json::parse(input), principal());
    EXPECT_FALSE(r.ok()) << op;
    return r.ok() ? AwsError("none", "") : r.error();
  }
  ServerContext ctx_;
};

TEST_F(ApigwOps, RestApiLifecycle) {
  Doc api = ok("CreateRestApi", R"({"name":"pets","description":"d"})");
  std::string id = api.str("id");
  ASSERT_EQ(id.size(), 10u);
  EXPECT_TRUE(api.get("createdDate")->is_timestamp());
  EXPECT_EQ(ok("GetRestApi", R"({"restApiId":")" + id + R"("})").str("name"), "pets");
  Doc list = ok("GetRestApis", "{}");
  ASSERT_EQ(list["items"].as_list().size(), 1u);
  // Stored where schema.h says, under the principal's account and region.
  std::string v;
  EXPECT_TRUE(ctx_.storage().get(apigateway::kApis.name, apigateway::api_key("111122223333", "eu-west-1", id), &v).ok());
  ok("DeleteRestApi", R"({"restApiId":")" + id + R"("})");
  AwsError e = fails("GetRestApi", R"({"restApiId":")" + id + R"("})");
  EXPECT_EQ(e.code, "NotFoundException");
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.message, "Invalid API identifier specified 111122223333:" + id);
}

TEST_F(ApigwOps, ResourcesMethodsIntegrationsDeployments) {
  std::string id = ok("CreateRestApi", R"({"name":"pets"})").str("id");
  std::string root = ok("GetRestApi", R"({"restApiId":")" + id + R"("})").str("rootResourceId");
  std::string api = R"("restApiId":")" + id + R"(")";
  AwsError e = fails("CreateDeployment", "{" + api + R"(,"stageName":"prod"})");
  EXPECT_EQ(e.code, "BadRequestException");
  EXPECT_EQ(e.message, "The REST API doesn't contain any methods");
  Doc r = ok("CreateResource", "{" + api + R"(,"parentId":")" + root + R"(","pathPart":"pets"})");
  EXPECT_EQ(r.str("path"), "/pets");
  e = fails("CreateResource", "{" + api + R"(,"parentId":")" + root + R"(","pathPart":"pets"})");
  EXPECT_EQ(e.code, "ConflictException");
  EXPECT_EQ(e.http_status, 409);
  std::string res = R"(,"resourceId":")" + r.str("id") + R"(","httpMethod":"get")";
  ok("PutMethod", "{" + api + res + R"(,"authorizationType":"NONE"})");
  e = fails("CreateDeployment", "{" + api + R"(,"stageName":"prod"})");
  EXPECT_EQ(e.message, "No integration defined for method");
  ok("PutIntegration", "{" + api + res + R"(,"type":"MOCK"})");
  ok("PutIntegrationResponse", "{" + api + res + R"(,"statusCode":"200"})");
  Doc ir = ok("UpdateIntegrationResponse", "{" + api + res +
              R"(,"statusCode":"200","patchOperations":[{"op":"add","path":"/selectionPattern","value":"2.."}]})");
  EXPECT_EQ(ir.str("selectionPattern"), "2..");
  e = fails("DeleteIntegrationResponse", "{" + api + res + R"(,"statusCode":"500"})");
  EXPECT_EQ(e.message, "Invalid Response status code specified");
  std::string dep = ok("CreateDeployment", "{" + api + R"(,"stageName":"prod"})").str("id");
  Doc stage = ok("GetStage", "{" + api + R"(,"stageName":"prod"})");
  EXPECT_EQ(stage.str("deploymentId"), dep);
  e = fails("DeleteDeployment", "{" + api + R"(,"deploymentId":")" + dep + R"("})");
  EXPECT_EQ(e.message, "Active stages pointing to this deployment must be moved or deleted");
}

TEST_F(ApigwOps, SectionsAuthorizersModelsValidators) {
  std::string id = ok("CreateRestApi", R"({"name":"pets"})").str("id");
  std::string api = R"("restApiId":")" + id + R"(")";
  std::string vid = ok("CreateRequestValidator", "{" + api + R"(,"name":"v","validateRequestBody":true})").str("id");
  Doc v = ok("UpdateRequestValidator", "{" + api + R"(,"requestValidatorId":")" + vid +
             R"(","patchOperations":[{"op":"replace","path":"/name","value":"w"}]})");
  EXPECT_EQ(v.str("name"), "w");
  EXPECT_EQ(ok("GetRequestValidators", "{" + api + "}")["items"].as_list().size(), 1u);
  ok("DeleteRequestValidator", "{" + api + R"(,"requestValidatorId":")" + vid + R"("})");
  AwsError e = fails("GetRequestValidator", "{" + api + R"(,"requestValidatorId":")" + vid + R"("})");
  EXPECT_EQ(e.message, "Invalid Request Validator identifier specified");
  ok("CreateModel", "{" + api + R"(,"name":"Pet","contentType":"application/json","schema":"{}"})");
  e = fails("CreateModel", "{" + api + R"(,"name":"Pet","contentType":"application/json"})");
  EXPECT_EQ(e.code, "ConflictException");
  e = fails("GetAuthorizer", "{" + api + R"(,"authorizerId":"nope"})");
  EXPECT_EQ(e.message, "Invalid Authorizer identifier specified");
  // Gateway responses not customised answer their defaults.
  Doc g = ok("GetGatewayResponse", "{" + api + R"(,"responseType":"THROTTLED"})");
  EXPECT_TRUE(g.flag("defaultResponse"));
  EXPECT_EQ(g.str("statusCode"), "429");
}

TEST_F(ApigwOps, ApiKeysAndUsagePlans) {
  Doc k = ok("CreateApiKey", R"({"name":"k","enabled":true,"value":"0123456789abcdefghij"})");
  AwsError e = fails("CreateApiKey", R"({"name":"k2","value":"0123456789abcdefghij"})");
  EXPECT_EQ(e.code, "ConflictException");
  e = fails("CreateApiKey", R"({"name":"k3","value":"short"})");
  EXPECT_EQ(e.message, "API Key value should be at least 20 characters");
  std::string plan = ok("CreateUsagePlan", R"({"name":"p"})").str("id");
  ok("CreateUsagePlanKey", R"({"usagePlanId":")" + plan + R"(","keyId":")" + k.str("id") + R"(","keyType":"API_KEY"})");
  Doc keys = ok("GetUsagePlanKeys", R"({"usagePlanId":")" + plan + R"("})");
  ASSERT_EQ(keys["items"].as_list().size(), 1u);
  EXPECT_EQ(keys["items"].as_list()[0].str("value"), "0123456789abcdefghij");
  // The usage document lives in kUsage under "account/region".
  std::string v;
  ASSERT_TRUE(ctx_.storage().get(apigateway::kUsage.name, "111122223333/eu-west-1", &v).ok());
  EXPECT_TRUE(json::parse(v)["apiKeys"].has(k.str("id")));
  e = fails("GetUsagePlan", R"({"usagePlanId":"nope"})");
  EXPECT_EQ(e.message, "Invalid Usage Plan ID specified");
}

}  // namespace
}  // namespace stratus
