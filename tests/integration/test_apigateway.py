"""API Gateway REST APIs: the management API through boto3 and the aws CLI, and invoke URLs
(path style /restapis/{id}/{stage}/_user_request_/ and host style {id}.execute-api.localhost)
with MOCK, AWS (SQS) and Lambda proxy integrations and VTL mapping templates."""
import json
import unittest
import urllib.request

import botocore.exceptions

import lambda_util
from harness import StratusTestCase


def error_of(cm):
    return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]


class ApiTestCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.stratus.client("apigateway")

    def new_api(self, name="api"):
        api = self.apigw.create_rest_api(name=name)
        self.addCleanup(lambda: self.apigw.delete_rest_api(restApiId=api["id"]))
        return api["id"], api["rootResourceId"]

    def resource(self, api, parent, part):
        return self.apigw.create_resource(restApiId=api, parentId=parent, pathPart=part)["id"]

    def mock(self, api, res, verb="GET", request_template='{"statusCode": 200}', responses=None):
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod=verb, authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod=verb, type="MOCK",
                                   requestTemplates={"application/json": request_template})
        for status, kw in (responses or {"200": {"responseTemplates": {"application/json": '{"ok": true}'}}}).items():
            self.apigw.put_method_response(restApiId=api, resourceId=res, httpMethod=verb, statusCode=status)
            self.apigw.put_integration_response(restApiId=api, resourceId=res, httpMethod=verb, statusCode=status, **kw)

    def invoke(self, api, stage, path, method="GET", body=None, headers=None):
        return self.stratus.http(method, f"/restapis/{api}/{stage}/_user_request_{path}", body=body,
                                 headers=headers or {})


class Management(ApiTestCase):
    def test_rest_api_lifecycle(self):
        api = self.apigw.create_rest_api(name="orders", description="d1")
        self.assertRegex(api["id"], r"^[a-z0-9]{10}$")
        self.assertEqual(api["endpointConfiguration"]["types"], ["EDGE"])
        got = self.apigw.get_rest_api(restApiId=api["id"])
        self.assertEqual(got["name"], "orders")
        self.assertIn(api["id"], [a["id"] for a in self.apigw.get_rest_apis()["items"]])
        up = self.apigw.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "replace", "path": "/name", "value": "orders2"},
            {"op": "add", "path": "/binaryMediaTypes/image~1png"}])
        self.assertEqual(up["name"], "orders2")
        self.assertEqual(up["binaryMediaTypes"], ["image/png"])
        self.apigw.delete_rest_api(restApiId=api["id"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.get_rest_api(restApiId=api["id"])
        self.assertEqual(error_of(cm), ("NotFoundException", f"Invalid API identifier specified 000000000000:{api['id']}"))
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_resources_paths_and_conflicts(self):
        api, root = self.new_api()
        pets = self.resource(api, root, "pets")
        pet = self.resource(api, pets, "{petId}")
        items = {r["path"]: r for r in self.apigw.get_resources(restApiId=api)["items"]}
        self.assertEqual(sorted(items), ["/", "/pets", "/pets/{petId}"])
        self.assertEqual(items["/pets/{petId}"]["parentId"], pets)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.resource(api, root, "pets")
        self.assertEqual(error_of(cm)[0], "ConflictException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.resource(api, pets, "{other}")
        self.assertEqual(error_of(cm)[0], "BadRequestException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.get_resource(restApiId=api, resourceId="nope")
        self.assertEqual(error_of(cm), ("NotFoundException", "Invalid Resource identifier specified"))
        self.apigw.delete_resource(restApiId=api, resourceId=pets)
        self.assertEqual([r["path"] for r in self.apigw.get_resources(restApiId=api)["items"]], ["/"])
        del pet

    def test_methods_integrations_responses(self):
        api, root = self.new_api()
        res = self.resource(api, root, "things")
        m = self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE",
                                  requestParameters={"method.request.header.X-Id": False})
        self.assertEqual((m["httpMethod"], m["apiKeyRequired"]), ("POST", False))
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE")
        self.assertEqual(error_of(cm)[0], "ConflictException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="POST", type="AWS",
                                       uri="arn:aws:apigateway:us-east-1:sqs:path/000000000000/q")
        self.assertEqual(error_of(cm), ("BadRequestException", "Enumeration value for HttpMethod must be non-empty"))
        integ = self.apigw.put_integration(
            restApiId=api, resourceId=res, httpMethod="POST", type="AWS", integrationHttpMethod="POST",
            uri="arn:aws:apigateway:us-east-1:sqs:path/000000000000/q",
            credentials="arn:aws:iam::000000000000:role/APIGateway-SQS",
            requestParameters={"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
            requestTemplates={"application/json": "Action=SendMessage&MessageBody=$input.body"})
        self.assertEqual((integ["passthroughBehavior"], integ["timeoutInMillis"]), ("WHEN_NO_MATCH", 29000))
        self.apigw.put_method_response(restApiId=api, resourceId=res, httpMethod="POST", statusCode="200")
        self.apigw.put_integration_response(restApiId=api, resourceId=res, httpMethod="POST", statusCode="200",
                                            selectionPattern="2\\d\\d")
        got = self.apigw.get_method(restApiId=api, resourceId=res, httpMethod="POST")
        self.assertEqual(got["methodIntegration"]["integrationResponses"]["200"]["selectionPattern"], "2\\d\\d")
        self.assertIn("200", got["methodResponses"])
        up = self.apigw.update_integration(restApiId=api, resourceId=res, httpMethod="POST", patchOperations=[
            {"op": "replace", "path": "/timeoutInMillis", "value": "5000"}])
        self.assertEqual(up["timeoutInMillis"], 5000)
        up = self.apigw.update_method(restApiId=api, resourceId=res, httpMethod="POST", patchOperations=[
            {"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
        self.assertTrue(up["apiKeyRequired"])
        up = self.apigw.update_integration_response(
            restApiId=api, resourceId=res, httpMethod="POST", statusCode="200",
            patchOperations=[{"op": "replace", "path": "/selectionPattern", "value": "20\\d"}])
        self.assertEqual(up["selectionPattern"], "20\\d")
        up = self.apigw.update_method_response(
            restApiId=api, resourceId=res, httpMethod="POST", statusCode="200",
            patchOperations=[{"op": "add", "path": "/responseParameters/method.response.header.X-A", "value": "false"}])
        self.assertEqual(up["responseParameters"], {"method.response.header.X-A": False})
        for call in (self.apigw.update_method_response, self.apigw.update_integration_response):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                call(restApiId=api, resourceId=res, httpMethod="POST", statusCode="404", patchOperations=[])
            self.assertEqual(error_of(cm), ("NotFoundException", "Invalid Response status code specified"))
        self.apigw.delete_integration_response(restApiId=api, resourceId=res, httpMethod="POST", statusCode="200")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.get_integration_response(restApiId=api, resourceId=res, httpMethod="POST", statusCode="200")
        self.assertEqual(error_of(cm)[0], "NotFoundException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.delete_integration_response(restApiId=api, resourceId=res, httpMethod="POST", statusCode="200")
        self.assertEqual(error_of(cm), ("NotFoundException", "Invalid Response status code specified"))
        self.apigw.delete_method_response(restApiId=api, resourceId=res, httpMethod="POST", statusCode="200")
        self.assertNotIn("200", self.apigw.get_method(restApiId=api, resourceId=res, httpMethod="POST")
                         .get("methodResponses", {}))
        self.apigw.delete_method(restApiId=api, resourceId=res, httpMethod="POST")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.get_method(restApiId=api, resourceId=res, httpMethod="POST")
        self.assertEqual(error_of(cm), ("NotFoundException", "Invalid Method identifier specified"))

    def test_deployments_and_stages(self):
        api, root = self.new_api()
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.create_deployment(restApiId=api, stageName="dev")
        self.assertEqual(error_of(cm), ("BadRequestException", "The REST API doesn't contain any methods"))
        self.mock(api, root)
        dep = self.apigw.create_deployment(restApiId=api, stageName="dev", variables={"color": "blue"})
        self.assertRegex(dep["id"], r"^[a-z0-9]{6}$")
        stage = self.apigw.get_stage(restApiId=api, stageName="dev")
        self.assertEqual((stage["deploymentId"], stage["variables"]), (dep["id"], {"color": "blue"}))
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.create_stage(restApiId=api, stageName="dev", deploymentId=dep["id"])
        self.assertEqual(error_of(cm), ("ConflictException", "Stage already exists"))
        self.apigw.create_stage(restApiId=api, stageName="prod", deploymentId=dep["id"])
        self.assertEqual(sorted(s["stageName"] for s in self.apigw.get_stages(restApiId=api)["item"]), ["dev", "prod"])
        up = self.apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/variables/color", "value": "red"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"}])
        self.assertEqual(up["variables"], {"color": "red"})
        self.assertEqual(up["methodSettings"]["*/*"]["throttlingRateLimit"], 100.0)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.delete_deployment(restApiId=api, deploymentId=dep["id"])
        self.assertEqual(error_of(cm)[0], "BadRequestException")
        self.assertEqual([d["id"] for d in self.apigw.get_deployments(restApiId=api)["items"]], [dep["id"]])

    def test_authorizers_models_validators_are_stored(self):
        api, _ = self.new_api()
        az = self.apigw.create_authorizer(restApiId=api, name="tok", type="TOKEN",
                                          authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations",
                                          identitySource="method.request.header.Authorization")
        self.assertEqual(self.apigw.get_authorizer(restApiId=api, authorizerId=az["id"])["authorizerResultTtlInSeconds"], 300)
        self.assertEqual(len(self.apigw.get_authorizers(restApiId=api)["items"]), 1)
        model = self.apigw.create_model(restApiId=api, name="Pet", contentType="application/json", schema="{}")
        self.assertEqual(self.apigw.get_model(restApiId=api, modelName="Pet")["id"], model["id"])
        v = self.apigw.create_request_validator(restApiId=api, name="body", validateRequestBody=True)
        self.assertTrue(self.apigw.get_request_validator(restApiId=api, requestValidatorId=v["id"])["validateRequestBody"])

    def test_aws_cli(self):
        api = self.stratus.aws("apigateway", "create-rest-api", "--name", "cli-api")
        listed = self.stratus.aws("apigateway", "get-rest-apis")
        self.assertIn(api["id"], [a["id"] for a in listed["items"]])
        res = self.stratus.aws("apigateway", "get-resources", "--rest-api-id", api["id"])
        self.assertEqual(res["items"][0]["path"], "/")
        self.stratus.aws("apigateway", "delete-rest-api", "--rest-api-id", api["id"])
        cp = self.stratus.aws("apigateway", "get-rest-api", "--rest-api-id", api["id"], check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("NotFoundException", cp.stderr)


class InvokeMock(ApiTestCase):
    def test_mock_both_url_forms(self):
        api, root = self.new_api()
        res = self.resource(api, root, "hello")
        self.mock(api, res, responses={"200": {"responseTemplates": {
            "application/json": '{"stage": "$context.stage", "q": "$input.params(\'q\')", "color": "$stageVariables.color"}'}}})
        self.apigw.create_deployment(restApiId=api, stageName="dev", variables={"color": "blue"})
        status, headers, body = self.invoke(api, "dev", "/hello?q=x")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"stage": "dev", "q": "x", "color": "blue"})
        self.assertEqual(headers["content-type"], "application/json")
        self.assertIn("x-amzn-requestid", headers)
        req = urllib.request.Request(self.stratus.endpoint + "/dev/hello?q=y",
                                     headers={"Host": f"{api}.execute-api.localhost:{self.stratus.port}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(json.loads(r.read())["q"], "y")

    def test_unknown_routes_answer_like_aws(self):
        api, root = self.new_api()
        self.mock(api, root)
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, headers, body = self.invoke(api, "dev", "/nowhere")
        self.assertEqual((status, json.loads(body)), (403, {"message": "Missing Authentication Token"}))
        self.assertEqual(headers["x-amzn-errortype"], "MissingAuthenticationTokenException")
        status, _, _ = self.invoke(api, "dev", "/", method="DELETE")
        self.assertEqual(status, 403)
        status, _, body = self.invoke(api, "nostage", "/")
        self.assertEqual((status, json.loads(body)), (403, {"message": "Forbidden"}))
        status, _, body = self.invoke("nosuchapi0", "dev", "/")
        self.assertEqual(status, 403)

    def test_route_matching_most_specific_first(self):
        api, root = self.new_api()
        pets = self.resource(api, root, "pets")
        special = self.resource(api, pets, "special")
        byid = self.resource(api, pets, "{petId}")
        proxy = self.resource(api, root, "{proxy+}")
        for res, name in ((pets, "pets"), (special, "special"), (byid, "byid")):
            self.mock(api, res, responses={"200": {"responseTemplates": {
                "application/json": '{"route": "%s", "id": "$input.params(\'petId\')"}' % name}}})
        self.mock(api, proxy, verb="ANY", responses={"200": {"responseTemplates": {
            "application/json": '{"route": "proxy", "rest": "$input.params(\'proxy\')", "m": "$context.httpMethod"}'}}})
        self.apigw.create_deployment(restApiId=api, stageName="v1")
        route = lambda path, method="GET": json.loads(self.invoke(api, "v1", path, method=method)[2])
        self.assertEqual(route("/pets"), {"route": "pets", "id": ""})
        self.assertEqual(route("/pets/special"), {"route": "special", "id": ""})
        self.assertEqual(route("/pets/42"), {"route": "byid", "id": "42"})
        self.assertEqual(route("/pets/42/toys/1"), {"route": "proxy", "rest": "pets/42/toys/1", "m": "GET"})
        self.assertEqual(route("/a", method="DELETE"), {"route": "proxy", "rest": "a", "m": "DELETE"})

    def test_selection_pattern_and_response_parameters(self):
        api, root = self.new_api()
        res = self.resource(api, root, "items")
        self.mock(api, res, request_template='{"statusCode": $input.params(\'code\')}', responses={
            "200": {"responseTemplates": {"application/json": '{"found": true}'},
                    "responseParameters": {"method.response.header.X-Kind": "'found'"}},
            "404": {"selectionPattern": "404", "responseTemplates": {"application/json": '{"message": "not here"}'}},
            "500": {"selectionPattern": "5\\d\\d", "responseTemplates": {"application/json": '{"message": "boom"}'}},
        })
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, headers, body = self.invoke(api, "dev", "/items?code=200")
        self.assertEqual((status, json.loads(body), headers.get("x-kind")), (200, {"found": True}, "found"))
        status, _, body = self.invoke(api, "dev", "/items?code=404")
        self.assertEqual((status, json.loads(body)), (404, {"message": "not here"}))
        status, _, body = self.invoke(api, "dev", "/items?code=503")
        self.assertEqual((status, json.loads(body)), (500, {"message": "boom"}))

    def test_cors_preflight_through_mock_options(self):
        api, root = self.new_api()
        res = self.resource(api, root, "data")
        self.mock(api, res, verb="OPTIONS", responses={"200": {
            "responseParameters": {
                "method.response.header.Access-Control-Allow-Origin": "'*'",
                "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                "method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'"},
            "responseTemplates": {"application/json": ""}}})
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, headers, body = self.invoke(api, "dev", "/data", method="OPTIONS",
                                            headers={"Origin": "http://example.com"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], "*")
        self.assertEqual(headers["access-control-allow-methods"], "GET,OPTIONS")
        self.assertEqual(body, b"")

    def test_unsupported_media_type_with_never_passthrough(self):
        api, root = self.new_api()
        self.mock(api, root, verb="POST")
        self.apigw.update_integration(restApiId=api, resourceId=root, httpMethod="POST", patchOperations=[
            {"op": "replace", "path": "/passthroughBehavior", "value": "NEVER"}])
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, _, body = self.invoke(api, "dev", "/", method="POST", body=b"x", headers={"Content-Type": "text/plain"})
        self.assertEqual((status, json.loads(body)), (415, {"message": "Unsupported Media Type"}))


class InvokeSqs(ApiTestCase):
    """The orders pipeline: POST → SQS SendMessage through an AWS integration with a mapping template."""

    def setUp(self):
        self.sqs = self.stratus.client("sqs")

    def build(self, uri, template, params):
        api, root = self.new_api("orders")
        res = self.resource(api, root, "orders")
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="POST", type="AWS",
                                   integrationHttpMethod="POST", uri=uri,
                                   credentials="arn:aws:iam::000000000000:role/APIGateway-SQS",
                                   requestParameters=params, requestTemplates={"application/json": template})
        self.apigw.put_method_response(restApiId=api, resourceId=res, httpMethod="POST", statusCode="200")
        self.apigw.put_integration_response(restApiId=api, resourceId=res, httpMethod="POST", statusCode="200",
                                            selectionPattern="")
        self.apigw.create_deployment(restApiId=api, stageName="prod")
        return api

    def test_path_integration_sends_message(self):
        url = self.sqs.create_queue(QueueName="POC-Queue")["QueueUrl"]
        api = self.build("arn:aws:apigateway:us-east-1:sqs:path/000000000000/POC-Queue",
                         "Action=SendMessage&MessageBody=$input.body",
                         {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"})
        order = {"orderID": "o-1", "qty": 2}
        status, _, body = self.invoke(api, "prod", "/orders", method="POST", body=json.dumps(order).encode(),
                                      headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, body)
        self.assertIn(b"SendMessageResponse", body)
        msgs = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        self.assertEqual([json.loads(m["Body"]) for m in msgs], [order])

    def test_action_integration_with_url_encoded_body(self):
        url = self.sqs.create_queue(QueueName="action-q")["QueueUrl"]
        api = self.build("arn:aws:apigateway:us-east-1:sqs:action/SendMessage",
                         "QueueUrl=$util.urlEncode('%s')&MessageBody=$util.urlEncode($input.body)" % url,
                         {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"})
        status, _, body = self.invoke(api, "prod", "/orders", method="POST", body=b'{"a": "x&y=z"}',
                                      headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, body)
        msgs = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        self.assertEqual([m["Body"] for m in msgs], ['{"a": "x&y=z"}'])


PROXY_FN = """
import json
def handler(event, context):
    if event.get("queryStringParameters") and event["queryStringParameters"].get("bad"):
        return {"statusCode": 200, "body": {"not": "a string"}}
    if event.get("queryStringParameters") and event["queryStringParameters"].get("fail"):
        raise Exception("boom")
    return {"statusCode": 201, "headers": {"X-Fn": "yes"}, "body": json.dumps(event)}
"""


class InvokeLambdaCustom(ApiTestCase):
    """VTL end to end: a request template shapes the Lambda payload (AWS integration, not proxy),
    a response template returns it with $context.responseOverride."""

    def test_request_and_response_templates(self):
        lam = self.stratus.client("lambda")
        fn = lambda_util.create(lam, "echo-fn", {"app.py": "def handler(event, context):\n    return event\n"})["FunctionArn"]
        api, root = self.new_api()
        res = self.resource(api, root, "echo")
        template = """#set($body = $input.path('$'))
{
  "names": [#foreach($p in $body.pets)"$p.name"#if($foreach.hasNext),#end#end],
  "first": $input.json('$.pets[0]'),
  "escaped": "$util.escapeJavaScript($body.note).replaceAll("\\\\'","'")",
  "map": "$body.pets[0]",
  "count": $body.pets.size(),
  "stage": "$context.stage",
  "id": "$input.params('id')"
}"""
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="POST", type="AWS",
                                   integrationHttpMethod="POST",
                                   uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations",
                                   requestTemplates={"application/json": template})
        self.apigw.put_method_response(restApiId=api, resourceId=res, httpMethod="POST", statusCode="200")
        self.apigw.put_integration_response(
            restApiId=api, resourceId=res, httpMethod="POST", statusCode="200",
            responseTemplates={"application/json": "#set($context.responseOverride.status = 201)\n"
                                                   "#set($context.responseOverride.header.X-Override = 'yes')\n"
                                                   "$input.json('$')"})
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        payload = {"pets": [{"name": "Rex", "age": 3}, {"name": "Tom", "age": 5}], "note": "it's \"fine\""}
        status, headers, body = self.invoke(api, "dev", "/echo?id=7", method="POST", body=json.dumps(payload).encode(),
                                            headers={"Content-Type": "application/json"})
        self.assertEqual(status, 201, body)
        self.assertEqual(headers["x-override"], "yes")
        out = json.loads(body)
        self.assertEqual(out, {"names": ["Rex", "Tom"], "first": {"name": "Rex", "age": 3},
                               "escaped": "it's \"fine\"", "map": "{name=Rex, age=3}", "count": 2,
                               "stage": "dev", "id": "7"})


class InvokeLambdaProxy(ApiTestCase):
    def test_proxy_event_and_response(self):
        lam = self.stratus.client("lambda")
        fn = lambda_util.create(lam, "proxy-fn", {"app.py": PROXY_FN})["FunctionArn"]
        api, root = self.new_api()
        res = self.resource(api, root, "{proxy+}")
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="ANY", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="ANY", type="AWS_PROXY",
                                   integrationHttpMethod="POST",
                                   uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations")
        self.apigw.create_deployment(restApiId=api, stageName="dev", variables={"v": "1"})
        status, headers, body = self.invoke(api, "dev", "/a/b?x=1&x=2", method="POST", body=b'{"k": 1}',
                                            headers={"Content-Type": "application/json"})
        self.assertEqual(status, 201, body)
        self.assertEqual(headers["x-fn"], "yes")
        event = json.loads(body)
        self.assertEqual(event["resource"], "/{proxy+}")
        self.assertEqual(event["path"], "/a/b")
        self.assertEqual(event["httpMethod"], "POST")
        self.assertEqual(event["pathParameters"], {"proxy": "a/b"})
        self.assertEqual(event["queryStringParameters"], {"x": "2"})
        self.assertEqual(event["multiValueQueryStringParameters"], {"x": ["1", "2"]})
        self.assertEqual(event["stageVariables"], {"v": "1"})
        self.assertEqual(event["body"], '{"k": 1}')
        self.assertFalse(event["isBase64Encoded"])
        self.assertEqual(event["headers"]["Content-Type"], "application/json")
        ctx = event["requestContext"]
        self.assertEqual((ctx["stage"], ctx["apiId"], ctx["resourcePath"], ctx["path"]), ("dev", api, "/{proxy+}", "/dev/a/b"))
        self.assertEqual(ctx["requestId"], headers["x-amzn-requestid"])
        for q in ("bad=1", "fail=1"):
            status, _, body = self.invoke(api, "dev", "/a?" + q)
            self.assertEqual((status, json.loads(body)), (502, {"message": "Internal server error"}), q)


if __name__ == "__main__":
    unittest.main()
