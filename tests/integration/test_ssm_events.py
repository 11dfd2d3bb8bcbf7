"""SSM's EventBridge events: "Parameter Store Change" for Create/Update/LabelParameterVersion/
Delete, and the parameter policies' "Parameter Store Policy Action" events (NoChangeNotification,
ExpirationNotification, Expiration with the deletion), delivered by a rule to an SQS queue.
Skipped when this build has no EventBridge."""
import datetime
import json
import time
import unittest

from harness import Stratus, error_code
from lambda_util import wait_for


class ParameterStoreEvents(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A policy "hour" of one second, swept every 200 ms.
        cls.stratus = Stratus(ephemeral=True, env={"STRATUS_SSM_HOUR_MS": "1000", "STRATUS_SSM_SWEEP_MS": "200"}).start()
        cls.ssm = cls.stratus.client("ssm")
        cls.sqs = cls.stratus.client("sqs")
        cls.events = cls.stratus.client("events")
        try:
            cls.events.list_rules()
        except Exception as e:  # no EventBridge in this build
            cls.stratus.cleanup()
            raise unittest.SkipTest(f"EventBridge not available: {e}")
        cls.url = cls.sqs.create_queue(QueueName="ssm-events")["QueueUrl"]
        arn = cls.sqs.get_queue_attributes(QueueUrl=cls.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        cls.events.put_rule(Name="ssm", EventPattern=json.dumps({"source": ["aws.ssm"]}))
        cls.events.put_targets(Rule="ssm", Targets=[{"Id": "q", "Arn": arn}])

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def receive(self, n, timeout=20):
        got = []
        deadline = time.time() + timeout
        while len(got) < n and time.time() < deadline:
            r = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in r.get("Messages", []):
                got.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        return got

    def test_change_and_policy_events(self):
        self.ssm.put_parameter(Name="/ev/p", Value="1", Type="String", Description="first")
        self.ssm.put_parameter(Name="/ev/p", Value="2", Type="String", Overwrite=True)
        self.ssm.label_parameter_version(Name="/ev/p", ParameterVersion=1, Labels=["old"])
        self.ssm.delete_parameter(Name="/ev/p")
        evs = self.receive(4)
        self.assertEqual([e["detail"]["operation"] for e in evs], ["Create", "Update", "LabelParameterVersion", "Delete"])
        e = evs[0]
        self.assertEqual((e["source"], e["detail-type"]), ("aws.ssm", "Parameter Store Change"))
        self.assertEqual(e["detail"], {"operation": "Create", "name": "/ev/p", "type": "String", "description": "first"})
        self.assertEqual(e["resources"], ["arn:aws:ssm:us-east-1:000000000000:parameter/ev/p"])

        expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z")
        policies = [{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": expires}},
                    {"Type": "ExpirationNotification", "Version": "1.0", "Attributes": {"Before": "2", "Unit": "Hours"}},
                    {"Type": "NoChangeNotification", "Version": "1.0", "Attributes": {"After": "1", "Unit": "Hours"}}]
        self.ssm.put_parameter(Name="/ev/expiring", Value="x", Type="String", Tier="Advanced",
                               Policies=json.dumps(policies))
        evs = self.receive(4, timeout=30)
        kinds = [(e["detail-type"], e["detail"].get("policy-type", e["detail"].get("operation"))) for e in evs]
        self.assertEqual(kinds, [("Parameter Store Change", "Create"),
                                 ("Parameter Store Policy Action", "NoChangeNotification"),
                                 ("Parameter Store Policy Action", "ExpirationNotification"),
                                 ("Parameter Store Policy Action", "Expiration")])
        self.assertEqual(evs[3]["detail"]["parameter-name"], "/ev/expiring")
        self.assertEqual(evs[3]["detail"]["action-status"], "Finished")
        self.assertEqual(error_code(lambda: self.ssm.get_parameter(Name="/ev/expiring")), "ParameterNotFound")


if __name__ == "__main__":
    unittest.main()
