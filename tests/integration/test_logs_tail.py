"""`aws logs tail` (aws CLI v2: it is not in v1) with --since/--format short and --follow, and the
Logs Insights commands the CLI users reach for: parse with a regex of named groups, dedup."""
import os
import shutil
import subprocess
import time
import unittest

from harness import StratusTestCase


def aws_v2():
    """An aws CLI of major version 2 (Debian's awscli package is one; a v1 may come first on PATH)."""
    for cand in [shutil.which("aws"), "/usr/bin/aws", "/usr/local/bin/aws"]:
        if not cand or not os.path.exists(cand):
            continue
        try:
            out = subprocess.run([cand, "--version"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        if (out.stdout + out.stderr).startswith("aws-cli/2."):
            return cand
    return None


class LogsTail(StratusTestCase):
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cli = aws_v2()

    def setUp(self):
        if not self.cli:
            self.skipTest("no aws CLI v2 (apt-get install awscli)")
        self.logs = self.stratus.client("logs")

    def env(self):
        env = dict(os.environ)
        env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_PAGER": ""})
        env.pop("AWS_PROFILE", None)
        return env

    def put(self, group, stream, messages):
        now = int(time.time() * 1000)
        self.logs.put_log_events(logGroupName=group, logStreamName=stream,
                                 logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)])

    def test_tail_since_short(self):
        self.logs.create_log_group(logGroupName="/tail/a")
        self.logs.create_log_stream(logGroupName="/tail/a", logStreamName="s1")
        self.put("/tail/a", "s1", ["hello", "world"])
        out = subprocess.run([self.cli, "--endpoint-url", self.stratus.endpoint, "logs", "tail", "/tail/a",
                              "--since", "5m", "--format", "short"],
                             capture_output=True, text=True, timeout=60, env=self.env())
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.strip().splitlines()
        self.assertEqual([l.split(" ", 1)[1] for l in lines], ["hello", "world"])
        # Detailed (the default) names the stream.
        out = subprocess.run([self.cli, "--endpoint-url", self.stratus.endpoint, "logs", "tail", "/tail/a",
                              "--since", "5m"], capture_output=True, text=True, timeout=60, env=self.env())
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(" s1 hello", out.stdout)

    def test_tail_follow(self):
        self.logs.create_log_group(logGroupName="/tail/f")
        self.logs.create_log_stream(logGroupName="/tail/f", logStreamName="s")
        self.put("/tail/f", "s", ["before"])
        proc = subprocess.Popen([self.cli, "--endpoint-url", self.stratus.endpoint, "logs", "tail", "/tail/f",
                                 "--follow", "--format", "short", "--since", "5m"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env())
        try:
            time.sleep(3)
            self.put("/tail/f", "s", ["after one", "after two"])
            time.sleep(8)  # the CLI polls every 5 s
        finally:
            proc.terminate()
            try:
                out, err = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
        messages = [l.split(" ", 1)[1] for l in out.strip().splitlines()]
        self.assertEqual(messages, ["before", "after one", "after two"], err)


class LogsInsightsCommands(StratusTestCase):
    ephemeral = True

    def query(self, group, q):
        logs = self.stratus.client("logs")
        now = int(time.time())
        qid = logs.start_query(logGroupName=group, startTime=now - 300, endTime=now + 60, queryString=q)["queryId"]
        for _ in range(100):
            res = logs.get_query_results(queryId=qid)
            if res["status"] == "Complete":
                return [{c["field"]: c["value"] for c in row} for row in res["results"]]
            time.sleep(0.1)
        self.fail("query did not complete")

    def test_parse_regex_and_dedup(self):
        logs = self.stratus.client("logs")
        logs.create_log_group(logGroupName="/ins")
        logs.create_log_stream(logGroupName="/ins", logStreamName="s")
        now = int(time.time() * 1000)
        msgs = ["user=ann action=login", "user=bob action=login", "user=ann action=logout", "no user here"]
        logs.put_log_events(logGroupName="/ins", logStreamName="s",
                            logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(msgs)])
        rows = self.query("/ins", "parse @message /user=(?<user>\\w+) action=(?<action>\\w+)/ "
                                  "| filter ispresent(user) | fields user, action | sort @timestamp asc")
        self.assertEqual([(r["user"], r["action"]) for r in rows],
                         [("ann", "login"), ("bob", "login"), ("ann", "logout")])
        rows = self.query("/ins", "parse @message /user=(?<user>\\w+)/ | filter ispresent(user) "
                                  "| fields user, action | dedup user")
        # Newest first: ann's last event (logout) is the one kept.
        self.assertEqual(sorted(r["user"] for r in rows), ["ann", "bob"])
        with self.assertRaises(logs.exceptions.MalformedQueryException):
            logs.start_query(logGroupName="/ins", startTime=0, endTime=1, queryString="dedup user | sort user")


if __name__ == "__main__":
    unittest.main()
