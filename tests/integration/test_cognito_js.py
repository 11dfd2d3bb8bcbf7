"""Cognito through JavaScript clients: amazon-cognito-identity-js's CognitoUser.authenticateUser
(the SRP-6a client AWS's own libraries use: if it signs in, Stratus' SRP is right) and the AWS SDK
for JavaScript v3 (@aws-sdk/client-cognito-identity-provider), and identity pools through
@aws-sdk/client-cognito-identity and fromCognitoIdentityPool credentials (identity.js). npm packages pinned in
tests/integration/cognito/package-lock.json (tools/deps.sh installs them)."""
import json
import os
import re
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


    def test_identity_pool_credentials(self):
        if not os.path.isdir(os.path.join(APP, "node_modules", "@aws-sdk", "credential-providers")):
            self.skipTest("tests/integration/cognito/node_modules lacks @aws-sdk/credential-providers (tools/deps.sh)")
        idp = self.stratus.client("cognito-idp")
        idp.update_user_pool_client(UserPoolId=self.pool, ClientId=self.client,
                                    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
        token = idp.initiate_auth(ClientId=self.client, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "mia", "PASSWORD": "Passw0rd!"})["AuthenticationResult"]["IdToken"]
        provider = f"cognito-idp.us-east-1.amazonaws.com/{self.pool}"
        ci = self.stratus.client("cognito-identity")
        pid = ci.create_identity_pool(IdentityPoolName="js", AllowUnauthenticatedIdentities=False,
                                      CognitoIdentityProviders=[{"ProviderName": provider,
                                                                 "ClientId": self.client}])["IdentityPoolId"]
        ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": "arn:aws:iam::000000000000:role/hello"})
        cp = subprocess.run(["node", "identity.js", self.stratus.endpoint, pid, provider, token],
                            cwd=APP, capture_output=True, text=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
        out = json.loads(cp.stdout.strip().splitlines()[-1]) if cp.stdout.strip() else {"stderr": cp.stderr}
        self.assertNotIn("error", out, out)
        self.assertRegex(out["identityId"], r"^us-east-1:")
        self.assertTrue(out["expiration"])
        self.assertEqual(out["arn"], "arn:aws:sts::000000000000:assumed-role/hello/CognitoIdentityCredentials")
        self.assertEqual(out["providerIdentityId"], out["identityId"])
        self.assertEqual(out["badToken"], {"name": "NotAuthorizedException",
                                           "message": "Invalid login token. Couldn't verify signed token."})


@unittest.skipUnless(node_ready(), "node or tests/integration/cognito/node_modules missing (tools/deps.sh)")
class TestCognitoJsStrict(StratusTestCase):
    """The sign-up app through the AWS SDK for JavaScript v3 alone, Stratus in --auth strict:
    SignUp, ConfirmSignUp (the code from the mailbox), USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH, then
    GetId, GetOpenIdToken (+ STS AssumeRoleWithWebIdentity) and GetCredentialsForIdentity with the
    user pool's ID token; the credentials sign other JS v3 clients' calls (signup_app.js)."""
    stratus_args = ("--auth", "strict")

    def node(self, *args):
        cp = subprocess.run(["node", "signup_app.js", args[0], self.stratus.endpoint, *args[1:]],
                            cwd=APP, capture_output=True, text=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
        out = json.loads(cp.stdout.strip().splitlines()[-1]) if cp.stdout.strip() else {"stderr": cp.stderr}
        self.assertNotIn("error", out, out)
        return out

    def test_sign_up_app(self):
        idp = self.stratus.client("cognito-idp")
        pool = idp.create_user_pool(PoolName="signup", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
        client = idp.create_user_pool_client(
            UserPoolId=pool, ClientName="web",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        provider = f"cognito-idp.us-east-1.amazonaws.com/{pool}"
        ci = self.stratus.client("cognito-identity")
        pid = ci.create_identity_pool(IdentityPoolName="signup", AllowUnauthenticatedIdentities=False,
                                      AllowClassicFlow=True,
                                      CognitoIdentityProviders=[{"ProviderName": provider,
                                                                 "ClientId": client}])["IdentityPoolId"]
        ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": "arn:aws:iam::000000000000:role/signup"})

        up = self.node("signup", client, "zoe", "Passw0rd!", "zoe@x.io")
        self.assertFalse(up["confirmed"])
        self.assertEqual(up["delivery"], {"Destination": "z***@x***", "DeliveryMedium": "EMAIL",
                                          "AttributeName": "email"})
        self.assertEqual(up["again"], {"name": "UsernameExistsException", "message": "User already exists"})
        st, _, body = self.stratus.http("GET", "/_stratus/mailbox?recipient=zoe%40x.io")
        self.assertEqual(st, 200)
        code = re.search(r"\b(\d{6})\b", json.loads(body)["messages"][-1]["body"]).group(1)

        out = self.node("login", pool, client, "zoe", "Passw0rd!", code, pid)
        self.assertEqual(out["unconfirmed"], {"name": "UserNotConfirmedException", "message": "User is not confirmed."})
        self.assertEqual(out["wrongCode"]["name"], "CodeMismatchException")
        self.assertEqual(out["tokenType"], "Bearer")
        self.assertEqual(out["idClaims"]["cognito:username"], "zoe")
        self.assertEqual(out["idClaims"]["sub"], up["sub"])
        self.assertTrue(out["idClaims"]["email_verified"])
        self.assertFalse(out["refreshedHasRefreshToken"])  # no rotation: REFRESH_TOKEN_AUTH keeps the token
        self.assertEqual(out["refreshedSub"], up["sub"])
        self.assertEqual(out["wrongPassword"], {"name": "NotAuthorizedException",
                                                "message": "Incorrect username or password."})
        self.assertRegex(out["identityId"], r"^us-east-1:[0-9a-f-]{36}$")
        self.assertEqual(out["openIdIdentity"], out["identityId"])
        self.assertEqual((out["openIdClaims"]["aud"], out["openIdClaims"]["sub"]), (pid, out["identityId"]))
        self.assertIn("authenticated", out["openIdClaims"]["amr"])
        self.assertEqual(out["webIdentityArn"], "arn:aws:sts::000000000000:assumed-role/signup-basic/web")
        self.assertTrue(out["expiration"])
        self.assertEqual(out["callerArn"], "arn:aws:sts::000000000000:assumed-role/signup/CognitoIdentityCredentials")
        self.assertIn(pool, out["listed"])
        self.assertEqual(out["forged"]["name"], "InvalidSignatureException")
        self.assertEqual(out["withoutSessionToken"]["name"], "UnrecognizedClientException")


if __name__ == "__main__":
    unittest.main()
