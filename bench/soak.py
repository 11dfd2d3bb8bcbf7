#!/usr/bin/env python3
"""Soak: a mixed load for a long time, server RSS sampled throughout; RSS must stay flat after
warm-up (issue 21: every cache bounded, no per-request state kept).

One stratus (auth lenient so the SQS cycle's receipt handles need no re-signing), and in rounds of
wrk phases until --minutes pass:
  dynamodb PutItem of a new item on every request, GetItem, Query of 100 items;
  sqs send -> receive -> delete cycle (batches of 10);
  sns Publish to a topic with 2 SQS subscriptions (drained by the cycle's twin on those queues,
    each drain repeated until its queue is empty, so no backlog carries over between rounds);
  lambda Invoke of a C++ echo function and of a Python function that prints a log line;
  logs FilterLogEvents over the functions' log group.
A sampler reads VmRSS every --every seconds. The report (stdout, and bench/soak.md with --write)
gives RSS at the end of warm-up (the first --warmup fraction of the run), the maximum after it and
at the end, with the request counts.

Usage: bench/soak.py build/stratus [--minutes 30] [--write]
Reproduce the README row: python3 bench/soak.py build/stratus --minutes 30 --write
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (CYCLE_LUA, PUT_NEW_LUA, Server, build_cpp_function, ddb_json, ddb_query_setup,  # noqa: E402
                   ddb_setup, free_port, rss_mb, signed_request, zip_bytes)

HERE = os.path.dirname(os.path.abspath(__file__))
PRINT_PY = """import json
def handler(event, context):
    print("order", json.dumps(event)[:200])
    return event
"""


def run_wrk(url, seconds, connections, lua_text):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write(lua_text)
    lua.close()
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", lua.name, url]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(lua.name)
    m = re.search(r"(\d+) requests in", out)
    n = int(m.group(1)) if m else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return n, int(non2xx.group(1)) if non2xx else 0


def static_lua(method, body, headers, extra=""):
    esc = lambda s: s.replace("\\", "\\\\").replace('"', '\\"')
    lines = [f'wrk.method = "{method}"', f'wrk.body = "{esc(body.decode())}"']
    for k, v in headers.items():
        if k.lower() not in ("content-length", "host"):
            lines.append(f'wrk.headers["{esc(k)}"] = "{esc(v)}"')
    return "\n".join(lines) + "\n" + extra


def setup(ep, tmp):
    """Tables, queues, topic and functions; returns the wrk phases [(name, url, lua)]."""
    import boto3
    kw = dict(endpoint_url=ep, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    ddb_setup(ep)
    q_body, q_hdr = ddb_query_setup(ep)
    sqs, sns, lam = boto3.client("sqs", **kw), boto3.client("sns", **kw), boto3.client("lambda", **kw)
    cycle_url = sqs.create_queue(QueueName="soak-cycle")["QueueUrl"]
    topic = sns.create_topic(Name="soak-topic")["TopicArn"]
    fan_urls = []
    for i in range(2):
        url = sqs.create_queue(QueueName=f"soak-fan-{i}")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        fan_urls.append(url)
    with open(os.path.join(HERE, "..", "sdk", "cpp", "examples", "echo.cc")) as f:
        _, cpp_zip = build_cpp_function(tmp, "echo", f.read())
    role = "arn:aws:iam::000000000000:role/soak"
    lam.create_function(FunctionName="soak-cpp", Runtime="provided.al2023", Role=role, Handler="x",
                        Code={"ZipFile": cpp_zip})
    lam.create_function(FunctionName="soak-py", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zip_bytes({"app.py": PRINT_PY})})
    inv = b'{"order": 12345, "items": 3}'
    phases = []
    put_hdr = signed_request(ep, "dynamodb", b"{}", {**ddb_json("PutItem"), "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    phases.append(("dynamodb PutItem (new item)", ep + "/", static_lua("POST", b"", put_hdr, PUT_NEW_LUA)))
    get = b'{"TableName":"bench","Key":{"pk":{"S":"user#42"}}}'
    phases.append(("dynamodb GetItem", ep + "/", static_lua("POST", get, signed_request(ep, "dynamodb", get, ddb_json("GetItem")))))
    phases.append(("dynamodb Query (100 items)", ep + "/", static_lua("POST", q_body, signed_request(ep, "dynamodb", q_body, q_hdr))))
    phases.append(("sqs send/receive/delete", ep + "/", CYCLE_LUA % {"url": cycle_url}))
    pub = urllib.parse.urlencode({"Action": "Publish", "Version": "2010-03-31", "TopicArn": topic,
                                  "Message": "order 12345 created"}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    phases.append(("sns Publish (2 SQS subscriptions)", ep + "/", static_lua("POST", pub, signed_request(ep, "sns", pub, form))))
    for url in fan_urls:  # the fan-out queues are drained by the same cycle (it deletes what it receives)
        phases.append(("sqs drain " + url.rsplit("/", 1)[1], ep + "/", CYCLE_LUA.replace(
            'if step %% 2 == 1 then return req("SendMessageBatch", send_body) end', "") % {"url": url}, url))
    for fn in ("soak-cpp", "soak-py"):
        path = f"/2015-03-31/functions/{fn}/invocations"
        phases.append((f"lambda Invoke {fn}", ep + path,
                       static_lua("POST", inv, signed_request(ep, "lambda", inv, {"Content-Type": "application/json"}, path))))
    flt = json.dumps({"logGroupName": "/aws/lambda/soak-py", "filterPattern": "order", "limit": 100}).encode()
    phases.append(("logs FilterLogEvents", ep + "/", static_lua("POST", flt, signed_request(
        ep, "logs", flt, {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.FilterLogEvents"}))))
    return phases


def backlog(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                            "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stratus")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--phase-seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--every", type=float, default=10, help="RSS sampling interval, seconds")
    ap.add_argument("--warmup", type=float, default=0.2, help="fraction of the run counted as warm-up")
    ap.add_argument("--write", action="store_true", help="write bench/soak.md")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="stratus-soak-")
    port = free_port()
    cmd = [args.stratus, "serve", "--port", str(port), "--data-dir", os.path.join(tmp, "data"), "--log-level", "off"]
    server = Server(cmd, port, "/_stratus/health")
    ep = f"http://127.0.0.1:{port}"
    samples, counts, stop = [], {}, threading.Event()
    t0 = time.time()

    def sampler():
        while not stop.is_set():
            samples.append((time.time() - t0, rss_mb(server.proc.pid)))
            stop.wait(args.every)

    th = threading.Thread(target=sampler, daemon=True)
    try:
        phases = setup(ep, tmp)
        import boto3
        sqs = boto3.client("sqs", endpoint_url=ep, region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test")
        t0 = time.time()
        th.start()
        end = t0 + args.minutes * 60
        while time.time() < end:
            for name, url, lua, *drain in phases:
                # A drain phase runs until its queue is empty (at most 6 phases' time), so every
                # round ends without a backlog: the load is steady, whatever the machine's speed.
                for _ in range(6 if drain else 1):
                    secs = int(min(args.phase_seconds, max(1, end - time.time())))
                    n, bad = run_wrk(url, secs, args.connections, lua)
                    c = counts.setdefault(name, [0, 0])
                    c[0] += n
                    c[1] += bad
                    if not drain or backlog(sqs, drain[0]) == 0 or time.time() >= end:
                        break
                if server.proc.poll() is not None:
                    raise RuntimeError("stratus exited during the soak")
                if time.time() >= end:
                    break
    finally:
        stop.set()
        if th.is_alive():
            th.join()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    total = args.minutes * 60
    warm = [r for t, r in samples if t <= total * args.warmup]
    after = [r for t, r in samples if t > total * args.warmup]
    warm_rss = warm[-1] if warm else samples[0][1]
    lines = [f"Soak: {args.minutes:g} min mixed load, RSS sampled every {args.every:g} s "
             f"(`python3 bench/soak.py build/stratus --minutes {args.minutes:g}`).", "",
             "| RSS | MB |", "|---|---|",
             f"| at start of load | {samples[0][1]:.1f} |",
             f"| end of warm-up ({args.warmup:.0%} of the run) | {warm_rss:.1f} |",
             f"| max after warm-up | {max(after) if after else warm_rss:.1f} |",
             f"| at the end | {samples[-1][1]:.1f} |", ""]
    # Flat means neither the troughs (after a burst is trimmed) nor the peaks (bursts: the SNS
    # fan-out backlog before its drain) grow: compare the two halves after warm-up.
    half = len(after) // 2
    if half:
        lines += ["| after warm-up | min MB | median MB | max MB |", "|---|---|---|---|"]
        for name, part in (("first half", after[:half]), ("second half", after[half:])):
            srt = sorted(part)
            lines.append(f"| {name} | {srt[0]:.1f} | {srt[len(srt) // 2]:.1f} | {srt[-1]:.1f} |")
        lines.append("")
    lines += [
             "| phase (wrk, %d connections) | requests | non-2xx |" % args.connections, "|---|---|---|"]
    lines += [f"| {n} | {c[0]} | {c[1]} |" for n, c in counts.items()]
    lines += ["", "RSS over time (s, MB): " + ", ".join(f"{t:.0f}:{r:.1f}" for t, r in samples[:: max(1, len(samples) // 30)])]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        with open(os.path.join(HERE, "soak.md"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
