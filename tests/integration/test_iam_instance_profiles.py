"""IAM instance profiles through boto3 and the aws CLI: one role per profile, AWS's errors,
tags, and durability."""
import json
import unittest

from harness import Stratus, StratusTestCase

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def code(fn):
    try:
        fn()
    except Exception as e:  # botocore ClientError
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None


class IamInstanceProfiles(StratusTestCase):

    def setUp(self):
        self.iam = self.stratus.client("iam")

    def test_lifecycle(self):
        iam = self.iam
        iam.create_role(RoleName="web", AssumeRolePolicyDocument=TRUST)
        iam.create_role(RoleName="other", AssumeRolePolicyDocument=TRUST)
        p = iam.create_instance_profile(InstanceProfileName="web-profile", Path="/app/",
                                        Tags=[{"Key": "team", "Value": "a"}])["InstanceProfile"]
        self.assertEqual(p["Arn"], "arn:aws:iam::000000000000:instance-profile/app/web-profile")
        self.assertTrue(p["InstanceProfileId"].startswith("AIPA"))
        self.assertEqual((p["Path"], p["Roles"]), ("/app/", []))
        self.assertEqual(code(lambda: iam.create_instance_profile(InstanceProfileName="web-profile")),
                         ("EntityAlreadyExists", 409))
        iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="web")
        got = iam.get_instance_profile(InstanceProfileName="web-profile")["InstanceProfile"]
        self.assertEqual([r["RoleName"] for r in got["Roles"]], ["web"])
        self.assertEqual(got["Roles"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Action"], "sts:AssumeRole")
        self.assertEqual(code(lambda: iam.add_role_to_instance_profile(InstanceProfileName="web-profile",
                                                                       RoleName="other")),
                         ("LimitExceeded", 409))
        self.assertEqual(code(lambda: iam.add_role_to_instance_profile(InstanceProfileName="web-profile",
                                                                       RoleName="nobody")),
                         ("NoSuchEntity", 404))
        self.assertEqual(code(lambda: iam.delete_instance_profile(InstanceProfileName="web-profile")),
                         ("DeleteConflict", 409))
        self.assertEqual(code(lambda: iam.delete_role(RoleName="web")), ("DeleteConflict", 409))
        for_role = iam.list_instance_profiles_for_role(RoleName="web")["InstanceProfiles"]
        self.assertEqual([p["InstanceProfileName"] for p in for_role], ["web-profile"])
        self.assertEqual(iam.list_instance_profiles_for_role(RoleName="other")["InstanceProfiles"], [])
        self.assertEqual(code(lambda: iam.list_instance_profiles_for_role(RoleName="nobody")), ("NoSuchEntity", 404))
        iam.create_instance_profile(InstanceProfileName="second")
        names = [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]]
        self.assertEqual(names, ["second", "web-profile"])
        self.assertEqual([p["InstanceProfileName"] for p in
                          iam.list_instance_profiles(PathPrefix="/app/")["InstanceProfiles"]], ["web-profile"])
        page = iam.list_instance_profiles(MaxItems=1)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual([p["InstanceProfileName"] for p in
                          iam.list_instance_profiles(Marker=page["Marker"])["InstanceProfiles"]], ["web-profile"])
        # tags
        iam.tag_instance_profile(InstanceProfileName="web-profile", Tags=[{"Key": "env", "Value": "prod"},
                                                                          {"Key": "team", "Value": "b"}])
        tags = iam.list_instance_profile_tags(InstanceProfileName="web-profile")["Tags"]
        self.assertEqual(tags, [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "b"}])
        iam.untag_instance_profile(InstanceProfileName="web-profile", TagKeys=["team"])
        self.assertEqual(iam.list_instance_profile_tags(InstanceProfileName="web-profile")["Tags"],
                         [{"Key": "env", "Value": "prod"}])
        # remove, then delete
        self.assertEqual(code(lambda: iam.remove_role_from_instance_profile(InstanceProfileName="web-profile",
                                                                            RoleName="other")),
                         ("NoSuchEntity", 404))
        iam.remove_role_from_instance_profile(InstanceProfileName="web-profile", RoleName="web")
        iam.delete_instance_profile(InstanceProfileName="web-profile")
        self.assertEqual(code(lambda: iam.get_instance_profile(InstanceProfileName="web-profile")),
                         ("NoSuchEntity", 404))
        self.assertEqual(code(lambda: iam.delete_instance_profile(InstanceProfileName="web-profile")),
                         ("NoSuchEntity", 404))
        iam.delete_role(RoleName="web")

    def test_cli(self):
        a = self.stratus.aws
        a("iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", TRUST)
        out = a("iam", "create-instance-profile", "--instance-profile-name", "cli-profile")
        self.assertEqual(out["InstanceProfile"]["InstanceProfileName"], "cli-profile")
        a("iam", "add-role-to-instance-profile", "--instance-profile-name", "cli-profile", "--role-name", "cli-role")
        out = a("iam", "get-instance-profile", "--instance-profile-name", "cli-profile")
        self.assertEqual([r["RoleName"] for r in out["InstanceProfile"]["Roles"]], ["cli-role"])
        out = a("iam", "list-instance-profiles-for-role", "--role-name", "cli-role")
        self.assertEqual([p["InstanceProfileName"] for p in out["InstanceProfiles"]], ["cli-profile"])
        cp = a("iam", "delete-instance-profile", "--instance-profile-name", "cli-profile", check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("DeleteConflict", cp.stderr)
        a("iam", "remove-role-from-instance-profile", "--instance-profile-name", "cli-profile",
          "--role-name", "cli-role")
        a("iam", "delete-instance-profile", "--instance-profile-name", "cli-profile")


class IamOidcProviders(StratusTestCase):

    def test_lifecycle(self):
        iam = self.stratus.client("iam")
        url = "https://token.actions.githubusercontent.com"
        arn = iam.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"],
                                                  ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]
        self.assertEqual(arn, "arn:aws:iam::000000000000:oidc-provider/token.actions.githubusercontent.com")
        self.assertEqual(code(lambda: iam.create_open_id_connect_provider(Url=url)), ("EntityAlreadyExists", 409))
        self.assertEqual(code(lambda: iam.create_open_id_connect_provider(Url="http://x.example")),
                         ("InvalidInput", 400))
        got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        self.assertEqual((got["Url"], got["ClientIDList"], got["ThumbprintList"]),
                         ("token.actions.githubusercontent.com", ["sts.amazonaws.com"], ["a" * 40]))
        self.assertEqual([p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]], [arn])
        out = self.stratus.aws("iam", "list-open-id-connect-providers")
        self.assertEqual([p["Arn"] for p in out["OpenIDConnectProviderList"]], [arn])
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        self.assertEqual(code(lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)),
                         ("NoSuchEntity", 404))
        self.assertEqual(code(lambda: iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)),
                         ("NoSuchEntity", 404))


class IamInstanceProfilesDurable(unittest.TestCase):

    def test_survives_kill9(self):
        s = Stratus().start()
        try:
            iam = s.client("iam")
            iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
            iam.create_instance_profile(InstanceProfileName="p")
            iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="r")
            s.kill9()
            s.start()
            got = s.client("iam").get_instance_profile(InstanceProfileName="p")["InstanceProfile"]
            self.assertEqual([r["RoleName"] for r in got["Roles"]], ["r"])
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
