"""SSM Parameter Store through boto3 and the aws CLI: parameters, versions, labels, selectors,
tiers, policies, listing and filters, tags, public parameters, and AWS's errors."""
import json
import os
import time
import unittest
from datetime import datetime, timedelta, timezone

import botocore.exceptions

from harness import StratusTestCase, error_code, wait_until

os.environ.setdefault("STRATUS_SSM_SWEEP_MS", "200")


class Ssm(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.ssm = self.stratus.client("ssm")

    def err(self, fn):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn()
        e = cm.exception.response["Error"]
        return e["Code"], e.get("Message", "")

    def test_put_get_versions_and_overwrite(self):
        out = self.ssm.put_parameter(Name="/app/db/host", Value="db1", Type="String", Description="the host")
        self.assertEqual((out["Version"], out["Tier"]), (1, "Standard"))
        code, msg = self.err(lambda: self.ssm.put_parameter(Name="/app/db/host", Value="db2", Type="String"))
        self.assertEqual(code, "ParameterAlreadyExists")
        self.assertEqual(msg, "The parameter already exists. To overwrite this value, set the overwrite option "
                              "in the request to true.")
        self.assertEqual(self.ssm.put_parameter(Name="/app/db/host", Value="db2", Overwrite=True)["Version"], 2)
        p = self.ssm.get_parameter(Name="/app/db/host")["Parameter"]
        self.assertEqual((p["Value"], p["Version"], p["Type"], p["DataType"]), ("db2", 2, "String", "text"))
        self.assertEqual(p["ARN"], "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host")
        self.assertEqual(self.ssm.get_parameter(Name="/app/db/host:1")["Parameter"]["Value"], "db1")
        self.assertEqual(self.ssm.get_parameter(Name="/app/db/host:1")["Parameter"]["Selector"], ":1")
        self.assertEqual(self.ssm.get_parameter(Name=p["ARN"])["Parameter"]["Value"], "db2")
        code, msg = self.err(lambda: self.ssm.get_parameter(Name="/app/db/host:7"))
        self.assertEqual((code, msg), ("ParameterVersionNotFound", "Systems Manager could not find version 7 of "
                                       "/app/db/host. Verify the version and try again."))
        self.assertEqual(self.err(lambda: self.ssm.get_parameter(Name="/nope"))[0], "ParameterNotFound")
        # description is kept on overwrite; history lists every version
        hist = self.ssm.get_parameter_history(Name="/app/db/host")["Parameters"]
        self.assertEqual([(h["Version"], h["Value"], h.get("Description")) for h in hist],
                         [(1, "db1", "the host"), (2, "db2", "the host")])
        code, msg = self.err(lambda: self.ssm.put_parameter(Name="/new/one", Value="x"))
        self.assertEqual((code, msg), ("ValidationException", "A parameter type is required when you create a parameter."))
        # "/name" and "name" are one parameter
        self.ssm.put_parameter(Name="single", Value="s", Type="String")
        self.assertEqual(self.ssm.get_parameter(Name="/single")["Parameter"]["Value"], "s")

    def test_string_list_and_get_parameters(self):
        self.ssm.put_parameter(Name="/gp/b", Value="x,y,z", Type="StringList")
        self.ssm.put_parameter(Name="/gp/a", Value="1", Type="String")
        out = self.ssm.get_parameters(Names=["/gp/b", "/gp/missing", "/gp/a", "/gp/a:9"])
        self.assertEqual([p["Name"] for p in out["Parameters"]], ["/gp/a", "/gp/b"])
        self.assertEqual(out["Parameters"][1]["Value"], "x,y,z")
        self.assertEqual(sorted(out["InvalidParameters"]), ["/gp/a:9", "/gp/missing"])
        self.assertEqual(error_code(lambda: self.ssm.get_parameters(Names=[f"/n{i}" for i in range(11)])),
                         "ValidationException")

    def test_name_rules(self):
        code, msg = self.err(lambda: self.ssm.put_parameter(Name="awsTest", Value="v", Type="String"))
        self.assertEqual((code, msg), ("ValidationException",
                                       'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).'))
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="SSM-x", Value="v", Type="String"))[0],
                         "ValidationException")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/aws/x/y", Value="v", Type="String"))[0],
                         "AccessDeniedException")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/a/b c", Value="v", Type="String"))[0],
                         "ValidationException")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="a/b", Value="v", Type="String")),
                         ("ValidationException", "Parameter name must be a fully qualified name."))
        deep = "".join(f"/l{i}" for i in range(16))
        code, msg = self.err(lambda: self.ssm.put_parameter(Name=deep, Value="v", Type="String"))
        self.assertEqual(code, "HierarchyLevelLimitExceededException")
        self.assertTrue(msg.startswith("A hierarchy can have a maximum of 15 levels."))
        self.ssm.put_parameter(Name="".join(f"/l{i}" for i in range(15)), Value="v", Type="String")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/x" + "y" * 1000, Value="v",
                                                                 Type="String"))[0], "ValidationException")

    def test_tiers_sizes_and_patterns(self):
        code, msg = self.err(lambda: self.ssm.put_parameter(Name="/t/big", Value="x" * 4097, Type="String"))
        self.assertEqual(code, "ValidationException")
        self.assertTrue(msg.startswith("Standard tier parameters support a maximum parameter value of 4096"))
        self.ssm.put_parameter(Name="/t/ok", Value="x" * 4096, Type="String")
        self.assertEqual(self.ssm.put_parameter(Name="/t/big", Value="x" * 8192, Type="String",
                                                Tier="Advanced")["Tier"], "Advanced")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/t/big2", Value="x" * 8193, Type="String",
                                                                 Tier="Advanced"))[0], "ValidationException")
        self.assertEqual(self.ssm.put_parameter(Name="/t/it", Value="x" * 5000, Type="String",
                                                Tier="Intelligent-Tiering")["Tier"], "Advanced")
        self.assertEqual(self.ssm.put_parameter(Name="/t/it2", Value="small", Type="String",
                                                Tier="Intelligent-Tiering")["Tier"], "Standard")
        code, msg = self.err(lambda: self.ssm.put_parameter(Name="/t/big", Value="y", Overwrite=True, Tier="Standard"))
        self.assertEqual(code, "ValidationException")
        self.assertIn("can't downgrade", msg)
        # AllowedPattern is checked on create and kept for later versions
        self.ssm.put_parameter(Name="/t/num", Value="42", Type="String", AllowedPattern=r"^\d+$")
        code, msg = self.err(lambda: self.ssm.put_parameter(Name="/t/num", Value="x1", Overwrite=True))
        self.assertEqual((code, msg), ("ParameterPatternMismatchException",
                                       r"Parameter value, cannot be validated against allowedPattern: ^\d+$"))
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/t/bad", Value="1", Type="String",
                                                                 AllowedPattern="(unclosed"))[0],
                         "InvalidAllowedPatternException")
        # data types
        self.ssm.put_parameter(Name="/t/ami", Value="ami-0123456789abcdef0", Type="String", DataType="aws:ec2:image")
        self.assertEqual(self.ssm.get_parameter(Name="/t/ami")["Parameter"]["DataType"], "aws:ec2:image")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/t/ami2", Value="nope", Type="String",
                                                                 DataType="aws:ec2:image"))[0], "ValidationException")
        code, msg = self.err(lambda: self.ssm.put_parameter(Name="/t/dt", Value="v", Type="String", DataType="Text"))
        self.assertEqual(msg, "The following data type is not supported: Text (Data type names are all lowercase.)")
        self.assertEqual(self.err(lambda: self.ssm.put_parameter(Name="/t/ok", Value="v", Overwrite=True,
                                                                 Type="StringList"))[0],
                         "HierarchyTypeMismatchException")

    def test_labels(self):
        for v in ("v1", "v2", "v3"):
            self.ssm.put_parameter(Name="/lab/p", Value=v, Type="String", Overwrite=True)
        out = self.ssm.label_parameter_version(Name="/lab/p", ParameterVersion=1, Labels=["prod", "1bad", "awsx", "ok.x"])
        self.assertEqual(sorted(out["InvalidLabels"]), ["1bad", "awsx"])
        self.assertEqual(out["ParameterVersion"], 1)
        self.assertEqual(self.ssm.get_parameter(Name="/lab/p:prod")["Parameter"]["Value"], "v1")
        self.assertEqual(self.ssm.get_parameter(Name="/lab/p:prod")["Parameter"]["Selector"], ":prod")
        # moving a label
        self.assertEqual(self.ssm.label_parameter_version(Name="/lab/p", Labels=["prod"])["ParameterVersion"], 3)
        self.assertEqual(self.ssm.get_parameter(Name="/lab/p:prod")["Parameter"]["Value"], "v3")
        hist = {h["Version"]: h["Labels"] for h in self.ssm.get_parameter_history(Name="/lab/p")["Parameters"]}
        self.assertEqual(hist, {1: ["ok.x"], 2: [], 3: ["prod"]})
        self.assertEqual(self.err(lambda: self.ssm.get_parameter(Name="/lab/p:nolabel"))[0], "ParameterVersionNotFound")
        self.ssm.label_parameter_version(Name="/lab/p", ParameterVersion=2, Labels=[f"l{i}" for i in range(10)])
        code, msg = self.err(lambda: self.ssm.label_parameter_version(Name="/lab/p", ParameterVersion=2, Labels=["l10"]))
        self.assertEqual(code, "ParameterVersionLabelLimitExceeded")
        self.assertEqual(self.err(lambda: self.ssm.label_parameter_version(Name="/lab/p", ParameterVersion=9,
                                                                           Labels=["x"]))[0], "ParameterVersionNotFound")
        self.assertEqual(self.err(lambda: self.ssm.label_parameter_version(Name="/lab/none", Labels=["x"]))[0],
                         "ParameterNotFound")
        out = self.ssm.unlabel_parameter_version(Name="/lab/p", ParameterVersion=3, Labels=["prod", "zzz"])
        self.assertEqual((out["RemovedLabels"], out["InvalidLabels"]), (["prod"], ["zzz"]))

    def test_version_limit(self):
        for i in range(100):
            self.ssm.put_parameter(Name="/vl/p", Value=f"v{i}", Type="String", Overwrite=True)
        self.assertEqual(self.ssm.put_parameter(Name="/vl/p", Value="v100", Overwrite=True)["Version"], 101)
        hist = self.ssm.get_parameter_history(Name="/vl/p", MaxResults=50)
        self.assertEqual(hist["Parameters"][0]["Version"], 2)
        self.ssm.label_parameter_version(Name="/vl/p", ParameterVersion=2, Labels=["keep"])
        code, msg = self.err(lambda: self.ssm.put_parameter(Name="/vl/p", Value="v101", Overwrite=True))
        self.assertEqual(code, "ParameterMaxVersionLimitExceeded")
        self.assertIn("Version 2, the oldest version, can't be deleted because it has a label", msg)
        pages = []
        token = None
        while True:
            kw = {"NextToken": token} if token else {}
            page = self.ssm.get_parameter_history(Name="/vl/p", MaxResults=50, **kw)
            pages.append(len(page["Parameters"]))
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, [50, 50])

    def test_by_path_and_filters(self):
        for n, t in [("/p/a", "String"), ("/p/b", "StringList"), ("/p/c/d", "String"), ("/p/c/e/f", "String"),
                     ("/q/x", "String")]:
            self.ssm.put_parameter(Name=n, Value="v", Type=t)
        names = lambda **kw: [p["Name"] for p in self.ssm.get_parameters_by_path(**kw)["Parameters"]]
        self.assertEqual(names(Path="/p"), ["/p/a", "/p/b"])
        self.assertEqual(names(Path="/p/", Recursive=True), ["/p/a", "/p/b", "/p/c/d", "/p/c/e/f"])
        self.assertEqual(names(Path="/p", Recursive=True,
                               ParameterFilters=[{"Key": "Type", "Values": ["StringList"]}]), ["/p/b"])
        # pagination
        page = self.ssm.get_parameters_by_path(Path="/p", Recursive=True, MaxResults=3)
        self.assertEqual(len(page["Parameters"]), 3)
        rest = self.ssm.get_parameters_by_path(Path="/p", Recursive=True, MaxResults=3, NextToken=page["NextToken"])
        self.assertEqual([p["Name"] for p in rest["Parameters"]], ["/p/c/e/f"])
        self.assertNotIn("NextToken", rest)
        self.assertEqual(self.err(lambda: self.ssm.get_parameters_by_path(Path="/p", NextToken="garbage"))[0],
                         "InvalidNextToken")
        code, msg = self.err(lambda: self.ssm.get_parameters_by_path(
            Path="/p", ParameterFilters=[{"Key": "Name", "Values": ["x"]}]))
        self.assertEqual(code, "InvalidFilterKey")
        self.assertEqual(self.err(lambda: self.ssm.get_parameters_by_path(Path="p"))[0], "ValidationException")
        self.assertEqual(self.err(lambda: self.ssm.get_parameters_by_path(Path="/p", MaxResults=11))[0],
                         "ValidationException")
        # label filter picks the labelled version
        self.ssm.put_parameter(Name="/p/a", Value="v2", Overwrite=True)
        self.ssm.label_parameter_version(Name="/p/a", ParameterVersion=1, Labels=["old"])
        got = self.ssm.get_parameters_by_path(Path="/p", ParameterFilters=[{"Key": "Label", "Values": ["old"]}])
        self.assertEqual([(p["Name"], p["Version"]) for p in got["Parameters"]], [("/p/a", 1)])
        # the CLI paginates by itself
        out = self.stratus.aws("ssm", "get-parameters-by-path", "--path", "/p", "--recursive", "--max-items", "10",
                               "--page-size", "1")
        self.assertEqual([p["Name"] for p in out["Parameters"]], ["/p/a", "/p/b", "/p/c/d", "/p/c/e/f"])

    def test_describe_filters(self):
        self.ssm.put_parameter(Name="/d/one", Value="1", Type="String", Tags=[{"Key": "team", "Value": "red"}])
        self.ssm.put_parameter(Name="/d/two", Value="2", Type="StringList", Tier="Advanced")
        self.ssm.put_parameter(Name="/d/sub/three", Value="3", Type="String", Description="third")
        self.ssm.put_parameter(Name="/d/ami", Value="ami-12345678", Type="String", DataType="aws:ec2:image")

        def names(**kw):
            out, token = [], None
            while True:
                page = self.ssm.describe_parameters(**kw, **({"NextToken": token} if token else {}))
                out += [p["Name"] for p in page["Parameters"]]
                token = page.get("NextToken")
                if not token:
                    return out
        f = lambda key, values, option=None: [dict({"Key": key, "Values": values}, **({"Option": option} if option else {}))]
        self.assertEqual(names(ParameterFilters=f("Name", ["/d/one"])), ["/d/one"])
        self.assertEqual(names(ParameterFilters=f("Name", ["/d/t"], "BeginsWith")), ["/d/two"])
        self.assertEqual(names(ParameterFilters=f("Name", ["hre"], "Contains")), ["/d/sub/three"])
        d = f("Path", ["/d"], "Recursive")
        self.assertEqual(names(ParameterFilters=d + f("Type", ["StringList"])), ["/d/two"])
        self.assertEqual(names(ParameterFilters=d + f("Tier", ["Advanced"])), ["/d/two"])
        self.assertEqual(names(ParameterFilters=d + f("DataType", ["aws:ec2:image"])), ["/d/ami"])
        self.assertEqual(names(ParameterFilters=f("Path", ["/d"])), ["/d/ami", "/d/one", "/d/two"])
        self.assertEqual(names(ParameterFilters=f("Path", ["/d"], "Recursive")), ["/d/ami", "/d/one", "/d/sub/three", "/d/two"])
        self.assertEqual(names(ParameterFilters=d + f("tag:team", ["red"])), ["/d/one"])
        self.assertEqual(names(ParameterFilters=d + [{"Key": "tag:team"}]), ["/d/one"])
        self.assertEqual(names(Filters=[{"Key": "Name", "Values": ["/d/s"]}]), ["/d/sub/three"])
        self.assertEqual(names(ParameterFilters=f("Path", ["/d"], "Recursive"), MaxResults=1),
                         ["/d/ami", "/d/one", "/d/sub/three", "/d/two"])
        meta = self.ssm.describe_parameters(ParameterFilters=f("Name", ["/d/sub/three"]))["Parameters"][0]
        self.assertEqual((meta["Description"], meta["Version"], meta["Tier"], meta["Type"]), ("third", 1, "Standard", "String"))
        self.assertEqual(self.err(lambda: self.ssm.describe_parameters(ParameterFilters=f("Label", ["x"])))[0],
                         "InvalidFilterKey")
        self.assertEqual(self.err(lambda: self.ssm.describe_parameters(ParameterFilters=f("Type", ["x"], "Contains")))[0],
                         "InvalidFilterOption")
        self.assertEqual(self.err(lambda: self.ssm.describe_parameters(ParameterFilters=f("Path", ["/d"], "Equals")))[0],
                         "InvalidFilterOption")
        self.assertEqual(self.err(lambda: self.ssm.describe_parameters(ParameterFilters=f("Tier", ["Gold"])))[0],
                         "InvalidFilterValue")
        self.assertEqual(self.err(lambda: self.ssm.describe_parameters(ParameterFilters=f("Foo", ["x"])))[0],
                         "ValidationException")
        self.assertEqual(self.err(lambda: self.ssm.describe_parameters(
            ParameterFilters=f("Name", ["a"]) + f("Name", ["b"])))[0], "InvalidFilterKey")
        self.assertEqual(self.err(lambda: self.ssm.describe_parameters(
            Filters=[{"Key": "Name", "Values": ["/d"]}], ParameterFilters=f("Name", ["a"])))[1],
            "You can use either Filters or ParameterFilters in a single request.")
        cli = self.stratus.aws("ssm", "describe-parameters", "--parameter-filters", "Key=Name,Option=BeginsWith,Values=/d/o")
        self.assertEqual([p["Name"] for p in cli["Parameters"]], ["/d/one"])

    def test_delete_and_tags(self):
        self.ssm.put_parameter(Name="/del/a", Value="1", Type="String", Tags=[{"Key": "k", "Value": "v"}])
        self.ssm.put_parameter(Name="/del/b", Value="2", Type="String")
        self.assertEqual(self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/del/a")["TagList"],
                         [{"Key": "k", "Value": "v"}])
        self.ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/del/a", Tags=[{"Key": "k2", "Value": "v2"}])
        self.ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId="/del/a", TagKeys=["k"])
        self.assertEqual(self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/del/a")["TagList"],
                         [{"Key": "k2", "Value": "v2"}])
        self.assertEqual(self.err(lambda: self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/none"))[0],
                         "InvalidResourceId")
        self.assertEqual(self.err(lambda: self.ssm.list_tags_for_resource(ResourceType="Document", ResourceId="x"))[0],
                         "InvalidResourceType")
        self.assertEqual(self.err(lambda: self.ssm.add_tags_to_resource(
            ResourceType="Parameter", ResourceId="/del/a", Tags=[{"Key": f"t{i}", "Value": "v"} for i in range(50)]))[0],
            "TooManyTagsError")
        code, msg = self.err(lambda: self.ssm.put_parameter(Name="/del/a", Value="x", Overwrite=True,
                                                            Tags=[{"Key": "a", "Value": "b"}]))
        self.assertEqual(code, "ValidationException")
        self.assertTrue(msg.startswith("Invalid request: tags and overwrite can't be used together."))
        out = self.ssm.delete_parameters(Names=["/del/a", "/del/zz"])
        self.assertEqual((out["DeletedParameters"], out["InvalidParameters"]), (["/del/a"], ["/del/zz"]))
        self.ssm.delete_parameter(Name="/del/b")
        code, msg = self.err(lambda: self.ssm.delete_parameter(Name="/del/b"))
        self.assertEqual((code, msg), ("ParameterNotFound", "Parameter /del/b not found."))
        self.stratus.aws("ssm", "put-parameter", "--name", "/del/cli", "--value", "c", "--type", "String")
        self.assertEqual(self.stratus.aws("ssm", "get-parameter", "--name", "/del/cli")["Parameter"]["Value"], "c")
        self.stratus.aws("ssm", "delete-parameter", "--name", "/del/cli")
        cp = self.stratus.aws("ssm", "get-parameter", "--name", "/del/cli", check=False)
        self.assertIn("ParameterNotFound", cp.stderr)

    def test_policies(self):
        soon = (datetime.now(timezone.utc) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        later = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        pol = json.dumps([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": later}},
                          {"Type": "ExpirationNotification", "Version": "1.0", "Attributes": {"Before": "15", "Unit": "Days"}},
                          {"Type": "NoChangeNotification", "Version": "1.0", "Attributes": {"After": "20", "Unit": "Days"}}])
        self.assertEqual(self.ssm.put_parameter(Name="/pol/a", Value="v", Type="String", Policies=pol,
                                                Tier="Intelligent-Tiering")["Tier"], "Advanced")
        meta = self.ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/pol/a"]}])["Parameters"][0]
        self.assertEqual(sorted(p["PolicyType"] for p in meta["Policies"]),
                         ["Expiration", "ExpirationNotification", "NoChangeNotification"])
        self.assertEqual({p["PolicyStatus"] for p in meta["Policies"]}, {"Pending"})
        code = lambda p, tier="Advanced": self.err(lambda: self.ssm.put_parameter(
            Name="/pol/bad", Value="v", Type="String", Policies=p, Tier=tier))[0]
        self.assertEqual(code(json.dumps([{"Type": "Nope", "Version": "1.0", "Attributes": {}}])), "InvalidPolicyTypeException")
        self.assertEqual(code(json.dumps([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "soon"}}])),
                         "InvalidPolicyAttributeException")
        self.assertEqual(code(json.dumps([{"Type": "NoChangeNotification", "Version": "1.0",
                                           "Attributes": {"After": "3", "Unit": "Weeks"}}])), "InvalidPolicyAttributeException")
        two = {"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": later}}
        self.assertEqual(code(json.dumps([two, two])), "IncompatiblePolicyException")
        self.assertEqual(code("not json"), "ValidationException")
        self.assertEqual(code(json.dumps([two]), tier="Standard"), "ValidationException")
        # Expiration runs: the parameter is deleted when its time comes
        self.ssm.put_parameter(Name="/pol/short", Value="v", Type="String", Tier="Advanced", Policies=json.dumps(
            [{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": soon}}]))
        self.assertEqual(self.ssm.get_parameter(Name="/pol/short")["Parameter"]["Value"], "v")
        self.assertTrue(wait_until(lambda: error_code(lambda: self.ssm.get_parameter(Name="/pol/short"))
                                   == "ParameterNotFound", timeout=10))
        self.assertEqual(self.ssm.get_parameter(Name="/pol/a")["Parameter"]["Value"], "v")

    def test_public_parameters(self):
        p = self.ssm.get_parameter(Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")["Parameter"]
        self.assertTrue(p["Value"].startswith("ami-"))
        self.assertEqual(self.ssm.get_parameter(Name="/aws/service/global-infrastructure/regions/eu-west-1/longName")
                         ["Parameter"]["Value"], "Europe (Ireland)")
        regions = self.ssm.get_parameters_by_path(Path="/aws/service/global-infrastructure/regions", MaxResults=10)
        self.assertEqual(len(regions["Parameters"]), 10)
        self.assertIn("NextToken", regions)
        out = self.stratus.aws("ssm", "get-parameters-by-path", "--path", "/aws/service/global-infrastructure/regions")
        self.assertIn("us-east-1", [p["Value"] for p in out["Parameters"]])
        self.assertEqual(self.err(lambda: self.ssm.get_parameter(Name="/aws/service/nothing/here"))[0], "ParameterNotFound")


class Limits(unittest.TestCase):
    """The standard-parameter quota (10,000; lowered to 3 here) and Intelligent-Tiering's use of it."""

    def setUp(self):
        from harness import Stratus
        self.stratus = Stratus(ephemeral=True, env={"STRATUS_SSM_STANDARD_LIMIT": "3"}).start()
        self.addCleanup(self.stratus.cleanup)

    def test_standard_limit(self):
        ssm = self.stratus.client("ssm")
        for i in range(3):
            ssm.put_parameter(Name=f"/lim/{i}", Value="v", Type="String")
        self.assertEqual(error_code(lambda: ssm.put_parameter(Name="/lim/x", Value="v", Type="String")),
                         "ParameterLimitExceeded")
        self.assertEqual(ssm.put_parameter(Name="/lim/x", Value="v", Type="String",
                                           Tier="Intelligent-Tiering")["Tier"], "Advanced")
        ssm.put_parameter(Name="/lim/0", Value="v2", Type="String", Overwrite=True)  # updates are not new parameters
        ssm.delete_parameter(Name="/lim/1")
        self.assertEqual(ssm.put_parameter(Name="/lim/y", Value="v", Type="String")["Tier"], "Standard")


if __name__ == "__main__":
    unittest.main()
