"""Start a real stratus for integration tests and talk to it with real clients.

Each test class gets its own stratus on a free loopback port (STRATUS_BIN names the binary; ctest
sets it). Clients are boto3 and the aws CLI, configured exactly as a user would point them at
Stratus: an endpoint URL and any credentials.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

import boto3
import botocore.config

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BIN = os.path.join(HERE, "..", "..", "build", "stratus")


def stratus_bin():
    return os.environ.get("STRATUS_BIN", DEFAULT_BIN)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def npm_folder(folder, package):
    """`folder` once `package` (e.g. "@aws-sdk/client-lambda") is installed in its node_modules (npm
    install of its package.json on first use), or None without node/npm or when npm fails."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None
    if not os.path.isdir(os.path.join(folder, "node_modules", *package.split("/"))):
        cp = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=folder,
                            capture_output=True, text=True, timeout=300)
        if cp.returncode != 0:
            return None
    return folder


def wait_until(pred, timeout=30, every=0.1):
    """Polls pred() until it is true (returns True) or the timeout passes (returns its last value)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(every)
    return pred()


def collect_sqs(sqs, url, want, pick, timeout=10):
    """Receives from the queue at `url` until `want` distinct values of pick(message) (an iterable
    of values per message) are collected or `timeout` passes; returns the set collected."""
    got = set()
    deadline = time.time() + timeout
    while len(got) < want and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.update(pick(m))
    return got


def error_code(fn):
    """The AWS error code fn() fails with (botocore ClientError), None when it succeeds."""
    import botocore.exceptions
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


def error_response(fn):
    """The whole botocore error response fn() fails with; AssertionError when it succeeds."""
    import botocore.exceptions
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response
    raise AssertionError("no error")


class Stratus:
    """One stratus process. data_dir=None means a fresh temporary directory."""

    def __init__(self, *args, data_dir=None, ephemeral=False, env=None):
        self.port = free_port()
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="stratus-test-")
        self.args = list(args)
        self.ephemeral = ephemeral
        self.env = env or {}
        self.proc = None
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self, timeout=15):
        cmd = [stratus_bin(), "serve", "--port", str(self.port), "--log-level", "warn"]
        cmd += ["--ephemeral"] if self.ephemeral else ["--data-dir", self.data_dir]
        cmd += self.args
        # SES's SMTP endpoint listens on 2525 by default: test instances run side by side, so it
        # is off unless a test names a port.
        if "--smtp-port" not in self.args:
            cmd += ["--smtp-port", "0"]
        # The same for the Parameters and Secrets Lambda extension's 2773.
        if "--extension-port" not in self.args:
            cmd += ["--extension-port", "0"]
        env = dict(os.environ)
        env.update(self.env)
        self.log = open(os.path.join(self.data_dir if not self.ephemeral else tempfile.gettempdir(),
                                     f"stratus-{self.port}.log"), "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                with open(self.log.name, "rb") as f:
                    tail = f.read()[-300:]
                if b"Address already in use" in tail and getattr(self, "_retries", 0) < 5:
                    # free_port() can race with other ephemeral binds (parallel tests): new port.
                    self._retries = getattr(self, "_retries", 0) + 1
                    self.port = free_port()
                    self.endpoint = f"http://127.0.0.1:{self.port}"
                    return self.start(timeout)
                raise RuntimeError(f"stratus exited with {self.proc.returncode}: {' '.join(cmd)}: {tail!r}")
            try:
                with urllib.request.urlopen(self.endpoint + "/_stratus/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("stratus did not become healthy")

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode if self.proc else None
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
        return code

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # `with Stratus().start() as s:` cleans up however the block ends.
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def client(self, service, region="us-east-1", key="test", secret="test", token=None, **cfg):
        config = botocore.config.Config(retries={"max_attempts": 1}, **cfg)
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            aws_access_key_id=key, aws_secret_access_key=secret,
                            aws_session_token=token, config=config)

    def aws(self, *args, key="test", secret="test", region="us-east-1", check=True):
        """Runs the aws CLI against this stratus; returns parsed JSON output (or raw text)."""
        env = dict(os.environ)
        env.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                    "AWS_DEFAULT_REGION": region, "AWS_PAGER": ""})
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_SESSION_TOKEN", None)
        cp = subprocess.run(["aws", "--endpoint-url", self.endpoint, "--output", "json", *args],
                            capture_output=True, text=True, env=env, timeout=60)
        if check and cp.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({cp.returncode}): {cp.stderr}")
        if not check:
            return cp
        try:
            return json.loads(cp.stdout) if cp.stdout.strip() else None
        except ValueError:
            return cp.stdout

    @property
    def strict(self):
        return "strict" in self.args and "--auth" in self.args

    def signed_headers(self, method, path, body=None, headers=None, key="test", secret="test",
                       service="stratus"):
        """Headers of a SigV4-signed request (by default with the root key pair of the harness)."""
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        req = botocore.awsrequest.AWSRequest(method=method, url=self.endpoint + path, data=body or b"",
                                             headers=dict(headers or {}))
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), service,
                                "us-east-1").add_auth(req)
        return dict(req.headers.items())

    def http(self, method, path, body=None, headers=None, timeout=10, sign=None):
        """A raw HTTP request; returns (status, headers dict (lower-case), body bytes).

        With --auth=strict, Stratus' admin endpoints (/_stratus/* but health) want the root key's
        signature: sign=None signs those, sign=False sends the request as it is."""
        if sign is None:
            sign = self.strict and path.startswith("/_stratus/") and not path.startswith("/_stratus/health")
        if sign:
            headers = self.signed_headers(method, path, body, headers)
        req = urllib.request.Request(self.endpoint + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


class StratusTestCase(unittest.TestCase):
    """A test class sharing one stratus (started in setUpClass, stopped in tearDownClass)."""

    stratus_args = ()
    ephemeral = False

    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus(*cls.stratus_args, ephemeral=cls.ephemeral).start()

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()
