"""SQS across kill -9 and restart: acknowledged sends survive, receipt handles stay valid, a
received message stays invisible for its timeout, FIFO deduplication and queue state persist."""
import unittest

from harness import Stratus


class KillAndRestart(unittest.TestCase):
    def setUp(self):
        self.stratus = Stratus().start()

    def tearDown(self):
        self.stratus.cleanup()

    def restart_after_kill9(self):
        self.stratus.kill9()
        self.stratus.start()
        return self.stratus.client("sqs")

    def test_acknowledged_sends_survive_kill9(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "45"},
                               tags={"k": "v"})["QueueUrl"]
        sent = set()
        for i in range(0, 300, 10):
            out = sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(j), "MessageBody": f"m{i + j}"} for j in range(10)])
            sent.update(e["MessageId"] for e in out["Successful"])
        sent.add(sqs.send_message(QueueUrl=url, MessageBody="single", MessageAttributes={
            "a": {"DataType": "String", "StringValue": "b"}})["MessageId"])
        sqs = self.restart_after_kill9()
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "45")
        self.assertEqual(attrs["ApproximateNumberOfMessages"], str(len(sent)))
        self.assertEqual(sqs.list_queue_tags(QueueUrl=url)["Tags"], {"k": "v"})
        got = set()
        while True:
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       MessageAttributeNames=["All"]).get("Messages", [])
            if not msgs:
                break
            got.update(m["MessageId"] for m in msgs)
        self.assertEqual(got, sent)

    def test_receipt_handles_and_invisibility_survive_restart(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="handles")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="a")
        sqs.send_message(QueueUrl=url, MessageBody="b")
        held = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=600)["Messages"]
        self.assertEqual(len(held), 2)
        sqs = self.restart_after_kill9()
        # Still in flight: nobody else gets them within the visibility timeout.
        self.assertNotIn("Messages", sqs.receive_message(QueueUrl=url))
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
        self.assertEqual(attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "2")
        # The handles from before the crash still work.
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=held[0]["ReceiptHandle"], VisibilityTimeout=0)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=held[1]["ReceiptHandle"])
        again = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["ApproximateReceiveCount"])["Messages"]
        self.assertEqual([m["Body"] for m in again], [held[0]["Body"]])
        self.assertEqual(again[0]["Attributes"]["ApproximateReceiveCount"], "2")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
        self.assertNotIn("Messages", sqs.receive_message(QueueUrl=url))

    def test_fifo_dedup_and_order_survive_restart(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="d.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        first = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g", MessageDeduplicationId="x")
        sqs.send_message(QueueUrl=url, MessageBody="2", MessageGroupId="g", MessageDeduplicationId="y")
        sqs = self.restart_after_kill9()
        dup = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g", MessageDeduplicationId="x")
        self.assertEqual(dup["MessageId"], first["MessageId"])
        bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
        self.assertEqual(bodies, ["1", "2"])

    def test_deleted_queue_stays_deleted(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="gone")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="x")
        sqs.delete_queue(QueueUrl=url)
        sqs = self.restart_after_kill9()
        self.assertNotIn("QueueUrls", sqs.list_queues(QueueNamePrefix="gone"))


if __name__ == "__main__":
    unittest.main()
