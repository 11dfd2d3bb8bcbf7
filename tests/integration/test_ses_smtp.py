"""SES's SMTP endpoint (`serve --smtp-port`) through Python's smtplib: SES SMTP credentials
derived from the secret key as AWS documents (HMAC-SHA256 chain, version byte 0x04,
region-specific), AUTH PLAIN and LOGIN, STARTTLS with the data directory's certificate, the same send path as the API (sandbox rules, mailbox,
configuration set events)."""
import base64
import hashlib
import hmac
import json
import smtplib
import unittest
import urllib.parse
import urllib.request
from email.mime.text import MIMEText

from harness import Stratus, free_port


def smtp_password(secret, region):
    # AWS's published derivation (Obtaining Amazon SES SMTP credentials).
    def sign(key, msg):
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()
    sig = sign(("AWS4" + secret).encode("utf-8"), "11111111")
    for part in (region, "ses", "aws4_request", "SendRawEmail"):
        sig = sign(sig, part)
    return base64.b64encode(bytes([0x04]) + sig).decode("utf-8")


def mailbox(stratus, recipient):
    with urllib.request.urlopen(stratus.endpoint + "/_stratus/mailbox?recipient=" + urllib.parse.quote(recipient)) as r:
        return json.loads(r.read())["messages"]


class TestSesSmtp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.smtp_port = free_port()
        cls.stratus = Stratus("--smtp-port", str(cls.smtp_port)).start()
        cls.stratus.client("ses").verify_domain_identity(Domain="smtp.test")

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def message(self, to, subject="via smtp", sender="app@smtp.test"):
        msg = MIMEText("sent through SMTP")
        msg["Subject"] = subject
        msg["From"] = sender
        msg["To"] = to
        return msg

    def test_auth_login_and_send(self):
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as s:
            s.ehlo()
            self.assertIn("auth", s.esmtp_features)
            s.login("test", smtp_password("test", "us-east-1"))  # LOGIN or PLAIN, as smtplib picks
            code, reply = s.noop()
            msg = self.message("success+smtp@simulator.amazonses.com")
            s.sendmail("app@smtp.test", ["success+smtp@simulator.amazonses.com"], msg.as_string())
        got = mailbox(self.stratus, "success+smtp@simulator.amazonses.com")
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["subject"], "via smtp")
        self.assertEqual(got[0]["body"].rstrip(), "sent through SMTP")

    def test_starttls_with_the_data_directory_certificate(self):
        import os
        import ssl
        cert = os.path.join(self.stratus.data_dir, "smtp-tls", "cert.pem")
        self.assertTrue(os.path.exists(cert))
        tls = ssl.create_default_context(cafile=cert)  # verifies the chain and the name (localhost)
        with smtplib.SMTP("localhost", self.smtp_port, timeout=10) as s:
            s.ehlo()
            self.assertIn("starttls", s.esmtp_features)
            code, _ = s.starttls(context=tls)
            self.assertEqual(code, 220)
            self.assertIsNotNone(s.sock.cipher())
            s.ehlo()  # the session starts over: STARTTLS is no longer offered
            self.assertNotIn("starttls", s.esmtp_features)
            self.assertEqual(s.docmd("STARTTLS")[0], 503)
            s.login("test", smtp_password("test", "us-east-1"))
            msg = self.message("success+tls@simulator.amazonses.com", subject="over tls")
            s.sendmail("app@smtp.test", ["success+tls@simulator.amazonses.com"], msg.as_string())
        got = mailbox(self.stratus, "success+tls@simulator.amazonses.com")
        self.assertEqual([m["subject"] for m in got], ["over tls"])
        # A client that does not trust the certificate fails the handshake.
        with smtplib.SMTP("localhost", self.smtp_port, timeout=10) as s:
            s.ehlo()
            with self.assertRaises(ssl.SSLError):
                s.starttls(context=ssl.create_default_context())

    def test_auth_plain_reply_carries_message_id(self):
        s = smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10)
        try:
            s.ehlo()
            cred = base64.b64encode(b"\0test\0" + smtp_password("test", "us-east-1").encode()).decode()
            code, reply = s.docmd("AUTH", "PLAIN " + cred)
            self.assertEqual((code, reply), (235, b"Authentication successful."))
            s.mail("app@smtp.test")
            s.rcpt("success+plain@simulator.amazonses.com")
            code, reply = s.data(self.message("success+plain@simulator.amazonses.com").as_string())
            self.assertEqual(code, 250)
            self.assertRegex(reply.decode(), r"^Ok 0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$")
        finally:
            s.quit()

    def test_wrong_password_and_no_auth(self):
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as s:
            with self.assertRaises(smtplib.SMTPAuthenticationError) as e:
                s.login("test", smtp_password("wrong", "us-east-1"))
            self.assertEqual(e.exception.smtp_code, 535)
            self.assertEqual(e.exception.smtp_error, b"Authentication Credentials Invalid")
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as s:
            s.ehlo()
            code, reply = s.mail("app@smtp.test")
            self.assertEqual((code, reply), (530, b"Authentication required"))

    def test_sandbox_rules_apply_in_the_passwords_region(self):
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as s:
            s.login("test", smtp_password("test", "us-east-1"))
            with self.assertRaises(smtplib.SMTPDataError) as e:
                s.sendmail("app@smtp.test", ["stranger@else.test"], self.message("stranger@else.test").as_string())
            self.assertEqual(e.exception.smtp_code, 554)
            self.assertEqual(e.exception.smtp_error.decode(),
                             "Message rejected: Email address is not verified. The following identities failed the "
                             "check in region US-EAST-1: stranger@else.test")
        # The eu-west-1 password sends in eu-west-1, where smtp.test is not verified.
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as s:
            s.login("test", smtp_password("test", "eu-west-1"))
            with self.assertRaises(smtplib.SMTPDataError) as e:
                s.sendmail("app@smtp.test", ["success@simulator.amazonses.com"],
                           self.message("success@simulator.amazonses.com").as_string())
            self.assertIn("region EU-WEST-1: app@smtp.test", e.exception.smtp_error.decode())

    def test_configuration_set_header_and_events(self):
        ses = self.stratus.client("ses")
        sns, sqs = self.stratus.client("sns"), self.stratus.client("sqs")
        topic = sns.create_topic(Name="smtp-events")["TopicArn"]
        q = sqs.create_queue(QueueName="smtp-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        ses.create_configuration_set(ConfigurationSet={"Name": "smtpset"})
        ses.create_configuration_set_event_destination(ConfigurationSetName="smtpset", EventDestination={
            "Name": "d", "Enabled": True, "MatchingEventTypes": ["bounce"], "SNSDestination": {"TopicARN": topic}})
        msg = self.message("bounce@simulator.amazonses.com")
        msg["X-SES-CONFIGURATION-SET"] = "smtpset"
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as s:
            s.login("test", smtp_password("test", "us-east-1"))
            s.sendmail("app@smtp.test", ["bounce@simulator.amazonses.com"], msg.as_string())
        got = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=5).get("Messages", [])
        self.assertEqual(len(got), 1)
        self.assertEqual(json.loads(got[0]["Body"])["eventType"], "Bounce")


class TestSmtpPortOff(unittest.TestCase):
    def test_port_zero_disables(self):
        port = free_port()
        s = Stratus("--smtp-port", "0").start()
        try:
            with self.assertRaises(OSError):
                smtplib.SMTP("127.0.0.1", port, timeout=2)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
