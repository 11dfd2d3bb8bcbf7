"""Lambda Extensions API through boto3: external extensions shipped in a layer's extensions/
folder register, receive INVOKE events (requestId, deadlineMs, invokedFunctionArn) and SHUTDOWN
when the environment ends; the environment waits for them before the next invocation; init
errors fail the invocation."""
import json
import os
import tempfile
import unittest

from harness import StratusTestCase
from lambda_util import create, wait_for, zip_files

# Records what it sees into $REC_FILE. After an INVOKE it waits until the test creates
# $REC_FILE.go-<requestId> (post-invoke work), then asks for the next event.
RECORDER = r"""#!/usr/bin/env python3
import http.client, json, os, sys, time
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
rec = os.environ["REC_FILE"]
def log(x):
    with open(rec, "a") as f:
        f.write(json.dumps(x) + "\n")
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", json.dumps({"events": ["INVOKE", "SHUTDOWN"]}),
          {"Lambda-Extension-Name": "recorder"})
r = c.getresponse()
log({"registered": json.loads(r.read()), "status": r.status, "has_id": bool(r.getheader("Lambda-Extension-Identifier"))})
eid = r.getheader("Lambda-Extension-Identifier")
while True:
    c.request("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": eid})
    r = c.getresponse()
    ev = json.loads(r.read())
    log(ev)
    if ev["eventType"] == "SHUTDOWN":
        sys.exit(0)
    if os.environ.get("WAIT_FOR_GO"):
        go = rec + ".go-" + ev["requestId"]
        for _ in range(600):
            if os.path.exists(go):
                break
            time.sleep(0.05)
    log({"done": ev["requestId"]})
"""

FAILING = r"""#!/usr/bin/env python3
import http.client, json, os, time
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", json.dumps({"events": []}), {"Lambda-Extension-Name": "failing"})
r = c.getresponse(); r.read()
eid = r.getheader("Lambda-Extension-Identifier")
c.request("POST", "/2020-01-01/extension/init/error", json.dumps({"errorMessage": "cannot start", "errorType": "Bad"}),
          {"Lambda-Extension-Identifier": eid, "Lambda-Extension-Function-Error-Type": "Extension.ConfigInvalid"})
c.getresponse().read()
time.sleep(30)
"""

HANDLER = """
import json, os
def handler(event, context):
    with open(os.environ["REC_FILE"], "a") as f:
        f.write(json.dumps({"handler": context.aws_request_id}) + "\\n")
    return "ok"
"""


def records(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


class Extensions(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")
        self.tmp = tempfile.mkdtemp()

    def layer(self, name, files):
        return self.lam.publish_layer_version(LayerName=name, Content={"ZipFile": zip_files(files)})["LayerVersionArn"]

    def test_invoke_events_and_shutdown(self):
        arn = self.layer("ext-rec", {"extensions/recorder": RECORDER})
        rec = os.path.join(self.tmp, "rec.jsonl")
        fn = create(self.lam, "ext-fn", {"app.py": HANDLER}, Layers=[arn], Timeout=20,
                    Environment={"Variables": {"REC_FILE": rec}})
        ids = []
        for i in range(2):
            r = self.lam.invoke(FunctionName="ext-fn", Payload=b"{}")
            self.assertNotIn("FunctionError", r)
            self.assertEqual(json.loads(r["Payload"].read()), "ok")
            ids.append(r["ResponseMetadata"]["RequestId"])
        wait_for(lambda: sum(1 for x in records(rec) if "done" in x) >= 2)
        got = records(rec)
        self.assertEqual(got[0]["registered"]["functionName"], "ext-fn")
        self.assertEqual(got[0]["registered"]["functionVersion"], "$LATEST")
        self.assertEqual(got[0]["registered"]["handler"], "app.handler")
        self.assertTrue(got[0]["has_id"])
        invokes = [x for x in got if x.get("eventType") == "INVOKE"]
        self.assertEqual([x["requestId"] for x in invokes], ids)
        for x in invokes:
            self.assertEqual(x["invokedFunctionArn"], fn["FunctionArn"])
            self.assertGreater(x["deadlineMs"], 1_600_000_000_000)
            self.assertEqual(x["tracing"]["type"], "X-Amzn-Trace-Id")
        # The environment is spun down after a configuration change: SHUTDOWN reaches the extension.
        self.lam.update_function_configuration(FunctionName="ext-fn", Timeout=21)
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="ext-fn")
        self.lam.invoke(FunctionName="ext-fn", Payload=b"{}")
        shut = wait_for(lambda: [x for x in records(rec) if x.get("eventType") == "SHUTDOWN"])
        self.assertTrue(shut, records(rec))
        self.assertEqual(shut[0]["shutdownReason"], "spindown")

    def test_next_invoke_waits_for_extensions(self):
        arn = self.layer("ext-wait", {"extensions/recorder": RECORDER})
        rec = os.path.join(self.tmp, "wait.jsonl")
        create(self.lam, "ext-wait-fn", {"app.py": HANDLER}, Layers=[arn], Timeout=30,
               Environment={"Variables": {"REC_FILE": rec, "WAIT_FOR_GO": "1"}})
        # One environment, so that both invocations run in it.
        self.lam.put_function_concurrency(FunctionName="ext-wait-fn", ReservedConcurrentExecutions=1)
        # The caller gets its answer while the extension is still busy with the invocation...
        r1 = self.lam.invoke(FunctionName="ext-wait-fn", Payload=b"{}")
        self.assertEqual(json.loads(r1["Payload"].read()), "ok")
        rid1 = r1["ResponseMetadata"]["RequestId"]
        self.assertNotIn({"done": rid1}, records(rec))
        # ...and the next invocation starts only once the extension asked for its next event.
        open(rec + ".go-" + rid1, "w").close()
        r2 = self.lam.invoke(FunctionName="ext-wait-fn", Payload=b"{}")
        self.assertEqual(json.loads(r2["Payload"].read()), "ok")
        rid2 = r2["ResponseMetadata"]["RequestId"]
        got = records(rec)
        self.assertLess(got.index({"done": rid1}), got.index({"handler": rid2}))
        open(rec + ".go-" + rid2, "w").close()

    def test_init_error_fails_the_invocation(self):
        arn = self.layer("ext-fail", {"extensions/failing": FAILING})
        create(self.lam, "ext-fail-fn", {"app.py": "def handler(e, c):\n    return 'ok'\n"}, Layers=[arn],
               Timeout=10)
        r = self.lam.invoke(FunctionName="ext-fail-fn", Payload=b"{}")
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        err = json.loads(r["Payload"].read())
        self.assertEqual(err["errorType"], "Extension.ConfigInvalid")
        self.assertEqual(err["errorMessage"], "cannot start")

    def test_extension_crash_fails_the_environment(self):
        arn = self.layer("ext-crash", {"extensions/crasher": """#!/usr/bin/env python3
import http.client, json, os, sys
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", json.dumps({"events": ["INVOKE"]}),
          {"Lambda-Extension-Name": "crasher"})
c.getresponse().read()
sys.exit(3)
"""})
        create(self.lam, "ext-crash-fn", {"app.py": "def handler(e, c):\n    return 'ok'\n"}, Layers=[arn],
               Timeout=10)
        r = self.lam.invoke(FunctionName="ext-crash-fn", Payload=b"{}")
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        err = json.loads(r["Payload"].read())
        self.assertEqual(err["errorType"], "Extension.Crash")
        self.assertIn("crasher", err["errorMessage"])
        self.assertIn("exit status 3", err["errorMessage"])

    def test_runtime_starts_after_extensions_registered(self):
        arn = self.layer("ext-first", {"extensions/first": """#!/usr/bin/env python3
import http.client, json, os, time
open(os.environ["MARK_FILE"], "w").close()   # written before registering
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", json.dumps({"events": ["INVOKE"]}),
          {"Lambda-Extension-Name": "first"})
r = c.getresponse(); r.read()
eid = r.getheader("Lambda-Extension-Identifier")
while True:
    c.request("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": eid})
    c.getresponse().read()
"""})
        mark = os.path.join(self.tmp, "mark")
        create(self.lam, "ext-first-fn", {"app.py": """
import os
SEEN_AT_INIT = os.path.exists(os.environ["MARK_FILE"])
def handler(event, context):
    return SEEN_AT_INIT
"""}, Layers=[arn], Environment={"Variables": {"MARK_FILE": mark}})
        self.assertIs(json.loads(self.lam.invoke(FunctionName="ext-first-fn")["Payload"].read()), True)

    def test_api_errors(self):
        create(self.lam, "ext-api", {"app.py": """
import http.client, json, os
def handler(event, context):
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    out = {}
    c = http.client.HTTPConnection(host, int(port))
    c.request("GET", "/2020-01-01/extension/event/next")
    r = c.getresponse(); out["next_no_id"] = [r.status, json.loads(r.read())["errorType"]]
    c.request("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": "nope"})
    r = c.getresponse(); out["next_bad_id"] = [r.status, json.loads(r.read())["errorType"]]
    c.request("POST", "/2020-01-01/extension/register", "{}", {"Lambda-Extension-Name": "late"})
    r = c.getresponse(); out["late_register"] = [r.status, json.loads(r.read())["errorType"]]
    return out
"""})
        out = json.loads(self.lam.invoke(FunctionName="ext-api", Payload=b"{}")["Payload"].read())
        self.assertEqual(out["next_no_id"], [403, "Extension.MissingExtensionIdentifier"])
        self.assertEqual(out["next_bad_id"], [403, "Extension.InvalidExtensionIdentifier"])
        self.assertEqual(out["late_register"][0], 403)


if __name__ == "__main__":
    unittest.main()
