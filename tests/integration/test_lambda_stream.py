"""InvokeWithResponseStream through boto3 (its EventStream parser checks every message's CRC32s)
and @aws-sdk/client-lambda in Node: buffered handlers answer in one chunk, runtimes that post in
streaming mode (Lambda-Runtime-Function-Response-Mode: streaming, chunked, error trailers) in
chunks; InvokeComplete carries errors and the log tail."""
import base64
import http.client
import json
import os
import subprocess
import unittest
import urllib.parse

import botocore.exceptions

from harness import StratusTestCase, npm_folder
from lambda_util import PY_ECHO, create, zip_files

# A provided runtime in Python that answers in streaming mode over a raw socket: the event
# {"parts": [...], "fail": bool} is written as one HTTP chunk per part; with "fail" the response
# ends with the error trailers, as AWS's Node runtime client does for a mid-stream error.
STREAMING_BOOTSTRAP = r"""#!/usr/bin/env python3
import base64, http.client, json, os, socket
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
while True:
    c = http.client.HTTPConnection(host, int(port))
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    c.close()
    ctype = "text/plain"
    if "rawPath" in event:  # a function URL's event: answer with the HTTP-integration prelude
        ctype = "application/vnd.awslambda.http-integration-response"
        prelude = json.dumps({"statusCode": 202, "headers": {"content-type": "text/csv", "x-streamed": "yes"},
                              "cookies": ["s=1"]})
        event = {"parts": [prelude + "\0" * 8, "a,b\n", "1,2\n"], "fail": event["rawPath"] == "/fail"}
    print("streaming", len(event["parts"]), "parts", flush=True)
    s = socket.create_connection((host, int(port)))
    head = ("POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\n"
            "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: %s\r\n"
            "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n"
            % (rid, host, ctype))
    s.sendall(head.encode())
    for p in event["parts"]:
        b = p.encode()
        s.sendall(b"%x\r\n%s\r\n" % (len(b), b))
    s.sendall(b"0\r\n")
    if event.get("fail"):
        body = base64.b64encode(json.dumps({"errorType": "Error", "errorMessage": "broke mid-stream",
                                            "stackTrace": []}).encode()).decode()
        s.sendall(("Lambda-Runtime-Function-Error-Type: Error\r\n"
                   "Lambda-Runtime-Function-Error-Body: %s\r\n" % body).encode())
    s.sendall(b"\r\n")
    s.recv(4096)
    s.close()
"""

# A nodejs function streaming with awslambda.streamifyResponse, as on AWS's managed runtime: the
# event {"parts": [...], "fail": bool, "pipe": bool} is written part by part (or through
# stream.pipeline); a function URL's event answers through awslambda.HttpResponseStream.from.
NODE_STREAMER = r"""
const { pipeline } = require("node:stream/promises");
const { Readable } = require("node:stream");
exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  if (event.rawPath === "/typed" || event.rawPath === "/untyped") {
    if (event.rawPath === "/typed") responseStream.setContentType("text/plain");
    responseStream.end("plain bytes");
    try { responseStream.setContentType("text/html"); } catch (e) { console.log("too late:", e.message); }
    return;
  }
  if (event.rawPath !== undefined) {
    responseStream = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 201, headers: { "content-type": "text/csv", "x-node": "streamed" }, cookies: ["n=1"] });
    responseStream.write("x,y\n");
    await new Promise((r) => setTimeout(r, 20));
    responseStream.write("3,4\n");
    if (event.rawPath === "/fail") throw new Error("url broke");
    responseStream.end();
    return;
  }
  if (event.early) throw new RangeError("failed before writing");
  if (event.contentType) responseStream.setContentType(event.contentType);
  if (event.pipe) {
    await pipeline(Readable.from(event.parts), responseStream);
    return;
  }
  for (const p of event.parts) {
    responseStream.write(p);
    await new Promise((r) => setTimeout(r, 10));
  }
  if (event.fail) throw new TypeError("node broke mid-stream");
  console.log("streamed for", context.awsRequestId);
  if (!event.noEnd) responseStream.end();  // resolving without end() ends the response too
});
"""

# The same from an ES module.
NODE_STREAMER_ESM = r"""
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write("esm:");
  responseStream.end(JSON.stringify(event));
});
"""

NODE_CLIENT = r"""
const { LambdaClient, InvokeWithResponseStreamCommand } = require("@aws-sdk/client-lambda");
(async () => {
  const c = new LambdaClient({ endpoint: process.env.ENDPOINT, region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const r = await c.send(new InvokeWithResponseStreamCommand({
    FunctionName: process.env.FN, Payload: Buffer.from(process.env.PAYLOAD), LogType: "Tail" }));
  const out = { status: r.StatusCode, version: r.ExecutedVersion, contentType: r.ResponseStreamContentType,
                chunks: [], complete: null };
  for await (const ev of r.EventStream) {
    if (ev.PayloadChunk) out.chunks.push(Buffer.from(ev.PayloadChunk.Payload).toString());
    if (ev.InvokeComplete) out.complete = ev.InvokeComplete;
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.log(JSON.stringify({ error: e.name, message: e.message })); });
"""

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


def node_sdk():
    """The directory holding @aws-sdk/client-lambda (installed with npm on first use), or None."""
    return npm_folder(NODE_DIR, "@aws-sdk/client-lambda")


def events(resp):
    chunks, complete = [], None
    for ev in resp["EventStream"]:
        if "PayloadChunk" in ev:
            chunks.append(ev["PayloadChunk"]["Payload"])
        if "InvokeComplete" in ev:
            complete = ev["InvokeComplete"]
    return chunks, complete


class ResponseStream(StratusTestCase):
    ephemeral = True

    def url_get(self, host, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=30)
        conn.request("GET", path, headers={"Host": host})
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r, body

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = cls.stratus.client("lambda")
        create(cls.lam, "echo", {"app.py": PY_ECHO})
        create(cls.lam, "big", {"app.py": "def handler(e, c):\n    return 'z' * 200000\n"})
        create(cls.lam, "boom", {"app.py": "def handler(e, c):\n    print('about to fail')\n"
                                           "    raise ValueError('no good')\n"})
        create(cls.lam, "streamer", {"bootstrap": STREAMING_BOOTSTRAP}, runtime="provided.al2023",
               handler="none")
        create(cls.lam, "nodestream", {"index.js": NODE_STREAMER}, runtime="nodejs20.x", handler="index.handler")
        create(cls.lam, "nodestreamesm", {"index.mjs": NODE_STREAMER_ESM}, runtime="nodejs20.x",
               handler="index.handler")

    def test_buffered_handler_is_one_chunk(self):
        r = self.lam.invoke_with_response_stream(FunctionName="echo", Payload=b'{"a": 1}')
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(r["ExecutedVersion"], "$LATEST")
        self.assertEqual(r["ResponseStreamContentType"], "application/vnd.amazon.eventstream")
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["content-type"], "application/vnd.amazon.eventstream")
        chunks, complete = events(r)
        self.assertEqual(len(chunks), 1)
        self.assertEqual(json.loads(chunks[0])["event"], {"a": 1})
        self.assertEqual(complete, {})

    def test_large_response_in_several_chunks(self):
        chunks, complete = events(self.lam.invoke_with_response_stream(FunctionName="big"))
        self.assertGreater(len(chunks), 1)
        self.assertEqual(json.loads(b"".join(chunks)), "z" * 200000)
        self.assertEqual(complete, {})

    def test_log_tail(self):
        chunks, complete = events(self.lam.invoke_with_response_stream(FunctionName="echo", LogType="Tail"))
        log = base64.b64decode(complete["LogResult"]).decode()
        self.assertIn("START RequestId:", log)
        self.assertIn("REPORT RequestId:", log)

    def test_function_error_in_invoke_complete(self):
        r = self.lam.invoke_with_response_stream(FunctionName="boom", LogType="Tail")
        self.assertEqual(r["StatusCode"], 200)
        chunks, complete = events(r)
        self.assertEqual(chunks, [])
        self.assertEqual(complete["ErrorCode"], "ValueError")
        self.assertEqual(complete["ErrorDetails"], "no good")
        self.assertIn("about to fail", base64.b64decode(complete["LogResult"]).decode())

    def test_dry_run(self):
        r = self.lam.invoke_with_response_stream(FunctionName="echo", InvocationType="DryRun")
        self.assertEqual(r["StatusCode"], 204)
        self.assertEqual(events(r), ([], None))

    def test_errors(self):
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.invoke_with_response_stream(FunctionName="nope")
        with self.assertRaises(self.lam.exceptions.InvalidRequestContentException):
            self.lam.invoke_with_response_stream(FunctionName="echo", Payload=b"{bad")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.lam.invoke_with_response_stream(FunctionName="echo", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
        self.assertEqual(cm.exception.response["Error"]["Code"], "RequestEntityTooLargeException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.lam.invoke_with_response_stream(FunctionName="echo", InvocationType="Event")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn("Member must satisfy enum value set: [RequestResponse, DryRun]",
                      cm.exception.response["Error"]["Message"])

    def test_streaming_runtime(self):
        parts = ["first ", "second ", "third"]
        r = self.lam.invoke_with_response_stream(FunctionName="streamer", Payload=json.dumps({"parts": parts}).encode())
        chunks, complete = events(r)
        self.assertEqual(b"".join(chunks), b"first second third")
        self.assertEqual(complete, {})
        # The plain Invoke answers the same bytes, buffered.
        r = self.lam.invoke(FunctionName="streamer", Payload=json.dumps({"parts": parts}).encode())
        self.assertNotIn("FunctionError", r)
        self.assertEqual(r["Payload"].read(), b"first second third")

    def test_streaming_runtime_error_after_first_byte(self):
        r = self.lam.invoke_with_response_stream(
            FunctionName="streamer", Payload=json.dumps({"parts": ["partial"], "fail": True}).encode())
        chunks, complete = events(r)
        self.assertEqual(b"".join(chunks), b"partial")
        self.assertEqual(complete["ErrorCode"], "Error")
        self.assertEqual(complete["ErrorDetails"], "broke mid-stream")
        # The environment answers the next invocation.
        chunks, complete = events(self.lam.invoke_with_response_stream(
            FunctionName="streamer", Payload=json.dumps({"parts": ["again"]}).encode()))
        self.assertEqual(b"".join(chunks), b"again")

    def test_function_url_streamed_response(self):
        url = self.lam.create_function_url_config(FunctionName="streamer", AuthType="NONE")["FunctionUrl"]
        self.lam.add_permission(FunctionName="streamer", StatementId="public", Action="lambda:InvokeFunctionUrl",
                                Principal="*", FunctionUrlAuthType="NONE")
        host = urllib.parse.urlsplit(url).netloc
        for path, want in (("/", b"a,b\n1,2\n"), ("/fail", b"a,b\n1,2\n")):
            r, body = self.url_get(host, path)
            # The prelude's status, headers and cookies; the bytes after the 8 NULs as the body
            # (after a mid-stream error: what was written before it).
            self.assertEqual(r.status, 202)
            self.assertEqual(r.getheader("content-type"), "text/csv")
            self.assertEqual(r.getheader("x-streamed"), "yes")
            self.assertEqual(r.getheader("set-cookie"), "s=1")
            self.assertEqual(body, want)

    def test_node_streamify_response(self):
        parts = ["alpha ", "beta ", "gamma"]
        r = self.lam.invoke_with_response_stream(FunctionName="nodestream", LogType="Tail",
                                                 Payload=json.dumps({"parts": parts}).encode())
        self.assertEqual(r["StatusCode"], 200)
        chunks, complete = events(r)
        self.assertEqual(b"".join(chunks), b"alpha beta gamma")
        self.assertNotIn("ErrorCode", complete)
        self.assertIn("streamed for", base64.b64decode(complete["LogResult"]).decode())
        # Through stream.pipeline.
        chunks, complete = events(self.lam.invoke_with_response_stream(
            FunctionName="nodestream", Payload=json.dumps({"parts": parts, "pipe": True}).encode()))
        self.assertEqual(b"".join(chunks), b"alpha beta gamma")
        self.assertNotIn("ErrorCode", complete)
        # Resolving without end().
        chunks, complete = events(self.lam.invoke_with_response_stream(
            FunctionName="nodestream", Payload=json.dumps({"parts": ["no end"], "noEnd": True}).encode()))
        self.assertEqual(b"".join(chunks), b"no end")
        self.assertNotIn("ErrorCode", complete)
        # An ES module handler.
        chunks, complete = events(self.lam.invoke_with_response_stream(FunctionName="nodestreamesm",
                                                                       Payload=b'{"m": 1}'))
        self.assertEqual(b"".join(chunks), b'esm:{"m":1}')

    def test_node_streamify_error_before_first_byte(self):
        chunks, complete = events(self.lam.invoke_with_response_stream(
            FunctionName="nodestream", Payload=json.dumps({"early": True}).encode()))
        self.assertEqual(chunks, [])
        self.assertEqual(complete["ErrorCode"], "RangeError")
        self.assertEqual(complete["ErrorDetails"], "failed before writing")

    def test_node_streamify_error_mid_stream(self):
        r = self.lam.invoke_with_response_stream(
            FunctionName="nodestream", Payload=json.dumps({"parts": ["half"], "fail": True}).encode())
        chunks, complete = events(r)
        self.assertEqual(b"".join(chunks), b"half")
        self.assertEqual(complete["ErrorCode"], "TypeError")
        self.assertEqual(complete["ErrorDetails"], "node broke mid-stream")
        # The environment goes on serving.
        chunks, complete = events(self.lam.invoke_with_response_stream(
            FunctionName="nodestream", Payload=json.dumps({"parts": ["ok"]}).encode()))
        self.assertEqual(b"".join(chunks), b"ok")
        # Plain Invoke: the error as a function error.
        r = self.lam.invoke(FunctionName="nodestream", Payload=json.dumps({"parts": ["x"], "fail": True}).encode())
        self.assertEqual(r["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(r["Payload"].read())["errorMessage"], "node broke mid-stream")

    def test_node_streamify_plain_invoke_is_buffered(self):
        r = self.lam.invoke(FunctionName="nodestream", Payload=json.dumps({"parts": ["one ", "two"]}).encode())
        self.assertEqual(r["StatusCode"], 200)
        self.assertNotIn("FunctionError", r)
        self.assertEqual(r["Payload"].read(), b"one two")

    def test_node_function_url_response_stream(self):
        url = self.lam.create_function_url_config(FunctionName="nodestream", AuthType="NONE",
                                                  InvokeMode="RESPONSE_STREAM")
        self.assertEqual(url["InvokeMode"], "RESPONSE_STREAM")
        self.lam.add_permission(FunctionName="nodestream", StatementId="public", Action="lambda:InvokeFunctionUrl",
                                Principal="*", FunctionUrlAuthType="NONE")
        host = urllib.parse.urlsplit(url["FunctionUrl"]).netloc
        for path in ("/", "/fail"):
            r, body = self.url_get(host, path)
            self.assertEqual(r.status, 201, path)
            self.assertEqual(r.getheader("content-type"), "text/csv")
            self.assertEqual(r.getheader("x-node"), "streamed")
            self.assertEqual(r.getheader("set-cookie"), "n=1")
            self.assertEqual(body, b"x,y\n3,4\n")
        # Without the prelude: the stream's content type (application/octet-stream by default).
        for path, ctype in (("/typed", "text/plain"), ("/untyped", "application/octet-stream")):
            r, body = self.url_get(host, path)
            self.assertEqual((r.status, r.getheader("content-type"), body), (200, ctype, b"plain bytes"))

    def test_node_sdk(self):
        d = node_sdk()
        if d is None:
            self.skipTest("node/npm or @aws-sdk/client-lambda not available")

        def run(fn, payload):
            cp = subprocess.run(["node", "-e", NODE_CLIENT], cwd=d, capture_output=True, text=True, timeout=60,
                                env={**os.environ, "ENDPOINT": self.stratus.endpoint, "FN": fn, "PAYLOAD": payload})
            self.assertEqual(cp.returncode, 0, cp.stderr)
            return json.loads(cp.stdout)
        out = run("echo", '{"from": "node"}')
        self.assertEqual(out["status"], 200, out)
        self.assertEqual(out["version"], "$LATEST")
        self.assertEqual(out["contentType"], "application/vnd.amazon.eventstream")
        self.assertEqual(json.loads("".join(out["chunks"]))["event"], {"from": "node"})
        self.assertIn("START RequestId:", base64.b64decode(out["complete"]["LogResult"]).decode())
        out = run("streamer", json.dumps({"parts": ["a", "b", "c"]}))
        self.assertEqual("".join(out["chunks"]), "abc")
        out = run("boom", "{}")
        self.assertEqual(out["chunks"], [])
        self.assertEqual(out["complete"]["ErrorCode"], "ValueError")
        out = run("missing", "{}")
        self.assertEqual(out["error"], "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
