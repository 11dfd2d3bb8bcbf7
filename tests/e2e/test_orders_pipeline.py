"""The orders pipeline reference application, end to end, deployed with examples/orders-pipeline/
deploy.sh exactly as on AWS (plus an endpoint URL):

  POST /orders -> API Gateway (AWS integration) -> SQS -> Lambda -> DynamoDB -> stream -> Lambda
  -> SNS -> email (the Stratus mailbox)

Each order must reach the table and produce one email; a restart halfway loses nothing and
delivers nothing twice."""
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Stratus  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "orders-pipeline")
EMAIL = "orders@example.com"


def wait_for(predicate, timeout=30.0, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class OrdersPipeline(unittest.TestCase):
    variant = "python"

    def setUp(self):
        self.stratus = Stratus().start()
        self.addCleanup(self.stratus.cleanup)
        out = self.deploy()
        self.url = [l for l in out.splitlines() if l.startswith("invoke URL: ")][-1].split(": ", 1)[1]

    def deploy(self):
        env = dict(os.environ, STRATUS_ENDPOINT=self.stratus.endpoint, ORDERS_EMAIL=EMAIL)
        cp = subprocess.run(["bash", os.path.join(EXAMPLE, "deploy.sh"), self.variant], capture_output=True,
                            text=True, env=env, timeout=300)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        return cp.stdout

    def post(self, order):
        req = urllib.request.Request(self.url, data=json.dumps(order).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 200)
            return r.read()  # SQS's SendMessage answer, passed through

    def emails(self):
        with urllib.request.urlopen(f"{self.stratus.endpoint}/_stratus/mailbox?recipient={EMAIL}", timeout=5) as r:
            msgs = json.loads(r.read())["messages"]
        return [m for m in msgs if m.get("subject", "").startswith("New order")]

    def items(self):
        ddb = self.stratus.client("dynamodb")
        return {i["orderID"]["S"]: i for i in ddb.scan(TableName="orders")["Items"]}

    def test_orders_flow_through_and_survive_a_restart(self):
        first = [{"orderID": f"o-{i}", "customer": "ada", "total": 12.5 + i, "items": ["tea", "cake"]}
                 for i in range(5)]
        for o in first:
            self.post(o)
        self.assertTrue(wait_for(lambda: len(self.items()) == 5), self.items())
        self.assertTrue(wait_for(lambda: len(self.emails()) == 5), self.emails())
        item = self.items()["o-3"]
        self.assertEqual(item["total"], {"N": "15.5"})
        self.assertEqual(item["items"], {"L": [{"S": "tea"}, {"S": "cake"}]})
        mail = [m for m in self.emails() if m["subject"] == "New order o-3"][0]
        # An SNS email is the message followed by AWS's unsubscribe footer ("\n\n--\nIf you wish...").
        message = mail["body"].split("\n--\n")[0].strip()
        self.assertEqual(json.loads(message), {"customer": "ada", "items": ["tea", "cake"], "orderID": "o-3",
                                               "total": 15.5}, mail["body"])

        # Restart halfway: in-flight work resumes, nothing is lost or sent twice.
        self.assertEqual(self.stratus.stop(), 0)
        self.stratus.start()
        second = [{"orderID": f"p-{i}", "customer": "grace", "total": 3} for i in range(5)]
        for o in second:
            self.post(o)
        self.assertTrue(wait_for(lambda: len(self.items()) == 10), sorted(self.items()))
        self.assertTrue(wait_for(lambda: len(self.emails()) == 10), [m["subject"] for m in self.emails()])
        time.sleep(1.0)  # let any duplicate show itself
        subjects = sorted(m["subject"] for m in self.emails())
        self.assertEqual(subjects, sorted(f"New order {o['orderID']}" for o in first + second))

        # Deploying again changes nothing; tearing down removes everything.
        self.deploy()
        env = dict(os.environ, STRATUS_ENDPOINT=self.stratus.endpoint)
        cp = subprocess.run(["bash", os.path.join(EXAMPLE, "teardown.sh")], capture_output=True, text=True,
                            env=env, timeout=120)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(self.stratus.client("dynamodb").list_tables()["TableNames"], [])
        self.assertEqual(self.stratus.client("lambda").list_functions()["Functions"], [])


class OrdersPipelineCpp(OrdersPipeline):
    """The same pipeline with the C++ functions (provided.al2023, sdk/cpp)."""
    variant = "cpp"


if __name__ == "__main__":
    unittest.main()
