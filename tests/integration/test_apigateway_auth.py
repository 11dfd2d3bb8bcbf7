"""API Gateway REST APIs, invoke-time checks: Lambda TOKEN and REQUEST authorizers (real Python
functions that allow, deny and fail), result caching, AWS_IAM (SigV4 for execute-api), Cognito
without a token, request validators (parameters and JSON Schema bodies), gateway responses, API
keys with usage plans (quota, throttle, GetUsage), stage throttling and access logs in CloudWatch
Logs. Written to pass against real AWS as well (same status codes and messages)."""
import json
import shutil
import subprocess
import unittest

import botocore.exceptions
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import lambda_util
from harness import StratusTestCase

AUTH_FN = """
def policy(effect, resource):
    return {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}

def handler(event, context):
    if event["type"] == "TOKEN":
        token = event["authorizationToken"]
    else:
        token = event["headers"].get("X-User", "") + ":" + event["queryStringParameters"].get("tenant", "")
    arn = event["methodArn"]
    if "unauthorized" in token:
        raise Exception("Unauthorized")
    if "boom" in token:
        raise ValueError("authorizer bug")
    if "garbage" in token:
        return {"hello": "world"}
    if "deny" in token:
        return {"principalId": "mallory", "policyDocument": policy("Deny", arn)}
    if token.startswith("key="):
        return {"principalId": "keyed", "policyDocument": policy("Allow", arn), "usageIdentifierKey": token[4:]}
    if "elsewhere" in token:
        return {"principalId": "eve", "policyDocument": policy("Allow", arn.rsplit("/", 2)[0] + "/POST/*")}
    return {"principalId": "alice",
            "policyDocument": policy("Allow", arn.split("/")[0] + "/*"),
            "context": {"token": token, "rid": context.aws_request_id, "n": 7, "ok": True,
                        "type": event["type"], "arn": arn}}
"""

PROXY_FN = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"])}
"""

MOCK_TEMPLATE = ('{"principal": "$context.authorizer.principalId", "token": "$context.authorizer.token", '
                 '"rid": "$context.authorizer.rid", "n": "$context.authorizer.n", "arn": "$context.authorizer.arn", '
                 '"accessKey": "$context.identity.accessKey", "userArn": "$context.identity.userArn", '
                 '"apiKeyId": "$context.identity.apiKeyId"}')


class AuthTestCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.stratus.client("apigateway")
        cls.lam = cls.stratus.client("lambda")
        cls.auth_arn = lambda_util.create(cls.lam, "authorizer-fn", {"app.py": AUTH_FN})["FunctionArn"]
        cls.auth_uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{cls.auth_arn}/invocations"

    def new_api(self, name="api", **kw):
        api = self.apigw.create_rest_api(name=name, **kw)
        self.addCleanup(lambda: self.apigw.delete_rest_api(restApiId=api["id"]))
        return api["id"], api["rootResourceId"]

    def resource(self, api, parent, part):
        return self.apigw.create_resource(restApiId=api, parentId=parent, pathPart=part)["id"]

    def mock(self, api, res, verb="GET", template=MOCK_TEMPLATE, **method_kw):
        method_kw.setdefault("authorizationType", "NONE")
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod=verb, **method_kw)
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod=verb, type="MOCK",
                                   requestTemplates={"application/json": '{"statusCode": 200}'})
        self.apigw.put_method_response(restApiId=api, resourceId=res, httpMethod=verb, statusCode="200")
        self.apigw.put_integration_response(restApiId=api, resourceId=res, httpMethod=verb, statusCode="200",
                                            responseTemplates={"application/json": template})

    def invoke(self, api, stage, path, method="GET", body=None, headers=None):
        status, hdrs, raw = self.stratus.http(method, f"/restapis/{api}/{stage}/_user_request_{path}", body=body,
                                              headers=headers or {})
        try:
            return status, hdrs, json.loads(raw)
        except ValueError:
            return status, hdrs, raw


class LambdaAuthorizers(AuthTestCase):
    def token_api(self, ttl=300, expression=None):
        api, root = self.new_api()
        kw = {"identityValidationExpression": expression} if expression else {}
        az = self.apigw.create_authorizer(restApiId=api, name="tok", type="TOKEN", authorizerUri=self.auth_uri,
                                          identitySource="method.request.header.Authorization",
                                          authorizerResultTtlInSeconds=ttl, **kw)["id"]
        pets = self.resource(api, root, "pets")
        self.mock(api, pets, authorizationType="CUSTOM", authorizerId=az)
        self.mock(api, pets, verb="POST", authorizationType="CUSTOM", authorizerId=az)
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        return api

    def test_token_allow_passes_principal_and_context(self):
        api = self.token_api(ttl=0)
        status, _, body = self.invoke(api, "prod", "/pets", headers={"Authorization": "allow-1"})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["principal"], body["token"], body["n"]), ("alice", "allow-1", "7"))
        self.assertEqual(body["arn"], f"arn:aws:execute-api:us-east-1:000000000000:{api}/prod/GET/pets")

    def test_token_failures_answer_like_aws(self):
        api = self.token_api(ttl=0)
        cases = [
            ({}, 401, {"message": "Unauthorized"}),
            ({"Authorization": ""}, 401, {"message": "Unauthorized"}),
            ({"Authorization": "unauthorized"}, 401, {"message": "Unauthorized"}),
            ({"Authorization": "deny"}, 403,
             {"Message": "User is not authorized to access this resource with an explicit deny"}),
            ({"Authorization": "elsewhere"}, 403, {"Message": "User is not authorized to access this resource"}),
            ({"Authorization": "boom"}, 500, {"message": None}),
            ({"Authorization": "garbage"}, 500, {"message": None}),
        ]
        for headers, status, body in cases:
            got_status, _, got = self.invoke(api, "prod", "/pets", headers=headers)
            self.assertEqual(got_status, status, (headers, got))
            self.assertEqual({k.lower(): v for k, v in got.items()}, {k.lower(): v for k, v in body.items()}, headers)
        # The "elsewhere" policy allows POST.
        self.assertEqual(self.invoke(api, "prod", "/pets", method="POST", headers={"Authorization": "elsewhere"})[0], 200)

    def test_identity_validation_expression_rejects_before_calling(self):
        api = self.token_api(expression="^Bearer [a-z0-9-]+$")
        self.assertEqual(self.invoke(api, "prod", "/pets", headers={"Authorization": "allow"})[0], 401)
        self.assertEqual(self.invoke(api, "prod", "/pets", headers={"Authorization": "Bearer allow"})[0], 200)

    def test_results_are_cached_by_token(self):
        api = self.token_api(ttl=300)
        first = self.invoke(api, "prod", "/pets", headers={"Authorization": "allow-a"})[2]
        again = self.invoke(api, "prod", "/pets", headers={"Authorization": "allow-a"})[2]
        other = self.invoke(api, "prod", "/pets", headers={"Authorization": "allow-b"})[2]
        self.assertEqual(first["rid"], again["rid"])  # the function ran once for allow-a
        self.assertNotEqual(first["rid"], other["rid"])
        # The cached policy (api/*) also covers the other method.
        post = self.invoke(api, "prod", "/pets", method="POST", headers={"Authorization": "allow-a"})[2]
        self.assertEqual(post["rid"], first["rid"])

    def test_uncached_calls_every_time(self):
        api = self.token_api(ttl=0)
        a = self.invoke(api, "prod", "/pets", headers={"Authorization": "allow-a"})[2]
        b = self.invoke(api, "prod", "/pets", headers={"Authorization": "allow-a"})[2]
        self.assertNotEqual(a["rid"], b["rid"])

    def test_request_authorizer_with_lambda_proxy(self):
        proxy = lambda_util.create(self.lam, "auth-proxy-fn", {"app.py": PROXY_FN})["FunctionArn"]
        self.addCleanup(lambda: self.lam.delete_function(FunctionName="auth-proxy-fn"))
        api, root = self.new_api()
        az = self.apigw.create_authorizer(
            restApiId=api, name="req", type="REQUEST", authorizerUri=self.auth_uri, authorizerResultTtlInSeconds=60,
            identitySource="method.request.header.X-User, method.request.querystring.tenant")["id"]
        res = self.resource(api, root, "items")
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="CUSTOM",
                              authorizerId=az)
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                                   integrationHttpMethod="POST",
                                   uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{proxy}/invocations")
        self.apigw.create_deployment(restApiId=api, stageName="v1")
        status, _, ctx = self.invoke(api, "v1", "/items?tenant=t1", headers={"X-User": "bob"})
        self.assertEqual(status, 200, ctx)
        self.assertEqual(ctx["authorizer"]["principalId"], "alice")
        self.assertEqual(ctx["authorizer"]["token"], "bob:t1")
        self.assertEqual(ctx["authorizer"]["type"], "REQUEST")
        # A missing identity source is 401 without calling the function (caching is on).
        self.assertEqual(self.invoke(api, "v1", "/items", headers={"X-User": "bob"})[:3:2], (401, {"message": "Unauthorized"}))
        self.assertEqual(self.invoke(api, "v1", "/items?tenant=t1")[0], 401)
        self.assertEqual(self.invoke(api, "v1", "/items?tenant=t1", headers={"X-User": "deny"})[0], 403)


class IamAndCognito(AuthTestCase):
    def signed(self, api, path, secret="test", service="execute-api"):
        url = f"{self.stratus.endpoint}/restapis/{api}/prod/_user_request_{path}"
        req = AWSRequest(method="GET", url=url, headers={})
        SigV4Auth(Credentials("test", secret), service, "us-east-1").add_auth(req)
        return self.invoke(api, "prod", path, headers=dict(req.headers))

    def test_aws_iam(self):
        api, root = self.new_api()
        res = self.resource(api, root, "secure")
        self.mock(api, res, authorizationType="AWS_IAM")
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        self.assertEqual(self.invoke(api, "prod", "/secure")[::2], (403, {"message": "Missing Authentication Token"}))
        status, _, body = self.signed(api, "/secure")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["accessKey"], "test")
        self.assertEqual(body["userArn"], "arn:aws:iam::000000000000:root")
        status, _, body = self.signed(api, "/secure", secret="wrong")
        self.assertEqual(status, 403)
        self.assertIn("signature we calculated does not match", body["message"])
        self.assertEqual(self.signed(api, "/secure", service="s3")[0], 403)

    @unittest.skipUnless(shutil.which("curl"), "curl not installed")
    def test_aws_iam_with_curl_sigv4(self):
        api, root = self.new_api()
        res = self.resource(api, root, "secure")
        self.mock(api, res, verb="POST", authorizationType="AWS_IAM")
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        url = f"{self.stratus.endpoint}/restapis/{api}/prod/_user_request_/secure?a=1&b=two"

        def curl(secret):
            out = subprocess.run(["curl", "-sS", "-X", "POST", "--aws-sigv4", "aws:amz:us-east-1:execute-api",
                                  "--user", f"test:{secret}", "-H", "Content-Type: application/json",
                                  "-d", '{"x": 1}', "-w", "\n%{http_code}", url],
                                 capture_output=True, text=True, timeout=30, check=True).stdout
            body, status = out.rsplit("\n", 1)
            return int(status), json.loads(body)
        status, body = curl("test")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["accessKey"], "test")
        status, body = curl("nope")
        self.assertEqual(status, 403, body)
        self.assertIn("signature we calculated does not match", body["message"])

    def test_cognito_without_token_is_401(self):
        api, root = self.new_api()
        az = self.apigw.create_authorizer(restApiId=api, name="pool", type="COGNITO_USER_POOLS",
                                          providerARNs=["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"],
                                          identitySource="method.request.header.Authorization")["id"]
        res = self.resource(api, root, "me")
        self.mock(api, res, authorizationType="COGNITO_USER_POOLS", authorizerId=az)
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        self.assertEqual(self.invoke(api, "prod", "/me")[::2], (401, {"message": "Unauthorized"}))
        self.assertEqual(self.invoke(api, "prod", "/me", headers={"Authorization": "not-a-jwt"})[0], 401)


class Validators(AuthTestCase):
    def test_parameters_and_body(self):
        api, root = self.new_api()
        self.apigw.create_model(restApiId=api, name="Address", contentType="application/json",
                                schema=json.dumps({"type": "object", "required": ["city"],
                                                   "properties": {"city": {"type": "string", "minLength": 1}}}))
        self.apigw.create_model(restApiId=api, name="Pet", contentType="application/json", schema=json.dumps({
            "$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["name", "age"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string", "pattern": "^[A-Z]"},
                           "age": {"type": "integer", "minimum": 0, "maximum": 30},
                           "kind": {"enum": ["cat", "dog"]},
                           "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
                           "home": {"$ref": f"https://apigateway.amazonaws.com/restapis/{api}/models/Address"}}}))
        both = self.apigw.create_request_validator(restApiId=api, name="all", validateRequestBody=True,
                                                   validateRequestParameters=True)["id"]
        got = self.apigw.get_request_validators(restApiId=api)["items"]
        self.assertEqual([v["name"] for v in got], ["all"])
        res = self.resource(api, root, "pets")
        self.mock(api, res, verb="POST", template='{"ok": true}', requestValidatorId=both,
                  requestParameters={"method.request.querystring.owner": True, "method.request.header.X-Trace": False},
                  requestModels={"application/json": "Pet"})
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        ok = {"name": "Rex", "age": 3, "kind": "dog", "tags": ["a"], "home": {"city": "Paris"}}

        def post(body, query="?owner=me"):
            return self.invoke(api, "prod", "/pets" + query, method="POST", body=json.dumps(body).encode(),
                               headers={"Content-Type": "application/json"})
        self.assertEqual(post(ok)[::2], (200, {"ok": True}))
        self.assertEqual(post(ok, query="")[::2], (400, {"message": "Missing required request parameters: [owner]"}))
        for bad in [dict(ok, name="rex"), dict(ok, age=31), dict(ok, age="3"), dict(ok, kind="cow"),
                    dict(ok, tags=["a", "b", "c"]), dict(ok, extra=1), dict(ok, home={}), {"name": "Rex"}, [1]]:
            self.assertEqual(post(bad)[::2], (400, {"message": "Invalid request body"}), bad)
        status, _, _ = self.invoke(api, "prod", "/pets?owner=me", method="POST", body=b"{not json",
                                   headers={"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.apigw.update_request_validator(restApiId=api, requestValidatorId=both, patchOperations=[
            {"op": "replace", "path": "/validateRequestBody", "value": "false"}])
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        self.assertEqual(post({"name": "rex"})[0], 200)
        self.apigw.delete_request_validator(restApiId=api, requestValidatorId=both)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.get_request_validator(restApiId=api, requestValidatorId=both)
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFoundException")


    def test_test_invoke_applies_the_validator_as_a_stage_does(self):
        api, root = self.new_api()
        self.apigw.create_model(restApiId=api, name="Pet", contentType="application/json", schema=json.dumps({
            "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}))
        both = self.apigw.create_request_validator(restApiId=api, name="all", validateRequestBody=True,
                                                   validateRequestParameters=True)["id"]
        res = self.resource(api, root, "pets")
        self.mock(api, res, verb="POST", template='{"ok": true}', requestValidatorId=both,
                  requestParameters={"method.request.querystring.owner": True,
                                     "method.request.header.X-Trace": True},
                  requestModels={"application/json": "Pet"})
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        json_ct = {"Content-Type": "application/json"}
        cases = [  # (query, headers, body) -> the stage's answer is the test invocation's
            ("?owner=me", {"X-Trace": "t"}, {"name": "Rex"}),
            ("", {"X-Trace": "t"}, {"name": "Rex"}),
            ("", {}, {"name": "Rex"}),
            ("?owner=me", {"X-Trace": "t"}, {"age": 3}),
            ("?owner=me", {"X-Trace": "t"}, "{not json"),
        ]
        answers = []
        for query, headers, body in cases:
            raw = body if isinstance(body, str) else json.dumps(body)
            status, _, got = self.invoke(api, "prod", "/pets" + query, method="POST", body=raw.encode(),
                                         headers=dict(json_ct, **headers))
            out = self.apigw.test_invoke_method(restApiId=api, resourceId=res, httpMethod="POST",
                                                pathWithQueryString="/pets" + query, body=raw,
                                                headers=dict(json_ct, **headers))
            self.assertEqual((out["status"], json.loads(out["body"])), (status, got), (query, headers, body))
            answers.append((status, got))
        self.assertEqual(answers[0], (200, {"ok": True}))
        self.assertEqual(answers[1], (400, {"message": "Missing required request parameters: [owner]"}))
        self.assertEqual(answers[2][0], 400)
        self.assertIn("X-Trace", answers[2][1]["message"])
        self.assertEqual(answers[3], (400, {"message": "Invalid request body"}))
        self.assertEqual(answers[4][0], 400)
        # Gateway responses shape the test invocation's answer too.
        self.apigw.put_gateway_response(restApiId=api, responseType="BAD_REQUEST_BODY", statusCode="422",
                                        responseTemplates={"application/json":
                                                           '{"type": "$context.error.responseType"}'})
        out = self.apigw.test_invoke_method(restApiId=api, resourceId=res, httpMethod="POST",
                                            pathWithQueryString="/pets?owner=me", body='{"age": 3}',
                                            headers={"Content-Type": "application/json", "X-Trace": "t"})
        self.assertEqual(out["status"], 422)
        self.assertEqual(json.loads(out["body"]), {"type": "BAD_REQUEST_BODY"})


class GatewayResponses(AuthTestCase):
    def test_management_defaults(self):
        api, _ = self.new_api()
        items = self.apigw.get_gateway_responses(restApiId=api)["items"]
        self.assertEqual(len(items), 21)
        by_type = {i["responseType"]: i for i in items}
        self.assertEqual(by_type["UNAUTHORIZED"]["statusCode"], "401")
        self.assertEqual(by_type["QUOTA_EXCEEDED"]["statusCode"], "429")
        self.assertTrue(by_type["THROTTLED"]["defaultResponse"])
        self.assertNotIn("statusCode", by_type["DEFAULT_4XX"])
        put = self.apigw.put_gateway_response(restApiId=api, responseType="UNAUTHORIZED", statusCode="418",
                                              responseParameters={"gatewayresponse.header.X-Why": "'token'"})
        self.assertFalse(put["defaultResponse"])
        self.assertEqual(self.apigw.get_gateway_response(restApiId=api, responseType="UNAUTHORIZED")["statusCode"], "418")
        self.apigw.delete_gateway_response(restApiId=api, responseType="UNAUTHORIZED")
        self.assertTrue(self.apigw.get_gateway_response(restApiId=api, responseType="UNAUTHORIZED")["defaultResponse"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.delete_gateway_response(restApiId=api, responseType="UNAUTHORIZED")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFoundException")

    def test_custom_responses_apply_at_invoke(self):
        api, root = self.new_api()
        az = self.apigw.create_authorizer(restApiId=api, name="tok", type="TOKEN", authorizerUri=self.auth_uri,
                                          identitySource="method.request.header.Authorization",
                                          authorizerResultTtlInSeconds=0)["id"]
        res = self.resource(api, root, "pets")
        self.mock(api, res, authorizationType="CUSTOM", authorizerId=az)
        self.apigw.put_gateway_response(
            restApiId=api, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
            responseParameters={"gatewayresponse.header.X-Custom": "'yes'",
                                "gatewayresponse.header.X-Path": "context.resourcePath"},
            responseTemplates={"application/json": '{"error": $context.error.messageString, "type": "$context.error.responseType"}'})
        self.apigw.put_gateway_response(restApiId=api, responseType="DEFAULT_4XX",
                                        responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"})
        self.apigw.put_gateway_response(
            restApiId=api, responseType="ACCESS_DENIED", statusCode="403",
            responseTemplates={"application/json": '{"denied": "$context.error.message", "id": "$context.requestId"}'})
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        status, headers, body = self.invoke(api, "prod", "/nowhere")
        self.assertEqual(status, 404)
        self.assertEqual(body, {"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"})
        self.assertEqual(headers["x-custom"], "yes")
        self.assertEqual(headers["access-control-allow-origin"], "*")  # DEFAULT_4XX applies beneath
        status, headers, body = self.invoke(api, "prod", "/pets")
        self.assertEqual((status, body), (401, {"message": "Unauthorized"}))
        self.assertEqual(headers["access-control-allow-origin"], "*")
        status, headers, body = self.invoke(api, "prod", "/pets", headers={"Authorization": "deny"})
        self.assertEqual(status, 403)
        self.assertEqual(body["denied"], "User is not authorized to access this resource with an explicit deny")
        self.assertEqual(body["id"], headers["x-amzn-requestid"])


class ApiKeysAndUsagePlans(AuthTestCase):
    def keyed_api(self):
        api, root = self.new_api()
        res = self.resource(api, root, "data")
        self.mock(api, res, apiKeyRequired=True)
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        return api

    def new_key(self, **kw):
        key = self.apigw.create_api_key(name=kw.pop("name", "k"), enabled=kw.pop("enabled", True), **kw)
        self.addCleanup(lambda: self.apigw.delete_api_key(apiKey=key["id"]))
        return key

    def new_plan(self, api, **kw):
        plan = self.apigw.create_usage_plan(name="plan", apiStages=[{"apiId": api, "stage": "prod"}], **kw)
        self.addCleanup(lambda: self.apigw.delete_usage_plan(usagePlanId=plan["id"]))
        return plan

    def test_key_management(self):
        key = self.new_key(name="alpha", value="a" * 24, description="d", enabled=False)
        self.assertEqual(key["value"], "a" * 24)
        self.assertFalse(key["enabled"])
        got = self.apigw.get_api_key(apiKey=key["id"])
        self.assertNotIn("value", got)
        self.assertEqual(self.apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"], "a" * 24)
        listed = [k for k in self.apigw.get_api_keys(includeValues=True)["items"] if k["id"] == key["id"]]
        self.assertEqual(listed[0]["value"], "a" * 24)
        self.assertNotIn("value", [k for k in self.apigw.get_api_keys()["items"] if k["id"] == key["id"]][0])
        up = self.apigw.update_api_key(apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "true"},
                                                                          {"op": "replace", "path": "/name", "value": "beta"}])
        self.assertTrue(up["enabled"])
        self.assertEqual(up["name"], "beta")
        generated = self.new_key()
        self.assertGreaterEqual(len(generated["value"]), 20)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.create_api_key(name="short", value="abc")
        self.assertEqual(cm.exception.response["Error"]["Code"], "BadRequestException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.get_api_key(apiKey="nope")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFoundException")

    def test_plan_management(self):
        api = self.keyed_api()
        key = self.new_key()
        plan = self.new_plan(api, throttle={"rateLimit": 10.0, "burstLimit": 20}, quota={"limit": 100, "period": "DAY"})
        self.assertEqual(plan["apiStages"], [{"apiId": api, "stage": "prod"}])
        pk = self.apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        self.assertEqual((pk["id"], pk["type"], pk["value"]), (key["id"], "API_KEY", key["value"]))
        self.assertEqual([k["id"] for k in self.apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]], [key["id"]])
        self.assertEqual(self.apigw.get_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])["value"], key["value"])
        self.assertEqual(self.apigw.get_usage_plan(usagePlanId=plan["id"])["quota"], {"limit": 100, "period": "DAY"})
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ConflictException")
        self.assertEqual([p["id"] for p in self.apigw.get_usage_plans(keyId=key["id"])["items"]], [plan["id"]])
        up = self.apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
            {"op": "replace", "path": "/throttle/rateLimit", "value": "5"},
            {"op": "replace", "path": "/quota/limit", "value": "50"},
            {"op": "remove", "path": "/apiStages", "value": f"{api}:prod"}])
        self.assertEqual((up["throttle"]["rateLimit"], up["quota"]["limit"], up.get("apiStages", [])), (5.0, 50, []))
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.create_usage_plan(name="bad", apiStages=[{"apiId": api, "stage": "nostage"}])
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFoundException")
        self.apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
        self.assertEqual(self.apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"], [])

    def test_keys_quota_and_usage(self):
        api = self.keyed_api()
        key = self.new_key()
        disabled = self.new_key(enabled=False)
        loose = self.new_key()  # in no plan
        plan = self.new_plan(api, quota={"limit": 2, "period": "DAY"})
        for k in (key, disabled):
            self.apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=k["id"], keyType="API_KEY")
        forbidden = (403, {"message": "Forbidden"})
        self.assertEqual(self.invoke(api, "prod", "/data")[::2], forbidden)
        self.assertEqual(self.invoke(api, "prod", "/data", headers={"x-api-key": "x" * 30})[::2], forbidden)
        self.assertEqual(self.invoke(api, "prod", "/data", headers={"x-api-key": disabled["value"]})[::2], forbidden)
        self.assertEqual(self.invoke(api, "prod", "/data", headers={"x-api-key": loose["value"]})[::2], forbidden)
        for _ in range(2):
            status, _, body = self.invoke(api, "prod", "/data", headers={"x-api-key": key["value"]})
            self.assertEqual(status, 200, body)
            self.assertEqual(body["apiKeyId"], key["id"])
        self.assertEqual(self.invoke(api, "prod", "/data", headers={"x-api-key": key["value"]})[::2],
                         (429, {"message": "Limit Exceeded"}))
        from datetime import datetime, timezone
        today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        usage = self.apigw.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
        self.assertEqual(usage["items"][key["id"]], [[2, 0]])

    def test_key_from_authorizer(self):
        api, root = self.new_api(apiKeySource="AUTHORIZER")
        az = self.apigw.create_authorizer(restApiId=api, name="tok", type="TOKEN", authorizerUri=self.auth_uri,
                                          identitySource="method.request.header.Authorization",
                                          authorizerResultTtlInSeconds=0)["id"]
        res = self.resource(api, root, "data")
        self.mock(api, res, authorizationType="CUSTOM", authorizerId=az, apiKeyRequired=True)
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        key = self.new_key()
        plan = self.new_plan(api)
        self.apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        status, _, body = self.invoke(api, "prod", "/data", headers={"Authorization": "key=" + key["value"]})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["principal"], body["apiKeyId"]), ("keyed", key["id"]))
        # The header is not where this API reads keys from.
        self.assertEqual(self.invoke(api, "prod", "/data", headers={"Authorization": "allow", "x-api-key": key["value"]})[::2],
                         (403, {"message": "Forbidden"}))

    def test_plan_throttle(self):
        api = self.keyed_api()
        key = self.new_key()
        plan = self.new_plan(api, throttle={"rateLimit": 0.01, "burstLimit": 1})
        self.apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        self.assertEqual(self.invoke(api, "prod", "/data", headers={"x-api-key": key["value"]})[0], 200)
        self.assertEqual(self.invoke(api, "prod", "/data", headers={"x-api-key": key["value"]})[::2],
                         (429, {"message": "Too Many Requests"}))


class StageSettings(AuthTestCase):
    def test_stage_throttling_and_access_log(self):
        logs = self.stratus.client("logs")
        logs.create_log_group(logGroupName="apigw-access")
        api, root = self.new_api()
        res = self.resource(api, root, "ping")
        self.mock(api, res, template='{"pong": true}')
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        fmt = ('{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod",'
               '"resource":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol",'
               '"length":"$context.responseLength","stage":"$context.stage","missing":"$context.nothing"}')
        self.apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn",
             "value": "arn:aws:logs:us-east-1:000000000000:log-group:apigw-access"},
            {"op": "replace", "path": "/accessLogSettings/format", "value": fmt}])
        stage = self.apigw.get_stage(restApiId=api, stageName="prod")
        self.assertEqual(stage["accessLogSettings"]["format"], fmt)
        status, headers, _ = self.invoke(api, "prod", "/ping")
        self.assertEqual(status, 200)
        self.assertEqual(self.invoke(api, "prod", "/nope")[0], 403)
        events = logs.filter_log_events(logGroupName="apigw-access")["events"]
        lines = [json.loads(e["message"]) for e in events]
        self.assertEqual(len(lines), 2, lines)
        first = next(x for x in lines if x["requestId"] == headers["x-amzn-requestid"])
        self.assertEqual((first["method"], first["resource"], first["status"], first["protocol"], first["stage"],
                          first["length"], first["missing"]),
                         ("GET", "/ping", "200", "HTTP/1.1", "prod", str(len(b'{"pong": true}')), "-"))
        self.assertEqual(first["ip"], "127.0.0.1")
        self.assertIn("403", [x["status"] for x in lines])

        self.apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.01"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"}])
        self.assertEqual(self.invoke(api, "prod", "/ping")[0], 200)
        self.assertEqual(self.invoke(api, "prod", "/ping")[::2], (429, {"message": "Too Many Requests"}))


if __name__ == "__main__":
    unittest.main()
