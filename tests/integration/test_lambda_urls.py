"""Function URLs: the configuration API (Create/Get/Update/Delete/ListFunctionUrlConfigs) and
invoking a URL over plain HTTP on its own host (<url-id>.lambda-url.<region>.localhost): the
payload format 2.0 event, response mapping, AuthType NONE (resource policy) and AWS_IAM (SigV4),
and CORS."""
import base64
import http.client
import json
import re
import unittest
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

from harness import Stratus, StratusTestCase
from lambda_util import create

APP = """
import base64, json
def handler(event, context):
    path = event["rawPath"]
    if path == "/structured":
        return {"statusCode": 201, "headers": {"x-custom": "yes", "content-type": "text/plain"},
                "cookies": ["a=1; Path=/", "b=2"], "body": "created"}
    if path == "/binary":
        return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
    if path == "/bare":
        return ["x", 1]
    if path == "/fail":
        raise RuntimeError("boom")
    return {"statusCode": 200, "body": json.dumps(event)}
"""


class FunctionUrls(StratusTestCase):
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = cls.stratus.client("lambda")

    def code(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]

    def url_fn(self, name, auth="NONE", public=True, **kw):
        create(self.lam, name, {"app.py": APP})
        url = self.lam.create_function_url_config(FunctionName=name, AuthType=auth, **kw)["FunctionUrl"]
        if public and auth == "NONE":
            self.lam.add_permission(FunctionName=name, StatementId="public", Action="lambda:InvokeFunctionUrl",
                                    Principal="*", FunctionUrlAuthType="NONE")
        return url

    def request(self, url, method="GET", path="/", body=None, headers=None):
        """Sends to this stratus with the URL's Host; returns (status, headers (lower-case), body)."""
        host = urllib.parse.urlsplit(url).netloc
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=30)
        hdrs = {"Host": host}
        hdrs.update(headers or {})
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        out = {}
        for k, v in r.getheaders():
            out.setdefault(k.lower(), []).append(v)
        conn.close()
        return r.status, {k: ", ".join(v) if k != "set-cookie" else v for k, v in out.items()}, data

    def signed(self, url, method="GET", path="/", body=b"", service="lambda", secret="test", key="test"):
        full = url.rstrip("/") + path
        req = botocore.awsrequest.AWSRequest(method=method, url=full, data=body)
        creds = botocore.credentials.Credentials(key, secret)
        botocore.auth.SigV4Auth(creds, service, "us-east-1").add_auth(req)
        hdrs = {k: v for k, v in req.headers.items() if k.lower() != "host"}
        return self.request(url, method, path, body or None, hdrs)

    # ---- configuration API ----

    def test_config_lifecycle(self):
        create(self.lam, "cfg", {"app.py": APP})
        c = self.lam.create_function_url_config(FunctionName="cfg", AuthType="NONE",
                                                Cors={"AllowOrigins": ["https://example.com"]})
        self.assertEqual(c["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertRegex(c["FunctionUrl"],
                         r"^http://[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:%d/$" % self.stratus.port)
        self.assertTrue(c["FunctionArn"].endswith(":function:cfg"))
        self.assertEqual((c["AuthType"], c["InvokeMode"]), ("NONE", "BUFFERED"))
        self.assertEqual(c["Cors"], {"AllowOrigins": ["https://example.com"]})
        self.assertIn("CreationTime", c)
        self.assertEqual(self.code(self.lam.create_function_url_config, FunctionName="cfg", AuthType="NONE"),
                         ("ResourceConflictException", 409))

        g = self.lam.get_function_url_config(FunctionName="cfg")
        self.assertEqual(g["FunctionUrl"], c["FunctionUrl"])
        self.assertIn("LastModifiedTime", g)
        u = self.lam.update_function_url_config(FunctionName="cfg", AuthType="AWS_IAM")
        self.assertEqual((u["AuthType"], u["FunctionUrl"]), ("AWS_IAM", c["FunctionUrl"]))
        self.assertEqual(u["Cors"], {"AllowOrigins": ["https://example.com"]})

        self.lam.publish_version(FunctionName="cfg")
        self.lam.create_alias(FunctionName="cfg", Name="live", FunctionVersion="1")
        a = self.lam.create_function_url_config(FunctionName="cfg", Qualifier="live", AuthType="NONE")
        self.assertTrue(a["FunctionArn"].endswith(":function:cfg:live"))
        self.assertNotEqual(a["FunctionUrl"], c["FunctionUrl"])
        listed = self.lam.list_function_url_configs(FunctionName="cfg")["FunctionUrlConfigs"]
        self.assertEqual(sorted(x["FunctionUrl"] for x in listed), sorted([a["FunctionUrl"], c["FunctionUrl"]]))

        self.lam.delete_function_url_config(FunctionName="cfg")
        self.assertEqual(self.code(self.lam.get_function_url_config, FunctionName="cfg"),
                         ("ResourceNotFoundException", 404))
        self.assertEqual(self.code(self.lam.delete_function_url_config, FunctionName="cfg"),
                         ("ResourceNotFoundException", 404))
        self.assertEqual(self.request(c["FunctionUrl"])[0], 403)  # the deleted URL answers no more
        self.assertEqual(len(self.lam.list_function_url_configs(FunctionName="cfg")["FunctionUrlConfigs"]), 1)

    def test_config_errors(self):
        create(self.lam, "cfg-err", {"app.py": APP})
        self.assertEqual(self.code(self.lam.create_function_url_config, FunctionName="nope", AuthType="NONE"),
                         ("ResourceNotFoundException", 404))
        self.assertEqual(self.code(self.lam.create_function_url_config, FunctionName="cfg-err", Qualifier="ghost",
                                   AuthType="NONE"), ("ResourceNotFoundException", 404))
        raw = self.stratus.client("lambda", parameter_validation=False)
        self.assertEqual(self.code(raw.create_function_url_config, FunctionName="cfg-err", AuthType="OPEN"),
                         ("ValidationException", 400))
        self.assertEqual(self.code(self.lam.update_function_url_config, FunctionName="cfg-err", AuthType="NONE"),
                         ("ResourceNotFoundException", 404))

    # ---- invoking over HTTP ----

    def test_event_format_2_0(self):
        url = self.url_fn("echo")
        uid = re.match(r"http://([a-z0-9]+)\.", url).group(1)
        status, headers, body = self.request(
            url, "POST", "/some/path?b=2&a=1&a=3", body=b'{"hello": "world"}',
            headers={"Content-Type": "application/json", "Cookie": "c1=v1; c2=v2", "User-Agent": "tester/1.0",
                     "X-Multi": "one"})
        self.assertEqual(status, 200, body)
        e = json.loads(body)
        self.assertEqual(e["version"], "2.0")
        self.assertEqual(e["routeKey"], "$default")
        self.assertEqual(e["rawPath"], "/some/path")
        self.assertEqual(e["rawQueryString"], "b=2&a=1&a=3")
        self.assertEqual(e["cookies"], ["c1=v1", "c2=v2"])
        self.assertEqual(e["queryStringParameters"], {"a": "1,3", "b": "2"})
        self.assertEqual(e["headers"]["content-type"], "application/json")
        self.assertEqual(e["headers"]["x-multi"], "one")
        self.assertNotIn("cookie", e["headers"])
        self.assertEqual(e["body"], '{"hello": "world"}')
        self.assertIs(e["isBase64Encoded"], False)
        rc = e["requestContext"]
        self.assertEqual(rc["accountId"], "anonymous")
        self.assertEqual((rc["apiId"], rc["domainPrefix"]), (uid, uid))
        self.assertEqual(rc["domainName"], f"{uid}.lambda-url.us-east-1.localhost")
        self.assertEqual(rc["http"]["method"], "POST")
        self.assertEqual(rc["http"]["path"], "/some/path")
        self.assertEqual(rc["http"]["protocol"], "HTTP/1.1")
        self.assertEqual(rc["http"]["sourceIp"], "127.0.0.1")
        self.assertEqual(rc["http"]["userAgent"], "tester/1.0")
        self.assertEqual((rc["routeKey"], rc["stage"]), ("$default", "$default"))
        self.assertRegex(rc["time"], r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$")
        self.assertIsInstance(rc["timeEpoch"], int)
        self.assertEqual(rc["requestId"], headers["x-amzn-requestid"])
        self.assertNotIn("authorizer", rc)

        # Binary bodies arrive base64-encoded.
        status, _, body = self.request(url, "PUT", "/bin", body=bytes(range(256)),
                                       headers={"Content-Type": "application/octet-stream"})
        e = json.loads(body)
        self.assertIs(e["isBase64Encoded"], True)
        self.assertEqual(base64.b64decode(e["body"]), bytes(range(256)))
        self.assertNotIn("queryStringParameters", e)

    def test_response_mapping(self):
        url = self.url_fn("shapes")
        status, headers, body = self.request(url, path="/structured")
        self.assertEqual((status, body), (201, b"created"))
        self.assertEqual(headers["x-custom"], "yes")
        self.assertEqual(headers["content-type"], "text/plain")
        self.assertEqual(headers["set-cookie"], ["a=1; Path=/", "b=2"])
        status, headers, body = self.request(url, path="/binary")
        self.assertEqual((status, body), (200, bytes(range(256))))
        status, headers, body = self.request(url, path="/bare")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(json.loads(body), ["x", 1])
        status, _, _ = self.request(url, path="/fail")
        self.assertEqual(status, 502)

    def test_auth_none_needs_a_public_permission(self):
        url = self.url_fn("private", public=False)
        status, headers, body = self.request(url)
        self.assertEqual((status, json.loads(body)), (403, {"Message": "Forbidden"}))
        self.lam.add_permission(FunctionName="private", StatementId="wrong-action", Action="lambda:InvokeFunction",
                                Principal="*")
        self.assertEqual(self.request(url)[0], 403)
        self.lam.add_permission(FunctionName="private", StatementId="url", Action="lambda:InvokeFunctionUrl",
                                Principal="*", FunctionUrlAuthType="NONE")
        self.assertEqual(self.request(url)[0], 200)
        self.lam.remove_permission(FunctionName="private", StatementId="url")
        self.assertEqual(self.request(url)[0], 403)

    def test_aws_iam(self):
        url = self.url_fn("iam", auth="AWS_IAM")
        status, _, body = self.request(url)
        self.assertEqual((status, json.loads(body)), (403, {"Message": "Forbidden"}))
        status, _, body = self.signed(url, "POST", "/signed?x=1", body=b'{"a":1}')
        self.assertEqual(status, 200, body)
        e = json.loads(body)
        self.assertEqual(e["requestContext"]["accountId"], "000000000000")
        iam = e["requestContext"]["authorizer"]["iam"]
        self.assertEqual(iam["accessKey"], "test")
        self.assertEqual(iam["accountId"], "000000000000")
        self.assertEqual(iam["userArn"], "arn:aws:iam::000000000000:root")
        self.assertEqual(self.signed(url, secret="wrong")[0], 403)
        self.assertEqual(self.signed(url, service="execute-api")[0], 403)

    def test_aws_iam_other_account_needs_a_permission(self):
        url = self.url_fn("iam-x", auth="AWS_IAM")
        other = self.signed(url, key="111111111111")
        self.assertEqual(other[0], 403)
        self.lam.add_permission(FunctionName="iam-x", StatementId="other", Action="lambda:InvokeFunctionUrl",
                                Principal="111111111111", FunctionUrlAuthType="AWS_IAM")
        status, _, body = self.signed(url, key="111111111111")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["requestContext"]["accountId"], "111111111111")

    def test_aws_cli(self):
        create(self.lam, "cli-url", {"app.py": APP})
        out = self.stratus.aws("lambda", "create-function-url-config", "--function-name", "cli-url",
                               "--auth-type", "NONE", "--cors", json.dumps({"AllowOrigins": ["*"]}))
        self.assertIn(".lambda-url.us-east-1.localhost", out["FunctionUrl"])
        out = self.stratus.aws("lambda", "list-function-url-configs", "--function-name", "cli-url")
        self.assertEqual(out["FunctionUrlConfigs"][0]["Cors"], {"AllowOrigins": ["*"]})
        self.stratus.aws("lambda", "delete-function-url-config", "--function-name", "cli-url")
        self.assertEqual(self.stratus.aws("lambda", "list-function-url-configs", "--function-name", "cli-url"),
                         {"FunctionUrlConfigs": []})

    def test_cors(self):
        url = self.url_fn("cors", Cors={"AllowOrigins": ["https://app.example.com"], "AllowMethods": ["GET", "POST"],
                                        "AllowHeaders": ["x-token"], "ExposeHeaders": ["x-custom"], "MaxAge": 300,
                                        "AllowCredentials": True})
        status, headers, body = self.request(url, "OPTIONS", "/structured", headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], "https://app.example.com")
        self.assertEqual(headers["access-control-allow-methods"], "GET,POST")
        self.assertEqual(headers["access-control-allow-headers"], "x-token")
        self.assertEqual(headers["access-control-max-age"], "300")
        self.assertEqual(headers["access-control-allow-credentials"], "true")
        status, headers, _ = self.request(url, "OPTIONS", "/", headers={
            "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
        self.assertNotIn("access-control-allow-origin", headers)
        status, headers, body = self.request(url, "GET", "/structured", headers={"Origin": "https://app.example.com"})
        self.assertEqual((status, body), (201, b"created"))
        self.assertEqual(headers["access-control-allow-origin"], "https://app.example.com")
        self.assertEqual(headers["access-control-expose-headers"], "x-custom")
        status, headers, body = self.request(url, "GET", "/structured")
        self.assertNotIn("access-control-allow-origin", headers)

    def test_alias_url_runs_the_alias(self):
        create(self.lam, "aliased", {"app.py": APP})
        self.lam.publish_version(FunctionName="aliased")
        self.lam.create_alias(FunctionName="aliased", Name="prod", FunctionVersion="1")
        url = self.lam.create_function_url_config(FunctionName="aliased", Qualifier="prod",
                                                  AuthType="NONE")["FunctionUrl"]
        self.lam.add_permission(FunctionName="aliased", Qualifier="prod", StatementId="public",
                                Action="lambda:InvokeFunctionUrl", Principal="*", FunctionUrlAuthType="NONE")
        status, _, body = self.request(url, path="/x")
        self.assertEqual(status, 200, body)
        self.lam.delete_alias(FunctionName="aliased", Name="prod")
        self.assertEqual(self.request(url, path="/x")[0], 403)

    def test_deleted_function_url_is_gone(self):
        url = self.url_fn("short-lived")
        self.assertEqual(self.request(url)[0], 200)
        self.lam.delete_function(FunctionName="short-lived")
        self.assertEqual(self.request(url)[0], 403)


class UrlSurvivesRestart(unittest.TestCase):
    def test_url_answers_after_restart(self):
        s = Stratus().start()
        self.addCleanup(s.cleanup)
        lam = s.client("lambda")
        create(lam, "durable-url", {"app.py": APP})
        url = lam.create_function_url_config(FunctionName="durable-url", AuthType="NONE")["FunctionUrl"]
        lam.add_permission(FunctionName="durable-url", StatementId="public", Action="lambda:InvokeFunctionUrl",
                           Principal="*", FunctionUrlAuthType="NONE")
        s.stop()
        s.start()
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        conn.request("GET", "/bare", headers={"Host": urllib.parse.urlsplit(url).netloc})
        r = conn.getresponse()
        self.assertEqual((r.status, json.loads(r.read())), (200, ["x", 1]))
        conn.close()


if __name__ == "__main__":
    unittest.main()
