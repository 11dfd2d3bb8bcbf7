"""S3 event notifications through boto3 (issue 16, Events and other services): the
configuration's validation (events, filter rules, overlapping configurations, destinations that
must exist and allow S3), the s3:TestEvent, event records as AWS shapes them delivered to SQS,
SNS and Lambda, and durable delivery across a kill -9."""
import json
import os
import tempfile
import time
import unittest

import botocore

from harness import Stratus, collect_sqs, error_response
from lambda_util import create, wait_for

ACCOUNT = "000000000000"


def queue_policy(queue_arn, bucket=None):
    cond = {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}} if bucket else {}
    st = {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
          "Resource": queue_arn}
    if cond:
        st["Condition"] = cond
    return json.dumps({"Version": "2012-10-17", "Statement": [st]})


class S3NotificationBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus().start()
        cls.s3 = cls.stratus.client("s3")
        cls.sqs = cls.stratus.client("sqs")
        cls.sns = cls.stratus.client("sns")
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def name(self, kind):
        type(self).n += 1
        return f"n{kind}-{self._testMethodName.replace('_', '-')[5:30]}-{type(self).n}".lower().strip("-")

    def bucket(self, versioned=False):
        b = self.name("b")
        self.s3.create_bucket(Bucket=b)
        if versioned:
            self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        return b

    def queue(self, bucket=None, policy=True):
        url = self.sqs.create_queue(QueueName=self.name("q"))["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        if policy:
            self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": queue_policy(arn, bucket)})
        return url, arn

    def receive(self, url, n=1, timeout=10):
        got = []
        deadline = time.time() + timeout
        while len(got) < n and time.time() < deadline:
            r = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in r.get("Messages", []):
                got.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return got

    def records(self, url, n=1, timeout=10):
        """The next n event records (test events skipped)."""
        out = []
        deadline = time.time() + timeout
        while len(out) < n and time.time() < deadline:
            for body in self.receive(url, 1, timeout=max(0.5, deadline - time.time())):
                if "Records" in body:
                    out.extend(body["Records"])
        return out

    def subscribe_queue(self, bucket, arn, events=("s3:ObjectCreated:*", "s3:ObjectRemoved:*"), rules=None, **kw):
        c = {"QueueArn": arn, "Events": list(events), "Id": "cfg1"}
        if rules:
            c["Filter"] = {"Key": {"FilterRules": [{"Name": k, "Value": v} for k, v in rules]}}
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [c]}, **kw)


class TestConfiguration(S3NotificationBase):
    def test_empty_configuration(self):
        b = self.bucket()
        r = self.s3.get_bucket_notification_configuration(Bucket=b)
        self.assertNotIn("QueueConfigurations", r)
        self.assertNotIn("TopicConfigurations", r)

    def test_put_get_round_trip_and_test_event(self):
        b = self.bucket()
        url, arn = self.queue(b)
        self.subscribe_queue(b, arn, events=["s3:ObjectCreated:Put"], rules=[("prefix", "img/"), ("suffix", ".jpg")])
        r = self.s3.get_bucket_notification_configuration(Bucket=b)
        q = r["QueueConfigurations"][0]
        self.assertEqual(q["QueueArn"], arn)
        self.assertEqual(q["Id"], "cfg1")
        self.assertEqual(q["Events"], ["s3:ObjectCreated:Put"])
        rules = {x["Name"].lower(): x["Value"] for x in q["Filter"]["Key"]["FilterRules"]}
        self.assertEqual(rules, {"prefix": "img/", "suffix": ".jpg"})
        # The test message S3 sends when the configuration is saved.
        msgs = self.receive(url)
        self.assertEqual(len(msgs), 1)
        t = msgs[0]
        self.assertEqual(t["Service"], "Amazon S3")
        self.assertEqual(t["Event"], "s3:TestEvent")
        self.assertEqual(t["Bucket"], b)
        self.assertRegex(t["Time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertIn("RequestId", t)
        self.assertIn("HostId", t)

    def test_missing_id_is_generated(self):
        b = self.bucket()
        url, arn = self.queue(b)
        self.s3.put_bucket_notification_configuration(
            Bucket=b, NotificationConfiguration={"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
        q = self.s3.get_bucket_notification_configuration(Bucket=b)["QueueConfigurations"][0]
        self.assertTrue(q["Id"])

    def test_unknown_event(self):
        b = self.bucket()
        _, arn = self.queue(b)
        r = error_response(lambda: self.subscribe_queue(b, arn, events=["s3:ObjectCreated:Nope"]))
        self.assertEqual(r["Error"]["Code"], "InvalidArgument")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_bad_filter_rules(self):
        b = self.bucket()
        _, arn = self.queue(b)
        r = error_response(lambda: self.subscribe_queue(b, arn, rules=[("middle", "x")]))
        self.assertEqual(r["Error"]["Code"], "InvalidArgument")
        r = error_response(lambda: self.subscribe_queue(b, arn, rules=[("prefix", "a"), ("prefix", "b")]))
        self.assertEqual(r["Error"]["Code"], "InvalidArgument")
        self.assertIn("more than one prefix", r["Error"]["Message"])

    def test_overlapping_configurations(self):
        b = self.bucket()
        _, arn1 = self.queue(b)
        _, arn2 = self.queue(b)

        def put(c1, c2):
            self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={
                "QueueConfigurations": [dict(QueueArn=arn1, Id="a", **c1), dict(QueueArn=arn2, Id="b", **c2)]})

        def f(prefix=None, suffix=None):
            rules = ([{"Name": "prefix", "Value": prefix}] if prefix is not None else []) + \
                    ([{"Name": "suffix", "Value": suffix}] if suffix is not None else [])
            return {"Key": {"FilterRules": rules}}

        overlapping = [
            ({"Events": ["s3:ObjectCreated:*"]}, {"Events": ["s3:ObjectCreated:Put"]}),
            ({"Events": ["s3:ObjectCreated:Put"], "Filter": f(prefix="img/")},
             {"Events": ["s3:ObjectCreated:Put"], "Filter": f(prefix="img/2024/")}),
            ({"Events": ["s3:ObjectCreated:Put"], "Filter": f(suffix="jpg")},
             {"Events": ["s3:ObjectCreated:Put"], "Filter": f(suffix="pg")}),
        ]
        for c1, c2 in overlapping:
            r = error_response(lambda: put(c1, c2))
            self.assertEqual(r["Error"]["Code"], "InvalidArgument", (c1, c2))
            self.assertEqual(r["Error"]["Message"],
                             "Configurations overlap. Configurations on the same bucket cannot share a common "
                             "event type.")
        # Allowed: different event types, or the same prefix with suffixes that don't overlap.
        put({"Events": ["s3:ObjectCreated:*"]}, {"Events": ["s3:ObjectRemoved:*"]})
        put({"Events": ["s3:ObjectCreated:Put"], "Filter": f(prefix="img/", suffix=".jpg")},
            {"Events": ["s3:ObjectCreated:Put"], "Filter": f(prefix="img/", suffix=".png")})
        put({"Events": ["s3:ObjectCreated:Put"], "Filter": f(prefix="a/")},
            {"Events": ["s3:ObjectCreated:Put"], "Filter": f(prefix="b/")})

    def test_destination_validation(self):
        b = self.bucket()
        # A queue that does not exist.
        missing = f"arn:aws:sqs:us-east-1:{ACCOUNT}:no-such-queue"
        r = error_response(lambda: self.subscribe_queue(b, missing))
        self.assertEqual(r["Error"]["Code"], "InvalidArgument")
        self.assertEqual(r["Error"]["Message"], "Unable to validate the following destination configurations")
        # A queue whose policy does not let S3 send.
        _, arn = self.queue(b, policy=False)
        r = error_response(lambda: self.subscribe_queue(b, arn))
        self.assertEqual(r["Error"]["Message"], "Unable to validate the following destination configurations")
        # A policy for another bucket.
        _, arn = self.queue("some-other-bucket")
        r = error_response(lambda: self.subscribe_queue(b, arn))
        self.assertEqual(r["Error"]["Code"], "InvalidArgument")
        # Nothing was stored.
        self.assertNotIn("QueueConfigurations", self.s3.get_bucket_notification_configuration(Bucket=b))
        # x-amz-skip-destination-validation stores it anyway.
        self.subscribe_queue(b, missing, SkipDestinationValidation=True)
        self.assertEqual(self.s3.get_bucket_notification_configuration(Bucket=b)["QueueConfigurations"][0]["QueueArn"],
                         missing)

    def test_topic_without_policy_refused(self):
        b = self.bucket()
        topic = self.sns.create_topic(Name=self.name("t"))["TopicArn"]
        r = error_response(lambda: self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={
            "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]}))
        self.assertEqual(r["Error"]["Code"], "InvalidArgument")

    def test_no_such_bucket(self):
        r = error_response(lambda: self.s3.get_bucket_notification_configuration(Bucket="nb-missing-bucket-x"))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucket")


class TestDeliveryToSqs(S3NotificationBase):
    def test_put_record_shape(self):
        b = self.bucket()
        url, arn = self.queue(b)
        self.subscribe_queue(b, arn)
        self.receive(url)  # the test event
        etag = self.s3.put_object(Bucket=b, Key="dir/a b+c.txt", Body=b"hello")["ETag"].strip('"')
        [rec] = self.records(url)
        self.assertEqual(rec["eventVersion"], "2.1")
        self.assertEqual(rec["eventSource"], "aws:s3")
        self.assertEqual(rec["awsRegion"], "us-east-1")
        self.assertEqual(rec["eventName"], "ObjectCreated:Put")
        self.assertRegex(rec["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertIn("principalId", rec["userIdentity"])
        self.assertIn("sourceIPAddress", rec["requestParameters"])
        self.assertIn("x-amz-request-id", rec["responseElements"])
        self.assertIn("x-amz-id-2", rec["responseElements"])
        s3 = rec["s3"]
        self.assertEqual(s3["s3SchemaVersion"], "1.0")
        self.assertEqual(s3["configurationId"], "cfg1")
        self.assertEqual(s3["bucket"]["name"], b)
        self.assertEqual(s3["bucket"]["arn"], f"arn:aws:s3:::{b}")
        self.assertIn("principalId", s3["bucket"]["ownerIdentity"])
        obj = s3["object"]
        self.assertEqual(obj["key"], "dir/a+b%2Bc.txt")
        self.assertEqual(obj["size"], 5)
        self.assertEqual(obj["eTag"], etag)
        self.assertNotIn("versionId", obj)  # unversioned bucket
        self.assertRegex(obj["sequencer"], r"^[0-9A-F]{16,}$")

    def test_sequencers_increase_per_key(self):
        b = self.bucket()
        url, arn = self.queue(b)
        self.subscribe_queue(b, arn)
        self.receive(url)
        self.s3.put_object(Bucket=b, Key="k", Body=b"1")
        self.s3.put_object(Bucket=b, Key="k", Body=b"22")
        self.s3.delete_object(Bucket=b, Key="k")
        recs = self.records(url, 3)
        self.assertEqual(len(recs), 3)
        seqs = sorted(recs, key=lambda r: r["s3"]["object"]["sequencer"])
        self.assertEqual([r["eventName"] for r in seqs], ["ObjectCreated:Put", "ObjectCreated:Put", "ObjectRemoved:Delete"])
        self.assertNotIn("size", seqs[2]["s3"]["object"])

    def test_versioned_bucket_events(self):
        b = self.bucket(versioned=True)
        url, arn = self.queue(b)
        self.subscribe_queue(b, arn)
        self.receive(url)
        vid = self.s3.put_object(Bucket=b, Key="v", Body=b"x")["VersionId"]
        [rec] = self.records(url)
        self.assertEqual(rec["s3"]["object"]["versionId"], vid)
        marker = self.s3.delete_object(Bucket=b, Key="v")["VersionId"]
        [rec] = self.records(url)
        self.assertEqual(rec["eventName"], "ObjectRemoved:DeleteMarkerCreated")
        self.assertEqual(rec["s3"]["object"]["versionId"], marker)
        self.s3.delete_object(Bucket=b, Key="v", VersionId=vid)
        [rec] = self.records(url)
        self.assertEqual(rec["eventName"], "ObjectRemoved:Delete")
        self.assertEqual(rec["s3"]["object"]["versionId"], vid)

    def test_filters_and_event_types(self):
        b = self.bucket()
        url, arn = self.queue(b)
        self.subscribe_queue(b, arn, events=["s3:ObjectCreated:Put"], rules=[("prefix", "img/"), ("suffix", ".jpg")])
        self.receive(url)
        self.s3.put_object(Bucket=b, Key="img/a.png", Body=b"x")   # suffix
        self.s3.put_object(Bucket=b, Key="doc/a.jpg", Body=b"x")   # prefix
        self.s3.copy_object(Bucket=b, Key="img/c.jpg", CopySource=f"{b}/doc/a.jpg")  # Copy, not Put
        self.s3.delete_object(Bucket=b, Key="doc/a.jpg")           # not configured
        self.s3.put_object(Bucket=b, Key="img/b.jpg", Body=b"x")
        recs = self.records(url, 2, timeout=3)
        self.assertEqual([r["s3"]["object"]["key"] for r in recs], ["img/b.jpg"])

    def test_copy_multipart_post_tagging_acl_restore(self):
        b = self.bucket()
        url, arn = self.queue(b)
        self.subscribe_queue(b, arn, events=["s3:ObjectCreated:*", "s3:ObjectTagging:*", "s3:ObjectAcl:Put",
                                             "s3:ObjectRestore:*"])
        self.receive(url)
        self.s3.put_object(Bucket=b, Key="src", Body=b"abc")
        self.s3.copy_object(Bucket=b, Key="dst", CopySource=f"{b}/src")
        up = self.s3.create_multipart_upload(Bucket=b, Key="mpu")["UploadId"]
        e = self.s3.upload_part(Bucket=b, Key="mpu", UploadId=up, PartNumber=1, Body=b"part")["ETag"]
        self.s3.complete_multipart_upload(Bucket=b, Key="mpu", UploadId=up,
                                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
        self.s3.put_object_tagging(Bucket=b, Key="src", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        self.s3.delete_object_tagging(Bucket=b, Key="src")
        self.s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
        self.s3.delete_public_access_block(Bucket=b)
        self.s3.put_object_acl(Bucket=b, Key="src", ACL="public-read")
        self.s3.put_object_acl(Bucket=b, Key="src", ACL="public-read")  # unchanged: no event
        self.s3.put_object(Bucket=b, Key="cold", Body=b"c", StorageClass="GLACIER")
        self.s3.restore_object(Bucket=b, Key="cold", RestoreRequest={"Days": 1})
        names = [r["eventName"] for r in self.records(url, 9)]
        self.assertEqual(names, ["ObjectCreated:Put", "ObjectCreated:Copy", "ObjectCreated:CompleteMultipartUpload",
                                 "ObjectTagging:Put", "ObjectTagging:Delete", "ObjectAcl:Put", "ObjectCreated:Put",
                                 "ObjectRestore:Post", "ObjectRestore:Completed"])

    def test_post_object(self):
        b = self.bucket()
        url, arn = self.queue(b)
        self.subscribe_queue(b, arn)
        self.receive(url)
        post = self.s3.generate_presigned_post(b, "form.txt")
        import urllib.request
        import uuid
        boundary = uuid.uuid4().hex
        parts = []
        for k, v in post["fields"].items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'.encode()
                     + b"posted\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        req = urllib.request.Request(post["url"], data=b"".join(parts), method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        urllib.request.urlopen(req).read()
        [rec] = self.records(url)
        self.assertEqual(rec["eventName"], "ObjectCreated:Post")
        self.assertEqual(rec["s3"]["object"]["key"], "form.txt")

    def test_delete_objects_and_replaced_configuration(self):
        b = self.bucket()
        url, arn = self.queue(b)
        self.subscribe_queue(b, arn)
        self.receive(url)
        self.s3.put_object(Bucket=b, Key="a", Body=b"1")
        self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "a"}]})
        self.assertEqual([r["eventName"] for r in self.records(url, 2)], ["ObjectCreated:Put", "ObjectRemoved:Delete"])
        # An empty configuration turns notifications off at once.
        self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={})
        self.s3.put_object(Bucket=b, Key="b", Body=b"1")
        self.assertEqual(self.records(url, 1, timeout=2), [])


class TestSnsAndLambda(S3NotificationBase):
    def test_topic_delivery(self):
        b = self.bucket()
        topic = self.sns.create_topic(Name=self.name("t"))["TopicArn"]
        self.sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                                                    "Action": "SNS:Publish", "Resource": topic,
                                                    "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{b}"}}}]}))
        url, qarn = self.queue()
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
        self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={
            "TopicConfigurations": [{"Id": "t1", "TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
        [test] = self.receive(url)
        self.assertEqual(test["Subject"], "Amazon S3 Notification")
        self.assertEqual(json.loads(test["Message"])["Event"], "s3:TestEvent")
        self.s3.put_object(Bucket=b, Key="k", Body=b"x")
        [env] = self.receive(url)
        self.assertEqual(env["Type"], "Notification")
        self.assertEqual(env["Subject"], "Amazon S3 Notification")
        rec = json.loads(env["Message"])["Records"][0]
        self.assertEqual(rec["eventName"], "ObjectCreated:Put")
        self.assertEqual(rec["s3"]["configurationId"], "t1")

    def test_lambda_delivery(self):
        lam = self.stratus.client("lambda")
        out = tempfile.mktemp(prefix="s3-notify-")
        fn = self.name("f")
        create(lam, fn, {"app.py": f"""
import json
def handler(event, context):
    with open({out!r}, "a") as f:
        f.write(json.dumps(event) + "\\n")
"""})
        arn = lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
        b = self.bucket()
        cfg = {"LambdaFunctionConfigurations": [{"Id": "l1", "LambdaFunctionArn": arn,
                                                 "Events": ["s3:ObjectCreated:*"]}]}
        # Without a permission for S3 the configuration is refused.
        r = error_response(lambda: self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration=cfg))
        self.assertEqual(r["Error"]["Code"], "InvalidArgument")
        self.assertEqual(r["Error"]["Message"], "Unable to validate the following destination configurations")
        lam.add_permission(FunctionName=fn, StatementId="s3", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{b}", SourceAccount=ACCOUNT)
        self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration=cfg)
        self.s3.put_object(Bucket=b, Key="photo.jpg", Body=b"jpg")

        def lines():
            try:
                with open(out) as f:
                    return [json.loads(x) for x in f if x.strip()]
            except FileNotFoundError:
                return []
        got = wait_for(lines, timeout=30)
        try:
            os.unlink(out)
        except FileNotFoundError:
            pass
        self.assertEqual(len(got), 1)  # no test event for functions
        rec = got[0]["Records"][0]
        self.assertEqual(rec["eventName"], "ObjectCreated:Put")
        self.assertEqual(rec["s3"]["object"]["key"], "photo.jpg")
        self.assertEqual(rec["s3"]["configurationId"], "l1")


class TestEventBridge(S3NotificationBase):
    def test_eventbridge_configuration(self):
        events = self.stratus.client("events")
        b = self.bucket(versioned=True)
        url, qarn = self.queue()
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                    "Action": "sqs:SendMessage", "Resource": qarn}]})})
        events.put_rule(Name=f"s3-{b}", EventPattern=json.dumps({"source": ["aws.s3"], "detail": {"bucket": {"name": [b]}}}))
        events.put_targets(Rule=f"s3-{b}", Targets=[{"Id": "q", "Arn": qarn}])
        self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={"EventBridgeConfiguration": {}})
        self.assertIn("EventBridgeConfiguration", self.s3.get_bucket_notification_configuration(Bucket=b))
        vid = self.s3.put_object(Bucket=b, Key="eb key.txt", Body=b"hello")["VersionId"]
        [created] = self.receive(url)
        self.assertEqual(created["source"], "aws.s3")
        self.assertEqual(created["detail-type"], "Object Created")
        self.assertEqual(created["account"], ACCOUNT)
        self.assertEqual(created["region"], "us-east-1")
        self.assertEqual(created["resources"], [f"arn:aws:s3:::{b}"])
        d = created["detail"]
        self.assertEqual(d["version"], "0")
        self.assertEqual(d["bucket"], {"name": b})
        self.assertEqual(d["object"]["key"], "eb key.txt")
        self.assertEqual(d["object"]["size"], 5)
        self.assertEqual(d["object"]["version-id"], vid)
        self.assertIn("sequencer", d["object"])
        self.assertEqual(d["reason"], "PutObject")
        self.assertIn("request-id", d)
        self.assertIn("requester", d)
        self.s3.delete_object(Bucket=b, Key="eb key.txt")
        [deleted] = self.receive(url)
        self.assertEqual(deleted["detail-type"], "Object Deleted")
        self.assertEqual(deleted["detail"]["deletion-type"], "Delete Marker Created")
        self.assertEqual(deleted["detail"]["reason"], "DeleteObject")
        self.assertNotIn("size", deleted["detail"]["object"])


class TestDurability(unittest.TestCase):
    def test_event_survives_kill9(self):
        data = tempfile.mkdtemp(prefix="stratus-s3n-")
        s = Stratus(data_dir=data).start()
        try:
            s3, sqs = s.client("s3"), s.client("sqs")
            s3.create_bucket(Bucket="durable")
            url = sqs.create_queue(QueueName="dq")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": queue_policy(arn)})
            s3.put_bucket_notification_configuration(Bucket="durable", NotificationConfiguration={
                "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
            for i in range(20):
                s3.put_object(Bucket="durable", Key=f"k{i}", Body=b"x")
            s.kill9()
            s.start()
            sqs = s.client("sqs")
            keys = collect_sqs(sqs, url, 20, lambda m: [r["s3"]["object"]["key"]
                                                        for r in json.loads(m["Body"]).get("Records", [])], timeout=15)
            self.assertEqual(keys, {f"k{i}" for i in range(20)})
        finally:
            s.cleanup()
            import shutil
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
