"""Lambda event source mappings: the management API (AWS's shapes, states and validation), SQS
queues and DynamoDB streams feeding real Python functions that write through boto3, batch
failures, dead-letter redrive, filters, and SNS subscriptions invoking functions."""
import json
import time
import unittest

from harness import StratusTestCase
from lambda_util import create

ACCOUNT = "000000000000"

# Writes one item per record into the table named by SINK, keyed by the record's id; fails on
# records whose body/NewImage asks it to ("fail"), reporting them when REPORT is set.
RECORDER = """
import json, os, boto3
ddb = boto3.client("dynamodb")

def record_id(r):
    return r.get("messageId") or r.get("eventID") or r["Sns"]["MessageId"]

def wants_failure(r):
    if "body" in r:
        return "fail" in r["body"]
    if "dynamodb" in r:
        return "fail" in json.dumps(r["dynamodb"].get("NewImage", {}))
    return False

def handler(event, context):
    failures = []
    for r in event["Records"]:
        if wants_failure(r):
            failures.append({"itemIdentifier": r.get("messageId") or r["dynamodb"]["SequenceNumber"]})
            continue
        ddb.update_item(TableName=os.environ["SINK"], Key={"id": {"S": record_id(r)}},
                        UpdateExpression="SET #r = :r, #b = :b ADD hits :one",
                        ExpressionAttributeNames={"#r": "record", "#b": "batch"},
                        ExpressionAttributeValues={":r": {"S": json.dumps(r)}, ":one": {"N": "1"},
                                                   ":b": {"N": str(len(event["Records"]))}})
    if failures and os.environ.get("REPORT"):
        return {"batchItemFailures": failures}
    if failures:
        raise Exception("failing records: %d" % len(failures))
    return {}
"""


def wait_for(pred, timeout=60, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()


class EsmCase(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")
        self.sqs = self.stratus.client("sqs")
        self.ddb = self.stratus.client("dynamodb")
        self.sns = self.stratus.client("sns")

    def sink(self, name):
        self.ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        return name

    def items(self, table):
        out, kw = [], {}
        while True:
            r = self.ddb.scan(TableName=table, **kw)
            out += r["Items"]
            if "LastEvaluatedKey" not in r:
                return {i["id"]["S"]: i for i in out}
            kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]

    def recorder(self, name, sink, report=False, **kw):
        env = {"SINK": sink}
        if report:
            env["REPORT"] = "1"
        create(self.lam, name, {"app.py": RECORDER}, Environment={"Variables": env}, Timeout=30, **kw)

    def queue(self, name, **attrs):
        url = self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attrs.items()})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def stream_table(self, name, view="NEW_AND_OLD_IMAGES"):
        t = self.ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST",
                                  StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        return t["TableDescription"]["LatestStreamArn"]

    def wait_state(self, uuid, state):
        return wait_for(lambda: self.lam.get_event_source_mapping(UUID=uuid)["State"] == state, timeout=10)


class MappingApi(EsmCase):
    def test_sqs_mapping_lifecycle(self):
        create(self.lam, "api-fn", {"app.py": "def handler(e, c):\n    return 1\n"})
        _, arn = self.queue("api-q")
        m = self.lam.create_event_source_mapping(FunctionName="api-fn", EventSourceArn=arn)
        self.assertEqual(m["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(m["State"], "Creating")
        self.assertEqual(m["BatchSize"], 10)
        self.assertEqual(m["MaximumBatchingWindowInSeconds"], 0)
        self.assertEqual(m["EventSourceArn"], arn)
        self.assertEqual(m["FunctionArn"], f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:api-fn")
        self.assertEqual(m["StateTransitionReason"], "USER_INITIATED")
        self.assertEqual(m["EventSourceMappingArn"],
                         f"arn:aws:lambda:us-east-1:{ACCOUNT}:event-source-mapping:{m['UUID']}")
        self.assertNotIn("StartingPosition", m)
        self.assertTrue(self.wait_state(m["UUID"], "Enabled"))
        got = self.lam.get_event_source_mapping(UUID=m["UUID"])
        self.assertEqual(got["UUID"], m["UUID"])
        self.assertIn("LastModified", got)

        listed = self.lam.list_event_source_mappings(FunctionName="api-fn")["EventSourceMappings"]
        self.assertEqual([x["UUID"] for x in listed], [m["UUID"]])
        self.assertEqual(self.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"][0]["UUID"],
                         m["UUID"])
        self.assertEqual(self.lam.list_event_source_mappings(FunctionName="other")["EventSourceMappings"], [])

        u = self.lam.update_event_source_mapping(UUID=m["UUID"], BatchSize=5, Enabled=False)
        self.assertEqual(u["State"], "Disabling")
        self.assertEqual(u["BatchSize"], 5)
        self.assertTrue(self.wait_state(m["UUID"], "Disabled"))
        u = self.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
        self.assertEqual(u["State"], "Enabling")
        self.assertTrue(self.wait_state(m["UUID"], "Enabled"))

        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.lam.create_event_source_mapping(FunctionName="api-fn", EventSourceArn=arn)

        d = self.lam.delete_event_source_mapping(UUID=m["UUID"])
        self.assertEqual(d["State"], "Deleting")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_event_source_mapping(UUID=m["UUID"])
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.delete_event_source_mapping(UUID=m["UUID"])

    def test_stream_mapping_shape(self):
        create(self.lam, "api-sfn", {"app.py": "def handler(e, c):\n    return 1\n"})
        stream = self.stream_table("api-st")
        m = self.lam.create_event_source_mapping(FunctionName="api-sfn", EventSourceArn=stream,
                                                 StartingPosition="TRIM_HORIZON")
        self.assertEqual(m["BatchSize"], 100)
        self.assertEqual(m["StartingPosition"], "TRIM_HORIZON")
        self.assertEqual(m["MaximumRetryAttempts"], -1)
        self.assertEqual(m["MaximumRecordAgeInSeconds"], -1)
        self.assertEqual(m["BisectBatchOnFunctionError"], False)
        self.assertEqual(m["ParallelizationFactor"], 1)
        self.assertEqual(m["DestinationConfig"], {"OnFailure": {}})
        self.assertEqual(m["LastProcessingResult"], "No records processed")
        self.assertEqual(m["StateTransitionReason"], "User action")
        self.lam.delete_event_source_mapping(UUID=m["UUID"])

    def test_validation(self):
        create(self.lam, "val-fn", {"app.py": "def handler(e, c):\n    return 1\n"})
        _, q = self.queue("val-q")
        _, fifo = self.queue("val-q.fifo", FifoQueue="true")
        stream = self.stream_table("val-t")
        ex = self.lam.exceptions
        cases = [
            (ex.ResourceNotFoundException, dict(FunctionName="nope", EventSourceArn=q)),
            (ex.InvalidParameterValueException,
             dict(FunctionName="val-fn", EventSourceArn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:missing")),
            (ex.InvalidParameterValueException, dict(FunctionName="val-fn", EventSourceArn=q, BatchSize=20)),
            (ex.InvalidParameterValueException,
             dict(FunctionName="val-fn", EventSourceArn=fifo, BatchSize=20, MaximumBatchingWindowInSeconds=1)),
            (ex.InvalidParameterValueException,
             dict(FunctionName="val-fn", EventSourceArn=q, StartingPosition="LATEST")),
            (ex.InvalidParameterValueException, dict(FunctionName="val-fn", EventSourceArn=stream)),
            (ex.InvalidParameterValueException,
             dict(FunctionName="val-fn", EventSourceArn=stream + "x", StartingPosition="LATEST")),
            (ex.InvalidParameterValueException,
             dict(FunctionName="val-fn", EventSourceArn=q, FilterCriteria={"Filters": [{"Pattern": "{bad"}]})),
        ]
        for err, kw in cases:
            with self.subTest(kw=kw):
                with self.assertRaises(err):
                    self.lam.create_event_source_mapping(**kw)
        with self.assertRaises(Exception) as cm:  # the model's range: BatchSize <= 10000
            self.lam.create_event_source_mapping(FunctionName="val-fn", EventSourceArn=q, BatchSize=10001)
        self.assertIn("batchSize", str(cm.exception))
        # Larger SQS batches need a batching window.
        m = self.lam.create_event_source_mapping(FunctionName="val-fn", EventSourceArn=q, BatchSize=100,
                                                 MaximumBatchingWindowInSeconds=1)
        self.assertEqual(m["BatchSize"], 100)
        self.lam.delete_event_source_mapping(UUID=m["UUID"])
        with self.assertRaises(ex.ResourceNotFoundException):
            self.lam.update_event_source_mapping(UUID="00000000-0000-0000-0000-000000000000", BatchSize=1)

    def test_aws_cli(self):
        create(self.lam, "cli-fn", {"app.py": "def handler(e, c):\n    return 1\n"})
        _, q = self.queue("cli-q")
        m = self.stratus.aws("lambda", "create-event-source-mapping", "--function-name", "cli-fn",
                             "--event-source-arn", q, "--batch-size", "3")
        self.assertEqual(m["BatchSize"], 3)
        out = self.stratus.aws("lambda", "list-event-source-mappings", "--function-name", "cli-fn")
        self.assertEqual(out["EventSourceMappings"][0]["UUID"], m["UUID"])
        self.stratus.aws("lambda", "delete-event-source-mapping", "--uuid", m["UUID"])


class SqsSource(EsmCase):
    def test_messages_reach_the_function_with_aws_shape(self):
        sink = self.sink("sqs-sink")
        self.recorder("sqs-rec", sink)
        url, arn = self.queue("sqs-in")
        self.lam.create_event_source_mapping(FunctionName="sqs-rec", EventSourceArn=arn, BatchSize=10)
        ids = []
        for i in range(25):
            r = self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": i}),
                                      MessageAttributes={"color": {"DataType": "String", "StringValue": "red"},
                                                         "raw": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}})
            ids.append(r["MessageId"])
        got = wait_for(lambda: len(self.items(sink)) == 25 and self.items(sink))
        self.assertTrue(got, "not every message reached the function")
        self.assertEqual(set(got), set(ids))
        rec = json.loads(got[ids[0]]["record"]["S"])
        self.assertEqual(rec["eventSource"], "aws:sqs")
        self.assertEqual(rec["eventSourceARN"], arn)
        self.assertEqual(rec["awsRegion"], "us-east-1")
        self.assertEqual(json.loads(rec["body"]), {"n": 0})
        self.assertIn("receiptHandle", rec)
        self.assertEqual(len(rec["md5OfBody"]), 32)
        for k in ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"):
            self.assertIn(k, rec["attributes"])
        self.assertEqual(rec["attributes"]["ApproximateReceiveCount"], "1")
        self.assertEqual(rec["messageAttributes"]["color"],
                         {"stringValue": "red", "stringListValues": [], "binaryListValues": [], "dataType": "String"})
        self.assertEqual(rec["messageAttributes"]["raw"]["binaryValue"], "AQI=")
        self.assertEqual(rec["messageAttributes"]["raw"]["dataType"], "Binary")
        self.assertIn("md5OfMessageAttributes", rec)
        self.assertTrue(all(int(i["batch"]["N"]) <= 10 for i in got.values()))
        # Processed messages are deleted.
        self.assertTrue(wait_for(lambda: self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
            ["Attributes"] == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}))

    def test_failures_retry_then_redrive_to_dlq(self):
        sink = self.sink("dlq-sink")
        self.recorder("dlq-rec", sink)
        _, dlq_arn = self.queue("dlq-dead")
        dlq_url = self.sqs.get_queue_url(QueueName="dlq-dead")["QueueUrl"]
        url, arn = self.queue("dlq-in", VisibilityTimeout=1,
                              RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
        self.lam.create_event_source_mapping(FunctionName="dlq-rec", EventSourceArn=arn, BatchSize=1)
        self.sqs.send_message(QueueUrl=url, MessageBody="please fail")
        ok = self.sqs.send_message(QueueUrl=url, MessageBody="fine")["MessageId"]
        self.assertTrue(wait_for(lambda: ok in self.items(sink)))
        dead = wait_for(lambda: self.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages"))
        self.assertTrue(dead, "the failing message was not redriven")
        self.assertEqual(dead[0]["Body"], "please fail")

    def test_report_batch_item_failures(self):
        sink = self.sink("rbif-sink")
        self.recorder("rbif-rec", sink, report=True)
        url, arn = self.queue("rbif-in", VisibilityTimeout=30)  # no redelivery while a slow machine invokes
        # Messages are sent before the mapping exists so that they arrive in one batch.
        sent = {}
        for body in ["a", "fail-b", "c", "d"]:
            sent[body] = self.sqs.send_message(QueueUrl=url, MessageBody=body)["MessageId"]
        self.lam.create_event_source_mapping(FunctionName="rbif-rec", EventSourceArn=arn, BatchSize=10,
                                             FunctionResponseTypes=["ReportBatchItemFailures"])
        self.assertTrue(wait_for(lambda: {sent["a"], sent["c"], sent["d"]} <= set(self.items(sink))))
        # The reported message stays in the queue (retried); the others were deleted exactly once.
        time.sleep(3)
        items = self.items(sink)
        self.assertNotIn(sent["fail-b"], items)
        for b in ["a", "c", "d"]:
            self.assertEqual(items[sent[b]]["hits"]["N"], "1")
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"]),
                         1)

    def test_filter_criteria(self):
        sink = self.sink("flt-sink")
        self.recorder("flt-rec", sink)
        url, arn = self.queue("flt-in")
        self.lam.create_event_source_mapping(
            FunctionName="flt-rec", EventSourceArn=arn,
            FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]})
        keep = self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "order"}))["MessageId"]
        drop = self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "other"}))["MessageId"]
        plain = self.sqs.send_message(QueueUrl=url, MessageBody="not json")["MessageId"]
        self.assertTrue(wait_for(lambda: keep in self.items(sink)))
        # Messages no filter matches are deleted without invoking the function.
        self.assertTrue(wait_for(lambda: self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
            ["Attributes"] == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}))
        items = self.items(sink)
        self.assertNotIn(drop, items)
        self.assertNotIn(plain, items)

    def test_disable_stops_and_enable_resumes(self):
        sink = self.sink("dis-sink")
        self.recorder("dis-rec", sink)
        url, arn = self.queue("dis-in")
        m = self.lam.create_event_source_mapping(FunctionName="dis-rec", EventSourceArn=arn, Enabled=False)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=m["UUID"])["State"], "Disabled")
        mid = self.sqs.send_message(QueueUrl=url, MessageBody="x")["MessageId"]
        time.sleep(2)
        self.assertEqual(self.items(sink), {})
        self.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
        self.assertTrue(wait_for(lambda: mid in self.items(sink)))
        self.lam.delete_event_source_mapping(UUID=m["UUID"])
        time.sleep(1)
        later = self.sqs.send_message(QueueUrl=url, MessageBody="y")["MessageId"]
        time.sleep(2)
        self.assertNotIn(later, self.items(sink))
        self.assertEqual(len(self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])), 1)

    def test_batching_window_gathers_a_larger_batch(self):
        sink = self.sink("win-sink")
        self.recorder("win-rec", sink)
        url, arn = self.queue("win-in")
        self.lam.create_event_source_mapping(FunctionName="win-rec", EventSourceArn=arn, BatchSize=50,
                                             MaximumBatchingWindowInSeconds=3,
                                             ScalingConfig={"MaximumConcurrency": 2})
        for i in range(0, 30, 10):
            self.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": str(i + j)}
                                                               for j in range(10)])
        got = wait_for(lambda: len(self.items(sink)) == 30 and self.items(sink))
        self.assertTrue(got)
        self.assertGreater(max(int(i["batch"]["N"]) for i in got.values()), 10)


class StreamSource(EsmCase):
    def test_stream_records_in_order_with_aws_shape(self):
        sink = self.sink("st-sink")
        self.recorder("st-rec", sink)
        stream = self.stream_table("st-src")
        self.ddb.put_item(TableName="st-src", Item={"pk": {"S": "before"}})
        m = self.lam.create_event_source_mapping(FunctionName="st-rec", EventSourceArn=stream,
                                                 StartingPosition="LATEST", BatchSize=5)
        self.ddb.put_item(TableName="st-src", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        self.ddb.put_item(TableName="st-src", Item={"pk": {"S": "a"}, "v": {"N": "2"}})
        self.ddb.delete_item(TableName="st-src", Key={"pk": {"S": "a"}})
        got = wait_for(lambda: len(self.items(sink)) == 3 and self.items(sink))
        self.assertTrue(got)
        recs = sorted((json.loads(i["record"]["S"]) for i in got.values()),
                      key=lambda r: r["dynamodb"]["SequenceNumber"])
        self.assertEqual([r["eventName"] for r in recs], ["INSERT", "MODIFY", "REMOVE"])
        r = recs[1]
        self.assertEqual(r["eventSource"], "aws:dynamodb")
        self.assertEqual(r["eventVersion"], "1.1")
        self.assertEqual(r["awsRegion"], "us-east-1")
        self.assertEqual(r["eventSourceARN"], stream)
        self.assertEqual(r["dynamodb"]["Keys"], {"pk": {"S": "a"}})
        self.assertEqual(r["dynamodb"]["NewImage"], {"pk": {"S": "a"}, "v": {"N": "2"}})
        self.assertEqual(r["dynamodb"]["OldImage"], {"pk": {"S": "a"}, "v": {"N": "1"}})
        self.assertEqual(r["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
        self.assertIsInstance(r["dynamodb"]["ApproximateCreationDateTime"], (int, float))
        self.assertIsInstance(r["dynamodb"]["SizeBytes"], int)
        self.assertTrue(wait_for(lambda: self.lam.get_event_source_mapping(UUID=m["UUID"])
                                 ["LastProcessingResult"] == "OK"))

    def test_trim_horizon_filters_and_retries_to_on_failure(self):
        sink = self.sink("sf-sink")
        self.recorder("sf-rec", sink)
        _, dest = self.queue("sf-failures")
        dest_url = self.sqs.get_queue_url(QueueName="sf-failures")["QueueUrl"]
        stream = self.stream_table("sf-src")
        self.ddb.put_item(TableName="sf-src", Item={"pk": {"S": "k1"}, "kind": {"S": "keep"}})
        self.ddb.put_item(TableName="sf-src", Item={"pk": {"S": "k2"}, "kind": {"S": "skip"}})
        self.ddb.put_item(TableName="sf-src", Item={"pk": {"S": "k3"}, "kind": {"S": "fail"}})
        self.ddb.put_item(TableName="sf-src", Item={"pk": {"S": "k4"}, "kind": {"S": "keep"}})
        self.lam.create_event_source_mapping(
            FunctionName="sf-rec", EventSourceArn=stream, StartingPosition="TRIM_HORIZON", BatchSize=10,
            MaximumRetryAttempts=1, BisectBatchOnFunctionError=True,
            DestinationConfig={"OnFailure": {"Destination": dest}},
            FilterCriteria={"Filters": [{"Pattern": json.dumps(
                {"dynamodb": {"NewImage": {"kind": {"S": ["keep", "fail"]}}}})}]})
        msgs = wait_for(lambda: self.sqs.receive_message(QueueUrl=dest_url, WaitTimeSeconds=1).get("Messages"))
        self.assertTrue(msgs, "no on-failure record")
        info = json.loads(msgs[0]["Body"])
        self.assertEqual(info["requestContext"]["condition"], "RetryAttemptsExhausted")
        self.assertEqual(info["requestContext"]["functionArn"],
                         f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:sf-rec")
        self.assertEqual(info["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(info["version"], "1.0")
        batch = info["DDBStreamBatchInfo"]
        self.assertEqual(batch["streamArn"], stream)
        self.assertEqual(batch["batchSize"], 1)
        self.assertTrue(batch["shardId"].startswith("shardId-"))
        # k1 and k4 arrive (k4 after the failing k3 was given up on), k2 was filtered out.
        got = wait_for(lambda: {"k1", "k4"} <= {json.loads(i["record"]["S"])["dynamodb"]["Keys"]["pk"]["S"]
                                                  for i in self.items(sink).values()})
        self.assertTrue(got)
        keys = {json.loads(i["record"]["S"])["dynamodb"]["Keys"]["pk"]["S"] for i in self.items(sink).values()}
        self.assertEqual(keys, {"k1", "k4"})


class SnsToLambda(EsmCase):
    def test_sns_invokes_the_function_with_aws_shape(self):
        sink = self.sink("sns-sink")
        self.recorder("sns-rec", sink)
        topic = self.sns.create_topic(Name="to-lambda")["TopicArn"]
        fn = self.lam.get_function(FunctionName="sns-rec")["Configuration"]["FunctionArn"]
        sub = self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
        mid = self.sns.publish(TopicArn=topic, Message="hello", Subject="greeting",
                               MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})["MessageId"]
        got = wait_for(lambda: self.items(sink).get(mid))
        self.assertTrue(got, "SNS did not invoke the function")
        rec = json.loads(got["record"]["S"])
        self.assertEqual(rec["EventSource"], "aws:sns")
        self.assertEqual(rec["EventVersion"], "1.0")
        self.assertEqual(rec["EventSubscriptionArn"], sub)
        s = rec["Sns"]
        self.assertEqual(s["Type"], "Notification")
        self.assertEqual(s["TopicArn"], topic)
        self.assertEqual(s["Subject"], "greeting")
        self.assertEqual(s["Message"], "hello")
        self.assertEqual(s["SignatureVersion"], "1")
        for k in ("Timestamp", "Signature", "SigningCertUrl", "UnsubscribeUrl"):
            self.assertTrue(s[k], k)
        self.assertEqual(s["MessageAttributes"], {"k": {"Type": "String", "Value": "v"}})


if __name__ == "__main__":
    unittest.main()
