"""CloudWatch Logs filter patterns (FilterLogEvents), metric filters and Logs Insights queries
through boto3 and the aws CLI."""
import json
import time
import unittest

from harness import Stratus, StratusTestCase


class LogsFilterPatterns(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.stratus.client("logs")
        cls.logs.create_log_group(logGroupName="/fp")
        cls.logs.create_log_stream(logGroupName="/fp", logStreamName="s")
        cls.t0 = int(time.time() * 1000) - 10000
        cls.messages = [
            json.dumps({"level": "error", "latency": 120, "user": {"id": 1}, "tags": ["a", "b"], "ok": False}),
            json.dumps({"level": "info", "latency": 20, "user": {"id": 2}, "tags": ["c"], "ok": True, "gone": None}),
            '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
            '10.0.0.2 Dev alice [10/Oct/2000:13:25:16 -0700] "POST /api HTTP/1.1" 500 20',
            "[ERROR 401] UNAUTHORIZED REQUEST",
            "[ERROR 419] MISSING ARGUMENTS",
            "INFO colour ok",
        ]
        cls.logs.put_log_events(logGroupName="/fp", logStreamName="s",
                                logEvents=[{"timestamp": cls.t0 + i, "message": m}
                                           for i, m in enumerate(cls.messages)])

    def hits(self, pattern):
        got = self.logs.filter_log_events(logGroupName="/fp", filterPattern=pattern)["events"]
        return [self.messages.index(e["message"]) for e in got]

    def test_json_patterns(self):
        self.assertEqual(self.hits('{ $.level = "error" }'), [0])
        self.assertEqual(self.hits('{ $.latency > 100 || $.user.id = 2 }'), [0, 1])
        self.assertEqual(self.hits('{ ($.latency >= 20) && ($.tags[0] = "c") }'), [1])
        self.assertEqual(self.hits('{ $.level = "inf*" }'), [1])
        self.assertEqual(self.hits('{ $.gone IS NULL }'), [1])
        self.assertEqual(self.hits('{ $.ok IS TRUE }'), [1])
        self.assertEqual(self.hits('{ $.ok IS FALSE }'), [0])
        self.assertEqual(self.hits('{ $.gone NOT EXISTS }'), [0])
        self.assertEqual(self.hits('{ $.level != "error" }'), [1])
        self.assertEqual(self.hits('{ $.level = %^er+or$% }'), [0])

    def test_space_delimited_patterns(self):
        self.assertEqual(self.hits("[ip, user, username, timestamp, request = *.html*, status = 4*, bytes]"), [2])
        self.assertEqual(self.hits("[ip, ..., status = 404 || status = 500, bytes]"), [2, 3])
        self.assertEqual(self.hits("[..., bytes > 1000]"), [2])
        self.assertEqual(self.hits("[ip, user != Prod, ...]"), [0, 1, 3, 4, 5, 6])

    def test_regex_and_terms(self):
        self.assertEqual(self.hits("%AUTHORIZED%"), [4])
        self.assertEqual(self.hits("%colou?r%"), [6])
        self.assertEqual(self.hits("%^\\[[A-Z]+%"), [4, 5])
        self.assertEqual(self.hits("ERROR -ARGUMENTS"), [4])
        self.assertEqual(self.hits("?ARGUMENTS ?colour"), [5, 6])
        self.assertEqual(self.hits('"MISSING ARGUMENTS"'), [5])
        self.assertEqual(self.hits("COLOUR"), [])  # case-sensitive
        self.assertEqual(len(self.hits('" "')), len(self.messages))

    def test_invalid_patterns(self):
        for bad in ("%something!%", "%(a|b)%", '{ $.a = 1', "[a, b", '{ $.a IS NOT NULL }', "%a% %b% %c%"):
            with self.assertRaises(self.logs.exceptions.InvalidParameterException, msg=bad) as cm:
                self.logs.filter_log_events(logGroupName="/fp", filterPattern=bad)
            self.assertIn("Invalid filter pattern", cm.exception.response["Error"]["Message"])

    def test_cli_filter_log_events(self):
        out = self.stratus.aws("logs", "filter-log-events", "--log-group-name", "/fp",
                               "--filter-pattern", '{ $.latency < 50 }')
        self.assertEqual([e["message"] for e in out["events"]], [self.messages[1]])


class LogsMetricFilters(StratusTestCase):

    def setUp(self):
        self.logs = self.stratus.client("logs")

    def test_put_describe_delete(self):
        logs = self.logs
        logs.create_log_group(logGroupName="/mf")
        tr = {"metricName": "Latency", "metricNamespace": "App", "metricValue": "$.latency", "unit": "Milliseconds"}
        logs.put_metric_filter(logGroupName="/mf", filterName="lat", filterPattern="{ $.latency = * }",
                               metricTransformations=[tr])
        logs.put_metric_filter(logGroupName="/mf", filterName="errors", filterPattern="ERROR",
                               metricTransformations=[{"metricName": "Errors", "metricNamespace": "App",
                                                       "metricValue": "1", "defaultValue": 0}])
        got = logs.describe_metric_filters(logGroupName="/mf")["metricFilters"]
        self.assertEqual([f["filterName"] for f in got], ["errors", "lat"])
        self.assertEqual(got[1]["filterPattern"], "{ $.latency = * }")
        self.assertEqual(got[1]["metricTransformations"], [tr])
        self.assertEqual(got[1]["logGroupName"], "/mf")
        self.assertIsInstance(got[1]["creationTime"], int)
        self.assertEqual([f["filterName"] for f in logs.describe_metric_filters(
            logGroupName="/mf", filterNamePrefix="er")["metricFilters"]], ["errors"])
        self.assertEqual([f["filterName"] for f in logs.describe_metric_filters(
            metricName="Latency", metricNamespace="App")["metricFilters"]], ["lat"])
        page = logs.describe_metric_filters(logGroupName="/mf", limit=1)
        self.assertEqual(len(page["metricFilters"]), 1)
        page2 = logs.describe_metric_filters(logGroupName="/mf", limit=1, nextToken=page["nextToken"])
        self.assertEqual(page2["metricFilters"][0]["filterName"], "lat")
        self.assertEqual(logs.describe_log_groups(logGroupNamePrefix="/mf")["logGroups"][0]["metricFilterCount"], 2)
        # update in place
        logs.put_metric_filter(logGroupName="/mf", filterName="errors", filterPattern="?ERROR ?FATAL",
                               metricTransformations=[{"metricName": "Errors", "metricNamespace": "App",
                                                       "metricValue": "1"}])
        self.assertEqual(logs.describe_metric_filters(logGroupName="/mf", filterNamePrefix="errors")
                         ["metricFilters"][0]["filterPattern"], "?ERROR ?FATAL")
        logs.delete_metric_filter(logGroupName="/mf", filterName="errors")
        with self.assertRaises(logs.exceptions.ResourceNotFoundException):
            logs.delete_metric_filter(logGroupName="/mf", filterName="errors")
        self.assertEqual(len(logs.describe_metric_filters(logGroupName="/mf")["metricFilters"]), 1)
        out = self.stratus.aws("logs", "describe-metric-filters", "--log-group-name", "/mf")
        self.assertEqual([f["filterName"] for f in out["metricFilters"]], ["lat"])

    def test_errors(self):
        logs = self.logs
        tr = [{"metricName": "M", "metricNamespace": "N", "metricValue": "1"}]
        with self.assertRaises(logs.exceptions.ResourceNotFoundException):
            logs.put_metric_filter(logGroupName="/none", filterName="f", filterPattern="", metricTransformations=tr)
        logs.create_log_group(logGroupName="/mf-err")
        with self.assertRaises(logs.exceptions.InvalidParameterException):
            logs.put_metric_filter(logGroupName="/mf-err", filterName="f", filterPattern="{ $.a = ",
                                   metricTransformations=tr)
        with self.assertRaises(logs.exceptions.InvalidParameterException):  # field value needs a structured pattern
            logs.put_metric_filter(logGroupName="/mf-err", filterName="f", filterPattern="ERROR",
                                   metricTransformations=[{"metricName": "M", "metricNamespace": "N",
                                                           "metricValue": "$.latency"}])
        with self.assertRaises(logs.exceptions.InvalidParameterException):  # defaultValue with dimensions
            logs.put_metric_filter(logGroupName="/mf-err", filterName="f", filterPattern="{ $.a = * }",
                                   metricTransformations=[{"metricName": "M", "metricNamespace": "N",
                                                           "metricValue": "1", "defaultValue": 0,
                                                           "dimensions": {"a": "$.a"}}])
        with self.assertRaises(logs.exceptions.InvalidParameterException):  # two transformations
            logs.put_metric_filter(logGroupName="/mf-err", filterName="f", filterPattern="",
                                   metricTransformations=tr * 2)
        with self.assertRaises(logs.exceptions.InvalidParameterException):  # name with ':'
            logs.put_metric_filter(logGroupName="/mf-err", filterName="a:b", filterPattern="",
                                   metricTransformations=tr)
        for i in range(100):
            logs.put_metric_filter(logGroupName="/mf-err", filterName=f"f{i:03}", filterPattern="",
                                   metricTransformations=tr)
        with self.assertRaises(logs.exceptions.LimitExceededException):
            logs.put_metric_filter(logGroupName="/mf-err", filterName="one-more", filterPattern="",
                                   metricTransformations=tr)
        logs.put_metric_filter(logGroupName="/mf-err", filterName="f000", filterPattern="X",
                               metricTransformations=tr)  # replacing is not adding

    def test_test_metric_filter(self):
        got = self.logs.test_metric_filter(
            filterPattern="[ip, user, ..., status = 4*, bytes]",
            logEventMessages=["1.2.3.4 bob GET 404 10", "1.2.3.4 bob GET 200 10", "5.6.7.8 amy x y 403 7"])
        self.assertEqual([(m["eventNumber"], m["extractedValues"]) for m in got["matches"]], [
            (1, {"$ip": "1.2.3.4", "$user": "bob", "$status": "404", "$bytes": "10"}),
            (3, {"$ip": "5.6.7.8", "$user": "amy", "$status": "403", "$bytes": "7"})])
        got = self.logs.test_metric_filter(filterPattern='{ $.latency > 10 }',
                                           logEventMessages=['{"latency": 50}', '{"latency": 5}', "text"])
        self.assertEqual([(m["eventNumber"], m["eventMessage"], m["extractedValues"]) for m in got["matches"]],
                         [(1, '{"latency": 50}', {"$.latency": "50"})])
        out = self.stratus.aws("logs", "test-metric-filter", "--filter-pattern", "ERROR",
                               "--log-event-messages", "ERROR one", "fine", "ERROR two")
        self.assertEqual([m["eventNumber"] for m in out["matches"]], [1, 3])
        with self.assertRaises(self.logs.exceptions.InvalidParameterException):
            self.logs.test_metric_filter(filterPattern="%bad!%", logEventMessages=["x"])


class LogsMetricFiltersDurable(unittest.TestCase):

    def test_survives_kill9(self):
        s = Stratus().start()
        try:
            logs = s.client("logs")
            logs.create_log_group(logGroupName="/dur")
            logs.put_metric_filter(logGroupName="/dur", filterName="f", filterPattern="ERROR",
                                   metricTransformations=[{"metricName": "M", "metricNamespace": "N",
                                                           "metricValue": "1"}])
            s.kill9()
            s.start()
            got = s.client("logs").describe_metric_filters(logGroupName="/dur")["metricFilters"]
            self.assertEqual([f["filterName"] for f in got], ["f"])
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
