"""CloudWatch Logs through boto3 and the aws CLI: groups, streams, events, filters, retention,
tags, and AWS's errors."""
import time
import unittest

from harness import StratusTestCase


class Logs(StratusTestCase):
    ephemeral = True

    def setUp(self):
        self.logs = self.stratus.client("logs")

    def put(self, group, stream, messages, start=None):
        start = start or int(time.time() * 1000)
        self.logs.put_log_events(logGroupName=group, logStreamName=stream,
                                 logEvents=[{"timestamp": start + i, "message": m} for i, m in enumerate(messages)])
        return start

    def test_groups_streams_and_events(self):
        self.logs.create_log_group(logGroupName="/app/one", tags={"env": "test"})
        with self.assertRaises(self.logs.exceptions.ResourceAlreadyExistsException):
            self.logs.create_log_group(logGroupName="/app/one")
        self.logs.create_log_stream(logGroupName="/app/one", logStreamName="s1")
        t0 = self.put("/app/one", "s1", ["first", "second", "third"])
        groups = self.logs.describe_log_groups(logGroupNamePrefix="/app/on")["logGroups"]
        self.assertEqual([g["logGroupName"] for g in groups], ["/app/one"])
        self.assertEqual(groups[0]["arn"], "arn:aws:logs:us-east-1:000000000000:log-group:/app/one:*")
        stream = self.logs.describe_log_streams(logGroupName="/app/one")["logStreams"][0]
        self.assertEqual((stream["logStreamName"], stream["firstEventTimestamp"], stream["lastEventTimestamp"]),
                         ("s1", t0, t0 + 2))
        got = self.logs.get_log_events(logGroupName="/app/one", logStreamName="s1", startFromHead=True)
        self.assertEqual([e["message"] for e in got["events"]], ["first", "second", "third"])
        # Paging forward: the token of the last page comes back unchanged once nothing is left.
        page = self.logs.get_log_events(logGroupName="/app/one", logStreamName="s1", startFromHead=True, limit=2)
        self.assertEqual([e["message"] for e in page["events"]], ["first", "second"])
        page2 = self.logs.get_log_events(logGroupName="/app/one", logStreamName="s1",
                                         nextToken=page["nextForwardToken"])
        self.assertEqual([e["message"] for e in page2["events"]], ["third"])
        page3 = self.logs.get_log_events(logGroupName="/app/one", logStreamName="s1",
                                         nextToken=page2["nextForwardToken"])
        self.assertEqual(page3["events"], [])
        self.assertEqual(page3["nextForwardToken"], page2["nextForwardToken"])
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/app/one")["tags"], {"env": "test"})

    def test_stream_name_with_nul(self):
        # The model allows any character but ':' and '*' in a stream name, NUL included; a stream
        # "a" must not see the events of a stream "a\0b" (their keys are prefix-free).
        self.logs.create_log_group(logGroupName="/app/nul")
        for s in ("a", "a\x00b"):
            self.logs.create_log_stream(logGroupName="/app/nul", logStreamName=s)
        self.put("/app/nul", "a\x00b", ["with nul"])
        self.put("/app/nul", "a", ["plain"])
        got = self.logs.get_log_events(logGroupName="/app/nul", logStreamName="a\x00b", startFromHead=True)
        self.assertEqual([e["message"] for e in got["events"]], ["with nul"])
        got = self.logs.get_log_events(logGroupName="/app/nul", logStreamName="a", startFromHead=True)
        self.assertEqual([e["message"] for e in got["events"]], ["plain"])
        names = [s["logStreamName"] for s in self.logs.describe_log_streams(logGroupName="/app/nul")["logStreams"]]
        self.assertEqual(sorted(names), ["a", "a\x00b"])

    def test_filter_patterns(self):
        self.logs.create_log_group(logGroupName="/app/filter")
        for s in ("a", "b"):
            self.logs.create_log_stream(logGroupName="/app/filter", logStreamName=s)
        self.put("/app/filter", "a", ["ERROR disk full", "INFO ok", "ERROR timeout"])
        self.put("/app/filter", "b", ["WARN slow", "ERROR disk full again"])

        def msgs(pattern, **kw):
            return sorted(e["message"] for e in self.logs.filter_log_events(
                logGroupName="/app/filter", filterPattern=pattern, **kw)["events"])
        self.assertEqual(msgs("ERROR"), ["ERROR disk full", "ERROR disk full again", "ERROR timeout"])
        self.assertEqual(msgs("ERROR disk"), ["ERROR disk full", "ERROR disk full again"])
        self.assertEqual(msgs('"disk full again"'), ["ERROR disk full again"])
        self.assertEqual(msgs("?WARN ?timeout"), ["ERROR timeout", "WARN slow"])
        self.assertEqual(msgs("ERROR -again"), ["ERROR disk full", "ERROR timeout"])
        self.assertEqual(msgs("", logStreamNames=["b"]), ["ERROR disk full again", "WARN slow"])
        paged = self.logs.get_paginator("filter_log_events").paginate(logGroupName="/app/filter",
                                                                      PaginationConfig={"PageSize": 2})
        self.assertEqual(sum(len(p["events"]) for p in paged), 5)

    def test_pages_hold_at_most_1_mb(self):
        # 6 MB in two streams, interleaved in time: every page of FilterLogEvents and GetLogEvents
        # holds at most 1 MB of events (message + 26 bytes each), and paging returns every event
        # once, in timestamp order.
        self.logs.create_log_group(logGroupName="/app/big")
        t0 = int(time.time() * 1000) - 60_000
        for s, off in (("s1", 0), ("s2", 1)):
            self.logs.create_log_stream(logGroupName="/app/big", logStreamName=s)
            for batch in range(3):
                base = t0 + batch * 2000
                self.logs.put_log_events(logGroupName="/app/big", logStreamName=s, logEvents=[
                    {"timestamp": base + 2 * i + off, "message": "%s-%05d " % (s, batch * 1000 + i) + "m" * 990}
                    for i in range(1000)])
        seen, token, pages = [], None, 0
        while True:
            page = self.logs.filter_log_events(logGroupName="/app/big", **({"nextToken": token} if token else {}))
            pages += 1
            self.assertLessEqual(sum(len(e["message"]) + 26 for e in page["events"]), 1 << 20)
            seen += [(e["timestamp"], e["message"][:8]) for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(len(seen), 6000)
        self.assertEqual(seen, sorted(seen))
        self.assertGreaterEqual(pages, 6)
        got, token = 0, None
        while True:
            kw = {"nextToken": token} if token else {"startFromHead": True}
            page = self.logs.get_log_events(logGroupName="/app/big", logStreamName="s1", **kw)
            self.assertLessEqual(sum(len(e["message"]) + 26 for e in page["events"]), 1 << 20)
            got += len(page["events"])
            if page["nextForwardToken"] == token:
                break
            token = page["nextForwardToken"]
        self.assertEqual(got, 3000)

    def test_missing_resources(self):
        with self.assertRaises(self.logs.exceptions.ResourceNotFoundException):
            self.logs.describe_log_streams(logGroupName="/nope")
        self.logs.create_log_group(logGroupName="/app/missing")
        with self.assertRaises(self.logs.exceptions.ResourceNotFoundException):
            self.put("/app/missing", "nostream", ["x"])

    def test_retention_and_delete(self):
        self.logs.create_log_group(logGroupName="/app/ret")
        self.logs.put_retention_policy(logGroupName="/app/ret", retentionInDays=7)
        g = self.logs.describe_log_groups(logGroupNamePrefix="/app/ret")["logGroups"][0]
        self.assertEqual(g["retentionInDays"], 7)
        self.logs.delete_log_group(logGroupName="/app/ret")
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/app/ret")["logGroups"], [])
        with self.assertRaises(self.logs.exceptions.ResourceNotFoundException):
            self.logs.delete_log_group(logGroupName="/app/ret")

    def test_aws_cli(self):
        self.stratus.aws("logs", "create-log-group", "--log-group-name", "/cli/g")
        self.stratus.aws("logs", "create-log-stream", "--log-group-name", "/cli/g", "--log-stream-name", "s")
        self.put("/cli/g", "s", ["from cli test"])
        out = self.stratus.aws("logs", "filter-log-events", "--log-group-name", "/cli/g")
        self.assertEqual([e["message"] for e in out["events"]], ["from cli test"])
        out = self.stratus.aws("logs", "get-log-events", "--log-group-name", "/cli/g", "--log-stream-name", "s")
        self.assertEqual([e["message"] for e in out["events"]], ["from cli test"])


if __name__ == "__main__":
    unittest.main()
