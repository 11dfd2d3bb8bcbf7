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


A = ("AKIASMOWNER00000001", "owner-secret", "444444444444")
B = ("AKIASMWRITER0000002", "writer-secret", "555555555555")


class CrossAccountWrites(StratusTestCase):
    """Two --account-key accounts (strict SigV4): the writer changes the owner's secret by its ARN
    when the secret's policy allows it (and the key lets it encrypt), in the owner's account."""
    ephemeral = True
    stratus_args = ("--auth", "strict", "--account-key", ":".join(A), "--account-key", ":".join(B))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = cls.stratus.client("secretsmanager", key=A[0], secret=A[1])
        cls.writer = cls.stratus.client("secretsmanager", key=B[0], secret=B[1])
        kms = cls.stratus.client("kms", key=A[0], secret=A[1])
        cls.key = kms.create_key(Policy=doc(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A[2]}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": B[2]}, "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": "*"}))["KeyMetadata"]

    def share(self, name, actions, key=True):
        arn = self.owner.create_secret(Name=name, SecretString="v1",
                                       **({"KmsKeyId": self.key["Arn"]} if key else {}))["ARN"]
        self.owner.put_resource_policy(SecretId=arn, ResourcePolicy=doc(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B[2]}:root"},
             "Action": [f"secretsmanager:{a}" for a in actions], "Resource": "*"}))
        return arn

    def test_put_secret_value_by_arn(self):
        arn = self.share("w-put", ["PutSecretValue", "GetSecretValue"])
        out = self.writer.put_secret_value(SecretId=arn, SecretString="v2")
        self.assertEqual(out["ARN"], arn)
        self.assertEqual(self.owner.get_secret_value(SecretId="w-put")["SecretString"], "v2")
        self.assertEqual(self.writer.get_secret_value(SecretId=arn)["SecretString"], "v2")
        # The writer's account has no secret of that name: nothing was written there.
        self.assertEqual(error_code(lambda: self.writer.describe_secret(SecretId="w-put")), "ResourceNotFoundException")
        # By name, the writer's own account is meant.
        self.assertEqual(error_code(lambda: self.writer.put_secret_value(SecretId="w-put", SecretString="x")),
                         "ResourceNotFoundException")

    def test_update_secret_and_stages_by_arn(self):
        arn = self.share("w-update", ["UpdateSecret", "UpdateSecretVersionStage", "ListSecretVersionIds",
                                      "TagResource", "DescribeSecret"])
        self.writer.update_secret(SecretId=arn, Description="set by the other account")
        self.assertEqual(self.owner.describe_secret(SecretId="w-update")["Description"], "set by the other account")
        self.writer.update_secret(SecretId=arn, SecretString="v2")
        self.assertEqual(self.owner.get_secret_value(SecretId="w-update")["SecretString"], "v2")
        versions = self.writer.list_secret_version_ids(SecretId=arn)["Versions"]
        self.assertEqual(len(versions), 2)
        prev = [v["VersionId"] for v in versions if "AWSPREVIOUS" in v["VersionStages"]][0]
        cur = [v["VersionId"] for v in versions if "AWSCURRENT" in v["VersionStages"]][0]
        self.writer.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=prev,
                                                RemoveFromVersionId=cur)
        self.assertEqual(self.owner.get_secret_value(SecretId="w-update")["SecretString"], "v1")
        self.writer.tag_resource(SecretId=arn, Tags=[{"Key": "team", "Value": "b"}])
        self.assertEqual(self.owner.describe_secret(SecretId="w-update")["Tags"], [{"Key": "team", "Value": "b"}])

    def test_refused_without_policy_or_key(self):
        arn = self.share("w-read-only", ["GetSecretValue"])
        err = error_response(lambda: self.writer.put_secret_value(SecretId=arn, SecretString="x"))
        self.assertEqual(err["Error"]["Code"], "AccessDeniedException")
        self.assertEqual(err["Error"]["Message"],
                         f"User: arn:aws:iam::{B[2]}:root is not authorized to perform: secretsmanager:PutSecretValue "
                         f"on resource: {arn} because no resource-based policy allows the "
                         "secretsmanager:PutSecretValue action")
        self.assertEqual(self.owner.get_secret_value(SecretId="w-read-only")["SecretString"], "v1")
        # The AWS managed key can't be used by another account: no new value with it.
        arn = self.share("w-managed", ["PutSecretValue", "UpdateSecret"], key=False)
        err = error_response(lambda: self.writer.put_secret_value(SecretId=arn, SecretString="x"))
        self.assertEqual((err["Error"]["Code"], err["Error"]["Message"]),
                         ("AccessDeniedException", "Access to KMS is not allowed"))
        self.writer.update_secret(SecretId=arn, Description="no value, no key needed")
        self.assertEqual(self.owner.describe_secret(SecretId="w-managed")["Description"], "no value, no key needed")

    def test_delete_and_restore_by_arn(self):
        arn = self.share("w-delete", ["DeleteSecret", "RestoreSecret"])
        self.writer.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
        self.assertIn("DeletedDate", self.owner.describe_secret(SecretId="w-delete"))
        self.writer.restore_secret(SecretId=arn)
        self.assertNotIn("DeletedDate", self.owner.describe_secret(SecretId="w-delete"))


class KmsViaService(StratusTestCase):
    """kms:ViaService: Secrets Manager and SSM use a customer managed key for their caller with
    kms:ViaService = <service>.<region>.amazonaws.com; a key policy that lets the account decrypt
    only through Secrets Manager refuses direct Decrypt calls and SSM's."""
    ephemeral = True

    def test_decrypt_only_via_secretsmanager(self):
        kms = self.stratus.client("kms")
        sm = self.stratus.client("secretsmanager")
        ssm = self.stratus.client("ssm")
        root = f"arn:aws:iam::{OWNER}:root"
        key = kms.create_key(Policy=doc(
            {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": root},
             "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:PutKeyPolicy", "kms:Encrypt",
                        "kms:GenerateDataKey*"], "Resource": "*"},
            {"Sid": "via", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com",
                                            "kms:CallerAccount": OWNER}}}))["KeyMetadata"]
        sm.create_secret(Name="via-sm", SecretString="only-through-sm", KmsKeyId=key["Arn"])
        self.assertEqual(sm.get_secret_value(SecretId="via-sm")["SecretString"], "only-through-sm")
        blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"direct")["CiphertextBlob"]
        err = error_response(lambda: kms.decrypt(CiphertextBlob=blob))
        self.assertEqual(err["Error"]["Code"], "AccessDeniedException")
        self.assertEqual(err["Error"]["Message"],
                         f"User: {root} is not authorized to perform: kms:Decrypt on resource: {key['Arn']} "
                         "because no resource-based policy allows the kms:Decrypt action")
        # SSM is another service: its kms:ViaService does not match.
        ssm.put_parameter(Name="/via/p", Value="x", Type="SecureString", KeyId=key["KeyId"])
        self.assertEqual(error_code(lambda: ssm.get_parameter(Name="/via/p", WithDecryption=True)),
                         "AccessDeniedException")
        self.assertNotEqual(ssm.get_parameter(Name="/via/p")["Parameter"]["Value"], "x")
        # The condition keys of the encryption context: only this secret's ARN.
        arn = sm.describe_secret(SecretId="via-sm")["ARN"]
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=doc(
            {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": root},
             "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:PutKeyPolicy", "kms:Encrypt",
                        "kms:GenerateDataKey*"], "Resource": "*"},
            {"Sid": "via", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}},
            {"Sid": "one", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:nope"}}}))
        self.assertEqual(ssm.get_parameter(Name="/via/p", WithDecryption=True)["Parameter"]["Value"], "x")
        err = error_response(lambda: sm.get_secret_value(SecretId="via-sm"))
        self.assertEqual((err["Error"]["Code"], err["Error"]["Message"]),
                         ("AccessDeniedException", "Access to KMS is not allowed"))
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=doc(
            {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:PutKeyPolicy",
             "Resource": "*"},
            {"Sid": "one", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:EncryptionContext:SecretARN": arn}}}))
        self.assertEqual(sm.get_secret_value(SecretId="via-sm")["SecretString"], "only-through-sm")


if __name__ == "__main__":
    unittest.main()
