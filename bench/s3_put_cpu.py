#!/usr/bin/env python3
"""Server CPU per S3 PutObject: starts a fresh stratus --auth strict, PUTs one key with wrk for a
few seconds (signed as bench.py signs: x-amz-content-sha256 is the body's SHA-256, or
UNSIGNED-PAYLOAD), and reads utime+stime of the server before/after: a measure that a shared
machine distorts far less than req/s.
Usage: bench/s3_put_cpu.py STRATUS_BIN SIZE_BYTES [SECONDS=3] [CONNECTIONS=4] [signed|unsigned]
Env: THREADS (wrk threads, 1), PERF=out.data (perf record the server; PERFARGS, default -g -F 2000)."""
import os, sys, time, subprocess, tempfile, shutil, re
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench

binp, size = sys.argv[1], int(sys.argv[2])
secs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
conns = int(sys.argv[4]) if len(sys.argv) > 4 else 4
mode = sys.argv[5] if len(sys.argv) > 5 else "signed"
perf = os.environ.get("PERF")
tmp = tempfile.mkdtemp(prefix="s3put-")
port = bench.free_port()
srv = bench.Server([binp, "serve", "--port", str(port), "--data-dir", tmp + "/d", "--auth", "strict",
                    "--log-level", "off"], port, "/_stratus/health")
ep = f"http://127.0.0.1:{port}"
try:
    bench.client(ep, "s3").create_bucket(Bucket="bench")
    body = b"x" * size
    path = "/bench/put-obj"
    hdrs = {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"} if mode == "unsigned" else None
    if mode == "unsigned":
        import botocore.awsrequest, botocore.auth, botocore.credentials
        req = botocore.awsrequest.AWSRequest(method="PUT", url=ep + path, data=body, headers={})
        a = botocore.auth.S3SigV4Auth(botocore.credentials.Credentials("test", "test"), "s3", "us-east-1")
        a._should_sha256_sign_payload = lambda r: False
        a.add_auth(req)
        h = dict(req.headers.items())
    else:
        h = bench.signed(ep, "s3", "PUT", path, body)
    class A: threads = int(os.environ.get("THREADS", "1")); connections = conns; duration = secs
    # warm up
    bench.wrk(ep + path, "PUT", body, h, type("B", (), {"threads": 1, "connections": conns, "duration": 1}))
    pid = srv.proc.pid
    def cpu():
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    pp = None
    if perf:
        pp = subprocess.Popen(["perf", "record"] + os.environ.get("PERFARGS", "-g -F 2000").split() + ["-o", perf, "-p", str(pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
    c0 = cpu()
    r = bench.wrk(ep + path, "PUT", body, h, A)
    c1 = cpu()
    if pp:
        pp.send_signal(2); pp.wait()
    n = r["requests"]
    print(f"size={size} mode={mode} req={n} rps={r['rps']:.0f} errors={r['errors']} "
          f"cpu={c1-c0:.2f}s us/req={(c1-c0)/n*1e6:.1f} "
          + (f"ms/MiB={(c1-c0)/n*1e3/(size/1048576):.2f}" if size >= 1 << 20 else ""))
finally:
    srv.stop()
    shutil.rmtree(tmp, ignore_errors=True)
