"""SQS through boto3 (JSON protocol), a botocore client pinned to the Query protocol, and the aws
CLI: queue lifecycle, messages, visibility, long polling, FIFO, dead-letter queues and AWS's
errors for bad input."""
import copy
import hashlib
import json
import threading
import time
import unittest

import boto3
import botocore.config
import botocore.exceptions
import botocore.session

from harness import StratusTestCase


# The element names of the classic SQS Query API (2012-11-05) that the JSON-era model lacks:
# (shape, member) -> flattened element name, and map shape -> entry key/value names.
CLASSIC_NAMES = {
    ("GetQueueAttributesResult", "Attributes"): "Attribute",
    ("ListQueuesResult", "QueueUrls"): "QueueUrl",
    ("ListDeadLetterSourceQueuesResult", "queueUrls"): "QueueUrl",
    ("ReceiveMessageResult", "Messages"): "Message",
    ("Message", "Attributes"): "Attribute",
    ("Message", "MessageAttributes"): "MessageAttribute",
    ("SendMessageBatchResult", "Successful"): "SendMessageBatchResultEntry",
    ("SendMessageBatchResult", "Failed"): "BatchResultErrorEntry",
    ("DeleteMessageBatchResult", "Successful"): "DeleteMessageBatchResultEntry",
    ("DeleteMessageBatchResult", "Failed"): "BatchResultErrorEntry",
    ("ChangeMessageVisibilityBatchResult", "Successful"): "ChangeMessageVisibilityBatchResultEntry",
    ("ChangeMessageVisibilityBatchResult", "Failed"): "BatchResultErrorEntry",
    ("ListQueueTagsResult", "Tags"): "Tag",
    ("ListMessageMoveTasksResult", "Results"): "ListMessageMoveTasksResultEntry",
    # Requests.
    ("AddPermissionRequest", "AWSAccountIds"): "AWSAccountId",
    ("AddPermissionRequest", "Actions"): "ActionName",
    ("CreateQueueRequest", "Attributes"): "Attribute",
    ("CreateQueueRequest", "tags"): "Tag",
    ("SetQueueAttributesRequest", "Attributes"): "Attribute",
    ("GetQueueAttributesRequest", "AttributeNames"): "AttributeName",
    ("ReceiveMessageRequest", "AttributeNames"): "AttributeName",
    ("ReceiveMessageRequest", "MessageAttributeNames"): "MessageAttributeName",
    ("ReceiveMessageRequest", "MessageSystemAttributeNames"): "MessageSystemAttributeName",
    ("SendMessageRequest", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SendMessageBatchRequestEntry", "MessageAttributes"): "MessageAttribute",
    ("SendMessageBatchRequestEntry", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SendMessageBatchRequest", "Entries"): "SendMessageBatchRequestEntry",
    ("DeleteMessageBatchRequest", "Entries"): "DeleteMessageBatchRequestEntry",
    ("ChangeMessageVisibilityBatchRequest", "Entries"): "ChangeMessageVisibilityBatchRequestEntry",
    ("TagQueueRequest", "Tags"): "Tag",
    ("UntagQueueRequest", "TagKeys"): "TagKey",
}
CLASSIC_MAP_ENTRIES = {"QueueAttributeMap": ("Name", "Value"), "MessageSystemAttributeMap": ("Name", "Value"),
                       "MessageBodyAttributeMap": ("Name", "Value"),
                       "MessageBodySystemAttributeMap": ("Name", "Value"), "TagMap": ("Key", "Value")}


def classic_query_model(model):
    """The SQS model with the classic Query API's result wrappers and XML element names, as
    botocore had it before SQS moved to JSON: what older Query clients parse."""
    model = copy.deepcopy(model)
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    for name, op in model["operations"].items():
        if "output" in op:
            op["output"]["resultWrapper"] = name + "Result"
    shapes = model["shapes"]
    for (shape, member), element in CLASSIC_NAMES.items():
        ref = shapes[shape]["members"][member]
        ref["locationName"] = element
        ref["flattened"] = True
        target = shapes[ref["shape"]]
        if target["type"] == "list":
            target["member"] = dict(target["member"], locationName=element)
    for shape, (key, value) in CLASSIC_MAP_ENTRIES.items():
        shapes[shape]["key"] = dict(shapes[shape]["key"], locationName=key)
        shapes[shape]["value"] = dict(shapes[shape]["value"], locationName=value)
    return model


def query_client(stratus):
    """An SQS client that speaks the Query protocol with the classic model, as SDKs did before
    SQS moved to JSON."""
    sess = botocore.session.get_session()
    loader = sess.get_component("data_loader")
    original = loader.load_service_model

    def load(service_name, type_name, api_version=None):
        model = original(service_name, type_name, api_version)
        if service_name == "sqs" and type_name == "service-2":
            model = classic_query_model(model)
        return model

    loader.load_service_model = load
    return boto3.Session(botocore_session=sess).client(
        "sqs", endpoint_url=stratus.endpoint, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test", config=botocore.config.Config(retries={"max_attempts": 1}))


class SqsCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = cls.stratus.client("sqs")
        cls.counter = 0

    def queue(self, fifo=False, **attrs):
        type(self).counter += 1
        name = f"{self._testMethodName[:40]}-{type(self).counter}" + (".fifo" if fifo else "")
        if fifo:
            attrs["FifoQueue"] = "true"
        return self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attrs.items()})["QueueUrl"]

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]


class Queues(SqsCase):
    def test_create_is_idempotent_and_conflicts_on_different_attributes(self):
        url = self.sqs.create_queue(QueueName="idem", Attributes={"VisibilityTimeout": "40"})["QueueUrl"]
        self.assertEqual(url, f"{self.stratus.endpoint}/000000000000/idem")
        self.assertEqual(self.sqs.create_queue(QueueName="idem", Attributes={"VisibilityTimeout": "40"})["QueueUrl"], url)
        code, msg = self.error(self.sqs.create_queue, QueueName="idem", Attributes={"VisibilityTimeout": "41"})
        self.assertEqual(code, "QueueAlreadyExists")
        self.assertIn("VisibilityTimeout", msg)

    def test_get_queue_url_and_missing_queue(self):
        url = self.queue()
        name = url.rsplit("/", 1)[1]
        self.assertEqual(self.sqs.get_queue_url(QueueName=name)["QueueUrl"], url)
        code, msg = self.error(self.sqs.get_queue_url, QueueName="no-such-queue")
        self.assertEqual(code, "AWS.SimpleQueueService.NonExistentQueue")
        self.assertEqual(msg, "The specified queue does not exist.")

    def test_queue_url_forms_accepted_on_input(self):
        url = self.queue()
        name = url.rsplit("/", 1)[1]
        for form in (f"http://localhost:4566/000000000000/{name}",
                     f"http://sqs.us-east-1.localhost:4566/000000000000/{name}",
                     f"https://sqs.us-east-1.amazonaws.com/000000000000/{name}"):
            self.sqs.send_message(QueueUrl=form, MessageBody="x")
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        self.assertEqual(attrs["Attributes"]["ApproximateNumberOfMessages"], "3")

    def test_invalid_names(self):
        code, _ = self.error(self.sqs.create_queue, QueueName="bad name!")
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.create_queue, QueueName="x" * 81)
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.create_queue, QueueName="nofifo", Attributes={"FifoQueue": "true"})
        self.assertEqual(code, "InvalidParameterValue")

    def test_list_queues_prefix_and_pagination(self):
        for i in range(5):
            self.sqs.create_queue(QueueName=f"page-{i}")
        self.sqs.create_queue(QueueName="other-page")
        urls = self.sqs.list_queues(QueueNamePrefix="page-")["QueueUrls"]
        self.assertEqual([u.rsplit("/", 1)[1] for u in urls], [f"page-{i}" for i in range(5)])
        first = self.sqs.list_queues(QueueNamePrefix="page-", MaxResults=2)
        self.assertEqual(len(first["QueueUrls"]), 2)
        seen = list(first["QueueUrls"])
        token = first["NextToken"]
        while token:
            page = self.sqs.list_queues(QueueNamePrefix="page-", MaxResults=2, NextToken=token)
            seen += page["QueueUrls"]
            token = page.get("NextToken")
        self.assertEqual(seen, urls)
        self.assertNotIn("QueueUrls", self.sqs.list_queues(QueueNamePrefix="nothing-like-this"))

    def test_delete_queue_and_reuse_rule(self):
        url = self.sqs.create_queue(QueueName="short-lived")["QueueUrl"]
        self.sqs.delete_queue(QueueUrl=url)
        code, _ = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="x")
        self.assertEqual(code, "AWS.SimpleQueueService.NonExistentQueue")
        code, _ = self.error(self.sqs.create_queue, QueueName="short-lived")
        self.assertEqual(code, "AWS.SimpleQueueService.QueueDeletedRecently")

    def test_attributes_defaults_set_and_errors(self):
        url = self.queue()
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(a["VisibilityTimeout"], "30")
        self.assertEqual(a["MaximumMessageSize"], "1048576")
        self.assertEqual(a["MessageRetentionPeriod"], "345600")
        self.assertEqual(a["DelaySeconds"], "0")
        self.assertEqual(a["ReceiveMessageWaitTimeSeconds"], "0")
        self.assertEqual(a["SqsManagedSseEnabled"], "true")
        self.assertTrue(a["QueueArn"].startswith("arn:aws:sqs:us-east-1:000000000000:"))
        policy = json.dumps({"Version": "2012-10-17", "Statement": []})
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60", "Policy": policy})
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "Policy"])["Attributes"]
        self.assertEqual(a, {"VisibilityTimeout": "60", "Policy": policy})
        code, _ = self.error(self.sqs.set_queue_attributes, QueueUrl=url, Attributes={"VisibilityTimeout": "50000"})
        self.assertEqual(code, "InvalidAttributeValue")
        code, msg = self.error(self.sqs.set_queue_attributes, QueueUrl=url, Attributes={"Nope": "1"})
        self.assertEqual((code, msg), ("InvalidAttributeName", "Unknown Attribute Nope."))
        code, _ = self.error(self.sqs.set_queue_attributes, QueueUrl=url, Attributes={"QueueArn": "x"})
        self.assertEqual(code, "InvalidAttributeName")

    def test_tags(self):
        url = self.sqs.create_queue(QueueName="tagged", tags={"team": "a"})["QueueUrl"]
        self.sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "a", "env": "dev"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"env": "dev"})

    def test_add_and_remove_permission_edit_the_policy(self):
        url = self.queue()
        self.sqs.add_permission(QueueUrl=url, Label="send", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
        policy = json.loads(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
        self.assertEqual(policy["Statement"][0]["Sid"], "send")
        self.assertEqual(policy["Statement"][0]["Action"], "SQS:SendMessage")
        code, _ = self.error(self.sqs.add_permission, QueueUrl=url, Label="send", AWSAccountIds=["1"], Actions=["*"])
        self.assertEqual(code, "InvalidParameterValue")
        self.sqs.remove_permission(QueueUrl=url, Label="send")
        self.assertNotIn("Attributes", self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]))

    def test_aws_cli(self):
        out = self.stratus.aws("sqs", "create-queue", "--queue-name", "from-cli")
        url = out["QueueUrl"]
        self.stratus.aws("sqs", "send-message", "--queue-url", url, "--message-body", "cli body")
        got = self.stratus.aws("sqs", "receive-message", "--queue-url", url)
        self.assertEqual(got["Messages"][0]["Body"], "cli body")
        self.stratus.aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle",
                         got["Messages"][0]["ReceiptHandle"])
        self.assertIn(url, self.stratus.aws("sqs", "list-queues")["QueueUrls"])


class Messages(SqsCase):
    def test_send_receive_delete_with_md5s(self):
        url = self.queue()
        attrs = {"s": {"DataType": "String", "StringValue": "v"},
                 "n": {"DataType": "Number.int", "StringValue": "42"},
                 "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}}
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="héllo", MessageAttributes=attrs,
                                     MessageSystemAttributes={"AWSTraceHeader": {
                                         "DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
        self.assertEqual(sent["MD5OfMessageBody"], hashlib.md5("héllo".encode()).hexdigest())
        # botocore checks MD5OfMessageAttributes itself; AWS's documented value for this set:
        self.assertEqual(len(sent["MD5OfMessageAttributes"]), 32)
        self.assertIn("MD5OfMessageSystemAttributes", sent)
        got = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"],
                                       MessageSystemAttributeNames=["All"])["Messages"]
        self.assertEqual(len(got), 1)
        m = got[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], "héllo")
        self.assertEqual(m["MessageAttributes"]["b"]["BinaryValue"], b"\x00\xff")
        self.assertEqual(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        self.assertEqual(m["Attributes"]["SenderId"], "000000000000")
        self.assertIn("SentTimestamp", m["Attributes"])
        self.assertEqual(m["Attributes"]["AWSTraceHeader"], "Root=1-5759e988-bd862e3fe1be46a994272793")
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))

    def test_known_md5_of_message_attributes(self):
        # The value AWS documents/returns for this attribute (computed by AWS's algorithm).
        url = self.queue()
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
            "attr1": {"DataType": "String", "StringValue": "value1"}})
        import struct
        buf = b""
        for part in (b"attr1", b"String"):
            buf += struct.pack(">I", len(part)) + part
        buf += b"\x01" + struct.pack(">I", 6) + b"value1"
        self.assertEqual(sent["MD5OfMessageAttributes"], hashlib.md5(buf).hexdigest())

    def test_selected_message_attributes(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
            "color.a": {"DataType": "String", "StringValue": "1"},
            "color.b": {"DataType": "String", "StringValue": "2"},
            "size": {"DataType": "String", "StringValue": "3"}})
        m = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["color.*"])["Messages"][0]
        self.assertEqual(sorted(m["MessageAttributes"]), ["color.a", "color.b"])
        self.assertNotIn("Attributes", m)

    def test_batch_send_and_delete(self):
        url = self.queue()
        out = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2"},
            {"Id": "bad", "MessageBody": "x", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "nan?"}}}])
        self.assertEqual(sorted(e["Id"] for e in out["Successful"]), ["a", "b"])
        self.assertEqual(out["Failed"][0]["Id"], "bad")
        self.assertEqual(out["Failed"][0]["Code"], "InvalidParameterValue")
        self.assertTrue(out["Failed"][0]["SenderFault"])
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(sorted(m["Body"] for m in got), ["1", "2"])
        d = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)] + [
            {"Id": "junk", "ReceiptHandle": "not-a-handle"}])
        self.assertEqual(len(d["Successful"]), 2)
        self.assertEqual(d["Failed"][0]["Code"], "ReceiptHandleIsInvalid")

    def test_batch_errors(self):
        url = self.queue()
        code, _ = self.error(self.sqs.send_message_batch, QueueUrl=url,
                             Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
        self.assertEqual(code, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest")
        code, _ = self.error(self.sqs.send_message_batch, QueueUrl=url,
                             Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}])
        self.assertEqual(code, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")
        code, _ = self.error(self.sqs.send_message_batch, QueueUrl=url, Entries=[{"Id": "a b", "MessageBody": "x"}])
        self.assertEqual(code, "AWS.SimpleQueueService.InvalidBatchEntryId")
        code, _ = self.error(self.sqs.send_message_batch, QueueUrl=url,
                             Entries=[{"Id": str(i), "MessageBody": "x" * 400000} for i in range(3)])
        self.assertEqual(code, "AWS.SimpleQueueService.BatchRequestTooLong")

    def test_bad_input_errors(self):
        url = self.queue()
        code, msg = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="x" * 1048577)
        self.assertEqual(code, "InvalidParameterValue")
        self.assertIn("1048576", msg)
        code, msg = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="bad \x01 char")
        self.assertEqual(code, "InvalidMessageContents")
        self.assertIn("#x1", msg)
        code, _ = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="x", MessageAttributes={
            "a": {"DataType": "Float", "StringValue": "1"}})
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="x", DelaySeconds=901)
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage")
        self.assertEqual(code, "ReceiptHandleIsInvalid")
        code, _ = self.error(self.sqs.send_message, QueueUrl="not a url", MessageBody="x")
        self.assertEqual(code, "InvalidAddress")

    def test_visibility_timeout_hides_then_returns(self):
        url = self.queue(VisibilityTimeout=1)
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        first = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(a["ApproximateNumberOfMessagesNotVisible"], "1")
        again = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
        self.assertEqual(again["MessageId"], first["MessageId"])
        self.assertNotEqual(again["ReceiptHandle"], first["ReceiptHandle"])
        # The older receipt handle no longer deletes the message someone else holds.
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
        self.assertEqual(a["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1")

    def test_change_message_visibility(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        m = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        m2 = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertEqual(m2["MessageId"], m["MessageId"])
        out = self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "1", "ReceiptHandle": m2["ReceiptHandle"], "VisibilityTimeout": 100},
            {"Id": "2", "ReceiptHandle": "junk", "VisibilityTimeout": 1}])
        self.assertEqual([e["Id"] for e in out["Successful"]], ["1"])
        self.assertEqual(out["Failed"][0]["Code"], "ReceiptHandleIsInvalid")
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"])
        code, _ = self.error(self.sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"],
                             VisibilityTimeout=10)
        self.assertEqual(code, "InvalidParameterValue")

    def test_delay_queue_and_message_delay(self):
        url = self.queue(DelaySeconds=1)
        self.sqs.send_message(QueueUrl=url, MessageBody="delayed")
        self.sqs.send_message(QueueUrl=url, MessageBody="now", DelaySeconds=0)
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(a["ApproximateNumberOfMessagesDelayed"], "1")
        self.assertEqual(a["ApproximateNumberOfMessages"], "1")
        self.assertEqual(self.sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"], "now")
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
        self.assertEqual(got[0]["Body"], "delayed")

    def test_purge(self):
        url = self.queue()
        for i in range(3):
            self.sqs.send_message(QueueUrl=url, MessageBody=str(i))
        self.sqs.purge_queue(QueueUrl=url)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        code, _ = self.error(self.sqs.purge_queue, QueueUrl=url)
        self.assertEqual(code, "AWS.SimpleQueueService.PurgeQueueInProgress")

    def test_retention_expiry(self):
        url = self.queue(MessageRetentionPeriod=60)
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        # Shrinking retention is not possible below 60 s; check the counter and the attribute only.
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod",
                                                                           "ApproximateNumberOfMessages"])
        self.assertEqual(a["Attributes"], {"MessageRetentionPeriod": "60", "ApproximateNumberOfMessages": "1"})


class LongPolling(SqsCase):
    def test_waiting_receiver_wakes_when_a_message_arrives(self):
        url = self.queue()
        result = {}

        def receive():
            t0 = time.time()
            r = self.stratus.client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=20)
            result["elapsed"] = time.time() - t0
            result["messages"] = r.get("Messages", [])

        th = threading.Thread(target=receive)
        th.start()
        time.sleep(0.5)
        self.sqs.send_message(QueueUrl=url, MessageBody="wake up")
        th.join(30)
        self.assertEqual([m["Body"] for m in result["messages"]], ["wake up"])
        self.assertLess(result["elapsed"], 5)  # generous: far below WaitTimeSeconds=20

    def test_empty_long_poll_returns_after_wait_time(self):
        url = self.queue()
        t0 = time.time()
        r = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        self.assertNotIn("Messages", r)
        self.assertGreaterEqual(time.time() - t0, 0.9)

    def test_queue_default_wait_time(self):
        url = self.queue(ReceiveMessageWaitTimeSeconds=20)
        threading.Timer(0.5, lambda: self.stratus.client("sqs").send_message(QueueUrl=url, MessageBody="late")).start()
        t0 = time.time()
        r = self.sqs.receive_message(QueueUrl=url)
        self.assertEqual(r["Messages"][0]["Body"], "late")
        self.assertLess(time.time() - t0, 5)

    def test_many_receivers_never_share_a_message(self):
        url = self.queue(VisibilityTimeout=60)
        n = 200
        for i in range(0, n, 10):
            self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(j), "MessageBody": str(i + j)} for j in range(10)])
        seen = []
        lock = threading.Lock()

        def worker():
            c = self.stratus.client("sqs")
            while True:
                r = c.receive_message(QueueUrl=url, MaxNumberOfMessages=3, WaitTimeSeconds=1)
                msgs = r.get("Messages", [])
                if not msgs:
                    return
                with lock:
                    seen.extend(m["Body"] for m in msgs)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(len(seen), n, "every message exactly once within the visibility timeout")
        self.assertEqual(sorted(seen, key=int), [str(i) for i in range(n)])


class Fifo(SqsCase):
    def test_order_within_group_and_one_batch_in_flight(self):
        url = self.queue(fifo=True, ContentBasedDeduplication="true")
        for i in range(5):
            self.sqs.send_message(QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="A")
            self.sqs.send_message(QueueUrl=url, MessageBody=f"b{i}", MessageGroupId="B")
        first = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3,
                                         MessageSystemAttributeNames=["MessageGroupId", "SequenceNumber"])["Messages"]
        self.assertEqual([m["Body"] for m in first], ["a0", "b0", "a1"])
        # Both groups have messages in flight: nothing more until they are deleted.
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10))
        for m in first:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        rest = []
        while True:
            r = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not r:
                break
            rest += [m["Body"] for m in r]
            for m in r:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual([b for b in rest if b[0] == "a"], ["a2", "a3", "a4"])
        self.assertEqual([b for b in rest if b[0] == "b"], ["b1", "b2", "b3", "b4"])
        seqs = [int(m["Attributes"]["SequenceNumber"]) for m in first]
        self.assertEqual(seqs, sorted(seqs))

    def test_deduplication_explicit_and_content_based(self):
        url = self.queue(fifo=True)
        a = self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d1")
        b = self.sqs.send_message(QueueUrl=url, MessageBody="y", MessageGroupId="g", MessageDeduplicationId="d1")
        self.assertEqual(a["MessageId"], b["MessageId"])
        code, _ = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="z", MessageGroupId="g")
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="z", MessageDeduplicationId="q")
        self.assertEqual(code, "MissingParameter")
        cb = self.queue(fifo=True, ContentBasedDeduplication="true")
        c1 = self.sqs.send_message(QueueUrl=cb, MessageBody="same", MessageGroupId="g")
        c2 = self.sqs.send_message(QueueUrl=cb, MessageBody="same", MessageGroupId="g")
        self.assertEqual(c1["MessageId"], c2["MessageId"])
        got = self.sqs.receive_message(QueueUrl=cb, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(len(got), 1)


class DeadLetters(SqsCase):
    def test_redrive_after_max_receive_count(self):
        dlq = self.queue()
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src = self.queue(VisibilityTimeout=0)
        self.sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})
        sent = self.sqs.send_message(QueueUrl=src, MessageBody="poison")
        for _ in range(2):
            self.assertEqual(self.sqs.receive_message(QueueUrl=src)["Messages"][0]["MessageId"], sent["MessageId"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        moved = self.sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["All"])["Messages"][0]
        self.assertEqual(moved["MessageId"], sent["MessageId"])
        self.assertEqual(moved["Attributes"]["DeadLetterQueueSourceArn"],
                         self.sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"], [src])

    def test_redrive_policy_errors(self):
        src = self.queue()
        code, _ = self.error(self.sqs.set_queue_attributes, QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:missing", "maxReceiveCount": 2})})
        self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.sqs.set_queue_attributes, QueueUrl=src, Attributes={"RedrivePolicy": "{"})
        self.assertEqual(code, "InvalidParameterValue")


class QueryProtocol(SqsCase):
    """The same operations through the Query protocol (form in, XML out)."""

    def test_round_trip(self):
        q = query_client(self.stratus)
        url = q.create_queue(QueueName="query-q", Attributes={"DelaySeconds": "0"}, tags={"k": "v"})["QueueUrl"]
        self.assertEqual(url, f"{self.stratus.endpoint}/000000000000/query-q")
        sent = q.send_message(QueueUrl=url, MessageBody="<xml & stuff>",
                              MessageAttributes={"a": {"DataType": "Number", "StringValue": "1"}})
        got = q.receive_message(QueueUrl=url, AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"][0]
        self.assertEqual(got["Body"], "<xml & stuff>")
        self.assertEqual(got["MessageId"], sent["MessageId"])
        self.assertEqual(got["MessageAttributes"]["a"]["StringValue"], "1")
        self.assertEqual(q.list_queue_tags(QueueUrl=url)["Tags"], {"k": "v"})
        self.assertEqual(got["Attributes"]["ApproximateReceiveCount"], "1")
        attrs = q.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["DelaySeconds"], "0")
        self.assertEqual(attrs["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:query-q")
        out = q.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "b1"}])
        self.assertEqual(out["Successful"][0]["Id"], "1")
        q.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
        handle = q.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
        out = q.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "ok", "ReceiptHandle": handle, "VisibilityTimeout": 0}])
        self.assertEqual([e["Id"] for e in out["Successful"]], ["ok"])
        out = q.delete_message_batch(QueueUrl=url, Entries=[{"Id": "ok", "ReceiptHandle": handle},
                                                            {"Id": "bad", "ReceiptHandle": "garbage"}])
        self.assertEqual([e["Id"] for e in out["Successful"]], ["ok"])
        self.assertEqual([e["Id"] for e in out["Failed"]], ["bad"])
        self.assertIn(url, q.list_queues()["QueueUrls"])

    def test_errors_use_query_codes(self):
        q = query_client(self.stratus)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            q.get_queue_url(QueueName="nope-nope")
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "AWS.SimpleQueueService.NonExistentQueue")
        self.assertEqual(err["Type"], "Sender")

    def test_raw_form_request(self):
        url = self.queue()
        body = f"Action=SendMessage&Version=2012-11-05&QueueUrl={url}&MessageBody=raw".encode()
        status, _, resp = self.stratus.http("POST", "/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Amz-Date": "20260101T000000Z",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
                             "SignedHeaders=host, Signature=00"})
        self.assertEqual(status, 200, resp)
        self.assertIn(b"<SendMessageResponse", resp)
        self.assertIn(b"<MD5OfMessageBody>" + hashlib.md5(b"raw").hexdigest().encode(), resp)



class QueryToQueueUrl(SqsCase):
    """Query requests may be posted to the queue's own URL without a QueueUrl parameter (older
    SDKs, API Gateway path integrations)."""

    def test_send_to_queue_path(self):
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        url = self.sqs.create_queue(QueueName="by-path")["QueueUrl"]
        path = "/000000000000/by-path"
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=self.stratus.endpoint + path,
            data=b"Action=SendMessage&Version=2012-11-05&MessageBody=hello+by+path",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "sqs", "us-east-1").add_auth(req)
        status, _, body = self.stratus.http("POST", path, body=req.body, headers=dict(req.headers.items()))
        self.assertEqual(status, 200, body)
        self.assertIn(b"<MessageId>", body)
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
        self.assertEqual(got[0]["Body"], "hello by path")


if __name__ == "__main__":
    unittest.main()
