"""SQS memory: past the resident budget a queued message costs its index entry only (its payload
is read back from the stored record on receive), and every receive path serves such messages
whole — attributes, digests, FIFO fields, dead-letter moves, SNS envelopes, after kill -9."""
import http.client
import json
import re
import time
import unittest

from harness import Stratus


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024


class PayloadsReadBack(unittest.TestCase):
    """A budget of 0: no payload stays in memory, every receive reads the record."""

    def setUp(self):
        self.stratus = Stratus(env={"STRATUS_SQS_RESIDENT_BYTES": "0"}).start()
        self.sqs = self.stratus.client("sqs")

    def tearDown(self):
        self.stratus.cleanup()

    def test_attributes_digests_and_trace_header(self):
        url = self.sqs.create_queue(QueueName="plain")["QueueUrl"]
        sent = self.sqs.send_message(
            QueueUrl=url, MessageBody="hello " * 100,
            MessageAttributes={"n": {"DataType": "Number", "StringValue": "42"},
                               "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"}},
            MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}})
        got = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"],
                                       MessageSystemAttributeNames=["All"])["Messages"]
        self.assertEqual(len(got), 1)
        m = got[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], "hello " * 100)
        self.assertEqual(m["MD5OfBody"], sent["MD5OfMessageBody"])
        self.assertEqual(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.assertEqual(m["MessageAttributes"]["b"]["BinaryValue"], b"\x00\x01\xff")
        self.assertEqual(m["Attributes"]["AWSTraceHeader"], "Root=1-abc")
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")

    def test_fifo_fields(self):
        url = self.sqs.create_queue(QueueName="f.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g",
                                     MessageDeduplicationId="d1")
        dup = self.sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g",
                                    MessageDeduplicationId="d1")
        self.assertEqual(dup["MessageId"], sent["MessageId"])
        m = self.sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"][0]
        self.assertEqual(m["Body"], "one")
        self.assertEqual(m["Attributes"]["MessageGroupId"], "g")
        self.assertEqual(m["Attributes"]["MessageDeduplicationId"], "d1")
        self.assertEqual(m["Attributes"]["SequenceNumber"], sent["SequenceNumber"])

    def test_dead_letter_move_and_restart(self):
        dlq = self.sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src = self.sqs.create_queue(QueueName="src", Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}),
            "VisibilityTimeout": "0"})["QueueUrl"]
        self.sqs.send_message(QueueUrl=src, MessageBody="poison",
                              MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
        self.assertEqual(len(self.sqs.receive_message(QueueUrl=src)["Messages"]), 1)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))  # moved on the 2nd receive
        self.stratus.kill9()
        self.stratus.start()
        sqs = self.stratus.client("sqs")
        m = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"][0]
        self.assertEqual(m["Body"], "poison")
        self.assertEqual(m["MessageAttributes"]["k"]["StringValue"], "v")
        self.assertTrue(m["Attributes"]["DeadLetterQueueSourceArn"].endswith(":src"))

    def test_sns_envelopes(self):
        sns = self.stratus.client("sns")
        topic = sns.create_topic(Name="t")["TopicArn"]
        url = self.sqs.create_queue(QueueName="sub")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        sns.publish(TopicArn=topic, Message="order 7", Subject="s")
        m = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        env = json.loads(m["Body"])
        self.assertEqual(env["Message"], "order 7")
        self.assertEqual(env["Subject"], "s")
        self.assertIn("Signature", env)


class IndexFootprint(unittest.TestCase):
    """200k queued messages past a 1 MB budget cost under 450 bytes each (about 710 when every
    message was held whole in memory)."""

    def test_backlog_costs_index_entries_only(self):
        s = Stratus(env={"STRATUS_SQS_RESIDENT_BYTES": str(1 << 20)}).start()
        try:
            url = s.client("sqs").create_queue(QueueName="backlog")["QueueUrl"]
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
            now = time.gmtime()
            hdr = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessageBatch",
                   "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", now),
                   "Authorization": "AWS4-HMAC-SHA256 Credential=test/" + time.strftime("%Y%m%d", now) +
                                    "/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0"}

            def send(n):
                for i in range(n // 10):
                    body = json.dumps({"QueueUrl": url, "Entries": [
                        {"Id": str(j), "MessageBody": f"order {i}-{j}: 3 items, total 99.95, customer 1234"}
                        for j in range(10)]})
                    c.request("POST", "/", body, hdr)
                    r = c.getresponse()
                    self.assertEqual(r.status, 200, r.read())
                    r.read()

            send(20_000)  # warm-up: the budget fills, RocksDB's buffers grow
            before = rss_bytes(s.proc.pid)
            n = 200_000
            send(n)
            per_message = (rss_bytes(s.proc.pid) - before) / n
            self.assertLess(per_message, 450, f"{per_message:.0f} bytes a queued message")
            attrs = s.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            self.assertEqual(attrs["Attributes"]["ApproximateNumberOfMessages"], str(n + 20_000))
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
