"""Cognito MFA: Set/GetUserPoolMfaConfig (OFF / ON / OPTIONAL), (Admin)SetUserMFAPreference,
AssociateSoftwareToken / VerifySoftwareToken with real RFC 6238 TOTP codes (computed here with
hmac), the SOFTWARE_TOKEN_MFA, SMS_MFA (code in the mailbox), SELECT_MFA_TYPE and MFA_SETUP
challenges, and their errors."""
import base64
import hashlib
import hmac
import json
import re
import secrets
import struct
import time
import unittest

from harness import Stratus, StratusTestCase
from test_cognito import password_verifier, srp_a

PW = "Passw0rd!"


def totp(secret_b32, at=None, step_offset=0):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at or time.time()) // 30) + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


class TestCognitoMfa(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.idp = cls.stratus.client("cognito-idp")

    def pool(self, mode, totp_on=True, sms_on=False):
        pid = self.idp.create_user_pool(PoolName="m" + secrets.token_hex(3))["UserPool"]["Id"]
        kw = {"SoftwareTokenMfaConfiguration": {"Enabled": totp_on}}
        if sms_on:
            kw["SmsMfaConfiguration"] = {"SmsAuthenticationMessage": "Your sign-in code is {####}",
                                         "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sms"}}
        out = self.idp.set_user_pool_mfa_config(UserPoolId=pid, MfaConfiguration=mode, **kw)
        self.assertEqual(out["MfaConfiguration"], mode)
        cid = self.idp.create_user_pool_client(
            UserPoolId=pid, ClientName="c",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        return pid, cid

    def user(self, pid, name, phone=None):
        attrs = [{"Name": "email", "Value": f"{name}@x.io"}, {"Name": "email_verified", "Value": "true"}]
        if phone:
            attrs += [{"Name": "phone_number", "Value": phone}, {"Name": "phone_number_verified", "Value": "true"}]
        self.idp.admin_create_user(UserPoolId=pid, Username=name, MessageAction="SUPPRESS", UserAttributes=attrs)
        self.idp.admin_set_user_password(UserPoolId=pid, Username=name, Password=PW, Permanent=True)

    def login(self, cid, name):
        return self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": name, "PASSWORD": PW})

    def error(self, fn):
        with self.assertRaises(self.idp.exceptions.ClientError) as e:
            fn()
        return e.exception.response["Error"]["Code"], e.exception.response["Error"]["Message"]

    def sms(self, phone):
        st, _, body = self.stratus.http("GET", "/_stratus/mailbox?recipient=" + phone.replace("+", "%2B"))
        self.assertEqual(st, 200)
        return json.loads(body)["messages"]

    def test_pool_mfa_config(self):
        pid, _ = self.pool("OPTIONAL")
        cfg = self.idp.get_user_pool_mfa_config(UserPoolId=pid)
        self.assertEqual(cfg["MfaConfiguration"], "OPTIONAL")
        self.assertEqual(cfg["SoftwareTokenMfaConfiguration"], {"Enabled": True})
        self.assertEqual(self.idp.describe_user_pool(UserPoolId=pid)["UserPool"]["MfaConfiguration"], "OPTIONAL")
        self.idp.set_user_pool_mfa_config(UserPoolId=pid, MfaConfiguration="OFF")
        self.assertEqual(self.idp.get_user_pool_mfa_config(UserPoolId=pid)["MfaConfiguration"], "OFF")
        self.assertEqual(self.error(lambda: self.idp.set_user_pool_mfa_config(
            UserPoolId=pid, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": False}))[0],
            "InvalidParameterException")
        self.assertEqual(self.error(lambda: self.idp.get_user_pool_mfa_config(UserPoolId="us-east-1_nope"))[0],
                         "ResourceNotFoundException")

    def test_software_token_optional(self):
        pid, cid = self.pool("OPTIONAL")
        self.user(pid, "tina")
        tok = self.login(cid, "tina")["AuthenticationResult"]["AccessToken"]  # no MFA yet
        # enabling TOTP before an authenticator is verified
        self.assertEqual(self.error(lambda: self.idp.set_user_mfa_preference(
            AccessToken=tok, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})),
            ("InvalidParameterException", "User has not verified software token mfa"))
        secret = self.idp.associate_software_token(AccessToken=tok)["SecretCode"]
        self.assertRegex(secret, r"^[A-Z2-7]{32}$")
        self.assertEqual(self.error(lambda: self.idp.verify_software_token(AccessToken=tok, UserCode="000000"
                                                                           if totp(secret) != "000000" else "111111")),
                         ("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA"))
        r = self.idp.verify_software_token(AccessToken=tok, UserCode=totp(secret), FriendlyDeviceName="phone")
        self.assertEqual(r["Status"], "SUCCESS")
        self.idp.set_user_mfa_preference(AccessToken=tok,
                                         SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        me = self.idp.get_user(AccessToken=tok)
        self.assertEqual(me["UserMFASettingList"], ["SOFTWARE_TOKEN_MFA"])
        self.assertEqual(me["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA")
        self.assertEqual(self.idp.admin_get_user(UserPoolId=pid, Username="tina")["PreferredMfaSetting"],
                         "SOFTWARE_TOKEN_MFA")
        r = self.login(cid, "tina")
        self.assertEqual(r["ChallengeName"], "SOFTWARE_TOKEN_MFA")
        self.assertNotIn("AuthenticationResult", r)

        def answer(session, code):
            return self.idp.respond_to_auth_challenge(
                ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=session,
                ChallengeResponses={"USERNAME": "tina", "SOFTWARE_TOKEN_MFA_CODE": code})

        wrong = "%06d" % ((int(totp(secret)) + 500000) % 1000000)
        self.assertEqual(self.error(lambda: answer(r["Session"], wrong)),
                         ("CodeMismatchException", "Invalid code received for user"))
        # the same session may try again; the next step's code is inside the window
        res = answer(r["Session"], totp(secret, step_offset=1))
        self.assertIn("AccessToken", res["AuthenticationResult"])
        # a session is not used twice
        self.assertEqual(self.error(lambda: answer(r["Session"], totp(secret)))[0], "NotAuthorizedException")
        # a code is not accepted twice (the step was used)
        r = self.login(cid, "tina")
        self.assertEqual(self.error(lambda: answer(r["Session"], totp(secret, step_offset=1)))[0],
                         "CodeMismatchException")
        # admin turns it off: no challenge any more
        self.idp.admin_set_user_mfa_preference(UserPoolId=pid, Username="tina",
                                               SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
        self.assertIn("AuthenticationResult", self.login(cid, "tina"))

    def test_mfa_setup_when_required(self):
        pid, cid = self.pool("ON")
        self.user(pid, "otto")
        r = self.login(cid, "otto")
        self.assertEqual(r["ChallengeName"], "MFA_SETUP")
        self.assertEqual(json.loads(r["ChallengeParameters"]["MFAS_CAN_SETUP"]), ["SOFTWARE_TOKEN_MFA"])
        a = self.idp.associate_software_token(Session=r["Session"])
        secret = a["SecretCode"]
        v = self.idp.verify_software_token(Session=a["Session"], UserCode=totp(secret))
        self.assertEqual(v["Status"], "SUCCESS")
        res = self.idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="MFA_SETUP", Session=v["Session"],
                                                 ChallengeResponses={"USERNAME": "otto"})
        self.assertIn("IdToken", res["AuthenticationResult"])
        # from now on the authenticator is asked for
        r = self.login(cid, "otto")
        self.assertEqual(r["ChallengeName"], "SOFTWARE_TOKEN_MFA")
        res = self.idp.respond_to_auth_challenge(
            ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=r["Session"],
            ChallengeResponses={"USERNAME": "otto", "SOFTWARE_TOKEN_MFA_CODE": totp(secret, step_offset=1)})
        self.assertIn("AccessToken", res["AuthenticationResult"])

    def test_sms_mfa_and_select(self):
        pid, cid = self.pool("OPTIONAL", totp_on=True, sms_on=True)
        self.user(pid, "sara", phone="+15555550123")
        self.idp.admin_set_user_mfa_preference(UserPoolId=pid, Username="sara",
                                               SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
        r = self.login(cid, "sara")
        self.assertEqual(r["ChallengeName"], "SMS_MFA")
        self.assertEqual(r["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS")
        self.assertTrue(r["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"].endswith("0123"))
        body = self.sms("+15555550123")[-1]["body"]
        self.assertRegex(body, r"^Your sign-in code is \d{6}$")
        code = re.search(r"\d{6}", body).group(0)
        wrong = "%06d" % ((int(code) + 1) % 1000000)
        self.assertEqual(self.error(lambda: self.idp.respond_to_auth_challenge(
            ClientId=cid, ChallengeName="SMS_MFA", Session=r["Session"],
            ChallengeResponses={"USERNAME": "sara", "SMS_MFA_CODE": wrong})),
            ("CodeMismatchException", "Invalid code or auth state for the user."))
        res = self.idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SMS_MFA", Session=r["Session"],
                                                 ChallengeResponses={"USERNAME": "sara", "SMS_MFA_CODE": code})
        tok = res["AuthenticationResult"]["AccessToken"]
        # both methods on, none preferred: the user chooses
        secret = self.idp.associate_software_token(AccessToken=tok)["SecretCode"]
        self.idp.verify_software_token(AccessToken=tok, UserCode=totp(secret))
        self.idp.set_user_mfa_preference(AccessToken=tok, SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
                                         SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False})
        self.assertEqual(sorted(self.idp.get_user(AccessToken=tok)["UserMFASettingList"]),
                         ["SMS_MFA", "SOFTWARE_TOKEN_MFA"])
        r = self.login(cid, "sara")
        self.assertEqual(r["ChallengeName"], "SELECT_MFA_TYPE")
        self.assertEqual(sorted(json.loads(r["ChallengeParameters"]["MFAS_CAN_CHOOSE"])),
                         ["SMS_MFA", "SOFTWARE_TOKEN_MFA"])
        r = self.idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SELECT_MFA_TYPE", Session=r["Session"],
                                               ChallengeResponses={"USERNAME": "sara", "ANSWER": "SOFTWARE_TOKEN_MFA"})
        self.assertEqual(r["ChallengeName"], "SOFTWARE_TOKEN_MFA")
        res = self.idp.respond_to_auth_challenge(
            ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=r["Session"],
            ChallengeResponses={"USERNAME": "sara", "SOFTWARE_TOKEN_MFA_CODE": totp(secret, step_offset=1)})
        self.assertIn("AccessToken", res["AuthenticationResult"])
        # SMS MFA needs a phone number
        self.user(pid, "nophone")
        self.assertEqual(self.error(lambda: self.idp.admin_set_user_mfa_preference(
            UserPoolId=pid, Username="nophone", SMSMfaSettings={"Enabled": True})),
            ("InvalidParameterException", "User does not have delivery config set to turn on SMS_MFA"))


class TestPendingSessionsSurviveKill9(unittest.TestCase):
    """A sign-in that got its challenge before a kill -9 answers it after the restart: the MFA
    session (a durable record), NEW_PASSWORD_REQUIRED's and SRP's PASSWORD_VERIFIER (sealed under the
    data directory's key); an answered session stays used
    across the next restart."""

    def test_challenges_answered_after_kill9(self):
        s = Stratus().start()
        self.addCleanup(s.cleanup)
        idp = s.client("cognito-idp")
        pid = idp.create_user_pool(PoolName="durable")["UserPool"]["Id"]
        idp.set_user_pool_mfa_config(UserPoolId=pid, MfaConfiguration="OPTIONAL",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
        cid = idp.create_user_pool_client(
            UserPoolId=pid, ClientName="c", AuthSessionValidity=5,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pid, Username="kim", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pid, Username="kim", Password=PW, Permanent=True)
        login = {"USERNAME": "kim", "PASSWORD": PW}
        tok = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                AuthParameters=login)["AuthenticationResult"]["AccessToken"]
        secret = idp.associate_software_token(AccessToken=tok)["SecretCode"]
        idp.verify_software_token(AccessToken=tok, UserCode=totp(secret))
        idp.set_user_mfa_preference(AccessToken=tok, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        pending = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=login)
        self.assertEqual(pending["ChallengeName"], "SOFTWARE_TOKEN_MFA")
        idp.admin_create_user(UserPoolId=pid, Username="new", MessageAction="SUPPRESS", TemporaryPassword="Temp0rary!")
        fresh = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "new", "PASSWORD": "Temp0rary!"})
        self.assertEqual(fresh["ChallengeName"], "NEW_PASSWORD_REQUIRED")
        # SRP: PASSWORD_VERIFIER's sealed secret block
        idp.update_user_pool_client(UserPoolId=pid, ClientId=cid, ClientName="c", AuthSessionValidity=5,
                                    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                                                       "ALLOW_REFRESH_TOKEN_AUTH"])
        idp.admin_create_user(UserPoolId=pid, Username="sam", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pid, Username="sam", Password=PW, Permanent=True)
        a, A = srp_a()
        srp = idp.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH",
                                AuthParameters={"USERNAME": "sam", "SRP_A": format(A, "x")})
        self.assertEqual(srp["ChallengeName"], "PASSWORD_VERIFIER")

        s.kill9()
        s.start()
        idp = s.client("cognito-idp")

        def answer(session, code):
            return idp.respond_to_auth_challenge(
                ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=session,
                ChallengeResponses={"USERNAME": "kim", "SOFTWARE_TOKEN_MFA_CODE": code})
        with self.assertRaises(idp.exceptions.NotAuthorizedException) as e:
            answer("x" * 64, totp(secret))
        self.assertEqual(e.exception.response["Error"]["Message"], "Invalid session for the user, session is expired.")
        # the pending one: the next step's code (verify_software_token used this one) signs in
        res = answer(pending["Session"], totp(secret, step_offset=1))["AuthenticationResult"]
        self.assertEqual(idp.get_user(AccessToken=res["AccessToken"])["Username"], "kim")
        res = idp.respond_to_auth_challenge(
            ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=password_verifier(pid, srp["ChallengeParameters"], a, A, PW))
        self.assertIn("AccessToken", res["AuthenticationResult"])
        res = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=fresh["Session"],
                                            ChallengeResponses={"USERNAME": "new", "NEW_PASSWORD": "N3w!passwd"})
        self.assertIn("AccessToken", res["AuthenticationResult"])
        # sessions are single use, also across a second restart
        s.kill9()
        s.start()
        idp = s.client("cognito-idp")
        with self.assertRaises(idp.exceptions.NotAuthorizedException) as e:
            answer(pending["Session"], totp(secret, step_offset=1))
        self.assertEqual(e.exception.response["Error"]["Message"], "Invalid session for the user, session is expired.")


if __name__ == "__main__":
    unittest.main()
