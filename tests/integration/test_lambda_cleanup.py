"""Every process an execution environment starts dies with it: a double-forked, setsid()'d daemon
(outside the runtime's process group and session) is killed on DeleteFunction, on
UpdateFunctionCode, when the runtime crashes, on server shutdown, and — after a kill -9 of the
server — by the next server's start (per-environment cgroups; bwrap's PID namespace too)."""
import json
import os
import random
import signal
import unittest

from harness import Stratus, StratusTestCase
from lambda_util import DOUBLE_FORK, create, procs_with_arg, wait_for, zip_files
from test_lambda_isolation import bwrap_works


def cgroup2_writable():
    """A cgroup2 hierarchy we can create directories in (else the fallback is process groups)."""
    try:
        with open("/proc/self/mountinfo") as f:
            mounts = [l.split(" - ")[0].split()[4] for l in f if " - cgroup2 " in l]
        with open("/proc/self/cgroup") as f:
            own = next(l[3:].strip() for l in f if l.startswith("0::"))
    except (OSError, StopIteration):
        return False
    return bool(mounts) and os.access(os.path.join(mounts[0], own.lstrip("/")), os.W_OK)


def new_marker():
    # `sleep 300.<random>`: a command line no other process has.
    return "300.%06d" % random.randrange(10**6)


class Cleanup(StratusTestCase):
    ephemeral = True
    isolation = "none"

    @classmethod
    def setUpClass(cls):
        cls.stratus_args = ("--lambda-isolation", cls.isolation)
        super().setUpClass()

    def setUp(self):
        self.lam = self.stratus.client("lambda")
        self.markers = []

    def tearDown(self):
        for m in self.markers:  # never leave a sleeper behind, whatever failed
            for pid in procs_with_arg(m):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def leave_daemon(self, lam, name, **event):
        marker = new_marker()
        self.markers.append(marker)
        r = lam.invoke(FunctionName=name, Payload=json.dumps(dict(event, marker=marker)))
        r["Payload"].read()
        self.assertTrue(wait_for(lambda: procs_with_arg(marker), timeout=5), "the daemon did not start")
        return marker, r

    def assert_gone(self, marker):
        self.assertTrue(wait_for(lambda: not procs_with_arg(marker), timeout=10),
                        f"sleep {marker} survived: {procs_with_arg(marker)}")

    def test_delete_function_kills_the_daemon(self):
        create(self.lam, "daemon-del", {"app.py": DOUBLE_FORK})
        marker, _ = self.leave_daemon(self.lam, "daemon-del")
        self.lam.delete_function(FunctionName="daemon-del")
        self.assert_gone(marker)

    def test_code_update_kills_the_daemon(self):
        create(self.lam, "daemon-upd", {"app.py": DOUBLE_FORK})
        marker, _ = self.leave_daemon(self.lam, "daemon-upd")
        self.lam.update_function_code(FunctionName="daemon-upd", ZipFile=zip_files({"app.py": DOUBLE_FORK + "\n"}))
        self.assert_gone(marker)

    def test_runtime_crash_kills_the_daemon(self):
        create(self.lam, "daemon-crash", {"app.py": DOUBLE_FORK})
        marker, _ = self.leave_daemon(self.lam, "daemon-crash")
        r = self.lam.invoke(FunctionName="daemon-crash", Payload=json.dumps({"marker": new_marker(), "crash": True}))
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        self.assert_gone(marker)
        self.assertEqual(self.stratus.proc.poll(), None)

    def test_server_shutdown_kills_the_daemon(self):
        s = Stratus("--lambda-isolation", self.isolation, ephemeral=True).start()
        try:
            lam = s.client("lambda")
            create(lam, "daemon-stop", {"app.py": DOUBLE_FORK})
            marker, _ = self.leave_daemon(lam, "daemon-stop")
            self.assertEqual(s.stop(), 0)
            self.assert_gone(marker)
        finally:
            s.cleanup()

    @unittest.skipUnless(cgroup2_writable(), "no writable cgroup2 hierarchy: orphans of kill -9 are not swept")
    def test_next_start_sweeps_what_a_killed_server_left(self):
        s = Stratus("--lambda-isolation", self.isolation, ephemeral=True).start()
        try:
            lam = s.client("lambda")
            create(lam, "daemon-k9", {"app.py": DOUBLE_FORK})
            marker, _ = self.leave_daemon(lam, "daemon-k9")
            s.kill9()
            if self.isolation == "bwrap":
                # The sandbox's PID namespace dies with bwrap (PR_SET_PDEATHSIG), daemon and all.
                self.assert_gone(marker)
                return
            # The daemon outlives the kill -9 (nothing is left to kill it) until a server starts.
            s2 = Stratus(ephemeral=True).start()
            s2.cleanup()
            self.assert_gone(marker)
        finally:
            s.cleanup()


@unittest.skipUnless(bwrap_works(), "bubblewrap is not usable on this machine")
class CleanupBwrap(Cleanup):
    isolation = "bwrap"


if __name__ == "__main__":
    unittest.main()
