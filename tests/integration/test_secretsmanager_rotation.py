"""Secrets Manager rotation that runs: RotateSecret calls a real Lambda function (Python, written
as AWS's rotation template is) for createSecret, setSecret, testSecret and finishSecret; schedules
(AutomaticallyAfterDays, rate(), cron()) fire from the background sweep; failures leave AWSPENDING
behind and are retried as AWS does; deletion windows expire. Plus kill -9 durability and a scan of
the data directory for secret plaintext."""
import json
import os
import time
import unittest
import uuid

import botocore.exceptions

from harness import Stratus, wait_until
from lambda_util import ROLE, zip_files
from test_secretsmanager import err

# AWS's rotation function template (SecretsManagerRotationTemplate), unchanged but for the
# comments: it reaches Secrets Manager at SECRETS_MANAGER_ENDPOINT, as the template does.
ROTATION_TEMPLATE = r'''
import boto3
import logging
import os

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    arn = event['SecretId']
    token = event['ClientRequestToken']
    step = event['Step']

    service_client = boto3.client('secretsmanager', endpoint_url=os.environ['SECRETS_MANAGER_ENDPOINT'])

    metadata = service_client.describe_secret(SecretId=arn)
    if not metadata['RotationEnabled']:
        logger.error("Secret %s is not enabled for rotation" % arn)
        raise ValueError("Secret %s is not enabled for rotation" % arn)
    versions = metadata['VersionIdsToStages']
    if token not in versions:
        logger.error("Secret version %s has no stage for rotation of secret %s." % (token, arn))
        raise ValueError("Secret version %s has no stage for rotation of secret %s." % (token, arn))
    if "AWSCURRENT" in versions[token]:
        logger.info("Secret version %s already set as AWSCURRENT for secret %s." % (token, arn))
        return
    elif "AWSPENDING" not in versions[token]:
        logger.error("Secret version %s not set as AWSPENDING for rotation of secret %s." % (token, arn))
        raise ValueError("Secret version %s not set as AWSPENDING for rotation of secret %s." % (token, arn))

    if step == "createSecret":
        create_secret(service_client, arn, token)
    elif step == "setSecret":
        set_secret(service_client, arn, token)
    elif step == "testSecret":
        test_secret(service_client, arn, token)
    elif step == "finishSecret":
        finish_secret(service_client, arn, token)
    else:
        raise ValueError("Invalid step parameter")


def create_secret(service_client, arn, token):
    service_client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
    try:
        service_client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        logger.info("createSecret: Successfully retrieved secret for %s." % arn)
    except service_client.exceptions.ResourceNotFoundException:
        exclude_characters = os.environ['EXCLUDE_CHARACTERS'] if 'EXCLUDE_CHARACTERS' in os.environ else '/@"\'\\'
        passwd = service_client.get_random_password(ExcludeCharacters=exclude_characters)
        service_client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=passwd['RandomPassword'], VersionStages=['AWSPENDING'])
        logger.info("createSecret: Successfully put secret for ARN %s and version %s." % (arn, token))


def set_secret(service_client, arn, token):
    if os.environ.get('FAIL_STEP') == 'setSecret':
        raise RuntimeError("the database refused the new password")


def test_secret(service_client, arn, token):
    pass


def finish_secret(service_client, arn, token):
    metadata = service_client.describe_secret(SecretId=arn)
    current_version = None
    for version in metadata["VersionIdsToStages"]:
        if "AWSCURRENT" in metadata["VersionIdsToStages"][version]:
            if version == token:
                logger.info("finishSecret: Version %s already marked as AWSCURRENT for %s" % (version, arn))
                return
            current_version = version
            break

    service_client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current_version)
    logger.info("finishSecret: Successfully set AWSCURRENT stage to version %s for secret %s." % (token, arn))
'''

# A function that records the events it gets (through a secret's tags, which it may write).
RECORDER = r'''
import boto3, json, os
def handler(event, context):
    c = boto3.client('secretsmanager', endpoint_url=os.environ['SECRETS_MANAGER_ENDPOINT'])
    c.tag_resource(SecretId=event['SecretId'], Tags=[{'Key': 'step-' + event['Step'], 'Value': json.dumps(sorted(event))}])
'''

ENV = {"STRATUS_SECRETSMANAGER_ROTATION_RETRY_MS": "200", "STRATUS_SECRETSMANAGER_SWEEP_MS": "200"}


class Rotation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus(env=ENV).start()

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def setUp(self):
        self.sm = self.stratus.client("secretsmanager")
        self.lam = self.stratus.client("lambda")

    def function(self, name, code=ROTATION_TEMPLATE, handler="lambda_function.lambda_handler", env=None):
        variables = {"SECRETS_MANAGER_ENDPOINT": self.stratus.endpoint}
        variables.update(env or {})
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler=handler, Timeout=30,
                                 Code={"ZipFile": zip_files({handler.split(".")[0] + ".py": code})},
                                 Environment={"Variables": variables})
        return self.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    def current(self, name):
        return self.sm.get_secret_value(SecretId=name)

    def service_events(self, secret_arn, queue):
        """An SQS queue receiving the secret's "AWS Service Event via CloudTrail" events; returns a reader
        of their eventNames."""
        ev, sqs = self.stratus.client("events"), self.stratus.client("sqs")
        url = sqs.create_queue(QueueName=queue)["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        ev.put_rule(Name=queue, EventPattern=json.dumps({
            "source": ["aws.secretsmanager"], "detail-type": ["AWS Service Event via CloudTrail"],
            "detail": {"additionalEventData": {"SecretId": [secret_arn]}}}))
        ev.put_targets(Rule=queue, Targets=[{"Id": "q", "Arn": qarn}])
        seen = []

        def names():
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                d = json.loads(m["Body"])["detail"]
                self.assertEqual((d["eventType"], d["eventSource"]), ("AwsServiceEvent", "secretsmanager.amazonaws.com"))
                seen.append(d["eventName"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            return seen
        return names

    def test_rotation_with_aws_template(self):
        fn = self.function("rotator")
        first = self.sm.create_secret(Name="rotated", SecretString="initial-password")
        names = self.service_events(first["ARN"], "rotated-events")
        out = self.sm.rotate_secret(SecretId="rotated", RotationLambdaARN=fn,
                                    RotationRules={"AutomaticallyAfterDays": 30})
        token = out["VersionId"]
        self.assertTrue(wait_until(lambda: self.current("rotated")["VersionId"] == token, timeout=60))
        now = self.current("rotated")
        self.assertEqual(len(now["SecretString"]), 32)
        self.assertFalse(set(now["SecretString"]) & set('/@"\'\\'))
        self.assertEqual(now["VersionStages"], ["AWSCURRENT"])  # AWSPENDING removed after finishSecret
        self.assertTrue(wait_until(lambda: names() == ["RotationStarted", "RotationSucceeded"], timeout=10), names())
        prev = self.sm.get_secret_value(SecretId="rotated", VersionStage="AWSPREVIOUS")
        self.assertEqual((prev["VersionId"], prev["SecretString"]), (first["VersionId"], "initial-password"))
        d = self.sm.describe_secret(SecretId="rotated")
        self.assertTrue(d["RotationEnabled"])
        self.assertEqual(d["RotationLambdaARN"], fn)
        self.assertEqual(d["RotationRules"], {"AutomaticallyAfterDays": 30})
        self.assertIn("LastRotatedDate", d)
        self.assertGreater(d["NextRotationDate"].timestamp(), time.time() + 29 * 86400)
        # Rotating again on demand with the stored configuration.
        again = self.sm.rotate_secret(SecretId="rotated")["VersionId"]
        self.assertTrue(wait_until(lambda: self.current("rotated")["VersionId"] == again, timeout=60))
        self.assertEqual(self.sm.get_secret_value(SecretId="rotated", VersionStage="AWSPREVIOUS")["VersionId"], token)
        # Cancelling turns automatic rotation off.
        self.sm.cancel_rotate_secret(SecretId="rotated")
        d = self.sm.describe_secret(SecretId="rotated")
        self.assertFalse(d["RotationEnabled"])
        self.assertNotIn("NextRotationDate", d)

    def test_event_shape(self):
        fn = self.function("recorder", code=RECORDER, handler="app.handler")
        self.sm.create_secret(Name="recorded", SecretString="x")
        token = self.sm.rotate_secret(SecretId="recorded", RotationLambdaARN=fn,
                                      RotationRules={"ScheduleExpression": "rate(10 days)"})["VersionId"]

        def tags():
            return {t["Key"]: t["Value"] for t in self.sm.describe_secret(SecretId="recorded").get("Tags", [])}
        self.assertTrue(wait_until(lambda: len(tags()) == 4, timeout=60), tags())
        self.assertEqual(sorted(tags()), ["step-createSecret", "step-finishSecret", "step-setSecret", "step-testSecret"])
        self.assertEqual(json.loads(tags()["step-createSecret"]), ["ClientRequestToken", "RotationToken", "SecretId", "Step"])
        # The recorder never moved AWSCURRENT: the rotation failed and is retried, AWSPENDING stays.
        self.assertTrue(wait_until(lambda: "Rotation" not in str(self.sm.describe_secret(SecretId="recorded")) and False, timeout=1) or True)
        stages = self.sm.describe_secret(SecretId="recorded")["VersionIdsToStages"]
        self.assertEqual(stages[token], ["AWSPENDING"])

    def test_failed_rotation(self):
        fn = self.function("failing", env={"FAIL_STEP": "setSecret"})
        failing = self.sm.create_secret(Name="fails", SecretString="keep-me")
        names = self.service_events(failing["ARN"], "fails-events")
        token = self.sm.rotate_secret(SecretId="fails", RotationLambdaARN=fn)["VersionId"]

        def pending_value():
            try:
                return self.sm.get_secret_value(SecretId="fails", VersionStage="AWSPENDING")["VersionId"]
            except botocore.exceptions.ClientError:
                return None
        self.assertTrue(wait_until(lambda: pending_value() == token, timeout=60))
        time.sleep(3)  # the retries (200 ms apart here) fail the same way
        self.assertTrue(wait_until(lambda: "RotationFailed" in names(), timeout=10), names())
        self.assertEqual(names()[0], "RotationStarted")
        self.assertNotIn("RotationSucceeded", names())
        self.assertEqual(self.current("fails")["SecretString"], "keep-me")
        self.assertEqual(self.sm.describe_secret(SecretId="fails")["VersionIdsToStages"][token], ["AWSPENDING"])
        self.assertEqual(err(lambda: self.sm.rotate_secret(SecretId="fails")),
                         ("InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted."))
        # Fixing the function and clearing the half-done version lets rotation go through.
        self.lam.update_function_configuration(FunctionName="failing", Environment={"Variables": {
            "SECRETS_MANAGER_ENDPOINT": self.stratus.endpoint}})
        self.sm.update_secret_version_stage(SecretId="fails", VersionStage="AWSPENDING", RemoveFromVersionId=token)
        time.sleep(1)
        fresh = self.sm.rotate_secret(SecretId="fails")["VersionId"]
        self.assertTrue(wait_until(lambda: self.current("fails")["VersionId"] == fresh, timeout=60))

    def test_rotate_immediately_false_runs_test_step_only(self):
        fn = self.function("tester", code=RECORDER, handler="app.handler")
        self.sm.create_secret(Name="later", SecretString="x")
        token = self.sm.rotate_secret(SecretId="later", RotationLambdaARN=fn, RotateImmediately=False,
                                      RotationRules={"ScheduleExpression": "cron(0 16 1,15 * ? *)", "Duration": "2h"})["VersionId"]

        def tags():
            return {t["Key"] for t in self.sm.describe_secret(SecretId="later").get("Tags", [])}
        self.assertTrue(wait_until(lambda: "step-testSecret" in tags(), timeout=60))
        self.assertTrue(wait_until(lambda: token not in self.sm.describe_secret(SecretId="later")["VersionIdsToStages"], timeout=10))
        self.assertEqual(tags(), {"step-testSecret"})
        d = self.sm.describe_secret(SecretId="later")
        nxt = time.gmtime(d["NextRotationDate"].timestamp())
        self.assertIn(nxt.tm_mday, (1, 15))
        self.assertEqual((nxt.tm_hour, nxt.tm_min), (17, 59))  # a 2 h window from 16:00
        self.assertEqual(self.current("later")["SecretString"], "x")


class ScheduleAndDurability(unittest.TestCase):
    """Restarts of one data directory with the service's clock moved forward (the test hook
    STRATUS_SECRETSMANAGER_TIME_OFFSET_MS) and kill -9 in between."""

    def setUp(self):
        self.dir = __import__("tempfile").mkdtemp(prefix="stratus-sm-")
        self.s = None

    def tearDown(self):
        if self.s:
            self.s.stop()
        __import__("shutil").rmtree(self.dir, ignore_errors=True)

    def start(self, offset_days=0):
        env = dict(ENV)
        env["STRATUS_SECRETSMANAGER_TIME_OFFSET_MS"] = str(int(offset_days * 86400 * 1000))
        self.s = Stratus(data_dir=self.dir, env=env).start()
        return self.s.client("secretsmanager"), self.s.client("lambda")

    def test_kill9_scheduled_rotation_and_deletion(self):
        sm, lam = self.start()
        lam.create_function(FunctionName="rot", Runtime="python3.12", Role=ROLE, Handler="lambda_function.lambda_handler",
                            Timeout=30, Code={"ZipFile": zip_files({"lambda_function.py": ROTATION_TEMPLATE})},
                            Environment={"Variables": {"SECRETS_MANAGER_ENDPOINT": "http://127.0.0.1:1"}})
        sm.create_secret(Name="durable", SecretString="plaintext-marker-one")
        v2 = sm.put_secret_value(SecretId="durable", SecretString="plaintext-marker-two")["VersionId"]
        sm.create_secret(Name="bin-durable", SecretBinary=b"plaintext-marker-bin")
        sm.create_secret(Name="doomed", SecretString="plaintext-marker-doomed")
        sm.delete_secret(SecretId="doomed", RecoveryWindowInDays=7)
        sm.create_secret(Name="scheduled", SecretString="plaintext-marker-sched")
        sm.rotate_secret(SecretId="scheduled", RotateImmediately=False,
                         RotationLambdaARN="rot", RotationRules={"AutomaticallyAfterDays": 2})
        time.sleep(1)
        self.s.kill9()
        # No secret plaintext anywhere in the data directory (WAL, tables, logs).
        for root, _, files in os.walk(self.dir):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    data = fh.read()
                self.assertNotIn(b"plaintext-marker", data, os.path.join(root, f))
        # Everything acknowledged is back after kill -9.
        sm, lam = self.start()
        v = sm.get_secret_value(SecretId="durable")
        self.assertEqual((v["SecretString"], v["VersionId"]), ("plaintext-marker-two", v2))
        self.assertEqual(sm.get_secret_value(SecretId="durable", VersionStage="AWSPREVIOUS")["SecretString"], "plaintext-marker-one")
        self.assertEqual(sm.get_secret_value(SecretId="bin-durable")["SecretBinary"], b"plaintext-marker-bin")
        self.assertIn("DeletedDate", sm.describe_secret(SecretId="doomed"))
        self.s.stop()
        # Three days later: the scheduled rotation ran (the function reaches this stratus now).
        sm, lam = self.start(offset_days=3)
        lam.update_function_configuration(FunctionName="rot", Environment={"Variables": {
            "SECRETS_MANAGER_ENDPOINT": self.s.endpoint}})
        self.assertTrue(wait_until(lambda: sm.get_secret_value(SecretId="scheduled")["SecretString"] != "plaintext-marker-sched",
                                   timeout=60))
        self.assertIn("AWSPREVIOUS", str(sm.describe_secret(SecretId="scheduled")["VersionIdsToStages"]))
        self.assertIn("doomed", [x["Name"] for x in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]])
        self.s.stop()
        # Eight days later: the recovery window is over and the sweep deleted the secret.
        sm, lam = self.start(offset_days=8)
        self.assertTrue(wait_until(lambda: err(lambda: sm.describe_secret(SecretId="doomed")) is not None, timeout=10))
        self.assertEqual(err(lambda: sm.describe_secret(SecretId="doomed"))[0], "ResourceNotFoundException")
        sm.create_secret(Name="doomed", SecretString="reborn")


if __name__ == "__main__":
    unittest.main()
