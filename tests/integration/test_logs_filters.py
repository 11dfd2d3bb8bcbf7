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


class LogsInsights(StratusTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.stratus.client("logs")
        logs = cls.logs
        logs.create_log_group(logGroupName="/q")
        logs.create_log_stream(logGroupName="/q", logStreamName="a")
        logs.create_log_stream(logGroupName="/q", logStreamName="b")
        cls.t0 = (int(time.time()) - 600) * 1000
        rows = [("a", {"service": "api", "level": "error", "ms": 120}),
                ("a", {"service": "api", "level": "info", "ms": 20}),
                ("b", {"service": "worker", "level": "error", "ms": 300}),
                ("b", {"service": "worker", "level": "info", "ms": 40})]
        for i, (stream, body) in enumerate(rows):
            logs.put_log_events(logGroupName="/q", logStreamName=stream,
                                logEvents=[{"timestamp": cls.t0 + i * 1000, "message": json.dumps(body)}])
        logs.put_log_events(logGroupName="/q", logStreamName="a",
                            logEvents=[{"timestamp": cls.t0 + 5000, "message": "plain GET /x 404 user=ada"}])

    def run_query(self, q, **kw):
        now = int(time.time())
        qid = self.logs.start_query(logGroupName="/q", startTime=now - 3600, endTime=now + 60,
                                    queryString=q, **kw)["queryId"]
        out = self.logs.get_query_results(queryId=qid)
        self.assertEqual(out["status"], "Complete")
        return [{c["field"]: c["value"] for c in row} for row in out["results"]], out, qid

    def test_fields_filter_sort_limit(self):
        rows, out, _ = self.run_query("fields @timestamp, service, ms | filter level = 'error' | sort ms desc")
        self.assertEqual([(r["service"], r["ms"]) for r in rows], [("worker", "300"), ("api", "120")])
        self.assertIn("@ptr", rows[0])
        self.assertRegex(rows[0]["@timestamp"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$")
        self.assertEqual(out["statistics"]["recordsMatched"], 2.0)
        self.assertEqual(out["statistics"]["recordsScanned"], 5.0)
        rows, _, _ = self.run_query("fields ms | filter ms > 30 and service != 'api' | sort ms asc | limit 1")
        self.assertEqual([r["ms"] for r in rows], ["40"])
        rows, _, _ = self.run_query("filter @message like /GET .x 40[0-9]/")
        self.assertEqual([r["@message"] for r in rows], ["plain GET /x 404 user=ada"])
        self.assertEqual(rows[0]["@logStream"], "a")
        rows, _, _ = self.run_query("filter @message like 'user=' | parse @message 'GET * * user=*' as path, code, who"
                                    " | fields path, code, who")
        self.assertEqual([(r["path"], r["code"], r["who"]) for r in rows], [("/x", "404", "ada")])
        rows, _, _ = self.run_query("fields service | filter service in ['api'] and not ms < 100")
        self.assertEqual([r["service"] for r in rows], ["api"])
        # default: newest first, at most `limit`
        rows, _, _ = self.run_query("fields @message", limit=2)
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0]["@message"], "plain GET /x 404 user=ada")

    def test_stats(self):
        rows, _, _ = self.run_query("stats count(*) as n, avg(ms), sum(ms), min(ms), max(ms) by service"
                                    " | sort service")
        self.assertEqual(rows, [
            {"service": "api", "n": "2", "avg(ms)": "70", "sum(ms)": "140", "min(ms)": "20", "max(ms)": "120"},
            {"service": "worker", "n": "2", "avg(ms)": "170", "sum(ms)": "340", "min(ms)": "40", "max(ms)": "300"},
            {"n": "1"}])  # the plain-text event has no service: its own group, without the field
        rows, _, _ = self.run_query("filter level = 'error' | stats count() as errors")
        self.assertEqual(rows, [{"errors": "2"}])
        rows, _, _ = self.run_query("stats count(*) by bin(1h)")
        self.assertEqual(sum(int(r["count(*)"]) for r in rows), 5)

    def test_describe_stop_and_errors(self):
        _, _, qid = self.run_query("fields @message | limit 1")
        self.assertFalse(self.logs.stop_query(queryId=qid)["success"])
        qs = self.logs.describe_queries(logGroupName="/q")["queries"]
        self.assertIn(qid, [q["queryId"] for q in qs])
        q = [q for q in qs if q["queryId"] == qid][0]
        self.assertEqual((q["status"], q["logGroupName"], q["queryString"]), ("Complete", "/q", "fields @message | limit 1"))
        now = int(time.time())
        with self.assertRaises(self.logs.exceptions.MalformedQueryException):
            self.logs.start_query(logGroupName="/q", startTime=now - 60, endTime=now, queryString="fields | |")
        with self.assertRaises(self.logs.exceptions.MalformedQueryException):
            self.logs.start_query(logGroupName="/q", startTime=now - 60, endTime=now, queryString="frobnicate x")
        with self.assertRaises(self.logs.exceptions.ResourceNotFoundException):
            self.logs.start_query(logGroupName="/none", startTime=now - 60, endTime=now, queryString="fields @message")
        with self.assertRaises(self.logs.exceptions.InvalidParameterException):
            self.logs.start_query(logGroupName="/q", logGroupNames=["/q"], startTime=now - 60, endTime=now,
                                  queryString="fields @message")
        with self.assertRaises(self.logs.exceptions.ResourceNotFoundException):
            self.logs.get_query_results(queryId="00000000-0000-0000-0000-000000000000")

    def test_cli(self):
        now = int(time.time())
        out = self.stratus.aws("logs", "start-query", "--log-group-name", "/q", "--start-time", str(now - 3600),
                               "--end-time", str(now + 60), "--query-string", "stats count(*) as n")
        res = self.stratus.aws("logs", "get-query-results", "--query-id", out["queryId"])
        self.assertEqual(res["status"], "Complete")
        self.assertEqual(res["results"], [[{"field": "n", "value": "5"}]])


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
