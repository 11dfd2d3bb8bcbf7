"""SNS through boto3 and the aws CLI: topics, subscriptions, publishing, fan-out to SQS with the
exact envelope and filter policies, HTTP endpoints (confirmation handshake, retries), email and
SMS into the mailbox, signatures verifiable against the certificate Stratus serves."""
import base64
import http.server
import json
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

import botocore.exceptions

from harness import Stratus, StratusTestCase


def wait_for(fn, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return fn()


class SnsCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sns = cls.stratus.client("sns")
        cls.sqs = cls.stratus.client("sqs")
        cls.n = 0

    def name(self, suffix=""):
        type(self).n += 1
        return f"{self._testMethodName[:40]}-{type(self).n}{suffix}"

    def topic(self, **attrs):
        fifo = attrs.get("FifoTopic") == "true"
        return self.sns.create_topic(Name=self.name(".fifo" if fifo else ""), Attributes=attrs)["TopicArn"]

    def queue(self, fifo=False):
        attrs = {"FifoQueue": "true"} if fifo else {}
        url = self.sqs.create_queue(QueueName=self.name(".fifo" if fifo else ""), Attributes=attrs)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def drain(self, url, expect, timeout=10, **kw):
        got = []
        deadline = time.time() + timeout
        while len(got) < expect and time.time() < deadline:
            got += self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                            **kw).get("Messages", [])
        return got

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def mailbox(self, query=""):
        status, _, body = self.stratus.http("GET", "/_stratus/mailbox" + query)
        self.assertEqual(status, 200)
        return json.loads(body)["messages"]


class Topics(SnsCase):
    def test_create_is_idempotent_and_lists_with_pagination(self):
        arns = [self.sns.create_topic(Name=f"page-topic-{i}")["TopicArn"] for i in range(105)]
        self.assertEqual(self.sns.create_topic(Name="page-topic-0")["TopicArn"], arns[0])
        self.assertEqual(arns[0], "arn:aws:sns:us-east-1:000000000000:page-topic-0")
        first = self.sns.list_topics()
        self.assertEqual(len(first["Topics"]), 100)
        second = self.sns.list_topics(NextToken=first["NextToken"])
        self.assertNotIn("NextToken", second)
        listed = {t["TopicArn"] for t in first["Topics"] + second["Topics"]}
        self.assertTrue(set(arns) <= listed)

    def test_attributes_and_errors(self):
        arn = self.topic()
        a = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(a["TopicArn"], arn)
        self.assertEqual(a["Owner"], "000000000000")
        self.assertEqual(a["SubscriptionsConfirmed"], "0")
        self.assertIn("Policy", a)
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Shop")
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"], "Shop")
        code, _ = self.error(self.sns.set_topic_attributes, TopicArn=arn, AttributeName="Bogus", AttributeValue="x")
        self.assertEqual(code, "InvalidParameter")
        code, msg = self.error(self.sns.get_topic_attributes, TopicArn=arn + "-missing")
        self.assertEqual(code, "NotFound")
        self.assertEqual(msg, "Topic does not exist")
        code, _ = self.error(self.sns.get_topic_attributes, TopicArn="not-an-arn")
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.create_topic, Name="bad name")
        self.assertEqual(code, "InvalidParameter")

    def test_fifo_topic(self):
        arn = self.topic(FifoTopic="true", ContentBasedDeduplication="true")
        self.assertTrue(arn.endswith(".fifo"))
        a = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(a["FifoTopic"], "true")
        self.assertEqual(a["ContentBasedDeduplication"], "true")
        code, _ = self.error(self.sns.publish, TopicArn=arn, Message="x")
        self.assertEqual(code, "InvalidParameter")
        p1 = self.sns.publish(TopicArn=arn, Message="x", MessageGroupId="g")
        p2 = self.sns.publish(TopicArn=arn, Message="x", MessageGroupId="g")
        self.assertEqual(p1["MessageId"], p2["MessageId"])
        self.assertIn("SequenceNumber", p1)

    def test_tags(self):
        arn = self.sns.create_topic(Name=self.name(), Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
        self.sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
        tags = self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
        self.assertEqual({t["Key"]: t["Value"] for t in tags}, {"team": "a", "env": "dev"})
        self.sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"], [{"Key": "env", "Value": "dev"}])
        code, _ = self.error(self.sns.list_tags_for_resource, ResourceArn=arn + "x")
        self.assertEqual(code, "ResourceNotFound")

    def test_delete_topic_removes_subscriptions(self):
        arn = self.topic()
        _, qarn = self.queue()
        sub = self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
        self.sns.delete_topic(TopicArn=arn)
        self.sns.delete_topic(TopicArn=arn)  # idempotent
        code, _ = self.error(self.sns.get_subscription_attributes, SubscriptionArn=sub)
        self.assertEqual(code, "NotFound")

    def test_aws_cli(self):
        arn = self.stratus.aws("sns", "create-topic", "--name", "cli-topic")["TopicArn"]
        out = self.stratus.aws("sns", "publish", "--topic-arn", arn, "--message", "hi")
        self.assertIn("MessageId", out)
        self.assertIn(arn, [t["TopicArn"] for t in self.stratus.aws("sns", "list-topics")["Topics"]])


class Subscriptions(SnsCase):
    def test_subscribe_attributes_unsubscribe(self):
        arn = self.topic()
        _, qarn = self.queue()
        sub = self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn,
                                 Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
        self.assertTrue(sub.startswith(arn + ":"))
        # Subscribing again returns the same subscription.
        self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn,
                                            Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"], sub)
        a = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual(a["RawMessageDelivery"], "true")
        self.assertEqual(a["PendingConfirmation"], "false")
        self.assertEqual(a["Endpoint"], qarn)
        self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                             AttributeValue=json.dumps({"a": ["b"]}))
        a = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual(json.loads(a["FilterPolicy"]), {"a": ["b"]})
        self.assertEqual(a["FilterPolicyScope"], "MessageAttributes")
        by_topic = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        self.assertEqual([s["SubscriptionArn"] for s in by_topic], [sub])
        self.sns.unsubscribe(SubscriptionArn=sub)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"], [])
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsDeleted"], "1")

    def test_list_subscriptions_paginates(self):
        arn = self.topic()
        for i in range(102):
            self.sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint=f"+1555000{i:04d}")
        first = self.sns.list_subscriptions_by_topic(TopicArn=arn)
        self.assertEqual(len(first["Subscriptions"]), 100)
        second = self.sns.list_subscriptions_by_topic(TopicArn=arn, NextToken=first["NextToken"])
        self.assertEqual(len(second["Subscriptions"]), 2)
        everyone = []
        token = None
        while True:
            page = self.sns.list_subscriptions(**({"NextToken": token} if token else {}))
            everyone += page["Subscriptions"]
            token = page.get("NextToken")
            if not token:
                break
        self.assertGreaterEqual(len([s for s in everyone if s["TopicArn"] == arn]), 102)

    def test_subscribe_errors(self):
        arn = self.topic()
        code, _ = self.error(self.sns.subscribe, TopicArn=arn, Protocol="carrier-pigeon", Endpoint="x")
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint="not-an-arn")
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.subscribe, TopicArn=arn, Protocol="email", Endpoint="nobody")
        self.assertEqual(code, "InvalidParameter")
        code, msg = self.error(self.sns.subscribe, TopicArn=arn, Protocol="sqs",
                               Endpoint="arn:aws:sqs:us-east-1:000000000000:q",
                               Attributes={"FilterPolicy": json.dumps({"a": [{"prefx": "b"}]})})
        self.assertEqual(code, "InvalidParameter")
        self.assertIn("FilterPolicy", msg)
        code, _ = self.error(self.sns.subscribe, TopicArn=arn + "-missing", Protocol="sms", Endpoint="+15550001")
        self.assertEqual(code, "NotFound")
        code, _ = self.error(self.sns.unsubscribe, SubscriptionArn=arn + ":0000")
        self.assertEqual(code, "NotFound")


class FanOut(SnsCase):
    def test_sqs_envelope_matches_aws(self):
        arn = self.topic()
        url, qarn = self.queue()
        sub = self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
        pub = self.sns.publish(TopicArn=arn, Message="order 1", Subject="New order", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "order"},
            "n": {"DataType": "Number", "StringValue": "3"},
            "bin": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}})
        body = self.drain(url, 1)[0]["Body"]
        env = json.loads(body)
        self.assertEqual(list(env), ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
                                     "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL",
                                     "MessageAttributes"])
        self.assertTrue(body.startswith('{\n  "Type" : "Notification",\n  "MessageId" : '))
        self.assertEqual(env["Type"], "Notification")
        self.assertEqual(env["MessageId"], pub["MessageId"])
        self.assertEqual(env["TopicArn"], arn)
        self.assertEqual(env["Subject"], "New order")
        self.assertEqual(env["Message"], "order 1")
        self.assertRegex(env["Timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(env["SignatureVersion"], "1")
        self.assertEqual(env["MessageAttributes"], {
            "bin": {"Type": "Binary", "Value": base64.b64encode(b"\x01\x02").decode()},
            "kind": {"Type": "String", "Value": "order"}, "n": {"Type": "Number", "Value": "3"}})
        self.assertIn("SubscriptionArn=" + sub, env["UnsubscribeURL"])
        self.verify_signature(env)

    def verify_signature(self, env):
        """Checks the signature the way SNS receivers do: fetch the cert, rebuild the string."""
        with urllib.request.urlopen(env["SigningCertURL"], timeout=5) as r:
            pem = r.read()
        keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        text = "".join(f"{k}\n{env[k]}\n" for k in keys if k in env)
        with tempfile.TemporaryDirectory() as d:
            open(f"{d}/cert.pem", "wb").write(pem)
            open(f"{d}/msg", "w").write(text)
            open(f"{d}/sig", "wb").write(base64.b64decode(env["Signature"]))
            subprocess.run(["openssl", "x509", "-in", f"{d}/cert.pem", "-pubkey", "-noout", "-out", f"{d}/pub.pem"],
                           check=True)
            digest = "-sha1" if env["SignatureVersion"] == "1" else "-sha256"
            cp = subprocess.run(["openssl", "dgst", digest, "-verify", f"{d}/pub.pem", "-signature", f"{d}/sig",
                                 f"{d}/msg"], capture_output=True, text=True)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)

    def test_raw_delivery_carries_attributes(self):
        arn = self.topic()
        url, qarn = self.queue()
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        self.sns.publish(TopicArn=arn, Message="raw body", MessageAttributes={
            "k": {"DataType": "String", "StringValue": "v"}})
        m = self.drain(url, 1, MessageAttributeNames=["All"])[0]
        self.assertEqual(m["Body"], "raw body")
        self.assertEqual(m["MessageAttributes"], {"k": {"StringValue": "v", "DataType": "String"}})

    def test_filter_policies_on_attributes_and_body(self):
        arn = self.topic()
        urls = {}
        policies = {
            "orders": ({"kind": ["order"], "total": [{"numeric": [">", 100]}]}, None),
            "not_eu": ({"region": [{"anything-but": {"prefix": "eu-"}}]}, None),
            "body": ({"customer": {"tier": ["gold"]}}, "MessageBody"),
            "exists": ({"urgent": [{"exists": True}]}, None),
            "everything": (None, None),
        }
        for name, (policy, scope) in policies.items():
            url, qarn = self.queue()
            attrs = {"RawMessageDelivery": "true"}
            if policy is not None:
                attrs["FilterPolicy"] = json.dumps(policy)
            if scope:
                attrs["FilterPolicyScope"] = scope
            self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes=attrs)
            urls[name] = url

        def attrs(**kv):
            out = {}
            for k, v in kv.items():
                t = "Number" if isinstance(v, (int, float)) else "String"
                out[k] = {"DataType": t, "StringValue": str(v)}
            return out

        self.sns.publish(TopicArn=arn, Message="big order", MessageAttributes=attrs(kind="order", total=150, region="us-east-1"))
        self.sns.publish(TopicArn=arn, Message="small order", MessageAttributes=attrs(kind="order", total=50, region="eu-west-1"))
        self.sns.publish(TopicArn=arn, Message=json.dumps({"customer": {"tier": "gold"}}), MessageAttributes=attrs(urgent="yes"))
        expected = {
            "orders": ["big order"],
            "not_eu": ["big order"],
            "body": [json.dumps({"customer": {"tier": "gold"}})],
            "exists": [json.dumps({"customer": {"tier": "gold"}})],
            "everything": ["big order", "small order", json.dumps({"customer": {"tier": "gold"}})],
        }
        for name, want in expected.items():
            got = sorted(m["Body"] for m in self.drain(urls[name], len(want)))
            self.assertEqual(got, sorted(want), name)
        for name, want in expected.items():  # and nothing else arrived
            self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=urls[name]), name)

    def test_message_structure_json(self):
        arn = self.topic()
        url, qarn = self.queue()
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        self.sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+15557770000")
        self.sns.publish(TopicArn=arn, MessageStructure="json",
                         Message=json.dumps({"default": "dflt", "sqs": "for queues", "sms": "for phones"}))
        self.assertEqual(self.drain(url, 1)[0]["Body"], "for queues")
        sms = wait_for(lambda: self.mailbox("?recipient=%2B15557770000"))
        self.assertEqual(sms[0]["body"], "for phones")
        code, _ = self.error(self.sns.publish, TopicArn=arn, MessageStructure="json", Message=json.dumps({"sqs": "x"}))
        self.assertEqual(code, "InvalidParameter")

    def test_publish_batch(self):
        arn = self.topic()
        url, qarn = self.queue()
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        out = self.sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "1", "Message": "one"}, {"Id": "2", "Message": "two"}, {"Id": "3", "Message": ""}])
        self.assertEqual(sorted(e["Id"] for e in out["Successful"]), ["1", "2"])
        self.assertEqual(out["Failed"][0]["Id"], "3")
        self.assertEqual(sorted(m["Body"] for m in self.drain(url, 2)), ["one", "two"])
        code, _ = self.error(self.sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": str(i), "Message": "x"} for i in range(11)])
        self.assertEqual(code, "TooManyEntriesInBatchRequest")
        code, _ = self.error(self.sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "x"}, {"Id": "a", "Message": "y"}])
        self.assertEqual(code, "BatchEntryIdsNotDistinct")

    def test_fifo_topic_to_fifo_queue_keeps_order(self):
        arn = self.topic(FifoTopic="true")
        url, qarn = self.queue(fifo=True)
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        for i in range(5):
            self.sns.publish(TopicArn=arn, Message=f"m{i}", MessageGroupId="g", MessageDeduplicationId=f"d{i}")
        got = []
        deadline = time.time() + 10
        while len(got) < 5 and time.time() < deadline:
            msgs = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                            MessageSystemAttributeNames=["MessageGroupId"]).get("Messages", [])
            for m in msgs:
                got.append(m["Body"])
                self.assertEqual(m["Attributes"]["MessageGroupId"], "g")
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(got, [f"m{i}" for i in range(5)])

    def test_publish_errors(self):
        arn = self.topic()
        code, _ = self.error(self.sns.publish, TopicArn=arn, Message="")
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.publish, TopicArn=arn, Message="x" * 262145)
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.publish, TopicArn=arn + "nope", Message="x")
        self.assertEqual(code, "NotFound")
        code, _ = self.error(self.sns.publish, TopicArn=arn, Message="x", MessageAttributes={
            "a": {"DataType": "Number", "StringValue": "abc"}})
        self.assertEqual(code, "ParameterValueInvalid")


class Mailbox(SnsCase):
    def test_email_confirmation_then_notifications_in_mailbox(self):
        self.stratus.http("DELETE", "/_stratus/mailbox")
        arn = self.sns.create_topic(Name="new-orders", Attributes={"DisplayName": "Shop"})["TopicArn"]
        out = self.sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="orders@example.com")
        self.assertEqual(out["SubscriptionArn"], "pending confirmation")
        confirm = wait_for(lambda: self.mailbox("?recipient=orders%40example.com"))
        self.assertEqual(confirm[0]["subject"], "AWS Notification - Subscription Confirmation")
        link = [w for w in confirm[0]["body"].split() if "Action=ConfirmSubscription" in w][0]
        # Visiting the link confirms, as clicking it in a real mail would.
        status, _, body = self.stratus.http("GET", link[len(self.stratus.endpoint):])
        self.assertEqual(status, 200, body)
        self.assertIn(b"ConfirmSubscriptionResult", body)
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"], "1")
        before = int(time.time() * 1000)
        self.sns.publish(TopicArn=arn, Message="Order #42 received", Subject="New order")
        mails = wait_for(lambda: [m for m in self.mailbox(f"?recipient=orders%40example.com&since={before}")
                                  if m["subject"] == "New order"])
        self.assertEqual(len(mails), 1)
        mail = mails[0]
        self.assertEqual(mail["channel"], "email")
        self.assertEqual(mail["sender"], "Shop <no-reply@sns.amazonaws.com>")
        self.assertTrue(mail["body"].startswith("Order #42 received\n\n--\nIf you wish to stop receiving"))
        self.assertEqual(mail["source"], arn)

    def test_email_json_and_direct_sms(self):
        arn = self.topic()
        self.sns.subscribe(TopicArn=arn, Protocol="email-json", Endpoint="dev@example.com")
        confirm = wait_for(lambda: self.mailbox("?recipient=dev%40example.com"))
        token = json.loads(confirm[0]["body"])["Token"]
        self.sns.confirm_subscription(TopicArn=arn, Token=token)
        code, _ = self.error(self.sns.confirm_subscription, TopicArn=arn, Token="wrong")
        self.assertEqual(code, "InvalidParameter")
        self.sns.publish(TopicArn=arn, Message="json please")
        mails = wait_for(lambda: [m for m in self.mailbox("?recipient=dev%40example.com")
                                  if json.loads(m["body"])["Type"] == "Notification"])
        env = json.loads(mails[0]["body"])
        self.assertEqual(env["Type"], "Notification")
        self.assertEqual(env["Message"], "json please")
        self.sns.publish(PhoneNumber="+15551234567", Message="Your code is 123456")
        sms = self.mailbox("?recipient=%2B15551234567")
        self.assertEqual([m["body"] for m in sms], ["Your code is 123456"])
        self.assertEqual(sms[0]["channel"], "sms")

    def test_clear_and_since_filter(self):
        self.sns.publish(PhoneNumber="+15550009999", Message="old")
        time.sleep(0.01)
        cut = int(time.time() * 1000)
        time.sleep(0.01)
        self.sns.publish(PhoneNumber="+15550009999", Message="new")
        self.assertEqual([m["body"] for m in self.mailbox(f"?recipient=%2B15550009999&since={cut}")], ["new"])
        status, _, body = self.stratus.http("DELETE", "/_stratus/mailbox?recipient=%2B15550009999")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["deleted"], 2)
        self.assertEqual(self.mailbox("?recipient=%2B15550009999"), [])


class Sink(http.server.BaseHTTPRequestHandler):
    """An HTTP endpoint that records what SNS posts; fails the first `fail` posts."""
    received = []
    fail = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        cls = type(self)
        if cls.fail > 0:
            cls.fail -= 1
            self.send_response(500)
        else:
            cls.received.append((dict(self.headers), body))
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


class HttpEndpoints(SnsCase):
    def setUp(self):
        Sink.received = []
        Sink.fail = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def test_confirmation_handshake_then_delivery_with_retries(self):
        arn = self.topic()
        out = self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.url, ReturnSubscriptionArn=True,
                                 Attributes={"DeliveryPolicy": json.dumps(
                                     {"healthyRetryPolicy": {"numRetries": 3, "minDelayTarget": 1,
                                                             "maxDelayTarget": 1}})})
        sub = out["SubscriptionArn"]
        self.assertTrue(sub.startswith(arn))
        got = wait_for(lambda: Sink.received)
        headers, body = got[0]
        self.assertEqual(headers["x-amz-sns-message-type"], "SubscriptionConfirmation")
        conf = json.loads(body)
        self.assertEqual(conf["Type"], "SubscriptionConfirmation")
        self.assertEqual(conf["TopicArn"], arn)
        with urllib.request.urlopen(conf["SubscribeURL"], timeout=5) as r:
            self.assertEqual(r.status, 200)
        a = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual(a["PendingConfirmation"], "false")
        Sink.received = []
        Sink.fail = 2  # two failures, then success: delivered by the retries
        self.sns.publish(TopicArn=arn, Message="hook me")
        got = wait_for(lambda: Sink.received, timeout=15)
        headers, body = got[0]
        self.assertEqual(headers["x-amz-sns-message-type"], "Notification")
        self.assertEqual(headers["x-amz-sns-subscription-arn"], sub)
        self.assertEqual(json.loads(body)["Message"], "hook me")


class SnsDurability(unittest.TestCase):
    def test_subscriptions_and_pending_deliveries_survive_kill9(self):
        s = Stratus().start()
        try:
            sns, sqs = s.client("sns"), s.client("sqs")
            arn = sns.create_topic(Name="durable-topic")["TopicArn"]
            url = sqs.create_queue(QueueName="durable-sub")["QueueUrl"]
            qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
            for i in range(20):
                sns.publish(TopicArn=arn, Message=f"m{i}")
            s.kill9()
            s.start()
            sns, sqs = s.client("sns"), s.client("sqs")
            self.assertEqual(len(sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]), 1)
            got = set()
            deadline = time.time() + 10
            while len(got) < 20 and time.time() < deadline:
                for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
                    got.add(m["Body"])
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            self.assertEqual(got, {f"m{i}" for i in range(20)})  # at-least-once: every acknowledged publish
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
