"""Lambda provisioned concurrency: the configuration API (shapes, errors, pagination) and its
effect: the requested number of execution environments are started before any invoke and kept
warm, so the first invokes don't cold start; deleting the configuration lets them be reaped; the
configuration survives a restart and its environments are started again."""
import base64
import json
import time
import unittest
import uuid

from harness import Stratus, error_code
from lambda_util import create, wait_for

APP = """
import uuid
ENV_ID = uuid.uuid4().hex
print("BOOT " + ENV_ID)
def handler(event, context):
    return {"env": ENV_ID}
"""

# Environments idle longer than this are reaped (unless provisioned).
IDLE_MS = 1500


class Provisioned(unittest.TestCase):
    def setUp(self):
        self.s = Stratus(env={"STRATUS_LAMBDA_IDLE_MS": str(IDLE_MS)}).start()
        self.addCleanup(self.s.cleanup)
        self.lam = self.s.client("lambda")
        self.logs = self.s.client("logs")
        self.fn = "pc-" + uuid.uuid4().hex[:8]
        create(self.lam, self.fn, {"app.py": APP})
        self.v1 = self.lam.publish_version(FunctionName=self.fn)["Version"]

    def boots(self):
        """The environment ids that printed BOOT in the function's log group."""
        try:
            r = self.logs.filter_log_events(logGroupName="/aws/lambda/" + self.fn, filterPattern="BOOT")
        except self.logs.exceptions.ResourceNotFoundException:
            return set()
        return {e["message"].split()[1] for e in r["events"] if e["message"].startswith("BOOT ")}

    def invoke(self, qualifier):
        r = self.lam.invoke(FunctionName=self.fn, Qualifier=qualifier, LogType="Tail", Payload=b"{}")
        tail = base64.b64decode(r["LogResult"]).decode()
        report = [line for line in tail.splitlines() if line.startswith("REPORT")]
        self.assertEqual(len(report), 1, tail)
        return json.loads(r["Payload"].read())["env"], report[0]

    def ready(self, qualifier):
        c = self.lam.get_provisioned_concurrency_config(FunctionName=self.fn, Qualifier=qualifier)
        return c if c["Status"] == "READY" else None

    def test_errors(self):
        code = error_code(lambda: self.lam.put_provisioned_concurrency_config(
            FunctionName=self.fn, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1))
        self.assertEqual(code, "InvalidParameterValueException")
        code = error_code(lambda: self.lam.put_provisioned_concurrency_config(
            FunctionName=self.fn, Qualifier="99", ProvisionedConcurrentExecutions=1))
        self.assertEqual(code, "ResourceNotFoundException")
        code = error_code(lambda: self.lam.put_provisioned_concurrency_config(
            FunctionName="nope", Qualifier="1", ProvisionedConcurrentExecutions=1))
        self.assertEqual(code, "ResourceNotFoundException")
        code = error_code(lambda: self.lam.get_provisioned_concurrency_config(FunctionName=self.fn, Qualifier="99"))
        self.assertEqual(code, "ResourceNotFoundException")
        with self.assertRaises(self.lam.exceptions.ProvisionedConcurrencyConfigNotFoundException) as cm:
            self.lam.get_provisioned_concurrency_config(FunctionName=self.fn, Qualifier=self.v1)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        code = error_code(lambda: self.lam.delete_provisioned_concurrency_config(FunctionName=self.fn,
                                                                                 Qualifier=self.v1))
        self.assertEqual(code, "ProvisionedConcurrencyConfigNotFoundException")
        # More than the account's unreserved concurrency (1000 by default, 100 kept unreserved).
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as cm:
            self.lam.put_provisioned_concurrency_config(FunctionName=self.fn, Qualifier=self.v1,
                                                        ProvisionedConcurrentExecutions=5000)
        self.assertIn("unreserved concurrency", cm.exception.response["Error"]["Message"])
        # More than the function's reserved concurrency.
        self.lam.put_function_concurrency(FunctionName=self.fn, ReservedConcurrentExecutions=1)
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as cm:
            self.lam.put_provisioned_concurrency_config(FunctionName=self.fn, Qualifier=self.v1,
                                                        ProvisionedConcurrentExecutions=2)
        self.assertIn("reservedConcurrentExecution", cm.exception.response["Error"]["Message"])
        self.assertEqual(self.lam.list_provisioned_concurrency_configs(FunctionName=self.fn)
                         ["ProvisionedConcurrencyConfigs"], [])

    def test_shapes_and_pagination(self):
        r = self.lam.put_provisioned_concurrency_config(FunctionName=self.fn, Qualifier=self.v1,
                                                        ProvisionedConcurrentExecutions=1)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(r["RequestedProvisionedConcurrentExecutions"], 1)
        self.assertIn(r["Status"], ("IN_PROGRESS", "READY"))
        self.assertIn("LastModified", r)
        self.lam.update_function_configuration(FunctionName=self.fn, Environment={"Variables": {"V": "2"}})
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=self.fn)
        v2 = self.lam.publish_version(FunctionName=self.fn)["Version"]
        self.assertNotEqual(v2, self.v1)
        self.lam.create_alias(FunctionName=self.fn, Name="live", FunctionVersion=v2)
        self.lam.put_provisioned_concurrency_config(FunctionName=self.fn, Qualifier="live",
                                                    ProvisionedConcurrentExecutions=1)
        # A version and an alias of it cannot both be configured.
        code = error_code(lambda: self.lam.put_provisioned_concurrency_config(
            FunctionName=self.fn, Qualifier=v2, ProvisionedConcurrentExecutions=1))
        self.assertEqual(code, "ResourceConflictException")
        c = wait_for(lambda: self.ready("live"))
        self.assertTrue(c, "alias configuration never READY")
        self.assertEqual(c["AvailableProvisionedConcurrentExecutions"], 1)
        self.assertEqual(c["AllocatedProvisionedConcurrentExecutions"], 1)
        seen, kw = [], {}
        while True:
            page = self.lam.list_provisioned_concurrency_configs(FunctionName=self.fn, MaxItems=1, **kw)
            self.assertLessEqual(len(page["ProvisionedConcurrencyConfigs"]), 1)
            seen += page["ProvisionedConcurrencyConfigs"]
            if "NextMarker" not in page:
                break
            kw = {"Marker": page["NextMarker"]}
        arn = self.lam.get_function(FunctionName=self.fn)["Configuration"]["FunctionArn"]
        self.assertEqual(sorted(i["FunctionArn"] for i in seen), sorted([arn + ":" + self.v1, arn + ":live"]))
        for i in seen:
            self.assertEqual(i["RequestedProvisionedConcurrentExecutions"], 1)
        self.lam.delete_provisioned_concurrency_config(FunctionName=self.fn, Qualifier="live")
        self.lam.delete_alias(FunctionName=self.fn, Name="live")
        self.assertEqual(len(self.lam.list_provisioned_concurrency_configs(FunctionName=self.fn)
                             ["ProvisionedConcurrencyConfigs"]), 1)

    def test_environments_kept_warm(self):
        self.lam.put_provisioned_concurrency_config(FunctionName=self.fn, Qualifier=self.v1,
                                                    ProvisionedConcurrentExecutions=2)
        c = wait_for(lambda: self.ready(self.v1))
        self.assertTrue(c, "never READY")
        self.assertEqual(c["AvailableProvisionedConcurrentExecutions"], 2)
        # Two environments initialised before any invoke.
        boots = wait_for(lambda: self.boots() if len(self.boots()) >= 2 else None)
        self.assertEqual(len(boots or ()), 2)
        time.sleep(2 * IDLE_MS / 1000)  # longer than the idle limit: provisioned ones stay
        env, report = self.invoke(self.v1)
        self.assertIn(env, boots)
        self.assertNotIn("Init Duration", report)
        # After Delete the environments are reaped like any idle one: the next invoke cold-starts.
        self.lam.delete_provisioned_concurrency_config(FunctionName=self.fn, Qualifier=self.v1)
        code = error_code(lambda: self.lam.get_provisioned_concurrency_config(FunctionName=self.fn,
                                                                              Qualifier=self.v1))
        self.assertEqual(code, "ProvisionedConcurrencyConfigNotFoundException")
        time.sleep(2 * IDLE_MS / 1000)
        env, report = self.invoke(self.v1)
        self.assertNotIn(env, boots)
        self.assertIn("Init Duration", report)

    def test_restart(self):
        self.lam.put_provisioned_concurrency_config(FunctionName=self.fn, Qualifier=self.v1,
                                                    ProvisionedConcurrentExecutions=1)
        self.assertTrue(wait_for(lambda: self.ready(self.v1)))
        before = wait_for(lambda: self.boots())
        self.assertEqual(len(before), 1)
        self.s.stop()
        self.s.start()
        self.lam = self.s.client("lambda")
        self.logs = self.s.client("logs")
        c = wait_for(lambda: self.ready(self.v1))
        self.assertTrue(c, "not READY again after restart")
        self.assertEqual(c["RequestedProvisionedConcurrentExecutions"], 1)
        boots = wait_for(lambda: self.boots() if len(self.boots()) >= 2 else None)
        self.assertEqual(len(boots or ()), 2)
        env, report = self.invoke(self.v1)
        self.assertIn(env, boots - before)
        self.assertNotIn("Init Duration", report)


if __name__ == "__main__":
    unittest.main()
