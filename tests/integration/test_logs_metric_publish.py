"""Metric filters publish CloudWatch metrics: log events that match a filter (through
PutLogEvents and through a Lambda function's own log) become datapoints of the filter's metric,
with the value and dimensions the transformation names, read back with GetMetricStatistics."""
import os
import time
import unittest

from harness import StratusTestCase
from lambda_util import create, wait_for

os.environ.setdefault("STRATUS_CLOUDWATCH_FLUSH_MS", "200")


class LogsMetricPublish(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.logs = self.stratus.client("logs")
        self.cw = self.stratus.client("cloudwatch")

    def stats(self, ns, name, dims=(), stat="Sum"):
        now = time.time()
        out = self.cw.get_metric_statistics(Namespace=ns, MetricName=name, Dimensions=list(dims),
                                            StartTime=now - 600, EndTime=now + 600, Period=60, Statistics=[stat])
        return sum(p[stat] for p in out["Datapoints"])

    def test_value_field_and_dimensions(self):
        logs = self.logs
        logs.create_log_group(logGroupName="/m/app")
        logs.create_log_stream(logGroupName="/m/app", logStreamName="s")
        logs.put_metric_filter(logGroupName="/m/app", filterName="errors", filterPattern="ERROR",
                               metricTransformations=[{"metricName": "Errors", "metricNamespace": "App",
                                                       "metricValue": "1", "defaultValue": 0}])
        logs.put_metric_filter(logGroupName="/m/app", filterName="latency", filterPattern="{ $.ms = * }",
                               metricTransformations=[{"metricName": "Latency", "metricNamespace": "App",
                                                       "metricValue": "$.ms", "unit": "Milliseconds",
                                                       "dimensions": {"Route": "$.route"}}])
        now = int(time.time() * 1000)
        msgs = ["ERROR one", "fine", "ERROR two", '{"ms": 120, "route": "/a"}', '{"ms": 30, "route": "/a"}',
                '{"ms": 7, "route": "/b"}', '{"ms": 5}']
        logs.put_log_events(logGroupName="/m/app", logStreamName="s",
                            logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(msgs)])
        self.assertTrue(wait_for(lambda: self.stats("App", "Errors") == 2, 10), self.stats("App", "Errors"))
        self.assertEqual(wait_for(lambda: self.stats("App", "Latency", [{"Name": "Route", "Value": "/a"}]), 10), 150)
        self.assertEqual(self.stats("App", "Latency", [{"Name": "Route", "Value": "/b"}], "Maximum"), 7)
        metrics = self.cw.list_metrics(Namespace="App", MetricName="Latency")["Metrics"]
        self.assertEqual(sorted(m["Dimensions"][0]["Value"] for m in metrics), ["/a", "/b"])  # no metric without route
        # A batch without any match reports the default value.
        logs.put_log_events(logGroupName="/m/app", logStreamName="s",
                            logEvents=[{"timestamp": now + 100, "message": "all good"}])
        self.assertTrue(wait_for(lambda: self.stats("App", "Errors", stat="SampleCount") == 3, 10))
        self.assertEqual(self.stats("App", "Errors"), 2)

    def test_lambda_logs_feed_metric_filters(self):
        lam = self.stratus.client("lambda")
        create(lam, "noisy", {"app.py": "def handler(e, c):\n    print('WARN from noisy')\n    return 1\n"})
        self.logs.create_log_group(logGroupName="/aws/lambda/noisy")
        self.logs.put_metric_filter(logGroupName="/aws/lambda/noisy", filterName="warns", filterPattern="WARN",
                                    metricTransformations=[{"metricName": "Warnings", "metricNamespace": "Fn",
                                                            "metricValue": "1"}])
        lam.invoke(FunctionName="noisy", Payload=b"{}")
        lam.invoke(FunctionName="noisy", Payload=b"{}")
        self.assertTrue(wait_for(lambda: self.stats("Fn", "Warnings") == 2, 15), self.stats("Fn", "Warnings"))


if __name__ == "__main__":
    unittest.main()
