#!/usr/bin/env python3
"""The orders pipeline, end to end: POST /orders accepted -> email in the mailbox.

Deploys examples/orders-pipeline on a fresh stratus (per variant: python, cpp), then
  1. latency: orders at a modest fixed rate, each timed from its POST to its email (p50/p99);
  2. throughput: a burst of orders from several keep-alive connections, timed until every email
     has arrived (orders/s through the whole pipeline).
moto_server cannot run this pipeline (its Lambda needs Docker); bench.py compares the stages.

Usage: bench/orders_pipeline.py STRATUS_BIN [--rate 100] [--latency-orders 300] [--seconds 5]
Reproduce: make bench
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from readme import update_readme

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "examples", "orders-pipeline")
EMAIL = "orders@example.com"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """Follows the mailbox and records when each order's email first appears."""

    def __init__(self, endpoint):
        self.endpoint, self.seen, self.stop = endpoint, {}, False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        since = 0
        while not self.stop:
            url = f"{self.endpoint}/_stratus/mailbox?recipient={EMAIL}&since={since}"
            with urllib.request.urlopen(url, timeout=10) as r:
                msgs = json.loads(r.read())["messages"]
            now = time.perf_counter()
            for m in msgs:
                subj = m.get("subject", "")
                order = subj[len("New order "):]
                if subj.startswith("New order ") and order not in self.seen:
                    self.seen[order] = now
                since = max(since, int(m.get("timestamp_ms", since)))
            time.sleep(0.002)


def post_orders(url, orders, sent, connections=1):
    parts = urllib.parse.urlsplit(url)
    chunks = [orders[i::connections] for i in range(connections)]

    def worker(chunk):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        for o in chunk:
            body = json.dumps(o)
            t = time.perf_counter()
            conn.request("POST", parts.path, body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"POST answered {r.status}")
            sent[o["orderID"]] = t

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


def run_variant(stratus_bin, variant, args):
    tmp = tempfile.mkdtemp(prefix="stratus-orders-")
    port = free_port()
    proc = subprocess.Popen([stratus_bin, "serve", "--port", str(port), "--data-dir", tmp, "--log-level", "off"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(500):
            try:
                urllib.request.urlopen(endpoint + "/_stratus/health", timeout=1)
                break
            except OSError:
                time.sleep(0.01)
        env = dict(os.environ, STRATUS_ENDPOINT=endpoint, ORDERS_EMAIL=EMAIL)
        out = subprocess.run(["bash", os.path.join(EXAMPLE, "deploy.sh"), variant], capture_output=True,
                             text=True, env=env, check=True).stdout
        url = [l for l in out.splitlines() if l.startswith("invoke URL: ")][-1].split(": ", 1)[1]
        mailbox = Mailbox(endpoint)
        post_orders(url, [{"orderID": "warm", "total": 1}], {})  # cold starts are not measured
        deadline = time.time() + 60
        while "warm" not in mailbox.seen and time.time() < deadline:
            time.sleep(0.01)

        # 1. latency at a modest rate
        sent = {}
        for i in range(args.latency_orders):
            t_next = time.perf_counter() + 1.0 / args.rate
            post_orders(url, [{"orderID": f"l-{i}", "customer": "ada", "total": 12.5}], sent)
            time.sleep(max(0.0, t_next - time.perf_counter()))
        deadline = time.time() + 60
        while any(k not in mailbox.seen for k in sent) and time.time() < deadline:
            time.sleep(0.01)
        lat = [(mailbox.seen[k] - t) * 1000 for k, t in sent.items() if k in mailbox.seen]

        # 2. throughput: wrk posts distinct orders as fast as the pipeline takes them for a few
        # seconds; the rate is orders delivered (email in the mailbox) per second of the whole run.
        lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        lua.write("""
local counter, id = 0, 0
local threads = {}
function setup(thread) table.insert(threads, thread); thread:set("id", #threads) end
function init(args) id = wrk.thread:get("id") end
function request()
  counter = counter + 1
  local body = string.format('{"orderID":"b-%d-%d","customer":"grace","total":%d}', id, counter, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
""")
        lua.close()
        t0 = time.perf_counter()
        out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "-s", lua.name, url],
                             capture_output=True, text=True, timeout=args.seconds + 60).stdout
        os.unlink(lua.name)
        posted = int(re.search(r"(\d+) requests in", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        accepted = posted - (int(non2xx.group(1)) if non2xx else 0)
        deadline = time.time() + 300
        burst_seen = lambda: [t for k, t in list(mailbox.seen.items()) if k.startswith("b-")]
        while len(burst_seen()) < accepted and time.time() < deadline:
            time.sleep(0.01)
        done = burst_seen()
        elapsed = max(done) - t0 if done else float("inf")
        mailbox.stop = True
        return {"variant": variant, "p50": pct(lat, 50), "p99": pct(lat, 99), "lost": len(sent) - len(lat),
                "rate": args.rate, "orders_per_s": len(done) / elapsed, "burst": max(accepted, len(done)),
                # wrk counts only answered requests: orders in flight when it stops are delivered but
                # not counted, so more emails than counted posts is not a loss.
                "burst_lost": max(0, accepted - len(done))}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stratus")
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--latency-orders", type=int, default=300)
    ap.add_argument("--seconds", type=int, default=5, help="length of the wrk burst")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--variants", default="python,cpp")
    args = ap.parse_args()
    rows = ["| orders pipeline (POST accepted → email in mailbox) | orders/s, burst | p50 / p99 ms at "
            f"{args.rate:.0f} orders/s | lost |", "|---|---:|---:|---:|"]
    for v in args.variants.split(","):
        r = run_variant(args.stratus, v, args)
        rows.append(f"| {v} functions | {r['orders_per_s']:.0f} ({r['burst']} orders in {args.seconds} s of wrk) | {r['p50']:.1f} / "
                    f"{r['p99']:.1f} | {r['lost'] + r['burst_lost']} |")
        print(rows[-1], flush=True)
    table = "\n".join(rows)
    stamp = (f"Measured {time.strftime('%Y-%m-%d')} by `make bench` (bench/orders_pipeline.py), {os.cpu_count()} "
             "cores, loopback. moto_server cannot run this pipeline: its Lambda needs Docker.")
    print(table)
    update_readme("orders-bench", table, stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
