"""SQS's Query protocol answers in the XML of the classic SQS Query API (2012-11-05) that older
SDKs and CLIs parse: <OpResult> wrappers, flattened <Attribute>/<Message>/<QueueUrl>/<Tag>...
elements with <Name>/<Value> (or <Key>/<Value>) children, and <ErrorResponse> errors. Raw form
requests; responses are parsed and checked by exact element path."""
import base64
import hashlib
import json
import time
import unittest
import xml.etree.ElementTree as ET

import requests

from harness import StratusTestCase

NS = "http://queue.amazonaws.com/doc/2012-11-05/"
HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded", "X-Amz-Date": "20260101T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
                     "SignedHeaders=host, Signature=00"}


def q(path):
    """An ElementTree path with every step in the SQS namespace."""
    return "/".join(step if step in (".", "..") else f"{{{NS}}}{step}" for step in path.split("/"))


class QueryXml(StratusTestCase):
    counter = 0

    def call(self, action, expect=200, **params):
        data = {"Action": action, "Version": "2012-11-05", **params}
        r = requests.post(self.stratus.endpoint + "/", data=data, timeout=10,
                          headers=dict(HEADERS, **{"X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())}))
        self.assertEqual(r.status_code, expect, r.text)
        root = ET.fromstring(r.content)
        return root

    def result(self, action, **params):
        root = self.call(action, **params)
        self.assertEqual(root.tag, f"{{{NS}}}{action}Response")
        self.assertTrue(root.findtext(q("ResponseMetadata/RequestId")))
        return root.find(q(f"{action}Result"))

    def new_queue(self, **attrs):
        type(self).counter += 1
        name = f"{self._testMethodName[:40]}-{type(self).counter}"
        params = {"QueueName": name}
        for i, (k, v) in enumerate(attrs.items(), 1):
            params[f"Attribute.{i}.Name"] = k
            params[f"Attribute.{i}.Value"] = str(v)
        res = self.result("CreateQueue", **params)
        url = res.findtext(q("QueueUrl"))
        self.assertTrue(url.endswith("/" + name), url)
        return name, url

    def test_create_get_url_and_list_queues(self):
        name, url = self.new_queue()
        _, url2 = self.new_queue()
        self.assertEqual(self.result("GetQueueUrl", QueueName=name).findtext(q("QueueUrl")), url)
        urls = [e.text for e in self.result("ListQueues").findall(q("QueueUrl"))]
        self.assertIn(url, urls)
        self.assertIn(url2, urls)
        # Flattened: no wrapper element, no <member>.
        self.assertIsNone(self.result("ListQueues").find(q("QueueUrls")))

    def test_get_queue_attributes(self):
        _, url = self.new_queue(DelaySeconds=3, VisibilityTimeout=45)
        res = self.result("GetQueueAttributes", QueueUrl=url, **{"AttributeName.1": "All"})
        attrs = {a.findtext(q("Name")): a.findtext(q("Value")) for a in res.findall(q("Attribute"))}
        self.assertEqual(attrs["DelaySeconds"], "3")
        self.assertEqual(attrs["VisibilityTimeout"], "45")
        self.assertIn("QueueArn", attrs)
        self.assertIsNone(res.find(q("Attributes")))
        self.assertEqual(res.findall(q("Attribute/entry")), [])

    def test_send_and_receive_message(self):
        _, url = self.new_queue()
        sent = self.result("SendMessage", QueueUrl=url, MessageBody="hello <&>", **{
            "MessageAttribute.1.Name": "s", "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringValue": "sv",
            "MessageAttribute.2.Name": "b", "MessageAttribute.2.Value.DataType": "Binary",
            "MessageAttribute.2.Value.BinaryValue": base64.b64encode(b"\x00\x01").decode()})
        self.assertEqual(sent.findtext(q("MD5OfMessageBody")), hashlib.md5(b"hello <&>").hexdigest())
        self.assertEqual(len(sent.findtext(q("MD5OfMessageAttributes"))), 32)
        message_id = sent.findtext(q("MessageId"))
        self.assertTrue(message_id)

        res = self.result("ReceiveMessage", QueueUrl=url, **{
            "AttributeName.1": "All", "MessageAttributeName.1": "All"})
        msgs = res.findall(q("Message"))
        self.assertEqual(len(msgs), 1)
        m = msgs[0]
        self.assertEqual(m.findtext(q("MessageId")), message_id)
        self.assertEqual(m.findtext(q("Body")), "hello <&>")
        self.assertEqual(m.findtext(q("MD5OfBody")), hashlib.md5(b"hello <&>").hexdigest())
        self.assertEqual(m.findtext(q("MD5OfMessageAttributes")), sent.findtext(q("MD5OfMessageAttributes")))
        self.assertTrue(m.findtext(q("ReceiptHandle")))
        sys_attrs = {a.findtext(q("Name")): a.findtext(q("Value")) for a in m.findall(q("Attribute"))}
        self.assertEqual(sys_attrs["ApproximateReceiveCount"], "1")
        self.assertIn("SentTimestamp", sys_attrs)
        user = {a.findtext(q("Name")): a.find(q("Value")) for a in m.findall(q("MessageAttribute"))}
        self.assertEqual(set(user), {"s", "b"})
        self.assertEqual(user["s"].findtext(q("StringValue")), "sv")
        self.assertEqual(user["s"].findtext(q("DataType")), "String")
        self.assertEqual(base64.b64decode(user["b"].findtext(q("BinaryValue"))), b"\x00\x01")
        self.assertEqual(user["b"].findtext(q("DataType")), "Binary")
        for wrong in ("Messages", "Message/Attributes", "Message/MessageAttributes"):
            self.assertIsNone(res.find(q(wrong)), wrong)

        # An empty receive is an empty result element.
        self.result("DeleteMessage", QueueUrl=url, ReceiptHandle=m.findtext(q("ReceiptHandle")))
        empty = self.result("ReceiveMessage", QueueUrl=url)
        self.assertIsNotNone(empty)
        self.assertEqual(list(empty), [])

    def test_batches(self):
        _, url = self.new_queue()
        res = self.result("SendMessageBatch", QueueUrl=url, **{
            "SendMessageBatchRequestEntry.1.Id": "a", "SendMessageBatchRequestEntry.1.MessageBody": "one",
            "SendMessageBatchRequestEntry.2.Id": "b", "SendMessageBatchRequestEntry.2.MessageBody": "two",
            "SendMessageBatchRequestEntry.2.DelaySeconds": "99999"})
        ok = res.findall(q("SendMessageBatchResultEntry"))
        self.assertEqual([e.findtext(q("Id")) for e in ok], ["a"])
        self.assertEqual(ok[0].findtext(q("MD5OfMessageBody")), hashlib.md5(b"one").hexdigest())
        self.assertTrue(ok[0].findtext(q("MessageId")))
        failed = res.findall(q("BatchResultErrorEntry"))
        self.assertEqual([e.findtext(q("Id")) for e in failed], ["b"])
        self.assertEqual(failed[0].findtext(q("SenderFault")), "true")
        self.assertTrue(failed[0].findtext(q("Code")))
        self.assertIsNone(res.find(q("Successful")))

        got = self.result("ReceiveMessage", QueueUrl=url, VisibilityTimeout="60").findall(q("Message"))
        handle = got[0].findtext(q("ReceiptHandle"))
        res = self.result("ChangeMessageVisibilityBatch", QueueUrl=url, **{
            "ChangeMessageVisibilityBatchRequestEntry.1.Id": "c1",
            "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle": handle,
            "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout": "30",
            "ChangeMessageVisibilityBatchRequestEntry.2.Id": "c2",
            "ChangeMessageVisibilityBatchRequestEntry.2.ReceiptHandle": "garbage",
            "ChangeMessageVisibilityBatchRequestEntry.2.VisibilityTimeout": "30"})
        self.assertEqual([e.findtext(q("Id")) for e in res.findall(q("ChangeMessageVisibilityBatchResultEntry"))],
                         ["c1"])
        self.assertEqual([e.findtext(q("Id")) for e in res.findall(q("BatchResultErrorEntry"))], ["c2"])

        res = self.result("DeleteMessageBatch", QueueUrl=url, **{
            "DeleteMessageBatchRequestEntry.1.Id": "d1", "DeleteMessageBatchRequestEntry.1.ReceiptHandle": handle,
            "DeleteMessageBatchRequestEntry.2.Id": "d2", "DeleteMessageBatchRequestEntry.2.ReceiptHandle": "garbage"})
        self.assertEqual([e.findtext(q("Id")) for e in res.findall(q("DeleteMessageBatchResultEntry"))], ["d1"])
        self.assertEqual([e.findtext(q("Id")) for e in res.findall(q("BatchResultErrorEntry"))], ["d2"])

    def test_tags(self):
        _, url = self.new_queue()
        self.result("TagQueue", QueueUrl=url, **{"Tag.1.Key": "env", "Tag.1.Value": "dev",
                                                 "Tag.2.Key": "team", "Tag.2.Value": "a"})
        res = self.result("ListQueueTags", QueueUrl=url)
        tags = {t.findtext(q("Key")): t.findtext(q("Value")) for t in res.findall(q("Tag"))}
        self.assertEqual(tags, {"env": "dev", "team": "a"})
        self.assertIsNone(res.find(q("Tags")))

    def test_dead_letter_sources_and_move_tasks(self):
        _, dlq = self.new_queue()
        dlq_arn = {a.findtext(q("Name")): a.findtext(q("Value")) for a in self.result(
            "GetQueueAttributes", QueueUrl=dlq, **{"AttributeName.1": "QueueArn"}).findall(q("Attribute"))}["QueueArn"]
        _, src = self.new_queue(RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
        res = self.result("ListDeadLetterSourceQueues", QueueUrl=dlq)
        self.assertEqual([e.text for e in res.findall(q("QueueUrl"))], [src])
        self.assertIsNone(res.find(q("queueUrls")))

        self.result("SendMessage", QueueUrl=dlq, MessageBody="m")
        handle = self.result("StartMessageMoveTask", SourceArn=dlq_arn).findtext(q("TaskHandle"))
        self.assertTrue(handle)
        entries = self.result("ListMessageMoveTasks", SourceArn=dlq_arn).findall(q("ListMessageMoveTasksResultEntry"))
        self.assertGreaterEqual(len(entries), 1)
        self.assertEqual(entries[0].findtext(q("SourceArn")), dlq_arn)
        self.assertTrue(entries[0].findtext(q("Status")))

    def test_operations_without_output_have_only_metadata(self):
        _, url = self.new_queue()
        root = self.call("SetQueueAttributes", QueueUrl=url, **{"Attribute.1.Name": "DelaySeconds",
                                                                 "Attribute.1.Value": "1"})
        self.assertEqual(root.tag, f"{{{NS}}}SetQueueAttributesResponse")
        self.assertEqual([c.tag for c in root], [f"{{{NS}}}ResponseMetadata"])
        self.assertTrue(root.findtext(q("ResponseMetadata/RequestId")))

    def test_errors(self):
        root = self.call("GetQueueUrl", expect=400, QueueName="does-not-exist")
        self.assertEqual(root.tag, f"{{{NS}}}ErrorResponse")
        self.assertEqual(root.findtext(q("Error/Type")), "Sender")
        self.assertEqual(root.findtext(q("Error/Code")), "AWS.SimpleQueueService.NonExistentQueue")
        self.assertEqual(root.findtext(q("Error/Message")), "The specified queue does not exist.")
        self.assertIsNotNone(root.find(q("Error/Detail")))
        self.assertTrue(root.findtext(q("RequestId")))

        root = self.call("CreateQueue", expect=400)
        self.assertEqual(root.findtext(q("Error/Code")), "MissingParameter")


if __name__ == "__main__":
    unittest.main()
