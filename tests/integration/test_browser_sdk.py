"""A web page using the AWS SDK for JavaScript v3 against Stratus in headless Chromium (issue 14):
the page is served from a loopback origin other than Stratus' own, so every call is a CORS request
(preflight, then the call); DynamoDB's answers come back gzip-compressed, as browsers accept it.

Needs Debian's chromium, chromium-driver and python3-selenium and the npm packages of
tests/integration/browser (tools/deps.sh installs them all); skips only when Chromium is absent."""
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

from harness import Stratus, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE_DIR = os.path.join(HERE, "browser")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def selenium_webdriver():
    try:
        import selenium  # noqa: F401
    except ImportError:
        # Debian's python3-selenium, when python3 is another build (pyenv) than Debian's.
        sys.path.append("/usr/lib/python3/dist-packages")
    from selenium import webdriver
    return webdriver


def build_page(out_dir):
    """Bundles browser/app.js with the SDK clients (esbuild) next to index.html in out_dir."""
    esbuild = os.path.join(PAGE_DIR, "node_modules", ".bin", "esbuild")
    sdk = os.path.join(PAGE_DIR, "node_modules", "@aws-sdk", "client-dynamodb")
    if not (os.path.exists(esbuild) and os.path.exists(sdk)):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PAGE_DIR, check=True,
                       capture_output=True, timeout=600)
    subprocess.run([esbuild, "app.js", "--bundle", "--format=iife", "--platform=browser", "--target=es2020",
                    "--log-level=warning", "--outfile=" + os.path.join(out_dir, "bundle.js")],
                   cwd=PAGE_DIR, check=True, timeout=120)
    shutil.copy(os.path.join(PAGE_DIR, "index.html"), out_dir)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@unittest.skipUnless(CHROMIUM and CHROMEDRIVER, "chromium and chromium-driver are not installed")
class BrowserSdk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.page_dir = tempfile.mkdtemp(prefix="stratus-page-")
        build_page(cls.page_dir)
        cls.page_server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", free_port()), functools.partial(QuietHandler, directory=cls.page_dir))
        threading.Thread(target=cls.page_server.serve_forever, daemon=True).start()
        cls.page_origin = f"http://127.0.0.1:{cls.page_server.server_address[1]}"
        webdriver = selenium_webdriver()
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-extensions", "--no-first-run"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.page_server.shutdown()
        cls.page_server.server_close()
        shutil.rmtree(cls.page_dir, ignore_errors=True)

    def start(self, *args):
        s = Stratus(*args, ephemeral=True).start()
        self.addCleanup(s.cleanup)
        return s

    def run_page(self, stratus):
        """Loads the page against `stratus`; returns (state, result dict, network responses)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        self.driver.get_log("performance")  # drop earlier entries
        self.driver.get(f"{self.page_origin}/index.html?endpoint={stratus.endpoint}")
        result = self.driver.find_element(By.ID, "result")
        WebDriverWait(self.driver, 90).until(lambda d: result.get_attribute("data-state") != "running")
        responses = []
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg["method"] == "Network.responseReceived":
                responses.append(msg["params"]["response"])
        return result.get_attribute("data-state"), json.loads(result.text), responses

    def test_dynamodb_and_sqs_from_a_page_of_another_origin(self):
        stratus = self.start()
        state, out, responses = self.run_page(stratus)
        self.assertEqual(state, "done", out)
        self.assertNotEqual(out["origin"], stratus.endpoint)
        self.assertEqual(out["item"], "written from a browser")
        self.assertEqual(out["bigLength"], 20000)
        self.assertIn("browser-notes", out["tables"])
        self.assertTrue(out["requestId"])  # x-amzn-RequestId is readable: exposed
        self.assertEqual((out["missingTable"], out["missingTableStatus"]), ("ResourceNotFoundException", 400))
        self.assertEqual(out["message"], "hello from the page")
        self.assertEqual(out["missingQueue"], "QueueDoesNotExist")
        # What the page did is in Stratus.
        item = stratus.client("dynamodb").get_item(TableName="browser-notes", Key={"id": {"S": "n1"}})["Item"]
        self.assertEqual(item["text"]["S"], "written from a browser")
        # The browser asked for compression; DynamoDB's answers came gzip-compressed, SQS's plain.
        ours = [r for r in responses if r["url"].startswith(stratus.endpoint)]
        ddb = [r for r in ours if {k.lower(): v for k, v in r["headers"].items()}.get("x-amz-crc32")]
        self.assertTrue(ddb, ours)
        for r in ddb:
            headers = {k.lower(): v for k, v in r["headers"].items()}
            self.assertEqual(headers.get("content-encoding"), "gzip", headers)
            self.assertEqual(headers.get("access-control-allow-origin"), "*")

    def test_origin_outside_cors_origins_is_refused(self):
        stratus = self.start("--cors-origins", "http://elsewhere.test")
        state, out, _ = self.run_page(stratus)
        self.assertEqual(state, "error", out)
        self.assertEqual(out["error"], "TypeError", out)  # the browser refused to send or read it
        self.assertEqual(stratus.client("dynamodb").list_tables()["TableNames"], [])

    def test_listed_origin_is_served(self):
        stratus = self.start("--cors-origins", "http://elsewhere.test," + self.page_origin)
        state, out, _ = self.run_page(stratus)
        self.assertEqual(state, "done", out)
        self.assertEqual(out["message"], "hello from the page")


if __name__ == "__main__":
    unittest.main()
