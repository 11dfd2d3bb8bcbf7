"""AWS Secrets Manager through boto3 and the aws CLI: secrets, values, versions and staging
labels, deletion and restore, idempotency tokens, ListSecrets/BatchGetSecretValue filters and
pagination, GetRandomPassword, resource policies, tags, replication records, and AWS's errors."""
import base64
import json
import os
import re
import string
import subprocess
import tempfile
import time
import unittest
import uuid

import botocore.exceptions

from harness import Stratus, StratusTestCase, collect_sqs


def err(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None


class Secrets(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.sm = self.stratus.client("secretsmanager")

    def test_create_get_and_arn(self):
        out = self.sm.create_secret(Name="app/db-password", SecretString="s3cr3t", Description="db")
        self.assertRegex(out["ARN"], r"^arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-password-[A-Za-z0-9]{6}$")
        self.assertEqual(out["Name"], "app/db-password")
        v = self.sm.get_secret_value(SecretId="app/db-password")
        self.assertEqual((v["SecretString"], v["VersionId"], v["VersionStages"]), ("s3cr3t", out["VersionId"], ["AWSCURRENT"]))
        self.assertNotIn("SecretBinary", v)
        # The full ARN and the partial ARN (without the random suffix) find it.
        self.assertEqual(self.sm.get_secret_value(SecretId=out["ARN"])["SecretString"], "s3cr3t")
        self.assertEqual(self.sm.get_secret_value(SecretId=out["ARN"][:-7])["SecretString"], "s3cr3t")
        self.assertEqual(err(lambda: self.sm.get_secret_value(SecretId=out["ARN"][:-6] + "zzzzzz")),
                         ("ResourceNotFoundException", "Secrets Manager can't find the specified secret."))
        d = self.sm.describe_secret(SecretId="app/db-password")
        self.assertEqual(d["Description"], "db")
        self.assertEqual(d["VersionIdsToStages"], {out["VersionId"]: ["AWSCURRENT"]})
        self.assertNotIn("RotationEnabled", d)
        self.assertNotIn("KmsKeyId", d)
        self.assertIn("LastAccessedDate", d)
        # A re-created secret gets a new ARN.
        self.sm.delete_secret(SecretId="app/db-password", ForceDeleteWithoutRecovery=True)
        again = self.sm.create_secret(Name="app/db-password", SecretString="x")
        self.assertNotEqual(again["ARN"], out["ARN"])
        self.assertEqual(err(lambda: self.sm.get_secret_value(SecretId=out["ARN"]))[0], "ResourceNotFoundException")

    def test_create_errors(self):
        self.sm.create_secret(Name="dup", SecretString="a")
        self.assertEqual(err(lambda: self.sm.create_secret(Name="dup", SecretString="b")),
                         ("ResourceExistsException", "The operation failed because the secret dup already exists."))
        self.assertEqual(err(lambda: self.sm.create_secret(Name="both", SecretString="a", SecretBinary=b"b")),
                         ("InvalidParameterException",
                          "You can't specify both a binary secret value and a string secret value in the same secret."))
        code, msg = err(lambda: self.sm.create_secret(Name="bad name!", SecretString="a"))
        self.assertEqual(code, "InvalidParameterException")
        self.assertTrue(msg.startswith("Invalid name."))
        self.assertEqual(err(lambda: self.sm.get_secret_value(SecretId="missing"))[0], "ResourceNotFoundException")
        self.assertEqual(err(lambda: self.sm.describe_secret(SecretId="missing"))[0], "ResourceNotFoundException")

    def test_binary_secret(self):
        blob = bytes(range(256))
        self.sm.create_secret(Name="bin", SecretBinary=blob)
        v = self.sm.get_secret_value(SecretId="bin")
        self.assertEqual(v["SecretBinary"], blob)
        self.assertNotIn("SecretString", v)
        self.sm.put_secret_value(SecretId="bin", SecretString="now a string")
        self.assertEqual(self.sm.get_secret_value(SecretId="bin")["SecretString"], "now a string")

    def test_secret_without_value(self):
        self.sm.create_secret(Name="empty")
        self.assertEqual(err(lambda: self.sm.get_secret_value(SecretId="empty")),
                         ("ResourceNotFoundException",
                          "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"))
        self.assertEqual(err(lambda: self.sm.put_secret_value(SecretId="empty")),
                         ("InvalidRequestException", "You must provide either SecretString or SecretBinary."))

    def test_versions_and_stages(self):
        v1 = self.sm.create_secret(Name="ver", SecretString="one")["VersionId"]
        v2 = self.sm.put_secret_value(SecretId="ver", SecretString="two")
        self.assertEqual(v2["VersionStages"], ["AWSCURRENT"])
        v2 = v2["VersionId"]
        self.assertEqual(self.sm.get_secret_value(SecretId="ver", VersionStage="AWSPREVIOUS")["SecretString"], "one")
        self.assertEqual(self.sm.get_secret_value(SecretId="ver", VersionId=v1)["VersionStages"], ["AWSPREVIOUS"])
        # A custom label and AWSPENDING.
        v3 = self.sm.put_secret_value(SecretId="ver", SecretString="three", VersionStages=["AWSPENDING", "blue"])
        self.assertEqual(sorted(v3["VersionStages"]), ["AWSPENDING", "blue"])
        v3 = v3["VersionId"]
        self.assertEqual(self.sm.get_secret_value(SecretId="ver")["SecretString"], "two")
        self.assertEqual(self.sm.get_secret_value(SecretId="ver", VersionStage="blue")["SecretString"], "three")
        self.assertEqual(err(lambda: self.sm.get_secret_value(SecretId="ver", VersionId=v3, VersionStage="AWSCURRENT")),
                         ("InvalidRequestException",
                          "You provided a VersionStage that is not associated to the provided VersionId."))
        self.assertEqual(err(lambda: self.sm.get_secret_value(SecretId="ver", VersionStage="nope")),
                         ("ResourceNotFoundException",
                          "Secrets Manager can't find the specified secret value for staging label: nope"))
        missing = str(uuid.uuid4())
        self.assertEqual(err(lambda: self.sm.get_secret_value(SecretId="ver", VersionId=missing)),
                         ("ResourceNotFoundException",
                          "Secrets Manager can't find the specified secret value for VersionId: " + missing))
        # Moving AWSCURRENT needs RemoveFromVersionId naming its holder; AWSPREVIOUS follows.
        code, msg = err(lambda: self.sm.update_secret_version_stage(SecretId="ver", VersionStage="AWSCURRENT",
                                                                    MoveToVersionId=v3))
        self.assertEqual(code, "InvalidParameterException")
        self.assertIn("RemoveFromVersionId", msg)
        self.sm.update_secret_version_stage(SecretId="ver", VersionStage="AWSCURRENT", MoveToVersionId=v3,
                                            RemoveFromVersionId=v2)
        stages = self.sm.describe_secret(SecretId="ver")["VersionIdsToStages"]
        self.assertEqual(sorted(stages[v3]), ["AWSCURRENT", "AWSPENDING", "blue"])
        self.assertEqual(stages[v2], ["AWSPREVIOUS"])
        self.assertNotIn(v1, stages)  # deprecated: no label left
        self.sm.update_secret_version_stage(SecretId="ver", VersionStage="blue", RemoveFromVersionId=v3)
        ids = self.sm.list_secret_version_ids(SecretId="ver")["Versions"]
        self.assertEqual(sorted(v["VersionId"] for v in ids), sorted([v2, v3]))
        self.assertEqual({v["VersionId"] for v in ids if "AWSCURRENT" in v["VersionStages"]}, {v3})
        self.assertEqual(ids[0]["KmsKeyIds"], ["DefaultEncryptionKey"])
        all_ids = self.sm.list_secret_version_ids(SecretId="ver", IncludeDeprecated=True)["Versions"]
        self.assertEqual(sorted(v["VersionId"] for v in all_ids), sorted([v1, v2, v3]))
        self.assertNotIn("VersionStages", [v for v in all_ids if v["VersionId"] == v1][0])
        page = self.sm.list_secret_version_ids(SecretId="ver", IncludeDeprecated=True, MaxResults=2)
        self.assertEqual(len(page["Versions"]), 2)
        rest = self.sm.list_secret_version_ids(SecretId="ver", IncludeDeprecated=True, NextToken=page["NextToken"])
        self.assertEqual(len(rest["Versions"]), 1)
        self.assertNotIn("NextToken", rest)

    def test_client_request_token_idempotency(self):
        t = str(uuid.uuid4())
        a = self.sm.create_secret(Name="idem", SecretString="v", ClientRequestToken=t)
        # The same token and value again: the same answer.
        b = self.sm.create_secret(Name="idem", SecretString="v", ClientRequestToken=t)
        self.assertEqual((a["ARN"], a["VersionId"]), (b["ARN"], b["VersionId"]))
        self.assertEqual(err(lambda: self.sm.create_secret(Name="idem", SecretString="other", ClientRequestToken=t)),
                         ("ResourceExistsException",
                          "You can't modify an existing version, you can only create a new version."))
        t2 = str(uuid.uuid4())
        self.sm.put_secret_value(SecretId="idem", SecretString="v2", ClientRequestToken=t2)
        again = self.sm.put_secret_value(SecretId="idem", SecretString="v2", ClientRequestToken=t2)
        self.assertEqual(again["VersionId"], t2)
        self.assertEqual(len(self.sm.list_secret_version_ids(SecretId="idem")["Versions"]), 2)
        self.assertEqual(err(lambda: self.sm.put_secret_value(SecretId="idem", SecretString="v3", ClientRequestToken=t2))[0],
                         "ResourceExistsException")
        self.assertEqual(err(lambda: self.sm.put_secret_value(SecretId="idem", SecretBinary=b"v2", ClientRequestToken=t2))[0],
                         "ResourceExistsException")

    def test_update_secret(self):
        self.sm.create_secret(Name="upd", SecretString="a", Description="first")
        out = self.sm.update_secret(SecretId="upd", Description="second")
        self.assertNotIn("VersionId", out)
        self.assertEqual(self.sm.describe_secret(SecretId="upd")["Description"], "second")
        key = self.stratus.client("kms").create_key()["KeyMetadata"]["Arn"]
        out = self.sm.update_secret(SecretId="upd", SecretString="b", KmsKeyId=key)
        self.assertEqual(self.sm.get_secret_value(SecretId="upd")["SecretString"], "b")
        self.assertEqual(self.sm.get_secret_value(SecretId="upd", VersionStage="AWSPREVIOUS")["SecretString"], "a")
        self.assertEqual(self.sm.describe_secret(SecretId="upd")["KmsKeyId"], key)
        # The previous version, encrypted under the default key, still reads.
        self.assertEqual(self.sm.get_secret_value(SecretId="upd", VersionStage="AWSPREVIOUS")["SecretString"], "a")

    def test_delete_and_restore(self):
        self.sm.create_secret(Name="del", SecretString="a")
        self.assertEqual(err(lambda: self.sm.delete_secret(SecretId="del", RecoveryWindowInDays=6)),
                         ("InvalidParameterException",
                          "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."))
        self.assertEqual(err(lambda: self.sm.delete_secret(SecretId="del", RecoveryWindowInDays=31))[0],
                         "InvalidParameterException")
        self.assertEqual(err(lambda: self.sm.delete_secret(SecretId="del", RecoveryWindowInDays=7,
                                                           ForceDeleteWithoutRecovery=True)),
                         ("InvalidParameterException",
                          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."))
        before = time.time()
        out = self.sm.delete_secret(SecretId="del", RecoveryWindowInDays=7)
        self.assertAlmostEqual(out["DeletionDate"].timestamp(), before + 7 * 86400, delta=60)
        marked = ("InvalidRequestException",
                  "You can't perform this operation on the secret because it was marked for deletion.")
        self.assertEqual(err(lambda: self.sm.get_secret_value(SecretId="del")), marked)
        self.assertEqual(err(lambda: self.sm.put_secret_value(SecretId="del", SecretString="b")), marked)
        self.assertEqual(err(lambda: self.sm.update_secret(SecretId="del", Description="x")), marked)
        self.assertEqual(err(lambda: self.sm.delete_secret(SecretId="del")), marked)
        self.assertEqual(err(lambda: self.sm.create_secret(Name="del", SecretString="c")),
                         ("InvalidRequestException",
                          "You can't create this secret because a secret with this name is already scheduled for deletion."))
        self.assertIn("DeletedDate", self.sm.describe_secret(SecretId="del"))
        names = [s["Name"] for s in self.sm.list_secrets()["SecretList"]]
        self.assertNotIn("del", names)
        names = [s["Name"] for s in self.sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]]
        self.assertIn("del", names)
        self.sm.restore_secret(SecretId="del")
        self.assertEqual(self.sm.get_secret_value(SecretId="del")["SecretString"], "a")
        self.assertNotIn("DeletedDate", self.sm.describe_secret(SecretId="del"))
        self.sm.delete_secret(SecretId="del", ForceDeleteWithoutRecovery=True)
        self.assertEqual(err(lambda: self.sm.describe_secret(SecretId="del"))[0], "ResourceNotFoundException")
        # Force-deleting what doesn't exist is not an error.
        out = self.sm.delete_secret(SecretId="never-existed", ForceDeleteWithoutRecovery=True)
        self.assertEqual(out["Name"], "never-existed")
        self.assertEqual(err(lambda: self.sm.delete_secret(SecretId="never-existed"))[0], "ResourceNotFoundException")
        self.assertEqual(err(lambda: self.sm.restore_secret(SecretId="never-existed"))[0], "ResourceNotFoundException")

    def test_list_filters_and_pagination(self):
        for i in range(5):
            self.sm.create_secret(Name=f"list/svc-{i}", SecretString="x", Description=f"Service number {i}",
                                  Tags=[{"Key": "team", "Value": "blue" if i % 2 else "red"}])
        self.sm.create_secret(Name="other/thing", SecretString="x", Tags=[{"Key": "env", "Value": "prod"}])

        def names(**kw):
            return sorted(s["Name"] for s in self.sm.list_secrets(**kw)["SecretList"])
        self.assertEqual(names(Filters=[{"Key": "name", "Values": ["list/"]}]), [f"list/svc-{i}" for i in range(5)])
        self.assertEqual(names(Filters=[{"Key": "name", "Values": ["LIST/"]}]), [])
        self.assertEqual(names(Filters=[{"Key": "description", "Values": ["service NUMBER 3"]}]), ["list/svc-3"])
        self.assertEqual(names(Filters=[{"Key": "tag-value", "Values": ["blue"]}]), ["list/svc-1", "list/svc-3"])
        self.assertEqual(names(Filters=[{"Key": "tag-key", "Values": ["env"]}]), ["other/thing"])
        self.assertEqual(names(Filters=[{"Key": "name", "Values": ["list/"]}, {"Key": "tag-value", "Values": ["!blue"]}]),
                         ["list/svc-0", "list/svc-2", "list/svc-4"])
        self.assertEqual(names(Filters=[{"Key": "all", "Values": ["prod"]}]), ["other/thing"])
        self.assertEqual(names(Filters=[{"Key": "name", "Values": ["other", "list/svc-4"]}]), ["list/svc-4", "other/thing"])
        seen, token = [], None
        while True:
            page = self.sm.list_secrets(MaxResults=2, Filters=[{"Key": "name", "Values": ["list/"]}],
                                        **({"NextToken": token} if token else {}))
            self.assertLessEqual(len(page["SecretList"]), 2)
            seen += [s["Name"] for s in page["SecretList"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(sorted(seen), [f"list/svc-{i}" for i in range(5)])
        self.assertEqual(len(seen), 5)
        ordered = [s["Name"] for s in self.sm.list_secrets(SortBy="name", SortOrder="desc",
                                                           Filters=[{"Key": "name", "Values": ["list/"]}])["SecretList"]]
        self.assertEqual(ordered, [f"list/svc-{i}" for i in reversed(range(5))])
        self.assertEqual(err(lambda: self.sm.list_secrets(NextToken="garbage!"))[0], "InvalidNextTokenException")
        # boto3's paginator drives NextToken too.
        pages = self.sm.get_paginator("list_secrets").paginate(PaginationConfig={"PageSize": 3})
        self.assertGreaterEqual(sum(len(p["SecretList"]) for p in pages), 6)

    def test_batch_get_secret_value(self):
        self.sm.create_secret(Name="batch/a", SecretString="A")
        self.sm.create_secret(Name="batch/b", SecretBinary=b"B")
        self.sm.create_secret(Name="batch/gone", SecretString="G")
        self.sm.delete_secret(SecretId="batch/gone")
        out = self.sm.batch_get_secret_value(SecretIdList=["batch/a", "batch/b", "batch/missing", "batch/gone"])
        vals = {v["Name"]: v for v in out["SecretValues"]}
        self.assertEqual(vals["batch/a"]["SecretString"], "A")
        self.assertEqual(vals["batch/b"]["SecretBinary"], b"B")
        errors = {e["SecretId"]: e["ErrorCode"] for e in out["Errors"]}
        self.assertEqual(errors, {"batch/missing": "ResourceNotFoundException", "batch/gone": "InvalidRequestException"})
        out = self.sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["batch/"]}], MaxResults=1)
        self.assertEqual(len(out["SecretValues"]), 1)
        out2 = self.sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["batch/"]}], NextToken=out["NextToken"])
        self.assertEqual(len(out2["SecretValues"]), 1)
        self.assertEqual(err(lambda: self.sm.batch_get_secret_value(SecretIdList=["a"], Filters=[{"Key": "name", "Values": ["b"]}]))[0],
                         "InvalidParameterException")
        self.assertEqual(err(lambda: self.sm.batch_get_secret_value())[0], "InvalidParameterException")

    def test_random_password(self):
        pw = self.sm.get_random_password()["RandomPassword"]
        self.assertEqual(len(pw), 32)
        for cls in (string.ascii_lowercase, string.ascii_uppercase, string.digits, string.punctuation):
            self.assertTrue(any(c in cls for c in pw), cls)
        self.assertNotIn(" ", pw)
        for _ in range(20):
            pw = self.sm.get_random_password(PasswordLength=12, ExcludePunctuation=True, ExcludeCharacters="abcXYZ0")["RandomPassword"]
            self.assertEqual(len(pw), 12)
            self.assertFalse(set(pw) & set(string.punctuation + "abcXYZ0"))
        pw = self.sm.get_random_password(PasswordLength=50, ExcludeNumbers=True, ExcludeUppercase=True,
                                         ExcludeLowercase=True)["RandomPassword"]
        self.assertTrue(set(pw) <= set(string.punctuation))
        pw = self.sm.get_random_password(PasswordLength=4, ExcludeNumbers=True, ExcludeUppercase=True,
                                         ExcludeLowercase=True, ExcludePunctuation=True, IncludeSpace=True)["RandomPassword"]
        self.assertEqual(pw, "    ")
        pw = self.sm.get_random_password(PasswordLength=200, IncludeSpace=True)["RandomPassword"]
        self.assertIn(" ", pw)
        self.assertEqual(len(self.sm.get_random_password(PasswordLength=4096)["RandomPassword"]), 4096)
        self.assertEqual(len(self.sm.get_random_password(PasswordLength=1, RequireEachIncludedType=False)["RandomPassword"]), 1)
        self.assertEqual(err(lambda: self.sm.get_random_password(PasswordLength=3))[0], "InvalidParameterException")
        self.assertEqual(err(lambda: self.sm.get_random_password(ExcludeNumbers=True, ExcludeUppercase=True,
                                                                 ExcludeLowercase=True, ExcludePunctuation=True))[0],
                         "InvalidParameterException")

    def test_resource_policy(self):
        self.sm.create_secret(Name="pol", SecretString="x")
        self.assertNotIn("ResourcePolicy", self.sm.get_resource_policy(SecretId="pol"))
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                           "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
        self.sm.put_resource_policy(SecretId="pol", ResourcePolicy=json.dumps(policy), BlockPublicPolicy=True)
        self.assertEqual(json.loads(self.sm.get_resource_policy(SecretId="pol")["ResourcePolicy"]), policy)
        public = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                           "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
        self.assertEqual(err(lambda: self.sm.put_resource_policy(SecretId="pol", ResourcePolicy=json.dumps(public),
                                                                 BlockPublicPolicy=True)),
                         ("PublicPolicyException",
                          "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret."))
        self.sm.put_resource_policy(SecretId="pol", ResourcePolicy=json.dumps(public))
        self.assertEqual(err(lambda: self.sm.put_resource_policy(SecretId="pol", ResourcePolicy="{not json"))[0],
                         "MalformedPolicyDocumentException")
        v = self.sm.validate_resource_policy(ResourcePolicy=json.dumps(policy))
        self.assertTrue(v["PolicyValidationPassed"])
        v = self.sm.validate_resource_policy(SecretId="pol", ResourcePolicy=json.dumps(public))
        self.assertFalse(v["PolicyValidationPassed"])
        self.assertEqual(len(v["ValidationErrors"]), 1)
        self.sm.delete_resource_policy(SecretId="pol")
        self.assertNotIn("ResourcePolicy", self.sm.get_resource_policy(SecretId="pol"))
        self.assertEqual(err(lambda: self.sm.get_resource_policy(SecretId="nope"))[0], "ResourceNotFoundException")

    def test_tags(self):
        self.sm.create_secret(Name="tags", SecretString="x", Tags=[{"Key": "a", "Value": "1"}])
        self.sm.tag_resource(SecretId="tags", Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
        self.assertEqual(self.sm.describe_secret(SecretId="tags")["Tags"], [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}])
        self.sm.untag_resource(SecretId="tags", TagKeys=["a"])
        self.assertEqual(self.sm.describe_secret(SecretId="tags")["Tags"], [{"Key": "b", "Value": "2"}])
        self.assertEqual(err(lambda: self.sm.tag_resource(SecretId="tags", Tags=[{"Key": "aws:x", "Value": "1"}]))[0],
                         "InvalidParameterException")
        self.assertEqual(err(lambda: self.sm.tag_resource(SecretId="nope", Tags=[]))[0], "ResourceNotFoundException")

    def test_replication_described(self):
        out = self.sm.create_secret(Name="rep", SecretString="x", AddReplicaRegions=[{"Region": "eu-west-1"}])
        self.assertEqual(out["ReplicationStatus"][0]["Region"], "eu-west-1")
        self.assertEqual(out["ReplicationStatus"][0]["Status"], "InSync")
        west_key = self.stratus.client("kms", region="us-west-2").create_key()["KeyMetadata"]["Arn"]
        out = self.sm.replicate_secret_to_regions(SecretId="rep", AddReplicaRegions=[{"Region": "us-west-2", "KmsKeyId": west_key}])
        self.assertEqual([r["Region"] for r in out["ReplicationStatus"]], ["eu-west-1", "us-west-2"])
        d = self.sm.describe_secret(SecretId="rep")
        self.assertEqual(d["PrimaryRegion"], "us-east-1")
        self.assertEqual([(r["Region"], r.get("KmsKeyId")) for r in d["ReplicationStatus"]],
                         [("eu-west-1", None), ("us-west-2", west_key)])
        code, _ = err(lambda: self.sm.delete_secret(SecretId="rep"))
        self.assertEqual(code, "InvalidRequestException")
        out = self.sm.remove_regions_from_replication(SecretId="rep", RemoveReplicaRegions=["eu-west-1"])
        self.assertEqual([r["Region"] for r in out["ReplicationStatus"]], ["us-west-2"])
        self.assertEqual(err(lambda: self.sm.remove_regions_from_replication(SecretId="rep", RemoveReplicaRegions=["ap-south-1"]))[0],
                         "InvalidParameterException")
        self.assertEqual(err(lambda: self.sm.replicate_secret_to_regions(SecretId="rep", AddReplicaRegions=[{"Region": "us-east-1"}]))[0],
                         "InvalidParameterException")
        self.assertEqual(err(lambda: self.sm.stop_replication_to_replica(SecretId="rep"))[0], "InvalidRequestException")
        # The replica answers in its Region, under the same name and suffix, with the primary's value.
        west = self.stratus.client("secretsmanager", region="us-west-2")
        arn = self.sm.describe_secret(SecretId="rep")["ARN"]
        got = west.get_secret_value(SecretId="rep")
        self.assertEqual(got["SecretString"], "x")
        self.assertEqual(got["ARN"], arn.replace(":us-east-1:", ":us-west-2:"))
        self.assertEqual(west.describe_secret(SecretId=got["ARN"])["PrimaryRegion"], "us-east-1")
        self.assertNotIn("ReplicationStatus", west.describe_secret(SecretId="rep"))
        self.sm.put_secret_value(SecretId="rep", SecretString="y")
        self.assertEqual(west.get_secret_value(SecretId="rep")["SecretString"], "y")
        self.assertIn("rep", [x["Name"] for x in west.list_secrets()["SecretList"]])
        self.assertEqual(err(lambda: west.put_secret_value(SecretId="rep", SecretString="z")),
                         ("InvalidRequestException",
                          "Operation not permitted on a replica secret. Call must be made in primary secret's region."))
        self.assertEqual(err(lambda: west.delete_secret(SecretId="rep"))[0], "InvalidRequestException")
        # The removed Region no longer has it.
        eu = self.stratus.client("secretsmanager", region="eu-west-1")
        self.assertEqual(err(lambda: eu.get_secret_value(SecretId="rep"))[0], "ResourceNotFoundException")
        # A name taken in the target Region fails that Region's replication.
        eu.create_secret(Name="rep", SecretString="local")
        out = self.sm.replicate_secret_to_regions(SecretId="rep", AddReplicaRegions=[{"Region": "eu-west-1"}])
        status = {r["Region"]: r["Status"] for r in out["ReplicationStatus"]}
        self.assertEqual(status, {"us-west-2": "InSync", "eu-west-1": "Failed"})
        self.assertEqual(eu.get_secret_value(SecretId="rep")["SecretString"], "local")
        self.sm.remove_regions_from_replication(SecretId="rep", RemoveReplicaRegions=["eu-west-1"])
        self.assertEqual(eu.get_secret_value(SecretId="rep")["SecretString"], "local")
        # Promotion: the replica becomes a secret of its own with the values it had.
        self.assertEqual(west.stop_replication_to_replica(SecretId="rep")["ARN"], got["ARN"])
        self.assertNotIn("ReplicationStatus", self.sm.describe_secret(SecretId="rep"))
        west.put_secret_value(SecretId="rep", SecretString="west-only")
        self.assertEqual(west.get_secret_value(SecretId="rep")["SecretString"], "west-only")
        self.assertEqual(west.get_secret_value(SecretId="rep", VersionStage="AWSPREVIOUS")["SecretString"], "y")
        self.assertEqual(self.sm.get_secret_value(SecretId="rep")["SecretString"], "y")
        self.sm.delete_secret(SecretId="rep", ForceDeleteWithoutRecovery=True)
        self.assertEqual(west.get_secret_value(SecretId="rep")["SecretString"], "west-only")

    def test_rotation_errors(self):
        self.sm.create_secret(Name="rot-err", SecretString="x")
        self.assertEqual(err(lambda: self.sm.rotate_secret(SecretId="rot-err")),
                         ("InvalidRequestException", "No Lambda rotation function ARN is associated with this secret."))
        code, msg = err(lambda: self.sm.rotate_secret(SecretId="rot-err", RotationLambdaARN="arn:aws:lambda:us-east-1:000000000000:function:nope"))
        self.assertEqual(code, "AccessDeniedException")
        self.assertIn("cannot invoke the specified Lambda function", msg)
        for rules in ({"AutomaticallyAfterDays": 1, "ScheduleExpression": "rate(1 days)"},
                      {"ScheduleExpression": "rate(2 hours)"},
                      {"ScheduleExpression": "rate(5 minutes)"},
                      {"ScheduleExpression": "cron(5 8 * * ? *)"},
                      {"ScheduleExpression": "cron(0 8 * * ? 2030)"},
                      {"ScheduleExpression": "cron(0 8 * * * *)"},
                      {"ScheduleExpression": "rate(4 hours)", "Duration": "5h"},
                      {"ScheduleExpression": "rate(1 days)", "Duration": "3x"}):
            self.assertEqual(err(lambda: self.sm.rotate_secret(SecretId="rot-err", RotationLambdaARN="fn", RotationRules=rules))[0],
                             "InvalidParameterException", rules)

    def test_aws_cli(self):
        s = self.stratus
        out = s.aws("secretsmanager", "create-secret", "--name", "cli/secret", "--secret-string", '{"user":"u","pass":"p"}')
        self.assertTrue(out["ARN"].startswith("arn:aws:secretsmanager:us-east-1:000000000000:secret:cli/secret-"))
        got = s.aws("secretsmanager", "get-secret-value", "--secret-id", "cli/secret")
        self.assertEqual(json.loads(got["SecretString"]), {"user": "u", "pass": "p"})
        text = s.aws("secretsmanager", "get-secret-value", "--secret-id", "cli/secret", "--query", "SecretString", "--output", "text")
        self.assertEqual(text if isinstance(text, dict) else json.loads(text), {"user": "u", "pass": "p"})
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(b"\x00\x01binary\xff")
        try:
            s.aws("secretsmanager", "create-secret", "--name", "cli/bin", "--secret-binary", "fileb://" + f.name)
        finally:
            os.unlink(f.name)
        got = s.aws("secretsmanager", "get-secret-value", "--secret-id", "cli/bin")
        self.assertEqual(base64.b64decode(got["SecretBinary"]), b"\x00\x01binary\xff")
        lst = s.aws("secretsmanager", "list-secrets", "--filters", "Key=name,Values=cli/")
        self.assertEqual(sorted(x["Name"] for x in lst["SecretList"]), ["cli/bin", "cli/secret"])
        cp = s.aws("secretsmanager", "get-secret-value", "--secret-id", "cli/none", check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("ResourceNotFoundException", cp.stderr)
        self.assertIn("Secrets Manager can't find the specified secret.", cp.stderr)
        pw = s.aws("secretsmanager", "get-random-password", "--password-length", "16", "--exclude-punctuation")
        self.assertEqual(len(pw["RandomPassword"]), 16)
        s.aws("secretsmanager", "delete-secret", "--secret-id", "cli/bin", "--force-delete-without-recovery")


NODE_SDK = "/usr/local/lib/stratus/nodejs/node_modules"
JS_CLIENT = r"""
const sm = require('@aws-sdk/client-secrets-manager');
(async () => {
  const c = new sm.SecretsManagerClient({endpoint: process.env.ENDPOINT, region: 'us-east-1',
    credentials: {accessKeyId: 'test', secretAccessKey: 'test'}});
  const made = await c.send(new sm.CreateSecretCommand({Name: 'js/secret', SecretString: 'from-js'}));
  await c.send(new sm.PutSecretValueCommand({SecretId: made.ARN, SecretBinary: Buffer.from([0, 1, 2])}));
  const cur = await c.send(new sm.GetSecretValueCommand({SecretId: 'js/secret'}));
  const prev = await c.send(new sm.GetSecretValueCommand({SecretId: 'js/secret', VersionStage: 'AWSPREVIOUS'}));
  let code = null;
  try { await c.send(new sm.GetSecretValueCommand({SecretId: 'js/none'})); } catch (e) { code = e.name + ': ' + e.message; }
  const list = await c.send(new sm.ListSecretsCommand({Filters: [{Key: 'name', Values: ['js/']}]}));
  console.log(JSON.stringify({arn: made.ARN, binary: Array.from(cur.SecretBinary), prev: prev.SecretString, code,
                              names: list.SecretList.map(s => s.Name)}));
})().catch(e => { console.error(e); process.exit(1); });
"""


class JavaScriptSdk(StratusTestCase):
    """The AWS SDK for JavaScript v3 (@aws-sdk/client-secrets-manager, tools/deps.sh)."""
    ephemeral = True

    @unittest.skipUnless(os.path.isdir(NODE_SDK + "/@aws-sdk/client-secrets-manager"), "AWS SDK for JS not installed")
    def test_js_client(self):
        env = dict(os.environ, NODE_PATH=NODE_SDK, ENDPOINT=self.stratus.endpoint)
        cp = subprocess.run(["node", "-e", JS_CLIENT], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        out = json.loads(cp.stdout)
        self.assertRegex(out["arn"], r":secret:js/secret-[A-Za-z0-9]{6}$")
        self.assertEqual(out["binary"], [0, 1, 2])
        self.assertEqual(out["prev"], "from-js")
        self.assertEqual(out["code"], "ResourceNotFoundException: Secrets Manager can't find the specified secret.")
        self.assertEqual(out["names"], ["js/secret"])


class WithKms(StratusTestCase):
    """Values are encrypted with KMS: the secret's KmsKeyId or the AWS managed aws/secretsmanager."""
    ephemeral = True

    def setUp(self):
        self.sm = self.stratus.client("secretsmanager")
        self.kms = self.stratus.client("kms")

    def test_default_key_created_on_first_use(self):
        self.sm.create_secret(Name="default-key", SecretString="v")
        meta = self.kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
        self.assertEqual(meta["KeyManager"], "AWS")
        self.assertEqual(self.sm.get_secret_value(SecretId="default-key")["SecretString"], "v")
        self.assertNotIn("KmsKeyId", self.sm.describe_secret(SecretId="default-key"))

    def test_customer_key_disabled(self):
        key = self.kms.create_key()["KeyMetadata"]
        self.sm.create_secret(Name="cmk", SecretString="v1", KmsKeyId=key["KeyId"])
        self.assertEqual(self.sm.describe_secret(SecretId="cmk")["KmsKeyId"], key["KeyId"])
        self.assertEqual(self.sm.list_secret_version_ids(SecretId="cmk")["Versions"][0]["KmsKeyIds"], [key["Arn"]])
        self.kms.disable_key(KeyId=key["KeyId"])
        self.assertEqual(err(lambda: self.sm.get_secret_value(SecretId="cmk"))[0], "DecryptionFailure")
        self.assertEqual(err(lambda: self.sm.put_secret_value(SecretId="cmk", SecretString="v2"))[0], "EncryptionFailure")
        self.kms.enable_key(KeyId=key["KeyId"])
        self.sm.put_secret_value(SecretId="cmk", SecretString="v2")
        self.assertEqual(self.sm.get_secret_value(SecretId="cmk")["SecretString"], "v2")
        self.assertEqual(err(lambda: self.sm.create_secret(Name="badkey", SecretString="v", KmsKeyId="alias/none"))[0],
                         "EncryptionFailure")


class WithoutKms(StratusTestCase):
    """Secrets Manager alone: values are sealed with the data-directory key."""
    stratus_args = ("--services", "secretsmanager")

    def test_values_without_kms(self):
        sm = self.stratus.client("secretsmanager")
        sm.create_secret(Name="alone", SecretString="solo-plaintext-value")
        self.assertEqual(sm.get_secret_value(SecretId="alone")["SecretString"], "solo-plaintext-value")
        for root, _, files in os.walk(self.stratus.data_dir):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    self.assertNotIn(b"solo-plaintext-value", fh.read())


if __name__ == "__main__":
    unittest.main()


class SecretsEvents(StratusTestCase):
    """Secrets Manager's CloudTrail events on the default bus, through a rule with an SQS target."""
    ephemeral = True

    def test_api_call_events_reach_a_rule_without_secret_values(self):
        sm, ev, sqs = (self.stratus.client(s) for s in ("secretsmanager", "events", "sqs"))
        url = sqs.create_queue(QueueName="sm-events")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        ev.put_rule(Name="sm-calls", EventPattern=json.dumps({
            "source": ["aws.secretsmanager"], "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventSource": ["secretsmanager.amazonaws.com"]}}))
        ev.put_targets(Rule="sm-calls", Targets=[{"Id": "q", "Arn": qarn}])
        created = sm.create_secret(Name="evented", SecretString="first-very-secret", Description="d")
        sm.get_secret_value(SecretId="evented")  # a read: no event
        put = sm.put_secret_value(SecretId="evented", SecretString="second-very-secret")
        sm.tag_resource(SecretId="evented", Tags=[{"Key": "team", "Value": "payments"}])
        deleted = sm.delete_secret(SecretId="evented", RecoveryWindowInDays=7)
        sm.restore_secret(SecretId="evented")
        self.assertEqual(err(lambda: sm.put_secret_value(SecretId="nope", SecretString="x"))[0],
                         "ResourceNotFoundException")  # a failed call: no event
        bodies = []
        deadline = time.time() + 15
        while len(bodies) < 5 and time.time() < deadline:
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
                bodies.append(m["Body"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        time.sleep(0.5)
        bodies += [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
        for b in bodies:
            self.assertNotIn("very-secret", b)
        events = {json.loads(b)["detail"]["eventName"]: json.loads(b) for b in bodies}
        self.assertEqual(sorted(events), ["CreateSecret", "DeleteSecret", "PutSecretValue", "RestoreSecret",
                                          "TagResource"])
        self.assertEqual(len(bodies), 5)
        e = events["CreateSecret"]
        self.assertEqual((e["source"], e["detail-type"], e["account"], e["region"], e["resources"]),
                         ("aws.secretsmanager", "AWS API Call via CloudTrail", "000000000000", "us-east-1", []))
        d = e["detail"]
        self.assertEqual((d["eventSource"], d["eventType"], d["awsRegion"], d["readOnly"], d["recipientAccountId"]),
                         ("secretsmanager.amazonaws.com", "AwsApiCall", "us-east-1", False, "000000000000"))
        self.assertEqual(d["requestParameters"]["name"], "evented")
        self.assertEqual(d["requestParameters"]["description"], "d")
        self.assertNotIn("secretString", d["requestParameters"])
        self.assertEqual(d["responseElements"]["aRN"], created["ARN"])
        self.assertEqual(d["responseElements"]["versionId"], created["VersionId"])
        self.assertEqual(d["userIdentity"]["accountId"], "000000000000")
        self.assertIn("arn", d["userIdentity"])
        self.assertTrue(d["requestID"] and d["eventID"])
        p = events["PutSecretValue"]["detail"]
        self.assertEqual(p["requestParameters"], {"secretId": "evented", "clientRequestToken": put["VersionId"]}
                         if "clientRequestToken" in p["requestParameters"] else {"secretId": "evented"})
        self.assertEqual(p["responseElements"]["versionStages"], ["AWSCURRENT"])
        self.assertEqual(events["TagResource"]["detail"]["requestParameters"]["tags"],
                         [{"key": "team", "value": "payments"}])
        dd = events["DeleteSecret"]["detail"]
        self.assertEqual(dd["requestParameters"]["recoveryWindowInDays"], 7)
        self.assertEqual(dd["responseElements"]["deletionDate"][:10], deleted["DeletionDate"].strftime("%Y-%m-%d"))


class SecretsEventsDurability(unittest.TestCase):
    def test_events_of_committed_writes_survive_kill9(self):
        s = Stratus().start()
        try:
            sm, ev, sqs = (s.client(x) for x in ("secretsmanager", "events", "sqs"))
            url = sqs.create_queue(QueueName="sm-dur")["QueueUrl"]
            ev.put_rule(Name="sm-dur", EventPattern='{"source":["aws.secretsmanager"]}')
            ev.put_targets(Rule="sm-dur", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:sm-dur"}])
            for i in range(5):
                sm.create_secret(Name=f"dur-{i}", SecretString="v")
            s.kill9()  # right after the answers: each event was written with its secret
            s.start()
            sqs = s.client("sqs")
            details = lambda m: [json.loads(m["Body"])["detail"]]
            got = collect_sqs(sqs, url, 5, lambda m: [(d["eventName"], d["requestParameters"]["name"]) for d in details(m)])
            self.assertEqual(got, {("CreateSecret", f"dur-{i}") for i in range(5)})
        finally:
            s.cleanup()
