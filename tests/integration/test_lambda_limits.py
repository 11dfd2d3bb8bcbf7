"""Execution environment facts through boto3: AWS_LAMBDA_RUNTIME_API is a plain host:port (one per
environment), resource limits, MemorySize enforced (the invoke fails as on AWS when the function
runs out of memory) and Max Memory Used measured for real."""
import base64
import concurrent.futures
import json
import re
import unittest

from harness import StratusTestCase
from lambda_util import ROLE, create, zip_files

# A provided runtime written like AWS's runtime interface clients: it splits AWS_LAMBDA_RUNTIME_API
# into host and port and talks HTTP to them (no URL prefix is possible).
HOSTPORT_BOOTSTRAP = """#!/usr/bin/env python3
import http.client, json, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    body = json.dumps({"api": os.environ["AWS_LAMBDA_RUNTIME_API"], "event": event})
    conn.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body)
    conn.getresponse().read()
"""


def report_line(result):
    log = base64.b64decode(result["LogResult"]).decode()
    m = re.search(r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: (\d+) MB\t"
                  r"Max Memory Used: (\d+) MB", log)
    assert m, log
    return int(m.group(1)), int(m.group(2)), log


class Limits(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def test_runtime_api_is_host_and_port(self):
        self.lam.create_function(FunctionName="hostport", Runtime="provided.al2023", Role=ROLE, Handler="x",
                                 Code={"ZipFile": zip_files({"bootstrap": HOSTPORT_BOOTSTRAP})}, Timeout=10)
        out = json.loads(self.lam.invoke(FunctionName="hostport", Payload=b'{"n": 1}')["Payload"].read())
        self.assertEqual(out["event"], {"n": 1})
        self.assertRegex(out["api"], r"^127\.0\.0\.1:\d+$")

    def test_concurrent_environments_each_reach_their_runtime_api(self):
        create(self.lam, "ports", {"app.py": """
import os, time, uuid
ENV_ID = str(uuid.uuid4())
def handler(event, context):
    time.sleep(1.0)
    return [os.environ["AWS_LAMBDA_RUNTIME_API"], ENV_ID]
"""}, Timeout=20)
        with concurrent.futures.ThreadPoolExecutor(3) as ex:
            outs = list(ex.map(lambda _: json.loads(self.lam.invoke(FunctionName="ports")["Payload"].read()),
                               range(3)))
        for api, _ in outs:
            self.assertRegex(api, r"^127\.0\.0\.1:\d+$")
        self.assertEqual(len({env for _, env in outs}), 3, outs)

    def test_resource_limits(self):
        create(self.lam, "rlimits", {"app.py": """
import resource
def handler(event, context):
    return {k: list(resource.getrlimit(getattr(resource, k))) for k in ("RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CORE")}
"""})
        out = json.loads(self.lam.invoke(FunctionName="rlimits")["Payload"].read())
        self.assertEqual(out, {"RLIMIT_NOFILE": [1024, 1024], "RLIMIT_NPROC": [1024, 1024], "RLIMIT_CORE": [0, 0]})

    def test_out_of_memory_kills_the_environment(self):
        create(self.lam, "hog", {"app.py": """
import time
keep = []
def handler(event, context):
    if event.get("small"):
        return "fine"
    for _ in range(200):              # up to 1.6 GB, far above MemorySize
        keep.append(bytearray(b"x") * (8 << 20))
        time.sleep(0.02)
    return "survived"
"""}, MemorySize=128, Timeout=60)
        r = self.lam.invoke(FunctionName="hog", Payload=b"{}", LogType="Tail")
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        err = json.loads(r["Payload"].read())
        self.assertEqual(err["errorType"], "Runtime.ExitError")
        self.assertRegex(err["errorMessage"], r"^RequestId: \S+ Error: Runtime exited with error: signal: killed$")
        size, used, log = report_line(r)
        self.assertEqual(size, 128)
        self.assertGreaterEqual(used, 100)
        self.assertIn("Runtime.OutOfMemory", log)
        # A new environment serves the next invocation.
        r = self.lam.invoke(FunctionName="hog", Payload=b'{"small": true}')
        self.assertNotIn("FunctionError", r)
        self.assertEqual(json.loads(r["Payload"].read()), "fine")

    def test_max_memory_used_is_measured(self):
        create(self.lam, "measured", {"app.py": """
keep = []
def handler(event, context):
    if event.get("mb"):
        keep.append(bytearray(b"x") * (event["mb"] << 20))
    return len(keep)
"""}, MemorySize=512)
        _, small, _ = report_line(self.lam.invoke(FunctionName="measured", Payload=b"{}", LogType="Tail"))
        self.assertLess(small, 100)
        _, big, _ = report_line(self.lam.invoke(FunctionName="measured", Payload=b'{"mb": 150}', LogType="Tail"))
        self.assertGreaterEqual(big, small + 150)
        self.assertLess(big, 512)


if __name__ == "__main__":
    unittest.main()
