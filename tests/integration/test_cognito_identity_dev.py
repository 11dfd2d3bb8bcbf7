"""Identity pools: developer-authenticated identities (GetOpenIdTokenForDeveloperIdentity, the
enhanced flow with its token, LookupDeveloperIdentity, MergeDeveloperIdentities,
UnlinkDeveloperIdentity), UnlinkIdentity and the principal tag attribute maps."""
import unittest

from harness import Stratus
from test_cognito import jwt
from test_cognito_identity import AUTH_ROLE, UNAUTH_ROLE, IdentityPoolsBase, claims

DEV = "login.shop.app"


class DeveloperIdentities(IdentityPoolsBase):
    def new_pool(self, **kw):
        p = self.ci.create_identity_pool(
            IdentityPoolName="dev pool", AllowUnauthenticatedIdentities=False, DeveloperProviderName=DEV,
            CognitoIdentityProviders=[{"ProviderName": self.provider, "ClientId": self.cid,
                                       "ServerSideTokenCheck": False}], **kw)
        self.ci.set_identity_pool_roles(IdentityPoolId=p["IdentityPoolId"],
                                        Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE})
        return p["IdentityPoolId"]

    def code(self, fn):
        try:
            fn()
        except self.ci.exceptions.ClientError as e:
            return e.response["Error"]["Code"]
        self.fail("no error")

    def test_developer_flow(self):
        ip = self.new_pool()
        r = self.ci.get_open_id_token_for_developer_identity(IdentityPoolId=ip, Logins={DEV: "user-1"},
                                                             TokenDuration=120)
        iid = r["IdentityId"]
        c = claims(r["Token"])
        self.assertEqual((c["sub"], c["aud"], c["iss"]), (iid, ip, "https://cognito-identity.amazonaws.com"))
        self.assertEqual(c["exp"] - c["iat"], 120)
        self.assertIn("authenticated", c["amr"])
        self.assertIn(DEV, c["amr"])
        # the same developer user: the same identity
        again = self.ci.get_open_id_token_for_developer_identity(IdentityPoolId=ip, Logins={DEV: "user-1"})
        self.assertEqual(again["IdentityId"], iid)
        # the enhanced flow with the token
        creds = self.anon().get_credentials_for_identity(
            IdentityId=iid, Logins={"cognito-identity.amazonaws.com": r["Token"]})
        self.assertEqual(creds["IdentityId"], iid)
        self.assertTrue(creds["Credentials"]["AccessKeyId"])
        # another identity's token is refused
        other = self.ci.get_open_id_token_for_developer_identity(IdentityPoolId=ip, Logins={DEV: "user-2"})
        self.assertEqual(self.code(lambda: self.anon().get_credentials_for_identity(
            IdentityId=iid, Logins={"cognito-identity.amazonaws.com": other["Token"]})), "NotAuthorizedException")
        self.assertEqual(self.code(lambda: self.anon().get_credentials_for_identity(
            IdentityId=iid, Logins={"cognito-identity.amazonaws.com": r["Token"][:-4] + "AAAA"})),
            "NotAuthorizedException")
        # lookups
        lk = self.ci.lookup_developer_identity(IdentityPoolId=ip, DeveloperUserIdentifier="user-1")
        self.assertEqual((lk["IdentityId"], lk["DeveloperUserIdentifierList"]), (iid, ["user-1"]))
        lk = self.ci.lookup_developer_identity(IdentityPoolId=ip, IdentityId=iid, MaxResults=10)
        self.assertEqual(lk["DeveloperUserIdentifierList"], ["user-1"])
        self.assertEqual(self.code(lambda: self.ci.lookup_developer_identity(
            IdentityPoolId=ip, DeveloperUserIdentifier="nobody")), "ResourceNotFoundException")
        self.assertEqual(self.ci.describe_identity(IdentityId=iid)["Logins"], [DEV])
        # merge user-2 into user-1's identity
        m = self.ci.merge_developer_identities(IdentityPoolId=ip, DeveloperProviderName=DEV,
                                               SourceUserIdentifier="user-2", DestinationUserIdentifier="user-1")
        self.assertEqual(m["IdentityId"], iid)
        lk = self.ci.lookup_developer_identity(IdentityPoolId=ip, IdentityId=iid)
        self.assertEqual(sorted(lk["DeveloperUserIdentifierList"]), ["user-1", "user-2"])
        self.assertEqual(self.code(lambda: self.ci.describe_identity(IdentityId=other["IdentityId"])),
                         "ResourceNotFoundException")
        self.assertEqual(self.code(lambda: self.ci.merge_developer_identities(
            IdentityPoolId=ip, DeveloperProviderName="other.provider", SourceUserIdentifier="user-2",
            DestinationUserIdentifier="user-1")), "InvalidParameterException")
        # unlink user-2
        self.ci.unlink_developer_identity(IdentityPoolId=ip, IdentityId=iid, DeveloperProviderName=DEV,
                                          DeveloperUserIdentifier="user-2")
        self.assertEqual(self.ci.lookup_developer_identity(IdentityPoolId=ip, IdentityId=iid)
                         ["DeveloperUserIdentifierList"], ["user-1"])
        self.assertEqual(self.code(lambda: self.ci.unlink_developer_identity(
            IdentityPoolId=ip, IdentityId=iid, DeveloperProviderName=DEV, DeveloperUserIdentifier="user-2")),
            "ResourceNotFoundException")
        # a pool without a developer provider
        plain = self.ci.create_identity_pool(IdentityPoolName="plain", AllowUnauthenticatedIdentities=True)
        self.assertEqual(self.code(lambda: self.ci.get_open_id_token_for_developer_identity(
            IdentityPoolId=plain["IdentityPoolId"], Logins={DEV: "u"})), "InvalidParameterException")

    def test_developer_and_user_pool_logins(self):
        ip = self.new_pool()
        r = self.ci.get_open_id_token_for_developer_identity(
            IdentityPoolId=ip, Logins={DEV: "dual", self.provider: self.tokens["IdToken"]})
        d = self.ci.describe_identity(IdentityId=r["IdentityId"])
        self.assertEqual(sorted(d["Logins"]), sorted([DEV, self.provider]))
        # UnlinkIdentity removes the user pool login (proven by the user pool token)
        self.anon().unlink_identity(IdentityId=r["IdentityId"], Logins={self.provider: self.tokens["IdToken"]},
                                    LoginsToRemove=[self.provider])
        self.assertEqual(self.ci.describe_identity(IdentityId=r["IdentityId"])["Logins"], [DEV])
        # the login is free again: GetId makes a new identity for it
        new = self.anon().get_id(IdentityPoolId=ip, Logins={self.provider: self.tokens["IdToken"]})
        self.assertNotEqual(new["IdentityId"], r["IdentityId"])

    @unittest.skipUnless(jwt, "python3-jwt is not installed")
    def test_open_id_token_jwks(self):
        ip = self.new_pool()
        token = self.ci.get_open_id_token_for_developer_identity(IdentityPoolId=ip, Logins={DEV: "k"})["Token"]
        client = jwt.PyJWKClient(self.stratus.endpoint + "/.well-known/jwks_uri")
        key = client.get_signing_key_from_jwt(token)
        c = jwt.decode(token, key.key, algorithms=["RS256"], audience=ip,
                       issuer="https://cognito-identity.amazonaws.com")
        self.assertEqual(c["aud"], ip)

    def test_basic_flow_needs_allow_classic_flow(self):
        ip = self.new_pool()
        r = self.ci.get_open_id_token_for_developer_identity(IdentityPoolId=ip, Logins={DEV: "classic"})
        try:
            self.anon().get_open_id_token(IdentityId=r["IdentityId"],
                                          Logins={"cognito-identity.amazonaws.com": r["Token"]})
            self.fail("no error")
        except self.ci.exceptions.InvalidParameterException as e:
            self.assertEqual(e.response["Error"]["Message"],
                             "Basic (classic) flow is not enabled, please use enhanced flow.")
        self.ci.update_identity_pool(IdentityPoolId=ip, IdentityPoolName="dev pool", DeveloperProviderName=DEV,
                                     AllowUnauthenticatedIdentities=False, AllowClassicFlow=True)
        out = self.anon().get_open_id_token(IdentityId=r["IdentityId"],
                                            Logins={"cognito-identity.amazonaws.com": r["Token"]})
        self.assertEqual(claims(out["Token"])["sub"], r["IdentityId"])

    def test_principal_tags(self):
        ip = self.new_pool()
        got = self.ci.get_principal_tag_attribute_map(IdentityPoolId=ip, IdentityProviderName=self.provider)
        self.assertEqual((got["UseDefaults"], got.get("PrincipalTags")), (False, None))
        s = self.ci.set_principal_tag_attribute_map(IdentityPoolId=ip, IdentityProviderName=self.provider,
                                                    PrincipalTags={"dept": "custom:dept"})
        self.assertEqual(s["PrincipalTags"], {"dept": "custom:dept"})
        got = self.ci.get_principal_tag_attribute_map(IdentityPoolId=ip, IdentityProviderName=self.provider)
        self.assertEqual((got["UseDefaults"], got["PrincipalTags"], got["IdentityPoolId"]),
                         (False, {"dept": "custom:dept"}, ip))
        s = self.ci.set_principal_tag_attribute_map(IdentityPoolId=ip, IdentityProviderName=self.provider,
                                                    UseDefaults=True)
        self.assertEqual(s["PrincipalTags"], {"username": "sub", "client": "aud"})


class DeveloperDurability(unittest.TestCase):
    def test_developer_identities_survive_kill9(self):
        with Stratus().start() as s:
            ci = s.client("cognito-identity")
            ip = ci.create_identity_pool(IdentityPoolName="durable", AllowUnauthenticatedIdentities=False,
                                         DeveloperProviderName=DEV)["IdentityPoolId"]
            iid = ci.get_open_id_token_for_developer_identity(IdentityPoolId=ip, Logins={DEV: "d1"})["IdentityId"]
            ci.set_principal_tag_attribute_map(IdentityPoolId=ip, IdentityProviderName=DEV, PrincipalTags={"a": "b"})
            s.kill9()
            s.start()
            ci = s.client("cognito-identity")
            self.assertEqual(ci.lookup_developer_identity(IdentityPoolId=ip, DeveloperUserIdentifier="d1")
                             ["IdentityId"], iid)
            self.assertEqual(ci.get_principal_tag_attribute_map(IdentityPoolId=ip, IdentityProviderName=DEV)
                             ["PrincipalTags"], {"a": "b"})


if __name__ == "__main__":
    unittest.main()
