"""The shared HTTP front (issues 13 and 14): gzip/deflate request bodies (the SDKs' request
compression) with SigV4 over the bytes as sent, compressed DynamoDB answers with x-amz-crc32 over
the compressed body, DynamoDB's 16 MB request limit refused from Content-Length before the body is
read, and CORS on the AWS endpoints (preflight and actual answers, --cors-origins)."""
import gzip
import http.client
import json
import socket
import time
import unittest
import zlib

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

from harness import Stratus, StratusTestCase

DDB = {"Content-Type": "application/x-amz-json-1.0"}


def compress_before_signing(client, operation, coding="gzip", mangle=None):
    """Makes the client send `operation`'s body compressed, as the SDKs' request compression does:
    before the request is signed, so the signature covers the compressed bytes."""
    def handler(request, **_):
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        packed = gzip.compress(body) if coding == "gzip" else zlib.compress(body)
        request.data = mangle(packed) if mangle else packed
        request.headers["Content-Encoding"] = coding
        request.headers["Content-Length"] = str(len(request.data))
    client.meta.events.register(f"before-sign.{client.meta.service_model.endpoint_prefix}.{operation}", handler)


class Compression(StratusTestCase):
    stratus_args = ("--auth", "strict")

    def signed(self, service, target, body, headers=None, content_encoding=None):
        h = dict(headers or {})
        if target:
            h["X-Amz-Target"] = target
        if content_encoding:
            h["Content-Encoding"] = content_encoding
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.stratus.endpoint + "/", data=body, headers=h)
        botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), service,
                                "us-east-1").add_auth(req)
        return dict(req.headers.items())

    def raw(self, service, target, body, headers=None, content_encoding=None):
        """(status, headers, body as sent) of a signed POST; the answer is not decoded."""
        h = self.signed(service, target, body, headers, content_encoding)
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=30)
        conn.request("POST", "/", body=body, headers=h)
        r = conn.getresponse()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        conn.close()
        return out

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")
        cls.ddb.create_table(TableName="zipped", BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])

    def test_gzip_and_deflate_request_bodies_through_boto3(self):
        for coding in ("gzip", "deflate"):
            client = self.stratus.client("dynamodb")
            compress_before_signing(client, "PutItem", coding)
            client.put_item(TableName="zipped", Item={"id": {"S": coding}, "blob": {"S": "x" * 50000}})
            got = self.ddb.get_item(TableName="zipped", Key={"id": {"S": coding}})["Item"]
            self.assertEqual(got["blob"]["S"], "x" * 50000, coding)

    def test_signature_covers_the_compressed_bytes(self):
        body = json.dumps({"TableName": "zipped", "Key": {"id": {"S": "none"}}}).encode()
        packed = gzip.compress(body)
        h = self.signed("dynamodb", "DynamoDB_20120810.GetItem", packed, DDB, "gzip")
        # The same headers over the uncompressed body: the signature no longer matches.
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=30)
        conn.request("POST", "/", body=body, headers=h)
        r = conn.getresponse()
        self.assertEqual(r.status, 400)
        self.assertIn("InvalidSignatureException", json.loads(r.read())["__type"])
        conn.request("POST", "/", body=packed, headers=h)
        r = conn.getresponse()
        self.assertEqual((r.status, json.loads(r.read())), (200, {}))
        conn.close()

    def test_malformed_body_is_refused(self):
        client = self.stratus.client("dynamodb")
        compress_before_signing(client, "PutItem", "gzip", mangle=lambda b: b[:-8] + b"\0" * 8)  # bad CRC
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            client.put_item(TableName="zipped", Item={"id": {"S": "bad"}})
        self.assertEqual(cm.exception.response["Error"]["Code"], "MalformedHttpRequestException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        status, _, body = self.raw("dynamodb", "DynamoDB_20120810.ListTables", b"not gzip at all", DDB, "gzip")
        self.assertEqual(status, 400)
        self.assertTrue(json.loads(body)["__type"].endswith("#MalformedHttpRequestException"), body)
        self.assertNotIn("bad", [i["id"]["S"] for i in self.ddb.scan(TableName="zipped")["Items"]])

    def test_gzip_bomb_stops_at_the_service_limit(self):
        bomb = gzip.compress(b"{" + b" " * (40 << 20) + b"}", compresslevel=9)  # 40 MB decoded
        self.assertLess(len(bomb), 100 << 10)
        status, _, body = self.raw("dynamodb", "DynamoDB_20120810.ListTables", bomb, DDB, "gzip")
        self.assertEqual(status, 413, body)
        err = json.loads(body)
        self.assertTrue(err["__type"].endswith("#RequestEntityTooLargeException"), err)
        self.assertIn("16777216", err["message"])
        # The server is still fine.
        self.assertIn("zipped", self.ddb.list_tables()["TableNames"])

    def test_query_protocol_body_is_decoded_before_routing(self):
        body = b"Action=CreateQueue&Version=2012-11-05&QueueName=zipped-q"
        status, _, out = self.raw("sqs", None, gzip.compress(body),
                                  {"Content-Type": "application/x-www-form-urlencoded"}, "gzip")
        self.assertEqual(status, 200, out)
        self.assertIn(b"<QueueUrl>", out)
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        status, _, out = self.raw("sts", None, zlib.compress(body),
                                  {"Content-Type": "application/x-www-form-urlencoded"}, "deflate")
        self.assertEqual(status, 200, out)
        self.assertIn(b"<Account>000000000000</Account>", out)

    def test_dynamodb_answers_compressed_when_asked(self):
        body = json.dumps({"TableName": "zipped"}).encode()
        for accept, coding in (("gzip", "gzip"), ("gzip, deflate, br", "gzip"), ("deflate", "deflate")):
            status, h, raw = self.raw("dynamodb", "DynamoDB_20120810.DescribeTable", body,
                                      dict(DDB, **{"Accept-Encoding": accept}))
            self.assertEqual(status, 200)
            self.assertEqual(h["content-encoding"], coding)
            self.assertEqual(int(h["x-amz-crc32"]), zlib.crc32(raw))  # over the bytes as sent
            plain = gzip.decompress(raw) if coding == "gzip" else zlib.decompress(raw)
            self.assertEqual(json.loads(plain)["Table"]["TableName"], "zipped")
        # Errors too.
        status, h, raw = self.raw("dynamodb", "DynamoDB_20120810.DescribeTable",
                                  json.dumps({"TableName": "nope"}).encode(), dict(DDB, **{"Accept-Encoding": "gzip"}))
        self.assertEqual((status, h["content-encoding"]), (400, "gzip"))
        self.assertEqual(int(h["x-amz-crc32"]), zlib.crc32(raw))
        self.assertIn("ResourceNotFoundException", json.loads(gzip.decompress(raw))["__type"])
        # Not asked, or refused: identity, and the checksum of the plain body.
        for accept in (None, "identity", "gzip;q=0"):
            status, h, raw = self.raw("dynamodb", "DynamoDB_20120810.DescribeTable", body,
                                      dict(DDB, **({"Accept-Encoding": accept} if accept else {})))
            self.assertNotIn("content-encoding", h)
            self.assertEqual(int(h["x-amz-crc32"]), zlib.crc32(raw))
            self.assertEqual(json.loads(raw)["Table"]["TableName"], "zipped")
        # Services whose front end doesn't compress answer in identity.
        status, h, raw = self.raw("sts", None, b"Action=GetCallerIdentity&Version=2011-06-15",
                                  {"Content-Type": "application/x-www-form-urlencoded", "Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertNotIn("content-encoding", h)

    def test_boto3_reads_plain_answers_and_checks_their_crc(self):
        # botocore asks for no coding and verifies x-amz-crc32 on every DynamoDB answer.
        self.ddb.put_item(TableName="zipped", Item={"id": {"S": "plain"}, "n": {"N": "1"}})
        self.assertEqual(self.ddb.get_item(TableName="zipped", Key={"id": {"S": "plain"}})["Item"]["n"], {"N": "1"})


class RequestLimits(StratusTestCase):
    def head_only(self, target, length, content_type="application/x-amz-json-1.0"):
        """Sends only the head of a request declaring `length` body bytes (Expect: 100-continue)
        and returns the status line and the answer read before any body byte was sent."""
        s = socket.create_connection(("127.0.0.1", self.stratus.port), timeout=10)
        head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: {target}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {length}\r\nExpect: 100-continue\r\n\r\n")
        s.sendall(head.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head_end = data.find(b"\r\n\r\n") + 4
        status_line = data.split(b"\r\n", 1)[0].decode()
        if status_line.split()[1] == "100":
            s.close()
            return status_line, b""
        length_line = [l for l in data[:head_end].split(b"\r\n") if l.lower().startswith(b"content-length:")]
        n = int(length_line[0].split(b":")[1])
        body = data[head_end:]
        while len(body) < n:
            body += s.recv(65536)
        s.close()
        return status_line, body

    def test_dynamodb_refuses_over_16_mb_from_content_length(self):
        status, body = self.head_only("DynamoDB_20120810.BatchWriteItem", 16 * 1024 * 1024 + 1)
        self.assertTrue(status.startswith("HTTP/1.1 413"), status)
        err = json.loads(body)
        self.assertEqual(err["__type"], "com.amazon.coral.service#RequestEntityTooLargeException")
        self.assertEqual(err["message"], "Request body exceeds the maximum allowed size of 16777216 bytes.")
        # Exactly 16 MB may come: the server asks for the body.
        status, _ = self.head_only("DynamoDB_20120810.BatchWriteItem", 16 * 1024 * 1024)
        self.assertTrue(status.startswith("HTTP/1.1 100"), status)

    def test_other_services_keep_their_own_limits(self):
        status, _ = self.head_only("AmazonSQS.SendMessage", 17 * 1024 * 1024)
        self.assertTrue(status.startswith("HTTP/1.1 100"), status)  # --max-body (64 MiB) governs SQS

    def test_chunked_body_over_16_mb_is_refused_while_read(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=60)
        piece = b" " * (1 << 20)
        conn.putrequest("POST", "/")
        conn.putheader("X-Amz-Target", "DynamoDB_20120810.ListTables")
        conn.putheader("Content-Type", "application/x-amz-json-1.0")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for _ in range(20):
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed once past the limit
        r = conn.getresponse()
        self.assertEqual(r.status, 413)
        self.assertTrue(json.loads(r.read())["__type"].endswith("#RequestEntityTooLargeException"))
        conn.close()
        self.assertEqual(self.stratus.client("dynamodb").list_tables()["TableNames"], [])


EXPOSED = {"x-amzn-requestid", "x-amz-crc32", "x-amz-request-id", "x-amz-id-2", "etag", "date"}


class Cors(StratusTestCase):
    def test_preflight(self):
        status, h, body = self.stratus.http("OPTIONS", "/", headers={
            "Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-target,"
                                              "x-amz-user-agent,amz-sdk-invocation-id,amz-sdk-request"})
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(h["access-control-allow-origin"], "*")
        self.assertIn("POST", h["access-control-allow-methods"])
        self.assertEqual(h["access-control-allow-headers"],
                         "authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent,"
                         "amz-sdk-invocation-id,amz-sdk-request")
        self.assertEqual(h["access-control-max-age"], "172800")
        # A preflight for a REST API path (Lambda's) is answered the same way.
        status, h, _ = self.stratus.http("OPTIONS", "/2015-03-31/functions/", headers={
            "Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "GET"})
        self.assertEqual((status, h["access-control-allow-origin"]), (200, "*"))

    def test_answers_carry_allow_origin_and_exposed_headers(self):
        ddb = self.stratus.client("dynamodb")
        got = {}

        def add_origin(request, **_):
            request.headers["Origin"] = "http://127.0.0.1:8000"

        def keep(http_response, **_):
            got.update({k.lower(): v for k, v in http_response.headers.items()})
        ddb.meta.events.register("before-sign.dynamodb.*", add_origin)
        ddb.meta.events.register("after-call.dynamodb.*", keep)
        ddb.list_tables()
        self.assertEqual(got["access-control-allow-origin"], "*")
        exposed = {x.strip().lower() for x in got["access-control-expose-headers"].split(",")}
        self.assertLessEqual(EXPOSED, exposed)
        # Errors too (a page's script must be able to read them).
        status, h, _ = self.stratus.http("POST", "/", body=b"{}", headers=dict(
            DDB, **{"X-Amz-Target": "DynamoDB_20120810.DescribeTable", "Origin": "http://127.0.0.1:8000"}))
        self.assertEqual((status, h["access-control-allow-origin"]), (400, "*"))
        # Without an Origin, no CORS headers.
        status, h, _ = self.stratus.http("GET", "/_stratus/health")
        self.assertNotIn("access-control-allow-origin", h)

    def test_api_gateway_keeps_its_own_cors(self):
        apigw = self.stratus.client("apigateway")
        api = apigw.create_rest_api(name="cors-own")
        status, h, _ = self.stratus.http("OPTIONS", f"/restapis/{api['id']}/prod/_user_request_/x", headers={
            "Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "GET"})
        self.assertEqual(status, 403)  # no such stage: API Gateway's answer, not Stratus' preflight
        self.assertNotIn("access-control-allow-origin", h)


class CorsOriginList(unittest.TestCase):
    def check(self, stratus):
        status, h, _ = stratus.http("OPTIONS", "/", headers={
            "Origin": "http://b.test:8080", "Access-Control-Request-Method": "POST"})
        self.assertEqual((status, h["access-control-allow-origin"], h["vary"]), (200, "http://b.test:8080", "Origin"))
        status, h, _ = stratus.http("OPTIONS", "/", headers={
            "Origin": "http://evil.test", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 403)
        self.assertNotIn("access-control-allow-origin", h)
        status, h, _ = stratus.http("GET", "/_stratus/health", headers={"Origin": "http://a.test"})
        self.assertEqual((status, h["access-control-allow-origin"]), (200, "http://a.test"))
        status, h, _ = stratus.http("GET", "/_stratus/health", headers={"Origin": "http://evil.test"})
        self.assertEqual(status, 200)
        self.assertNotIn("access-control-allow-origin", h)

    def test_flag(self):
        s = Stratus("--cors-origins", "http://a.test,http://b.test:8080", ephemeral=True).start()
        self.addCleanup(s.cleanup)
        self.check(s)

    def test_environment(self):
        s = Stratus(ephemeral=True, env={"STRATUS_CORS_ORIGINS": "http://a.test,http://b.test:8080"}).start()
        self.addCleanup(s.cleanup)
        self.check(s)

    def test_none_turns_cors_off(self):
        s = Stratus("--cors-origins", "none", ephemeral=True).start()
        self.addCleanup(s.cleanup)
        status, h, _ = s.http("OPTIONS", "/", headers={"Origin": "http://a.test", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 403)
        self.assertNotIn("access-control-allow-origin", h)


if __name__ == "__main__":
    unittest.main()
