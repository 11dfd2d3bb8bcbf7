"""Which interpreter runs a runtime identifier: explicit mappings (--runtime RUNTIME=PATH and
STRATUS_RUNTIME_<ID>), the declared version when the host has it, another version said so in the
function's log stream and in Stratus' output; GetFunction keeps the declared runtime. And AWS's
runtime deprecation policy on CreateFunction / updates."""
import os
import stat
import subprocess
import tempfile
import unittest

from harness import Stratus
from lambda_util import ROLE, create, wait_for, zip_files

PY_VERSION = """
import os, sys
def handler(event, context):
    return {"version": "%d.%d" % sys.version_info[:2], "wrapper": os.environ.get("VIA_WRAPPER")}
"""

NODE_VERSION = """
exports.handler = async () => ({ version: process.versions.node, wrapper: process.env.VIA_WRAPPER || null });
"""


def host_version(cmd, code):
    cp = subprocess.run([cmd, code[0], code[1]], capture_output=True, text=True)
    return cp.stdout.strip()


def wrapper(directory, name, target):
    """An interpreter wrapper that marks the processes it starts (VIA_WRAPPER=name)."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexport VIA_WRAPPER=%s\nexec %s \"$@\"\n" % (name, target))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class Runtimes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="stratus-runtimes-")
        cls.node = subprocess.run(["sh", "-c", "command -v node"], capture_output=True, text=True).stdout.strip()
        cls.python = subprocess.run(["sh", "-c", "command -v python3"], capture_output=True, text=True).stdout.strip()
        cls.node_version = host_version("node", ["-e", "console.log(process.versions.node)"])
        # The python3 that Stratus finds on PATH (pyenv's shim resolves to its real binary).
        cls.py_minor = host_version("python3", ["-c", "import sys;print('%d.%d' % sys.version_info[:2])"])
        py_wrapper = wrapper(cls.tmp, "py-wrapper", cls.python)
        node_wrapper = wrapper(cls.tmp, "node-wrapper", cls.node)
        # python3.12 and nodejs24.x mapped (flag and environment); nodejs22.x left to the search.
        cls.stratus = Stratus("--runtime", "python3.12=" + py_wrapper, ephemeral=True,
                              env={"STRATUS_RUNTIME_NODEJS24_X": node_wrapper}).start()
        cls.lam = cls.stratus.client("lambda")
        cls.logs = cls.stratus.client("logs")

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def invoke(self, name):
        r = self.lam.invoke(FunctionName=name)
        import json
        body = json.loads(r["Payload"].read())
        self.assertNotIn("FunctionError", r, body)
        return body

    def stratus_notes(self, name):
        def got():
            try:
                ev = self.logs.filter_log_events(logGroupName="/aws/lambda/" + name)["events"]
            except self.logs.exceptions.ResourceNotFoundException:
                return None
            return [e["message"] for e in ev]
        msgs = wait_for(lambda: (got() or [None]) if any("REPORT" in (m or "") for m in (got() or [])) else None)
        return [m for m in msgs if m and m.startswith("[stratus]")]

    def server_log(self):
        with open(self.stratus.log.name, "rb") as f:
            return f.read().decode(errors="replace")

    def test_mapped_by_flag(self):
        create(self.lam, "py312", {"app.py": PY_VERSION}, runtime="python3.12")
        out = self.invoke("py312")
        self.assertEqual(out["wrapper"], "py-wrapper")  # the mapped interpreter, as named
        self.assertEqual(self.lam.get_function(FunctionName="py312")["Configuration"]["Runtime"], "python3.12")
        notes = self.stratus_notes("py312")
        if self.py_minor == "3.12":
            self.assertEqual(notes, [])
        else:
            self.assertEqual(len(notes), 1, notes)
            self.assertIn("python3.12: the interpreter mapped by --runtime is Python " + self.py_minor, notes[0])
            # Stratus said so at start-up.
            self.assertIn("lambda: python3.12: the interpreter mapped by --runtime is Python " + self.py_minor,
                          self.server_log())

    def test_mapped_by_environment(self):
        create(self.lam, "node24", {"index.js": NODE_VERSION}, runtime="nodejs24.x", handler="index.handler")
        out = self.invoke("node24")
        self.assertEqual(out["wrapper"], "node-wrapper")
        self.assertEqual(out["version"], self.node_version)
        self.assertEqual(self.lam.get_function(FunctionName="node24")["Configuration"]["Runtime"], "nodejs24.x")
        notes = self.stratus_notes("node24")
        if not self.node_version.startswith("24."):
            self.assertEqual(len(notes), 1, notes)
            self.assertIn("nodejs24.x: the interpreter mapped by STRATUS_RUNTIME_NODEJS24_X is Node.js " +
                          self.node_version, notes[0])
        # Said once per function: a second invocation adds nothing.
        self.invoke("node24")
        self.assertEqual(len(self.stratus_notes("node24")), len(notes))

    def test_declared_version_found_on_the_host(self):
        rt = "python" + self.py_minor
        if rt in ("python3.8", "python3.9") or int(self.py_minor.split(".")[1]) < 10:
            self.skipTest("the host's python3 is a deprecated runtime")
        create(self.lam, "pyhost", {"app.py": PY_VERSION}, runtime=rt)
        out = self.invoke("pyhost")
        self.assertEqual(out["version"], self.py_minor)
        self.assertIsNone(out["wrapper"])
        self.assertEqual(self.stratus_notes("pyhost"), [])

    def test_other_version_runs_and_is_said(self):
        """nodejs22.x (or 24.x/26.x when the host has 22) without a mapping: the search runs it on
        the host's node when no Node.js of that major version is installed, and says so."""
        major = "22" if not self.node_version.startswith("22.") else "26"
        have = subprocess.run(["sh", "-c", "command -v node%s || ls -d $HOME/.nvm/versions/node/v%s.* 2>/dev/null"
                               % (major, major)], capture_output=True, text=True).stdout.strip()
        if have:
            self.skipTest("this host has Node.js " + major)
        name = "node" + major
        create(self.lam, name, {"index.js": NODE_VERSION}, runtime="nodejs%s.x" % major, handler="index.handler")
        out = self.invoke(name)
        self.assertEqual(out["version"], self.node_version)
        self.assertEqual(self.lam.get_function(FunctionName=name)["Configuration"]["Runtime"], "nodejs%s.x" % major)
        notes = self.stratus_notes(name)
        self.assertEqual(len(notes), 1, notes)
        self.assertIn("nodejs%s.x: no Node.js %s interpreter found; running on Node.js %s" %
                      (major, major, self.node_version), notes[0])
        self.assertIn("lambda: nodejs%s.x: no Node.js %s interpreter found" % (major, major), self.server_log())

    def test_bad_flag(self):
        cp = subprocess.run([self.stratus_bin(), "serve", "--ephemeral", "--runtime", "java21=/usr/bin/java"],
                            capture_output=True, text=True, timeout=20)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("unknown runtime java21", cp.stderr + cp.stdout)

    @staticmethod
    def stratus_bin():
        from harness import stratus_bin
        return stratus_bin()


class DeprecatedRuntimes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus(ephemeral=True).start()
        cls.lam = cls.stratus.client("lambda")

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def test_blocked_creation(self):
        for rt, instead in (("python3.8", "python3.14"), ("nodejs16.x", "nodejs24.x"), ("go1.x", "provided.al2023")):
            with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as cm:
                create(self.lam, "old-" + rt.replace(".", "-"), {"app.py": ""}, runtime=rt)
            self.assertEqual(cm.exception.response["Error"]["Message"],
                             "The runtime parameter of %s is no longer supported for creating or updating AWS Lambda "
                             "functions. We recommend you use the new runtime (%s) while creating or updating "
                             "functions." % (rt, instead))

    def test_deprecated_but_not_yet_blocked(self):
        # nodejs20.x was deprecated on 2026-04-30; creation is blocked from 2027-02-01.
        import time
        if time.time() >= 1801440000:
            self.skipTest("past nodejs20.x's block date")
        create(self.lam, "node20", {"index.js": "exports.handler = async () => 1;"}, runtime="nodejs20.x",
               handler="index.handler")
        self.lam.update_function_configuration(FunctionName="node20", Timeout=5)

    def test_switching_to_a_blocked_runtime(self):
        create(self.lam, "switch", {"app.py": "def handler(e, c):\n    return 1\n"})
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException):
            self.lam.update_function_configuration(FunctionName="switch", Runtime="python3.7")

    def test_unknown_runtime(self):
        with self.assertRaises(self.lam.exceptions.ClientError) as cm:
            create(self.lam, "weird", {"app.py": ""}, runtime="python9.9")
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertTrue(err["Message"].startswith("1 validation error detected: Value 'python9.9' at 'runtime' failed "
                                                  "to satisfy constraint: Member must satisfy enum value set: ["),
                        err["Message"])

    def test_aws_cli(self):
        with tempfile.NamedTemporaryFile(suffix=".zip") as f:
            f.write(zip_files({"app.py": ""}))
            f.flush()
            cp = self.stratus.aws("lambda", "create-function", "--function-name", "cli-old", "--runtime", "nodejs14.x",
                                  "--handler", "index.handler", "--role", ROLE, "--zip-file", "fileb://" + f.name,
                                  check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("InvalidParameterValueException", cp.stderr)
        self.assertIn("nodejs14.x is no longer supported", cp.stderr)


if __name__ == "__main__":
    unittest.main()
