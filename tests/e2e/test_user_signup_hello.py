"""The user-signup-hello reference application, end to end in a real browser, deployed with
examples/user-signup-hello/deploy.sh exactly as on AWS (plus an endpoint URL):

  page on the S3 static website -> Cognito sign-up -> code by email (the Stratus mailbox) ->
  confirm -> SRP login -> identity pool credentials -> Lambda x2 (DynamoDB, S3) -> table stream ->
  Lambda -> Parameter Store -> REST API page "hello <name>"

Headless Chromium (Debian's chromium, chromium-driver, python3-selenium) drives the page as a
user would; Stratus restarts between confirming and signing in; the final page is saved as a
screenshot. Deploying again changes nothing; the teardown leaves nothing behind."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Stratus  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "user-signup-hello")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def webdriver_module():
    try:
        import selenium  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")  # Debian's python3-selenium under another python
    from selenium import webdriver
    return webdriver


@unittest.skipUnless(CHROMIUM and CHROMEDRIVER, "chromium and chromium-driver are not installed")
class UserSignupHello(unittest.TestCase):
    def setUp(self):
        self.stratus = Stratus().start()
        self.addCleanup(self.stratus.cleanup)
        self.outputs = self.deploy()
        webdriver = webdriver_module()
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-extensions", "--no-first-run", "--window-size=1000,700"):
            options.add_argument(arg)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.addCleanup(self.driver.quit)

    def run_script(self, name, timeout=400):
        env = dict(os.environ, STRATUS_ENDPOINT=self.stratus.endpoint)
        cp = subprocess.run(["bash", os.path.join(EXAMPLE, name)], capture_output=True, text=True, env=env,
                            timeout=timeout)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        return cp.stdout

    def deploy(self):
        out = self.run_script("deploy.sh")
        found = dict(re.findall(r"^(user pool|identity pool|hello API|website URL): (\S+)$", out, re.M))
        self.assertEqual(len(found), 4, out)
        return found

    def wait(self, condition, timeout=60):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.driver, timeout).until(lambda d: condition(d))

    def visible(self, element_id):
        from selenium.webdriver.common.by import By
        return self.wait(lambda d: d.find_element(By.ID, element_id).is_displayed() and d.find_element(By.ID, element_id))

    def type_into(self, element_id, text):
        element = self.visible(element_id)
        element.clear()
        element.send_keys(text)

    def status(self):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.ID, "status").text

    def code_for(self, email):
        for _ in range(150):
            with urllib.request.urlopen(f"{self.stratus.endpoint}/_stratus/mailbox?recipient={email}", timeout=5) as r:
                msgs = json.loads(r.read())["messages"]
            if msgs:
                return re.search(r"\b(\d{6})\b", msgs[-1]["body"]).group(1)
            time.sleep(0.2)
        self.fail("no verification email for " + email + "; page says: " + self.status())

    def test_sign_up_confirm_log_in_and_get_the_hello_page(self):
        site = self.outputs["website URL"]
        self.driver.get(site)
        self.type_into("email", "ada@example.com")
        self.type_into("username", "ada")
        self.type_into("password", "Passw0rd!x")
        self.visible("signup-button").click()
        self.visible("code")
        self.type_into("code", self.code_for("ada@example.com"))
        self.visible("confirm-button").click()
        self.visible("login-button")

        # Restart halfway: the account, the page and everything deployed survive.
        self.assertEqual(self.stratus.stop(), 0)
        self.stratus.start()
        self.driver.get(site)
        self.visible("have-account").click()
        self.type_into("login-username", "ada")
        self.type_into("login-password", "Passw0rd!x")
        self.visible("login-button").click()
        from selenium.webdriver.common.by import By
        try:
            self.wait(lambda d: "/hello/" in d.current_url and d.find_element(By.ID, "hello"), timeout=90)
        except Exception:
            self.fail("no hello page; the page says: " + self.status())
        self.assertEqual(self.driver.find_element(By.ID, "hello").text, "hello ada")
        shots = os.environ.get("STRATUS_ARTIFACT_DIR") or tempfile.gettempdir()
        os.makedirs(shots, exist_ok=True)
        shot = os.path.join(shots, "user-signup-hello.png")
        self.driver.save_screenshot(shot)
        print(f"\nscreenshot of the final page: {shot}", file=sys.stderr)

        # What the journey left behind.
        item = self.stratus.client("dynamodb").get_item(TableName="HelloUsers", Key={"username": {"S": "ada"}})["Item"]
        self.assertEqual(item["email"], {"S": "ada@example.com"})
        self.assertTrue(item["identityId"]["S"].startswith("us-east-1:"), item)
        doc = json.loads(self.stratus.client("s3").get_object(Bucket="hello-users-000000000000",
                                                               Key="users/ada.json")["Body"].read())
        self.assertEqual((doc["username"], doc["email"]), ("ada", "ada@example.com"))
        self.assertEqual(self.stratus.client("ssm").get_parameter(Name="/hello/users/ada")["Parameter"]["Value"], "ada")

        # Deploying again changes nothing that exists; tearing down removes everything.
        self.assertEqual(self.deploy(), self.outputs)
        self.run_script("teardown.sh", timeout=180)
        self.assertEqual(self.stratus.client("dynamodb").list_tables()["TableNames"], [])
        self.assertEqual(self.stratus.client("lambda").list_functions()["Functions"], [])
        self.assertEqual(self.stratus.client("s3").list_buckets()["Buckets"], [])
        self.assertEqual(self.stratus.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"], [])
        self.assertEqual(self.stratus.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"], [])
        self.assertEqual(self.stratus.client("ssm").describe_parameters()["Parameters"], [])
        iam = self.stratus.client("iam")
        self.assertEqual(iam.list_roles()["Roles"], [])
        self.assertEqual(iam.list_policies(Scope="Local")["Policies"], [])


if __name__ == "__main__":
    unittest.main()
