"""The C++ variant of the orders pipeline's functions (examples/orders-pipeline/functions/cpp),
built with its build.sh and run on provided.al2023: write_order turns an SQS event into PutItems,
notify_order turns a DynamoDB stream event into SNS Publishes. They call Stratus through
sdk/cpp/stratus_aws.hpp with the function's temporary credentials, so the strict-auth run checks
the SDK's SigV4 signing end to end. The Python variant runs beside them as the reference."""
import base64
import contextlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import zipfile

from harness import StratusTestCase
from lambda_util import ROLE

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "orders-pipeline", "functions")
BUILD = {}  # name -> zip bytes, built once per module


def missing_toolchain():
    """Why the C++ functions cannot be built here, or None."""
    cxx = os.environ.get("CXX", "g++")
    if not shutil.which(cxx):
        return f"{cxx} is not installed"
    probe = subprocess.run([cxx, "-std=c++20", "-fsyntax-only", "-x", "c++", "-"],
                           input="#include <rapidjson/document.h>\n", capture_output=True, text=True)
    if probe.returncode != 0:
        return "the RapidJSON headers are not installed (Debian: rapidjson-dev)"
    return None


@contextlib.contextmanager
def build_lock():
    """Holds the machine's build lock (STRATUS_BUILD_LOCK names it) while compiling, if one is used."""
    path = os.environ.get("STRATUS_BUILD_LOCK")
    if not path:
        yield
        return
    import fcntl
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def setUpModule():
    why = missing_toolchain()
    if why:
        raise unittest.SkipTest(f"C++ functions not built: {why}")
    with tempfile.TemporaryDirectory() as out, build_lock():
        subprocess.run(["bash", os.path.join(EXAMPLE, "cpp", "build.sh"), out], check=True, timeout=600,
                       stdout=subprocess.DEVNULL)
        for name in ("write_order", "notify_order"):
            with open(os.path.join(out, name + ".zip"), "rb") as f:
                BUILD[name] = f.read()


def python_zip(name):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(os.path.join(EXAMPLE, "python", name + ".py"), name + ".py")
    return buf.getvalue()


def sqs_event(bodies, queue_arn="arn:aws:sqs:us-east-1:000000000000:POC-Queue"):
    """An SQS event exactly as Lambda's SQS poller sends it."""
    return {"Records": [{
        "messageId": f"059f36b4-87a3-44ab-83d2-66197583{i:04d}",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a" + base64.b64encode(body.encode()[:20]).decode(),
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183",
                       "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1545082649185"},
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    } for i, body in enumerate(bodies)]}


def stream_event(records, table="orders"):
    """A DynamoDB Streams event exactly as Lambda's stream poller sends it; records are
    (eventName, keys, new_image or None) with images in DynamoDB JSON."""
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/stream/2024-01-01T00:00:00.000"
    out = []
    for i, (name, keys, image) in enumerate(records):
        db = {"ApproximateCreationDateTime": 1700000000, "Keys": keys,
              "SequenceNumber": str(4000000000000000000000 + i), "SizeBytes": 64, "StreamViewType": "NEW_IMAGE"}
        if image is not None:
            db["NewImage"] = image
        out.append({"eventID": f"c4ca4238a0b923820dcc509a6f75849{i}", "eventName": name, "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "dynamodb": db,
                    "eventSourceARN": arn})
    return {"Records": out}


# An order using every JSON type; numbers keep their text on the way in (DynamoDB then
# normalises them: 12.50 is stored as 12.5).
ORDER = ('{"orderID": "o-1001", "customer": "Zoë \\"Q\\" Müller", "quantity": 3, "price": 12.50, '
         '"total": 37.5, "big": 123456789012345678901234567890, "express": true, "gift": false, '
         '"coupon": null, "items": [{"sku": "A-1", "qty": 2}, "note", 7], '
         '"address": {"city": "Zürich", "zip": "8001", "geo": {"lat": 47.3769, "lon": 8.5417}}, "tags": []}')
ORDER_ITEM = {
    "orderID": {"S": "o-1001"}, "customer": {"S": 'Zoë "Q" Müller'}, "quantity": {"N": "3"},
    "price": {"N": "12.5"}, "total": {"N": "37.5"}, "big": {"N": "123456789012345678901234567890"},
    "express": {"BOOL": True}, "gift": {"BOOL": False}, "coupon": {"NULL": True},
    "items": {"L": [{"M": {"sku": {"S": "A-1"}, "qty": {"N": "2"}}}, {"S": "note"}, {"N": "7"}]},
    "address": {"M": {"city": {"S": "Zürich"}, "zip": {"S": "8001"},
                      "geo": {"M": {"lat": {"N": "47.3769"}, "lon": {"N": "8.5417"}}}}},
    "tags": {"L": []},
}
# notify_order's Message for ORDER_ITEM: sorted keys, json.dumps separators and \\u escapes,
# numbers as JSON numbers with DynamoDB's text.
ORDER_MESSAGE = (
    '{"address": {"city": "Z\\u00fcrich", "geo": {"lat": 47.3769, "lon": 8.5417}, "zip": "8001"}, '
    '"big": 123456789012345678901234567890, "coupon": null, "customer": "Zo\\u00eb \\"Q\\" M\\u00fcller", '
    '"express": true, "gift": false, "items": [{"qty": 2, "sku": "A-1"}, "note", 7], "orderID": "o-1001", '
    '"price": 12.5, "quantity": 3, "tags": [], "total": 37.5}')


class CppFunctions(StratusTestCase):
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.stratus
        cls.lam, cls.ddb, cls.sns, cls.sqs = s.client("lambda"), s.client("dynamodb"), s.client("sns"), s.client("sqs")
        for table in ("orders", "orders_py"):
            cls.ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "orderID", "AttributeType": "S"}],
                                 KeySchema=[{"AttributeName": "orderID", "KeyType": "HASH"}],
                                 BillingMode="PAY_PER_REQUEST",
                                 StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        cls.topic = cls.sns.create_topic(Name="POC-Topic")["TopicArn"]
        cls.queue = cls.sqs.create_queue(QueueName="order-notifications")["QueueUrl"]
        qarn = cls.sqs.get_queue_attributes(QueueUrl=cls.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        cls.sns.subscribe(TopicArn=cls.topic, Protocol="sqs", Endpoint=qarn)  # raw delivery off: the JSON envelope
        missing_topic = cls.topic.rsplit(":", 1)[0] + ":no-such-topic"
        for name, zipped, env in [
                ("write-order", BUILD["write_order"], {}),
                ("write-order-missing-table", BUILD["write_order"], {"TABLE_NAME": "no_such_table"}),
                ("notify-order", BUILD["notify_order"], {"TOPIC_ARN": cls.topic}),
                ("notify-order-missing-topic", BUILD["notify_order"], {"TOPIC_ARN": missing_topic}),
                ("write-order-own-endpoint", BUILD["write_order"], {"AWS_ENDPOINT_URL_DYNAMODB": s.endpoint + "/"}),
                ("write-order-https", BUILD["write_order"],
                 {"AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.us-east-1.amazonaws.com"})]:
            cls.lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                                    Code={"ZipFile": zipped}, Timeout=30, Environment={"Variables": env})
        cls.lam.create_function(FunctionName="write-order-py", Runtime="python3.12", Role=ROLE,
                                Handler="write_order.lambda_handler", Code={"ZipFile": python_zip("write_order")},
                                Timeout=30, Environment={"Variables": {"TABLE_NAME": "orders_py"}})
        cls.lam.create_function(FunctionName="notify-order-py", Runtime="python3.12", Role=ROLE,
                                Handler="notify_order.lambda_handler", Code={"ZipFile": python_zip("notify_order")},
                                Timeout=30, Environment={"Variables": {"TOPIC_ARN": cls.topic}})

    def invoke(self, name, event):
        r = self.lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
        return r.get("FunctionError"), json.loads(r["Payload"].read())

    def invoke_ok(self, name, event):
        error, out = self.invoke(name, event)
        self.assertIsNone(error, out)
        return out

    def notifications(self, count, timeout=20):
        """The next `count` SNS envelopes from the subscribed queue (waits up to `timeout`)."""
        got = []
        deadline = time.time() + timeout
        while len(got) < count and time.time() < deadline:
            for m in self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10,
                                              WaitTimeSeconds=1).get("Messages", []):
                got.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(len(got), count, got)
        return got

    def get_item(self, order_id, table="orders"):
        return self.ddb.get_item(TableName=table, Key={"orderID": {"S": order_id}}, ConsistentRead=True).get("Item")

    def test_write_order_puts_every_record(self):
        out = self.invoke_ok("write-order", sqs_event([ORDER, '{"orderID": "o-1002", "quantity": 1}']))
        self.assertEqual(out, {"written": 2})
        self.assertEqual(self.get_item("o-1001"), ORDER_ITEM)
        self.assertEqual(self.get_item("o-1002"), {"orderID": {"S": "o-1002"}, "quantity": {"N": "1"}})

    def test_write_order_matches_python(self):
        event = sqs_event([ORDER.replace("o-1001", "o-2001")])
        self.assertEqual(self.invoke_ok("write-order", event), {"written": 1})
        self.assertEqual(self.invoke_ok("write-order-py", event), {"written": 1})
        self.assertEqual(self.get_item("o-2001"), self.get_item("o-2001", table="orders_py"))

    def test_write_order_bad_body_is_a_function_error(self):
        error, out = self.invoke("write-order", sqs_event(['{"orderID": "o-3001"}', "not json"]))
        self.assertEqual(error, "Unhandled")
        self.assertIn("not a JSON object", out["errorMessage"])
        error, out = self.invoke("write-order", {"no": "records"})
        self.assertEqual(error, "Unhandled")
        self.assertIn('missing "Records"', out["errorMessage"])

    def test_aws_error_surfaces_code_and_message(self):
        error, out = self.invoke("write-order-missing-table", sqs_event(['{"orderID": "o-4001"}']))
        self.assertEqual(error, "Unhandled")
        self.assertIn("ResourceNotFoundException: ", out["errorMessage"])
        error, out = self.invoke("notify-order-missing-topic",
                                 stream_event([("INSERT", {"orderID": {"S": "o-4002"}}, {"orderID": {"S": "o-4002"}})]))
        self.assertEqual(error, "Unhandled")
        self.assertIn("NotFound: ", out["errorMessage"])

    def test_service_endpoint_variable_and_https_refused(self):
        self.assertEqual(self.invoke_ok("write-order-own-endpoint", sqs_event(['{"orderID": "o-7001"}'])),
                         {"written": 1})
        self.assertEqual(self.get_item("o-7001"), {"orderID": {"S": "o-7001"}})
        error, out = self.invoke("write-order-https", sqs_event(['{"orderID": "o-7002"}']))
        self.assertEqual(error, "Unhandled")
        self.assertIn("UnsupportedEndpoint: endpoint https://dynamodb.us-east-1.amazonaws.com is not http://",
                      out["errorMessage"])

    def test_notify_order_publishes_each_insert(self):
        self.invoke_ok("write-order", sqs_event([ORDER.replace("o-1001", "o-5001")]))
        image = self.get_item("o-5001")
        keys = {"orderID": {"S": "o-5001"}}
        small = {"orderID": {"S": "o-5002"}, "quantity": {"N": "1"}}
        event = stream_event([("INSERT", keys, image), ("MODIFY", keys, image), ("REMOVE", keys, None),
                              ("INSERT", {"orderID": {"S": "o-5002"}}, small)])
        self.assertEqual(self.invoke_ok("notify-order", event), {"published": 2})
        got = {n["Subject"]: n for n in self.notifications(2)}
        self.assertEqual(sorted(got), ["New order o-5001", "New order o-5002"])
        first = got["New order o-5001"]
        self.assertEqual(first["Type"], "Notification")
        self.assertEqual(first["TopicArn"], self.topic)
        self.assertEqual(first["Message"], ORDER_MESSAGE.replace("o-1001", "o-5001"))
        self.assertEqual(got["New order o-5002"]["Message"], '{"orderID": "o-5002", "quantity": 1}')

    def test_notify_order_matches_python(self):
        image = dict(ORDER_ITEM, orderID={"S": "o-6001"})
        event = stream_event([("INSERT", {"orderID": {"S": "o-6001"}}, image)])
        self.assertEqual(self.invoke_ok("notify-order", event), {"published": 1})
        cpp = self.notifications(1)[0]
        self.assertEqual(self.invoke_ok("notify-order-py", event), {"published": 1})
        py = self.notifications(1)[0]
        self.assertEqual(cpp["Subject"], py["Subject"])
        # Both variants write N values as JSON numbers: the same text, byte for byte.
        self.assertEqual(cpp["Message"], py["Message"])
        without_numbers = {"orderID": {"S": "o-6002"}, "note": {"S": "ünï 😀 \"\\ \n\t"}, "ok": {"BOOL": True},
                           "none": {"NULL": True}, "nested": {"M": {"b": {"L": [{"S": "x"}]}, "a": {"BOOL": False}}}}
        event = stream_event([("INSERT", {"orderID": {"S": "o-6002"}}, without_numbers)])
        self.invoke_ok("notify-order", event)
        cpp = self.notifications(1)[0]
        self.invoke_ok("notify-order-py", event)
        py = self.notifications(1)[0]
        self.assertEqual((cpp["Subject"], cpp["Message"]), (py["Subject"], py["Message"]))


class CppFunctionsStrictAuth(CppFunctions):
    """The same with signatures verified: the functions sign with their temporary credentials."""
    stratus_args = ("--auth", "strict")

    def test_strict_auth_is_in_effect(self):
        status, _, body = self.stratus.http(
            "POST", "/", body=b'{"TableName": "orders", "Key": {"orderID": {"S": "o-1"}}}',
            headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.GetItem"})
        self.assertEqual(status, 403, body)
        self.assertIn(b"MissingAuthenticationToken", body)


if __name__ == "__main__":
    unittest.main()
