"""Cognito identity pools (cognito-identity) through boto3: pools and roles, unauthenticated and
user-pool-authenticated identities, the enhanced flow (GetCredentialsForIdentity) and the basic
flow (GetOpenIdToken + STS AssumeRoleWithWebIdentity), role mappings (Token, Rules), credentials
that sign requests under --auth=strict as the assumed role, AWS's errors, and durability after
kill -9."""
import base64
import json
import unittest

from botocore import UNSIGNED

from harness import Stratus, StratusTestCase

PW = "Passw0rd!"
AUTH_ROLE = "arn:aws:iam::000000000000:role/cognito-auth"
UNAUTH_ROLE = "arn:aws:iam::000000000000:role/cognito-unauth"
ADMIN_ROLE = "arn:aws:iam::000000000000:role/cognito-admins"
RULE_ROLE = "arn:aws:iam::000000000000:role/cognito-rule"


def claims(token):
    p = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


def setup_user_pool(idp, username="ann", groups=()):
    pid = idp.create_user_pool(PoolName="people")["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="app",
                                      ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                         "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pid, Username=username, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": f"{username}@x.io"}])
    idp.admin_set_user_password(UserPoolId=pid, Username=username, Password=PW, Permanent=True)
    for name, role, prec in groups:
        idp.create_group(UserPoolId=pid, GroupName=name, RoleArn=role, Precedence=prec)
        idp.admin_add_user_to_group(UserPoolId=pid, Username=username, GroupName=name)
    tokens = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": username, "PASSWORD": PW})["AuthenticationResult"]
    return pid, cid, tokens


class IdentityPoolsBase(StratusTestCase):
    """A user pool with a signed-in user (its tokens) and clients of both services, --auth strict."""
    stratus_args = ("--auth", "strict")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ci = cls.stratus.client("cognito-identity")
        cls.idp = cls.stratus.client("cognito-idp")
        cls.pid, cls.cid, cls.tokens = setup_user_pool(cls.idp, groups=[("admins", ADMIN_ROLE, 1)])
        cls.provider = f"cognito-idp.us-east-1.amazonaws.com/{cls.pid}"

    def anon(self):
        """A client that signs nothing: GetId / GetCredentialsForIdentity are public."""
        return self.stratus.client("cognito-identity", signature_version=UNSIGNED)


class IdentityPools(IdentityPoolsBase):

    def new_pool(self, unauth=True, **kw):
        p = self.ci.create_identity_pool(
            IdentityPoolName="app pool", AllowUnauthenticatedIdentities=unauth,
            CognitoIdentityProviders=[{"ProviderName": self.provider, "ClientId": self.cid,
                                       "ServerSideTokenCheck": False}], **kw)
        self.addCleanup(lambda: self.ci.delete_identity_pool(IdentityPoolId=p["IdentityPoolId"]))
        self.ci.set_identity_pool_roles(IdentityPoolId=p["IdentityPoolId"],
                                        Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE})
        return p["IdentityPoolId"]

    def error(self, cm):
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def test_pool_crud_and_roles(self):
        p = self.ci.create_identity_pool(IdentityPoolName="crud", AllowUnauthenticatedIdentities=False,
                                         IdentityPoolTags={"team": "a"})
        pid = p["IdentityPoolId"]
        self.assertRegex(pid, r"^us-east-1:[0-9a-f-]{36}$")
        d = self.ci.describe_identity_pool(IdentityPoolId=pid)
        self.assertEqual(d["IdentityPoolName"], "crud")
        self.assertFalse(d["AllowUnauthenticatedIdentities"])
        self.assertEqual(d["IdentityPoolTags"], {"team": "a"})
        self.ci.update_identity_pool(IdentityPoolId=pid, IdentityPoolName="crud2", AllowUnauthenticatedIdentities=True)
        self.assertTrue(self.ci.describe_identity_pool(IdentityPoolId=pid)["AllowUnauthenticatedIdentities"])
        names = [x["IdentityPoolName"] for x in self.ci.list_identity_pools(MaxResults=60)["IdentityPools"]]
        self.assertIn("crud2", names)
        self.ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": AUTH_ROLE})
        r = self.ci.get_identity_pool_roles(IdentityPoolId=pid)
        self.assertEqual(r["Roles"], {"authenticated": AUTH_ROLE})
        arn = f"arn:aws:cognito-identity:us-east-1:000000000000:identitypool/{pid}"
        self.ci.tag_resource(ResourceArn=arn, Tags={"env": "dev"})
        self.assertEqual(self.ci.list_tags_for_resource(ResourceArn=arn)["Tags"], {"team": "a", "env": "dev"})
        self.ci.untag_resource(ResourceArn=arn, TagKeys=["team"])
        self.assertEqual(self.ci.list_tags_for_resource(ResourceArn=arn)["Tags"], {"env": "dev"})
        self.ci.delete_identity_pool(IdentityPoolId=pid)
        with self.assertRaises(self.ci.exceptions.ResourceNotFoundException) as cm:
            self.ci.describe_identity_pool(IdentityPoolId=pid)
        self.assertEqual(self.error(cm)[1], f"IdentityPool '{pid}' not found.")

    def test_unauthenticated_enhanced_flow(self):
        pid = self.new_pool()
        anon = self.anon()
        iid = anon.get_id(IdentityPoolId=pid)["IdentityId"]
        self.assertRegex(iid, r"^us-east-1:[0-9a-f-]{36}$")
        self.assertNotEqual(anon.get_id(IdentityPoolId=pid)["IdentityId"], iid)  # a new identity each time
        r = anon.get_credentials_for_identity(IdentityId=iid)
        self.assertEqual(r["IdentityId"], iid)
        c = r["Credentials"]
        self.assertTrue(c["AccessKeyId"].startswith("ASIA"))
        sts = self.stratus.client("sts", key=c["AccessKeyId"], secret=c["SecretKey"], token=c["SessionToken"])
        self.assertEqual(sts.get_caller_identity()["Arn"],
                         "arn:aws:sts::000000000000:assumed-role/cognito-unauth/CognitoIdentityCredentials")

    def test_unauthenticated_refused_when_not_allowed(self):
        pid = self.new_pool(unauth=False)
        with self.assertRaises(self.ci.exceptions.NotAuthorizedException) as cm:
            self.anon().get_id(IdentityPoolId=pid)
        self.assertEqual(self.error(cm)[1], "Unauthenticated access is not supported for this identity pool.")

    def test_authenticated_enhanced_flow(self):
        pid = self.new_pool()
        anon = self.anon()
        logins = {self.provider: self.tokens["IdToken"]}
        iid = anon.get_id(IdentityPoolId=pid, Logins=logins)["IdentityId"]
        self.assertEqual(anon.get_id(IdentityPoolId=pid, Logins=logins)["IdentityId"], iid)  # same user, same id
        with self.assertRaises(self.ci.exceptions.NotAuthorizedException) as cm:
            anon.get_credentials_for_identity(IdentityId=iid)
        self.assertEqual(self.error(cm)[1],
                         "Logins don't match. Please include at least one valid login for this identity or identity pool.")
        c = anon.get_credentials_for_identity(IdentityId=iid, Logins=logins)["Credentials"]
        sts = self.stratus.client("sts", key=c["AccessKeyId"], secret=c["SecretKey"], token=c["SessionToken"])
        self.assertEqual(sts.get_caller_identity()["Arn"],
                         "arn:aws:sts::000000000000:assumed-role/cognito-auth/CognitoIdentityCredentials")
        d = self.ci.describe_identity(IdentityId=iid)
        self.assertEqual(d["Logins"], [self.provider])
        listed = self.ci.list_identities(IdentityPoolId=pid, MaxResults=10)
        self.assertEqual([i["IdentityId"] for i in listed["Identities"]], [iid])

    def test_invalid_logins(self):
        pid = self.new_pool()
        anon = self.anon()
        h, p, s = self.tokens["IdToken"].split(".")
        forged = claims(self.tokens["IdToken"])
        forged["sub"] = "someone-else"
        bad = h + "." + base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode() + "." + s
        with self.assertRaises(self.ci.exceptions.NotAuthorizedException) as cm:
            anon.get_id(IdentityPoolId=pid, Logins={self.provider: bad})
        self.assertEqual(self.error(cm)[1], "Invalid login token. Couldn't verify signed token.")
        with self.assertRaises(self.ci.exceptions.NotAuthorizedException) as cm:
            anon.get_id(IdentityPoolId=pid, Logins={self.provider: self.tokens["AccessToken"]})
        with self.assertRaises(self.ci.exceptions.NotAuthorizedException) as cm:
            anon.get_id(IdentityPoolId=pid, Logins={"cognito-idp.us-east-1.amazonaws.com/us-east-1_nope": bad})
        self.assertEqual(self.error(cm)[1], "Token is not from a supported provider of this identity pool.")
        with self.assertRaises(self.ci.exceptions.ResourceNotFoundException):
            anon.get_id(IdentityPoolId="us-east-1:00000000-0000-0000-0000-000000000000")
        with self.assertRaises(self.ci.exceptions.ResourceNotFoundException) as cm:
            anon.get_credentials_for_identity(IdentityId="us-east-1:00000000-0000-0000-0000-000000000000")
        self.assertEqual(self.error(cm)[1], "Identity 'us-east-1:00000000-0000-0000-0000-000000000000' not found.")

    def test_no_role_is_invalid_configuration(self):
        p = self.ci.create_identity_pool(IdentityPoolName="noroles", AllowUnauthenticatedIdentities=True)
        self.addCleanup(lambda: self.ci.delete_identity_pool(IdentityPoolId=p["IdentityPoolId"]))
        iid = self.anon().get_id(IdentityPoolId=p["IdentityPoolId"])["IdentityId"]
        with self.assertRaises(self.ci.exceptions.InvalidIdentityPoolConfigurationException) as cm:
            self.anon().get_credentials_for_identity(IdentityId=iid)
        self.assertEqual(self.error(cm)[1], "Invalid identity pool configuration. Check assigned IAM roles for this pool.")

    def role_of(self, pid, **kw):
        anon = self.anon()
        logins = {self.provider: self.tokens["IdToken"]}
        iid = anon.get_id(IdentityPoolId=pid, Logins=logins)["IdentityId"]
        c = anon.get_credentials_for_identity(IdentityId=iid, Logins=logins, **kw)["Credentials"]
        sts = self.stratus.client("sts", key=c["AccessKeyId"], secret=c["SecretKey"], token=c["SessionToken"])
        return sts.get_caller_identity()["Arn"].split("/")[1]

    def test_token_role_mapping(self):
        pid = self.new_pool()
        self.ci.set_identity_pool_roles(
            IdentityPoolId=pid, Roles={"authenticated": AUTH_ROLE},
            RoleMappings={self.provider: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}})
        self.assertEqual(self.role_of(pid), "cognito-admins")
        self.assertEqual(self.role_of(pid, CustomRoleArn=ADMIN_ROLE), "cognito-admins")
        with self.assertRaises(self.ci.exceptions.NotAuthorizedException):
            self.role_of(pid, CustomRoleArn=RULE_ROLE)

    def test_rules_role_mapping(self):
        pid = self.new_pool()
        rules = {"Rules": [{"Claim": "email", "MatchType": "StartsWith", "Value": "zed", "RoleARN": ADMIN_ROLE},
                           {"Claim": "email", "MatchType": "Contains", "Value": "@x.io", "RoleARN": RULE_ROLE}]}
        self.ci.set_identity_pool_roles(
            IdentityPoolId=pid, Roles={"authenticated": AUTH_ROLE},
            RoleMappings={self.provider: {"Type": "Rules", "AmbiguousRoleResolution": "Deny",
                                          "RulesConfiguration": rules}})
        self.assertEqual(self.role_of(pid), "cognito-rule")
        rules["Rules"] = rules["Rules"][:1]
        self.ci.set_identity_pool_roles(
            IdentityPoolId=pid, Roles={"authenticated": AUTH_ROLE},
            RoleMappings={self.provider: {"Type": "Rules", "AmbiguousRoleResolution": "Deny",
                                          "RulesConfiguration": rules}})
        with self.assertRaises(self.ci.exceptions.InvalidIdentityPoolConfigurationException):
            self.role_of(pid)
        self.assertEqual(self.ci.get_identity_pool_roles(IdentityPoolId=pid)["RoleMappings"][self.provider]["Type"],
                         "Rules")

    def test_basic_flow(self):
        pid = self.new_pool(AllowClassicFlow=True)
        anon = self.anon()
        logins = {self.provider: self.tokens["IdToken"]}
        iid = anon.get_id(IdentityPoolId=pid, Logins=logins)["IdentityId"]
        r = anon.get_open_id_token(IdentityId=iid, Logins=logins)
        self.assertEqual(r["IdentityId"], iid)
        c = claims(r["Token"])
        self.assertEqual((c["iss"], c["aud"], c["sub"]), ("https://cognito-identity.amazonaws.com", pid, iid))
        self.assertIn("authenticated", c["amr"])
        self.assertIn(self.provider, c["amr"])
        sts = self.stratus.client("sts", signature_version=UNSIGNED)
        creds = sts.assume_role_with_web_identity(RoleArn=AUTH_ROLE, RoleSessionName="web",
                                                  WebIdentityToken=r["Token"])["Credentials"]
        me = self.stratus.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                                 token=creds["SessionToken"]).get_caller_identity()
        self.assertEqual(me["Arn"], "arn:aws:sts::000000000000:assumed-role/cognito-auth/web")

    def test_principal_tags_in_open_id_token(self):
        """SetPrincipalTagAttributeMap: the OpenID token carries the mapped claims of the user pool
        token as session tags ("https://aws.amazon.com/tags", the claim STS reads)."""
        pid = self.new_pool(AllowClassicFlow=True)
        anon = self.anon()
        logins = {self.provider: self.tokens["IdToken"]}
        iid = anon.get_id(IdentityPoolId=pid, Logins=logins)["IdentityId"]
        self.assertNotIn("https://aws.amazon.com/tags",
                         claims(anon.get_open_id_token(IdentityId=iid, Logins=logins)["Token"]))
        self.ci.set_principal_tag_attribute_map(IdentityPoolId=pid, IdentityProviderName=self.provider,
                                                UseDefaults=True)
        idc = claims(self.tokens["IdToken"])
        tags = claims(anon.get_open_id_token(IdentityId=iid, Logins=logins)["Token"])["https://aws.amazon.com/tags"]
        self.assertEqual(tags, {"principal_tags": {"username": [idc["sub"]], "client": [idc["aud"]]}})
        self.ci.set_principal_tag_attribute_map(IdentityPoolId=pid, IdentityProviderName=self.provider,
                                                UseDefaults=False, PrincipalTags={"mail": "email", "none": "nope"})
        token = anon.get_open_id_token(IdentityId=iid, Logins=logins)["Token"]
        self.assertEqual(claims(token)["https://aws.amazon.com/tags"], {"principal_tags": {"mail": [idc["email"]]}})
        # STS still takes the token (the tags themselves are dropped: no session tags in Stratus's STS)
        sts = self.stratus.client("sts", signature_version=UNSIGNED)
        sts.assume_role_with_web_identity(RoleArn=AUTH_ROLE, RoleSessionName="tags", WebIdentityToken=token)
        self.assertIn("Credentials", anon.get_credentials_for_identity(IdentityId=iid, Logins=logins))

    def test_server_side_token_check_and_linking(self):
        p = self.ci.create_identity_pool(
            IdentityPoolName="checked", AllowUnauthenticatedIdentities=True,
            CognitoIdentityProviders=[{"ProviderName": self.provider, "ClientId": self.cid,
                                       "ServerSideTokenCheck": True}])["IdentityPoolId"]
        self.addCleanup(lambda: self.ci.delete_identity_pool(IdentityPoolId=p))
        self.ci.set_identity_pool_roles(IdentityPoolId=p, Roles={"authenticated": AUTH_ROLE,
                                                                 "unauthenticated": UNAUTH_ROLE})
        anon = self.anon()
        # an unauthenticated identity gets the login linked when it presents one
        iid = anon.get_id(IdentityPoolId=p)["IdentityId"]
        t = self.idp.initiate_auth(ClientId=self.cid, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "ann", "PASSWORD": PW})["AuthenticationResult"]
        logins = {self.provider: t["IdToken"]}
        anon.get_credentials_for_identity(IdentityId=iid, Logins=logins)
        self.assertEqual(self.ci.describe_identity(IdentityId=iid)["Logins"], [self.provider])
        self.assertEqual(anon.get_id(IdentityPoolId=p, Logins=logins)["IdentityId"], iid)
        # signed out: the pool checks with the user pool
        self.idp.global_sign_out(AccessToken=t["AccessToken"])
        with self.assertRaises(self.ci.exceptions.NotAuthorizedException) as cm:
            anon.get_id(IdentityPoolId=p, Logins=logins)
        self.assertTrue(self.error(cm)[1].startswith("Invalid login token."), cm.exception)

    def test_delete_identities(self):
        pid = self.new_pool()
        iid = self.anon().get_id(IdentityPoolId=pid)["IdentityId"]
        r = self.ci.delete_identities(IdentityIdsToDelete=[iid, "us-east-1:00000000-0000-0000-0000-000000000001"])
        self.assertEqual(r["UnprocessedIdentityIds"], [])
        with self.assertRaises(self.ci.exceptions.ResourceNotFoundException):
            self.ci.describe_identity(IdentityId=iid)


class Durability(unittest.TestCase):
    def test_pools_and_identities_survive_kill9(self):
        s = Stratus().start()
        try:
            ci = s.client("cognito-identity")
            idp = s.client("cognito-idp")
            upid, cid, tokens = setup_user_pool(idp)
            provider = f"cognito-idp.us-east-1.amazonaws.com/{upid}"
            pid = ci.create_identity_pool(IdentityPoolName="durable", AllowUnauthenticatedIdentities=False,
                                          CognitoIdentityProviders=[{"ProviderName": provider,
                                                                     "ClientId": cid}])["IdentityPoolId"]
            ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": AUTH_ROLE})
            iid = ci.get_id(IdentityPoolId=pid, Logins={provider: tokens["IdToken"]})["IdentityId"]
            s.kill9()
            s.start()
            ci = s.client("cognito-identity")
            self.assertEqual(ci.describe_identity_pool(IdentityPoolId=pid)["IdentityPoolName"], "durable")
            self.assertEqual(ci.get_identity_pool_roles(IdentityPoolId=pid)["Roles"], {"authenticated": AUTH_ROLE})
            self.assertEqual(ci.get_id(IdentityPoolId=pid, Logins={provider: tokens["IdToken"]})["IdentityId"], iid)
            self.assertIn("Credentials", ci.get_credentials_for_identity(IdentityId=iid,
                                                                         Logins={provider: tokens["IdToken"]}))
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
