"""Hardening (issue 21): admin endpoints in strict mode, --no-reset, signature dates and scopes,
routing of unsigned SQS Query requests, character sets of SQS and SNS messages, secrets at rest."""
import datetime
import json
import os
import stat
import unittest
import urllib.parse
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from harness import Stratus, StratusTestCase

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def signed_at(endpoint, when, service, body, headers, presign_expires=None, url_path="/"):
    """A request signed (or presigned) by the root key pair as if the clock said `when`."""
    req = botocore.awsrequest.AWSRequest(method="POST" if body else "GET", url=endpoint + url_path,
                                         data=body or b"", headers=dict(headers))
    fake = mock.MagicMock(wraps=datetime.datetime)
    fake.now.return_value = when
    fake.utcnow.return_value = when.replace(tzinfo=None)
    creds = botocore.credentials.Credentials("test", "test")
    with mock.patch.object(botocore.auth.datetime, "datetime", fake):
        if presign_expires is None:
            botocore.auth.SigV4Auth(creds, service, "us-east-1").add_auth(req)
        else:
            botocore.auth.SigV4QueryAuth(creds, service, "us-east-1", expires=presign_expires).add_auth(req)
    return req


class AdminEndpointsStrict(StratusTestCase):
    stratus_args = ("--auth", "strict")

    def test_reset_unsigned_is_refused_and_wipes_nothing(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="survives-unsigned-reset")["QueueUrl"]
        status, _, body = self.stratus.http("POST", "/_stratus/reset", sign=False)
        self.assertEqual(status, 403, body)
        self.assertIn("root access key", json.loads(body)["message"])
        self.assertEqual(sqs.get_queue_url(QueueName="survives-unsigned-reset")["QueueUrl"], url)

    def test_mailbox_unsigned_is_refused(self):
        status, _, body = self.stratus.http("GET", "/_stratus/mailbox", sign=False)
        self.assertEqual(status, 403, body)

    def test_signed_by_another_key_is_refused(self):
        iam = self.stratus.client("iam")
        iam.create_user(UserName="not-root")
        key = iam.create_access_key(UserName="not-root")["AccessKey"]
        headers = self.stratus.signed_headers("GET", "/_stratus/mailbox", key=key["AccessKeyId"],
                                              secret=key["SecretAccessKey"])
        status, _, body = self.stratus.http("GET", "/_stratus/mailbox", headers=headers, sign=False)
        self.assertEqual(status, 403, body)

    def test_bad_root_signature_is_refused(self):
        headers = self.stratus.signed_headers("GET", "/_stratus/mailbox", secret="wrong")
        status, _, body = self.stratus.http("GET", "/_stratus/mailbox", headers=headers, sign=False)
        self.assertEqual(status, 403, body)
        self.assertIn("signature", json.loads(body)["message"])

    def test_root_signed_requests_and_health_are_served(self):
        status, _, body = self.stratus.http("GET", "/_stratus/health", sign=False)
        self.assertEqual(status, 200, body)
        status, _, body = self.stratus.http("GET", "/_stratus/mailbox")  # the harness signs it
        self.assertEqual(status, 200, body)
        sqs = self.stratus.client("sqs")
        sqs.create_queue(QueueName="gone-after-signed-reset")
        status, _, body = self.stratus.http("POST", "/_stratus/reset")
        self.assertEqual(status, 200, body)
        self.assertEqual(sqs.list_queues().get("QueueUrls", []), [])


    def test_mailbox_command_signs_with_the_root_key(self):
        import subprocess
        from harness import stratus_bin
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRATUS_")}
        ok = subprocess.run([stratus_bin(), "mailbox", "--endpoint", self.stratus.endpoint, "--json"],
                            capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("messages", json.loads(ok.stdout))
        bad = subprocess.run([stratus_bin(), "mailbox", "--endpoint", self.stratus.endpoint],
                             capture_output=True, text=True, env=dict(env, STRATUS_SECRET_KEY="wrong"), timeout=30)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("signature", bad.stderr)


class NoReset(StratusTestCase):
    stratus_args = ("--no-reset",)

    def test_reset_is_refused(self):
        sqs = self.stratus.client("sqs")
        sqs.create_queue(QueueName="kept")
        status, _, body = self.stratus.http("POST", "/_stratus/reset")
        self.assertEqual(status, 403, body)
        self.assertIn("--no-reset", json.loads(body)["message"])
        self.assertEqual(len(sqs.list_queues()["QueueUrls"]), 1)


class SignatureChecks(StratusTestCase):
    stratus_args = ("--auth", "strict")

    def send(self, req):
        return self.stratus.http(req.method, req.url[len(self.stratus.endpoint):], body=req.body or None,
                                 headers=dict(req.headers.items()))

    def presigned_sts(self, when, expires):
        req = signed_at(self.stratus.endpoint, when, "sts", None, {},
                        presign_expires=expires, url_path="/?Action=GetCallerIdentity&Version=2011-06-15")
        return self.send(req)

    def test_presigned_url_dated_in_the_future_is_refused(self):
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)
        status, _, body = self.presigned_sts(later, 1)
        self.assertEqual(status, 403, body)
        self.assertIn(b"Request is not valid yet", body)

    def test_presigned_url_expiry_over_a_week_is_refused(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        status, _, body = self.presigned_sts(now, 604801)
        self.assertEqual(status, 400, body)
        self.assertIn(b"604800", body)

    def test_presigned_url_now_works(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        status, _, body = self.presigned_sts(now, 60)
        self.assertEqual(status, 200, body)
        self.assertIn(b"<Account>000000000000</Account>", body)

    def test_header_signature_from_the_future_is_refused(self):
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=20)
        req = signed_at(self.stratus.endpoint, later, "dynamodb", b"{}",
                        {"X-Amz-Target": "DynamoDB_20120810.ListTables",
                         "Content-Type": "application/x-amz-json-1.0"})
        status, _, body = self.send(req)
        self.assertEqual(status, 400, body)
        err = json.loads(body)
        self.assertTrue(err["__type"].endswith("InvalidSignatureException"), err)
        self.assertIn("Signature not yet current", err["message"])

    def test_signature_scoped_to_another_service_is_refused(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        req = signed_at(self.stratus.endpoint, now, "sqs", b"{}",
                        {"X-Amz-Target": "DynamoDB_20120810.ListTables",
                         "Content-Type": "application/x-amz-json-1.0"})
        status, _, body = self.send(req)
        self.assertEqual(status, 400, body)
        err = json.loads(body)
        self.assertTrue(err["__type"].endswith("InvalidSignatureException"), err)
        self.assertEqual(err["message"], "Credential should be scoped to correct service: 'dynamodb'. ")
        # The same request scoped right is served.
        req = signed_at(self.stratus.endpoint, now, "dynamodb", b"{}",
                        {"X-Amz-Target": "DynamoDB_20120810.ListTables",
                         "Content-Type": "application/x-amz-json-1.0"})
        status, _, body = self.send(req)
        self.assertEqual(status, 200, body)

    def test_query_signature_scoped_to_another_service_is_refused(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        req = signed_at(self.stratus.endpoint, now, "iam", b"Action=GetCallerIdentity&Version=2011-06-15", FORM)
        status, _, body = self.send(req)
        # Scoped to IAM, the request goes to IAM, which has no GetCallerIdentity.
        self.assertEqual(status, 400, body)
        req = signed_at(self.stratus.endpoint, now, "dynamodb", b"Action=GetCallerIdentity&Version=2011-06-15",
                        FORM)
        status, _, body = self.send(req)
        self.assertEqual(status, 403, body)
        self.assertIn(b"SignatureDoesNotMatch", body)
        self.assertIn(b"Credential should be scoped to correct service: &apos;sts&apos;. ", body)

    def test_unsigned_sqs_query_send_message_wants_authentication(self):
        url = self.stratus.client("sqs").create_queue(QueueName="strict-unsigned")["QueueUrl"]
        body = urllib.parse.urlencode({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "hi"}).encode()
        status, _, out = self.stratus.http("POST", urllib.parse.urlparse(url).path, body=body, headers=FORM)
        self.assertEqual(status, 403, out)
        self.assertIn(b"MissingAuthenticationToken", out)


class ClockSkewOpenMode(StratusTestCase):
    """Dates are checked in the default (open) mode too: they need no secret (issue 13)."""
    STAMP = r"\d{8}T\d{6}Z"

    def send(self, req):
        return self.stratus.http(req.method, req.url[len(self.stratus.endpoint):], body=req.body or None,
                                 headers=dict(req.headers.items()))

    def dynamodb_at(self, when):
        return self.send(signed_at(self.stratus.endpoint, when, "dynamodb", b"{}",
                                   {"X-Amz-Target": "DynamoDB_20120810.ListTables",
                                    "Content-Type": "application/x-amz-json-1.0"}))

    def test_dynamodb_request_from_the_future(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        when = now + datetime.timedelta(minutes=16)
        status, _, body = self.dynamodb_at(when)
        self.assertEqual(status, 400, body)
        err = json.loads(body)
        self.assertEqual(err["__type"], "com.amazon.coral.service#InvalidSignatureException")
        stamp = when.strftime("%Y%m%dT%H%M%SZ")
        self.assertRegex(err["message"], rf"^Signature not yet current: {stamp} is still later than "
                                         rf"{self.STAMP} \({self.STAMP} \+ 15 min\.\)$")

    def test_dynamodb_request_from_the_past(self):
        when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)
        status, _, body = self.dynamodb_at(when)
        self.assertEqual(status, 400, body)
        err = json.loads(body)
        self.assertEqual(err["__type"], "com.amazon.coral.service#InvalidSignatureException")
        stamp = when.strftime("%Y%m%dT%H%M%SZ")
        self.assertRegex(err["message"], rf"^Signature expired: {stamp} is now earlier than "
                                         rf"{self.STAMP} \({self.STAMP} - 15 min\.\)$")

    def test_within_fifteen_minutes_is_served(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        for delta in (-14, 14):
            status, _, body = self.dynamodb_at(now + datetime.timedelta(minutes=delta))
            self.assertEqual(status, 200, body)

    def test_query_and_rest_json_services(self):
        old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
        req = signed_at(self.stratus.endpoint, old, "sts", b"Action=GetCallerIdentity&Version=2011-06-15", FORM)
        status, _, body = self.send(req)
        self.assertEqual(status, 403, body)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", body)
        self.assertIn(b"<Message>Signature expired: ", body)
        req = signed_at(self.stratus.endpoint, old, "lambda", None, {}, url_path="/2015-03-31/functions/")
        status, headers, body = self.send(req)
        self.assertEqual(status, 403, body)
        self.assertIn("Signature expired: ", json.loads(body)["message"])
        self.assertEqual(headers.get("x-amzn-errortype", "").split(":")[0], "InvalidSignatureException")


class UnsignedSqsQuery(StratusTestCase):
    def test_unsigned_send_message_reaches_sqs(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="unsigned-query")["QueueUrl"]
        body = urllib.parse.urlencode({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "hello"}).encode()
        status, _, out = self.stratus.http("POST", urllib.parse.urlparse(url).path, body=body, headers=FORM)
        self.assertEqual(status, 200, out)
        self.assertIn(b"<SendMessageResponse", out)
        msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual(msgs[0]["Body"], "hello")
        # Also at the root path, where only the Action and QueueUrl name the service.
        status, _, out = self.stratus.http("POST", "/", body=body, headers=FORM)
        self.assertEqual(status, 200, out)


class MessageCharacters(StratusTestCase):
    def query(self, path, params):
        raw = "&".join(f"{k}={v}" for k, v in params)  # values already percent-encoded
        return self.stratus.http("POST", path, body=raw.encode(), headers=FORM)

    def test_sqs_refuses_invalid_utf8_and_disallowed_chars(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="chars")["QueueUrl"]
        path = urllib.parse.urlparse(url).path
        for bad in ("%FF%FE", "ok%C3%28", "%ED%A0%80", "%C0%AF", "a%01b", "%EF%BF%BE"):
            status, _, out = self.query(path, [("Action", "SendMessage"), ("MessageBody", bad)])
            self.assertEqual(status, 400, (bad, out))
            self.assertIn(b"InvalidMessageContents", out, bad)
        status, _, out = self.query(path, [
            ("Action", "SendMessage"), ("MessageBody", "fine"),
            ("MessageAttribute.1.Name", "a"), ("MessageAttribute.1.Value.DataType", "String"),
            ("MessageAttribute.1.Value.StringValue", "%FF")])
        self.assertEqual(status, 400, out)
        self.assertIn(b"InvalidMessageContents", out)
        status, _, out = self.query(path, [("Action", "SendMessage"), ("MessageBody", "%E2%82%AC%F0%9F%98%80")])
        self.assertEqual(status, 200, out)
        self.assertEqual(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"], "\u20ac\U0001F600")

    def test_sns_refuses_invalid_utf8_so_no_poison_reaches_sqs(self):
        sns, sqs = self.stratus.client("sns"), self.stratus.client("sqs")
        topic = sns.create_topic(Name="chars")["TopicArn"]
        url = sqs.create_queue(QueueName="chars-sub")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn,
                      Attributes={"RawMessageDelivery": "true"})
        t = urllib.parse.quote(topic, safe="")
        for params in ([("Message", "%FF%FEpoison")],
                       [("Message", "a%00b")],
                       [("Message", "ok"), ("Subject", "%C3%28")],
                       [("Message", "ok"), ("MessageAttributes.entry.1.Name", "a"),
                        ("MessageAttributes.entry.1.Value.DataType", "String"),
                        ("MessageAttributes.entry.1.Value.StringValue", "%FF")]):
            status, _, out = self.query("/", [("Action", "Publish"), ("TopicArn", t)] + params)
            self.assertEqual(status, 400, (params, out))
            self.assertTrue(b"InvalidParameter" in out or b"ParameterValueInvalid" in out, out)
        status, _, out = self.query("/", [("Action", "PublishBatch"), ("TopicArn", t),
                                          ("PublishBatchRequestEntries.member.1.Id", "x"),
                                          ("PublishBatchRequestEntries.member.1.Message", "%FF")])
        self.assertIn(b"InvalidParameter", out)
        sns.publish(TopicArn=topic, Message="clean \u00e9")
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
        self.assertEqual([m["Body"] for m in msgs], ["clean \u00e9"])


class SecretsAtRest(unittest.TestCase):
    def test_data_dir_modes_and_no_secret_in_clear(self):
        s = Stratus().start()
        try:
            iam = s.client("iam")
            iam.create_user(UserName="u")
            key = iam.create_access_key(UserName="u")["AccessKey"]
            creds = s.client("sts").get_session_token()["Credentials"]
            s.kill9()
            secrets = [key["SecretAccessKey"].encode(), creds["SecretAccessKey"].encode()]
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(s.data_dir, "db")).st_mode), 0o700)
            for root, dirs, files in os.walk(s.data_dir):
                for d in dirs:
                    path = os.path.join(root, d)
                    if "/lambda" in path:
                        continue  # function code stays readable by the sandbox's user
                    self.assertEqual(stat.S_IMODE(os.stat(path).st_mode) & 0o077, 0, path)
                for f in files:
                    path = os.path.join(root, f)
                    if f.startswith("stratus-") and f.endswith(".log"):
                        continue  # the harness' own log
                    if "/lambda" not in path:
                        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode) & 0o077, 0, path)
                    with open(path, "rb") as fh:
                        data = fh.read()
                    for secret in secrets:
                        self.assertNotIn(secret, data, path)
            key_file = os.path.join(s.data_dir, ".stratus-key")
            self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
            s.start()
            ident = s.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"]).get_caller_identity()
            self.assertTrue(ident["Arn"].endswith(":user/u"), ident)
        finally:
            s.cleanup()

    def test_keys_still_verify_after_restart_in_strict_mode(self):
        s = Stratus("--auth", "strict").start()
        try:
            iam = s.client("iam")
            iam.create_user(UserName="v")
            key = iam.create_access_key(UserName="v")["AccessKey"]
            s.stop()
            s.start()
            ident = s.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"]).get_caller_identity()
            self.assertTrue(ident["Arn"].endswith(":user/v"), ident)
            with self.assertRaises(Exception):
                s.client("sts", key=key["AccessKeyId"], secret="wrong").get_caller_identity()
        finally:
            s.cleanup()


class RootSecretOutOfCmdline(unittest.TestCase):
    def check(self, stratus, secret):
        try:
            with open(f"/proc/{stratus.proc.pid}/cmdline", "rb") as f:
                self.assertNotIn(secret.encode(), f.read())
            ok = stratus.client("sts", key="root-id", secret=secret).get_caller_identity()
            self.assertEqual(ok["Account"], "000000000000")
            with self.assertRaises(Exception):
                stratus.client("sts", key="root-id", secret="test").get_caller_identity()
        finally:
            stratus.cleanup()

    def test_secret_from_file(self):
        secret = "file-secret-0123456789"
        s = Stratus("--auth", "strict", "--access-key", "root-id")
        path = os.path.join(s.data_dir, "root-secret")
        with open(path, "w") as f:
            f.write(secret + "\n")
        s.args += ["--secret-key-file", path]
        self.check(s.start(), secret)

    def test_secret_on_command_line_still_works_but_is_blanked(self):
        secret = "argv-secret-0123456789"
        s = Stratus("--auth", "strict", "--access-key", "root-id", "--secret-key", secret).start()
        with open(s.log.name, "rb") as f:
            warned = b"visible to other users" in f.read()
        self.check(s, secret)
        self.assertTrue(warned)

    def test_secret_from_environment(self):
        secret = "env-secret-0123456789"
        s = Stratus("--auth", "strict", "--access-key", "root-id", env={"STRATUS_SECRET_KEY": secret})
        self.check(s.start(), secret)


if __name__ == "__main__":
    unittest.main()
