"""SQS as AWS documents it in late 2025, through boto3 (JSON protocol), a botocore client pinned
to the classic Query protocol, and the aws CLI: 1 MiB messages, message system attribute names
in ReceiveMessage's AttributeNames, message attribute selection, FIFO batches, and AWS's error
codes and texts."""
import json
import tempfile
import time
import unittest

import botocore.exceptions

from test_sqs import SqsCase, query_client

MIB = 1048576
SYSTEM_NAMES = ["SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "SenderId",
                "AWSTraceHeader"]
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"


class ConformanceCase(SqsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.q = query_client(cls.stratus)

    def clients(self):
        return (("json", self.sqs), ("query", self.q))

    def error_of(self, client, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            getattr(client, fn)(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def cli_error(self, *args):
        cp = self.stratus.aws("sqs", *args, check=False)
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        return cp.stderr


class MessageSize(ConformanceCase):
    def test_maximum_message_size_defaults_to_one_mib(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                a = c.get_queue_attributes(QueueUrl=url, AttributeNames=["MaximumMessageSize"])["Attributes"]
                self.assertEqual(a["MaximumMessageSize"], str(MIB))
        a = self.stratus.aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")
        self.assertEqual(a["Attributes"]["MaximumMessageSize"], str(MIB))
        # Creating it again with the limit spelled out is the same queue.
        name = url.rsplit("/", 1)[1]
        self.assertEqual(self.sqs.create_queue(QueueName=name, Attributes={"MaximumMessageSize": str(MIB)})["QueueUrl"],
                         url)

    def test_maximum_message_size_range(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                c.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": str(MIB)})
                c.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
                for bad in (str(MIB + 1), "1023", "262144x"):
                    code, msg = self.error_of(c, "set_queue_attributes", QueueUrl=url,
                                              Attributes={"MaximumMessageSize": bad})
                    self.assertEqual(code, "InvalidAttributeValue")
                    self.assertEqual(msg, "Invalid value for the parameter MaximumMessageSize.")
        code, _ = self.error(self.sqs.create_queue, QueueName="too-big-limit",
                             Attributes={"MaximumMessageSize": str(MIB + 1)})
        self.assertEqual(code, "InvalidAttributeValue")

    def test_one_mib_message_round_trips(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                body = name[0] * MIB
                c.send_message(QueueUrl=url, MessageBody=body)
                got = c.receive_message(QueueUrl=url)["Messages"][0]
                self.assertEqual(len(got["Body"]), MIB)
                c.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
                code, msg = self.error_of(c, "send_message", QueueUrl=url, MessageBody="x" * (MIB + 1))
                self.assertEqual(code, "InvalidParameterValue")
                self.assertEqual(msg, "One or more parameters are invalid. Reason: Message must be shorter than "
                                      "1048576 bytes.")

    def test_attributes_count_toward_the_size(self):
        url = self.queue()
        attrs = {"name": {"DataType": "String", "StringValue": "value"}}  # 4 + 6 + 5 bytes
        self.sqs.send_message(QueueUrl=url, MessageBody="x" * (MIB - 15), MessageAttributes=attrs)
        code, _ = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="x" * (MIB - 14),
                             MessageAttributes=attrs)
        self.assertEqual(code, "InvalidParameterValue")

    def test_queue_limit_applies_below_one_mib(self):
        url = self.queue(MaximumMessageSize=1024)
        self.sqs.send_message(QueueUrl=url, MessageBody="x" * 1024)
        code, msg = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="x" * 1025)
        self.assertEqual(code, "InvalidParameterValue")
        self.assertIn("Message must be shorter than 1024 bytes.", msg)

    def test_batch_up_to_one_mib_in_total(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                out = c.send_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "MessageBody": "x" * 100000} for i in range(10)])
                self.assertEqual(len(out["Successful"]), 10)
                code, msg = self.error_of(c, "send_message_batch", QueueUrl=url, Entries=[
                    {"Id": str(i), "MessageBody": "x" * 600000} for i in range(2)])
                self.assertEqual(code, "AWS.SimpleQueueService.BatchRequestTooLong")
                self.assertEqual(msg, "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.")

    def test_cli_sends_a_message_above_256_kib(self):
        url = self.queue()
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("y" * 300000)
            f.flush()
            out = self.stratus.aws("sqs", "send-message", "--queue-url", url, "--message-body", "file://" + f.name)
        self.assertIn("MessageId", out)
        got = self.stratus.aws("sqs", "receive-message", "--queue-url", url)
        self.assertEqual(len(got["Messages"][0]["Body"]), 300000)


class ReceiveAttributeNames(ConformanceCase):
    """ReceiveMessage's AttributeNames (deprecated, still what most code sends) names message
    system attributes, although its model enum lists the queue attributes."""

    def send_traced(self, url, client=None):
        (client or self.sqs).send_message(QueueUrl=url, MessageBody="b", MessageSystemAttributes={
            "AWSTraceHeader": {"DataType": "String", "StringValue": TRACE}})

    def test_attribute_names_take_message_system_attributes(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                self.send_traced(url, c)
                m = c.receive_message(QueueUrl=url, AttributeNames=SYSTEM_NAMES)["Messages"][0]
                self.assertEqual(sorted(m["Attributes"]), sorted(SYSTEM_NAMES))
                self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
                self.assertEqual(m["Attributes"]["AWSTraceHeader"], TRACE)
                self.assertTrue(m["Attributes"]["SentTimestamp"].isdigit())
                self.assertEqual(m["Attributes"]["SenderId"], "000000000000")
                c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    def test_one_name_selects_one_attribute(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                self.send_traced(url, c)
                m = c.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
                self.assertEqual(m["Attributes"], {"ApproximateReceiveCount": "1"})
                c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    def test_message_system_attribute_names_and_both_lists(self):
        url = self.queue()
        self.send_traced(url)
        m = self.sqs.receive_message(QueueUrl=url, AttributeNames=["SentTimestamp"],
                                     MessageSystemAttributeNames=["SenderId"], VisibilityTimeout=0)["Messages"][0]
        self.assertEqual(sorted(m["Attributes"]), ["SenderId", "SentTimestamp"])
        m = self.q.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"], VisibilityTimeout=0)["Messages"][0]
        self.assertEqual(sorted(m["Attributes"]), sorted(SYSTEM_NAMES))

    def test_queue_attribute_names_and_unknown_names_are_accepted(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="b")
        for name, c in self.clients():
            with self.subTest(name):
                m = c.receive_message(QueueUrl=url, AttributeNames=["Policy", "QueueArn", "NoSuchName"],
                                      MessageSystemAttributeNames=["NoSuchName"], VisibilityTimeout=0)["Messages"][0]
                self.assertNotIn("Attributes", m)

    def test_fifo_group_dedup_and_sequence(self):
        url = self.queue(fifo=True)
        for name, c in self.clients():
            with self.subTest(name):
                sent = c.send_message(QueueUrl=url, MessageBody="f", MessageGroupId="g-" + name,
                                      MessageDeduplicationId="d-" + name)
                m = c.receive_message(QueueUrl=url, AttributeNames=["MessageGroupId", "MessageDeduplicationId",
                                                                   "SequenceNumber"])["Messages"][0]
                self.assertEqual(m["Attributes"], {"MessageGroupId": "g-" + name, "MessageDeduplicationId": "d-" + name,
                                                   "SequenceNumber": sent["SequenceNumber"]})
                c.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
                m = c.receive_message(QueueUrl=url, MessageSystemAttributeNames=["MessageGroupId"])["Messages"][0]
                self.assertEqual(m["Attributes"], {"MessageGroupId": "g-" + name})
                c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    def test_aws_cli_attribute_names(self):
        url = self.queue()
        self.send_traced(url)
        got = self.stratus.aws("sqs", "receive-message", "--queue-url", url, "--attribute-names", "SentTimestamp",
                               "ApproximateReceiveCount", "AWSTraceHeader")
        self.assertEqual(sorted(got["Messages"][0]["Attributes"]),
                         ["AWSTraceHeader", "ApproximateReceiveCount", "SentTimestamp"])
        self.stratus.aws("sqs", "change-message-visibility", "--queue-url", url, "--receipt-handle",
                         got["Messages"][0]["ReceiptHandle"], "--visibility-timeout", "0")
        got = self.stratus.aws("sqs", "receive-message", "--queue-url", url, "--message-system-attribute-names",
                               "All")
        self.assertEqual(got["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "2")

    def test_get_queue_attributes_still_rejects_message_attribute_names(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                code, msg = self.error_of(c, "get_queue_attributes", QueueUrl=url, AttributeNames=["SentTimestamp"])
                self.assertEqual(code, "InvalidAttributeName")
                self.assertEqual(msg, "Unknown Attribute SentTimestamp.")

    def test_send_with_an_unknown_system_attribute_is_sqs_error(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                code, msg = self.error_of(c, "send_message", QueueUrl=url, MessageBody="x", MessageSystemAttributes={
                    "Bogus": {"DataType": "String", "StringValue": "v"}})
                self.assertEqual(code, "InvalidParameterValue")
                self.assertEqual(msg, "Message system attribute name 'Bogus' is invalid.")


class MessageAttributeNames(ConformanceCase):
    ATTRS = {"Custom.a": {"DataType": "String", "StringValue": "1"},
             "Custom.b": {"DataType": "Number", "StringValue": "2"},
             "CustomX": {"DataType": "String", "StringValue": "3"},
             "other": {"DataType": "Binary", "BinaryValue": b"\x01"}}

    def test_selection_forms(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=self.ATTRS)
        cases = [(["Custom.*"], ["Custom.a", "Custom.b"]), (["All"], sorted(self.ATTRS)), ([".*"], sorted(self.ATTRS)),
                 (["other", "Custom.b"], ["Custom.b", "other"]), (["nothing"], []), ([], [])]
        for name, c in self.clients():
            for names, want in cases:
                with self.subTest(name, names=names):
                    m = c.receive_message(QueueUrl=url, MessageAttributeNames=names, VisibilityTimeout=0)["Messages"][0]
                    self.assertEqual(sorted(m.get("MessageAttributes", {})), want)
                    self.assertEqual("MD5OfMessageAttributes" in m, bool(want))

    def test_aws_cli_prefix(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=self.ATTRS)
        got = self.stratus.aws("sqs", "receive-message", "--queue-url", url, "--message-attribute-names", "Custom.*")
        self.assertEqual(sorted(got["Messages"][0]["MessageAttributes"]), ["Custom.a", "Custom.b"])


class FifoBatches(ConformanceCase):
    def test_entries_without_dedup_id_fail_alone(self):
        url = self.queue(fifo=True)
        for name, c in self.clients():
            with self.subTest(name):
                out = c.send_message_batch(QueueUrl=url, Entries=[
                    {"Id": "ok", "MessageBody": "1", "MessageGroupId": "g", "MessageDeduplicationId": "d" + name},
                    {"Id": "nodedup", "MessageBody": "2", "MessageGroupId": "g"}])
                self.assertEqual([e["Id"] for e in out["Successful"]], ["ok"])
                self.assertIn("SequenceNumber", out["Successful"][0])
                f = out["Failed"][0]
                self.assertEqual((f["Id"], f["Code"], f["SenderFault"]), ("nodedup", "InvalidParameterValue", True))
                self.assertEqual(f["Message"], "The queue should either have ContentBasedDeduplication enabled or "
                                               "MessageDeduplicationId provided explicitly")
                out = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "nogroup", "MessageBody": "3",
                                                                   "MessageDeduplicationId": "x"}])
                self.assertEqual(out["Failed"][0]["Code"], "MissingParameter")
                self.assertEqual(out["Failed"][0]["Message"], "The request must contain the parameter MessageGroupId.")

    def test_single_send_errors(self):
        url = self.queue(fifo=True)
        for name, c in self.clients():
            with self.subTest(name):
                code, msg = self.error_of(c, "send_message", QueueUrl=url, MessageBody="x", MessageGroupId="g")
                self.assertEqual(code, "InvalidParameterValue")
                self.assertIn("ContentBasedDeduplication", msg)
                code, _ = self.error_of(c, "send_message", QueueUrl=url, MessageBody="x",
                                        MessageDeduplicationId="d")
                self.assertEqual(code, "MissingParameter")
                code, msg = self.error_of(c, "send_message", QueueUrl=url, MessageBody="x", MessageGroupId="g",
                                          MessageDeduplicationId="d", DelaySeconds=5)
                self.assertEqual(code, "InvalidParameterValue")
                self.assertEqual(msg, "Value 5 for parameter DelaySeconds is invalid. Reason: The request include "
                                      "parameter that is not valid for this queue type.")

    def test_content_based_deduplication_batch(self):
        url = self.queue(fifo=True, ContentBasedDeduplication="true")
        out = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "same", "MessageGroupId": "g"},
            {"Id": "b", "MessageBody": "same", "MessageGroupId": "g"}])
        self.assertEqual(len(out["Successful"]), 2)
        self.assertEqual(out["Successful"][0]["MessageId"], out["Successful"][1]["MessageId"])
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(len(got), 1)


class ErrorTexts(ConformanceCase):
    def test_delay_seconds_out_of_range(self):
        url = self.queue()
        for name, c in self.clients():
            for bad in (901, -1):
                with self.subTest(name, delay=bad):
                    code, msg = self.error_of(c, "send_message", QueueUrl=url, MessageBody="x", DelaySeconds=bad)
                    self.assertEqual(code, "InvalidParameterValue")
                    self.assertEqual(msg, f"Value {bad} for parameter DelaySeconds is invalid. Reason: DelaySeconds "
                                          "must be >= 0 and <= 900.")
            out = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x", "DelaySeconds": 901}])
            self.assertEqual(out["Failed"][0]["Code"], "InvalidParameterValue")
        self.assertIn("InvalidParameterValue", self.cli_error("send-message", "--queue-url", url, "--message-body", "x",
                                                              "--delay-seconds", "901"))

    def test_receipt_handle_is_invalid(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                for op, extra in (("delete_message", {}), ("change_message_visibility", {"VisibilityTimeout": 5})):
                    code, msg = self.error_of(c, op, QueueUrl=url, ReceiptHandle="garbage", **extra)
                    self.assertEqual(code, "ReceiptHandleIsInvalid")
                    self.assertEqual(msg, 'The input receipt handle "garbage" is not a valid receipt handle.')
        self.assertIn("ReceiptHandleIsInvalid",
                      self.cli_error("delete-message", "--queue-url", url, "--receipt-handle", "garbage"))

    def test_message_attribute_type_and_name(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                code, msg = self.error_of(c, "send_message", QueueUrl=url, MessageBody="x", MessageAttributes={
                    "price": {"DataType": "Float", "StringValue": "1"}})
                self.assertEqual(code, "InvalidParameterValue")
                self.assertEqual(msg, "The type of message (user) attribute 'price' is invalid. You must use only the "
                                      "following supported type prefixes: Binary, Number, String.")
                code, msg = self.error_of(c, "send_message", QueueUrl=url, MessageBody="x", MessageAttributes={
                    "AWS.reserved": {"DataType": "String", "StringValue": "1"}})
                self.assertEqual(code, "InvalidParameterValue")
                self.assertTrue(msg.startswith("Message (user) attribute name 'AWS.reserved' is invalid."), msg)

    def test_number_attribute_precision_and_range(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                for ok in ("9" * 38, "-1.5e126", "1e-128", "+7"):
                    c.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
                        "n": {"DataType": "Number", "StringValue": ok}})
                for bad in ("9" * 39, "1e127", "1e-129", "NaN", "Infinity"):
                    code, msg = self.error_of(c, "send_message", QueueUrl=url, MessageBody="x", MessageAttributes={
                        "n": {"DataType": "Number", "StringValue": bad}})
                    self.assertEqual(code, "InvalidParameterValue", bad)
                    self.assertEqual(msg, "Can't cast the value of message (user) attribute 'n' to a number.")

    def test_remove_unknown_permission_label(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                code, msg = self.error_of(c, "remove_permission", QueueUrl=url, Label="nope")
                self.assertEqual(code, "InvalidParameterValue")
                self.assertEqual(msg, "Value nope for parameter Label is invalid. Reason: can't find label.")

    def test_queue_names(self):
        fifo_text = ("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                     "must end with .fifo suffix and be 1 to 80 in length.")
        for name, c in self.clients():
            with self.subTest(name):
                for qn, attrs in (("bad!.fifo", {"FifoQueue": "true"}), ("nosuffix", {"FifoQueue": "true"}),
                                  ("x" * 76 + ".fifo", {"FifoQueue": "true"}), ("std.fifo", {})):
                    code, msg = self.error_of(c, "create_queue", QueueName=qn, Attributes=attrs)
                    self.assertEqual(code, "InvalidParameterValue")
                    self.assertEqual(msg, fifo_text)
                code, msg = self.error_of(c, "create_queue", QueueName="bad name")
                self.assertEqual(msg, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in "
                                      "length")
                url = c.create_queue(QueueName="x" * 75 + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
                self.assertTrue(url.endswith(".fifo"))


class DocumentedLimits(ConformanceCase):
    """Constraints the botocore documentation of the operations states."""

    def test_visibility_total_is_twelve_hours_from_the_receive(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        for name, c in self.clients():
            with self.subTest(name):
                m = c.receive_message(QueueUrl=url, VisibilityTimeout=1)
                if "Messages" not in m:
                    time.sleep(1.1)
                    m = c.receive_message(QueueUrl=url, VisibilityTimeout=1)
                handle = m["Messages"][0]["ReceiptHandle"]
                time.sleep(0.3)
                code, msg = self.error_of(c, "change_message_visibility", QueueUrl=url, ReceiptHandle=handle,
                                          VisibilityTimeout=43200)
                self.assertEqual(code, "InvalidParameterValue")
                self.assertEqual(msg, "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total "
                                      "VisibilityTimeout for the message is beyond the limit [43200 seconds].")
                out = c.change_message_visibility_batch(QueueUrl=url, Entries=[
                    {"Id": "long", "ReceiptHandle": handle, "VisibilityTimeout": 43200},
                    {"Id": "ok", "ReceiptHandle": handle, "VisibilityTimeout": 43000}])
                self.assertEqual([e["Id"] for e in out["Successful"]], ["ok"])
                self.assertEqual(out["Failed"][0]["Code"], "InvalidParameterValue")
                c.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)

    def test_standard_queue_message_group_id_fair_queues(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                sent = c.send_message(QueueUrl=url, MessageBody="t", MessageGroupId="tenant-" + name)
                self.assertNotIn("SequenceNumber", sent)
                m = c.receive_message(QueueUrl=url, AttributeNames=["MessageGroupId"])["Messages"][0]
                self.assertEqual(m["Attributes"], {"MessageGroupId": "tenant-" + name})
                c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                code, _ = self.error_of(c, "send_message", QueueUrl=url, MessageBody="t",
                                        MessageDeduplicationId="d")
                self.assertEqual(code, "InvalidParameterValue")

    def test_system_attributes_do_not_count_toward_the_size(self):
        url = self.queue()
        self.sqs.send_message(QueueUrl=url, MessageBody="x" * MIB, MessageSystemAttributes={
            "AWSTraceHeader": {"DataType": "String", "StringValue": TRACE}})

    def test_redrive_allow_policy(self):
        deny = self.queue(RedriveAllowPolicy=json.dumps({"redrivePermission": "denyAll"}))
        deny_arn = self.sqs.get_queue_attributes(QueueUrl=deny, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src = self.queue()
        src_arn = self.sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": deny_arn, "maxReceiveCount": 3})
        for name, c in self.clients():
            with self.subTest(name):
                code, msg = self.error_of(c, "set_queue_attributes", QueueUrl=src,
                                          Attributes={"RedrivePolicy": policy})
                self.assertEqual(code, "InvalidParameterValue")
                self.assertIn("does not allow this queue to use it as a dead-letter queue", msg)
        by_queue = self.queue(RedriveAllowPolicy=json.dumps({"redrivePermission": "byQueue",
                                                             "sourceQueueArns": [src_arn]}))
        by_arn = self.sqs.get_queue_attributes(QueueUrl=by_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": by_arn, "maxReceiveCount": 3})})
        other = self.queue()
        code, _ = self.error(self.sqs.set_queue_attributes, QueueUrl=other, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": by_arn, "maxReceiveCount": 3})})
        self.assertEqual(code, "InvalidParameterValue")
        self.sqs.set_queue_attributes(QueueUrl=by_queue, Attributes={"RedriveAllowPolicy": json.dumps(
            {"redrivePermission": "allowAll"})})
        self.sqs.set_queue_attributes(QueueUrl=other, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": by_arn, "maxReceiveCount": 3})})
        for bad in ({"redrivePermission": "some"}, {"sourceQueueArns": [src_arn]},
                    {"redrivePermission": "allowAll", "sourceQueueArns": [src_arn]},
                    {"redrivePermission": "byQueue"},
                    {"redrivePermission": "byQueue", "sourceQueueArns": [src_arn] * 11}):
            with self.subTest(bad=bad):
                code, msg = self.error(self.sqs.set_queue_attributes, QueueUrl=by_queue,
                                       Attributes={"RedriveAllowPolicy": json.dumps(bad)})
                self.assertEqual(code, "InvalidParameterValue")
                self.assertIn("for parameter RedriveAllowPolicy is invalid.", msg)

    def test_add_permission_rules(self):
        url = self.queue()
        for name, c in self.clients():
            with self.subTest(name):
                code, msg = self.error_of(c, "add_permission", QueueUrl=url, Label="x" * 81,
                                          AWSAccountIds=["111122223333"], Actions=["SendMessage"])
                self.assertEqual(code, "InvalidParameterValue")
                code, _ = self.error_of(c, "add_permission", QueueUrl=url, Label="bad label",
                                        AWSAccountIds=["111122223333"], Actions=["SendMessage"])
                self.assertEqual(code, "InvalidParameterValue")
                code, msg = self.error_of(c, "add_permission", QueueUrl=url, Label="many",
                                          AWSAccountIds=["111122223333"],
                                          Actions=["SendMessage", "ReceiveMessage", "DeleteMessage",
                                                   "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl",
                                                   "PurgeQueue", "ListDeadLetterSourceQueues"])
                self.assertEqual(code, "OverLimit")
                self.assertEqual(msg, "8 Actions were found, maximum allowed is 7.")
                code, msg = self.error_of(c, "add_permission", QueueUrl=url, Label="owner",
                                          AWSAccountIds=["111122223333"], Actions=["DeleteQueue"])
                self.assertEqual(code, "InvalidParameterValue")
                self.assertEqual(msg, "Value SQS:DeleteQueue for parameter ActionName is invalid. Reason: Only the "
                                      "queue owner is allowed to invoke this action.")
                code, msg = self.error_of(c, "add_permission", QueueUrl=url, Label="who",
                                          AWSAccountIds=["arn:aws:iam::111122223333:user/u"], Actions=["*"])
                self.assertEqual(code, "InvalidParameterValue")
                c.add_permission(QueueUrl=url, Label="ok-" + name, AWSAccountIds=["111122223333"],
                                 Actions=["SendMessage", "ReceiveMessage"])

    def test_policy_quotas(self):
        url = self.queue()
        stmt = {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sqs:SendMessage", "Resource": "*"}
        for name, c in self.clients():
            with self.subTest(name):
                big = json.dumps({"Version": "2012-10-17", "Statement": [dict(stmt, Sid="s" + "x" * 9000)]})
                code, msg = self.error_of(c, "set_queue_attributes", QueueUrl=url, Attributes={"Policy": big})
                self.assertEqual((code, msg), ("InvalidAttributeValue", "Invalid value for the parameter Policy."))
                many = json.dumps({"Version": "2012-10-17", "Statement": [dict(stmt, Sid=f"s{i}") for i in range(21)]})
                code, _ = self.error_of(c, "set_queue_attributes", QueueUrl=url, Attributes={"Policy": many})
                self.assertEqual(code, "InvalidAttributeValue")
        twenty = json.dumps({"Version": "2012-10-17", "Statement": [dict(stmt, Sid=f"s{i}") for i in range(20)]})
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": twenty})
        code, _ = self.error(self.sqs.add_permission, QueueUrl=url, Label="one-more", AWSAccountIds=["111122223333"],
                             Actions=["SendMessage"])
        self.assertEqual(code, "OverLimit")

    def test_tag_rules(self):
        url = self.queue()
        for bad in ({"": "v"}, {"k" * 129: "v"}, {"k": "v" * 257}, {"aws:owned": "v"}, {"k!": "v"}):
            with self.subTest(tags=bad):
                code, _ = self.error(self.sqs.tag_queue, QueueUrl=url, Tags=bad)
                self.assertEqual(code, "InvalidParameterValue")
        code, _ = self.error(self.q.create_queue, QueueName="tag-rules", tags={"aws:x": "v"})
        self.assertEqual(code, "InvalidParameterValue")
        self.sqs.tag_queue(QueueUrl=url, Tags={"k" * 128: "v" * 256, "a b_.:/=+-@": "", "é": "ü"})
        self.assertEqual(len(self.q.list_queue_tags(QueueUrl=url)["Tags"]), 3)

    def test_move_task_limits(self):
        dlq = self.queue()
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for name, c in self.clients():
            with self.subTest(name):
                code, _ = self.error_of(c, "start_message_move_task", SourceArn=dlq_arn,
                                        MaxNumberOfMessagesPerSecond=501)
                self.assertEqual(code, "InvalidParameterValue")
                code, _ = self.error_of(c, "list_message_move_tasks", SourceArn=dlq_arn, MaxResults=11)
                self.assertEqual(code, "InvalidParameterValue")


if __name__ == "__main__":
    unittest.main()
