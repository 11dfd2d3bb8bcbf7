"""IAM through boto3 and the aws CLI: the roles and policies of the orders pipeline reference,
users and access keys (which then sign requests), and IAM's errors."""
import json
import unittest
import urllib.parse

import botocore.exceptions

from harness import StratusTestCase

LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
WRITE_DDB = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:DescribeTable"], "Resource": "*"}]})


class Roles(StratusTestCase):
    def setUp(self):
        self.stratus.http("POST", "/_stratus/reset")
        self.iam = self.stratus.client("iam")

    def test_create_get_list_delete_role(self):
        role = self.iam.create_role(RoleName="Lambda-SQS-DynamoDB", AssumeRolePolicyDocument=LAMBDA_TRUST,
                                    Description="orders")["Role"]
        self.assertEqual(role["Arn"], "arn:aws:iam::000000000000:role/Lambda-SQS-DynamoDB")
        self.assertTrue(role["RoleId"].startswith("AROA"))
        got = self.iam.get_role(RoleName="Lambda-SQS-DynamoDB")["Role"]
        # boto3 decodes the URL-encoded document IAM returns into a dict.
        self.assertEqual(got["AssumeRolePolicyDocument"], json.loads(LAMBDA_TRUST))
        self.assertEqual(got["Description"], "orders")
        names = [r["RoleName"] for r in self.iam.list_roles()["Roles"]]
        self.assertEqual(names, ["Lambda-SQS-DynamoDB"])
        self.iam.delete_role(RoleName="Lambda-SQS-DynamoDB")
        with self.assertRaises(self.iam.exceptions.NoSuchEntityException) as cm:
            self.iam.get_role(RoleName="Lambda-SQS-DynamoDB")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "The role with name Lambda-SQS-DynamoDB cannot be found.")

    def test_duplicate_role(self):
        self.iam.create_role(RoleName="r", AssumeRolePolicyDocument=LAMBDA_TRUST)
        with self.assertRaises(self.iam.exceptions.EntityAlreadyExistsException) as cm:
            self.iam.create_role(RoleName="r", AssumeRolePolicyDocument=LAMBDA_TRUST)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)

    def test_malformed_trust_policy(self):
        with self.assertRaises(self.iam.exceptions.MalformedPolicyDocumentException):
            self.iam.create_role(RoleName="bad", AssumeRolePolicyDocument="{not json")

    def test_policies_attach_detach(self):
        pol = self.iam.create_policy(PolicyName="Lambda-Write-DynamoDB", PolicyDocument=WRITE_DDB)["Policy"]
        self.assertEqual(pol["Arn"], "arn:aws:iam::000000000000:policy/Lambda-Write-DynamoDB")
        self.assertEqual(pol["DefaultVersionId"], "v1")
        self.iam.create_role(RoleName="Lambda-SQS-DynamoDB", AssumeRolePolicyDocument=LAMBDA_TRUST)
        self.iam.attach_role_policy(RoleName="Lambda-SQS-DynamoDB", PolicyArn=pol["Arn"])
        self.iam.attach_role_policy(RoleName="Lambda-SQS-DynamoDB",
                                    PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        attached = self.iam.list_attached_role_policies(RoleName="Lambda-SQS-DynamoDB")["AttachedPolicies"]
        self.assertEqual(sorted(a["PolicyName"] for a in attached),
                         ["AWSLambdaBasicExecutionRole", "Lambda-Write-DynamoDB"])
        self.assertEqual(self.iam.get_policy(PolicyArn=pol["Arn"])["Policy"]["AttachmentCount"], 1)
        version = self.iam.get_policy_version(PolicyArn=pol["Arn"], VersionId="v1")["PolicyVersion"]
        self.assertEqual(version["Document"], json.loads(WRITE_DDB))
        with self.assertRaises(self.iam.exceptions.DeleteConflictException):
            self.iam.delete_role(RoleName="Lambda-SQS-DynamoDB")
        with self.assertRaises(self.iam.exceptions.DeleteConflictException):
            self.iam.delete_policy(PolicyArn=pol["Arn"])
        self.iam.detach_role_policy(RoleName="Lambda-SQS-DynamoDB", PolicyArn=pol["Arn"])
        self.assertEqual(self.iam.get_policy(PolicyArn=pol["Arn"])["Policy"]["AttachmentCount"], 0)
        self.iam.delete_policy(PolicyArn=pol["Arn"])
        names = [p["PolicyName"] for p in self.iam.list_policies(Scope="Local")["Policies"]]
        self.assertNotIn("Lambda-Write-DynamoDB", names)

    def test_policy_versions(self):
        arn = self.iam.create_policy(PolicyName="Write-DDB", PolicyDocument=WRITE_DDB)["Policy"]["Arn"]
        read = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]})
        v2 = self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=read)["PolicyVersion"]
        self.assertEqual((v2["VersionId"], v2["IsDefaultVersion"]), ("v2", False))
        self.assertNotIn("Document", v2)
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v1")
        v3 = self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=read, SetAsDefault=True)["PolicyVersion"]
        self.assertEqual((v3["VersionId"], v3["IsDefaultVersion"]), ("v3", True))
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v3")
        got = self.iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
        self.assertEqual(got["Document"], json.loads(read))
        listed = self.iam.list_policy_versions(PolicyArn=arn)["Versions"]
        self.assertEqual([(v["VersionId"], v["IsDefaultVersion"]) for v in listed],
                         [("v3", True), ("v2", False), ("v1", False)])
        page = self.iam.list_policy_versions(PolicyArn=arn, MaxItems=2)
        self.assertTrue(page["IsTruncated"])
        rest = self.iam.list_policy_versions(PolicyArn=arn, Marker=page["Marker"])["Versions"]
        self.assertEqual([v["VersionId"] for v in rest], ["v1"])

        with self.assertRaises(self.iam.exceptions.DeleteConflictException) as cm:
            self.iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
        self.assertEqual(cm.exception.response["Error"]["Message"], "Cannot delete the default version of a policy.")
        with self.assertRaises(self.iam.exceptions.NoSuchEntityException):
            self.iam.delete_policy_version(PolicyArn=arn, VersionId="v9")
        self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=read)
        self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=read)
        with self.assertRaises(self.iam.exceptions.LimitExceededException) as cm:
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=read)
        self.assertIn("up to 5 versions", cm.exception.response["Error"]["Message"])
        self.iam.delete_policy_version(PolicyArn=arn, VersionId="v5")
        # Ids are never reused: the next one is v6.
        self.assertEqual(self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=read)["PolicyVersion"]["VersionId"],
                         "v6")
        self.iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v1")
        with self.assertRaises(self.iam.exceptions.DeleteConflictException) as cm:
            self.iam.delete_policy(PolicyArn=arn)
        self.assertIn("must delete the policy's versions", cm.exception.response["Error"]["Message"])
        for v in self.iam.list_policy_versions(PolicyArn=arn)["Versions"]:
            if not v["IsDefaultVersion"]:
                self.iam.delete_policy_version(PolicyArn=arn, VersionId=v["VersionId"])
        self.iam.delete_policy(PolicyArn=arn)

    def test_attach_missing_policy(self):
        self.iam.create_role(RoleName="r", AssumeRolePolicyDocument=LAMBDA_TRUST)
        with self.assertRaises(self.iam.exceptions.NoSuchEntityException):
            self.iam.attach_role_policy(RoleName="r", PolicyArn="arn:aws:iam::000000000000:policy/nope")

    def test_inline_role_policy(self):
        self.iam.create_role(RoleName="r", AssumeRolePolicyDocument=LAMBDA_TRUST)
        self.iam.put_role_policy(RoleName="r", PolicyName="inline", PolicyDocument=WRITE_DDB)
        self.assertEqual(self.iam.list_role_policies(RoleName="r")["PolicyNames"], ["inline"])
        self.assertEqual(self.iam.get_role_policy(RoleName="r", PolicyName="inline")["PolicyDocument"],
                         json.loads(WRITE_DDB))
        self.iam.delete_role_policy(RoleName="r", PolicyName="inline")
        self.assertEqual(self.iam.list_role_policies(RoleName="r")["PolicyNames"], [])

    def test_list_roles_pagination(self):
        for i in range(5):
            self.iam.create_role(RoleName=f"role{i}", AssumeRolePolicyDocument=LAMBDA_TRUST)
        page = self.iam.list_roles(MaxItems=2)
        self.assertTrue(page["IsTruncated"])
        seen = [r["RoleName"] for r in page["Roles"]]
        while page["IsTruncated"]:
            page = self.iam.list_roles(MaxItems=2, Marker=page["Marker"])
            seen += [r["RoleName"] for r in page["Roles"]]
        self.assertEqual(seen, [f"role{i}" for i in range(5)])
        all_names = [r["RoleName"] for p in self.iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2})
                     for r in p["Roles"]]
        self.assertEqual(all_names, seen)

    def test_accounts_are_separate(self):
        self.iam.create_role(RoleName="mine", AssumeRolePolicyDocument=LAMBDA_TRUST)
        other = self.stratus.client("iam", key="210987654321")
        self.assertEqual(other.list_roles()["Roles"], [])

    def test_cli(self):
        out = self.stratus.aws("iam", "create-role", "--role-name", "APIGateway-SQS",
                               "--assume-role-policy-document", LAMBDA_TRUST)
        self.assertEqual(out["Role"]["RoleName"], "APIGateway-SQS")
        self.stratus.aws("iam", "attach-role-policy", "--role-name", "APIGateway-SQS", "--policy-arn",
                         "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
        out = self.stratus.aws("iam", "list-attached-role-policies", "--role-name", "APIGateway-SQS")
        self.assertEqual(out["AttachedPolicies"][0]["PolicyName"], "AmazonAPIGatewayPushToCloudWatchLogs")
        out = self.stratus.aws("iam", "get-role", "--role-name", "APIGateway-SQS")
        self.assertEqual(out["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"], "sts:AssumeRole")


class UsersAndKeys(StratusTestCase):
    stratus_args = ("--auth", "strict")

    def test_access_key_signs_requests_as_the_user(self):
        iam = self.stratus.client("iam")
        iam.create_user(UserName="alice")
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        self.assertTrue(key["AccessKeyId"].startswith("AKIA"))
        ident = self.stratus.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"]).get_caller_identity()
        self.assertEqual(ident["Arn"], "arn:aws:iam::000000000000:user/alice")
        self.assertEqual([k["AccessKeyId"] for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]],
                         [key["AccessKeyId"]])
        with self.assertRaises(iam.exceptions.DeleteConflictException):
            iam.delete_user(UserName="alice")
        iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.stratus.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"]).get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")
        iam.delete_user(UserName="alice")
        with self.assertRaises(iam.exceptions.NoSuchEntityException):
            iam.get_user(UserName="alice")

    def test_get_user_without_name_is_the_caller(self):
        user = self.stratus.client("iam").get_user()["User"]
        self.assertEqual(user["Arn"], "arn:aws:iam::000000000000:root")


if __name__ == "__main__":
    unittest.main()
