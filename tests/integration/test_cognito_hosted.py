"""The user pool's hosted UI and OAuth 2.0 endpoints (basics) over plain HTTP: /oauth2/authorize's
login form, /login, the authorization code with PKCE (S256) exchanged at /oauth2/token, the
refresh_token and client_credentials grants, /oauth2/userInfo and /logout, on the pool's path and
on the pool domain's host (<domain>.auth.<region>.localhost)."""
import base64
import hashlib
import http.client
import json
import re
import secrets
import unittest.mock
import urllib.parse

from harness import StratusTestCase

PW = "Passw0rd!"
CB = "http://localhost:3000/callback"


def claims(token):
    p = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


class HostedUi(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        idp = cls.idp = cls.stratus.client("cognito-idp")
        cls.pid = idp.create_user_pool(PoolName="hosted")["UserPool"]["Id"]
        idp.create_user_pool_domain(UserPoolId=cls.pid, Domain="my-app")
        cls.web = idp.create_user_pool_client(
            UserPoolId=cls.pid, ClientName="web", CallbackURLs=[CB], LogoutURLs=["http://localhost:3000/bye"],
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email", "aws.cognito.signin.user.admin"],
            SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]
        idp.create_resource_server(UserPoolId=cls.pid, Identifier="https://api.example", Name="api",
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "r"},
                                           {"ScopeName": "write", "ScopeDescription": "w"}])
        m = idp.create_user_pool_client(UserPoolId=cls.pid, ClientName="machine", GenerateSecret=True,
                                        AllowedOAuthFlowsUserPoolClient=True,
                                        AllowedOAuthFlows=["client_credentials"],
                                        AllowedOAuthScopes=["https://api.example/read", "https://api.example/write"]
                                        )["UserPoolClient"]
        cls.spa = idp.create_user_pool_client(
            UserPoolId=cls.pid, ClientName="spa", CallbackURLs=[CB], LogoutURLs=["http://localhost:3000/bye"],
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["implicit"],
            AllowedOAuthScopes=["openid", "email"])["UserPoolClient"]["ClientId"]
        cls.machine, cls.machine_secret = m["ClientId"], m["ClientSecret"]
        idp.admin_create_user(UserPoolId=cls.pid, Username="hana", MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "hana@x.io"},
                                              {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=cls.pid, Username="hana", Password=PW, Permanent=True)

    def request(self, method, path, form=None, headers=None):
        """One request, redirects not followed: (status, headers, body text)."""
        u = urllib.parse.urlparse(self.stratus.endpoint)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        body = urllib.parse.urlencode(form) if form is not None else None
        h = dict(headers or {})
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode())
        conn.close()
        return out

    def authorize_params(self, verifier, state="xyz"):
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        return {"response_type": "code", "client_id": self.web, "redirect_uri": CB, "state": state,
                "scope": "openid email aws.cognito.signin.user.admin", "code_challenge": challenge,
                "code_challenge_method": "S256"}

    def sign_in(self, verifier, prefix=None, headers=None):
        prefix = f"/{self.pid}" if prefix is None else prefix
        params = self.authorize_params(verifier)
        status, _, html = self.request("GET", f"{prefix}/oauth2/authorize?" + urllib.parse.urlencode(params),
                                       headers=headers)
        self.assertEqual(status, 200, html)
        self.assertIn('name="password"', html)
        status, _, html = self.request("POST", f"{prefix}/login", dict(params, username="hana", password="nope"),
                                       headers=headers)
        self.assertEqual(status, 400)
        self.assertIn("Incorrect username or password.", html)
        status, hdrs, _ = self.request("POST", f"{prefix}/login", dict(params, username="hana", password=PW),
                                       headers=headers)
        self.assertEqual(status, 302)
        loc = urllib.parse.urlparse(hdrs["location"])
        self.assertEqual(f"{loc.scheme}://{loc.netloc}{loc.path}", CB)
        q = dict(urllib.parse.parse_qsl(loc.query))
        self.assertEqual(q["state"], "xyz")
        return q["code"]

    def token(self, form, headers=None, prefix=None):
        prefix = f"/{self.pid}" if prefix is None else prefix
        status, _, body = self.request("POST", f"{prefix}/oauth2/token", form, headers=headers)
        return status, json.loads(body)

    def test_authorization_code_with_pkce(self):
        verifier = secrets.token_urlsafe(48)
        code = self.sign_in(verifier)
        base = {"grant_type": "authorization_code", "client_id": self.web, "code": code, "redirect_uri": CB}
        self.assertEqual(self.token(dict(base, code_verifier="wrong" * 10)), (400, {"error": "invalid_grant"}))
        status, t = self.token(dict(base, code_verifier=verifier))
        self.assertEqual(status, 200, t)
        self.assertEqual(t["token_type"], "Bearer")
        self.assertEqual(t["expires_in"], 3600)
        self.assertEqual(claims(t["id_token"])["email"], "hana@x.io")
        self.assertEqual(claims(t["access_token"])["scope"], "openid email aws.cognito.signin.user.admin")
        # single use
        self.assertEqual(self.token(dict(base, code_verifier=verifier)), (400, {"error": "invalid_grant"}))
        # the access token works with the user APIs and /oauth2/userInfo
        self.assertEqual(self.idp.get_user(AccessToken=t["access_token"])["Username"], "hana")
        status, _, body = self.request("GET", f"/{self.pid}/oauth2/userInfo",
                                       headers={"Authorization": "Bearer " + t["access_token"]})
        self.assertEqual(status, 200)
        info = json.loads(body)
        self.assertEqual((info["email"], info["email_verified"], info["username"]), ("hana@x.io", "true", "hana"))
        self.assertEqual(self.request("GET", f"/{self.pid}/oauth2/userInfo",
                                      headers={"Authorization": "Bearer x.y.z"})[0], 401)
        # refresh_token grant
        status, r = self.token({"grant_type": "refresh_token", "client_id": self.web, "refresh_token": t["refresh_token"]})
        self.assertEqual(status, 200, r)
        self.assertNotIn("refresh_token", r)
        self.assertEqual(claims(r["access_token"])["username"], "hana")
        self.assertEqual(self.token({"grant_type": "refresh_token", "client_id": self.web, "refresh_token": "bad"}),
                         (400, {"error": "invalid_grant"}))

    def scoped_tokens(self, client, scope, username="omar"):
        """The authorization code flow (no PKCE) with `scope`: the token endpoint's answer."""
        params = {"response_type": "code", "client_id": client, "redirect_uri": CB, "scope": scope}
        status, hdrs, body = self.request("POST", f"/{self.pid}/login", dict(params, username=username, password=PW))
        self.assertEqual(status, 302, body)
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(hdrs["location"]).query))["code"]
        status, t = self.token({"grant_type": "authorization_code", "client_id": client, "code": code,
                                "redirect_uri": CB})
        self.assertEqual(status, 200, t)
        return t

    def user_info(self, access_token):
        headers = {"Authorization": "Bearer " + access_token} if access_token is not None else {}
        status, hdrs, body = self.request("GET", f"/{self.pid}/oauth2/userInfo", headers=headers)
        return status, hdrs.get("www-authenticate"), json.loads(body)

    def test_user_info_scopes(self):
        """userInfo wants the openid scope and answers the attributes the token's scopes allow."""
        if not hasattr(type(self), "scoped"):
            type(self).scoped = self.idp.create_user_pool_client(
                UserPoolId=self.pid, ClientName="scoped", CallbackURLs=[CB], AllowedOAuthFlowsUserPoolClient=True,
                AllowedOAuthFlows=["code"], SupportedIdentityProviders=["COGNITO"],
                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                AllowedOAuthScopes=["openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"]
            )["UserPoolClient"]["ClientId"]
            self.idp.admin_create_user(UserPoolId=self.pid, Username="omar", MessageAction="SUPPRESS",
                                       UserAttributes=[{"Name": "email", "Value": "omar@x.io"},
                                                       {"Name": "email_verified", "Value": "true"},
                                                       {"Name": "phone_number", "Value": "+14325551212"},
                                                       {"Name": "phone_number_verified", "Value": "true"},
                                                       {"Name": "given_name", "Value": "Omar"}])
            self.idp.admin_set_user_password(UserPoolId=self.pid, Username="omar", Password=PW, Permanent=True)
        c = self.scoped
        everything = {"email", "email_verified", "phone_number", "phone_number_verified", "given_name"}

        def claims_for(scope):
            status, _, info = self.user_info(self.scoped_tokens(c, scope)["access_token"])
            self.assertEqual(status, 200, info)
            self.assertEqual(info["username"], "omar")
            self.assertRegex(info["sub"], r"^[0-9a-f-]{36}$")
            return set(info) - {"sub", "username"}
        self.assertEqual(claims_for("openid"), set())
        self.assertEqual(claims_for("openid email"), {"email", "email_verified"})
        self.assertEqual(claims_for("openid phone"), {"phone_number", "phone_number_verified"})
        self.assertEqual(claims_for("openid email phone"),
                         {"email", "email_verified", "phone_number", "phone_number_verified"})
        self.assertEqual(claims_for("openid profile"), everything)
        self.assertEqual(claims_for("openid aws.cognito.signin.user.admin"), everything)

        invalid = ('error="invalid_token", error_description="Access token is expired, disabled, or deleted, '
                   'or the user has globally signed out."')
        # without openid
        t = self.scoped_tokens(c, "email aws.cognito.signin.user.admin")
        status, header, body = self.user_info(t["access_token"])
        self.assertEqual((status, body["error"]), (401, "invalid_token"))
        self.assertEqual(header, 'error="invalid_token", error_description="Access token does not contain openid scope"')
        # a token of the native API has no openid scope either
        native = self.idp.initiate_auth(ClientId=c, AuthFlow="USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": "omar", "PASSWORD": PW})["AuthenticationResult"]
        self.assertEqual(self.user_info(native["AccessToken"])[0], 401)
        # no token, a bad token, a signed-out user's token
        self.assertEqual(self.user_info(None), (400, 'error="invalid_request"', {"error": "invalid_request"}))
        self.assertEqual(self.user_info("x.y.z"), (401, invalid, {
            "error": "invalid_token",
            "error_description": "Access token is expired, disabled, or deleted, or the user has globally signed out."}))
        t = self.scoped_tokens(c, "openid email")
        self.assertEqual(self.user_info(t["access_token"])[0], 200)
        self.idp.admin_user_global_sign_out(UserPoolId=self.pid, Username="omar")
        self.assertEqual(self.user_info(t["access_token"])[:2], (401, invalid))

        # ReadAttributes narrow what any scope shows
        self.idp.update_user_pool_client(
            UserPoolId=self.pid, ClientId=c, ClientName="scoped", CallbackURLs=[CB],
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], SupportedIdentityProviders=["COGNITO"],
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            AllowedOAuthScopes=["openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"],
            ReadAttributes=["email", "given_name"])
        self.assertEqual(claims_for("openid profile"), {"email", "given_name"})
        # a scope whose attributes the client cannot all read: invalid_grant at the token endpoint
        params = {"response_type": "code", "client_id": c, "redirect_uri": CB, "scope": "openid email"}
        status, hdrs, _ = self.request("POST", f"/{self.pid}/login", dict(params, username="omar", password=PW))
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(hdrs["location"]).query))["code"]
        self.assertEqual(self.token({"grant_type": "authorization_code", "client_id": c, "code": code,
                                     "redirect_uri": CB}), (400, {"error": "invalid_grant"}))

    def test_domain_host(self):
        verifier = secrets.token_urlsafe(48)
        host = {"Host": "my-app.auth.us-east-1.localhost"}
        code = self.sign_in(verifier, prefix="", headers=host)
        status, t = self.token({"grant_type": "authorization_code", "client_id": self.web, "code": code,
                                "redirect_uri": CB, "code_verifier": verifier}, headers=host, prefix="")
        self.assertEqual(status, 200, t)

    def test_authorize_errors(self):
        p = self.authorize_params("v" * 50)
        status, hdrs, _ = self.request("GET", f"/{self.pid}/oauth2/authorize?" +
                                       urllib.parse.urlencode(dict(p, redirect_uri="http://evil/")))
        self.assertEqual(status, 302)
        self.assertEqual(hdrs["location"], f"/{self.pid}/error?error=redirect_mismatch&client_id={self.web}")
        self.assertEqual(self.request("GET", hdrs["location"])[0], 400)
        for bad, error in [({"response_type": "token"}, "unauthorized_client"), ({"response_type": ""}, "invalid_request"),
                           ({"code_challenge_method": "plain"}, "invalid_request")]:
            status, hdrs, _ = self.request("GET", f"/{self.pid}/oauth2/authorize?" + urllib.parse.urlencode(dict(p, **bad)))
            self.assertEqual(status, 302, bad)
            self.assertIn("error=" + error, hdrs["location"])
            self.assertIn("state=xyz", hdrs["location"])
        status, hdrs, _ = self.request("GET", f"/{self.pid}/oauth2/authorize?" +
                                       urllib.parse.urlencode(dict(p, scope="phone")))
        self.assertEqual(status, 302)
        self.assertIn("error=invalid_scope", hdrs["location"])
        status, hdrs, _ = self.request("GET", f"/{self.pid}/logout?client_id={self.web}&logout_uri=http%3A%2F%2Flocalhost%3A3000%2Fbye")
        self.assertEqual((status, hdrs["location"]), (302, "http://localhost:3000/bye"))

    def test_client_credentials(self):
        basic = base64.b64encode(f"{self.machine}:{self.machine_secret}".encode()).decode()
        status, t = self.token({"grant_type": "client_credentials", "scope": "https://api.example/read"},
                               headers={"Authorization": "Basic " + basic})
        self.assertEqual(status, 200, t)
        self.assertEqual(sorted(t), ["access_token", "expires_in", "token_type"])
        c = claims(t["access_token"])
        self.assertEqual((c["sub"], c["client_id"], c["scope"], c["token_use"]),
                         (self.machine, self.machine, "https://api.example/read", "access"))
        # no scope: every custom scope of the client; form authentication (client_secret_post)
        status, t = self.token({"grant_type": "client_credentials", "client_id": self.machine,
                                "client_secret": self.machine_secret})
        self.assertEqual(status, 200, t)
        self.assertEqual(claims(t["access_token"])["scope"], "https://api.example/read https://api.example/write")
        for scope in ["openid", "https://api.example/delete", "https://other/read"]:
            self.assertEqual(self.token({"grant_type": "client_credentials", "scope": scope},
                                        headers={"Authorization": "Basic " + basic}), (400, {"error": "invalid_scope"}))
        bad = base64.b64encode(f"{self.machine}:wrong".encode()).decode()
        self.assertEqual(self.token({"grant_type": "client_credentials"}, headers={"Authorization": "Basic " + bad}),
                         (400, {"error": "invalid_client"}))
        self.assertEqual(self.token({"grant_type": "client_credentials", "client_id": self.web}),
                         (400, {"error": "unauthorized_client"}))
        self.assertEqual(self.token({"grant_type": "password", "client_id": self.web}),
                         (400, {"error": "unsupported_grant_type"}))

    def test_resource_servers(self):
        idp = self.idp
        rs = idp.describe_resource_server(UserPoolId=self.pid, Identifier="https://api.example")["ResourceServer"]
        self.assertEqual((rs["Name"], [s["ScopeName"] for s in rs["Scopes"]]), ("api", ["read", "write"]))
        with self.assertRaises(idp.exceptions.InvalidParameterException):
            idp.create_resource_server(UserPoolId=self.pid, Identifier="https://api.example", Name="again")
        with self.assertRaises(idp.exceptions.ScopeDoesNotExistException) as e:
            idp.create_user_pool_client(UserPoolId=self.pid, ClientName="x", AllowedOAuthFlows=["client_credentials"],
                                        AllowedOAuthFlowsUserPoolClient=True, GenerateSecret=True,
                                        AllowedOAuthScopes=["https://api.example/admin"])
        self.assertEqual(e.exception.response["Error"]["Message"], "Invalid scope requested: https://api.example/admin")
        for flows, secret, message in [
                (["client_credentials", "code"], True,
                 "client_credentials flow can not be selected along with code flow or implicit flow."),
                (["client_credentials"], False,
                 "client_credentials flow can not be selected if client does not have a client secret.")]:
            with self.assertRaises(idp.exceptions.InvalidOAuthFlowException) as e:
                idp.create_user_pool_client(UserPoolId=self.pid, ClientName="x", AllowedOAuthFlows=flows,
                                            AllowedOAuthFlowsUserPoolClient=True, GenerateSecret=secret,
                                            CallbackURLs=[CB], AllowedOAuthScopes=["https://api.example/read"])
            self.assertEqual(e.exception.response["Error"]["Message"], message)
        idp.create_resource_server(UserPoolId=self.pid, Identifier="tmp", Name="tmp",
                                   Scopes=[{"ScopeName": "a", "ScopeDescription": "a"}])
        idp.update_resource_server(UserPoolId=self.pid, Identifier="tmp", Name="tmp2",
                                   Scopes=[{"ScopeName": "b", "ScopeDescription": "b"}])
        self.assertEqual(idp.describe_resource_server(UserPoolId=self.pid, Identifier="tmp")["ResourceServer"]["Name"],
                         "tmp2")
        page = idp.list_resource_servers(UserPoolId=self.pid, MaxResults=1)
        self.assertEqual(len(page["ResourceServers"]), 1)
        rest = idp.list_resource_servers(UserPoolId=self.pid, MaxResults=10, NextToken=page["NextToken"])
        self.assertEqual(len(page["ResourceServers"] + rest["ResourceServers"]), 2)
        idp.delete_resource_server(UserPoolId=self.pid, Identifier="tmp")
        with self.assertRaises(idp.exceptions.ResourceNotFoundException):
            idp.describe_resource_server(UserPoolId=self.pid, Identifier="tmp")

    def test_implicit_grant(self):
        params = {"response_type": "token", "client_id": self.spa, "redirect_uri": CB, "state": "s1",
                  "scope": "openid email"}
        status, hdrs, _ = self.request("POST", f"/{self.pid}/login", dict(params, username="hana", password=PW))
        self.assertEqual(status, 302)
        loc = urllib.parse.urlparse(hdrs["location"])
        self.assertEqual(loc.query, "")
        f = dict(urllib.parse.parse_qsl(loc.fragment))
        self.assertEqual(sorted(f), ["access_token", "expires_in", "id_token", "state", "token_type"])
        self.assertEqual((f["state"], f["token_type"], f["expires_in"]), ("s1", "Bearer", "3600"))
        self.assertEqual(claims(f["id_token"])["aud"], self.spa)
        self.assertEqual(claims(f["access_token"])["scope"], "openid email")
        # the code flow is not allowed for this client
        status, hdrs, _ = self.request("GET", f"/{self.pid}/oauth2/authorize?" +
                                       urllib.parse.urlencode(dict(params, response_type="code")))
        self.assertIn("error=unauthorized_client", hdrs["location"])
        # without openid: no ID token
        status, hdrs, _ = self.request("POST", f"/{self.pid}/login",
                                       dict(params, scope="email", username="hana", password=PW))
        f = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(hdrs["location"]).fragment))
        self.assertNotIn("id_token", f)

    def test_sign_in_cookie_and_logout(self):
        verifier = secrets.token_urlsafe(48)
        params = self.authorize_params(verifier)
        status, hdrs, _ = self.request("POST", f"/{self.pid}/login", dict(params, username="hana", password=PW))
        self.assertEqual(status, 302)
        cookie = hdrs["set-cookie"].split(";")[0]
        self.assertTrue(cookie.startswith("cognito="))
        self.assertIn(f"Path=/{self.pid}/", hdrs["set-cookie"])
        self.assertIn("HttpOnly", hdrs["set-cookie"])
        # a second authorize with the cookie: straight back with a code, no form
        status, hdrs, _ = self.request("GET", f"/{self.pid}/oauth2/authorize?" + urllib.parse.urlencode(params),
                                       headers={"Cookie": "other=1; " + cookie})
        self.assertEqual(status, 302)
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(hdrs["location"]).query))["code"]
        status, t = self.token({"grant_type": "authorization_code", "client_id": self.web, "code": code,
                                "redirect_uri": CB, "code_verifier": verifier})
        self.assertEqual(status, 200, t)
        # a forged cookie shows the form
        status, _, html = self.request("GET", f"/{self.pid}/oauth2/authorize?" + urllib.parse.urlencode(params),
                                       headers={"Cookie": "cognito=AAAA" + cookie[12:]})
        self.assertEqual(status, 200)
        self.assertIn('name="password"', html)
        # /logout clears it; an unregistered logout_uri is refused
        status, hdrs, _ = self.request("GET", f"/{self.pid}/logout?client_id={self.web}&logout_uri=" +
                                       urllib.parse.quote("http://localhost:3000/bye", safe=""))
        self.assertEqual((status, hdrs["location"]), (302, "http://localhost:3000/bye"))
        self.assertIn("Max-Age=0", hdrs["set-cookie"])
        self.assertEqual(self.request("GET", f"/{self.pid}/logout?client_id={self.web}&logout_uri=http%3A%2F%2Fevil%2F")[0],
                         400)
        # logout with redirect_uri: to the sign-in page again
        status, hdrs, _ = self.request("GET", f"/{self.pid}/logout?" + urllib.parse.urlencode(
            {"client_id": self.web, "redirect_uri": CB, "response_type": "code", "state": "q"}))
        self.assertEqual(status, 302)
        self.assertTrue(hdrs["location"].startswith(f"/{self.pid}/login?client_id={self.web}"), hdrs["location"])

    def test_temporary_password_changed_in_the_hosted_ui(self):
        self.idp.admin_create_user(UserPoolId=self.pid, Username="newbie", TemporaryPassword="Temp0rary!",
                                   MessageAction="SUPPRESS")
        verifier = secrets.token_urlsafe(48)
        params = self.authorize_params(verifier)
        status, _, html = self.request("POST", f"/{self.pid}/login",
                                       dict(params, username="newbie", password="Temp0rary!"))
        self.assertEqual(status, 200)
        self.assertIn('name="new_password"', html)
        session = re.search(r'name="session" value="([^"]+)"', html).group(1)
        # the policy applies: the same form again with the error
        status, _, html = self.request("POST", f"/{self.pid}/login", dict(params, session=session, new_password="short"))
        self.assertEqual(status, 400)
        self.assertIn('name="new_password"', html)
        self.assertIn("Password did not conform with policy", html)
        status, hdrs, _ = self.request("POST", f"/{self.pid}/login",
                                       dict(params, session=session, new_password="Brand-New-Passw0rd"))
        self.assertEqual(status, 302, hdrs)
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(hdrs["location"]).query))["code"]
        status, t = self.token({"grant_type": "authorization_code", "client_id": self.web, "code": code,
                                "redirect_uri": CB, "code_verifier": verifier})
        self.assertEqual(status, 200, t)
        self.assertEqual(self.idp.admin_get_user(UserPoolId=self.pid, Username="newbie")["UserStatus"], "CONFIRMED")
        # the session is spent; a forged one is refused
        status, _, html = self.request("POST", f"/{self.pid}/login", dict(params, session=session, new_password="Another-Passw0rd"))
        self.assertEqual(status, 400)
        self.assertIn('name="password"', html)

    def test_revoke(self):
        verifier = secrets.token_urlsafe(48)
        code = self.sign_in(verifier)
        status, t = self.token({"grant_type": "authorization_code", "client_id": self.web, "code": code,
                                "redirect_uri": CB, "code_verifier": verifier})
        self.assertEqual(status, 200, t)
        path = f"/{self.pid}/oauth2/revoke"
        self.assertEqual(self.request("POST", path, {"client_id": self.web}), (400, unittest.mock.ANY, '{"error":"invalid_request"}'))
        self.assertEqual(self.request("POST", path, {"client_id": "nope", "token": t["refresh_token"]})[0], 401)
        status, _, body = self.request("POST", path, {"client_id": self.web, "token": t["access_token"]})
        self.assertEqual((status, json.loads(body)), (400, {"error": "unsupported_token_type"}))
        status, _, body = self.request("POST", path, {"client_id": self.web, "token": t["refresh_token"]})
        self.assertEqual((status, body), (200, ""))
        # revoked: the refresh token and the access token issued with it stop working
        self.assertEqual(self.token({"grant_type": "refresh_token", "client_id": self.web,
                                     "refresh_token": t["refresh_token"]}), (400, {"error": "invalid_grant"}))
        with self.assertRaises(self.idp.exceptions.NotAuthorizedException):
            self.idp.get_user(AccessToken=t["access_token"])
        # again, or an unknown token: still 200
        self.assertEqual(self.request("POST", path, {"client_id": self.web, "token": t["refresh_token"]})[0], 200)
        self.assertEqual(self.request("POST", path, {"client_id": self.web, "token": "a.b.c.d.e"})[0], 200)
