"""DynamoDB's answers when writes fail, through boto3, as AWS documents them:
TransactionCanceledException with one CancellationReason per action in request order
(ValidationError, ConditionalCheckFailed with the old item under
ReturnValuesOnConditionCheckFailure=ALL_OLD, None), the request-level checks of TransactWriteItems
and TransactGetItems (one action per element, at most 100), and
ReturnValuesOnConditionCheckFailure=ALL_OLD returning the item inside
ConditionalCheckFailedException for PutItem, UpdateItem, DeleteItem and PartiQL
(ExecuteStatement, BatchExecuteStatement, ExecuteTransaction)."""
import unittest
import uuid

import botocore.config
import botocore.exceptions

from harness import StratusTestCase


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


class DynamoCase(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")
        # Requests boto3 would refuse itself, sent as they are.
        cls.raw = cls.stratus.client("dynamodb", parameter_validation=False)
        cls.t = "cancel-" + uuid.uuid4().hex[:10]
        cls.ddb.create_table(
            TableName=cls.t, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "gk", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "by-gk", "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response

    def get(self, key):
        return self.ddb.get_item(TableName=self.t, Key={"pk": S(key)}, ConsistentRead=True).get("Item")


class TransactionCancellation(DynamoCase):
    def test_reasons_per_action_in_request_order(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("held"), "v": N(1)})
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as cm:
            self.ddb.transact_write_items(TransactItems=[
                # A secondary index key of the wrong type: a validation error of this action.
                {"Put": {"TableName": self.t, "Item": {"pk": S("typed"), "gk": N(1)}}},
                {"Update": {"TableName": self.t, "Key": {"pk": S("held")}, "UpdateExpression": "SET v = :v",
                            "ConditionExpression": "v = :two", "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                            "ExpressionAttributeValues": {":v": N(3), ":two": N(2)}}},
                {"Put": {"TableName": self.t, "Item": {"pk": S("fine"), "gk": S("g")}}}])
        resp = cm.exception.response
        self.assertEqual(resp["Error"]["Message"], "Transaction cancelled, please refer cancellation reasons for "
                                                   "specific reasons [ValidationError, ConditionalCheckFailed, None]")
        reasons = resp["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["ValidationError", "ConditionalCheckFailed", "None"])
        self.assertEqual(reasons[0]["Message"], "One or more parameter values were invalid: Type mismatch for Index Key "
                                                "gk Expected: S Actual: N IndexName: by-gk")
        self.assertNotIn("Item", reasons[0])
        self.assertEqual(reasons[1]["Message"], "The conditional request failed")
        self.assertEqual(reasons[1]["Item"], {"pk": S("held"), "v": N(1)})
        self.assertEqual(set(reasons[2]), {"Code"})  # None: no message, no item
        for key in ("typed", "fine"):
            self.assertIsNone(self.get(key))
        self.assertEqual(self.get("held")["v"], N(1))

    def test_old_item_only_when_asked_for_and_present(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("present"), "v": N(1)})
        self.ddb.put_item(TableName=self.t, Item={"pk": S("present2"), "v": N(1)})
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as cm:
            self.ddb.transact_write_items(TransactItems=[
                {"ConditionCheck": {"TableName": self.t, "Key": {"pk": S("present")},
                                    "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Delete": {"TableName": self.t, "Key": {"pk": S("absent")},
                            "ConditionExpression": "attribute_exists(pk)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                {"ConditionCheck": {"TableName": self.t, "Key": {"pk": S("present2")}, "ConditionExpression": "v > :z",
                                    "ExpressionAttributeValues": {":z": N(5)},
                                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])
        reasons = cm.exception.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["ConditionalCheckFailed"] * 3)
        self.assertNotIn("Item", reasons[0])  # not asked for
        self.assertNotIn("Item", reasons[1])  # no item to return
        self.assertEqual(reasons[2]["Item"], {"pk": S("present2"), "v": N(1)})

    def test_update_errors_found_against_the_stored_item(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("text"), "s": S("abc")})
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as cm:
            self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.t, "Item": {"pk": S("other")}}},
                {"Update": {"TableName": self.t, "Key": {"pk": S("text")}, "UpdateExpression": "ADD s :one",
                            "ExpressionAttributeValues": {":one": N(1)}}},
                {"Update": {"TableName": self.t, "Key": {"pk": S("text2")}, "UpdateExpression": "SET gk = :n",
                            "ExpressionAttributeValues": {":n": N(1)}}}])
        reasons = cm.exception.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["None", "ValidationError", "ValidationError"])
        self.assertTrue(reasons[1]["Message"].startswith("An operand in the update expression has an incorrect data type"))
        self.assertIsNone(self.get("other"))
        self.assertIsNone(self.get("text2"))

    def test_request_errors_are_not_cancellations(self):
        # The table's own key is checked for the whole request.
        err = self.error(self.ddb.transact_write_items, TransactItems=[
            {"Put": {"TableName": self.t, "Item": {"pk": N(1)}}},
            {"Put": {"TableName": self.t, "Item": {"pk": S("ok")}}}])["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")
        err = self.error(self.ddb.transact_write_items, TransactItems=[
            {"Delete": {"TableName": self.t, "Key": {"pk": S("a"), "x": S("b")}}}])["Error"]
        self.assertEqual(err["Message"], "The provided key element does not match the schema")
        err = self.error(self.ddb.transact_write_items, TransactItems=[
            {"Put": {"TableName": "no-such-table-" + uuid.uuid4().hex[:6], "Item": {"pk": S("a")}}}])["Error"]
        self.assertEqual(err["Code"], "ResourceNotFoundException")


class TransactionShape(DynamoCase):
    def test_one_action_per_element(self):
        for element in ({"Put": {"TableName": self.t, "Item": {"pk": S("a")}},
                         "Delete": {"TableName": self.t, "Key": {"pk": S("a")}}},
                        {"ConditionCheck": {"TableName": self.t, "Key": {"pk": S("a")},
                                            "ConditionExpression": "attribute_exists(pk)"},
                         "Update": {"TableName": self.t, "Key": {"pk": S("a")}, "UpdateExpression": "REMOVE v"}},
                        {}):
            err = self.error(self.raw.transact_write_items, TransactItems=[element])["Error"]
            self.assertEqual(err["Code"], "ValidationException")
            self.assertEqual(err["Message"], "TransactItems can only contain one of Check, Put, Update or Delete")
        self.assertIsNone(self.get("a"))

    def test_at_most_100_actions(self):
        items = [{"Put": {"TableName": self.t, "Item": {"pk": S("k%d" % i)}}} for i in range(101)]
        err = self.error(self.raw.transact_write_items, TransactItems=items)["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        # The elements print as DynamoDB's Java objects do.
        obj = r"com\.amazonaws\.dynamodb\.v20120810\.TransactWriteItem@[0-9a-f]+"
        self.assertRegex(err["Message"], r"^1 validation error detected: Value '\[(" + obj + ", ){100}" + obj +
                         r"\]' at 'transactItems' failed to satisfy constraint: "
                         r"Member must have length less than or equal to 100$")
        gets = [{"Get": {"TableName": self.t, "Key": {"pk": S("k%d" % i)}}} for i in range(101)]
        err = self.error(self.raw.transact_get_items, TransactItems=gets)["Error"]
        self.assertTrue(err["Message"].endswith("]' at 'transactItems' failed to satisfy constraint: "
                                                "Member must have length less than or equal to 100"))
        err = self.error(self.raw.transact_write_items, TransactItems=[])["Error"]
        self.assertEqual(err["Message"], "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
                                         "constraint: Member must have length greater than or equal to 1")
        err = self.error(self.raw.transact_get_items, TransactItems=[])["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertIsNone(self.get("k0"))

    def test_transact_get_items_checks(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("g1"), "a": S("x"), "b": N(2)})
        out = self.ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": self.t, "Key": {"pk": S("g1")}, "ProjectionExpression": "#a",
                     "ExpressionAttributeNames": {"#a": "a"}}},
            {"Get": {"TableName": self.t, "Key": {"pk": S("missing")}}}])
        self.assertEqual(out["Responses"], [{"Item": {"a": S("x")}}, {}])
        # Each element is a Get.
        err = self.error(self.raw.transact_get_items, TransactItems=[{}])["Error"]
        self.assertEqual(err["Message"], "1 validation error detected: Value null at 'transactItems.1.member.get' "
                                         "failed to satisfy constraint: Member must not be null")
        err = self.error(self.ddb.transact_get_items, TransactItems=[
            {"Get": {"TableName": self.t, "Key": {"pk": N(1)}}}])["Error"]
        self.assertEqual(err["Message"], "The provided key element does not match the schema")
        err = self.error(self.ddb.transact_get_items, TransactItems=[
            {"Get": {"TableName": "no-such-table-" + uuid.uuid4().hex[:6], "Key": {"pk": S("a")}}}])["Error"]
        self.assertEqual(err["Code"], "ResourceNotFoundException")
        err = self.error(self.ddb.transact_get_items, TransactItems=[
            {"Get": {"TableName": self.t, "Key": {"pk": S("g1")}, "ExpressionAttributeNames": {"#a": "a"}}}])["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        err = self.error(self.ddb.transact_get_items, TransactItems=[
            {"Get": {"TableName": self.t, "Key": {"pk": S("g1")}}},
            {"Get": {"TableName": self.t, "Key": {"pk": S("g1")}}}])["Error"]
        self.assertEqual(err["Message"], "Transaction request cannot include multiple operations on one item")


class ReturnOldItemOnFailure(DynamoCase):
    def expect_old(self, fn, want, **kw):
        with self.assertRaises(self.ddb.exceptions.ConditionalCheckFailedException) as cm:
            fn(**kw)
        resp = cm.exception.response
        self.assertEqual(resp["Error"]["Message"], "The conditional request failed")
        if want is None:
            self.assertNotIn("Item", resp)
        else:
            self.assertEqual(resp["Item"], want)

    def test_put_update_delete(self):
        old = {"pk": S("w"), "v": N(1), "tags": {"SS": ["a", "b"]}}
        self.ddb.put_item(TableName=self.t, Item=old)
        cond = {"ConditionExpression": "v = :two", "ExpressionAttributeValues": {":two": N(2)}}
        self.expect_old(self.ddb.put_item, old, TableName=self.t, Item={"pk": S("w"), "v": N(5)},
                        ReturnValuesOnConditionCheckFailure="ALL_OLD", **cond)
        self.expect_old(self.ddb.update_item, old, TableName=self.t, Key={"pk": S("w")}, UpdateExpression="SET v = :two",
                        ReturnValuesOnConditionCheckFailure="ALL_OLD", **cond)
        self.expect_old(self.ddb.delete_item, old, TableName=self.t, Key={"pk": S("w")},
                        ReturnValuesOnConditionCheckFailure="ALL_OLD", **cond)
        # NONE (the default) returns no item; an absent item has none to return.
        self.expect_old(self.ddb.update_item, None, TableName=self.t, Key={"pk": S("w")}, UpdateExpression="SET v = :two",
                        ReturnValuesOnConditionCheckFailure="NONE", **cond)
        self.expect_old(self.ddb.delete_item, None, TableName=self.t, Key={"pk": S("w")}, **cond)
        self.expect_old(self.ddb.update_item, None, TableName=self.t, Key={"pk": S("nobody")},
                        UpdateExpression="SET v = :one", ConditionExpression="attribute_exists(pk)",
                        ExpressionAttributeValues={":one": N(1)}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.assertEqual(self.get("w"), old)
        # An unknown value is the model's enum error.
        err = self.error(self.raw.put_item, TableName=self.t, Item={"pk": S("w")},
                         ReturnValuesOnConditionCheckFailure="ALL_NEW")["Error"]
        self.assertEqual(err["Message"], "1 validation error detected: Value 'ALL_NEW' at "
                                         "'returnValuesOnConditionCheckFailure' failed to satisfy constraint: "
                                         "Member must satisfy enum value set: [ALL_OLD, NONE]")

    def test_partiql(self):
        old = {"pk": S("q"), "v": N(1)}
        self.ddb.put_item(TableName=self.t, Item=old)
        stmt = f'UPDATE "{self.t}" SET v = 9 WHERE pk = \'q\' AND v = 5'
        self.expect_old(self.ddb.execute_statement, old, Statement=stmt, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.expect_old(self.ddb.execute_statement, None, Statement=stmt)
        self.expect_old(self.ddb.execute_statement, old, Statement=f'DELETE FROM "{self.t}" WHERE pk = \'q\' AND v = 5',
                        ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.ddb.put_item(TableName=self.t, Item={"pk": S("q2"), "v": N(1)})
        out = self.ddb.batch_execute_statement(Statements=[
            {"Statement": stmt, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
            {"Statement": stmt.replace("'q'", "'q2'")}])["Responses"]
        self.assertEqual(out[0]["Error"]["Code"], "ConditionalCheckFailed")
        self.assertEqual(out[0]["Error"]["Item"], old)
        self.assertNotIn("Item", out[1]["Error"])
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as cm:
            self.ddb.execute_transaction(TransactStatements=[
                {"Statement": stmt, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
                {"Statement": f'INSERT INTO "{self.t}" VALUE {{\'pk\': \'q-new\'}}'}])
        reasons = cm.exception.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["ConditionalCheckFailed", "None"])
        self.assertEqual(reasons[0]["Item"], old)
        self.assertEqual(self.get("q"), old)
        self.assertIsNone(self.get("q-new"))


if __name__ == "__main__":
    unittest.main()
