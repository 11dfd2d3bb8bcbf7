"""Helpers shared by the Lambda tests: deployment packages built in memory."""
import io
import time
import zipfile

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def zip_files(files):
    """A zip of {name: text}; every entry is rwxr-xr-x like a package built on Linux."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
    return buf.getvalue()


PY_ECHO = """
import json, os
def handler(event, context):
    return {"event": event, "request_id": context.aws_request_id}
"""

def sh_bootstrap(reply, log=""):
    """A provided-runtime bootstrap in bash speaking the Runtime API with curl: it answers each
    event with `reply` and prints `log` (shell words in which $EVENT is the event)."""
    return """#!/bin/bash
set -euo pipefail
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  H="$(mktemp)"
  EVENT=$(curl -sS -D "$H" "$API/invocation/next")
  ID=$(grep -i lambda-runtime-aws-request-id "$H" | tr -d '[:space:]' | cut -d: -f2)
  rm -f "$H"
  %s
  curl -sS -X POST "$API/invocation/$ID/response" -d "%s" > /dev/null
done
""" % ('echo "%s"' % log if log else ":", reply)


# A provided-runtime function: a shell bootstrap echoing events.
SH_ECHO_BOOTSTRAP = sh_bootstrap("$EVENT", log="shell got $EVENT")


def wait_for(pred, timeout=30, interval=0.05):
    """pred() once it is truthy (polling), or its last value after timeout seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()


def create(client, name, files, runtime="python3.12", handler="app.handler", **kw):
    return client.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                                  Code={"ZipFile": zip_files(files)}, **kw)


def procs_with_arg(arg):
    """Host pids of the processes whose command line has `arg` as one of its words."""
    import os
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                words = f.read().split(b"\0")
        except OSError:
            continue
        if arg.encode() in words:
            found.append(int(name))
    return found


# A Python handler that leaves a daemon behind the way a careless library would: fork, setsid()
# (a new session and process group: out of reach of kill(-pgid)), fork again, and exec
# `sleep <event["marker"]>` in the grandchild. With event["crash"] the runtime dies instead.
DOUBLE_FORK = """
import os
def handler(event, context):
    if event.get("crash"):
        os._exit(3)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", event["marker"]])
        os._exit(0)
    os.waitpid(pid, 0)
    return "left a daemon"
"""
