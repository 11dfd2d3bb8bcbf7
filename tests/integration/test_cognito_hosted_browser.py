"""The hosted UI login in a real browser (headless Chromium through Debian's chromium-driver and
python3-selenium): /oauth2/authorize's page, the form filled and submitted, the redirect to the
app's callback with the code, and the code exchanged (PKCE S256) for tokens; the sign-in cookie
skips the form on a second authorize until /logout."""
import base64
import functools
import hashlib
import http.server
import json
import secrets
import threading
import unittest
import urllib.parse
import urllib.request

from harness import StratusTestCase, free_port
from test_browser_sdk import CHROMEDRIVER, CHROMIUM, QuietHandler, selenium_webdriver

PW = "Passw0rd!"


@unittest.skipUnless(CHROMIUM and CHROMEDRIVER, "chromium and chromium-driver are not installed")
class HostedUiBrowser(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()),
                                                  functools.partial(QuietHandler, directory="/nonexistent"))
        threading.Thread(target=cls.app.serve_forever, daemon=True).start()
        cls.callback = f"http://127.0.0.1:{cls.app.server_address[1]}/callback"
        webdriver = selenium_webdriver()
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-extensions", "--no-first-run"):
            options.add_argument(arg)
        cls.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.app.shutdown()
        cls.app.server_close()
        super().tearDownClass()

    def test_login_in_a_browser_then_code_for_tokens(self):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        idp = self.stratus.client("cognito-idp")
        pid = idp.create_user_pool(PoolName="browser")["UserPool"]["Id"]
        cid = idp.create_user_pool_client(
            UserPoolId=pid, ClientName="spa", CallbackURLs=[self.callback], AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pid, Username="rita", MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "rita@x.io"}])
        idp.admin_set_user_password(UserPoolId=pid, Username="rita", Password=PW, Permanent=True)
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        q = urllib.parse.urlencode({"response_type": "code", "client_id": cid, "redirect_uri": self.callback,
                                    "scope": "openid email", "state": "s1", "code_challenge": challenge,
                                    "code_challenge_method": "S256"})
        self.driver.get(f"{self.stratus.endpoint}/{pid}/oauth2/authorize?{q}")
        self.driver.find_element(By.ID, "username").send_keys("rita")
        self.driver.find_element(By.ID, "password").send_keys(PW)
        self.driver.find_element(By.ID, "signin").click()
        WebDriverWait(self.driver, 30).until(lambda d: d.current_url.startswith(self.callback))
        got = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.driver.current_url).query))
        self.assertEqual(got["state"], "s1")
        body = urllib.parse.urlencode({"grant_type": "authorization_code", "client_id": cid, "code": got["code"],
                                       "redirect_uri": self.callback, "code_verifier": verifier}).encode()
        req = urllib.request.Request(f"{self.stratus.endpoint}/{pid}/oauth2/token", data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=10) as r:
            tokens = json.loads(r.read())
        p = tokens["id_token"].split(".")[1]
        self.assertEqual(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["email"], "rita@x.io")
        # the sign-in cookie: a second authorize goes straight back to the app with a new code
        self.driver.get(f"{self.stratus.endpoint}/{pid}/oauth2/authorize?{q.replace('state=s1', 'state=s2')}")
        WebDriverWait(self.driver, 30).until(lambda d: d.current_url.startswith(self.callback))
        again = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.driver.current_url).query))
        self.assertEqual(again["state"], "s2")
        self.assertNotEqual(again["code"], got["code"])
        # after /logout the form is shown again
        idp.update_user_pool_client(UserPoolId=pid, ClientId=cid, CallbackURLs=[self.callback],
                                    LogoutURLs=[self.callback + "?bye"], AllowedOAuthFlowsUserPoolClient=True,
                                    AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email"])
        self.driver.get(f"{self.stratus.endpoint}/{pid}/logout?client_id={cid}&logout_uri=" +
                        urllib.parse.quote(self.callback + "?bye", safe=""))
        WebDriverWait(self.driver, 30).until(lambda d: d.current_url.startswith(self.callback))
        self.driver.get(f"{self.stratus.endpoint}/{pid}/oauth2/authorize?{q}")
        self.assertTrue(self.driver.find_element(By.ID, "password").is_displayed())


if __name__ == "__main__":
    unittest.main()
