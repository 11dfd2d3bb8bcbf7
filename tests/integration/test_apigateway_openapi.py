"""API Gateway ImportRestApi / PutRestApi / GetExport with OpenAPI 3 and Swagger 2 documents
(JSON and YAML): import, deploy and invoke (a Lambda proxy route and a MOCK route), export and
re-import round trips, merge/overwrite, warnings."""
import json
import os
import shutil
import tempfile
import unittest

import botocore.exceptions
import yaml

import lambda_util
from harness import StratusTestCase

FN = """
import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"pet": event["pathParameters"]["petId"], "resource": event["resource"]})}
"""


def petstore(fn_arn):
    lambda_uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn_arn}/invocations"
    return {
        "openapi": "3.0.1",
        "info": {"title": "PetStore", "description": "imported", "version": "2024-01-01"},
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "x-amazon-apigateway-request-validators": {
            "params": {"validateRequestBody": False, "validateRequestParameters": True}},
        "paths": {
            "/pets/{petId}": {
                "get": {
                    "operationId": "GetPet",
                    "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "x-amazon-apigateway-request-validator": "params",
                    "responses": {"200": {"description": "a pet", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}},
                    "x-amazon-apigateway-integration": {
                        "type": "aws_proxy", "httpMethod": "POST", "uri": lambda_uri,
                        "passthroughBehavior": "when_no_match", "timeoutInMillis": 10000},
                },
            },
            "/health": {
                "get": {
                    "responses": {"200": {"description": "ok", "headers": {"X-Health": {"schema": {"type": "string"}}}}},
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "responses": {"default": {
                            "statusCode": "200",
                            "responseParameters": {"method.response.header.X-Health": "'green'"},
                            "responseTemplates": {"application/json": '{"status": "up"}'}}},
                    },
                },
            },
        },
        "components": {"schemas": {"Pet": {"type": "object", "properties": {"id": {"type": "string"}}}}},
    }


class OpenApi(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.stratus.client("apigateway")
        lam = cls.stratus.client("lambda")
        cls.fn = lambda_util.create(lam, "pets-fn", {"app.py": FN})["FunctionArn"]

    def imported(self, doc, **kw):
        body = doc if isinstance(doc, (bytes, str)) else json.dumps(doc)
        api = self.apigw.import_rest_api(body=body, **kw)
        self.addCleanup(lambda: self.apigw.delete_rest_api(restApiId=api["id"]))
        return api

    def invoke(self, api, stage, path):
        return self.stratus.http("GET", f"/restapis/{api}/{stage}/_user_request_{path}")

    def check_petstore(self, api_id):
        self.apigw.create_deployment(restApiId=api_id, stageName="prod")
        status, _, body = self.invoke(api_id, "prod", "/pets/7")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"pet": "7", "resource": "/pets/{petId}"})
        status, headers, body = self.invoke(api_id, "prod", "/health")
        self.assertEqual((status, json.loads(body), headers["x-health"]), (200, {"status": "up"}, "green"))

    def test_import_openapi3_deploy_invoke(self):
        api = self.imported(petstore(self.fn))
        self.assertEqual((api["name"], api["description"], api["version"]), ("PetStore", "imported", "2024-01-01"))
        self.assertEqual(api["binaryMediaTypes"], ["image/png"])
        self.assertNotIn("warnings", api)
        paths = {r["path"]: r for r in self.apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"]}
        self.assertEqual(sorted(paths), ["/", "/health", "/pets", "/pets/{petId}"])
        get = paths["/pets/{petId}"]["resourceMethods"]["GET"]
        self.assertEqual(get["operationName"], "GetPet")
        self.assertEqual(get["methodIntegration"]["type"], "AWS_PROXY")
        self.assertEqual(get["methodIntegration"]["timeoutInMillis"], 10000)
        validators = self.apigw.get_request_validators(restApiId=api["id"])["items"]
        self.assertEqual([(v["name"], v["id"]) for v in validators], [("params", get["requestValidatorId"])])
        self.assertEqual([m["name"] for m in self.apigw.get_models(restApiId=api["id"])["items"]], ["Pet"])
        self.check_petstore(api["id"])

    def test_export_and_reimport_round_trip(self):
        api = self.imported(petstore(self.fn))
        self.apigw.create_deployment(restApiId=api["id"], stageName="prod")
        for export_type, accepts in (("oas30", "application/json"), ("swagger", "application/yaml"),
                                     ("oas30", "application/yaml"), ("swagger", "application/json")):
            out = self.apigw.get_export(restApiId=api["id"], stageName="prod", exportType=export_type,
                                        parameters={"extensions": "apigateway"}, accepts=accepts)
            text = out["body"].read()
            doc = yaml.safe_load(text) if "yaml" in accepts else json.loads(text)
            self.assertIn("yaml" if "yaml" in accepts else "json", out["contentType"])
            if export_type == "oas30":
                self.assertEqual(doc["openapi"], "3.0.1")
                self.assertEqual(doc["servers"][0]["variables"]["basePath"]["default"], "prod")
                self.assertIn("Pet", doc["components"]["schemas"])
            else:
                self.assertEqual((doc["swagger"], doc["basePath"]), ("2.0", "/prod"))
                self.assertIn("Pet", doc["definitions"])
            integ = doc["paths"]["/pets/{petId}"]["get"]["x-amazon-apigateway-integration"]
            self.assertEqual(integ["type"], "aws_proxy")
            again = self.imported(text)
            self.assertEqual(again["name"], "PetStore")
            self.check_petstore(again["id"])
        # without extensions there are no integrations in the document
        plain = json.loads(self.apigw.get_export(restApiId=api["id"], stageName="prod", exportType="oas30")["body"].read())
        self.assertNotIn("x-amazon-apigateway-integration", plain["paths"]["/pets/{petId}"]["get"])

    def test_yaml_import_and_put_rest_api_modes(self):
        api = self.imported(yaml.safe_dump(petstore(self.fn)))
        extra = {"openapi": "3.0.1", "info": {"title": "PetStore2"}, "paths": {"/extra": {"get": {
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                                                "responses": {"default": {"statusCode": "200"}}}}}}}
        merged = self.apigw.put_rest_api(restApiId=api["id"], mode="merge", body=json.dumps(extra))
        self.assertEqual(merged["name"], "PetStore2")
        paths = sorted(r["path"] for r in self.apigw.get_resources(restApiId=api["id"])["items"])
        self.assertEqual(paths, ["/", "/extra", "/health", "/pets", "/pets/{petId}"])
        self.apigw.put_rest_api(restApiId=api["id"], mode="overwrite", body=json.dumps(extra))
        items = self.apigw.get_resources(restApiId=api["id"])["items"]
        self.assertEqual(sorted(r["path"] for r in items), ["/", "/extra"])
        root = [r for r in items if r["path"] == "/"][0]
        self.assertEqual(root["id"], api["rootResourceId"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.put_rest_api(restApiId="nope000000", body=json.dumps(extra))
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFoundException")

    def test_warnings_and_errors(self):
        doc = {"openapi": "3.0.1", "info": {"title": "W"}, "paths": {"/a": {"get": {
            "x-amazon-apigateway-integration": {"type": "mock"}}}}}
        api = self.imported(doc)
        self.assertEqual(api["warnings"], ["Parse issue: attribute paths.'/a'(get).responses is missing"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.import_rest_api(body=json.dumps(doc), failOnWarnings=True)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "BadRequestException")
        self.assertTrue(err["Message"].startswith("Warnings found during import:"), err["Message"])
        bad = {"openapi": "3.0.1", "info": {"title": "E"}, "paths": {"/a": {"get": {"responses": {},
               "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET"}}}}}
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.import_rest_api(body=json.dumps(bad))
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Errors found during import:\n\tUnable to put integration on 'GET' for resource at path '/a': "
                         "Invalid integration URI specified")
        for body in (b"not: [valid", b"{}", b"- a\n- b\n"):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                self.apigw.import_rest_api(body=body)
            self.assertEqual(cm.exception.response["Error"]["Code"], "BadRequestException", body)

    def test_aws_cli_import_and_export(self):
        tmp = tempfile.mkdtemp(prefix="stratus-oas-")
        self.addCleanup(shutil.rmtree, tmp, True)
        src = os.path.join(tmp, "api.yaml")
        with open(src, "w") as f:
            yaml.safe_dump(petstore(self.fn), f)
        api = self.stratus.aws("apigateway", "import-rest-api", "--body", f"fileb://{src}",
                               "--parameters", "endpointConfigurationTypes=REGIONAL")
        self.addCleanup(lambda: self.apigw.delete_rest_api(restApiId=api["id"]))
        self.assertEqual((api["name"], api["endpointConfiguration"]["types"]), ("PetStore", ["REGIONAL"]))
        self.stratus.aws("apigateway", "create-deployment", "--rest-api-id", api["id"], "--stage-name", "v1")
        dst = os.path.join(tmp, "out.yaml")
        out = self.stratus.aws("apigateway", "get-export", "--rest-api-id", api["id"], "--stage-name", "v1",
                               "--export-type", "oas30", "--parameters", "extensions=integrations",
                               "--accepts", "application/yaml", dst)
        self.assertEqual(out["contentType"], "application/yaml")
        with open(dst) as f:
            doc = yaml.safe_load(f)
        self.assertEqual(doc["paths"]["/health"]["get"]["x-amazon-apigateway-integration"]["type"], "mock")

    def test_export_errors(self):
        api = self.imported(petstore(self.fn))
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.get_export(restApiId=api["id"], stageName="nostage", exportType="oas30")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFoundException")
        self.apigw.create_deployment(restApiId=api["id"], stageName="prod")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.get_export(restApiId=api["id"], stageName="prod", exportType="raml")
        self.assertEqual(cm.exception.response["Error"]["Code"], "BadRequestException")


if __name__ == "__main__":
    unittest.main()
