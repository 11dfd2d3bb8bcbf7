"""Cognito's choice-based sign-in (AuthFlow USER_AUTH): SELECT_CHALLENGE with the pool's
AllowedFirstAuthFactors (PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP), PREFERRED_CHALLENGE, and the
one-time codes read from the mailbox; devices (NewDeviceMetadata, ConfirmDevice, DEVICE_SRP_AUTH /
DEVICE_PASSWORD_VERIFIER through amazon-cognito-identity-js, the device APIs)."""
import json
import os
import re
import secrets
import shutil
import subprocess
import unittest

from harness import StratusTestCase
from test_cognito import password_verifier, srp_a

PW = "Passw0rd!"


class TestCognitoUserAuth(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.idp = cls.stratus.client("cognito-idp")

    def setUp(self):
        policies = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}}
        self.pid = self.idp.create_user_pool(PoolName="u" + secrets.token_hex(3), Policies=policies)["UserPool"]["Id"]
        self.cid = self.idp.create_user_pool_client(
            UserPoolId=self.pid, ClientName="c",
            ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        self.idp.admin_create_user(UserPoolId=self.pid, Username="uma", MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": "uma@x.io"}, {"Name": "email_verified", "Value": "true"},
            {"Name": "phone_number", "Value": "+15555550199"}, {"Name": "phone_number_verified", "Value": "true"}])
        self.idp.admin_set_user_password(UserPoolId=self.pid, Username="uma", Password=PW, Permanent=True)

    def start(self, **params):
        return self.idp.initiate_auth(ClientId=self.cid, AuthFlow="USER_AUTH",
                                      AuthParameters={"USERNAME": "uma", **params})

    def respond(self, r, name, **responses):
        return self.idp.respond_to_auth_challenge(ClientId=self.cid, ChallengeName=name, Session=r["Session"],
                                                  ChallengeResponses={"USERNAME": "uma", **responses})

    def mail(self, recipient):
        st, _, body = self.stratus.http("GET", "/_stratus/mailbox?recipient=" + recipient.replace("+", "%2B"))
        self.assertEqual(st, 200)
        return json.loads(body)["messages"][-1]["body"]

    def error(self, fn):
        with self.assertRaises(self.idp.exceptions.ClientError) as e:
            fn()
        return e.exception.response["Error"]["Code"], e.exception.response["Error"]["Message"]

    def test_select_challenge_email_otp(self):
        r = self.start()
        self.assertEqual(r["ChallengeName"], "SELECT_CHALLENGE")
        self.assertEqual(r["AvailableChallenges"], ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"])
        r = self.respond(r, "SELECT_CHALLENGE", ANSWER="EMAIL_OTP")
        self.assertEqual(r["ChallengeName"], "EMAIL_OTP")
        self.assertEqual(r["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL")
        code = re.search(r"\b(\d{8})\b", self.mail("uma@x.io")).group(1)
        wrong = "%08d" % ((int(code) + 1) % 100000000)
        self.assertEqual(self.error(lambda: self.respond(r, "EMAIL_OTP", EMAIL_OTP_CODE=wrong)),
                         ("CodeMismatchException", "Invalid code or auth state for the user."))
        res = self.respond(r, "EMAIL_OTP", EMAIL_OTP_CODE=code)
        self.assertIn("AccessToken", res["AuthenticationResult"])

    def test_preferred_password_srp_and_sms(self):
        res = self.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PW)
        self.assertIn("IdToken", res["AuthenticationResult"])
        self.assertEqual(self.error(lambda: self.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD="Wrong1!pw")),
                         ("NotAuthorizedException", "Incorrect username or password."))
        a, A = srp_a()
        r = self.start(PREFERRED_CHALLENGE="PASSWORD_SRP", SRP_A=format(A, "x"))
        self.assertEqual(r["ChallengeName"], "PASSWORD_VERIFIER")
        res = self.idp.respond_to_auth_challenge(ClientId=self.cid, ChallengeName="PASSWORD_VERIFIER",
                                                 ChallengeResponses=password_verifier(self.pid, r["ChallengeParameters"],
                                                                                      a, A, PW))
        self.assertIn("AccessToken", res["AuthenticationResult"])
        r = self.start(PREFERRED_CHALLENGE="SMS_OTP")
        self.assertEqual(r["ChallengeName"], "SMS_OTP")
        code = re.search(r"\b(\d{8})\b", self.mail("+15555550199")).group(1)
        self.assertIn("AccessToken", self.respond(r, "SMS_OTP", SMS_OTP_CODE=code)["AuthenticationResult"])
        r = self.start()
        res = self.respond(r, "SELECT_CHALLENGE", ANSWER="PASSWORD", PASSWORD=PW)
        self.assertIn("AccessToken", res["AuthenticationResult"])

    def test_flow_and_factors(self):
        plain = self.idp.create_user_pool_client(UserPoolId=self.pid, ClientName="p",
                                                 ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["UserPoolClient"]
        self.assertEqual(self.error(lambda: self.idp.initiate_auth(
            ClientId=plain["ClientId"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "uma"})),
            ("InvalidParameterException", "USER_AUTH flow not enabled for this client"))
        r = self.start()
        self.assertEqual(self.error(lambda: self.respond(r, "SELECT_CHALLENGE", ANSWER="WEB_AUTHN"))[0],
                         "InvalidParameterException")
        # a pool without a sign-in policy offers the password only
        pid = self.idp.create_user_pool(PoolName="d" + secrets.token_hex(3))["UserPool"]["Id"]
        cid = self.idp.create_user_pool_client(UserPoolId=pid, ClientName="c",
                                               ExplicitAuthFlows=["ALLOW_USER_AUTH"])["UserPoolClient"]["ClientId"]
        self.idp.admin_create_user(UserPoolId=pid, Username="dee", MessageAction="SUPPRESS")
        r = self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "dee"})
        self.assertEqual(r["AvailableChallenges"], ["PASSWORD", "PASSWORD_SRP"])


HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(HERE, "cognito")


@unittest.skipUnless(shutil.which("node") and os.path.isdir(os.path.join(APP, "node_modules",
                                                                          "amazon-cognito-identity-js")),
                     "node or tests/integration/cognito/node_modules missing (tools/deps.sh)")
class TestCognitoDevices(StratusTestCase):
    """Device tracking: NewDeviceMetadata, ConfirmDevice and DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER as
    amazon-cognito-identity-js runs them, then the device APIs."""

    def test_device_srp_and_device_apis(self):
        idp = self.stratus.client("cognito-idp")
        pid = idp.create_user_pool(PoolName="dev", DeviceConfiguration={
            "ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False})["UserPool"]["Id"]
        cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="web")["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pid, Username="dora", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pid, Username="dora", Password=PW, Permanent=True)
        cp = subprocess.run(["node", "device.js", self.stratus.endpoint, pid, cid, "dora", PW],
                            cwd=APP, capture_output=True, text=True, timeout=60)
        self.assertTrue(cp.stdout.strip(), cp.stderr)
        out = json.loads(cp.stdout.strip().splitlines()[-1])
        self.assertTrue(out["first"]["ok"], out)
        self.assertEqual(out["firstChallenges"], ["PASSWORD_VERIFIER"])
        self.assertTrue(out["second"]["ok"], out)
        self.assertEqual(out["secondChallenges"], ["PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"])
        key = out["first"]["deviceKey"]
        self.assertRegex(key, r"^us-east-1_[0-9a-f-]+$")
        devices = idp.admin_list_devices(UserPoolId=pid, Username="dora")["Devices"]
        self.assertEqual([d["DeviceKey"] for d in devices], [key])
        attrs = {a["Name"]: a["Value"] for a in devices[0]["DeviceAttributes"]}
        self.assertEqual(attrs["device_remembered_status"], "remembered")
        idp.admin_update_device_status(UserPoolId=pid, Username="dora", DeviceKey=key,
                                       DeviceRememberedStatus="not_remembered")
        d = idp.admin_get_device(UserPoolId=pid, Username="dora", DeviceKey=key)["Device"]
        self.assertIn({"Name": "device_remembered_status", "Value": "not_remembered"}, d["DeviceAttributes"])
        idp.admin_forget_device(UserPoolId=pid, Username="dora", DeviceKey=key)
        self.assertEqual(idp.admin_list_devices(UserPoolId=pid, Username="dora")["Devices"], [])
        with self.assertRaises(idp.exceptions.ResourceNotFoundException):
            idp.admin_get_device(UserPoolId=pid, Username="dora", DeviceKey=key)


if __name__ == "__main__":
    unittest.main()
