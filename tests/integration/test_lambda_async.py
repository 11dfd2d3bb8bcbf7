"""Asynchronous (Event) invocations: event invoke configurations, retries of failed invocations,
destinations (SQS, SNS, another function) with AWS's record shape, dead-letter queues, events
that grow too old, and a queued retry that survives a restart.

Retry delays are AWS's (1 then 2 minutes) unless STRATUS_LAMBDA_ASYNC_RETRY_MS sets the base."""
import json
import os
import shutil
import signal
import tempfile
import unittest

import botocore.exceptions

from harness import Stratus
from lambda_util import create
from test_lambda_esm import wait_for

# Appends the request id to <dir>/<name> (one line per attempt), then fails when asked to.
ATTEMPTS = """
import os, time
def handler(e, c):
    with open(os.path.join(e["dir"], e["name"]), "a") as f:
        f.write(c.aws_request_id + "\\n")
    if e.get("sleep"):
        time.sleep(e["sleep"])
    if e.get("fail"):
        raise ValueError("failed on purpose")
    return {"ok": e["name"]}
"""

# A destination function: writes the record it receives to <dir>/dest-<requestId>.json.
DEST = """
import json, os
def handler(e, c):
    rid = e["requestContext"]["requestId"]
    with open(os.path.join(os.environ["OUT"], "dest-" + rid + ".json"), "w") as f:
        json.dump(e, f)
"""


class AsyncCase(unittest.TestCase):
    retry_ms = "100"

    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus(ephemeral=True, env={"STRATUS_LAMBDA_ASYNC_RETRY_MS": cls.retry_ms}).start()
        cls.dir = tempfile.mkdtemp(prefix="lambda-async-")
        cls.lam = cls.stratus.client("lambda")
        cls.raw = cls.stratus.client("lambda", parameter_validation=False)
        cls.sqs = cls.stratus.client("sqs")
        cls.sns = cls.stratus.client("sns")

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def queue(self, name):
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def receive(self, url, timeout=60):
        def one():
            r = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"])
            return r.get("Messages")
        msgs = wait_for(one, timeout=timeout, interval=0)
        self.assertTrue(msgs, "nothing arrived at the destination")
        return msgs[0]

    def attempts(self, name):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return f.read().split()

    def event(self, fn, **payload):
        payload.setdefault("dir", self.dir)
        r = self.lam.invoke(FunctionName=fn, InvocationType="Event", Payload=json.dumps(payload))
        self.assertEqual(r["StatusCode"], 202)
        return r["ResponseMetadata"]["RequestId"], payload


class EventInvokeConfigApi(AsyncCase):
    def test_put_get_update_list_delete(self):
        create(self.lam, "cfg", {"app.py": ATTEMPTS})
        _, q = self.queue("cfg-dest")
        put = self.lam.put_function_event_invoke_config(
            FunctionName="cfg", MaximumRetryAttempts=1, MaximumEventAgeInSeconds=120,
            DestinationConfig={"OnFailure": {"Destination": q}})
        self.assertTrue(put["FunctionArn"].endswith(":function:cfg:$LATEST"))
        self.assertEqual(put["MaximumRetryAttempts"], 1)
        self.assertEqual(put["MaximumEventAgeInSeconds"], 120)
        self.assertEqual(put["DestinationConfig"], {"OnSuccess": {}, "OnFailure": {"Destination": q}})
        got = self.lam.get_function_event_invoke_config(FunctionName="cfg")
        self.assertEqual(got["DestinationConfig"]["OnFailure"]["Destination"], q)
        self.assertIn("LastModified", got)

        # Update merges; Put replaces.
        up = self.lam.update_function_event_invoke_config(FunctionName="cfg", MaximumRetryAttempts=0)
        self.assertEqual((up["MaximumRetryAttempts"], up["MaximumEventAgeInSeconds"]), (0, 120))
        self.assertEqual(up["DestinationConfig"]["OnFailure"]["Destination"], q)
        put = self.lam.put_function_event_invoke_config(FunctionName="cfg", MaximumRetryAttempts=2)
        self.assertNotIn("MaximumEventAgeInSeconds", put)
        self.assertEqual(put["DestinationConfig"], {"OnSuccess": {}, "OnFailure": {}})

        self.lam.publish_version(FunctionName="cfg")
        self.lam.create_alias(FunctionName="cfg", Name="live", FunctionVersion="1")
        self.lam.put_function_event_invoke_config(FunctionName="cfg", Qualifier="live", MaximumRetryAttempts=0)
        listed = self.lam.list_function_event_invoke_configs(FunctionName="cfg")["FunctionEventInvokeConfigs"]
        self.assertEqual(sorted(c["FunctionArn"].rsplit(":", 1)[1] for c in listed), ["$LATEST", "live"])
        page = self.lam.list_function_event_invoke_configs(FunctionName="cfg", MaxItems=1)
        self.assertEqual(len(page["FunctionEventInvokeConfigs"]), 1)
        rest = self.lam.list_function_event_invoke_configs(FunctionName="cfg", Marker=page["NextMarker"])
        self.assertEqual(len(rest["FunctionEventInvokeConfigs"]), 1)

        self.lam.delete_function_event_invoke_config(FunctionName="cfg", Qualifier="live")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.lam.get_function_event_invoke_config(FunctionName="cfg", Qualifier="live")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.lam.delete_function_event_invoke_config(FunctionName="cfg", Qualifier="live")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")

        # Configurations go with the version or alias they belong to.
        self.lam.put_function_event_invoke_config(FunctionName="cfg", Qualifier="live", MaximumRetryAttempts=0)
        self.lam.put_function_event_invoke_config(FunctionName="cfg", Qualifier="1", MaximumRetryAttempts=0)
        self.lam.delete_alias(FunctionName="cfg", Name="live")
        self.lam.delete_function(FunctionName="cfg", Qualifier="1")
        listed = self.lam.list_function_event_invoke_configs(FunctionName="cfg")["FunctionEventInvokeConfigs"]
        self.assertEqual([c["FunctionArn"].rsplit(":", 1)[1] for c in listed], ["$LATEST"])

    def test_aws_cli(self):
        create(self.lam, "cli-cfg", {"app.py": ATTEMPTS})
        _, q = self.queue("cli-dest")
        out = self.stratus.aws("lambda", "put-function-event-invoke-config", "--function-name", "cli-cfg",
                               "--maximum-retry-attempts", "0", "--destination-config",
                               json.dumps({"OnSuccess": {"Destination": q}}))
        self.assertEqual(out["MaximumRetryAttempts"], 0)
        out = self.stratus.aws("lambda", "list-function-event-invoke-configs", "--function-name", "cli-cfg")
        self.assertEqual(out["FunctionEventInvokeConfigs"][0]["DestinationConfig"]["OnSuccess"]["Destination"], q)
        cp = self.stratus.aws("lambda", "put-function-event-invoke-config", "--function-name", "cli-cfg",
                              "--maximum-retry-attempts", "5", check=False)
        self.assertNotEqual(cp.returncode, 0)

    def test_errors(self):
        create(self.lam, "cfg-err", {"app.py": ATTEMPTS})

        def code(fn, **kw):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                fn(**kw)
            return cm.exception.response["Error"]["Code"], cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]

        self.assertEqual(code(self.raw.put_function_event_invoke_config, FunctionName="cfg-err",
                              MaximumRetryAttempts=3), ("ValidationException", 400))
        self.assertEqual(code(self.raw.put_function_event_invoke_config, FunctionName="cfg-err",
                              MaximumEventAgeInSeconds=59), ("ValidationException", 400))
        self.assertEqual(code(self.raw.put_function_event_invoke_config, FunctionName="cfg-err",
                              MaximumEventAgeInSeconds=21601), ("ValidationException", 400))
        self.assertEqual(code(self.lam.put_function_event_invoke_config, FunctionName="cfg-err",
                              DestinationConfig={"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}}),
                         ("InvalidParameterValueException", 400))
        self_arn = self.lam.get_function(FunctionName="cfg-err")["Configuration"]["FunctionArn"]
        self.assertEqual(code(self.lam.put_function_event_invoke_config, FunctionName="cfg-err",
                              DestinationConfig={"OnFailure": {"Destination": self_arn}}),
                         ("InvalidParameterValueException", 400))
        self.assertEqual(code(self.lam.put_function_event_invoke_config, FunctionName="nope",
                              MaximumRetryAttempts=0), ("ResourceNotFoundException", 404))
        self.assertEqual(code(self.lam.put_function_event_invoke_config, FunctionName="cfg-err",
                              Qualifier="missing", MaximumRetryAttempts=0), ("ResourceNotFoundException", 404))
        self.assertEqual(code(self.lam.update_function_event_invoke_config, FunctionName="cfg-err",
                              MaximumRetryAttempts=0), ("ResourceNotFoundException", 404))
        self.assertEqual(code(self.lam.get_function_event_invoke_config, FunctionName="cfg-err"),
                         ("ResourceNotFoundException", 404))


class Destinations(AsyncCase):
    def test_success_to_sqs(self):
        create(self.lam, "ok-fn", {"app.py": ATTEMPTS})
        url, q = self.queue("on-success")
        self.lam.put_function_event_invoke_config(FunctionName="ok-fn",
                                                  DestinationConfig={"OnSuccess": {"Destination": q}})
        rid, payload = self.event("ok-fn", name="ok")
        rec = json.loads(self.receive(url)["Body"])
        self.assertEqual(rec["version"], "1.0")
        self.assertIn("timestamp", rec)
        self.assertEqual(rec["requestContext"], {
            "requestId": rid, "functionArn": rec["requestContext"]["functionArn"], "condition": "Success",
            "approximateInvokeCount": 1})
        self.assertTrue(rec["requestContext"]["functionArn"].endswith(":function:ok-fn:$LATEST"))
        self.assertEqual(rec["requestPayload"], payload)
        self.assertEqual(rec["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST"})
        self.assertEqual(rec["responsePayload"], {"ok": "ok"})

    def test_failure_to_sns_after_retries(self):
        create(self.lam, "fail-fn", {"app.py": ATTEMPTS})
        url, q = self.queue("from-topic")
        topic = self.sns.create_topic(Name="failures")["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=q, Attributes={"RawMessageDelivery": "true"})
        self.lam.put_function_event_invoke_config(FunctionName="fail-fn", MaximumRetryAttempts=1,
                                                  DestinationConfig={"OnFailure": {"Destination": topic}})
        rid, payload = self.event("fail-fn", name="fail-sns", fail=True)
        rec = json.loads(self.receive(url)["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 2)
        self.assertEqual(rec["requestContext"]["requestId"], rid)
        self.assertEqual(rec["requestPayload"], payload)
        self.assertEqual(rec["responseContext"],
                         {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
        self.assertEqual(rec["responsePayload"]["errorType"], "ValueError")
        self.assertEqual(rec["responsePayload"]["errorMessage"], "failed on purpose")
        self.assertEqual(self.attempts("fail-sns"), [rid, rid])

    def test_default_retries_twice(self):
        create(self.lam, "retry-fn", {"app.py": ATTEMPTS})
        url, q = self.queue("retries")
        self.lam.put_function_event_invoke_config(FunctionName="retry-fn",
                                                  DestinationConfig={"OnFailure": {"Destination": q}})
        self.event("retry-fn", name="three", fail=True)
        rec = json.loads(self.receive(url)["Body"])
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 3)
        self.assertEqual(len(self.attempts("three")), 3)

    def test_timeout_is_a_failure(self):
        create(self.lam, "slow-fn", {"app.py": ATTEMPTS}, Timeout=1)
        url, q = self.queue("timeouts")
        self.lam.put_function_event_invoke_config(FunctionName="slow-fn", MaximumRetryAttempts=0,
                                                  DestinationConfig={"OnFailure": {"Destination": q}})
        self.event("slow-fn", name="slow", sleep=5)
        rec = json.loads(self.receive(url)["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 1)
        self.assertEqual(rec["responseContext"]["functionError"], "Unhandled")
        self.assertIn("timed out", rec["responsePayload"]["errorMessage"])

    def test_failure_to_another_function(self):
        out = tempfile.mkdtemp(dir=self.dir)
        create(self.lam, "dest-fn", {"app.py": DEST}, Environment={"Variables": {"OUT": out}})
        dest = self.lam.get_function(FunctionName="dest-fn")["Configuration"]["FunctionArn"]
        create(self.lam, "src-fn", {"app.py": ATTEMPTS})
        self.lam.put_function_event_invoke_config(FunctionName="src-fn", MaximumRetryAttempts=0,
                                                  DestinationConfig={"OnFailure": {"Destination": dest}})
        rid, payload = self.event("src-fn", name="to-fn", fail=True)
        path = os.path.join(out, f"dest-{rid}.json")
        self.assertTrue(wait_for(lambda: os.path.exists(path) and os.path.getsize(path) > 0))
        with open(path) as f:
            rec = json.load(f)
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestPayload"], payload)

    def test_eventbridge_destination(self):
        create(self.lam, "eb-fn", {"app.py": ATTEMPTS})
        bus = "arn:aws:events:us-east-1:000000000000:event-bus/default"
        url, q = self.queue("from-bus")
        ev = self.stratus.client("events")
        ev.put_rule(Name="lambda-results", EventPattern='{"source":["lambda"]}')
        ev.put_targets(Rule="lambda-results", Targets=[{"Id": "q", "Arn": q}])
        r = self.lam.put_function_event_invoke_config(FunctionName="eb-fn",
                                                      DestinationConfig={"OnSuccess": {"Destination": bus}})
        self.assertEqual(r["DestinationConfig"]["OnSuccess"]["Destination"], bus)
        rid, payload = self.event("eb-fn", name="eb")
        event = json.loads(self.receive(url)["Body"])
        self.assertEqual((event["source"], event["detail-type"]),
                         ("lambda", "Lambda Function Invocation Result - Success"))
        self.assertEqual(event["detail"]["requestContext"]["requestId"], rid)
        self.assertEqual(event["detail"]["responsePayload"], {"ok": "eb"})
        self.assertEqual(event["resources"][0], bus)
        self.assertTrue(event["resources"][1].endswith(":function:eb-fn:$LATEST"))

    def test_dead_letter_queue(self):
        url, q = self.queue("dlq")
        create(self.lam, "dlq-fn", {"app.py": ATTEMPTS}, DeadLetterConfig={"TargetArn": q})
        self.lam.put_function_event_invoke_config(FunctionName="dlq-fn", MaximumRetryAttempts=0)
        rid, payload = self.event("dlq-fn", name="dlq", fail=True)
        m = self.receive(url)
        self.assertEqual(json.loads(m["Body"]), payload)
        attrs = m["MessageAttributes"]
        self.assertEqual(attrs["RequestID"], {"StringValue": rid, "DataType": "String"})
        self.assertEqual(attrs["ErrorCode"]["DataType"], "Number")
        self.assertEqual(attrs["ErrorMessage"]["StringValue"], "failed on purpose")

    def test_dead_letter_topic(self):
        url, q = self.queue("dlq-topic-sink")
        topic = self.sns.create_topic(Name="dlq-topic")["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=q, Attributes={"RawMessageDelivery": "true"})
        create(self.lam, "dlq-sns-fn", {"app.py": ATTEMPTS}, DeadLetterConfig={"TargetArn": topic})
        self.lam.put_function_event_invoke_config(FunctionName="dlq-sns-fn", MaximumRetryAttempts=0)
        rid, payload = self.event("dlq-sns-fn", name="dlq-sns", fail=True)
        m = self.receive(url)
        self.assertEqual(json.loads(m["Body"]), payload)
        self.assertEqual(m["MessageAttributes"]["RequestID"]["StringValue"], rid)


class EventAge(AsyncCase):
    # The retry comes due after 61 s, past MaximumEventAgeInSeconds=60: the event is dropped to
    # OnFailure (EventAgeExceeded) and the dead-letter queue instead of running again.
    retry_ms = "61000"

    def test_event_age_exceeded(self):
        url, q = self.queue("too-old")
        dlq_url, dlq = self.queue("too-old-dlq")
        create(self.lam, "old-fn", {"app.py": ATTEMPTS}, DeadLetterConfig={"TargetArn": dlq})
        self.lam.put_function_event_invoke_config(FunctionName="old-fn", MaximumEventAgeInSeconds=60,
                                                  DestinationConfig={"OnFailure": {"Destination": q}})
        # Meanwhile a function with no concurrency at all: its event is throttled, kept and tried
        # again (throttles are no attempts) until it is too old.
        throttled_url, throttled_q = self.queue("throttled")
        create(self.lam, "zero-fn", {"app.py": ATTEMPTS})
        self.lam.put_function_concurrency(FunctionName="zero-fn", ReservedConcurrentExecutions=0)
        self.lam.put_function_event_invoke_config(FunctionName="zero-fn", MaximumEventAgeInSeconds=60,
                                                  DestinationConfig={"OnFailure": {"Destination": throttled_q}})
        zero_rid, _ = self.event("zero-fn", name="zero")
        rid, payload = self.event("old-fn", name="old", fail=True)
        rec = json.loads(self.receive(url, timeout=120)["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "EventAgeExceeded")
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 1)
        self.assertEqual(rec["requestPayload"], payload)
        self.assertEqual(self.attempts("old"), [rid])
        m = self.receive(dlq_url)
        self.assertEqual(m["MessageAttributes"]["RequestID"]["StringValue"], rid)
        rec = json.loads(self.receive(throttled_url, timeout=120)["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "EventAgeExceeded")
        self.assertEqual(rec["requestContext"]["requestId"], zero_rid)
        self.assertEqual(self.attempts("zero"), [])


class RetrySurvivesRestart(unittest.TestCase):
    """A failed Event invocation waits for its retry; Stratus stops meanwhile; after the restart
    the retry runs and the failure record arrives with both attempts counted."""

    def run_case(self, sig):
        out = tempfile.mkdtemp(prefix="lambda-async-restart-")
        self.addCleanup(shutil.rmtree, out, True)
        s = Stratus(env={"STRATUS_LAMBDA_ASYNC_RETRY_MS": "6000"}).start()
        self.addCleanup(s.cleanup)
        lam, sqs = s.client("lambda"), s.client("sqs")
        create(lam, "flaky", {"app.py": ATTEMPTS})
        url = sqs.create_queue(QueueName="failed")["QueueUrl"]
        q = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam.put_function_event_invoke_config(FunctionName="flaky", MaximumRetryAttempts=1,
                                             DestinationConfig={"OnFailure": {"Destination": q}})
        lam.invoke(FunctionName="flaky", InvocationType="Event",
                   Payload=json.dumps({"dir": out, "name": "flaky", "fail": True}))
        path = os.path.join(out, "flaky")
        self.assertTrue(wait_for(lambda: os.path.exists(path)))
        s.stop(sig)
        with open(path) as f:
            self.assertEqual(len(f.read().split()), 1, "the retry ran before the restart")
        s.start()
        sqs = s.client("sqs")

        def one():
            return sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages")
        msgs = wait_for(one, timeout=60, interval=0)
        self.assertTrue(msgs, "the retry was lost across the restart")
        rec = json.loads(msgs[0]["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 2)
        with open(path) as f:
            self.assertEqual(len(f.read().split()), 2)

    def test_sigterm(self):
        self.run_case(signal.SIGTERM)

    def test_kill9(self):
        self.run_case(signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
