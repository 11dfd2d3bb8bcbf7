#!/usr/bin/env python3
"""Banking notifications, end to end: deploys examples/banking-notifications on a fresh stratus,
then measures
  1. latency: debits posted at a modest fixed rate, each timed from its POST (API key, Lambda,
     DynamoDB, S3, EventBridge) to the customer's email in the mailbox (rule, Lambda, Secrets
     Manager, SES) — p50/p99;
  2. throughput: wrk posts small credits (stored, not emailed) from several connections for a few
     seconds — transactions/s recorded through API Gateway, Lambda, DynamoDB, S3 and PutEvents.
moto_server cannot run this application (its Lambda needs Docker).

Usage: bench/banking_notifications.py STRATUS_BIN [--rate 20] [--latency-transactions 200] [--duration 5]
Reproduce: make bench
"""
import argparse
import json
import os
import re
import sys
import threading
import time
import urllib.request

import boto3

from bench import wrk
from example_app import deployed, pct
from readme import update_readme




class Mailbox:
    """Follows the mailbox and records when each reference first appears in an email."""

    def __init__(self, endpoint, recipient):
        self.endpoint, self.recipient, self.seen, self.stop = endpoint, recipient, {}, False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        since = 0
        while not self.stop:
            url = f"{self.endpoint}/_stratus/mailbox?recipient={self.recipient}&since={since}"
            with urllib.request.urlopen(url, timeout=10) as r:
                msgs = json.loads(r.read())["messages"]
            now = time.perf_counter()
            for m in msgs:
                found = re.search(r"Description: (\S+)", m.get("body", ""))
                if found and found.group(1) not in self.seen:
                    self.seen[found.group(1)] = now
                # A message of the same millisecond may land after this read: ask again from
                # one millisecond earlier (the seen dict drops repeats).
                since = max(since, int(m.get("timestamp_ms", since)) - 1)
            time.sleep(0.002)


def post(url, key, txn):
    req = urllib.request.Request(url, method="POST", data=json.dumps(txn).encode(),
                                 headers={"x-api-key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.status != 201:
            raise RuntimeError(f"POST answered {r.status}")


def run(args):
    # The usage plan's throttle (100/s by default) would make the burst measure API Gateway's 429s.
    unthrottled = {"BANKING_RATE_LIMIT": "100000", "BANKING_BURST_LIMIT": "100000"}
    with deployed(args.stratus, "banking-notifications", env=unthrottled) as (endpoint, out):
        found = dict(re.findall(r"^(api key|invoke URL): (\S+)$", out, re.M))
        key, url = found["api key"], found["invoke URL"]
        # The SES sandbox sends 200 messages a day: the bench sends more, as an account with
        # production access does.
        boto3.client("sesv2", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test").put_account_details(
            ProductionAccessEnabled=True, MailType="TRANSACTIONAL", WebsiteURL="https://bank.example.com")
        mailbox = Mailbox(endpoint, "alice@example.com")
        post(url, key, {"accountId": "A-1", "type": "debit", "amount": 1, "email": "alice@example.com",
                        "description": "warm"})  # cold starts are not measured
        deadline = time.time() + 60
        while "warm" not in mailbox.seen and time.time() < deadline:
            time.sleep(0.01)

        # 1. POST -> email latency at a modest rate
        sent = {}
        for i in range(args.latency_transactions):
            t_next = time.perf_counter() + 1.0 / args.rate
            ref = f"l-{i}"
            sent[ref] = time.perf_counter()
            post(url, key, {"accountId": "A-1", "type": "debit", "amount": 2.5, "email": "alice@example.com",
                            "description": ref})
            time.sleep(max(0.0, t_next - time.perf_counter()))
        deadline = time.time() + 60
        while any(k not in mailbox.seen for k in sent) and time.time() < deadline:
            time.sleep(0.01)
        mailbox.stop = True
        missing = sorted(k for k in sent if k not in mailbox.seen)
        if missing:
            print("not seen in the mailbox:", missing, file=sys.stderr)
        lat = [(mailbox.seen[k] - t) * 1000 for k, t in sent.items() if k in mailbox.seen]

        # 2. throughput of recorded transactions (small credits: no email)
        body = json.dumps({"accountId": "B-2", "type": "credit", "amount": 10, "email": "bob@example.com"}).encode()
        headers = {"x-api-key": key, "Content-Type": "application/json"}
        wrk(url, "POST", body, headers, args)  # warm as many environments as connections
        burst = wrk(url, "POST", body, headers, args)
        return {"p50": pct(lat, 50), "p99": pct(lat, 99), "lost": len(sent) - len(lat)}, burst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stratus")
    ap.add_argument("--rate", type=float, default=20)
    ap.add_argument("--latency-transactions", type=int, default=200)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    lat, burst = run(args)
    rows = ["| banking notifications | per second | p50 / p99 ms | lost or errors |", "|---|---:|---:|---:|",
            f"| debit POSTed → customer email in the mailbox (API Gateway, Lambda, DynamoDB, S3, EventBridge rule, "
            f"Lambda, Secrets Manager, SES), at {args.rate:.0f}/s | | {lat['p50']:.1f} / {lat['p99']:.1f} | "
            f"{lat['lost']} |",
            f"| POST /transactions recorded (API key, Lambda python, DynamoDB, S3, PutEvents), {args.connections} "
            f"connections | {burst['rps']:.0f} | {burst['p50']:.1f} / {burst['p99']:.1f} | {burst['errors']} |"]
    table = "\n".join(rows)
    print(table)
    stamp = (f"Measured {time.strftime('%Y-%m-%d')} by `make bench` (bench/banking_notifications.py), "
             f"{os.cpu_count()} cores, loopback. moto_server cannot run this application: its Lambda needs Docker.")
    update_readme("banking-bench", table, stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
