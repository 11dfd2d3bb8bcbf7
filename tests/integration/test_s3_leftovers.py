"""S3 behaviours at the edges of others (issue 16): DeleteBucket with uploads in progress,
DeleteObjects under object lock, lifecycle AbortIncompleteMultipartUpload, CORS headers on actual
requests from the bucket's rules, ACLs of CreateMultipartUpload and POST Object fields, website
objects served from their data files."""
import os
import time
import unittest
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


if __name__ == "__main__":
    unittest.main()
