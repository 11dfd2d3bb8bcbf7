#!/usr/bin/env python3
"""Sign up, say hello, end to end: deploys examples/user-signup-hello on a fresh stratus, then
measures
  1. the journey the web page makes, one user after another, through boto3 instead of a browser:
     SignUp -> the code from the mailbox -> ConfirmSignUp -> login -> identity pool GetId and
     GetCredentialsForIdentity -> the two save functions invoked with those credentials -> the
     hello page answering 200 once the name reached Parameter Store through the table's stream
     (users/s, p50/p99 ms per user);
  2. GET /hello/{username} under wrk (API Gateway, Lambda python, SSM GetParameter).
moto_server cannot run this application (its Lambda needs Docker).

Usage: bench/user_signup_hello.py STRATUS_BIN [--users 30] [--duration 5]
Reproduce: make bench
"""
import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

from bench import wrk
from example_app import code_for, deployed, pct
from readme import update_readme

REGION = "us-east-1"




def ok(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status == 200
    except urllib.error.HTTPError:
        return False


def run(args):
    with deployed(args.stratus, "user-signup-hello") as (endpoint, out):
        found = dict(re.findall(r"^(user pool|identity pool|hello API): (\S+)$", out, re.M))
        pool_id, identity_pool = found["user pool"], found["identity pool"]
        api = found["hello API"].replace("/{username}", "")
        cfg = Config(retries={"max_attempts": 0})
        anon = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test",
                    config=cfg)
        idp, ident = boto3.client("cognito-idp", **anon), boto3.client("cognito-identity", **anon)
        client_id = [c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"]][0]

        def journey(i):
            user, email, password = f"user{i}", f"user{i}@example.com", "Passw0rd!x"
            idp.sign_up(ClientId=client_id, Username=user, Password=password,
                        UserAttributes=[{"Name": "email", "Value": email}])
            idp.confirm_sign_up(ClientId=client_id, Username=user, ConfirmationCode=code_for(endpoint, email))
            tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": user, "PASSWORD": password})["AuthenticationResult"]
            logins = {f"cognito-idp.{REGION}.amazonaws.com/{pool_id}": tokens["IdToken"]}
            identity = ident.get_id(IdentityPoolId=identity_pool, Logins=logins)["IdentityId"]
            creds = ident.get_credentials_for_identity(IdentityId=identity, Logins=logins)["Credentials"]
            lam = boto3.client("lambda", endpoint_url=endpoint, region_name=REGION, config=cfg,
                               aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                               aws_session_token=creds["SessionToken"])
            payload = json.dumps({"username": user, "email": email, "identityId": identity}).encode()
            for fn in ("SaveUserToDynamoDB", "SaveUserToS3"):
                if "FunctionError" in lam.invoke(FunctionName=fn, Payload=payload):
                    raise RuntimeError(fn + " failed")
            for _ in range(3000):
                if ok(f"{api}/{user}"):
                    return user
                time.sleep(0.005)
            raise RuntimeError("no hello page for " + user)

        journey("warm")  # cold starts are not measured
        times = []
        for i in range(args.users):
            t = time.perf_counter()
            user = journey(i)
            times.append((time.perf_counter() - t) * 1000)
        signup = {"per_s": len(times) / (sum(times) / 1000), "p50": pct(times, 50), "p99": pct(times, 99)}
        wrk(f"{api}/{user}", "GET", b"", {}, args)  # warm
        page = wrk(f"{api}/{user}", "GET", b"", {}, args)
        return signup, page


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stratus")
    ap.add_argument("--users", type=int, default=30)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    signup, page = run(args)
    rows = ["| sign up, say hello | per second | p50 / p99 ms | errors |", "|---|---:|---:|---:|",
            f"| one user's journey (sign-up, code from mailbox, confirm, login, identity pool credentials, two "
            f"Lambda invokes, stream → Parameter Store, hello page answers), one user at a time | "
            f"{signup['per_s']:.1f} users | {signup['p50']:.0f} / {signup['p99']:.0f} | 0 |",
            f"| GET /hello/{{username}} (API Gateway, Lambda python, SSM), {args.connections} connections | "
            f"{page['rps']:.0f} | {page['p50']:.1f} / {page['p99']:.1f} | {page['errors']} |"]
    table = "\n".join(rows)
    print(table)
    stamp = (f"Measured {time.strftime('%Y-%m-%d')} by `make bench` (bench/user_signup_hello.py), {os.cpu_count()} "
             "cores, loopback. moto_server cannot run this application: its Lambda needs Docker.")
    update_readme("hello-bench", table, stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
