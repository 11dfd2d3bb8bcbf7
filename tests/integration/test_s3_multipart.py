"""S3 multipart uploads through boto3 and the aws CLI (Create/UploadPart/UploadPartCopy/Complete/
Abort/ListParts/ListMultipartUploads, ETags, checksums, AWS's errors, kill -9), and presigned
URLs (SigV4 and legacy SigV2 query strings) against a strict server."""
import base64
import hashlib
import os
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request
import zlib

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

from harness import Stratus, StratusTestCase, error_response

MiB = 1024 * 1024


err = error_response  # harness.py


def mpu_etag(parts):
    return '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest(), len(parts))


def data_files(stratus):
    root = os.path.join(stratus.data_dir, "s3", "data")
    out = []
    for d, _, files in os.walk(root):
        out += [os.path.join(d, f) for f in files]
    return out


class MultipartBase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.stratus.client("s3")
        cls.n = 0

    def bucket(self):
        type(self).n += 1
        name = f"mp-{self._testMethodName.replace('_', '-')[:40]}-{type(self).n}".lower()
        self.s3.create_bucket(Bucket=name)
        return name


class TestMultipart(MultipartBase):
    def test_upload_complete_etag_and_read_back(self):
        b = self.bucket()
        parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), b"tail"]
        up = self.s3.create_multipart_upload(Bucket=b, Key="big", ContentType="application/x-test",
                                             Metadata={"who": "me"})
        uid = up["UploadId"]
        etags = []
        for i, p in enumerate(parts, 1):
            r = self.s3.upload_part(Bucket=b, Key="big", UploadId=uid, PartNumber=i, Body=p)
            self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(p).hexdigest())
            etags.append(r["ETag"])
        lp = self.s3.list_parts(Bucket=b, Key="big", UploadId=uid)
        self.assertEqual([p["PartNumber"] for p in lp["Parts"]], [1, 2, 3])
        self.assertEqual([p["Size"] for p in lp["Parts"]], [5 * MiB, 5 * MiB, 4])
        self.assertEqual(len(lp["Owner"]["ID"]), 64)
        done = self.s3.complete_multipart_upload(
            Bucket=b, Key="big", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": i, "ETag": e} for i, e in enumerate(etags, 1)]})
        self.assertEqual(done["ETag"], mpu_etag(parts))
        self.assertEqual(done["Key"], "big")
        got = self.s3.get_object(Bucket=b, Key="big")
        self.assertEqual(got["Body"].read(), b"".join(parts))
        self.assertEqual(got["ETag"], mpu_etag(parts))
        self.assertEqual(got["ContentType"], "application/x-test")
        self.assertEqual(got["Metadata"], {"who": "me"})
        # The upload is gone.
        self.assertEqual(err(lambda: self.s3.list_parts(Bucket=b, Key="big", UploadId=uid))["Error"]["Code"],
                         "NoSuchUpload")
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket=b))

    def test_errors(self):
        b = self.bucket()
        uid = self.s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
        small = self.s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=1, Body=b"x" * 100)["ETag"]
        last = self.s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=2, Body=b"y")["ETag"]
        r = err(lambda: self.s3.complete_multipart_upload(
            Bucket=b, Key="k", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": small}, {"PartNumber": 2, "ETag": last}]}))
        self.assertEqual(r["Error"]["Code"], "EntityTooSmall")
        self.assertEqual(r["Error"]["MinSizeAllowed"], str(5 * MiB))
        r = err(lambda: self.s3.complete_multipart_upload(
            Bucket=b, Key="k", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": last}, {"PartNumber": 1, "ETag": small}]}))
        self.assertEqual(r["Error"]["Code"], "InvalidPartOrder")
        r = err(lambda: self.s3.complete_multipart_upload(
            Bucket=b, Key="k", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": last}]}))
        self.assertEqual(r["Error"]["Code"], "InvalidPart")
        r = err(lambda: self.s3.complete_multipart_upload(
            Bucket=b, Key="k", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 3, "ETag": last}]}))
        self.assertEqual(r["Error"]["Code"], "InvalidPart")
        for n in (0, 10001):
            r = err(lambda: self.s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=n, Body=b"z"))
            self.assertEqual(r["Error"]["Code"], "InvalidArgument")
        r = err(lambda: self.s3.upload_part(Bucket=b, Key="k", UploadId="nope", PartNumber=1, Body=b"z"))
        self.assertEqual(r["Error"]["Code"], "NoSuchUpload")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 404)
        r = err(lambda: self.s3.upload_part(Bucket=b, Key="other", UploadId=uid, PartNumber=1, Body=b"z"))
        self.assertEqual(r["Error"]["Code"], "NoSuchUpload")
        r = err(lambda: self.s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=1, Body=b"z",
                                            ContentMD5=base64.b64encode(hashlib.md5(b"q").digest()).decode()))
        self.assertEqual(r["Error"]["Code"], "BadDigest")
        # A single small part is a valid upload (the last part has no minimum).
        done = self.s3.complete_multipart_upload(
            Bucket=b, Key="k", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": last}]})
        self.assertEqual(done["ETag"], mpu_etag([b"y"]))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"y")
        r = err(lambda: self.s3.abort_multipart_upload(Bucket=b, Key="k", UploadId=uid))
        self.assertEqual(r["Error"]["Code"], "NoSuchUpload")

    def test_part_replaced_and_abort_removes_files(self):
        b = self.bucket()
        before = set(data_files(self.stratus))
        uid = self.s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
        self.s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=1, Body=os.urandom(100000))
        e2 = self.s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=1, Body=b"b" * 100000)["ETag"]
        parts = self.s3.list_parts(Bucket=b, Key="k", UploadId=uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["ETag"]) for p in parts], [(1, e2)])
        self.assertEqual(len(set(data_files(self.stratus)) - before), 1)
        self.s3.abort_multipart_upload(Bucket=b, Key="k", UploadId=uid)
        self.assertEqual(set(data_files(self.stratus)) - before, set())
        self.assertEqual(err(lambda: self.s3.list_parts(Bucket=b, Key="k", UploadId=uid))["Error"]["Code"],
                         "NoSuchUpload")

    def test_list_parts_pagination(self):
        b = self.bucket()
        uid = self.s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
        for n in range(1, 8):
            self.s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=n, Body=b"p%d" % n)
        page = self.s3.list_parts(Bucket=b, Key="k", UploadId=uid, MaxParts=3)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual([p["PartNumber"] for p in page["Parts"]], [1, 2, 3])
        self.assertEqual(page["NextPartNumberMarker"], 3)
        nums = [p["PartNumber"] for pg in self.s3.get_paginator("list_parts").paginate(
            Bucket=b, Key="k", UploadId=uid, PaginationConfig={"PageSize": 2}) for p in pg.get("Parts", [])]
        self.assertEqual(nums, list(range(1, 8)))

    def test_list_multipart_uploads(self):
        b = self.bucket()
        ids = {}
        for k in ["a/1", "a/2", "b", "c/x/y", "c/z"]:
            ids[k] = self.s3.create_multipart_upload(Bucket=b, Key=k)["UploadId"]
        second = self.s3.create_multipart_upload(Bucket=b, Key="b")["UploadId"]
        r = self.s3.list_multipart_uploads(Bucket=b)
        self.assertEqual([u["Key"] for u in r["Uploads"]], ["a/1", "a/2", "b", "b", "c/x/y", "c/z"])
        self.assertEqual({u["UploadId"] for u in r["Uploads"] if u["Key"] == "b"}, {ids["b"], second})
        r = self.s3.list_multipart_uploads(Bucket=b, Delimiter="/")
        self.assertEqual([u["Key"] for u in r["Uploads"]], ["b", "b"])
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/", "c/"])
        r = self.s3.list_multipart_uploads(Bucket=b, Prefix="c/", Delimiter="/")
        self.assertEqual([u["Key"] for u in r["Uploads"]], ["c/z"])
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["c/x/"])
        keys = []
        for page in self.s3.get_paginator("list_multipart_uploads").paginate(
                Bucket=b, PaginationConfig={"PageSize": 2}):
            keys += [u["Key"] for u in page.get("Uploads", [])]
        self.assertEqual(keys, ["a/1", "a/2", "b", "b", "c/x/y", "c/z"])

    def test_upload_part_copy_with_range(self):
        b = self.bucket()
        src = os.urandom(6 * MiB)
        self.s3.put_object(Bucket=b, Key="src", Body=src)
        self.s3.put_object(Bucket=b, Key="small", Body=b"0123456789")
        uid = self.s3.create_multipart_upload(Bucket=b, Key="dst")["UploadId"]
        r1 = self.s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=1,
                                      CopySource={"Bucket": b, "Key": "src"})
        self.assertEqual(r1["CopyPartResult"]["ETag"], '"%s"' % hashlib.md5(src).hexdigest())
        r2 = self.s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=2,
                                      CopySource={"Bucket": b, "Key": "src"}, CopySourceRange="bytes=100-5243079")
        r3 = self.s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=3,
                                      CopySource=f"{b}/small", CopySourceRange="bytes=2-5")
        r = err(lambda: self.s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=4,
                                                 CopySource=f"{b}/small", CopySourceRange="bytes=5-50"))
        self.assertEqual(r["Error"]["Code"], "InvalidRange")
        r = err(lambda: self.s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=4,
                                                 CopySource=f"{b}/missing"))
        self.assertEqual(r["Error"]["Code"], "NoSuchKey")
        self.assertEqual(err(lambda: self.s3.upload_part_copy(
            Bucket=b, Key="dst", UploadId=uid, PartNumber=4, CopySource=f"{b}/small",
            CopySourceIfMatch='"nope"'))["Error"]["Code"], "PreconditionFailed")
        done = self.s3.complete_multipart_upload(
            Bucket=b, Key="dst", UploadId=uid, MultipartUpload={"Parts": [
                {"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]},
                {"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]},
                {"PartNumber": 3, "ETag": r3["CopyPartResult"]["ETag"]}]})
        want = src + src[100:5243080] + b"2345"
        self.assertEqual(done["ETag"], mpu_etag([src, src[100:5243080], b"2345"]))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="dst")["Body"].read(), want)

    def test_composite_and_full_object_checksums(self):
        b = self.bucket()
        p1, p2 = os.urandom(5 * MiB), b"end"
        crc = lambda d: base64.b64encode(zlib.crc32(d).to_bytes(4, "big")).decode()
        uid = self.s3.create_multipart_upload(Bucket=b, Key="c", ChecksumAlgorithm="CRC32")["UploadId"]
        up = self.s3.list_multipart_uploads(Bucket=b)["Uploads"][0]
        self.assertEqual((up["ChecksumAlgorithm"], up["ChecksumType"]), ("CRC32", "COMPOSITE"))
        parts = []
        for n, p in ((1, p1), (2, p2)):
            r = self.s3.upload_part(Bucket=b, Key="c", UploadId=uid, PartNumber=n, Body=p, ChecksumAlgorithm="CRC32")
            self.assertEqual(r["ChecksumCRC32"], crc(p))
            parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
        r = err(lambda: self.s3.upload_part(Bucket=b, Key="c", UploadId=uid, PartNumber=3, Body=b"x",
                                            ChecksumCRC32=crc(b"y")))
        self.assertEqual(r["Error"]["Code"], "BadDigest")
        done = self.s3.complete_multipart_upload(Bucket=b, Key="c", UploadId=uid, MultipartUpload={"Parts": parts})
        composite = base64.b64encode(zlib.crc32(base64.b64decode(crc(p1)) + base64.b64decode(crc(p2)))
                                     .to_bytes(4, "big")).decode() + "-2"
        self.assertEqual(done["ChecksumCRC32"], composite)
        self.assertEqual(done["ChecksumType"], "COMPOSITE")
        # FULL_OBJECT: the checksum of the whole object (CRC64NVME uploads are always this type).
        uid = self.s3.create_multipart_upload(Bucket=b, Key="f", ChecksumAlgorithm="CRC32",
                                              ChecksumType="FULL_OBJECT")["UploadId"]
        parts = []
        for n, p in ((1, p1), (2, p2)):
            r = self.s3.upload_part(Bucket=b, Key="f", UploadId=uid, PartNumber=n, Body=p, ChecksumAlgorithm="CRC32")
            parts.append({"PartNumber": n, "ETag": r["ETag"]})
        r = err(lambda: self.s3.complete_multipart_upload(Bucket=b, Key="f", UploadId=uid, ChecksumType="FULL_OBJECT",
                                                          ChecksumCRC32=crc(b"other"), MultipartUpload={"Parts": parts}))
        self.assertEqual(r["Error"]["Code"], "BadDigest")
        done = self.s3.complete_multipart_upload(Bucket=b, Key="f", UploadId=uid, ChecksumType="FULL_OBJECT",
                                                 ChecksumCRC32=crc(p1 + p2), MultipartUpload={"Parts": parts})
        self.assertEqual(done["ChecksumType"], "FULL_OBJECT")
        self.assertEqual(done["ChecksumCRC32"], crc(p1 + p2))
        r = err(lambda: self.s3.create_multipart_upload(Bucket=b, Key="x", ChecksumAlgorithm="SHA256",
                                                        ChecksumType="FULL_OBJECT"))
        self.assertEqual(r["Error"]["Code"], "InvalidRequest")

    def test_conditional_complete(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="k", Body=b"old")
        uid = self.s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
        e = self.s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=1, Body=b"new")["ETag"]
        parts = {"Parts": [{"PartNumber": 1, "ETag": e}]}
        r = err(lambda: self.s3.complete_multipart_upload(Bucket=b, Key="k", UploadId=uid, MultipartUpload=parts,
                                                          IfNoneMatch="*"))
        self.assertEqual(r["Error"]["Code"], "PreconditionFailed")
        r = err(lambda: self.s3.complete_multipart_upload(Bucket=b, Key="k", UploadId=uid, MultipartUpload=parts,
                                                          IfMatch='"0123"'))
        self.assertEqual(r["Error"]["Code"], "PreconditionFailed")
        old = self.s3.head_object(Bucket=b, Key="k")["ETag"]
        self.s3.complete_multipart_upload(Bucket=b, Key="k", UploadId=uid, MultipartUpload=parts, IfMatch=old)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"new")

    def test_aws_cli_high_level_multipart_100mb(self):
        b = self.bucket()
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "big.bin")
            with open(src, "wb") as f:
                for _ in range(100):
                    f.write(os.urandom(MiB))
            cfg = os.path.join(tmp, "config")
            with open(cfg, "w") as f:
                f.write("[default]\ns3 =\n  multipart_threshold = 8MB\n  multipart_chunksize = 8MB\n")
            env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                       AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=cfg, AWS_PAGER="")
            env.pop("AWS_PROFILE", None)
            run = lambda *a: subprocess.run(["aws", "--endpoint-url", self.stratus.endpoint, *a], env=env,
                                            capture_output=True, text=True, timeout=300)
            cp = run("s3", "cp", src, f"s3://{b}/big.bin")
            self.assertEqual(cp.returncode, 0, cp.stderr)
            head = self.s3.head_object(Bucket=b, Key="big.bin")
            self.assertEqual(head["ContentLength"], 100 * MiB)
            self.assertTrue(head["ETag"].endswith('-13"'), head["ETag"])
            back = os.path.join(tmp, "back.bin")
            cp = run("s3", "cp", f"s3://{b}/big.bin", back)
            self.assertEqual(cp.returncode, 0, cp.stderr)
            with open(src, "rb") as f1, open(back, "rb") as f2:
                self.assertEqual(hashlib.sha256(f1.read()).digest(), hashlib.sha256(f2.read()).digest())
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket=b))


class TestMultipartDurability(unittest.TestCase):
    def test_kill9_keeps_parts_and_leaves_no_orphans(self):
        st = Stratus().start()
        try:
            s3 = st.client("s3")
            s3.create_bucket(Bucket="dur")
            uid = s3.create_multipart_upload(Bucket="dur", Key="k")["UploadId"]
            p1, p2 = os.urandom(5 * MiB), os.urandom(300000)
            e1 = s3.upload_part(Bucket="dur", Key="k", UploadId=uid, PartNumber=1, Body=p1)["ETag"]
            e2 = s3.upload_part(Bucket="dur", Key="k", UploadId=uid, PartNumber=2, Body=p2)["ETag"]
            uid2 = s3.create_multipart_upload(Bucket="dur", Key="gone")["UploadId"]
            s3.upload_part(Bucket="dur", Key="gone", UploadId=uid2, PartNumber=1, Body=os.urandom(200000))
            # A file no record references (as a crash mid-write leaves one) is swept at start.
            stray = os.path.join(st.data_dir, "s3", "data", "ff", "ff" * 16)
            os.makedirs(os.path.dirname(stray), exist_ok=True)
            with open(stray, "wb") as f:
                f.write(b"partial")
            st.kill9()
            st.start()
            self.assertFalse(os.path.exists(stray))
            s3 = st.client("s3")
            parts = s3.list_parts(Bucket="dur", Key="k", UploadId=uid)["Parts"]
            self.assertEqual([(p["PartNumber"], p["ETag"]) for p in parts], [(1, e1), (2, e2)])
            s3.abort_multipart_upload(Bucket="dur", Key="gone", UploadId=uid2)
            s3.complete_multipart_upload(Bucket="dur", Key="k", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
            st.kill9()
            st.start()
            s3 = st.client("s3")
            self.assertEqual(s3.get_object(Bucket="dur", Key="k")["Body"].read(), p1 + p2)
            self.assertNotIn("Uploads", s3.list_multipart_uploads(Bucket="dur"))
            # Only the object's data file remains.
            self.assertEqual(len(data_files(st)), 1)
        finally:
            st.cleanup()


class TestPresignedUrls(StratusTestCase):
    stratus_args = ("--auth", "strict")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.stratus.client("s3")
        cls.s3.create_bucket(Bucket="pre")
        cls.s3.put_object(Bucket="pre", Key="a b.txt", Body=b"hello")

    def fetch(self, url, method="GET", data=None):
        # urllib would add a form Content-Type to a body, which a SigV2 signature covers.
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": ""} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_sigv4_get_put_and_tampered(self):
        s3v4 = self.stratus.client("s3", signature_version="s3v4")
        url = s3v4.generate_presigned_url("get_object", Params={"Bucket": "pre", "Key": "a b.txt"}, ExpiresIn=60)
        self.assertIn(f"127.0.0.1:{self.stratus.port}", url)
        self.assertIn("X-Amz-Signature=", url)
        self.assertEqual(self.fetch(url), (200, b"hello"))
        status, body = self.fetch(url.replace("a%20b.txt", "a%20c.txt"))
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", body)
        self.assertIn(b"<StringToSign>", body)
        put = s3v4.generate_presigned_url("put_object", Params={"Bucket": "pre", "Key": "up"}, ExpiresIn=60)
        self.assertEqual(self.fetch(put, "PUT", b"uploaded")[0], 200)
        self.assertEqual(self.s3.get_object(Bucket="pre", Key="up")["Body"].read(), b"uploaded")

    def test_sigv2_query_presign(self):
        creds = botocore.credentials.Credentials("test", "test")
        def presign(method, path, expires_in=60):
            req = botocore.awsrequest.AWSRequest(method=method, url=self.stratus.endpoint + path)
            botocore.auth.HmacV1QueryAuth(creds, expires=expires_in).add_auth(req)
            return req.url
        url = presign("GET", "/pre/a%20b.txt")
        self.assertIn("AWSAccessKeyId=test", url)
        self.assertEqual(self.fetch(url), (200, b"hello"))
        status, body = self.fetch(url.replace("/pre/a%20b.txt", "/pre/other"))
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", body)
        status, body = self.fetch(presign("GET", "/pre/a%20b.txt", expires_in=-10))
        self.assertEqual(status, 403)
        self.assertIn(b"Request has expired", body)
        self.assertEqual(self.fetch(presign("PUT", "/pre/v2"), "PUT", b"two")[0], 200)
        self.assertEqual(self.s3.get_object(Bucket="pre", Key="v2")["Body"].read(), b"two")


class TestPostObject(StratusTestCase):
    """Browser form uploads with boto3's generate_presigned_post (SigV4 and SigV2 policies)."""
    stratus_args = ("--auth", "strict")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.stratus.client("s3", signature_version="s3v4")
        cls.s3.create_bucket(Bucket="forms")

    def post(self, post, files, extra=None):
        import requests
        fields = dict(post["fields"])
        fields.update(extra or {})
        return requests.post(post["url"], data=fields, files=files, allow_redirects=False, timeout=10)

    def test_sigv4_post_policy(self):
        post = self.s3.generate_presigned_post(
            "forms", "uploads/${filename}", Fields={"Content-Type": "text/plain"},
            Conditions=[{"Content-Type": "text/plain"}, ["content-length-range", 1, 1000]], ExpiresIn=60)
        self.assertIn(f"127.0.0.1:{self.stratus.port}", post["url"])
        r = self.post(post, {"file": ("hello.txt", b"hello form")})
        self.assertEqual(r.status_code, 204, r.text)
        got = self.s3.get_object(Bucket="forms", Key="uploads/hello.txt")
        self.assertEqual(got["Body"].read(), b"hello form")
        self.assertEqual(got["ContentType"], "text/plain")
        self.assertEqual(r.headers["ETag"], '"%s"' % hashlib.md5(b"hello form").hexdigest())
        # A large file is streamed (spooled body), not buffered.
        big = os.urandom(3 * MiB)
        post = self.s3.generate_presigned_post("forms", "big", Conditions=[["content-length-range", 1, 4 * MiB]])
        r = self.post(post, {"file": ("big", big)}, {"success_action_status": "201"})
        self.assertEqual(r.status_code, 403, r.text)  # success_action_status is not in the policy
        self.assertIn("Extra input fields: success_action_status", r.text)
        r = self.post(post, {"file": ("big", big)})
        self.assertEqual(r.status_code, 204, r.text)
        self.assertEqual(self.s3.get_object(Bucket="forms", Key="big")["Body"].read(), big)

    def test_policy_errors(self):
        post = self.s3.generate_presigned_post(
            "forms", "k", Fields={"success_action_status": "201"},
            Conditions=[{"success_action_status": "201"}, ["content-length-range", 2, 10]])
        r = self.post(post, {"file": ("f", b"12345")})
        self.assertEqual(r.status_code, 201, r.text)
        self.assertIn("<PostResponse>", r.text)
        self.assertIn("<Key>k</Key>", r.text)
        r = self.post(post, {"file": ("f", b"x" * 11)})
        self.assertEqual(r.status_code, 400)
        self.assertIn("<Code>EntityTooLarge</Code>", r.text)
        self.assertIn("<MaxSizeAllowed>10</MaxSizeAllowed>", r.text)
        r = self.post(post, {"file": ("f", b"x")})
        self.assertIn("<Code>EntityTooSmall</Code>", r.text)
        r = self.post(post, {"file": ("f", b"xyz")}, {"key": "other"})
        self.assertEqual(r.status_code, 403)
        self.assertIn('Invalid according to Policy: Policy Condition failed: [&quot;eq&quot;, &quot;$key&quot;, &quot;k&quot;]', r.text)
        bad = dict(post)
        bad["fields"] = dict(post["fields"], **{"x-amz-signature": "0" * 64})
        r = self.post(bad, {"file": ("f", b"xyz")})
        self.assertEqual(r.status_code, 403)
        self.assertIn("<Code>SignatureDoesNotMatch</Code>", r.text)
        expired = self.s3.generate_presigned_post("forms", "k", ExpiresIn=-5)
        r = self.post(expired, {"file": ("f", b"xyz")})
        self.assertEqual(r.status_code, 403)
        self.assertIn("Invalid according to Policy: Policy expired.", r.text)
        import requests
        r = requests.post(post["url"], data=post["fields"], files={"other": ("f", b"x")}, timeout=10)
        self.assertIn("<Code>InvalidArgument</Code>", r.text)

    def test_sigv2_post_and_redirect(self):
        s3v2 = self.stratus.client("s3", signature_version="s3")
        post = s3v2.generate_presigned_post(
            "forms", "v2", Fields={"success_action_redirect": "http://example.com/done"},
            Conditions=[{"success_action_redirect": "http://example.com/done"}])
        self.assertIn("AWSAccessKeyId", post["fields"])
        r = self.post(post, {"file": ("f", b"two")})
        self.assertEqual(r.status_code, 303, r.text)
        self.assertTrue(r.headers["Location"].startswith("http://example.com/done?bucket=forms&key=v2&etag="))
        self.assertEqual(self.s3.get_object(Bucket="forms", Key="v2")["Body"].read(), b"two")


if __name__ == "__main__":
    unittest.main()
