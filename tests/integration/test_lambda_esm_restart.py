"""Event source mappings across restarts: Stratus is stopped midway (SIGTERM, and kill -9) while
an SQS queue, a DynamoDB stream and an SNS topic feed a function; after the restart every record
must arrive (nothing lost, nothing stuck), and a stream re-delivers at most the batch that was in
flight."""
import json
import signal
import time
import unittest

from harness import Stratus
from lambda_util import create
from test_lambda_esm import RECORDER, wait_for

N = 150


class Restart(unittest.TestCase):
    def setUp(self):
        self.s = Stratus().start()
        self.addCleanup(self.s.cleanup)
        self.clients()
        self.ddb.create_table(TableName="sink", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        create(self.lam, "rec", {"app.py": RECORDER}, Environment={"Variables": {"SINK": "sink"}}, Timeout=30)

    def clients(self):
        self.lam = self.s.client("lambda")
        self.sqs = self.s.client("sqs")
        self.ddb = self.s.client("dynamodb")
        self.sns = self.s.client("sns")

    def restart(self, sig):
        self.s.stop(sig)
        self.s.start()
        self.clients()

    def sink(self):
        out, kw = [], {}
        while True:
            r = self.ddb.scan(TableName="sink", **kw)
            out += r["Items"]
            if "LastEvaluatedKey" not in r:
                return {i["id"]["S"]: i for i in out}
            kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]

    def sqs_case(self, sig):
        url = self.sqs.create_queue(QueueName="in", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.lam.create_event_source_mapping(FunctionName="rec", EventSourceArn=arn, BatchSize=5)
        ids = set()
        for i in range(0, N, 10):
            r = self.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": f"m{i + j}"}
                                                                   for j in range(10)])
            ids |= {e["MessageId"] for e in r["Successful"]}
        self.assertTrue(wait_for(lambda: len(self.sink()) >= 10))
        self.restart(sig)
        self.assertTrue(wait_for(lambda: set(self.sink()) >= ids, timeout=120), "messages lost after restart")
        self.assertTrue(wait_for(lambda: self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
            ["Attributes"] == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}),
            "messages stuck in the queue")

    def stream_case(self, sig):
        stream = self.ddb.create_table(
            TableName="src", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]["LatestStreamArn"]
        batch = 5
        self.lam.create_event_source_mapping(FunctionName="rec", EventSourceArn=stream, StartingPosition="TRIM_HORIZON",
                                             BatchSize=batch)
        for i in range(N):
            self.ddb.put_item(TableName="src", Item={"pk": {"S": f"k{i}"}})
        self.assertTrue(wait_for(lambda: len(self.sink()) >= 10))
        self.restart(sig)
        for i in range(N, N + 20):  # records written after the restart arrive too
            self.ddb.put_item(TableName="src", Item={"pk": {"S": f"k{i}"}})
        got = wait_for(lambda: len(self.sink()) == N + 20 and self.sink(), timeout=120)
        self.assertTrue(got, "stream records lost after restart")
        keys = {json.loads(i["record"]["S"])["dynamodb"]["Keys"]["pk"]["S"] for i in got.values()}
        self.assertEqual(keys, {f"k{i}" for i in range(N + 20)})
        repeated = [k for k, i in got.items() if i["hits"]["N"] != "1"]
        self.assertLessEqual(len(repeated), batch, "more than the in-flight batch was delivered again")

    def sns_case(self, sig):
        topic = self.sns.create_topic(Name="t")["TopicArn"]
        fn = self.lam.get_function(FunctionName="rec")["Configuration"]["FunctionArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
        ids = {self.sns.publish(TopicArn=topic, Message=f"m{i}")["MessageId"] for i in range(60)}
        self.restart(sig)
        ids |= {self.sns.publish(TopicArn=topic, Message=f"after{i}")["MessageId"] for i in range(10)}
        self.assertTrue(wait_for(lambda: set(self.sink()) >= ids, timeout=180), "SNS deliveries lost after restart")

    def test_sqs_sigterm(self):
        self.sqs_case(signal.SIGTERM)

    def test_sqs_kill9(self):
        self.sqs_case(signal.SIGKILL)

    def test_stream_sigterm(self):
        self.stream_case(signal.SIGTERM)

    def test_stream_kill9(self):
        self.stream_case(signal.SIGKILL)

    def test_sns_sigterm(self):
        self.sns_case(signal.SIGTERM)

    def test_sns_kill9(self):
        self.sns_case(signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
