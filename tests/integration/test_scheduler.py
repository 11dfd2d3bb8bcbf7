"""EventBridge Scheduler through boto3 and the aws CLI: schedule groups (the default group, tags,
deleting a group deletes its schedules), schedules (create/get/update/delete/list with filters and
pages, ClientToken), AWS's validation errors (bad expressions, time zones, windows, dates, targets)
and schedules that really fire: at() a few seconds ahead and rate() into SQS (standard and FIFO),
SNS, Lambda and a universal target, context attributes in the input, ActionAfterCompletion DELETE,
retries and the dead-letter queue, and kill -9 (a stored schedule fires after the restart, a missed
at() fires once)."""
import datetime
import json
import os
import tempfile
import time
import unittest

import lambda_util
from harness import Stratus, error_code, error_response, wait_until

ROLE = "arn:aws:iam::000000000000:role/scheduler-role"
OFF = {"Mode": "OFF"}
FAST = {"STRATUS_SCHEDULER_TICK_MS": "200", "STRATUS_SCHEDULER_RETRY_MS": "100",
        "STRATUS_SCHEDULER_WINDOW_MINUTE_MS": "1000"}  # a flexible window's minute lasts a second


TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                           "Principal": {"Service": "scheduler.amazonaws.com"}}]})


def make_role(stratus, name="scheduler-role", trust=TRUST):
    """The execution role CreateSchedule checks (it must exist and trust scheduler.amazonaws.com)."""
    return stratus.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]


def at_in(seconds, tz=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    if tz:
        import zoneinfo
        now = now.astimezone(zoneinfo.ZoneInfo(tz))
    return "at(" + (now + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S") + ")"


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus(env=FAST).start()
        make_role(cls.stratus)
        cls.s = cls.stratus.client("scheduler")
        cls.sqs = cls.stratus.client("sqs")

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def queue(self, name, **attrs):
        url = self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def receive(self, url, wait=15, attrs=False):
        deadline = time.time() + wait
        while time.time() < deadline:
            kw = {"MessageAttributeNames": ["All"]} if attrs else {}
            msgs = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, MaxNumberOfMessages=10, **kw)
            if msgs.get("Messages"):
                return msgs["Messages"]
        return []

    def create(self, name, expr, arn, **kw):
        target = {"Arn": arn, "RoleArn": ROLE}
        target.update(kw.pop("target", {}))
        return self.s.create_schedule(Name=name, ScheduleExpression=expr, FlexibleTimeWindow=kw.pop("ftw", OFF),
                                      Target=target, **kw)


class Groups(Base):
    def test_default_group_exists_and_cannot_be_deleted(self):
        g = self.s.get_schedule_group(Name="default")
        self.assertEqual(g["Name"], "default")
        self.assertEqual(g["State"], "ACTIVE")
        self.assertEqual(g["Arn"], "arn:aws:scheduler:us-east-1:000000000000:schedule-group/default")
        self.assertIn("CreationDate", g)
        self.assertEqual(error_code(lambda: self.s.delete_schedule_group(Name="default")), "ValidationException")

    def test_group_lifecycle_tags_and_errors(self):
        arn = self.s.create_schedule_group(Name="g1", Tags=[{"Key": "team", "Value": "a"}])["ScheduleGroupArn"]
        self.assertEqual(arn, "arn:aws:scheduler:us-east-1:000000000000:schedule-group/g1")
        err = error_response(lambda: self.s.create_schedule_group(Name="g1"))
        self.assertEqual(err["Error"]["Code"], "ConflictException")
        self.assertEqual(err["Error"]["Message"], "Schedule group g1 already exists.")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 409)
        # The same ClientToken again is the same request: no conflict.
        a = self.s.create_schedule_group(Name="g-idem", ClientToken="tok-1")["ScheduleGroupArn"]
        self.assertEqual(self.s.create_schedule_group(Name="g-idem", ClientToken="tok-1")["ScheduleGroupArn"], a)
        self.assertEqual(self.s.list_tags_for_resource(ResourceArn=arn)["Tags"], [{"Key": "team", "Value": "a"}])
        self.s.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "dev"}])
        tags = {t["Key"]: t["Value"] for t in self.s.list_tags_for_resource(ResourceArn=arn)["Tags"]}
        self.assertEqual(tags, {"team": "b", "env": "dev"})
        self.s.untag_resource(ResourceArn=arn, TagKeys=["team"])
        self.assertEqual(self.s.list_tags_for_resource(ResourceArn=arn)["Tags"], [{"Key": "env", "Value": "dev"}])
        err = error_response(lambda: self.s.get_schedule_group(Name="nope"))
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(err["Error"]["Message"], "Schedule group nope does not exist.")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        missing = "arn:aws:scheduler:us-east-1:000000000000:schedule-group/nope"
        self.assertEqual(error_code(lambda: self.s.list_tags_for_resource(ResourceArn=missing)),
                         "ResourceNotFoundException")
        # Tags are for schedule groups only (the model's ARN pattern).
        self.assertEqual(error_code(lambda: self.s.list_tags_for_resource(
            ResourceArn="arn:aws:scheduler:us-east-1:000000000000:schedule/default/x")), "ValidationException")

    def test_list_groups_prefix_and_pages(self):
        for n in ("lp-a", "lp-b", "lp-c"):
            self.s.create_schedule_group(Name=n)
        page = self.s.list_schedule_groups(NamePrefix="lp-", MaxResults=2)
        self.assertEqual([g["Name"] for g in page["ScheduleGroups"]], ["lp-a", "lp-b"])
        rest = self.s.list_schedule_groups(NamePrefix="lp-", MaxResults=2, NextToken=page["NextToken"])
        self.assertEqual([g["Name"] for g in rest["ScheduleGroups"]], ["lp-c"])
        self.assertNotIn("NextToken", rest)
        names = [g["Name"] for g in self.s.list_schedule_groups()["ScheduleGroups"]]
        self.assertIn("default", names)

    def test_deleting_a_group_deletes_its_schedules(self):
        self.s.create_schedule_group(Name="doomed")
        _, q = self.queue("doomed-q")
        self.create("s1", "rate(1 hour)", q, GroupName="doomed", StartDate=time.time() + 3600)
        self.create("s2", "rate(1 hour)", q, GroupName="doomed", StartDate=time.time() + 3600)
        self.s.delete_schedule_group(Name="doomed")
        self.assertEqual(error_code(lambda: self.s.get_schedule_group(Name="doomed")), "ResourceNotFoundException")
        self.assertEqual(self.s.list_schedules(NamePrefix="s")["Schedules"], [])
        self.assertEqual(error_code(lambda: self.s.list_schedules(GroupName="doomed")), "ResourceNotFoundException")


class Schedules(Base):
    def test_create_get_update_delete(self):
        _, q = self.queue("crud-q")
        start = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
        arn = self.create("crud", "cron(0 12 ? * MON-FRI *)", q, Description="d", ScheduleExpressionTimezone="Europe/Berlin",
                          StartDate=start, target={"Input": "{}", "SqsParameters": {}})["ScheduleArn"]
        self.assertEqual(arn, "arn:aws:scheduler:us-east-1:000000000000:schedule/default/crud")
        g = self.s.get_schedule(Name="crud")
        self.assertEqual(g["Arn"], arn)
        self.assertEqual(g["GroupName"], "default")
        self.assertEqual(g["State"], "ENABLED")
        self.assertEqual(g["ActionAfterCompletion"], "NONE")
        self.assertEqual(g["ScheduleExpressionTimezone"], "Europe/Berlin")
        self.assertEqual(g["StartDate"], start)
        self.assertEqual(g["Description"], "d")
        self.assertEqual(g["FlexibleTimeWindow"], {"Mode": "OFF"})
        self.assertEqual(g["Target"]["RetryPolicy"], {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185})
        # Update replaces everything: the omitted Description is gone.
        self.s.update_schedule(Name="crud", ScheduleExpression="rate(5 minutes)", State="DISABLED",
                               FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10},
                               Target={"Arn": q, "RoleArn": ROLE,
                                       "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 60}})
        g = self.s.get_schedule(Name="crud")
        self.assertEqual(g["ScheduleExpression"], "rate(5 minutes)")
        self.assertEqual(g["State"], "DISABLED")
        self.assertNotIn("Description", g)
        self.assertNotIn("ScheduleExpressionTimezone", g)
        self.assertEqual(g["FlexibleTimeWindow"], {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10})
        self.assertEqual(g["Target"]["RetryPolicy"], {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 60})
        self.s.delete_schedule(Name="crud")
        err = error_response(lambda: self.s.get_schedule(Name="crud"))
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(err["Error"]["Message"], "Schedule crud does not exist.")
        self.assertEqual(error_code(lambda: self.s.delete_schedule(Name="crud")), "ResourceNotFoundException")
        self.assertEqual(error_code(lambda: self.s.update_schedule(
            Name="crud", ScheduleExpression="rate(5 minutes)", FlexibleTimeWindow=OFF,
            Target={"Arn": q, "RoleArn": ROLE})), "ResourceNotFoundException")

    def test_conflict_and_client_token(self):
        _, q = self.queue("tok-q")
        later = time.time() + 3600
        a = self.create("tok", "rate(1 hour)", q, ClientToken="same-token", StartDate=later)["ScheduleArn"]
        self.assertEqual(self.create("tok", "rate(1 hour)", q, ClientToken="same-token", StartDate=later)["ScheduleArn"], a)
        err = error_response(lambda: self.create("tok", "rate(1 hour)", q, StartDate=later))
        self.assertEqual(err["Error"]["Code"], "ConflictException")
        self.assertEqual(err["Error"]["Message"], "Schedule tok already exists.")
        # A schedule of the same name in another group is another schedule.
        self.s.create_schedule_group(Name="other")
        self.create("tok", "rate(1 hour)", q, GroupName="other", StartDate=later)
        self.assertEqual(self.s.get_schedule(Name="tok", GroupName="other")["GroupName"], "other")
        self.assertEqual(error_code(lambda: self.create("x", "rate(1 hour)", q, GroupName="missing")),
                         "ResourceNotFoundException")

    def test_list_filters_and_pages(self):
        _, q = self.queue("list-q")
        later = time.time() + 3600
        self.s.create_schedule_group(Name="lg")
        for n in ("ls-1", "ls-2", "ls-3"):
            self.create(n, "rate(1 hour)", q, GroupName="lg", StartDate=later)
        self.create("ls-4", "rate(1 hour)", q, GroupName="lg", State="DISABLED", StartDate=later)
        self.create("other-1", "rate(1 hour)", q, GroupName="lg", StartDate=later)
        names = lambda r: [x["Name"] for x in r["Schedules"]]
        self.assertEqual(names(self.s.list_schedules(GroupName="lg", NamePrefix="ls-")), ["ls-1", "ls-2", "ls-3", "ls-4"])
        self.assertEqual(names(self.s.list_schedules(GroupName="lg", State="DISABLED")), ["ls-4"])
        p1 = self.s.list_schedules(GroupName="lg", MaxResults=2)
        self.assertEqual(len(p1["Schedules"]), 2)
        p2 = self.s.list_schedules(GroupName="lg", MaxResults=2, NextToken=p1["NextToken"])
        p3 = self.s.list_schedules(GroupName="lg", MaxResults=2, NextToken=p2["NextToken"])
        self.assertEqual(len(names(p1) + names(p2) + names(p3)), 5)
        self.assertNotIn("NextToken", p3)
        s = self.s.list_schedules(GroupName="lg", NamePrefix="ls-1")["Schedules"][0]
        self.assertEqual(s["Target"], {"Arn": q})
        self.assertEqual(s["GroupName"], "lg")
        self.assertIn("CreationDate", s)
        # The paginator of boto3 walks the pages.
        pages = self.s.get_paginator("list_schedules").paginate(GroupName="lg", PaginationConfig={"PageSize": 2})
        self.assertEqual(sum(len(p["Schedules"]) for p in pages), 5)

    def test_validation_errors(self):
        _, q = self.queue("val-q")

        raw = self.stratus.client("scheduler", parameter_validation=False)  # the server's own checks

        def bad(expected_message=None, **kw):
            target = {"Arn": kw.pop("arn", q), "RoleArn": ROLE}
            target.update(kw.pop("target", {}))
            err = error_response(lambda: raw.create_schedule(
                Name=kw.pop("Name", "v"), ScheduleExpression=kw.pop("expr", "rate(5 minutes)"),
                FlexibleTimeWindow=kw.pop("ftw", OFF), Target=target, **kw))
            self.assertEqual(err["Error"]["Code"], "ValidationException", kw)
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
            if expected_message:
                self.assertEqual(err["Error"]["Message"], expected_message)

        for expr in ("rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 weeks)", "cron(0 12 * * * *)",
                     "cron(0 12 * * ?)", "cron(60 12 * * ? *)", "cron(0 12 ? * 3#1,6#3 *)", "at(2026-02-30T00:00:00)",
                     "at(2030-01-01 00:00:00)", "every 5 minutes"):
            bad(f"Invalid Schedule Expression {expr}.", expr=expr)
        bad(ScheduleExpressionTimezone="Mars/Olympus")
        bad(ftw={"Mode": "FLEXIBLE"})
        bad(ftw={"Mode": "OFF", "MaximumWindowInMinutes": 5})
        bad(ftw={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1441})  # the model's range
        bad("The StartDate you specify cannot be earlier than 5 minutes ago.", StartDate=time.time() - 3600)
        bad(StartDate=time.time() + 7200, EndDate=time.time() + 3600)
        bad(target={"RetryPolicy": {"MaximumRetryAttempts": 186}})
        bad(target={"RetryPolicy": {"MaximumEventAgeInSeconds": 59}})
        bad(target={"RoleArn": "not-a-role"})
        # The execution role must exist and trust scheduler.amazonaws.com.
        refused = "The execution role you provide must allow AWS EventBridge Scheduler to assume the role."
        bad(refused, target={"RoleArn": "arn:aws:iam::000000000000:role/missing"})
        lambda_only = make_role(self.stratus, "lambda-only", TRUST.replace("scheduler.amazonaws.com",
                                                                           "lambda.amazonaws.com"))
        bad(refused, target={"RoleArn": lambda_only})
        bad(target={"DeadLetterConfig": {"Arn": "arn:aws:sns:us-east-1:000000000000:t"}})
        bad("1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$", Name="bad name")
        # Universal targets refuse read-only actions; Lambda targets want JSON input.
        bad(arn="arn:aws:scheduler:::aws-sdk:sqs:listQueues")
        bad(arn="arn:aws:scheduler:::aws-sdk:dynamodb:getItem")
        bad(arn="arn:aws:lambda:us-east-1:000000000000:function:f", target={"Input": "not json"})
        bad(arn="arn:aws:scheduler:::aws-sdk:sqs:sendMessage", target={"Input": "{not json"})
        bad(arn="arn:aws:scheduler:::aws-sdk:sqs")
        # StartDate in the past is fine for one-time schedules (ignored).
        self.create("v-at", at_in(3600), q, StartDate=time.time() - 3600)

    def test_aws_cli(self):
        _, q = self.queue("cli-q")
        out = self.stratus.aws("scheduler", "create-schedule", "--name", "cli", "--schedule-expression",
                               "cron(15 10 ? * 6L 2030-2032)", "--flexible-time-window", "Mode=OFF",
                               "--target", json.dumps({"Arn": q, "RoleArn": ROLE}))
        self.assertTrue(out["ScheduleArn"].endswith(":schedule/default/cli"))
        got = self.stratus.aws("scheduler", "get-schedule", "--name", "cli")
        self.assertEqual(got["ScheduleExpression"], "cron(15 10 ? * 6L 2030-2032)")
        listed = self.stratus.aws("scheduler", "list-schedules", "--name-prefix", "cli")
        self.assertEqual([s["Name"] for s in listed["Schedules"]], ["cli"])
        cp = self.stratus.aws("scheduler", "create-schedule", "--name", "cli2", "--schedule-expression",
                              "rate(1 hours)", "--flexible-time-window", "Mode=OFF",
                              "--target", json.dumps({"Arn": q, "RoleArn": ROLE}), check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("ValidationException", cp.stderr)
        self.stratus.aws("scheduler", "delete-schedule", "--name", "cli")


class Firing(Base):
    def test_at_into_sqs_with_context_attributes_then_deleted(self):
        url, q = self.queue("at-q")
        inp = ('{"arn":"<aws.scheduler.schedule-arn>","time":"<aws.scheduler.scheduled-time>",'
               '"exec":"<aws.scheduler.execution-id>","attempt":<aws.scheduler.attempt-number>}')
        expr = at_in(3)
        arn = self.create("once", expr, q, ActionAfterCompletion="DELETE", target={"Input": inp})["ScheduleArn"]
        msgs = self.receive(url)
        self.assertEqual(len(msgs), 1)
        body = json.loads(msgs[0]["Body"])
        self.assertEqual(body["arn"], arn)
        self.assertEqual(body["time"], expr[3:-1] + "Z")
        self.assertEqual(body["attempt"], 1)
        self.assertRegex(body["exec"], r"^[0-9a-z]{16}$")
        self.assertTrue(wait_until(lambda: error_code(lambda: self.s.get_schedule(Name="once")) ==
                                   "ResourceNotFoundException", timeout=5))
        # Fired once only.
        self.assertEqual(self.receive(url, wait=3), [])

    def test_at_in_a_time_zone_and_without_delete(self):
        url, q = self.queue("tz-q")
        self.create("ny", at_in(3, "America/New_York"), q, ScheduleExpressionTimezone="America/New_York",
                    target={"Input": "hello from NY"})
        msgs = self.receive(url)
        self.assertEqual([m["Body"] for m in msgs], ["hello from NY"])
        # ActionAfterCompletion NONE: the completed schedule stays.
        self.assertEqual(self.s.get_schedule(Name="ny")["Name"], "ny")

    def test_rate_starts_at_once_and_disabled_does_not_fire(self):
        url, q = self.queue("rate-q")
        self.create("every-minute", "rate(1 minute)", q, target={"Input": "tick"})
        self.assertEqual([m["Body"] for m in self.receive(url)], ["tick"])
        url2, q2 = self.queue("disabled-q")
        self.create("off", at_in(2), q2, State="DISABLED")
        self.assertEqual(self.receive(url2, wait=4), [])
        self.s.delete_schedule(Name="every-minute")

    def test_flexible_window_invokes_within_the_window(self):
        url, q = self.queue("flex-q")
        expr = at_in(2)
        self.create("flex", expr, q, ftw={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 3},
                    target={"Input": "<aws.scheduler.scheduled-time>"})
        msgs = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=15, AttributeNames=["SentTimestamp"])["Messages"]
        self.assertEqual(msgs[0]["Body"], expr[3:-1] + "Z")  # the scheduled time, not the picked one
        sched = datetime.datetime.strptime(expr[3:-1], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        sent = int(msgs[0]["Attributes"]["SentTimestamp"]) / 1000
        self.assertGreaterEqual(sent, sched.timestamp())
        self.assertLess(sent, sched.timestamp() + 3 + 1.5)  # 3 "minutes" of a second each, plus a tick

    def test_fifo_queue_with_message_group(self):
        url, q = self.queue("sched.fifo", FifoQueue="true", ContentBasedDeduplication="true")
        self.create("fifo", at_in(2), q, target={"Input": "fifo!", "SqsParameters": {"MessageGroupId": "g1"}})
        msgs = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, AttributeNames=["MessageGroupId"])
        self.assertEqual(msgs["Messages"][0]["Body"], "fifo!")
        self.assertEqual(msgs["Messages"][0]["Attributes"]["MessageGroupId"], "g1")

    def test_universal_target_calls_the_action(self):
        url, _ = self.queue("universal-q")
        self.create("uni", at_in(2), "arn:aws:scheduler:::aws-sdk:sqs:sendMessage",
                    target={"Input": json.dumps({"QueueUrl": url, "MessageBody": "via sdk <aws.scheduler.attempt-number>"})})
        self.assertEqual([m["Body"] for m in self.receive(url)], ["via sdk 1"])

    def test_retryable_failures_are_retried_then_dead_lettered(self):
        dlq_url, dlq = self.queue("retry-dlq")
        # No such service in Stratus: ServiceUnavailableException (503), which is retried.
        target = "arn:aws:scheduler:::aws-sdk:kinesis:putRecord"
        self.create("retrying", at_in(1), target,
                    target={"Input": '{"attempt": <aws.scheduler.attempt-number>}', "DeadLetterConfig": {"Arn": dlq},
                            "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 600}})
        msgs = self.receive(dlq_url, attrs=True)
        self.assertEqual(len(msgs), 1)
        self.assertEqual(json.loads(msgs[0]["Body"]), {"attempt": 3})
        a = {k: v["StringValue"] for k, v in msgs[0]["MessageAttributes"].items()}
        self.assertEqual(a["RETRY_ATTEMPTS"], "2")
        self.assertEqual(a["EXHAUSTED_RETRY_CONDITION"], "MaximumRetryAttempts")
        self.assertEqual(a["ERROR_CODE"], "ServiceUnavailableException")
        self.assertEqual(a["TARGET_ARN"], target)

    def test_updating_the_target_does_not_fire_a_rate_again(self):
        url, q = self.queue("upd-q")
        self.create("upd", "rate(1 hour)", q, target={"Input": "first"})
        self.assertEqual([m["Body"] for m in self.receive(url)], ["first"])
        self.s.update_schedule(Name="upd", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
                               Target={"Arn": q, "RoleArn": ROLE, "Input": "second"})
        self.assertEqual(self.receive(url, wait=3), [])
        # A new expression starts afresh (rate(): at once).
        self.s.update_schedule(Name="upd", ScheduleExpression="rate(2 hours)", FlexibleTimeWindow=OFF,
                               Target={"Arn": q, "RoleArn": ROLE, "Input": "third"})
        self.assertEqual([m["Body"] for m in self.receive(url)], ["third"])
        self.s.delete_schedule(Name="upd")

    def test_eventbridge_target_puts_an_event(self):
        health = json.loads(self.stratus.http("GET", "/_stratus/health")[2])
        if "events" not in health.get("services", {}):
            self.skipTest("EventBridge (events) is not among the services")
        url, q = self.queue("bus-q")
        ev = self.stratus.client("events")
        ev.put_rule(Name="from-scheduler", EventPattern=json.dumps({"source": ["my.scheduler.app"]}))
        ev.put_targets(Rule="from-scheduler", Targets=[{"Id": "q", "Arn": q}])
        bus = ev.describe_event_bus()["Arn"]
        expr = at_in(2)
        arn = self.create("to-bus", expr, bus, target={
            "Input": '{"at": "<aws.scheduler.scheduled-time>"}',
            "EventBridgeParameters": {"DetailType": "Scheduled Tick", "Source": "my.scheduler.app"}})["ScheduleArn"]
        msgs = self.receive(url)
        event = json.loads(msgs[0]["Body"])
        self.assertEqual(event["detail-type"], "Scheduled Tick")
        self.assertEqual(event["source"], "my.scheduler.app")
        self.assertEqual(event["resources"], [arn])
        self.assertEqual(event["detail"], {"at": expr[3:-1] + "Z"})

    def test_sns_target(self):
        url, q = self.queue("sns-sub-q")
        sns = self.stratus.client("sns")
        topic = sns.create_topic(Name="sched-topic")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=q, Attributes={"RawMessageDelivery": "true"})
        self.create("to-sns", at_in(2), topic, target={"Input": "to the topic"})
        self.assertEqual([m["Body"] for m in self.receive(url)], ["to the topic"])

    def test_lambda_target_gets_the_input(self):
        out = tempfile.mktemp(prefix="sched-lambda-")
        lam = self.stratus.client("lambda")
        code = "import json, os\ndef handler(event, context):\n    open(os.environ['OUT'], 'a').write(json.dumps(event))\n"
        fn = lam.create_function(FunctionName="sched-fn", Runtime="python3.12", Role=lambda_util.ROLE,
                                 Handler="app.handler", Code={"ZipFile": lambda_util.zip_files({"app.py": code})},
                                 Environment={"Variables": {"OUT": out}})["FunctionArn"]
        lambda_util.wait_for(lambda: lam.get_function(FunctionName="sched-fn")["Configuration"]["State"] == "Active")
        self.create("to-lambda", at_in(2), fn, target={"Input": '{"from": "<aws.scheduler.schedule-arn>"}'})
        self.assertTrue(wait_until(lambda: os.path.exists(out) and os.path.getsize(out) > 0, timeout=30))
        with open(out) as f:
            self.assertEqual(json.loads(f.read()),
                             {"from": "arn:aws:scheduler:us-east-1:000000000000:schedule/default/to-lambda"})
        os.unlink(out)

    def test_failures_retry_then_dead_letter(self):
        dlq_url, dlq = self.queue("sched-dlq")
        missing = "arn:aws:sqs:us-east-1:000000000000:does-not-exist"
        arn = self.create("failing", at_in(2), missing,
                          target={"Input": "lost", "DeadLetterConfig": {"Arn": dlq},
                                  "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}})["ScheduleArn"]
        msgs = self.receive(dlq_url, attrs=True)
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["Body"], "lost")
        a = {k: v["StringValue"] for k, v in msgs[0]["MessageAttributes"].items()}
        self.assertEqual(a["SCHEDULE_ARN"], arn)
        self.assertEqual(a["TARGET_ARN"], missing)
        self.assertEqual(a["ERROR_CODE"], "QueueDoesNotExist")  # SQS's error for the SendMessage
        self.assertEqual(a["RETRY_ATTEMPTS"], "0")  # not retried: a missing queue stays missing
        self.assertIn("EXECUTION_ID", a)
        self.assertIn("SCHEDULED_TIME", a)


class Durability(unittest.TestCase):
    def setUp(self):
        self.stratus = Stratus(env=FAST).start()
        make_role(self.stratus)

    def tearDown(self):
        self.stratus.cleanup()

    def test_schedules_survive_kill9_and_a_missed_at_fires_once(self):
        sqs = self.stratus.client("sqs")
        s = self.stratus.client("scheduler")
        url = sqs.create_queue(QueueName="durable-q")["QueueUrl"]
        q = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        s.create_schedule_group(Name="kept", Tags=[{"Key": "k", "Value": "v"}])
        s.create_schedule(Name="later", GroupName="kept", ScheduleExpression="cron(0 12 * * ? 2031)",
                          FlexibleTimeWindow=OFF, Target={"Arn": q, "RoleArn": ROLE})
        s.create_schedule(Name="missed", ScheduleExpression=at_in(2), FlexibleTimeWindow=OFF,
                          Target={"Arn": q, "RoleArn": ROLE, "Input": "missed run"})
        self.stratus.kill9()
        time.sleep(4)  # the at() time passes while the server is down
        self.stratus.start()
        sqs = self.stratus.client("sqs")
        s = self.stratus.client("scheduler")
        self.assertEqual(s.get_schedule(Name="later", GroupName="kept")["ScheduleExpression"], "cron(0 12 * * ? 2031)")
        arn = s.get_schedule_group(Name="kept")["Arn"]
        self.assertEqual(s.list_tags_for_resource(ResourceArn=arn)["Tags"], [{"Key": "k", "Value": "v"}])
        msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
        self.assertEqual([m["Body"] for m in msgs], ["missed run"])
        time.sleep(2)
        self.assertNotIn("Messages", sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1))


class RetriesAcrossRestart(unittest.TestCase):
    def setUp(self):
        env = dict(FAST, STRATUS_SCHEDULER_RETRY_MS="1000")  # retries after 1, 2, 4 s
        self.stratus = Stratus(env=env).start()
        make_role(self.stratus)

    def tearDown(self):
        self.stratus.cleanup()

    def test_pending_retries_survive_kill9(self):
        sqs = self.stratus.client("sqs")
        dlq_url = sqs.create_queue(QueueName="restart-dlq")["QueueUrl"]
        dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.stratus.client("scheduler").create_schedule(
            Name="retry-restart", ScheduleExpression=at_in(1), FlexibleTimeWindow=OFF,
            Target={"Arn": "arn:aws:scheduler:::aws-sdk:kinesis:putRecord", "RoleArn": ROLE,
                    "Input": '{"attempt": <aws.scheduler.attempt-number>}', "DeadLetterConfig": {"Arn": dlq},
                    "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600}})
        time.sleep(3.5)  # fired, attempted, retrying
        self.stratus.kill9()
        self.stratus.start()
        sqs = self.stratus.client("sqs")
        msgs = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=15, MessageAttributeNames=["All"])["Messages"]
        # The attempt count went on from where it was: 4 attempts in all, one dead letter.
        self.assertEqual(json.loads(msgs[0]["Body"]), {"attempt": 4})
        self.assertEqual(msgs[0]["MessageAttributes"]["RETRY_ATTEMPTS"]["StringValue"], "3")
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=msgs[0]["ReceiptHandle"])
        self.assertNotIn("Messages", sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=2))


if __name__ == "__main__":
    unittest.main()
