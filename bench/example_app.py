"""What the example-application benchmarks share: a fresh stratus with one example deployed by its
own deploy.sh, percentiles, and the verification code a sign-up's email carries."""
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

from bench import free_port

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")


@contextlib.contextmanager
def deployed(stratus_bin, example, env=None):
    """Starts stratus on a fresh data directory, runs examples/<example>/deploy.sh against it and
    yields (endpoint, deploy.sh's output); stops stratus and removes its data afterwards."""
    tmp = tempfile.mkdtemp(prefix=f"stratus-{example}-")
    port = free_port()
    proc = subprocess.Popen([stratus_bin, "serve", "--port", str(port), "--data-dir", tmp, "--log-level", "off",
                             "--smtp-port", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(500):
            try:
                urllib.request.urlopen(endpoint + "/_stratus/health", timeout=1)
                break
            except OSError:
                time.sleep(0.01)
        full_env = dict(os.environ, STRATUS_ENDPOINT=endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                        AWS_DEFAULT_REGION="us-east-1", **(env or {}))
        out = subprocess.run(["bash", os.path.join(EXAMPLES, example, "deploy.sh")], capture_output=True, text=True,
                             env=full_env, check=True).stdout
        yield endpoint, out
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


def code_for(endpoint, email, tries=1000):
    """The 6-digit code of the newest email to `email` in the mailbox, waiting for it."""
    for _ in range(tries):
        with urllib.request.urlopen(f"{endpoint}/_stratus/mailbox?recipient={email}", timeout=5) as r:
            msgs = json.loads(r.read())["messages"]
        if msgs:
            return re.search(r"\b(\d{6})\b", msgs[-1]["body"]).group(1)
        time.sleep(0.005)
    raise RuntimeError("no verification email for " + email)
