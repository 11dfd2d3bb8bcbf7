"""STS AssumeRoleWithWebIdentity through boto3, the aws CLI and boto3's web-identity credential
chain, against a stratus with --auth=strict (the operation itself is anonymous, as on AWS)."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import boto3
import botocore.config
from botocore import UNSIGNED

from harness import StratusTestCase

ROLE = "arn:aws:iam::123456789012:role/ci-deploy"


def b64url(d):
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()


def jwt(**claims):
    base = {"iss": "https://token.actions.githubusercontent.com", "sub": "repo:org/app:ref:refs/heads/main",
            "aud": "sts.amazonaws.com", "exp": int(time.time()) + 600, "iat": int(time.time())}
    base.update(claims)
    base = {k: v for k, v in base.items() if v is not None}
    return b64url({"alg": "RS256", "typ": "JWT", "kid": "k1"}) + "." + b64url(base) + ".c2lnbmF0dXJl"


class StsWebIdentity(StratusTestCase):
    stratus_args = ("--auth", "strict")

    def anon_sts(self, validate=True):
        return boto3.client("sts", endpoint_url=self.stratus.endpoint, region_name="us-east-1",
                            config=botocore.config.Config(signature_version=UNSIGNED, retries={"max_attempts": 1},
                                                          parameter_validation=validate))

    def test_boto3_and_credentials_sign(self):
        out = self.anon_sts().assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="gh-run",
                                                            WebIdentityToken=jwt(), DurationSeconds=900)
        c = out["Credentials"]
        self.assertTrue(c["AccessKeyId"].startswith("ASIA"))
        self.assertEqual(out["SubjectFromWebIdentityToken"], "repo:org/app:ref:refs/heads/main")
        self.assertEqual(out["Audience"], "sts.amazonaws.com")
        self.assertEqual(out["Provider"], "https://token.actions.githubusercontent.com")
        self.assertEqual(out["AssumedRoleUser"]["Arn"], "arn:aws:sts::123456789012:assumed-role/ci-deploy/gh-run")
        self.assertTrue(out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA"))
        self.assertTrue(out["AssumedRoleUser"]["AssumedRoleId"].endswith(":gh-run"))
        remaining = c["Expiration"].timestamp() - time.time()
        self.assertTrue(800 < remaining <= 901, remaining)
        # The credentials sign requests (strict mode verifies them).
        sts = self.stratus.client("sts", key=c["AccessKeyId"], secret=c["SecretAccessKey"], token=c["SessionToken"])
        who = sts.get_caller_identity()
        self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/ci-deploy/gh-run")
        self.assertEqual(who["Account"], "123456789012")
        # A list audience: the first one.
        out = self.anon_sts().assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="s2",
                                                            WebIdentityToken=jwt(aud=["a1", "a2"]))
        self.assertEqual(out["Audience"], "a1")

    def test_errors(self):
        sts = self.anon_sts(validate=False)

        def code(token, **kw):
            try:
                sts.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="s1", WebIdentityToken=token, **kw)
            except sts.exceptions.ClientError as e:
                return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], \
                    e.response["Error"]["Message"]
            return None
        self.assertEqual(code("not-a-jwt")[:2], ("InvalidIdentityToken", 400))
        self.assertEqual(code("a.b.c")[:2], ("InvalidIdentityToken", 400))
        self.assertEqual(code(jwt(sub=None))[:2], ("InvalidIdentityToken", 400))
        self.assertEqual(code(jwt(iss=None))[:2], ("InvalidIdentityToken", 400))
        c = code(jwt(exp=int(time.time()) - 60))
        self.assertEqual(c[:2], ("ExpiredTokenException", 400))
        self.assertIn("Token expired", c[2])
        self.assertEqual(code(jwt(), Policy="{not json")[:2], ("MalformedPolicyDocument", 400))
        self.assertEqual(code(jwt(), DurationSeconds=100)[:2], ("ValidationError", 400))

    def test_cli(self):
        env = dict(os.environ, AWS_PAGER="", AWS_DEFAULT_REGION="us-east-1")
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.pop(k, None)
        env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
        cp = subprocess.run(["aws", "--endpoint-url", self.stratus.endpoint, "--output", "json",
                             "sts", "assume-role-with-web-identity", "--role-arn", ROLE,
                             "--role-session-name", "cli", "--web-identity-token", jwt()],
                            capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        out = json.loads(cp.stdout)
        self.assertEqual(out["AssumedRoleUser"]["Arn"], "arn:aws:sts::123456789012:assumed-role/ci-deploy/cli")

    def test_credential_chain(self):
        with tempfile.NamedTemporaryFile("w", suffix=".jwt", delete=False) as f:
            f.write(jwt())
        try:
            env = dict(os.environ, AWS_WEB_IDENTITY_TOKEN_FILE=f.name, AWS_ROLE_ARN=ROLE,
                       AWS_ROLE_SESSION_NAME="chain", AWS_ENDPOINT_URL=self.stratus.endpoint,
                       AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/nonexistent",
                       AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_EC2_METADATA_DISABLED="true")
            for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
                env.pop(k, None)
            code = ("import boto3; s = boto3.Session(); "
                    "print(s.get_credentials().method); print(s.client('sts').get_caller_identity()['Arn'])")
            cp = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
            self.assertEqual(cp.returncode, 0, cp.stderr)
            method, arn = cp.stdout.split()
            self.assertEqual(method, "assume-role-with-web-identity")
            self.assertEqual(arn, "arn:aws:sts::123456789012:assumed-role/ci-deploy/chain")
        finally:
            os.unlink(f.name)

    def test_registered_provider_checks_the_audience(self):
        iam = self.stratus.client("iam")
        iam.create_open_id_connect_provider(Url="https://issuer.example/realm", ClientIDList=["app-1", "app-2"])
        role = "arn:aws:iam::000000000000:role/oidc"
        sts = self.anon_sts()
        token = jwt(iss="https://issuer.example/realm", aud="app-2")
        out = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="ok", WebIdentityToken=token)
        self.assertEqual(out["Audience"], "app-2")
        with self.assertRaises(sts.exceptions.InvalidIdentityTokenException) as cm:
            sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="no",
                                              WebIdentityToken=jwt(iss="https://issuer.example/realm", aud="other"))
        self.assertEqual(cm.exception.response["Error"]["Message"], "Incorrect token audience")
        # another account has no provider for that issuer: accepted (see README)
        sts.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="other",
                                          WebIdentityToken=jwt(iss="https://issuer.example/realm", aud="other"))

    def test_other_operations_still_need_a_signature(self):
        with self.assertRaises(Exception) as cm:
            self.anon_sts().get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "MissingAuthenticationToken")


if __name__ == "__main__":
    unittest.main()
