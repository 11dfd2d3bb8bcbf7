"""The HTTP front door and operator surface, with raw sockets where clients can't misbehave
enough: limits, malformed requests, keep-alive, 100-continue, chunked bodies, shutdown."""
import datetime
import json
import os
import socket
import subprocess
import time
import unittest
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

from harness import Stratus, StratusTestCase, stratus_bin


def raw(port, data, timeout=5, read_all=True):
    """Sends raw bytes and returns everything the server answered before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
                if not read_all:
                    break
        except socket.timeout:
            pass
        return b"".join(chunks)


class Operator(StratusTestCase):
    def test_health(self):
        status, headers, body = self.stratus.http("GET", "/_stratus/health")
        self.assertEqual(status, 200)
        h = json.loads(body)
        self.assertEqual(h["status"], "running")
        self.assertIn("sts", h["services"])
        self.assertEqual(h["storage"]["engine"], "rocksdb")
        self.assertGreaterEqual(h["uptime_s"], 0)

    def test_root_probe(self):
        status, _, body = self.stratus.http("GET", "/")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["status"], "running")

    def test_reset_wipes_issued_credentials(self):
        creds = self.stratus.client("sts").get_session_token()["Credentials"]
        status, _, _ = self.stratus.http("POST", "/_stratus/reset")
        self.assertEqual(status, 200)
        # After the reset the key is unknown: in open mode it falls back to the default account.
        ident = self.stratus.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                                    token=creds["SessionToken"]).get_caller_identity()
        self.assertEqual(ident["Arn"], "arn:aws:iam::000000000000:root")

    def test_version_and_help(self):
        out = subprocess.run([stratus_bin(), "--version"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        self.assertTrue(out.stdout.startswith("stratus "))
        out = subprocess.run([stratus_bin(), "serve", "--help"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        for flag in ("--host", "--port", "--data-dir", "--ephemeral", "--auth", "--log-level", "--services"):
            self.assertIn(flag, out.stdout)

    def test_unknown_json_target(self):
        status, _, body = self.stratus.http("POST", "/", body=b"{}", headers={
            "X-Amz-Target": "NoSuchService_20200101.Op", "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(status, 400)
        self.assertIn("__type", json.loads(body))


class Http(StratusTestCase):
    def test_keep_alive_serves_many_requests_on_one_connection(self):
        req = (b"GET /_stratus/health HTTP/1.1\r\nHost: x\r\n\r\n") * 50
        with socket.create_connection(("127.0.0.1", self.stratus.port), timeout=5) as s:
            s.sendall(req)
            data = b""
            while data.count(b"HTTP/1.1 200") < 50:
                b = s.recv(65536)
                if not b:
                    break
                data += b
        self.assertEqual(data.count(b"HTTP/1.1 200"), 50)

    def test_malformed_request_line_gets_400(self):
        out = raw(self.stratus.port, b"THIS IS NOT HTTP\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400"), out[:100])

    def test_oversized_headers_get_431(self):
        big = b"X-Big: " + b"a" * 70000 + b"\r\n"
        out = raw(self.stratus.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431"), out[:100])

    def test_too_many_headers_get_431(self):
        hs = b"".join(b"X-H%d: v\r\n" % i for i in range(300))
        out = raw(self.stratus.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + hs + b"\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431"), out[:100])

    def test_declared_body_over_limit_gets_413_without_reading_it(self):
        out = raw(self.stratus.port, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
                                     b"Content-Length: 99999999999\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:100])
        self.assertIn(b"RequestEntityTooLarge", out)

    def test_truncated_body_does_not_hang_the_server(self):
        with socket.create_connection(("127.0.0.1", self.stratus.port), timeout=5) as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=Get")
            s.shutdown(socket.SHUT_WR)
            s.recv(1024)
        status, _, _ = self.stratus.http("GET", "/_stratus/health")
        self.assertEqual(status, 200)

    def test_expect_100_continue(self):
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        with socket.create_connection(("127.0.0.1", self.stratus.port), timeout=5) as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
            first = s.recv(1024)
            self.assertTrue(first.startswith(b"HTTP/1.1 100"), first)
            s.sendall(body)
            rest = b""
            while b"</GetCallerIdentityResponse>" not in rest:
                b = s.recv(65536)
                if not b:
                    break
                rest += b
        self.assertIn(b"HTTP/1.1 200", rest)
        self.assertIn(b"<Account>000000000000</Account>", rest)

    def test_chunked_transfer_encoding(self):
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        out = raw(self.stratus.port, b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                                     b"Transfer-Encoding: chunked\r\n\r\n" + chunked)
        self.assertTrue(out.startswith(b"HTTP/1.1 200"), out[:200])
        self.assertIn(b"<Account>000000000000</Account>", out)

    def test_request_ids_in_aws_headers(self):
        r = self.stratus.client("sts").get_caller_identity()
        rid = r["ResponseMetadata"]["RequestId"]
        self.assertRegex(rid, r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class ClockSkew(StratusTestCase):
    stratus_args = ("--auth", "strict")

    def signed(self, when):
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=self.stratus.endpoint + "/",
            data=b"Action=GetCallerIdentity&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        fake = mock.MagicMock(wraps=datetime.datetime)
        fake.now.return_value = when
        fake.utcnow.return_value = when.replace(tzinfo=None)
        with mock.patch.object(botocore.auth.datetime, "datetime", fake):
            botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "sts",
                                    "us-east-1").add_auth(req)
        return self.stratus.http("POST", "/", body=req.body, headers=dict(req.headers.items()))

    def test_request_twenty_minutes_old_is_too_skewed(self):
        old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
        status, _, body = self.signed(old)
        self.assertEqual(status, 403)
        # STS (a Query service) calls a skewed clock a signature that does not match.
        self.assertIn(b"SignatureDoesNotMatch", body)
        self.assertIn(b"Signature expired", body)

    def test_request_ten_minutes_old_is_fine(self):
        recent = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
        status, _, body = self.signed(recent)
        self.assertEqual(status, 200, body)


class Lifecycle(unittest.TestCase):
    def test_sigterm_exits_cleanly_and_data_survives(self):
        s = Stratus().start()
        try:
            creds = s.client("sts", key="777788889999").assume_role(
                RoleArn="arn:aws:iam::777788889999:role/r", RoleSessionName="keep")["Credentials"]
            self.assertEqual(s.stop(), 0)
            s.start()
            ident = s.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                             token=creds["SessionToken"]).get_caller_identity()
            self.assertIn("assumed-role/r/keep", ident["Arn"])
        finally:
            s.cleanup()

    def test_acknowledged_write_survives_kill_9(self):
        # Each assume_role stores credentials; once acknowledged they must survive SIGKILL.
        s = Stratus().start()
        try:
            sts = s.client("sts", key="123412341234")
            issued = [sts.assume_role(RoleArn="arn:aws:iam::123412341234:role/r",
                                      RoleSessionName=f"k{i}")["Credentials"] for i in range(20)]
            s.kill9()
            s.start()
            for i, c in enumerate(issued):
                ident = s.client("sts", key=c["AccessKeyId"], secret=c["SecretAccessKey"],
                                 token=c["SessionToken"]).get_caller_identity()
                self.assertEqual(ident["Arn"], f"arn:aws:sts::123412341234:assumed-role/r/k{i}")
        finally:
            s.cleanup()

    def test_second_instance_on_same_data_dir_fails_clearly(self):
        s = Stratus().start()
        try:
            other = Stratus(data_dir=s.data_dir)
            with self.assertRaises(RuntimeError):
                other.start(timeout=5)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
