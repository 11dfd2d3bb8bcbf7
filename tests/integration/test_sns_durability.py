"""SNS fan-out across kill -9: a publish that was acknowledged has its copy in every subscribed
queue after a restart (SQS copies are stored with the publish itself), and copies for other
protocols (SMS into the mailbox) still arrive through the durable event. SQS copies are signed
when first received: they must verify after a restart as well."""
import hashlib
import json
import threading
import time
import unittest
import urllib.request

from harness import Stratus
import test_sns


class FanOutKill9(unittest.TestCase):
    def setUp(self):
        self.stratus = Stratus().start()

    def tearDown(self):
        self.stratus.cleanup()

    def setup_topic(self, queues=10, sms=False):
        sns, sqs = self.stratus.client("sns"), self.stratus.client("sqs")
        arn = sns.create_topic(Name="orders")["TopicArn"]
        urls = []
        for i in range(queues):
            url = sqs.create_queue(QueueName=f"fan-{i}")["QueueUrl"]
            qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
            urls.append(url)
        if sms:
            sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+15555550100")
        return arn, urls

    def drain_ids(self, sqs, url):
        ids = set()
        while True:
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages", [])
            if not msgs:
                return ids
            ids.update(json.loads(m["Body"])["MessageId"] for m in msgs)

    def test_copies_are_receivable_when_publish_returns(self):
        arn, urls = self.setup_topic(queues=3)
        sns, sqs = self.stratus.client("sns"), self.stratus.client("sqs")
        for i in range(20):
            mid = sns.publish(TopicArn=arn, Message=f"m{i}")["MessageId"]
            for url in urls:  # no wait: the copy is already there
                msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"]
                self.assertEqual(json.loads(msgs[0]["Body"])["MessageId"], mid)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])

    def test_acknowledged_publishes_survive_kill9(self):
        arn, urls = self.setup_topic(queues=10, sms=True)
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def publisher(sns):
            while not stop.is_set():
                try:
                    mid = sns.publish(TopicArn=arn, Message="order")["MessageId"]
                except Exception:
                    return  # the server went away mid-request: not acknowledged
                with lock:
                    acked.append(mid)

        # Clients are made here: creating boto3 clients is not thread safe.
        clients = [self.stratus.client("sns") for _ in range(4)]
        threads = [threading.Thread(target=publisher, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        deadline = time.time() + 20
        while time.time() < deadline:
            with lock:
                if len(acked) >= 300:
                    break
            time.sleep(0.01)
        self.stratus.kill9()  # while the publishers are still publishing
        stop.set()
        for t in threads:
            t.join()
        self.assertGreaterEqual(len(acked), 300)
        self.stratus.start()
        sqs = self.stratus.client("sqs")
        for url in urls:
            got = self.drain_ids(sqs, url)
            missing = set(acked) - got
            self.assertFalse(missing, f"{len(missing)} acknowledged publishes missing from {url}")
        # The SMS copies go through the event queue: all arrive after the restart too.
        deadline = time.time() + 30
        while True:
            with urllib.request.urlopen(self.stratus.endpoint + "/_stratus/mailbox") as r:
                mails = json.loads(r.read())
            ids = {m["id"].split(":")[0] for m in mails["messages"]}
            if set(acked) <= ids or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertFalse(set(acked) - ids, f"{len(set(acked) - ids)} SMS copies missing")

    def test_envelopes_signed_after_kill9_verify(self):
        arn, urls = self.setup_topic(queues=3)
        sns = self.stratus.client("sns")
        sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
        mid = sns.publish(TopicArn=arn, Message='say "hi"\n\u00e9', Subject="greeting")["MessageId"]
        self.stratus.kill9()
        self.stratus.start()
        sqs = self.stratus.client("sqs")
        signatures = set()
        for url in urls:
            m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"][0]
            self.assertEqual(m["MD5OfBody"], hashlib.md5(m["Body"].encode()).hexdigest())
            env = json.loads(m["Body"])
            self.assertEqual((env["MessageId"], env["Message"], env["Subject"]), (mid, 'say "hi"\n\u00e9', "greeting"))
            self.assertEqual(env["SignatureVersion"], "2")
            test_sns.FanOut.verify_signature(self, env)
            signatures.add(env["Signature"])
        self.assertEqual(len(signatures), 1)  # the signed text has no subscription in it

    def test_fifo_deduplication_and_sequence_survive_kill9(self):
        sns, sqs = self.stratus.client("sns"), self.stratus.client("sqs")
        arn = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true",
                                                               "ContentBasedDeduplication": "true"})["TopicArn"]
        url = sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        first = sns.publish(TopicArn=arn, Message="once", MessageGroupId="g")
        self.stratus.kill9()
        self.stratus.start()
        sns = self.stratus.client("sns")
        again = sns.publish(TopicArn=arn, Message="once", MessageGroupId="g")  # within the 5 minutes
        self.assertEqual((again["MessageId"], again["SequenceNumber"]), (first["MessageId"], first["SequenceNumber"]))
        later = sns.publish(TopicArn=arn, Message="twice", MessageGroupId="g")
        self.assertGreater(int(later["SequenceNumber"]), int(first["SequenceNumber"]))
        # Deleting the topic forgets its window: a new topic of the same name delivers again, after a
        # restart too.
        sns.delete_topic(TopicArn=arn)
        arn = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true",
                                                               "ContentBasedDeduplication": "true"})["TopicArn"]
        self.stratus.kill9()
        self.stratus.start()
        sns = self.stratus.client("sns")
        self.assertNotEqual(sns.publish(TopicArn=arn, Message="once", MessageGroupId="g")["MessageId"],
                            first["MessageId"])

    def test_deleting_one_copy_leaves_the_others(self):
        # Each queue's copy lives on its own: deleting one (before and after a kill -9) leaves
        # every other queue's copy readable and intact.
        arn, urls = self.setup_topic(queues=4)
        sns = self.stratus.client("sns")
        mids = [sns.publish(TopicArn=arn, Message=f"m{i}")["MessageId"] for i in range(3)]
        sqs = self.stratus.client("sqs")
        first = sqs.receive_message(QueueUrl=urls[0], MaxNumberOfMessages=1, VisibilityTimeout=600)["Messages"][0]
        sqs.delete_message(QueueUrl=urls[0], ReceiptHandle=first["ReceiptHandle"])
        self.stratus.kill9()
        self.stratus.start()
        sqs = self.stratus.client("sqs")
        second = sqs.receive_message(QueueUrl=urls[1], MaxNumberOfMessages=1, VisibilityTimeout=600)["Messages"][0]
        sqs.delete_message(QueueUrl=urls[1], ReceiptHandle=second["ReceiptHandle"])
        self.stratus.kill9()
        self.stratus.start()
        sqs = self.stratus.client("sqs")
        gone = {0: json.loads(first["Body"])["MessageId"], 1: json.loads(second["Body"])["MessageId"]}
        for i, url in enumerate(urls):
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages", [])
            for m in msgs:
                self.assertEqual(m["MD5OfBody"], hashlib.md5(m["Body"].encode()).hexdigest())
            got = sorted(json.loads(m["Body"])["MessageId"] for m in msgs)
            expected = sorted(set(mids) - {gone.get(i)})
            self.assertEqual(got, expected, url)


if __name__ == "__main__":
    unittest.main()
