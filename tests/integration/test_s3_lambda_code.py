"""Lambda code from S3 (issue 16, Events and other services): CreateFunction,
UpdateFunctionCode and PublishLayerVersion with S3Bucket/S3Key/S3ObjectVersion read the package
from S3 through its read port, with Lambda's wording of S3's errors."""
import json
import unittest

from harness import Stratus, error_response
from lambda_util import ROLE, zip_files

A = ("AKIAOWNER000000000A1", "owner-secret", "111111111111")
B = ("AKIAOTHER000000000B2", "other-secret", "222222222222")


def code(text):
    return zip_files({"app.py": "def handler(event, context):\n    return " + text + "\n"})


class TestLambdaCodeFromS3(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus("--account-key", ":".join(A), "--account-key", ":".join(B)).start()
        cls.s3 = cls.stratus.client("s3", key=A[0], secret=A[1])
        cls.lam = cls.stratus.client("lambda", key=A[0], secret=A[1])
        cls.s3.create_bucket(Bucket="code-bucket")
        cls.s3.put_bucket_versioning(Bucket="code-bucket", VersioningConfiguration={"Status": "Enabled"})

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def invoke(self, name, **kw):
        return json.loads(self.lam.invoke(FunctionName=name, **kw)["Payload"].read())

    def test_create_update_from_s3_and_versions(self):
        v1 = self.s3.put_object(Bucket="code-bucket", Key="fn.zip", Body=code("'one'"))["VersionId"]
        self.s3.put_object(Bucket="code-bucket", Key="fn.zip", Body=code("'two'"))
        self.lam.create_function(FunctionName="from-s3", Runtime="python3.12", Role=ROLE.replace("000000000000", A[2]),
                                 Handler="app.handler", Code={"S3Bucket": "code-bucket", "S3Key": "fn.zip"})
        self.assertEqual(self.invoke("from-s3"), "two")
        self.lam.update_function_code(FunctionName="from-s3", S3Bucket="code-bucket", S3Key="fn.zip",
                                      S3ObjectVersion=v1)
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="from-s3")
        self.assertEqual(self.invoke("from-s3"), "one")

    def test_errors(self):
        def create(**c):
            return error_response(lambda: self.lam.create_function(
                FunctionName="bad-src", Runtime="python3.12", Role=ROLE.replace("000000000000", A[2]),
                Handler="app.handler", Code=c))
        r = create(S3Bucket="code-bucket", S3Key="missing.zip")
        self.assertEqual(r["Error"]["Code"], "InvalidParameterValueException")
        self.assertEqual(r["Error"]["Message"], "Error occurred while GetObject. S3 Error Code: NoSuchKey. "
                                                "S3 Error Message: The specified key does not exist.")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)
        r = create(S3Bucket="no-such-code-bucket", S3Key="fn.zip")
        self.assertEqual(r["Error"]["Message"], "Error occurred while GetObject. S3 Error Code: NoSuchBucket. "
                                                "S3 Error Message: The specified bucket does not exist")
        self.s3.put_object(Bucket="code-bucket", Key="e.zip", Body=code("1"))
        r = create(S3Bucket="code-bucket", S3Key="e.zip", S3ObjectVersion="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
        self.assertIn("S3 Error Code: NoSuchVersion", r["Error"]["Message"])
        # Not a zip.
        self.s3.put_object(Bucket="code-bucket", Key="not-a-zip", Body=b"plain text")
        r = create(S3Bucket="code-bucket", S3Key="not-a-zip")
        self.assertEqual(r["Error"]["Code"], "InvalidParameterValueException")

    def test_other_account_needs_bucket_policy(self):
        s3b = self.stratus.client("s3", key=B[0], secret=B[1])
        lamb = self.stratus.client("lambda", key=B[0], secret=B[1])
        s3b.create_bucket(Bucket="other-code")
        s3b.put_object(Bucket="other-code", Key="fn.zip", Body=code("'other'"))
        r = error_response(lambda: self.lam.create_function(
            FunctionName="cross", Runtime="python3.12", Role=ROLE.replace("000000000000", A[2]), Handler="app.handler",
            Code={"S3Bucket": "other-code", "S3Key": "fn.zip"}))
        self.assertEqual(r["Error"]["Message"], "Error occurred while GetObject. S3 Error Code: AccessDenied. "
                                                "S3 Error Message: Access Denied")
        s3b.put_bucket_policy(Bucket="other-code", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A[2]}:root"}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::other-code/*"}]}))
        self.lam.create_function(FunctionName="cross", Runtime="python3.12", Role=ROLE.replace("000000000000", A[2]),
                                 Handler="app.handler", Code={"S3Bucket": "other-code", "S3Key": "fn.zip"})
        self.assertEqual(self.invoke("cross"), "other")
        lamb.list_functions()

    def test_layer_from_s3(self):
        layer = zip_files({"python/helper.py": "VALUE = 'from-layer'\n"})
        self.s3.put_object(Bucket="code-bucket", Key="layer.zip", Body=layer)
        lv = self.lam.publish_layer_version(LayerName="s3layer",
                                            Content={"S3Bucket": "code-bucket", "S3Key": "layer.zip"})
        self.assertEqual(lv["Content"]["CodeSize"], len(layer))
        fn = zip_files({"app.py": "import helper\ndef handler(e, c):\n    return helper.VALUE\n"})
        self.lam.create_function(FunctionName="uses-layer", Runtime="python3.12",
                                 Role=ROLE.replace("000000000000", A[2]), Handler="app.handler",
                                 Code={"ZipFile": fn}, Layers=[lv["LayerVersionArn"]])
        self.assertEqual(self.invoke("uses-layer"), "from-layer")
        r = error_response(lambda: self.lam.publish_layer_version(
            LayerName="s3layer", Content={"S3Bucket": "code-bucket", "S3Key": "nope.zip"}))
        self.assertIn("S3 Error Code: NoSuchKey", r["Error"]["Message"])


if __name__ == "__main__":
    unittest.main()
