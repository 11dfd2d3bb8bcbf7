"""KMS across kill -9 and restart: keys, aliases, grants, rotations and ciphertexts survive; key
material is never in clear in the data directory (wrapped under the master key); a supplied
--kms-master-key-file is the one used, and without it the keys do not unseal."""
import os
import stat
import tempfile
import unittest

from harness import Stratus, error_code


def files_containing(root, needles):
    found = []
    for d, _, files in os.walk(root):
        for name in files:
            path = os.path.join(d, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for n in needles:
                if n in data:
                    found.append((path, n[:16]))
    return found


class KillAndRestart(unittest.TestCase):
    def setUp(self):
        self.stratus = Stratus().start()

    def tearDown(self):
        self.stratus.cleanup()

    def test_keys_survive_kill9_and_nothing_is_in_clear(self):
        kms = self.stratus.client("kms")
        kid = kms.create_key(Description="durable", Tags=[{"TagKey": "t", "TagValue": "v"}])["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/durable", TargetKeyId=kid)
        grant = kms.create_grant(KeyId=kid, GranteePrincipal="p", Operations=["Decrypt"])["GrantId"]
        plaintext = b"plaintext-never-on-disk-0123456789"
        blob = kms.encrypt(KeyId=kid, Plaintext=plaintext, EncryptionContext={"c": "1"})["CiphertextBlob"]
        kms.rotate_key_on_demand(KeyId=kid)
        blob2 = kms.encrypt(KeyId="alias/durable", Plaintext=plaintext)["CiphertextBlob"]
        dk = kms.generate_data_key(KeyId=kid, NumberOfBytes=32)
        sign_key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        pub = kms.get_public_key(KeyId=sign_key)["PublicKey"]
        hmac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
        mac = kms.generate_mac(KeyId=hmac_key, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
        kms.describe_key(KeyId="alias/aws/secretsmanager")

        self.stratus.kill9()
        self.stratus.start()
        kms = self.stratus.client("kms")
        self.assertEqual(kms.describe_key(KeyId="alias/durable")["KeyMetadata"]["Description"], "durable")
        self.assertEqual(kms.decrypt(CiphertextBlob=blob, EncryptionContext={"c": "1"})["Plaintext"], plaintext)
        self.assertEqual(kms.decrypt(CiphertextBlob=blob2)["Plaintext"], plaintext)
        self.assertEqual(kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"], dk["Plaintext"])
        self.assertEqual(kms.get_public_key(KeyId=sign_key)["PublicKey"], pub)
        self.assertTrue(kms.verify_mac(KeyId=hmac_key, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"])
        self.assertEqual([g["GrantId"] for g in kms.list_grants(KeyId=kid)["Grants"]], [grant])
        self.assertEqual(len(kms.list_key_rotations(KeyId=kid)["Rotations"]), 1)
        self.assertEqual(kms.list_resource_tags(KeyId=kid)["Tags"], [{"TagKey": "t", "TagValue": "v"}])
        self.assertEqual(kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]["KeyManager"], "AWS")

        # Nothing secret in clear anywhere in the data directory (RocksDB log and tables).
        self.stratus.stop()
        needles = [plaintext, dk["Plaintext"]]
        self.assertEqual(files_containing(self.stratus.data_dir, needles), [])

    def test_key_material_is_wrapped(self):
        # The material itself: a data key pair's private key is material we can see; the KMS key
        # material we check through its effect: the records hold only sealed bytes (no DER
        # private key header of a PKCS#8 EC key, no 32-byte secret recoverable without the key).
        kms = self.stratus.client("kms")
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
        self.stratus.stop()
        # PKCS#8 headers of an EC (P-256) and an RSA private key
        ec_header = bytes.fromhex("308187020100301306072a8648ce3d020106082a8648ce3d030107")
        rsa_header = bytes.fromhex("300d06092a864886f70d0101010500")
        self.assertEqual(files_containing(self.stratus.data_dir, [ec_header, rsa_header]), [])


class MasterKeyFile(unittest.TestCase):
    def test_supplied_master_key(self):
        with tempfile.TemporaryDirectory() as d:
            key_file = os.path.join(d, "kms-master.key")
            s = Stratus("--kms-master-key-file", key_file).start()
            try:
                self.assertTrue(os.path.exists(key_file))
                self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
                self.assertEqual(os.path.getsize(key_file), 32)
                kms = s.client("kms")
                kid = kms.create_key()["KeyMetadata"]["KeyId"]
                blob = kms.encrypt(KeyId=kid, Plaintext=b"x")["CiphertextBlob"]
                s.stop()
                s.start()
                self.assertEqual(s.client("kms").decrypt(CiphertextBlob=blob)["Plaintext"], b"x")
                # Another master key cannot unwrap the material: the key is unusable, not readable.
                s.stop()
                s.args = ["--kms-master-key-file", os.path.join(d, "other.key")]
                s.start()
                self.assertEqual(error_code(lambda: s.client("kms").decrypt(CiphertextBlob=blob)), "KeyUnavailableException")
            finally:
                s.cleanup()


if __name__ == "__main__":
    unittest.main()
