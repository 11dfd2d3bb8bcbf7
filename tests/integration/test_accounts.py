"""--account-key ACCESS_KEY:SECRET_KEY:ACCOUNT_ID and STRATUS_ACCOUNT_KEYS (issue 16, Accounts and
owners): each key pair is valid, also with --auth=strict, and bound to its account."""
import subprocess
import unittest

from harness import Stratus, StratusTestCase, error_code, stratus_bin

A = ("AKIAALICE0000000001", "alice/secret", "111111111111")
B = ("AKIABOB00000000002", "bob:secret:with:colons", "222222222222")
C = ("AKIACAROL000000003", "carol-secret", "333333333333")


class AccountKeysStrict(StratusTestCase):
    stratus_args = ("--auth", "strict", "--account-key", ":".join(A), "--account-key", ":".join(B))

    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus(*cls.stratus_args, env={"STRATUS_ACCOUNT_KEYS": ":".join(C)}).start()

    def identity(self, key):
        return self.stratus.client("sts", key=key[0], secret=key[1]).get_caller_identity()

    def test_each_key_is_its_account(self):
        for key in (A, B, C):
            ident = self.identity(key)
            self.assertEqual(ident["Account"], key[2])
            self.assertEqual(ident["Arn"], f"arn:aws:iam::{key[2]}:root")
        root = self.stratus.client("sts").get_caller_identity()
        self.assertEqual(root["Account"], "000000000000")

    def test_wrong_secret_is_refused(self):
        self.assertEqual(error_code(lambda: self.identity((A[0], "nope", A[2]))), "SignatureDoesNotMatch")
        self.assertEqual(error_code(lambda: self.identity(("AKIAUNKNOWN00000000", "x", ""))), "InvalidClientTokenId")

    def test_accounts_see_their_own_resources(self):
        sqs_a = self.stratus.client("sqs", key=A[0], secret=A[1])
        sqs_b = self.stratus.client("sqs", key=B[0], secret=B[1])
        url = sqs_a.create_queue(QueueName="mine")["QueueUrl"]
        self.assertIn(A[2], url)
        self.assertEqual(sqs_b.list_queues().get("QueueUrls", []), [])
        self.assertEqual(sqs_a.list_queues()["QueueUrls"], [url])


class AccountKeyFlags(unittest.TestCase):
    def run_bad(self, *args, env=None):
        import os
        e = dict(os.environ)
        e.update(env or {})
        cp = subprocess.run([stratus_bin(), "serve", "--ephemeral", "--port", "1", *args],
                            capture_output=True, text=True, timeout=20, env=e)
        self.assertNotEqual(cp.returncode, 0)
        return cp.stderr

    def test_malformed_values_are_refused(self):
        self.assertIn("ACCESS_KEY:SECRET_KEY:ACCOUNT_ID", self.run_bad("--account-key", "AK:SK"))
        self.assertIn("12 digits", self.run_bad("--account-key", "AK:SK:12345"))
        self.assertIn("STRATUS_ACCOUNT_KEYS", self.run_bad(env={"STRATUS_ACCOUNT_KEYS": "AK:SK:1,x"}))


if __name__ == "__main__":
    unittest.main()
