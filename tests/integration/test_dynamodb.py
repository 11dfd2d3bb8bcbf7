"""DynamoDB through boto3 and the aws CLI: tables, items, expressions, queries, batches and
transactions. Written against AWS's documented behaviour so that they pass on AWS too (table
names are unique per test; waiters are used where AWS creates tables asynchronously)."""
import json
import unittest
import uuid

import botocore.exceptions

from harness import StratusTestCase


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


class DynamoTestCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")

    def make_table(self, range_type=None, **kw):
        name = "t-" + uuid.uuid4().hex[:12]
        keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
        attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
        if range_type:
            keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
            attrs.append({"AttributeName": "sk", "AttributeType": range_type})
        attrs += kw.pop("extra_attrs", [])
        self.ddb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attrs,
                              BillingMode="PAY_PER_REQUEST", **kw)
        self.ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        return name

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]


class Tables(DynamoTestCase):
    def test_create_describe_list_delete(self):
        name = self.make_table("N", Tags=[{"Key": "team", "Value": "a"}])
        t = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(t["TableStatus"], "ACTIVE")
        self.assertEqual(t["KeySchema"][1], {"AttributeName": "sk", "KeyType": "RANGE"})
        self.assertEqual(t["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        self.assertTrue(t["TableArn"].endswith(":table/" + name))
        self.assertIn(name, self.ddb.list_tables()["TableNames"])
        tags = self.ddb.list_tags_of_resource(ResourceArn=t["TableArn"])["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "a"}])
        self.assertEqual(self.ddb.delete_table(TableName=name)["TableDescription"]["TableStatus"], "DELETING")
        self.ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        err = self.error(self.ddb.describe_table, TableName=name)
        self.assertEqual(err["Code"], "ResourceNotFoundException")

    def test_create_existing_table_is_resource_in_use(self):
        name = self.make_table()
        err = self.error(self.ddb.create_table, TableName=name,
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        self.assertEqual(err["Code"], "ResourceInUseException")

    def test_list_tables_pagination(self):
        names = sorted(self.make_table() for _ in range(3))
        seen, start = [], None
        while True:
            kw = {"Limit": 2}
            if start:
                kw["ExclusiveStartTableName"] = start
            page = self.ddb.list_tables(**kw)
            self.assertLessEqual(len(page["TableNames"]), 2)
            seen += page["TableNames"]
            start = page.get("LastEvaluatedTableName")
            if not start:
                break
        for n in names:
            self.assertIn(n, seen)
        self.assertEqual(seen, sorted(seen))

    def test_key_schema_must_match_definitions(self):
        err = self.error(self.ddb.create_table, TableName="bad-" + uuid.uuid4().hex[:8],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "x", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        self.assertEqual(err["Code"], "ValidationException")
        self.assertIn("Number of attributes in KeySchema does not exactly match", err["Message"])

    def test_update_table_deletion_protection_and_billing(self):
        name = self.make_table(DeletionProtectionEnabled=True)
        err = self.error(self.ddb.delete_table, TableName=name)
        self.assertEqual(err["Code"], "ValidationException")
        self.ddb.update_table(TableName=name, DeletionProtectionEnabled=False,
                              BillingMode="PROVISIONED",
                              ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
        self.ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        t = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(t["ProvisionedThroughput"]["ReadCapacityUnits"], 5)
        self.assertFalse(t["DeletionProtectionEnabled"])
        self.ddb.delete_table(TableName=name)

    def test_time_to_live_settings(self):
        name = self.make_table()
        self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        d = self.ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        self.assertEqual(d["AttributeName"], "exp")

    def test_aws_cli_create_put_get(self):
        name = "cli-" + uuid.uuid4().hex[:8]
        self.stratus.aws("dynamodb", "create-table", "--table-name", name,
                         "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                         "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
        self.stratus.aws("dynamodb", "wait", "table-exists", "--table-name", name)
        self.stratus.aws("dynamodb", "put-item", "--table-name", name,
                         "--item", json.dumps({"pk": S("k"), "n": N("1.50")}))
        out = self.stratus.aws("dynamodb", "get-item", "--table-name", name, "--key", json.dumps({"pk": S("k")}))
        self.assertEqual(out["Item"]["n"], {"N": "1.5"})
        cp = self.stratus.aws("dynamodb", "get-item", "--table-name", "nope-" + name,
                              "--key", json.dumps({"pk": S("k")}), check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("ResourceNotFoundException", cp.stderr)


class Items(DynamoTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = DynamoTestCase.make_table(cls, "S")

    def key(self, pk, sk="a"):
        return {"pk": S(pk), "sk": S(sk)}

    def test_put_get_round_trip_all_types(self):
        item = {**self.key("types"), "s": S(""), "n": N("-0012.3400"), "b": {"B": b"\x00\xff"},
                "t": {"BOOL": True}, "z": {"NULL": True}, "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.5"]},
                "bs": {"BS": [b"a"]}, "m": {"M": {"l": {"L": [S("v"), N(1)]}}}}
        self.ddb.put_item(TableName=self.table, Item=item)
        got = self.ddb.get_item(TableName=self.table, Key=self.key("types"), ConsistentRead=True)["Item"]
        self.assertEqual(got["n"], {"N": "-12.34"})
        self.assertEqual(got["b"], {"B": b"\x00\xff"})
        self.assertEqual(sorted(got["ss"]["SS"]), ["x", "y"])
        self.assertEqual(got["m"], item["m"])
        self.assertEqual(got["s"], S(""))

    def test_get_missing_item_has_no_item(self):
        self.assertNotIn("Item", self.ddb.get_item(TableName=self.table, Key=self.key("missing")))

    def test_projection_expression(self):
        self.ddb.put_item(TableName=self.table, Item={**self.key("proj"), "a": {"M": {"b": N(1), "c": N(2)}},
                                                      "l": {"L": [N(0), N(1), N(2)]}, "x": S("x")})
        got = self.ddb.get_item(TableName=self.table, Key=self.key("proj"),
                                ProjectionExpression="a.b, l[2], #x", ExpressionAttributeNames={"#x": "x"})["Item"]
        self.assertEqual(got, {"a": {"M": {"b": N(1)}}, "l": {"L": [N(2)]}, "x": S("x")})

    def test_condition_expression_and_return_values(self):
        k = self.key("cond")
        self.ddb.put_item(TableName=self.table, Item={**k, "v": N(1)}, ConditionExpression="attribute_not_exists(pk)")
        with self.assertRaises(self.ddb.exceptions.ConditionalCheckFailedException) as cm:
            self.ddb.put_item(TableName=self.table, Item={**k, "v": N(2)}, ConditionExpression="attribute_not_exists(pk)",
                              ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.assertEqual(cm.exception.response["Item"]["v"], N(1))
        self.assertEqual(cm.exception.response["Error"]["Message"], "The conditional request failed")
        old = self.ddb.put_item(TableName=self.table, Item={**k, "v": N(3)}, ConditionExpression="v = :one",
                                ExpressionAttributeValues={":one": N(1)}, ReturnValues="ALL_OLD")["Attributes"]
        self.assertEqual(old["v"], N(1))
        gone = self.ddb.delete_item(TableName=self.table, Key=k, ReturnValues="ALL_OLD")["Attributes"]
        self.assertEqual(gone["v"], N(3))

    def test_update_expression(self):
        k = self.key("upd")
        out = self.ddb.update_item(
            TableName=self.table, Key=k,
            UpdateExpression="SET cnt = if_not_exists(cnt, :zero) + :one, l = list_append(if_not_exists(l, :empty), :l) "
                             "ADD tags :tags",
            ExpressionAttributeValues={":zero": N(0), ":one": N(1), ":empty": {"L": []}, ":l": {"L": [S("a")]},
                                       ":tags": {"SS": ["x"]}},
            ReturnValues="ALL_NEW")["Attributes"]
        self.assertEqual(out["cnt"], N(1))
        self.assertEqual(out["l"], {"L": [S("a")]})
        out = self.ddb.update_item(TableName=self.table, Key=k, UpdateExpression="REMOVE l[0] SET cnt = cnt - :one DELETE tags :tags",
                                   ExpressionAttributeValues={":one": N(1), ":tags": {"SS": ["x"]}},
                                   ReturnValues="UPDATED_NEW")["Attributes"]
        self.assertEqual(out["cnt"], N(0))
        self.assertNotIn("tags", out)  # the emptied set is gone

    def test_updating_a_key_attribute_fails(self):
        err = self.error(self.ddb.update_item, TableName=self.table, Key=self.key("k"),
                         UpdateExpression="SET pk = :v", ExpressionAttributeValues={":v": S("x")})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key")

    def test_validation_errors(self):
        err = self.error(self.ddb.put_item, TableName=self.table, Item={"pk": S("a")})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Missing the key sk in the item")
        err = self.error(self.ddb.put_item, TableName=self.table, Item={"pk": N(1), "sk": S("a")})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")
        err = self.error(self.ddb.get_item, TableName=self.table, Key={"pk": S("a")})
        self.assertEqual(err["Message"], "The provided key element does not match the schema")
        err = self.error(self.ddb.put_item, TableName=self.table, Item={**self.key("v"), "ss": {"SS": []}})
        self.assertEqual(err["Code"], "ValidationException")
        err = self.error(self.ddb.put_item, TableName=self.table, Item={**self.key("v"), "n": N("1e126")})
        self.assertIn("Number overflow", err["Message"])
        err = self.error(self.ddb.put_item, TableName=self.table, Item={**self.key("v")}, ConditionExpression="a = :a",
                         ExpressionAttributeValues={":a": S("x"), ":b": S("y")})
        self.assertEqual(err["Message"], "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}")
        err = self.error(self.ddb.put_item, TableName=self.table, Item={**self.key("v"), "big": S("x" * 410000)})
        self.assertEqual(err["Message"], "Item size has exceeded the maximum allowed size")
        err = self.error(self.ddb.get_item, TableName="no-such-table", Key={"pk": S("a")})
        self.assertEqual(err["Code"], "ResourceNotFoundException")
        err = self.error(self.ddb.put_item, TableName=self.table, Item={"pk": S(""), "sk": S("a")})
        self.assertIn("cannot contain an empty string value", err["Message"])

    def test_update_past_the_item_size_limit(self):
        self.ddb.put_item(TableName=self.table, Item={**self.key("big"), "a": S("x" * 300 * 1024)})
        err = self.error(self.ddb.update_item, TableName=self.table, Key=self.key("big"), UpdateExpression="SET b = :b",
                         ExpressionAttributeValues={":b": S("y" * 150 * 1024)})
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], "Item size to update has exceeded the maximum allowed size")

    def test_consumed_capacity(self):
        out = self.ddb.put_item(TableName=self.table, Item={**self.key("cap"), "d": S("x" * 1500)},
                                ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 2.0)
        out = self.ddb.get_item(TableName=self.table, Key=self.key("cap"), ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 0.5)
        out = self.ddb.get_item(TableName=self.table, Key=self.key("cap"), ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 1.0)


class QueryScan(DynamoTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = DynamoTestCase.make_table(cls, "N")
        with cls.ddb_resource_table(cls.table) as batch:
            for p in ("a", "b"):
                for i in range(20):
                    batch.put_item(Item={"pk": p, "sk": i if i % 2 else i * -1, "even": i % 2 == 0, "v": "x" * i})

    @classmethod
    def ddb_resource_table(cls, name):
        import boto3
        res = boto3.resource("dynamodb", endpoint_url=cls.stratus.endpoint, region_name="us-east-1",
                             aws_access_key_id="test", aws_secret_access_key="test")
        return res.Table(name).batch_writer()

    def q(self, **kw):
        return self.ddb.query(TableName=self.table, **kw)

    def test_numeric_sort_order_and_key_conditions(self):
        out = self.q(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("a")})
        sks = [int(i["sk"]["N"]) for i in out["Items"]]
        self.assertEqual(sks, sorted(sks))
        self.assertEqual(out["Count"], 20)
        out = self.q(KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
                     ExpressionAttributeValues={":p": S("a"), ":lo": N(-4), ":hi": N(3)})
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [-4, -2, 0, 1, 3])
        out = self.q(KeyConditionExpression="pk = :p AND sk < :v", ExpressionAttributeValues={":p": S("a"), ":v": N(-10)},
                     ScanIndexForward=False)
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [-12, -14, -16, -18])

    def test_filter_select_count_and_pagination(self):
        out = self.q(KeyConditionExpression="pk = :p", FilterExpression="even = :t",
                     ExpressionAttributeValues={":p": S("b"), ":t": {"BOOL": True}}, Select="COUNT")
        self.assertEqual((out["Count"], out["ScannedCount"]), (10, 20))
        self.assertNotIn("Items", out)
        items, start, pages = [], None, 0
        while True:
            kw = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": S("b")}, "Limit": 7}
            if start:
                kw["ExclusiveStartKey"] = start
            page = self.q(**kw)
            pages += 1
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        self.assertEqual(len(items), 20)
        self.assertEqual(pages, 3)

    def test_key_condition_errors(self):
        err = self.error(self.q, KeyConditionExpression="sk = :v", ExpressionAttributeValues={":v": N(1)})
        self.assertEqual(err["Message"], "Query condition missed key schema element: pk")
        err = self.error(self.q, KeyConditionExpression="pk = :p", FilterExpression="sk > :v",
                         ExpressionAttributeValues={":p": S("a"), ":v": N(1)})
        self.assertIn("Filter Expression can only contain non-primary key attributes", err["Message"])

    def test_scan_segments_partition_the_table(self):
        seen = []
        for seg in range(3):
            out = self.ddb.scan(TableName=self.table, Segment=seg, TotalSegments=3)
            seen += [(i["pk"]["S"], i["sk"]["N"]) for i in out["Items"]]
        self.assertEqual(len(seen), 40)
        self.assertEqual(len(set(seen)), 40)
        err = self.error(self.ddb.scan, TableName=self.table, Segment=3, TotalSegments=3)
        self.assertIn("Segment: 3 is not less than TotalSegments: 3", err["Message"])

    def test_scan_paginator(self):
        pages = self.ddb.get_paginator("scan").paginate(TableName=self.table, PaginationConfig={"PageSize": 9})
        self.assertEqual(sum(len(p["Items"]) for p in pages), 40)


class Indexes(DynamoTestCase):
    def test_gsi_and_lsi_follow_item_changes(self):
        name = self.make_table(
            "S", extra_attrs=[{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "N"}],
            GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            LocalSecondaryIndexes=[{"IndexName": "byl", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                       {"AttributeName": "l", "KeyType": "RANGE"}],
                                    "Projection": {"ProjectionType": "ALL"}}])
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("1"), "g": S("red"), "l": N(5)})
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("2"), "g": S("red"), "l": N(1)})
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("3"), "l": N(3)})  # not in the GSI
        out = self.ddb.query(TableName=name, IndexName="byg", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": S("red")})
        self.assertEqual(sorted(i["sk"]["S"] for i in out["Items"]), ["1", "2"])
        self.assertEqual(set(out["Items"][0]), {"pk", "sk", "g"})
        self.ddb.update_item(TableName=name, Key={"pk": S("p"), "sk": S("1")}, UpdateExpression="SET g = :b",
                             ExpressionAttributeValues={":b": S("blue")})
        out = self.ddb.query(TableName=name, IndexName="byg", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": S("red")})
        self.assertEqual([i["sk"]["S"] for i in out["Items"]], ["2"])
        out = self.ddb.query(TableName=name, IndexName="byl", KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("p")})
        self.assertEqual([i["l"]["N"] for i in out["Items"]], ["1", "3", "5"])
        self.ddb.delete_item(TableName=name, Key={"pk": S("p"), "sk": S("2")})
        out = self.ddb.query(TableName=name, IndexName="byg", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": S("red")})
        self.assertEqual(out["Count"], 0)
        err = self.error(self.ddb.put_item, TableName=name, Item={"pk": S("p"), "sk": S("9"), "g": N(1)})
        self.assertIn("Type mismatch for Index Key g", err["Message"])

    def test_write_capacity_counts_index_writes(self):
        # AWS: an index pays for putting or deleting its entry (both when its key changes), and
        # nothing for an item that is in it neither before nor after the write.
        name = self.make_table(
            extra_attrs=[{"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])
        item = {"pk": S("a"), "g": S("red"), "d": S("x" * 1500)}
        out = self.ddb.put_item(TableName=name, Item=item, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
        self.assertEqual(out["CapacityUnits"], 4.0)
        self.assertEqual(out["Table"]["CapacityUnits"], 2.0)
        self.assertEqual(out["GlobalSecondaryIndexes"]["byg"]["CapacityUnits"], 2.0)
        out = self.ddb.update_item(TableName=name, Key={"pk": S("a")}, UpdateExpression="SET g = :g",
                                   ExpressionAttributeValues={":g": S("blue")}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 6.0)  # table 2, index delete 2 + put 2
        out = self.ddb.put_item(TableName=name, Item={"pk": S("b"), "d": S("x" * 1500)}, ReturnConsumedCapacity="INDEXES")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 2.0)
        self.assertNotIn("GlobalSecondaryIndexes", out["ConsumedCapacity"])
        out = self.ddb.delete_item(TableName=name, Key={"pk": S("a")}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 4.0)
        # Batches sum per table; transactions cost twice.
        out = self.ddb.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"pk": S("c%d" % i), "g": S("red")}}} for i in range(3)]},
            ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
        self.assertEqual(len(out), 1)
        self.assertEqual(out[0]["CapacityUnits"], 6.0)
        self.assertEqual(out[0]["Table"]["CapacityUnits"], 3.0)
        self.assertEqual(out[0]["GlobalSecondaryIndexes"]["byg"]["CapacityUnits"], 3.0)
        out = self.ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": item}}],
                                            ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
        self.assertEqual(out[0]["CapacityUnits"], 8.0)
        self.assertEqual(out[0]["Table"]["CapacityUnits"], 4.0)
        self.assertEqual(out[0]["GlobalSecondaryIndexes"]["byg"]["CapacityUnits"], 4.0)


class BatchesAndTransactions(DynamoTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = DynamoTestCase.make_table(cls)

    def test_batch_write_and_get(self):
        self.ddb.batch_write_item(RequestItems={self.table: [{"PutRequest": {"Item": {"pk": S(f"b{i}"), "v": N(i)}}}
                                                             for i in range(25)]})
        out = self.ddb.batch_get_item(RequestItems={self.table: {"Keys": [{"pk": S(f"b{i}")} for i in range(30)],
                                                                  "ProjectionExpression": "v"}})
        self.assertEqual(len(out["Responses"][self.table]), 25)
        self.assertEqual(out["UnprocessedKeys"], {})
        self.ddb.batch_write_item(RequestItems={self.table: [{"DeleteRequest": {"Key": {"pk": S(f"b{i}")}}} for i in range(25)]})
        out = self.ddb.batch_get_item(RequestItems={self.table: {"Keys": [{"pk": S("b1")}]}})
        self.assertEqual(out["Responses"][self.table], [])

    def test_batch_limits_and_duplicates(self):
        err = self.error(self.ddb.batch_get_item, RequestItems={self.table: {"Keys": [{"pk": S("d")}, {"pk": S("d")}]}})
        self.assertEqual(err["Message"], "Provided list of item keys contains duplicates")
        err = self.error(self.ddb.batch_get_item, RequestItems={self.table: {"Keys": [{"pk": S(f"x{i}")} for i in range(101)]}})
        self.assertEqual(err["Code"], "ValidationException")

    def test_transact_write_is_all_or_nothing(self):
        self.ddb.put_item(TableName=self.table, Item={"pk": S("acct1"), "bal": N(100)})
        self.ddb.put_item(TableName=self.table, Item={"pk": S("acct2"), "bal": N(0)})
        def transfer(amount):
            self.ddb.transact_write_items(TransactItems=[
                {"Update": {"TableName": self.table, "Key": {"pk": S("acct1")}, "UpdateExpression": "SET bal = bal - :a",
                            "ConditionExpression": "bal >= :a", "ExpressionAttributeValues": {":a": N(amount)}}},
                {"Update": {"TableName": self.table, "Key": {"pk": S("acct2")}, "UpdateExpression": "SET bal = bal + :a",
                            "ExpressionAttributeValues": {":a": N(amount)}}}])
        transfer(60)
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as cm:
            transfer(60)
        reasons = cm.exception.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["ConditionalCheckFailed", "None"])
        got = self.ddb.transact_get_items(TransactItems=[{"Get": {"TableName": self.table, "Key": {"pk": S(k)}}}
                                                         for k in ("acct1", "acct2", "nobody")])["Responses"]
        self.assertEqual([r.get("Item", {}).get("bal") for r in got], [N(40), N(60), None])

    def test_transaction_with_two_operations_on_one_item_fails(self):
        err = self.error(self.ddb.transact_write_items, TransactItems=[
            {"Put": {"TableName": self.table, "Item": {"pk": S("same")}}},
            {"Delete": {"TableName": self.table, "Key": {"pk": S("same")}}}])
        self.assertEqual(err["Message"], "Transaction request cannot include multiple operations on one item")

    def test_condition_check(self):
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException):
            self.ddb.transact_write_items(TransactItems=[
                {"ConditionCheck": {"TableName": self.table, "Key": {"pk": S("nobody-here")},
                                    "ConditionExpression": "attribute_exists(pk)"}},
                {"Put": {"TableName": self.table, "Item": {"pk": S("never-written")}}}])
        self.assertNotIn("Item", self.ddb.get_item(TableName=self.table, Key={"pk": S("never-written")}))


if __name__ == "__main__":
    unittest.main()


class Crc32Header(StratusTestCase):
    """DynamoDB sends x-amz-crc32 (CRC32 of the body) on every answer; botocore verifies it."""

    def test_crc32_matches_body(self):
        import zlib
        status, headers, body = self.stratus.http("POST", "/", body=b"{}", headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(status, 200)
        self.assertEqual(int(headers["x-amz-crc32"]), zlib.crc32(body))
        status, headers, body = self.stratus.http("POST", "/", body=b'{"TableName":"missing"}', headers={
            "X-Amz-Target": "DynamoDB_20120810.DescribeTable", "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(status, 400)
        self.assertEqual(int(headers["x-amz-crc32"]), zlib.crc32(body))
