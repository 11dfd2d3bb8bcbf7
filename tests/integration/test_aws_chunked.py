"""aws-chunked request bodies through the HTTP layer: the unsigned-payload-with-trailer form and
the signed-chunk form (verified in strict mode). A GetCallerIdentity form body is framed this
way, so the decoded body must reach the Query codec intact."""
import base64
import hashlib
import hmac
import unittest
import zlib

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from harness import StratusTestCase

BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def sign_headers(endpoint, content_sha256, extra):
    req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=b"", headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Amz-Content-SHA256": content_sha256,
        "Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": str(len(BODY)), **extra})
    auth = botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "sts", "us-east-1")
    auth.add_auth(req)
    return dict(req.headers.items()), auth, req


def signed_chunks(auth, req, pieces, break_index=None):
    amz_date = req.context["timestamp"]
    scope = auth.scope(req).split("/", 1)[1]
    k = ("AWS4" + "test").encode()
    for part in (scope.split("/")[0], "us-east-1", "sts", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    prev = req.headers["Authorization"].rsplit("Signature=", 1)[1]
    out = b""
    for i, data in enumerate(list(pieces) + [b""]):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, EMPTY_SHA,
                         hashlib.sha256(data).hexdigest()])
        sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        if i == break_index:
            sig = "0" * 64
        out += b"%x;chunk-signature=%s\r\n%s\r\n" % (len(data), sig.encode(), data)
        prev = sig
    return out


class UnsignedTrailer(StratusTestCase):
    def test_crc32_trailer_body_is_decoded(self):
        crc = base64.b64encode(zlib.crc32(BODY).to_bytes(4, "big")).decode()
        framed = b"%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (len(BODY), BODY, crc.encode())
        status, _, body = self.stratus.http("POST", "/", body=framed, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "aws-chunked",
            "X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "X-Amz-Trailer": "x-amz-checksum-crc32"})
        self.assertEqual(status, 200, body)
        self.assertIn(b"<Account>000000000000</Account>", body)

    def test_wrong_trailer_checksum_is_refused(self):
        framed = b"%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n" % (len(BODY), BODY)
        status, _, body = self.stratus.http("POST", "/", body=framed, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "aws-chunked",
            "X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "X-Amz-Trailer": "x-amz-checksum-crc32"})
        self.assertEqual(status, 400)
        self.assertIn(b"BadDigest", body)


class DecodedContentLength(StratusTestCase):
    """x-amz-decoded-content-length must be a non-negative integer equal to the decoded length."""

    def post(self, decoded_length, data=BODY):
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big"))
        framed = b"%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (len(data), data, crc)
        return self.stratus.http("POST", "/", body=framed, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "aws-chunked",
            "X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "X-Amz-Trailer": "x-amz-checksum-crc32",
            "X-Amz-Decoded-Content-Length": decoded_length})

    def test_matching_length_passes(self):
        status, _, body = self.post(str(len(BODY)))
        self.assertEqual(status, 200, body)
        self.assertIn(b"<Account>000000000000</Account>", body)

    def test_declared_longer_than_body_is_incomplete(self):
        status, _, body = self.post(str(len(BODY) + 1))
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>IncompleteBody</Code>", body)
        self.assertIn(b"You did not provide the number of bytes specified by the Content-Length HTTP header.", body)

    def test_declared_shorter_than_body_is_refused(self):
        status, _, body = self.post(str(len(BODY) - 1))
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>InvalidRequest</Code>", body)

    def test_zero_with_a_body_is_refused(self):
        status, _, body = self.post("0")
        self.assertEqual(status, 400, body)

    def test_negative_or_garbage_is_invalid_argument(self):
        for bad in ("-1", "-43", "abc", "1e3", "4 3", "+43", "99999999999999999999999"):
            status, _, body = self.post(bad)
            self.assertEqual(status, 400, (bad, body))
            self.assertIn(b"<Code>InvalidArgument</Code>", body, bad)


class SignedChunks(StratusTestCase):
    stratus_args = ("--auth", "strict")

    def test_signed_chunks_verify(self):
        headers, auth, req = sign_headers(self.stratus.endpoint, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", {})
        framed = signed_chunks(auth, req, [BODY[:10], BODY[10:]])
        status, _, body = self.stratus.http("POST", "/", body=framed, headers=headers)
        self.assertEqual(status, 200, body)
        self.assertIn(b"<Account>000000000000</Account>", body)

    def test_bad_chunk_signature_is_refused(self):
        headers, auth, req = sign_headers(self.stratus.endpoint, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", {})
        framed = signed_chunks(auth, req, [BODY[:10], BODY[10:]], break_index=1)
        status, _, body = self.stratus.http("POST", "/", body=framed, headers=headers)
        self.assertEqual(status, 403, body)
        self.assertIn(b"SignatureDoesNotMatch", body)


if __name__ == "__main__":
    unittest.main()
