"""STS through boto3 and the aws CLI: identity from the access key, temporary credentials that
then sign requests, and AWS's validation errors."""
import unittest

import botocore.exceptions

from harness import StratusTestCase


class CallerIdentity(StratusTestCase):
    def test_default_account_for_any_key(self):
        ident = self.stratus.client("sts").get_caller_identity()
        self.assertEqual(ident["Account"], "000000000000")
        self.assertEqual(ident["Arn"], "arn:aws:iam::000000000000:root")
        self.assertIn("x-amzn-requestid", ident["ResponseMetadata"]["HTTPHeaders"])

    def test_twelve_digit_key_is_the_account(self):
        ident = self.stratus.client("sts", key="123456789012").get_caller_identity()
        self.assertEqual(ident["Account"], "123456789012")
        self.assertEqual(ident["Arn"], "arn:aws:iam::123456789012:root")

    def test_aws_cli(self):
        out = self.stratus.aws("sts", "get-caller-identity")
        self.assertEqual(out["Account"], "000000000000")

    def test_get_access_key_info(self):
        out = self.stratus.client("sts").get_access_key_info(AccessKeyId="AKIAIOSFODNN7EXAMPLE")
        self.assertEqual(out["Account"], "000000000000")


class TemporaryCredentials(StratusTestCase):
    def test_assume_role_credentials_sign_requests_as_the_role(self):
        sts = self.stratus.client("sts", key="111122223333")
        out = sts.assume_role(RoleArn="arn:aws:iam::111122223333:role/Lambda-SQS-DynamoDB",
                              RoleSessionName="s1", DurationSeconds=900)
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        self.assertEqual(out["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::111122223333:assumed-role/Lambda-SQS-DynamoDB/s1")
        self.assertTrue(out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA"))
        as_role = self.stratus.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                                      token=creds["SessionToken"])
        ident = as_role.get_caller_identity()
        self.assertEqual(ident["Account"], "111122223333")
        self.assertEqual(ident["Arn"], out["AssumedRoleUser"]["Arn"])
        self.assertEqual(ident["UserId"], out["AssumedRoleUser"]["AssumedRoleId"])

    def test_session_token_acts_as_caller(self):
        sts = self.stratus.client("sts", key="444455556666")
        creds = sts.get_session_token(DurationSeconds=900)["Credentials"]
        ident = self.stratus.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                                    token=creds["SessionToken"]).get_caller_identity()
        self.assertEqual(ident["Arn"], "arn:aws:iam::444455556666:root")

    def test_duration_below_minimum_is_a_validation_error(self):
        # Client-side validation off: the server must enforce the model's range itself.
        sts = self.stratus.client("sts", parameter_validation=False)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/r",
                                                   RoleSessionName="s", DurationSeconds=100)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "ValidationError")
        self.assertIn("durationSeconds", err["Message"])
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_missing_required_parameter(self):
        # botocore validates client-side; send the raw Query request the way an old SDK would.
        status, _, body = self.stratus.http(
            "POST", "/", body=b"Action=AssumeRole&Version=2011-06-15&RoleSessionName=s",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>ValidationError</Code>", body)
        self.assertIn(b"roleArn", body)

    def test_unknown_action(self):
        status, _, body = self.stratus.http(
            "POST", "/", body=b"Action=NoSuchThing&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>InvalidAction</Code>", body)

    def test_malformed_authorization_header(self):
        status, _, body = self.stratus.http(
            "POST", "/", body=b"Action=GetCallerIdentity&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request"})
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>IncompleteSignature</Code>", body)


class StrictAuth(StratusTestCase):
    stratus_args = ("--auth", "strict")

    def test_root_key_pair_works(self):
        self.assertEqual(self.stratus.client("sts").get_caller_identity()["Account"], "000000000000")

    def test_wrong_secret_is_signature_does_not_match(self):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.stratus.client("sts", secret="wrong").get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_unknown_key_is_invalid_client_token_id(self):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.stratus.client("sts", key="AKIANOTKNOWN0000000").get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")

    def test_unsigned_request_is_rejected(self):
        status, _, body = self.stratus.http(
            "POST", "/", body=b"Action=GetCallerIdentity&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        self.assertIn(b"MissingAuthenticationToken", body)

    def test_issued_credentials_verify(self):
        creds = self.stratus.client("sts").assume_role(
            RoleArn="arn:aws:iam::000000000000:role/r", RoleSessionName="strict")["Credentials"]
        ident = self.stratus.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                                    token=creds["SessionToken"]).get_caller_identity()
        self.assertIn("assumed-role/r/strict", ident["Arn"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.stratus.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                                token="not-the-token").get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")

    def test_cli_with_wrong_secret_fails(self):
        cp = self.stratus.aws("sts", "get-caller-identity", secret="nope", check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("SignatureDoesNotMatch", cp.stderr)


if __name__ == "__main__":
    unittest.main()
