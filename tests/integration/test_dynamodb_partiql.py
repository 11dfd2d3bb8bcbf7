"""DynamoDB PartiQL through boto3 and the aws CLI: ExecuteStatement (SELECT as Query and Scan,
INSERT, UPDATE, DELETE, RETURNING, parameters, pagination), BatchExecuteStatement and
ExecuteTransaction, with the errors AWS gives. Written to pass against AWS too."""
import unittest
import uuid

import botocore.exceptions

from test_dynamodb import N, S, DynamoTestCase
from test_dynamodb_streams import make_stream_table, read_all


class PartiqlTestCase(DynamoTestCase):
    def run_sql(self, statement, *params, **kw):
        if params:
            kw["Parameters"] = list(params)
        return self.ddb.execute_statement(Statement=statement, **kw)

    def error(self, fn, **kw):
        """The whole error response (the PartiQL tests look at CancellationReasons and Item)."""
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response

    def sql_error(self, statement, *params, **kw):
        if params:
            kw["Parameters"] = list(params)
        return self.error(self.ddb.execute_statement, Statement=statement, **kw)


class ExecuteStatement(PartiqlTestCase):
    def test_insert_select_update_delete(self):
        t = self.make_table("N")
        self.run_sql(f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1, 'name': 'x', 'tags': <<'p', 'q'>>, "
                     f"'m': {{'inner': [1, 'two', TRUE, NULL]}}}}")
        item = self.ddb.get_item(TableName=t, Key={"pk": S("a"), "sk": N(1)})["Item"]
        self.assertEqual(item["name"], S("x"))
        self.assertEqual(sorted(item["tags"]["SS"]), ["p", "q"])
        self.assertEqual(item["m"], {"M": {"inner": {"L": [N(1), S("two"), {"BOOL": True}, {"NULL": True}]}}})

        items = self.run_sql(f"select * from \"{t}\" where pk = 'a' and sk = 1")["Items"]
        self.assertEqual(items, [item])
        items = self.run_sql(f'SELECT name, m.inner[1] FROM "{t}" WHERE pk = \'a\'')["Items"]
        self.assertEqual(items, [{"name": S("x"), "m": {"M": {"inner": {"L": [S("two")]}}}}])

        out = self.run_sql(f"UPDATE \"{t}\" SET name = 'y' SET cnt = 5 WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *")
        self.assertEqual(out["Items"][0]["name"], S("y"))
        self.assertEqual(out["Items"][0]["cnt"], N(5))
        out = self.run_sql(f"UPDATE \"{t}\" SET cnt = cnt + 2, lst = list_append([1], [2]) "
                           f"WHERE pk = 'a' AND sk = 1 RETURNING MODIFIED OLD *")
        self.assertEqual(out["Items"], [{"cnt": N(5)}])
        out = self.run_sql(f"UPDATE \"{t}\" SET tags = set_add(tags, <<'r'>>) REMOVE name "
                           f"WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *")
        new = out["Items"][0]
        self.assertEqual(sorted(new["tags"]["SS"]), ["p", "q", "r"])
        self.assertNotIn("name", new)
        self.assertEqual(new["cnt"], N(7))
        self.assertEqual(new["lst"], {"L": [N(1), N(2)]})
        self.run_sql(f"UPDATE \"{t}\" SET tags = set_delete(tags, <<'p'>>) WHERE pk = 'a' AND sk = 1")
        item = self.ddb.get_item(TableName=t, Key={"pk": S("a"), "sk": N(1)})["Item"]
        self.assertEqual(sorted(item["tags"]["SS"]), ["q", "r"])

        out = self.run_sql(f"DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 1 RETURNING ALL OLD *")
        self.assertEqual(out["Items"][0]["cnt"], N(7))
        self.assertNotIn("Item", self.ddb.get_item(TableName=t, Key={"pk": S("a"), "sk": N(1)}))
        # Deleting an absent item is no error.
        self.assertEqual(self.run_sql(f"DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 1")["Items"], [])

    def test_parameters(self):
        t = self.make_table()
        self.run_sql(f'INSERT INTO "{t}" VALUE {{\'pk\': ?, \'b\': ?, \'n\': ?}}', S("k"), {"B": b"\x00\x01"}, N(3))
        items = self.run_sql(f'SELECT * FROM "{t}" WHERE pk = ? AND n >= ?', S("k"), N(2))["Items"]
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["b"], {"B": b"\x00\x01"})
        err = self.sql_error(f'SELECT * FROM "{t}" WHERE pk = ?')
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        self.assertIn("Number of parameters in request and statement don't match", err["Error"]["Message"])
        err = self.sql_error(f'SELECT * FROM "{t}" WHERE pk = ?', S("a"), S("b"))
        self.assertIn("Number of parameters in request and statement don't match", err["Error"]["Message"])

    def test_where_operators(self):
        t = self.make_table("N")
        for i in range(6):
            self.ddb.put_item(TableName=t, Item={"pk": S("p"), "sk": N(i), "s": S(f"v{i}"), "l": {"L": [N(i)]},
                                                 **({"opt": S("o")} if i % 2 else {})})

        def sks(where, *params):
            items = self.run_sql(f'SELECT sk FROM "{t}" WHERE pk = \'p\' AND ({where})', *params)["Items"]
            return sorted(int(i["sk"]["N"]) for i in items)

        self.assertEqual(sks("sk BETWEEN 2 AND 4"), [2, 3, 4])
        self.assertEqual(sks("sk IN [1, 5, 9]"), [1, 5])
        self.assertEqual(sks("sk <> 0 AND sk < 3"), [1, 2])
        self.assertEqual(sks("sk <= 1 OR sk > 4"), [0, 1, 5])
        self.assertEqual(sks("NOT (sk >= 1)"), [0])
        self.assertEqual(sks("begins_with(s, 'v3')"), [3])
        self.assertEqual(sks("contains(s, '4')"), [4])
        self.assertEqual(sks("attribute_type(opt, 'S')"), [1, 3, 5])
        self.assertEqual(sks("opt IS MISSING"), [0, 2, 4])
        self.assertEqual(sks("opt IS NOT MISSING AND size(l) = 1 AND l[0] > 2"), [3, 5])
        self.assertEqual(sks("s = ?", S("v2")), [2])
        items = self.run_sql(f'SELECT sk FROM "{t}" WHERE pk = \'p\' ORDER BY sk DESC')["Items"]
        self.assertEqual([int(i["sk"]["N"]) for i in items], [5, 4, 3, 2, 1, 0])

    def test_scan_query_in_and_index(self):
        t = self.make_table(extra_attrs=[{"AttributeName": "g", "AttributeType": "S"}],
                            GlobalSecondaryIndexes=[{"IndexName": "byg",
                                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                     "Projection": {"ProjectionType": "ALL"}}])
        for i in range(5):
            self.ddb.put_item(TableName=t, Item={"pk": S(f"k{i}"), "g": S("even" if i % 2 == 0 else "odd"), "n": N(i)})
        items = self.run_sql(f'SELECT pk FROM "{t}" WHERE pk IN [\'k1\', \'k3\', \'zz\']')["Items"]
        self.assertEqual(sorted(i["pk"]["S"] for i in items), ["k1", "k3"])
        seen, token = [], None
        while True:  # pages across the IN list's partitions
            kw = {"NextToken": token} if token else {}
            out = self.run_sql(f'SELECT pk FROM "{t}" WHERE pk IN [\'k0\', \'k2\', \'k4\']', Limit=1, **kw)
            self.assertLessEqual(len(out["Items"]), 1)
            seen += [i["pk"]["S"] for i in out["Items"]]
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual(sorted(seen), ["k0", "k2", "k4"])
        items = self.run_sql(f'SELECT pk FROM "{t}" WHERE n > 2')["Items"]  # a full scan
        self.assertEqual(sorted(i["pk"]["S"] for i in items), ["k3", "k4"])
        items = self.run_sql(f'SELECT * FROM "{t}"."byg" WHERE g = \'even\'')["Items"]
        self.assertEqual(sorted(i["pk"]["S"] for i in items), ["k0", "k2", "k4"])
        err = self.sql_error(f'SELECT * FROM "{t}"."byg" WHERE g = \'even\'', ConsistentRead=True)
        self.assertEqual(err["Error"]["Code"], "ValidationException")

    def test_index_partition_equality_reads_only_that_partition(self):
        t = self.make_table(extra_attrs=[{"AttributeName": "g", "AttributeType": "S"}],
                            GlobalSecondaryIndexes=[{"IndexName": "byg",
                                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                     "Projection": {"ProjectionType": "ALL"}}])
        big = "x" * 100_000
        for i in range(6):  # ~600 KB in partition "big" of the index
            self.ddb.put_item(TableName=t, Item={"pk": S(f"b{i}"), "g": S("big"), "pad": S(big)})
        self.ddb.put_item(TableName=t, Item={"pk": S("s"), "g": S("small")})
        out = self.run_sql(f'SELECT pk FROM "{t}"."byg" WHERE g = \'small\'', ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["Items"], [{"pk": S("s")}])
        self.assertLessEqual(out["ConsumedCapacity"]["CapacityUnits"], 1.0)  # not the 600 KB of a scan
        out = self.run_sql(f'SELECT pk FROM "{t}"."byg" WHERE g = \'big\'', ReturnConsumedCapacity="TOTAL")
        self.assertEqual(len(out["Items"]), 6)
        self.assertGreater(out["ConsumedCapacity"]["CapacityUnits"], 50)

    def test_local_index_fetches_unprojected_attributes(self):
        t = self.make_table("S", extra_attrs=[{"AttributeName": "o", "AttributeType": "S"}],
                            LocalSecondaryIndexes=[{"IndexName": "byo",
                                                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                  {"AttributeName": "o", "KeyType": "RANGE"}],
                                                    "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        self.ddb.put_item(TableName=t, Item={"pk": S("p"), "sk": S("1"), "o": S("b"), "extra": S("e1")})
        self.ddb.put_item(TableName=t, Item={"pk": S("p"), "sk": S("2"), "o": S("a"), "extra": S("e2")})
        items = self.run_sql(f'SELECT sk, extra FROM "{t}"."byo" WHERE pk = \'p\'')["Items"]
        self.assertEqual(items, [{"sk": S("2"), "extra": S("e2")}, {"sk": S("1"), "extra": S("e1")}])
        items = self.run_sql(f'SELECT extra FROM "{t}"."byo" WHERE pk = \'p\' AND o = \'b\'')["Items"]
        self.assertEqual(items, [{"extra": S("e1")}])
        items = self.run_sql(f'SELECT extra FROM "{t}"."byo" WHERE pk = \'p\' AND extra = \'e2\'')["Items"]
        self.assertEqual(items, [{"extra": S("e2")}])

    def test_pagination_with_limit(self):
        t = self.make_table("N")
        for i in range(7):
            self.ddb.put_item(TableName=t, Item={"pk": S("p"), "sk": N(i)})
        for stmt in (f'SELECT * FROM "{t}" WHERE pk = \'p\'', f'SELECT * FROM "{t}"'):
            seen, token, pages = [], None, 0
            while True:
                kw = {"Limit": 3}
                if token:
                    kw["NextToken"] = token
                out = self.run_sql(stmt, **kw)
                self.assertLessEqual(len(out["Items"]), 3)
                seen += [int(i["sk"]["N"]) for i in out["Items"]]
                pages += 1
                token = out.get("NextToken")
                if not token:
                    break
            self.assertEqual(sorted(seen), list(range(7)))
            self.assertGreaterEqual(pages, 3)
        # Conditions on the sort key select a key range, so Limit counts only the items in it.
        out = self.run_sql(f'SELECT * FROM "{t}" WHERE pk = \'p\' AND sk >= 4', Limit=2)
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [4, 5])
        out = self.run_sql(f'SELECT * FROM "{t}" WHERE pk = \'p\' AND sk BETWEEN 2 AND 3 ORDER BY sk DESC', Limit=2)
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [3, 2])
        out = self.run_sql(f'SELECT * FROM "{t}" WHERE pk = \'p\' AND sk < 6 ORDER BY sk DESC', Limit=3)
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [5, 4, 3])
        out = self.run_sql(f'SELECT * FROM "{t}" WHERE pk = \'p\' AND sk < 6 ORDER BY sk DESC', Limit=3,
                           NextToken=out["NextToken"])
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [2, 1, 0])
        err = self.sql_error(f'SELECT * FROM "{t}"', NextToken="not-a-token")
        self.assertEqual(err["Error"]["Code"], "ValidationException")

    def test_consumed_capacity(self):
        t = self.make_table()
        out = self.run_sql(f"INSERT INTO \"{t}\" VALUE {{'pk': 'a'}}", ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["TableName"], t)
        self.assertGreater(out["ConsumedCapacity"]["CapacityUnits"], 0)
        out = self.run_sql(f"SELECT * FROM \"{t}\" WHERE pk = 'a'", ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
        self.assertEqual(out["ConsumedCapacity"]["TableName"], t)

    def test_errors(self):
        t = self.make_table("N")
        self.ddb.put_item(TableName=t, Item={"pk": S("a"), "sk": N(1), "v": N(1)})
        err = self.sql_error(f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': 1}}")
        self.assertEqual(err["Error"]["Code"], "DuplicateItemException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        err = self.sql_error(f"SELEC * FROM \"{t}\"")
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        self.assertTrue(err["Error"]["Message"].startswith("Statement wasn't well formed, can't be processed"))
        err = self.sql_error(f"SELECT * FROM \"{t}\" WHERE pk = 'a")
        self.assertTrue(err["Error"]["Message"].startswith("Statement wasn't well formed, can't be processed"))
        err = self.sql_error("SELECT * FROM \"missing-table-xyz\"")
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        for stmt in (f"UPDATE \"{t}\" SET v = 2 WHERE pk = 'a'", f"DELETE FROM \"{t}\" WHERE sk = 1",
                     f"DELETE FROM \"{t}\" WHERE pk = 'a' OR sk = 1"):
            err = self.sql_error(stmt)
            self.assertEqual(err["Error"]["Code"], "ValidationException", stmt)
            self.assertEqual(err["Error"]["Message"],
                             "Where clause does not contain a mandatory equality on all key attributes")
        err = self.sql_error(f"UPDATE \"{t}\" SET v = 2 WHERE pk = 'a' AND sk = 1 AND v = 5",
                             ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.assertEqual(err["Error"]["Code"], "ConditionalCheckFailedException")
        self.assertEqual(err["Item"]["v"], N(1))
        err = self.sql_error(f"DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = 1 AND v = 5")
        self.assertEqual(err["Error"]["Code"], "ConditionalCheckFailedException")
        # UPDATE of an absent item fails its implicit existence condition.
        err = self.sql_error(f"UPDATE \"{t}\" SET v = 2 WHERE pk = 'zz' AND sk = 1")
        self.assertEqual(err["Error"]["Code"], "ConditionalCheckFailedException")
        self.assertNotIn("Item", self.ddb.get_item(TableName=t, Key={"pk": S("zz"), "sk": N(1)}))
        # The item is unchanged by the failures.
        self.assertEqual(self.ddb.get_item(TableName=t, Key={"pk": S("a"), "sk": N(1)})["Item"]["v"], N(1))
        err = self.sql_error(f"UPDATE \"{t}\" SET sk = 3 WHERE pk = 'a' AND sk = 1")
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        for stmt in (f"SELECT * FROM \"{t}\" ORDER BY sk", f"SELECT * FROM \"{t}\" WHERE pk = 'a' ORDER BY v",
                     f"SELECT * FROM \"{t}\".\"nope\" WHERE pk = 'a'"):
            self.assertEqual(self.sql_error(stmt)["Error"]["Code"], "ValidationException", stmt)

    def test_writes_reach_the_stream(self):
        t, arn = make_stream_table(self.ddb)
        self.run_sql(f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'v': 1}}")
        self.run_sql(f"UPDATE \"{t}\" SET v = 2 WHERE pk = 'a'")
        self.run_sql(f"DELETE FROM \"{t}\" WHERE pk = 'a'")
        recs = read_all(self.stratus.client("dynamodbstreams"), arn)
        self.assertEqual([r["eventName"] for r in recs], ["INSERT", "MODIFY", "REMOVE"])
        self.assertEqual(recs[1]["dynamodb"]["OldImage"]["v"], N(1))
        self.assertEqual(recs[1]["dynamodb"]["NewImage"]["v"], N(2))

    def test_cli_execute_statement(self):
        t = self.make_table()
        self.run_sql(f"INSERT INTO \"{t}\" VALUE {{'pk': 'cli', 'v': 42}}")
        out = self.stratus.aws("dynamodb", "execute-statement", "--statement",
                               f"SELECT v FROM \"{t}\" WHERE pk = ?", "--parameters", '[{"S": "cli"}]')
        self.assertEqual(out["Items"], [{"v": {"N": "42"}}])


class BatchExecuteStatement(PartiqlTestCase):
    def test_batch_writes_and_reads(self):
        t = self.make_table()
        self.ddb.put_item(TableName=t, Item={"pk": S("dup"), "v": N(1)})
        self.ddb.put_item(TableName=t, Item={"pk": S("old"), "v": N(1)})
        out = self.ddb.batch_execute_statement(Statements=[
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'v': 1}}"},
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': ?, 'v': 2}}", "Parameters": [S("b")]},
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'dup'}}"},
            {"Statement": f"UPDATE \"{t}\" SET v = 9 WHERE pk = 'old' AND v = 5",
             "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        ])["Responses"]
        self.assertEqual(len(out), 4)
        self.assertNotIn("Error", out[0])
        self.assertEqual(out[0]["TableName"], t)
        self.assertNotIn("Error", out[1])
        self.assertEqual(out[2]["Error"]["Code"], "DuplicateItem")
        self.assertEqual(out[3]["Error"]["Code"], "ConditionalCheckFailed")
        self.assertEqual(out[3]["Error"]["Item"]["v"], N(1))
        err = self.error(self.ddb.batch_execute_statement, Statements=[
            {"Statement": f"DELETE FROM \"{t}\" WHERE pk = 'a'"},
            {"Statement": f"UPDATE \"{t}\" SET v = 3 WHERE pk = 'a'"}])
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        self.assertIn("Item", self.ddb.get_item(TableName=t, Key={"pk": S("a")}))

        out = self.ddb.batch_execute_statement(Statements=[
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 'a'"},
            {"Statement": f"SELECT v FROM \"{t}\" WHERE pk = ?", "Parameters": [S("b")], "ConsistentRead": True},
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 'none'"},
            {"Statement": "SELECT * FROM \"no-such-table-pq\" WHERE pk = 'a'"},
            {"Statement": f"SELECT * FROM \"{t}\" WHERE v = 1"},
        ])["Responses"]
        self.assertEqual(out[0]["Item"], {"pk": S("a"), "v": N(1)})
        self.assertEqual(out[0]["TableName"], t)
        self.assertEqual(out[1]["Item"], {"v": N(2)})
        self.assertNotIn("Item", out[2])
        self.assertNotIn("Error", out[2])
        self.assertEqual(out[3]["Error"]["Code"], "ResourceNotFound")
        self.assertEqual(out[4]["Error"]["Code"], "ValidationError")  # batch reads name one item

    def test_batch_limits_and_mixing(self):
        t = self.make_table()
        err = self.error(self.ddb.batch_execute_statement, Statements=[
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 'a'"},
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'a'}}"}])
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        many = [{"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'k{i}'}}"} for i in range(26)]
        err = self.error(self.ddb.batch_execute_statement, Statements=many)
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        self.assertNotIn("Item", self.ddb.get_item(TableName=t, Key={"pk": S("k0")}))


class ExecuteTransaction(PartiqlTestCase):
    def test_write_transaction_commits_all(self):
        t = self.make_table()
        self.ddb.put_item(TableName=t, Item={"pk": S("u"), "v": N(1)})
        self.ddb.put_item(TableName=t, Item={"pk": S("d")})
        self.ddb.execute_transaction(ClientRequestToken=uuid.uuid4().hex, TransactStatements=[
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'n'}}"},
            {"Statement": f"UPDATE \"{t}\" SET v = v + ? WHERE pk = 'u'", "Parameters": [N(10)]},
            {"Statement": f"DELETE FROM \"{t}\" WHERE pk = 'd'"},
        ])
        self.assertIn("Item", self.ddb.get_item(TableName=t, Key={"pk": S("n")}))
        self.assertEqual(self.ddb.get_item(TableName=t, Key={"pk": S("u")})["Item"]["v"], N(11))
        self.assertNotIn("Item", self.ddb.get_item(TableName=t, Key={"pk": S("d")}))

        out = self.ddb.execute_transaction(TransactStatements=[
            {"Statement": f"SELECT v FROM \"{t}\" WHERE pk = 'u'"},
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 'd'"},
        ])
        self.assertEqual(out["Responses"], [{"Item": {"v": N(11)}}, {}])

    def test_cancelled_transaction_changes_nothing(self):
        t = self.make_table()
        self.ddb.put_item(TableName=t, Item={"pk": S("u"), "v": N(1)})
        self.ddb.put_item(TableName=t, Item={"pk": S("x")})
        err = self.error(self.ddb.execute_transaction, TransactStatements=[
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'new'}}"},
            {"Statement": f"UPDATE \"{t}\" SET v = 2 WHERE pk = 'u' AND v = 7",
             "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'x'}}"},
        ])
        self.assertEqual(err["Error"]["Code"], "TransactionCanceledException")
        reasons = err["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["None", "ConditionalCheckFailed", "DuplicateItem"])
        self.assertEqual(reasons[1]["Item"]["v"], N(1))
        self.assertNotIn("Item", self.ddb.get_item(TableName=t, Key={"pk": S("new")}))
        self.assertEqual(self.ddb.get_item(TableName=t, Key={"pk": S("u")})["Item"]["v"], N(1))

    def test_transaction_validation(self):
        t = self.make_table()
        err = self.error(self.ddb.execute_transaction, TransactStatements=[
            {"Statement": f"UPDATE \"{t}\" SET v = 1 WHERE pk = 'a'"},
            {"Statement": f"DELETE FROM \"{t}\" WHERE pk = 'a'"}])
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        err = self.error(self.ddb.execute_transaction, TransactStatements=[
            {"Statement": f"SELECT * FROM \"{t}\" WHERE pk = 'a'"},
            {"Statement": f"DELETE FROM \"{t}\" WHERE pk = 'b'"}])
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        err = self.error(self.ddb.execute_transaction, TransactStatements=[
            {"Statement": "DELETE FROM \"no-such-table-pq\" WHERE pk = 'b'"}])
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        many = [{"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'k{i}'}}"} for i in range(101)]
        err = self.error(self.ddb.execute_transaction, TransactStatements=many)
        self.assertEqual(err["Error"]["Code"], "ValidationException")

    def test_client_request_token_applies_once(self):
        t = self.make_table()
        stmts = [{"Statement": f"UPDATE \"{t}\" SET n = n + 1 WHERE pk = 'c'"}]
        self.ddb.put_item(TableName=t, Item={"pk": S("c"), "n": N(0)})
        token = uuid.uuid4().hex
        self.ddb.execute_transaction(ClientRequestToken=token, TransactStatements=stmts)
        again = self.ddb.execute_transaction(ClientRequestToken=token, TransactStatements=stmts,
                                             ReturnConsumedCapacity="TOTAL")
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.ddb.get_item(TableName=t, Key={"pk": S("c")}, ConsistentRead=True)["Item"]["n"], N(1))
        other = [{"Statement": f"UPDATE \"{t}\" SET n = n + 2 WHERE pk = 'c'"}]
        err = self.error(self.ddb.execute_transaction, ClientRequestToken=token, TransactStatements=other)
        self.assertEqual(err["Error"]["Code"], "IdempotentParameterMismatchException")
        # A new token applies again.
        self.ddb.execute_transaction(ClientRequestToken=uuid.uuid4().hex, TransactStatements=stmts)
        self.assertEqual(self.ddb.get_item(TableName=t, Key={"pk": S("c")}, ConsistentRead=True)["Item"]["n"], N(2))


if __name__ == "__main__":
    unittest.main()
