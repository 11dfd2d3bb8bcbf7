#!/usr/bin/env python3
"""Full SRP logins per second (issue 18: "a full SRP login (two round trips) >= 1,000/s"), stratus
and moto_server side by side in one run.

A login is what amazon-cognito-identity-js does: InitiateAuth USER_SRP_AUTH with SRP_A, then
RespondToAuthChallenge PASSWORD_VERIFIER with the HMAC of the derived key; it counts only when
the answer carries tokens. The clients are --procs processes on the same two cores as the server,
each on one keep-alive connection; their 3072-bit exponentiations go through OpenSSL (ctypes:
Python's pow() takes ~35 ms for one, which would measure the client). Besides the rate, the row's
note states the server's CPU time per login, read from /proc.

moto_server does not check the password proof (any signature gets tokens), so its rate is the
cost of its two round trips only; and it answers UserNotFoundException to the USERNAME that
amazon-cognito-identity-js sends back (USER_ID_FOR_SRP, the user's sub), so its clients send the
sign-in name instead.

    python3 bench/cognito_srp.py build/stratus [--duration 10] [--procs 4] [--merge]
"""
import argparse
import ctypes
import ctypes.util
import http.client
import json
import multiprocessing
import os
import secrets
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(HERE, "..", "tests", "integration"))
from bench import client, cpu_seconds, merge_rows, pair_servers, ratio_row  # noqa: E402
from test_cognito import G, N, password_verifier  # noqa: E402  (the tests' client side of SRP)

PASSWORD = "Correct-Horse-9!"


class _Bn:
    """modexp through OpenSSL's BN_mod_exp (libcrypto is on every machine Stratus builds on)."""

    def __init__(self):
        c = ctypes.CDLL(ctypes.util.find_library("crypto"))
        vp = ctypes.c_void_p
        for name, res, args in (("BN_new", vp, []), ("BN_CTX_new", vp, []),
                                ("BN_bin2bn", vp, [ctypes.c_char_p, ctypes.c_int, vp]),
                                ("BN_bn2bin", ctypes.c_int, [vp, ctypes.c_char_p]),
                                ("BN_num_bits", ctypes.c_int, [vp]), ("BN_mod_exp", ctypes.c_int, [vp] * 5),
                                ("BN_free", None, [vp])):
            f = getattr(c, name)
            f.restype, f.argtypes = res, args
        self.c, self.ctx = c, vp(c.BN_CTX_new())

    def _bn(self, x):
        b = x.to_bytes((x.bit_length() + 7) // 8 or 1, "big")
        return self.c.BN_bin2bn(b, len(b), None)

    def modexp(self, b, e, m):
        c = self.c
        B, E, M, R = self._bn(b), self._bn(e), self._bn(m), c.BN_new()
        c.BN_mod_exp(R, B, E, M, self.ctx)
        buf = ctypes.create_string_buffer((c.BN_num_bits(R) + 7) // 8)
        c.BN_bn2bin(R, buf)
        for x in (B, E, M, R):
            c.BN_free(x)
        return int.from_bytes(buf.raw, "big")


def setup(ep):
    idp = client(ep, "cognito-idp")
    pool = idp.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pool, ClientName="web",
                                      ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])[
        "UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="ada", MessageAction="SUPPRESS", TemporaryPassword="Temp-Pass-123!")
    idp.admin_set_user_password(UserPoolId=pool, Username="ada", Password=PASSWORD, Permanent=True)
    return pool, cid


def call(conn, target, body):
    conn.request("POST", "/", json.dumps(body), {"Content-Type": "application/x-amz-json-1.1",
                                                "X-Amz-Target": "AWSCognitoIdentityProviderService." + target})
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"{}")


def worker(args):
    port, pool, cid, until, login_name = args
    bn = _Bn()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat, errors = [], 0
    while time.time() < until:
        t0 = time.perf_counter()
        a = secrets.randbits(256)
        A = bn.modexp(G, a, N)
        st, r = call(conn, "InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": cid,
                                            "AuthParameters": {"USERNAME": "ada", "SRP_A": format(A, "x")}})
        if st != 200 or r.get("ChallengeName") != "PASSWORD_VERIFIER":
            errors += 1
            continue
        st, r = call(conn, "RespondToAuthChallenge",
                     {"ClientId": cid, "ChallengeName": "PASSWORD_VERIFIER", "Session": r.get("Session"),
                      "ChallengeResponses": dict(password_verifier(pool, r["ChallengeParameters"], a, A, PASSWORD,
                                                                   modexp=bn.modexp),
                                                 **({"USERNAME": "ada"} if login_name else {}))})
        if st != 200 or "AuthenticationResult" not in r:
            errors += 1
            continue
        lat.append((time.perf_counter() - t0) * 1000)
    return lat, errors


def measure(ep, pid, procs, duration, login_name=False):
    pool, cid = setup(ep)
    port = int(ep.rsplit(":", 1)[1])
    worker((port, pool, cid, time.time() + 0.5, login_name))  # warm-up: connections, caches
    c0, t0 = cpu_seconds(pid), time.time()
    with multiprocessing.Pool(procs) as p:
        parts = p.map(worker, [(port, pool, cid, time.time() + duration, login_name)] * procs)
    wall, cpu = time.time() - t0, cpu_seconds(pid) - c0
    lat = sorted(x for part, _ in parts for x in part)
    errors = sum(e for _, e in parts)
    pct = lambda q: lat[min(len(lat) - 1, int(len(lat) * q / 100))] if lat else float("nan")
    return {"rps": len(lat) / wall, "p50": pct(50), "p99": pct(99), "errors": errors,
            "requests": len(lat) + errors, "cpu_ms": cpu * 1000 / max(1, len(lat))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stratus")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--merge", action="store_true", help="put the row into results.md and README")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="stratus-srp-")
    try:
        s, sep, m, mep = pair_servers(args, tmp, "srp")
        try:
            r = {"stratus": measure(sep, s.proc.pid, args.procs, args.duration),
                 "moto": measure(mep, m.proc.pid, args.procs, args.duration, login_name=True)}
        finally:
            s.stop()
            m.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = ratio_row("cognito-idp full SRP login (USER_SRP_AUTH + PASSWORD_VERIFIER, logins/s)",
                     r["stratus"], r["moto"])
    print("\n".join(rows))
    print(f"server CPU per login: stratus {r['stratus']['cpu_ms']:.2f} ms, moto {r['moto']['cpu_ms']:.2f} ms")
    if args.merge:
        cmd = "python3 bench/cognito_srp.py build/stratus --merge" + \
              (f" --duration {args.duration}" if args.duration != 10 else "") + \
              (f" --procs {args.procs}" if args.procs != 4 else "")
        merge_rows(rows, f"Rows `cognito_srp.py`: measured {time.strftime('%Y-%m-%d')} by `{cmd}`: {args.procs} "
                         f"client processes (OpenSSL modexp) on the same 2 cores, one keep-alive connection each; "
                         f"server CPU per login: stratus {r['stratus']['cpu_ms']:.2f} ms, moto "
                         f"{r['moto']['cpu_ms']:.2f} ms (moto does not check the proof).")


if __name__ == "__main__":
    main()
