"""S3 bucket configuration through boto3 (issue 16, Bucket configuration; Accounts and owners):
bucket policies evaluated for other accounts and anonymous callers, Block Public Access, ownership
controls, ACLs, CORS (preflights answered from the configuration), lifecycle (validated and
applied by the sweeper), default encryption and SSE-C, object lock, tagging, request payment,
accelerate, logging, website configuration and static website hosting."""
import base64
import hashlib
import http.client
import json
import time
import unittest

import botocore
import botocore.config

from harness import Stratus, error_code, wait_until

A = ("AKIAOWNER000000000A1", "owner-secret", "111111111111")
B = ("AKIAOTHER000000000B2", "other-secret", "222222222222")


def canonical(account):
    return hashlib.sha256(f"stratus-canonical-user:{account}".encode()).hexdigest()


def public_read_policy(bucket):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]})


class S3ConfigBase(unittest.TestCase):
    env = {"STRATUS_S3_LIFECYCLE_MS": "200", "STRATUS_S3_LIFECYCLE_DAY_MS": "1000"}

    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus("--account-key", ":".join(A), "--account-key", ":".join(B), env=cls.env).start()
        cls.a = cls.stratus.client("s3", key=A[0], secret=A[1])
        cls.b = cls.stratus.client("s3", key=B[0], secret=B[1])
        cls.anon = cls.stratus.client("s3", signature_version=botocore.UNSIGNED)
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def bucket(self, client=None, **kw):
        type(self).n += 1
        name = f"cfg-{self._testMethodName.replace('_', '-')[5:35]}-{type(self).n}".lower().strip("-")
        (client or self.a).create_bucket(Bucket=name, **kw)
        return name

    def code(self, fn):
        return error_code(fn)

    def err(self, fn):
        try:
            fn()
        except botocore.exceptions.ClientError as e:
            return e.response
        raise AssertionError("no error")


class TestOwners(S3ConfigBase):
    def test_owner_is_the_accounts_canonical_id(self):
        self.bucket()
        owner = self.a.list_buckets()["Owner"]
        self.assertEqual(owner["ID"], canonical(A[2]))
        self.assertEqual(self.b.list_buckets()["Owner"]["ID"], canonical(B[2]))
        self.assertNotEqual(owner["ID"], canonical(B[2]))

    def test_bucket_names_are_global(self):
        name = self.bucket()
        self.assertEqual(self.code(lambda: self.b.create_bucket(Bucket=name)), "BucketAlreadyExists")


class TestBucketPolicy(S3ConfigBase):
    def test_put_get_delete_and_status(self):
        name = self.bucket()
        self.assertEqual(self.code(lambda: self.a.get_bucket_policy(Bucket=name)), "NoSuchBucketPolicy")
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": B[2]}, "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]}]})
        self.a.put_bucket_policy(Bucket=name, Policy=policy)
        self.assertEqual(json.loads(self.a.get_bucket_policy(Bucket=name)["Policy"]), json.loads(policy))
        self.assertFalse(self.a.get_bucket_policy_status(Bucket=name)["PolicyStatus"]["IsPublic"])
        self.a.delete_bucket_policy(Bucket=name)
        self.assertEqual(self.code(lambda: self.a.get_bucket_policy(Bucket=name)), "NoSuchBucketPolicy")

    def test_malformed_policies(self):
        name = self.bucket()
        cases = {
            "not json": "Policies must be valid JSON and the first byte must be '{'",
            "{": "This policy contains invalid Json",
            json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{name}/*"}]}): "Missing required field Principal",
            json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                       "Resource": "arn:aws:s3:::some-other-bucket/*"}]}): "Policy has invalid resource",
            json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
                                       "Resource": f"arn:aws:s3:::{name}/*"}]}): "Policy has invalid action",
            json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "nobody"}, "Action": "s3:*",
                                       "Resource": f"arn:aws:s3:::{name}/*"}]}): "Invalid principal in policy",
            json.dumps({"Statement": [{"Effect": "Perhaps", "Principal": "*", "Action": "s3:*",
                                       "Resource": f"arn:aws:s3:::{name}/*"}]}): "Invalid effect: Perhaps",
        }
        for text, message in cases.items():
            r = self.err(lambda: self.a.put_bucket_policy(Bucket=name, Policy=text))
            self.assertEqual(r["Error"]["Code"], "MalformedPolicy", text)
            self.assertEqual(r["Error"]["Message"], message, text)
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_cross_account_access_follows_the_policy(self):
        name = self.bucket()
        self.a.put_object(Bucket=name, Key="doc.txt", Body=b"hello")
        self.a.put_object(Bucket=name, Key="secret/x", Body=b"no")
        self.assertEqual(self.code(lambda: self.b.get_object(Bucket=name, Key="doc.txt")), "AccessDenied")
        self.assertEqual(self.code(lambda: self.b.list_objects_v2(Bucket=name)), "AccessDenied")
        self.a.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B[2]}:root"}, "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{name}/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{name}/secret/*"}]}))
        self.assertEqual(self.b.get_object(Bucket=name, Key="doc.txt")["Body"].read(), b"hello")
        self.assertEqual(self.code(lambda: self.b.get_object(Bucket=name, Key="secret/x")), "AccessDenied")
        # The explicit deny binds the owner too, except for the policy operations themselves.
        self.assertEqual(self.code(lambda: self.a.get_object(Bucket=name, Key="secret/x")), "AccessDenied")
        self.assertEqual(self.code(lambda: self.b.put_object(Bucket=name, Key="w", Body=b"x")), "AccessDenied")
        self.assertEqual(self.code(lambda: self.b.list_objects_v2(Bucket=name)), "AccessDenied")
        self.a.delete_bucket_policy(Bucket=name)
        self.assertEqual(self.a.get_object(Bucket=name, Key="secret/x")["Body"].read(), b"no")

    def test_conditions_are_evaluated(self):
        name = self.bucket()
        self.a.put_object(Bucket=name, Key="k", Body=b"v")
        self.a.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": B[2]}, "Action": "s3:ListBucket",
             "Resource": f"arn:aws:s3:::{name}", "Condition": {"StringLike": {"s3:prefix": "public/*"}}}]}))
        self.b.list_objects_v2(Bucket=name, Prefix="public/a")
        self.assertEqual(self.code(lambda: self.b.list_objects_v2(Bucket=name, Prefix="private/")), "AccessDenied")

    def test_expected_bucket_owner(self):
        name = self.bucket()
        self.a.head_bucket(Bucket=name, ExpectedBucketOwner=A[2])
        self.assertEqual(self.code(lambda: self.a.get_bucket_tagging(Bucket=name, ExpectedBucketOwner=B[2])),
                         "AccessDenied")


class TestPublicAccess(S3ConfigBase):
    def test_defaults_and_public_policy(self):
        name = self.bucket()
        self.a.put_object(Bucket=name, Key="index.html", Body=b"<h1>hi</h1>")
        pab = self.a.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        self.assertEqual(pab, {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                               "RestrictPublicBuckets": True})
        r = self.err(lambda: self.a.put_bucket_policy(Bucket=name, Policy=public_read_policy(name)))
        self.assertEqual(r["Error"]["Code"], "AccessDenied")
        self.assertIn("BlockPublicPolicy", r["Error"]["Message"])
        self.assertEqual(self.code(lambda: self.anon.get_object(Bucket=name, Key="index.html")), "AccessDenied")
        self.a.delete_public_access_block(Bucket=name)
        self.assertEqual(self.code(lambda: self.a.get_public_access_block(Bucket=name)),
                         "NoSuchPublicAccessBlockConfiguration")
        self.a.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
        self.assertTrue(self.a.get_bucket_policy_status(Bucket=name)["PolicyStatus"]["IsPublic"])
        self.assertEqual(self.anon.get_object(Bucket=name, Key="index.html")["Body"].read(), b"<h1>hi</h1>")
        self.assertEqual(self.b.get_object(Bucket=name, Key="index.html")["Body"].read(), b"<h1>hi</h1>")
        self.assertEqual(self.code(lambda: self.anon.put_object(Bucket=name, Key="x", Body=b"x")), "AccessDenied")
        # RestrictPublicBuckets: the public policy no longer lets others in.
        self.a.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True})
        self.assertEqual(self.code(lambda: self.anon.get_object(Bucket=name, Key="index.html")), "AccessDenied")
        self.a.get_object(Bucket=name, Key="index.html")


class TestOwnershipAndAcls(S3ConfigBase):
    def test_ownership_controls(self):
        name = self.bucket()
        rules = self.a.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
        self.assertEqual(rules, [{"ObjectOwnership": "BucketOwnerEnforced"}])
        self.a.put_bucket_ownership_controls(Bucket=name, OwnershipControls={
            "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
        self.assertEqual(self.a.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"][0]
                         ["ObjectOwnership"], "ObjectWriter")
        self.a.delete_bucket_ownership_controls(Bucket=name)
        self.assertEqual(self.code(lambda: self.a.get_bucket_ownership_controls(Bucket=name)),
                         "OwnershipControlsNotFoundError")
        other = self.bucket(ObjectOwnership="BucketOwnerPreferred")
        self.assertEqual(self.a.get_bucket_ownership_controls(Bucket=other)["OwnershipControls"]["Rules"][0]
                         ["ObjectOwnership"], "BucketOwnerPreferred")

    def test_acls_disabled_by_default(self):
        name = self.bucket()
        acl = self.a.get_bucket_acl(Bucket=name)
        self.assertEqual(acl["Owner"]["ID"], canonical(A[2]))
        self.assertEqual(acl["Grants"], [{"Grantee": {"DisplayName": f"stratus-{A[2]}", "ID": canonical(A[2]),
                                                      "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}])
        self.assertEqual(self.code(lambda: self.a.put_bucket_acl(Bucket=name, ACL="public-read")),
                         "AccessControlListNotSupported")
        self.assertEqual(self.code(lambda: self.a.put_object(Bucket=name, Key="k", Body=b"x", ACL="public-read")),
                         "AccessControlListNotSupported")
        self.a.put_object(Bucket=name, Key="k", Body=b"x", ACL="bucket-owner-full-control")
        self.assertEqual(self.code(lambda: self.a.create_bucket(Bucket=name + "-acl", ACL="public-read")),
                         "InvalidBucketAclWithObjectOwnership")

    def test_grants_give_access(self):
        name = self.bucket(ObjectOwnership="ObjectWriter")
        self.a.delete_public_access_block(Bucket=name)
        self.a.put_object(Bucket=name, Key="shared", Body=b"data",
                          GrantRead=f'id="{canonical(B[2])}"')
        self.a.put_object(Bucket=name, Key="private", Body=b"data")
        self.assertEqual(self.b.get_object(Bucket=name, Key="shared")["Body"].read(), b"data")
        self.assertEqual(self.code(lambda: self.b.get_object(Bucket=name, Key="private")), "AccessDenied")
        grants = self.a.get_object_acl(Bucket=name, Key="shared")["Grants"]
        self.assertEqual(grants, [{"Grantee": {"ID": canonical(B[2]), "Type": "CanonicalUser"}, "Permission": "READ"}])
        # Canned public-read on an object: anonymous reads.
        self.a.put_object_acl(Bucket=name, Key="private", ACL="public-read")
        self.assertEqual(self.anon.get_object(Bucket=name, Key="private")["Body"].read(), b"data")
        perms = {(g["Grantee"].get("URI"), g["Permission"]) for g in
                 self.a.get_object_acl(Bucket=name, Key="private")["Grants"]}
        self.assertIn(("http://acs.amazonaws.com/groups/global/AllUsers", "READ"), perms)
        # Bucket ACL with an XML body: WRITE to B lets B upload.
        self.a.put_bucket_acl(Bucket=name, AccessControlPolicy={
            "Owner": {"ID": canonical(A[2])},
            "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": canonical(A[2])}, "Permission": "FULL_CONTROL"},
                       {"Grantee": {"Type": "CanonicalUser", "ID": canonical(B[2])}, "Permission": "WRITE"}]})
        self.b.put_object(Bucket=name, Key="from-b", Body=b"b")
        self.assertEqual(len(self.a.get_bucket_acl(Bucket=name)["Grants"]), 2)


class TestCors(S3ConfigBase):
    def preflight(self, bucket, origin, method, headers=None, key="obj"):
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=10)
        h = {"Origin": origin, "Access-Control-Request-Method": method}
        if headers:
            h["Access-Control-Request-Headers"] = headers
        conn.request("OPTIONS", f"/{bucket}/{key}", headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()

    def test_configuration_and_preflight(self):
        name = self.bucket()
        self.assertEqual(self.code(lambda: self.a.get_bucket_cors(Bucket=name)), "NoSuchCORSConfiguration")
        status, _, body = self.preflight(name, "http://app.example", "GET")
        self.assertEqual(status, 403)
        self.assertIn(b"CORS is not enabled for this bucket", body)
        rules = [{"AllowedOrigins": ["http://*.example"], "AllowedMethods": ["GET", "PUT"],
                  "AllowedHeaders": ["content-*", "x-amz-*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600},
                 {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]}]
        self.a.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        got = self.a.get_bucket_cors(Bucket=name)["CORSRules"]
        self.assertEqual(got[0]["AllowedOrigins"], ["http://*.example"])
        self.assertEqual(got[0]["MaxAgeSeconds"], 600)
        status, h, _ = self.preflight(name, "http://app.example", "PUT", "Content-Type, X-Amz-Date")
        self.assertEqual(status, 200)
        self.assertEqual(h["access-control-allow-origin"], "http://app.example")
        self.assertEqual(h["access-control-allow-methods"], "GET, PUT")
        self.assertEqual(h["access-control-allow-headers"], "content-type, x-amz-date")
        self.assertEqual(h["access-control-max-age"], "600")
        self.assertEqual(h["access-control-expose-headers"], "ETag")
        status, h, _ = self.preflight(name, "http://other.test", "HEAD")
        self.assertEqual((status, h["access-control-allow-origin"]), (200, "*"))
        status, _, body = self.preflight(name, "http://other.test", "DELETE")
        self.assertEqual(status, 403)
        self.assertIn(b"AccessForbidden", body)
        status, _, _ = self.preflight(name, "http://app.example", "PUT", "x-custom")
        self.assertEqual(status, 403)
        self.a.delete_bucket_cors(Bucket=name)
        self.assertEqual(self.code(lambda: self.a.get_bucket_cors(Bucket=name)), "NoSuchCORSConfiguration")

    def test_invalid_rules(self):
        name = self.bucket()
        r = self.err(lambda: self.a.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]}))
        self.assertEqual(r["Error"]["Code"], "InvalidRequest")
        self.assertIn("Unsupported method is PATCH", r["Error"]["Message"])
        r = self.err(lambda: self.a.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": ["http://*.*.x"], "AllowedMethods": ["GET"]}]}))
        self.assertEqual(r["Error"]["Code"], "InvalidRequest")


class TestLifecycle(S3ConfigBase):
    def test_validation(self):
        name = self.bucket()
        self.assertEqual(self.code(lambda: self.a.get_bucket_lifecycle_configuration(Bucket=name)),
                         "NoSuchLifecycleConfiguration")
        put = lambda rules: self.a.put_bucket_lifecycle_configuration(  # noqa: E731
            Bucket=name, LifecycleConfiguration={"Rules": rules})
        bad = [
            ([{"ID": "x", "Status": "Enabled", "Filter": {"Prefix": ""}}], "InvalidRequest"),
            ([{"ID": "x", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}}], "InvalidArgument"),
            ([{"ID": "x", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}},
              {"ID": "x", "Status": "Enabled", "Filter": {"Prefix": "a"}, "Expiration": {"Days": 1}}], "InvalidArgument"),
            ([{"ID": "t", "Status": "Enabled", "Filter": {"Prefix": ""},
               "Transitions": [{"Days": 10, "StorageClass": "STANDARD_IA"}]}], "InvalidArgument"),
            ([{"ID": "m", "Status": "Enabled", "Filter": {"Tag": {"Key": "a", "Value": "b"}},
               "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}], "InvalidRequest"),
        ]
        for rules, code in bad:
            self.assertEqual(self.code(lambda: put(rules)), code, rules)
        put([{"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30},
              "Transitions": [{"Days": 0, "StorageClass": "GLACIER"}],
              "NoncurrentVersionExpiration": {"NoncurrentDays": 5},
              "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}])
        rules = self.a.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
        self.assertEqual(rules[0]["ID"], "logs")
        self.assertEqual(rules[0]["Expiration"], {"Days": 30})
        self.a.delete_bucket_lifecycle(Bucket=name)
        self.assertEqual(self.code(lambda: self.a.get_bucket_lifecycle_configuration(Bucket=name)),
                         "NoSuchLifecycleConfiguration")

    def test_sweeper_expires_and_transitions(self):
        # A lifecycle day lasts one second in this server (STRATUS_S3_LIFECYCLE_DAY_MS).
        name = self.bucket()
        self.a.put_object(Bucket=name, Key="tmp/old", Body=b"x")
        self.a.put_object(Bucket=name, Key="keep/a", Body=b"y")
        self.a.put_object(Bucket=name, Key="cold/a", Body=b"z")
        self.a.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
            {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}},
            {"ID": "cold", "Status": "Enabled", "Filter": {"Prefix": "cold/"},
             "Transitions": [{"Days": 0, "StorageClass": "GLACIER"}]},
            {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": "keep/"}, "Expiration": {"Days": 1}}]})
        keys = lambda: [o["Key"] for o in self.a.list_objects_v2(Bucket=name).get("Contents", [])]  # noqa: E731
        self.assertTrue(wait_until(lambda: "tmp/old" not in keys(), timeout=15))
        self.assertIn("keep/a", keys())
        self.assertTrue(wait_until(lambda: self.a.head_object(Bucket=name, Key="cold/a").get("StorageClass")
                                   == "GLACIER", timeout=15))

    def test_noncurrent_versions_expire(self):
        name = self.bucket()
        self.a.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        self.a.put_object(Bucket=name, Key="k", Body=b"1")
        self.a.put_object(Bucket=name, Key="k", Body=b"2")
        self.a.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
            {"ID": "nc", "Status": "Enabled", "Filter": {}, "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}]})
        versions = lambda: self.a.list_object_versions(Bucket=name).get("Versions", [])  # noqa: E731
        self.assertTrue(wait_until(lambda: len(versions()) == 1, timeout=15))
        self.assertEqual(self.a.get_object(Bucket=name, Key="k")["Body"].read(), b"2")


class TestEncryption(S3ConfigBase):
    def test_default_and_configured(self):
        name = self.bucket()
        rules = self.a.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        self.assertEqual(rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")
        self.assertEqual(self.a.put_object(Bucket=name, Key="a", Body=b"x")["ServerSideEncryption"], "AES256")
        self.assertEqual(self.a.head_object(Bucket=name, Key="a")["ServerSideEncryption"], "AES256")
        self.a.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/mine"},
             "BucketKeyEnabled": True}]})
        r = self.a.put_object(Bucket=name, Key="b", Body=b"x")
        self.assertEqual((r["ServerSideEncryption"], r["SSEKMSKeyId"]), ("aws:kms", "alias/mine"))
        h = self.a.get_object(Bucket=name, Key="b")
        self.assertEqual(h["ServerSideEncryption"], "aws:kms")
        self.assertEqual(self.code(lambda: self.a.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}]})),
            "InvalidArgument")
        self.a.delete_bucket_encryption(Bucket=name)
        self.assertEqual(self.a.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
                         ["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")

    def test_sse_c_key_checked_on_get(self):
        name = self.bucket()
        key = b"k" * 32
        self.a.put_object(Bucket=name, Key="c", Body=b"secret", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
        got = self.a.get_object(Bucket=name, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
        self.assertEqual(got["Body"].read(), b"secret")
        self.assertEqual(got["SSECustomerKeyMD5"], base64.b64encode(hashlib.md5(key).digest()).decode())
        self.assertEqual(self.code(lambda: self.a.get_object(Bucket=name, Key="c")), "InvalidRequest")
        self.assertEqual(self.code(lambda: self.a.get_object(
            Bucket=name, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=b"z" * 32)), "AccessDenied")
        self.assertEqual(self.code(lambda: self.a.put_object(
            Bucket=name, Key="d", Body=b"x", SSECustomerAlgorithm="AES256", SSECustomerKey=b"short")), "InvalidArgument")


class TestObjectLock(S3ConfigBase):
    def test_retention_and_legal_hold(self):
        name = self.bucket(ObjectLockEnabledForBucket=True)
        self.assertEqual(self.a.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
                         ["ObjectLockEnabled"], "Enabled")
        self.a.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
        v1 = self.a.put_object(Bucket=name, Key="doc", Body=b"1")["VersionId"]
        ret = self.a.get_object_retention(Bucket=name, Key="doc", VersionId=v1)["Retention"]
        self.assertEqual(ret["Mode"], "GOVERNANCE")
        self.assertEqual(self.code(lambda: self.a.delete_object(Bucket=name, Key="doc", VersionId=v1)), "AccessDenied")
        self.a.delete_object(Bucket=name, Key="doc", VersionId=v1, BypassGovernanceRetention=True)
        # Compliance: no bypass; legal hold blocks too.
        until = time.time() + 3600
        v2 = self.a.put_object(Bucket=name, Key="c", Body=b"2", ObjectLockMode="COMPLIANCE",
                               ObjectLockRetainUntilDate=until)["VersionId"]
        self.assertEqual(self.code(lambda: self.a.delete_object(
            Bucket=name, Key="c", VersionId=v2, BypassGovernanceRetention=True)), "AccessDenied")
        self.assertEqual(self.code(lambda: self.a.put_object_retention(
            Bucket=name, Key="c", VersionId=v2, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until})),
            "AccessDenied")
        self.assertEqual(self.a.head_object(Bucket=name, Key="c")["ObjectLockMode"], "COMPLIANCE")
        plain = self.bucket()
        self.a.put_object(Bucket=plain, Key="k", Body=b"x")
        self.assertEqual(self.code(lambda: self.a.get_object_legal_hold(Bucket=plain, Key="k")), "InvalidRequest")
        self.assertEqual(self.code(lambda: self.a.get_object_lock_configuration(Bucket=plain)),
                         "ObjectLockConfigurationNotFoundError")
        v3 = self.a.put_object(Bucket=name, Key="h", Body=b"3")["VersionId"]
        self.a.put_object_legal_hold(Bucket=name, Key="h", VersionId=v3, LegalHold={"Status": "ON"})
        self.assertEqual(self.a.get_object_legal_hold(Bucket=name, Key="h", VersionId=v3)["LegalHold"]["Status"], "ON")
        self.assertEqual(self.code(lambda: self.a.delete_object(
            Bucket=name, Key="h", VersionId=v3, BypassGovernanceRetention=True)), "AccessDenied")


class TestSimpleConfigurations(S3ConfigBase):
    def test_tagging(self):
        name = self.bucket()
        self.assertEqual(self.code(lambda: self.a.get_bucket_tagging(Bucket=name)), "NoSuchTagSet")
        self.a.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "env", "Value": "dev"}]})
        self.assertEqual(self.a.get_bucket_tagging(Bucket=name)["TagSet"], [{"Key": "env", "Value": "dev"}])
        self.assertEqual(self.code(lambda: self.a.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
            {"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]})), "InvalidTag")
        self.a.delete_bucket_tagging(Bucket=name)
        self.assertEqual(self.code(lambda: self.a.get_bucket_tagging(Bucket=name)), "NoSuchTagSet")

    def test_request_payment_accelerate_logging(self):
        name = self.bucket()
        self.assertEqual(self.a.get_bucket_request_payment(Bucket=name)["Payer"], "BucketOwner")
        self.a.put_bucket_request_payment(Bucket=name, RequestPaymentConfiguration={"Payer": "Requester"})
        self.assertEqual(self.a.get_bucket_request_payment(Bucket=name)["Payer"], "Requester")
        self.assertNotIn("Status", self.a.get_bucket_accelerate_configuration(Bucket=name))
        self.a.put_bucket_accelerate_configuration(Bucket=name, AccelerateConfiguration={"Status": "Enabled"})
        self.assertEqual(self.a.get_bucket_accelerate_configuration(Bucket=name)["Status"], "Enabled")
        self.assertNotIn("LoggingEnabled", self.a.get_bucket_logging(Bucket=name))
        target = self.bucket()
        self.a.put_bucket_logging(Bucket=name, BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/"}})
        self.assertEqual(self.a.get_bucket_logging(Bucket=name)["LoggingEnabled"]["TargetBucket"], target)
        self.assertEqual(self.code(lambda: self.a.put_bucket_logging(Bucket=name, BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "no-such-target-bucket", "TargetPrefix": ""}})),
            "InvalidTargetBucketForLogging")
        self.a.put_bucket_logging(Bucket=name, BucketLoggingStatus={})
        self.assertNotIn("LoggingEnabled", self.a.get_bucket_logging(Bucket=name))


class TestWebsite(S3ConfigBase):
    def get(self, host, path, method="GET"):
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=10)
        conn.request(method, path, headers={"Host": f"{host}:{self.stratus.port}"})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()

    def site(self):
        name = self.bucket()
        self.a.delete_public_access_block(Bucket=name)
        self.a.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
        for key, body in {"index.html": b"<h1>home</h1>", "docs/index.html": b"<h1>docs</h1>",
                          "error.html": b"<h1>oops</h1>", "page.html": b"<p>page</p>"}.items():
            self.a.put_object(Bucket=name, Key=key, Body=body, ContentType="text/html")
        return name

    def test_configuration(self):
        name = self.bucket()
        self.assertEqual(self.code(lambda: self.a.get_bucket_website(Bucket=name)), "NoSuchWebsiteConfiguration")
        self.assertEqual(self.code(lambda: self.a.put_bucket_website(Bucket=name, WebsiteConfiguration={
            "ErrorDocument": {"Key": "e.html"}})), "InvalidArgument")
        self.a.put_bucket_website(Bucket=name, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}})
        got = self.a.get_bucket_website(Bucket=name)
        self.assertEqual(got["IndexDocument"], {"Suffix": "index.html"})
        self.assertEqual(got["ErrorDocument"], {"Key": "error.html"})
        self.a.delete_bucket_website(Bucket=name)
        self.assertEqual(self.code(lambda: self.a.get_bucket_website(Bucket=name)), "NoSuchWebsiteConfiguration")

    def test_hosting(self):
        name = self.site()
        host = f"{name}.s3-website.localhost"
        status, _, body = self.get(host, "/")
        self.assertEqual(status, 404)
        self.assertIn(b"NoSuchWebsiteConfiguration", body)
        self.a.put_bucket_website(Bucket=name, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"},
            "RoutingRules": [{"Condition": {"KeyPrefixEquals": "old/"},
                              "Redirect": {"ReplaceKeyPrefixWith": "docs/", "HttpRedirectCode": "301"}}]})
        for h in (host, f"{name}.s3-website-us-east-1.localhost", f"{name}.s3-website.us-east-1.localhost"):
            status, headers, body = self.get(h, "/")
            self.assertEqual((status, body), (200, b"<h1>home</h1>"), h)
            self.assertEqual(headers["content-type"], "text/html")
        self.assertEqual(self.get(host, "/docs/")[2], b"<h1>docs</h1>")
        status, headers, _ = self.get(host, "/docs")
        self.assertEqual((status, headers["location"]), (302, "/docs/"))
        self.assertEqual(self.get(host, "/page.html")[2], b"<p>page</p>")
        status, _, body = self.get(host, "/missing")
        self.assertEqual((status, body), (404, b"<h1>oops</h1>"))
        status, headers, _ = self.get(host, "/old/a.html")
        self.assertEqual(status, 301)
        self.assertTrue(headers["location"].endswith("/docs/a.html"), headers["location"])
        self.assertEqual(self.get(host, "/", method="HEAD")[0], 200)
        self.a.put_object(Bucket=name, Key="moved", Body=b"", WebsiteRedirectLocation="/page.html")
        status, headers, _ = self.get(host, "/moved")
        self.assertEqual((status, headers["location"]), (301, "/page.html"))

    def test_private_bucket_and_redirect_all(self):
        name = self.bucket()
        self.a.put_object(Bucket=name, Key="index.html", Body=b"x")
        self.a.put_bucket_website(Bucket=name, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
        status, headers, body = self.get(f"{name}.s3-website.localhost", "/")
        self.assertEqual(status, 403)
        self.assertIn(b"AccessDenied", body)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        other = self.bucket()
        self.a.put_bucket_website(Bucket=other, WebsiteConfiguration={
            "RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "https"}})
        status, headers, _ = self.get(f"{other}.s3-website.localhost", "/a/b")
        self.assertEqual((status, headers["location"]), (301, "https://example.com/a/b"))


if __name__ == "__main__":
    unittest.main()
