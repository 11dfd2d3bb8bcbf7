"""Secrets Manager resource policies are evaluated (ops/access.cc): another account reads a secret
by its ARN only when the policy allows it and the secret's customer managed key lets it decrypt;
explicit denies win for everyone; BlockPublicPolicy refuses broad access."""
import json
import unittest

from harness import StratusTestCase, error_code, error_response

OWNER = "000000000000"
OTHER = "111111111111"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class ResourcePolicies(StratusTestCase):
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sm = cls.stratus.client("secretsmanager")
        cls.other = cls.stratus.client("secretsmanager", key=OTHER)
        kms = cls.stratus.client("kms")
        cls.key = kms.create_key(Policy=doc(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWNER}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "kms:Decrypt", "Resource": "*"}))["KeyMetadata"]

    def allow_other(self, arn):
        self.sm.put_resource_policy(SecretId=arn, ResourcePolicy=doc(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
             "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "Resource": "*"}))

    def test_cross_account_read_allowed_by_policy(self):
        arn = self.sm.create_secret(Name="shared", SecretString="s3cr3t", KmsKeyId=self.key["Arn"])["ARN"]
        err = error_response(lambda: self.other.get_secret_value(SecretId=arn))
        self.assertEqual(err["Error"]["Code"], "AccessDeniedException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(err["Error"]["Message"],
                         f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: secretsmanager:GetSecretValue "
                         f"on resource: {arn} because no resource-based policy allows the "
                         "secretsmanager:GetSecretValue action")
        self.allow_other(arn)
        self.assertEqual(self.other.get_secret_value(SecretId=arn)["SecretString"], "s3cr3t")
        self.assertEqual(self.other.describe_secret(SecretId=arn)["Name"], "shared")
        # Only what the policy names; a name (not an ARN) is looked up in the caller's own account.
        self.assertEqual(error_code(lambda: self.other.list_secret_version_ids(SecretId=arn)), "AccessDeniedException")
        self.assertEqual(error_code(lambda: self.other.get_secret_value(SecretId="shared")),
                         "ResourceNotFoundException")
        out = self.other.batch_get_secret_value(SecretIdList=[arn])
        self.assertEqual(out["SecretValues"][0]["SecretString"], "s3cr3t")

    def test_aws_managed_key_is_not_shared(self):
        arn = self.sm.create_secret(Name="managed-key", SecretString="x")["ARN"]
        self.allow_other(arn)
        err = error_response(lambda: self.other.get_secret_value(SecretId=arn))
        self.assertEqual((err["Error"]["Code"], err["Error"]["Message"]),
                         ("AccessDeniedException", "Access to KMS is not allowed"))
        self.assertEqual(self.other.describe_secret(SecretId=arn)["Name"], "managed-key")

    def test_explicit_deny_applies_to_the_owner(self):
        arn = self.sm.create_secret(Name="denied", SecretString="x")["ARN"]
        self.sm.put_resource_policy(SecretId=arn, ResourcePolicy=doc(
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
        err = error_response(lambda: self.sm.get_secret_value(SecretId="denied"))
        self.assertEqual(err["Error"]["Code"], "AccessDeniedException")
        self.assertTrue(err["Error"]["Message"].endswith("with an explicit deny in a resource-based policy"))
        self.sm.describe_secret(SecretId="denied")
        self.sm.delete_resource_policy(SecretId="denied")
        self.assertEqual(self.sm.get_secret_value(SecretId="denied")["SecretString"], "x")

    def test_block_public_policy(self):
        self.sm.create_secret(Name="public", SecretString="x")
        public = doc({"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"})
        self.assertEqual(error_code(lambda: self.sm.put_resource_policy(SecretId="public", ResourcePolicy=public,
                                                                        BlockPublicPolicy=True)),
                         "PublicPolicyException")
        narrowed = doc({"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue",
                        "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": OTHER}}})
        self.sm.put_resource_policy(SecretId="public", ResourcePolicy=narrowed, BlockPublicPolicy=True)
        self.assertEqual(error_code(lambda: self.sm.put_resource_policy(SecretId="public", ResourcePolicy="{nope")),
                         "MalformedPolicyDocumentException")
        v = self.sm.validate_resource_policy(ResourcePolicy=public)
        self.assertFalse(v["PolicyValidationPassed"])


if __name__ == "__main__":
    unittest.main()
