#!/usr/bin/env python3
"""EventBridge and Scheduler, side by side with moto_server:
  1. PutEvents throughput to a rule with an SQS target: N events (10 per PutEvents) from parallel
     clients, timed from the first PutEvents until the queue holds every event (events/s
     delivered, the bar is 10,000/s);
  2. Scheduler on time: one-time at() schedules one second apart with an SQS target whose input
     carries <aws.scheduler.scheduled-time>; lateness = the message's SentTimestamp minus the
     scheduled time (p50/p99 ms). moto_server stores schedules but never fires them.

Usage: bench/events.py STRATUS_BIN [--events 100000] [--clients 4] [--moto-events 300]
                                   [--schedules 30]
Reproduce: make bench (bench/run.sh). Writes the table into README.md between
<!-- events-bench:begin --> and <!-- events-bench:end --> when those markers exist.
"""
import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone

import boto3
from botocore.config import Config

from dynamodb_bulk import free_port, in_parallel, start, stop, unsigned
from example_app import pct
from readme import report

QUEUE = "bench-events"
HEADERS = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents", **unsigned("events")}


def client(port, service):
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1}))


def sender(args):
    port, start_n, end_n = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    i = start_n
    while i < end_n:
        entries = [{"Source": "bench.app", "DetailType": "tick", "Detail": json.dumps({"n": n})}
                   for n in range(i, min(i + 10, end_n))]
        conn.request("POST", "/", body=json.dumps({"Entries": entries}), headers=HEADERS)
        r = conn.getresponse()
        out = json.loads(r.read() or b"{}")
        if r.status != 200 or out.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents: {r.status} {out}")
        i += 10
    return end_n - start_n


def throughput(port, events, clients):
    """Events per second from the first PutEvents until the SQS target holds them all."""
    sqs, ev = client(port, "sqs"), client(port, "events")
    url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ev.put_rule(Name="bench", EventPattern=json.dumps({"source": ["bench.app"]}))
    ev.put_targets(Rule="bench", Targets=[{"Id": "q", "Arn": arn}])
    t0 = time.perf_counter()
    sent, put_s = in_parallel(sender, port, events, clients, 10)
    deadline = time.time() + 300
    count = 0
    while time.time() < deadline:
        count = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                    ["Attributes"]["ApproximateNumberOfMessages"])
        if count >= sent:
            break
        time.sleep(0.005)
    total_s = time.perf_counter() - t0
    return sent, count, put_s, total_s


def lateness(port, schedules):
    """Lateness (ms) of at() schedules one second apart, read from the SQS messages they sent."""
    sqs, sch = client(port, "sqs"), client(port, "scheduler")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "scheduler.amazonaws.com"}}]}
    role = client(port, "iam").create_role(RoleName="scheduler", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    url = sqs.create_queue(QueueName="bench-schedules")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    first = int(time.time()) + 3
    for i in range(schedules):
        at = datetime.fromtimestamp(first + i, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        sch.create_schedule(Name=f"s{i}", ScheduleExpression=f"at({at})", FlexibleTimeWindow={"Mode": "OFF"},
                            Target={"Arn": arn, "RoleArn": role,
                                    "Input": '{"scheduled":"<aws.scheduler.scheduled-time>"}'})
    late = []
    deadline = time.time() + schedules + 30
    while len(late) < schedules and time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  AttributeNames=["SentTimestamp"])
        for m in out.get("Messages", []):
            when = datetime.strptime(json.loads(m["Body"])["scheduled"], "%Y-%m-%dT%H:%M:%SZ")
            due_ms = when.replace(tzinfo=timezone.utc).timestamp() * 1000
            late.append(int(m["Attributes"]["SentTimestamp"]) - due_ms)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return late


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stratus")
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--moto-events", type=int, default=300)
    ap.add_argument("--schedules", type=int, default=30)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="stratus-events-")
    try:
        port = free_port()
        p = start([args.stratus, "serve", "--port", str(port), "--data-dir", os.path.join(tmp, "data"),
                   "--log-level", "off"], port)
        try:
            sent, count, put_s, total_s = throughput(port, args.events, args.clients)
            late = lateness(port, args.schedules) if args.schedules else []
        finally:
            stop(p)

        moto = None
        if shutil.which("moto_server") and args.moto_events:
            mport = free_port()
            m = start(["moto_server", "-p", str(mport)], mport)
            try:
                time.sleep(1)
                moto = throughput(mport, args.moto_events, args.clients)
            finally:
                stop(m)

        rate = count / total_s
        rows = ["| EventBridge and Scheduler | stratus | moto_server | bar |", "|---|---:|---:|---|"]
        moto_col = "n/a"
        if moto:
            m_sent, m_count, _, m_total = moto
            moto_col = f"{m_count / m_total:.0f} events/s ({m_count:,} of {m_sent:,} delivered)"
        rows.append(f"| PutEvents → rule → SQS target, {sent:,} events, {args.clients} clients | {rate:.0f} events/s "
                    f"delivered ({count:,} of {sent:,}; PutEvents took {put_s:.1f} s of {total_s:.1f} s) | "
                    f"{moto_col} | ≥ 10,000/s |")
        if late:
            rows.append(f"| Scheduler at() one second apart → SQS, lateness ({len(late)} of {args.schedules} fired) | "
                        f"p50 {pct(late, 50):.0f} ms, p99 {pct(late, 99):.0f} ms | never fires | on time |")
        report("events-bench", rows, "events.py", "shared by the servers and the clients")
        return 0 if count >= sent else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
