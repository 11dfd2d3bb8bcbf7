"""DynamoDB Streams: every committed change produces one record, in order, with the images the
view type asks for; iterators of every type; and durability of acknowledged writes across
kill -9 (items and their stream records together)."""
import threading
import time
import unittest
import uuid

import botocore.exceptions

from harness import Stratus, StratusTestCase, error_code, wait_until


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


def make_stream_table(ddb, view="NEW_AND_OLD_IMAGES"):
    name = "s-" + uuid.uuid4().hex[:12]
    t = ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST",
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return name, t["TableDescription"]["LatestStreamArn"]


def read_all(streams, arn, iterator_type="TRIM_HORIZON", **kw):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=iterator_type, **kw)["ShardIterator"]
    records = []
    for _ in range(10):
        out = streams.get_records(ShardIterator=it)
        records += out["Records"]
        it = out.get("NextShardIterator")
        if not out["Records"] or not it:
            break
    return records


class Streams(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")
        cls.streams = cls.stratus.client("dynamodbstreams")

    def test_insert_modify_remove_with_images(self):
        name, arn = make_stream_table(self.ddb)
        self.ddb.put_item(TableName=name, Item={"pk": S("a"), "v": N(1)})
        self.ddb.update_item(TableName=name, Key={"pk": S("a")}, UpdateExpression="SET v = :v",
                             ExpressionAttributeValues={":v": N(2)})
        self.ddb.delete_item(TableName=name, Key={"pk": S("a")})
        self.ddb.delete_item(TableName=name, Key={"pk": S("never")})  # no change, no record
        recs = read_all(self.streams, arn)
        self.assertEqual([r["eventName"] for r in recs], ["INSERT", "MODIFY", "REMOVE"])
        self.assertEqual(recs[0]["dynamodb"]["NewImage"], {"pk": S("a"), "v": N(1)})
        self.assertNotIn("OldImage", recs[0]["dynamodb"])
        self.assertEqual(recs[1]["dynamodb"]["OldImage"]["v"], N(1))
        self.assertEqual(recs[1]["dynamodb"]["NewImage"]["v"], N(2))
        self.assertEqual(recs[2]["dynamodb"]["Keys"], {"pk": S("a")})
        self.assertEqual(recs[2]["eventSource"], "aws:dynamodb")
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in recs]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), 3)

    def test_keys_only_view(self):
        name, arn = make_stream_table(self.ddb, "KEYS_ONLY")
        self.ddb.put_item(TableName=name, Item={"pk": S("k"), "v": N(1)})
        rec = read_all(self.streams, arn)[0]["dynamodb"]
        self.assertEqual(rec["Keys"], {"pk": S("k")})
        self.assertNotIn("NewImage", rec)
        self.assertEqual(rec["StreamViewType"], "KEYS_ONLY")

    def test_iterator_types(self):
        name, arn = make_stream_table(self.ddb, "NEW_IMAGE")
        for i in range(3):
            self.ddb.put_item(TableName=name, Item={"pk": S(f"i{i}")})
        recs = read_all(self.streams, arn)
        second = recs[1]["dynamodb"]["SequenceNumber"]
        at = read_all(self.streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=second)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in at], ["i1", "i2"])
        after = read_all(self.streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=second)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in after], ["i2"])
        self.assertEqual(read_all(self.streams, arn, "LATEST"), [])

    def test_list_and_describe(self):
        name, arn = make_stream_table(self.ddb)
        listed = self.streams.list_streams(TableName=name)["Streams"]
        self.assertEqual([s["StreamArn"] for s in listed], [arn])
        d = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(d["StreamStatus"], "ENABLED")
        self.assertEqual(d["TableName"], name)
        self.assertEqual(d["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}])
        t = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(t["LatestStreamArn"], arn)
        self.assertEqual(t["StreamSpecification"], {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})

    def test_errors(self):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.streams.describe_stream(StreamArn="arn:aws:dynamodb:us-east-1:000000000000:table/none/stream/2020-01-01T00:00:00.000")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.streams.get_records(ShardIterator="not-an-iterator-at-all")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")


def client_error(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    raise AssertionError("no error")


def read_to_end(streams, arn):
    """Every record of a (closed) stream's shard, following NextShardIterator until it is absent."""
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    for _ in range(20):
        out = streams.get_records(ShardIterator=it)
        records += out["Records"]
        it = out.get("NextShardIterator")
        if not it:
            return records
    raise AssertionError("a closed shard kept returning NextShardIterator")


class StreamLifecycle(StratusTestCase):
    """DescribeStream paging and ShardFilter, shards closed by disabling, a new stream (ARN and
    shard) on re-enabling while the old one stays readable to its end, and the errors of
    GetShardIterator/GetRecords for unknown streams, unknown shards and limits."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")
        cls.streams = cls.stratus.client("dynamodbstreams")

    def test_describe_stream_paging_and_shard_filter(self):
        name, arn = make_stream_table(self.ddb)
        d = self.streams.describe_stream(StreamArn=arn, Limit=1)["StreamDescription"]
        self.assertEqual(len(d["Shards"]), 1)
        shard = d["Shards"][0]["ShardId"]
        self.assertTrue(28 <= len(shard) <= 65)
        self.assertNotIn("EndingSequenceNumber", d["Shards"][0]["SequenceNumberRange"])  # open shard
        after = self.streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shard)["StreamDescription"]
        self.assertEqual(after["Shards"], [])  # starting after the last shard: no shards
        self.assertNotIn("LastEvaluatedShardId", after)
        children = self.streams.describe_stream(
            StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": shard})["StreamDescription"]
        self.assertEqual(children["Shards"], [])  # the only shard has no children
        code, msg = client_error(lambda: self.streams.describe_stream(StreamArn=arn, Limit=101))
        self.assertEqual(code, "ValidationException")
        self.assertIn("less than or equal to 100", msg)
        self.assertEqual(client_error(lambda: self.streams.list_streams(Limit=101))[0], "ValidationException")

    def test_disable_closes_the_shard_and_reenable_starts_a_new_stream(self):
        name, arn = make_stream_table(self.ddb, "KEYS_ONLY")
        old_shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        for k in ("a", "b"):
            self.ddb.put_item(TableName=name, Item={"pk": S(k)})
        self.ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
        d = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(d["StreamStatus"], "DISABLED")
        recs = read_to_end(self.streams, arn)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in recs], ["a", "b"])
        self.assertEqual(d["Shards"][0]["SequenceNumberRange"]["EndingSequenceNumber"],
                         recs[-1]["dynamodb"]["SequenceNumber"])
        self.ddb.put_item(TableName=name, Item={"pk": S("while-disabled")})  # no stream: no record

        self.ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        arn2 = self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        self.assertNotEqual(arn2, arn)
        d2 = self.streams.describe_stream(StreamArn=arn2)["StreamDescription"]
        self.assertEqual((d2["StreamStatus"], d2["StreamViewType"]), ("ENABLED", "NEW_IMAGE"))
        self.assertNotEqual(d2["Shards"][0]["ShardId"], old_shard)
        self.ddb.put_item(TableName=name, Item={"pk": S("c")})
        # The old stream is still there, closed, with exactly its records.
        old = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual((old["StreamStatus"], old["StreamViewType"]), ("DISABLED", "KEYS_ONLY"))
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in read_to_end(self.streams, arn)], ["a", "b"])
        new = read_all(self.streams, arn2)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in new], ["c"])
        listed = [s["StreamArn"] for s in self.streams.list_streams(TableName=name)["Streams"]]
        self.assertEqual(sorted(listed), sorted([arn, arn2]))
        page = self.streams.list_streams(TableName=name, Limit=1)
        self.assertEqual(len(page["Streams"]), 1)
        rest = self.streams.list_streams(TableName=name, ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])
        self.assertEqual(len(rest["Streams"]), 1)
        self.assertNotIn("LastEvaluatedStreamArn", rest)

    def test_get_shard_iterator_errors(self):
        name, arn = make_stream_table(self.ddb)
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        gone = arn.rsplit("/stream/", 1)[0] + "/stream/2020-01-01T00:00:00.000"
        code, msg = client_error(lambda: self.streams.get_shard_iterator(
            StreamArn=gone, ShardId=shard, ShardIteratorType="LATEST"))
        self.assertEqual(code, "ResourceNotFoundException")
        self.assertIn(gone, msg)
        other_table = "arn:aws:dynamodb:us-east-1:000000000000:table/no-such-table/stream/2020-01-01T00:00:00.000"
        self.assertEqual(client_error(lambda: self.streams.describe_stream(StreamArn=other_table))[0],
                         "ResourceNotFoundException")
        self.assertEqual(client_error(lambda: self.streams.get_shard_iterator(
            StreamArn=arn, ShardId="shardId-00000000000000000000-00000000", ShardIteratorType="LATEST")),
            ("ResourceNotFoundException", "Requested resource not found: Shard does not exist"))
        self.assertEqual(client_error(lambda: self.streams.get_shard_iterator(
            StreamArn="this-is-not-an-arn-but-it-is-long-enough", ShardId=shard, ShardIteratorType="LATEST")),
            ("ValidationException", "Invalid StreamArn"))

    def test_get_records_limit(self):
        name, arn = make_stream_table(self.ddb)
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        code, msg = client_error(lambda: self.streams.get_records(ShardIterator=it, Limit=1001))
        self.assertEqual(code, "ValidationException")
        self.assertIn("less than or equal to 1000", msg)
        self.assertEqual(self.streams.get_records(ShardIterator=it, Limit=1000)["Records"], [])

    def test_get_records_stops_at_one_megabyte(self):
        name, arn = make_stream_table(self.ddb, "NEW_IMAGE")
        blob = "x" * (300 * 1024)
        for i in range(5):
            self.ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "v": S(blob)})
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        first = self.streams.get_records(ShardIterator=it)
        self.assertEqual(len(first["Records"]), 3)  # 3 × 300 KB fit in 1 MB, a fourth would not
        rest = self.streams.get_records(ShardIterator=first["NextShardIterator"])
        self.assertEqual(len(rest["Records"]), 2)


class Durability(unittest.TestCase):
    """Acknowledged writes survive SIGKILL: items and stream records come back after restart."""

    def test_acknowledged_puts_survive_kill_9(self):
        s = Stratus().start()
        try:
            ddb = s.client("dynamodb")
            name, arn = make_stream_table(ddb, "KEYS_ONLY")
            for i in range(200):
                ddb.put_item(TableName=name, Item={"pk": S(f"k{i}"), "n": N(i)})
            s.kill9()
            s.start()
            ddb = s.client("dynamodb")
            count = ddb.scan(TableName=name, Select="COUNT")["Count"]
            self.assertEqual(count, 200)
            self.assertEqual(ddb.get_item(TableName=name, Key={"pk": S("k199")})["Item"]["n"], N(199))
            recs = read_all(s.client("dynamodbstreams"), arn)
            self.assertEqual(len(recs), 200)
            ddb.put_item(TableName=name, Item={"pk": S("after")})  # sequence numbers keep increasing
            recs2 = read_all(s.client("dynamodbstreams"), arn)
            self.assertEqual(len(recs2), 201)
            self.assertGreater(int(recs2[-1]["dynamodb"]["SequenceNumber"]), int(recs[-1]["dynamodb"]["SequenceNumber"]))
        finally:
            s.cleanup()

    def test_concurrent_acknowledged_writes_survive_kill_9(self):
        """Writers on several connections at once (their writes share log flushes), killed mid-way:
        every acknowledged put, update and delete is there after restart, with its stream record."""
        s = Stratus().start()
        try:
            name, arn = make_stream_table(s.client("dynamodb"), "KEYS_ONLY")
            acked = {}  # writer -> (puts, deletes, adds)
            stop = threading.Event()

            def writer(w):
                ddb = clients[w]
                puts, deletes, adds = [], [], 0
                acked[w] = (puts, deletes, 0)
                i = 0
                try:
                    while not stop.is_set():
                        ddb.put_item(TableName=name, Item={"pk": S(f"w{w}-{i}"), "v": N(i)})
                        puts.append(f"w{w}-{i}")
                        ddb.update_item(TableName=name, Key={"pk": S(f"ctr{w}")}, UpdateExpression="ADD n :one",
                                        ExpressionAttributeValues={":one": N(1)})
                        adds += 1
                        acked[w] = (puts, deletes, adds)
                        if i % 5 == 4:
                            ddb.delete_item(TableName=name, Key={"pk": S(f"w{w}-{i - 2}")})
                            deletes.append(f"w{w}-{i - 2}")
                        i += 1
                except Exception:
                    pass  # the server is gone

            clients = [s.client("dynamodb") for _ in range(6)]  # one connection each; made here, not in threads
            threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
            for t in threads:
                t.start()
            self.assertTrue(wait_until(lambda: sum(len(a[0]) for a in acked.values()) >= 300, timeout=60))
            s.kill9()
            stop.set()
            for t in threads:
                t.join()

            s.start()
            ddb = s.client("dynamodb")
            present, pages = {}, ddb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True)
            for page in pages:
                for item in page["Items"]:
                    present[item["pk"]["S"]] = item
            for w, (puts, deletes, adds) in acked.items():
                for k in puts:
                    if k not in deletes:
                        self.assertIn(k, present, f"acknowledged put {k} lost")
                for k in deletes:
                    self.assertNotIn(k, present, f"acknowledged delete {k} lost")
                n = int(present[f"ctr{w}"]["n"]["N"]) if f"ctr{w}" in present else 0
                self.assertGreaterEqual(n, adds, f"acknowledged ADDs of writer {w} lost")
                self.assertLessEqual(n, adds + 1)  # at most the one in flight when killed
            # Every change that is there has its stream record (one atomic batch each).
            streams = s.client("dynamodbstreams")
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            inserted = set()
            while it:
                out = streams.get_records(ShardIterator=it)
                inserted |= {r["dynamodb"]["Keys"]["pk"]["S"] for r in out["Records"] if r["eventName"] == "INSERT"}
                if not out["Records"]:
                    break
                it = out.get("NextShardIterator")
            self.assertEqual(set(present) - inserted, set())
        finally:
            s.cleanup()


class Retention(unittest.TestCase):
    """Records older than the retention (24 h on AWS) are trimmed: iterators and sequence numbers
    before the trim horizon fail with TrimmedDataAccessException, TRIM_HORIZON starts after it,
    and sequence numbers keep increasing even once every record is trimmed (across a restart).
    The retention is shortened with a hidden test knob instead of waiting a day."""

    def test_trim_horizon(self):
        s = Stratus(env={"STRATUS_DYNAMODB_STREAM_RETENTION_MS": "3000", "STRATUS_DYNAMODB_SWEEP_MS": "100"}).start()
        try:
            ddb, streams = s.client("dynamodb"), s.client("dynamodbstreams")
            name, arn = make_stream_table(ddb, "KEYS_ONLY")
            for i in range(3):
                ddb.put_item(TableName=name, Item={"pk": S(f"old{i}")})
            recs = read_all(streams, arn)
            first = recs[0]["dynamodb"]["SequenceNumber"]
            last = recs[-1]["dynamodb"]["SequenceNumber"]
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
            early = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            at_first = lambda: streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                                          SequenceNumber=first)
            self.assertTrue(wait_until(lambda: error_code(at_first) == "TrimmedDataAccessException"))
            self.assertTrue(wait_until(lambda: read_all(streams, arn) == []))
            self.assertEqual(error_code(lambda: streams.get_records(ShardIterator=early)), "TrimmedDataAccessException")
            self.assertEqual(error_code(lambda: streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=first)),
                "TrimmedDataAccessException")
            # After the last trimmed record is still a valid position.
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                            SequenceNumber=last)["ShardIterator"]
            s.kill9()
            s.start()
            ddb, streams = s.client("dynamodb"), s.client("dynamodbstreams")
            ddb.put_item(TableName=name, Item={"pk": S("new")})
            recs2 = read_all(streams, arn)
            self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in recs2], ["new"])
            self.assertGreater(int(recs2[0]["dynamodb"]["SequenceNumber"]), int(last))
            got = streams.get_records(ShardIterator=it)["Records"]
            self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in got], ["new"])
        finally:
            s.cleanup()


class PastStreamDurability(unittest.TestCase):
    def test_replaced_stream_survives_kill_9(self):
        s = Stratus().start()
        try:
            ddb = s.client("dynamodb")
            name, arn = make_stream_table(ddb, "KEYS_ONLY")
            ddb.put_item(TableName=name, Item={"pk": S("a")})
            ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
            ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
            s.kill9()
            s.start()
            streams = s.client("dynamodbstreams")
            self.assertEqual(streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"], "DISABLED")
            self.assertEqual(len(read_to_end(streams, arn)), 1)
        finally:
            s.cleanup()


class IteratorExpiry(unittest.TestCase):
    """Shard iterators expire (15 minutes on AWS; shortened here): ExpiredIteratorException."""

    def test_expired_iterator(self):
        s = Stratus(env={"STRATUS_DYNAMODB_ITERATOR_LIFETIME_MS": "500"}).start()
        try:
            ddb, streams = s.client("dynamodb"), s.client("dynamodbstreams")
            name, arn = make_stream_table(ddb)
            ddb.put_item(TableName=name, Item={"pk": S("a")})
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            out = streams.get_records(ShardIterator=it)  # fresh: fine
            self.assertEqual(len(out["Records"]), 1)
            nxt = out["NextShardIterator"]
            time.sleep(0.7)
            self.assertEqual(error_code(lambda: streams.get_records(ShardIterator=it)), "ExpiredIteratorException")
            self.assertEqual(error_code(lambda: streams.get_records(ShardIterator=nxt)), "ExpiredIteratorException")
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
