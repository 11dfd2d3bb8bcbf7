"""SQS dead-letter redrive (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask),
FIFO ReceiveRequestAttemptId retries and high-throughput attributes, and the Query protocol's
legacy parameter forms (Attribute.N.Name, AttributeName.N, MessageAttribute.N.*) with the
InvalidAttributeName / MissingParameter errors AWS gives. boto3 (JSON and Query) and the aws CLI."""
import base64
import json
import time
import unittest
import urllib.parse

import botocore.exceptions

from test_sqs import SqsCase, query_client


class Base(SqsCase):
    def queue(self, fifo=False, **attrs):
        """Like SqsCase.queue, with the queue's ARN too."""
        url = super().queue(fifo=fifo, **attrs)
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def with_dlq(self, fifo=False, **attrs):
        """A source queue (maxReceiveCount 1, visibility 0) and its dead-letter queue."""
        dlq, dlq_arn = self.queue(fifo=fifo, **attrs)
        src, src_arn = self.queue(fifo=fifo, VisibilityTimeout=0, RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}), **attrs)
        return src, src_arn, dlq, dlq_arn

    def poison(self, src, n):
        """Sends n messages and receives each twice, which moves them to the DLQ."""
        for i in range(n):
            self.sqs.send_message(QueueUrl=src, MessageBody=f"m{i}")
        for _ in range(2 * n + 2):
            self.sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)

    def wait_task(self, arn, status="COMPLETED"):
        deadline = time.time() + 30
        while True:
            t = self.sqs.list_message_move_tasks(SourceArn=arn)["Results"][0]
            if t["Status"] == status or time.time() > deadline:
                return t
            time.sleep(0.05)

    def count(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(a["Attributes"]["ApproximateNumberOfMessages"])


class MoveTasks(Base):
    def test_redrive_back_to_source(self):
        src, src_arn, dlq, dlq_arn = self.with_dlq()
        self.poison(src, 5)
        self.assertEqual(self.count(dlq), 5)
        handle = self.sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
        self.assertTrue(handle)
        t = self.wait_task(dlq_arn)
        self.assertEqual(t["Status"], "COMPLETED")
        self.assertEqual(t["ApproximateNumberOfMessagesMoved"], 5)
        self.assertEqual(t["ApproximateNumberOfMessagesToMove"], 5)
        self.assertEqual(t["SourceArn"], dlq_arn)
        self.assertNotIn("DestinationArn", t)
        self.assertNotIn("TaskHandle", t)  # only for running tasks
        self.assertIsInstance(t["StartedTimestamp"], int)
        self.assertEqual(self.count(dlq), 0)
        got = self.sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, VisibilityTimeout=60)["Messages"]
        self.assertEqual(sorted(m["Body"] for m in got), [f"m{i}" for i in range(5)])

    def test_redrive_to_destination_with_rate_and_cli(self):
        src, src_arn, dlq, dlq_arn = self.with_dlq()
        other, other_arn = self.queue()
        self.poison(src, 3)
        out = self.stratus.aws("sqs", "start-message-move-task", "--source-arn", dlq_arn,
                               "--destination-arn", other_arn, "--max-number-of-messages-per-second", "50")
        self.assertIn("TaskHandle", out)
        t = self.wait_task(dlq_arn)
        self.assertEqual(t["DestinationArn"], other_arn)
        self.assertEqual(t["MaxNumberOfMessagesPerSecond"], 50)
        self.assertEqual(self.count(other), 3)
        listed = self.stratus.aws("sqs", "list-message-move-tasks", "--source-arn", dlq_arn, "--max-results", "10")
        self.assertEqual(listed["Results"][0]["Status"], "COMPLETED")

    def test_cancel_and_one_task_at_a_time(self):
        src, src_arn, dlq, dlq_arn = self.with_dlq()
        self.poison(src, 6)
        # 1 message per second: the task is still running while we look at it.
        handle = self.sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
        code, msg = self.error(self.sqs.start_message_move_task, SourceArn=dlq_arn)
        self.assertEqual(code, "InvalidParameterValue")
        running = self.sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
        self.assertEqual(running["Status"], "RUNNING")
        self.assertEqual(running["TaskHandle"], handle)
        out = self.sqs.cancel_message_move_task(TaskHandle=handle)
        self.assertLess(out["ApproximateNumberOfMessagesMoved"], 6)
        self.assertEqual(self.sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"], "CANCELLED")
        code, _ = self.error(self.sqs.cancel_message_move_task, TaskHandle=handle)
        self.assertIn(code, ("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation"))
        # A new task may start once the previous one ended; the list is newest first.
        self.sqs.start_message_move_task(SourceArn=dlq_arn)
        self.wait_task(dlq_arn)
        both = self.sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
        self.assertEqual([t["Status"] for t in both], ["COMPLETED", "CANCELLED"])

    def test_errors(self):
        plain, plain_arn = self.queue()
        src, src_arn, dlq, dlq_arn = self.with_dlq()
        code, msg = self.error(self.sqs.start_message_move_task, SourceArn=plain_arn)
        self.assertEqual((code, msg), ("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue."))
        code, _ = self.error(self.sqs.start_message_move_task,
                             SourceArn=plain_arn.rsplit(":", 1)[0] + ":does-not-exist")
        self.assertEqual(code, "ResourceNotFoundException")
        code, _ = self.error(self.sqs.start_message_move_task, SourceArn=dlq_arn,
                             DestinationArn=plain_arn.rsplit(":", 1)[0] + ":nope")
        self.assertEqual(code, "ResourceNotFoundException")
        code, _ = self.error(self.sqs.start_message_move_task, SourceArn="not-an-arn")
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.start_message_move_task, SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=501)
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.list_message_move_tasks, SourceArn=dlq_arn, MaxResults=11)
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.cancel_message_move_task, TaskHandle="bm9wZQ==")
        self.assertEqual(code, "ResourceNotFoundException")
        self.assertEqual(self.sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"], [])

    def test_message_sent_directly_to_dlq_fails_the_task(self):
        src, src_arn, dlq, dlq_arn = self.with_dlq()
        self.sqs.send_message(QueueUrl=dlq, MessageBody="orphan")
        self.sqs.start_message_move_task(SourceArn=dlq_arn)
        t = self.wait_task(dlq_arn, "FAILED")
        self.assertEqual(t["Status"], "FAILED")
        self.assertTrue(t["FailureReason"])
        self.assertEqual(self.count(dlq), 1)  # nothing lost

    def test_query_protocol(self):
        q = query_client(self.stratus)
        src, src_arn, dlq, dlq_arn = self.with_dlq()
        self.poison(src, 2)
        self.assertTrue(q.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"])
        deadline = time.time() + 30
        while time.time() < deadline:
            t = q.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
            if t["Status"] == "COMPLETED":
                break
            time.sleep(0.05)
        self.assertEqual(t["ApproximateNumberOfMessagesMoved"], 2)


class FifoRetries(Base):
    def test_receive_request_attempt_id_returns_same_messages(self):
        url, _ = self.queue(fifo=True, ContentBasedDeduplication="true")
        for i in range(4):
            self.sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId=f"g{i}")
        first = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")
        again = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")
        self.assertEqual([(m["Body"], m["ReceiptHandle"]) for m in first["Messages"]],
                         [(m["Body"], m["ReceiptHandle"]) for m in again["Messages"]])
        other = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, ReceiveRequestAttemptId="try-2")
        self.assertEqual([m["Body"] for m in other["Messages"]], ["m2", "m3"])
        # A deleted message is not returned by a retry.
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=first["Messages"][0]["ReceiptHandle"])
        third = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")
        self.assertEqual([m["Body"] for m in third["Messages"]], ["m1"])
        code, _ = self.error(self.sqs.receive_message, QueueUrl=url, ReceiveRequestAttemptId="x" * 129)
        self.assertEqual(code, "InvalidParameterValue")

    def test_attempt_id_of_a_long_poll(self):
        import threading
        url, _ = self.queue(fifo=True, ContentBasedDeduplication="true")
        sqs = self.stratus.client("sqs")  # made here: boto3 clients are not created thread-safely
        got = {}
        t = threading.Thread(target=lambda: got.update(sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=10, ReceiveRequestAttemptId="lp")))
        t.start()
        time.sleep(0.3)
        self.sqs.send_message(QueueUrl=url, MessageBody="late", MessageGroupId="g")
        t.join()
        again = self.sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="lp")["Messages"]
        self.assertEqual(again[0]["ReceiptHandle"], got["Messages"][0]["ReceiptHandle"])

    def test_query_protocol_attempt_id(self):
        q = query_client(self.stratus)
        url, _ = self.queue(fifo=True, ContentBasedDeduplication="true")
        q.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g")
        a = q.receive_message(QueueUrl=url, ReceiveRequestAttemptId="r1")["Messages"][0]
        b = q.receive_message(QueueUrl=url, ReceiveRequestAttemptId="r1")["Messages"][0]
        self.assertEqual(a["ReceiptHandle"], b["ReceiptHandle"])

    def test_high_throughput_dedup_per_group(self):
        url, _ = self.queue(fifo=True, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
        a = self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="A", MessageDeduplicationId="d")
        b = self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="B", MessageDeduplicationId="d")
        c = self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="A", MessageDeduplicationId="d")
        self.assertNotEqual(a["MessageId"], b["MessageId"])
        self.assertEqual(a["MessageId"], c["MessageId"])
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["DeduplicationScope"], "messageGroup")
        self.assertEqual(attrs["FifoThroughputLimit"], "perMessageGroupId")
        # Queue scope (the default): one dedup id for the whole queue.
        plain, _ = self.queue(fifo=True)
        a = self.sqs.send_message(QueueUrl=plain, MessageBody="x", MessageGroupId="A", MessageDeduplicationId="d")
        b = self.sqs.send_message(QueueUrl=plain, MessageBody="x", MessageGroupId="B", MessageDeduplicationId="d")
        self.assertEqual(a["MessageId"], b["MessageId"])

    def test_high_throughput_attribute_rules(self):
        code, _ = self.error(self.sqs.create_queue, QueueName="ht-bad.fifo", Attributes={
            "FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"})
        self.assertEqual(code, "InvalidAttributeValue")
        url, _ = self.queue(fifo=True)
        code, _ = self.error(self.sqs.set_queue_attributes, QueueUrl=url,
                             Attributes={"FifoThroughputLimit": "perMessageGroupId"})
        self.assertEqual(code, "InvalidAttributeValue")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup",
                                                                "FifoThroughputLimit": "perMessageGroupId"})
        code, _ = self.error(self.sqs.set_queue_attributes, QueueUrl=url, Attributes={"FifoThroughputLimit": "bogus"})
        self.assertEqual(code, "InvalidAttributeValue")
        std, _ = self.queue()
        code, _ = self.error(self.sqs.set_queue_attributes, QueueUrl=std, Attributes={"DeduplicationScope": "queue"})
        self.assertEqual(code, "InvalidAttributeName")


class QueryLegacyForms(Base):
    """Form parameters as older SDKs and hand-written clients send them."""

    def post(self, **params):
        body = urllib.parse.urlencode({"Version": "2012-11-05", **params}).encode()
        return self.stratus.http("POST", "/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
                             "SignedHeaders=host, Signature=00"})

    def test_attribute_n_forms(self):
        status, _, body = self.post(**{"Action": "CreateQueue", "QueueName": "legacy-forms",
                                       "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "45",
                                       "Attribute.2.Name": "DelaySeconds", "Attribute.2.Value": "2"})
        self.assertEqual(status, 200, body)
        url = self.sqs.get_queue_url(QueueName="legacy-forms")["QueueUrl"]
        status, _, body = self.post(**{"Action": "SetQueueAttributes", "QueueUrl": url,
                                       "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "0"})
        self.assertEqual(status, 200, body)
        status, _, body = self.post(**{"Action": "GetQueueAttributes", "QueueUrl": url,
                                       "AttributeName.1": "VisibilityTimeout", "AttributeName.2": "DelaySeconds"})
        self.assertEqual(status, 200, body)
        self.assertRegex(body, rb"VisibilityTimeout</(key|Name)><(value|Value)>45<")
        self.assertRegex(body, rb"DelaySeconds</(key|Name)><(value|Value)>0<")
        status, _, body = self.post(**{"Action": "SendMessage", "QueueUrl": url, "MessageBody": "hi",
                                       "MessageAttribute.1.Name": "color",
                                       "MessageAttribute.1.Value.DataType": "String",
                                       "MessageAttribute.1.Value.StringValue": "blue",
                                       "MessageAttribute.2.Name": "blob",
                                       "MessageAttribute.2.Value.DataType": "Binary",
                                       "MessageAttribute.2.Value.BinaryValue": base64.b64encode(b"\x00\x01").decode()})
        self.assertEqual(status, 200, body)
        got = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], VisibilityTimeout=0)["Messages"][0]
        self.assertEqual(got["MessageAttributes"]["color"]["StringValue"], "blue")
        self.assertEqual(got["MessageAttributes"]["blob"]["BinaryValue"], b"\x00\x01")
        status, _, body = self.post(**{"Action": "ReceiveMessage", "QueueUrl": url, "AttributeName.1": "All",
                                       "MessageAttributeName.1": "All", "VisibilityTimeout": "0"})
        self.assertEqual(status, 200, body)
        self.assertIn(b"SentTimestamp", body)
        self.assertIn(b"blue", body)

    def test_errors(self):
        url, _ = self.queue()
        status, _, body = self.post(Action="CreateQueue")
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>MissingParameter</Code>", body)
        status, _, body = self.post(**{"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "Bogus"})
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>InvalidAttributeName</Code>", body)
        status, _, body = self.post(**{"Action": "SetQueueAttributes", "QueueUrl": url,
                                       "Attribute.1.Name": "Bogus", "Attribute.1.Value": "1"})
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>InvalidAttributeName</Code>", body)
        status, _, body = self.post(**{"Action": "SendMessage", "QueueUrl": url})
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>MissingParameter</Code>", body)
        q = query_client(self.stratus)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            q.get_queue_attributes(QueueUrl=url, AttributeNames=["Bogus"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidAttributeName")
        code, _ = self.error(self.sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Bogus"])
        self.assertEqual(code, "InvalidAttributeName")


if __name__ == "__main__":
    unittest.main()
