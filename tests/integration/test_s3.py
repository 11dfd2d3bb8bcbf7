"""S3 through boto3 and the aws CLI: buckets, objects (streamed GET, ranges, conditions,
metadata, checksums, tagging, copy, storage classes), listings, versioning and AWS's errors."""
import base64
import hashlib
import os
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import zlib

import botocore.config
import botocore.exceptions

from harness import Stratus, StratusTestCase, error_code, error_response


err = error_response  # harness.py


class S3Base(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.stratus.client("s3")
        cls.n = 0

    def bucket(self, versioned=False):
        type(self).n += 1
        name = f"b-{self._testMethodName.replace('_', '-')[:40]}-{type(self).n}".lower()
        self.s3.create_bucket(Bucket=name)
        if versioned:
            self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name


class TestBuckets(S3Base):
    def test_create_head_list_delete(self):
        b = self.bucket()
        self.s3.head_bucket(Bucket=b)
        names = [x["Name"] for x in self.s3.list_buckets()["Buckets"]]
        self.assertIn(b, names)
        owner = self.s3.list_buckets()["Owner"]
        self.assertEqual(len(owner["ID"]), 64)
        self.assertIsNone(self.s3.get_bucket_location(Bucket=b)["LocationConstraint"])
        self.s3.delete_bucket(Bucket=b)
        self.assertEqual(error_code(lambda: self.s3.head_bucket(Bucket=b)), "404")
        r = err(lambda: self.s3.delete_bucket(Bucket=b))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucket")
        self.assertEqual(r["Error"]["BucketName"], b)

    def test_naming_rules(self):
        for bad in ["ab", "A-bucket", "bucket_", "-abc", "abc-", "a..b", "192.168.1.1", "xn--abc", "x" * 64,
                    "abc-s3alias"]:
            self.assertEqual(error_code(lambda: self.s3.create_bucket(Bucket=bad)), "InvalidBucketName", bad)

    def test_location_constraints(self):
        eu = self.stratus.client("s3", region="eu-west-2")
        eu.create_bucket(Bucket="loc-eu-west-2", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        self.assertEqual(eu.get_bucket_location(Bucket="loc-eu-west-2")["LocationConstraint"], "eu-west-2")
        self.assertEqual(error_code(lambda: eu.create_bucket(Bucket="loc-none")), "IllegalLocationConstraintException")
        self.assertEqual(error_code(lambda: eu.create_bucket(
            Bucket="loc-x", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})),
            "IllegalLocationConstraintException")
        self.assertEqual(error_code(lambda: self.s3.create_bucket(
            Bucket="loc-y", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})),
            "InvalidLocationConstraint")
        # Own bucket again: us-east-1 says yes, other regions BucketAlreadyOwnedByYou.
        self.assertEqual(error_code(lambda: eu.create_bucket(
            Bucket="loc-eu-west-2", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})),
            "BucketAlreadyOwnedByYou")
        b = self.bucket()
        self.s3.create_bucket(Bucket=b)
        other = self.stratus.client("s3", key="111122223333")
        self.assertEqual(error_code(lambda: other.create_bucket(Bucket=b)), "BucketAlreadyExists")
        self.assertNotIn(b, [x["Name"] for x in other.list_buckets()["Buckets"]])
        # Another account without a policy granting it anything: AccessDenied.
        self.s3.put_object(Bucket=b, Key="mine", Body=b"x")
        self.assertEqual(error_code(lambda: other.get_object(Bucket=b, Key="mine")), "AccessDenied")
        self.assertEqual(error_code(lambda: other.put_object(Bucket=b, Key="theirs", Body=b"x")), "AccessDenied")
        self.assertEqual(error_code(lambda: other.list_objects_v2(Bucket=b)), "AccessDenied")
        self.assertEqual(error_code(lambda: other.head_bucket(Bucket=b)), "403")

    def test_expected_bucket_owner(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="k", Body=b"x")
        acct = self.stratus.client("sts").get_caller_identity()["Account"]
        self.s3.head_object(Bucket=b, Key="k", ExpectedBucketOwner=acct)
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket=b, Key="k", ExpectedBucketOwner="999999999999")),
                         "AccessDenied")

    def test_not_empty(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="k", Body=b"x")
        self.assertEqual(error_code(lambda: self.s3.delete_bucket(Bucket=b)), "BucketNotEmpty")
        self.s3.delete_object(Bucket=b, Key="k")
        self.s3.delete_bucket(Bucket=b)

    def test_list_buckets_pagination(self):
        c = self.stratus.client("s3", key="444455556666")
        for i in range(5):
            c.create_bucket(Bucket=f"page-{i}")
        r = c.list_buckets(MaxBuckets=2)
        self.assertEqual([x["Name"] for x in r["Buckets"]], ["page-0", "page-1"])
        r2 = c.list_buckets(MaxBuckets=2, ContinuationToken=r["ContinuationToken"])
        self.assertEqual([x["Name"] for x in r2["Buckets"]], ["page-2", "page-3"])
        self.assertEqual([x["Name"] for x in c.list_buckets(Prefix="page-4")["Buckets"]], ["page-4"])


class TestObjects(S3Base):
    def test_put_get_head_delete(self):
        b = self.bucket()
        r = self.s3.put_object(Bucket=b, Key="dir/a.txt", Body=b"hello", ContentType="text/plain",
                               Metadata={"Color": "blue"}, CacheControl="max-age=60",
                               ContentDisposition="inline", ContentLanguage="en")
        self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(b"hello").hexdigest())
        g = self.s3.get_object(Bucket=b, Key="dir/a.txt")
        self.assertEqual(g["Body"].read(), b"hello")
        self.assertEqual(g["ContentType"], "text/plain")
        self.assertEqual(g["Metadata"], {"color": "blue"})
        self.assertEqual(g["CacheControl"], "max-age=60")
        self.assertEqual(g["ContentDisposition"], "inline")
        self.assertEqual(g["ContentLength"], 5)
        h = self.s3.head_object(Bucket=b, Key="dir/a.txt")
        self.assertEqual(h["ContentLength"], 5)
        self.assertEqual(h["ETag"], r["ETag"])
        self.s3.delete_object(Bucket=b, Key="dir/a.txt")
        e = err(lambda: self.s3.get_object(Bucket=b, Key="dir/a.txt"))
        self.assertEqual(e["Error"]["Code"], "NoSuchKey")
        self.assertTrue(e["Error"]["Message"])
        self.assertIn("RequestId", e["ResponseMetadata"])
        self.assertIn("HostId", e["ResponseMetadata"])
        self.assertEqual(e["Error"]["Key"], "dir/a.txt")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(error_code(lambda: self.s3.head_object(Bucket=b, Key="dir/a.txt")), "404")
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket="no-such-bucket-x", Key="k")), "NoSuchBucket")

    def test_large_streamed(self):
        b = self.bucket()
        data = os.urandom(5 * 1024 * 1024 + 17)
        self.s3.put_object(Bucket=b, Key="big", Body=data)
        g = self.s3.get_object(Bucket=b, Key="big")
        self.assertEqual(g["ContentLength"], len(data))
        self.assertEqual(g["Body"].read(), data)
        r = self.s3.get_object(Bucket=b, Key="big", Range="bytes=1000-2999")
        self.assertEqual(r["ContentRange"], f"bytes 1000-2999/{len(data)}")
        self.assertEqual(r["Body"].read(), data[1000:3000])
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 206)

    def test_client_leaving_mid_download(self):
        import socket
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="huge", Body=os.urandom(24 * 1024 * 1024))
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "huge"}, ExpiresIn=60)
        path = url.split(str(self.stratus.port), 1)[1]
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", self.stratus.port))
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            sock.recv(65536)
            sock.close()
        self.assertEqual(self.s3.head_object(Bucket=b, Key="huge")["ContentLength"], 24 * 1024 * 1024)
        self.assertEqual(len(self.s3.get_object(Bucket=b, Key="huge", Range="bytes=-10")["Body"].read()), 10)

    def test_ranges(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="r", Body=b"0123456789")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=2-4")["Body"].read(), b"234")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=-3")["Body"].read(), b"789")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=7-")["Body"].read(), b"789")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=8-100")["Body"].read(), b"89")
        whole = self.s3.get_object(Bucket=b, Key="r", Range="bytes=5-2")
        self.assertEqual(whole["ResponseMetadata"]["HTTPStatusCode"], 200)
        e = err(lambda: self.s3.get_object(Bucket=b, Key="r", Range="bytes=10-"))
        self.assertEqual(e["Error"]["Code"], "InvalidRange")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 416)
        self.assertEqual(e["Error"]["ActualObjectSize"], "10")

    def test_conditional_reads(self):
        b = self.bucket()
        etag = self.s3.put_object(Bucket=b, Key="c", Body=b"x")["ETag"]
        self.s3.get_object(Bucket=b, Key="c", IfMatch=etag)
        e = err(lambda: self.s3.get_object(Bucket=b, Key="c", IfMatch='"nope"'))
        self.assertEqual(e["Error"]["Code"], "PreconditionFailed")
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 412)
        e = err(lambda: self.s3.get_object(Bucket=b, Key="c", IfNoneMatch=etag))
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 304)
        self.assertEqual(e["ResponseMetadata"]["HTTPHeaders"]["etag"], etag)
        import datetime
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        e = err(lambda: self.s3.get_object(Bucket=b, Key="c", IfModifiedSince=future))
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 304)
        self.s3.get_object(Bucket=b, Key="c", IfModifiedSince=past)
        e = err(lambda: self.s3.get_object(Bucket=b, Key="c", IfUnmodifiedSince=past))
        self.assertEqual(e["Error"]["Code"], "PreconditionFailed")

    def test_conditional_writes(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="w", Body=b"1", IfNoneMatch="*")
        e = err(lambda: self.s3.put_object(Bucket=b, Key="w", Body=b"2", IfNoneMatch="*"))
        self.assertEqual(e["Error"]["Code"], "PreconditionFailed")
        etag = self.s3.head_object(Bucket=b, Key="w")["ETag"]
        self.s3.put_object(Bucket=b, Key="w", Body=b"3", IfMatch=etag)
        e = err(lambda: self.s3.put_object(Bucket=b, Key="w", Body=b"4", IfMatch=etag))
        self.assertEqual(e["Error"]["Code"], "PreconditionFailed")
        self.assertEqual(error_code(lambda: self.s3.put_object(Bucket=b, Key="none", Body=b"4", IfMatch=etag)),
                         "NoSuchKey")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="w")["Body"].read(), b"3")

    def test_response_overrides(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="o", Body=b"x", ContentType="text/plain")
        g = self.s3.get_object(Bucket=b, Key="o", ResponseContentType="application/json",
                               ResponseContentDisposition="attachment; filename=x.json",
                               ResponseCacheControl="no-cache")
        self.assertEqual(g["ContentType"], "application/json")
        self.assertEqual(g["ContentDisposition"], "attachment; filename=x.json")
        self.assertEqual(g["CacheControl"], "no-cache")

    def test_content_md5(self):
        b = self.bucket()
        good = base64.b64encode(hashlib.md5(b"abc").digest()).decode()
        self.s3.put_object(Bucket=b, Key="m", Body=b"abc", ContentMD5=good)
        bad = base64.b64encode(hashlib.md5(b"abd").digest()).decode()
        self.assertEqual(error_code(lambda: self.s3.put_object(Bucket=b, Key="m", Body=b"abc", ContentMD5=bad)),
                         "BadDigest")
        self.assertEqual(error_code(lambda: self.s3.put_object(Bucket=b, Key="m", Body=b"abc", ContentMD5="zz")),
                         "InvalidDigest")

    def test_checksums(self):
        b = self.bucket()
        data = b"checksum me"
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        for alg in ["CRC32", "SHA1", "SHA256"]:  # CRC32C/CRC64NVME need botocore[crt] in boto3
            r = self.s3.put_object(Bucket=b, Key=f"ck-{alg}", Body=data, ChecksumAlgorithm=alg)
            self.assertIn(f"Checksum{alg}", r)
            g = self.s3.get_object(Bucket=b, Key=f"ck-{alg}", ChecksumMode="ENABLED")
            self.assertEqual(g[f"Checksum{alg}"], r[f"Checksum{alg}"])
            self.assertEqual(g["Body"].read(), data)
        self.assertEqual(self.s3.head_object(Bucket=b, Key="ck-CRC32", ChecksumMode="ENABLED")["ChecksumCRC32"], crc)
        wrong = base64.b64encode((zlib.crc32(data) ^ 1).to_bytes(4, "big")).decode()
        self.assertEqual(error_code(lambda: self.s3.put_object(Bucket=b, Key="x", Body=data, ChecksumCRC32=wrong)),
                         "BadDigest")
        # Without a checksum from the client, S3 keeps a CRC64NVME.
        status, _, _ = self.stratus.http("PUT", f"/{b}/plain", body=data, headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/" + time.strftime("%Y%m%d", time.gmtime())
            + "/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
            "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
        self.assertEqual(status, 200)
        attrs = self.s3.get_object_attributes(Bucket=b, Key="plain",
                                              ObjectAttributes=["ETag", "Checksum", "ObjectSize", "StorageClass"])
        self.assertEqual(attrs["ObjectSize"], len(data))
        self.assertEqual(attrs["ETag"], hashlib.md5(data).hexdigest())
        self.assertIn("ChecksumCRC64NVME", attrs["Checksum"])
        self.assertEqual(attrs["Checksum"]["ChecksumType"], "FULL_OBJECT")
        self.assertEqual(attrs["StorageClass"], "STANDARD")
        # boto3's default (when_supported): CRC32, stored and returned.
        self.s3.put_object(Bucket=b, Key="default", Body=data)
        self.assertEqual(self.s3.head_object(Bucket=b, Key="default", ChecksumMode="ENABLED")["ChecksumCRC32"], crc)

    def test_checksum_large_trailer(self):
        # Over the spool threshold, boto3 sends aws-chunked with a trailing checksum.
        b = self.bucket()
        data = os.urandom(3 * 1024 * 1024)
        r = self.s3.put_object(Bucket=b, Key="t", Body=data, ChecksumAlgorithm="CRC32")
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        self.assertEqual(r["ChecksumCRC32"], crc)
        g = self.s3.get_object(Bucket=b, Key="t", ChecksumMode="ENABLED")
        self.assertEqual(g["ChecksumCRC32"], crc)
        self.assertEqual(g["Body"].read(), data)

    def test_sha256_mismatch(self):
        b = self.bucket()
        st, _, body = self.stratus.http("PUT", f"/{b}/x", body=b"abc",
                                        headers={"x-amz-content-sha256": "0" * 64,
                                                 "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                                                 "Authorization": "AWS4-HMAC-SHA256 Credential=test/" + time.strftime("%Y%m%d", time.gmtime()) + "/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00"})
        self.assertIn(b"XAmzContentSHA256Mismatch", body)
        self.assertEqual(st, 400)

    def test_storage_class_restore(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="cold", Body=b"ice", StorageClass="GLACIER")
        self.assertEqual(self.s3.head_object(Bucket=b, Key="cold")["StorageClass"], "GLACIER")
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket=b, Key="cold")), "InvalidObjectState")
        r = self.s3.restore_object(Bucket=b, Key="cold", RestoreRequest={"Days": 1})
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertIn('ongoing-request="false"', self.s3.head_object(Bucket=b, Key="cold")["Restore"])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="cold")["Body"].read(), b"ice")
        self.s3.put_object(Bucket=b, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
        self.assertEqual(error_code(lambda: self.s3.restore_object(Bucket=b, Key="ia", RestoreRequest={"Days": 1})),
                         "InvalidObjectState")

    def test_tagging(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="t", Body=b"x", Tagging="a=1&b=two%20words")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="t")["TagCount"], 2)
        tags = self.s3.get_object_tagging(Bucket=b, Key="t")["TagSet"]
        self.assertEqual(tags, [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"}])
        self.s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": "z", "Value": "9"}]})
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="t")["TagSet"], [{"Key": "z", "Value": "9"}])
        self.s3.delete_object_tagging(Bucket=b, Key="t")
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="t")["TagSet"], [])
        eleven = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
        self.assertEqual(error_code(lambda: self.s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": eleven})),
                         "BadRequest")

    def test_copy(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="src", Body=b"data", Metadata={"m": "1"}, ContentType="text/x",
                           Tagging="t=1")
        r = self.s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], '"%s"' % hashlib.md5(b"data").hexdigest())
        g = self.s3.get_object(Bucket=b, Key="dst")
        self.assertEqual(g["Body"].read(), b"data")
        self.assertEqual(g["Metadata"], {"m": "1"})
        self.assertEqual(g["ContentType"], "text/x")
        self.s3.copy_object(Bucket=b, Key="dst2", CopySource=f"{b}/src", MetadataDirective="REPLACE",
                            Metadata={"n": "2"}, TaggingDirective="REPLACE", Tagging="u=2")
        self.assertEqual(self.s3.head_object(Bucket=b, Key="dst2")["Metadata"], {"n": "2"})
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="dst2")["TagSet"], [{"Key": "u", "Value": "2"}])
        self.assertEqual(error_code(lambda: self.s3.copy_object(Bucket=b, Key="src", CopySource=f"{b}/src")),
                         "InvalidRequest")
        self.s3.copy_object(Bucket=b, Key="src", CopySource=f"{b}/src", MetadataDirective="REPLACE",
                            Metadata={"x": "y"})
        self.assertEqual(error_code(lambda: self.s3.copy_object(Bucket=b, Key="d3", CopySource=f"{b}/src",
                                                                CopySourceIfMatch='"zzz"')), "PreconditionFailed")
        self.assertEqual(error_code(lambda: self.s3.copy_object(Bucket=b, Key="d3", CopySource=f"{b}/missing")),
                         "NoSuchKey")
        big = os.urandom(2 * 1024 * 1024)
        self.s3.put_object(Bucket=b, Key="bigsrc", Body=big)
        self.s3.copy_object(Bucket=b, Key="bigdst", CopySource=f"{b}/bigsrc")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="bigdst")["Body"].read(), big)

    def test_delete_objects(self):
        b = self.bucket()
        for k in ["a", "b", "c"]:
            self.s3.put_object(Bucket=b, Key=k, Body=b"x")
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "zz"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["a", "b", "zz"])
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "c", "VersionId": "bad"}]})
        self.assertEqual(r["Errors"][0]["Code"], "InvalidArgument")
        self.assertEqual(self.s3.list_objects_v2(Bucket=b)["KeyCount"], 0)

    def test_key_names(self):
        b = self.bucket()
        keys = ["a b", "ü/ñ", "x+y", "q?=&", "dots/../x", "%41", "tab\tkey"]
        for k in keys:
            self.s3.put_object(Bucket=b, Key=k, Body=k.encode())
            self.assertEqual(self.s3.get_object(Bucket=b, Key=k)["Body"].read(), k.encode())
        listed = [o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]]
        self.assertEqual(listed, sorted(keys, key=lambda s: s.encode()))
        self.assertEqual(error_code(lambda: self.s3.put_object(Bucket=b, Key="k" * 1025, Body=b"")), "KeyTooLongError")

    def test_virtual_host(self):
        b = self.bucket()
        port = self.stratus.port
        sig = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/" + time.strftime("%Y%m%d", time.gmtime())
               + "/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
               "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
               "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
        for host in [f"{b}.s3.localhost:{port}", f"{b}.s3.us-east-1.localhost:{port}"]:
            st, _, _ = self.stratus.http("PUT", "/vh/key", body=host.encode(), headers=dict(sig, Host=host))
            self.assertEqual(st, 200, host)
            self.assertEqual(self.s3.get_object(Bucket=b, Key="vh/key")["Body"].read(), host.encode())
            st, _, body = self.stratus.http("GET", "/vh/key", headers=dict(sig, Host=host))
            self.assertEqual(body, host.encode())
        # s3.localhost is path style.
        st, _, body = self.stratus.http("GET", f"/{b}/vh/key", headers=dict(sig, Host=f"s3.localhost:{port}"))
        self.assertEqual(st, 200)
        st, _, body = self.stratus.http("GET", "/?list-type=2", headers=dict(sig, Host=f"{b}.s3.localhost:{port}"))
        self.assertIn(b"<Key>vh/key</Key>", body)


    def test_presigned_get_and_head_errors_without_body(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="p", Body=b"presigned")
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "p"}, ExpiresIn=60)
        with urllib.request.urlopen(url) as r:
            self.assertEqual(r.read(), b"presigned")
        url = self.s3.generate_presigned_url("head_object", Params={"Bucket": b, "Key": "missing"}, ExpiresIn=60)
        req = urllib.request.Request(url, method="HEAD")
        try:
            urllib.request.urlopen(req)
            self.fail("HEAD of a missing key succeeded")
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 404)
            self.assertEqual(e.read(), b"")



# TestListing.test_listing_xml_bytes: the raw answers (LastModified and version ids normalised,
# BUCKET for the bucket's name).
LISTING_QUERIES = [
    'list-type=2',
    'list-type=2&fetch-owner=true&delimiter=%2F',
    'list-type=2&encoding-type=url&delimiter=%2F&max-keys=2',
    'list-type=2&start-after=b&max-keys=3',
    '',
    'delimiter=%2F&marker=a&encoding-type=url&max-keys=3',
    'versions',
    'versions&delimiter=%2F&encoding-type=url&max-keys=3',
    'versions&key-marker=x%20y%2F1',
]
LISTING_XML = {
    'list-type=2': '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"f9142e5e455e901eb798818ac2859336"</ETag><Key>a&amp;b&lt;c&gt;\'"</Key><LastModified>T</LastModified><Size>8</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"7bdff76536f12a7c5ffde207e72cfe3a"</ETag><Key>cold</Key><LastModified>T</LastModified><RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus><Size>3</Size><StorageClass>GLACIER</StorageClass></Contents><Contents><ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"03c7c0ace395d80182db07ae2c30f034"</ETag><Key>sum</Key><LastModified>T</LastModified><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"4cf4f39c12abbf2830b1b15f57fde9ba"</ETag><Key>x y/1</Key><LastModified>T</LastModified><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"fd70086e9d7e87e932c7dd2557ec8c8b"</ETag><Key>x y/2</Key><LastModified>T</LastModified><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"a9f0e61a137d86aa9db53465e0801612"</ETag><Key>z%+</Key><LastModified>T</LastModified><Size>6</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"633942e56ede57d3bbf1f1a4a18bc148"</ETag><Key>ü/é</Key><LastModified>T</LastModified><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents><IsTruncated>false</IsTruncated><KeyCount>7</KeyCount><MaxKeys>1000</MaxKeys><Name>BUCKET</Name><Prefix></Prefix></ListBucketResult>',
    'list-type=2&fetch-owner=true&delimiter=%2F': '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CommonPrefixes><Prefix>x y/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>ü/</Prefix></CommonPrefixes><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"f9142e5e455e901eb798818ac2859336"</ETag><Key>a&amp;b&lt;c&gt;\'"</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>8</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"7bdff76536f12a7c5ffde207e72cfe3a"</ETag><Key>cold</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus><Size>3</Size><StorageClass>GLACIER</StorageClass></Contents><Contents><ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"03c7c0ace395d80182db07ae2c30f034"</ETag><Key>sum</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"a9f0e61a137d86aa9db53465e0801612"</ETag><Key>z%+</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>6</Size><StorageClass>STANDARD</StorageClass></Contents><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated><KeyCount>6</KeyCount><MaxKeys>1000</MaxKeys><Name>BUCKET</Name><Prefix></Prefix></ListBucketResult>',
    'list-type=2&encoding-type=url&delimiter=%2F&max-keys=2': '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"f9142e5e455e901eb798818ac2859336"</ETag><Key>a%26b%3Cc%3E%27%22</Key><LastModified>T</LastModified><Size>8</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"7bdff76536f12a7c5ffde207e72cfe3a"</ETag><Key>cold</Key><LastModified>T</LastModified><RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus><Size>3</Size><StorageClass>GLACIER</StorageClass></Contents><Delimiter>/</Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Name>BUCKET</Name><NextContinuationToken>S2NvbGQ=</NextContinuationToken><Prefix></Prefix></ListBucketResult>',
    'list-type=2&start-after=b&max-keys=3': '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"7bdff76536f12a7c5ffde207e72cfe3a"</ETag><Key>cold</Key><LastModified>T</LastModified><RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus><Size>3</Size><StorageClass>GLACIER</StorageClass></Contents><Contents><ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"03c7c0ace395d80182db07ae2c30f034"</ETag><Key>sum</Key><LastModified>T</LastModified><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"4cf4f39c12abbf2830b1b15f57fde9ba"</ETag><Key>x y/1</Key><LastModified>T</LastModified><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents><IsTruncated>true</IsTruncated><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys><Name>BUCKET</Name><NextContinuationToken>S3ggeS8x</NextContinuationToken><Prefix></Prefix><StartAfter>b</StartAfter></ListBucketResult>',
    '': '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"f9142e5e455e901eb798818ac2859336"</ETag><Key>a&amp;b&lt;c&gt;\'"</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>8</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"7bdff76536f12a7c5ffde207e72cfe3a"</ETag><Key>cold</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus><Size>3</Size><StorageClass>GLACIER</StorageClass></Contents><Contents><ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"03c7c0ace395d80182db07ae2c30f034"</ETag><Key>sum</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"4cf4f39c12abbf2830b1b15f57fde9ba"</ETag><Key>x y/1</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"fd70086e9d7e87e932c7dd2557ec8c8b"</ETag><Key>x y/2</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"a9f0e61a137d86aa9db53465e0801612"</ETag><Key>z%+</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>6</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"633942e56ede57d3bbf1f1a4a18bc148"</ETag><Key>ü/é</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents><IsTruncated>false</IsTruncated><Marker></Marker><MaxKeys>1000</MaxKeys><Name>BUCKET</Name><Prefix></Prefix></ListBucketResult>',
    'delimiter=%2F&marker=a&encoding-type=url&max-keys=3': '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"f9142e5e455e901eb798818ac2859336"</ETag><Key>a%26b%3Cc%3E%27%22</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>8</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"7bdff76536f12a7c5ffde207e72cfe3a"</ETag><Key>cold</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus><Size>3</Size><StorageClass>GLACIER</StorageClass></Contents><Contents><ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"03c7c0ace395d80182db07ae2c30f034"</ETag><Key>sum</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents><Delimiter>/</Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><Marker>a</Marker><MaxKeys>3</MaxKeys><Name>BUCKET</Name><NextMarker>sum</NextMarker><Prefix></Prefix></ListBucketResult>',
    'versions': '<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><DeleteMarker><IsLatest>true</IsLatest><Key>cr&#xD;key</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><VersionId>V</VersionId></DeleteMarker><IsTruncated>false</IsTruncated><KeyMarker></KeyMarker><MaxKeys>1000</MaxKeys><Name>BUCKET</Name><Prefix></Prefix><VersionIdMarker></VersionIdMarker><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"f9142e5e455e901eb798818ac2859336"</ETag><IsLatest>true</IsLatest><Key>a&amp;b&lt;c&gt;\'"</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>8</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"7bdff76536f12a7c5ffde207e72cfe3a"</ETag><IsLatest>true</IsLatest><Key>cold</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>3</Size><StorageClass>GLACIER</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"bb383a147659f15e9447cba2cce387cc"</ETag><IsLatest>false</IsLatest><Key>cr&#xD;key</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>6</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"03c7c0ace395d80182db07ae2c30f034"</ETag><IsLatest>true</IsLatest><Key>sum</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>1</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"4cf4f39c12abbf2830b1b15f57fde9ba"</ETag><IsLatest>true</IsLatest><Key>x y/1</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>5</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"fd70086e9d7e87e932c7dd2557ec8c8b"</ETag><IsLatest>true</IsLatest><Key>x y/2</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>5</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"a9f0e61a137d86aa9db53465e0801612"</ETag><IsLatest>true</IsLatest><Key>z%+</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>6</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"e99a0d685c293a593e0ecf8903b134e8"</ETag><IsLatest>false</IsLatest><Key>z%+</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>3</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"633942e56ede57d3bbf1f1a4a18bc148"</ETag><IsLatest>true</IsLatest><Key>ü/é</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>5</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version></ListVersionsResult>',
    'versions&delimiter=%2F&encoding-type=url&max-keys=3': '<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><DeleteMarker><IsLatest>true</IsLatest><Key>cr%0Dkey</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><VersionId>V</VersionId></DeleteMarker><Delimiter>/</Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><KeyMarker></KeyMarker><MaxKeys>3</MaxKeys><Name>BUCKET</Name><NextKeyMarker>cr%0Dkey</NextKeyMarker><NextVersionIdMarker>V</NextVersionIdMarker><Prefix></Prefix><VersionIdMarker></VersionIdMarker><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"f9142e5e455e901eb798818ac2859336"</ETag><IsLatest>true</IsLatest><Key>a%26b%3Cc%3E%27%22</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>8</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"7bdff76536f12a7c5ffde207e72cfe3a"</ETag><IsLatest>true</IsLatest><Key>cold</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>3</Size><StorageClass>GLACIER</StorageClass><VersionId>V</VersionId></Version></ListVersionsResult>',
    'versions&key-marker=x%20y%2F1': '<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated><KeyMarker>x y/1</KeyMarker><MaxKeys>1000</MaxKeys><Name>BUCKET</Name><Prefix></Prefix><VersionIdMarker></VersionIdMarker><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"fd70086e9d7e87e932c7dd2557ec8c8b"</ETag><IsLatest>true</IsLatest><Key>x y/2</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>5</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"a9f0e61a137d86aa9db53465e0801612"</ETag><IsLatest>true</IsLatest><Key>z%+</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>6</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"e99a0d685c293a593e0ecf8903b134e8"</ETag><IsLatest>false</IsLatest><Key>z%+</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>3</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version><Version><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><ETag>"633942e56ede57d3bbf1f1a4a18bc148"</ETag><IsLatest>true</IsLatest><Key>ü/é</Key><LastModified>T</LastModified><Owner><DisplayName>stratus-000000000000</DisplayName><ID>d29ca3aadede3b905a728490650318ad50d80da71a552a8da17d18495aa36300</ID></Owner><Size>5</Size><StorageClass>STANDARD</StorageClass><VersionId>V</VersionId></Version></ListVersionsResult>',
}


class TestListing(S3Base):
    def test_v2_prefix_delimiter_pages(self):
        b = self.bucket()
        keys = ["a/1", "a/2", "b/1", "c", "d/x/y", "e"]
        for k in keys:
            self.s3.put_object(Bucket=b, Key=k, Body=b"")
        r = self.s3.list_objects_v2(Bucket=b, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/", "b/", "d/"])
        self.assertEqual([o["Key"] for o in r["Contents"]], ["c", "e"])
        self.assertEqual(r["KeyCount"], 5)
        r = self.s3.list_objects_v2(Bucket=b, Prefix="a/")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["a/1", "a/2"])
        seen, token = [], None
        while True:
            kw = {"ContinuationToken": token} if token else {}
            r = self.s3.list_objects_v2(Bucket=b, Delimiter="/", MaxKeys=2, **kw)
            seen += [o["Key"] for o in r.get("Contents", [])] + [p["Prefix"] for p in r.get("CommonPrefixes", [])]
            if not r["IsTruncated"]:
                break
            token = r["NextContinuationToken"]
        self.assertEqual(sorted(seen), ["a/", "b/", "c", "d/", "e"])
        r = self.s3.list_objects_v2(Bucket=b, StartAfter="b/1")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["c", "d/x/y", "e"])
        self.assertEqual(error_code(lambda: self.s3.list_objects_v2(Bucket=b, ContinuationToken="garbage")),
                         "InvalidArgument")
        p = self.s3.get_paginator("list_objects_v2")
        self.assertEqual(sorted(o["Key"] for page in p.paginate(Bucket=b, PaginationConfig={"PageSize": 1})
                                for o in page.get("Contents", [])), sorted(keys))

    def test_v1_and_encoding(self):
        b = self.bucket()
        for k in ["x y/1", "x y/2", "z"]:
            self.s3.put_object(Bucket=b, Key=k, Body=b"")
        r = self.s3.list_objects(Bucket=b, Delimiter="/", MaxKeys=1)
        self.assertTrue(r["IsTruncated"])
        self.assertEqual(r["NextMarker"], "x y/")
        r = self.s3.list_objects(Bucket=b, Marker="x y/2")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["z"])
        self.assertIn("Owner", self.s3.list_objects(Bucket=b)["Contents"][0])
        r = self.s3.list_objects_v2(Bucket=b, EncodingType="url")
        # botocore decodes only the encoding it asked for itself (v1); S3 writes a space as '+'.
        self.assertEqual([o["Key"] for o in r["Contents"]], ["x+y/1", "x+y/2", "z"])
        self.assertEqual(error_code(lambda: self.s3.list_objects_v2(Bucket=b, EncodingType="base64")),
                         "InvalidArgument")

    def raw_listing(self, b, query):
        import re
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        path = f"/{b}?{query}"
        req = botocore.awsrequest.AWSRequest(method="GET", url=self.stratus.endpoint + path)
        botocore.auth.S3SigV4Auth(botocore.credentials.Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
        st, _, body = self.stratus.http("GET", path, headers=dict(req.headers.items()), sign=False)
        self.assertEqual(st, 200, body)
        body = re.sub(rb"<LastModified>[0-9T:-]{19}Z</LastModified>", b"<LastModified>T</LastModified>", body)
        body = re.sub(rb"<(VersionId|NextVersionIdMarker)>[^<]+</", rb"<\1>V</", body)
        return body.decode()

    def test_listing_xml_bytes(self):
        """The listings' XML byte for byte (written straight from the scan, not by the codec):
        escaping, encoding-type=url, checksums, owners, restore status, delimiters, markers."""
        b = self.bucket(versioned=True)
        for k in ["a&b<c>'\"", "cr\rkey", "x y/1", "x y/2", "\u00fc/\u00e9", "z%+"]:
            self.s3.put_object(Bucket=b, Key=k, Body=k.encode())
        self.s3.put_object(Bucket=b, Key="sum", Body=b"s", ChecksumAlgorithm="SHA256")
        self.s3.put_object(Bucket=b, Key="cold", Body=b"ice", StorageClass="GLACIER")
        self.s3.restore_object(Bucket=b, Key="cold", RestoreRequest={"Days": 1})
        self.s3.put_object(Bucket=b, Key="z%+", Body=b"second")
        self.s3.delete_object(Bucket=b, Key="cr\rkey")
        got = {q: self.raw_listing(b, q) for q in LISTING_QUERIES}
        self.assertEqual(got, {q: x.replace("BUCKET", b) for q, x in LISTING_XML.items()})


class TestVersioning(S3Base):
    def test_versions_and_markers(self):
        b = self.bucket()
        self.assertNotIn("Status", self.s3.get_bucket_versioning(Bucket=b))
        self.s3.put_object(Bucket=b, Key="k", Body=b"null-version")
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
        v1 = self.s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
        self.assertNotEqual(v1, v2)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"two")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read(), b"one")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read(), b"null-version")
        d = self.s3.delete_object(Bucket=b, Key="k")
        self.assertTrue(d["DeleteMarker"])
        marker = d["VersionId"]
        e = err(lambda: self.s3.get_object(Bucket=b, Key="k"))
        self.assertEqual(e["Error"]["Code"], "NoSuchKey")
        self.assertEqual(e["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"], "true")
        self.assertEqual(e["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], marker)
        e = err(lambda: self.s3.head_object(Bucket=b, Key="k", VersionId=marker))
        self.assertEqual(e["ResponseMetadata"]["HTTPStatusCode"], 405)
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket=b, Key="k", VersionId=marker)),
                         "MethodNotAllowed")
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket=b, Key="k", VersionId="A" * 32)),
                         "NoSuchVersion")
        vs = self.s3.list_object_versions(Bucket=b)
        self.assertEqual([v["VersionId"] for v in vs["Versions"]], [v2, v1, "null"])
        self.assertEqual([m["VersionId"] for m in vs["DeleteMarkers"]], [marker])
        self.assertTrue(vs["DeleteMarkers"][0]["IsLatest"])
        self.assertEqual(self.s3.list_objects_v2(Bucket=b)["KeyCount"], 0)
        # Removing the marker brings v2 back.
        r = self.s3.delete_object(Bucket=b, Key="k", VersionId=marker)
        self.assertTrue(r["DeleteMarker"])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"two")
        self.s3.delete_object(Bucket=b, Key="k", VersionId=v2)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"one")
        self.assertEqual(error_code(lambda: self.s3.delete_bucket(Bucket=b)), "BucketNotEmpty")

    def test_copy_source_version_and_expires(self):
        import datetime
        b = self.bucket(versioned=True)
        exp = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        v1 = self.s3.put_object(Bucket=b, Key="s", Body=b"first", Expires=exp, ContentEncoding="gzip")["VersionId"]
        self.s3.put_object(Bucket=b, Key="s", Body=b"second")
        h = self.s3.head_object(Bucket=b, Key="s", VersionId=v1)
        self.assertEqual(h["Expires"], exp)
        self.assertEqual(h["ContentEncoding"], "gzip")
        r = self.s3.copy_object(Bucket=b, Key="d", CopySource={"Bucket": b, "Key": "s", "VersionId": v1})
        self.assertEqual(r["CopySourceVersionId"], v1)
        self.assertTrue(r["VersionId"])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="d")["Body"].read(), b"first")
        marker = self.s3.delete_object(Bucket=b, Key="s")["VersionId"]
        self.assertEqual(error_code(lambda: self.s3.copy_object(
            Bucket=b, Key="e", CopySource={"Bucket": b, "Key": "s", "VersionId": marker})), "InvalidRequest")
        self.assertEqual(error_code(lambda: self.s3.copy_object(Bucket=b, Key="e", CopySource=f"{b}/s")), "NoSuchKey")

    def test_suspended_null_version(self):
        b = self.bucket(versioned=True)
        v1 = self.s3.put_object(Bucket=b, Key="k", Body=b"v1")["VersionId"]
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
        self.s3.put_object(Bucket=b, Key="k", Body=b"n1")
        self.s3.put_object(Bucket=b, Key="k", Body=b"n2")
        vs = self.s3.list_object_versions(Bucket=b)["Versions"]
        self.assertEqual([v["VersionId"] for v in vs], ["null", v1])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"n2")

    def test_concurrent_writers_keep_every_version(self):
        import threading
        b = self.bucket(versioned=True)
        bodies = [bytes([i]) * (20000 + i) for i in range(8)]
        errors = []

        def put(body):
            try:
                self.stratus.client("s3").put_object(Bucket=b, Key="hot", Body=body)
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=put, args=(x,)) for x in bodies]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        vs = self.s3.list_object_versions(Bucket=b)["Versions"]
        self.assertEqual(len(vs), 8)
        self.assertEqual(sorted(v["Size"] for v in vs), sorted(len(x) for x in bodies))
        self.assertIn(self.s3.get_object(Bucket=b, Key="hot")["Body"].read(), bodies)

    def test_version_pages(self):
        b = self.bucket(versioned=True)
        for i in range(3):
            self.s3.put_object(Bucket=b, Key="a", Body=str(i).encode())
        self.s3.put_object(Bucket=b, Key="b", Body=b"x")
        got = []
        p = self.s3.get_paginator("list_object_versions")
        for page in p.paginate(Bucket=b, PaginationConfig={"PageSize": 1}):
            got += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        self.assertEqual(len(got), 4)
        self.assertEqual(len(set(got)), 4)


class TestStrictAuth(S3Base):
    stratus_args = ("--auth", "strict")

    def test_signed_requests_pass_and_tampered_ones_fail(self):
        b = self.bucket()
        big = os.urandom(2 * 1024 * 1024)  # spooled, aws-chunked with signed chunks or a trailer
        self.s3.put_object(Bucket=b, Key="big", Body=big)
        self.s3.put_object(Bucket=b, Key="small", Body=b"s")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="big")["Body"].read(), big)
        self.assertEqual([o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]], ["big", "small"])
        v4 = self.stratus.client("s3", signature_version="s3v4")
        url = v4.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "small"}, ExpiresIn=60)
        with urllib.request.urlopen(url) as r:
            self.assertEqual(r.read(), b"s")
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(url.replace("small", "smalx"))
        self.assertEqual(ctx.exception.code, 403)
        self.assertIn(b"SignatureDoesNotMatch", ctx.exception.read())


class TestCli(S3Base):
    def test_cli_cp_sync_ls_rb(self):
        a = self.stratus.aws
        a("s3", "mb", "s3://cli-bucket")
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "one.txt"), "wb") as f:
            f.write(b"one")
        os.makedirs(os.path.join(d, "sub"))
        big = os.urandom(7 * 1024 * 1024)  # below the CLI's multipart threshold (multipart: s3-mp)
        with open(os.path.join(d, "sub", "big.bin"), "wb") as f:
            f.write(big)
        a("s3", "cp", os.path.join(d, "one.txt"), "s3://cli-bucket/one.txt")
        a("s3", "sync", d, "s3://cli-bucket/synced")
        out = a("s3", "ls", "--recursive", "s3://cli-bucket")
        self.assertIn("synced/sub/big.bin", out)
        self.assertIn("one.txt", out)
        back = os.path.join(d, "back.bin")
        a("s3", "cp", "s3://cli-bucket/synced/sub/big.bin", back)
        with open(back, "rb") as f:
            self.assertEqual(f.read(), big)
        a("s3", "rb", "--force", "s3://cli-bucket")
        self.assertEqual(error_code(lambda: self.s3.head_bucket(Bucket="cli-bucket")), "404")


class TestDurability(unittest.TestCase):
    def test_kill9_keeps_acknowledged_and_sweeps_orphans(self):
        st = Stratus().start()
        try:
            s3 = st.client("s3")
            s3.create_bucket(Bucket="dur")
            blobs = {f"k{i}": os.urandom(100 + i * 300_000) for i in range(6)}
            for k, v in blobs.items():
                s3.put_object(Bucket="dur", Key=k, Body=v)
            s3.delete_object(Bucket="dur", Key="k0")
            del blobs["k0"]
            s3.put_object(Bucket="dur", Key="k1", Body=b"replaced")
            blobs["k1"] = b"replaced"
            # An orphan as a crash between writing data and committing would leave it.
            orphan_dir = os.path.join(st.data_dir, "s3", "data", "ab")
            os.makedirs(orphan_dir, exist_ok=True)
            with open(os.path.join(orphan_dir, "ab" + "0" * 30), "wb") as f:
                f.write(b"garbage")
            st.kill9()
            st.start()
            s3 = st.client("s3")
            for k, v in blobs.items():
                self.assertEqual(s3.get_object(Bucket="dur", Key=k)["Body"].read(), v, k)
            self.assertEqual(error_code(lambda: s3.get_object(Bucket="dur", Key="k0")), "NoSuchKey")
            files = []
            for root, _, names in os.walk(os.path.join(st.data_dir, "s3", "data")):
                files += names
            big = [k for k, v in blobs.items() if len(v) > 16 * 1024]
            self.assertEqual(len(files), len(big), files)
        finally:
            st.cleanup()

    def test_kill9_during_upload(self):
        st = Stratus().start()
        try:
            s3 = st.client("s3")
            s3.create_bucket(Bucket="half")
            import socket
            sock = socket.create_connection(("127.0.0.1", st.port))
            sock.sendall(b"PUT /half/partial HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n"
                         b"Authorization: AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                         b"SignedHeaders=host, Signature=00\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\r\n")
            sock.sendall(b"x" * 3_000_000)
            import time
            time.sleep(0.3)
            st.kill9()
            sock.close()
            st.start()
            s3 = st.client("s3")
            self.assertEqual(error_code(lambda: s3.head_object(Bucket="half", Key="partial")), "404")
            files = []
            for root, _, names in os.walk(st.data_dir):
                if "/s3/" in root + "/" or root.endswith("/tmp"):
                    files += names
            self.assertEqual(files, [])
        finally:
            st.cleanup()


if __name__ == "__main__":
    unittest.main()
