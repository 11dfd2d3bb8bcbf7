// OpenAPI 3 / Swagger 2 import and export (services/apigateway/openapi.h), YAML reading, and the
// HTTP client's URL splitting.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json.h"
#include "http/client.h"
#include "services/apigateway/openapi.h"

namespace stratus::apigateway::openapi {
namespace {

std::string counter_id(size_t n) {
  static int i = 0;
  std::string s = "id" + std::to_string(++i);
  s.resize(n, '0');
  return s;
}

Imported import_text(const std::string& text) {
  ImportOptions opt;
  opt.api_id = "api1";
  opt.root_id = "root";
  opt.new_id = counter_id;
  return import_document(parse_text(text), opt);
}

const Doc* by_path(const Imported& im, const std::string& path) {
  for (const auto& [_, r] : im.resources.as_map())
    if (r.str("path") == path) return &r;
  return nullptr;
}

constexpr const char* kPetsYaml = R"(
openapi: 3.0.1
info:
  title: Pets
  version: "1.0"
x-amazon-apigateway-binary-media-types: ["image/png", "*/*"]
x-amazon-apigateway-api-key-source: AUTHORIZER
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
x-amazon-apigateway-request-validator: all
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    statusCode: 400
    responseTemplates: {application/json: '{"m": $context.error.messageString}'}
paths:
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: string}}
    get:
      operationId: GetPet
      parameters:
        - {name: verbose, in: query, schema: {type: boolean}}
      security: [{tokenAuth: []}]
      responses:
        "200":
          description: ok
          headers: {X-Rate: {schema: {type: string}}}
          content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations
        passthroughBehavior: when_no_templates
        timeoutInMillis: 5000
  /:
    x-amazon-apigateway-any-method:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200"}
          "Error.*": {statusCode: "500", responseTemplates: {application/json: "{}"}}
components:
  schemas:
    Pet:
      type: object
      properties: {id: {type: integer}, owner: {$ref: "#/components/schemas/Owner"}}
    Owner: {type: object}
  securitySchemes:
    tokenAuth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations
        authorizerResultTtlInSeconds: 60
)";

TEST(ApiGatewayOpenApi, ImportsOpenApi3Yaml) {
  Imported im = import_text(kPetsYaml);
  EXPECT_TRUE(im.errors.empty());
  EXPECT_TRUE(im.warnings.empty()) << im.warnings[0];
  EXPECT_EQ(im.api.str("name"), "Pets");
  EXPECT_EQ(im.api.str("version"), "1.0");
  EXPECT_EQ(im.api.str("apiKeySource"), "AUTHORIZER");
  EXPECT_EQ(json::write(*im.api.get("binaryMediaTypes")), R"(["image/png","*/*"])");
  ASSERT_TRUE(by_path(im, "/pets"));
  const Doc* pet = by_path(im, "/pets/{petId}");
  ASSERT_TRUE(pet);
  EXPECT_EQ(pet->str("parentId"), by_path(im, "/pets")->str("id"));
  EXPECT_EQ(pet->str("pathPart"), "{petId}");
  const Doc& get = *pet->get("resourceMethods")->get("GET");
  EXPECT_EQ(get.str("operationName"), "GetPet");
  EXPECT_EQ(get.str("authorizationType"), "CUSTOM");
  EXPECT_EQ(im.authorizers.get(get.str("authorizerId"))->str("identitySource"), "method.request.header.Authorization");
  EXPECT_EQ(im.authorizers.get(get.str("authorizerId"))->integer("authorizerResultTtlInSeconds"), 60);
  EXPECT_EQ(im.validators.get(get.str("requestValidatorId"))->str("name"), "all");
  EXPECT_TRUE(get.get("requestParameters")->flag("method.request.path.petId"));
  EXPECT_FALSE(get.get("requestParameters")->flag("method.request.querystring.verbose", true));
  const Doc& mr = *get.get("methodResponses")->get("200");
  EXPECT_EQ(mr.get("responseModels")->str("application/json"), "Pet");
  EXPECT_TRUE(mr.get("responseParameters")->has("method.response.header.X-Rate"));
  const Doc& integ = *get.get("methodIntegration");
  EXPECT_EQ(integ.str("type"), "AWS_PROXY");
  EXPECT_EQ(integ.str("passthroughBehavior"), "WHEN_NO_TEMPLATES");
  EXPECT_EQ(integ.integer("timeoutInMillis"), 5000);
  const Doc& any = *im.resources.get("root")->get("resourceMethods")->get("ANY");
  const Doc& irs = *any.get("methodIntegration")->get("integrationResponses");
  EXPECT_FALSE(irs.get("200")->has("selectionPattern"));
  EXPECT_EQ(irs.get("500")->str("selectionPattern"), "Error.*");
  Doc schema = json::parse(im.models.get("Pet")->str("schema"));
  EXPECT_EQ(schema["properties"]["owner"].str("$ref"), "https://apigateway.amazonaws.com/restapis/api1/models/Owner");
  EXPECT_EQ(im.gateway_responses.get("DEFAULT_4XX")->str("statusCode"), "400");
}

TEST(ApiGatewayOpenApi, RoundTripsThroughExport) {
  Imported im = import_text(kPetsYaml);
  Doc stored = Doc::map();
  Doc api = im.api;
  api.set("id", "api1");
  stored.set("api", api);
  stored.set("models", im.models);
  stored.set("authorizers", im.authorizers);
  stored.set("validators", im.validators);
  stored.set("gatewayResponses", im.gateway_responses);
  for (const char* type : {"oas30", "swagger"}) {
    ExportOptions opt;
    opt.type = type;
    opt.apigateway = true;
    opt.host = "api1.execute-api.us-east-1.amazonaws.com";
    opt.stage = "prod";
    Doc out = export_document(stored, im.resources, opt);
    // both dialects, JSON and YAML, read back into the same API
    for (const std::string& text : {json::write(out), to_yaml(out)}) {
      Imported again = import_text(text);
      EXPECT_TRUE(again.errors.empty()) << type;
      EXPECT_TRUE(again.warnings.empty()) << type << ": " << (again.warnings.empty() ? "" : again.warnings[0]);
      const Doc* pet = by_path(again, "/pets/{petId}");
      ASSERT_TRUE(pet) << type;
      const Doc& get = *pet->get("resourceMethods")->get("GET");
      EXPECT_EQ(get.str("authorizationType"), "CUSTOM") << type;
      EXPECT_EQ(get.get("methodIntegration")->str("uri"), im.resources.get(by_path(im, "/pets/{petId}")->str("id"))
                                                             ->get("resourceMethods")->get("GET")->get("methodIntegration")->str("uri"));
      EXPECT_EQ(get.get("methodResponses")->get("200")->get("responseModels")->str("application/json"), "Pet") << type;
      EXPECT_EQ(again.api.str("apiKeySource"), "AUTHORIZER") << type;
      EXPECT_TRUE(again.models.has("Owner")) << type;
      EXPECT_TRUE(again.gateway_responses.has("DEFAULT_4XX")) << type;
      EXPECT_EQ(again.resources.get("root")->get("resourceMethods")->get("ANY")->get("methodIntegration")->str("type"), "MOCK");
    }
  }
}

TEST(ApiGatewayOpenApi, IamAndApiKeySecurityRoundTrip) {
  Imported im = import_text(R"({"openapi": "3.0.1", "info": {"title": "K"},
    "components": {"securitySchemes": {
      "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
      "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
    "paths": {"/k": {"get": {"security": [{"sigv4": []}, {"api_key": []}], "responses": {"200": {"description": "ok"}}}}}})");
  const Doc& get = *by_path(im, "/k")->get("resourceMethods")->get("GET");
  EXPECT_EQ(get.str("authorizationType"), "AWS_IAM");
  EXPECT_TRUE(get.flag("apiKeyRequired"));
  Doc stored = Doc::map();
  stored.set("api", im.api);
  ExportOptions opt;
  opt.type = "swagger";
  opt.authorizers = true;
  Doc out = export_document(stored, im.resources, opt);
  EXPECT_EQ(out["securityDefinitions"]["sigv4"].str("x-amazon-apigateway-authtype"), "awsSigv4");
  EXPECT_EQ(out["securityDefinitions"]["api_key"].str("name"), "x-api-key");
  Imported again = import_text(json::write(out));
  const Doc& get2 = *by_path(again, "/k")->get("resourceMethods")->get("GET");
  EXPECT_EQ(get2.str("authorizationType"), "AWS_IAM");
  EXPECT_TRUE(get2.flag("apiKeyRequired"));
}

TEST(ApiGatewayOpenApi, Swagger2BodyParameterAndWarnings) {
  Imported im = import_text(R"({"swagger": "2.0", "info": {"title": "S"}, "consumes": ["application/json"],
    "definitions": {"In": {"type": "object"}},
    "paths": {"/a": {"post": {"parameters": [{"in": "body", "name": "b", "schema": {"$ref": "#/definitions/In"}},
                                               {"in": "header", "name": "X-H", "required": true, "type": "string"}],
                              "responses": {"201": {"description": "made"}}},
                     "get": {"x-amazon-apigateway-integration": {"type": "mock"}},
                     "trace": {"responses": {}}}}})");
  const Doc& post = *by_path(im, "/a")->get("resourceMethods")->get("POST");
  EXPECT_EQ(post.get("requestModels")->str("application/json"), "In");
  EXPECT_TRUE(post.get("requestParameters")->flag("method.request.header.X-H"));
  ASSERT_EQ(im.warnings.size(), 2u);
  EXPECT_EQ(im.warnings[0], "Parse issue: attribute paths.'/a'(get).responses is missing");
}

TEST(ApiGatewayOpenApi, ErrorsAndBadInput) {
  EXPECT_THROW(parse_text(""), AwsError);
  EXPECT_THROW(parse_text("{not json"), AwsError);
  EXPECT_THROW(parse_text("a: [unclosed"), AwsError);
  EXPECT_THROW(parse_text("- just\n- a list\n"), AwsError);
  EXPECT_THROW(import_text(R"({"info": {"title": "x"}})"), AwsError);  // neither openapi nor swagger
  Imported im = import_text(R"({"openapi": "3.0.0", "info": {"title": "x"}, "paths": {"/a": {"get": {"responses": {},
    "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET"}}}}})");
  ASSERT_EQ(im.errors.size(), 1u);
  EXPECT_EQ(im.errors[0], "Unable to put integration on 'GET' for resource at path '/a': Invalid integration URI specified");
}

TEST(ApiGatewayOpenApi, YamlScalarsKeepTheirTypes) {
  Doc d = parse_text("a: 1\nb: '1'\nc: true\nd: 1.5\ne: ~\nf: \"x\"\ng: 0x\n");
  EXPECT_TRUE(d["a"].is_int());
  EXPECT_TRUE(d["b"].is_string());
  EXPECT_TRUE(d["c"].is_bool());
  EXPECT_TRUE(d["d"].is_double());
  EXPECT_TRUE(d["e"].is_null());
  EXPECT_EQ(d.str("f"), "x");
  EXPECT_EQ(d.str("g"), "0x");
  Doc back = parse_text(to_yaml(d));
  EXPECT_EQ(json::write(back), json::write(d));
}

TEST(HttpClientUrl, Splits) {
  http::Url u;
  ASSERT_TRUE(http::parse_url("http://127.0.0.1:8080/a/b?x=1#frag", u));
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, "8080");
  EXPECT_EQ(u.target, "/a/b?x=1");
  ASSERT_TRUE(http::parse_url("https://example.com", u));
  EXPECT_EQ(u.port, "443");
  EXPECT_EQ(u.target, "/");
  ASSERT_TRUE(http::parse_url("http://[::1]:9/x", u));
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "9");
  EXPECT_FALSE(http::parse_url("ftp://x/", u));
  EXPECT_FALSE(http::parse_url("nohost", u));
}

}  // namespace
}  // namespace stratus::apigateway::openapi
