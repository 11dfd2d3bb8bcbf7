"""DynamoDB Time to Live: items whose TTL attribute (a Number of epoch seconds) is in the past
are deleted in the background like a DeleteItem (index entries go too, ItemCount drops), and the
stream's REMOVE record names the DynamoDB service as the deleter. Items with a future, missing
or non-Number TTL stay. The sweep keeps working after a restart.

The sweep period is shortened with STRATUS_DYNAMODB_SWEEP_MS (AWS deletes within days; the
test only waits for the deletion, it asserts no timing)."""
import time
import unittest
import uuid

from harness import Stratus, StratusTestCase, wait_until

ENV = {"STRATUS_DYNAMODB_SWEEP_MS": "200", "STRATUS_DYNAMODB_TTL_CHANGE_MS": "1"}


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


def make_table(ddb, stream=True):
    name = "ttl-" + uuid.uuid4().hex[:10]
    kw = {}
    if stream:
        kw["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST", **kw)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return name



def keys(ddb, name):
    return sorted(i["sk"]["S"] for i in ddb.scan(TableName=name, ConsistentRead=True)["Items"])


class TimeToLive(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus(env=ENV).start()
        cls.ddb = cls.stratus.client("dynamodb")
        cls.streams = cls.stratus.client("dynamodbstreams")

    def test_expired_items_are_deleted_like_a_delete(self):
        name = make_table(self.ddb)
        now = int(time.time())
        # Written before TTL is enabled: enabling picks existing items up too.
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("old-expired"), "g": S("x"), "exp": N(now - 60)})
        self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        desc = self.ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        self.assertEqual(desc["TimeToLiveStatus"], "ENABLED")
        items = {
            "expired": N(now - 10),
            "fractional": N(f"{now - 5}.5"),
            "future": N(now + 3600),
            "string": S(str(now - 10)),          # not a Number: never expires
            "ancient": N(now - 6 * 366 * 86400),  # more than five years ago: AWS ignores it
        }
        for sk, exp in items.items():
            self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S(sk), "g": S("x"), "exp": exp})
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("none"), "g": S("x")})
        # An item whose TTL moved to the future before the sweep stays.
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("renewed"), "g": S("x"), "exp": N(now + 3600)})

        remaining = ["ancient", "future", "none", "renewed", "string"]
        self.assertTrue(wait_until(lambda: keys(self.ddb, name) == remaining), keys(self.ddb, name))
        gsi = self.ddb.query(TableName=name, IndexName="byg", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": S("x")})["Items"]
        self.assertEqual(sorted(i["sk"]["S"] for i in gsi), remaining)
        self.assertEqual(self.ddb.describe_table(TableName=name)["Table"]["ItemCount"], len(remaining))

        arn = self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        recs = self.streams.get_records(ShardIterator=it)["Records"]
        removes = [r for r in recs if r["eventName"] == "REMOVE"]
        self.assertEqual(sorted(r["dynamodb"]["Keys"]["sk"]["S"] for r in removes),
                         ["expired", "fractional", "old-expired"])
        for r in removes:
            self.assertEqual(r["userIdentity"], {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"})
            self.assertIn("exp", r["dynamodb"]["OldImage"])
        for r in recs:
            if r["eventName"] != "REMOVE":
                self.assertNotIn("userIdentity", r)

    def test_user_delete_has_no_service_identity_and_disable_stops_deletions(self):
        name = make_table(self.ddb)
        self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("a"), "exp": N(int(time.time()) - 1)})
        self.assertTrue(wait_until(lambda: keys(self.ddb, name) == []))
        self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
        self.assertEqual(self.ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"],
                         "DISABLED")
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("b"), "exp": N(int(time.time()) - 1)})
        self.ddb.delete_item(TableName=name, Key={"pk": S("p"), "sk": S("b")})
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("c"), "exp": N(int(time.time()) - 1)})
        time.sleep(1)  # several sweep periods: with TTL disabled nothing is deleted
        self.assertEqual(keys(self.ddb, name), ["c"])
        arn = self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        recs = self.streams.get_records(ShardIterator=it)["Records"]
        removes = [r for r in recs if r["eventName"] == "REMOVE"]
        self.assertEqual([r["dynamodb"]["Keys"]["sk"]["S"] for r in removes], ["a", "b"])
        self.assertIn("userIdentity", removes[0])
        self.assertNotIn("userIdentity", removes[1])

    def test_errors(self):
        name = make_table(self.ddb, stream=False)
        with self.assertRaises(self.ddb.exceptions.ClientError) as cm:
            self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(self.ddb.exceptions.ResourceNotFoundException):
            self.ddb.update_time_to_live(TableName="nope-" + name,
                                         TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})


class TimeToLiveRestart(unittest.TestCase):
    def test_sweep_resumes_after_kill_9(self):
        s = Stratus(env=ENV).start()
        try:
            ddb = s.client("dynamodb")
            name = make_table(ddb, stream=False)
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
            soon = int(time.time()) + 3
            for i in range(20):
                ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S(f"k{i:02}"), "exp": N(soon)})
            ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("keep"), "exp": N(soon + 3600)})
            s.kill9()
            while time.time() <= soon + 1:
                time.sleep(0.2)
            s.start()
            ddb = s.client("dynamodb")
            self.assertTrue(wait_until(lambda: keys(ddb, name) == ["keep"]), keys(ddb, name))
            self.assertEqual(ddb.describe_table(TableName=name)["Table"]["ItemCount"], 1)
            self.assertEqual(ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["AttributeName"], "exp")
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
