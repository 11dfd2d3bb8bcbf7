"""API Gateway HTTP and HTTP_PROXY integrations against a real backend (a Python http.server on
127.0.0.1 started by the test), TestInvokeMethod, and binary media types / contentHandling."""
import base64
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.exceptions

import lambda_util
from harness import StratusTestCase

PNG = b"\x89PNG\r\n\x1a\n\x00\x01\x02\xff\xfe binary"


class Backend(BaseHTTPRequestHandler):
    """/echo... answers what it got as JSON; /status/N answers N; /slow sleeps; /png answers bytes;
    /b64 answers base64 text of PNG."""

    protocol_version = "HTTP/1.1"
    slow_started = 0

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        status, ctype, out = 200, "application/json", None
        extra = {"X-Backend": "yes"}
        if path.startswith("/status/"):
            status = int(path.split("/")[2])
        elif path == "/slow":
            Backend.slow_started += 1
            time.sleep(float(query[2:]) if query.startswith("s=") else 1.5)
        elif path == "/png":
            ctype, out = "image/png", PNG
        elif path == "/b64":
            ctype, out = "text/plain", base64.b64encode(PNG)
        if out is None:
            out = json.dumps({"method": self.command, "path": path, "query": query,
                              "headers": {k.lower(): v for k, v in self.headers.items()},
                              "body": body.decode("latin-1")}).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that went away (timeouts, failed TLS handshakes) are expected here


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpTestCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.stratus.client("apigateway")
        cls.backend = Server(("127.0.0.1", 0), Backend)
        cls.base = f"http://127.0.0.1:{cls.backend.server_address[1]}"
        threading.Thread(target=cls.backend.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.backend.shutdown()
        cls.backend.server_close()
        super().tearDownClass()

    def new_api(self, **kw):
        api = self.apigw.create_rest_api(name="http-api", **kw)
        self.addCleanup(lambda: self.apigw.delete_rest_api(restApiId=api["id"]))
        return api["id"], api["rootResourceId"]

    def resource(self, api, parent, part):
        return self.apigw.create_resource(restApiId=api, parentId=parent, pathPart=part)["id"]

    def invoke(self, api, stage, path, method="GET", body=None, headers=None):
        return self.stratus.http(method, f"/restapis/{api}/{stage}/_user_request_{path}", body=body,
                                 headers=headers or {})


class HttpProxy(HttpTestCase):
    def test_greedy_path_query_headers_body_and_status_pass_through(self):
        api, root = self.new_api()
        res = self.resource(api, root, "{proxy+}")
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="ANY", authorizationType="NONE",
                              requestParameters={"method.request.path.proxy": True})
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="ANY", type="HTTP_PROXY",
                                   integrationHttpMethod="ANY", uri=self.base + "/{proxy}",
                                   requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, headers, body = self.invoke(api, "dev", "/echo/a/b?x=1&y=two", method="PUT", body=b"hello",
                                            headers={"X-Test": "t1", "Content-Type": "text/plain"})
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual((got["method"], got["path"], got["query"], got["body"]), ("PUT", "/echo/a/b", "x=1&y=two", "hello"))
        self.assertEqual(got["headers"]["x-test"], "t1")
        self.assertEqual(got["headers"]["content-type"], "text/plain")
        self.assertEqual(got["headers"]["x-amzn-apigateway-api-id"], api)
        self.assertEqual(headers["x-backend"], "yes")
        # names API Gateway keeps for itself come back remapped
        self.assertTrue(headers["x-amzn-remapped-server"].startswith("BaseHTTP"), headers)
        # the backend's status and body come back as they are
        status, headers, body = self.invoke(api, "dev", "/status/418")
        self.assertEqual(status, 418)
        self.assertEqual(json.loads(body)["path"], "/status/418")

    def test_stage_variable_in_uri(self):
        api, root = self.new_api()
        res = self.resource(api, root, "svc")
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="HTTP_PROXY",
                                   integrationHttpMethod="GET", uri="http://${stageVariables.backend}/echo/${stageVariables.leaf}")
        self.apigw.create_deployment(restApiId=api, stageName="dev",
                                     variables={"backend": self.base[len("http://"):], "leaf": "v1"})
        status, _, body = self.invoke(api, "dev", "/svc?q=1")
        self.assertEqual(status, 200, body)
        self.assertEqual((json.loads(body)["path"], json.loads(body)["query"]), ("/echo/v1", "q=1"))

    def test_timeout_and_unreachable_backend(self):
        api, root = self.new_api()
        slow = self.resource(api, root, "slow")
        down = self.resource(api, root, "down")
        for res, uri, kw in ((slow, self.base + "/slow", {"timeoutInMillis": 200}),
                             (down, f"http://127.0.0.1:{closed_port()}/x", {})):
            self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
            self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="HTTP_PROXY",
                                       integrationHttpMethod="GET", uri=uri, **kw)
        self.assertEqual(self.apigw.get_integration(restApiId=api, resourceId=slow, httpMethod="GET")["timeoutInMillis"], 200)
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, _, body = self.invoke(api, "dev", "/slow")
        self.assertEqual((status, json.loads(body)), (504, {"message": "Endpoint request timed out"}))
        status, _, body = self.invoke(api, "dev", "/down")
        self.assertEqual((status, json.loads(body)), (500, {"message": "Internal server error"}))


class HttpsBackend(HttpTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="stratus-tls-")
        key, cert = os.path.join(cls.tmp, "key.pem"), os.path.join(cls.tmp, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
        cls.tls = Server(("127.0.0.1", 0), Backend)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        cls.tls.socket = ctx.wrap_socket(cls.tls.socket, server_side=True)
        threading.Thread(target=cls.tls.serve_forever, daemon=True).start()
        cls.tls_base = f"https://127.0.0.1:{cls.tls.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.tls.shutdown()
        cls.tls.server_close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def test_https_with_and_without_certificate_checks(self):
        api, root = self.new_api()
        for part, kw in (("checked", {}), ("unchecked", {"tlsConfig": {"insecureSkipVerification": True}})):
            res = self.resource(api, root, part)
            self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
            self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="HTTP_PROXY",
                                       integrationHttpMethod="GET", uri=self.tls_base + "/echo/tls", **kw)
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, _, body = self.invoke(api, "dev", "/unchecked")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["path"], "/echo/tls")
        # a self-signed certificate fails verification
        status, _, body = self.invoke(api, "dev", "/checked")
        self.assertEqual((status, json.loads(body)), (500, {"message": "Internal server error"}))


class NonBlocking(HttpTestCase):
    stratus_args = ("--threads", "1")

    def test_slow_backend_does_not_hold_the_io_thread(self):
        api, root = self.new_api()
        slow = self.resource(api, root, "slow")
        self.apigw.put_method(restApiId=api, resourceId=slow, httpMethod="GET", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=slow, httpMethod="GET", type="HTTP_PROXY",
                                   integrationHttpMethod="GET", uri=self.base + "/slow?s=4")
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        done = []
        t = threading.Thread(target=lambda: done.append(self.invoke(api, "dev", "/slow")[0]))
        t.start()
        while Backend.slow_started == 0:  # the slow request has reached the backend
            time.sleep(0.01)
        # with one I/O thread, other requests are still served while the backend is slow
        self.assertTrue(self.apigw.get_rest_api(restApiId=api)["id"])
        self.assertEqual(done, [])
        t.join()
        self.assertEqual(done, [200])


class HttpCustom(HttpTestCase):
    def setup_custom(self, api, root, passthrough="WHEN_NO_MATCH"):
        items = self.resource(api, root, "items")
        item = self.resource(api, items, "{id}")
        self.apigw.put_method(restApiId=api, resourceId=item, httpMethod="POST", authorizationType="NONE",
                              requestParameters={"method.request.path.id": True,
                                                 "method.request.querystring.color": False,
                                                 "method.request.header.X-Client": False})
        self.apigw.put_integration(
            restApiId=api, resourceId=item, httpMethod="POST", type="HTTP", integrationHttpMethod="POST",
            uri=self.base + "/echo/{itemId}", passthroughBehavior=passthrough,
            requestParameters={"integration.request.path.itemId": "method.request.path.id",
                               "integration.request.querystring.c": "method.request.querystring.color",
                               "integration.request.querystring.tag": "method.request.multivaluequerystring.tag",
                               "integration.request.header.X-Forwarded-Client": "method.request.header.X-Client",
                               "integration.request.header.X-Stage": "stageVariables.tier",
                               "integration.request.header.X-Literal": "'fixed'"},
            requestTemplates={"application/json": '{"wrapped": $input.json(\'$\'), "id": "$input.params(\'id\')"}'})
        for code, kw in (("200", {"selectionPattern": "",
                                  "responseParameters": {"method.response.header.X-From": "integration.response.header.X-Backend"},
                                  "responseTemplates": {"application/json": '{"seen": $input.json(\'$.body\')}'}}),
                         ("400", {"selectionPattern": "4\\d{2}"})):
            self.apigw.put_method_response(restApiId=api, resourceId=item, httpMethod="POST", statusCode=code,
                                           responseParameters={"method.response.header.X-From": False} if code == "200" else {})
            self.apigw.put_integration_response(restApiId=api, resourceId=item, httpMethod="POST", statusCode=code, **kw)
        return item

    def test_request_parameters_templates_and_integration_responses(self):
        api, root = self.new_api()
        self.setup_custom(api, root)
        self.apigw.create_deployment(restApiId=api, stageName="dev", variables={"tier": "gold"})
        status, headers, body = self.invoke(api, "dev", "/items/42?color=red", method="POST", body=b'{"n": 1}',
                                            headers={"Content-Type": "application/json", "X-Client": "cli"})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["x-from"], "yes")
        sent = json.loads(json.loads(body)["seen"])  # the backend echoed the body the template made
        self.assertEqual(sent, {"wrapped": {"n": 1}, "id": "42"})

    def test_selection_pattern_on_backend_status(self):
        api, root = self.new_api()
        items = self.resource(api, root, "s")
        self.apigw.put_method(restApiId=api, resourceId=items, httpMethod="GET", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=items, httpMethod="GET", type="HTTP",
                                   integrationHttpMethod="GET", uri=self.base + "/status/404")
        for code, pattern in (("200", None), ("400", "4\\d{2}")):
            self.apigw.put_method_response(restApiId=api, resourceId=items, httpMethod="GET", statusCode=code)
            kw = {"selectionPattern": pattern} if pattern else {}
            self.apigw.put_integration_response(restApiId=api, resourceId=items, httpMethod="GET", statusCode=code,
                                                responseTemplates={"application/json": '{"mapped": "%s"}' % code}, **kw)
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, _, body = self.invoke(api, "dev", "/s")
        self.assertEqual((status, json.loads(body)), (400, {"mapped": "400"}))

    def test_passthrough_never_is_415_and_headers_reach_backend(self):
        api, root = self.new_api()
        item = self.setup_custom(api, root, passthrough="NEVER")
        self.apigw.create_deployment(restApiId=api, stageName="dev", variables={"tier": "gold"})
        status, _, body = self.invoke(api, "dev", "/items/1", method="POST", body=b"x=1",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, json.loads(body)), (415, {"message": "Unsupported Media Type"}))
        # the default response without a template passes the backend's body: see what it got
        self.apigw.delete_integration_response(restApiId=api, resourceId=item, httpMethod="POST", statusCode="200")
        self.apigw.put_integration_response(restApiId=api, resourceId=item, httpMethod="POST", statusCode="200")
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, _, body = self.invoke(api, "dev", "/items/7?color=blue&tag=a&tag=b", method="POST", body=b"{}",
                                      headers={"Content-Type": "application/json", "X-Client": "c9"})
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual((got["path"], got["query"]), ("/echo/7", "c=blue&tag=a&tag=b"))
        self.assertEqual(got["headers"]["x-forwarded-client"], "c9")
        self.assertEqual(got["headers"]["x-stage"], "gold")
        self.assertEqual(got["headers"]["x-literal"], "fixed")
        self.assertNotIn("x-client", got["headers"])  # custom integrations send mapped headers only


class TestInvoke(HttpTestCase):
    def test_mock_and_http_without_deployment(self):
        api, root = self.new_api()
        res = self.resource(api, root, "m")
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="MOCK",
                                   requestTemplates={"application/json": '{"statusCode": 200}'})
        self.apigw.put_method_response(restApiId=api, resourceId=res, httpMethod="GET", statusCode="200")
        self.apigw.put_integration_response(
            restApiId=api, resourceId=res, httpMethod="GET", statusCode="200",
            responseParameters={"method.response.header.X-Q": "method.request.querystring.q"},
            responseTemplates={"application/json": '{"q": "$input.params(\'q\')", "v": "$stageVariables.v"}'})
        out = self.apigw.test_invoke_method(restApiId=api, resourceId=res, httpMethod="GET",
                                            pathWithQueryString="/m?q=hi", stageVariables={"v": "sv"},
                                            headers={"Accept": "application/json"})
        self.assertEqual(out["status"], 200)
        self.assertEqual(json.loads(out["body"]), {"q": "hi", "v": "sv"})
        self.assertEqual(out["headers"]["X-Q"], "hi")
        self.assertEqual(out["multiValueHeaders"]["X-Q"], ["hi"])
        self.assertIn("Method completed with status: 200", out["log"])
        self.assertGreaterEqual(out["latency"], 0)

        proxy = self.resource(api, root, "p")
        self.apigw.put_method(restApiId=api, resourceId=proxy, httpMethod="POST", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=proxy, httpMethod="POST", type="HTTP_PROXY",
                                   integrationHttpMethod="POST", uri=self.base + "/status/202")
        out = self.apigw.test_invoke_method(restApiId=api, resourceId=proxy, httpMethod="POST", body="payload",
                                            multiValueHeaders={"X-M": ["a"]})
        self.assertEqual(out["status"], 202)
        got = json.loads(out["body"])
        self.assertEqual((got["method"], got["body"], got["headers"]["x-m"]), ("POST", "payload", "a"))
        self.assertEqual(out["headers"]["X-Backend"], "yes")
        self.assertIn("Endpoint request URI: " + self.base + "/status/202", out["log"])

        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.test_invoke_method(restApiId=api, resourceId=res, httpMethod="DELETE")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFoundException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.apigw.test_invoke_method(restApiId=api, resourceId="nope00", httpMethod="GET")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFoundException")


BINARY_FN = """
import base64, json
def handler(event, context):
    got = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    return {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": True,
            "body": base64.b64encode(got[::-1]).decode()}
"""


class BinaryMedia(HttpTestCase):
    def test_http_proxy_binary_both_ways(self):
        api, root = self.new_api(binaryMediaTypes=["image/*"])
        res = self.resource(api, root, "png")
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="HTTP_PROXY",
                                   integrationHttpMethod="GET", uri=self.base + "/png")
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, headers, body = self.invoke(api, "dev", "/png", headers={"Accept": "image/png"})
        self.assertEqual((status, headers["content-type"], body), (200, "image/png", PNG))

    def test_content_handling_convert_to_text_and_binary(self):
        api, root = self.new_api(binaryMediaTypes=["application/octet-stream"])
        up = self.resource(api, root, "up")
        self.apigw.put_method(restApiId=api, resourceId=up, httpMethod="POST", authorizationType="NONE")
        # a binary request body reaches the backend as base64 text (CONVERT_TO_TEXT)
        self.apigw.put_integration(restApiId=api, resourceId=up, httpMethod="POST", type="HTTP",
                                   integrationHttpMethod="POST", uri=self.base + "/echo", contentHandling="CONVERT_TO_TEXT")
        self.apigw.put_method_response(restApiId=api, resourceId=up, httpMethod="POST", statusCode="200")
        self.apigw.put_integration_response(restApiId=api, resourceId=up, httpMethod="POST", statusCode="200")
        down = self.resource(api, root, "down")
        self.apigw.put_method(restApiId=api, resourceId=down, httpMethod="GET", authorizationType="NONE")
        # base64 text from the backend reaches the client as bytes (CONVERT_TO_BINARY)
        self.apigw.put_integration(restApiId=api, resourceId=down, httpMethod="GET", type="HTTP",
                                   integrationHttpMethod="GET", uri=self.base + "/b64")
        self.apigw.put_method_response(restApiId=api, resourceId=down, httpMethod="GET", statusCode="200")
        self.apigw.put_integration_response(restApiId=api, resourceId=down, httpMethod="GET", statusCode="200",
                                            contentHandling="CONVERT_TO_BINARY")
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, _, body = self.invoke(api, "dev", "/up", method="POST", body=PNG,
                                      headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 200, body)
        self.assertEqual(base64.b64decode(json.loads(body)["body"]), PNG)
        status, _, body = self.invoke(api, "dev", "/down", headers={"Accept": "application/octet-stream"})
        self.assertEqual((status, body), (200, PNG))

    def test_lambda_proxy_is_base64_encoded(self):
        lam = self.stratus.client("lambda")
        fn = lambda_util.create(lam, "bin-fn", {"app.py": BINARY_FN})["FunctionArn"]
        api, root = self.new_api(binaryMediaTypes=["image/png"])
        res = self.resource(api, root, "flip")
        self.apigw.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api, resourceId=res, httpMethod="POST", type="AWS_PROXY",
                                   integrationHttpMethod="POST",
                                   uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations")
        self.apigw.create_deployment(restApiId=api, stageName="dev")
        status, _, body = self.invoke(api, "dev", "/flip", method="POST", body=PNG,
                                      headers={"Content-Type": "image/png", "Accept": "image/png"})
        self.assertEqual((status, body), (200, PNG[::-1]))
        # a client that doesn't accept the binary type gets the base64 text
        status, _, body = self.invoke(api, "dev", "/flip", method="POST", body=PNG,
                                      headers={"Content-Type": "image/png", "Accept": "application/json"})
        self.assertEqual((status, base64.b64decode(body)), (200, PNG[::-1]))


if __name__ == "__main__":
    unittest.main()
