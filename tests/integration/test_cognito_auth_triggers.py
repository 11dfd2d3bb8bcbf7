"""Cognito's sign-in triggers with AWS's event shapes, in Python and Node functions, failing ones
included: PreAuthentication, PostAuthentication, CustomMessage (every message source, the {####}
and {username} placeholders), UserMigration (Authentication and ForgotPassword), and CUSTOM_AUTH's
DefineAuthChallenge / CreateAuthChallenge / VerifyAuthChallengeResponse loop (also started with
SRP_A, and through amazon-cognito-identity-js)."""
import json
import os
import re
import secrets
import shutil
import subprocess
import time
import unittest

from test_cognito import password_verifier, srp_a
from test_cognito_triggers import TriggerBase

PW = "Passw0rd!"
HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(HERE, "cognito")

PRE_AUTH = '''
import json
def handler(event, context):
    print("PREAUTH " + json.dumps(event))
    if event["userName"] == "blocked":
        raise Exception("Blocked user")
    return event
'''

POST_AUTH = '''
exports.handler = async (event) => {
  console.log("POSTAUTH " + JSON.stringify(event));
  if (event.userName === "nopost") throw new Error("Not today");
  return event;
};
'''

CUSTOM_MESSAGE = '''
import json
def handler(event, context):
    print("CUSTOMMSG " + json.dumps(event))
    src = event["triggerSource"]
    email = event["request"]["userAttributes"].get("email", "")
    if email.startswith("boom"):
        raise Exception("Template missing")
    if email.startswith("nocode"):
        event["response"]["emailMessage"] = "there is no code here"
        return event
    if email.startswith("smsonly"):
        event["response"]["smsMessage"] = "SMS " + src + " " + event["request"]["codeParameter"]
        return event
    code = event["request"]["codeParameter"]
    if src == "CustomMessage_AdminCreateUser":
        event["response"]["emailMessage"] = "Hello " + event["request"]["usernameParameter"] + ", temp " + code
    else:
        event["response"]["emailMessage"] = "[" + src + "] code " + code
    event["response"]["emailSubject"] = "Subject " + src
    event["response"]["smsMessage"] = "SMS " + src + " " + code
    return event
'''

MIGRATE = '''
def handler(event, context):
    name = event["userName"]
    src = event["triggerSource"]
    if src == "UserMigration_Authentication":
        if name == "legacy":
            if event["request"]["password"] != "Legacy!pw1":
                raise Exception("Bad password")
            event["response"]["userAttributes"] = {"email": "legacy@x.io", "email_verified": "true"}
            event["response"]["finalUserStatus"] = "CONFIRMED"
            event["response"]["messageAction"] = "SUPPRESS"
        elif name == "resetme":
            event["response"]["userAttributes"] = {"email": "resetme@x.io", "email_verified": "true"}
            event["response"]["finalUserStatus"] = "RESET_REQUIRED"
    elif src == "UserMigration_ForgotPassword" and name == "forgetful":
        assert "password" not in event["request"], event
        event["response"]["userAttributes"] = {"email": "forgetful@x.io", "email_verified": "true"}
        event["response"]["messageAction"] = "SUPPRESS"
    return event
'''

DEFINE = '''
import json
def handler(event, context):
    print("DEFINE " + json.dumps(event))
    s = event["request"]["session"]
    r = event["response"]
    customs = [x for x in s if x["challengeName"] == "CUSTOM_CHALLENGE"]
    if len(s) == 1 and s[0]["challengeName"] == "SRP_A":
        r.update(challengeName="PASSWORD_VERIFIER", issueTokens=False, failAuthentication=False)
    elif customs and customs[-1]["challengeResult"]:
        r.update(issueTokens=True, failAuthentication=False)
    elif len(customs) >= 3:
        r.update(issueTokens=False, failAuthentication=True)
    else:
        r.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    return event
'''

CREATE = '''
exports.handler = async (event) => {
  const round = event.request.session.filter((x) => x.challengeName === "CUSTOM_CHALLENGE").length + 1;
  event.response.publicChallengeParameters = { question: "What is 6 x 7?", round: String(round) };
  event.response.privateChallengeParameters = { answer: "42" };
  event.response.challengeMetadata = "QUESTION-" + round;
  return event;
};
'''

VERIFY = '''
def handler(event, context):
    req = event["request"]
    event["response"]["answerCorrect"] = req["challengeAnswer"] == req["privateChallengeParameters"]["answer"]
    return event
'''


class TestCognitoAuthTriggers(TriggerBase):
    FUNCTIONS = [("pre-auth", PRE_AUTH, "python3.12"), ("post-auth", POST_AUTH, "nodejs20.x"),
                 ("custom-message", CUSTOM_MESSAGE, "python3.12"), ("migrate", MIGRATE, "python3.12"),
                 ("define", DEFINE, "python3.12"), ("create", CREATE, "nodejs20.x"), ("verify", VERIFY, "python3.12")]

    # ---- helpers ----
    def pool(self, triggers, **kw):
        lc = {k: self.arns[v] for k, v in triggers.items()}
        pid = self.idp.create_user_pool(PoolName="p" + secrets.token_hex(3), LambdaConfig=lc,
                                        AutoVerifiedAttributes=["email"], **kw)["UserPool"]["Id"]
        cid = self.idp.create_user_pool_client(
            UserPoolId=pid, ClientName="c",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH",
                               "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        return pid, cid

    def user(self, pid, name, email=None):
        self.idp.admin_create_user(UserPoolId=pid, Username=name, MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "email", "Value": email or f"{name}@x.io"},
                                                   {"Name": "email_verified", "Value": "true"}])
        self.idp.admin_set_user_password(UserPoolId=pid, Username=name, Password=PW, Permanent=True)

    def login(self, cid, name, pw=PW, **kw):
        return self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": name, "PASSWORD": pw}, **kw)

    def error(self, fn):
        with self.assertRaises(self.idp.exceptions.ClientError) as e:
            fn()
        return e.exception.response["Error"]["Code"], e.exception.response["Error"]["Message"]

    def mail(self, recipient):
        st, _, body = self.stratus.http("GET", "/_stratus/mailbox?recipient=" + recipient)
        self.assertEqual(st, 200)
        return json.loads(body)["messages"]

    def events(self, fn, marker, want=None):
        """The events a function printed after `marker`, once one contains `want`."""
        deadline = time.time() + 15
        while True:
            out = []
            group = f"/aws/lambda/{fn}"
            if self.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
                for s in self.logs.describe_log_streams(logGroupName=group)["logStreams"]:
                    for e in self.logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"])["events"]:
                        for line in e["message"].splitlines():
                            if marker in line:
                                out.append(json.loads(line.split(marker, 1)[1]))
            if want is None or any(want(e) for e in out) or time.time() > deadline:
                return out
            time.sleep(0.2)

    # ---- PreAuthentication / PostAuthentication ----
    def test_pre_and_post_authentication(self):
        pid, cid = self.pool({"PreAuthentication": "pre-auth", "PostAuthentication": "post-auth"})
        for n in ("alice", "blocked", "nopost"):
            self.user(pid, n)
        r = self.login(cid, "alice", ClientMetadata={"source": "web"})
        self.assertIn("IdToken", r["AuthenticationResult"])
        ev = self.events("pre-auth", "PREAUTH ", lambda e: e["userName"] == "alice")
        ev = [e for e in ev if e["userName"] == "alice"][-1]
        self.assertEqual(ev["triggerSource"], "PreAuthentication_Authentication")
        self.assertEqual(ev["request"]["validationData"], {"source": "web"})
        self.assertEqual(ev["request"]["userAttributes"]["email"], "alice@x.io")
        self.assertEqual(ev["callerContext"]["clientId"], cid)
        self.assertIs(ev["request"]["userNotFound"], False)
        post = self.events("post-auth", "POSTAUTH ", lambda e: e["userName"] == "alice")
        post = [e for e in post if e["userName"] == "alice"][-1]
        self.assertEqual(post["triggerSource"], "PostAuthentication_Authentication")
        self.assertIs(post["request"]["newDeviceUsed"], False)
        self.assertEqual(post["request"]["userAttributes"]["cognito:user_status"], "CONFIRMED")
        # a failing PreAuthentication refuses the sign-in (password flow and SRP)
        self.assertEqual(self.error(lambda: self.login(cid, "blocked")),
                         ("UserLambdaValidationException", "PreAuthentication failed with error Blocked user."))
        code, msg = self.error(lambda: self.idp.initiate_auth(
            ClientId=cid, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": "blocked", "SRP_A": "ab" * 100}))
        self.assertEqual((code, msg), ("UserLambdaValidationException", "PreAuthentication failed with error Blocked user."))
        # a failing PostAuthentication: no tokens
        self.assertEqual(self.error(lambda: self.login(cid, "nopost")),
                         ("UserLambdaValidationException", "PostAuthentication failed with error Not today."))
        # a wrong password is still the password's error (PreAuthentication ran first)
        self.assertEqual(self.error(lambda: self.login(cid, "alice", "Wrong1!pw")),
                         ("NotAuthorizedException", "Incorrect username or password."))
        # an unknown user: no PreAuthentication for a client that names unknown users (LEGACY); for
        # one with PreventUserExistenceErrors ENABLED it runs with userNotFound true (password and SRP)
        self.assertEqual(self.error(lambda: self.login(cid, "nobody"))[0], "UserNotFoundException")
        hide = self.idp.create_user_pool_client(
            UserPoolId=pid, ClientName="hide", PreventUserExistenceErrors="ENABLED",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"])["UserPoolClient"]["ClientId"]
        self.assertEqual(self.error(lambda: self.login(hide, "nobody", ClientMetadata={"k": "v"})),
                         ("NotAuthorizedException", "Incorrect username or password."))
        r = self.idp.initiate_auth(ClientId=hide, AuthFlow="USER_SRP_AUTH",
                                   AuthParameters={"USERNAME": "nobody2", "SRP_A": "ab" * 100})
        self.assertEqual(r["ChallengeName"], "PASSWORD_VERIFIER")
        evs = self.events("pre-auth", "PREAUTH ", lambda e: e["userName"] == "nobody2")
        by = {e["userName"]: e for e in evs}
        self.assertNotIn("nobody", [e["userName"] for e in evs if e["callerContext"]["clientId"] == cid])
        for name in ("nobody", "nobody2"):
            self.assertIs(by[name]["request"]["userNotFound"], True)
            self.assertEqual(by[name]["request"]["userAttributes"], {})
            self.assertEqual(by[name]["callerContext"]["clientId"], hide)
        self.assertEqual(by["nobody"]["request"]["validationData"], {"k": "v"})

    # ---- CustomMessage ----
    def developer_email(self):
        """EmailConfiguration sending through SES from the verified domain x.io (its addresses are
        verified recipients too, so SES's sandbox lets the messages through): a CustomMessage
        function may only write emailMessage / emailSubject for such a pool."""
        self.stratus.client("ses").verify_domain_identity(Domain="x.io")
        return {"EmailSendingAccount": "DEVELOPER", "From": "noreply@x.io",
                "SourceArn": "arn:aws:ses:us-east-1:000000000000:identity/x.io"}

    def test_custom_message_sources(self):
        pid, cid = self.pool({"CustomMessage": "custom-message"}, EmailConfiguration=self.developer_email())
        self.idp.sign_up(ClientId=cid, Username="sam", Password=PW,
                         UserAttributes=[{"Name": "email", "Value": "sam@x.io"}], ClientMetadata={"k": "v"})
        m = self.mail("sam@x.io")[-1]
        self.assertEqual(m["subject"], "Subject CustomMessage_SignUp")
        self.assertRegex(m["body"], r"^\[CustomMessage_SignUp\] code \d{6}$")
        self.idp.resend_confirmation_code(ClientId=cid, Username="sam")
        m = self.mail("sam@x.io")[-1]
        self.assertRegex(m["body"], r"^\[CustomMessage_ResendCode\] code \d{6}$")
        code = re.search(r"\d{6}", m["body"]).group(0)
        self.idp.confirm_sign_up(ClientId=cid, Username="sam", ConfirmationCode=code)
        self.idp.forgot_password(ClientId=cid, Username="sam")
        m = self.mail("sam@x.io")[-1]
        self.assertRegex(m["body"], r"^\[CustomMessage_ForgotPassword\] code \d{6}$")
        self.idp.confirm_forgot_password(ClientId=cid, Username="sam", Password="N3w!passw",
                                         ConfirmationCode=re.search(r"\d{6}", m["body"]).group(0))
        tok = self.login(cid, "sam", "N3w!passw")["AuthenticationResult"]["AccessToken"]
        self.idp.update_user_attributes(AccessToken=tok, UserAttributes=[{"Name": "email", "Value": "sam2@x.io"}])
        m = self.mail("sam2@x.io")[-1]
        self.assertRegex(m["body"], r"^\[CustomMessage_UpdateUserAttribute\] code \d{6}$")
        self.idp.get_user_attribute_verification_code(AccessToken=tok, AttributeName="email")
        m = self.mail("sam2@x.io")[-1]
        self.assertRegex(m["body"], r"^\[CustomMessage_VerifyUserAttribute\] code \d{6}$")
        self.idp.verify_user_attribute(AccessToken=tok, AttributeName="email",
                                       Code=re.search(r"\d{6}", m["body"]).group(0))
        # AdminCreateUser: {username} and {####} (the temporary password) replaced
        self.idp.admin_create_user(UserPoolId=pid, Username="ivy", DesiredDeliveryMediums=["EMAIL"],
                                   TemporaryPassword="Temp0rary!",
                                   UserAttributes=[{"Name": "email", "Value": "ivy@x.io"}])
        m = self.mail("ivy@x.io")[-1]
        self.assertEqual(m["body"], "Hello ivy, temp Temp0rary!")
        self.assertEqual(m["subject"], "Subject CustomMessage_AdminCreateUser")
        evs = self.events("custom-message", "CUSTOMMSG ", lambda e: e["triggerSource"] == "CustomMessage_AdminCreateUser")
        by = {e["triggerSource"]: e for e in evs}
        self.assertEqual(by["CustomMessage_SignUp"]["request"]["codeParameter"], "{####}")
        self.assertEqual(by["CustomMessage_SignUp"]["request"]["clientMetadata"], {"k": "v"})
        self.assertIsNone(by["CustomMessage_SignUp"]["request"]["usernameParameter"])
        self.assertEqual(by["CustomMessage_AdminCreateUser"]["request"]["usernameParameter"], "{username}")
        self.assertIsNone(by["CustomMessage_SignUp"]["response"]["emailMessage"])

    def test_custom_message_email_needs_developer_sending(self):
        template = {"EmailMessage": "Template code {####}", "EmailSubject": "Template subject",
                    "DefaultEmailOption": "CONFIRM_WITH_CODE"}
        pid, cid = self.pool({"CustomMessage": "custom-message"}, VerificationMessageTemplate=template)
        # Cognito's own email (COGNITO_DEFAULT): a function that writes emailMessage / emailSubject
        # is refused with a 400, and the operation fails: no user, no mail
        code, _ = self.error(lambda: self.idp.sign_up(
            ClientId=cid, Username="dev", Password=PW, UserAttributes=[{"Name": "email", "Value": "dev@x.io"}]))
        self.assertEqual(code, "InvalidLambdaResponseException")
        self.assertEqual(self.error(lambda: self.idp.admin_get_user(UserPoolId=pid, Username="dev"))[0],
                         "UserNotFoundException")
        self.assertEqual(self.mail("dev@x.io"), [])
        # a function that leaves the email members unset: the pool's template is sent
        self.idp.sign_up(ClientId=cid, Username="so", Password=PW,
                         UserAttributes=[{"Name": "email", "Value": "smsonly@x.io"}])
        self.assertRegex(self.mail("smsonly@x.io")[-1]["body"], r"^Template code \d{6}$")

    def test_custom_message_without_code_and_failing(self):
        pid, cid = self.pool({"CustomMessage": "custom-message"}, EmailConfiguration=self.developer_email(),
                             VerificationMessageTemplate={"EmailMessage": "Template code {####}",
                                                          "EmailSubject": "Template subject",
                                                          "DefaultEmailOption": "CONFIRM_WITH_CODE"})
        # a message without the code placeholder: the pool's template is sent
        self.idp.sign_up(ClientId=cid, Username="nc", Password=PW,
                         UserAttributes=[{"Name": "email", "Value": "nocode@x.io"}])
        m = self.mail("nocode@x.io")[-1]
        self.assertRegex(m["body"], r"^Template code \d{6}$")
        # a failing function: the operation fails with the function's message
        self.assertEqual(self.error(lambda: self.idp.sign_up(
            ClientId=cid, Username="bm", Password=PW, UserAttributes=[{"Name": "email", "Value": "boom@x.io"}])),
            ("UserLambdaValidationException", "CustomMessage failed with error Template missing."))
        self.assertEqual(self.error(lambda: self.idp.admin_get_user(UserPoolId=pid, Username="bm"))[0],
                         "UserNotFoundException")

    # ---- UserMigration ----
    def test_user_migration_at_sign_in(self):
        pid, cid = self.pool({"UserMigration": "migrate", "PreAuthentication": "pre-auth"})
        r = self.login(cid, "legacy", "Legacy!pw1")
        self.assertIn("AccessToken", r["AuthenticationResult"])
        u = self.idp.admin_get_user(UserPoolId=pid, Username="legacy")
        self.assertEqual(u["UserStatus"], "CONFIRMED")
        attrs = {a["Name"]: a["Value"] for a in u["UserAttributes"]}
        self.assertEqual((attrs["email"], attrs["email_verified"]), ("legacy@x.io", "true"))
        self.assertIn("sub", attrs)
        # the migrated password is the user's now (the trigger is not asked again)
        self.assertIn("AccessToken", self.login(cid, "legacy", "Legacy!pw1")["AuthenticationResult"])
        self.assertEqual(self.error(lambda: self.login(cid, "legacy", "Other!pw1"))[0], "NotAuthorizedException")
        # the function refusing the password, or not knowing the user
        self.assertEqual(self.error(lambda: self.login(cid, "legacy2", "x")),
                         ("UserNotFoundException", f"Exception migrating user in app client {cid}"))
        self.idp.admin_delete_user(UserPoolId=pid, Username="legacy")
        self.assertEqual(self.error(lambda: self.login(cid, "legacy", "Wrong!pw1")),
                         ("UserLambdaValidationException", "UserMigration failed with error Bad password."))
        # finalUserStatus RESET_REQUIRED: the client must reset the password
        self.assertEqual(self.error(lambda: self.login(cid, "resetme", "Whatever1!")),
                         ("PasswordResetRequiredException", "Password reset required for the user"))
        self.assertEqual(self.idp.admin_get_user(UserPoolId=pid, Username="resetme")["UserStatus"], "RESET_REQUIRED")

    def test_user_migration_in_forgot_password(self):
        pid, cid = self.pool({"UserMigration": "migrate"})
        r = self.idp.forgot_password(ClientId=cid, Username="forgetful")
        self.assertEqual(r["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL")
        self.assertEqual(self.idp.admin_get_user(UserPoolId=pid, Username="forgetful")["UserStatus"], "RESET_REQUIRED")
        code = re.search(r"\d{6}", self.mail("forgetful@x.io")[-1]["body"]).group(0)
        self.idp.confirm_forgot_password(ClientId=cid, Username="forgetful", ConfirmationCode=code, Password="Fresh!pw1")
        self.assertIn("AccessToken", self.login(cid, "forgetful", "Fresh!pw1")["AuthenticationResult"])
        self.assertEqual(self.error(lambda: self.idp.forgot_password(ClientId=cid, Username="nobody"))[0],
                         "UserNotFoundException")

    # ---- CUSTOM_AUTH ----
    def custom_pool(self, **kw):
        return self.pool({"DefineAuthChallenge": "define", "CreateAuthChallenge": "create",
                          "VerifyAuthChallengeResponse": "verify"}, **kw)

    def answer(self, cid, r, value, name="carl"):
        return self.idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="CUSTOM_CHALLENGE", Session=r["Session"],
                                                  ChallengeResponses={"USERNAME": name, "ANSWER": value})

    def test_custom_auth_loop(self):
        pid, cid = self.custom_pool()
        self.user(pid, "carl")
        r = self.idp.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "carl"})
        self.assertEqual(r["ChallengeName"], "CUSTOM_CHALLENGE")
        self.assertEqual(r["ChallengeParameters"], {"question": "What is 6 x 7?", "round": "1", "USERNAME": "carl"})
        r2 = self.answer(cid, r, "41")
        self.assertEqual(r2["ChallengeName"], "CUSTOM_CHALLENGE")
        self.assertEqual(r2["ChallengeParameters"]["round"], "2")
        # a session is used once
        self.assertEqual(self.error(lambda: self.answer(cid, r, "42")),
                         ("NotAuthorizedException", "Invalid session for the user, session is expired."))
        r3 = self.answer(cid, r2, "42")
        self.assertIn("IdToken", r3["AuthenticationResult"])
        self.assertIn("RefreshToken", r3["AuthenticationResult"])
        evs = self.events("define", "DEFINE ", lambda e: len(e["request"]["session"]) == 2)
        last = [e for e in evs if len(e["request"]["session"]) == 2 and e["userPoolId"] == pid][-1]
        self.assertEqual(last["triggerSource"], "DefineAuthChallenge_Authentication")
        self.assertEqual(last["request"]["session"], [
            {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False, "challengeMetadata": "QUESTION-1"},
            {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": "QUESTION-2"}])
        self.assertIs(last["request"]["userNotFound"], False)
        # three wrong answers: DefineAuthChallenge fails the authentication
        r = self.idp.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "carl"})
        r = self.answer(cid, r, "1")
        r = self.answer(cid, r, "2")
        self.assertEqual(self.error(lambda: self.answer(cid, r, "3")),
                         ("NotAuthorizedException", "Incorrect username or password."))
        # unknown users, missing triggers, disabled flows
        self.assertEqual(self.error(lambda: self.idp.initiate_auth(
            ClientId=cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "nobody"}))[0], "UserNotFoundException")
        plain_pid, plain_cid = self.pool({})
        self.assertEqual(self.error(lambda: self.idp.initiate_auth(
            ClientId=plain_cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "carl"})),
            ("InvalidParameterException", "Custom auth lambda trigger is not configured for the user pool."))
        no_custom = self.idp.create_user_pool_client(UserPoolId=pid, ClientName="n",
                                                     ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["UserPoolClient"]
        self.assertEqual(self.error(lambda: self.idp.initiate_auth(
            ClientId=no_custom["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "carl"}))[0],
            "InvalidParameterException")

    def test_custom_auth_with_srp(self):
        pid, cid = self.custom_pool()
        self.user(pid, "carl")
        a, A = srp_a()
        r = self.idp.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH",
                                   AuthParameters={"USERNAME": "carl", "CHALLENGE_NAME": "SRP_A",
                                                   "SRP_A": format(A, "x")})
        self.assertEqual(r["ChallengeName"], "PASSWORD_VERIFIER")
        self.assertIn("Session", r)
        r = self.idp.respond_to_auth_challenge(
            ClientId=cid, ChallengeName="PASSWORD_VERIFIER", Session=r["Session"],
            ChallengeResponses=password_verifier(pid, r["ChallengeParameters"], a, A, PW))
        self.assertEqual(r["ChallengeName"], "CUSTOM_CHALLENGE")
        r = self.answer(cid, r, "42")
        self.assertIn("AccessToken", r["AuthenticationResult"])
        evs = self.events("define", "DEFINE ", lambda e: e["userPoolId"] == pid and any(
            x["challengeName"] == "PASSWORD_VERIFIER" for x in e["request"]["session"]))
        sessions = [e["request"]["session"] for e in evs if e["userPoolId"] == pid]
        self.assertIn([{"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}], sessions)
        self.assertIn([{"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None},
                       {"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": None}],
                      sessions)

    @unittest.skipUnless(shutil.which("node") and os.path.isdir(os.path.join(APP, "node_modules",
                                                                              "amazon-cognito-identity-js")),
                         "node or tests/integration/cognito/node_modules missing (tools/deps.sh)")
    def test_custom_auth_with_amazon_cognito_identity_js(self):
        pid, cid = self.custom_pool()
        self.user(pid, "carl")

        def node(password, answer):
            cp = subprocess.run(["node", "custom.js", self.stratus.endpoint, pid, cid, "carl", password, answer],
                                cwd=APP, capture_output=True, text=True, timeout=60)
            self.assertTrue(cp.stdout.strip(), cp.stderr)
            return json.loads(cp.stdout.strip().splitlines()[-1])

        out = node(PW, "42")  # SRP_A, PASSWORD_VERIFIER, CUSTOM_CHALLENGE
        self.assertTrue(out["ok"], out)
        self.assertEqual(out["username"], "carl")
        self.assertEqual(out["challenges"][0]["question"], "What is 6 x 7?")
        out = node("", "42")  # CUSTOM_AUTH without a password
        self.assertTrue(out["ok"], out)
        out = node("", "7")
        self.assertEqual((out["code"], out["message"]), ("NotAuthorizedException", "Incorrect username or password."))
        self.assertEqual(len(out["challenges"]), 3)


if __name__ == "__main__":
    unittest.main()
