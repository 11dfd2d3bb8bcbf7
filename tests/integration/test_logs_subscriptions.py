"""CloudWatch Logs subscription filters to Lambda through boto3 and the aws CLI: the permission
check, the limit of two per group, Describe/Delete, the awslogs payload exactly as AWS shapes it
(gzip + base64 DATA_MESSAGE), and delivery surviving kill -9."""
import json
import time
import unittest

from harness import Stratus, StratusTestCase
from lambda_util import create, wait_for

ACCOUNT = "000000000000"

# Decodes the awslogs payload and prints it, so that the test reads it from the function's log.
DECODER = """
import base64, gzip, json
def handler(event, context):
    data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    print("DECODED " + json.dumps({"keys": sorted(event.keys()), "data": data}))
"""


def allow_logs(lam, fn, group, sid="logs"):
    lam.add_permission(FunctionName=fn, StatementId=sid, Action="lambda:InvokeFunction",
                       Principal="logs.amazonaws.com",
                       SourceArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}:*",
                       SourceAccount=ACCOUNT)


def decoded(logs, fn):
    """The payloads the decoder function printed so far."""
    out = []
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return out
    for e in events:
        if e["message"].startswith("DECODED "):
            out.append(json.loads(e["message"][8:]))
    return out


class LogsSubscriptions(StratusTestCase):
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = cls.stratus.client("lambda")
        create(cls.lam, "decoder", {"app.py": DECODER})
        cls.fn_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:decoder"

    def setUp(self):
        self.logs = self.stratus.client("logs")

    def test_delivers_matching_events_as_aws_shapes_them(self):
        logs = self.logs
        logs.create_log_group(logGroupName="/app/sub")
        logs.create_log_stream(logGroupName="/app/sub", logStreamName="s1")
        # Without a resource policy allowing logs.amazonaws.com, AWS refuses the filter.
        with self.assertRaises(logs.exceptions.InvalidParameterException) as cm:
            logs.put_subscription_filter(logGroupName="/app/sub", filterName="errors", filterPattern="ERROR",
                                         destinationArn=self.fn_arn)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Could not execute the lambda function. Make sure you have given CloudWatch Logs "
                         "permission to execute your function.")
        allow_logs(self.lam, "decoder", "/app/sub", sid="sub")
        logs.put_subscription_filter(logGroupName="/app/sub", filterName="errors", filterPattern="ERROR",
                                     destinationArn=self.fn_arn)
        got = logs.describe_subscription_filters(logGroupName="/app/sub")["subscriptionFilters"]
        self.assertEqual(len(got), 1)
        f = got[0]
        self.assertEqual((f["filterName"], f["logGroupName"], f["filterPattern"], f["destinationArn"],
                          f["distribution"]), ("errors", "/app/sub", "ERROR", self.fn_arn, "ByLogStream"))
        self.assertIsInstance(f["creationTime"], int)

        t0 = int(time.time() * 1000)
        logs.put_log_events(logGroupName="/app/sub", logStreamName="s1",
                            logEvents=[{"timestamp": t0, "message": "INFO fine"},
                                       {"timestamp": t0 + 1, "message": "ERROR bad"},
                                       {"timestamp": t0 + 2, "message": "ERROR worse"}])
        msgs = wait_for(lambda: [m for m in decoded(logs, "decoder") if m["data"]["logGroup"] == "/app/sub"], 60)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertEqual(msgs[0]["keys"], ["awslogs"])
        data = msgs[0]["data"]
        self.assertEqual(data["messageType"], "DATA_MESSAGE")
        self.assertEqual(data["owner"], ACCOUNT)
        self.assertEqual(data["logStream"], "s1")
        self.assertEqual(data["subscriptionFilters"], ["errors"])
        self.assertEqual([(e["timestamp"], e["message"]) for e in data["logEvents"]],
                         [(t0 + 1, "ERROR bad"), (t0 + 2, "ERROR worse")])
        # The ids are the events' ids as FilterLogEvents shows them.
        ids = {e["message"]: e["eventId"] for e in logs.filter_log_events(logGroupName="/app/sub")["events"]}
        self.assertEqual([e["id"] for e in data["logEvents"]], [ids["ERROR bad"], ids["ERROR worse"]])

        # Nothing matching: no invocation.
        logs.put_log_events(logGroupName="/app/sub", logStreamName="s1",
                            logEvents=[{"timestamp": t0 + 10, "message": "INFO only"}])
        time.sleep(1.5)
        self.assertEqual(len([m for m in decoded(logs, "decoder") if m["data"]["logGroup"] == "/app/sub"]), 1)

    def test_limit_update_delete_and_errors(self):
        logs = self.logs
        logs.create_log_group(logGroupName="/app/lim")
        allow_logs(self.lam, "decoder", "/app/lim", sid="lim")
        for name in ("a", "b"):
            logs.put_subscription_filter(logGroupName="/app/lim", filterName=name, filterPattern="",
                                         destinationArn=self.fn_arn)
        # Updating an existing filter is not a third one.
        logs.put_subscription_filter(logGroupName="/app/lim", filterName="a", filterPattern="x",
                                     destinationArn=self.fn_arn)
        with self.assertRaises(logs.exceptions.LimitExceededException):
            logs.put_subscription_filter(logGroupName="/app/lim", filterName="c", filterPattern="",
                                         destinationArn=self.fn_arn)
        got = logs.describe_subscription_filters(logGroupName="/app/lim")["subscriptionFilters"]
        self.assertEqual([(f["filterName"], f["filterPattern"]) for f in got], [("a", "x"), ("b", "")])
        page = logs.describe_subscription_filters(logGroupName="/app/lim", limit=1)
        self.assertEqual([f["filterName"] for f in page["subscriptionFilters"]], ["a"])
        page2 = logs.describe_subscription_filters(logGroupName="/app/lim", limit=1, nextToken=page["nextToken"])
        self.assertEqual([f["filterName"] for f in page2["subscriptionFilters"]], ["b"])
        self.assertEqual([f["filterName"] for f in logs.describe_subscription_filters(
            logGroupName="/app/lim", filterNamePrefix="b")["subscriptionFilters"]], ["b"])
        logs.delete_subscription_filter(logGroupName="/app/lim", filterName="a")
        with self.assertRaises(logs.exceptions.ResourceNotFoundException):
            logs.delete_subscription_filter(logGroupName="/app/lim", filterName="a")
        with self.assertRaises(logs.exceptions.ResourceNotFoundException):
            logs.describe_subscription_filters(logGroupName="/nope")
        with self.assertRaises(logs.exceptions.ResourceNotFoundException):
            logs.put_subscription_filter(logGroupName="/nope", filterName="a", filterPattern="",
                                         destinationArn=self.fn_arn)
        with self.assertRaises(logs.exceptions.InvalidParameterException):
            logs.put_subscription_filter(logGroupName="/app/lim", filterName="k", filterPattern="",
                                         destinationArn=f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s")
        with self.assertRaises(logs.exceptions.InvalidParameterException):
            logs.put_subscription_filter(logGroupName="/app/lim", filterName="k", filterPattern="{ $.x = ",
                                         destinationArn=self.fn_arn)
        # A function that does not exist fails the same permission check.
        with self.assertRaises(logs.exceptions.InvalidParameterException):
            logs.put_subscription_filter(logGroupName="/app/lim", filterName="k", filterPattern="",
                                         destinationArn=self.fn_arn + "-missing")
        # Deleting the group deletes its filters.
        logs.delete_log_group(logGroupName="/app/lim")
        logs.create_log_group(logGroupName="/app/lim")
        self.assertEqual(logs.describe_subscription_filters(logGroupName="/app/lim")["subscriptionFilters"], [])

    def test_aws_cli(self):
        self.logs.create_log_group(logGroupName="/app/cli")
        allow_logs(self.lam, "decoder", "/app/cli", sid="cli")
        self.stratus.aws("logs", "put-subscription-filter", "--log-group-name", "/app/cli", "--filter-name", "f",
                         "--filter-pattern", "ERROR", "--destination-arn", self.fn_arn)
        out = self.stratus.aws("logs", "describe-subscription-filters", "--log-group-name", "/app/cli")
        self.assertEqual([f["filterName"] for f in out["subscriptionFilters"]], ["f"])
        self.stratus.aws("logs", "delete-subscription-filter", "--log-group-name", "/app/cli", "--filter-name", "f")


class LogsSubscriptionsDurable(unittest.TestCase):

    def test_filter_and_delivery_survive_kill9(self):
        s = Stratus().start()
        try:
            lam, logs = s.client("lambda"), s.client("logs")
            # The function waits before it prints, so the kill -9 below finds the delivery in
            # flight (redelivered after the restart): a delivery that completed before the kill
            # would be acknowledged while the function's own log lines, flushed every 100 ms,
            # could still be lost with the process, and the test would wait for nothing.
            create(lam, "decoder", {"app.py": "import time\ntime.sleep(2)\n" + DECODER}, Timeout=30)
            allow_logs(lam, "decoder", "/dur")
            logs.create_log_group(logGroupName="/dur")
            logs.create_log_stream(logGroupName="/dur", logStreamName="s")
            logs.put_subscription_filter(logGroupName="/dur", filterName="all", filterPattern="",
                                         destinationArn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:decoder")
            logs.put_log_events(logGroupName="/dur", logStreamName="s",
                                logEvents=[{"timestamp": int(time.time() * 1000), "message": "kept"}])
            s.kill9()  # acknowledged: the delivery is stored with the events
            s.start()
            logs = s.client("logs")
            self.assertEqual([f["filterName"] for f in
                              logs.describe_subscription_filters(logGroupName="/dur")["subscriptionFilters"]], ["all"])
            msgs = wait_for(lambda: [m for m in decoded(logs, "decoder") if m["data"]["logGroup"] == "/dur"], 60)
            self.assertTrue(msgs)
            self.assertEqual([e["message"] for e in msgs[0]["data"]["logEvents"]], ["kept"])
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
