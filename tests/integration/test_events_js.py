"""EventBridge and Scheduler through the AWS SDK for JavaScript v3 (@aws-sdk/client-eventbridge,
@aws-sdk/client-scheduler, @aws-sdk/client-sqs; events_js/events.js): PutRule, PutTargets with an
InputTransformer, PutEvents delivered to SQS, CreateSchedule firing into SQS, and the errors the SDK
decodes. npm packages pinned in tests/integration/events_js/package-lock.json (tools/deps.sh)."""
import json
import os
import shutil
import subprocess
import unittest

from harness import StratusTestCase
from test_scheduler import make_role

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(HERE, "events_js")


def node_ready():
    return shutil.which("node") and os.path.isdir(os.path.join(APP, "node_modules", "@aws-sdk", "client-scheduler"))


@unittest.skipUnless(node_ready(), "node or tests/integration/events_js/node_modules missing (tools/deps.sh)")
class TestEventsJs(StratusTestCase):
    ephemeral = True

    def test_rules_targets_events_and_schedules(self):
        make_role(self.stratus, "js-scheduler")
        cp = subprocess.run(["node", "events.js", self.stratus.endpoint], cwd=APP, capture_output=True, text=True,
                            timeout=90, env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
        self.assertTrue(cp.stdout.strip(), cp.stderr)
        out = json.loads(cp.stdout.strip().splitlines()[-1])
        self.assertNotIn("error", out, out)
        self.assertEqual(out["ruleArn"], "arn:aws:events:us-east-1:000000000000:rule/js-rule")
        self.assertEqual(out["ruleState"], "ENABLED")
        self.assertEqual((out["putTargetsFailed"], out["targets"]), (0, ["q"]))
        # The entry without Detail fails alone (AWS: InvalidArgument), the other is delivered.
        self.assertEqual(out["putEvents"], {"failed": 1, "codes": ["ok", "InvalidArgument"]})
        self.assertEqual(json.loads(out["delivered"]), {"got": 42})
        self.assertEqual(out["badPattern"]["name"], "InvalidEventPatternException")
        self.assertEqual(out["badPattern"]["status"], 400)
        self.assertEqual(out["scheduleArn"], "arn:aws:scheduler:us-east-1:000000000000:schedule/default/js-once")
        self.assertEqual(out["schedule"]["group"], "default")
        self.assertEqual(out["schedule"]["state"], "ENABLED")
        self.assertEqual(out["listed"], ["js-once"])
        self.assertEqual(json.loads(out["fired"]), {"from": out["scheduleArn"]})
        self.assertEqual(out["missing"]["name"], "ResourceNotFoundException")
        self.assertEqual(out["missing"]["status"], 404)
        self.assertEqual(out["conflict"]["name"], "ConflictException")
        self.assertEqual(out["conflict"]["status"], 409)


if __name__ == "__main__":
    unittest.main()
