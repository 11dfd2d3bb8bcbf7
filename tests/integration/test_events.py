"""EventBridge through boto3 and the aws CLI: buses and policies, PutEvents, rules, targets
(SQS incl. FIFO, SNS, Lambda, another bus, CloudWatch Logs), Input/InputPath/InputTransformer,
retries and dead letters, schedules, archives and replays, and AWS's errors."""
import json
import os
import time
import unittest
from datetime import datetime, timedelta, timezone

import botocore.exceptions

from harness import Stratus, StratusTestCase, collect_sqs, wait_until

os.environ.setdefault("STRATUS_EVENTS_RETRY_MS", "50")
os.environ.setdefault("STRATUS_EVENTS_MINUTE_MS", "1000")
os.environ.setdefault("STRATUS_CLOUDWATCH_FLUSH_MS", "200")

EVENT = {"id": "7bf73129-1428-4cd3-a780-95db273d1602", "detail-type": "EC2 Instance State-change Notification",
         "source": "aws.ec2", "account": "123456789012", "time": "2015-11-11T21:29:54Z", "region": "us-east-1",
         "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
         "detail": {"instance-id": "i-0123456789", "state": "RUNNING"}}


class Events(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.ev = self.stratus.client("events")
        self.sqs = self.stratus.client("sqs")

    def err(self, fn):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn()
        e = cm.exception.response["Error"]
        return e["Code"], e.get("Message", "")

    def queue(self, name, **attrs):
        url = self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def receive(self, url, n=1, timeout=10):
        got = []
        deadline = time.time() + timeout
        while len(got) < n and time.time() < deadline:
            out = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10,
                                           MessageAttributeNames=["All"])
            for m in out.get("Messages", []):
                got.append(m)
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return got

    def put(self, source="my.app", detail=None, bus=None, **kw):
        e = {"Source": source, "DetailType": kw.pop("detail_type", "thing happened"),
             "Detail": json.dumps(detail if detail is not None else {"a": 1})}
        if bus:
            e["EventBusName"] = bus
        e.update(kw)
        out = self.ev.put_events(Entries=[e])
        self.assertEqual(out["FailedEntryCount"], 0, out)
        return out["Entries"][0]["EventId"]

    # ---- buses ----
    def test_buses_and_policies(self):
        buses = self.ev.list_event_buses()["EventBuses"]
        self.assertIn("default", [b["Name"] for b in buses])
        arn = self.ev.create_event_bus(Name="orders", Description="d", Tags=[{"Key": "k", "Value": "v"}])["EventBusArn"]
        self.assertEqual(arn, "arn:aws:events:us-east-1:000000000000:event-bus/orders")
        self.assertEqual(self.err(lambda: self.ev.create_event_bus(Name="orders")),
                         ("ResourceAlreadyExistsException", "Event bus orders already exists."))
        self.assertEqual(self.err(lambda: self.ev.create_event_bus(Name="default"))[0], "ResourceAlreadyExistsException")
        d = self.ev.describe_event_bus(Name="orders")
        self.assertEqual((d["Name"], d["Arn"], d["Description"]), ("orders", arn, "d"))
        self.assertEqual(self.ev.describe_event_bus(Name=arn)["Name"], "orders")
        self.assertEqual(self.err(lambda: self.ev.describe_event_bus(Name="nope")),
                         ("ResourceNotFoundException", "Event bus nope does not exist."))
        self.assertEqual(self.ev.list_tags_for_resource(ResourceARN=arn)["Tags"], [{"Key": "k", "Value": "v"}])
        names = [b["Name"] for b in self.ev.list_event_buses(NamePrefix="ord")["EventBuses"]]
        self.assertEqual(names, ["orders"])
        # paging
        self.ev.create_event_bus(Name="orders2")
        page = self.ev.list_event_buses(NamePrefix="ord", Limit=1)
        self.assertEqual(len(page["EventBuses"]), 1)
        page2 = self.ev.list_event_buses(NamePrefix="ord", Limit=1, NextToken=page["NextToken"])
        self.assertEqual(page2["EventBuses"][0]["Name"], "orders2")
        # permissions
        self.ev.put_permission(EventBusName="orders", Action="events:PutEvents", Principal="111122223333",
                               StatementId="s1")
        pol = json.loads(self.ev.describe_event_bus(Name="orders")["Policy"])
        self.assertEqual(pol["Statement"][0]["Principal"], {"AWS": "arn:aws:iam::111122223333:root"})
        self.assertEqual(pol["Statement"][0]["Resource"], arn)
        self.assertEqual(self.err(lambda: self.ev.remove_permission(EventBusName="orders", StatementId="zz")),
                         ("ResourceNotFoundException", "Statement with the provided id does not exist."))
        self.ev.remove_permission(EventBusName="orders", StatementId="s1")
        self.assertNotIn("Policy", self.ev.describe_event_bus(Name="orders"))
        self.assertEqual(self.err(lambda: self.ev.delete_event_bus(Name="default")),
                         ("ValidationException", "Cannot delete event bus default."))
        self.ev.delete_event_bus(Name="orders2")
        self.assertEqual(self.err(lambda: self.ev.describe_event_bus(Name="orders2"))[0], "ResourceNotFoundException")

    def test_update_bus_and_whole_policy(self):
        self.ev.create_event_bus(Name="upd")
        out = self.ev.update_event_bus(Name="upd", Description="new text")
        self.assertEqual(out["Description"], "new text")
        self.assertEqual(self.ev.describe_event_bus(Name="upd")["Description"], "new text")
        policy = {"Version": "2012-10-17", "Statement": [{"Sid": "all", "Effect": "Allow", "Principal": "*",
                                                           "Action": "events:PutEvents",
                                                           "Resource": "arn:aws:events:us-east-1:000000000000:event-bus/upd"}]}
        self.ev.put_permission(EventBusName="upd", Policy=json.dumps(policy))
        self.assertEqual(json.loads(self.ev.describe_event_bus(Name="upd")["Policy"]), policy)
        self.assertEqual(self.err(lambda: self.ev.put_permission(EventBusName="upd", Policy="{nope"))[0],
                         "ValidationException")
        self.ev.remove_permission(EventBusName="upd", RemoveAllPermissions=True)
        self.assertNotIn("Policy", self.ev.describe_event_bus(Name="upd"))
        self.assertEqual(self.err(lambda: self.ev.update_event_bus(Name="nobus"))[0], "ResourceNotFoundException")

    # ---- PutEvents ----
    def test_put_events_entry_failures(self):
        out = self.ev.put_events(Entries=[
            {"Source": "my.app", "DetailType": "x", "Detail": "{}"},
            {"Source": "my.app", "DetailType": "x", "Detail": "[1]"},
            {"Source": "my.app", "DetailType": "x", "Detail": "not json"},
            {"Source": "aws.s3", "DetailType": "x", "Detail": "{}"},
            {"DetailType": "x", "Detail": "{}"},
            {"Source": "my.app", "Detail": "{}"},
            {"Source": "my.app", "DetailType": "x"},
            {"Source": "my.app", "DetailType": "x", "Detail": "{}", "EventBusName": "nope"},
        ])
        self.assertEqual(out["FailedEntryCount"], 7)
        e = out["Entries"]
        self.assertIn("EventId", e[0])
        self.assertEqual((e[1]["ErrorCode"], e[1]["ErrorMessage"]), ("MalformedDetail", "Detail is malformed."))
        self.assertEqual(e[2]["ErrorCode"], "MalformedDetail")
        self.assertEqual((e[3]["ErrorCode"], e[3]["ErrorMessage"]),
                         ("NotAuthorizedForSourceException", "Not authorized for the source."))
        self.assertEqual((e[4]["ErrorCode"], e[4]["ErrorMessage"]),
                         ("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."))
        self.assertEqual(e[5]["ErrorCode"], "InvalidArgument")
        self.assertEqual(e[6]["ErrorCode"], "InvalidArgument")
        self.assertEqual((e[7]["ErrorCode"], e[7]["ErrorMessage"]),
                         ("ResourceNotFoundException", "Event bus nope does not exist."))
        code, _ = self.err(lambda: self.ev.put_events(Entries=[{"Source": "a", "DetailType": "b", "Detail": "{}"}] * 11))
        self.assertEqual(code, "ValidationException")
        big = json.dumps({"x": "y" * (256 * 1024)})
        self.assertEqual(self.err(lambda: self.ev.put_events(Entries=[{"Source": "a", "DetailType": "b", "Detail": big}])),
                         ("ValidationException", "Total size of the entries in the request is over the limit."))

    def test_event_envelope_delivered_to_sqs(self):
        url, arn = self.queue("env-q")
        self.ev.put_rule(Name="env", EventPattern=json.dumps({"source": ["env.app"]}))
        self.ev.put_targets(Rule="env", Targets=[{"Id": "q", "Arn": arn}])
        t = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        eid = self.put("env.app", {"k": [1, 2], "b": {"z": 1, "a": 2}}, Time=t, Resources=["arn:aws:s3:::x"])
        msgs = self.receive(url)
        self.assertEqual(len(msgs), 1)
        body = msgs[0]["Body"]
        ev = json.loads(body)
        self.assertEqual(list(ev.keys()), ["version", "id", "detail-type", "source", "account", "time", "region",
                                           "resources", "detail"])
        self.assertEqual(ev["id"], eid)
        self.assertEqual(ev["time"], "2024-01-02T03:04:05Z")
        self.assertEqual(ev["resources"], ["arn:aws:s3:::x"])
        self.assertEqual(ev["account"], "000000000000")
        self.assertIn('"detail":{"k":[1,2],"b":{"z":1,"a":2}}', body)  # member order kept
        self.put("other.app")
        self.assertEqual(self.receive(url, timeout=1.5), [])

    # ---- rules ----
    def test_rules_crud_and_errors(self):
        arn = self.ev.put_rule(Name="r-a", EventPattern='{"source":["x"]}', Description="desc",
                               Tags=[{"Key": "t", "Value": "1"}])["RuleArn"]
        self.assertEqual(arn, "arn:aws:events:us-east-1:000000000000:rule/r-a")
        self.ev.create_event_bus(Name="custom")
        carn = self.ev.put_rule(Name="r-c", EventBusName="custom", EventPattern='{"source":["x"]}')["RuleArn"]
        self.assertEqual(carn, "arn:aws:events:us-east-1:000000000000:rule/custom/r-c")
        d = self.ev.describe_rule(Name="r-a")
        self.assertEqual((d["State"], d["Description"], d["EventBusName"]), ("ENABLED", "desc", "default"))
        self.assertEqual(self.err(lambda: self.ev.describe_rule(Name="nope")),
                         ("ResourceNotFoundException", "Rule nope does not exist on EventBus default."))
        self.assertEqual(self.err(lambda: self.ev.put_rule(Name="r-x")),
                         ("ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."))
        self.assertEqual(self.err(lambda: self.ev.put_rule(Name="r-x", ScheduleExpression="rate(1 minutes)")),
                         ("ValidationException", "Parameter ScheduleExpression is not valid."))
        self.assertEqual(self.err(lambda: self.ev.put_rule(Name="r-x", ScheduleExpression="rate(5 minute)"))[0],
                         "ValidationException")
        self.assertEqual(self.err(lambda: self.ev.put_rule(Name="r-x", ScheduleExpression="cron(0 12 * * * *)"))[0],
                         "ValidationException")
        self.assertEqual(self.err(lambda: self.ev.put_rule(Name="r-x", EventBusName="custom",
                                                           ScheduleExpression="rate(5 minutes)")),
                         ("ValidationException", "ScheduleExpression is supported only on the default event bus."))
        self.assertEqual(self.err(lambda: self.ev.put_rule(Name="r-x", EventBusName="nobus", EventPattern="{}"))[0],
                         "ResourceNotFoundException")
        code, msg = self.err(lambda: self.ev.put_rule(Name="r-x", EventPattern='{"source":"x"}'))
        self.assertEqual(code, "InvalidEventPatternException")
        self.assertTrue(msg.startswith("Event pattern is not valid. Reason: "), msg)
        # update replaces, tags of an update are ignored
        self.ev.put_rule(Name="r-a", EventPattern='{"source":["y"]}', Tags=[{"Key": "u", "Value": "2"}])
        d = self.ev.describe_rule(Name="r-a")
        self.assertNotIn("Description", d)
        self.assertEqual(self.ev.list_tags_for_resource(ResourceARN=arn)["Tags"], [{"Key": "t", "Value": "1"}])
        self.ev.disable_rule(Name="r-a")
        self.assertEqual(self.ev.describe_rule(Name="r-a")["State"], "DISABLED")
        self.ev.enable_rule(Name="r-a")
        self.assertEqual(self.ev.describe_rule(Name="r-a")["State"], "ENABLED")
        self.assertEqual(self.err(lambda: self.ev.enable_rule(Name="nope"))[0], "ResourceNotFoundException")
        # list with prefix and paging
        for n in ("p-1", "p-2", "p-3"):
            self.ev.put_rule(Name=n, EventPattern='{"source":["x"]}')
        page = self.ev.list_rules(NamePrefix="p-", Limit=2)
        self.assertEqual([r["Name"] for r in page["Rules"]], ["p-1", "p-2"])
        page = self.ev.list_rules(NamePrefix="p-", Limit=2, NextToken=page["NextToken"])
        self.assertEqual([r["Name"] for r in page["Rules"]], ["p-3"])
        self.assertNotIn("NextToken", page)
        self.assertEqual([r["Name"] for r in self.ev.list_rules(EventBusName="custom")["Rules"]], ["r-c"])
        # tags
        self.ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "t", "Value": "9"}, {"Key": "w", "Value": "x"}])
        self.ev.untag_resource(ResourceARN=arn, TagKeys=["w"])
        self.assertEqual(self.ev.list_tags_for_resource(ResourceARN=arn)["Tags"], [{"Key": "t", "Value": "9"}])
        self.assertEqual(self.err(lambda: self.ev.list_tags_for_resource(
            ResourceARN="arn:aws:events:us-east-1:000000000000:rule/none"))[0], "ResourceNotFoundException")
        # delete: refused while it has targets
        self.ev.put_targets(Rule="r-a", Targets=[{"Id": "1", "Arn": "arn:aws:sqs:us-east-1:000000000000:x"}])
        self.assertEqual(self.err(lambda: self.ev.delete_rule(Name="r-a")),
                         ("ValidationException", "Rule can't be deleted since it has targets."))
        self.ev.remove_targets(Rule="r-a", Ids=["1"])
        self.ev.delete_rule(Name="r-a")
        self.ev.delete_rule(Name="r-a")  # idempotent
        self.assertEqual(self.err(lambda: self.ev.describe_rule(Name="r-a"))[0], "ResourceNotFoundException")

    def test_targets(self):
        self.ev.put_rule(Name="tg", EventPattern='{"source":["x"]}')
        q = "arn:aws:sqs:us-east-1:000000000000:"
        out = self.ev.put_targets(Rule="tg", Targets=[{"Id": f"t{i}", "Arn": q + f"q{i}"} for i in range(5)])
        self.assertEqual((out["FailedEntryCount"], out["FailedEntries"]), (0, []))
        self.assertEqual(self.err(lambda: self.ev.put_targets(Rule="tg", Targets=[{"Id": "t5", "Arn": q + "q5"}])),
                         ("LimitExceededException", "The requested resource exceeds the maximum number allowed."))
        self.ev.put_targets(Rule="tg", Targets=[{"Id": "t0", "Arn": q + "other"}])  # replace by id
        ts = self.ev.list_targets_by_rule(Rule="tg")["Targets"]
        self.assertEqual(len(ts), 5)
        self.assertEqual(ts[0], {"Id": "t0", "Arn": q + "other"})
        page = self.ev.list_targets_by_rule(Rule="tg", Limit=2)
        self.assertEqual(len(page["Targets"]), 2)
        rest = self.ev.list_targets_by_rule(Rule="tg", NextToken=page["NextToken"])["Targets"]
        self.assertEqual(len(rest), 3)
        self.assertEqual(self.ev.list_rule_names_by_target(TargetArn=q + "other")["RuleNames"], ["tg"])
        for n in ("tg-a", "tg-b"):  # two more rules on the same target, and one elsewhere
            self.ev.put_rule(Name=n, EventPattern='{"source":["x"]}')
            self.ev.put_targets(Rule=n, Targets=[{"Id": "o", "Arn": q + "other"}])
        self.ev.put_rule(Name="tg-0", EventPattern='{"source":["x"]}')
        self.ev.put_targets(Rule="tg-0", Targets=[{"Id": "o", "Arn": q + "q9"}])
        page = self.ev.list_rule_names_by_target(TargetArn=q + "other", Limit=2)
        self.assertEqual((page["RuleNames"], page["NextToken"]), (["tg", "tg-a"], "tg-b"))
        page = self.ev.list_rule_names_by_target(TargetArn=q + "other", Limit=2, NextToken=page["NextToken"])
        self.assertEqual(page["RuleNames"], ["tg-b"])
        self.assertNotIn("NextToken", page)
        for n in ("tg-a", "tg-b", "tg-0"):
            self.ev.remove_targets(Rule=n, Ids=["o"])
            self.ev.delete_rule(Name=n)
        self.assertEqual(self.err(lambda: self.ev.put_targets(Rule="tg", Targets=[
            {"Id": "x", "Arn": q + "q", "Input": "{}", "InputPath": "$.detail"}]))[0], "ValidationException")
        self.assertEqual(self.err(lambda: self.ev.put_targets(Rule="tg", Targets=[
            {"Id": "bad id!", "Arn": q + "q"}]))[0], "ValidationException")
        self.assertEqual(self.err(lambda: self.ev.put_targets(Rule="tg", Targets=[
            {"Id": "f", "Arn": q + "q.fifo"}])),
            ("ValidationException", "Parameter(s) SqsParameters must be specified for target: f."))
        self.assertEqual(self.err(lambda: self.ev.put_targets(Rule="nope", Targets=[{"Id": "f", "Arn": q + "q"}]))[0],
                         "ResourceNotFoundException")
        self.assertEqual(self.err(lambda: self.ev.put_targets(Rule="tg", Targets=[
            {"Id": "r", "Arn": q + "q", "RetryPolicy": {"MaximumRetryAttempts": 186}}]))[0], "ValidationException")
        self.ev.remove_targets(Rule="tg", Ids=["t0", "t1", "missing"])
        self.assertEqual(len(self.ev.list_targets_by_rule(Rule="tg")["Targets"]), 3)

    def test_test_event_pattern(self):
        ok = self.ev.test_event_pattern(EventPattern=json.dumps({"source": ["aws.ec2"], "detail": {"state": ["RUNNING"]}}),
                                        Event=json.dumps(EVENT))["Result"]
        self.assertTrue(ok)
        self.assertFalse(self.ev.test_event_pattern(EventPattern='{"source":["x"]}', Event=json.dumps(EVENT))["Result"])
        ev = dict(EVENT)
        del ev["account"]
        self.assertEqual(self.err(lambda: self.ev.test_event_pattern(EventPattern='{"source":["x"]}', Event=json.dumps(ev))),
                         ("ValidationException", "Parameter Event is not valid."))
        self.assertEqual(self.err(lambda: self.ev.test_event_pattern(EventPattern='{"source":"x"}', Event=json.dumps(EVENT)))[0],
                         "InvalidEventPatternException")

    def match(self, pattern, detail=None, **top):
        ev = dict(EVENT)
        if detail is not None:
            ev["detail"] = detail
        ev.update(top)
        return self.ev.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(ev))["Result"]

    def test_pattern_documented_examples(self):
        """The EventBridge user guide's examples of every operator ("Content filtering", "Arrays",
        "Matching null values and empty strings"), as the AWS facts file lists them."""
        m = self.match
        self.assertTrue(m({"source": ["aws.ec2", "aws.fargate"]}, source="aws.fargate"))
        self.assertFalse(m({"detail": {"state": ["terminated"]}}, {"state": "running"}))
        self.assertTrue(m({"detail": {"eventVersion": [""]}}, {"eventVersion": ""}))
        self.assertTrue(m({"detail": {"responseElements": [None]}}, {"responseElements": None}))
        self.assertFalse(m({"detail": {"eventVersion": [""]}}, {"eventVersion": None}))
        self.assertFalse(m({"detail": {"eventVersion": [None]}}, {"eventVersion": ""}))
        inst = "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"
        self.assertTrue(m({"resources": [inst, "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]},
                          resources=["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x", inst]))
        # prefix / suffix, with and without equals-ignore-case
        self.assertTrue(m({"time": [{"prefix": "2017-10-02"}]}, time="2017-10-02T18:43:48Z"))
        self.assertFalse(m({"time": [{"prefix": "2017-10-03"}]}, time="2017-10-02T18:43:48Z"))
        self.assertTrue(m({"source": [{"prefix": {"equals-ignore-case": "AWS.EC"}}]}))
        self.assertFalse(m({"detail": {"FileName": [{"suffix": ".png"}]}}, {"FileName": "a.PNG"}))
        self.assertTrue(m({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}, {"FileName": "a.PNG"}))
        self.assertTrue(m({"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}))
        # anything-but: single, list (strings, numbers), prefix, suffix, equals-ignore-case, wildcard
        self.assertTrue(m({"detail": {"state": [{"anything-but": "initializing"}]}}, {"state": "pending"}))
        self.assertFalse(m({"detail": {"state": [{"anything-but": "initializing"}]}}, {"state": "initializing"}))
        self.assertTrue(m({"detail": {"x-limit": [{"anything-but": 123}]}}, {"x-limit": 5}))
        self.assertFalse(m({"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, {"state": "stopped"}))
        self.assertTrue(m({"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, {"state": "on"}))
        self.assertFalse(m({"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, {"x-limit": 200}))
        self.assertFalse(m({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, {"state": "initializing"}))
        self.assertTrue(m({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, {"state": "running"}))
        self.assertFalse(m({"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}}, {"FileName": "a.txt"}))
        self.assertTrue(m({"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}}, {"FileName": "a.png"}))
        self.assertFalse(m({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "OverLoaded"]}}]}},
                           {"state": "STOPPED"}))
        self.assertFalse(m({"detail": {"state": [{"anything-but": {"equals-ignore-case": "Stopped"}}]}}, {"state": "stopped"}))
        self.assertFalse(m({"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, {"FilePath": "/usr/lib/x"}))
        self.assertTrue(m({"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, {"FilePath": "/usr/bin/x"}))
        # numeric
        p = {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}
        self.assertTrue(m(p, {"c-count": 5}))
        self.assertFalse(m(p, {"c-count": 0}))
        self.assertFalse(m({"detail": {"c-count": [{"numeric": [">", 0]}]}}, {"c-count": "5"}))
        self.assertTrue(m({"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}]}}, {"x-limit": 301.8}))
        self.assertTrue(m({"detail": {"d-count": [{"numeric": ["<", 10]}]}}, {"d-count": 3}))
        # cidr (IPv4 and IPv6)
        self.assertTrue(m({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, {"sourceIPAddress": "10.0.0.255"}))
        self.assertFalse(m({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, {"sourceIPAddress": "10.0.1.1"}))
        self.assertTrue(m({"detail": {"ip": [{"cidr": "2001:db8::/64"}]}}, {"ip": "2001:db8::ff"}))
        # exists
        self.assertTrue(m({"detail": {"state": [{"exists": True}]}}, {"state": "x"}))
        self.assertFalse(m({"detail": {"state": [{"exists": True}]}}, {"c-count": 1}))
        self.assertTrue(m({"detail": {"state": [{"exists": False}]}}, {"c-count": 1}))
        self.assertTrue(m({"detail": {"c-count": [{"exists": False}]}}, {"c-count": {"c1": 100}}))
        # wildcard
        self.assertTrue(m({"source": [{"wildcard": "Simple*Service"}]}, source="SimpleQueueService"))
        self.assertTrue(m({"detail": {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}},
                          {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/b"}))
        self.assertTrue(m({"detail": {"k": [{"wildcard": "a\\*b"}]}}, {"k": "a*b"}))
        self.assertFalse(m({"detail": {"k": [{"wildcard": "a\\*b"}]}}, {"k": "axb"}))
        # $or (also nested, and across levels)
        p = {"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"d-count": [{"numeric": ["<", 10]}]}]}}
        self.assertTrue(m(p, {"c-count": 99, "d-count": 3}))
        self.assertFalse(m(p, {"c-count": 99, "d-count": 30}))
        p = {"source": ["aws.ec2"], "$or": [{"detail-type": ["nope"]}, {"detail": {"state": ["RUNNING"]}}]}
        self.assertTrue(m(p))
        # duplicate keys: only the last one counts
        pat = '{"detail":{"location":[{"prefix":"us-"}],"location":[{"anything-but":"us-east"}]}}'
        ev = dict(EVENT, detail={"location": "eu-west"})
        self.assertTrue(self.ev.test_event_pattern(EventPattern=pat, Event=json.dumps(ev))["Result"])
        # arrays of objects: fields in different elements do not combine
        p = {"detail": {"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}}
        self.assertFalse(m(p, {"employees": [{"firstName": "Anna", "lastName": "Smith"},
                                             {"firstName": "Peter", "lastName": "Jones"}]}))
        self.assertTrue(m({"detail": {"employees": {"firstName": ["Anna"]}}},
                          {"employees": [{"firstName": "John"}, {"firstName": "Anna"}]}))
        # nested objects
        self.assertTrue(m({"detail": {"a": {"b": {"c": [1]}}}}, {"a": {"b": {"c": 1}}}))

    def test_pattern_errors(self):
        def reason(pattern):
            code, msg = self.err(lambda: self.ev.test_event_pattern(
                EventPattern=pattern if isinstance(pattern, str) else json.dumps(pattern), Event=json.dumps(EVENT)))
            self.assertEqual(code, "InvalidEventPatternException")
            prefix = "Event pattern is not valid. Reason: "
            self.assertTrue(msg.startswith(prefix), msg)
            return msg[len(prefix):]
        self.assertEqual(reason({"detail": {}}), "Empty objects are not allowed")
        self.assertEqual(reason({"slug": "x"}), '"slug" must be an object or an array')
        self.assertEqual(reason({"a": [{"suffix": ["x"]}]}), "suffix match pattern must be a string")
        self.assertEqual(reason({"a": [{"prefix": 1}]}), "prefix match pattern must be a string")
        self.assertEqual(reason({"a": []}), "Empty arrays are not allowed")
        self.assertEqual(reason({"a": [{"prefx": "x"}]}), "Unrecognized match type prefx")
        self.assertEqual(reason({"a": [{"prefix": "x", "suffix": "y"}]}), "Only one key allowed in match expression")
        self.assertEqual(reason({"a": [{"exists": "yes"}]}), "exists match pattern must be either true or false.")
        self.assertEqual(reason({"a": [{"wildcard": 1}]}), "wildcard match pattern must be a string")
        self.assertEqual(reason({"a": [{"equals-ignore-case": 1}]}), "equals-ignore-case match pattern must be a string")
        self.assertEqual(reason({"a": [{"cidr": "10.0.0.1"}]}), "Malformed CIDR, one '/' required")
        self.assertEqual(reason({"a": [{"numeric": ["<", "x"]}]}), "Value of < must be numeric")
        self.assertEqual(reason({"a": [{"numeric": ["<", 1, ">", 2, "=", 3]}]}), "Too many elements in numeric expression")
        self.assertTrue(reason({"a": [{"wildcard": "a**b"}]}).startswith("Consecutive wildcard characters at pos"))
        self.assertTrue(reason({"a": [{"wildcard": "a\\b"}]}).startswith("Invalid escape character at pos"))
        self.assertTrue(reason({"a": [{"anything-but": {"nope": "x"}}]}).startswith("Unsupported anything-but pattern"))
        reason('{"a": [1}')
        ors = {"$or": [{"a%d" % i: ["x"]} for i in range(11)]}
        big = {"detail": dict(ors), "x": {"$or": [{"b%d" % i: ["x"]} for i in range(11)]},
               "y": {"$or": [{"c%d" % i: ["x"]} for i in range(11)]}}
        self.assertTrue(reason(big).startswith("The event pattern has too many $or combinations"))

    # ---- input transformation ----
    def transformed(self, name, target_extra, detail=None):
        url, arn = self.queue(f"tr-{name}")
        self.ev.put_rule(Name=f"tr-{name}", EventPattern=json.dumps({"source": [f"tr.{name}"]}))
        self.ev.put_targets(Rule=f"tr-{name}", Targets=[dict({"Id": "q", "Arn": arn}, **target_extra)])
        self.put(f"tr.{name}", detail if detail is not None else {"instance-id": "i-0123456789", "state": "RUNNING"},
                 Time=datetime(2015, 11, 11, 21, 29, 54, tzinfo=timezone.utc), Resources=["arn:aws:ec2:r"])
        msgs = self.receive(url)
        self.assertEqual(len(msgs), 1)
        return msgs[0]["Body"]

    PATHS = {"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state",
             "resource": "$.resources[0]"}

    def test_input_constant_and_path(self):
        self.assertEqual(self.transformed("c", {"Input": '{"fixed": true}'}), '{"fixed": true}')
        self.assertEqual(self.transformed("p", {"InputPath": "$.detail"}),
                         '{"instance-id":"i-0123456789","state":"RUNNING"}')
        self.assertEqual(self.transformed("p2", {"InputPath": "$.detail.state"}), '"RUNNING"')

    def test_input_transformer_user_guide_examples(self):
        t = lambda tmpl: {"InputTransformer": {"InputPathsMap": self.PATHS, "InputTemplate": tmpl}}
        self.assertEqual(self.transformed("s", t('"instance <instance> is in <state>"')),
                         '"instance i-0123456789 is in RUNNING"')
        self.assertEqual(self.transformed("o", t('{"instance" : <instance>, "state": <state>}')),
                         '{"instance":"i-0123456789","state":"RUNNING"}')
        self.assertEqual(self.transformed("m", t('{"instance" : <instance>, "state": [ 9, <state>, true ], '
                                                 '"Transformed" : "Yes"}')),
                         '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}')
        self.assertEqual(self.transformed("r", t('{"at": "<timestamp>", "res": <resource>}')),
                         '{"at":"2015-11-11T21:29:54Z","res":"arn:aws:ec2:r"}')
        body = self.transformed("rv", t('{"ruleArn" : <aws.events.rule-arn>, "ruleName" : <aws.events.rule-name>, '
                                        '"originalEvent" : <aws.events.event.json>}'))
        out = json.loads(body)
        self.assertEqual(out["ruleArn"], "arn:aws:events:us-east-1:000000000000:rule/tr-rv")
        self.assertEqual(out["ruleName"], "tr-rv")
        self.assertEqual(out["originalEvent"]["detail"]["state"], "RUNNING")
        self.assertEqual(self.transformed("rn", t('"<aws.events.rule-name> triggered"')), '"tr-rn triggered"')
        out = json.loads(self.transformed("ev", t('{"e": <aws.events.event>, "t": "<aws.events.event.ingestion-time>"}')))
        self.assertNotIn("detail", out["e"])
        self.assertEqual(out["e"]["source"], "tr.ev")
        self.assertRegex(out["t"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # a quoted placeholder inside a string stays escaped as written
        self.assertEqual(self.transformed("q", t('"instance \\"<instance>\\" is in <state>"')),
                         '"instance \\"i-0123456789\\" is in RUNNING"')
        # plain text templates (SQS/SNS take any text)
        self.assertEqual(self.transformed("txt", t('instance <instance> is <state>')), 'instance "i-0123456789" is "RUNNING"')
        # numbers, objects and missing paths
        body = self.transformed("n", {"InputTransformer": {
            "InputPathsMap": {"n": "$.detail.n", "o": "$.detail.o", "gone": "$.detail.gone"},
            "InputTemplate": '{"n": <n>, "o": <o>, "s": "n=<n> gone=<gone>", "g": <gone>}'}},
            detail={"n": 5, "o": {"b": 1, "a": [1]}})
        self.assertEqual(body, '{"n":5,"o":{"b":1,"a":[1]},"s":"n=5 gone=","g":null}')

    def test_input_transformer_validation(self):
        self.ev.put_rule(Name="tv", EventPattern='{"source":["x"]}')
        q = "arn:aws:sqs:us-east-1:000000000000:q"
        code, msg = self.err(lambda: self.ev.put_targets(Rule="tv", Targets=[{"Id": "a", "Arn": q, "InputTransformer": {
            "InputPathsMap": {"AWS.x": "$.detail"}, "InputTemplate": "<AWS.x>"}}]))
        self.assertEqual(code, "ValidationException")
        code, _ = self.err(lambda: self.ev.put_targets(Rule="tv", Targets=[{"Id": "a", "Arn": q, "InputTransformer": {
            "InputPathsMap": {f"k{i}": "$.detail" for i in range(101)}, "InputTemplate": "x"}}]))
        self.assertEqual(code, "ValidationException")
        code, _ = self.err(lambda: self.ev.put_targets(Rule="tv", Targets=[{"Id": "a", "Arn": q, "Input": "not json"}]))
        self.assertEqual(code, "ValidationException")

    # ---- targets of other services ----
    def test_fifo_sqs_target(self):
        url, arn = self.queue("ev.fifo", FifoQueue="true", ContentBasedDeduplication="true")
        self.ev.put_rule(Name="fifo", EventPattern='{"source":["fifo.app"]}')
        self.ev.put_targets(Rule="fifo", Targets=[{"Id": "f", "Arn": arn, "SqsParameters": {"MessageGroupId": "g1"}}])
        self.put("fifo.app", {"n": 1})
        self.put("fifo.app", {"n": 2})
        out = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5,
                                       AttributeNames=["MessageGroupId"])
        msgs = out.get("Messages", [])
        self.assertGreaterEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["Attributes"]["MessageGroupId"], "g1")
        self.assertEqual(json.loads(msgs[0]["Body"])["detail"], {"n": 1})

    def test_sns_target(self):
        sns = self.stratus.client("sns")
        topic = sns.create_topic(Name="ev-topic")["TopicArn"]
        url, qarn = self.queue("ev-topic-sub")
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        self.ev.put_rule(Name="sns", EventPattern='{"source":["sns.app"]}')
        self.ev.put_targets(Rule="sns", Targets=[{"Id": "t", "Arn": topic, "InputPath": "$.detail"}])
        self.put("sns.app", {"hello": "sns"})
        msgs = self.receive(url)
        self.assertEqual([m["Body"] for m in msgs], ['{"hello":"sns"}'])

    def test_bus_to_bus_and_cross_account(self):
        self.ev.create_event_bus(Name="fwd")
        url, arn = self.queue("fwd-q")
        self.ev.put_rule(Name="on-fwd", EventBusName="fwd", EventPattern='{"source":["fwd.app"]}')
        self.ev.put_targets(Rule="on-fwd", EventBusName="fwd", Targets=[{"Id": "q", "Arn": arn}])
        self.ev.put_rule(Name="to-fwd", EventPattern='{"source":["fwd.app"]}')
        self.ev.put_targets(Rule="to-fwd", Targets=[{"Id": "b", "Arn": "arn:aws:events:us-east-1:000000000000:event-bus/fwd"}])
        self.put("fwd.app", {"via": "default"})
        msgs = self.receive(url)
        self.assertEqual(len(msgs), 1)
        self.assertEqual(json.loads(msgs[0]["Body"])["detail"], {"via": "default"})

    def test_logs_target(self):
        logs = self.stratus.client("logs")
        logs.create_log_group(logGroupName="/aws/events/app")
        self.ev.put_rule(Name="logs", EventPattern='{"source":["logs.app"]}')
        self.ev.put_targets(Rule="logs", Targets=[{"Id": "l", "Arn": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/events/app"}])
        eid = self.put("logs.app", {"x": 1})
        self.assertTrue(wait_until(lambda: logs.describe_log_streams(logGroupName="/aws/events/app")["logStreams"], 10))
        streams = logs.describe_log_streams(logGroupName="/aws/events/app")["logStreams"]
        self.assertEqual(streams[0]["logStreamName"], eid)
        evs = logs.get_log_events(logGroupName="/aws/events/app", logStreamName=eid)["events"]
        self.assertEqual(json.loads(evs[0]["message"])["id"], eid)
        # with a transformer the template is {"timestamp":<t>,"message":<m>}
        logs.create_log_group(logGroupName="/aws/events/tr")
        self.ev.put_rule(Name="logs-tr", EventPattern='{"source":["logs.tr"]}')
        self.ev.put_targets(Rule="logs-tr", Targets=[{
            "Id": "l", "Arn": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/events/tr:*",
            "InputTransformer": {"InputPathsMap": {"t": "$.time", "m": "$.detail.msg"},
                                 "InputTemplate": '{"timestamp": <t>, "message": <m>}'}}])
        eid = self.put("logs.tr", {"msg": "hello logs"}, Time=datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc))
        self.assertTrue(wait_until(lambda: logs.describe_log_streams(logGroupName="/aws/events/tr")["logStreams"], 10))
        evs = logs.get_log_events(logGroupName="/aws/events/tr", logStreamName=eid, startFromHead=True)["events"]
        self.assertEqual((evs[0]["message"], evs[0]["timestamp"]), ("hello logs", 1714979289000))
        # a missing log group is not created
        self.ev.put_rule(Name="logs-none", EventPattern='{"source":["logs.none"]}')
        self.ev.put_targets(Rule="logs-none", Targets=[
            {"Id": "l", "Arn": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/events/none"}])
        self.put("logs.none")
        time.sleep(1)
        self.assertEqual(logs.describe_log_groups(logGroupNamePrefix="/aws/events/none")["logGroups"], [])

    def test_dead_letter_queue(self):
        dlq_url, dlq = self.queue("ev-dlq")
        self.ev.put_rule(Name="dl", EventPattern='{"source":["dl.app"]}')
        missing = "arn:aws:sqs:us-east-1:000000000000:does-not-exist"
        self.ev.put_targets(Rule="dl", Targets=[{"Id": "gone", "Arn": missing, "DeadLetterConfig": {"Arn": dlq},
                                                  "RetryPolicy": {"MaximumRetryAttempts": 2}}])
        eid = self.put("dl.app")
        msgs = self.receive(dlq_url)
        self.assertEqual(len(msgs), 1)
        a = {k: v["StringValue"] for k, v in msgs[0]["MessageAttributes"].items()}
        self.assertEqual(a["ERROR_CODE"], "NO_RESOURCE")
        self.assertEqual(a["RULE_ARN"], "arn:aws:events:us-east-1:000000000000:rule/dl")
        self.assertEqual(a["TARGET_ARN"], missing)
        self.assertEqual(a["RETRY_ATTEMPTS"], "0")
        self.assertIn("ERROR_MESSAGE", a)
        self.assertEqual(json.loads(msgs[0]["Body"])["id"], eid)

    def test_lambda_target(self):
        import shutil
        import tempfile
        from lambda_util import create
        out = tempfile.mkdtemp(prefix="events-lambda-")
        self.addCleanup(shutil.rmtree, out, True)
        lam = self.stratus.client("lambda")
        code = ("import json, os\n"
                "def handler(e, c):\n"
                "    with open(os.path.join(os.environ['OUT'], e['id'] + '.json'), 'w') as f:\n"
                "        json.dump(e, f)\n")
        fn = create(lam, "ev-target", {"app.py": code}, Environment={"Variables": {"OUT": out}})["FunctionArn"]
        self.ev.put_rule(Name="to-fn", EventPattern='{"source":["fn.app"]}')
        self.ev.put_targets(Rule="to-fn", Targets=[{"Id": "f", "Arn": fn}])
        eid = self.put("fn.app", {"to": "lambda"})
        path = os.path.join(out, eid + ".json")
        self.assertTrue(wait_until(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 20))
        with open(path) as f:
            self.assertEqual(json.load(f)["detail"], {"to": "lambda"})

    def test_lambda_target_missing_function_dead_letters(self):
        dlq_url, dlq = self.queue("ev-dlq-l")
        self.ev.put_rule(Name="lam", EventPattern='{"source":["lam.app"]}')
        fn = "arn:aws:lambda:us-east-1:000000000000:function:nope"
        self.ev.put_targets(Rule="lam", Targets=[{"Id": "f", "Arn": fn, "DeadLetterConfig": {"Arn": dlq}}])
        self.put("lam.app")
        msgs = self.receive(dlq_url)
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"], "NO_RESOURCE")

    # ---- schedules ----
    def test_rate_schedule_fires_scheduled_event(self):
        url, arn = self.queue("sched-q")
        rarn = self.ev.put_rule(Name="every", ScheduleExpression="rate(1 minute)")["RuleArn"]
        self.ev.put_targets(Rule="every", Targets=[{"Id": "q", "Arn": arn}])
        msgs = self.receive(url, n=2, timeout=6)  # a minute is 1 s here
        self.assertGreaterEqual(len(msgs), 2)
        ev = json.loads(msgs[0]["Body"])
        self.assertEqual((ev["source"], ev["detail-type"], ev["resources"], ev["detail"]),
                         ("aws.events", "Scheduled Event", [rarn], {}))
        self.ev.disable_rule(Name="every")
        time.sleep(1.5)
        self.receive(url, n=10, timeout=1)
        self.assertEqual(self.receive(url, timeout=2.5), [])

    def test_cron_every_five_minutes_is_accepted(self):
        self.ev.put_rule(Name="cron5", ScheduleExpression="cron(0/5 * * * ? *)")
        self.assertEqual(self.ev.describe_rule(Name="cron5")["ScheduleExpression"], "cron(0/5 * * * ? *)")

    # ---- archives and replay ----
    def test_archive_and_replay(self):
        self.ev.create_event_bus(Name="arch")
        bus_arn = "arn:aws:events:us-east-1:000000000000:event-bus/arch"
        a = self.ev.create_archive(ArchiveName="a1", EventSourceArn=bus_arn, EventPattern='{"source":["arch.app"]}',
                                   RetentionDays=3)
        self.assertEqual(a["State"], "ENABLED")
        self.assertEqual(a["ArchiveArn"], "arn:aws:events:us-east-1:000000000000:archive/a1")
        self.assertEqual(self.err(lambda: self.ev.create_archive(ArchiveName="a1", EventSourceArn=bus_arn)),
                         ("ResourceAlreadyExistsException", "Archive a1 already exists."))
        self.assertEqual(self.err(lambda: self.ev.describe_archive(ArchiveName="zz")),
                         ("ResourceNotFoundException", "Archive zz does not exist."))
        start = datetime.now(timezone.utc) - timedelta(minutes=1)
        self.put("arch.app", {"n": 1}, bus="arch")
        self.put("arch.app", {"n": 2}, bus="arch")
        self.put("not.archived", {"n": 3}, bus="arch")
        d = self.ev.describe_archive(ArchiveName="a1")
        self.assertEqual((d["EventCount"], d["RetentionDays"], d["EventPattern"]), (2, 3, '{"source":["arch.app"]}'))
        self.assertEqual([x["ArchiveName"] for x in self.ev.list_archives(EventSourceArn=bus_arn)["Archives"]], ["a1"])
        self.assertEqual(self.err(lambda: self.ev.list_archives(NamePrefix="a", State="ENABLED"))[0], "ValidationException")
        self.ev.update_archive(ArchiveName="a1", Description="new")
        self.assertEqual(self.ev.describe_archive(ArchiveName="a1")["Description"], "new")
        # a rule created after the events; the replay sends them through it, marked with replay-name
        url, qarn = self.queue("replay-q")
        self.ev.put_rule(Name="rr", EventBusName="arch", EventPattern='{"source":["arch.app"]}')
        self.ev.put_targets(Rule="rr", EventBusName="arch", Targets=[{"Id": "q", "Arn": qarn}])
        end = datetime.now(timezone.utc)
        time.sleep(0.01)
        self.assertEqual(self.err(lambda: self.ev.start_replay(
            ReplayName="bad", EventSourceArn=a["ArchiveArn"], EventStartTime=end, EventEndTime=start,
            Destination={"Arn": bus_arn}))[0], "ValidationException")
        self.assertEqual(self.err(lambda: self.ev.start_replay(
            ReplayName="bad", EventSourceArn=a["ArchiveArn"], EventStartTime=start, EventEndTime=end,
            Destination={"Arn": "arn:aws:events:us-east-1:000000000000:event-bus/default"}))[0], "ValidationException")
        r = self.ev.start_replay(ReplayName="rp1", EventSourceArn=a["ArchiveArn"], EventStartTime=start,
                                 EventEndTime=end, Destination={"Arn": bus_arn})
        self.assertEqual(r["State"], "STARTING")
        msgs = self.receive(url, n=2)
        self.assertEqual(sorted(json.loads(m["Body"])["detail"]["n"] for m in msgs), [1, 2])
        self.assertEqual({json.loads(m["Body"])["replay-name"] for m in msgs}, {"rp1"})
        self.assertTrue(wait_until(lambda: self.ev.describe_replay(ReplayName="rp1")["State"] == "COMPLETED", 5))
        d = self.ev.describe_replay(ReplayName="rp1")
        self.assertIn("ReplayEndTime", d)
        self.assertEqual(d["Destination"], {"Arn": bus_arn})
        self.assertEqual([x["ReplayName"] for x in self.ev.list_replays()["Replays"]], ["rp1"])
        self.assertEqual(self.err(lambda: self.ev.cancel_replay(ReplayName="rp1")),
                         ("IllegalStatusException", "Replay rp1 is not in a valid state for this operation."))
        self.assertEqual(self.err(lambda: self.ev.start_replay(
            ReplayName="rp1", EventSourceArn=a["ArchiveArn"], EventStartTime=start, EventEndTime=end,
            Destination={"Arn": bus_arn}))[0], "ResourceAlreadyExistsException")
        # replayed events are not archived again
        self.assertEqual(self.ev.describe_archive(ArchiveName="a1")["EventCount"], 2)
        self.ev.delete_archive(ArchiveName="a1")
        self.assertEqual(self.err(lambda: self.ev.describe_archive(ArchiveName="a1"))[0], "ResourceNotFoundException")

    # ---- the aws CLI ----
    def test_cli(self):
        out = self.stratus.aws("events", "put-rule", "--name", "cli-rule", "--event-pattern", '{"source":["cli"]}')
        self.assertTrue(out["RuleArn"].endswith(":rule/cli-rule"))
        out = self.stratus.aws("events", "put-events", "--entries",
                               json.dumps([{"Source": "cli", "DetailType": "d", "Detail": "{}"}]))
        self.assertEqual(out["FailedEntryCount"], 0)
        rules = self.stratus.aws("events", "list-rules", "--name-prefix", "cli-")["Rules"]
        self.assertEqual([r["Name"] for r in rules], ["cli-rule"])
        out = self.stratus.aws("events", "test-event-pattern", "--event-pattern", '{"source":["aws.ec2"]}',
                               "--event", json.dumps(EVENT))
        self.assertTrue(out["Result"])


class Hook:
    """A loopback HTTP server recording requests; /token answers an OAuth client-credentials grant,
    /fail answers 500, /slow answers 200 after 3 seconds, anything else 200."""

    def __init__(self, port=0):
        import http.server
        import threading
        self.requests = []
        hook = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def handle_one(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode() if n else ""
                hook.requests.append({"method": self.command, "path": self.path,
                                      "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                if self.path.startswith("/token"):
                    out, status = b'{"access_token":"tok-1","token_type":"Bearer"}', 200
                elif self.path.startswith("/fail"):
                    out, status = b"no", 500
                elif self.path.startswith("/slow"):
                    time.sleep(3)
                    out, status = b"late", 200
                else:
                    out, status = b"ok", 200
                self.send_response(status)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_POST = do_GET = do_PUT = handle_one

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class EventsApiDestinations(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.ev = self.stratus.client("events")
        self.hook = Hook()
        self.addCleanup(self.hook.close)

    def wait_requests(self, n, path=None):
        pick = lambda: [r for r in self.hook.requests if path is None or r["path"].startswith(path)]
        wait_until(lambda: len(pick()) >= n, 10)
        return pick()

    def test_connections_crud_and_errors(self):
        c = self.ev.create_connection(Name="c1", AuthorizationType="API_KEY",
                                      AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key",
                                                                               "ApiKeyValue": "secret"}})
        self.assertEqual(c["ConnectionState"], "AUTHORIZED")
        self.assertRegex(c["ConnectionArn"], r"^arn:aws:events:us-east-1:000000000000:connection/c1/[0-9a-f-]{36}$")
        d = self.ev.describe_connection(Name="c1")
        self.assertEqual(d["AuthParameters"], {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}})
        self.assertIn("events!connection/c1/", d["SecretArn"])
        self.assertRegex(d["SecretArn"], r"^arn:aws:secretsmanager:us-east-1:000000000000:secret:events!connection/c1/")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ev.create_connection(Name="c2", AuthorizationType="BASIC",
                                      AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "a", "ApiKeyValue": "b"}})
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ev.describe_connection(Name="none")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual([x["Name"] for x in self.ev.list_connections(NamePrefix="c1")["Connections"]], ["c1"])
        self.assertEqual(self.ev.deauthorize_connection(Name="c1")["ConnectionState"], "DEAUTHORIZED")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ev.create_api_destination(Name="d", ConnectionArn=c["ConnectionArn"] + "x",
                                           InvocationEndpoint="https://example.com", HttpMethod="POST")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        self.ev.delete_connection(Name="c1")
        self.assertEqual(self.ev.list_connections(NamePrefix="c1")["Connections"], [])

    def target(self, rule, conn_type, auth, endpoint, **extra):
        c = self.ev.create_connection(Name=rule, AuthorizationType=conn_type, AuthParameters=auth)["ConnectionArn"]
        d = self.ev.create_api_destination(Name=rule, ConnectionArn=c, InvocationEndpoint=endpoint, HttpMethod="POST",
                                           InvocationRateLimitPerSecond=10)
        self.assertEqual(d["ApiDestinationState"], "ACTIVE")
        desc = self.ev.describe_api_destination(Name=rule)
        self.assertEqual((desc["InvocationEndpoint"], desc["InvocationRateLimitPerSecond"]), (endpoint, 10))
        self.ev.put_rule(Name=rule, EventPattern=json.dumps({"source": [rule]}))
        self.ev.put_targets(Rule=rule, Targets=[dict({"Id": "api", "Arn": d["ApiDestinationArn"],
                                                       "RoleArn": "arn:aws:iam::000000000000:role/r"}, **extra)])
        self.ev.put_events(Entries=[{"Source": rule, "DetailType": "d", "Detail": '{"n":1}'}])

    def test_api_key_destination_with_path_and_headers(self):
        self.target("apikey", "API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": "k1"},
                                          "InvocationHttpParameters": {"HeaderParameters": [
                                              {"Key": "X-From", "Value": "connection", "IsValueSecret": False}]}},
                    self.hook.url + "/hook/*", InputPath="$.detail",
                    HttpParameters={"PathParameterValues": ["abc"], "QueryStringParameters": {"q": "1"},
                                    "HeaderParameters": {"X-From": "target", "X-Extra": "e"}})
        r = self.wait_requests(1, "/hook")[0]
        self.assertEqual(r["path"], "/hook/abc?q=1")
        self.assertEqual(r["method"], "POST")
        self.assertEqual(r["body"], '{"n":1}')
        h = r["headers"]
        self.assertEqual((h["x-api-key"], h["x-from"], h["x-extra"]), ("k1", "connection", "e"))
        self.assertEqual(h["user-agent"], "Amazon/EventBridge/ApiDestinations")
        self.assertEqual(h["content-type"], "application/json; charset=utf-8")

    def test_basic_and_oauth_destinations(self):
        import base64
        self.target("basic", "BASIC", {"BasicAuthParameters": {"Username": "u", "Password": "p"}}, self.hook.url + "/b")
        r = self.wait_requests(1, "/b")[0]
        self.assertEqual(r["headers"]["authorization"], "Basic " + base64.b64encode(b"u:p").decode())
        self.target("oauth", "OAUTH_CLIENT_CREDENTIALS", {"OAuthParameters": {
            "AuthorizationEndpoint": self.hook.url + "/token", "HttpMethod": "POST",
            "ClientParameters": {"ClientID": "cid", "ClientSecret": "cs"}}}, self.hook.url + "/o")
        r = self.wait_requests(1, "/o")[0]
        self.assertEqual(r["headers"]["authorization"], "Bearer tok-1")
        t = self.wait_requests(1, "/token")[0]
        self.assertIn("grant_type=client_credentials", t["body"])
        self.assertEqual(t["headers"]["authorization"], "Basic " + base64.b64encode(b"cid:cs").decode())

    def test_failing_endpoint_is_retried_then_dead_lettered(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="api-dlq")["QueueUrl"]
        self.target("failing", "API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}},
                    self.hook.url + "/fail", RetryPolicy={"MaximumRetryAttempts": 2},
                    DeadLetterConfig={"Arn": "arn:aws:sqs:us-east-1:000000000000:api-dlq"})
        self.assertEqual(len(self.wait_requests(3, "/fail")), 3)  # first try + 2 retries
        msgs = []
        wait_until(lambda: msgs.extend(sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"]).get(
            "Messages", [])) or msgs, 10)
        a = {k: v["StringValue"] for k, v in msgs[0]["MessageAttributes"].items()}
        self.assertEqual(a["RETRY_ATTEMPTS"], "2")
        self.assertEqual(a["EXHAUSTED_RETRY_CONDITION"], "MaximumRetryAttempts")
        self.assertIn("500", a["ERROR_MESSAGE"])

    def test_slow_destination_does_not_delay_other_targets(self):
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="beside-slow")["QueueUrl"]
        self.ev.put_rule(Name="fast", EventPattern='{"source":["fast"]}')
        self.ev.put_targets(Rule="fast", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:beside-slow"}])
        self.target("slow", "API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}},
                    self.hook.url + "/slow")
        self.ev.put_events(Entries=[{"Source": "slow", "DetailType": "d", "Detail": "{}"} for _ in range(3)])
        time.sleep(0.2)  # the slow calls are under way
        start = time.monotonic()
        self.ev.put_events(Entries=[{"Source": "fast", "DetailType": "d", "Detail": "{}"}])
        got = []
        wait_until(lambda: got.extend(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])) or got,
                   10)
        self.assertLess(time.monotonic() - start, 2.0)  # not behind 3 x 3 s of HTTP calls
        self.assertEqual(len(self.wait_requests(4, "/slow")), 4)  # the slow calls all complete too

    def test_api_gateway_stage_target(self):
        gw = self.stratus.client("apigateway")
        api = gw.create_rest_api(name="ev-api")["id"]
        root = [r for r in gw.get_resources(restApiId=api)["items"] if r["path"] == "/"][0]["id"]
        res = gw.create_resource(restApiId=api, parentId=root, pathPart="orders")["id"]
        gw.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE")
        gw.put_integration(restApiId=api, resourceId=res, httpMethod="POST", type="HTTP_PROXY",
                           integrationHttpMethod="POST", uri=self.hook.url + "/gw")
        gw.create_deployment(restApiId=api, stageName="prod")
        self.ev.put_rule(Name="to-gw", EventPattern='{"source":["gw.app"]}')
        arn = f"arn:aws:execute-api:us-east-1:000000000000:{api}/prod/POST/orders"
        self.ev.put_targets(Rule="to-gw", Targets=[{"Id": "gw", "Arn": arn, "InputPath": "$.detail",
                                                     "HttpParameters": {"HeaderParameters": {"X-Tenant": "t1"}}}])
        self.ev.put_events(Entries=[{"Source": "gw.app", "DetailType": "d", "Detail": '{"order":7}'}])
        r = self.wait_requests(1, "/gw")[0]
        self.assertEqual(r["body"], '{"order":7}')
        self.assertEqual(r["headers"]["x-tenant"], "t1")


class EventsMetrics(StratusTestCase):
    """AWS/Events metrics read back through CloudWatch (its own server: MatchedEvents has no dimension)."""
    ephemeral = True

    def stat(self, name, rule=None, stat="Sum"):
        now = datetime.now(timezone.utc)
        dims = [{"Name": "RuleName", "Value": rule}] if rule else []
        dps = self.cw.get_metric_statistics(Namespace="AWS/Events", MetricName=name, Dimensions=dims, Period=60,
                                            StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=1),
                                            Statistics=[stat])["Datapoints"]
        return sum(d[stat] for d in dps) if dps else None

    def test_rule_and_target_metrics(self):
        ev, sqs = self.stratus.client("events"), self.stratus.client("sqs")
        self.cw = self.stratus.client("cloudwatch")

        def queue(name):
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

        ok_url, ok = queue("m-ok")
        dlq_url, dlq = queue("m-dlq")
        missing = "arn:aws:sqs:us-east-1:000000000000:m-missing"
        ev.put_rule(Name="m-main", EventPattern='{"source":["m.app"]}')
        ev.put_targets(Rule="m-main", Targets=[{"Id": "ok", "Arn": ok}, {"Id": "gone", "Arn": missing}])
        ev.put_rule(Name="m-dl", EventPattern='{"source":["m.app"]}')
        ev.put_targets(Rule="m-dl", Targets=[{"Id": "gone", "Arn": missing, "DeadLetterConfig": {"Arn": dlq}}])
        ev.put_rule(Name="m-other", EventPattern='{"source":["other.app"]}')
        ev.put_targets(Rule="m-other", Targets=[{"Id": "ok", "Arn": ok}])
        for i in range(2):
            out = ev.put_events(Entries=[{"Source": "m.app", "DetailType": "t", "Detail": json.dumps({"i": i})}])
            self.assertEqual(out["FailedEntryCount"], 0)
        ev.put_events(Entries=[{"Source": "nobody.app", "DetailType": "t", "Detail": "{}"}])
        self.assertTrue(wait_until(lambda: self.stat("InvocationsSentToDlq", "m-dl") == 2, 15))
        self.assertTrue(wait_until(lambda: self.stat("Invocations", "m-main") == 4, 15))
        self.assertEqual(self.stat("FailedInvocations", "m-main"), 2)
        self.assertEqual(self.stat("Invocations", "m-dl"), 2)
        self.assertIsNone(self.stat("FailedInvocations", "m-dl"))  # sent to the DLQ: not a failed invocation
        self.assertEqual(self.stat("TriggeredRules", "m-main"), 2)
        self.assertEqual(self.stat("TriggeredRules", "m-dl"), 2)
        self.assertIsNone(self.stat("TriggeredRules", "m-other"))  # only sent when non-zero
        self.assertEqual(self.stat("MatchedEvents"), 2)  # the unmatched event is not counted
        self.assertEqual(self.stat("MatchedEvents", stat="SampleCount"), 2)
        self.assertIsNotNone(self.stat("IngestionToInvocationStartLatency", stat="Maximum"))
        names = {(m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"]))
                 for m in self.cw.list_metrics(Namespace="AWS/Events")["Metrics"]}
        self.assertIn(("MatchedEvents", ()), names)
        self.assertIn(("Invocations", (("RuleName", "m-main"),)), names)
        self.assertNotIn("InvocationsFailedToBeSentToDlq", {n for n, _ in names})
        self.assertNotIn("ThrottledRules", {n for n, _ in names})
        units = self.cw.get_metric_statistics(Namespace="AWS/Events", MetricName="Invocations",
                                              Dimensions=[{"Name": "RuleName", "Value": "m-main"}], Period=60,
                                              StartTime=datetime.now(timezone.utc) - timedelta(minutes=5),
                                              EndTime=datetime.now(timezone.utc) + timedelta(minutes=1),
                                              Statistics=["Sum"])["Datapoints"]
        self.assertEqual({d["Unit"] for d in units}, {"Count"})
        self.assertEqual(len(sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10,
                                                 WaitTimeSeconds=1).get("Messages", [])), 2)


class EventsArchiveRetention(unittest.TestCase):
    def test_retention_days_expire_archived_events(self):
        s = Stratus(ephemeral=True, env={"STRATUS_EVENTS_DAY_MS": "1000", "STRATUS_EVENTS_SWEEP_MS": "200"}).start()
        try:
            ev = s.client("events")
            bus = "arn:aws:events:us-east-1:000000000000:event-bus/default"
            ev.create_archive(ArchiveName="short", EventSourceArn=bus, RetentionDays=1)
            ev.create_archive(ArchiveName="forever", EventSourceArn=bus)
            ev.put_events(Entries=[{"Source": "ret.app", "DetailType": "d", "Detail": "{}"}])
            self.assertEqual(ev.describe_archive(ArchiveName="short")["EventCount"], 1)
            self.assertTrue(wait_until(lambda: ev.describe_archive(ArchiveName="short")["EventCount"] == 0, 10))
            self.assertEqual(ev.describe_archive(ArchiveName="forever")["EventCount"], 1)  # 0 keeps forever
        finally:
            s.cleanup()


class EventsCrossAccount(StratusTestCase):
    ephemeral = True
    stratus_args = ("--account-key", "AKIAOTHERACCOUNT0001:other-secret:111122223333")

    def test_cross_account_bus_needs_policy(self):
        ev = self.stratus.client("events")
        other = self.stratus.client("events", key="AKIAOTHERACCOUNT0001", secret="other-secret")
        sqs = self.stratus.client("sqs")
        url = sqs.create_queue(QueueName="central")["QueueUrl"]
        ev.create_event_bus(Name="central")
        central = "arn:aws:events:us-east-1:000000000000:event-bus/central"
        ev.put_rule(Name="all", EventBusName="central", EventPattern='{"source":["remote.app"]}')
        ev.put_targets(Rule="all", EventBusName="central",
                       Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:central"}])
        entry = {"Source": "remote.app", "DetailType": "d", "Detail": '{"from":"direct"}', "EventBusName": central}
        out = other.put_events(Entries=[entry])
        self.assertEqual(out["Entries"][0]["ErrorCode"], "AccessDeniedException")
        ev.put_permission(EventBusName="central", Action="events:PutEvents", Principal="111122223333",
                          StatementId="other")
        self.assertEqual(other.put_events(Entries=[entry])["FailedEntryCount"], 0)
        # a rule in the other account forwarding to the central bus
        other.put_rule(Name="fwd", EventPattern='{"source":["remote.app"]}')
        other.put_targets(Rule="fwd", Targets=[{"Id": "c", "Arn": central}])
        out = other.put_events(Entries=[{"Source": "remote.app", "DetailType": "d", "Detail": '{"from":"rule"}'}])
        self.assertEqual(out["FailedEntryCount"], 0)
        got = []
        deadline = time.time() + 10
        while len(got) < 2 and time.time() < deadline:
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
                got.append(json.loads(m["Body"]))
        self.assertEqual(sorted(e["detail"]["from"] for e in got), ["direct", "rule"])
        self.assertEqual({e["account"] for e in got}, {"111122223333"})  # the sender's account


class EventsDurability(unittest.TestCase):
    def test_rules_targets_and_pending_deliveries_survive_kill9(self):
        s = Stratus(env={"STRATUS_EVENTS_RETRY_MS": "50"}).start()
        try:
            ev, sqs = s.client("events"), s.client("sqs")
            ev.put_rule(Name="dur", EventPattern='{"source":["dur.app"]}')
            # the queue does not exist yet: the delivery is retried and must survive the kill
            arn = "arn:aws:sqs:us-east-1:000000000000:dur-q"
            ev.put_targets(Rule="dur", Targets=[{"Id": "q", "Arn": arn}])
            ev.create_event_bus(Name="durbus")
            out = ev.put_events(Entries=[{"Source": "dur.app", "DetailType": "d", "Detail": '{"k":1}'}])
            self.assertEqual(out["FailedEntryCount"], 0)
            s.kill9()
            s.start()
            ev, sqs = s.client("events"), s.client("sqs")
            self.assertEqual(ev.describe_rule(Name="dur")["EventPattern"], '{"source":["dur.app"]}')
            self.assertEqual(ev.list_targets_by_rule(Rule="dur")["Targets"], [{"Id": "q", "Arn": arn}])
            self.assertEqual(ev.describe_event_bus(Name="durbus")["Name"], "durbus")
        finally:
            s.cleanup()

    def test_pending_delivery_survives_kill9(self):
        s = Stratus(env={"STRATUS_EVENTS_RETRY_MS": "400"}).start()
        try:
            ev, sqs = s.client("events"), s.client("sqs")
            ev.put_rule(Name="dur2", EventPattern='{"source":["dur.app"]}')
            # a Lambda target that is throttled... simplest retryable failure: SNS not found is final,
            # so use a queue that appears later: SQS QueueDoesNotExist is final too. Deliver to a queue
            # and kill right after PutEvents instead: the delivery is on the events queue already.
            url = sqs.create_queue(QueueName="dur2-q")["QueueUrl"]
            ev.put_targets(Rule="dur2", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:dur2-q"}])
            out = ev.put_events(Entries=[{"Source": "dur.app", "DetailType": "d", "Detail": '{"k":2}'}] * 5)
            self.assertEqual(out["FailedEntryCount"], 0)
            s.kill9()
            s.start()
            sqs = s.client("sqs")
            got = collect_sqs(sqs, url, 5, lambda m: [json.loads(m["Body"])["id"]])
            self.assertEqual(got, {e["EventId"] for e in out["Entries"]})
        finally:
            s.cleanup()

    def test_schedule_survives_restart_without_burst(self):
        s = Stratus(env={"STRATUS_EVENTS_MINUTE_MS": "1000"}).start()
        try:
            ev, sqs = s.client("events"), s.client("sqs")
            url = sqs.create_queue(QueueName="sched-dur")["QueueUrl"]
            ev.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")
            ev.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:sched-dur"}])
            s.kill9()
            time.sleep(4)  # four periods missed while down
            s.start()
            sqs = s.client("sqs")
            time.sleep(0.7)
            first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            self.assertLessEqual(len(first), 1)  # no burst of the missed runs
            got = len(first)
            deadline = time.time() + 6
            while got < 3 and time.time() < deadline:
                got += len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []))
            self.assertGreaterEqual(got, 3)
        finally:
            s.cleanup()

    def test_retried_delivery_survives_kill9(self):
        from harness import free_port
        port = free_port()
        s = Stratus(env={"STRATUS_EVENTS_RETRY_MS": "300"}).start()
        hook = None
        try:
            ev = s.client("events")
            c = ev.create_connection(Name="c", AuthorizationType="API_KEY",
                                     AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
            d = ev.create_api_destination(Name="d", ConnectionArn=c["ConnectionArn"], HttpMethod="POST",
                                          InvocationEndpoint=f"http://127.0.0.1:{port}/later")
            ev.put_rule(Name="r", EventPattern='{"source":["dur.app"]}')
            ev.put_targets(Rule="r", Targets=[{"Id": "a", "Arn": d["ApiDestinationArn"]}])
            out = ev.put_events(Entries=[{"Source": "dur.app", "DetailType": "d", "Detail": '{"k":3}'}])
            time.sleep(0.5)  # the endpoint is down: the delivery is waiting for a retry
            s.kill9()
            hook = Hook(port)
            s.start()
            self.assertTrue(wait_until(lambda: hook.requests, 15))
            self.assertEqual(json.loads(hook.requests[0]["body"])["id"], out["Entries"][0]["EventId"])
        finally:
            if hook:
                hook.close()
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
