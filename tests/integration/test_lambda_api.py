"""Lambda's control plane through boto3 and the aws CLI: functions, versions, aliases,
concurrency, permissions and tags, with AWS's errors."""
import json
import unittest
import urllib.request

import botocore.exceptions

from harness import StratusTestCase
from lambda_util import PY_ECHO, ROLE, create, zip_files


class Functions(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def test_create_get_and_waiter(self):
        out = create(self.lam, "fn-create", {"app.py": PY_ECHO}, Environment={"Variables": {"A": "1"}},
                     Timeout=10, MemorySize=256, Description="d", Tags={"team": "x"})
        # AWS answers CreateFunction while the function is still Pending.
        self.assertEqual(out["State"], "Pending")
        self.assertEqual(out["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:fn-create")
        self.lam.get_waiter("function_active_v2").wait(FunctionName="fn-create")
        got = self.lam.get_function(FunctionName="fn-create")
        cfg = got["Configuration"]
        self.assertEqual(cfg["State"], "Active")
        self.assertEqual(cfg["LastUpdateStatus"], "Successful")
        self.assertEqual(cfg["Environment"]["Variables"], {"A": "1"})
        self.assertEqual((cfg["Timeout"], cfg["MemorySize"], cfg["Description"]), (10, 256, "d"))
        self.assertEqual(cfg["Role"], ROLE)
        self.assertEqual(got["Tags"], {"team": "x"})
        # Code.Location downloads the package that was uploaded.
        with urllib.request.urlopen(got["Code"]["Location"], timeout=10) as r:
            self.assertEqual(r.read(), zip_files({"app.py": PY_ECHO}))

    def test_duplicate_is_a_conflict(self):
        create(self.lam, "fn-dup", {"app.py": PY_ECHO})
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            create(self.lam, "fn-dup", {"app.py": PY_ECHO})
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceConflictException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)

    def test_not_found_names_the_arn(self):
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException) as cm:
            self.lam.get_function(FunctionName="nope")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")

    def test_image_package_is_refused_clearly(self):
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as cm:
            self.lam.create_function(FunctionName="img", Role=ROLE, PackageType="Image",
                                     Code={"ImageUri": "1.dkr.ecr.us-east-1.amazonaws.com/x:latest"})
        self.assertIn("Image", cm.exception.response["Error"]["Message"])

    def test_deprecated_runtime_and_bad_zip(self):
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as cm:
            create(self.lam, "old", {"app.py": PY_ECHO}, runtime="python2.7")
        self.assertIn("python2.7 is no longer supported", cm.exception.response["Error"]["Message"])
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as cm:
            self.lam.create_function(FunctionName="badzip", Runtime="python3.12", Role=ROLE, Handler="a.b",
                                     Code={"ZipFile": b"not a zip"})
        self.assertIn("Could not unzip", cm.exception.response["Error"]["Message"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.lam.create_function(FunctionName="badrole", Runtime="python3.12", Role="nope", Handler="a.b",
                                     Code={"ZipFile": zip_files({"a.py": ""})})
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")

    def test_list_functions_paginates(self):
        for i in range(5):
            create(self.lam, f"page-{i}", {"app.py": PY_ECHO})
        names = []
        for page in self.lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}):
            names += [f["FunctionName"] for f in page["Functions"]]
        self.assertEqual([n for n in names if n.startswith("page-")], [f"page-{i}" for i in range(5)])
        self.assertEqual(len(names), len(set(names)))

    def test_update_code_and_configuration(self):
        create(self.lam, "fn-upd", {"app.py": PY_ECHO})
        out = self.lam.update_function_code(FunctionName="fn-upd",
                                            ZipFile=zip_files({"app.py": "def handler(e, c):\n    return 2\n"}))
        self.assertEqual(out["LastUpdateStatus"], "InProgress")
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="fn-upd")
        self.assertEqual(self.lam.invoke(FunctionName="fn-upd")["Payload"].read(), b"2")
        out = self.lam.update_function_configuration(FunctionName="fn-upd", Timeout=30,
                                                     Environment={"Variables": {"K": "v"}})
        self.assertEqual(out["Timeout"], 30)
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="fn-upd")
        cfg = self.lam.get_function_configuration(FunctionName="fn-upd")
        self.assertEqual(cfg["Environment"]["Variables"], {"K": "v"})
        with self.assertRaises(self.lam.exceptions.PreconditionFailedException):
            self.lam.update_function_configuration(FunctionName="fn-upd", Timeout=5, RevisionId="stale")

    def test_delete(self):
        create(self.lam, "fn-del", {"app.py": PY_ECHO})
        self.lam.delete_function(FunctionName="fn-del")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function_configuration(FunctionName="fn-del")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.delete_function(FunctionName="fn-del")

    def test_aws_cli(self):
        create(self.lam, "fn-cli", {"app.py": PY_ECHO})
        out = self.stratus.aws("lambda", "get-function-configuration", "--function-name", "fn-cli")
        self.assertEqual(out["Handler"], "app.handler")
        listed = self.stratus.aws("lambda", "list-functions")
        self.assertIn("fn-cli", [f["FunctionName"] for f in listed["Functions"]])


class VersionsAndAliases(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def test_publish_alias_and_qualified_invoke(self):
        create(self.lam, "ver", {"app.py": "def handler(e, c):\n    return 'one'\n"})
        v1 = self.lam.publish_version(FunctionName="ver")
        self.assertEqual(v1["Version"], "1")
        self.assertEqual(v1["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:ver:1")
        # Publishing unchanged code and configuration returns the same version.
        self.assertEqual(self.lam.publish_version(FunctionName="ver")["Version"], "1")
        self.lam.update_function_code(FunctionName="ver", ZipFile=zip_files({"app.py": "def handler(e, c):\n    return 'two'\n"}))
        self.assertEqual(self.lam.publish_version(FunctionName="ver")["Version"], "2")
        versions = [v["Version"] for v in self.lam.list_versions_by_function(FunctionName="ver")["Versions"]]
        self.assertEqual(versions, ["$LATEST", "1", "2"])

        alias = self.lam.create_alias(FunctionName="ver", Name="live", FunctionVersion="1")
        self.assertEqual(alias["AliasArn"], "arn:aws:lambda:us-east-1:000000000000:function:ver:live")
        r = self.lam.invoke(FunctionName="ver", Qualifier="live")
        self.assertEqual(r["Payload"].read(), b'"one"')
        self.assertEqual(r["ExecutedVersion"], "1")
        r = self.lam.invoke(FunctionName="ver:2")
        self.assertEqual((r["Payload"].read(), r["ExecutedVersion"]), (b'"two"', "2"))
        self.lam.update_alias(FunctionName="ver", Name="live", FunctionVersion="2")
        self.assertEqual(self.lam.invoke(FunctionName="ver", Qualifier="live")["Payload"].read(), b'"two"')
        self.assertEqual(self.lam.get_function(FunctionName="ver", Qualifier="1")["Configuration"]["Version"], "1")
        self.assertEqual([a["Name"] for a in self.lam.list_aliases(FunctionName="ver")["Aliases"]], ["live"])
        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.lam.create_alias(FunctionName="ver", Name="live", FunctionVersion="1")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.create_alias(FunctionName="ver", Name="x", FunctionVersion="9")
        self.lam.delete_alias(FunctionName="ver", Name="live")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_alias(FunctionName="ver", Name="live")
        self.lam.delete_function(FunctionName="ver", Qualifier="1")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.invoke(FunctionName="ver", Qualifier="1")

    def test_weighted_alias_uses_both_versions(self):
        create(self.lam, "wt", {"app.py": "def handler(e, c):\n    return 1\n"})
        self.lam.publish_version(FunctionName="wt")
        self.lam.update_function_code(FunctionName="wt", ZipFile=zip_files({"app.py": "def handler(e, c):\n    return 2\n"}))
        self.lam.publish_version(FunctionName="wt")
        self.lam.create_alias(FunctionName="wt", Name="canary", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
        seen = {self.lam.invoke(FunctionName="wt", Qualifier="canary")["ExecutedVersion"] for _ in range(40)}
        self.assertEqual(seen, {"1", "2"})


class ConcurrencyPermissionsTags(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def test_reserved_zero_throttles(self):
        create(self.lam, "thr", {"app.py": PY_ECHO})
        self.assertEqual(self.lam.put_function_concurrency(FunctionName="thr", ReservedConcurrentExecutions=0)
                         ["ReservedConcurrentExecutions"], 0)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName="thr")["ReservedConcurrentExecutions"], 0)
        with self.assertRaises(self.lam.exceptions.TooManyRequestsException) as cm:
            self.lam.invoke(FunctionName="thr")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 429)
        self.assertEqual(cm.exception.response["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded")
        self.lam.delete_function_concurrency(FunctionName="thr")
        self.assertEqual(self.lam.invoke(FunctionName="thr")["StatusCode"], 200)
        settings = self.lam.get_account_settings()
        self.assertEqual(settings["AccountLimit"]["ConcurrentExecutions"], 1000)

    def test_permissions(self):
        create(self.lam, "perm", {"app.py": PY_ECHO})
        out = self.lam.add_permission(FunctionName="perm", StatementId="s3", Action="lambda:InvokeFunction",
                                      Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket")
        stmt = json.loads(out["Statement"])
        self.assertEqual(stmt["Principal"], {"Service": "s3.amazonaws.com"})
        self.assertEqual(stmt["Condition"]["ArnLike"]["AWS:SourceArn"], "arn:aws:s3:::bucket")
        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.lam.add_permission(FunctionName="perm", StatementId="s3", Action="lambda:InvokeFunction",
                                    Principal="s3.amazonaws.com")
        policy = json.loads(self.lam.get_policy(FunctionName="perm")["Policy"])
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["s3"])
        self.lam.remove_permission(FunctionName="perm", StatementId="s3")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_policy(FunctionName="perm")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.remove_permission(FunctionName="perm", StatementId="s3")

    def test_tags(self):
        arn = create(self.lam, "tags", {"app.py": PY_ECHO})["FunctionArn"]
        self.lam.tag_resource(Resource=arn, Tags={"a": "1", "b": "2"})
        self.lam.untag_resource(Resource=arn, TagKeys=["a"])
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"b": "2"})

    def test_event_invoke_config(self):
        create(self.lam, "eic", {"app.py": PY_ECHO})
        self.lam.put_function_event_invoke_config(FunctionName="eic", MaximumRetryAttempts=0)
        got = self.lam.get_function_event_invoke_config(FunctionName="eic")
        self.assertEqual(got["MaximumRetryAttempts"], 0)


if __name__ == "__main__":
    unittest.main()
