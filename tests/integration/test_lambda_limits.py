"""Execution environment facts through boto3: AWS_LAMBDA_RUNTIME_API is a plain host:port (one per
environment), resource limits, MemorySize enforced (the invoke fails as on AWS when the function
runs out of memory) and Max Memory Used measured for real."""
import base64
import concurrent.futures
import json
import re
import threading
import time
import unittest

from harness import StratusTestCase
from lambda_util import ROLE, create, wait_for, zip_files
from test_lambda_isolation import bwrap_works

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


@unittest.skipUnless(bwrap_works(), "bubblewrap is not usable on this machine")
class LimitsBwrap(Limits):
    """The same limits inside the sandbox (its processes are counted through the sandbox's own)."""
    stratus_args = ("--lambda-isolation", "bwrap")


# Prints as fast as it can for event["seconds"]: 1 MB blocks of 100-byte lines, then one 600 KB
# line without a newline.
SPEW = """
import os, time
def handler(event, context):
    block = (("x" * 99 + "\\n") * 10000).encode()
    end = time.time() + event["seconds"]
    n = 0
    while time.time() < end:
        os.write(1, block)
        n += len(block)
    os.write(1, b"y" * 600000)
    return n
"""


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


class PeakRss:
    """Samples a process's resident memory in the background while the with-block runs."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()

    def __enter__(self):
        def run():
            while not self._stop.is_set():
                self.peak = max(self.peak, rss_mb(self.pid))
                time.sleep(0.02)
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class Output(StratusTestCase):
    """A function that prints without end: the server's memory stays flat, the log stream gets a
    bounded share (the rest is dropped, and the log says so), lines are cut at 256 KB, and
    reading the log back pages with bounded memory."""
    ephemeral = True

    def test_endless_output_keeps_memory_and_the_log_bounded(self):
        lam, logs = self.stratus.client("lambda"), self.stratus.client("logs")
        create(lam, "spew", {"app.py": SPEW}, Timeout=30)
        pid = self.stratus.proc.pid
        with PeakRss(pid) as printing:
            r = lam.invoke(FunctionName="spew", Payload=json.dumps({"seconds": 4}))
            self.assertNotIn("FunctionError", r)
            printed = json.loads(r["Payload"].read())
        self.assertLess(printing.peak, 200, f"server RSS reached {printing.peak} MB while the function printed")
        self.assertGreater(printed, 50 << 20)  # far more than the log takes: the function was not slowed
        self.assertIsNone(self.stratus.proc.poll())

        def stored():
            events, pages, token = [], 0, None
            while True:
                kw = {"nextToken": token} if token else {}
                page = logs.filter_log_events(logGroupName="/aws/lambda/spew", **kw)
                pages += 1
                self.assertLessEqual(sum(len(e["message"]) + 26 for e in page["events"]), 1 << 20)
                events += [len(e["message"]) if e["message"].startswith(("x", "y")) else e["message"]
                           for e in page["events"]]
                token = page.get("nextToken")
                if not token:
                    return events, pages
        # The END and REPORT lines come with the last flush.
        wait_for(lambda: any(isinstance(e, str) and e.startswith("REPORT") for e in stored()[0]), timeout=10)
        with PeakRss(pid) as reading:
            events, pages = stored()
        self.assertLess(reading.peak, 200, f"server RSS reached {reading.peak} MB while reading the log")
        self.assertGreater(pages, 1)
        total = sum(e if isinstance(e, int) else len(e) for e in events)
        self.assertLess(total, 16 << 20, "the log took more than its budget")
        dropped = [e for e in events if isinstance(e, str) and "of output dropped" in e]
        self.assertTrue(dropped, [e for e in events if isinstance(e, str)])
        self.assertRegex(dropped[0], r"^\[stratus\] \d+ lines \(\d+ bytes\) of output dropped")
        self.assertLessEqual(max(e for e in events if isinstance(e, int)), 256 * 1024)

    def test_long_lines_are_cut_into_256_kb_events(self):
        lam, logs = self.stratus.client("lambda"), self.stratus.client("logs")
        create(lam, "longline", {"app.py": """
import sys
def handler(event, context):
    sys.stdout.write("z" * 600000 + "\\n")
    return "ok"
"""})
        lam.invoke(FunctionName="longline")
        def sizes():
            try:
                evs = logs.filter_log_events(logGroupName="/aws/lambda/longline", filterPattern="zzz")["events"]
            except logs.exceptions.ResourceNotFoundException:
                return []
            return [len(e["message"]) for e in evs]
        self.assertTrue(wait_for(lambda: sum(sizes()) == 600000, timeout=10), sizes())
        self.assertEqual(sizes(), [262144, 262144, 600000 - 2 * 262144])


if __name__ == "__main__":
    unittest.main()
