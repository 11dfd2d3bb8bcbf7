"""Cognito through JavaScript clients: amazon-cognito-identity-js's CognitoUser.authenticateUser
(the SRP-6a client AWS's own libraries use: if it signs in, Stratus' SRP is right) and the AWS SDK
for JavaScript v3 (@aws-sdk/client-cognito-identity-provider). npm packages pinned in
tests/integration/cognito/package-lock.json (tools/deps.sh installs them)."""
import json
import os
import shutil
import subprocess
import unittest

from harness import StratusTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(HERE, "cognito")


def node_ready():
    return shutil.which("node") and os.path.isdir(os.path.join(APP, "node_modules", "amazon-cognito-identity-js"))


@unittest.skipUnless(node_ready(), "node or tests/integration/cognito/node_modules missing (tools/deps.sh)")
class TestCognitoJs(StratusTestCase):
    def run_node(self, pool, client, username, password):
        cp = subprocess.run(["node", "signin.js", self.stratus.endpoint, pool, client, username, password],
                            cwd=APP, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
        self.assertTrue(cp.stdout.strip(), cp.stderr)
        return json.loads(cp.stdout.strip().splitlines()[-1])

    def setUp(self):
        idp = self.stratus.client("cognito-idp")
        self.pool = idp.create_user_pool(PoolName="js")["UserPool"]["Id"]
        self.client = idp.create_user_pool_client(UserPoolId=self.pool, ClientName="web")["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=self.pool, Username="mia", MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "mia@x.io"}])
        idp.admin_set_user_password(UserPoolId=self.pool, Username="mia", Password="Passw0rd!", Permanent=True)

    def test_authenticate_user_srp(self):
        for _ in range(3):  # fresh random a and b each time (padding edge cases differ per run)
            out = self.run_node(self.pool, self.client, "mia", "Passw0rd!")
            self.assertEqual(out["srp"], "ok", out)
            self.assertEqual(out["getUser"], "mia")
            self.assertEqual(out["idPayload"]["cognito:username"], "mia")
            self.assertEqual(out["idPayload"]["email"], "mia@x.io")
            self.assertTrue(out["refreshed"])

    def test_wrong_password(self):
        out = self.run_node(self.pool, self.client, "mia", "Wrong1!xx")
        self.assertEqual(out["srp"]["code"], "NotAuthorizedException")
        self.assertEqual(out["srp"]["message"], "Incorrect username or password.")


if __name__ == "__main__":
    unittest.main()
