"""S3 behaviours at the edges of others (issue 16): DeleteBucket with uploads in progress,
DeleteObjects under object lock, lifecycle AbortIncompleteMultipartUpload, CORS headers on actual
requests from the bucket's rules, ACLs of CreateMultipartUpload and POST Object fields, website
objects served from their data files."""
import http.client
import json
import os
import time
import unittest
import urllib.error
import urllib.request
import uuid

from harness import Stratus, error_code, wait_until


class S3LeftoversBase(unittest.TestCase):
    env = {"STRATUS_S3_LIFECYCLE_MS": "200", "STRATUS_S3_LIFECYCLE_DAY_MS": "1000"}

    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus(env=cls.env).start()
        cls.s3 = cls.stratus.client("s3")
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def bucket(self, **kw):
        type(self).n += 1
        name = f"lo-{self._testMethodName.replace('_', '-')[5:35]}-{type(self).n}".lower().strip("-")
        self.s3.create_bucket(Bucket=name, **kw)
        return name

    def data_files(self):
        root = os.path.join(self.stratus.data_dir, "s3", "data")
        return sum(len(files) for _, _, files in os.walk(root))


class TestBucketsAndLocks(S3LeftoversBase):
    def test_delete_bucket_with_uploads_in_progress(self):
        b = self.bucket()
        before = self.data_files()
        up = self.s3.create_multipart_upload(Bucket=b, Key="big")["UploadId"]
        self.s3.upload_part(Bucket=b, Key="big", UploadId=up, PartNumber=1, Body=b"x" * (20 * 1024))
        self.assertEqual(self.data_files(), before + 1)
        self.s3.delete_bucket(Bucket=b)
        self.assertEqual(error_code(lambda: self.s3.head_bucket(Bucket=b)), "404")
        self.assertEqual(self.data_files(), before)  # the part's data went with the upload
        # A bucket of the same name starts without the old upload.
        self.s3.create_bucket(Bucket=b)
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket=b))
        # Objects still keep a bucket.
        self.s3.create_multipart_upload(Bucket=b, Key="u")
        self.s3.put_object(Bucket=b, Key="k", Body=b"1")
        self.assertEqual(error_code(lambda: self.s3.delete_bucket(Bucket=b)), "BucketNotEmpty")
        self.assertEqual(len(self.s3.list_multipart_uploads(Bucket=b)["Uploads"]), 1)

    def test_delete_objects_checks_object_lock(self):
        b = self.bucket(ObjectLockEnabledForBucket=True)
        held = self.s3.put_object(Bucket=b, Key="held", Body=b"1", ObjectLockLegalHoldStatus="ON")["VersionId"]
        gov = self.s3.put_object(Bucket=b, Key="gov", Body=b"2", ObjectLockMode="GOVERNANCE",
                                 ObjectLockRetainUntilDate=time.time() + 3600)["VersionId"]
        free = self.s3.put_object(Bucket=b, Key="free", Body=b"3")["VersionId"]
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [
            {"Key": "held", "VersionId": held}, {"Key": "gov", "VersionId": gov}, {"Key": "free", "VersionId": free}]})
        self.assertEqual([d["Key"] for d in r.get("Deleted", [])], ["free"])
        errors = {e["Key"]: e for e in r["Errors"]}
        self.assertEqual(set(errors), {"held", "gov"})
        for e in errors.values():
            self.assertEqual(e["Code"], "AccessDenied")
            self.assertEqual(e["Message"], "Access Denied because object protected by object lock.")
        # Governance retention is bypassed on request; the legal hold is not.
        r = self.s3.delete_objects(Bucket=b, BypassGovernanceRetention=True, Delete={"Objects": [
            {"Key": "held", "VersionId": held}, {"Key": "gov", "VersionId": gov}]})
        self.assertEqual([d["Key"] for d in r.get("Deleted", [])], ["gov"])
        self.assertEqual([e["Key"] for e in r["Errors"]], ["held"])
        # Without a version id a delete marker is added: allowed under lock.
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "held"}]})
        self.assertTrue(r["Deleted"][0]["DeleteMarker"])


class TestLifecycleAbort(S3LeftoversBase):
    def test_abort_incomplete_multipart_upload(self):
        b = self.bucket()
        before = self.data_files()
        self.s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
            {"ID": "abort", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]})
        up = self.s3.create_multipart_upload(Bucket=b, Key="tmp/x")["UploadId"]
        self.s3.upload_part(Bucket=b, Key="tmp/x", UploadId=up, PartNumber=1, Body=b"y" * (20 * 1024))
        self.s3.create_multipart_upload(Bucket=b, Key="keep/x")
        # A lifecycle day is 1 s here: the tmp/ upload goes after it, the other stays.
        self.assertTrue(wait_until(lambda: [u["Key"] for u in self.s3.list_multipart_uploads(Bucket=b).get(
            "Uploads", [])] == ["keep/x"], timeout=10))
        self.assertEqual(error_code(lambda: self.s3.list_parts(Bucket=b, Key="tmp/x", UploadId=up)), "NoSuchUpload")
        self.assertTrue(wait_until(lambda: self.data_files() == before, timeout=5))



def public_read_policy(bucket):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})


class TestAclsAndForms(S3LeftoversBase):
    def open_bucket(self):
        b = self.bucket()
        self.s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
        self.s3.delete_public_access_block(Bucket=b)
        return b

    def test_create_multipart_upload_acl(self):
        b = self.open_bucket()
        up = self.s3.create_multipart_upload(Bucket=b, Key="m", ACL="public-read")["UploadId"]
        e = self.s3.upload_part(Bucket=b, Key="m", UploadId=up, PartNumber=1, Body=b"data")["ETag"]
        self.s3.complete_multipart_upload(Bucket=b, Key="m", UploadId=up,
                                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
        grants = self.s3.get_object_acl(Bucket=b, Key="m")["Grants"]
        self.assertIn(("READ", "http://acs.amazonaws.com/groups/global/AllUsers"),
                      [(g["Permission"], g["Grantee"].get("URI")) for g in grants])
        # Anonymous readers may read it now.
        with urllib.request.urlopen(f"{self.stratus.endpoint}/{b}/m") as r:
            self.assertEqual(r.read(), b"data")
        # Enforced buckets refuse the ACL at create time.
        enforced = self.bucket()
        self.assertEqual(error_code(lambda: self.s3.create_multipart_upload(Bucket=enforced, Key="m",
                                                                           ACL="public-read")),
                         "AccessControlListNotSupported")

    def post(self, bucket, key, fields):
        post = self.s3.generate_presigned_post(bucket, key, Fields=fields,
                                               Conditions=[{k: v} for k, v in fields.items()])
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in post["fields"].items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'.encode()
                     + b"posted\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        req = urllib.request.Request(post["url"], data=b"".join(parts), method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_post_object_acl_and_tagging(self):
        b = self.open_bucket()
        tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>a&amp;b</Value></Tag>" \
                  "<Tag><Key>env</Key><Value>dev</Value></Tag></TagSet></Tagging>"
        status, _ = self.post(b, "form.txt", {"acl": "public-read", "tagging": tagging})
        self.assertEqual(status, 204)
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="form.txt")["TagSet"],
                         [{"Key": "team", "Value": "a&b"}, {"Key": "env", "Value": "dev"}])
        grants = self.s3.get_object_acl(Bucket=b, Key="form.txt")["Grants"]
        self.assertIn("http://acs.amazonaws.com/groups/global/AllUsers", [g["Grantee"].get("URI") for g in grants])
        status, body = self.post(b, "bad.txt", {"tagging": "<Tagging><TagSet><Tag><Key>k</Key>"})
        self.assertEqual(status, 400)
        self.assertIn(b"MalformedXML", body)
        enforced = self.bucket()
        status, body = self.post(enforced, "x.txt", {"acl": "public-read"})
        self.assertEqual(status, 400)
        self.assertIn(b"AccessControlListNotSupported", body)


class TestCorsAndWebsite(S3LeftoversBase):
    def request(self, method, path, headers, host=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.stratus.port, timeout=10)
        h = dict(headers)
        if host:
            h["Host"] = f"{host}:{self.stratus.port}"
        conn.request(method, path, headers=h)
        try:
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def test_actual_cors_requests_use_bucket_rules(self):
        b = self.bucket()
        self.s3.delete_public_access_block(Bucket=b)
        self.s3.put_bucket_policy(Bucket=b, Policy=public_read_policy(b))
        self.s3.put_object(Bucket=b, Key="o", Body=b"x")
        # No bucket rules: the server's own CORS answer.
        _, h, _ = self.request("GET", f"/{b}/o", {"Origin": "http://app.example"})
        self.assertEqual(h.get("access-control-allow-origin"), "*")
        self.s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": ["http://*.example"], "AllowedMethods": ["GET"], "ExposeHeaders": ["ETag"],
             "MaxAgeSeconds": 30}]})
        status, h, body = self.request("GET", f"/{b}/o", {"Origin": "http://app.example"})
        self.assertEqual((status, body), (200, b"x"))
        self.assertEqual(h["access-control-allow-origin"], "http://app.example")
        self.assertEqual(h["access-control-allow-methods"], "GET")
        self.assertEqual(h["access-control-expose-headers"], "ETag")
        self.assertEqual(h["access-control-max-age"], "30")
        self.assertEqual(h["access-control-allow-credentials"], "true")
        self.assertIn("Origin", h["vary"])
        # An origin or a method no rule allows: no CORS headers at all.
        _, h, _ = self.request("GET", f"/{b}/o", {"Origin": "http://evil.test"})
        self.assertNotIn("access-control-allow-origin", h)
        _, h, _ = self.request("HEAD", f"/{b}/o", {"Origin": "http://app.example"})
        self.assertNotIn("access-control-allow-origin", h)
        # Errors carry the rule's headers too.
        status, h, _ = self.request("GET", f"/{b}/missing", {"Origin": "http://app.example"})
        self.assertEqual(status, 404)
        self.assertEqual(h["access-control-allow-origin"], "http://app.example")

    def test_website_serves_large_objects_from_files(self):
        b = self.bucket()
        self.s3.delete_public_access_block(Bucket=b)
        self.s3.put_bucket_policy(Bucket=b, Policy=public_read_policy(b))
        big = os.urandom(3 * 1024 * 1024 + 17)
        self.s3.put_object(Bucket=b, Key="index.html", Body=big, ContentType="text/html")
        self.s3.put_object(Bucket=b, Key="small.txt", Body=b"tiny")
        self.s3.put_bucket_website(Bucket=b, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
        host = f"{b}.s3-website.localhost"
        status, h, body = self.request("GET", "/", {}, host=host)
        self.assertEqual(status, 200)
        self.assertEqual(int(h["content-length"]), len(big))
        self.assertEqual(body, big)
        self.assertEqual(self.request("GET", "/small.txt", {}, host=host)[2], b"tiny")
        status, h, body = self.request("HEAD", "/", {}, host=host)
        self.assertEqual((status, body, int(h["content-length"])), (200, b"", len(big)))


if __name__ == "__main__":
    unittest.main()
