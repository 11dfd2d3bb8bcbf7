"""Lambda invocations with real functions running as host processes: Python, Node.js (CommonJS,
ES modules, callbacks) and provided runtimes; errors, timeouts, crashes, Event invokes, logs,
and functions that call Stratus through boto3."""
import base64
import io
import json
import os
import subprocess
import tempfile
import time
import unittest
import zipfile

import botocore.exceptions

from harness import Stratus, StratusTestCase
from lambda_util import PY_ECHO, ROLE, SH_ECHO_BOOTSTRAP, create, wait_for, zip_files


class Python(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def test_echo_context_and_environment(self):
        create(self.lam, "py-ctx", {"app.py": """
import os
def handler(event, context):
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "name": context.function_name,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "remaining": context.get_remaining_time_in_millis(),
        "group": context.log_group_name,
        "env": {k: os.environ.get(k) for k in ["AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER",
                "AWS_LAMBDA_FUNCTION_VERSION", "MY_VAR", "LAMBDA_TASK_ROOT", "AWS_ENDPOINT_URL"]},
        "has_creds": bool(os.environ.get("AWS_SESSION_TOKEN")),
    }
"""}, Environment={"Variables": {"MY_VAR": "hello"}}, MemorySize=512, Timeout=7)
        r = self.lam.invoke(FunctionName="py-ctx", Payload=json.dumps({"k": [1, 2]}))
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(r["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", r)
        out = json.loads(r["Payload"].read())
        self.assertEqual(out["event"], {"k": [1, 2]})
        self.assertEqual(out["request_id"], r["ResponseMetadata"]["RequestId"])
        self.assertEqual(out["name"], "py-ctx")
        self.assertEqual(out["arn"], "arn:aws:lambda:us-east-1:000000000000:function:py-ctx")
        self.assertEqual(out["memory"], "512")
        self.assertTrue(0 < out["remaining"] <= 7000)
        self.assertEqual(out["group"], "/aws/lambda/py-ctx")
        env = out["env"]
        self.assertEqual(env["AWS_REGION"], "us-east-1")
        self.assertEqual(env["MY_VAR"], "hello")
        self.assertEqual(env["_HANDLER"], "app.handler")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST")
        self.assertEqual(env["AWS_ENDPOINT_URL"], self.stratus.endpoint)
        self.assertTrue(out["has_creds"])

    def test_unhandled_error(self):
        create(self.lam, "py-err", {"app.py": "def handler(e, c):\n    raise ValueError('boom')\n"})
        r = self.lam.invoke(FunctionName="py-err")
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(r["FunctionError"], "Unhandled")
        err = json.loads(r["Payload"].read())
        self.assertEqual(err["errorType"], "ValueError")
        self.assertEqual(err["errorMessage"], "boom")
        self.assertTrue(any("raise ValueError" in line for line in err["stackTrace"]))

    def test_import_error(self):
        create(self.lam, "py-imp", {"app.py": "import no_such_module\n"})
        r = self.lam.invoke(FunctionName="py-imp")
        self.assertEqual(r["FunctionError"], "Unhandled")
        err = json.loads(r["Payload"].read())
        self.assertEqual(err["errorType"], "Runtime.ImportModuleError")
        self.assertIn("Unable to import module 'app'", err["errorMessage"])

    def test_log_tail(self):
        create(self.lam, "py-tail", {"app.py": "def handler(e, c):\n    print('line from the function')\n    return 1\n"})
        r = self.lam.invoke(FunctionName="py-tail", LogType="Tail")
        log = base64.b64decode(r["LogResult"]).decode()
        self.assertIn("START RequestId: " + r["ResponseMetadata"]["RequestId"], log)
        self.assertIn("line from the function", log)
        self.assertIn("END RequestId:", log)
        self.assertIn("REPORT RequestId:", log)
        self.assertIn("Billed Duration:", log)

    def test_timeout_kills_and_replaces_the_environment(self):
        create(self.lam, "py-slow", {"app.py": """
import time
def handler(e, c):
    if e.get("sleep"):
        time.sleep(e["sleep"])
    return "awake"
"""}, Timeout=1)
        r = self.lam.invoke(FunctionName="py-slow", Payload=json.dumps({"sleep": 30}))
        self.assertEqual(r["FunctionError"], "Unhandled")
        err = json.loads(r["Payload"].read())
        self.assertIn("Task timed out after 1.00 seconds", err["errorMessage"])
        self.assertEqual(self.lam.invoke(FunctionName="py-slow")["Payload"].read(), b'"awake"')

    def test_crash_is_reported_and_recovered(self):
        create(self.lam, "py-crash", {"app.py": """
import os
def handler(e, c):
    if e.get("crash"):
        os._exit(3)
    return "alive"
"""})
        r = self.lam.invoke(FunctionName="py-crash", Payload=b'{"crash": true}')
        self.assertEqual(r["FunctionError"], "Unhandled")
        err = json.loads(r["Payload"].read())
        self.assertEqual(err["errorType"], "Runtime.ExitError")
        self.assertIn("exit status 3", err["errorMessage"])
        self.assertEqual(self.lam.invoke(FunctionName="py-crash")["Payload"].read(), b'"alive"')

    def test_function_calls_stratus_with_boto3(self):
        create(self.lam, "py-boto", {"app.py": """
import boto3
def handler(e, c):
    return boto3.client("sts").get_caller_identity()["Arn"]
"""}, Timeout=30)
        r = self.lam.invoke(FunctionName="py-boto")
        self.assertNotIn("FunctionError", r, r["Payload"].read() if "FunctionError" in r else "")
        self.assertEqual(json.loads(r["Payload"].read()),
                         "arn:aws:sts::000000000000:assumed-role/lambda-role/py-boto")

    def test_payload_limits_and_bad_json(self):
        create(self.lam, "py-big", {"app.py": PY_ECHO})
        big = b'"' + b"x" * (6 * 1024 * 1024 + 8) + b'"'
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.lam.invoke(FunctionName="py-big", Payload=big)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "RequestEntityTooLargeException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 413)
        self.assertEqual(err["Error"]["Message"],
                         "6291466 byte payload is too large for the RequestResponse invocation type "
                         "(limit 6291456 bytes)")
        with self.assertRaises(self.lam.exceptions.InvalidRequestContentException):
            self.lam.invoke(FunctionName="py-big", Payload=b"{not json")

    def test_event_payloads_up_to_1_mb(self):
        """Event invocations take 1 MB since 2025 (was 256 KB); one byte more is refused."""
        create(self.lam, "py-big-event", {"app.py": """
def handler(event, context):
    print("LEN", len(event))
"""}, Timeout=30)
        exact = b'"' + b"y" * (1024 * 1024 - 2) + b'"'
        self.assertEqual(len(exact), 1048576)
        r = self.lam.invoke(FunctionName="py-big-event", InvocationType="Event", Payload=exact)
        self.assertEqual(r["StatusCode"], 202)
        logs = self.stratus.client("logs")

        def seen():
            try:
                ev = logs.filter_log_events(logGroupName="/aws/lambda/py-big-event")["events"]
            except logs.exceptions.ResourceNotFoundException:
                return None
            return [e["message"] for e in ev if e["message"].startswith("LEN")]
        self.assertEqual([m.strip() for m in wait_for(seen, timeout=60)], ["LEN 1048574"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.lam.invoke(FunctionName="py-big-event", InvocationType="Event", Payload=exact[:-1] + b'y"')
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "RequestEntityTooLargeException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 413)
        self.assertEqual(err["Error"]["Message"],
                         "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)")
        # The aws CLI sees the same error.
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            f.write(exact[:-1] + b'y"')
            f.flush()
            cp = self.stratus.aws("lambda", "invoke", "--function-name", "py-big-event", "--invocation-type", "Event",
                                  "--payload", "fileb://" + f.name,
                                  os.devnull, check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("RequestEntityTooLargeException", cp.stderr)
        self.assertIn("1048577 byte payload is too large for the Event invocation type", cp.stderr)
        # The legacy InvokeAsync keeps its 256 KB.
        with self.assertRaises(self.lam.exceptions.RequestTooLargeException):
            self.lam.invoke_async(FunctionName="py-big-event", InvokeArgs=b'"' + b"x" * (256 * 1024) + b'"')

    def test_dry_run(self):
        create(self.lam, "py-dry", {"app.py": PY_ECHO})
        self.assertEqual(self.lam.invoke(FunctionName="py-dry", InvocationType="DryRun")["StatusCode"], 204)

    def test_concurrent_invokes_scale_out(self):
        import concurrent.futures
        create(self.lam, "py-par", {"app.py": "import time, os\ndef handler(e, c):\n    time.sleep(0.5)\n    return os.getpid()\n"})
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            pids = list(ex.map(lambda _: int(self.stratus.client("lambda").invoke(FunctionName="py-par")["Payload"].read()), range(4)))
        self.assertGreater(len(set(pids)), 1)

    def test_logs_reach_cloudwatch(self):
        create(self.lam, "py-logs", {"app.py": "def handler(e, c):\n    print('to cloudwatch')\n    return 1\n"})
        rid = self.lam.invoke(FunctionName="py-logs")["ResponseMetadata"]["RequestId"]
        logs = self.stratus.client("logs")

        def events():
            # Logs arrive asynchronously (as on AWS): the group may not exist yet.
            try:
                streams = logs.describe_log_streams(logGroupName="/aws/lambda/py-logs")["logStreams"]
            except logs.exceptions.ResourceNotFoundException:
                return None
            if not streams:
                return None
            msgs = [e["message"] for e in logs.get_log_events(logGroupName="/aws/lambda/py-logs",
                                                             logStreamName=streams[0]["logStreamName"],
                                                             startFromHead=True)["events"]]
            return msgs if any(m.startswith("REPORT") for m in msgs) else None
        msgs = wait_for(events, timeout=10)
        self.assertIsNotNone(msgs)
        self.assertIn(f"START RequestId: {rid} Version: $LATEST", msgs)
        self.assertIn("to cloudwatch", msgs)
        self.assertIn(f"END RequestId: {rid}", msgs)
        found = logs.filter_log_events(logGroupName="/aws/lambda/py-logs", filterPattern='"to cloudwatch"')
        self.assertEqual([e["message"] for e in found["events"]], ["to cloudwatch"])


class Node(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def test_commonjs_async(self):
        create(self.lam, "node-cjs", {"index.js": """
exports.handler = async (event, context) => {
  console.log("node says hi");
  return { got: event, fn: context.functionName, left: context.getRemainingTimeInMillis() > 0 };
};
"""}, runtime="nodejs20.x", handler="index.handler")
        r = self.lam.invoke(FunctionName="node-cjs", Payload=b'{"x": 1}', LogType="Tail")
        self.assertEqual(json.loads(r["Payload"].read()), {"got": {"x": 1}, "fn": "node-cjs", "left": True})
        self.assertIn("node says hi", base64.b64decode(r["LogResult"]).decode())

    def test_es_module(self):
        create(self.lam, "node-esm", {"index.mjs": "export const handler = async (e) => ({ esm: e.v });\n"},
               runtime="nodejs22.x", handler="index.handler")
        self.assertEqual(json.loads(self.lam.invoke(FunctionName="node-esm", Payload=b'{"v": 5}')["Payload"].read()),
                         {"esm": 5})

    def test_callback_handler(self):
        create(self.lam, "node-cb", {"lib/h.js": """
exports.run = function (event, context, callback) {
  setTimeout(() => callback(null, "called back " + event.n), 10);
};
"""}, runtime="nodejs20.x", handler="lib/h.run")
        self.assertEqual(self.lam.invoke(FunctionName="node-cb", Payload=b'{"n": 3}')["Payload"].read(),
                         b'"called back 3"')

    def test_error(self):
        create(self.lam, "node-err", {"index.js": "exports.handler = async () => { throw new TypeError('bad'); };\n"},
               runtime="nodejs20.x", handler="index.handler")
        r = self.lam.invoke(FunctionName="node-err")
        self.assertEqual(r["FunctionError"], "Unhandled")
        err = json.loads(r["Payload"].read())
        self.assertEqual((err["errorType"], err["errorMessage"]), ("TypeError", "bad"))


class Provided(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def test_shell_bootstrap(self):
        create(self.lam, "sh-echo", {"bootstrap": SH_ECHO_BOOTSTRAP}, runtime="provided.al2023", handler="x")
        for i in range(3):
            r = self.lam.invoke(FunctionName="sh-echo", Payload=json.dumps({"i": i}))
            self.assertEqual(json.loads(r["Payload"].read()), {"i": i})

    def test_cpp_runtime_client(self):
        # The example function built with sdk/cpp's header-only runtime client.
        sdk = os.path.join(os.path.dirname(__file__), "..", "..", "sdk", "cpp")
        with tempfile.TemporaryDirectory() as tmp:
            exe = os.path.join(tmp, "bootstrap")
            subprocess.run(["g++", "-std=c++17", "-O1", "-I", sdk, os.path.join(sdk, "examples", "echo.cc"),
                            "-o", exe], check=True, timeout=120)
            with open(exe, "rb") as f:
                binary = f.read()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o755 << 16
            zf.writestr(info, binary)
        self.lam.create_function(FunctionName="cpp-echo", Runtime="provided.al2023", Role=ROLE, Handler="x",
                                 Code={"ZipFile": buf.getvalue()})
        r = self.lam.invoke(FunctionName="cpp-echo", Payload=b'{"hello": "c++"}')
        self.assertEqual(json.loads(r["Payload"].read()), {"hello": "c++"})
        r = self.lam.invoke(FunctionName="cpp-echo", Payload=b'{"fail": 1}')
        self.assertEqual(r["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(r["Payload"].read())["errorType"], "EchoError")

    def test_missing_bootstrap(self):
        create(self.lam, "sh-none", {"readme.txt": "no bootstrap"}, runtime="provided.al2", handler="x")
        r = self.lam.invoke(FunctionName="sh-none")
        self.assertEqual(r["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(r["Payload"].read())["errorType"], "Runtime.InvalidEntrypoint")


class EventInvokes(unittest.TestCase):
    """Event invocations: accepted with 202, run in the background, retried twice on failure."""

    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus(ephemeral=True, env={"STRATUS_LAMBDA_ASYNC_RETRY_MS": "50"}).start()
        cls.dir = tempfile.mkdtemp(prefix="lambda-event-")

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def test_event_runs_and_failures_are_retried_twice(self):
        lam = self.stratus.client("lambda")
        create(lam, "ev", {"app.py": """
import os, json
def handler(e, c):
    with open(os.path.join(e["dir"], e["name"]), "a") as f:
        f.write(c.aws_request_id + "\\n")
    if e.get("fail"):
        raise RuntimeError("try again")
"""})
        r = lam.invoke(FunctionName="ev", InvocationType="Event", Payload=json.dumps({"dir": self.dir, "name": "ok"}))
        self.assertEqual(r["StatusCode"], 202)
        ok = os.path.join(self.dir, "ok")
        self.assertTrue(wait_for(lambda: os.path.exists(ok)))
        lam.invoke(FunctionName="ev", InvocationType="Event",
                   Payload=json.dumps({"dir": self.dir, "name": "fail", "fail": True}))
        fail = os.path.join(self.dir, "fail")

        def attempts():
            if not os.path.exists(fail):
                return []
            with open(fail) as f:
                return f.read().split()
        wait_for(lambda: len(attempts()) >= 3)
        time.sleep(0.5)  # a fourth attempt would show up by now
        self.assertEqual(len(attempts()), 3)
        self.assertEqual(len(set(attempts())), 1)  # retries keep the request id


class RestartSurvival(unittest.TestCase):
    def test_function_survives_restart(self):
        s = Stratus().start()
        try:
            lam = s.client("lambda")
            create(lam, "durable", {"app.py": PY_ECHO})
            lam.publish_version(FunctionName="durable")
            s.stop()
            s.start()
            lam = s.client("lambda")
            r = lam.invoke(FunctionName="durable", Qualifier="1", Payload=b'{"after": "restart"}')
            self.assertEqual(json.loads(r["Payload"].read())["event"], {"after": "restart"})
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
