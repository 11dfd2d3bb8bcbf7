"""Cognito Lambda triggers run with AWS's event shapes: PreSignUp (autoConfirmUser,
autoVerifyEmail, a failing function's UserLambdaValidationException, a slow one's 5 s x 3 attempts),
PostConfirmation, and
PreTokenGeneration V1_0 (ID token claims, group overrides) and V2_0 (access token claims and
scopes), in Python and Node functions."""
import base64
import json
import time

from harness import StratusTestCase
from lambda_util import create

PW = "Passw0rd!"

PRE_SIGN_UP = '''
def handler(event, context):
    print("EVENT " + __import__("json").dumps(event))
    if event["request"]["userAttributes"].get("email", "").endswith("@blocked.io"):
        raise Exception("Domain not allowed")
    if event["request"]["validationData"] and event["request"]["validationData"].get("auto") == "yes":
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event
'''

POST_CONFIRMATION = '''
exports.handler = async (event) => {
  const { SSMClient } = {};  // no SDK needed: the event is recorded in the logs
  console.log("POSTCONF " + JSON.stringify(event));
  return event;
};
'''

# A trigger calling back into Cognito (an operation that itself runs on Cognito's workers because
# the pool has triggers): answered at once, not after the trigger's wait times out.
CALLBACK = '''
import boto3
def handler(event, context):
    idp = boto3.client("cognito-idp", region_name=event["region"])
    idp.admin_set_user_password(UserPoolId=event["userPoolId"], Username=event["userName"],
                                Password="Callb4ck!pw", Permanent=True)
    return event
'''

PRE_TOKEN_V1 = '''
def handler(event, context):
    assert event["triggerSource"] in ("TokenGeneration_Authentication", "TokenGeneration_RefreshTokens"), event
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {"tenant": "acme", "sub": "not-allowed"},
        "claimsToSuppress": ["email"],
        "groupOverrideDetails": {"groupsToOverride": ["vip"]},
    }
    return event
'''

PRE_TOKEN_V2 = '''
def handler(event, context):
    assert event["version"] == "2", event
    assert event["request"]["scopes"] == ["aws.cognito.signin.user.admin"], event
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"plan": "gold"}},
        "accessTokenGeneration": {"claimsToAddOrOverride": {"plan": "gold"}, "scopesToAdd": ["orders/read"]},
    }
    return event
'''

# Sleeps as long as ValidationData's "sleep" says (Cognito waits 5 s per attempt, three attempts).
SLOW = '''
import time
def handler(event, context):
    print("SLOW attempt " + event["userName"])
    time.sleep(float(event["request"]["validationData"]["sleep"]))
    event["response"]["autoConfirmUser"] = True
    return event
'''


def claims(token):
    p = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


class TriggerBase(StratusTestCase):
    """Creates the functions of FUNCTIONS [(name, code, runtime)] once: self.arns[name]."""
    FUNCTIONS = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.idp = cls.stratus.client("cognito-idp")
        cls.lam = cls.stratus.client("lambda")
        cls.logs = cls.stratus.client("logs")
        cls.arns = {}
        for name, code, runtime in cls.FUNCTIONS:
            node = runtime.startswith("node")
            cls.arns[name] = create(cls.lam, name, {"index.js" if node else "app.py": code}, runtime=runtime,
                                    handler="index.handler" if node else "app.handler", Timeout=30)["FunctionArn"]


class TestCognitoTriggers(TriggerBase):
    FUNCTIONS = [("pre-sign-up", PRE_SIGN_UP, "python3.12"), ("post-confirmation", POST_CONFIRMATION, "nodejs20.x"),
                 ("pre-token-v1", PRE_TOKEN_V1, "python3.12"), ("callback", CALLBACK, "python3.12"),
                 ("pre-token-v2", PRE_TOKEN_V2, "python3.12"), ("slow", SLOW, "python3.12")]

    def pool(self, lambda_config):
        pid = self.idp.create_user_pool(PoolName="trig", AutoVerifiedAttributes=["email"],
                                        LambdaConfig=lambda_config)["UserPool"]["Id"]
        cid = self.idp.create_user_pool_client(
            UserPoolId=pid, ClientName="c",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        return pid, cid

    def log_text(self, fn, want):
        """The function's log text once it contains `want` (logs are appended after the invocation)."""
        deadline = time.time() + 15
        while True:
            text = self.read_logs(fn)
            if want in text or time.time() > deadline:
                return text
            time.sleep(0.2)

    def read_logs(self, fn):
        text = ""
        if not self.logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{fn}")["logGroups"]:
            return text
        for s in self.logs.describe_log_streams(logGroupName=f"/aws/lambda/{fn}")["logStreams"]:
            for e in self.logs.get_log_events(logGroupName=f"/aws/lambda/{fn}",
                                              logStreamName=s["logStreamName"])["events"]:
                text += e["message"].rstrip("\n") + "\n"
        return text

    def test_pre_sign_up_and_post_confirmation(self):
        pid, cid = self.pool({"PreSignUp": self.arns["pre-sign-up"], "PostConfirmation": self.arns["post-confirmation"]})
        r = self.idp.sign_up(ClientId=cid, Username="auto", Password=PW,
                             UserAttributes=[{"Name": "email", "Value": "auto@x.io"}],
                             ValidationData=[{"Name": "auto", "Value": "yes"}])
        self.assertTrue(r["UserConfirmed"])
        self.assertNotIn("CodeDeliveryDetails", r)
        u = self.idp.admin_get_user(UserPoolId=pid, Username="auto")
        self.assertEqual(u["UserStatus"], "CONFIRMED")
        self.assertIn({"Name": "email_verified", "Value": "true"}, u["UserAttributes"])
        # AWS ignores autoConfirmUser / autoVerifyEmail for AdminCreateUser
        self.idp.admin_create_user(UserPoolId=pid, Username="admin-made", MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "email", "Value": "admin-made@x.io"}],
                                   ValidationData=[{"Name": "auto", "Value": "yes"}])
        u = self.idp.admin_get_user(UserPoolId=pid, Username="admin-made")
        self.assertEqual(u["UserStatus"], "FORCE_CHANGE_PASSWORD")
        self.assertNotIn({"Name": "email_verified", "Value": "true"}, u["UserAttributes"])
        with self.assertRaises(self.idp.exceptions.UserLambdaValidationException) as e:
            self.idp.sign_up(ClientId=cid, Username="bad", Password=PW,
                             UserAttributes=[{"Name": "email", "Value": "bad@blocked.io"}])
        self.assertEqual(e.exception.response["Error"]["Message"], "PreSignUp failed with error Domain not allowed.")
        self.idp.sign_up(ClientId=cid, Username="manual", Password=PW,
                         UserAttributes=[{"Name": "email", "Value": "manual@x.io"}])
        self.idp.admin_confirm_sign_up(UserPoolId=pid, Username="manual")
        ev = json.loads(self.log_text("pre-sign-up", "EVENT ").split("EVENT ", 1)[1].split("\n")[0])
        self.assertEqual(ev["triggerSource"], "PreSignUp_SignUp")
        self.assertEqual(ev["userPoolId"], pid)
        self.assertEqual(ev["callerContext"]["clientId"], cid)
        self.assertEqual(ev["request"]["userAttributes"]["email"], "auto@x.io")
        text = self.log_text("post-confirmation", "POSTCONF ")
        ev = json.loads(text.split("POSTCONF ", 1)[1].split("\n")[0])
        self.assertEqual(ev["triggerSource"], "PostConfirmation_ConfirmSignUp")
        self.assertEqual(ev["userName"], "manual")
        self.assertEqual(ev["request"]["userAttributes"]["cognito:user_status"], "CONFIRMED")

    def test_trigger_timeout(self):
        """AWS waits 5 s for a trigger and tries three times; then UnexpectedLambdaException."""
        pid, cid = self.pool({"PreSignUp": self.arns["slow"]})

        def sign_up(name, sleep):
            return self.idp.sign_up(ClientId=cid, Username=name, Password=PW,
                                    UserAttributes=[{"Name": "email", "Value": f"{name}@x.io"}],
                                    ValidationData=[{"Name": "sleep", "Value": str(sleep)}])
        self.assertTrue(sign_up("quick", 3)["UserConfirmed"])  # 3 s is within the wait
        t = time.time()
        with self.assertRaises(self.idp.exceptions.UnexpectedLambdaException) as e:
            sign_up("sleepy", 7)
        elapsed = time.time() - t
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.")
        self.assertGreaterEqual(elapsed, 15)  # three attempts of 5 s
        self.assertLess(elapsed, 21)          # not one long wait for the 7 s function
        with self.assertRaises(self.idp.exceptions.UserNotFoundException):
            self.idp.admin_get_user(UserPoolId=pid, Username="sleepy")
        deadline = time.time() + 15
        while self.read_logs("slow").count("SLOW attempt sleepy") < 3 and time.time() < deadline:
            time.sleep(0.3)
        self.assertEqual(self.read_logs("slow").count("SLOW attempt sleepy"), 3)
        # a throttled function (no concurrency left): three attempts, then Lambda's error code
        self.lam.put_function_concurrency(FunctionName="slow", ReservedConcurrentExecutions=0)
        try:
            with self.assertRaises(self.idp.exceptions.UnexpectedLambdaException) as e:
                sign_up("throttled", 0)
            self.assertEqual(e.exception.response["Error"]["Message"],
                             "PreSignUp invocation failed due to error TooManyRequestsException.")
        finally:
            self.lam.delete_function_concurrency(FunctionName="slow")

    def test_trigger_calling_back_into_cognito(self):
        pid, cid = self.pool({"PostConfirmation": self.arns["callback"]})
        self.idp.sign_up(ClientId=cid, Username="cb", Password=PW,
                         UserAttributes=[{"Name": "email", "Value": "cb@x.io"}])
        t = time.time()
        self.idp.admin_confirm_sign_up(UserPoolId=pid, Username="cb")
        self.assertLess(time.time() - t, 20)
        # the password the trigger set is the one that signs in now
        r = self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "cb", "PASSWORD": "Callb4ck!pw"})
        self.assertIn("AccessToken", r["AuthenticationResult"])
        with self.assertRaises(self.idp.exceptions.NotAuthorizedException):
            self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "cb", "PASSWORD": PW})

    def sign_in(self, pid, cid):
        self.idp.admin_create_user(UserPoolId=pid, Username="tok", MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "email", "Value": "tok@x.io"}])
        self.idp.admin_set_user_password(UserPoolId=pid, Username="tok", Password=PW, Permanent=True)
        return self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": "tok", "PASSWORD": PW})["AuthenticationResult"]

    def test_pre_token_generation_v1(self):
        pid, cid = self.pool({"PreTokenGeneration": self.arns["pre-token-v1"]})
        res = self.sign_in(pid, cid)
        idc = claims(res["IdToken"])
        self.assertEqual(idc["tenant"], "acme")
        self.assertNotIn("email", idc)
        self.assertNotEqual(idc["sub"], "not-allowed")
        self.assertEqual(idc["cognito:groups"], ["vip"])
        res = self.idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
                                     AuthParameters={"REFRESH_TOKEN": res["RefreshToken"]})["AuthenticationResult"]
        self.assertEqual(claims(res["IdToken"])["tenant"], "acme")

    def test_pre_token_generation_v2(self):
        pid, cid = self.pool({"PreTokenGenerationConfig": {"LambdaVersion": "V2_0",
                                                           "LambdaArn": self.arns["pre-token-v2"]}})
        res = self.sign_in(pid, cid)
        self.assertEqual(claims(res["IdToken"])["plan"], "gold")
        ac = claims(res["AccessToken"])
        self.assertEqual(ac["plan"], "gold")
        self.assertEqual(ac["scope"], "aws.cognito.signin.user.admin orders/read")
        # the token still works for the user's own API
        self.assertEqual(self.idp.get_user(AccessToken=res["AccessToken"])["Username"], "tok")
