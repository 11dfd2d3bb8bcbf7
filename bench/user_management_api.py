#!/usr/bin/env python3
"""The user-management API, end to end: deploys examples/user-management-api on a fresh stratus,
then measures the application's two paths:
  1. sign-up: SignUp -> the code from the mailbox -> ConfirmSignUp (the PostConfirmation trigger
     publishes to SNS) -> USER_PASSWORD_AUTH login, one user after another (users/s, p50/p99 ms
     per user);
  2. the API with a real ID token: GET /users/{id} and PUT /users/{id} through the Cognito
     authorizer, the Lambda proxy integration (Python) and DynamoDB, under wrk (requests/s,
     p50/p99 ms).
moto_server cannot run this application (its Lambda needs Docker).

Usage: bench/user_management_api.py STRATUS_BIN [--users 50] [--duration 5] [--connections 16]
Reproduce: make bench
"""
import argparse
import json
import os
import re
import sys
import time
import urllib.request

import boto3
from botocore.config import Config

from bench import wrk
from example_app import code_for, deployed, pct
from readme import update_readme





def run(args):
    with deployed(args.stratus, "user-management-api") as (endpoint, out):
        found = dict(re.findall(r"^(app client|invoke URL): (\S+)$", out, re.M))
        client_id, url = found["app client"], found["invoke URL"]
        idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test", config=Config(retries={"max_attempts": 0}))

        # 1. sign-up journeys, one after another
        times, token = [], None
        for i in range(args.users):
            t = time.perf_counter()
            user, email, password = f"user{i}", f"user{i}@example.com", "Passw0rd!x"
            idp.sign_up(ClientId=client_id, Username=user, Password=password,
                        UserAttributes=[{"Name": "email", "Value": email}])
            idp.confirm_sign_up(ClientId=client_id, Username=user, ConfirmationCode=code_for(endpoint, email))
            token = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": user, "PASSWORD": password}
                                      )["AuthenticationResult"]["IdToken"]
            times.append((time.perf_counter() - t) * 1000)
        signup = {"per_s": len(times) / (sum(times) / 1000), "p50": pct(times, 50), "p99": pct(times, 99)}

        # 2. the API with the last user's token: create the profile, then read and update it under wrk
        req = urllib.request.Request(url, method="POST", data=b'{"displayName": "bench"}',
                                     headers={"Authorization": token, "Content-Type": "application/json"})
        user_id = json.loads(urllib.request.urlopen(req, timeout=30).read())["userId"]
        headers = {"Authorization": token, "Content-Type": "application/json"}
        # Warm both functions first (cold starts are not measured).
        wrk(f"{url}/{user_id}", "GET", b"", headers, args)
        wrk(f"{url}/{user_id}", "PUT", b'{"bio": "warm"}', headers, args)
        get = wrk(f"{url}/{user_id}", "GET", b"", headers, args)
        put = wrk(f"{url}/{user_id}", "PUT", b'{"bio": "benchmarked"}', headers, args)
        return signup, get, put


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stratus")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    signup, get, put = run(args)
    rows = ["| user-management API | per second | p50 / p99 ms | errors |", "|---|---:|---:|---:|",
            f"| sign-up → code from mailbox → confirm (SNS notice) → login, one user at a time | "
            f"{signup['per_s']:.0f} users | {signup['p50']:.1f} / {signup['p99']:.1f} | 0 |"]
    for name, r in (("GET /users/{id}", get), ("PUT /users/{id}", put)):
        rows.append(f"| {name} (Cognito authorizer → Lambda python → DynamoDB), {args.connections} connections | "
                    f"{r['rps']:.0f} requests | {r['p50']:.1f} / {r['p99']:.1f} | {r['errors']} |")
    table = "\n".join(rows)
    print(table)
    stamp = (f"Measured {time.strftime('%Y-%m-%d')} by `make bench` (bench/user_management_api.py), {os.cpu_count()} "
             "cores, loopback. moto_server cannot run this application: its Lambda needs Docker.")
    update_readme("users-bench", table, stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
