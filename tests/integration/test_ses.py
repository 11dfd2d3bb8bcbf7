"""SES v1 (Query) and v2 (REST-JSON) through boto3 and the aws CLI: identities and their
verification mail, the sandbox, sending into the mailbox (/_stratus/mailbox, raw .eml), MIME,
templates, configuration sets with SNS event destinations, the mailbox simulator, the
suppression list, statistics, and durability after kill -9."""
import base64
import json
import re
import time
import unittest
import urllib.request
from email import message_from_bytes
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from harness import Stratus, StratusTestCase, error_code, error_response, wait_until

MESSAGE_ID = re.compile(r"^0100[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000$")


def get_json(stratus, path):
    with urllib.request.urlopen(stratus.endpoint + path, timeout=10) as r:
        return json.loads(r.read())


def mailbox(stratus, recipient):
    return get_json(stratus, "/_stratus/mailbox?recipient=" + urllib.parse.quote(recipient))["messages"]


def eml(stratus, mail):
    with urllib.request.urlopen(stratus.endpoint + mail["eml"], timeout=10) as r:
        assert r.headers["content-type"].startswith("message/rfc822")
        return message_from_bytes(r.read())


def simple(subject="Hello", text="Body text", html=None):
    body = {"Text": {"Data": text}}
    if html:
        body["Html"] = {"Data": html}
    return {"Subject": {"Data": subject}, "Body": body}


import urllib.parse  # noqa: E402


class SesBase(StratusTestCase):
    region = "us-east-1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ses = cls.stratus.client("ses", region=cls.region)
        cls.v2 = cls.stratus.client("sesv2", region=cls.region)
        cls.ses.verify_domain_identity(Domain="sender.test")

    def verify_email(self, address):
        self.ses.verify_email_identity(EmailAddress=address)
        mail = [m for m in mailbox(self.stratus, address) if "Verification" in m["subject"]][-1]
        link = re.search(r"http://\S+/_stratus/ses/verify\?token=\w+", mail["body"]).group(0)
        with urllib.request.urlopen(link, timeout=10) as r:
            self.assertIn(b"successfully verified", r.read())


class TestSesIdentities(SesBase):
    def test_email_identity_pending_until_link_clicked(self):
        self.ses.verify_email_identity(EmailAddress="ann@people.test")
        attrs = self.ses.get_identity_verification_attributes(Identities=["ann@people.test", "nobody@x.test"])
        self.assertEqual(attrs["VerificationAttributes"], {"ann@people.test": {"VerificationStatus": "Pending"}})
        self.assertEqual(self.v2.get_email_identity(EmailIdentity="ann@people.test")["VerificationStatus"], "PENDING")
        mail = mailbox(self.stratus, "ann@people.test")[-1]
        self.assertIn("Email Address Verification Request in region us-east-1", mail["subject"])
        self.assertEqual(mail["sender"], "Amazon Web Services <no-reply-aws@amazon.com>")
        link = re.search(r"http://\S+/_stratus/ses/verify\?token=\w+", mail["body"]).group(0)
        with urllib.request.urlopen(link, timeout=10) as r:
            self.assertIn(b"Congratulations", r.read())
        attrs = self.ses.get_identity_verification_attributes(Identities=["ann@people.test"])
        self.assertEqual(attrs["VerificationAttributes"]["ann@people.test"]["VerificationStatus"], "Success")
        got = self.v2.get_email_identity(EmailIdentity="ann@people.test")
        self.assertEqual(got["IdentityType"], "EMAIL_ADDRESS")
        self.assertTrue(got["VerifiedForSendingStatus"])
        # A used link does not work twice.
        with self.assertRaises(urllib.error.HTTPError):
            urllib.request.urlopen(link, timeout=10)

    def test_domain_identity_verified_at_once_with_dkim(self):
        token = self.ses.verify_domain_identity(Domain="Example.Test")["VerificationToken"]
        self.assertEqual(len(token), 44)
        attrs = self.ses.get_identity_verification_attributes(Identities=["example.test"])["VerificationAttributes"]
        self.assertEqual(attrs["example.test"], {"VerificationStatus": "Success", "VerificationToken": token})
        dkim = self.ses.get_identity_dkim_attributes(Identities=["example.test"])["DkimAttributes"]["example.test"]
        self.assertEqual(dkim, {"DkimEnabled": False, "DkimVerificationStatus": "NotStarted"})
        tokens = self.ses.verify_domain_dkim(Domain="example.test")["DkimTokens"]
        self.assertEqual(len(tokens), 3)
        self.assertTrue(all(re.fullmatch(r"[a-z0-9]{32}", t) for t in tokens))
        dkim = self.ses.get_identity_dkim_attributes(Identities=["example.test"])["DkimAttributes"]["example.test"]
        self.assertEqual(dkim["DkimVerificationStatus"], "Success")
        self.assertEqual(dkim["DkimTokens"], tokens)

    def test_v2_create_get_list_delete(self):
        out = self.v2.create_email_identity(EmailIdentity="v2domain.test", Tags=[{"Key": "k", "Value": "v"}])
        self.assertEqual(out["IdentityType"], "DOMAIN")
        self.assertTrue(out["VerifiedForSendingStatus"])
        self.assertEqual(out["DkimAttributes"]["Status"], "SUCCESS")
        self.assertEqual(len(out["DkimAttributes"]["Tokens"]), 3)
        err = error_response(lambda: self.v2.create_email_identity(EmailIdentity="v2domain.test"))
        self.assertEqual(err["Error"]["Code"], "AlreadyExistsException")
        got = self.v2.get_email_identity(EmailIdentity="v2domain.test")
        self.assertEqual(got["Tags"], [{"Key": "k", "Value": "v"}])
        self.assertEqual(got["VerificationStatus"], "SUCCESS")
        names = [i["IdentityName"] for i in self.v2.list_email_identities()["EmailIdentities"]]
        self.assertIn("v2domain.test", names)
        self.v2.delete_email_identity(EmailIdentity="v2domain.test")
        err = error_response(lambda: self.v2.get_email_identity(EmailIdentity="v2domain.test"))
        self.assertEqual(err["Error"]["Code"], "NotFoundException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        err = error_response(lambda: self.v2.delete_email_identity(EmailIdentity="v2domain.test"))
        self.assertEqual(err["Error"]["Code"], "NotFoundException")

    def test_list_identities_filter_and_paging(self):
        self.ses.verify_domain_identity(Domain="page-a.test")
        self.ses.verify_domain_identity(Domain="page-b.test")
        self.ses.verify_email_identity(EmailAddress="pager@page.test")
        domains = self.ses.list_identities(IdentityType="Domain")["Identities"]
        self.assertIn("page-a.test", domains)
        self.assertNotIn("pager@page.test", domains)
        first = self.ses.list_identities(MaxItems=1)
        self.assertEqual(len(first["Identities"]), 1)
        second = self.ses.list_identities(MaxItems=1, NextToken=first["NextToken"])
        self.assertNotEqual(first["Identities"], second["Identities"])
        self.ses.delete_identity(Identity="page-b.test")
        self.assertNotIn("page-b.test", self.ses.list_identities()["Identities"])
        self.ses.delete_identity(Identity="page-b.test")  # no error for a missing identity

    def test_bad_identities(self):
        err = error_response(lambda: self.ses.verify_email_identity(EmailAddress="not-an-address"))
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValue")
        err = error_response(lambda: self.ses.verify_domain_identity(Domain="bad..domain"))
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValue")
        err = error_response(lambda: self.v2.create_email_identity(EmailIdentity="a" * 64 + ".test"))
        self.assertEqual(err["Error"]["Code"], "BadRequestException")

    def test_legacy_verified_addresses(self):
        self.ses.verify_email_address(EmailAddress="old@api.test")
        self.assertNotIn("old@api.test", self.ses.list_verified_email_addresses()["VerifiedEmailAddresses"])
        self.verify_email("old@api.test")
        self.assertIn("old@api.test", self.ses.list_verified_email_addresses()["VerifiedEmailAddresses"])
        self.ses.delete_verified_email_address(EmailAddress="old@api.test")
        self.assertNotIn("old@api.test", self.ses.list_identities()["Identities"])

    def test_cli(self):
        self.stratus.aws("ses", "verify-domain-identity", "--domain", "cli.test")
        out = self.stratus.aws("sesv2", "list-email-identities")
        self.assertIn("cli.test", [i["IdentityName"] for i in out["EmailIdentities"]])


class TestSesSending(SesBase):
    def test_unverified_sender_rejected_with_aws_text(self):
        err = error_response(lambda: self.ses.send_email(
            Source="who@unverified.test", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Message=simple()))
        self.assertEqual(err["Error"]["Code"], "MessageRejected")
        self.assertEqual(err["Error"]["Message"], "Email address is not verified. The following identities failed "
                         "the check in region US-EAST-1: who@unverified.test")
        err = error_response(lambda: self.v2.send_email(
            FromEmailAddress="who@unverified.test", Destination={"ToAddresses": ["x@y.test"]},
            Content={"Simple": simple()}))
        self.assertEqual(err["Error"]["Code"], "MessageRejected")
        self.assertIn("who@unverified.test, x@y.test", err["Error"]["Message"])

    def test_sandbox_recipient_must_be_verified(self):
        err = error_response(lambda: self.ses.send_email(
            Source="Shop <shop@sender.test>", Destination={"ToAddresses": ["stranger@else.test"]}, Message=simple()))
        self.assertEqual(err["Error"]["Code"], "MessageRejected")
        self.assertTrue(err["Error"]["Message"].endswith("region US-EAST-1: stranger@else.test"))
        self.verify_email("friend@else.test")
        mid = self.ses.send_email(Source="Shop <shop@sender.test>", Destination={"ToAddresses": ["friend@else.test"]},
                                  Message=simple("Hi friend"))["MessageId"]
        self.assertRegex(mid, MESSAGE_ID)
        got = [m for m in mailbox(self.stratus, "friend@else.test") if m["subject"] == "Hi friend"]
        self.assertEqual(len(got), 1)
        # A verified address also covers its +label forms.
        self.ses.send_email(Source="shop@sender.test", Destination={"ToAddresses": ["friend+news@else.test"]},
                            Message=simple("labelled"))

    def test_send_email_lands_in_mailbox_per_recipient(self):
        mid = self.ses.send_email(
            Source="News <news@sender.test>",
            Destination={"ToAddresses": ["success@simulator.amazonses.com"],
                         "CcAddresses": ["success+cc@simulator.amazonses.com"],
                         "BccAddresses": ["success+bcc@simulator.amazonses.com"]},
            Message=simple("Multi", "plain text", "<p>html</p>"), ReplyToAddresses=["reply@sender.test"])["MessageId"]
        for r in ("success@simulator.amazonses.com", "success+cc@simulator.amazonses.com",
                  "success+bcc@simulator.amazonses.com"):
            mails = [m for m in mailbox(self.stratus, r) if m["source"] == "ses:" + mid]
            self.assertEqual(len(mails), 1, r)
        m = [m for m in mailbox(self.stratus, "success+bcc@simulator.amazonses.com") if m["source"] == "ses:" + mid][0]
        self.assertEqual(m["subject"], "Multi")
        self.assertEqual(m["body"], "plain text")
        msg = eml(self.stratus, m)
        self.assertEqual(msg["Message-ID"], f"<{mid}@email.amazonses.com>")
        self.assertEqual(msg["From"], "News <news@sender.test>")
        self.assertEqual(msg["Reply-To"], "reply@sender.test")
        self.assertEqual(msg["Cc"], "success+cc@simulator.amazonses.com")
        self.assertIsNone(msg["Bcc"])
        self.assertTrue(msg.is_multipart())
        parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk() if not p.is_multipart()}
        self.assertEqual(parts, {"text/plain": "plain text", "text/html": "<p>html</p>"})

    def test_send_raw_email_keeps_attachments(self):
        msg = MIMEMultipart()
        msg["Subject"] = "Statement"
        msg["From"] = "bank@sender.test"
        msg["To"] = "success+raw@simulator.amazonses.com"
        msg.attach(MIMEText("See attached.", "plain"))
        pdf = MIMEApplication(b"%PDF-1.4 fake" * 100, Name="statement.pdf")
        pdf["Content-Disposition"] = 'attachment; filename="statement.pdf"'
        msg.attach(pdf)
        mid = self.ses.send_raw_email(RawMessage={"Data": msg.as_bytes()})["MessageId"]
        m = [m for m in mailbox(self.stratus, "success+raw@simulator.amazonses.com") if m["source"] == "ses:" + mid][0]
        self.assertEqual(m["subject"], "Statement")
        self.assertEqual(m["body"], "See attached.")
        self.assertEqual(m["attachments"], [{"filename": "statement.pdf", "contentType": "application/octet-stream",
                                             "size": 1300}])
        got = eml(self.stratus, m)
        att = [p for p in got.walk() if p.get_filename() == "statement.pdf"][0]
        self.assertEqual(att.get_payload(decode=True), b"%PDF-1.4 fake" * 100)
        # Destinations override the headers; Source overrides From.
        mid = self.ses.send_raw_email(Source="other@sender.test", Destinations=["success+dest@simulator.amazonses.com"],
                                      RawMessage={"Data": msg.as_bytes()})["MessageId"]
        self.assertTrue([m for m in mailbox(self.stratus, "success+dest@simulator.amazonses.com")
                         if m["source"] == "ses:" + mid])

    def test_malformed_mime(self):
        cases = [
            (b"From: bank@sender.test\r\nTo: success@simulator.amazonses.com\r\nContent-Type: multipart/mixed\r\n\r\nx",
             "Missing start boundary"),
            (b"To: success@simulator.amazonses.com\r\nSubject: x\r\n\r\nbody", "Missing required header 'From'."),
            (b"From: bank@sender.test\r\nTo: success@simulator.amazonses.com\r\nthis is not a header\r\n\r\nbody",
             "Illegal header"),
            (b"From: bank@sender.test\r\nTo: nobody\r\n\r\nbody", "Missing final '@domain'"),
        ]
        for raw, text in cases:
            err = error_response(lambda: self.ses.send_raw_email(RawMessage={"Data": raw}))
            self.assertEqual(err["Error"]["Code"], "InvalidParameterValue", raw)
            self.assertIn(text, err["Error"]["Message"])
        err = error_response(lambda: self.v2.send_email(Content={"Raw": {"Data": cases[0][0]}}))
        self.assertEqual(err["Error"]["Code"], "BadRequestException")

    def test_limits(self):
        many = [f"success+{i}@simulator.amazonses.com" for i in range(51)]
        err = error_response(lambda: self.ses.send_email(
            Source="bank@sender.test", Destination={"ToAddresses": many}, Message=simple()))
        self.assertEqual((err["Error"]["Code"], err["Error"]["Message"]),
                         ("InvalidParameterValue", "Recipient count exceeds 50."))
        big = (b"From: bank@sender.test\r\nTo: success@simulator.amazonses.com\r\nSubject: big\r\n\r\n" +
               b"x" * (10 * 1024 * 1024))
        err = error_response(lambda: self.ses.send_raw_email(RawMessage={"Data": big}))
        self.assertEqual(err["Error"]["Code"], "MessageRejected")
        self.assertEqual(err["Error"]["Message"], f"Message length is more than 10485760 bytes long: '{len(big)}'.")
        err = error_response(lambda: self.ses.send_email(
            Source="bank@sender.test", Destination={"ToAddresses": ["a b@x.test"]}, Message=simple()))
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValue")

    def test_v2_send_simple_raw_and_headers(self):
        mid = self.v2.send_email(
            FromEmailAddress="bank@sender.test", Destination={"ToAddresses": ["success+v2@simulator.amazonses.com"]},
            Content={"Simple": {"Subject": {"Data": "Grüße"}, "Body": {"Html": {"Data": "<b>hi</b>"}},
                                "Headers": [{"Name": "X-Campaign", "Value": "winter"}]}})["MessageId"]
        self.assertRegex(mid, MESSAGE_ID)
        m = [m for m in mailbox(self.stratus, "success+v2@simulator.amazonses.com") if m["source"] == "ses:" + mid][0]
        msg = eml(self.stratus, m)
        self.assertEqual(msg["X-Campaign"], "winter")
        self.assertEqual(str(__import__("email.header").header.make_header(
            __import__("email.header").header.decode_header(msg["Subject"]))), "Grüße")
        raw = b"From: bank@sender.test\r\nTo: success+v2raw@simulator.amazonses.com\r\nSubject: r\r\n\r\nraw body"
        mid = self.v2.send_email(Content={"Raw": {"Data": raw}})["MessageId"]
        self.assertTrue([m for m in mailbox(self.stratus, "success+v2raw@simulator.amazonses.com")
                         if m["source"] == "ses:" + mid])

    def test_v2_simple_attachments(self):
        pdf = b"%PDF-1.7 statement" * 50
        mid = self.v2.send_email(
            FromEmailAddress="bank@sender.test", Destination={"ToAddresses": ["success+att@simulator.amazonses.com"]},
            Content={"Simple": {"Subject": {"Data": "With file"},
                                "Body": {"Text": {"Data": "see file"}, "Html": {"Data": "<p>see file</p>"}},
                                "Attachments": [{"FileName": "december.pdf", "RawContent": pdf,
                                                 "ContentType": "application/pdf", "ContentDisposition": "ATTACHMENT",
                                                 "ContentDescription": "Statement"}]}})["MessageId"]
        m = [m for m in mailbox(self.stratus, "success+att@simulator.amazonses.com") if m["source"] == "ses:" + mid][0]
        self.assertEqual(m["body"], "see file")
        self.assertEqual(m["attachments"], [{"filename": "december.pdf", "contentType": "application/pdf",
                                             "size": len(pdf)}])
        msg = eml(self.stratus, m)
        self.assertEqual(msg.get_content_type(), "multipart/mixed")
        att = [p for p in msg.walk() if p.get_filename() == "december.pdf"][0]
        self.assertEqual(att.get_payload(decode=True), pdf)
        self.assertEqual(att["Content-Description"], "Statement")

    def test_cli_send_email(self):
        out = self.stratus.aws("ses", "send-email", "--from", "bank@sender.test", "--to",
                               "success+cli@simulator.amazonses.com", "--subject", "cli", "--text", "from the cli")
        self.assertRegex(out["MessageId"], MESSAGE_ID)
        self.assertEqual(mailbox(self.stratus, "success+cli@simulator.amazonses.com")[-1]["body"], "from the cli")


class TestSesAccount(SesBase):
    region = "eu-west-1"

    def test_quota_statistics_production_and_pause(self):
        quota = self.ses.get_send_quota()
        self.assertEqual((quota["Max24HourSend"], quota["MaxSendRate"]), (200.0, 1.0))
        before = quota["SentLast24Hours"]
        self.ses.send_email(Source="bank@sender.test", Destination={
            "ToAddresses": ["a@sender.test", "b@sender.test", "success@simulator.amazonses.com"]}, Message=simple())
        # The simulator's addresses are not counted against the daily quota.
        self.assertEqual(self.ses.get_send_quota()["SentLast24Hours"], before + 2)
        points = self.ses.get_send_statistics()["SendDataPoints"]
        self.assertEqual(sum(p["DeliveryAttempts"] for p in points), before + 3)
        acct = self.v2.get_account()
        self.assertFalse(acct["ProductionAccessEnabled"])
        self.assertEqual(acct["SendQuota"]["SentLast24Hours"], before + 2)
        # Out of the sandbox: any recipient, but still a verified sender.
        self.v2.put_account_details(MailType="TRANSACTIONAL", WebsiteURL="https://bank.test",
                                    UseCaseDescription="statements", ProductionAccessEnabled=True)
        self.assertTrue(self.v2.get_account()["ProductionAccessEnabled"])
        self.assertEqual(self.ses.get_send_quota()["Max24HourSend"], 50000.0)
        self.ses.send_email(Source="bank@sender.test", Destination={"ToAddresses": ["anyone@world.test"]},
                            Message=simple("prod"))
        self.assertEqual(mailbox(self.stratus, "anyone@world.test")[-1]["subject"], "prod")
        # Paused sending.
        self.ses.update_account_sending_enabled(Enabled=False)
        self.assertFalse(self.ses.get_account_sending_enabled()["Enabled"])
        self.assertEqual(error_code(lambda: self.ses.send_email(
            Source="bank@sender.test", Destination={"ToAddresses": ["anyone@world.test"]}, Message=simple())),
            "AccountSendingPausedException")
        self.v2.put_account_sending_attributes(SendingEnabled=True)
        self.assertTrue(self.v2.get_account()["SendingEnabled"])
        self.v2.put_account_suppression_attributes(SuppressedReasons=["BOUNCE", "COMPLAINT"])
        self.assertEqual(self.v2.get_account()["SuppressionAttributes"]["SuppressedReasons"], ["BOUNCE", "COMPLAINT"])


class TestSesDailyQuota(SesBase):
    region = "ap-southeast-2"

    def test_sandbox_daily_quota(self):
        for batch in range(4):
            self.ses.send_email(Source="bank@sender.test", Message=simple(),
                                Destination={"ToAddresses": [f"u{batch}-{i}@sender.test" for i in range(50)]})
        self.assertEqual(self.ses.get_send_quota()["SentLast24Hours"], 200.0)
        err = error_response(lambda: self.ses.send_email(
            Source="bank@sender.test", Destination={"ToAddresses": ["one-more@sender.test"]}, Message=simple()))
        self.assertEqual((err["Error"]["Code"], err["Error"]["Message"]), ("Throttling", "Daily message quota exceeded."))
        err = error_response(lambda: self.v2.send_email(
            FromEmailAddress="bank@sender.test", Destination={"ToAddresses": ["one-more@sender.test"]},
            Content={"Simple": simple()}))
        self.assertEqual(err["Error"]["Code"], "TooManyRequestsException")
        # The mailbox simulator still works.
        self.ses.send_email(Source="bank@sender.test", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
                            Message=simple())


class TestSesTemplates(SesBase):
    def test_v1_crud_and_errors(self):
        t = {"TemplateName": "welcome", "SubjectPart": "Welcome {{name}}", "TextPart": "Hi {{name}}",
             "HtmlPart": "<h1>{{name}}</h1>"}
        self.ses.create_template(Template=t)
        self.assertEqual(self.ses.get_template(TemplateName="welcome")["Template"], t)
        self.assertEqual(error_code(lambda: self.ses.create_template(Template=t)), "AlreadyExists")
        self.ses.update_template(Template=dict(t, TextPart="Hello {{name}}"))
        self.assertEqual(self.ses.get_template(TemplateName="welcome")["Template"]["TextPart"], "Hello {{name}}")
        self.assertIn("welcome", [m["Name"] for m in self.ses.list_templates()["TemplatesMetadata"]])
        err = error_response(lambda: self.ses.get_template(TemplateName="nope"))
        self.assertEqual((err["Error"]["Code"], err["Error"]["Message"]),
                         ("TemplateDoesNotExist", "Template nope does not exist."))
        self.assertEqual(error_code(lambda: self.ses.update_template(Template=dict(t, TemplateName="nope"))),
                         "TemplateDoesNotExist")
        self.ses.delete_template(TemplateName="welcome")
        self.assertEqual(error_code(lambda: self.ses.get_template(TemplateName="welcome")), "TemplateDoesNotExist")

    def test_rendering(self):
        self.ses.create_template(Template={
            "TemplateName": "statement",
            "SubjectPart": "Statement for {{customer.name}}",
            "TextPart": "{{#each transactions}}{{@index}}:{{description}}={{amount}};{{else}}none{{/each}}"
                        "{{#if vip}} VIP{{else}} regular{{/if}}{{#unless closed}} open{{/unless}}",
            "HtmlPart": "{{#* inline \"sig\"}}\n-- {{bank}}{{/inline}}<p>{{{note}}}</p>{{> sig}}"})
        data = {"customer": {"name": "Ann"}, "transactions": [{"description": "Coffee", "amount": 3.5},
                                                              {"description": "Rent", "amount": 900}],
                "vip": True, "closed": False, "note": "<b>thanks</b>", "bank": "Stratus Bank"}
        out = self.ses.test_render_template(TemplateName="statement", TemplateData=json.dumps(data))["RenderedTemplate"]
        msg = message_from_bytes(out.encode())
        self.assertEqual(msg["Subject"], "Statement for Ann")
        parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk() if not p.is_multipart()}
        self.assertEqual(parts["text/plain"], "0:Coffee=3.5;1:Rent=900; VIP open")
        self.assertEqual(parts["text/html"], "<p><b>thanks</b></p>-- Stratus Bank")
        data.update(transactions=[], vip=False)
        out = self.ses.test_render_template(TemplateName="statement", TemplateData=json.dumps(data))["RenderedTemplate"]
        self.assertIn("none regular open", out)
        err = error_response(lambda: self.ses.test_render_template(TemplateName="statement", TemplateData="{}"))
        self.assertEqual((err["Error"]["Code"], err["Error"]["Message"]),
                         ("MissingRenderingAttribute", "Attribute 'customer.name' is not present in the rendering data."))
        self.assertEqual(error_code(lambda: self.ses.test_render_template(TemplateName="statement", TemplateData="{bad")),
                         "InvalidRenderingParameter")
        self.assertEqual(error_code(lambda: self.ses.test_render_template(TemplateName="none", TemplateData="{}")),
                         "TemplateDoesNotExist")
        self.ses.create_template(Template={"TemplateName": "broken", "SubjectPart": "{{#if x}}never closed"})
        self.assertEqual(error_code(lambda: self.ses.test_render_template(TemplateName="broken", TemplateData="{}")),
                         "InvalidRenderingParameter")

    def test_send_templated_and_bulk(self):
        self.ses.create_template(Template={"TemplateName": "alert", "SubjectPart": "Alert for {{name}}",
                                           "TextPart": "Amount {{amount}}"})
        mid = self.ses.send_templated_email(
            Source="bank@sender.test", Destination={"ToAddresses": ["success+t@simulator.amazonses.com"]},
            Template="alert", TemplateData=json.dumps({"name": "Bo", "amount": 12}))["MessageId"]
        m = [m for m in mailbox(self.stratus, "success+t@simulator.amazonses.com") if m["source"] == "ses:" + mid][0]
        self.assertEqual((m["subject"], m["body"]), ("Alert for Bo", "Amount 12"))
        # A missing attribute: a MessageId, but nothing delivered (a Rendering Failure event).
        mid = self.ses.send_templated_email(
            Source="bank@sender.test", Destination={"ToAddresses": ["success+t2@simulator.amazonses.com"]},
            Template="alert", TemplateData=json.dumps({"name": "Bo"}))["MessageId"]
        self.assertRegex(mid, MESSAGE_ID)
        self.assertEqual(mailbox(self.stratus, "success+t2@simulator.amazonses.com"), [])
        self.assertEqual(error_code(lambda: self.ses.send_templated_email(
            Source="bank@sender.test", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Template="missing", TemplateData="{}")), "TemplateDoesNotExist")
        out = self.ses.send_bulk_templated_email(
            Source="bank@sender.test", Template="alert", DefaultTemplateData=json.dumps({"name": "Default", "amount": 0}),
            Destinations=[
                {"Destination": {"ToAddresses": ["success+b1@simulator.amazonses.com"]},
                 "ReplacementTemplateData": json.dumps({"name": "One", "amount": 1})},
                {"Destination": {"ToAddresses": ["success+b2@simulator.amazonses.com"]}, "ReplacementTemplateData": "{}"},
                {"Destination": {"ToAddresses": ["stranger@nowhere.test"]}}])["Status"]
        self.assertEqual([s["Status"] for s in out], ["Success", "Success", "MessageRejected"])
        self.assertEqual(mailbox(self.stratus, "success+b1@simulator.amazonses.com")[-1]["subject"], "Alert for One")
        self.assertEqual(mailbox(self.stratus, "success+b2@simulator.amazonses.com")[-1]["subject"], "Alert for Default")

    def test_v2_templates(self):
        content = {"Subject": "Hi {{n}}", "Text": "T {{n}}", "Html": "<i>{{n}}</i>"}
        self.v2.create_email_template(TemplateName="v2t", TemplateContent=content)
        self.assertEqual(self.v2.get_email_template(TemplateName="v2t")["TemplateContent"], content)
        self.assertEqual(error_code(lambda: self.v2.create_email_template(TemplateName="v2t", TemplateContent=content)),
                         "AlreadyExistsException")
        self.v2.update_email_template(TemplateName="v2t", TemplateContent=dict(content, Text="U {{n}}"))
        self.assertIn("v2t", [t["TemplateName"] for t in self.v2.list_email_templates()["TemplatesMetadata"]])
        out = self.v2.test_render_email_template(TemplateName="v2t", TemplateData='{"n":"Z"}')["RenderedTemplate"]
        self.assertIn("Subject: Hi Z", out)
        self.assertIn("U Z", out)
        self.assertEqual(error_code(lambda: self.v2.test_render_email_template(TemplateName="v2t", TemplateData="{}")),
                         "BadRequestException")
        mid = self.v2.send_email(FromEmailAddress="bank@sender.test",
                                 Destination={"ToAddresses": ["success+v2t@simulator.amazonses.com"]},
                                 Content={"Template": {"TemplateName": "v2t", "TemplateData": '{"n":"Q"}'}})["MessageId"]
        m = [m for m in mailbox(self.stratus, "success+v2t@simulator.amazonses.com") if m["source"] == "ses:" + mid][0]
        self.assertEqual(m["subject"], "Hi Q")
        res = self.v2.send_bulk_email(
            FromEmailAddress="bank@sender.test",
            DefaultContent={"Template": {"TemplateName": "v2t", "TemplateData": '{"n":"D"}'}},
            BulkEmailEntries=[{"Destination": {"ToAddresses": ["success+v2b@simulator.amazonses.com"]},
                               "ReplacementEmailContent": {"ReplacementTemplate": {"ReplacementTemplateData": '{"n":"R"}'}}}])
        self.assertEqual(res["BulkEmailEntryResults"][0]["Status"], "SUCCESS")
        self.assertEqual(mailbox(self.stratus, "success+v2b@simulator.amazonses.com")[-1]["subject"], "Hi R")
        self.v2.delete_email_template(TemplateName="v2t")
        self.assertEqual(error_code(lambda: self.v2.get_email_template(TemplateName="v2t")), "NotFoundException")
        self.assertEqual(error_code(lambda: self.v2.delete_email_template(TemplateName="v2t")), "NotFoundException")


class TestSesEvents(SesBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sns = cls.stratus.client("sns")
        sqs = cls.stratus.client("sqs")
        cls.sqs = sqs
        topic = sns.create_topic(Name="ses-events")["TopicArn"]
        cls.queue = sqs.create_queue(QueueName="ses-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=cls.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        cls.ses.create_configuration_set(ConfigurationSet={"Name": "tracked"})
        cls.ses.create_configuration_set_event_destination(ConfigurationSetName="tracked", EventDestination={
            "Name": "to-sns", "Enabled": True,
            "MatchingEventTypes": ["send", "delivery", "bounce", "complaint", "reject", "renderingFailure"],
            "SNSDestination": {"TopicARN": topic}})

    def events_for(self, message_id, count):
        got = []

        def poll():
            for m in self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10,
                                              WaitTimeSeconds=1).get("Messages", []):
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])
                ev = json.loads(m["Body"])
                if ev["mail"]["messageId"] == message_id:
                    got.append(ev)
                else:
                    self.others.append(ev)
            return len(got) >= count
        self.others = getattr(self, "others", [])
        wait_until(poll, timeout=20)
        return {e["eventType"]: e for e in got}

    def send(self, to, **kw):
        return self.ses.send_email(Source="bank@sender.test", Destination={"ToAddresses": [to]}, Message=simple(),
                                   ConfigurationSetName="tracked", Tags=[{"Name": "campaign", "Value": "x1"}],
                                   **kw)["MessageId"]

    def test_success_send_and_delivery(self):
        mid = self.send("success@simulator.amazonses.com")
        ev = self.events_for(mid, 2)
        self.assertEqual(set(ev), {"Send", "Delivery"})
        mail = ev["Send"]["mail"]
        self.assertEqual(ev["Send"]["send"], {})
        self.assertEqual(mail["source"], "bank@sender.test")
        self.assertEqual(mail["destination"], ["success@simulator.amazonses.com"])
        self.assertEqual(mail["commonHeaders"]["subject"], "Hello")
        self.assertEqual(mail["tags"]["ses:configuration-set"], ["tracked"])
        self.assertEqual(mail["tags"]["campaign"], ["x1"])
        self.assertEqual(ev["Delivery"]["delivery"]["recipients"], ["success@simulator.amazonses.com"])

    def test_bounce_complaint_suppression(self):
        mid = self.send("bounce@simulator.amazonses.com")
        ev = self.events_for(mid, 2)
        b = ev["Bounce"]["bounce"]
        self.assertEqual((b["bounceType"], b["bounceSubType"]), ("Permanent", "General"))
        self.assertEqual(b["bouncedRecipients"][0]["emailAddress"], "bounce@simulator.amazonses.com")
        mid = self.send("complaint@simulator.amazonses.com")
        ev = self.events_for(mid, 3)
        self.assertEqual(set(ev), {"Send", "Delivery", "Complaint"})
        self.assertEqual(ev["Complaint"]["complaint"]["complainedRecipients"],
                         [{"emailAddress": "complaint@simulator.amazonses.com"}])
        mid = self.send("suppressionlist@simulator.amazonses.com")
        self.assertEqual(self.events_for(mid, 2)["Bounce"]["bounce"]["bounceSubType"], "Suppressed")

    def test_ooto_auto_reply(self):
        mid = self.send("ooto@simulator.amazonses.com")
        self.events_for(mid, 2)
        replies = [m for m in mailbox(self.stratus, "bank@sender.test") if m["source"] == "ses:" + mid]
        self.assertEqual(len(replies), 1)
        self.assertTrue(replies[0]["subject"].startswith("Out of the Office"))

    def test_account_suppression_list(self):
        self.v2.put_account_details(MailType="MARKETING", WebsiteURL="https://x.test", ProductionAccessEnabled=True)
        self.v2.put_suppressed_destination(EmailAddress="Gone@Away.test", Reason="BOUNCE")
        got = self.v2.get_suppressed_destination(EmailAddress="gone@away.test")["SuppressedDestination"]
        self.assertEqual((got["EmailAddress"], got["Reason"]), ("Gone@Away.test", "BOUNCE"))
        listed = self.v2.list_suppressed_destinations(Reasons=["BOUNCE"])["SuppressedDestinationSummaries"]
        self.assertIn("Gone@Away.test", [s["EmailAddress"] for s in listed])
        self.assertEqual(self.v2.list_suppressed_destinations(Reasons=["COMPLAINT"])["SuppressedDestinationSummaries"], [])
        mid = self.send("gone@away.test")
        ev = self.events_for(mid, 2)
        self.assertEqual(ev["Bounce"]["bounce"]["bounceSubType"], "OnAccountSuppressionList")
        self.assertEqual(mailbox(self.stratus, "gone@away.test"), [])
        self.v2.delete_suppressed_destination(EmailAddress="gone@away.test")
        self.assertEqual(error_code(lambda: self.v2.get_suppressed_destination(EmailAddress="gone@away.test")),
                         "NotFoundException")
        self.v2.put_account_details(MailType="MARKETING", WebsiteURL="https://x.test", ProductionAccessEnabled=False)

    def test_reject_and_rendering_failure(self):
        raw = (b"From: bank@sender.test\r\nTo: success+virus@simulator.amazonses.com\r\nSubject: v\r\n\r\n"
               b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
        mid = self.ses.send_raw_email(RawMessage={"Data": raw}, ConfigurationSetName="tracked")["MessageId"]
        ev = self.events_for(mid, 2)
        self.assertEqual(ev["Reject"]["reject"], {"reason": "Bad content"})
        self.assertEqual(mailbox(self.stratus, "success+virus@simulator.amazonses.com"), [])
        self.ses.create_template(Template={"TemplateName": "needs-x", "SubjectPart": "{{x}}"})
        mid = self.ses.send_templated_email(Source="bank@sender.test", Template="needs-x", TemplateData="{}",
                                            Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
                                            ConfigurationSetName="tracked")["MessageId"]
        ev = self.events_for(mid, 1)
        self.assertEqual(ev["Rendering Failure"]["failure"],
                         {"errorMessage": "Attribute 'x' is not present in the rendering data.",
                          "templateName": "needs-x"})

    def test_identity_notifications_and_feedback_forwarding(self):
        sns = self.stratus.client("sns")
        topic = sns.create_topic(Name="identity-feedback")["TopicArn"]
        q = self.sqs.create_queue(QueueName="identity-feedback")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        self.ses.verify_domain_identity(Domain="notify.test")
        self.ses.set_identity_notification_topic(Identity="notify.test", NotificationType="Bounce", SnsTopic=topic)
        self.ses.set_identity_headers_in_notifications_enabled(Identity="notify.test", NotificationType="Bounce",
                                                               Enabled=True)
        attrs = self.ses.get_identity_notification_attributes(Identities=["notify.test"])["NotificationAttributes"]
        self.assertEqual(attrs["notify.test"]["BounceTopic"], topic)
        self.assertTrue(attrs["notify.test"]["ForwardingEnabled"])
        self.assertTrue(attrs["notify.test"]["HeadersInBounceNotificationsEnabled"])
        self.assertEqual(error_code(lambda: self.ses.set_identity_feedback_forwarding_enabled(
            Identity="notify.test", ForwardingEnabled=False)), "InvalidParameterValue")
        mid = self.ses.send_email(Source="app@notify.test", Destination={"ToAddresses": ["bounce@simulator.amazonses.com"]},
                                  Message=simple())["MessageId"]
        got = []

        def poll():
            for m in self.sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1).get("Messages", []):
                got.append(json.loads(m["Body"]))
            return got
        wait_until(poll, timeout=20)
        n = got[0]
        self.assertEqual(n["notificationType"], "Bounce")
        self.assertEqual(n["mail"]["messageId"], mid)
        self.assertNotIn("tags", n["mail"])
        self.assertIn("headers", n["mail"])
        self.assertEqual(n["bounce"]["bouncedRecipients"][0]["emailAddress"], "bounce@simulator.amazonses.com")
        # Feedback forwarding: the bounce also comes back to the sender by email.
        dsn = [m for m in mailbox(self.stratus, "app@notify.test") if m["source"] == "ses:" + mid]
        self.assertEqual(dsn[0]["subject"], "Delivery Status Notification (Failure)")
        self.assertEqual(error_code(lambda: self.ses.set_identity_notification_topic(
            Identity="nobody.test", NotificationType="Bounce", SnsTopic=topic)), "InvalidParameterValue")

    def test_configuration_set_header_on_raw_email(self):
        raw = (b"From: bank@sender.test\r\nTo: success+hdr@simulator.amazonses.com\r\nSubject: h\r\n"
               b"X-SES-CONFIGURATION-SET: tracked\r\n\r\nbody")
        mid = self.ses.send_raw_email(RawMessage={"Data": raw})["MessageId"]
        self.assertEqual(set(self.events_for(mid, 2)), {"Send", "Delivery"})

    def test_configuration_set_management(self):
        self.assertEqual(error_code(lambda: self.ses.create_configuration_set(ConfigurationSet={"Name": "tracked"})),
                         "ConfigurationSetAlreadyExists")
        self.assertEqual(error_code(lambda: self.ses.create_configuration_set(ConfigurationSet={"Name": "bad name!"})),
                         "InvalidConfigurationSet")
        self.assertEqual(error_code(lambda: self.send("success@simulator.amazonses.com", ReturnPath="bank@sender.test")
                                    if False else self.ses.send_email(
                                        Source="bank@sender.test", Message=simple(),
                                        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
                                        ConfigurationSetName="nope")), "ConfigurationSetDoesNotExist")
        d = self.ses.describe_configuration_set(ConfigurationSetName="tracked",
                                                ConfigurationSetAttributeNames=["eventDestinations"])
        self.assertEqual(d["ConfigurationSet"], {"Name": "tracked"})
        self.assertEqual(d["EventDestinations"][0]["Name"], "to-sns")
        self.assertIn({"Name": "tracked"}, self.ses.list_configuration_sets()["ConfigurationSets"])
        # v1 management of another set.
        self.ses.create_configuration_set(ConfigurationSet={"Name": "v1set"})
        dest = {"Name": "d1", "Enabled": True, "MatchingEventTypes": ["send"],
                "SNSDestination": {"TopicARN": "arn:aws:sns:us-east-1:000000000000:t"}}
        self.ses.create_configuration_set_event_destination(ConfigurationSetName="v1set", EventDestination=dest)
        self.assertEqual(error_code(lambda: self.ses.create_configuration_set_event_destination(
            ConfigurationSetName="v1set", EventDestination=dest)), "EventDestinationAlreadyExists")
        self.ses.update_configuration_set_event_destination(ConfigurationSetName="v1set",
                                                           EventDestination=dict(dest, MatchingEventTypes=["bounce"]))
        got = self.ses.describe_configuration_set(ConfigurationSetName="v1set",
                                                  ConfigurationSetAttributeNames=["eventDestinations"])
        self.assertEqual(got["EventDestinations"][0]["MatchingEventTypes"], ["bounce"])
        self.ses.delete_configuration_set_event_destination(ConfigurationSetName="v1set", EventDestinationName="d1")
        self.assertEqual(error_code(lambda: self.ses.delete_configuration_set_event_destination(
            ConfigurationSetName="v1set", EventDestinationName="d1")), "EventDestinationDoesNotExist")
        self.assertEqual(error_code(lambda: self.ses.create_configuration_set_event_destination(
            ConfigurationSetName="v1set", EventDestination=dict(dest, SNSDestination={"TopicARN": "nope"}))),
            "InvalidSNSDestination")
        self.ses.update_configuration_set_sending_enabled(ConfigurationSetName="v1set", Enabled=False)
        self.assertEqual(error_code(lambda: self.ses.send_email(
            Source="bank@sender.test", Message=simple(), ConfigurationSetName="v1set",
            Destination={"ToAddresses": ["success@simulator.amazonses.com"]})), "ConfigurationSetSendingPausedException")
        self.ses.delete_configuration_set(ConfigurationSetName="v1set")
        self.assertEqual(error_code(lambda: self.ses.delete_configuration_set(ConfigurationSetName="v1set")),
                         "ConfigurationSetDoesNotExist")
        # v2 view of the same set, and v2 management.
        dests = self.v2.get_configuration_set_event_destinations(ConfigurationSetName="tracked")["EventDestinations"]
        self.assertIn("RENDERING_FAILURE", dests[0]["MatchingEventTypes"])
        self.v2.create_configuration_set(ConfigurationSetName="v2set", SendingOptions={"SendingEnabled": True},
                                         Tags=[{"Key": "a", "Value": "b"}])
        self.assertEqual(self.v2.get_configuration_set(ConfigurationSetName="v2set")["SendingOptions"],
                         {"SendingEnabled": True})
        self.v2.create_configuration_set_event_destination(
            ConfigurationSetName="v2set", EventDestinationName="eb",
            EventDestination={"Enabled": True, "MatchingEventTypes": ["SEND"],
                              "EventBridgeDestination": {"EventBusArn": "arn:aws:events:us-east-1:000000000000:event-bus/default"}})
        self.assertEqual(error_code(lambda: self.v2.create_configuration_set_event_destination(
            ConfigurationSetName="v2set", EventDestinationName="eb",
            EventDestination={"Enabled": True, "MatchingEventTypes": ["SEND"]})), "AlreadyExistsException")
        self.v2.update_configuration_set_event_destination(
            ConfigurationSetName="v2set", EventDestinationName="eb",
            EventDestination={"Enabled": False, "MatchingEventTypes": ["BOUNCE"]})
        got = self.v2.get_configuration_set_event_destinations(ConfigurationSetName="v2set")["EventDestinations"]
        self.assertEqual((got[0]["Enabled"], got[0]["MatchingEventTypes"]), (False, ["BOUNCE"]))
        self.v2.delete_configuration_set_event_destination(ConfigurationSetName="v2set", EventDestinationName="eb")
        self.assertEqual(error_code(lambda: self.v2.delete_configuration_set_event_destination(
            ConfigurationSetName="v2set", EventDestinationName="eb")), "NotFoundException")
        self.v2.put_configuration_set_sending_options(ConfigurationSetName="v2set", SendingEnabled=False)
        self.assertEqual(error_code(lambda: self.v2.send_email(
            FromEmailAddress="bank@sender.test", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Content={"Simple": simple()}, ConfigurationSetName="v2set")), "SendingPausedException")
        self.assertIn("v2set", self.v2.list_configuration_sets()["ConfigurationSets"])
        self.v2.delete_configuration_set(ConfigurationSetName="v2set")
        self.assertEqual(error_code(lambda: self.v2.get_configuration_set(ConfigurationSetName="v2set")),
                         "NotFoundException")


class TestSesOpenClickTracking(SesBase):
    """A configuration set with OPEN/CLICK destinations: the delivered HTML carries the open pixel and
    tracking links served by Stratus, which publish Open and Click events and redirect."""
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sns, sqs = cls.stratus.client("sns"), cls.stratus.client("sqs")
        cls.sqs = sqs
        topic = sns.create_topic(Name="ses-engagement")["TopicArn"]
        cls.queue = sqs.create_queue(QueueName="ses-engagement")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=cls.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        cls.v2.create_configuration_set(ConfigurationSetName="engagement")
        cls.v2.create_configuration_set_event_destination(
            ConfigurationSetName="engagement", EventDestinationName="opens-clicks",
            EventDestination={"Enabled": True, "MatchingEventTypes": ["OPEN", "CLICK"],
                              "SnsDestination": {"TopicArn": topic}})

    def events(self, count):
        got = []

        def poll():
            for m in self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10,
                                              WaitTimeSeconds=1).get("Messages", []):
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])
                got.append(json.loads(m["Body"]))
            return len(got) >= count
        wait_until(poll, timeout=20)
        return got

    def html_of(self, recipient, mid):
        m = [m for m in mailbox(self.stratus, recipient) if m["source"] == "ses:" + mid][0]
        msg = eml(self.stratus, m)
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                return part.get_payload(decode=True).decode()
        self.fail("no html part")

    def fetch(self, url, ua="Mozilla/5.0 (tracking test)"):
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        req = urllib.request.Request(url, headers={"User-Agent": ua})
        try:
            with opener.open(req, timeout=10) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def test_open_pixel_and_click_links(self):
        html = ('<html><body><p>Your statement</p>'
                '<a href="https://bank.test/offer?x=1&amp;y=2" ses:tags="campaign:spring;slot:top">Offer</a> '
                '<a href="mailto:help@bank.test">Mail us</a> '
                '<a ses:no-track href="https://bank.test/private">Private</a>'
                '<A HREF=\'http://bank.test/plain\'>Plain</A></body></html>')
        mid = self.ses.send_email(Source="bank@sender.test",
                                  Destination={"ToAddresses": ["success+track@simulator.amazonses.com"]},
                                  Message=simple(html=html), ConfigurationSetName="engagement")["MessageId"]
        got = self.html_of("success+track@simulator.amazonses.com", mid)
        pixel = re.search(r'<img alt="" src="(http://[^"]+/_stratus/ses/open\?id=\w+)" '
                          r'style="display: none; width: 1px; height: 1px;"></body>', got)
        self.assertIsNotNone(pixel, got)
        clicks = re.findall(r'href=["\'](http://[^"\']+/_stratus/ses/click\?id=\w+&amp;n=\d+)["\']', got, re.I)
        self.assertEqual(len(clicks), 2, got)
        self.assertIn('href="mailto:help@bank.test"', got)
        self.assertIn('href="https://bank.test/private"', got)
        status, headers, body = self.fetch(pixel.group(1))
        self.assertEqual((status, headers["Content-Type"], body[:6]), (200, "image/gif", b"GIF89a"))
        status, headers, _ = self.fetch(clicks[0].replace("&amp;", "&"))
        self.assertEqual((status, headers["Location"]), (302, "https://bank.test/offer?x=1&y=2"))
        status, headers, _ = self.fetch(clicks[1].replace("&amp;", "&"))
        self.assertEqual((status, headers["Location"]), (302, "http://bank.test/plain"))
        evs = self.events(3)
        by = {}
        for e in evs:
            by.setdefault(e["eventType"], []).append(e)
        self.assertEqual(sorted(by), ["Click", "Open"])
        o = by["Open"][0]
        self.assertEqual(o["mail"]["messageId"], mid)
        self.assertEqual((o["open"]["userAgent"], o["open"]["ipAddress"]), ("Mozilla/5.0 (tracking test)", "127.0.0.1"))
        self.assertRegex(o["open"]["timestamp"], r"^\d{4}-\d\d-\d\dT")
        c = sorted(by["Click"], key=lambda e: e["click"]["link"])
        self.assertEqual(c[1]["click"]["link"], "https://bank.test/offer?x=1&y=2")
        self.assertEqual(c[1]["click"]["linkTags"], {"campaign": ["spring"], "slot": ["top"]})
        self.assertEqual((c[0]["click"]["link"], c[0]["click"]["linkTags"]), ("http://bank.test/plain", {}))
        self.assertEqual(c[0]["mail"]["tags"]["ses:configuration-set"], ["engagement"])
        # unknown ids and links: 404, no event
        self.assertEqual(self.fetch(self.stratus.endpoint + "/_stratus/ses/open?id=nope")[0], 404)
        self.assertEqual(self.fetch(clicks[0].replace("&amp;", "&").replace("n=0", "n=9"))[0], 404)

    def test_raw_email_encoded_html_parts_are_tracked(self):
        for cte in ("base64", "quoted-printable"):
            msg = MIMEMultipart("alternative")
            msg["Subject"], msg["From"] = "raw " + cte, "bank@sender.test"
            msg["To"] = "success+raw-track@simulator.amazonses.com"
            msg.attach(MIMEText("plain text", "plain"))
            html = MIMEText('<p>Caf\u00e9 <a href="https://bank.test/' + cte + '">go</a></p>', "html", "utf-8")
            if cte == "quoted-printable":
                import email.charset
                html = MIMEText("", "html")
                cs = email.charset.Charset("utf-8")
                cs.body_encoding = email.charset.QP
                html.set_payload('<p>Caf\u00e9 <a href="https://bank.test/' + cte + '">go</a></p>', charset=cs)
            msg.attach(html)
            mid = self.ses.send_raw_email(RawMessage={"Data": msg.as_bytes()},
                                          ConfigurationSetName="engagement")["MessageId"]
            got = self.html_of("success+raw-track@simulator.amazonses.com", mid)
            self.assertIn("Caf\u00e9", got)
            link = re.search(r'href="(http://[^"]+/_stratus/ses/click\?id=\w+&amp;n=0)"', got).group(1)
            self.assertEqual(self.fetch(link.replace("&amp;", "&"))[1]["Location"], "https://bank.test/" + cte)
            self.assertIn("/_stratus/ses/open?id=", got)
        self.assertEqual(sorted(e["click"]["link"] for e in self.events(2) if e["eventType"] == "Click"),
                         ["https://bank.test/base64", "https://bank.test/quoted-printable"])

    def test_no_tracking_without_open_click_destination(self):
        self.ses.create_configuration_set(ConfigurationSet={"Name": "quiet-set"})
        html = '<html><body><a href="https://bank.test/x">x</a></body></html>'
        mid = self.ses.send_email(Source="bank@sender.test",
                                  Destination={"ToAddresses": ["success+quiet@simulator.amazonses.com"]},
                                  Message=simple(html=html), ConfigurationSetName="quiet-set")["MessageId"]
        self.assertEqual(self.html_of("success+quiet@simulator.amazonses.com", mid).strip(), html)


class TestSesStrictAuth(StratusTestCase):
    stratus_args = ("--auth", "strict")

    def test_verification_link_needs_no_signature(self):
        ses = self.stratus.client("ses")
        ses.verify_email_identity(EmailAddress="strict@people.test")
        # The mailbox is an admin endpoint in strict mode: read it signed.
        status, _, body = self.stratus.http("GET", "/_stratus/mailbox?recipient=strict%40people.test", sign=True)
        self.assertEqual(status, 200, body)
        link = re.search(r"http://\S+/_stratus/ses/verify\?token=\w+", json.loads(body)["messages"][0]["body"]).group(0)
        with urllib.request.urlopen(link, timeout=10) as r:
            self.assertEqual(r.status, 200)
        attrs = ses.get_identity_verification_attributes(Identities=["strict@people.test"])["VerificationAttributes"]
        self.assertEqual(attrs["strict@people.test"]["VerificationStatus"], "Success")


class TestSesDurability(unittest.TestCase):
    def test_records_and_sent_mail_survive_kill9(self):
        s = Stratus().start()
        try:
            ses = s.client("ses")
            ses.verify_domain_identity(Domain="durable.test")
            ses.create_template(Template={"TemplateName": "keep", "SubjectPart": "s {{a}}"})
            ses.create_configuration_set(ConfigurationSet={"Name": "kept"})
            mid = ses.send_email(Source="x@durable.test", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
                                 Message=simple("durable"))["MessageId"]
            s.kill9()
            s.start()
            ses = s.client("ses")
            self.assertIn("durable.test", ses.list_identities()["Identities"])
            self.assertEqual(ses.get_template(TemplateName="keep")["Template"]["SubjectPart"], "s {{a}}")
            self.assertEqual(ses.describe_configuration_set(ConfigurationSetName="kept")["ConfigurationSet"]["Name"], "kept")
            self.assertTrue([m for m in mailbox(s, "success@simulator.amazonses.com") if m["source"] == "ses:" + mid])
        finally:
            s.cleanup()


    def test_events_of_an_answered_send_survive_kill9(self):
        s = Stratus().start()
        try:
            ses, sns, sqs = s.client("ses"), s.client("sns"), s.client("sqs")
            topic = sns.create_topic(Name="t")["TopicArn"]
            q = sqs.create_queue(QueueName="q")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
            ses.verify_domain_identity(Domain="durable.test")
            ses.create_configuration_set(ConfigurationSet={"Name": "c"})
            ses.create_configuration_set_event_destination(ConfigurationSetName="c", EventDestination={
                "Name": "d", "Enabled": True, "MatchingEventTypes": ["send", "delivery"],
                "SNSDestination": {"TopicARN": topic}})
            mids = [ses.send_email(Source="x@durable.test", ConfigurationSetName="c", Message=simple(),
                                   Destination={"ToAddresses": ["success@simulator.amazonses.com"]})["MessageId"]
                    for _ in range(5)]
            s.kill9()
            s.start()
            sqs = s.client("sqs")
            seen = set()

            def poll():
                for m in sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
                    ev = json.loads(m["Body"])
                    seen.add((ev["mail"]["messageId"], ev["eventType"]))
                    sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])
                return all((mid, t) in seen for mid in mids for t in ("Send", "Delivery"))
            wait_until(poll, timeout=30)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
