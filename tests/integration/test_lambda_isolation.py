"""--lambda-isolation=bwrap: functions run in a bubblewrap sandbox with the code at /var/task and
the layers at /opt (read-only), a read-only root and their own /tmp, as in a Lambda environment.
Skipped where bubblewrap is missing or cannot create a sandbox (tools/deps.sh installs it)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import Stratus, StratusTestCase
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


# Each way out of the sandbox reported in issue 21, tried from inside a function.
ESCAPES = """
import errno, os, re, signal, stat
def attempt(f):
    try:
        r = f()
        return ["ok", r]
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
def handler(event, context):
    pid, data = event["server_pid"], event["data_dir"]
    out = {}
    out["proc_root"] = attempt(lambda: os.listdir("/proc/%d/root%s" % (pid, data)))
    out["data_dir"] = attempt(lambda: os.listdir(data))
    out["signal0"] = attempt(lambda: os.kill(pid, 0))
    out["kill"] = attempt(lambda: os.kill(pid, signal.SIGKILL))
    out["write_host"] = attempt(lambda: open(event["host_file"], "w").write("escaped"))
    out["disks"] = [d for d in os.listdir("/dev")
                    if re.match(r"(sd|vd|xvd|hd|nvme|loop|mmcblk|dm-|md|nbd|sr|mem|kmem|port)", d)]
    out["open_disks"] = {d: attempt(lambda: os.close(os.open(d, os.O_WRONLY)))
                         for d in ("/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda", "/dev/mem")}
    out["mknod"] = attempt(lambda: os.mknod("/tmp/disk", 0o600 | stat.S_IFBLK, os.makedev(8, 0)))
    out["dev"] = sorted(os.listdir("/dev"))
    fields = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
    out["status"] = {k: fields[k].split() for k in ("Uid", "CapEff", "CapPrm", "CapBnd", "NoNewPrivs", "Seccomp")}
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    def call(f, *args):
        if f(*args) == 0:
            return "ok"
        return errno.errorcode[ctypes.get_errno()]
    out["unshare_user"] = call(libc.unshare, 0x10000000)        # CLONE_NEWUSER: caps in a new namespace
    out["mount_tmpfs"] = call(libc.mount, b"none", b"/tmp", b"tmpfs", 0, None)
    child = os.fork()                                            # plain processes still work
    if child == 0:
        os._exit(7)
    out["fork"] = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
    out["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    return out
"""

MINIMAL_DEV = {"console", "core", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin",
               "stdout", "tty", "urandom", "zero"}


@unittest.skipUnless(bwrap_works(), "bubblewrap is not usable on this machine")
class BwrapEscapes(unittest.TestCase):
    """A server with its data directory outside /tmp (so that the sandbox's read-only view of the
    host would include it), readable by anyone: only the sandbox may keep functions out."""

    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="stratus-escape-", dir="/var/tmp")
        os.chmod(cls.base, 0o777)
        data = os.path.join(cls.base, "data")
        os.mkdir(data)
        os.chmod(data, 0o755)
        cls.stratus = Stratus("--lambda-isolation", "bwrap", data_dir=data).start()
        cls.lam = cls.stratus.client("lambda")

    @classmethod
    def tearDownClass(cls):
        cls.stratus.stop()
        shutil.rmtree(cls.base, ignore_errors=True)

    def test_every_escape_fails_and_the_server_stays_up(self):
        create(self.lam, "escape", {"app.py": ESCAPES}, Timeout=20)
        host_file = os.path.join(self.base, "written-from-a-function")
        event = {"server_pid": self.stratus.proc.pid, "data_dir": self.stratus.data_dir, "host_file": host_file}
        r = self.lam.invoke(FunctionName="escape", Payload=json.dumps(event))
        self.assertNotIn("FunctionError", r)
        out = json.loads(r["Payload"].read())
        self.assertEqual(out["proc_root"], "ENOENT")             # the server's pid is not in the sandbox
        self.assertEqual(out["data_dir"], ["ok", []])             # an empty tmpfs over the data directory
        self.assertEqual(out["signal0"], "ESRCH")
        self.assertEqual(out["kill"], "ESRCH")
        self.assertIn(out["write_host"], ("EROFS", "EACCES"))
        self.assertFalse(os.path.exists(host_file))
        self.assertEqual(out["disks"], [])
        self.assertEqual(set(out["open_disks"].values()), {"ENOENT"})
        self.assertEqual(out["mknod"], "EPERM")
        self.assertLessEqual(set(out["dev"]), MINIMAL_DEV)
        st = out["status"]
        self.assertEqual(st["CapEff"], ["0000000000000000"])
        self.assertEqual(st["CapPrm"], ["0000000000000000"])
        self.assertEqual(st["NoNewPrivs"], ["1"])
        if os.geteuid() == 0:
            self.assertEqual(st["Uid"], ["993"] * 4)              # AWS's sbx_user1051, not root
            self.assertEqual(st["CapBnd"], ["0000000000000000"])
        self.assertLess(max(out["pids"]), 100, out["pids"])       # a PID namespace of its own
        self.assertEqual(st["Seccomp"], ["2"])                    # a seccomp filter
        self.assertEqual(out["unshare_user"], "EPERM")
        self.assertEqual(out["mount_tmpfs"], "EPERM")
        self.assertEqual(out["fork"], 7)
        self.assertIsNone(self.stratus.proc.poll())
        self.assertEqual(self.stratus.http("GET", "/_stratus/health")[0], 200)


if __name__ == "__main__":
    unittest.main()
