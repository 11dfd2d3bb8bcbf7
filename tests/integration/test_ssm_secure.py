"""SSM SecureString parameters through KMS (boto3 and the aws CLI): default and customer keys,
WithDecryption everywhere, key errors; durability across kill -9; no plaintext in the data
directory."""
import json
import os
import shutil
import subprocess
import unittest
import uuid

import botocore.exceptions

from harness import Stratus, StratusTestCase


class SecureString(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.ssm = self.stratus.client("ssm")
        self.kms = self.stratus.client("kms")

    def err(self, fn):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn()
        e = cm.exception.response["Error"]
        return e["Code"], e.get("Message", "")

    def test_default_key(self):
        out = self.ssm.put_parameter(Name="/dflt/pw", Value="hunter2", Type="SecureString")
        self.assertEqual(out["Version"], 1)
        enc = self.ssm.get_parameter(Name="/dflt/pw")["Parameter"]
        self.assertEqual(enc["Type"], "SecureString")
        self.assertNotEqual(enc["Value"], "hunter2")
        self.assertEqual(self.ssm.get_parameter(Name="/dflt/pw", WithDecryption=True)["Parameter"]["Value"], "hunter2")
        # the ciphertext is a KMS blob bound to the parameter's ARN
        import base64
        blob = base64.b64decode(enc["Value"])
        arn = "arn:aws:ssm:us-east-1:000000000000:parameter/dflt/pw"
        plain = self.kms.decrypt(CiphertextBlob=blob, EncryptionContext={"PARAMETER_ARN": arn})["Plaintext"]
        self.assertEqual(plain, b"hunter2")
        meta = self.ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/dflt/pw"]}])["Parameters"][0]
        self.assertEqual(meta["KeyId"], "alias/aws/ssm")
        managed = self.kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]
        self.assertEqual(managed["KeyManager"], "AWS")
        self.ssm.put_parameter(Name="/dflt/pw", Value="hunter3", Overwrite=True)
        got = self.ssm.get_parameters(Names=["/dflt/pw", "/dflt/pw:1"], WithDecryption=True)["Parameters"]
        self.assertEqual(sorted(p["Value"] for p in got), ["hunter2", "hunter3"])
        hist = self.ssm.get_parameter_history(Name="/dflt/pw", WithDecryption=True)["Parameters"]
        self.assertEqual([h["Value"] for h in hist], ["hunter2", "hunter3"])
        by_path = self.ssm.get_parameters_by_path(Path="/dflt", WithDecryption=True)["Parameters"]
        self.assertEqual([p["Value"] for p in by_path], ["hunter3"])
        cli = self.stratus.aws("ssm", "get-parameter", "--name", "/dflt/pw", "--with-decryption")
        self.assertEqual(cli["Parameter"]["Value"], "hunter3")

    def test_customer_key_and_errors(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.ssm.put_parameter(Name="/sec/custom", Value="s3cr3t", Type="SecureString", KeyId=key)
        self.assertEqual(self.ssm.get_parameter(Name="/sec/custom", WithDecryption=True)["Parameter"]["Value"], "s3cr3t")
        meta = self.ssm.describe_parameters(ParameterFilters=[{"Key": "KeyId", "Values": [key]}])
        self.assertEqual([p["Name"] for p in meta["Parameters"]], ["/sec/custom"])
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/sec/x", Value="v", Type="SecureString",
                                                                 KeyId="alias/nope"))[0], "InvalidKeyId")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/sec/z", Value="v", Type="SecureString",
                                                                 KeyId="bad key!"))[0], "ValidationException")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/sec/y", Value="v", Type="String",
                                                                 KeyId=key))[0], "ValidationException")
        self.kms.disable_key(KeyId=key)
        self.assertEqual(self.err(lambda: self.ssm.get_parameter(Name="/sec/custom", WithDecryption=True))[0],
                         "InvalidKeyId")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/sec/custom", Value="n", Overwrite=True))[0],
                         "InvalidKeyId")
        # without decryption the ciphertext is still answered
        self.assertEqual(self.ssm.get_parameter(Name="/sec/custom")["Parameter"]["Type"], "SecureString")
        self.kms.enable_key(KeyId=key)

    NODE_SDK = "/usr/local/lib/stratus/nodejs/node_modules"

    @unittest.skipUnless(shutil.which("node") and os.path.isdir(NODE_SDK + "/@aws-sdk/client-ssm"),
                         "node and @aws-sdk/client-ssm (tools/deps.sh)")
    def test_javascript_sdk_v3(self):
        script = """
const { SSMClient, PutParameterCommand, GetParameterCommand, paginateGetParametersByPath } = require("@aws-sdk/client-ssm");
(async () => {
  const c = new SSMClient({ endpoint: process.env.EP, region: "us-east-1",
                            credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  await c.send(new PutParameterCommand({ Name: "/js/secret", Value: "from-js", Type: "SecureString" }));
  await c.send(new PutParameterCommand({ Name: "/js/plain", Value: "p", Type: "String" }));
  const got = await c.send(new GetParameterCommand({ Name: "/js/secret", WithDecryption: true }));
  const names = [];
  for await (const page of paginateGetParametersByPath({ client: c, pageSize: 1 }, { Path: "/js" }))
    for (const p of page.Parameters) names.push(p.Name);
  let code = "";
  try { await c.send(new GetParameterCommand({ Name: "/js/none" })); } catch (e) { code = e.name; }
  console.log(JSON.stringify({ value: got.Parameter.Value, names, code }));
})().catch(e => { console.error(e); process.exit(1); });
"""
        env = dict(os.environ, NODE_PATH=self.NODE_SDK, EP=self.stratus.endpoint)
        cp = subprocess.run(["node", "-e", script], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        out = json.loads(cp.stdout)
        self.assertEqual(out, {"value": "from-js", "names": ["/js/plain", "/js/secret"], "code": "ParameterNotFound"})


class Durability(unittest.TestCase):
    def setUp(self):
        self.stratus = Stratus().start()
        self.addCleanup(self.stratus.cleanup)

    def scan(self, *markers):
        """Which of the markers occur in some file of the data directory."""
        found = set()
        for root, _, files in os.walk(self.stratus.data_dir):
            for f in files:
                try:
                    with open(os.path.join(root, f), "rb") as fh:
                        data = fh.read()
                except OSError:
                    continue
                found.update(m for m in markers if m.encode() in data)
        return found

    def test_kill9_and_no_plaintext_on_disk(self):
        ssm = self.stratus.client("ssm")
        secret = "SecretMarker-" + uuid.uuid4().hex
        clear = "ClearMarker-" + uuid.uuid4().hex
        ssm.put_parameter(Name="/dur/secret", Value=secret, Type="SecureString")
        ssm.put_parameter(Name="/dur/secret", Value=secret + "-v2", Type="SecureString", Overwrite=True,
                          Tier="Advanced", Description="second")
        ssm.put_parameter(Name="/dur/clear", Value=clear, Type="String", Tags=[{"Key": "k", "Value": "v"}])
        ssm.label_parameter_version(Name="/dur/secret", ParameterVersion=1, Labels=["first"])
        # While running, the write-ahead log holds the records as written: the String value is
        # there (the scan sees stored values), the SecureString values are not.
        self.assertEqual(self.scan(secret, clear), {clear})
        self.stratus.kill9()
        self.stratus.start()
        ssm = self.stratus.client("ssm")
        self.assertEqual(ssm.get_parameter(Name="/dur/secret:first", WithDecryption=True)["Parameter"]["Value"], secret)
        p = ssm.get_parameter(Name="/dur/secret", WithDecryption=True)["Parameter"]
        self.assertEqual((p["Value"], p["Version"]), (secret + "-v2", 2))
        self.assertEqual(ssm.get_parameter(Name="/dur/clear")["Parameter"]["Value"], clear)
        self.assertEqual(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/dur/clear")["TagList"],
                         [{"Key": "k", "Value": "v"}])
        self.stratus.stop()
        self.assertEqual(self.scan(secret, secret + "-v2"), set())


if __name__ == "__main__":
    unittest.main()
