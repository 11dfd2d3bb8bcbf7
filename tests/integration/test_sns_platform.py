"""SNS mobile push (platform applications and endpoints; pushes land in the mailbox addressed to
the endpoint ARN), SMS account operations (attributes, opt-out, sandbox numbers with the one-time
password in the mailbox) and data protection policies: boto3 and the aws CLI, AWS's errors."""
import json
import time
import unittest

import botocore.exceptions

from harness import StratusTestCase


def wait_for(fn, timeout=10):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.05)


class Base(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sns = cls.stratus.client("sns")

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def mailbox(self, recipient):
        import urllib.parse
        _, _, body = self.stratus.http("GET", "/_stratus/mailbox?recipient=" + urllib.parse.quote(recipient, safe=""))
        return json.loads(body)["messages"]

    def app(self, name="app", platform="GCM"):
        return self.sns.create_platform_application(Name=name, Platform=platform,
                                                    Attributes={"PlatformCredential": "server-key"})[
            "PlatformApplicationArn"]


class PlatformApplications(Base):
    def test_lifecycle(self):
        arn = self.app("shop")
        self.assertEqual(arn, "arn:aws:sns:us-east-1:000000000000:app/GCM/shop")
        attrs = self.sns.get_platform_application_attributes(PlatformApplicationArn=arn)["Attributes"]
        self.assertEqual(attrs["Enabled"], "true")
        self.assertNotIn("PlatformCredential", attrs)
        self.sns.set_platform_application_attributes(PlatformApplicationArn=arn,
                                                     Attributes={"EventEndpointCreated": "arn:aws:sns:us-east-1:000000000000:t"})
        apps = self.sns.list_platform_applications()["PlatformApplications"]
        self.assertIn(arn, [a["PlatformApplicationArn"] for a in apps])
        ep = self.sns.create_platform_endpoint(PlatformApplicationArn=arn, Token="device-1",
                                               CustomUserData="user 7")["EndpointArn"]
        self.assertTrue(ep.startswith("arn:aws:sns:us-east-1:000000000000:endpoint/GCM/shop/"))
        # Same token, same attributes: the same endpoint. Different attributes: an error.
        again = self.sns.create_platform_endpoint(PlatformApplicationArn=arn, Token="device-1",
                                                  CustomUserData="user 7")["EndpointArn"]
        self.assertEqual(again, ep)
        code, msg = self.error(self.sns.create_platform_endpoint, PlatformApplicationArn=arn, Token="device-1",
                               CustomUserData="someone else")
        self.assertEqual(code, "InvalidParameter")
        self.assertIn("already exists with the same Token", msg)
        attrs = self.sns.get_endpoint_attributes(EndpointArn=ep)["Attributes"]
        self.assertEqual(attrs, {"Token": "device-1", "Enabled": "true", "CustomUserData": "user 7"})
        self.sns.set_endpoint_attributes(EndpointArn=ep, Attributes={"Token": "device-2"})
        eps = self.sns.list_endpoints_by_platform_application(PlatformApplicationArn=arn)["Endpoints"]
        self.assertEqual([(e["EndpointArn"], e["Attributes"]["Token"]) for e in eps], [(ep, "device-2")])
        self.sns.delete_endpoint(EndpointArn=ep)
        self.sns.delete_endpoint(EndpointArn=ep)  # idempotent
        code, _ = self.error(self.sns.get_endpoint_attributes, EndpointArn=ep)
        self.assertEqual(code, "NotFound")
        self.sns.delete_platform_application(PlatformApplicationArn=arn)
        code, _ = self.error(self.sns.get_platform_application_attributes, PlatformApplicationArn=arn)
        self.assertEqual(code, "NotFound")

    def test_errors(self):
        code, _ = self.error(self.sns.create_platform_application, Name="x", Platform="NOKIA",
                             Attributes={"PlatformCredential": "k"})
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.create_platform_application, Name="x", Platform="GCM", Attributes={"Other": "y"})
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.create_platform_application, Name="x", Platform="APNS",
                             Attributes={"PlatformCredential": "k"})
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.create_platform_endpoint,
                             PlatformApplicationArn="arn:aws:sns:us-east-1:000000000000:app/GCM/none", Token="t")
        self.assertEqual(code, "NotFound")
        code, _ = self.error(self.sns.list_endpoints_by_platform_application,
                             PlatformApplicationArn="arn:aws:sns:us-east-1:000000000000:app/GCM/none")
        self.assertEqual(code, "NotFound")

    def test_push_direct_and_through_a_topic(self):
        app = self.app("pusher")
        ep = self.sns.create_platform_endpoint(PlatformApplicationArn=app, Token="phone-9")["EndpointArn"]
        mid = self.sns.publish(TargetArn=ep, Message=json.dumps({"default": "hi", "GCM": '{"data":{"k":"v"}}'}),
                               MessageStructure="json")["MessageId"]
        got = self.mailbox(ep)
        self.assertEqual([(m["id"], m["channel"], m["body"]) for m in got],
                         [(mid, "application", '{"data":{"k":"v"}}')])
        topic = self.sns.create_topic(Name="pushes")["TopicArn"]
        sub = self.sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=ep)["SubscriptionArn"]
        self.assertNotEqual(sub, "pending confirmation")
        self.sns.publish(TopicArn=topic, Message="to all phones")
        got = wait_for(lambda: [m for m in self.mailbox(ep) if m["body"] == "to all phones"])
        self.assertEqual(got[0]["source"], topic)
        # A disabled endpoint refuses direct pushes.
        self.sns.set_endpoint_attributes(EndpointArn=ep, Attributes={"Enabled": "false"})
        code, _ = self.error(self.sns.publish, TargetArn=ep, Message="x")
        self.assertEqual(code, "EndpointDisabled")
        code, _ = self.error(self.sns.publish, TargetArn=ep.rsplit("/", 1)[0] + "/missing", Message="x")
        self.assertEqual(code, "NotFound")

    def test_cli(self):
        out = self.stratus.aws("sns", "create-platform-application", "--name", "cli-app", "--platform", "APNS_SANDBOX",
                               "--attributes", "PlatformCredential=key,PlatformPrincipal=cert")
        arn = out["PlatformApplicationArn"]
        ep = self.stratus.aws("sns", "create-platform-endpoint", "--platform-application-arn", arn,
                              "--token", "abc")["EndpointArn"]
        listed = self.stratus.aws("sns", "list-endpoints-by-platform-application", "--platform-application-arn", arn)
        self.assertEqual([e["EndpointArn"] for e in listed["Endpoints"]], [ep])


class Sms(Base):
    def test_sms_attributes(self):
        self.sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional", "DefaultSenderID": "Shop"})
        got = self.sns.get_sms_attributes()["attributes"]
        self.assertEqual(got["DefaultSMSType"], "Transactional")
        only = self.sns.get_sms_attributes(attributes=["DefaultSenderID"])["attributes"]
        self.assertEqual(only, {"DefaultSenderID": "Shop"})
        code, _ = self.error(self.sns.set_sms_attributes, attributes={"DefaultSMSType": "Loud"})
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.set_sms_attributes, attributes={"Bogus": "1"})
        self.assertEqual(code, "InvalidParameter")

    def test_opt_out_and_in(self):
        phone = "+15550001111"
        self.assertFalse(self.sns.check_if_phone_number_is_opted_out(phoneNumber=phone)["isOptedOut"])
        status, _, _ = self.stratus.http("POST", "/_stratus/sns/opt-out?phoneNumber=%2B15550001111")
        self.assertEqual(status, 200)
        self.assertTrue(self.sns.check_if_phone_number_is_opted_out(phoneNumber=phone)["isOptedOut"])
        self.assertIn(phone, self.sns.list_phone_numbers_opted_out()["phoneNumbers"])
        self.sns.publish(PhoneNumber=phone, Message="not delivered")
        self.assertEqual(self.mailbox(phone), [])
        self.sns.opt_in_phone_number(phoneNumber=phone)
        self.assertFalse(self.sns.check_if_phone_number_is_opted_out(phoneNumber=phone)["isOptedOut"])
        self.assertNotIn(phone, self.sns.list_phone_numbers_opted_out()["phoneNumbers"])
        code, _ = self.error(self.sns.check_if_phone_number_is_opted_out, phoneNumber="call me")
        self.assertEqual(code, "InvalidParameter")
        out = self.stratus.aws("sns", "check-if-phone-number-is-opted-out", "--phone-number", phone)
        self.assertEqual(out, {"isOptedOut": False})

    def test_sandbox_numbers(self):
        phone = "+15550002222"
        self.assertIn("IsInSandbox", self.sns.get_sms_sandbox_account_status())
        self.sns.create_sms_sandbox_phone_number(PhoneNumber=phone)
        listed = self.sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
        self.assertIn({"PhoneNumber": phone, "Status": "Pending"}, listed)
        code, _ = self.error(self.sns.verify_sms_sandbox_phone_number, PhoneNumber=phone, OneTimePassword="000000")
        self.assertEqual(code, "VerificationException")
        otp = self.mailbox(phone)[-1]["body"].rstrip(".").split()[-1]
        self.sns.verify_sms_sandbox_phone_number(PhoneNumber=phone, OneTimePassword=otp)
        self.assertIn({"PhoneNumber": phone, "Status": "Verified"},
                      self.sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"])
        self.sns.delete_sms_sandbox_phone_number(PhoneNumber=phone)
        code, _ = self.error(self.sns.delete_sms_sandbox_phone_number, PhoneNumber=phone)
        self.assertEqual(code, "ResourceNotFound")
        code, _ = self.error(self.sns.verify_sms_sandbox_phone_number, PhoneNumber=phone, OneTimePassword="12345")
        self.assertEqual(code, "ResourceNotFound")
        self.assertEqual(self.sns.list_origination_numbers()["PhoneNumbers"], [])


class Permissions(Base):
    def test_add_and_remove_permission(self):
        arn = self.sns.create_topic(Name="shared")["TopicArn"]
        self.sns.add_permission(TopicArn=arn, Label="partner", AWSAccountId=["111122223333"], ActionName=["Publish"])
        policy = json.loads(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
        st = [s for s in policy["Statement"] if s["Sid"] == "partner"][0]
        self.assertEqual(st["Principal"], {"AWS": "arn:aws:iam::111122223333:root"})
        self.assertEqual(st["Action"], "SNS:Publish")
        self.assertEqual(st["Resource"], arn)
        self.assertIn("__default_statement_ID", [s["Sid"] for s in policy["Statement"]])
        code, _ = self.error(self.sns.add_permission, TopicArn=arn, Label="partner", AWSAccountId=["1"],
                             ActionName=["Publish"])
        self.assertEqual(code, "InvalidParameter")
        self.stratus.aws("sns", "remove-permission", "--topic-arn", arn, "--label", "partner")
        policy = json.loads(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
        self.assertNotIn("partner", [s["Sid"] for s in policy["Statement"]])
        code, _ = self.error(self.sns.add_permission, TopicArn=arn.replace("shared", "missing"), Label="x",
                             AWSAccountId=["111122223333"], ActionName=["Publish"])
        self.assertEqual(code, "NotFound")


class DataProtection(Base):
    def test_put_get(self):
        arn = self.sns.create_topic(Name="pii")["TopicArn"]
        self.assertEqual(self.sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"], "")
        policy = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []})
        self.sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy)
        self.assertEqual(self.sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"], policy)
        code, _ = self.error(self.sns.put_data_protection_policy, ResourceArn=arn, DataProtectionPolicy="{")
        self.assertEqual(code, "InvalidParameter")
        code, _ = self.error(self.sns.get_data_protection_policy,
                             ResourceArn="arn:aws:sns:us-east-1:000000000000:nope")
        self.assertEqual(code, "NotFound")


if __name__ == "__main__":
    unittest.main()
