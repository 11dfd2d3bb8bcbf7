"""DynamoDB global secondary indexes with multi-attribute keys (November 2025) through boto3 and
the aws CLI: key schemas of up to four partition and four sort attributes, DescribeTable, Query
rules (equality on every partition attribute, sort conditions left to right, a range condition
only on the last), sparse indexing, backfill by UpdateTable, type checks of PutItem,
BatchWriteItem and TransactWriteItems, PartiQL reads, and the data surviving a kill -9.

The rules are AWS's (Developer Guide, "Multi-attribute key schema"; CreateTable/UpdateTable
documentation); "Query key condition not supported" is the message the guide prints. The
wording of CreateTable's errors about multi-attribute key schemas is not documented: those
tests check the error code and that the message names the problem."""
import json
import re
import unittest
import uuid

import botocore.exceptions

from harness import Stratus, StratusTestCase


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


def H(name): return {"AttributeName": name, "KeyType": "HASH"}
def R(name): return {"AttributeName": name, "KeyType": "RANGE"}
def A(name, t="S"): return {"AttributeName": name, "AttributeType": t}


def names_in(expression):
    """The aliases of region and round (reserved words) the expression uses."""
    return {k: v for k, v in {"#r": "region", "#rd": "round"}.items() if re.search(re.escape(k) + r"\b", expression)}


# A tournament's matches: partitioned by (tournament, region), sorted by round (a number), bracket
# and match number.
MATCH_ATTRS = [A("matchId"), A("tournamentId"), A("region"), A("round", "N"), A("bracket"), A("matchNo", "N")]
MATCH_GSI = {"IndexName": "by-round",
             "KeySchema": [H("tournamentId"), H("region"), R("round"), R("bracket"), R("matchNo")],
             "Projection": {"ProjectionType": "ALL"}}


def create_matches(ddb, name=None, gsis=(MATCH_GSI,)):
    name = name or "matches-" + uuid.uuid4().hex[:10]
    kw = {"GlobalSecondaryIndexes": list(gsis)} if gsis else {}
    ddb.create_table(TableName=name, KeySchema=[H("matchId")], BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=MATCH_ATTRS if gsis else [A("matchId")], **kw)
    return name


def match(mid, rnd, bracket, no, tournament="WINTER", region="EU", **extra):
    item = {"matchId": S(mid), "tournamentId": S(tournament), "region": S(region)}
    if rnd is not None:
        item["round"] = N(rnd)
    if bracket is not None:
        item["bracket"] = S(bracket)
    if no is not None:
        item["matchNo"] = N(no)
    item.update(extra)
    return item


# (matchId, round, bracket, matchNo): rounds 2 and 10 check numeric order of the first sort key.
MATCHES = [("m1", 1, "upper", 1), ("m2", 1, "upper", 2), ("m3", 1, "lower", 1), ("m4", 2, "upper", 1),
           ("m5", 10, "upper", 1), ("m6", 2, "lower", 3), ("m7", 2, "lower", 2)]
# The index order: round, then bracket (bytes), then matchNo.
ORDER = ["m3", "m1", "m2", "m7", "m6", "m4", "m5"]


class DynamoCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response

    def query_ids(self, table, kce, values, **kw):
        used = names_in(kce)
        out = self.ddb.query(TableName=table, IndexName="by-round", KeyConditionExpression=kce,
                             ExpressionAttributeValues=values, **({"ExpressionAttributeNames": used} if used else {}),
                             **kw)
        return [i["matchId"]["S"] for i in out["Items"]], out


class MultiAttributeQuery(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.t = create_matches(cls.ddb)
        for mid, rnd, bracket, no in MATCHES:
            cls.ddb.put_item(TableName=cls.t, Item=match(mid, rnd, bracket, no))
        # Another partition of the same index, and items the index leaves out (a key attribute
        # missing: sparse).
        cls.ddb.put_item(TableName=cls.t, Item=match("x1", 1, "upper", 1, region="US"))
        cls.ddb.put_item(TableName=cls.t, Item=match("sparse-1", 1, None, 1))
        cls.ddb.put_item(TableName=cls.t, Item=match("sparse-2", 1, "upper", None))
        cls.ddb.put_item(TableName=cls.t, Item={"matchId": S("sparse-3"), "region": S("EU"), "round": N(1),
                                                "bracket": S("upper"), "matchNo": N(1)})
        cls.part = {":t": S("WINTER"), ":g": S("EU")}
        cls.pkc = "tournamentId = :t AND #r = :g"

    def test_describe_table_lists_every_key_attribute_in_order(self):
        table = self.ddb.describe_table(TableName=self.t)["Table"]
        gsi = table["GlobalSecondaryIndexes"][0]
        self.assertEqual(gsi["KeySchema"], MATCH_GSI["KeySchema"])
        self.assertEqual(gsi["ItemCount"], len(MATCHES) + 1)  # the sparse items are not in it
        self.assertEqual(table["ItemCount"], len(MATCHES) + 4)
        # The aws CLI reads the same description.
        out = self.stratus.aws("dynamodb", "describe-table", "--table-name", self.t)
        self.assertEqual([k["KeyType"] for k in out["Table"]["GlobalSecondaryIndexes"][0]["KeySchema"]],
                         ["HASH", "HASH", "RANGE", "RANGE", "RANGE"])

    def test_partition_is_every_partition_attribute_sorted_hierarchically(self):
        ids, out = self.query_ids(self.t, self.pkc, self.part)
        self.assertEqual(ids, ORDER)
        self.assertEqual(out["Count"], len(ORDER))
        ids, _ = self.query_ids(self.t, self.pkc, self.part, ScanIndexForward=False)
        self.assertEqual(ids, list(reversed(ORDER)))
        ids, _ = self.query_ids(self.t, self.pkc, {":t": S("WINTER"), ":g": S("US")})
        self.assertEqual(ids, ["x1"])
        # The partition attributes in any order in the expression.
        ids, _ = self.query_ids(self.t, "#r = :g AND tournamentId = :t", self.part)
        self.assertEqual(ids, ORDER)

    def test_sort_conditions_left_to_right(self):
        cases = [
            ("#rd = :one", {":one": N(1)}, ["m3", "m1", "m2"]),
            ("#rd = :two AND bracket = :b", {":two": N(2), ":b": S("lower")}, ["m7", "m6"]),
            ("#rd BETWEEN :a AND :b", {":a": N(2), ":b": N(10)}, ["m7", "m6", "m4", "m5"]),
            ("#rd > :a", {":a": N(2)}, ["m5"]),
            ("#rd <= :a", {":a": N(1)}, ["m3", "m1", "m2"]),
            ("#rd = :one AND begins_with(bracket, :p)", {":one": N(1), ":p": S("up")}, ["m1", "m2"]),
            ("#rd = :one AND bracket = :b AND matchNo > :m", {":one": N(1), ":b": S("upper"), ":m": N(1)}, ["m2"]),
            ("#rd = :two AND bracket = :b AND matchNo = :m", {":two": N(2), ":b": S("lower"), ":m": N(3)}, ["m6"]),
            ("#rd = :two AND bracket >= :b", {":two": N(2), ":b": S("p")}, ["m4"]),
            # Written in another order than the key schema's: still left to right on the schema.
            ("bracket = :b AND #rd = :two AND matchNo < :m", {":two": N(2), ":b": S("lower"), ":m": N(3)}, ["m7"]),
        ]
        for sort, values, want in cases:
            ids, _ = self.query_ids(self.t, self.pkc + " AND " + sort, {**self.part, **values})
            self.assertEqual(ids, want, sort)

    def test_invalid_key_conditions(self):
        def q(kce, values):
            names = names_in(kce)
            return self.error(self.ddb.query, TableName=self.t, IndexName="by-round", KeyConditionExpression=kce,
                              ExpressionAttributeValues=values,
                              **({"ExpressionAttributeNames": names} if names else {}))["Error"]
        not_supported = [
            ("#rd > :a AND bracket = :b", {":a": N(1), ":b": S("x")}),                  # condition after a range
            ("bracket = :b", {":b": S("upper")}),                                       # skips the first sort key
            ("#rd = :one AND matchNo = :m", {":one": N(1), ":m": N(1)}),                 # a gap
            ("#rd > :one AND bracket > :b", {":one": N(1), ":b": S("a")}),              # two inequalities
            ("begins_with(bracket, :b) AND #rd = :one AND matchNo = :m", {":one": N(1), ":b": S("u"), ":m": N(1)}),
            ("matchNo = :m", {":m": N(1)}),
        ]
        for sort, values in not_supported:
            err = q(self.pkc + " AND " + sort, {**self.part, **values})
            self.assertEqual(err["Code"], "ValidationException", sort)
            self.assertEqual(err["Message"], "Query key condition not supported", sort)
        # A partition attribute missing, or compared otherwise than with =.
        err = q("tournamentId = :t", {":t": S("WINTER")})
        self.assertEqual(err["Message"], "Query condition missed key schema element: region")
        err = q("tournamentId = :t AND #rd = :one", {":t": S("WINTER"), ":one": N(1)})
        self.assertEqual(err["Message"], "Query condition missed key schema element: region")
        err = q("tournamentId = :t AND #r > :g", self.part)
        self.assertEqual(err["Message"], "Query key condition not supported")
        # Each key attribute once; values of the schema's types.
        err = q(self.pkc + " AND #rd = :one AND #rd = :two", {**self.part, ":one": N(1), ":two": N(2)})
        self.assertEqual(err["Message"], "KeyConditionExpressions must only contain one condition per key")
        err = q(self.pkc + " AND #rd = :one", {**self.part, ":one": S("1")})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Condition parameter type does not match schema type")
        err = q("tournamentId = :t AND #r = :g", {":t": S("WINTER"), ":g": N(1)})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Condition parameter type does not match schema type")
        err = q(self.pkc + " AND #rd = :one AND begins_with(matchNo, :m)", {**self.part, ":one": N(1), ":m": N(1)})
        self.assertEqual(err["Code"], "ValidationException")
        # Key attributes can't be filtered on.
        err = self.error(self.ddb.query, TableName=self.t, IndexName="by-round", KeyConditionExpression=self.pkc,
                         FilterExpression="bracket = :b", ExpressionAttributeNames={"#r": "region"},
                         ExpressionAttributeValues={**self.part, ":b": S("upper")})["Error"]
        self.assertEqual(err["Message"], "Filter Expression can only contain non-primary key attributes: Primary key attribute: bracket")

    def test_pages_carry_every_key_attribute(self):
        seen, start = [], None
        while True:
            kw = {"ExclusiveStartKey": start} if start else {}
            ids, out = self.query_ids(self.t, self.pkc, self.part, Limit=3, **kw)
            seen += ids
            start = out.get("LastEvaluatedKey")
            if not start:
                break
            self.assertEqual(set(start), {"matchId", "tournamentId", "region", "round", "bracket", "matchNo"})
        self.assertEqual(seen, ORDER)
        # Backwards too.
        seen, start = [], None
        while True:
            kw = {"ExclusiveStartKey": start} if start else {}
            ids, out = self.query_ids(self.t, self.pkc, self.part, Limit=2, ScanIndexForward=False, **kw)
            seen += ids
            start = out.get("LastEvaluatedKey")
            if not start:
                break
        self.assertEqual(seen, list(reversed(ORDER)))
        # A start key without an index key attribute is refused.
        err = self.error(self.ddb.query, TableName=self.t, IndexName="by-round", KeyConditionExpression=self.pkc,
                         ExpressionAttributeNames={"#r": "region"}, ExpressionAttributeValues=self.part,
                         ExclusiveStartKey={"matchId": S("m1"), "tournamentId": S("WINTER"), "region": S("EU"),
                                            "round": N(1), "bracket": S("upper")})["Error"]
        self.assertEqual(err["Code"], "ValidationException")

    def test_scan_of_the_index_holds_only_complete_items(self):
        items = self.ddb.scan(TableName=self.t, IndexName="by-round")["Items"]
        self.assertEqual(sorted(i["matchId"]["S"] for i in items), sorted(ORDER + ["x1"]))

    def test_partiql_select_on_the_index(self):
        out = self.ddb.execute_statement(
            Statement=f'SELECT matchId FROM "{self.t}"."by-round" WHERE tournamentId = ? AND "region" = ? AND "round" = ?',
            Parameters=[S("WINTER"), S("EU"), N(2)])
        self.assertEqual([i["matchId"]["S"] for i in out["Items"]], ["m7", "m6", "m4"])
        out = self.ddb.execute_statement(
            Statement=f'SELECT matchId FROM "{self.t}"."by-round" WHERE tournamentId = ? AND "region" = ? '
                      f'AND "round" = ? AND bracket = ? AND matchNo >= ?',
            Parameters=[S("WINTER"), S("EU"), N(1), S("upper"), N(2)])
        self.assertEqual([i["matchId"]["S"] for i in out["Items"]], ["m2"])
        # Only part of the partition: the whole index is read and filtered.
        out = self.ddb.execute_statement(
            Statement=f'SELECT matchId FROM "{self.t}"."by-round" WHERE "region" = ? AND bracket = ?',
            Parameters=[S("US"), S("upper")])
        self.assertEqual([i["matchId"]["S"] for i in out["Items"]], ["x1"])


class MultiAttributeWrites(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.t = create_matches(cls.ddb)

    def index_ids(self, region="EU"):
        out = self.ddb.query(TableName=self.t, IndexName="by-round",
                             KeyConditionExpression="tournamentId = :t AND #r = :g",
                             ExpressionAttributeNames={"#r": "region"},
                             ExpressionAttributeValues={":t": S("WINTER"), ":g": S(region)})
        return [i["matchId"]["S"] for i in out["Items"]]

    def test_wrong_types_are_refused_by_every_write(self):
        bad = {**match("bad", 1, None, 1, region="TYPES"), "bracket": N(5)}
        err = self.error(self.ddb.put_item, TableName=self.t, Item=bad)["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Type mismatch for Index Key bracket "
                                         "Expected: S Actual: N IndexName: by-round")
        err = self.error(self.ddb.batch_write_item, RequestItems={self.t: [
            {"PutRequest": {"Item": match("fine", 1, "upper", 1, region="TYPES")}},
            {"PutRequest": {"Item": bad}}]})["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Type mismatch for Index Key bracket "
                                         "Expected: S Actual: N IndexName: by-round")
        self.assertNotIn("Item", self.ddb.get_item(TableName=self.t, Key={"matchId": S("fine")}))
        # A transaction is cancelled, the action's reason a ValidationError.
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as cm:
            self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.t, "Item": match("fine", 1, "upper", 1, region="TYPES")}},
                {"Put": {"TableName": self.t, "Item": {**match("bad", 1, "upper", None, region="TYPES"), "matchNo": S("one")}}}])
        reasons = cm.exception.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["None", "ValidationError"])
        self.assertEqual(reasons[1]["Message"], "One or more parameter values were invalid: Type mismatch for Index Key "
                                                "matchNo Expected: N Actual: S IndexName: by-round")
        self.assertNotIn("Item", self.ddb.get_item(TableName=self.t, Key={"matchId": S("fine")}))
        # An update that would give a key attribute another type.
        self.ddb.put_item(TableName=self.t, Item=match("upd", 1, "upper", 1, region="TYPES"))
        err = self.error(self.ddb.update_item, TableName=self.t, Key={"matchId": S("upd")},
                         UpdateExpression="SET #rd = :s", ExpressionAttributeNames={"#rd": "round"},
                         ExpressionAttributeValues={":s": S("one")})["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertIn("round", err["Message"])
        # Empty strings can't be index key values either.
        err = self.error(self.ddb.put_item, TableName=self.t, Item=match("empty", 1, "", 1, region="TYPES"))["Error"]
        self.assertEqual(err["Message"], "One or more parameter values are not valid. A value specified for a secondary "
                                         "index key is not supported. The AttributeValue for a key attribute cannot "
                                         "contain an empty string value. IndexName: by-round, IndexKey: bracket")
        self.assertEqual(self.index_ids("TYPES"), ["upd"])

    def test_items_enter_and_leave_the_index_with_their_key_attributes(self):
        self.ddb.put_item(TableName=self.t, Item=match("move", 3, "upper", 1, region="MOVE"))
        self.assertEqual(self.index_ids("MOVE"), ["move"])
        self.ddb.update_item(TableName=self.t, Key={"matchId": S("move")}, UpdateExpression="REMOVE matchNo")
        self.assertEqual(self.index_ids("MOVE"), [])
        self.ddb.update_item(TableName=self.t, Key={"matchId": S("move")}, UpdateExpression="SET matchNo = :n",
                             ExpressionAttributeValues={":n": N(4)})
        self.assertEqual(self.index_ids("MOVE"), ["move"])
        # Changing a sort attribute moves the entry (no stale copy stays).
        self.ddb.update_item(TableName=self.t, Key={"matchId": S("move")}, UpdateExpression="SET bracket = :b",
                             ExpressionAttributeValues={":b": S("lower")})
        items = self.ddb.query(TableName=self.t, IndexName="by-round",
                               KeyConditionExpression="tournamentId = :t AND #r = :g",
                               ExpressionAttributeNames={"#r": "region"},
                               ExpressionAttributeValues={":t": S("WINTER"), ":g": S("MOVE")})["Items"]
        self.assertEqual([(i["matchId"]["S"], i["bracket"]["S"]) for i in items], [("move", "lower")])
        # Changing a partition attribute moves it to another partition.
        self.ddb.update_item(TableName=self.t, Key={"matchId": S("move")}, UpdateExpression="SET #r = :g",
                             ExpressionAttributeNames={"#r": "region"}, ExpressionAttributeValues={":g": S("MOVED")})
        self.assertEqual(self.index_ids("MOVE"), [])
        self.assertEqual(self.index_ids("MOVED"), ["move"])
        self.ddb.delete_item(TableName=self.t, Key={"matchId": S("move")})
        self.assertEqual(self.index_ids("MOVED"), [])


class MultiAttributeSchemas(DynamoCase):
    def create(self, gsi_keys, attrs, **kw):
        return self.error(self.ddb.create_table, TableName="bad-" + uuid.uuid4().hex[:8], KeySchema=[H("pk")],
                          AttributeDefinitions=[A("pk")] + attrs, BillingMode="PAY_PER_REQUEST",
                          GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": gsi_keys,
                                                   "Projection": {"ProjectionType": "KEYS_ONLY"}}], **kw)["Error"]

    def test_four_partition_and_four_sort_attributes(self):
        names = ["h1", "h2", "h3", "h4", "r1", "r2", "r3", "r4"]
        t = "eight-" + uuid.uuid4().hex[:8]
        self.ddb.create_table(TableName=t, KeySchema=[H("pk")], BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[A("pk")] + [A(n, "B" if n == "h3" else "S") for n in names],
                              GlobalSecondaryIndexes=[{"IndexName": "gsi", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                                       "KeySchema": [H(n) for n in names[:4]] + [R(n) for n in names[4:]]}])
        item = {"pk": S("a"), "other": S("x"), **{n: S(n + "v") for n in names}, "h3": {"B": b"\x01"}}
        self.ddb.put_item(TableName=t, Item=item)
        out = self.ddb.query(TableName=t, IndexName="gsi",
                             KeyConditionExpression="h1 = :a AND h2 = :b AND h3 = :c AND h4 = :d AND r1 = :e AND "
                                                    "r2 = :f AND r3 = :g AND begins_with(r4, :h)",
                             ExpressionAttributeValues={":a": S("h1v"), ":b": S("h2v"), ":c": {"B": b"\x01"},
                                                        ":d": S("h4v"), ":e": S("r1v"), ":f": S("r2v"), ":g": S("r3v"),
                                                        ":h": S("r4")})
        self.assertEqual(out["Count"], 1)
        self.assertEqual(set(out["Items"][0]), {"pk"} | set(names))  # KEYS_ONLY: every key attribute

    def test_invalid_multi_attribute_key_schemas(self):
        five = ["a", "b", "c", "d", "e"]
        err = self.create([H(n) for n in five], [A(n) for n in five])
        self.assertEqual(err["Code"], "ValidationException")
        self.assertIn("4", err["Message"])
        err = self.create([H("a")] + [R(n) for n in five[1:]] + [R("f")], [A(n) for n in five + ["f"]])
        self.assertEqual(err["Code"], "ValidationException")
        self.assertIn("4", err["Message"])
        # Every HASH before the RANGEs.
        err = self.create([H("a"), R("b"), H("c")], [A("a"), A("b"), A("c")])
        self.assertEqual(err["Code"], "ValidationException")
        self.assertIn("HASH", err["Message"])
        err = self.create([R("a"), H("b")], [A("a"), A("b")])
        self.assertEqual(err["Message"], "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
        # An attribute once.
        err = self.create([H("a"), H("b"), R("a")], [A("a"), A("b")])
        self.assertEqual(err["Code"], "ValidationException")
        self.assertIn("a", err["Message"])
        err = self.create([H("a"), R("a")], [A("a")])
        self.assertEqual(err["Message"], "Both the Hash Key and the Range Key element in the KeySchema have the same name")
        # Every key attribute defined, and only S, N or B.
        err = self.create([H("a"), H("b")], [A("a")])
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Some index key attributes are not "
                                         "defined in AttributeDefinitions. Keys: [b], AttributeDefinitions: [a, pk]")
        err = self.create([H("a"), H("b")], [A("a"), A("b", "BOOL")])
        self.assertEqual(err["Code"], "ValidationException")
        # Multi-attribute keys are for global secondary indexes: tables and LSIs keep one of each.
        err = self.error(self.ddb.create_table, TableName="bad-table", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[H("a"), H("b")], AttributeDefinitions=[A("a"), A("b")])["Error"]
        self.assertEqual(err["Message"], "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
        err = self.error(self.ddb.create_table, TableName="bad-table", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[H("a"), R("b"), R("c")], AttributeDefinitions=[A("a"), A("b"), A("c")])["Error"]
        self.assertEqual(err["Message"], "Invalid KeySchema: Too many key schema elements")
        err = self.error(self.ddb.create_table, TableName="bad-lsi", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[H("a"), R("b")], AttributeDefinitions=[A("a"), A("b"), A("c"), A("d")],
                         LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": [H("a"), R("c"), R("d")],
                                                 "Projection": {"ProjectionType": "ALL"}}])["Error"]
        self.assertEqual(err["Message"], "Invalid KeySchema: Too many key schema elements")

    def test_update_table_creates_a_multi_attribute_index_and_backfills_it(self):
        t = create_matches(self.ddb, gsis=())
        for mid, rnd, bracket, no in MATCHES:
            self.ddb.put_item(TableName=t, Item=match(mid, rnd, bracket, no))
        self.ddb.put_item(TableName=t, Item=match("sparse", 1, None, 1))
        err = self.error(self.ddb.update_table, TableName=t, AttributeDefinitions=MATCH_ATTRS,
                         GlobalSecondaryIndexUpdates=[{"Create": {**MATCH_GSI, "KeySchema": [H("tournamentId"), R("round"), H("region")]}}])["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        # One index created (or deleted) per call.
        second = {**MATCH_GSI, "IndexName": "by-round-2"}
        err = self.error(self.ddb.update_table, TableName=t, AttributeDefinitions=MATCH_ATTRS,
                         GlobalSecondaryIndexUpdates=[{"Create": MATCH_GSI}, {"Create": second}])["Error"]
        self.assertEqual(err["Code"], "LimitExceededException")
        self.assertNotIn("GlobalSecondaryIndexes", self.ddb.describe_table(TableName=t)["Table"])
        self.ddb.update_table(TableName=t, AttributeDefinitions=MATCH_ATTRS,
                              GlobalSecondaryIndexUpdates=[{"Create": MATCH_GSI}])
        self.ddb.get_waiter("table_exists").wait(TableName=t, WaiterConfig={"Delay": 1})
        ids, _ = self.query_ids(t, "tournamentId = :t AND #r = :g", {":t": S("WINTER"), ":g": S("EU")})
        self.assertEqual(ids, ORDER)
        gsi = self.ddb.describe_table(TableName=t)["Table"]["GlobalSecondaryIndexes"][0]
        self.assertEqual(gsi["KeySchema"], MATCH_GSI["KeySchema"])
        self.assertEqual(gsi["ItemCount"], len(MATCHES))
        # Deleting it drops its entries.
        self.ddb.update_table(TableName=t, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-round"}}])
        err = self.error(self.ddb.query, TableName=t, IndexName="by-round", KeyConditionExpression="tournamentId = :t",
                         ExpressionAttributeValues={":t": S("WINTER")})["Error"]
        self.assertEqual(err["Code"], "ValidationException")

    def test_create_through_the_cli(self):
        t = "cli-" + uuid.uuid4().hex[:8]
        out = self.stratus.aws("dynamodb", "create-table", "--table-name", t, "--billing-mode", "PAY_PER_REQUEST",
                               "--attribute-definitions", json.dumps(MATCH_ATTRS),
                               "--key-schema", json.dumps([H("matchId")]),
                               "--global-secondary-indexes", json.dumps([MATCH_GSI]))
        self.assertEqual(out["TableDescription"]["GlobalSecondaryIndexes"][0]["KeySchema"], MATCH_GSI["KeySchema"])
        self.stratus.aws("dynamodb", "put-item", "--table-name", t, "--item", json.dumps(match("c1", 2, "upper", 7)))
        out = self.stratus.aws("dynamodb", "query", "--table-name", t, "--index-name", "by-round",
                               "--key-condition-expression", "tournamentId = :t AND #r = :g AND #rd = :n",
                               "--expression-attribute-names", json.dumps({"#r": "region", "#rd": "round"}),
                               "--expression-attribute-values",
                               json.dumps({":t": S("WINTER"), ":g": S("EU"), ":n": N(2)}))
        self.assertEqual([i["matchId"]["S"] for i in out["Items"]], ["c1"])


class MultiAttributeDurability(unittest.TestCase):
    def test_indexes_survive_kill9(self):
        stratus = Stratus().start()
        try:
            ddb = stratus.client("dynamodb")
            # A table with a single-attribute GSI (the layout of every index before) beside a
            # multi-attribute one.
            single = {"IndexName": "by-bracket", "KeySchema": [H("bracket"), R("matchNo")],
                      "Projection": {"ProjectionType": "KEYS_ONLY"}}
            t = create_matches(ddb, gsis=(MATCH_GSI, single))
            for mid, rnd, bracket, no in MATCHES:
                ddb.put_item(TableName=t, Item=match(mid, rnd, bracket, no))
            stratus.kill9()
            stratus.start()
            ddb = stratus.client("dynamodb")
            gsis = {g["IndexName"]: g["KeySchema"] for g in ddb.describe_table(TableName=t)["Table"]["GlobalSecondaryIndexes"]}
            self.assertEqual(gsis, {"by-round": MATCH_GSI["KeySchema"], "by-bracket": single["KeySchema"]})
            out = ddb.query(TableName=t, IndexName="by-round", KeyConditionExpression="tournamentId = :t AND #r = :g",
                            ExpressionAttributeNames={"#r": "region"},
                            ExpressionAttributeValues={":t": S("WINTER"), ":g": S("EU")})
            self.assertEqual([i["matchId"]["S"] for i in out["Items"]], ORDER)
            out = ddb.query(TableName=t, IndexName="by-bracket", KeyConditionExpression="bracket = :b AND matchNo > :n",
                            ExpressionAttributeValues={":b": S("lower"), ":n": N(1)})
            self.assertEqual(sorted(i["matchId"]["S"] for i in out["Items"]), ["m6", "m7"])
        finally:
            stratus.cleanup()


if __name__ == "__main__":
    unittest.main()
