"""The user-management API reference application, end to end, deployed with
examples/user-management-api/deploy.sh exactly as on AWS (plus an endpoint URL):

  sign-up -> verification code by email (the Stratus mailbox) -> confirm -> PostConfirmation
  trigger -> SNS -> operator email;  login -> ID token -> REST API (Cognito authorizer) -> Lambda
  -> DynamoDB

Profiles are created, read, updated and listed through the API with real tokens; requests
without a valid token are refused by API Gateway; a restart halfway loses nothing; deploying
again changes nothing; the teardown leaves nothing behind."""
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Stratus  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "user-management-api")
OPERATOR = "ops@example.com"


def wait_for(predicate, timeout=30.0, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class UserManagementApi(unittest.TestCase):
    def setUp(self):
        self.stratus = Stratus().start()
        self.addCleanup(self.stratus.cleanup)
        self.outputs = self.deploy()

    def run_script(self, name, timeout=300):
        env = dict(os.environ, STRATUS_ENDPOINT=self.stratus.endpoint, OPERATOR_EMAIL=OPERATOR)
        cp = subprocess.run(["bash", os.path.join(EXAMPLE, name)], capture_output=True, text=True, env=env,
                            timeout=timeout)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        return cp.stdout

    def deploy(self):
        out = self.run_script("deploy.sh")
        found = dict(re.findall(r"^(user pool|app client|invoke URL): (\S+)$", out, re.M))
        self.assertEqual(len(found), 3, out)
        return found

    def mailbox(self, recipient):
        with urllib.request.urlopen(f"{self.stratus.endpoint}/_stratus/mailbox?recipient={recipient}", timeout=5) as r:
            return json.loads(r.read())["messages"]

    def call(self, method, path="", body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = token
        req = urllib.request.Request(self.outputs["invoke URL"] + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def sign_up(self, username, email, password="Passw0rd!x"):
        """What the web client does: SignUp, the code from the email, ConfirmSignUp, then login."""
        idp = self.stratus.client("cognito-idp")
        client_id = self.outputs["app client"]
        idp.sign_up(ClientId=client_id, Username=username, Password=password,
                    UserAttributes=[{"Name": "email", "Value": email}])
        mail = wait_for(lambda: self.mailbox(email))
        self.assertTrue(mail, "no verification email")
        code = re.search(r"\b(\d{6})\b", mail[-1]["body"]).group(1)
        idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
        auth = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": username, "PASSWORD": password})
        return auth["AuthenticationResult"]["IdToken"]

    def signup_notices(self):
        return [m for m in self.mailbox(OPERATOR) if m.get("subject", "").startswith("New user ")]

    def test_profiles_through_the_authorizer_across_a_restart(self):
        ada = self.sign_up("ada", "ada@example.com")
        grace = self.sign_up("grace", "grace@example.com")
        # The PostConfirmation trigger told the operators, once per user.
        self.assertTrue(wait_for(lambda: len(self.signup_notices()) == 2), self.signup_notices())
        notice = json.loads(self.signup_notices()[0]["body"].split("\n--\n")[0].strip())
        self.assertEqual((notice["username"], notice["email"]), ("ada", "ada@example.com"))

        # API Gateway refuses requests without a valid ID token of the pool.
        self.assertEqual(self.call("GET"), (401, {"message": "Unauthorized"}))
        self.assertEqual(self.call("GET", token="not-a-jwt")[0], 401)

        status, mine = self.call("POST", body={"displayName": "Ada L.", "bio": "engines"}, token=ada)
        self.assertEqual(status, 201, mine)
        self.assertEqual((mine["username"], mine["email"], mine["displayName"]), ("ada", "ada@example.com", "Ada L."))
        self.assertEqual(self.call("POST", body={}, token=ada)[0], 409)
        self.assertEqual(self.call("POST", body={"displayName": "Grace H."}, token=grace)[0], 201)
        self.assertEqual(self.call("POST", body={"role": "admin"}, token=grace)[0], 400)

        status, got = self.call("GET", "/" + mine["userId"], token=grace)
        self.assertEqual((status, got["bio"]), (200, "engines"))
        self.assertEqual(self.call("PUT", "/" + mine["userId"], body={"bio": "nope"}, token=grace)[0], 403)
        status, updated = self.call("PUT", "/" + mine["userId"], body={"bio": "analytical engines"}, token=ada)
        self.assertEqual((status, updated["bio"]), (200, "analytical engines"))
        self.assertEqual(self.call("GET", "/no-such-user", token=ada)[0], 404)

        # Restart halfway: profiles and users survive, tokens issued before still work.
        self.assertEqual(self.stratus.stop(), 0)
        self.stratus.start()
        status, page = self.call("GET", "?limit=1", token=ada)
        self.assertEqual((status, len(page["users"])), (200, 1))
        status, rest = self.call("GET", "?limit=10&next=" + page["next"], token=ada)
        names = sorted(u["displayName"] for u in page["users"] + rest["users"])
        self.assertEqual(names, ["Ada L.", "Grace H."])
        self.assertEqual(self.call("GET", "/" + mine["userId"], token=ada)[1]["bio"], "analytical engines")
        linus = self.sign_up("linus", "linus@example.com")
        self.assertEqual(self.call("POST", body={"displayName": "Linus"}, token=linus)[0], 201)
        self.assertTrue(wait_for(lambda: len(self.signup_notices()) == 3), self.signup_notices())

        # Deploying again changes nothing that exists; tearing down removes everything.
        again = self.deploy()
        self.assertEqual(again, self.outputs)
        self.assertEqual(self.call("GET", "/" + mine["userId"], token=ada)[0], 200)
        self.run_script("teardown.sh", timeout=120)
        self.assertEqual(self.stratus.client("dynamodb").list_tables()["TableNames"], [])
        self.assertEqual(self.stratus.client("lambda").list_functions()["Functions"], [])
        self.assertEqual(self.stratus.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"], [])
        self.assertEqual(self.stratus.client("apigateway").get_rest_apis()["items"], [])
        self.assertEqual(self.stratus.client("sns").list_topics()["Topics"], [])
        iam = self.stratus.client("iam")
        self.assertEqual(iam.list_roles()["Roles"], [])
        self.assertEqual(iam.list_policies(Scope="Local")["Policies"], [])


if __name__ == "__main__":
    unittest.main()
