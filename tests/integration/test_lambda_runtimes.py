"""The runtimes Stratus ships, as AWS's behave (issue 14): the AWS SDK inside the runtime (Node
@aws-sdk v3, CommonJS and ES modules; Python boto3) below the function's own packages; ES module
handlers importing from layers in both isolation modes; Node console / Python logging formats,
LoggingConfig (JSON records, levels, JSON platform records); ClientContext and an empty payload;
AWS's error types. AWS's own runtime interface client (npm aws-lambda-ric, installed by
tools/deps.sh) runs as a provided.al2023 bootstrap."""
import base64
import json
import os
import re
import unittest

from harness import StratusTestCase
from lambda_util import create, wait_for, zip_files
from test_lambda_isolation import bwrap_works

RIC = "/usr/local/lib/stratus/aws-lambda-ric/node_modules/aws-lambda-ric"


def tail(r):
    return base64.b64decode(r.get("LogResult", "")).decode()


def client_context(d):
    return base64.b64encode(json.dumps(d).encode()).decode()


CC = {"client": {"installation_id": "inst-1", "app_title": "My App", "app_version_name": "1.0",
                 "app_version_code": "1", "app_package_name": "com.example"},
      "env": {"platform": "Android", "locale": "en_US"}, "custom": {"k": "v\nw"}}


class Sdk(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")
        ddb = self.stratus.client("dynamodb")
        try:
            ddb.create_table(TableName="rt-table", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
        except ddb.exceptions.ResourceInUseException:
            pass

    def invoke(self, name):
        r = self.lam.invoke(FunctionName=name, Payload=b"{}")
        body = json.loads(r["Payload"].read())
        self.assertNotIn("FunctionError", r, body)
        return body

    def test_node_commonjs_uses_the_runtimes_sdk(self):
        create(self.lam, "sdk-cjs", {"index.js": """
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, GetCommand } = require("@aws-sdk/lib-dynamodb");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
exports.handler = async () => {
  const ddb = new DynamoDBClient({});
  await ddb.send(new PutItemCommand({ TableName: "rt-table", Item: { id: { S: "cjs" }, n: { N: "7" } } }));
  const doc = DynamoDBDocumentClient.from(ddb);
  const got = await doc.send(new GetCommand({ TableName: "rt-table", Key: { id: "cjs" } }));
  const who = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  return { item: got.Item, arn: who.Arn };
};
"""}, runtime="nodejs20.x", handler="index.handler", Timeout=30)
        out = self.invoke("sdk-cjs")
        self.assertEqual(out["item"], {"id": "cjs", "n": 7})
        self.assertIn(":assumed-role/", out["arn"])

    def test_node_es_module_uses_the_runtimes_sdk(self):
        create(self.lam, "sdk-esm", {"index.mjs": """
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { SQSClient, CreateQueueCommand } from "@aws-sdk/client-sqs";
export const handler = async () => {
  const t = await new DynamoDBClient({}).send(new ListTablesCommand({}));
  const q = await new SQSClient({}).send(new CreateQueueCommand({ QueueName: "rt-esm-q" }));
  return { tables: t.TableNames, queue: q.QueueUrl };
};
"""}, runtime="nodejs20.x", handler="index.handler", Timeout=30)
        out = self.invoke("sdk-esm")
        self.assertIn("rt-table", out["tables"])
        self.assertTrue(out["queue"].endswith("/rt-esm-q"))

    def test_a_bundled_sdk_wins_over_the_runtimes(self):
        fake = {"node_modules/@aws-sdk/client-dynamodb/package.json": '{"name":"@aws-sdk/client-dynamodb","main":"index.js"}',
                "node_modules/@aws-sdk/client-dynamodb/index.js": "exports.BUNDLED = 'mine';"}
        create(self.lam, "sdk-bundled-cjs", dict(fake, **{
            "index.js": "const d = require('@aws-sdk/client-dynamodb'); exports.handler = async () => d.BUNDLED;"}),
            runtime="nodejs20.x", handler="index.handler")
        self.assertEqual(self.invoke("sdk-bundled-cjs"), "mine")
        create(self.lam, "sdk-bundled-esm", dict(fake, **{
            "index.mjs": "import d from '@aws-sdk/client-dynamodb'; export const handler = async () => d.BUNDLED;"}),
            runtime="nodejs20.x", handler="index.handler")
        self.assertEqual(self.invoke("sdk-bundled-esm"), "mine")

    def test_python_imports_boto3(self):
        create(self.lam, "sdk-py", {"app.py": """
import boto3
def handler(event, context):
    ddb = boto3.client("dynamodb")
    ddb.put_item(TableName="rt-table", Item={"id": {"S": "py"}})
    return {"tables": ddb.list_tables()["TableNames"], "boto3": boto3.__file__}
"""}, Timeout=30)
        out = self.invoke("sdk-py")
        self.assertIn("rt-table", out["tables"])


@unittest.skipUnless(bwrap_works(), "bubblewrap is not usable on this machine")
class SdkBwrap(Sdk):
    """The same inside the sandbox, as the sandbox user."""
    stratus_args = ("--lambda-isolation", "bwrap")


class EsmLayersMixin:
    def test_es_module_imports_from_layers(self):
        lam = self.stratus.client("lambda")
        arn = lam.publish_layer_version(LayerName="esm-layer", Content={"ZipFile": zip_files({
            "nodejs/node_modules/shared-lib/package.json": '{"name":"shared-lib","main":"index.js"}',
            "nodejs/node_modules/shared-lib/index.js": "exports.hello = (n) => 'hello ' + n;",
            "nodejs/node20/node_modules/esm-lib/package.json": '{"name":"esm-lib","type":"module","exports":"./index.js"}',
            "nodejs/node20/node_modules/esm-lib/index.js": "export const twice = (x) => x * 2;",
        })})["LayerVersionArn"]
        create(lam, "esm-layers", {"index.mjs": """
import lib from "shared-lib";
import { twice } from "esm-lib";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
export const handler = async (event) => ({ greeting: lib.hello(event.name), doubled: twice(21),
  account: (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Account });
"""}, runtime="nodejs20.x", handler="index.handler", Layers=[arn], Timeout=30)
        r = lam.invoke(FunctionName="esm-layers", Payload=json.dumps({"name": "ada"}))
        out = json.loads(r["Payload"].read())
        self.assertNotIn("FunctionError", r, out)
        self.assertEqual(out, {"greeting": "hello ada", "doubled": 42, "account": "000000000000"})
        # A package found nowhere is still ES module resolution's own error, as on AWS.
        create(lam, "esm-missing", {"index.mjs": "import x from 'no-such-pkg'; export const handler = async () => x;"},
               runtime="nodejs20.x", handler="index.handler", Layers=[arn])
        r = lam.invoke(FunctionName="esm-missing")
        out = json.loads(r["Payload"].read())
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        self.assertEqual(out["errorType"], "Error")
        self.assertIn("Cannot find package 'no-such-pkg'", out["errorMessage"])


class EsmLayers(EsmLayersMixin, StratusTestCase):
    ephemeral = True


@unittest.skipUnless(bwrap_works(), "bubblewrap is not usable on this machine")
class EsmLayersBwrap(EsmLayersMixin, StratusTestCase):
    ephemeral = True
    stratus_args = ("--lambda-isolation", "bwrap")


LINE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


class Logging(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")
        self.logs = self.stratus.client("logs")

    def events(self, name, until):
        """The messages of the function's log events, once one contains `until`."""
        def get():
            try:
                got = self.logs.filter_log_events(logGroupName="/aws/lambda/" + name)["events"]
            except self.logs.exceptions.ResourceNotFoundException:
                return None
            msgs = [e["message"] for e in got]
            return msgs if any(until in m for m in msgs) else None
        msgs = wait_for(get, timeout=10)
        self.assertTrue(msgs, "no log event with " + until)
        return msgs

    def test_node_console_formats_as_node_does(self):
        create(self.lam, "log-node", {"index.js": """
exports.handler = async (event, context) => {
  console.log("a %s b %d c %j", "x", 42, { k: 1 });
  console.info("obj %o", { deep: { n: 1 } });
  const circ = { name: "c" }; circ.self = circ;
  console.warn(circ);
  console.error(new Error("boom"));
  console.debug("line1\\nline2");
  return context.awsRequestId;
};
"""}, runtime="nodejs20.x", handler="index.handler")
        r = self.lam.invoke(FunctionName="log-node", LogType="Tail")
        rid = json.loads(r["Payload"].read())
        log = tail(r)
        lines = log.split("\n")
        self.assertTrue(any(re.fullmatch(LINE + "\t" + rid + "\tINFO\ta x b 42 c {\"k\":1}", l) for l in lines), log)
        self.assertTrue(any(re.fullmatch(LINE + "\t" + rid + "\tINFO\tobj { deep: { n: 1 } }", l) for l in lines), log)
        self.assertTrue(any(re.fullmatch(LINE + "\t" + rid + r"\tWARN\t<ref \*1> \{ name: 'c', self: \[Circular \*1\] \}", l)
                            for l in lines), log)
        # A multi-line message is one log event: an Error with its stack, a message with a line break.
        msgs = self.events("log-node", "line1")
        err = [m for m in msgs if "\tERROR\tError: boom" in m]
        self.assertEqual(len(err), 1, msgs)
        self.assertIn("\n    at ", err[0])
        self.assertTrue(any(re.fullmatch(LINE + "\t" + rid + "\tDEBUG\tline1\nline2", m) for m in msgs), msgs)

    def test_node_json_format_and_levels(self):
        create(self.lam, "log-node-json", {"index.js": """
exports.handler = async () => {
  console.debug("hidden");
  console.info("hidden too");
  console.warn("careful", 3);
  console.error({ structured: true });
  return "ok";
};
"""}, runtime="nodejs20.x", handler="index.handler",
            LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO"})
        cfg = self.lam.get_function_configuration(FunctionName="log-node-json")["LoggingConfig"]
        self.assertEqual(cfg["LogFormat"], "JSON")
        r = self.lam.invoke(FunctionName="log-node-json", LogType="Tail")
        rid = r["ResponseMetadata"]["RequestId"]
        records = [json.loads(l) for l in tail(r).split("\n") if l]
        app = [x for x in records if "level" in x]
        self.assertEqual([x["level"] for x in app], ["WARN", "ERROR"], records)
        self.assertEqual(app[0]["message"], "careful 3")
        self.assertEqual(app[0]["requestId"], rid)
        self.assertRegex(app[0]["timestamp"], LINE)
        self.assertEqual(app[1]["message"], {"structured": True})
        types = [x["type"] for x in records if "type" in x]
        # platform.runtimeDone is DEBUG: below the system level INFO.
        self.assertEqual(types, ["platform.start", "platform.report"], records)
        report = [x for x in records if x.get("type") == "platform.report"][0]
        self.assertEqual(report["record"]["requestId"], rid)
        self.assertEqual(report["record"]["status"], "success")
        self.assertEqual(report["record"]["metrics"]["memorySizeMB"], 128)
        self.assertIn("durationMs", report["record"]["metrics"])
        self.assertRegex(report["time"], LINE)
        # Back to text: the platform lines are text again.
        self.lam.update_function_configuration(FunctionName="log-node-json", LoggingConfig={"LogFormat": "Text"})
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="log-node-json")
        r = self.lam.invoke(FunctionName="log-node-json", LogType="Tail")
        self.assertIn("START RequestId: ", tail(r))
        self.assertIn("\tINFO\thidden too", tail(r))

    def test_python_logging_text_and_json(self):
        code = {"app.py": """
import logging
logger = logging.getLogger()
def handler(event, context):
    logger.info("info line")
    logger.warning("warned %s", "here")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("failed")
    return context.aws_request_id
"""}
        create(self.lam, "log-py", code)
        r = self.lam.invoke(FunctionName="log-py", LogType="Tail")
        rid = json.loads(r["Payload"].read())
        log = tail(r)
        lines = log.split("\n")
        self.assertNotIn("info line", log)  # the root logger stays at WARNING in text mode, as on AWS
        self.assertTrue(any(re.fullmatch(r"\[WARNING\]\t" + LINE + "\t" + rid + "\twarned here", l) for l in lines), log)
        exc = [m for m in self.events("log-py", "[ERROR]") if m.startswith("[ERROR]")]
        self.assertEqual(len(exc), 1, exc)
        self.assertIn("\nTraceback (most recent call last):\n", exc[0])  # the traceback is in the same event
        self.assertIn("ZeroDivisionError", exc[0])

        create(self.lam, "log-py-json", code,
               LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"})
        r = self.lam.invoke(FunctionName="log-py-json", LogType="Tail")
        rid = json.loads(r["Payload"].read())
        records = [json.loads(l) for l in tail(r).split("\n") if l]
        app = [x for x in records if "level" in x]
        self.assertEqual([x["message"] for x in app], ["info line", "warned here", "failed"], records)
        self.assertEqual([x["level"] for x in app], ["INFO", "WARN", "ERROR"])
        self.assertEqual(app[0]["logger"], "root")
        self.assertEqual(app[0]["requestId"], rid)
        self.assertRegex(app[0]["location"], r"app\.py:handler:\d+$")
        self.assertEqual(app[2]["errorType"], "ZeroDivisionError")
        self.assertTrue(app[2]["stackTrace"])
        self.assertEqual([x for x in records if "type" in x], [])  # SystemLogLevel WARN: a success logs nothing


    def test_json_lines_of_a_custom_runtime_are_filtered_by_level(self):
        bootstrap = r"""#!/bin/bash
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  H="$(mktemp)"
  curl -sS -D "$H" "$API/invocation/next" > /dev/null
  ID=$(grep -i lambda-runtime-aws-request-id "$H" | tr -d '[:space:]' | cut -d: -f2)
  echo '{"level":"DEBUG","message":"debug record"}'
  echo 'plain line'
  echo '{"level":"ERROR","message":"error record"}'
  curl -sS -X POST "$API/invocation/$ID/response" -d '"ok"' > /dev/null
done
"""
        create(self.lam, "log-sh-json", {"bootstrap": bootstrap}, runtime="provided.al2023", handler="x",
               LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN"})
        r = self.lam.invoke(FunctionName="log-sh-json", LogType="Tail")
        log = tail(r)
        self.assertIn('{"level":"ERROR","message":"error record"}', log)
        self.assertNotIn("debug record", log)
        self.assertNotIn("plain line", log)  # no level: INFO, below WARN


class Context(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def test_client_context_and_empty_payload_node(self):
        create(self.lam, "cc-node", {"index.js": """
exports.handler = async (event, context) => ({ event, cc: context.clientContext });
"""}, runtime="nodejs20.x", handler="index.handler")
        r = self.lam.invoke(FunctionName="cc-node", ClientContext=client_context(CC))
        out = json.loads(r["Payload"].read())
        self.assertNotIn("FunctionError", r, out)
        self.assertEqual(out, {"event": {}, "cc": CC})

    def test_client_context_and_empty_payload_python(self):
        create(self.lam, "cc-py", {"app.py": """
def handler(event, context):
    cc = context.client_context
    return {"event": event, "custom": cc.custom, "env": cc.env, "title": cc.client.app_title,
            "installation": cc.client.installation_id, "none": context.identity}
"""})
        r = self.lam.invoke(FunctionName="cc-py", ClientContext=client_context(CC))
        out = json.loads(r["Payload"].read())
        self.assertNotIn("FunctionError", r, out)
        self.assertEqual(out, {"event": {}, "custom": CC["custom"], "env": CC["env"], "title": "My App",
                               "installation": "inst-1", "none": None})


class Errors(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def error(self, name, files, runtime="nodejs20.x", handler="index.handler", payload=b"{}"):
        create(self.lam, name, files, runtime=runtime, handler=handler)
        r = self.lam.invoke(FunctionName=name, Payload=payload)
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        return json.loads(r["Payload"].read())

    def test_node_error_types(self):
        out = self.error("e-big", {"index.js": "exports.handler = async () => 'x'.repeat(7 * 1024 * 1024);"})
        self.assertEqual(out, {"errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
                               "errorType": "Function.ResponseSizeTooLarge"})
        out = self.error("e-reject", {"index.js": """
exports.handler = async () => { Promise.reject(new Error("from reject")); await new Promise(r => setTimeout(r, 200)); return 1; };
"""})
        self.assertEqual(out["errorType"], "Runtime.UnhandledPromiseRejection")
        self.assertEqual(out["errorMessage"], "Error: from reject")
        self.assertIsInstance(out["trace"], list)
        out = self.error("e-import", {"index.js": "const x = require('nope'); exports.handler = async () => x;"})
        self.assertEqual(out["errorType"], "Runtime.ImportModuleError")
        self.assertTrue(out["errorMessage"].startswith("Error: Cannot find module 'nope'"), out)
        self.assertEqual(out["trace"][0].split(":")[0], "Runtime.ImportModuleError")
        out = self.error("e-nomodule", {"other.js": ""})
        self.assertEqual(out["errorType"], "Runtime.ImportModuleError")
        self.assertTrue(out["errorMessage"].startswith("Error: Cannot find module 'index'"), out)
        out = self.error("e-nohandler", {"index.js": "exports.other = async () => 1;"})
        self.assertEqual(out["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(out["errorMessage"], "index.handler is undefined or not exported")
        out = self.error("e-notfn", {"index.js": "exports.handler = 5;"})
        self.assertEqual(out["errorMessage"], "index.handler is not a function")
        out = self.error("e-syntax", {"index.js": "exports.handler = async () => {;"})
        self.assertEqual(out["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(out["errorMessage"].startswith("SyntaxError: "), out)
        out = self.error("e-syntax-esm", {"index.mjs": "export const handler = async () => {;"})
        self.assertEqual(out["errorType"], "Runtime.UserCodeSyntaxError")
        out = self.error("e-throw", {"index.js": "exports.handler = async () => { throw new TypeError('bad'); };"})
        self.assertEqual(out["errorType"], "TypeError")
        self.assertEqual(out["errorMessage"], "bad")
        self.assertEqual(out["trace"][0], "TypeError: bad")

    def test_node_legacy_context_methods(self):
        def call(name, body):
            create(self.lam, name, {"index.js": "exports.handler = function (event, context) { %s };" % body},
                   runtime="nodejs20.x", handler="index.handler")
            r = self.lam.invoke(FunctionName=name)
            return r.get("FunctionError"), json.loads(r["Payload"].read())

        self.assertEqual(call("l-succeed", "setTimeout(() => context.succeed({ok: 1}), 20);"), (None, {"ok": 1}))
        self.assertEqual(call("l-done", "context.done(null, 'done');"), (None, "done"))
        self.assertEqual(call("l-fail", "context.fail(new Error('nope'));")[1]["errorMessage"], "nope")
        self.assertEqual(call("l-fail-str", "context.fail('text');"),
                         ("Unhandled", {"errorType": "string", "errorMessage": "text", "trace": []}))
        self.assertEqual(call("l-fail-none", "context.fail();")[1]["errorMessage"], "handled")
        self.assertEqual(call("l-done-err", "context.done(new RangeError('r'));")[1]["errorType"], "RangeError")
        # Neither a value nor a callback: null once the event loop is empty.
        self.assertEqual(call("l-nothing", "setTimeout(() => {}, 30);"), (None, None))

    def test_python_error_types(self):
        out = self.error("p-import", {"app.py": "import nope\ndef handler(e, c): pass\n"}, runtime="python3.12",
                         handler="app.handler")
        self.assertEqual(out["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(out["errorMessage"], "Unable to import module 'app': No module named 'nope'")
        self.assertEqual(out["stackTrace"], [])
        self.assertTrue(out["requestId"])
        out = self.error("p-nohandler", {"app.py": "x = 1\n"}, runtime="python3.12", handler="app.handler")
        self.assertEqual(out["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(out["errorMessage"], "Handler 'handler' missing on module 'app'")
        out = self.error("p-syntax", {"app.py": "def handler(:\n"}, runtime="python3.12", handler="app.handler")
        self.assertEqual(out["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(out["errorMessage"].startswith("Syntax error in module 'app': "), out)
        out = self.error("p-raise", {"app.py": "def handler(e, c):\n    raise ValueError('v')\n"}, runtime="python3.12",
                         handler="app.handler")
        self.assertEqual(out["errorType"], "ValueError")
        self.assertEqual(out["errorMessage"], "v")
        self.assertIn('app.py", line 2, in handler', out["stackTrace"][0])
        out = self.error("p-big", {"app.py": "def handler(e, c):\n    return 'x' * (7 * 1024 * 1024)\n"},
                         runtime="python3.12", handler="app.handler")
        self.assertEqual(out["errorType"], "Function.ResponseSizeTooLarge")


@unittest.skipUnless(os.path.exists(RIC + "/dist/rapid-client.node") or os.environ.get("CI"),
                     "aws-lambda-ric is not installed (tools/deps.sh installs it)")
class AwsRuntimeInterfaceClient(StratusTestCase):
    """npm's aws-lambda-ric, AWS's own Node.js runtime client, as a custom runtime's bootstrap."""
    ephemeral = True

    def test_ric_serves_invocations(self):
        lam = self.stratus.client("lambda")
        create(lam, "ric", {
            "bootstrap": "#!/bin/sh\ncd \"$LAMBDA_TASK_ROOT\"\nexec node %s/bin/index.mjs \"$_HANDLER\"\n" % RIC,
            "index.js": """
exports.handler = async (event, context) => {
  console.log("ric log", context.awsRequestId);
  if (event.fail) throw new RangeError("ric failure");
  return { event, cc: context.clientContext, fn: context.functionName };
};
"""}, runtime="provided.al2023", handler="index.handler", Timeout=30)
        r = lam.invoke(FunctionName="ric", ClientContext=client_context(CC), LogType="Tail")
        out = json.loads(r["Payload"].read())
        self.assertNotIn("FunctionError", r, out)
        self.assertEqual(out, {"event": {}, "cc": CC, "fn": "ric"})
        self.assertRegex(tail(r), LINE + "\t" + r["ResponseMetadata"]["RequestId"] + "\tINFO\tric log")
        r = lam.invoke(FunctionName="ric", Payload=json.dumps({"fail": True}))
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        out = json.loads(r["Payload"].read())
        self.assertEqual(out["errorType"], "RangeError")
        self.assertEqual(out["errorMessage"], "ric failure")


if __name__ == "__main__":
    unittest.main()
