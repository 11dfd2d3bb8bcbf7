"""CloudWatch metrics, alarms and dashboards through boto3 (smithy-rpc-v2-cbor) and the aws CLI:
PutMetricData and its errors, GetMetricStatistics, GetMetricData with metric math and SEARCH,
ListMetrics, metric and composite alarms evaluated on the scheduler (STRATUS_CLOUDWATCH_EVAL_MS
shortens the minute), SNS actions, AWS/Lambda metrics with an Errors alarm end to end, embedded
metric format lines, dashboards, tags, and kill -9 durability."""
import json
import os
import time
import unittest
from datetime import datetime, timedelta, timezone

import botocore.exceptions

from harness import Stratus, StratusTestCase, wait_until
from lambda_util import create, wait_for

os.environ.setdefault("STRATUS_CLOUDWATCH_EVAL_MS", "250")
os.environ.setdefault("STRATUS_CLOUDWATCH_FLUSH_MS", "200")
os.environ.setdefault("STRATUS_SQS_METRICS_MS", "200")

DIM = [{"Name": "Svc", "Value": "api"}]


def now():
    return datetime.now(timezone.utc)


def closed(period=60):
    """A timestamp in the last closed period (alarms evaluate closed periods only)."""
    t = time.time()
    return datetime.fromtimestamp((t // period - 1) * period + period / 2, timezone.utc)


def open_period_left(period):
    """Seconds left in the current, open period."""
    t = time.time()
    return (t // period + 1) * period - t


class CloudWatchBase(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.cw = self.stratus.client("cloudwatch")

    def err(self, fn):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn()
        e = cm.exception.response["Error"]
        return e["Code"], e.get("Message", "")

    def window(self, minutes=5):
        n = now()
        return {"StartTime": n - timedelta(minutes=minutes), "EndTime": n + timedelta(minutes=1)}


class Metrics(CloudWatchBase):
    def test_put_and_statistics(self):
        self.cw.put_metric_data(Namespace="Shop", MetricData=[
            {"MetricName": "Latency", "Dimensions": DIM, "Value": 5, "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": DIM, "Values": [1, 2, 3, 100], "Counts": [1, 1, 1, 1],
             "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": DIM, "StatisticValues": {"SampleCount": 2, "Sum": 20, "Minimum": 10,
                                                                             "Maximum": 10}, "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": DIM, "Value": 7, "Unit": "Seconds"}])
        out = self.cw.get_metric_statistics(Namespace="Shop", MetricName="Latency", Dimensions=DIM, Period=60,
                                            Statistics=["Sum", "SampleCount", "Average", "Minimum", "Maximum"],
                                            Unit="Milliseconds", **self.window())
        self.assertEqual(out["Label"], "Latency")
        [dp] = out["Datapoints"]
        self.assertEqual((dp["Sum"], dp["SampleCount"], dp["Minimum"], dp["Maximum"], dp["Unit"]),
                         (131.0, 7.0, 1.0, 100.0, "Milliseconds"))
        self.assertAlmostEqual(dp["Average"], 131 / 7)
        out = self.cw.get_metric_statistics(Namespace="Shop", MetricName="Latency", Dimensions=DIM, Period=60,
                                            ExtendedStatistics=["p50", "p99", "IQM", "TC(:5)"], Unit="Milliseconds",
                                            **self.window())
        ext = out["Datapoints"][0]["ExtendedStatistics"]
        self.assertEqual((ext["p50"], ext["p99"], ext["TC(:5)"]), (5.0, 100.0, 4.0))
        # units are aggregated separately; without a Unit filter each unit is its own datapoint
        out = self.cw.get_metric_statistics(Namespace="Shop", MetricName="Latency", Dimensions=DIM, Period=60,
                                            Statistics=["Sum"], **self.window())
        self.assertEqual(sorted((d["Unit"], d["Sum"]) for d in out["Datapoints"]),
                         [("Milliseconds", 131.0), ("Seconds", 7.0)])
        # another dimension set is another metric
        out = self.cw.get_metric_statistics(Namespace="Shop", MetricName="Latency", Period=60, Statistics=["Sum"],
                                            **self.window())
        self.assertEqual(out["Datapoints"], [])

    def test_put_errors(self):
        e = self.err(lambda: self.cw.put_metric_data(Namespace="N", MetricData=[
            {"MetricName": "m", "Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}]))
        self.assertEqual(e, ("InvalidParameterCombination", "The parameters MetricData.member.1.Value and "
                             "MetricData.member.1.StatisticValues are mutually exclusive and you have specified both."))
        e = self.err(lambda: self.cw.put_metric_data(Namespace="N", MetricData=[
            {"MetricName": "m", "Values": [1, 2], "Counts": [1]}]))
        self.assertEqual(e, ("InvalidParameterValue", "The parameters MetricData.member.1.Values and "
                             "MetricData.member.1.Counts must be of the same size."))
        e = self.err(lambda: self.cw.put_metric_data(Namespace="N", MetricData=[
            {"MetricName": "m", "Value": 1, "Timestamp": now() - timedelta(days=15)}]))
        self.assertEqual(e[0], "InvalidParameterValue")
        self.assertIn("two weeks in the past", e[1])
        e = self.err(lambda: self.cw.put_metric_data(Namespace="N", MetricData=[
            {"MetricName": "m", "Value": 1, "Timestamp": now() + timedelta(hours=3)}]))
        self.assertIn("two hours in the future", e[1])
        e = self.err(lambda: self.cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1}]))
        self.assertEqual(e, ("InvalidParameterValue", "The value AWS/EC2 for parameter Namespace is invalid."))
        e = self.err(lambda: self.cw.put_metric_data(Namespace="N", MetricData=[
            {"MetricName": "m", "Value": 1, "StorageResolution": 5}]))
        self.assertEqual(e[0], "InvalidParameterValue")
        e = self.err(lambda: self.cw.put_metric_data(Namespace="N", MetricData=[
            {"MetricName": "m", "Value": 1, "Dimensions": [{"Name": f"d{i}", "Value": "v"} for i in range(31)]}]))
        self.assertEqual(e[0], "ValidationError")
        e = self.err(lambda: self.cw.put_metric_data(Namespace="N", MetricData=[{"MetricName": "m", "Value": 1}] * 1001))
        self.assertEqual(e, ("InvalidParameterValue", "The collection MetricData must not have a size greater than 1000."))
        e = self.err(lambda: self.cw.put_metric_data(Namespace="N", MetricData=[{"MetricName": "m"}]))
        self.assertEqual(e[0], "InvalidParameterCombination")
        e = self.err(lambda: self.cw.get_metric_statistics(Namespace="N", MetricName="m", Period=60, **self.window(),
                                                           Statistics=["Sum"], ExtendedStatistics=["p90"]))
        self.assertEqual(e[0], "InvalidParameterCombination")
        e = self.err(lambda: self.cw.get_metric_statistics(Namespace="N", MetricName="m", Period=60,
                                                           StartTime=now() - timedelta(days=2), EndTime=now(),
                                                           Statistics=["Sum"]))
        self.assertEqual(e[0], "InvalidParameterCombination")
        self.assertIn("exceeds the limit of 1,440", e[1])
        e = self.err(lambda: self.cw.get_metric_statistics(Namespace="N", MetricName="m", Period=45,
                                                           Statistics=["Sum"], **self.window()))
        self.assertEqual(e[0], "InvalidParameterValue")

    def test_high_resolution(self):
        t = now().replace(microsecond=0)
        self.cw.put_metric_data(Namespace="HR", MetricData=[
            {"MetricName": "q", "Value": 1, "StorageResolution": 1, "Timestamp": t - timedelta(seconds=12)},
            {"MetricName": "q", "Value": 2, "StorageResolution": 1, "Timestamp": t - timedelta(seconds=2)}])
        out = self.cw.get_metric_statistics(Namespace="HR", MetricName="q", Period=1, Statistics=["Sum"],
                                            StartTime=t - timedelta(seconds=30), EndTime=t + timedelta(seconds=1))
        self.assertEqual(sorted(d["Sum"] for d in out["Datapoints"]), [1.0, 2.0])

    def test_list_metrics(self):
        self.cw.put_metric_data(Namespace="L1", MetricData=[
            {"MetricName": "a", "Value": 1, "Dimensions": [{"Name": "Q", "Value": "x"}]},
            {"MetricName": "a", "Value": 1, "Dimensions": [{"Name": "Q", "Value": "y"}, {"Name": "R", "Value": "z"}]},
            {"MetricName": "b", "Value": 1}])
        ms = self.cw.list_metrics(Namespace="L1")["Metrics"]
        self.assertEqual(len(ms), 3)
        ms = self.cw.list_metrics(Namespace="L1", MetricName="a", Dimensions=[{"Name": "R"}])["Metrics"]
        self.assertEqual(ms, [{"Namespace": "L1", "MetricName": "a",
                               "Dimensions": [{"Name": "Q", "Value": "y"}, {"Name": "R", "Value": "z"}]}])
        ms = self.cw.list_metrics(Namespace="L1", Dimensions=[{"Name": "Q", "Value": "x"}], RecentlyActive="PT3H")
        self.assertEqual(len(ms["Metrics"]), 1)
        self.assertNotIn("NextToken", ms)


class MetricMath(CloudWatchBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cw = cls.stratus.client("cloudwatch")
        base = now().replace(second=0, microsecond=0) - timedelta(minutes=4)
        cls.base = base
        data = []
        for i, v in enumerate([10, 20, None, 40]):
            if v is not None:
                data.append({"MetricName": "req", "Value": v, "Timestamp": base + timedelta(minutes=i),
                             "Dimensions": [{"Name": "Api", "Value": "a"}]})
            data.append({"MetricName": "req", "Value": 1, "Timestamp": base + timedelta(minutes=i),
                         "Dimensions": [{"Name": "Api", "Value": "b"}]})
        cw.put_metric_data(Namespace="Math", MetricData=data)

    def q(self, *exprs, **kw):
        queries = [{"Id": "a", "MetricStat": {"Metric": {"Namespace": "Math", "MetricName": "req",
                                                          "Dimensions": [{"Name": "Api", "Value": "a"}]},
                                               "Period": 60, "Stat": "Sum"}, "ReturnData": False},
                   {"Id": "b", "MetricStat": {"Metric": {"Namespace": "Math", "MetricName": "req",
                                                          "Dimensions": [{"Name": "Api", "Value": "b"}]},
                                               "Period": 60, "Stat": "Sum"}, "ReturnData": False}]
        for i, e in enumerate(exprs):
            queries.append({"Id": f"e{i}", "Expression": e})
        out = self.cw.get_metric_data(MetricDataQueries=queries, StartTime=self.base,
                                      EndTime=self.base + timedelta(minutes=4), ScanBy="TimestampAscending", **kw)
        return out

    def values(self, expr):
        [r] = self.q(expr)["MetricDataResults"]
        return r["Values"]

    def test_arithmetic_and_functions(self):
        self.assertEqual(self.values("a * 2 + b"), [21, 41, 1, 81])  # a missing counts as 0 beside b
        self.assertEqual(self.values("a / 10"), [1, 2, 4])
        self.assertEqual(self.values("SUM(METRICS())"), [11, 21, 1, 41])
        self.assertEqual(self.values("FILL(a, 0)"), [10, 20, 0, 40])
        self.assertEqual(self.values("FILL(a, REPEAT)"), [10, 20, 20, 40])
        self.assertEqual(self.values("FILL(a, LINEAR)"), [10, 20, 30, 40])
        self.assertEqual(self.values("DIFF(a)"), [10, 20])
        self.assertEqual(self.values("RATE(a)"), [10 / 60, 20 / 120])
        self.assertEqual(self.values("IF(a > 15, a, 0)"), [0, 20, 40])
        self.assertEqual(self.values("MAX(METRICS())"), [10, 20, 1, 40])
        self.assertEqual(self.values("a + AVG(a)"), [10 + 70 / 3, 20 + 70 / 3, 40 + 70 / 3])
        self.assertEqual(self.values("RUNNING_SUM(b)"), [1, 2, 3, 4])

    def test_search_and_band(self):
        out = self.q("SEARCH('{Math,Api} MetricName=\"req\"', 'Sum', 60)")
        rs = out["MetricDataResults"]
        self.assertEqual(len(rs), 2)
        self.assertEqual(sorted(sum(r["Values"]) for r in rs), [4, 70])
        rs = self.q("SEARCH('Math req NOT a', 'Sum', 60)")["MetricDataResults"]
        self.assertEqual([sum(r["Values"]) for r in rs], [4])
        rs = self.q("ANOMALY_DETECTION_BAND(a, 1)")["MetricDataResults"]
        self.assertEqual(len(rs), 2)
        self.assertTrue(all(u > l for u, l in zip(rs[0]["Values"], rs[1]["Values"])))

    def test_dynamic_labels(self):
        out = self.cw.get_metric_data(MetricDataQueries=[
            {"Id": "m", "MetricStat": {"Metric": {"Namespace": "Math", "MetricName": "req",
                                                  "Dimensions": [{"Name": "Api", "Value": "a"}]},
                                       "Period": 60, "Stat": "Sum"},
             "Label": "${PROP('Dim.Api')} ${PROP('MetricName')} (${PROP('Stat')}, ${PROP('Period')}s) max ${MAX}"},
            {"Id": "e", "Expression": "m * 2", "Label": "${LABEL} doubled, last ${LAST}"}],
            StartTime=self.base, EndTime=self.base + timedelta(minutes=4))
        labels = [r["Label"] for r in out["MetricDataResults"]]
        self.assertEqual(labels, ["a req (Sum, 60s) max 40", "e doubled, last 80"])

    def test_paging_and_errors(self):
        out = self.q("a", MaxDatapoints=2)
        [r] = out["MetricDataResults"]
        self.assertEqual((r["Values"], r["StatusCode"]), ([10, 20], "PartialData"))
        out2 = self.q("a", MaxDatapoints=2, NextToken=out["NextToken"])
        self.assertEqual(out2["MetricDataResults"][0]["Values"], [40])
        desc = self.cw.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": {
            "Metric": {"Namespace": "Math", "MetricName": "req", "Dimensions": [{"Name": "Api", "Value": "a"}]},
            "Period": 60, "Stat": "Sum"}, "Label": "mine"}], StartTime=self.base, EndTime=self.base + timedelta(minutes=4))
        r = desc["MetricDataResults"][0]
        self.assertEqual((r["Label"], r["Values"]), ("mine", [40, 20, 10]))  # TimestampDescending by default
        e = self.err(lambda: self.q("a +"))
        self.assertEqual(e[0], "ValidationError")
        self.assertIn("Error in expression 'e0'", e[1])
        e = self.err(lambda: self.q("zz * 2"))
        self.assertIn("Unrecognized metric id: zz", e[1])
        e = self.err(lambda: self.q("SUM(a)"))  # a scalar is not a valid result
        self.assertEqual(e[0], "ValidationError")
        e = self.err(lambda: self.cw.get_metric_data(MetricDataQueries=[{"Id": "Bad", "Expression": "1"}],
                                                     **self.window()))
        self.assertEqual(e[0], "ValidationError")


class Alarms(CloudWatchBase):
    def alarm(self, name):
        return self.cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]

    def test_alarm_fires_and_recovers(self):
        self.cw.put_metric_alarm(AlarmName="high-latency", Namespace="AL", MetricName="lat", Dimensions=DIM,
                                 Statistic="Maximum", Period=60, EvaluationPeriods=1, Threshold=50,
                                 ComparisonOperator="GreaterThanThreshold", AlarmDescription="too slow")
        a = self.alarm("high-latency")
        self.assertEqual((a["StateValue"], a["StateReason"]), ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"))
        self.assertEqual(a["AlarmArn"], "arn:aws:cloudwatch:us-east-1:000000000000:alarm:high-latency")
        # Alarms evaluate closed periods only: the point goes into the minute before this one.
        self.cw.put_metric_data(Namespace="AL", MetricData=[{"MetricName": "lat", "Dimensions": DIM, "Value": 99.5,
                                                             "Timestamp": closed()}])
        self.assertTrue(wait_until(lambda: self.alarm("high-latency")["StateValue"] == "ALARM"))
        a = self.alarm("high-latency")
        self.assertRegex(a["StateReason"], r"^Threshold Crossed: 1 out of the last 1 datapoints \[99\.5 \(\d\d/\d\d/\d\d "
                                           r"\d\d:\d\d:00\)\] was greater than the threshold \(50\.0\) \(minimum 1 "
                                           r"datapoint for INSUFFICIENT_DATA -> ALARM transition\)\.$")
        data = json.loads(a["StateReasonData"])
        self.assertEqual((data["version"], data["statistic"], data["period"], data["recentDatapoints"],
                          data["threshold"]), ("1.0", "Maximum", 60, [99.5], 50.0))
        hist = self.cw.describe_alarm_history(AlarmName="high-latency")["AlarmHistoryItems"]
        self.assertEqual([h["HistoryItemType"] for h in hist], ["StateUpdate", "ConfigurationUpdate"])
        self.assertEqual(hist[0]["HistorySummary"], "Alarm updated from INSUFFICIENT_DATA to ALARM")
        only = self.cw.describe_alarm_history(AlarmName="high-latency", HistoryItemType="ConfigurationUpdate")
        self.assertEqual(len(only["AlarmHistoryItems"]), 1)
        first = self.cw.describe_alarm_history(AlarmName="high-latency", MaxRecords=1)
        self.assertEqual(first["AlarmHistoryItems"], hist[:1])
        rest = self.cw.describe_alarm_history(AlarmName="high-latency", MaxRecords=1, NextToken=first["NextToken"])
        self.assertEqual(rest["AlarmHistoryItems"], hist[1:2])
        self.assertEqual(self.err(lambda: self.cw.describe_alarm_history(AlarmName="high-latency", NextToken="x"))[0],
                         "InvalidNextToken")
        # SetAlarmState lasts until the next evaluation
        self.cw.set_alarm_state(AlarmName="high-latency", StateValue="OK", StateReason="testing")
        wait_until(lambda: self.alarm("high-latency")["StateValue"] == "ALARM")
        self.assertEqual(self.cw.describe_alarms(StateValue="ALARM", AlarmNamePrefix="high")["MetricAlarms"][0]
                         ["AlarmName"], "high-latency")
        fm = self.cw.describe_alarms_for_metric(Namespace="AL", MetricName="lat", Dimensions=DIM)["MetricAlarms"]
        self.assertEqual([x["AlarmName"] for x in fm], ["high-latency"])
        self.cw.delete_alarms(AlarmNames=["high-latency"])
        self.assertEqual(self.cw.describe_alarms(AlarmNames=["high-latency"])["MetricAlarms"], [])
        e = self.err(lambda: self.cw.delete_alarms(AlarmNames=["high-latency"]))
        self.assertEqual(e[0], "ResourceNotFound")

    def test_open_period_is_not_evaluated(self):
        # A high-resolution alarm (Period 10): a breaching point in the open period changes nothing
        # until that period closes.
        self.cw.put_metric_alarm(AlarmName="hires", Namespace="HR", MetricName="m", Statistic="Maximum", Period=10,
                                 EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
        if open_period_left(10) < 4:
            time.sleep(open_period_left(10) + 0.05)
        put_at = time.time()
        self.cw.put_metric_data(Namespace="HR", MetricData=[{"MetricName": "m", "Value": 5, "StorageResolution": 1}])
        time.sleep(1.5)  # six evaluations
        a = self.alarm("hires")
        self.assertLess(time.time() // 10, put_at // 10 + 1, "the period must still be open")
        self.assertEqual(a["StateValue"], "INSUFFICIENT_DATA")
        self.assertTrue(wait_until(lambda: self.alarm("hires")["StateValue"] == "ALARM", timeout=15))
        self.assertGreaterEqual(time.time(), (put_at // 10 + 1) * 10)
        a = self.alarm("hires")
        self.assertIn("1 out of the last 1 datapoints [5.0 (", a["StateReason"])
        self.assertEqual(json.loads(a["StateReasonData"])["period"], 10)

    def test_datapoints_to_alarm_over_closed_periods(self):
        # Closed minutes P-3, P-2, P-1 hold breaching, fine, breaching (P: the open minute):
        # 2 out of 3 alarms with DatapointsToAlarm 2, not with 3.
        p = time.time() // 60 * 60
        data = [{"MetricName": "m", "Value": v, "Timestamp": datetime.fromtimestamp(p - k * 60 + 5, timezone.utc)}
                for k, v in ((3, 9), (2, 1), (1, 9))]
        data.append({"MetricName": "m", "Value": 1, "Timestamp": now()})  # open minute: not evaluated
        self.cw.put_metric_data(Namespace="MN", MetricData=data)
        for name, m in (("two-of-three", 2), ("three-of-three", 3)):
            self.cw.put_metric_alarm(AlarmName=name, Namespace="MN", MetricName="m", Statistic="Maximum", Period=60,
                                     EvaluationPeriods=3, DatapointsToAlarm=m, Threshold=5,
                                     ComparisonOperator="GreaterThanThreshold")
        self.assertTrue(wait_until(lambda: self.alarm("two-of-three")["StateValue"] == "ALARM"))
        self.assertTrue(wait_until(lambda: self.alarm("three-of-three")["StateValue"] == "OK"))
        self.assertRegex(self.alarm("two-of-three")["StateReason"],
                         r"^Threshold Crossed: 2 out of the last 3 datapoints \[9\.0 \(.*\), 1\.0 \(.*\), 9\.0 "
                         r"\(.*\)\] were greater than the threshold \(5\.0\) \(minimum 2 datapoints for "
                         r"INSUFFICIENT_DATA -> ALARM transition\)\.$")

    def test_actions_suppressor(self):
        sns, sqs = self.stratus.client("sns"), self.stratus.client("sqs")
        topic = sns.create_topic(Name="suppressed")["TopicArn"]
        q = sqs.create_queue(QueueName="suppressed-inbox")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        base = dict(Namespace="SP", Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=0,
                    ComparisonOperator="GreaterThanThreshold")
        for n in ("child", "maintenance", "child2"):
            self.cw.put_metric_alarm(AlarmName=n, MetricName=n, **base)
        self.cw.put_metric_data(Namespace="SP", MetricData=[{"MetricName": "maintenance", "Value": 1,
                                                             "Timestamp": closed()}])
        self.assertTrue(wait_until(lambda: self.alarm("maintenance")["StateValue"] == "ALARM"))
        comp = lambda name: self.cw.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])[
            "CompositeAlarms"][0]
        # the "CloudWatch Alarm State Change" events of the composite, through an EventBridge rule
        ev_q = sqs.create_queue(QueueName="suppressed-events")["QueueUrl"]
        ev_arn = sqs.get_queue_attributes(QueueUrl=ev_q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = self.stratus.client("events")
        events.put_rule(Name="page-changes", EventPattern=json.dumps(
            {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
             "detail": {"alarmName": ["page"]}}))
        events.put_targets(Rule="page-changes", Targets=[{"Id": "q", "Arn": ev_arn}])
        received = lambda: [json.loads(m["Body"])["AlarmName"] for m in
                            sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1, MaxNumberOfMessages=10).get(
                                "Messages", [])]
        # 1. the suppressor in ALARM holds the actions; ExtensionPeriod after it leaves ALARM, then they run
        self.cw.put_composite_alarm(AlarmName="page", AlarmRule="ALARM(child)", AlarmActions=[topic],
                                    ActionsSuppressor="maintenance", ActionsSuppressorWaitPeriod=60,
                                    ActionsSuppressorExtensionPeriod=2)
        self.cw.put_metric_data(Namespace="SP", MetricData=[{"MetricName": "child", "Value": 1, "Timestamp": closed()}])
        self.assertTrue(wait_until(lambda: comp("page").get("ActionsSuppressedBy") == "Alarm"))
        self.assertEqual(comp("page")["StateValue"], "ALARM")
        self.assertEqual(comp("page")["ActionsSuppressedReason"], "Alarm maintenance is in ALARM state")
        self.assertEqual(received(), [])
        # the event is not held: it says why the actions are
        evs = wait_for(lambda: sqs.receive_message(QueueUrl=ev_q, WaitTimeSeconds=1).get("Messages"))
        detail = json.loads(evs[0]["Body"])["detail"]
        self.assertEqual((detail["state"]["value"], detail["state"]["actionsSuppressedBy"]), ("ALARM", "Alarm"))
        self.assertEqual((detail["configuration"]["actionsSuppressor"],
                          detail["configuration"]["actionsSuppressorExtensionPeriod"]), ("maintenance", 2))
        self.cw.put_metric_alarm(AlarmName="maintenance", MetricName="maintenance", **dict(base, Threshold=100))
        self.assertTrue(wait_until(lambda: comp("page").get("ActionsSuppressedBy") == "ExtensionPeriod"))
        left = time.time()
        msgs = wait_for(received, timeout=10)
        self.assertGreaterEqual(time.time() - left, 1.5)
        self.assertEqual(msgs, ["page"])
        self.assertNotIn("ActionsSuppressedBy", comp("page"))
        # 2. the wait period: the suppressor does not go into ALARM, the actions run after it
        self.cw.put_composite_alarm(AlarmName="page2", AlarmRule="ALARM(child2)", AlarmActions=[topic],
                                    ActionsSuppressor="maintenance", ActionsSuppressorWaitPeriod=2,
                                    ActionsSuppressorExtensionPeriod=2)
        self.cw.put_metric_data(Namespace="SP", MetricData=[{"MetricName": "child2", "Value": 1,
                                                             "Timestamp": closed()}])
        self.assertTrue(wait_until(lambda: comp("page2").get("ActionsSuppressedBy") == "WaitPeriod"))
        self.assertEqual(comp("page2")["StateValue"], "ALARM")
        msgs = wait_for(received, timeout=10)
        self.assertEqual(msgs, ["page2"])
        self.cw.delete_alarms(AlarmNames=["page", "page2"])

    def test_treat_missing_and_m_of_n(self):
        self.cw.put_metric_alarm(AlarmName="nodata-breaching", Namespace="AL", MetricName="silent", Statistic="Sum",
                                 Period=60, EvaluationPeriods=2, Threshold=1, TreatMissingData="breaching",
                                 ComparisonOperator="GreaterThanThreshold")
        self.cw.put_metric_alarm(AlarmName="nodata-missing", Namespace="AL", MetricName="silent", Statistic="Sum",
                                 Period=60, EvaluationPeriods=2, Threshold=1, ComparisonOperator="GreaterThanThreshold")
        self.cw.put_metric_alarm(AlarmName="nodata-ok", Namespace="AL", MetricName="silent", Statistic="Sum",
                                 Period=60, EvaluationPeriods=2, Threshold=1, TreatMissingData="notBreaching",
                                 ComparisonOperator="GreaterThanThreshold")
        wait_until(lambda: self.alarm("nodata-breaching")["StateValue"] == "ALARM")
        wait_until(lambda: self.alarm("nodata-ok")["StateValue"] == "OK")
        self.assertEqual(self.alarm("nodata-breaching")["StateReason"],
                         "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were "
                         "treated as [Breaching].")
        time.sleep(0.6)
        a = self.alarm("nodata-missing")
        self.assertEqual(a["StateValue"], "INSUFFICIENT_DATA")

    def test_math_alarm_and_composite(self):
        self.cw.put_metric_data(Namespace="AM", MetricData=[{"MetricName": "errors", "Value": 5, "Timestamp": closed()},
                                                            {"MetricName": "requests", "Value": 10,
                                                             "Timestamp": closed()}])
        self.cw.put_metric_alarm(AlarmName="error-rate", EvaluationPeriods=1, Threshold=20,
                                 ComparisonOperator="GreaterThanOrEqualToThreshold", Metrics=[
            {"Id": "e", "MetricStat": {"Metric": {"Namespace": "AM", "MetricName": "errors"}, "Period": 60,
                                       "Stat": "Sum"}, "ReturnData": False},
            {"Id": "r", "MetricStat": {"Metric": {"Namespace": "AM", "MetricName": "requests"}, "Period": 60,
                                       "Stat": "Sum"}, "ReturnData": False},
            {"Id": "rate", "Expression": "100 * e / r", "Label": "Error rate"}])
        self.cw.put_metric_alarm(AlarmName="quiet", Namespace="AM", MetricName="requests", Statistic="Sum", Period=60,
                                 EvaluationPeriods=1, Threshold=1000, ComparisonOperator="GreaterThanThreshold")
        wait_until(lambda: self.alarm("error-rate")["StateValue"] == "ALARM")
        wait_until(lambda: self.alarm("quiet")["StateValue"] == "OK")
        self.cw.put_composite_alarm(AlarmName="page-me", AlarmRule='ALARM("error-rate") AND NOT ALARM(quiet)')
        comp = lambda: self.cw.describe_alarms(AlarmNames=["page-me"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]
        wait_until(lambda: comp()["StateValue"] == "ALARM")
        data = json.loads(comp()["StateReasonData"])
        self.assertEqual(data["triggeringAlarms"][0]["arn"],
                         "arn:aws:cloudwatch:us-east-1:000000000000:alarm:error-rate")
        kids = self.cw.describe_alarms(ChildrenOfAlarmName="page-me")["MetricAlarms"]
        self.assertEqual(sorted(k["AlarmName"] for k in kids), ["error-rate", "quiet"])
        e = self.err(lambda: self.cw.delete_alarms(AlarmNames=["quiet"]))
        self.assertEqual(e[0], "ValidationError")
        e = self.err(lambda: self.cw.put_composite_alarm(AlarmName="bad", AlarmRule="ALARM(error-rate) AND"))
        self.assertEqual(e[0], "ValidationError")
        e = self.err(lambda: self.cw.put_composite_alarm(AlarmName="bad", AlarmRule="ALARM(nope)"))
        self.assertIn("do not exist", e[1])
        self.cw.delete_alarms(AlarmNames=["page-me", "quiet", "error-rate"])

    def test_anomaly_band_alarm(self):
        self.cw.put_anomaly_detector(SingleMetricAnomalyDetector={"Namespace": "AB", "MetricName": "m", "Stat": "Sum"})
        dets = self.cw.describe_anomaly_detectors(Namespace="AB")["AnomalyDetectors"]
        self.assertEqual(dets[0]["SingleMetricAnomalyDetector"]["MetricName"], "m")
        self.cw.put_metric_alarm(AlarmName="band", EvaluationPeriods=1, ThresholdMetricId="ad",
                                 ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold", Metrics=[
            {"Id": "m", "MetricStat": {"Metric": {"Namespace": "AB", "MetricName": "m"}, "Period": 60, "Stat": "Sum"}},
            {"Id": "ad", "Expression": "ANOMALY_DETECTION_BAND(m, 2)"}])
        e = self.err(lambda: self.cw.put_metric_alarm(AlarmName="band2", EvaluationPeriods=1, Namespace="AB",
                                                      MetricName="m", Statistic="Sum", Period=60,
                                                      ComparisonOperator="GreaterThanUpperThreshold"))
        self.assertEqual(e[0], "ValidationError")
        self.cw.delete_anomaly_detector(SingleMetricAnomalyDetector={"Namespace": "AB", "MetricName": "m", "Stat": "Sum"})
        self.assertEqual(self.cw.describe_anomaly_detectors(Namespace="AB")["AnomalyDetectors"], [])

    def test_put_alarm_errors_and_paging(self):
        base = dict(Namespace="P", MetricName="m", Statistic="Sum", Threshold=1,
                    ComparisonOperator="GreaterThanThreshold")
        e = self.err(lambda: self.cw.put_metric_alarm(AlarmName="x", Period=60, EvaluationPeriods=2,
                                                      DatapointsToAlarm=3, **base))
        self.assertEqual(e[0], "ValidationError")
        e = self.err(lambda: self.cw.put_metric_alarm(AlarmName="x", Period=3000, EvaluationPeriods=30, **base))
        self.assertEqual(e, ("ValidationError", "Metrics cannot be checked across more than a day "
                             "(EvaluationPeriods * Period must be <= 86400)."))
        e = self.err(lambda: self.cw.put_metric_alarm(AlarmName="x", Period=60, EvaluationPeriods=1,
                                                      TreatMissingData="sometimes", **base))
        self.assertEqual(e[0], "ValidationError")
        for i in range(5):
            self.cw.put_metric_alarm(AlarmName=f"page-{i}", Period=60, EvaluationPeriods=1, **base)
        names, token = [], None
        while True:
            kw = {"NextToken": token} if token else {}
            out = self.cw.describe_alarms(AlarmNamePrefix="page-", MaxRecords=2, **kw)
            names += [a["AlarmName"] for a in out["MetricAlarms"]]
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual(names, [f"page-{i}" for i in range(5)])
        self.cw.disable_alarm_actions(AlarmNames=["page-0"])
        self.assertFalse(self.alarm("page-0")["ActionsEnabled"])
        self.cw.enable_alarm_actions(AlarmNames=["page-0"])
        self.assertTrue(self.alarm("page-0")["ActionsEnabled"])
        arn = self.alarm("page-0")["AlarmArn"]
        self.cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "pay"}])
        self.assertEqual(self.cw.list_tags_for_resource(ResourceARN=arn)["Tags"], [{"Key": "team", "Value": "pay"}])
        self.cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
        self.assertEqual(self.cw.list_tags_for_resource(ResourceARN=arn)["Tags"], [])
        self.cw.delete_alarms(AlarmNames=[f"page-{i}" for i in range(5)])

    def test_sns_action(self):
        sns, sqs = self.stratus.client("sns"), self.stratus.client("sqs")
        topic = sns.create_topic(Name="alarms")["TopicArn"]
        q = sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
        self.cw.put_metric_alarm(AlarmName="to-sns", Namespace="AS", MetricName="m", Statistic="Sum", Period=60,
                                 EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold",
                                 AlarmActions=[topic])
        self.cw.put_metric_data(Namespace="AS", MetricData=[{"MetricName": "m", "Value": 3, "Timestamp": closed()}])
        msgs = wait_for(lambda: sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1).get("Messages"))
        env = json.loads(msgs[0]["Body"])
        self.assertEqual(env["Subject"], 'ALARM: "to-sns" in US East (N. Virginia)')
        body = json.loads(env["Message"])
        self.assertEqual((body["AlarmName"], body["NewStateValue"], body["OldStateValue"], body["AWSAccountId"]),
                         ("to-sns", "ALARM", "INSUFFICIENT_DATA", "000000000000"))
        self.assertEqual((body["Trigger"]["MetricName"], body["Trigger"]["Statistic"], body["Trigger"]["Threshold"]),
                         ("m", "SUM", 0.0))
        hist = wait_for(lambda: self.cw.describe_alarm_history(AlarmName="to-sns", HistoryItemType="Action")
                          ["AlarmHistoryItems"])
        self.assertEqual(hist[0]["HistorySummary"], f"Successfully executed action {topic}")


class Dashboards(CloudWatchBase):
    def test_dashboards(self):
        body = {"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 3, "properties": {"markdown": "hi"}}]}
        out = self.cw.put_dashboard(DashboardName="ops", DashboardBody=json.dumps(body))
        self.assertEqual(out["DashboardValidationMessages"], [])
        got = self.cw.get_dashboard(DashboardName="ops")
        self.assertEqual((json.loads(got["DashboardBody"]), got["DashboardArn"]),
                         (body, "arn:aws:cloudwatch::000000000000:dashboard/ops"))
        self.assertEqual([d["DashboardName"] for d in self.cw.list_dashboards(DashboardNamePrefix="o")
                          ["DashboardEntries"]], ["ops"])
        e = self.err(lambda: self.cw.put_dashboard(DashboardName="bad", DashboardBody="{not json"))
        self.assertEqual(e, ("InvalidParameterInput", "The field DashboardBody must be a valid JSON object"))
        e = self.err(lambda: self.cw.put_dashboard(DashboardName="bad", DashboardBody='{"widgets":[{"x":1}]}'))
        self.assertEqual(e, ("InvalidParameterInput", 'The dashboard body is invalid, there are 1 validation errors: '
                             '[ { "dataPath" : "/widgets/0", "message" : "Should have required property \'type\'" } ]'))
        e = self.err(lambda: self.cw.put_dashboard(DashboardName="bad name", DashboardBody='{"widgets":[]}'))
        self.assertEqual(e[0], "InvalidParameterInput")
        e = self.err(lambda: self.cw.delete_dashboards(DashboardNames=["ops", "missing"]))
        self.assertEqual(e, ("ResourceNotFound", "Dashboard missing does not exist"))
        self.cw.delete_dashboards(DashboardNames=["ops"])
        e = self.err(lambda: self.cw.get_dashboard(DashboardName="ops"))
        self.assertEqual(e[0], "ResourceNotFound")


class Cli(CloudWatchBase):
    def test_cli_metrics_and_alarms(self):
        s = self.stratus
        s.aws("cloudwatch", "put-metric-data", "--namespace", "Cli", "--metric-name", "hits", "--value", "4",
              "--dimensions", "Page=home")
        out = s.aws("cloudwatch", "get-metric-statistics", "--namespace", "Cli", "--metric-name", "hits",
                    "--dimensions", "Name=Page,Value=home", "--statistics", "Sum", "--period", "60",
                    "--start-time", (now() - timedelta(minutes=5)).isoformat(),
                    "--end-time", (now() + timedelta(minutes=1)).isoformat())
        self.assertEqual(out["Datapoints"][0]["Sum"], 4.0)
        s.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "cli-alarm", "--namespace", "Cli", "--metric-name",
              "hits", "--statistic", "Sum", "--period", "60", "--evaluation-periods", "1", "--threshold", "1",
              "--comparison-operator", "GreaterThanThreshold", "--dimensions", "Name=Page,Value=home")
        out = s.aws("cloudwatch", "describe-alarms", "--alarm-names", "cli-alarm")
        self.assertEqual(out["MetricAlarms"][0]["Threshold"], 1.0)
        self.assertEqual(len(s.aws("cloudwatch", "list-metrics", "--namespace", "Cli")["Metrics"]), 1)


class QueryProtocol(CloudWatchBase):
    def test_query_requests(self):
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        body = (b"Action=PutMetricData&Version=2010-08-01&Namespace=Qp&MetricData.member.1.MetricName=m"
                b"&MetricData.member.1.Value=2&MetricData.member.1.Dimensions.member.1.Name=d"
                b"&MetricData.member.1.Dimensions.member.1.Value=v")
        status, _, out = self.stratus.http("POST", "/", body=body, headers=form, sign=False)
        self.assertEqual(status, 200)
        status, _, out = self.stratus.http("POST", "/", body=b"Action=ListMetrics&Version=2010-08-01&Namespace=Qp",
                                           headers=form, sign=False)
        self.assertIn(b"<ListMetricsResult><Metrics><member><Dimensions><member><Name>d</Name><Value>v</Value>"
                      b"</member></Dimensions><MetricName>m</MetricName><Namespace>Qp</Namespace>", out)
        status, _, out = self.stratus.http("POST", "/", body=b"Action=PutMetricData&Version=2010-08-01&Namespace=AWS/x"
                                           b"&MetricData.member.1.MetricName=m&MetricData.member.1.Value=1",
                                           headers=form, sign=False)
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>InvalidParameterValue</Code>", out)


class ServiceMetrics(CloudWatchBase):
    def test_lambda_errors_alarm_to_sns_and_emf(self):
        lam, sns, sqs = self.stratus.client("lambda"), self.stratus.client("sns"), self.stratus.client("sqs")
        code = """
import json, time
def handler(event, context):
    print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
        {"Namespace": "Bank", "Dimensions": [["Service"]], "Metrics": [{"Name": "Amount", "Unit": "None"}]}]},
        "Service": "payments", "Amount": [5, 7]}))
    if event.get("fail"):
        raise ValueError("boom")
    return "ok"
"""
        create(lam, "payer", {"app.py": code})
        topic = sns.create_topic(Name="fn-errors")["TopicArn"]
        q = sqs.create_queue(QueueName="fn-errors-inbox")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
        self.cw.put_metric_alarm(AlarmName="payer-errors", Namespace="AWS/Lambda", MetricName="Errors",
                                 Dimensions=[{"Name": "FunctionName", "Value": "payer"}], Statistic="Sum", Period=60,
                                 EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold",
                                 TreatMissingData="notBreaching", AlarmActions=[topic])
        lam.invoke(FunctionName="payer", Payload=b"{}")
        r = lam.invoke(FunctionName="payer", Payload=json.dumps({"fail": True}).encode())
        self.assertEqual(r.get("FunctionError"), "Unhandled")
        dims = [{"Name": "FunctionName", "Value": "payer"}]

        def stats(name, stat="Sum", ns="AWS/Lambda", d=dims):
            dps = self.cw.get_metric_statistics(Namespace=ns, MetricName=name, Dimensions=d, Period=60,
                                                Statistics=[stat], **self.window())["Datapoints"]
            return sum(x[stat] for x in dps) if dps else None
        self.assertEqual(wait_for(lambda: stats("Invocations") == 2 and stats("Invocations")), 2)
        self.assertEqual(stats("Errors"), 1)
        self.assertGreater(stats("Duration", "Maximum"), 0)
        self.assertEqual(stats("ConcurrentExecutions", "Maximum"), 1)
        names = {m["MetricName"] for m in self.cw.list_metrics(Namespace="AWS/Lambda")["Metrics"]}
        self.assertTrue({"Invocations", "Errors", "Duration", "ConcurrentExecutions"} <= names)
        # the embedded metric format lines of both invocations
        amount = lambda: stats("Amount", ns="Bank", d=[{"Name": "Service", "Value": "payments"}])
        self.assertTrue(wait_for(lambda: amount() == 24), amount())
        # the Errors point is in the open minute: the alarm fires once that minute closes
        msgs = wait_for(lambda: sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1).get("Messages"), timeout=80)
        body = json.loads(json.loads(msgs[0]["Body"])["Message"])
        self.assertEqual((body["AlarmName"], body["NewStateValue"], body["Trigger"]["Namespace"]),
                         ("payer-errors", "ALARM", "AWS/Lambda"))


class LambdaAction(CloudWatchBase):
    def test_alarm_invokes_function_with_alarm_event(self):
        lam, logs = self.stratus.client("lambda"), self.stratus.client("logs")
        code = "import json\ndef handler(event, context):\n    print('ALARM-EVENT ' + json.dumps(event))\n"
        fn = create(lam, "on-alarm", {"app.py": code})["FunctionArn"]
        self.cw.put_metric_alarm(AlarmName="to-lambda", Namespace="LA", MetricName="m", Statistic="Maximum",
                                 Period=60, EvaluationPeriods=1, Threshold=1, AlarmDescription="lambda action",
                                 ComparisonOperator="GreaterThanThreshold", AlarmActions=[fn])
        self.cw.put_metric_data(Namespace="LA", MetricData=[{"MetricName": "m", "Value": 2, "Timestamp": closed()}])

        def event():
            try:
                evs = logs.filter_log_events(logGroupName="/aws/lambda/on-alarm", filterPattern="ALARM-EVENT")["events"]
            except botocore.exceptions.ClientError:
                return None
            return evs and json.loads(evs[0]["message"].split("ALARM-EVENT ", 1)[1])
        ev = wait_for(event)
        self.assertEqual((ev["source"], ev["alarmArn"], ev["accountId"], ev["region"]),
                         ("aws.cloudwatch", "arn:aws:cloudwatch:us-east-1:000000000000:alarm:to-lambda",
                          "000000000000", "us-east-1"))
        data = ev["alarmData"]
        self.assertEqual((data["alarmName"], data["state"]["value"], data["previousState"]["value"]),
                         ("to-lambda", "ALARM", "INSUFFICIENT_DATA"))
        self.assertEqual(data["configuration"]["description"], "lambda action")
        self.assertEqual(data["configuration"]["metrics"][0]["metricStat"]["metric"],
                         {"namespace": "LA", "name": "m", "dimensions": {}})


class ServiceMetricsSqsApi(CloudWatchBase):
    def sum(self, ns, name, dims, stat="Sum"):
        dps = self.cw.get_metric_statistics(Namespace=ns, MetricName=name, Dimensions=dims, Period=60,
                                            Statistics=[stat], **self.window())["Datapoints"]
        return sum(x[stat] for x in dps) if dps else None

    def test_sqs_metrics(self):
        sqs = self.stratus.client("sqs")
        q = sqs.create_queue(QueueName="metered")["QueueUrl"]
        for i in range(3):
            sqs.send_message(QueueUrl=q, MessageBody=f"m{i}")
        got = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=1)["Messages"]
        sqs.delete_message(QueueUrl=q, ReceiptHandle=got[0]["ReceiptHandle"])
        empty = sqs.create_queue(QueueName="metered-empty")["QueueUrl"]
        sqs.receive_message(QueueUrl=empty)
        d = [{"Name": "QueueName", "Value": "metered"}]
        self.assertEqual(wait_for(lambda: self.sum("AWS/SQS", "NumberOfMessagesDeleted", d)), 1)
        self.assertEqual(self.sum("AWS/SQS", "NumberOfMessagesSent", d), 3)
        self.assertEqual(self.sum("AWS/SQS", "NumberOfMessagesReceived", d), 1)
        self.assertEqual(wait_for(lambda: self.sum("AWS/SQS", "NumberOfEmptyReceives",
                                                   [{"Name": "QueueName", "Value": "metered-empty"}])), 1)
        g = sqs.create_queue(QueueName="metered-gauge")["QueueUrl"]
        for i in range(2):
            sqs.send_message(QueueUrl=g, MessageBody=f"g{i}")

        def visible_max():
            dps = self.cw.get_metric_statistics(Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
                                                Dimensions=[{"Name": "QueueName", "Value": "metered-gauge"}],
                                                Period=60, Statistics=["Maximum"], **self.window())["Datapoints"]
            return max((x["Maximum"] for x in dps), default=None)
        self.assertTrue(wait_for(lambda: visible_max() == 2), visible_max())

    def test_dynamodb_capacity_metrics(self):
        ddb = self.stratus.client("dynamodb")
        ddb.create_table(TableName="ledger", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        ddb.put_item(TableName="ledger", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        ddb.put_item(TableName="ledger", Item={"pk": {"S": "b"}, "v": {"N": "2"}})
        ddb.get_item(TableName="ledger", Key={"pk": {"S": "a"}})
        ddb.get_item(TableName="ledger", Key={"pk": {"S": "a"}}, ConsistentRead=True)
        d = [{"Name": "TableName", "Value": "ledger"}]
        self.assertEqual(wait_for(lambda: self.sum("AWS/DynamoDB", "ConsumedWriteCapacityUnits", d)), 2)
        self.assertEqual(wait_for(lambda: self.sum("AWS/DynamoDB", "ConsumedReadCapacityUnits", d)), 1.5)

    def test_ses_metrics(self):
        ses = self.stratus.client("ses")
        ses.verify_domain_identity(Domain="metered.test")
        for to in ("success", "bounce", "complaint"):
            ses.send_email(Source="a@metered.test", Destination={"ToAddresses": [f"{to}@simulator.amazonses.com"]},
                           Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})
        self.assertEqual(wait_for(lambda: self.sum("AWS/SES", "Send", [])), 3)
        self.assertEqual(wait_for(lambda: self.sum("AWS/SES", "Delivery", [])), 2)
        self.assertEqual(self.sum("AWS/SES", "Bounce", []), 1)
        self.assertEqual(self.sum("AWS/SES", "Complaint", []), 1)
        self.assertIsNone(self.sum("AWS/SES", "Reject", []))

    def test_sns_metrics(self):
        sns = self.stratus.client("sns")
        topic = sns.create_topic(Name="metered-topic")["TopicArn"]
        sns.publish(TopicArn=topic, Message="hello")
        sns.publish(TopicArn=topic, Message="hi")
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "a", "Message": "abc"}])
        d = [{"Name": "TopicName", "Value": "metered-topic"}]
        self.assertEqual(wait_for(lambda: self.sum("AWS/SNS", "NumberOfMessagesPublished", d)), 3)
        self.assertEqual(self.sum("AWS/SNS", "PublishSize", d), 10)

    def test_api_gateway_metrics(self):
        apigw = self.stratus.client("apigateway")
        api = apigw.create_rest_api(name="Bank API ✓")["id"]
        root = [r for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/"][0]["id"]
        apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_method_response(restApiId=api, resourceId=root, httpMethod="GET", statusCode="200")
        apigw.put_integration_response(restApiId=api, resourceId=root, httpMethod="GET", statusCode="200",
                                       responseTemplates={"application/json": '{"ok": true}'})
        apigw.create_deployment(restApiId=api, stageName="prod")
        for _ in range(2):
            status, _, _ = self.stratus.http("GET", f"/restapis/{api}/prod/_user_request_/")
            self.assertEqual(status, 200)
        status, _, _ = self.stratus.http("GET", f"/restapis/{api}/prod/_user_request_/missing")
        self.assertEqual(status // 100, 4)
        by_stage = [{"Name": "ApiName", "Value": "Bank API "}, {"Name": "Stage", "Value": "prod"}]
        self.assertEqual(wait_for(lambda: self.sum("AWS/ApiGateway", "Count", by_stage, "SampleCount")), 3)
        self.assertEqual(self.sum("AWS/ApiGateway", "4XXError", by_stage), 1)
        self.assertEqual(self.sum("AWS/ApiGateway", "5XXError", by_stage), 0)
        self.assertIsNotNone(self.sum("AWS/ApiGateway", "Latency", [{"Name": "ApiName", "Value": "Bank API "}],
                                      "Average"))


class Durability(unittest.TestCase):
    def test_metrics_alarms_and_states_survive_kill9(self):
        s = Stratus(env={"STRATUS_CLOUDWATCH_EVAL_MS": "200"}).start()
        try:
            cw = s.client("cloudwatch")
            cw.put_metric_data(Namespace="D", MetricData=[{"MetricName": "m", "Value": 9, "Timestamp": closed()}])
            cw.put_metric_alarm(AlarmName="d", Namespace="D", MetricName="m", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
            cw.put_dashboard(DashboardName="d", DashboardBody='{"widgets":[]}')
            wait_until(lambda: cw.describe_alarms(AlarmNames=["d"])["MetricAlarms"][0]["StateValue"] == "ALARM")
            s.kill9()
            s.start()
            cw = s.client("cloudwatch")
            n = now()
            dps = cw.get_metric_statistics(Namespace="D", MetricName="m", Period=60, Statistics=["Sum"],
                                           StartTime=n - timedelta(minutes=5), EndTime=n + timedelta(minutes=1))
            self.assertEqual(dps["Datapoints"][0]["Sum"], 9.0)
            self.assertEqual(cw.describe_alarms(AlarmNames=["d"])["MetricAlarms"][0]["StateValue"], "ALARM")
            self.assertEqual(len(cw.describe_alarm_history(AlarmName="d")["AlarmHistoryItems"]), 2)
            self.assertEqual(cw.get_dashboard(DashboardName="d")["DashboardName"], "d")
        finally:
            s.stop()
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
