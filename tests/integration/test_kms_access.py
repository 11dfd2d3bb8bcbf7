"""KMS key policies and grants decide who uses a key (services/kms/access.h): the default policy
gives the key's account, another account needs the key policy or a grant (operations and
encryption-context constraints), explicit denies win, Decrypt without KeyId of another account's
ciphertext needs the same, and PutKeyPolicy refuses a policy that locks the caller out."""
import json
import unittest

from botocore.exceptions import ClientError

from harness import Stratus, StratusTestCase, error_code, error_response

OWNER = "000000000000"
OTHER = "111111111111"
THIRD = "222222222222"


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ROOT_ALL = {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWNER}:root"},
            "Action": "kms:*", "Resource": "*"}


class KeyPolicies(StratusTestCase):
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kms = cls.stratus.client("kms")
        cls.other = cls.stratus.client("kms", key=OTHER)   # a 12-digit key id is that account
        cls.third = cls.stratus.client("kms", key=THIRD)

    def test_default_policy_is_the_account(self):
        k = self.kms.create_key()["KeyMetadata"]
        blob = self.kms.encrypt(KeyId=k["KeyId"], Plaintext=b"x")["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"x")
        err = error_response(lambda: self.other.encrypt(KeyId=k["Arn"], Plaintext=b"x"))
        self.assertEqual(err["Error"]["Code"], "AccessDeniedException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(err["Error"]["Message"],
                         f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: kms:Encrypt on resource: "
                         f"{k['Arn']} because no resource-based policy allows the kms:Encrypt action")
        # Decrypt without KeyId of another account's ciphertext: refused too.
        self.assertEqual(error_code(lambda: self.other.decrypt(CiphertextBlob=blob)), "AccessDeniedException")
        self.assertEqual(error_code(lambda: self.other.describe_key(KeyId=k["Arn"])), "AccessDeniedException")

    def test_cross_account_by_key_policy(self):
        p = policy(ROOT_ALL, {"Sid": "other", "Effect": "Allow", "Principal": {"AWS": OTHER},
                              "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], "Resource": "*"})
        k = self.kms.create_key(Policy=p)["KeyMetadata"]
        blob = self.other.encrypt(KeyId=k["Arn"], Plaintext=b"shared")["CiphertextBlob"]
        self.assertEqual(self.other.decrypt(CiphertextBlob=blob)["Plaintext"], b"shared")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"shared")
        self.assertEqual(self.other.describe_key(KeyId=k["Arn"])["KeyMetadata"]["KeyId"], k["KeyId"])
        # Not granted: GenerateDataKey; and a third account gets nothing.
        self.assertEqual(error_code(lambda: self.other.generate_data_key(KeyId=k["Arn"], KeySpec="AES_256")),
                         "AccessDeniedException")
        self.assertEqual(error_code(lambda: self.third.decrypt(CiphertextBlob=blob)), "AccessDeniedException")

    def test_explicit_deny_and_conditions(self):
        p = policy(ROOT_ALL, {"Sid": "deny", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                              "Resource": "*",
                              "Condition": {"StringNotEquals": {"kms:EncryptionContext:app": "billing"}}})
        k = self.kms.create_key(Policy=p)["KeyMetadata"]["KeyId"]
        good = self.kms.encrypt(KeyId=k, Plaintext=b"a", EncryptionContext={"app": "billing"})["CiphertextBlob"]
        bad = self.kms.encrypt(KeyId=k, Plaintext=b"a", EncryptionContext={"app": "other"})["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=good, EncryptionContext={"app": "billing"})["Plaintext"], b"a")
        err = error_response(lambda: self.kms.decrypt(CiphertextBlob=bad, EncryptionContext={"app": "other"}))
        self.assertEqual(err["Error"]["Code"], "AccessDeniedException")
        self.assertTrue(err["Error"]["Message"].endswith("with an explicit deny in a resource-based policy"))

    def test_lockout_safety_check(self):
        k = self.kms.create_key()["KeyMetadata"]["KeyId"]
        lockout = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "kms:*",
                          "Resource": "*"})
        err = error_response(lambda: self.kms.put_key_policy(KeyId=k, PolicyName="default", Policy=lockout))
        self.assertEqual(err["Error"]["Code"], "MalformedPolicyDocumentException")
        self.assertEqual(err["Error"]["Message"],
                         "The new key policy will not allow you to update the key policy in the future.")
        self.assertEqual(error_code(lambda: self.kms.create_key(Policy=lockout)), "MalformedPolicyDocumentException")
        self.assertEqual(error_code(lambda: self.kms.put_key_policy(KeyId=k, PolicyName="default", Policy='{"x":1}')),
                         "MalformedPolicyDocumentException")
        # Bypassing it hands the key to the other account.
        self.kms.put_key_policy(KeyId=k, PolicyName="default", Policy=lockout, BypassPolicyLockoutSafetyCheck=True)
        self.assertEqual(error_code(lambda: self.kms.encrypt(KeyId=k, Plaintext=b"x")), "AccessDeniedException")
        arn = f"arn:aws:kms:us-east-1:{OWNER}:key/{k}"
        self.other.encrypt(KeyId=arn, Plaintext=b"x")


class Grants(StratusTestCase):
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kms = cls.stratus.client("kms")
        cls.other = cls.stratus.client("kms", key=OTHER)

    def test_grant_operations_and_retire(self):
        k = self.kms.create_key()["KeyMetadata"]
        blob = self.kms.encrypt(KeyId=k["KeyId"], Plaintext=b"g")["CiphertextBlob"]
        self.assertEqual(error_code(lambda: self.other.decrypt(CiphertextBlob=blob)), "AccessDeniedException")
        g = self.kms.create_grant(KeyId=k["KeyId"], GranteePrincipal=f"arn:aws:iam::{OTHER}:root",
                                  Operations=["Decrypt", "RetireGrant"])
        self.assertEqual(self.other.decrypt(CiphertextBlob=blob, GrantTokens=[g["GrantToken"]])["Plaintext"], b"g")
        self.assertEqual(self.other.decrypt(CiphertextBlob=blob)["Plaintext"], b"g")
        # Only the granted operations.
        self.assertEqual(error_code(lambda: self.other.encrypt(KeyId=k["Arn"], Plaintext=b"x")),
                         "AccessDeniedException")
        self.assertEqual(error_code(lambda: self.other.decrypt(CiphertextBlob=blob, GrantTokens=["bad token"])),
                         "InvalidGrantTokenException")
        grants = self.kms.list_grants(KeyId=k["KeyId"])["Grants"]
        self.assertEqual([x["GrantId"] for x in grants], [g["GrantId"]])
        g2 = self.kms.create_grant(KeyId=k["KeyId"], GranteePrincipal=f"arn:aws:iam::{OTHER}:root",
                                   RetiringPrincipal=f"arn:aws:iam::{OTHER}:root", Operations=["Encrypt"])
        listed = self.other.list_retirable_grants(RetiringPrincipal=f"arn:aws:iam::{OTHER}:root")["Grants"]
        self.assertEqual([x["GrantId"] for x in listed], [g2["GrantId"]])
        self.assertEqual(listed[0]["KeyId"], k["Arn"])
        self.other.retire_grant(GrantToken=g2["GrantToken"])  # by token alone, across accounts
        self.assertEqual(error_code(lambda: self.kms.retire_grant(GrantToken=g2["GrantToken"])), "NotFoundException")
        self.other.retire_grant(KeyId=k["Arn"], GrantId=g["GrantId"])
        self.assertEqual(self.kms.list_grants(KeyId=k["KeyId"])["Grants"], [])
        self.assertEqual(error_code(lambda: self.other.decrypt(CiphertextBlob=blob)), "AccessDeniedException")

    def test_constraints(self):
        k = self.kms.create_key()["KeyMetadata"]
        g = self.kms.create_grant(KeyId=k["KeyId"], GranteePrincipal=OTHER,
                                  Operations=["Encrypt", "Decrypt", "GenerateDataKey"],
                                  Constraints={"EncryptionContextSubset": {"tenant": "a"}})
        ok = self.other.encrypt(KeyId=k["Arn"], Plaintext=b"1", EncryptionContext={"tenant": "a", "x": "y"})
        self.assertEqual(self.other.decrypt(CiphertextBlob=ok["CiphertextBlob"],
                                            EncryptionContext={"tenant": "a", "x": "y"})["Plaintext"], b"1")
        self.assertEqual(error_code(lambda: self.other.encrypt(KeyId=k["Arn"], Plaintext=b"1",
                                                               EncryptionContext={"tenant": "b"})),
                         "AccessDeniedException")
        self.kms.revoke_grant(KeyId=k["KeyId"], GrantId=g["GrantId"])
        g = self.kms.create_grant(KeyId=k["KeyId"], GranteePrincipal=OTHER, Operations=["GenerateDataKey"],
                                  Constraints={"EncryptionContextEquals": {"tenant": "a"}})
        self.other.generate_data_key(KeyId=k["Arn"], KeySpec="AES_256", EncryptionContext={"tenant": "a"})
        self.assertEqual(error_code(lambda: self.other.generate_data_key(
            KeyId=k["Arn"], KeySpec="AES_256", EncryptionContext={"tenant": "a", "more": "1"})), "AccessDeniedException")

    def test_grant_to_a_role_covers_its_sessions(self):
        iam = self.stratus.client("iam", key=OTHER)
        iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": OTHER},
                                                    "Action": "sts:AssumeRole"}]}))
        creds = self.stratus.client("sts", key=OTHER).assume_role(
            RoleArn=f"arn:aws:iam::{OTHER}:role/reader", RoleSessionName="s1")["Credentials"]
        session = self.stratus.client("kms", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                                      token=creds["SessionToken"])
        k = self.kms.create_key()["KeyMetadata"]
        blob = self.kms.encrypt(KeyId=k["KeyId"], Plaintext=b"r")["CiphertextBlob"]
        self.assertEqual(error_code(lambda: session.decrypt(CiphertextBlob=blob)), "AccessDeniedException")
        self.kms.create_grant(KeyId=k["KeyId"], GranteePrincipal=f"arn:aws:iam::{OTHER}:role/reader",
                              Operations=["Decrypt"])
        self.assertEqual(session.decrypt(CiphertextBlob=blob)["Plaintext"], b"r")


class GrantsDurable(unittest.TestCase):
    def test_grant_survives_kill9(self):
        s = Stratus().start()
        try:
            kms = s.client("kms")
            k = kms.create_key()["KeyMetadata"]
            blob = kms.encrypt(KeyId=k["KeyId"], Plaintext=b"d")["CiphertextBlob"]
            g = kms.create_grant(KeyId=k["KeyId"], GranteePrincipal=OTHER, Operations=["Decrypt"])
            s.kill9()
            s.start()
            other = s.client("kms", key=OTHER)
            self.assertEqual(other.decrypt(CiphertextBlob=blob)["Plaintext"], b"d")
            self.assertEqual([x["GrantId"] for x in s.client("kms").list_grants(KeyId=k["KeyId"])["Grants"]],
                             [g["GrantId"]])
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
