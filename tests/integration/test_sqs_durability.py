"""SQS across kill -9 and restart: acknowledged sends survive, receipt handles stay valid, a
received message stays invisible for its timeout, FIFO deduplication, receive attempt ids, message
move tasks and queue state persist."""
import json
import unittest

from harness import Stratus, wait_until


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

    def test_fifo_receive_attempt_survives_restart(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="attempt.fifo", Attributes={
            "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
        for body in ("a", "b", "c"):
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
        first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=300,
                                    ReceiveRequestAttemptId="try-1")["Messages"]
        self.assertEqual([m["Body"] for m in first], ["a", "b"])
        sqs = self.restart_after_kill9()
        # The retry of the same attempt answers with the same messages and receipt handles.
        retry = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=300,
                                    ReceiveRequestAttemptId="try-1")["Messages"]
        self.assertEqual([(m["MessageId"], m["ReceiptHandle"]) for m in retry],
                         [(m["MessageId"], m["ReceiptHandle"]) for m in first])
        for m in retry:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in rest], ["c"])

    def test_message_move_task_survives_restart(self):
        sqs = self.stratus.client("sqs")
        dlq = sqs.create_queue(QueueName="move-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src = sqs.create_queue(QueueName="move-src", Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
        src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for i in range(0, 200, 10):
            sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": str(j), "MessageBody": f"m{i + j}"}
                                                          for j in range(10)])
        # One message per second: still running when stratus is killed.
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=src_arn, MaxNumberOfMessagesPerSecond=1)
        sqs = self.restart_after_kill9()
        tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        self.assertEqual(len(tasks), 1)
        self.assertEqual(tasks[0]["DestinationArn"], src_arn)
        self.assertEqual(tasks[0]["MaxNumberOfMessagesPerSecond"], 1)
        self.assertEqual(tasks[0]["ApproximateNumberOfMessagesToMove"], 200)
        self.assertIn(tasks[0]["Status"], ("RUNNING", "COMPLETED"))
        # The task carries on after the restart and moves everything.
        wait_until(lambda: sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] != "RUNNING",
                   timeout=120)
        task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
        self.assertEqual(task["Status"], "COMPLETED")
        self.assertEqual(task["ApproximateNumberOfMessagesMoved"], 200)
        attrs = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "200")
        attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")

    def test_deleted_queue_stays_deleted(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="gone")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="x")
        sqs.delete_queue(QueueUrl=url)
        sqs = self.restart_after_kill9()
        self.assertNotIn("QueueUrls", sqs.list_queues(QueueNamePrefix="gone"))

    def test_purged_and_deleted_messages_stay_gone(self):
        # Sends to three queues interleaved; after purging one, deleting a few messages of another
        # (one of them received) and a kill -9, exactly the rest is back.
        sqs = self.stratus.client("sqs")
        urls = [sqs.create_queue(QueueName=f"mix-{i}")["QueueUrl"] for i in range(3)]
        for i in range(30):
            for u in urls:
                sqs.send_message(QueueUrl=u, MessageBody=f"{u[-5:]}-{i}")
        received = sqs.receive_message(QueueUrl=urls[0], MaxNumberOfMessages=5, VisibilityTimeout=600)["Messages"]
        sqs.purge_queue(QueueUrl=urls[0])
        held = sqs.receive_message(QueueUrl=urls[1], MaxNumberOfMessages=4, VisibilityTimeout=600)["Messages"]
        self.assertEqual(len(held), 4)
        for m in held[:3]:
            sqs.delete_message(QueueUrl=urls[1], ReceiptHandle=m["ReceiptHandle"])
        sqs = self.restart_after_kill9()
        count = lambda u, n: sqs.get_queue_attributes(QueueUrl=u, AttributeNames=[n])["Attributes"][n]
        self.assertEqual(count(urls[0], "ApproximateNumberOfMessages"), "0")
        self.assertEqual(count(urls[0], "ApproximateNumberOfMessagesNotVisible"), "0")
        self.assertEqual(count(urls[1], "ApproximateNumberOfMessages"), "26")
        self.assertEqual(count(urls[1], "ApproximateNumberOfMessagesNotVisible"), "1")
        self.assertEqual(count(urls[2], "ApproximateNumberOfMessages"), "30")
        # A handle from before the purge no longer deletes anything; one from before the crash does.
        sqs.delete_message(QueueUrl=urls[0], ReceiptHandle=received[0]["ReceiptHandle"])
        sqs.delete_message(QueueUrl=urls[1], ReceiptHandle=held[3]["ReceiptHandle"])
        self.assertEqual(count(urls[1], "ApproximateNumberOfMessagesNotVisible"), "0")
        bodies = []
        while True:
            msgs = sqs.receive_message(QueueUrl=urls[2], MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages", [])
            if not msgs:
                break
            bodies += [m["Body"] for m in msgs]
        self.assertEqual(sorted(bodies), sorted(f"{urls[2][-5:]}-{i}" for i in range(30)))


if __name__ == "__main__":
    unittest.main()
