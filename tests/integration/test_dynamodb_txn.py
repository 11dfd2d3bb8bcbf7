"""DynamoDB transactions, batches and item collections through boto3: ClientRequestToken
idempotency (also across a restart), transaction and batch limits, CancellationReasons,
BatchGetItem's 16 MB answer with UnprocessedKeys, and ItemCollectionMetrics for tables with local
secondary indexes. Written against AWS's documented behaviour so that they pass on AWS too."""
import threading
import unittest
import uuid

import botocore.exceptions

from harness import Stratus, StratusTestCase


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


def create_table(ddb, lsi=False):
    name = "txn-" + uuid.uuid4().hex[:12]
    kw = {}
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if lsi:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs += [{"AttributeName": "sk", "AttributeType": "S"}, {"AttributeName": "other", "AttributeType": "S"}]
        kw["LocalSecondaryIndexes"] = [{
            "IndexName": "by-other",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "other", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}]
    ddb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attrs,
                     BillingMode="PAY_PER_REQUEST", **kw)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return name


def increment(table, key, token=None, by=1):
    kw = {"ClientRequestToken": token} if token else {}
    return dict(TransactItems=[{"Update": {
        "TableName": table, "Key": {"pk": S(key)}, "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": N(by)}}}], **kw)


class DynamoCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]

    def count(self, table, key):
        item = self.ddb.get_item(TableName=table, Key={"pk": S(key)}, ConsistentRead=True).get("Item", {})
        return int(item.get("n", {"N": "0"})["N"])


class Idempotency(DynamoCase):
    def test_same_token_same_request_applies_once(self):
        t = create_table(self.ddb)
        token = uuid.uuid4().hex
        self.ddb.transact_write_items(**increment(t, "a", token))
        again = self.ddb.transact_write_items(**increment(t, "a", token), ReturnConsumedCapacity="TOTAL")
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.count(t, "a"), 1)
        # Another token (boto3 makes a new one per call when none is given) applies again.
        self.ddb.transact_write_items(**increment(t, "a"))
        self.ddb.transact_write_items(**increment(t, "a"))
        self.assertEqual(self.count(t, "a"), 3)

    def test_same_token_different_request_is_a_mismatch(self):
        t = create_table(self.ddb)
        token = uuid.uuid4().hex
        self.ddb.transact_write_items(**increment(t, "a", token))
        err = self.error(self.ddb.transact_write_items, **increment(t, "a", token, by=2))
        self.assertEqual(err["Code"], "IdempotentParameterMismatchException")
        self.assertEqual(self.count(t, "a"), 1)


    def test_same_token_in_flight_is_transaction_in_progress(self):
        """Concurrent copies of one request with one token: each either succeeds or gets
        TransactionInProgressException, and the transaction is applied exactly once."""
        t = create_table(self.ddb)
        pad = "p" * 38_000
        clients = [self.stratus.client("dynamodb") for _ in range(8)]
        for round_ in range(6):
            token = uuid.uuid4().hex
            key = f"c{round_}"
            request = increment(t, key, token)
            request["TransactItems"] += [{"Put": {"TableName": t, "Item": {"pk": S(f"{key}-{i}"), "pad": S(pad)}}}
                                         for i in range(99)]
            outcomes = []

            def send(client):
                try:
                    client.transact_write_items(**request)
                    outcomes.append("ok")
                except botocore.exceptions.ClientError as e:
                    outcomes.append(e.response["Error"]["Code"])

            threads = [threading.Thread(target=send, args=(c,)) for c in clients]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            self.assertIn("ok", outcomes)
            self.assertEqual(set(outcomes) - {"ok", "TransactionInProgressException"}, set(), outcomes)
            self.assertEqual(self.count(t, key), 1, outcomes)


class IdempotencyAcrossRestart(unittest.TestCase):
    def test_token_survives_kill9(self):
        stratus = Stratus().start()
        try:
            ddb = stratus.client("dynamodb")
            t = create_table(ddb)
            token = uuid.uuid4().hex
            ddb.transact_write_items(**increment(t, "a", token))
            stratus.kill9()
            stratus.start()
            ddb = stratus.client("dynamodb")
            ddb.transact_write_items(**increment(t, "a", token))
            item = ddb.get_item(TableName=t, Key={"pk": S("a")}, ConsistentRead=True)["Item"]
            self.assertEqual(item["n"], N(1))
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                ddb.transact_write_items(**increment(t, "a", token, by=5))
            self.assertEqual(cm.exception.response["Error"]["Code"], "IdempotentParameterMismatchException")
        finally:
            stratus.cleanup()


class TransactionLimits(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.t = create_table(cls.ddb)

    def test_more_than_100_actions(self):
        items = [{"Put": {"TableName": self.t, "Item": {"pk": S("k%d" % i)}}} for i in range(101)]
        err = self.error(self.ddb.transact_write_items, TransactItems=items)
        self.assertEqual(err["Code"], "ValidationException")
        gets = [{"Get": {"TableName": self.t, "Key": {"pk": S("k%d" % i)}}} for i in range(101)]
        err = self.error(self.ddb.transact_get_items, TransactItems=gets)
        self.assertEqual(err["Code"], "ValidationException")

    def test_100_actions_are_fine(self):
        items = [{"Put": {"TableName": self.t, "Item": {"pk": S("hundred-%d" % i)}}} for i in range(100)]
        self.ddb.transact_write_items(TransactItems=items)
        gets = [{"Get": {"TableName": self.t, "Key": {"pk": S("hundred-%d" % i)}}} for i in range(100)]
        out = self.ddb.transact_get_items(TransactItems=gets)
        self.assertEqual(len(out["Responses"]), 100)
        self.assertTrue(all("Item" in r for r in out["Responses"]))

    def test_aggregate_size_over_4_mb(self):
        big = "x" * (390 * 1024)
        items = [{"Put": {"TableName": self.t, "Item": {"pk": S("big-%d" % i), "d": S(big)}}} for i in range(11)]
        err = self.error(self.ddb.transact_write_items, TransactItems=items)
        self.assertEqual(err["Code"], "ValidationException")
        self.assertNotIn("Item", self.ddb.get_item(TableName=self.t, Key={"pk": S("big-0")}))
        # Reading as much in one TransactGetItems is refused too.
        for i in range(11):
            self.ddb.put_item(TableName=self.t, Item={"pk": S("big-%d" % i), "d": S(big)})
        gets = [{"Get": {"TableName": self.t, "Key": {"pk": S("big-%d" % i)}}} for i in range(11)]
        err = self.error(self.ddb.transact_get_items, TransactItems=gets)
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(len(self.ddb.transact_get_items(TransactItems=gets[:10])["Responses"]), 10)

    def test_two_actions_on_one_item(self):
        err = self.error(self.ddb.transact_write_items, TransactItems=[
            {"Put": {"TableName": self.t, "Item": {"pk": S("same")}}},
            {"ConditionCheck": {"TableName": self.t, "Key": {"pk": S("same")},
                                "ConditionExpression": "attribute_not_exists(pk)"}}])
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], "Transaction request cannot include multiple operations on one item")
        err = self.error(self.ddb.transact_get_items, TransactItems=[
            {"Get": {"TableName": self.t, "Key": {"pk": S("same")}}},
            {"Get": {"TableName": self.t, "Key": {"pk": S("same")}}}])
        self.assertEqual(err["Code"], "ValidationException")

    def test_cancellation_reasons_in_order_with_old_item(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("held"), "v": N(1)})
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as cm:
            self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.t, "Item": {"pk": S("fresh")}}},
                {"Update": {"TableName": self.t, "Key": {"pk": S("held")}, "UpdateExpression": "SET v = :v",
                            "ConditionExpression": "v = :two", "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                            "ExpressionAttributeValues": {":v": N(3), ":two": N(2)}}}])
        reasons = cm.exception.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["None", "ConditionalCheckFailed"])
        self.assertEqual(reasons[1]["Item"], {"pk": S("held"), "v": N(1)})
        self.assertNotIn("Item", self.ddb.get_item(TableName=self.t, Key={"pk": S("fresh")}))


class Batches(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.t = create_table(cls.ddb)

    def test_batch_get_limits(self):
        keys = [{"pk": S("k%d" % i)} for i in range(101)]
        err = self.error(self.ddb.batch_get_item, RequestItems={self.t: {"Keys": keys}})
        self.assertEqual(err["Code"], "ValidationException")
        # Over 100 across tables (each table's list within the model's limit).
        other = create_table(self.ddb)
        err = self.error(self.ddb.batch_get_item, RequestItems={self.t: {"Keys": keys[:60]},
                                                                other: {"Keys": keys[:60]}})
        self.assertEqual(err["Code"], "ValidationException")
        self.assertTrue(err["Message"].startswith("Too many items requested for the BatchGetItem call"), err)
        err = self.error(self.ddb.batch_get_item, RequestItems={self.t: {"Keys": [{"pk": S("a")}, {"pk": S("a")}]}})
        self.assertEqual(err["Message"], "Provided list of item keys contains duplicates")

    def test_batch_write_limits_and_empty_unprocessed(self):
        puts = [{"PutRequest": {"Item": {"pk": S("w%d" % i)}}} for i in range(26)]
        err = self.error(self.ddb.batch_write_item, RequestItems={self.t: puts})
        self.assertEqual(err["Code"], "ValidationException")
        other = create_table(self.ddb)
        err = self.error(self.ddb.batch_write_item, RequestItems={self.t: puts[:13], other: puts[13:]})
        self.assertEqual(err["Code"], "ValidationException")
        self.assertTrue(err["Message"].startswith("Too many items requested for the BatchWriteItem call"), err)
        err = self.error(self.ddb.batch_write_item, RequestItems={self.t: [
            {"PutRequest": {"Item": {"pk": S("d")}}}, {"DeleteRequest": {"Key": {"pk": S("d")}}}]})
        self.assertEqual(err["Message"], "Provided list of item keys contains duplicates")
        out = self.ddb.batch_write_item(RequestItems={self.t: puts[:25]})
        self.assertEqual(out["UnprocessedItems"], {})

    def test_batch_write_request_over_16_mb(self):
        # Each item is under 400 KB, but control characters take six bytes each in the JSON request.
        # DynamoDB's front end refuses a body over 16 MB from its Content-Length, before reading it
        # (test_http_front.RequestLimits).
        value = "\x01" * 390_000
        puts = [{"PutRequest": {"Item": {"pk": S(f"big{i}"), "v": S(value)}}} for i in range(8)]
        err = self.error(self.ddb.batch_write_item, RequestItems={self.t: puts})
        self.assertEqual(err["Code"], "RequestEntityTooLargeException")
        self.assertNotIn("Item", self.ddb.get_item(TableName=self.t, Key={"pk": S("big0")}))
        out = self.ddb.batch_write_item(RequestItems={self.t: puts[:2]})  # about 4.7 MB: fine
        self.assertEqual(out["UnprocessedItems"], {})

    def test_table_arn_in_place_of_name(self):
        arn = self.ddb.describe_table(TableName=self.t)["Table"]["TableArn"]
        self.ddb.put_item(TableName=arn, Item={"pk": S("by-arn")})
        self.assertIn("Item", self.ddb.get_item(TableName=arn, Key={"pk": S("by-arn")}))
        out = self.ddb.batch_get_item(RequestItems={arn: {"Keys": [{"pk": S("by-arn")}]}})
        self.assertEqual(out["Responses"][arn], [{"pk": S("by-arn")}])
        err = self.error(self.ddb.get_item, TableName=arn.replace(":table/", ":table/missing-"), Key={"pk": S("a")})
        self.assertEqual(err["Code"], "ResourceNotFoundException")

    def test_batch_get_answers_at_most_16_mb(self):
        # AWS's documented example: of 100 items of 300 KB, 52 come back and the rest are
        # returned in UnprocessedKeys.
        keys = []
        for start in range(0, 100, 25):
            puts = []
            for i in range(start, start + 25):
                pk = "big%03d" % i
                size = 300 * 1024 - len("pk") - len(pk) - len("d")
                puts.append({"PutRequest": {"Item": {"pk": S(pk), "d": S("x" * size)}}})
                keys.append({"pk": S(pk)})
            self.assertEqual(self.ddb.batch_write_item(RequestItems={self.t: puts})["UnprocessedItems"], {})
        out = self.ddb.batch_get_item(RequestItems={self.t: {"Keys": keys, "ProjectionExpression": "pk, d"}})
        got = [i["pk"]["S"] for i in out["Responses"][self.t]]
        rest = out["UnprocessedKeys"][self.t]
        self.assertEqual(len(got), 52)
        self.assertEqual(len(rest["Keys"]), 48)
        self.assertEqual(rest["ProjectionExpression"], "pk, d")
        again = self.ddb.batch_get_item(RequestItems=out["UnprocessedKeys"])
        got += [i["pk"]["S"] for i in again["Responses"][self.t]]
        self.assertEqual(again["UnprocessedKeys"], {})
        self.assertEqual(sorted(got), sorted(k["pk"]["S"] for k in keys))


class ItemCollectionMetrics(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.t = create_table(cls.ddb, lsi=True)

    def check(self, m, pk):
        self.assertEqual(m["ItemCollectionKey"], {"pk": S(pk)})
        lo, hi = m["SizeEstimateRangeGB"]
        self.assertLessEqual(lo, hi)
        self.assertLess(lo, 1.0)

    def test_single_item_writes(self):
        out = self.ddb.put_item(TableName=self.t, Item={"pk": S("c"), "sk": S("1"), "other": S("o")},
                                ReturnItemCollectionMetrics="SIZE")
        self.check(out["ItemCollectionMetrics"], "c")
        out = self.ddb.update_item(TableName=self.t, Key={"pk": S("c"), "sk": S("1")}, UpdateExpression="SET v = :v",
                                   ExpressionAttributeValues={":v": N(1)}, ReturnItemCollectionMetrics="SIZE")
        self.check(out["ItemCollectionMetrics"], "c")
        out = self.ddb.delete_item(TableName=self.t, Key={"pk": S("c"), "sk": S("1")}, ReturnItemCollectionMetrics="SIZE")
        self.check(out["ItemCollectionMetrics"], "c")
        out = self.ddb.put_item(TableName=self.t, Item={"pk": S("c"), "sk": S("2")})
        self.assertNotIn("ItemCollectionMetrics", out)

    def test_not_returned_without_local_indexes(self):
        plain = create_table(self.ddb)
        out = self.ddb.put_item(TableName=plain, Item={"pk": S("c")}, ReturnItemCollectionMetrics="SIZE")
        self.assertNotIn("ItemCollectionMetrics", out)

    def test_batch_and_transaction(self):
        out = self.ddb.batch_write_item(RequestItems={self.t: [
            {"PutRequest": {"Item": {"pk": S("b1"), "sk": S("1")}}},
            {"PutRequest": {"Item": {"pk": S("b1"), "sk": S("2")}}},
            {"PutRequest": {"Item": {"pk": S("b2"), "sk": S("1")}}}]}, ReturnItemCollectionMetrics="SIZE")
        metrics = out["ItemCollectionMetrics"][self.t]
        self.assertEqual(sorted(m["ItemCollectionKey"]["pk"]["S"] for m in metrics), ["b1", "b2"])
        out = self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.t, "Item": {"pk": S("x1"), "sk": S("1")}}},
            {"Delete": {"TableName": self.t, "Key": {"pk": S("b2"), "sk": S("1")}}}], ReturnItemCollectionMetrics="SIZE")
        metrics = out["ItemCollectionMetrics"][self.t]
        self.assertEqual(sorted(m["ItemCollectionKey"]["pk"]["S"] for m in metrics), ["b2", "x1"])
        for m in metrics:
            self.check(m, m["ItemCollectionKey"]["pk"]["S"])


if __name__ == "__main__":
    unittest.main()
