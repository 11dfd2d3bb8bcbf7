"""The AWS Parameters and Secrets Lambda Extension: a Python function with AWS's layer ARN reads
a parameter (String and SecureString) and a secret through the extension's local HTTP API
(PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, X-Aws-Parameters-Secrets-Token), with the extension's
errors, its cache TTLs, and as the function's own role; and on the one shared loopback port
(AWS's 2773, `--extension-port`) where code that hard-codes http://localhost:2773 reaches it."""
import json
import socket
import unittest
import urllib.error
import urllib.request

from harness import StratusTestCase, free_port
from lambda_util import create, wait_for

LAYER = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:11"

# Calls the extension as AWS's documentation shows; the event names the path, the query and the
# token to send ("$" = the function's AWS_SESSION_TOKEN, None = no header).
FUNCTION = r"""
import json, os, urllib.request, urllib.error
def handler(event, context):
    port = event.get("port") or os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT") or os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")[1]
    url = "http://localhost:" + port + event["path"]
    headers = {}
    token = event.get("token", "$")
    if token == "$":
        headers["X-Aws-Parameters-Secrets-Token"] = os.environ["AWS_SESSION_TOKEN"]
    elif token is not None:
        headers["X-Aws-Parameters-Secrets-Token"] = token
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return {"status": r.status, "body": r.read().decode(), "port": port,
                    "env_port": os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"),
                    "own_port": os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")[1]}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": e.read().decode(), "port": port,
                "env_port": os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"),
                "own_port": os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")[1]}
"""


class ExtensionCalls:
    def call(self, fn, path, **kw):
        """The function's answer: it calls the extension's `path` (on `port`, with `token`)."""
        out = self.lam.invoke(FunctionName=fn, Payload=json.dumps(dict(path=path, **kw)).encode())
        body = json.loads(out["Payload"].read())
        self.assertNotIn("FunctionError", out, body)
        return body


class ParamsSecretsExtension(ExtensionCalls, StratusTestCase):
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = cls.stratus.client("lambda")
        cls.ssm = cls.stratus.client("ssm")
        cls.sm = cls.stratus.client("secretsmanager")
        cls.ssm.put_parameter(Name="/app/greeting", Value="hello", Type="String")
        cls.ssm.put_parameter(Name="/app/password", Value="s3cret-pw", Type="SecureString")
        cls.sm.create_secret(Name="app/db", SecretString='{"user":"admin","pass":"pw1"}')
        create(cls.lam, "ext-fn", {"app.py": FUNCTION}, Layers=[LAYER], Timeout=10)
        create(cls.lam, "ext-nocache", {"app.py": FUNCTION}, Layers=[LAYER], Timeout=10,
               Environment={"Variables": {"SSM_PARAMETER_STORE_TTL": "0", "SECRETS_MANAGER_TTL": "0"}})
        create(cls.lam, "no-ext", {"app.py": FUNCTION}, Timeout=10)

    def test_layer_listed_in_configuration(self):
        cfg = self.lam.get_function_configuration(FunctionName="ext-fn")
        self.assertEqual(cfg["Layers"][0]["Arn"], LAYER)

    def test_parameter(self):
        r = self.call("ext-fn", "/systemsmanager/parameters/get?name=%2Fapp%2Fgreeting")
        self.assertEqual(r["status"], 200, r)
        p = json.loads(r["body"])["Parameter"]
        self.assertEqual((p["Name"], p["Value"], p["Type"], p["Version"]), ("/app/greeting", "hello", "String", 1))
        # --extension-port 0 (the harness's default): the environment's own port, no shared one.
        self.assertEqual(r["port"], r["own_port"])

    def test_secure_string_with_decryption(self):
        r = self.call("ext-fn", "/systemsmanager/parameters/get?name=/app/password&withDecryption=true")
        self.assertEqual(json.loads(r["body"])["Parameter"]["Value"], "s3cret-pw")
        r = self.call("ext-fn", "/systemsmanager/parameters/get?name=/app/password")
        self.assertNotEqual(json.loads(r["body"])["Parameter"]["Value"], "s3cret-pw")

    def test_parameter_version_and_label(self):
        self.ssm.put_parameter(Name="/app/versioned", Value="v1", Type="String")
        self.ssm.put_parameter(Name="/app/versioned", Value="v2", Type="String", Overwrite=True)
        self.ssm.label_parameter_version(Name="/app/versioned", ParameterVersion=1, Labels=["old"])
        r = self.call("ext-fn", "/systemsmanager/parameters/get?name=/app/versioned&version=1")
        self.assertEqual(json.loads(r["body"])["Parameter"]["Value"], "v1")
        r = self.call("ext-fn", "/systemsmanager/parameters/get?name=/app/versioned&label=old")
        self.assertEqual(json.loads(r["body"])["Parameter"]["Selector"], ":old")
        r = self.call("ext-fn", "/systemsmanager/parameters/get?name=/app/versioned&label=old&version=1")
        self.assertEqual(r["status"], 400)

    def test_secret(self):
        r = self.call("ext-fn", "/secretsmanager/get?secretId=app/db")
        self.assertEqual(r["status"], 200, r)
        v = json.loads(r["body"])
        self.assertEqual(json.loads(v["SecretString"]), {"user": "admin", "pass": "pw1"})
        self.assertEqual(v["Name"], "app/db")
        self.assertIn("AWSCURRENT", v["VersionStages"])
        r = self.call("ext-fn", "/secretsmanager/get?secretId=app/db&versionStage=AWSPREVIOUS")
        self.assertEqual(r["status"], 400)
        self.assertEqual(json.loads(r["body"])["__type"], "ResourceNotFoundException")

    def test_errors(self):
        r = self.call("ext-fn", "/systemsmanager/parameters/get?name=/app/greeting", token=None)
        self.assertEqual(r["status"], 401)
        r = self.call("ext-fn", "/secretsmanager/get?secretId=app/db", token="not-the-token")
        self.assertEqual(r["status"], 401)
        r = self.call("ext-fn", "/systemsmanager/parameters/get")
        self.assertEqual(r["status"], 400)
        r = self.call("ext-fn", "/secretsmanager/get")
        self.assertEqual(r["status"], 400)
        r = self.call("ext-fn", "/systemsmanager/parameters/get?name=/nope")
        self.assertEqual(r["status"], 400)
        self.assertEqual(json.loads(r["body"])["__type"], "ParameterNotFound")
        r = self.call("ext-fn", "/secretsmanager/list")
        self.assertEqual(r["status"], 404)
        # Without the layer there is no extension (nor its variable).
        r = self.call("no-ext", "/secretsmanager/get?secretId=app/db")
        self.assertEqual(r["status"], 404)

    def test_runs_as_the_function_role(self):
        # The function's execution role session is the caller: a resource policy denying the role
        # refuses the extension's call (and the error passes through).
        self.sm.create_secret(Name="not-for-lambda", SecretString="x")
        self.sm.put_resource_policy(SecretId="not-for-lambda", ResourcePolicy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::000000000000:role/lambda-role"},
                "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}))
        r = self.call("ext-fn", "/secretsmanager/get?secretId=not-for-lambda")
        self.assertEqual(r["status"], 400)
        body = json.loads(r["body"])
        self.assertEqual(body["__type"], "AccessDeniedException")
        self.assertIn("arn:aws:sts::000000000000:assumed-role/lambda-role/ext-fn", body["message"])

    def test_cache_ttl(self):
        self.ssm.put_parameter(Name="/app/cached", Value="first", Type="String")
        self.sm.create_secret(Name="app/cached", SecretString="first")
        for fn in ("ext-fn", "ext-nocache"):
            self.call(fn, "/systemsmanager/parameters/get?name=/app/cached")
            self.call(fn, "/secretsmanager/get?secretId=app/cached")
        self.ssm.put_parameter(Name="/app/cached", Value="second", Type="String", Overwrite=True)
        self.sm.put_secret_value(SecretId="app/cached", SecretString="second")
        # Default TTL 300 s: the cached answer; TTL 0: the new value.
        val = lambda fn: json.loads(self.call(fn, "/systemsmanager/parameters/get?name=/app/cached")["body"])
        self.assertEqual(val("ext-fn")["Parameter"]["Value"], "first")
        self.assertEqual(val("ext-nocache")["Parameter"]["Value"], "second")
        sec = lambda fn: json.loads(self.call(fn, "/secretsmanager/get?secretId=app/cached")["body"])
        self.assertEqual(sec("ext-fn")["SecretString"], "first")
        self.assertEqual(sec("ext-nocache")["SecretString"], "second")


def get(port, path, token):
    """The extension's API called from outside any function: (status, JSON body)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 headers={"X-Aws-Parameters-Secrets-Token": token} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class SharedPortBase(ExtensionCalls, StratusTestCase):
    """One listener for every function; the token names the caller."""
    ephemeral = True
    port = None  # the --extension-port the class asks for

    @classmethod
    def setUpClass(cls):
        cls.stratus_args = ("--extension-port", str(cls.port))
        super().setUpClass()
        cls.lam = cls.stratus.client("lambda")
        cls.stratus.client("ssm").put_parameter(Name="/shared/p", Value="on-the-port", Type="String")
        cls.stratus.client("secretsmanager").create_secret(Name="shared/s", SecretString="sec")
        create(cls.lam, "ext-a", {"app.py": FUNCTION}, Layers=[LAYER], Timeout=10)
        create(cls.lam, "ext-b", {"app.py": FUNCTION}, Layers=[LAYER], Timeout=10,
               Environment={"Variables": {"SSM_PARAMETER_STORE_TTL": "0"}})
        create(cls.lam, "plain", {"app.py": FUNCTION}, Timeout=10)

    def check_shared_port(self, port):
        # The literal port, as AWS's examples hard-code it; the variable names it too.
        for fn in ("ext-a", "ext-b"):
            r = self.call(fn, "/systemsmanager/parameters/get?name=/shared/p", port=str(port))
            self.assertEqual(r["status"], 200, r)
            self.assertEqual(json.loads(r["body"])["Parameter"]["Value"], "on-the-port")
            self.assertEqual(r["env_port"], str(port))
            r = self.call(fn, "/secretsmanager/get?secretId=shared/s", port=str(port))
            self.assertEqual(json.loads(r["body"])["SecretString"], "sec")
            # The environment's own port still answers.
            r = self.call(fn, "/secretsmanager/get?secretId=shared/s", port=r["own_port"])
            self.assertEqual(r["status"], 200, r)
        # Tokens: none, unknown, and a function's without the layer are refused.
        r = self.call("ext-a", "/secretsmanager/get?secretId=shared/s", port=str(port), token=None)
        self.assertEqual(r["status"], 401)
        r = self.call("ext-a", "/secretsmanager/get?secretId=shared/s", port=str(port), token="forged")
        self.assertEqual(r["status"], 401)
        self.assertEqual(json.loads(r["body"])["__type"], "UnauthorizedException")
        r = self.call("plain", "/secretsmanager/get?secretId=shared/s", port=str(port))
        self.assertEqual(r["status"], 401)
        self.assertIsNone(r["env_port"])
        self.assertEqual(get(port, "/secretsmanager/get?secretId=shared/s", None)[0], 401)
        # The caller is the function the token names: its role, its cache settings (ext-b: TTL 0).
        self.stratus.client("ssm").put_parameter(Name="/shared/p", Value="changed", Type="String", Overwrite=True)
        val = lambda fn: json.loads(self.call(fn, "/systemsmanager/parameters/get?name=/shared/p",
                                              port=str(port))["body"])["Parameter"]["Value"]
        self.assertEqual(val("ext-a"), "on-the-port")
        self.assertEqual(val("ext-b"), "changed")
        self.stratus.client("ssm").put_parameter(Name="/shared/p", Value="on-the-port", Type="String",
                                                  Overwrite=True)


class SharedPortChosen(SharedPortBase):
    """--extension-port N: a free port, so this runs whatever else holds 2773."""
    port = free_port()

    def test_literal_port(self):
        self.check_shared_port(self.port)


class SharedPort2773(SharedPortBase):
    """The default, 2773: the assertion on the literal port is skipped when another process (a
    parallel test's Stratus, a real extension) held 2773 when this Stratus started; then the
    fallback must work: the variable names the environment's own port."""
    port = 2773

    def test_localhost_2773(self):
        r = self.call("ext-a", "/systemsmanager/parameters/get?name=/shared/p")
        self.assertEqual(r["status"], 200, r)
        if r["env_port"] != "2773":
            self.assertEqual(r["env_port"], r["own_port"])
            self.skipTest("another process held 127.0.0.1:2773 when this test's Stratus started")
        self.check_shared_port(2773)


class SharedPortTaken(ExtensionCalls, StratusTestCase):
    """The port is held by another process at start: one warning, each environment's own port."""
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        cls.holder = socket.socket()
        cls.holder.bind(("127.0.0.1", 0))
        cls.holder.listen(1)
        cls.stratus_args = ("--extension-port", str(cls.holder.getsockname()[1]))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.holder.close()

    def test_fallback(self):
        self.lam = self.stratus.client("lambda")
        self.stratus.client("ssm").put_parameter(Name="/fb", Value="v", Type="String")
        create(self.lam, "ext-fb", {"app.py": FUNCTION}, Layers=[LAYER], Timeout=10)
        r = self.call("ext-fb", "/systemsmanager/parameters/get?name=/fb")
        self.assertEqual(r["status"], 200, r)
        self.assertEqual(r["env_port"], r["own_port"])
        self.assertNotEqual(r["env_port"], str(self.holder.getsockname()[1]))
        with open(self.stratus.log.name, "rb") as f:
            log = f.read().decode(errors="replace")
        self.assertEqual(log.count("Parameters and Secrets extension cannot listen"), 1, log[-2000:])


if __name__ == "__main__":
    unittest.main()
