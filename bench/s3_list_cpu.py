#!/usr/bin/env python3
"""Server CPU per S3 listing request: what machine sharing does not distort (wrk's req/s does).

Loads bench.py's listing bucket (`--keys` keys p{i // 1000:03d}/obj-{i % 1000:04d}, unsigned, on a
stratus running --auth open, as s3_group does), serves the same data directory with --auth strict,
sends N signed requests one after another on one connection and prints the server's utime+stime
per request (from /proc/PID/stat), for ListObjectsV2, ListObjects and ListObjectVersions of one
prefix (1,000 keys, max-keys 1000). Two binaries compare a change:

    bench/s3_list_cpu.py build/stratus [other/stratus] [--requests 1000] [--keys 20000]

With --perf, records `perf record -g` of the first binary's ListObjectsV2 loop into perf.data."""
import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

QUERIES = {"ListObjectsV2": "list-type=2&", "ListObjects": "", "ListObjectVersions": "versions&"}


def serve(binary, data, auth):
    port = bench.free_port()
    return bench.Server([binary, "serve", "--port", str(port), "--data-dir", data, "--auth", auth,
                         "--log-level", "off"], port, "/_stratus/health")


def measure(binary, data, keys, requests, perf=None):
    s = serve(binary, data, "strict")
    ep = f"http://127.0.0.1:{s.port}"
    out = {}
    try:
        for name, q in QUERIES.items():
            path = f"/bench?{q}max-keys=1000&prefix={bench.s3_prefix(keys)}%2F"
            h = bench.signed(ep, "s3", "GET", path)
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)

            def one():
                c.request("GET", path, headers=h)
                r = c.getresponse()
                body = r.read()
                if r.status != 200:
                    raise RuntimeError(f"{name}: {r.status} {body[:300]!r}")
                return len(body)

            size = one()
            for _ in range(50):
                one()
            rec = None
            if perf and name == "ListObjectsV2":
                rec = subprocess.Popen(["perf", "record", "-g", "-o", perf, "-p", str(s.proc.pid)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(0.5)
            t0 = bench.cpu_seconds(s.proc.pid)
            for _ in range(requests):
                one()
            out[name] = (1e6 * (bench.cpu_seconds(s.proc.pid) - t0) / requests, size)
            if rec:
                rec.send_signal(signal.SIGINT)
                rec.wait()
            c.close()
    finally:
        s.stop()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--keys", type=int, default=20000)
    ap.add_argument("--perf", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="s3-list-cpu-")
    try:
        data = os.path.join(tmp, "data")
        s = serve(args.binaries[0], data, "open")
        try:
            bench.s3_setup(f"http://127.0.0.1:{s.port}", args.keys)
        finally:
            s.stop()
        for i, b in enumerate(args.binaries):
            res = measure(b, data, args.keys, args.requests, "perf.data" if args.perf and i == 0 else None)
            for name, (us, size) in res.items():
                print(f"{b}: {name}: {us:.0f} us server CPU per request ({size} bytes)", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
