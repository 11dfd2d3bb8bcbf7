"""API Gateway REST APIs with a COGNITO_USER_POOLS authorizer against Stratus's own user pools:
ID tokens for methods without scopes, access tokens with a matching scope for methods with
authorizationScopes, signature / expiry / issuer / token_use / pool checked (401
{"message":"Unauthorized"}), claims in $context.authorizer.claims (MOCK template) and in a Lambda
proxy event's requestContext.authorizer.claims, rendered as AWS renders them (strings)."""
import base64
import json
import re
import time

import lambda_util
from harness import StratusTestCase

PW = "Passw0rd!"

ECHO_FN = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"])}
"""


def b64(d):
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()


def unb64(s):
    return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))


class CognitoAuthorizer(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.stratus.client("apigateway")
        cls.idp = cls.stratus.client("cognito-idp")
        cls.lam = cls.stratus.client("lambda")
        cls.pool = cls.idp.create_user_pool(PoolName="api-users")["UserPool"]
        cls.pid = cls.pool["Id"]
        cls.cid = cls.idp.create_user_pool_client(
            UserPoolId=cls.pid, ClientName="web",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        cls.idp.admin_create_user(UserPoolId=cls.pid, Username="alice", MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "email", "Value": "alice@x.io"},
                                                  {"Name": "email_verified", "Value": "true"}])
        cls.idp.admin_set_user_password(UserPoolId=cls.pid, Username="alice", Password=PW, Permanent=True)
        for g in ("admins", "staff"):
            cls.idp.create_group(UserPoolId=cls.pid, GroupName=g)
            cls.idp.admin_add_user_to_group(UserPoolId=cls.pid, Username="alice", GroupName=g)
        cls.tokens = cls.login()
        other = cls.idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
        ocid = cls.idp.create_user_pool_client(UserPoolId=other, ClientName="c",
                                               ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                                  "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        cls.idp.admin_create_user(UserPoolId=other, Username="bob", MessageAction="SUPPRESS")
        cls.idp.admin_set_user_password(UserPoolId=other, Username="bob", Password=PW, Permanent=True)
        cls.other_tokens = cls.idp.initiate_auth(ClientId=ocid, AuthFlow="USER_PASSWORD_AUTH",
                                                 AuthParameters={"USERNAME": "bob", "PASSWORD": PW})["AuthenticationResult"]
        echo = lambda_util.create(cls.lam, "claims-echo", {"app.py": ECHO_FN})["FunctionArn"]
        cls.api = cls.apigw.create_rest_api(name="users-api")
        api, root = cls.api["id"], cls.api["rootResourceId"]
        cls.az = cls.apigw.create_authorizer(restApiId=api, name="pool", type="COGNITO_USER_POOLS",
                                             providerARNs=[cls.pool["Arn"]],
                                             identitySource="method.request.header.Authorization")["id"]
        me = cls.apigw.create_resource(restApiId=api, parentId=root, pathPart="me")["id"]
        cls.mock(api, me, "GET", authorizationType="COGNITO_USER_POOLS", authorizerId=cls.az,
                 template='{"user": "$context.authorizer.claims[\'cognito:username\']", '
                          '"email": "$context.authorizer.claims.email", "use": "$context.authorizer.claims.token_use"}')
        admin = cls.apigw.create_resource(restApiId=api, parentId=root, pathPart="admin")["id"]
        cls.mock(api, admin, "GET", authorizationType="COGNITO_USER_POOLS", authorizerId=cls.az,
                 authorizationScopes=["aws.cognito.signin.user.admin"],
                 template='{"user": "$context.authorizer.claims.username", "scope": "$context.authorizer.claims.scope"}')
        orders = cls.apigw.create_resource(restApiId=api, parentId=root, pathPart="orders")["id"]
        cls.mock(api, orders, "GET", authorizationType="COGNITO_USER_POOLS", authorizerId=cls.az,
                 authorizationScopes=["orders/read"], template='{"ok": true}')
        proxy = cls.apigw.create_resource(restApiId=api, parentId=root, pathPart="proxy")["id"]
        cls.apigw.put_method(restApiId=api, resourceId=proxy, httpMethod="GET",
                             authorizationType="COGNITO_USER_POOLS", authorizerId=cls.az)
        cls.apigw.put_integration(restApiId=api, resourceId=proxy, httpMethod="GET", type="AWS_PROXY",
                                  integrationHttpMethod="POST",
                                  uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{echo}/invocations")
        cls.apigw.create_deployment(restApiId=api, stageName="prod")

    @classmethod
    def login(cls):
        return cls.idp.initiate_auth(ClientId=cls.cid, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "alice", "PASSWORD": PW})["AuthenticationResult"]

    @classmethod
    def mock(cls, api, res, verb, template, **kw):
        cls.apigw.put_method(restApiId=api, resourceId=res, httpMethod=verb, **kw)
        cls.apigw.put_integration(restApiId=api, resourceId=res, httpMethod=verb, type="MOCK",
                                  requestTemplates={"application/json": '{"statusCode": 200}'})
        cls.apigw.put_method_response(restApiId=api, resourceId=res, httpMethod=verb, statusCode="200")
        cls.apigw.put_integration_response(restApiId=api, resourceId=res, httpMethod=verb, statusCode="200",
                                           responseTemplates={"application/json": template})

    def call(self, path, token=None):
        headers = {"Authorization": token} if token is not None else {}
        status, hdrs, raw = self.stratus.http("GET", f"/restapis/{self.api['id']}/prod/_user_request_{path}",
                                              headers=headers)
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

    def assert_unauthorized(self, path, token=None):
        self.assertEqual(self.call(path, token), (401, {"message": "Unauthorized"}))

    def test_id_token_on_a_method_without_scopes(self):
        self.assertEqual(self.call("/me", self.tokens["IdToken"]),
                         (200, {"user": "alice", "email": "alice@x.io", "use": "id"}))
        self.assertEqual(self.call("/me", "Bearer " + self.tokens["IdToken"])[0], 200)

    def test_access_token_on_a_method_with_scopes(self):
        self.assertEqual(self.call("/admin", self.tokens["AccessToken"]),
                         (200, {"user": "alice", "scope": "aws.cognito.signin.user.admin"}))
        # the ID token is not accepted where scopes are asked, nor the access token where none are
        self.assert_unauthorized("/admin", self.tokens["IdToken"])
        self.assert_unauthorized("/me", self.tokens["AccessToken"])
        # a scope the token does not hold
        self.assert_unauthorized("/orders", self.tokens["AccessToken"])

    def test_missing_and_invalid_tokens(self):
        self.assert_unauthorized("/me")
        self.assert_unauthorized("/me", "")
        self.assert_unauthorized("/me", "not-a-jwt")
        self.assert_unauthorized("/me", "a.b.c")
        h, p, s = self.tokens["IdToken"].split(".")
        claims = unb64(p)
        # a forged payload (the signature no longer matches)
        self.assert_unauthorized("/me", ".".join([h, b64(dict(claims, **{"cognito:username": "mallory"})), s]))
        # expired
        self.assert_unauthorized("/me", ".".join([h, b64(dict(claims, exp=int(time.time()) - 10)), s]))
        # alg none
        self.assert_unauthorized("/me", ".".join([b64({"alg": "none", "typ": "JWT"}), p, ""]))
        # a token of another pool (valid there)
        self.assert_unauthorized("/me", self.other_tokens["IdToken"])
        # a corrupted signature
        self.assert_unauthorized("/me", ".".join([h, p, s[:-4] + ("AAAA" if s[-4:] != "AAAA" else "BBBB")]))

    def test_claims_in_the_lambda_proxy_event(self):
        status, authz = self.call("/proxy", self.tokens["IdToken"])
        self.assertEqual(status, 200, authz)
        claims = authz["claims"]
        self.assertTrue(all(isinstance(v, str) for v in claims.values()), claims)
        self.assertEqual(claims["cognito:username"], "alice")
        self.assertEqual(claims["email_verified"], "true")
        self.assertEqual(claims["aud"], self.cid)
        self.assertEqual(claims["token_use"], "id")
        self.assertEqual(claims["cognito:groups"], "admins,staff")
        self.assertRegex(claims["exp"], r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4}$")
        self.assertRegex(claims["auth_time"], r"^\d+$")
        exp = unb64(self.tokens["IdToken"].split(".")[1])["exp"]
        self.assertEqual(claims["exp"], time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(exp)))

    def test_test_invoke_authorizer(self):
        r = self.apigw.test_invoke_authorizer(restApiId=self.api["id"], authorizerId=self.az,
                                              headers={"Authorization": self.tokens["IdToken"]})
        self.assertEqual(r["clientStatus"], 200)
        self.assertEqual(r["claims"]["cognito:username"], "alice")
        self.assertEqual(r["claims"]["token_use"], "id")
        r = self.apigw.test_invoke_authorizer(restApiId=self.api["id"], authorizerId=self.az,
                                              headers={"Authorization": "garbage"})
        self.assertEqual(r["clientStatus"], 401)
        self.assertNotIn("claims", r)

    def test_signed_out_tokens_still_pass_as_on_aws(self):
        # API Gateway checks the JWT itself; revocation is for Cognito's own APIs.
        t = self.login()
        self.idp.global_sign_out(AccessToken=t["AccessToken"])
        with self.assertRaises(self.idp.exceptions.NotAuthorizedException):
            self.idp.get_user(AccessToken=t["AccessToken"])
        self.assertEqual(self.call("/me", t["IdToken"])[0], 200)
