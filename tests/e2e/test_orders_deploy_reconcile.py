"""examples/orders-pipeline/deploy.sh on a Stratus that already has a table named `orders`
(the older README quickstart made one without a stream): the deploy reconciles it — enables the
missing stream and runs — or stops with a message that says what to do, instead of failing at
create-event-source-mapping with "Unsupported source arn : None"."""
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
EMAIL = "reconcile@example.com"


class DeployReconciles(unittest.TestCase):
    def setUp(self):
        self.stratus = Stratus().start()
        self.addCleanup(self.stratus.cleanup)
        self.ddb = self.stratus.client("dynamodb")

    def deploy(self):
        env = dict(os.environ, STRATUS_ENDPOINT=self.stratus.endpoint, ORDERS_EMAIL=EMAIL)
        return subprocess.run(["bash", os.path.join(EXAMPLE, "deploy.sh"), "python"], capture_output=True,
                              text=True, env=env, timeout=300)

    def create_orders(self, key="orderID", **kw):
        self.ddb.create_table(TableName="orders", AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": key, "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST", **kw)

    def test_a_table_without_stream_gets_one_and_the_pipeline_runs(self):
        self.create_orders()
        cp = self.deploy()
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("enabling one", cp.stdout)
        spec = self.ddb.describe_table(TableName="orders")["Table"]["StreamSpecification"]
        self.assertEqual(spec, {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        url = [l for l in cp.stdout.splitlines() if l.startswith("invoke URL: ")][-1].split(": ", 1)[1]
        req = urllib.request.Request(url, data=json.dumps({"orderID": "r-1", "customer": "ada", "total": 1,
                                                           "items": ["tea"]}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 200)
        deadline = time.time() + 60
        mails = []
        while time.time() < deadline and not mails:
            with urllib.request.urlopen(f"{self.stratus.endpoint}/_stratus/mailbox?recipient={EMAIL}", timeout=5) as r:
                mails = [m for m in json.loads(r.read())["messages"] if m.get("subject") == "New order r-1"]
            time.sleep(0.2)
        self.assertTrue(mails)
        again = self.deploy()  # idempotent on the reconciled table
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertNotIn("enabling one", again.stdout)

    def test_a_table_with_another_key_stops_the_deploy_with_what_to_do(self):
        self.create_orders(key="id")
        cp = self.deploy()
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("orderID (HASH)", cp.stderr)
        self.assertIn("delete-table --table-name orders", cp.stderr)

    def test_a_keys_only_stream_stops_the_deploy_with_what_to_do(self):
        self.create_orders(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        cp = self.deploy()
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("KEYS_ONLY stream", cp.stderr)
        self.assertIn("StreamEnabled=false", cp.stderr)


if __name__ == "__main__":
    unittest.main()
