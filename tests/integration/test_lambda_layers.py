"""Lambda layers through boto3: PublishLayerVersion, Get/List/Delete, layer version policies,
functions' Layers (checked, ordered, CodeSize) and layer content reaching Python, Node and
provided functions (modules, bin/, later layers replacing earlier files)."""
import json
import unittest

from botocore.exceptions import ClientError

from harness import StratusTestCase
from lambda_util import ROLE, create, sh_bootstrap, zip_files

ACCOUNT = "000000000000"


class Layers(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.lam = self.stratus.client("lambda")

    def publish(self, name, files, **kw):
        return self.lam.publish_layer_version(LayerName=name, Content={"ZipFile": zip_files(files)}, **kw)

    def code(self, err):
        return err.exception.response["Error"]["Code"]

    def test_publish_get_and_delete(self):
        z = zip_files({"python/mod_a.py": "X = 1\n"})
        v1 = self.lam.publish_layer_version(LayerName="lay-basic", Description="first", Content={"ZipFile": z},
                                            CompatibleRuntimes=["python3.12", "python3.11"],
                                            CompatibleArchitectures=["x86_64"], LicenseInfo="MIT")
        self.assertEqual(v1["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(v1["Version"], 1)
        self.assertEqual(v1["LayerArn"], f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:lay-basic")
        self.assertEqual(v1["LayerVersionArn"], v1["LayerArn"] + ":1")
        self.assertEqual(v1["Content"]["CodeSize"], len(z))
        self.assertTrue(v1["Content"]["CodeSha256"])
        self.assertEqual(v1["CompatibleRuntimes"], ["python3.12", "python3.11"])
        self.assertEqual(v1["CompatibleArchitectures"], ["x86_64"])
        self.assertEqual(v1["LicenseInfo"], "MIT")
        self.assertEqual(v1["Description"], "first")
        self.assertIn("CreatedDate", v1)
        v2 = self.publish("lay-basic", {"python/mod_a.py": "X = 2\n"})
        self.assertEqual(v2["Version"], 2)

        got = self.lam.get_layer_version(LayerName="lay-basic", VersionNumber=1)
        self.assertEqual(got["LayerVersionArn"], v1["LayerVersionArn"])
        self.assertEqual(got["Content"]["CodeSha256"], v1["Content"]["CodeSha256"])
        by_arn = self.lam.get_layer_version_by_arn(Arn=v2["LayerVersionArn"])
        self.assertEqual(by_arn["Version"], 2)
        # LayerName may be the layer's ARN.
        self.assertEqual(self.lam.get_layer_version(LayerName=v1["LayerArn"], VersionNumber=2)["Version"], 2)

        # The content can be downloaded from Content.Location.
        import urllib.request
        with urllib.request.urlopen(got["Content"]["Location"]) as r:
            self.assertEqual(r.read(), z)

        self.lam.delete_layer_version(LayerName="lay-basic", VersionNumber=1)
        with self.assertRaises(ClientError) as e:
            self.lam.get_layer_version(LayerName="lay-basic", VersionNumber=1)
        self.assertEqual(self.code(e), "ResourceNotFoundException")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.lam.delete_layer_version(LayerName="lay-basic", VersionNumber=1)  # idempotent
        # Numbers are never reused.
        self.assertEqual(self.publish("lay-basic", {"python/mod_a.py": "X = 3\n"})["Version"], 3)
        with self.assertRaises(ClientError) as e:
            self.lam.get_layer_version_by_arn(Arn=v1["LayerVersionArn"])
        self.assertEqual(self.code(e), "ResourceNotFoundException")

    def test_list_filters_and_pagination(self):
        for rt in (["python3.12"], ["nodejs20.x"], ["python3.12", "nodejs20.x"]):
            self.publish("lay-list", {"f.txt": json.dumps(rt)}, CompatibleRuntimes=rt)
        self.publish("lay-list2", {"g.txt": "x"}, CompatibleRuntimes=["nodejs20.x"],
                     CompatibleArchitectures=["arm64"])
        vs = self.lam.list_layer_versions(LayerName="lay-list")["LayerVersions"]
        self.assertEqual([v["Version"] for v in vs], [3, 2, 1])
        py = self.lam.list_layer_versions(LayerName="lay-list", CompatibleRuntime="python3.12")["LayerVersions"]
        self.assertEqual([v["Version"] for v in py], [3, 1])
        pages = list(self.lam.get_paginator("list_layer_versions").paginate(
            LayerName="lay-list", PaginationConfig={"PageSize": 1}))
        self.assertEqual([v["Version"] for p in pages for v in p["LayerVersions"]], [3, 2, 1])
        self.assertEqual(len(pages), 3)

        layers = {l["LayerName"]: l for l in self.lam.list_layers()["Layers"]}
        self.assertEqual(layers["lay-list"]["LatestMatchingVersion"]["Version"], 3)
        self.assertEqual(layers["lay-list"]["LayerArn"], f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:lay-list")
        node = {l["LayerName"]: l for l in self.lam.list_layers(CompatibleRuntime="python3.12")["Layers"]}
        self.assertNotIn("lay-list2", node)
        arm = [l["LayerName"] for l in self.lam.list_layers(CompatibleArchitecture="arm64")["Layers"]]
        self.assertEqual(arm, ["lay-list2"])
        names = [l["LayerName"] for p in self.lam.get_paginator("list_layers").paginate(
            PaginationConfig={"PageSize": 1}) for l in p["Layers"]]
        self.assertEqual(names, sorted(set(names)))
        self.assertIn("lay-list", names)
        self.assertIn("lay-list2", names)
        self.assertEqual(self.lam.list_layer_versions(LayerName="no-such-layer")["LayerVersions"], [])

    def test_layer_version_policy(self):
        v = self.publish("lay-pol", {"a.txt": "a"})
        with self.assertRaises(ClientError) as e:
            self.lam.get_layer_version_policy(LayerName="lay-pol", VersionNumber=1)
        self.assertEqual(self.code(e), "ResourceNotFoundException")
        r = self.lam.add_layer_version_permission(LayerName="lay-pol", VersionNumber=1, StatementId="s1",
                                                  Action="lambda:GetLayerVersion", Principal="111122223333")
        st = json.loads(r["Statement"])
        self.assertEqual(st["Principal"], {"AWS": "arn:aws:iam::111122223333:root"})
        self.assertEqual(st["Resource"], v["LayerVersionArn"])
        self.lam.add_layer_version_permission(LayerName="lay-pol", VersionNumber=1, StatementId="all",
                                              Action="lambda:GetLayerVersion", Principal="*",
                                              OrganizationId="o-abcdefghij")
        with self.assertRaises(ClientError) as e:
            self.lam.add_layer_version_permission(LayerName="lay-pol", VersionNumber=1, StatementId="s1",
                                                  Action="lambda:GetLayerVersion", Principal="*")
        self.assertEqual(self.code(e), "ResourceConflictException")
        pol = self.lam.get_layer_version_policy(LayerName="lay-pol", VersionNumber=1)
        doc = json.loads(pol["Policy"])
        self.assertEqual([s["Sid"] for s in doc["Statement"]], ["s1", "all"])
        self.assertEqual(doc["Statement"][1]["Condition"]["StringEquals"]["aws:PrincipalOrgID"], "o-abcdefghij")
        with self.assertRaises(ClientError) as e:
            self.lam.remove_layer_version_permission(LayerName="lay-pol", VersionNumber=1, StatementId="s1",
                                                     RevisionId="stale")
        self.assertEqual(self.code(e), "PreconditionFailedException")
        self.lam.remove_layer_version_permission(LayerName="lay-pol", VersionNumber=1, StatementId="s1",
                                                 RevisionId=pol["RevisionId"])
        with self.assertRaises(ClientError) as e:
            self.lam.remove_layer_version_permission(LayerName="lay-pol", VersionNumber=1, StatementId="s1")
        self.assertEqual(self.code(e), "ResourceNotFoundException")
        doc = json.loads(self.lam.get_layer_version_policy(LayerName="lay-pol", VersionNumber=1)["Policy"])
        self.assertEqual([s["Sid"] for s in doc["Statement"]], ["all"])
        with self.assertRaises(ClientError) as e:
            self.lam.add_layer_version_permission(LayerName="lay-pol", VersionNumber=9, StatementId="x",
                                                  Action="lambda:GetLayerVersion", Principal="*")
        self.assertEqual(self.code(e), "ResourceNotFoundException")

    def test_cross_account_use_needs_the_policy(self):
        other = self.stratus.client("lambda", key="111122223333")
        v = other.publish_layer_version(LayerName="shared-lay", Content={"ZipFile": zip_files({"x": "x"})})
        arn = v["LayerVersionArn"]
        self.assertIn(":111122223333:layer:shared-lay:1", arn)
        with self.assertRaises(ClientError) as e:
            create(self.lam, "fn-xacct", {"app.py": "def handler(e, c): return 1\n"}, Layers=[arn])
        self.assertEqual(self.code(e), "AccessDeniedException")
        other.add_layer_version_permission(LayerName="shared-lay", VersionNumber=1, StatementId="me",
                                           Action="lambda:GetLayerVersion", Principal=ACCOUNT)
        fn = create(self.lam, "fn-xacct", {"app.py": "def handler(e, c): return 1\n"}, Layers=[arn])
        self.assertEqual([l["Arn"] for l in fn["Layers"]], [arn])
        self.assertEqual(self.lam.get_layer_version_by_arn(Arn=arn)["Version"], 1)

    def test_function_layers_are_checked(self):
        arns = [self.publish(f"lay-chk{i}", {f"f{i}": "x"})["LayerVersionArn"] for i in range(6)]
        with self.assertRaises(ClientError) as e:
            create(self.lam, "fn-six", {"app.py": "x"}, Layers=arns)
        self.assertEqual(self.code(e), "InvalidParameterValueException")
        self.assertIn("more than 5 layers", e.exception.response["Error"]["Message"])
        missing = f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:lay-chk0:9"
        with self.assertRaises(ClientError) as e:
            create(self.lam, "fn-missing", {"app.py": "x"}, Layers=[missing])
        self.assertEqual(self.code(e), "InvalidParameterValueException")
        self.assertIn("does not exist", e.exception.response["Error"]["Message"])
        v2 = self.publish("lay-chk0", {"f0": "y"})["LayerVersionArn"]
        with self.assertRaises(ClientError) as e:
            create(self.lam, "fn-twice", {"app.py": "x"}, Layers=[arns[0], v2])
        self.assertEqual(self.code(e), "InvalidParameterValueException")
        with self.assertRaises(ClientError) as e:
            create(self.lam, "fn-badarn", {"app.py": "x"}, Layers=["not-an-arn"])
        self.assertEqual(self.code(e), "ValidationException")
        self.assertNotIn("fn-six", [f["FunctionName"] for f in self.lam.list_functions()["Functions"]])

        fn = create(self.lam, "fn-five", {"app.py": "def handler(e, c): return 1\n"}, Layers=arns[4::-1])
        self.assertEqual([l["Arn"] for l in fn["Layers"]], arns[4::-1])  # order kept
        for l in fn["Layers"]:
            self.assertGreater(l["CodeSize"], 0)
        got = self.lam.get_function(FunctionName="fn-five")["Configuration"]
        self.assertEqual([l["Arn"] for l in got["Layers"]], arns[4::-1])
        upd = self.lam.update_function_configuration(FunctionName="fn-five", Layers=[arns[5]])
        self.assertEqual([l["Arn"] for l in upd["Layers"]], [arns[5]])
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="fn-five")
        upd = self.lam.update_function_configuration(FunctionName="fn-five", Layers=[])
        self.assertNotIn("Layers", upd)
        self.assertNotIn("Layers", self.lam.get_function_configuration(FunctionName="fn-five"))

    def test_python_function_uses_layers_in_order(self):
        l1 = self.publish("lay-py1", {
            "python/shared_mod.py": "WHO = 'layer one'\n",
            "python/only_one.py": "def hello():\n    return 'from layer one'\n",
            "bin/layer-tool": "#!/bin/sh\necho tool-from-layer\n",
        })["LayerVersionArn"]
        l2 = self.publish("lay-py2", {
            "python/shared_mod.py": "WHO = 'layer two'\n",
            "python/lib/python3.12/site-packages/sitepkg_mod.py": "V = 'site-packages'\n",
        })["LayerVersionArn"]
        create(self.lam, "fn-py-layers", {"app.py": """
import subprocess
import shared_mod, only_one, sitepkg_mod
def handler(event, context):
    return {"who": shared_mod.WHO, "one": only_one.hello(), "site": sitepkg_mod.V,
            "tool": subprocess.check_output(["layer-tool"]).decode().strip()}
"""}, Layers=[l1, l2])
        r = self.lam.invoke(FunctionName="fn-py-layers", Payload=b"{}")
        self.assertNotIn("FunctionError", r, r["Payload"].read() if "FunctionError" in r else "")
        out = json.loads(r["Payload"].read())
        self.assertEqual(out, {"who": "layer two", "one": "from layer one", "site": "site-packages",
                               "tool": "tool-from-layer"})
        # Reversed order: the other layer's file wins.
        self.lam.update_function_configuration(FunctionName="fn-py-layers", Layers=[l2, l1])
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="fn-py-layers")
        out = json.loads(self.lam.invoke(FunctionName="fn-py-layers", Payload=b"{}")["Payload"].read())
        self.assertEqual(out["who"], "layer one")
        # Deleting the layer versions does not break the function (it keeps its copy).
        self.lam.delete_layer_version(LayerName="lay-py1", VersionNumber=1)
        self.lam.delete_layer_version(LayerName="lay-py2", VersionNumber=1)
        self.lam.update_function_configuration(FunctionName="fn-py-layers", Timeout=5)
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="fn-py-layers")
        out = json.loads(self.lam.invoke(FunctionName="fn-py-layers", Payload=b"{}")["Payload"].read())
        self.assertEqual(out["who"], "layer one")

    def test_node_function_uses_a_layer_module(self):
        arn = self.publish("lay-node", {
            "nodejs/node_modules/greeter/package.json": json.dumps({"name": "greeter", "main": "index.js"}),
            "nodejs/node_modules/greeter/index.js": "exports.greet = (n) => `hello ${n} from a layer`;\n",
        }, CompatibleRuntimes=["nodejs20.x"])["LayerVersionArn"]
        create(self.lam, "fn-node-layer", {"index.js": """
const { greet } = require('greeter');
exports.handler = async (event) => ({ msg: greet(event.name) });
"""}, runtime="nodejs20.x", handler="index.handler", Layers=[arn])
        r = self.lam.invoke(FunctionName="fn-node-layer", Payload=json.dumps({"name": "ada"}))
        self.assertNotIn("FunctionError", r)
        self.assertEqual(json.loads(r["Payload"].read()), {"msg": "hello ada from a layer"})

    def test_provided_bootstrap_from_a_layer(self):
        arn = self.publish("lay-boot", {"bootstrap": sh_bootstrap('{\\"layer\\": $EVENT}')})["LayerVersionArn"]
        self.lam.create_function(FunctionName="fn-boot-layer", Runtime="provided.al2023", Role=ROLE,
                                 Handler="x", Code={"ZipFile": zip_files({"README": "code without bootstrap"})},
                                 Layers=[arn])
        r = self.lam.invoke(FunctionName="fn-boot-layer", Payload=b'{"a": 1}')
        self.assertEqual(json.loads(r["Payload"].read()), {"layer": {"a": 1}})

    def test_aws_cli(self):
        import os
        import tempfile
        path = os.path.join(tempfile.mkdtemp(), "layer.zip")
        with open(path, "wb") as f:
            f.write(zip_files({"python/cli_mod.py": "X = 1\n"}))
        v = self.stratus.aws("lambda", "publish-layer-version", "--layer-name", "lay-cli", "--zip-file",
                             "fileb://" + path, "--compatible-runtimes", "python3.12", "--description", "from cli")
        self.assertEqual(v["Version"], 1)
        self.assertEqual(v["Description"], "from cli")
        got = self.stratus.aws("lambda", "get-layer-version-by-arn", "--arn", v["LayerVersionArn"])
        self.assertEqual(got["CompatibleRuntimes"], ["python3.12"])
        names = [l["LayerName"] for l in self.stratus.aws("lambda", "list-layers")["Layers"]]
        self.assertIn("lay-cli", names)
        self.stratus.aws("lambda", "delete-layer-version", "--layer-name", "lay-cli", "--version-number", "1")
        self.assertEqual(self.stratus.aws("lambda", "list-layer-versions", "--layer-name", "lay-cli")["LayerVersions"],
                         [])

    def test_errors(self):
        with self.assertRaises(ClientError) as e:
            self.lam.publish_layer_version(LayerName="lay-bad", Content={"ZipFile": b"not a zip"})
        self.assertEqual(self.code(e), "InvalidParameterValueException")
        with self.assertRaises(ClientError) as e:
            self.lam.publish_layer_version(LayerName="lay-bad", Content={})
        self.assertEqual(self.code(e), "InvalidParameterValueException")
        with self.assertRaises(ClientError) as e:
            self.lam.get_layer_version(LayerName="lay-none", VersionNumber=1)
        self.assertEqual(self.code(e), "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
