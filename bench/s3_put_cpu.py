#!/usr/bin/env python3
"""Server CPU per S3 PutObject: starts a fresh stratus --auth strict, PUTs one key with wrk for a
few seconds (signed as bench.py signs: x-amz-content-sha256 is the body's SHA-256, or
UNSIGNED-PAYLOAD), and reads utime+stime of the server before/after: a measure that a shared
machine distorts far less than req/s.
Usage: bench/s3_put_cpu.py STRATUS_BIN SIZE_BYTES [SECONDS=3] [CONNECTIONS=4] [signed|unsigned]
Env: THREADS (wrk threads, 1), PERF=out.data (perf record the server; PERFARGS, default -g -F 2000)."""
import os, sys, time, subprocess, shutil
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench

binp, size = sys.argv[1], int(sys.argv[2])
secs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
conns = int(sys.argv[4]) if len(sys.argv) > 4 else 4
mode = sys.argv[5] if len(sys.argv) > 5 else "signed"
perf = os.environ.get("PERF")
srv, ep, tmp = bench.fresh_stratus(binp, "s3put-")
try:
    bench.client(ep, "s3").create_bucket(Bucket="bench")
    body = b"x" * size
    path = "/bench/put-obj"
    h = bench.signed(ep, "s3", "PUT", path, body, unsigned_payload=mode == "unsigned")
    class A: threads = int(os.environ.get("THREADS", "1")); connections = conns; duration = secs
    # warm up
    bench.wrk(ep + path, "PUT", body, h, type("B", (), {"threads": 1, "connections": conns, "duration": 1}))
    pid = srv.proc.pid
    pp = None
    if perf:
        pp = subprocess.Popen(["perf", "record"] + os.environ.get("PERFARGS", "-g -F 2000").split() + ["-o", perf, "-p", str(pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
    c0 = bench.cpu_seconds(pid)
    r = bench.wrk(ep + path, "PUT", body, h, A)
    c1 = bench.cpu_seconds(pid)
    if pp:
        pp.send_signal(2); pp.wait()
    n = r["requests"]
    print(f"size={size} mode={mode} req={n} rps={r['rps']:.0f} errors={r['errors']} "
          f"cpu={c1-c0:.2f}s us/req={(c1-c0)/n*1e6:.1f} "
          + (f"ms/MiB={(c1-c0)/n*1e3/(size/1048576):.2f}" if size >= 1 << 20 else ""))
finally:
    srv.stop()
    shutil.rmtree(tmp, ignore_errors=True)
