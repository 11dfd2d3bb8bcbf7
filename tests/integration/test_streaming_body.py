"""Streaming request bodies: operations whose payload is a streaming blob (here Lambda's
InvokeAsync, whose InvokeArgs is one) get large or unknown-length bodies spooled to disk, never
held in memory; other operations keep the in-memory limit (--max-body).
"""
import http.client
import json
import time
import unittest

import botocore.auth
import botocore.awsrequest
import botocore.credentials

import lambda_util
from harness import Stratus, StratusTestCase

LOGGER = """
import json
def handler(event, context):
    print("GOT " + json.dumps(event, sort_keys=True))
    return event
"""

MiB = 1 << 20


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def invoke_async_path(name):
    return f"/2014-11-13/functions/{name}/invoke-async/"


def wait_for_log(logs, group, needle, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        for e in events:
            if needle in e["message"]:
                return e["message"]
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never logged in {group}")


class StreamingBodyTest(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = cls.stratus.client("lambda")
        cls.logs = cls.stratus.client("logs")
        lambda_util.create(cls.lam, "spooled", {"app.py": LOGGER})
        cls.lam.get_waiter("function_active_v2").wait(FunctionName="spooled")

    def post_chunked(self, path, total, piece=MiB, headers=None):
        """POSTs `total` bytes with chunked transfer encoding (length unknown up front)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=120)
        block = b"x" * piece

        def gen():
            sent = 0
            while sent < total:
                n = min(piece, total - sent)
                sent += n
                yield block[:n]

        hdrs = {"Content-Type": "application/octet-stream"}
        hdrs.update(headers or {})
        conn.request("POST", path, body=gen(), headers=hdrs, encode_chunked=True)
        res = conn.getresponse()
        body = res.read()
        conn.close()
        return res.status, res.getheader("x-amzn-ErrorType", ""), body

    def test_invoke_async_small_payload_runs_the_function(self):
        out = self.lam.invoke_async(FunctionName="spooled", InvokeArgs=b'{"marker": "small-async"}')
        self.assertEqual(out["Status"], 202)
        line = wait_for_log(self.logs, "/aws/lambda/spooled", "small-async")
        self.assertIn('"marker": "small-async"', line)

    def test_spooled_payload_within_limit_runs_the_function(self):
        # 2 MiB of chunked padding would exceed the async limit; a short chunked JSON body is spooled
        # (unknown length) and still reaches the function intact.
        payload = json.dumps({"marker": "chunked-async", "pad": "p" * 1000}).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=30)
        conn.request("POST", invoke_async_path("spooled"), body=iter([payload[:500], payload[500:]]),
                     headers={"Content-Type": "application/json"}, encode_chunked=True)
        res = conn.getresponse()
        res.read()
        conn.close()
        self.assertEqual(res.status, 202)
        line = wait_for_log(self.logs, "/aws/lambda/spooled", "chunked-async")
        self.assertIn("p" * 1000, line)

    def test_large_streaming_upload_is_not_held_in_memory(self):
        before = vm_hwm_kb(self.stratus.proc.pid)
        status, code, body = self.post_chunked(invoke_async_path("spooled"), 256 * MiB)
        after = vm_hwm_kb(self.stratus.proc.pid)
        self.assertEqual(status, 413, body)
        self.assertTrue(code.startswith("RequestTooLargeException"), code)
        self.assertIn(b"Request must be smaller than 262144 bytes for the InvokeAsync operation", body)
        # The whole 256 MiB went through the server; its peak memory grew by far less.
        self.assertLess(after - before, 64 * 1024, f"VmHWM grew from {before} kB to {after} kB")
        # And the server is still fine.
        self.assertEqual(self.lam.get_function(FunctionName="spooled")["Configuration"]["FunctionName"], "spooled")

    def test_buffered_operations_keep_the_memory_limit(self):
        # Invoke's payload is an ordinary blob: a body over --max-body is refused before it is read.
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=30)
        conn.putrequest("POST", "/2015-03-31/functions/spooled/invocations")
        conn.putheader("Content-Length", str(100 * MiB))
        conn.putheader("Content-Type", "application/json")
        conn.endheaders()
        res = conn.getresponse()
        body = res.read()
        conn.close()
        self.assertEqual(res.status, 413)
        self.assertIn(b"RequestEntityTooLarge", body)


class StreamingBodyStrictAuthTest(unittest.TestCase):
    """In strict mode the x-amz-content-sha256 of a spooled body is checked against the file."""

    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus("--auth", "strict", "--spool-threshold", "1024", ephemeral=True).start()
        cls.lam = cls.stratus.client("lambda")
        lambda_util.create(cls.lam, "signed", {"app.py": LOGGER})
        cls.lam.get_waiter("function_active_v2").wait(FunctionName="signed")

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def signed_post(self, body, payload_hash=None):
        url = f"{self.stratus.endpoint}{invoke_async_path('signed')}"
        req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body,
                                             headers={"Content-Type": "application/json"})
        if payload_hash:
            req.headers["X-Amz-Content-SHA256"] = payload_hash
        botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "lambda",
                                "us-east-1").add_auth(req)
        prepared = req.prepare()
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=30)
        conn.request("POST", invoke_async_path("signed"), body=body, headers=dict(prepared.headers))
        res = conn.getresponse()
        out = res.read()
        conn.close()
        return res.status, res.getheader("x-amzn-ErrorType", "") + " " + out.decode()

    def test_signed_spooled_body_is_accepted(self):
        import hashlib
        body = json.dumps({"marker": "signed-spooled", "pad": "s" * 8000}).encode()
        status, out = self.signed_post(body, hashlib.sha256(body).hexdigest())
        self.assertEqual(status, 202, out)

    def test_wrong_payload_hash_of_spooled_body_is_refused(self):
        body = json.dumps({"marker": "tampered", "pad": "t" * 8000}).encode()
        status, out = self.signed_post(body, "0" * 64)
        # Lambda hashes the body itself: to it the signature doesn't match.
        self.assertEqual(status, 403, out)
        self.assertTrue(out.startswith(("SignatureDoesNotMatch", "InvalidSignatureException")), out)


if __name__ == "__main__":
    unittest.main()
