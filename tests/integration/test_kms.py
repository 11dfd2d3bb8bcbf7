"""KMS through boto3 and the aws CLI: keys of every spec, state rules, aliases, tags, policies,
grants, rotation, deletion on its schedule, real cryptography checked with the openssl command
line and python3-cryptography, and AWS's errors."""
import base64
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import Stratus, StratusTestCase, error_code, wait_until


def kms_error(fn):
    import botocore.exceptions
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None, None


class Keys(StratusTestCase):
    def setUp(self):
        self.kms = self.stratus.client("kms")

    def test_create_describe_list(self):
        md = self.kms.create_key(Description="orders", Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"]
        self.assertEqual(md["KeySpec"], "SYMMETRIC_DEFAULT")
        self.assertEqual(md["KeyUsage"], "ENCRYPT_DECRYPT")
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertEqual(md["KeyManager"], "CUSTOMER")
        self.assertEqual(md["EncryptionAlgorithms"], ["SYMMETRIC_DEFAULT"])
        self.assertEqual(md["Arn"], f"arn:aws:kms:us-east-1:000000000000:key/{md['KeyId']}")
        for ref in (md["KeyId"], md["Arn"]):
            self.assertEqual(self.kms.describe_key(KeyId=ref)["KeyMetadata"]["Description"], "orders")
        ids = [k["KeyId"] for k in self.kms.list_keys()["Keys"]]
        self.assertIn(md["KeyId"], ids)
        self.assertEqual(self.kms.list_resource_tags(KeyId=md["KeyId"])["Tags"], [{"TagKey": "team", "TagValue": "a"}])

    def test_list_keys_pagination(self):
        for _ in range(3):
            self.kms.create_key()
        all_ids = [k["KeyId"] for k in self.kms.list_keys(Limit=1000)["Keys"]]
        got, marker = [], None
        while True:
            page = self.kms.list_keys(Limit=2, **({"Marker": marker} if marker else {}))
            got += [k["KeyId"] for k in page["Keys"]]
            if not page["Truncated"]:
                break
            marker = page["NextMarker"]
        self.assertEqual(got, all_ids)
        self.assertEqual(error_code(lambda: self.kms.list_keys(Marker="nope")), "InvalidMarkerException")

    def test_not_found(self):
        code, msg = kms_error(lambda: self.kms.describe_key(KeyId="11111111-2222-3333-4444-555555555555"))
        self.assertEqual(code, "NotFoundException")
        self.assertEqual(msg, "Key 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555' "
                              "does not exist")
        code, msg = kms_error(lambda: self.kms.describe_key(KeyId="alias/none"))
        self.assertEqual((code, msg), ("NotFoundException", "Alias arn:aws:kms:us-east-1:000000000000:alias/none is not found."))

    def test_key_specs(self):
        for spec, usage, field, algs in [
            ("HMAC_224", "GENERATE_VERIFY_MAC", "MacAlgorithms", ["HMAC_SHA_224"]),
            ("HMAC_512", "GENERATE_VERIFY_MAC", "MacAlgorithms", ["HMAC_SHA_512"]),
            ("RSA_2048", "ENCRYPT_DECRYPT", "EncryptionAlgorithms", ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]),
            ("RSA_3072", "SIGN_VERIFY", "SigningAlgorithms", None),
            ("ECC_NIST_P256", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_256"]),
            ("ECC_NIST_P384", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_384"]),
            ("ECC_NIST_P521", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_512"]),
            ("ECC_SECG_P256K1", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_256"]),
        ]:
            md = self.kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
            self.assertEqual((md["KeySpec"], md["KeyUsage"]), (spec, usage))
            if algs:
                self.assertEqual(md[field], algs)
            else:
                self.assertEqual(len(md[field]), 6)
        self.assertEqual(error_code(lambda: self.kms.create_key(KeySpec="HMAC_256", KeyUsage="ENCRYPT_DECRYPT")),
                         "ValidationException")
        self.assertEqual(error_code(lambda: self.kms.create_key(KeySpec="RSA_2048")), "ValidationException")
        self.assertEqual(error_code(lambda: self.kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="ENCRYPT_DECRYPT")),
                         "ValidationException")
        self.assertEqual(error_code(lambda: self.kms.create_key(KeySpec="RSA_2048", CustomerMasterKeySpec="RSA_2048",
                                                                KeyUsage="SIGN_VERIFY")), "ValidationException")
        md = self.kms.create_key(MultiRegion=True)["KeyMetadata"]
        self.assertTrue(md["KeyId"].startswith("mrk-"))
        self.assertTrue(md["MultiRegion"])
        self.assertEqual(md["MultiRegionConfiguration"]["MultiRegionKeyType"], "PRIMARY")

    def test_enable_disable_and_state_errors(self):
        kid = self.kms.create_key()["KeyMetadata"]["KeyId"]
        arn = self.kms.describe_key(KeyId=kid)["KeyMetadata"]["Arn"]
        blob = self.kms.encrypt(KeyId=kid, Plaintext=b"x")["CiphertextBlob"]
        self.kms.disable_key(KeyId=kid)
        md = self.kms.describe_key(KeyId=kid)["KeyMetadata"]
        self.assertEqual((md["KeyState"], md["Enabled"]), ("Disabled", False))
        self.assertEqual(kms_error(lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x")),
                         ("DisabledException", f"{arn} is disabled."))
        self.assertEqual(error_code(lambda: self.kms.decrypt(CiphertextBlob=blob)), "DisabledException")
        self.kms.enable_key(KeyId=kid)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"x")
        self.kms.update_key_description(KeyId=kid, Description="new")
        self.assertEqual(self.kms.describe_key(KeyId=kid)["KeyMetadata"]["Description"], "new")

    def test_schedule_and_cancel_deletion(self):
        kid = self.kms.create_key()["KeyMetadata"]["KeyId"]
        arn = self.kms.describe_key(KeyId=kid)["KeyMetadata"]["Arn"]
        for bad in (6, 31):
            self.assertEqual(error_code(lambda: self.kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=bad)),
                             "ValidationException")
        out = self.kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
        self.assertEqual((out["KeyId"], out["KeyState"], out["PendingWindowInDays"]), (arn, "PendingDeletion", 7))
        md = self.kms.describe_key(KeyId=kid)["KeyMetadata"]
        self.assertEqual(md["KeyState"], "PendingDeletion")
        self.assertIn("DeletionDate", md)
        self.assertEqual(kms_error(lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x")),
                         ("KMSInvalidStateException", f"{arn} is pending deletion."))
        self.assertEqual(error_code(lambda: self.kms.enable_key(KeyId=kid)), "KMSInvalidStateException")
        self.assertEqual(error_code(lambda: self.kms.schedule_key_deletion(KeyId=kid)), "KMSInvalidStateException")
        self.assertEqual(self.kms.cancel_key_deletion(KeyId=kid)["KeyId"], arn)
        self.assertEqual(self.kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"], "Disabled")
        self.assertEqual(kms_error(lambda: self.kms.cancel_key_deletion(KeyId=kid)),
                         ("KMSInvalidStateException", f"{arn} is not pending deletion."))

    def test_aws_managed_keys(self):
        md = self.kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
        self.assertEqual(md["KeyManager"], "AWS")
        self.assertEqual(self.kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"], md["KeyId"])
        names = [a["AliasName"] for a in self.kms.list_aliases()["Aliases"]]
        self.assertIn("alias/aws/s3", names)
        self.assertTrue(self.kms.get_key_rotation_status(KeyId=md["KeyId"])["KeyRotationEnabled"])
        self.assertEqual(error_code(lambda: self.kms.schedule_key_deletion(KeyId=md["KeyId"])),
                         "UnsupportedOperationException")
        blob = self.kms.encrypt(KeyId="alias/aws/s3", Plaintext=b"p")["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["KeyId"], md["Arn"])


class Aliases(StratusTestCase):
    def setUp(self):
        self.kms = self.stratus.client("kms")

    def test_alias_lifecycle(self):
        a = self.kms.create_key()["KeyMetadata"]
        b = self.kms.create_key()["KeyMetadata"]
        self.kms.create_alias(AliasName="alias/app", TargetKeyId=a["KeyId"])
        self.assertEqual(self.kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"], a["KeyId"])
        self.assertEqual(self.kms.describe_key(
            KeyId="arn:aws:kms:us-east-1:000000000000:alias/app")["KeyMetadata"]["KeyId"], a["KeyId"])
        code, msg = kms_error(lambda: self.kms.create_alias(AliasName="alias/app", TargetKeyId=b["KeyId"]))
        self.assertEqual(code, "AlreadyExistsException")
        self.assertEqual(msg, "An alias with the name arn:aws:kms:us-east-1:000000000000:alias/app already exists")
        self.assertEqual(error_code(lambda: self.kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=a["KeyId"])),
                         "InvalidAliasNameException")
        self.assertEqual(error_code(lambda: self.kms.create_alias(AliasName="nope", TargetKeyId=a["KeyId"])),
                         "InvalidAliasNameException")
        blob = self.kms.encrypt(KeyId="alias/app", Plaintext=b"1")["CiphertextBlob"]
        self.kms.update_alias(AliasName="alias/app", TargetKeyId=b["KeyId"])
        self.assertEqual(self.kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"], b["KeyId"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"1")
        listed = self.kms.list_aliases(KeyId=b["KeyId"])["Aliases"]
        self.assertEqual([x["AliasName"] for x in listed], ["alias/app"])
        self.assertEqual(listed[0]["AliasArn"], "arn:aws:kms:us-east-1:000000000000:alias/app")
        rsa = self.kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        self.assertEqual(error_code(lambda: self.kms.update_alias(AliasName="alias/app", TargetKeyId=rsa)),
                         "ValidationException")
        self.kms.delete_alias(AliasName="alias/app")
        self.assertEqual(error_code(lambda: self.kms.delete_alias(AliasName="alias/app")), "NotFoundException")
        self.assertEqual(error_code(lambda: self.kms.update_alias(AliasName="alias/app", TargetKeyId=a["KeyId"])),
                         "NotFoundException")

    def test_tags_and_policies(self):
        kid = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}])
        self.kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "a", "TagValue": "3"}])
        self.kms.untag_resource(KeyId=kid, TagKeys=["b"])
        self.assertEqual(self.kms.list_resource_tags(KeyId=kid)["Tags"], [{"TagKey": "a", "TagValue": "3"}])
        self.assertEqual(error_code(lambda: self.kms.tag_resource(
            KeyId=kid, Tags=[{"TagKey": "aws:x", "TagValue": "1"}])), "TagException")
        self.assertEqual(error_code(lambda: self.kms.tag_resource(
            KeyId=kid, Tags=[{"TagKey": f"k{i}", "TagValue": "1"} for i in range(51)])), "TagException")
        policy = json.loads(self.kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"])
        self.assertEqual(policy["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::000000000000:root")
        self.assertEqual(self.kms.list_key_policies(KeyId=kid)["PolicyNames"], ["default"])
        mine = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]})
        self.kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=mine)
        self.assertEqual(self.kms.get_key_policy(KeyId=kid)["Policy"], mine)
        self.assertEqual(error_code(lambda: self.kms.put_key_policy(KeyId=kid, PolicyName="default", Policy="{nope")),
                         "MalformedPolicyDocumentException")
        self.assertEqual(error_code(lambda: self.kms.get_key_policy(KeyId=kid, PolicyName="other")),
                         "NotFoundException")

    def test_grants(self):
        kid = self.kms.create_key()["KeyMetadata"]["KeyId"]
        g = self.kms.create_grant(KeyId=kid, GranteePrincipal="arn:aws:iam::000000000000:role/app",
                                  RetiringPrincipal="arn:aws:iam::000000000000:role/admin",
                                  Operations=["Encrypt", "Decrypt"], Name="g1",
                                  Constraints={"EncryptionContextSubset": {"dept": "a"}})
        again = self.kms.create_grant(KeyId=kid, GranteePrincipal="arn:aws:iam::000000000000:role/app",
                                      RetiringPrincipal="arn:aws:iam::000000000000:role/admin",
                                      Operations=["Encrypt", "Decrypt"], Name="g1",
                                      Constraints={"EncryptionContextSubset": {"dept": "a"}})
        self.assertEqual(g["GrantId"], again["GrantId"])
        grants = self.kms.list_grants(KeyId=kid)["Grants"]
        self.assertEqual(len(grants), 1)
        self.assertEqual(grants[0]["Operations"], ["Encrypt", "Decrypt"])
        self.assertEqual(grants[0]["Constraints"], {"EncryptionContextSubset": {"dept": "a"}})
        retirable = self.kms.list_retirable_grants(RetiringPrincipal="arn:aws:iam::000000000000:role/admin")["Grants"]
        self.assertEqual([x["GrantId"] for x in retirable], [g["GrantId"]])
        self.assertEqual(error_code(lambda: self.kms.create_grant(
            KeyId=kid, GranteePrincipal="p", Operations=["Sign"])), "ValidationException")
        # grant tokens are accepted by the cryptographic operations
        self.kms.encrypt(KeyId=kid, Plaintext=b"x", GrantTokens=[g["GrantToken"]])
        self.kms.retire_grant(GrantToken=g["GrantToken"])
        self.assertEqual(self.kms.list_grants(KeyId=kid)["Grants"], [])
        g2 = self.kms.create_grant(KeyId=kid, GranteePrincipal="p", Operations=["Decrypt"])
        self.kms.revoke_grant(KeyId=kid, GrantId=g2["GrantId"])
        self.assertEqual(error_code(lambda: self.kms.revoke_grant(KeyId=kid, GrantId=g2["GrantId"])),
                         "NotFoundException")
        self.assertEqual(error_code(lambda: self.kms.retire_grant(GrantToken="!!")), "InvalidGrantTokenException")
        self.kms.disable_key(KeyId=kid)
        self.assertEqual(error_code(lambda: self.kms.create_grant(KeyId=kid, GranteePrincipal="p",
                                                                  Operations=["Decrypt"])), "DisabledException")


class Cryptography(StratusTestCase):
    def setUp(self):
        self.kms = self.stratus.client("kms")

    def test_encrypt_decrypt_context(self):
        kid = self.kms.create_key()["KeyMetadata"]["KeyId"]
        ctx = {"PARAMETER_ARN": "arn:aws:ssm:us-east-1:000000000000:parameter/x", "b": "2"}
        out = self.kms.encrypt(KeyId=kid, Plaintext=b"secret value", EncryptionContext=ctx)
        self.assertEqual(out["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        self.assertNotIn(b"secret value", out["CiphertextBlob"])
        dec = self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext=dict(reversed(ctx.items())))
        self.assertEqual(dec["Plaintext"], b"secret value")
        self.assertEqual(dec["KeyId"], out["KeyId"])
        for wrong in ({}, {"PARAMETER_ARN": "x", "b": "2"}, dict(ctx, c="3")):
            self.assertEqual(error_code(lambda: self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"],
                                                                 EncryptionContext=wrong)), "InvalidCiphertextException")
        damaged = bytearray(out["CiphertextBlob"])
        damaged[-1] ^= 1
        self.assertEqual(error_code(lambda: self.kms.decrypt(CiphertextBlob=bytes(damaged), EncryptionContext=ctx)),
                         "InvalidCiphertextException")
        self.assertEqual(error_code(lambda: self.kms.decrypt(CiphertextBlob=b"garbage" * 10)),
                         "InvalidCiphertextException")
        other = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.assertEqual(error_code(lambda: self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"], KeyId=other,
                                                             EncryptionContext=ctx)), "IncorrectKeyException")
        self.assertEqual(error_code(lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x" * 4097)), "ValidationException")
        self.assertEqual(error_code(lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x", DryRun=True)),
                         "DryRunOperationException")

    def test_re_encrypt(self):
        a = self.kms.create_key()["KeyMetadata"]["KeyId"]
        b = self.kms.create_key()["KeyMetadata"]
        blob = self.kms.encrypt(KeyId=a, Plaintext=b"move me", EncryptionContext={"x": "1"})["CiphertextBlob"]
        out = self.kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"x": "1"}, DestinationKeyId=b["KeyId"],
                                  DestinationEncryptionContext={"y": "2"})
        self.assertEqual(out["KeyId"], b["Arn"])
        self.assertTrue(out["SourceKeyId"].endswith(a))
        self.assertEqual(self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"],
                                          EncryptionContext={"y": "2"})["Plaintext"], b"move me")

    def test_data_keys(self):
        kid = self.kms.create_key()["KeyMetadata"]["KeyId"]
        dk = self.kms.generate_data_key(KeyId=kid, KeySpec="AES_256", EncryptionContext={"k": "v"})
        self.assertEqual(len(dk["Plaintext"]), 32)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"],
                                          EncryptionContext={"k": "v"})["Plaintext"], dk["Plaintext"])
        self.assertEqual(len(self.kms.generate_data_key(KeyId=kid, KeySpec="AES_128")["Plaintext"]), 16)
        self.assertEqual(len(self.kms.generate_data_key(KeyId=kid, NumberOfBytes=100)["Plaintext"]), 100)
        self.assertEqual(error_code(lambda: self.kms.generate_data_key(KeyId=kid)), "ValidationException")
        self.assertEqual(error_code(lambda: self.kms.generate_data_key(KeyId=kid, KeySpec="AES_256", NumberOfBytes=3)),
                         "ValidationException")
        wo = self.kms.generate_data_key_without_plaintext(KeyId=kid, KeySpec="AES_256")
        self.assertNotIn("Plaintext", wo)
        self.assertEqual(len(self.kms.decrypt(CiphertextBlob=wo["CiphertextBlob"])["Plaintext"]), 32)
        # the data key encrypts and decrypts locally (AES-GCM)
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        nonce = os.urandom(12)
        sealed = AESGCM(dk["Plaintext"]).encrypt(nonce, b"bulk", None)
        again = self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext={"k": "v"})["Plaintext"]
        self.assertEqual(AESGCM(again).decrypt(nonce, sealed, None), b"bulk")
        rsa = self.kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
        self.assertEqual(error_code(lambda: self.kms.generate_data_key(KeyId=rsa, KeySpec="AES_256")),
                         "InvalidKeyUsageException")

    def test_data_key_pairs(self):
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        kid = self.kms.create_key()["KeyMetadata"]["KeyId"]
        for spec in ("RSA_2048", "ECC_NIST_P256", "ECC_SECG_P256K1"):
            p = self.kms.generate_data_key_pair(KeyId=kid, KeyPairSpec=spec)
            self.assertEqual(p["KeyPairSpec"], spec)
            priv = serialization.load_der_private_key(p["PrivateKeyPlaintext"], None)
            pub = serialization.load_der_public_key(p["PublicKey"])
            self.assertEqual(priv.public_key().public_bytes(serialization.Encoding.DER,
                                                            serialization.PublicFormat.SubjectPublicKeyInfo),
                             p["PublicKey"])
            self.assertEqual(self.kms.decrypt(CiphertextBlob=p["PrivateKeyCiphertextBlob"])["Plaintext"],
                             p["PrivateKeyPlaintext"])
            if spec.startswith("ECC"):
                sig = priv.sign(b"m", ec.ECDSA(hashes.SHA256()))
                pub.verify(sig, b"m", ec.ECDSA(hashes.SHA256()))
        wo = self.kms.generate_data_key_pair_without_plaintext(KeyId=kid, KeyPairSpec="ECC_NIST_P384")
        self.assertNotIn("PrivateKeyPlaintext", wo)
        serialization.load_der_private_key(self.kms.decrypt(CiphertextBlob=wo["PrivateKeyCiphertextBlob"])["Plaintext"],
                                           None)

    def test_generate_random(self):
        r = self.kms.generate_random(NumberOfBytes=64)["Plaintext"]
        self.assertEqual(len(r), 64)
        self.assertNotEqual(r, self.kms.generate_random(NumberOfBytes=64)["Plaintext"])
        self.assertEqual(error_code(lambda: self.kms.generate_random(NumberOfBytes=1025)), "ValidationException")

    def test_rsa_encryption(self):
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
        kid = self.kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
        pub = serialization.load_der_public_key(self.kms.get_public_key(KeyId=kid)["PublicKey"])
        for alg, h in (("RSAES_OAEP_SHA_1", hashes.SHA1()), ("RSAES_OAEP_SHA_256", hashes.SHA256())):
            c = self.kms.encrypt(KeyId=kid, Plaintext=b"rsa data", EncryptionAlgorithm=alg)["CiphertextBlob"]
            self.assertEqual(self.kms.decrypt(CiphertextBlob=c, KeyId=kid, EncryptionAlgorithm=alg)["Plaintext"],
                             b"rsa data")
            # a ciphertext made outside KMS with the public key decrypts inside
            outside = pub.encrypt(b"from outside", padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
            self.assertEqual(self.kms.decrypt(CiphertextBlob=outside, KeyId=kid, EncryptionAlgorithm=alg)["Plaintext"],
                             b"from outside")
        self.assertEqual(error_code(lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x" * 191,
                                                             EncryptionAlgorithm="RSAES_OAEP_SHA_256")),
                         "ValidationException")
        self.kms.encrypt(KeyId=kid, Plaintext=b"x" * 190, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
        self.assertEqual(error_code(lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x")), "InvalidKeyUsageException")
        self.assertEqual(error_code(lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_1",
                                                             EncryptionContext={"a": "b"})), "ValidationException")

    def _openssl_verify(self, pub_der, message, sig, digest, pss=False):
        with tempfile.TemporaryDirectory() as d:
            paths = {n: os.path.join(d, n) for n in ("pub.der", "msg", "sig")}
            for n, data in (("pub.der", pub_der), ("msg", message), ("sig", sig)):
                with open(paths[n], "wb") as f:
                    f.write(data)
            cmd = ["openssl", "dgst", f"-{digest}", "-keyform", "DER", "-verify", paths["pub.der"], "-signature",
                   paths["sig"]]
            if pss:
                cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"]
            cp = subprocess.run(cmd + [paths["msg"]], capture_output=True, text=True)
            return cp.returncode == 0 and "Verified OK" in cp.stdout

    def test_sign_verify_with_openssl_and_cryptography(self):
        import hashlib
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
        hashes_of = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}
        cases = [("RSA_2048", f"RSASSA_PKCS1_V1_5_SHA_{n}") for n in ("256", "384", "512")]
        cases += [("RSA_3072", f"RSASSA_PSS_SHA_{n}") for n in ("256", "384", "512")]
        cases += [("ECC_NIST_P256", "ECDSA_SHA_256"), ("ECC_NIST_P384", "ECDSA_SHA_384"),
                  ("ECC_NIST_P521", "ECDSA_SHA_512"), ("ECC_SECG_P256K1", "ECDSA_SHA_256")]
        keys = {}
        for spec, alg in cases:
            if spec not in keys:
                keys[spec] = self.kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
            kid = keys[spec]
            pub = self.kms.get_public_key(KeyId=kid)
            self.assertEqual(pub["KeySpec"], spec)
            self.assertIn(alg, pub["SigningAlgorithms"])
            n = alg[-3:]
            msg = b"message to sign " + alg.encode()
            sig = self.kms.sign(KeyId=kid, Message=msg, SigningAlgorithm=alg)["Signature"]
            self.assertTrue(self._openssl_verify(pub["PublicKey"], msg, sig, f"sha{n}", pss="PSS" in alg), alg)
            key = serialization.load_der_public_key(pub["PublicKey"])
            if alg.startswith("ECDSA"):
                key.verify(sig, msg, ec.ECDSA(hashes_of[n]))
            elif "PSS" in alg:
                key.verify(sig, msg, padding.PSS(mgf=padding.MGF1(hashes_of[n]), salt_length=int(n) // 8), hashes_of[n])
            else:
                key.verify(sig, msg, padding.PKCS1v15(), hashes_of[n])
            self.assertTrue(self.kms.verify(KeyId=kid, Message=msg, Signature=sig, SigningAlgorithm=alg)["SignatureValid"])
            # DIGEST message type: the same signature over the precomputed hash
            digest = hashlib.new(f"sha{n}", msg).digest()
            dsig = self.kms.sign(KeyId=kid, Message=digest, MessageType="DIGEST", SigningAlgorithm=alg)["Signature"]
            self.assertTrue(self.kms.verify(KeyId=kid, Message=msg, Signature=dsig, SigningAlgorithm=alg)["SignatureValid"])
            self.assertEqual(error_code(lambda: self.kms.verify(KeyId=kid, Message=msg + b"!", Signature=sig,
                                                                SigningAlgorithm=alg)), "KMSInvalidSignatureException")
            self.assertEqual(error_code(lambda: self.kms.sign(KeyId=kid, Message=b"short", MessageType="DIGEST",
                                                              SigningAlgorithm=alg)), "ValidationException")
        self.assertEqual(error_code(lambda: self.kms.sign(KeyId=keys["ECC_NIST_P384"], Message=b"m",
                                                          SigningAlgorithm="ECDSA_SHA_256")), "InvalidKeyUsageException")
        sym = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.assertEqual(error_code(lambda: self.kms.sign(KeyId=sym, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")),
                         "InvalidKeyUsageException")
        self.assertEqual(error_code(lambda: self.kms.get_public_key(KeyId=sym)), "UnsupportedOperationException")
        self.assertEqual(error_code(lambda: self.kms.encrypt(KeyId=keys["ECC_NIST_P256"], Plaintext=b"x")),
                         "InvalidKeyUsageException")

    def test_hmac(self):
        import hashlib
        import hmac as pyhmac
        for n in ("224", "256", "384", "512"):
            kid = self.kms.create_key(KeySpec=f"HMAC_{n}", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
            mac = self.kms.generate_mac(KeyId=kid, Message=b"data", MacAlgorithm=f"HMAC_SHA_{n}")["Mac"]
            self.assertEqual(len(mac), hashlib.new(f"sha{n}").digest_size)
            self.assertTrue(self.kms.verify_mac(KeyId=kid, Message=b"data", Mac=mac, MacAlgorithm=f"HMAC_SHA_{n}")["MacValid"])
            self.assertEqual(error_code(lambda: self.kms.verify_mac(KeyId=kid, Message=b"other", Mac=mac,
                                                                    MacAlgorithm=f"HMAC_SHA_{n}")), "KMSInvalidMacException")
            wrong = "HMAC_SHA_256" if n != "256" else "HMAC_SHA_512"
            self.assertEqual(error_code(lambda: self.kms.generate_mac(KeyId=kid, Message=b"d", MacAlgorithm=wrong)),
                             "InvalidKeyUsageException")
        self.assertEqual(error_code(lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x")), "InvalidKeyUsageException")
        del pyhmac

    def test_rotation(self):
        kid = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.assertFalse(self.kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"])
        old = self.kms.encrypt(KeyId=kid, Plaintext=b"before", EncryptionContext={"a": "1"})["CiphertextBlob"]
        mat0 = self.kms.describe_key(KeyId=kid)["KeyMetadata"]["CurrentKeyMaterialId"]
        unchecked = self.stratus.client("kms", parameter_validation=False)
        for bad in (89, 2561):
            self.assertEqual(error_code(lambda: unchecked.enable_key_rotation(KeyId=kid, RotationPeriodInDays=bad)),
                             "ValidationException")
        self.kms.enable_key_rotation(KeyId=kid, RotationPeriodInDays=90)
        st = self.kms.get_key_rotation_status(KeyId=kid)
        self.assertTrue(st["KeyRotationEnabled"])
        self.assertEqual(st["RotationPeriodInDays"], 90)
        self.assertIn("NextRotationDate", st)
        self.kms.rotate_key_on_demand(KeyId=kid)
        mat1 = self.kms.describe_key(KeyId=kid)["KeyMetadata"]["CurrentKeyMaterialId"]
        self.assertNotEqual(mat0, mat1)
        rot = self.kms.list_key_rotations(KeyId=kid)["Rotations"]
        self.assertEqual([r["RotationType"] for r in rot], ["ON_DEMAND"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=old, EncryptionContext={"a": "1"})["Plaintext"], b"before")
        new = self.kms.encrypt(KeyId=kid, Plaintext=b"after")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=new["CiphertextBlob"])["KeyMaterialId"], mat1)
        self.kms.disable_key_rotation(KeyId=kid)
        self.assertFalse(self.kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"])
        rsa = self.kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        self.assertEqual(error_code(lambda: self.kms.enable_key_rotation(KeyId=rsa)), "UnsupportedOperationException")
        self.assertEqual(error_code(lambda: self.kms.rotate_key_on_demand(KeyId=rsa)), "UnsupportedOperationException")
        for _ in range(24):
            self.kms.rotate_key_on_demand(KeyId=kid)
        self.assertEqual(error_code(lambda: self.kms.rotate_key_on_demand(KeyId=kid)), "LimitExceededException")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=old, EncryptionContext={"a": "1"})["Plaintext"], b"before")


class AwsCli(StratusTestCase):
    def test_cli_encrypt_decrypt_fileb(self):
        kid = self.stratus.aws("kms", "create-key", "--description", "cli")["KeyMetadata"]["KeyId"]
        self.stratus.aws("kms", "create-alias", "--alias-name", "alias/cli", "--target-key-id", kid)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "plain.bin")
            with open(p, "wb") as f:
                f.write(b"\x00\x01binary\xff")
            out = self.stratus.aws("kms", "encrypt", "--key-id", "alias/cli", "--plaintext", f"fileb://{p}",
                                   "--encryption-context", "purpose=test")
            c = os.path.join(d, "cipher.bin")
            with open(c, "wb") as f:
                f.write(base64.b64decode(out["CiphertextBlob"]))
            dec = self.stratus.aws("kms", "decrypt", "--ciphertext-blob", f"fileb://{c}", "--encryption-context",
                                   "purpose=test")
            self.assertEqual(base64.b64decode(dec["Plaintext"]), b"\x00\x01binary\xff")
            bad = self.stratus.aws("kms", "decrypt", "--ciphertext-blob", f"fileb://{c}", check=False)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn("InvalidCiphertextException", bad.stderr)
        keys = self.stratus.aws("kms", "list-aliases")["Aliases"]
        self.assertIn("alias/cli", [a["AliasName"] for a in keys])
        sig_key = self.stratus.aws("kms", "create-key", "--key-spec", "ECC_NIST_P256", "--key-usage",
                                   "SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        with tempfile.TemporaryDirectory() as d:
            m, sg = os.path.join(d, "m"), os.path.join(d, "sig")
            with open(m, "wb") as f:
                f.write(b"hi")
            s = self.stratus.aws("kms", "sign", "--key-id", sig_key, "--message", f"fileb://{m}",
                                 "--signing-algorithm", "ECDSA_SHA_256")
            with open(sg, "wb") as f:
                f.write(base64.b64decode(s["Signature"]))
            v = self.stratus.aws("kms", "verify", "--key-id", sig_key, "--message", f"fileb://{m}",
                                 "--signature", f"fileb://{sg}", "--signing-algorithm", "ECDSA_SHA_256")
            self.assertTrue(v["SignatureValid"])
        self.stratus.aws("kms", "schedule-key-deletion", "--key-id", kid, "--pending-window-in-days", "7")
        self.assertEqual(self.stratus.aws("kms", "describe-key", "--key-id", kid)["KeyMetadata"]["KeyState"],
                         "PendingDeletion")


class DeletionSchedule(unittest.TestCase):
    """Deletion runs on the scheduler once the window has passed (a "day" shortened for the test)."""

    def test_key_deleted_after_window_with_its_aliases(self):
        s = Stratus(env={"STRATUS_KMS_DAY_MS": "100"}).start()
        try:
            kms = s.client("kms")
            kid = kms.create_key()["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName="alias/gone", TargetKeyId=kid)
            kms.create_grant(KeyId=kid, GranteePrincipal="p", Operations=["Decrypt"])
            kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
            self.assertTrue(wait_until(lambda: error_code(lambda: kms.describe_key(KeyId=kid)) == "NotFoundException",
                                       timeout=10))
            self.assertEqual(error_code(lambda: kms.describe_key(KeyId="alias/gone")), "NotFoundException")
            self.assertNotIn("alias/gone", [a["AliasName"] for a in kms.list_aliases()["Aliases"]])
            # automatic rotation on its schedule (90 "days" = 9 s here)
            rk = kms.create_key()["KeyMetadata"]["KeyId"]
            blob = kms.encrypt(KeyId=rk, Plaintext=b"old")["CiphertextBlob"]
            kms.enable_key_rotation(KeyId=rk, RotationPeriodInDays=90)
            self.assertTrue(wait_until(lambda: kms.list_key_rotations(KeyId=rk)["Rotations"], timeout=20))
            self.assertEqual(kms.list_key_rotations(KeyId=rk)["Rotations"][0]["RotationType"], "AUTOMATIC")
            self.assertEqual(kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"old")
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
