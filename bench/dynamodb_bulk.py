#!/usr/bin/env python3
"""DynamoDB at volume: load 1,000,000 small items through BatchWriteItem (25 per request) from
parallel clients, then restart stratus and measure how long until the table answers again
(start-up must not depend on the table's size: no scans, counters are stored). moto_server
loads a 20,000-item sample with the same clients for comparison (a million would take it long).

Bars (from the issue): load < 60 s, table answering < 1 s after restart.

Usage: bench/dynamodb_bulk.py STRATUS_BIN [--items 1000000] [--clients 4] [--moto-items 20000]
Reproduce: make bench (bench/run.sh). Writes the table into README.md between
<!-- ddb-bulk-bench:begin --> and <!-- ddb-bulk-bench:end --> when those markers exist.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from readme import report

TABLE = "bulk"


def unsigned(service):
    """Unsigned-but-well-formed SigV4 headers, dated now (the 15-minute skew holds for a run):
    stratus' default auth mode takes the account from the key."""
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential=test/{now[:8]}/us-east-1/{service}/aws4_request, "
                             "SignedHeaders=host, Signature=0", "X-Amz-Date": now}


HEADERS = {"Content-Type": "application/x-amz-json-1.0", **unsigned("dynamodb")}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(conn, op, body):
    conn.request("POST", "/", body=json.dumps(body), headers={**HEADERS, "X-Amz-Target": "DynamoDB_20120810." + op})
    r = conn.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else {})


def loader(args):
    port, start, end = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    i = start
    while i < end:
        batch = [{"PutRequest": {"Item": {"pk": {"S": f"item#{n:08d}"}, "n": {"N": str(n)},
                                          "s": {"S": "payload-%08x" % (n * 2654435761 % 2**32)}}}}
                 for n in range(i, min(i + 25, end))]
        pending = {TABLE: batch}
        while pending:
            status, out = call(conn, "BatchWriteItem", {"RequestItems": pending})
            if status != 200:
                raise RuntimeError(f"BatchWriteItem: {status} {out}")
            pending = out.get("UnprocessedItems") or {}
        i += 25
    return end - start


def load(port, items, clients):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, out = call(conn, "CreateTable", {"TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
                                             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                             "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    if status != 200:
        raise RuntimeError(f"CreateTable: {out}")
    return in_parallel(loader, port, items, clients, 25)


def in_parallel(fn, port, total, clients, batch):
    """fn((port, start, end)) in `clients` processes over [0, total) cut at multiples of `batch`:
    (the sum of what they return, seconds)."""
    per = (total + clients - 1) // clients
    per = (per + batch - 1) // batch * batch
    chunks = [(port, c * per, min(total, (c + 1) * per)) for c in range(clients) if c * per < total]
    t0 = time.perf_counter()
    with multiprocessing.Pool(len(chunks)) as pool:
        done = sum(pool.map(fn, chunks))
    return done, time.perf_counter() - t0


def start(cmd, port, timeout=60):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return p
        except OSError:
            if p.poll() is not None:
                raise RuntimeError(f"exited: {cmd}")
            time.sleep(0.01)
    raise RuntimeError("not listening")


def time_to_answer(cmd, port):
    """Exec to the first successful DescribeTable + GetItem of the loaded table (seconds)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            s1, d = call(conn, "DescribeTable", {"TableName": TABLE})
            s2, g = call(conn, "GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "item#00000042"}}})
            if s1 == 200 and s2 == 200 and "Item" in g:
                return p, time.perf_counter() - t0, d["Table"]["ItemCount"]
        except OSError:
            if p.poll() is not None:
                raise RuntimeError(f"exited: {cmd}")
            time.sleep(0.002)


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stratus")
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--moto-items", type=int, default=20_000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="stratus-bulk-")
    rows = ["| DynamoDB at volume | stratus | moto_server | bar |", "|---|---:|---:|---|"]
    try:
        port = free_port()
        cmd = [args.stratus, "serve", "--port", str(port), "--data-dir", os.path.join(tmp, "data"), "--log-level", "off"]
        p = start(cmd, port)
        n, secs = load(port, args.items, args.clients)
        stop(p)
        du = subprocess.run(["du", "-sm", os.path.join(tmp, "data")], capture_output=True, text=True).stdout.split()[0]
        p, answer_s, count = time_to_answer(cmd, port)
        rss = 0.0
        with open(f"/proc/{p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
        stop(p)

        moto_rate = None
        if shutil.which("moto_server") and args.moto_items:
            mport = free_port()
            m = start(["moto_server", "-p", str(mport)], mport)
            time.sleep(1)
            mn, msecs = load(mport, args.moto_items, args.clients)
            moto_rate = mn / msecs
            stop(m)

        rate = n / secs
        moto_col = f"{moto_rate:.0f} items/s ({args.moto_items:,} items sampled)" if moto_rate else "n/a"
        rows.append(f"| BatchWriteItem load, {n:,} items, {args.clients} clients | {secs:.1f} s ({rate:.0f} items/s) | "
                    f"{moto_col} | < 60 s |")
        rows.append(f"| restart → table answers (DescribeTable + GetItem) | {answer_s * 1000:.0f} ms "
                    f"(ItemCount {count:,}, RSS {rss:.0f} MB, data {du} MB) | | < 1 s |")
        report("ddb-bulk-bench", rows, "dynamodb_bulk.py", "shared with other builds")
        ok = secs < 60 and answer_s < 1 and count == n
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
