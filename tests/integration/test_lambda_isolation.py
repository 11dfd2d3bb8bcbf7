"""--lambda-isolation=bwrap: functions run in a bubblewrap sandbox with the code at /var/task and
the layers at /opt (read-only), a read-only root and their own /tmp, as in a Lambda environment.
Skipped where bubblewrap is missing or cannot create a sandbox (tools/deps.sh installs it)."""
import json
import os
import shutil
import subprocess
import unittest

from harness import StratusTestCase
from lambda_util import ROLE, create, sh_bootstrap, zip_files


def bwrap_works():
    exe = shutil.which("bwrap")
    return bool(exe) and subprocess.run([exe, "--ro-bind", "/", "/", "true"], capture_output=True).returncode == 0


PROBE = """
import errno, json, os
def try_write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
def handler(event, context):
    import layer_mod
    with open("/tmp/mine-" + event["tag"], "w") as f:
        f.write("private")
    return {
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "cwd": os.getcwd(),
        "layer": layer_mod.WHERE,
        "layer_file": open("/opt/data.txt").read(),
        "write_task": try_write("/var/task/new.txt"),
        "write_opt": try_write("/opt/new.txt"),
        "write_root": try_write("/etc/stratus-test-file"),
        "write_tmp": try_write("/tmp/scratch.txt"),
        "tmp_listing": sorted(os.listdir("/tmp")),
    }
"""


@unittest.skipUnless(bwrap_works(), "bubblewrap is not usable on this machine")
class Bwrap(StratusTestCase):
    ephemeral = True
    stratus_args = ("--lambda-isolation", "bwrap")

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def test_filesystem_view(self):
        arn = self.lam.publish_layer_version(LayerName="iso-layer", Content={"ZipFile": zip_files({
            "python/layer_mod.py": "import os\nWHERE = os.path.dirname(__file__)\n",
            "data.txt": "from the layer",
        })})["LayerVersionArn"]
        create(self.lam, "iso-fn", {"app.py": PROBE}, Layers=[arn])
        out = json.loads(self.lam.invoke(FunctionName="iso-fn", Payload=json.dumps({"tag": "a1"}))["Payload"].read())
        self.assertEqual(out["task_root"], "/var/task")
        self.assertEqual(out["cwd"], "/var/task")
        self.assertEqual(out["layer"], "/opt/python")
        self.assertEqual(out["layer_file"], "from the layer")
        self.assertEqual(out["write_task"], "EROFS")
        self.assertEqual(out["write_opt"], "EROFS")
        self.assertEqual(out["write_root"], "EROFS")
        self.assertEqual(out["write_tmp"], "ok")
        self.assertIn("mine-a1", out["tmp_listing"])
        self.assertFalse(os.path.exists("/tmp/mine-a1"))  # the environment's /tmp is its own
        self.assertFalse(os.path.exists("/etc/stratus-test-file"))

    def test_extensions_share_the_environment_tmp(self):
        arn = self.lam.publish_layer_version(LayerName="iso-ext", Content={"ZipFile": zip_files({
            "extensions/writer": """#!/usr/bin/env python3
import http.client, json, os
with open("/tmp/from-extension", "w") as f:
    f.write(os.path.realpath(__file__))
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", json.dumps({"events": ["INVOKE"]}),
          {"Lambda-Extension-Name": "writer"})
r = c.getresponse(); r.read()
eid = r.getheader("Lambda-Extension-Identifier")
while True:
    c.request("GET", "/2020-01-01/extension/event/next", headers={"Lambda-Extension-Identifier": eid})
    c.getresponse().read()
""",
        })})["LayerVersionArn"]
        create(self.lam, "iso-ext-fn", {"app.py": """
def handler(event, context):
    return open("/tmp/from-extension").read()
"""}, Layers=[arn])
        out = json.loads(self.lam.invoke(FunctionName="iso-ext-fn")["Payload"].read())
        self.assertEqual(out, "/opt/extensions/writer")

    def test_provided_and_node_functions(self):
        self.lam.create_function(FunctionName="iso-sh", Runtime="provided.al2023", Role=ROLE, Handler="x",
                                 Code={"ZipFile": zip_files({"bootstrap": sh_bootstrap('\\"$(pwd)\\"')})})
        self.assertEqual(json.loads(self.lam.invoke(FunctionName="iso-sh")["Payload"].read()), "/var/task")
        create(self.lam, "iso-node", {"index.js": "exports.handler = async () => process.env.LAMBDA_TASK_ROOT;\n"},
               runtime="nodejs20.x", handler="index.handler")
        self.assertEqual(json.loads(self.lam.invoke(FunctionName="iso-node")["Payload"].read()), "/var/task")


if __name__ == "__main__":
    unittest.main()
