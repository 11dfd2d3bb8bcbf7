"""Cognito user pools through boto3 and the aws CLI: pools, clients (SECRET_HASH), groups, users,
sign-up / recovery codes read from the mailbox, the password and SRP sign-in flows (SRP-6a done
here in Python, independently of the server's code), tokens verified with python3-jwt against the
pool's JWKS, revocation, ListUsers filters and pagination, and durability across kill -9."""
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import secrets
import unittest

import botocore.exceptions

from harness import Stratus, StratusTestCase, error_code

try:
    import jwt  # Debian's python3-jwt (tools/deps.sh)
except ImportError:  # a python3 other than Debian's: look where python3-jwt installs
    import sys
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import jwt
    except ImportError:  # pragma: no cover
        jwt = None

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF")
N = int(N_HEX, 16)
G = 2
PW = "Passw0rd!"


def pad_hex(n):
    h = format(n, "x")
    if len(h) % 2:
        h = "0" + h
    if h[0] in "89abcdef":
        h = "00" + h
    return h


def hex_hash(h):
    return hashlib.sha256(bytes.fromhex(h)).hexdigest()


def srp_a():
    """A client's random a and A = g^a mod N."""
    a = secrets.randbits(1024)
    return a, pow(G, a, N)


def password_verifier(pool_id, cp, a, A, password, modexp=pow):
    """The ChallengeResponses of PASSWORD_VERIFIER (ChallengeParameters `cp`), as amazon-cognito-identity-js
    computes them. `modexp(base, exp, mod)`: Python's pow, or a faster one (bench/cognito_srp.py)."""
    k = int(hex_hash(pad_hex(N) + pad_hex(G)), 16)
    B = int(cp["SRP_B"], 16)
    salt = int(cp["SALT"], 16)
    user_id = cp["USER_ID_FOR_SRP"]
    u = int(hex_hash(pad_hex(A) + pad_hex(B)), 16)
    pool_name = pool_id.split("_")[1]
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    x = int(hex_hash(pad_hex(salt) + inner), 16)
    S = modexp((B - k * modexp(G, x, N)) % N, a + u * x, N)
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(S)), hashlib.sha256).digest()
    key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    now = datetime.datetime.utcnow()
    ts = now.strftime("%a %b ") + str(now.day) + now.strftime(" %H:%M:%S UTC %Y")
    msg = pool_name.encode() + user_id.encode() + base64.b64decode(cp["SECRET_BLOCK"]) + ts.encode()
    sig = base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
    return {"USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"], "TIMESTAMP": ts,
            "PASSWORD_CLAIM_SIGNATURE": sig}


def srp_sign_in(idp, pool_id, client_id, username, password, secret=None):
    """USER_SRP_AUTH + PASSWORD_VERIFIER, as amazon-cognito-identity-js computes it."""
    a, A = srp_a()
    params = {"USERNAME": username, "SRP_A": format(A, "x")}
    if secret:
        params["SECRET_HASH"] = secret_hash(secret, username, client_id)
    r = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    assert r["ChallengeName"] == "PASSWORD_VERIFIER", r
    resp = password_verifier(pool_id, r["ChallengeParameters"], a, A, password)
    if secret:
        resp["SECRET_HASH"] = secret_hash(secret, resp["USERNAME"], client_id)
    return idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER",
                                         ChallengeResponses=resp)


def secret_hash(secret, username, client_id):
    return base64.b64encode(hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()).decode()


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class CognitoBase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.idp = cls.stratus.client("cognito-idp")

    def mail(self, recipient):
        st, _, body = self.stratus.http("GET", "/_stratus/mailbox?recipient=" + recipient)
        self.assertEqual(st, 200)
        return json.loads(body)["messages"]

    def last_code(self, recipient):
        msgs = self.mail(recipient)
        self.assertTrue(msgs, f"no mail for {recipient}")
        return re.search(r"\b(\d{6})\b", msgs[-1]["body"]).group(1)

    def pool(self, **kw):
        kw.setdefault("PoolName", "p" + secrets.token_hex(3))
        return self.idp.create_user_pool(**kw)["UserPool"]["Id"]

    def client(self, pool_id, **kw):
        kw.setdefault("ClientName", "app")
        kw.setdefault("ExplicitAuthFlows", ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                                            "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"])
        return self.idp.create_user_pool_client(UserPoolId=pool_id, **kw)["UserPoolClient"]

    def confirmed_user(self, pool_id, username, email=None):
        attrs = [{"Name": "email", "Value": email or f"{username}@example.com"},
                 {"Name": "email_verified", "Value": "true"}]
        self.idp.admin_create_user(UserPoolId=pool_id, Username=username, UserAttributes=attrs,
                                   MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PW, Permanent=True)

    def err(self, fn):
        try:
            fn()
        except botocore.exceptions.ClientError as e:
            return e.response["Error"]["Code"], e.response["Error"]["Message"]
        self.fail("no error")


class TestPoolsAndClients(CognitoBase):
    def test_pool_lifecycle(self):
        pid = self.pool(PoolName="lifecycle", Schema=[{"Name": "tier", "AttributeDataType": "String"}])
        self.assertRegex(pid, r"^us-east-1_[A-Za-z0-9]{9}$")
        p = self.idp.describe_user_pool(UserPoolId=pid)["UserPool"]
        self.assertEqual(p["Name"], "lifecycle")
        self.assertEqual(p["Arn"], f"arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pid}")
        names = [a["Name"] for a in p["SchemaAttributes"]]
        for n in ("sub", "email", "email_verified", "phone_number", "custom:tier"):
            self.assertIn(n, names)
        self.assertEqual(p["Policies"]["PasswordPolicy"]["MinimumLength"], 8)
        self.idp.update_user_pool(UserPoolId=pid, MfaConfiguration="OFF", AutoVerifiedAttributes=["email"])
        self.assertEqual(self.idp.describe_user_pool(UserPoolId=pid)["UserPool"]["AutoVerifiedAttributes"], ["email"])
        self.assertIn(pid, [x["Id"] for x in self.idp.list_user_pools(MaxResults=60)["UserPools"]])
        self.idp.delete_user_pool(UserPoolId=pid)
        code, msg = self.err(lambda: self.idp.describe_user_pool(UserPoolId=pid))
        self.assertEqual((code, msg), ("ResourceNotFoundException", f"User pool {pid} does not exist."))

    def test_list_user_pools_pages(self):
        # one pool a page: every pool comes back exactly once (NextToken resumes after the last one)
        mine = {self.pool(PoolName=f"paged{i}") for i in range(3)}
        seen, kw = [], {}
        while True:
            r = self.idp.list_user_pools(MaxResults=1, **kw)
            self.assertLessEqual(len(r["UserPools"]), 1)
            seen += [p["Id"] for p in r["UserPools"]]
            if "NextToken" not in r:
                break
            kw = {"NextToken": r["NextToken"]}
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(mine <= set(seen), (mine, seen))

    def test_deletion_protection(self):
        pid = self.pool(DeletionProtection="ACTIVE")
        code, _ = self.err(lambda: self.idp.delete_user_pool(UserPoolId=pid))
        self.assertEqual(code, "InvalidParameterException")

    def test_username_and_alias_attributes_exclusive(self):
        code, _ = self.err(lambda: self.pool(UsernameAttributes=["email"], AliasAttributes=["email"]))
        self.assertEqual(code, "InvalidParameterException")

    def test_email_alias_claimed_when_verified(self):
        """AWS: with email as an alias a duplicate email is no error at sign-up, only when it is
        verified: ConfirmSignUp answers AliasExistsException, or moves the alias with
        ForceAliasCreation (the other user's email becomes unverified); AdminCreateUser alike."""
        pid = self.pool(AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
        cid = self.client(pid)["ClientId"]
        self.confirmed_user(pid, "first", email="same@x.io")
        self.idp.admin_update_user_attributes(UserPoolId=pid, Username="first",
                                              UserAttributes=[{"Name": "email_verified", "Value": "true"}])
        self.idp.sign_up(ClientId=cid, Username="second", Password=PW,
                         UserAttributes=[{"Name": "email", "Value": "same@x.io"}])
        code = self.last_code("same@x.io")
        err = self.err(lambda: self.idp.confirm_sign_up(ClientId=cid, Username="second", ConfirmationCode=code))
        self.assertEqual(err, ("AliasExistsException", "An account with the email already exists."))
        self.assertEqual(self.idp.admin_get_user(UserPoolId=pid, Username="second")["UserStatus"], "UNCONFIRMED")
        self.idp.confirm_sign_up(ClientId=cid, Username="second", ConfirmationCode=code, ForceAliasCreation=True)

        def verified(name):
            attrs = {a["Name"]: a["Value"] for a in self.idp.admin_get_user(UserPoolId=pid, Username=name)["UserAttributes"]}
            return attrs.get("email_verified")
        self.assertEqual((verified("first"), verified("second")), ("false", "true"))
        # the alias signs in the user who holds it now
        r = self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "same@x.io", "PASSWORD": PW})["AuthenticationResult"]
        self.assertEqual(claims(r["IdToken"])["cognito:username"], "second")
        verified_email = [{"Name": "email", "Value": "same@x.io"}, {"Name": "email_verified", "Value": "true"}]
        err = self.err(lambda: self.idp.admin_create_user(UserPoolId=pid, Username="third", MessageAction="SUPPRESS",
                                                          UserAttributes=verified_email))
        self.assertEqual(err, ("AliasExistsException", "An account with the email already exists."))
        self.idp.admin_create_user(UserPoolId=pid, Username="third", MessageAction="SUPPRESS",
                                   UserAttributes=verified_email, ForceAliasCreation=True)
        self.assertEqual((verified("second"), verified("third")), ("false", "true"))
        # an unverified duplicate is no conflict
        self.idp.admin_create_user(UserPoolId=pid, Username="fourth", MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "email", "Value": "same@x.io"}])

    def test_prevent_user_existence_errors(self):
        """PreventUserExistenceErrors=ENABLED: the anonymous APIs answer for unknown (and disabled)
        users as if they existed (AWS's managing-errors page)."""
        pid = self.pool(AutoVerifiedAttributes=["email"])
        hide = self.client(pid, PreventUserExistenceErrors="ENABLED")["ClientId"]
        legacy = self.client(pid)["ClientId"]
        self.confirmed_user(pid, "real")
        self.assertEqual(self.err(lambda: self.idp.forgot_password(ClientId=legacy, Username="ghost"))[0],
                         "UserNotFoundException")
        r = self.idp.forgot_password(ClientId=hide, Username="ghost")
        self.assertEqual(r["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL")
        self.assertEqual(r["CodeDeliveryDetails"]["AttributeName"], "email")
        self.assertEqual(self.idp.resend_confirmation_code(ClientId=hide, Username="ghost")["CodeDeliveryDetails"]
                         ["DeliveryMedium"], "EMAIL")
        mismatch = ("CodeMismatchException", "Invalid verification code provided, please try again.")
        self.assertEqual(self.err(lambda: self.idp.confirm_forgot_password(
            ClientId=hide, Username="ghost", ConfirmationCode="123456", Password=PW)), mismatch)
        self.assertEqual(self.err(lambda: self.idp.confirm_sign_up(
            ClientId=hide, Username="ghost", ConfirmationCode="123456")), mismatch)
        # a real user who asked for no code: ExpiredCodeException
        self.assertEqual(self.err(lambda: self.idp.confirm_forgot_password(
            ClientId=hide, Username="real", ConfirmationCode="123456", Password=PW)),
            ("ExpiredCodeException", "Invalid code provided, please request a code again."))
        # a disabled user looks like any other
        self.idp.admin_disable_user(UserPoolId=pid, Username="real")
        self.assertIn("CodeDeliveryDetails", self.idp.forgot_password(ClientId=hide, Username="real"))
        self.assertEqual(self.err(lambda: self.idp.forgot_password(ClientId=legacy, Username="real")),
                         ("NotAuthorizedException", "User is disabled."))
        self.assertEqual(self.err(lambda: self.idp.initiate_auth(
            ClientId=hide, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ghost", "PASSWORD": PW})),
            ("NotAuthorizedException", "Incorrect username or password."))

        # SRP: a simulated PASSWORD_VERIFIER step, with the same salt and internal user id each time
        # for one name, and its answer refused as a wrong password's
        def srp_step(client_id, name):
            a, A = srp_a()
            return a, A, self.idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH",
                                                AuthParameters={"USERNAME": name, "SRP_A": format(A, "x")})
        a, A, first = srp_step(hide, "ghost")
        second, other = srp_step(hide, "ghost")[2], srp_step(hide, "ghost2")[2]
        self.assertEqual(first["ChallengeName"], "PASSWORD_VERIFIER")
        cp = first["ChallengeParameters"]
        self.assertEqual(set(cp), {"SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"})
        self.assertRegex(cp["USER_ID_FOR_SRP"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual((cp["SALT"], cp["USER_ID_FOR_SRP"]),
                         (second["ChallengeParameters"]["SALT"], second["ChallengeParameters"]["USER_ID_FOR_SRP"]))
        self.assertNotEqual(cp["SRP_B"], second["ChallengeParameters"]["SRP_B"])
        self.assertNotEqual(cp["SALT"], other["ChallengeParameters"]["SALT"])
        self.assertEqual(self.err(lambda: self.idp.respond_to_auth_challenge(
            ClientId=hide, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=password_verifier(pid, cp, a, A, PW))),
            ("NotAuthorizedException", "Incorrect username or password."))
        # a real user's SRP through the same client still signs in; LEGACY names the unknown user
        self.idp.admin_enable_user(UserPoolId=pid, Username="real")
        self.assertIn("AccessToken", srp_sign_in(self.idp, pid, hide, "real", PW)["AuthenticationResult"])
        self.assertEqual(self.err(lambda: srp_step(legacy, "ghost"))[0], "UserNotFoundException")

    def test_clients_and_secret_hash(self):
        pid = self.pool()
        c = self.client(pid, GenerateSecret=True, AccessTokenValidity=5, TokenValidityUnits={"AccessToken": "minutes"})
        self.assertEqual(len(c["ClientSecret"]), 51)
        d = self.idp.describe_user_pool_client(UserPoolId=pid, ClientId=c["ClientId"])["UserPoolClient"]
        self.assertEqual(d["AccessTokenValidity"], 5)
        self.assertIn(c["ClientId"], [x["ClientId"] for x in
                                      self.idp.list_user_pool_clients(UserPoolId=pid)["UserPoolClients"]])
        code, msg = self.err(lambda: self.idp.sign_up(ClientId=c["ClientId"], Username="x", Password=PW))
        self.assertEqual(code, "NotAuthorizedException")
        self.assertIn("SECRET_HASH was not received", msg)
        code, msg = self.err(lambda: self.idp.sign_up(ClientId=c["ClientId"], Username="x", Password=PW,
                                                      SecretHash="AAAA"))
        self.assertEqual((code, msg), ("NotAuthorizedException", f"Unable to verify secret hash for client {c['ClientId']}"))
        self.idp.sign_up(ClientId=c["ClientId"], Username="x", Password=PW,
                         SecretHash=secret_hash(c["ClientSecret"], "x", c["ClientId"]))
        # token validity out of range
        code, _ = self.err(lambda: self.client(pid, AccessTokenValidity=2, TokenValidityUnits={"AccessToken": "days"}))
        self.assertEqual(code, "InvalidParameterException")
        self.idp.delete_user_pool_client(UserPoolId=pid, ClientId=c["ClientId"])
        code, _ = self.err(lambda: self.idp.describe_user_pool_client(UserPoolId=pid, ClientId=c["ClientId"]))
        self.assertEqual(code, "ResourceNotFoundException")

    def test_domain(self):
        pid = self.pool()
        dom = "d" + secrets.token_hex(4)
        self.idp.create_user_pool_domain(UserPoolId=pid, Domain=dom)
        d = self.idp.describe_user_pool_domain(Domain=dom)["DomainDescription"]
        self.assertEqual(d["UserPoolId"], pid)
        self.assertEqual(self.idp.describe_user_pool(UserPoolId=pid)["UserPool"]["Domain"], dom)
        self.idp.delete_user_pool_domain(UserPoolId=pid, Domain=dom)
        self.assertEqual(self.idp.describe_user_pool_domain(Domain=dom)["DomainDescription"], {})

    def test_aws_cli(self):
        out = self.stratus.aws("cognito-idp", "create-user-pool", "--pool-name", "cli")
        pid = out["UserPool"]["Id"]
        out = self.stratus.aws("cognito-idp", "list-user-pools", "--max-results", "60")
        self.assertIn(pid, [p["Id"] for p in out["UserPools"]])


class TestUsers(CognitoBase):
    def test_sign_up_confirm_and_sign_in(self):
        pid = self.pool(AutoVerifiedAttributes=["email"],
                        Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True}])
        cid = self.client(pid)["ClientId"]
        code, msg = self.err(lambda: self.idp.sign_up(ClientId=cid, Username="bob", Password=PW))
        self.assertEqual(code, "InvalidParameterException")
        self.assertIn("email: The attribute email is required", msg)
        code, msg = self.err(lambda: self.idp.sign_up(ClientId=cid, Username="bob", Password="short",
                                                      UserAttributes=[{"Name": "email", "Value": "bob@x.io"}]))
        self.assertEqual((code, msg), ("InvalidPasswordException",
                                       "Password did not conform with policy: Password not long enough"))
        r = self.idp.sign_up(ClientId=cid, Username="bob", Password=PW,
                             UserAttributes=[{"Name": "email", "Value": "bob@x.io"}])
        self.assertFalse(r["UserConfirmed"])
        self.assertEqual(r["CodeDeliveryDetails"], {"Destination": "b***@x***", "DeliveryMedium": "EMAIL",
                                                    "AttributeName": "email"})
        code, _ = self.err(lambda: self.idp.sign_up(ClientId=cid, Username="BOB", Password=PW,
                                                    UserAttributes=[{"Name": "email", "Value": "b2@x.io"}]))
        self.assertEqual(code, "UsernameExistsException")  # usernames are case-insensitive by default
        code, msg = self.err(lambda: self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                                            AuthParameters={"USERNAME": "bob", "PASSWORD": PW}))
        self.assertEqual((code, msg), ("UserNotConfirmedException", "User is not confirmed."))
        code, _ = self.err(lambda: self.idp.confirm_sign_up(ClientId=cid, Username="bob", ConfirmationCode="000000"))
        self.assertEqual(code, "CodeMismatchException")
        self.idp.resend_confirmation_code(ClientId=cid, Username="bob")
        self.idp.confirm_sign_up(ClientId=cid, Username="bob", ConfirmationCode=self.last_code("bob@x.io"))
        u = self.idp.admin_get_user(UserPoolId=pid, Username="bob")
        self.assertEqual(u["UserStatus"], "CONFIRMED")
        attrs = {a["Name"]: a["Value"] for a in u["UserAttributes"]}
        self.assertEqual(attrs["email_verified"], "true")
        self.assertEqual(r["UserSub"], attrs["sub"])
        code, msg = self.err(lambda: self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                                            AuthParameters={"USERNAME": "bob", "PASSWORD": "Wrong1!x"}))
        self.assertEqual((code, msg), ("NotAuthorizedException", "Incorrect username or password."))
        code, msg = self.err(lambda: self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                                            AuthParameters={"USERNAME": "nobody", "PASSWORD": PW}))
        self.assertEqual((code, msg), ("UserNotFoundException", "User does not exist."))
        res = self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "Bob", "PASSWORD": PW})["AuthenticationResult"]
        self.assertEqual(res["TokenType"], "Bearer")
        self.assertEqual(res["ExpiresIn"], 3600)
        at = res["AccessToken"]
        me = self.idp.get_user(AccessToken=at)
        self.assertEqual(me["Username"], "bob")
        self.idp.update_user_attributes(AccessToken=at, UserAttributes=[{"Name": "name", "Value": "Bob B"}])
        self.assertIn({"Name": "name", "Value": "Bob B"}, self.idp.get_user(AccessToken=at)["UserAttributes"])
        code, msg = self.err(lambda: self.idp.change_password(AccessToken=at, PreviousPassword="Nope1!xx",
                                                              ProposedPassword="Other1!x"))
        self.assertEqual(code, "NotAuthorizedException")
        self.idp.change_password(AccessToken=at, PreviousPassword=PW, ProposedPassword="Other1!x")
        self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "bob", "PASSWORD": "Other1!x"})
        self.idp.global_sign_out(AccessToken=at)
        code, msg = self.err(lambda: self.idp.get_user(AccessToken=at))
        self.assertEqual((code, msg), ("NotAuthorizedException", "Access Token has been revoked"))
        code, msg = self.err(lambda: self.idp.get_user(AccessToken="a.b.c"))
        self.assertEqual((code, msg), ("NotAuthorizedException", "Invalid Access Token"))

    def test_password_attempts_exceeded(self):
        pid = self.pool()
        cid = self.client(pid)["ClientId"]
        self.confirmed_user(pid, "carol")
        seen = []
        for _ in range(7):
            seen.append(self.err(lambda: self.idp.initiate_auth(
                ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "carol", "PASSWORD": "Wrong1!x"}))[1])
        self.assertEqual(seen[0], "Incorrect username or password.")
        self.assertIn("Password attempts exceeded", seen)

    def test_admin_create_user_invitation_and_new_password(self):
        pid = self.pool()
        cid = self.client(pid)["ClientId"]
        r = self.idp.admin_create_user(UserPoolId=pid, Username="dave", DesiredDeliveryMediums=["EMAIL"],
                                       UserAttributes=[{"Name": "email", "Value": "dave@x.io"}])
        self.assertEqual(r["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD")
        mail = self.mail("dave@x.io")[-1]
        self.assertEqual(mail["subject"], "Your temporary password")
        temp = re.search(r"temporary password is (\S+)\. ", mail["body"]).group(1)
        code, _ = self.err(lambda: self.idp.admin_create_user(UserPoolId=pid, Username="dave"))
        self.assertEqual(code, "UsernameExistsException")
        r = self.idp.admin_initiate_auth(UserPoolId=pid, ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": "dave", "PASSWORD": temp})
        self.assertEqual(r["ChallengeName"], "NEW_PASSWORD_REQUIRED")
        self.assertEqual(r["ChallengeParameters"]["USER_ID_FOR_SRP"], "dave")
        code, _ = self.err(lambda: self.idp.admin_respond_to_auth_challenge(
            UserPoolId=pid, ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session="bogus" * 5,
            ChallengeResponses={"USERNAME": "dave", "NEW_PASSWORD": PW}))
        self.assertEqual(code, "NotAuthorizedException")
        r = self.idp.admin_respond_to_auth_challenge(
            UserPoolId=pid, ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
            ChallengeResponses={"USERNAME": "dave", "NEW_PASSWORD": PW, "userAttributes.name": "Dave"})
        self.assertIn("IdToken", r["AuthenticationResult"])
        self.assertEqual(claims(r["AuthenticationResult"]["IdToken"])["name"], "Dave")
        self.assertEqual(self.idp.admin_get_user(UserPoolId=pid, Username="dave")["UserStatus"], "CONFIRMED")

    def test_flow_not_enabled(self):
        pid = self.pool()
        cid = self.client(pid, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
        code, msg = self.err(lambda: self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                                            AuthParameters={"USERNAME": "a", "PASSWORD": PW}))
        self.assertEqual((code, msg), ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"))

    def test_forgot_password(self):
        pid = self.pool()
        cid = self.client(pid)["ClientId"]
        self.confirmed_user(pid, "erin", "erin@x.io")
        r = self.idp.forgot_password(ClientId=cid, Username="erin")
        self.assertEqual(r["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL")
        code, _ = self.err(lambda: self.idp.confirm_forgot_password(ClientId=cid, Username="erin",
                                                                   ConfirmationCode="999999", Password="New1!pass"))
        self.assertEqual(code, "CodeMismatchException")
        self.idp.confirm_forgot_password(ClientId=cid, Username="erin", ConfirmationCode=self.last_code("erin@x.io"),
                                         Password="New1!pass")
        self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "erin", "PASSWORD": "New1!pass"})

    def test_email_as_username_and_verification(self):
        pid = self.pool(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
        cid = self.client(pid)["ClientId"]
        r = self.idp.sign_up(ClientId=cid, Username="fay@x.io", Password=PW)
        self.idp.confirm_sign_up(ClientId=cid, Username="fay@x.io", ConfirmationCode=self.last_code("fay@x.io"))
        u = self.idp.admin_get_user(UserPoolId=pid, Username="fay@x.io")
        self.assertEqual(u["Username"], r["UserSub"])  # the username is the sub
        code, msg = self.err(lambda: self.idp.sign_up(ClientId=cid, Username="notanemail", Password=PW))
        self.assertEqual((code, msg), ("InvalidParameterException", "Username should be an email."))
        at = self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": "fay@x.io", "PASSWORD": PW})["AuthenticationResult"]["AccessToken"]
        r = self.idp.update_user_attributes(AccessToken=at, UserAttributes=[{"Name": "email", "Value": "fay2@x.io"}])
        self.assertEqual(r["CodeDeliveryDetailsList"][0]["AttributeName"], "email")
        self.idp.verify_user_attribute(AccessToken=at, AttributeName="email", Code=self.last_code("fay2@x.io"))
        attrs = {a["Name"]: a["Value"] for a in self.idp.get_user(AccessToken=at)["UserAttributes"]}
        self.assertEqual((attrs["email"], attrs["email_verified"]), ("fay2@x.io", "true"))
        self.idp.delete_user(AccessToken=at)
        code, _ = self.err(lambda: self.idp.admin_get_user(UserPoolId=pid, Username=r and "fay2@x.io"))
        self.assertEqual(code, "UserNotFoundException")

    def test_bad_input_is_an_aws_error(self):
        pid = self.pool(Schema=[{"Name": "code", "AttributeDataType": "String",
                                 "StringAttributeConstraints": {"MinLength": "x", "MaxLength": "y"}}])
        cid = self.client(pid)["ClientId"]
        code, _ = self.err(lambda: self.idp.admin_get_user(UserPoolId=pid, Username="a\x00b"))
        self.assertEqual(code, "InvalidParameterException")
        code, _ = self.err(lambda: self.idp.initiate_auth(ClientId="nope\x00", AuthFlow="USER_PASSWORD_AUTH",
                                                          AuthParameters={"USERNAME": "a", "PASSWORD": PW}))
        self.assertIn(code, ("InvalidParameterException", "ResourceNotFoundException"))
        self.idp.admin_create_user(UserPoolId=pid, Username="zed", MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "custom:code", "Value": "abc"}])
        code, _ = self.err(lambda: self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH",
                                                          AuthParameters={"USERNAME": "zed", "SRP_A": "0"}))
        self.assertEqual(code, "NotAuthorizedException")
        code, _ = self.err(lambda: self.idp.respond_to_auth_challenge(
            ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses={"USERNAME": "zed", "PASSWORD_CLAIM_SECRET_BLOCK": "!!!", "TIMESTAMP": "x",
                                "PASSWORD_CLAIM_SIGNATURE": "x"}))
        self.assertEqual(code, "NotAuthorizedException")
        code, _ = self.err(lambda: self.idp.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH",
                                                          AuthParameters={"USERNAME": "zed"}))
        self.assertEqual(code, "InvalidParameterException")

    def test_attributes_mutability_and_custom(self):
        pid = self.pool(Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": False},
                                {"Name": "level", "AttributeDataType": "Number"}])
        self.idp.admin_create_user(UserPoolId=pid, Username="gus", MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": "custom:team", "Value": "red"}])
        code, msg = self.err(lambda: self.idp.admin_update_user_attributes(
            UserPoolId=pid, Username="gus", UserAttributes=[{"Name": "custom:team", "Value": "blue"}]))
        self.assertEqual(code, "InvalidParameterException")
        code, _ = self.err(lambda: self.idp.admin_update_user_attributes(
            UserPoolId=pid, Username="gus", UserAttributes=[{"Name": "custom:nope", "Value": "x"}]))
        self.assertEqual(code, "InvalidParameterException")
        self.idp.admin_update_user_attributes(UserPoolId=pid, Username="gus",
                                              UserAttributes=[{"Name": "custom:level", "Value": "3"}])
        self.idp.admin_delete_user_attributes(UserPoolId=pid, Username="gus", UserAttributeNames=["custom:level"])
        names = [a["Name"] for a in self.idp.admin_get_user(UserPoolId=pid, Username="gus")["UserAttributes"]]
        self.assertNotIn("custom:level", names)
        self.idp.admin_disable_user(UserPoolId=pid, Username="gus")
        self.assertFalse(self.idp.admin_get_user(UserPoolId=pid, Username="gus")["Enabled"])

    def test_groups_list_users_filter_and_pages(self):
        pid = self.pool()
        cid = self.client(pid)["ClientId"]
        self.idp.create_group(UserPoolId=pid, GroupName="admins", Precedence=1,
                              RoleArn="arn:aws:iam::000000000000:role/admin")
        code, _ = self.err(lambda: self.idp.create_group(UserPoolId=pid, GroupName="admins"))
        self.assertEqual(code, "GroupExistsException")
        for i in range(5):
            self.confirmed_user(pid, f"user{i}", f"user{i}@corp.io" if i % 2 else f"user{i}@home.io")
        self.idp.admin_add_user_to_group(UserPoolId=pid, Username="user1", GroupName="admins")
        self.assertEqual([g["GroupName"] for g in
                          self.idp.admin_list_groups_for_user(UserPoolId=pid, Username="user1")["Groups"]], ["admins"])
        self.assertEqual([u["Username"] for u in
                          self.idp.list_users_in_group(UserPoolId=pid, GroupName="admins")["Users"]], ["user1"])
        tok = self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "user1", "PASSWORD": PW})["AuthenticationResult"]
        self.assertEqual(claims(tok["AccessToken"])["cognito:groups"], ["admins"])
        self.assertEqual(claims(tok["IdToken"])["cognito:groups"], ["admins"])
        got = self.idp.list_users(UserPoolId=pid, Filter='email ^= "user3@"')["Users"]
        self.assertEqual([u["Username"] for u in got], ["user3"])
        got = self.idp.list_users(UserPoolId=pid, Filter='username = "user2"', AttributesToGet=["email"])["Users"]
        self.assertEqual(got[0]["Attributes"], [{"Name": "email", "Value": "user2@home.io"}])
        code, msg = self.err(lambda: self.idp.list_users(UserPoolId=pid, Filter='custom:x = "1"'))
        self.assertEqual(code, "InvalidParameterException")
        code, _ = self.err(lambda: self.idp.list_users(UserPoolId=pid, Filter='email = "unterminated'))
        self.assertEqual(code, "InvalidParameterException")
        names, token = [], None
        while True:
            kw = {"PaginationToken": token} if token else {}
            r = self.idp.list_users(UserPoolId=pid, Limit=2, **kw)
            names += [u["Username"] for u in r["Users"]]
            token = r.get("PaginationToken")
            if not token:
                break
        self.assertEqual(sorted(names), [f"user{i}" for i in range(5)])
        self.idp.delete_group(UserPoolId=pid, GroupName="admins")
        self.assertEqual(self.idp.admin_list_groups_for_user(UserPoolId=pid, Username="user1")["Groups"], [])


class TestTokens(CognitoBase):
    def test_srp_sign_in(self):
        pid = self.pool()
        c = self.client(pid, GenerateSecret=True)
        self.confirmed_user(pid, "hank")
        r = srp_sign_in(self.idp, pid, c["ClientId"], "hank", PW, secret=c["ClientSecret"])
        self.assertEqual(claims(r["AuthenticationResult"]["IdToken"])["cognito:username"], "hank")
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            srp_sign_in(self.idp, pid, c["ClientId"], "hank", "Wrong1!x", secret=c["ClientSecret"])
        self.assertEqual(e.exception.response["Error"]["Message"], "Incorrect username or password.")

    def test_tokens_verify_with_jwks(self):
        if jwt is None:
            self.skipTest("python3-jwt missing (tools/deps.sh)")
        pid = self.pool()
        cid = self.client(pid)["ClientId"]
        self.confirmed_user(pid, "ivy", "ivy@x.io")
        res = self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "ivy", "PASSWORD": PW})["AuthenticationResult"]
        iss = f"http://localhost:{self.stratus.port}/{pid}"
        st, _, conf = self.stratus.http("GET", f"/{pid}/.well-known/openid-configuration")
        self.assertEqual(st, 200)
        conf = json.loads(conf)
        self.assertEqual(conf["issuer"], iss)
        self.assertEqual(conf["jwks_uri"], iss + "/.well-known/jwks.json")
        client = jwt.PyJWKClient(conf["jwks_uri"])
        key = client.get_signing_key_from_jwt(res["IdToken"]).key
        idc = jwt.decode(res["IdToken"], key, algorithms=["RS256"], audience=cid, issuer=iss)
        self.assertEqual(idc["token_use"], "id")
        self.assertEqual(idc["email"], "ivy@x.io")
        self.assertIs(idc["email_verified"], True)
        for k in ("sub", "cognito:username", "origin_jti", "event_id", "auth_time", "exp", "iat", "jti"):
            self.assertIn(k, idc)
        ac = jwt.decode(res["AccessToken"], key, algorithms=["RS256"], issuer=iss)
        self.assertEqual(ac["token_use"], "access")
        self.assertEqual(ac["client_id"], cid)
        self.assertEqual(ac["scope"], "aws.cognito.signin.user.admin")
        self.assertEqual(ac["username"], "ivy")
        self.assertEqual(ac["origin_jti"], idc["origin_jti"])
        self.assertEqual(ac["exp"] - ac["iat"], 3600)
        self.assertEqual(jwt.get_unverified_header(res["IdToken"])["alg"], "RS256")
        st, _, _ = self.stratus.http("GET", "/us-east-1_nopenope1/.well-known/jwks.json")
        self.assertEqual(st, 404)

    def test_refresh_and_revoke(self):
        pid = self.pool()
        cid = self.client(pid)["ClientId"]
        self.confirmed_user(pid, "jack")
        res = self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "jack", "PASSWORD": PW})["AuthenticationResult"]
        rt = res["RefreshToken"]
        self.assertEqual(len(rt.split(".")), 5)
        r2 = self.idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
                                    AuthParameters={"REFRESH_TOKEN": rt})["AuthenticationResult"]
        self.assertNotIn("RefreshToken", r2)
        self.assertEqual(claims(r2["AccessToken"])["origin_jti"], claims(res["AccessToken"])["origin_jti"])
        self.idp.revoke_token(ClientId=cid, Token=rt)
        code, msg = self.err(lambda: self.idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
                                                            AuthParameters={"REFRESH_TOKEN": rt}))
        self.assertEqual(code, "NotAuthorizedException")
        code, _ = self.err(lambda: self.idp.get_user(AccessToken=r2["AccessToken"]))
        self.assertEqual(code, "NotAuthorizedException")
        code, _ = self.err(lambda: self.idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
                                                          AuthParameters={"REFRESH_TOKEN": "x.y.z.w.v"}))
        self.assertEqual(code, "NotAuthorizedException")


class TestAwsIssuer(CognitoBase):
    stratus_args = ("--cognito-issuer=aws",)

    def test_aws_issuer(self):
        pid = self.pool()
        cid = self.client(pid)["ClientId"]
        self.confirmed_user(pid, "kim")
        res = self.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "kim", "PASSWORD": PW})["AuthenticationResult"]
        self.assertEqual(claims(res["IdToken"])["iss"], f"https://cognito-idp.us-east-1.amazonaws.com/{pid}")


class TestDurability(unittest.TestCase):
    def test_tokens_and_users_survive_kill9(self):
        s = Stratus().start()
        try:
            idp = s.client("cognito-idp")
            pid = idp.create_user_pool(PoolName="durable")["UserPool"]["Id"]
            cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="c",
                                              ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                                 "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
            idp.admin_create_user(UserPoolId=pid, Username="lee", MessageAction="SUPPRESS")
            idp.admin_set_user_password(UserPoolId=pid, Username="lee", Password=PW, Permanent=True)
            res = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": "lee", "PASSWORD": PW})["AuthenticationResult"]
            _, _, jwks_before = s.http("GET", f"/{pid}/.well-known/jwks.json")
            s.kill9()
            s.start()
            idp = s.client("cognito-idp")
            _, _, jwks_after = s.http("GET", f"/{pid}/.well-known/jwks.json")
            self.assertEqual(jwks_before, jwks_after)
            self.assertEqual(idp.get_user(AccessToken=res["AccessToken"])["Username"], "lee")
            idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
                              AuthParameters={"REFRESH_TOKEN": res["RefreshToken"]})
            # the signing key is sealed at rest: no PEM in the data directory's files
            for root, _, files in os.walk(s.data_dir):
                for f in files:
                    with open(os.path.join(root, f), "rb") as fh:
                        self.assertNotIn(b"BEGIN PRIVATE KEY", fh.read())
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
