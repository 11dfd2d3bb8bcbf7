"""The banking notifications reference application, end to end, deployed with
examples/banking-notifications/deploy.sh exactly as on AWS (plus an endpoint URL):

  POST /transactions (API key) -> Lambda -> DynamoDB + S3 raw record + EventBridge bus
  -> rule (debits, credits of 1000 or more) -> Lambda -> Secrets Manager -> SES -> email
  NotifyCustomer's Errors -> CloudWatch alarm -> SNS -> operator email

Every notified transaction produces exactly one customer email, the others none; a failing
notification raises the alarm; a restart halfway loses nothing; deploying again changes nothing;
the teardown leaves nothing behind."""
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Stratus  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "banking-notifications")
OPERATOR = "operators@example.com"


def wait_for(predicate, timeout=30.0, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class BankingNotifications(unittest.TestCase):
    def setUp(self):
        # Alarms are evaluated every minute, as on AWS; the knob makes the test's alarm quick.
        self.stratus = Stratus(env={"STRATUS_CLOUDWATCH_EVAL_MS": "2000"}).start()
        self.addCleanup(self.stratus.cleanup)
        self.outputs = self.deploy()

    def run_script(self, name, timeout=300):
        env = dict(os.environ, STRATUS_ENDPOINT=self.stratus.endpoint)
        cp = subprocess.run(["bash", os.path.join(EXAMPLE, name)], capture_output=True, text=True, env=env,
                            timeout=timeout)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        return cp.stdout

    def deploy(self):
        out = self.run_script("deploy.sh")
        found = dict(re.findall(r"^(api key|invoke URL): (\S+)$", out, re.M))
        self.assertEqual(len(found), 2, out)
        return found

    def post(self, txn, key=True):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["x-api-key"] = self.outputs["api key"]
        req = urllib.request.Request(self.outputs["invoke URL"], method="POST", headers=headers,
                                     data=json.dumps(txn).encode())
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def mail(self, recipient):
        with urllib.request.urlopen(f"{self.stratus.endpoint}/_stratus/mailbox?recipient={recipient}", timeout=5) as r:
            return json.loads(r.read())["messages"]

    def transactions(self):
        ddb = self.stratus.client("dynamodb")
        return ddb.scan(TableName="BankTransactions")["Items"]

    def test_transactions_notify_customers_and_alarm_operators(self):
        self.assertEqual(self.post({"accountId": "A-1", "type": "debit", "amount": 5, "email": "a@example.com"},
                                   key=False)[0], 403)
        self.assertEqual(self.post({"accountId": "A-1", "type": "refund", "amount": 5,
                                    "email": "alice@example.com"})[0], 400)
        small = self.post({"accountId": "A-1", "type": "credit", "amount": 50, "email": "alice@example.com"})
        debit = self.post({"accountId": "A-1", "type": "debit", "amount": 20.5, "email": "alice@example.com",
                           "description": "coffee"})
        large = self.post({"accountId": "B-7", "type": "credit", "amount": 5000, "currency": "USD",
                           "email": "bob@example.com"})
        for status, body in (small, debit, large):
            self.assertEqual(status, 201, body)
        self.assertTrue(wait_for(lambda: len(self.mail("alice@example.com")) == 1 and self.mail("bob@example.com")))
        alice = self.mail("alice@example.com")[0]
        self.assertEqual(alice["subject"], "20.50 EUR debited from account A-1")
        self.assertIn(debit[1]["transactionId"], alice["body"])
        self.assertEqual(alice["sender"], "alerts@example.com")
        self.assertEqual(self.mail("bob@example.com")[0]["subject"], "5000.00 USD credited to account B-7")
        self.assertEqual(len(self.transactions()), 3)
        s3 = self.stratus.client("s3")
        bucket = "banking-transactions-000000000000"
        raw = s3.get_object(Bucket=bucket, Key=f"raw/A-1/{debit[1]['transactionId']}.json")["Body"].read()
        self.assertEqual(json.loads(raw)["description"], "coffee")
        logs = self.stratus.client("logs")
        self.assertTrue(wait_for(lambda: logs.filter_log_events(logGroupName="/aws/lambda/NotifyCustomer",
                                                                filterPattern='"notified"')["events"]))

        # Restart halfway: everything stored survives, the flow goes on.
        self.assertEqual(self.stratus.stop(), 0)
        self.stratus.start()
        again = self.post({"accountId": "A-1", "type": "debit", "amount": 7, "email": "alice@example.com"})
        self.assertEqual(again[0], 201)
        self.assertTrue(wait_for(lambda: len(self.mail("alice@example.com")) == 2), self.mail("alice@example.com"))
        self.assertEqual(len(self.transactions()), 4)

        # A notification that fails (a recipient SES refuses in the sandbox) raises the alarm.
        self.assertEqual(self.post({"accountId": "M-1", "type": "debit", "amount": 1,
                                    "email": "mallory@elsewhere.org"})[0], 201)
        cw = self.stratus.client("cloudwatch")
        state = lambda: cw.describe_alarms(AlarmNames=["NotifyCustomer-Errors"])["MetricAlarms"][0]["StateValue"]
        self.assertTrue(wait_for(lambda: state() == "ALARM", timeout=120), state())
        alarm_mail = wait_for(lambda: [m for m in self.mail(OPERATOR) if m.get("subject", "").startswith("ALARM")])
        self.assertTrue(alarm_mail, self.mail(OPERATOR))
        self.assertIn("NotifyCustomer-Errors", alarm_mail[0]["subject"])
        self.assertEqual(self.mail("mallory@elsewhere.org"), [])

        # Deploying again changes nothing that exists; tearing down removes everything.
        self.assertEqual(self.deploy(), self.outputs)
        self.run_script("teardown.sh", timeout=180)
        self.assertEqual(self.stratus.client("dynamodb").list_tables()["TableNames"], [])
        self.assertEqual(self.stratus.client("lambda").list_functions()["Functions"], [])
        self.assertEqual(s3.list_buckets()["Buckets"], [])
        self.assertEqual(self.stratus.client("events").list_event_buses()["EventBuses"][0]["Name"], "default")
        self.assertEqual(len(self.stratus.client("events").list_event_buses()["EventBuses"]), 1)
        self.assertEqual(cw.describe_alarms()["MetricAlarms"], [])
        self.assertEqual(self.stratus.client("sns").list_topics()["Topics"], [])
        self.assertEqual(self.stratus.client("secretsmanager").list_secrets()["SecretList"], [])
        self.assertEqual(self.stratus.client("sesv2").list_email_identities()["EmailIdentities"], [])
        iam = self.stratus.client("iam")
        self.assertEqual(iam.list_roles()["Roles"], [])
        self.assertEqual(iam.list_users()["Users"], [])
        self.assertEqual(iam.list_policies(Scope="Local")["Policies"], [])
        self.assertEqual(logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"], [])


if __name__ == "__main__":
    unittest.main()
