"""Refresh-token rotation (RefreshTokenRotation on the app client, GetTokensFromRefreshToken, the
token endpoint's refresh_token grant), EnableTokenRevocation and revoked tokens refused."""
import base64
import hashlib
import hmac
import json
import time
import unittest
import urllib.parse

from harness import Stratus
from test_cognito import PW, CognitoBase

SERVICE = "cognito-idp"  # CognitoBase.idp: the boto3 client these tests call


class RefreshRotation(CognitoBase):
    def sign_in(self, cid, user):
        return self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": user, "PASSWORD": PW})["AuthenticationResult"]

    def test_rotation_with_grace_period(self):
        pid = self.pool()
        c = self.client(pid, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 2})
        cid = c["ClientId"]
        self.assertEqual(self.idp.describe_user_pool_client(UserPoolId=pid, ClientId=cid)["UserPoolClient"]
                         ["RefreshTokenRotation"], {"Feature": "ENABLED", "RetryGracePeriodSeconds": 2})
        self.confirmed_user(pid, "rot")
        rt1 = self.sign_in(cid, "rot")["RefreshToken"]
        r = self.idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt1)["AuthenticationResult"]
        rt2 = r["RefreshToken"]
        self.assertNotEqual(rt1, rt2)
        self.assertEqual(self.idp.get_user(AccessToken=r["AccessToken"])["Username"], "rot")
        # REFRESH_TOKEN_AUTH cannot be used on a rotating client
        code, _ = self.err(lambda: self.idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
                                                          AuthParameters={"REFRESH_TOKEN": rt2}))
        self.assertEqual(code, "NotAuthorizedException")
        # within the grace period the old token still works (a client's retry)
        retry = self.idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt1)["AuthenticationResult"]
        self.assertIn("RefreshToken", retry)
        time.sleep(2.2)
        code, _ = self.err(lambda: self.idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt1))
        self.assertEqual(code, "RefreshTokenReuseException")
        rt3 = retry["RefreshToken"]
        r3 = self.idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt3)["AuthenticationResult"]
        self.assertIn("RefreshToken", r3)

    def test_rotation_without_grace_and_revocation(self):
        pid = self.pool()
        cid = self.client(pid, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0})["ClientId"]
        self.confirmed_user(pid, "zed")
        rt1 = self.sign_in(cid, "zed")["RefreshToken"]
        rt2 = self.idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt1)["AuthenticationResult"]["RefreshToken"]
        code, _ = self.err(lambda: self.idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt1))
        self.assertEqual(code, "RefreshTokenReuseException")
        # revoking the rotated token revokes the session
        self.idp.revoke_token(ClientId=cid, Token=rt2)
        code, msg = self.err(lambda: self.idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt2))
        self.assertEqual((code, msg), ("NotAuthorizedException", "Refresh Token has been revoked"))

    def test_without_rotation(self):
        pid = self.pool()
        c = self.client(pid, GenerateSecret=True)
        self.confirmed_user(pid, "amy")
        sh = base64.b64encode(hmac.new(c["ClientSecret"].encode(), ("amy" + c["ClientId"]).encode(),
                                       hashlib.sha256).digest()).decode()
        res = self.idp.initiate_auth(ClientId=c["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "amy", "PASSWORD": PW, "SECRET_HASH": sh})
        rt = res["AuthenticationResult"]["RefreshToken"]
        code, _ = self.err(lambda: self.idp.get_tokens_from_refresh_token(ClientId=c["ClientId"], RefreshToken=rt,
                                                                         ClientSecret="w" * 30))
        self.assertEqual(code, "NotAuthorizedException")
        r = self.idp.get_tokens_from_refresh_token(ClientId=c["ClientId"], RefreshToken=rt,
                                                   ClientSecret=c["ClientSecret"])["AuthenticationResult"]
        self.assertNotIn("RefreshToken", r)
        self.assertIn("IdToken", r)

    def test_token_revocation_disabled(self):
        pid = self.pool()
        cid = self.client(pid, EnableTokenRevocation=False)["ClientId"]
        self.confirmed_user(pid, "bob")
        res = self.sign_in(cid, "bob")
        code, _ = self.err(lambda: self.idp.revoke_token(ClientId=cid, Token=res["RefreshToken"]))
        self.assertEqual(code, "UnsupportedOperationException")
        # enabled (the default): the access token of the revoked session is refused by GetUser
        cid2 = self.client(pid)["ClientId"]
        res = self.sign_in(cid2, "bob")
        self.idp.revoke_token(ClientId=cid2, Token=res["RefreshToken"])
        code, msg = self.err(lambda: self.idp.get_user(AccessToken=res["AccessToken"]))
        self.assertEqual((code, msg), ("NotAuthorizedException", "Access Token has been revoked"))

    def test_token_endpoint_rotates(self):
        pid = self.pool()
        cid = self.client(pid, RefreshTokenRotation={"Feature": "ENABLED"})["ClientId"]
        self.confirmed_user(pid, "eve")
        rt1 = self.sign_in(cid, "eve")["RefreshToken"]
        body = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": cid, "refresh_token": rt1})
        st, _, out = self.stratus.http("POST", f"/{pid}/oauth2/token", body=body.encode(),
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(st, 200, out)
        t = json.loads(out)
        self.assertIn("refresh_token", t)
        st, _, out = self.stratus.http("POST", f"/{pid}/oauth2/token", body=body.encode(),
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((st, json.loads(out)), (400, {"error": "invalid_grant"}))


class RotationDurability(unittest.TestCase):
    def test_rotation_state_and_resource_servers_survive_kill9(self):
        with Stratus().start() as s:
            idp = s.client("cognito-idp")
            pid = idp.create_user_pool(PoolName="durable")["UserPool"]["Id"]
            idp.create_resource_server(UserPoolId=pid, Identifier="api", Name="api",
                                       Scopes=[{"ScopeName": "read", "ScopeDescription": "r"}])
            cid = idp.create_user_pool_client(
                UserPoolId=pid, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
                RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0})["UserPoolClient"]["ClientId"]
            idp.admin_create_user(UserPoolId=pid, Username="dur", MessageAction="SUPPRESS")
            idp.admin_set_user_password(UserPoolId=pid, Username="dur", Password=PW, Permanent=True)
            rt1 = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": "dur", "PASSWORD": PW})["AuthenticationResult"]["RefreshToken"]
            rt2 = idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt1)["AuthenticationResult"]["RefreshToken"]
            s.kill9()
            s.start()
            idp = s.client("cognito-idp")
            self.assertEqual(idp.describe_resource_server(UserPoolId=pid, Identifier="api")["ResourceServer"]["Name"],
                             "api")
            with self.assertRaises(idp.exceptions.RefreshTokenReuseException):
                idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt1)
            self.assertIn("RefreshToken", idp.get_tokens_from_refresh_token(ClientId=cid, RefreshToken=rt2)
                          ["AuthenticationResult"])


if __name__ == "__main__":
    unittest.main()
