#!/usr/bin/env python3
"""Server CPU per Cognito InitiateAuth USER_PASSWORD_AUTH login: starts a fresh stratus --auth strict,
sets up bench.py's pool, client and user (cognito_setup), logs the same user in with wrk for a few
seconds (after a warm-up that puts the login in the verified-login cache, as in bench.py's run), and
reads utime+stime of the server before/after: a measure that a shared machine distorts far less
than logins/s. Repeats RUNS times and prints each run and the minimum.
Usage: bench/cognito_login_cpu.py STRATUS_BIN [SECONDS=3] [CONNECTIONS=32] [RUNS=3]
Env: THREADS (wrk threads, 2), PERF=out.data (perf record the server during the last run; PERFARGS,
default -g -F 2000)."""
import os, sys, time, subprocess, shutil
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench

binp = sys.argv[1]
secs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
conns = int(sys.argv[3]) if len(sys.argv) > 3 else 32
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
perf = os.environ.get("PERF")
srv, ep, tmp = bench.fresh_stratus(binp, "coglogin-")
try:
    body, h = bench.cognito_setup(ep)
    class A: threads = int(os.environ.get("THREADS", "2")); connections = conns; duration = secs
    # warm up: the first login pays PBKDF2 once, then the cache answers
    bench.wrk(ep + "/", "POST", body, h, type("B", (), {"threads": 1, "connections": 4, "duration": 1}))
    pid = srv.proc.pid

    best = None
    for i in range(runs):
        pp = None
        if perf and i == runs - 1:
            pp = subprocess.Popen(["perf", "record"] + os.environ.get("PERFARGS", "-g -F 2000").split() +
                                  ["-o", perf, "-p", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        c0 = bench.cpu_seconds(pid)
        r = bench.wrk(ep + "/", "POST", body, h, A)
        c1 = bench.cpu_seconds(pid)
        if pp:
            pp.send_signal(2)
            pp.wait()
        n = r["requests"]
        us = (c1 - c0) / n * 1e6 if n else float("nan")
        best = us if best is None or us < best else best
        print(f"run={i + 1} logins={n} rps={r['rps']:.0f} non2xx={r['errors']} p50={r['p50']:.2f}ms "
              f"p99={r['p99']:.2f}ms cpu={c1 - c0:.2f}s us/login={us:.1f}", flush=True)
    print(f"min us/login={best:.1f}")
finally:
    srv.stop()
    shutil.rmtree(tmp, ignore_errors=True)
