"""S3 through the AWS SDK for JavaScript v3 (@aws-sdk/client-s3, tools/deps.sh installs it): its
default flexible checksums (CRC32, aws-chunked with a trailer for streams), path-style requests,
ranges, listings and errors."""
import json
import os
import shutil
import subprocess
import unittest

from harness import StratusTestCase

SDK = "/usr/local/lib/stratus/nodejs/node_modules"

SCRIPT = r"""
const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
        ListObjectsV2Command, DeleteObjectCommand } = require("@aws-sdk/client-s3");
const { Readable } = require("stream");
const crypto = require("crypto");
(async () => {
  const s3 = new S3Client({ endpoint: process.env.ENDPOINT, region: "us-east-1", forcePathStyle: true,
                            credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const out = {};
  await s3.send(new CreateBucketCommand({ Bucket: "js-bucket" }));
  const small = Buffer.from("hello from js");
  const put = await s3.send(new PutObjectCommand({ Bucket: "js-bucket", Key: "small.txt", Body: small,
                                                   ContentType: "text/plain", Metadata: { who: "js" } }));
  out.putChecksum = put.ChecksumCRC32 || null;
  const big = crypto.randomBytes(3 * 1024 * 1024 + 5);
  // A stream of unknown length: the SDK sends aws-chunked with a CRC32 trailer.
  await s3.send(new PutObjectCommand({ Bucket: "js-bucket", Key: "big.bin", Body: Readable.from([big]),
                                       ContentLength: big.length }));
  const g = await s3.send(new GetObjectCommand({ Bucket: "js-bucket", Key: "big.bin", ChecksumMode: "ENABLED" }));
  const got = Buffer.from(await g.Body.transformToByteArray());
  out.bigEqual = got.equals(big);
  const r = await s3.send(new GetObjectCommand({ Bucket: "js-bucket", Key: "small.txt", Range: "bytes=0-4" }));
  out.range = await r.Body.transformToString();
  const h = await s3.send(new HeadObjectCommand({ Bucket: "js-bucket", Key: "small.txt" }));
  out.meta = h.Metadata;
  out.contentType = h.ContentType;
  const l = await s3.send(new ListObjectsV2Command({ Bucket: "js-bucket" }));
  out.keys = l.Contents.map(c => c.Key);
  try {
    await s3.send(new GetObjectCommand({ Bucket: "js-bucket", Key: "missing" }));
  } catch (e) { out.missing = e.name; }
  await s3.send(new DeleteObjectCommand({ Bucket: "js-bucket", Key: "small.txt" }));
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


@unittest.skipUnless(shutil.which("node") and os.path.isdir(os.path.join(SDK, "@aws-sdk", "client-s3")),
                     "node or @aws-sdk/client-s3 missing (tools/deps.sh installs them)")
class TestS3JsSdk(StratusTestCase):
    def test_client_s3(self):
        env = dict(os.environ, NODE_PATH=SDK, ENDPOINT=self.stratus.endpoint)
        cp = subprocess.run(["node", "-e", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        out = json.loads(cp.stdout.strip().splitlines()[-1])
        self.assertTrue(out["putChecksum"])
        self.assertTrue(out["bigEqual"])
        self.assertEqual(out["range"], "hello")
        self.assertEqual(out["meta"], {"who": "js"})
        self.assertEqual(out["contentType"], "text/plain")
        self.assertEqual(out["keys"], ["big.bin", "small.txt"])
        self.assertEqual(out["missing"], "NoSuchKey")


if __name__ == "__main__":
    unittest.main()
