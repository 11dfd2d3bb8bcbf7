"""DynamoDB legacy (non-expression) parameters through boto3: Expected with ConditionalOperator,
AttributesToGet, AttributeUpdates, KeyConditions, QueryFilter and ScanFilter, every
ComparisonOperator, and AWS's errors for bad argument counts and for mixing legacy and expression
parameters. Written against AWS's documented behaviour so that they pass on AWS too."""
import unittest

from test_dynamodb import N, S, DynamoTestCase as LegacyTestCase


def cond(op, *values):
    c = {"ComparisonOperator": op}
    if values:
        c["AttributeValueList"] = list(values)
    return c


class Expected(LegacyTestCase):
    def setUp(self):
        self.t = self.make_table()

    def test_exists_false_is_insert_if_absent(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("a"), "v": N(1)},
                          Expected={"pk": {"Exists": False}})
        err = self.error(self.ddb.put_item, TableName=self.t, Item={"pk": S("a"), "v": N(2)},
                         Expected={"pk": {"Exists": False}})
        self.assertEqual(err["Code"], "ConditionalCheckFailedException")
        self.assertEqual(self.ddb.get_item(TableName=self.t, Key={"pk": S("a")})["Item"]["v"], N(1))

    def test_value_comparisons_and_conditional_operator(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("a"), "v": N(5), "s": S("hello")})
        # Value alone means "equals".
        self.ddb.put_item(TableName=self.t, Item={"pk": S("a"), "v": N(6), "s": S("hello")},
                          Expected={"v": {"Value": N(5)}})
        err = self.error(self.ddb.put_item, TableName=self.t, Item={"pk": S("a"), "v": N(7)},
                         Expected={"v": {"Value": N(5)}}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.assertEqual(err["Code"], "ConditionalCheckFailedException")
        # Both must hold by default (AND); OR needs only one.
        two = {"v": cond("GT", N(100)), "s": cond("BEGINS_WITH", S("hel"))}
        err = self.error(self.ddb.put_item, TableName=self.t, Item={"pk": S("a"), "v": N(7)}, Expected=two)
        self.assertEqual(err["Code"], "ConditionalCheckFailedException")
        self.ddb.put_item(TableName=self.t, Item={"pk": S("a"), "v": N(7)}, Expected=two, ConditionalOperator="OR")
        self.assertEqual(self.ddb.get_item(TableName=self.t, Key={"pk": S("a")})["Item"]["v"], N(7))

    def test_delete_with_expected(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("a"), "tags": {"SS": ["x", "y"]}})
        err = self.error(self.ddb.delete_item, TableName=self.t, Key={"pk": S("a")},
                         Expected={"tags": cond("NOT_CONTAINS", S("x"))})
        self.assertEqual(err["Code"], "ConditionalCheckFailedException")
        out = self.ddb.delete_item(TableName=self.t, Key={"pk": S("a")},
                                   Expected={"tags": cond("CONTAINS", S("x")), "nope": cond("NULL")},
                                   ReturnValues="ALL_OLD")
        self.assertEqual(out["Attributes"]["pk"], S("a"))
        self.assertNotIn("Item", self.ddb.get_item(TableName=self.t, Key={"pk": S("a")}))

    def test_expected_validation(self):
        err = self.error(self.ddb.put_item, TableName=self.t, Item={"pk": S("a")}, Expected={"v": {"Exists": True}})
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], "One or more parameter values were invalid: "
                                         "Value must be provided when Exists is true for Attribute: v")
        err = self.error(self.ddb.put_item, TableName=self.t, Item={"pk": S("a")},
                         Expected={"v": {"Exists": False, "Value": N(1)}})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: "
                                         "Value cannot be used when Exists is false for Attribute: v")
        for op, values in [("EQ", []), ("NULL", [N(1)]), ("BETWEEN", [N(1)]), ("IN", []),
                           ("BEGINS_WITH", [S("a"), S("b")])]:
            err = self.error(self.ddb.put_item, TableName=self.t, Item={"pk": S("a")},
                             Expected={"v": {"ComparisonOperator": op, "AttributeValueList": values}})
            self.assertEqual(err["Message"], "One or more parameter values were invalid: Invalid number of "
                                             f"argument(s) for the {op} ComparisonOperator", op)
        err = self.error(self.ddb.put_item, TableName=self.t, Item={"pk": S("a")},
                         Expected={"v": cond("LT", {"SS": ["a"]})})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: "
                                         "ComparisonOperator LT is not valid for SS AttributeValue type")


class AttributeUpdates(LegacyTestCase):
    def setUp(self):
        self.t = self.make_table()

    def test_put_add_delete_actions(self):
        out = self.ddb.update_item(TableName=self.t, Key={"pk": S("a")}, ReturnValues="ALL_NEW",
                                   AttributeUpdates={"count": {"Action": "ADD", "Value": N(3)},
                                                     "name": {"Value": S("first")},
                                                     "tags": {"Action": "ADD", "Value": {"SS": ["x", "y", "z"]}}})
        self.assertEqual(out["Attributes"]["count"], N(3))
        self.assertEqual(out["Attributes"]["name"], S("first"))
        out = self.ddb.update_item(TableName=self.t, Key={"pk": S("a")}, ReturnValues="UPDATED_NEW",
                                   AttributeUpdates={"count": {"Action": "ADD", "Value": N(-1)},
                                                     "name": {"Action": "PUT", "Value": S("second")},
                                                     "tags": {"Action": "DELETE", "Value": {"SS": ["x"]}}})
        self.assertEqual(out["Attributes"]["count"], N(2))
        self.assertEqual(out["Attributes"]["name"], S("second"))
        self.assertEqual(sorted(out["Attributes"]["tags"]["SS"]), ["y", "z"])
        out = self.ddb.update_item(TableName=self.t, Key={"pk": S("a")}, ReturnValues="UPDATED_OLD",
                                   AttributeUpdates={"name": {"Action": "DELETE"}})
        self.assertEqual(out["Attributes"], {"name": S("second")})
        item = self.ddb.get_item(TableName=self.t, Key={"pk": S("a")}, ConsistentRead=True)["Item"]
        self.assertNotIn("name", item)

    def test_with_expected(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("a"), "version": N(1)})
        self.ddb.update_item(TableName=self.t, Key={"pk": S("a")},
                             AttributeUpdates={"version": {"Value": N(2)}},
                             Expected={"version": {"Value": N(1)}})
        err = self.error(self.ddb.update_item, TableName=self.t, Key={"pk": S("a")},
                         AttributeUpdates={"version": {"Value": N(3)}},
                         Expected={"version": {"Value": N(1)}})
        self.assertEqual(err["Code"], "ConditionalCheckFailedException")

    def test_validation(self):
        err = self.error(self.ddb.update_item, TableName=self.t, Key={"pk": S("a")},
                         AttributeUpdates={"x": {"Action": "PUT"}})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: "
                                         "Only DELETE action is allowed when no attribute value is specified")
        err = self.error(self.ddb.update_item, TableName=self.t, Key={"pk": S("a")},
                         AttributeUpdates={"x": {"Action": "ADD", "Value": S("s")}})
        self.assertEqual(err["Code"], "ValidationException")
        err = self.error(self.ddb.update_item, TableName=self.t, Key={"pk": S("a")},
                         AttributeUpdates={"pk": {"Value": S("b")}})
        self.assertEqual(err["Message"], "One or more parameter values were invalid: Cannot update attribute pk. "
                                         "This attribute is part of the key")


class ReadsAndQueries(LegacyTestCase):
    def setUp(self):
        self.t = self.make_table("N")
        with_items = [{"pk": S("p"), "sk": N(i), "v": N(i * 10), "s": S("item-%d" % i), "odd": {"BOOL": i % 2 == 1}}
                      for i in range(1, 11)]
        for it in with_items:
            self.ddb.put_item(TableName=self.t, Item=it)
        self.ddb.put_item(TableName=self.t, Item={"pk": S("q"), "sk": N(1), "v": N(5)})

    def test_get_item_and_batch_get_attributes_to_get(self):
        got = self.ddb.get_item(TableName=self.t, Key={"pk": S("p"), "sk": N(3)}, AttributesToGet=["v", "nope"])
        self.assertEqual(got["Item"], {"v": N(30)})
        out = self.ddb.batch_get_item(RequestItems={self.t: {
            "Keys": [{"pk": S("p"), "sk": N(1)}, {"pk": S("q"), "sk": N(1)}], "AttributesToGet": ["sk", "v"]}})
        self.assertEqual(sorted(int(i["v"]["N"]) for i in out["Responses"][self.t]), [5, 10])
        self.assertEqual({k for i in out["Responses"][self.t] for k in i}, {"sk", "v"})

    def test_query_key_conditions(self):
        def q(**kw):
            items = self.ddb.query(TableName=self.t, **kw)["Items"]
            return [int(i["sk"]["N"]) for i in items]
        self.assertEqual(q(KeyConditions={"pk": cond("EQ", S("p"))}), list(range(1, 11)))
        self.assertEqual(q(KeyConditions={"pk": cond("EQ", S("p")), "sk": cond("BETWEEN", N(3), N(5))}), [3, 4, 5])
        self.assertEqual(q(KeyConditions={"pk": cond("EQ", S("p")), "sk": cond("GT", N(8))},
                           ScanIndexForward=False), [10, 9])
        self.assertEqual(q(KeyConditions={"pk": cond("EQ", S("p")), "sk": cond("LE", N(2))}), [1, 2])
        # QueryFilter with ConditionalOperator; AttributesToGet with Select.
        out = self.ddb.query(TableName=self.t, KeyConditions={"pk": cond("EQ", S("p"))},
                             QueryFilter={"v": cond("GE", N(90)), "s": cond("EQ", S("item-1"))},
                             ConditionalOperator="OR", AttributesToGet=["sk"], Select="SPECIFIC_ATTRIBUTES")
        self.assertEqual(out["Items"], [{"sk": N(1)}, {"sk": N(9)}, {"sk": N(10)}])
        self.assertEqual(out["ScannedCount"], 10)

    def test_query_key_condition_errors(self):
        err = self.error(self.ddb.query, TableName=self.t, KeyConditions={"pk": cond("EQ", S("p")),
                                                                          "sk": cond("NE", N(1))})
        self.assertEqual(err["Message"], "Attempted conditional constraint is not an indexable operation")
        err = self.error(self.ddb.query, TableName=self.t, KeyConditions={"sk": cond("EQ", N(1))})
        self.assertEqual(err["Message"], "Query condition missed key schema element: pk")
        err = self.error(self.ddb.query, TableName=self.t, KeyConditions={"pk": cond("EQ", S("p")),
                                                                          "a": cond("EQ", N(1))})
        self.assertEqual(err["Message"], "Query condition missed key schema element: sk")
        err = self.error(self.ddb.query, TableName=self.t, KeyConditions={"pk": cond("EQ", S("p"))},
                         QueryFilter={"sk": cond("EQ", N(1))})
        self.assertEqual(err["Message"], "QueryFilter can only contain non-primary key attributes: "
                                         "Primary key attribute: sk")

    def test_scan_filter_operators(self):
        def scan(f, op=None):
            kw = {"ConditionalOperator": op} if op else {}
            items = self.ddb.scan(TableName=self.t, ScanFilter=f, **kw)["Items"]
            return sorted((i["pk"]["S"], int(i["sk"]["N"])) for i in items)
        p = lambda *ns: [("p", n) for n in ns]
        self.assertEqual(scan({"v": cond("EQ", N(30))}), p(3))
        self.assertEqual(len(scan({"v": cond("NE", N(30))})), 10)
        self.assertEqual(scan({"v": cond("LT", N(20))}), [("p", 1), ("q", 1)])
        self.assertEqual(scan({"v": cond("LE", N(20)), "pk": cond("EQ", S("p"))}), p(1, 2))
        self.assertEqual(scan({"v": cond("GT", N(90))}), p(10))
        self.assertEqual(scan({"v": cond("GE", N(90))}), p(9, 10))
        self.assertEqual(scan({"odd": cond("NOT_NULL")}), p(*range(1, 11)))
        self.assertEqual(scan({"odd": cond("NULL")}), [("q", 1)])
        self.assertEqual(scan({"s": cond("CONTAINS", S("m-1"))}), p(1, 10))
        self.assertEqual(scan({"s": cond("NOT_CONTAINS", S("m-1")), "pk": cond("EQ", S("p"))}), p(*range(2, 10)))
        self.assertEqual(scan({"s": cond("BEGINS_WITH", S("item-1"))}), p(1, 10))
        self.assertEqual(scan({"v": cond("IN", N(10), N(50), N(5))}), [("p", 1), ("p", 5), ("q", 1)])
        self.assertEqual(scan({"v": cond("BETWEEN", N(20), N(40))}), p(2, 3, 4))
        self.assertEqual(scan({"v": cond("EQ", N(5)), "sk": cond("EQ", N(10))}, "OR"), [("p", 10), ("q", 1)])
        err = self.error(self.ddb.scan, TableName=self.t, ScanFilter={"v": cond("BETWEEN", N(40), N(20))})
        self.assertEqual(err["Code"], "ValidationException")


class Mixing(LegacyTestCase):
    def setUp(self):
        self.t = self.make_table()

    def test_legacy_and_expression_parameters_cannot_mix(self):
        err = self.error(self.ddb.put_item, TableName=self.t, Item={"pk": S("a")},
                         Expected={"pk": {"Exists": False}}, ConditionExpression="attribute_not_exists(pk)")
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], "Can not use both expression and non-expression parameters in the same "
                                         "request: Non-expression parameters: {Expected} Expression parameters: "
                                         "{ConditionExpression}")
        err = self.error(self.ddb.get_item, TableName=self.t, Key={"pk": S("a")}, AttributesToGet=["a"],
                         ProjectionExpression="a")
        self.assertEqual(err["Message"], "Can not use both expression and non-expression parameters in the same "
                                         "request: Non-expression parameters: {AttributesToGet} Expression "
                                         "parameters: {ProjectionExpression}")
        err = self.error(self.ddb.update_item, TableName=self.t, Key={"pk": S("a")},
                         AttributeUpdates={"a": {"Value": N(1)}}, UpdateExpression="SET b = :b",
                         ExpressionAttributeValues={":b": N(1)})
        self.assertEqual(err["Message"], "Can not use both expression and non-expression parameters in the same "
                                         "request: Non-expression parameters: {AttributeUpdates} Expression "
                                         "parameters: {UpdateExpression}")
        err = self.error(self.ddb.query, TableName=self.t, KeyConditions={"pk": cond("EQ", S("a"))},
                         KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("a")})
        self.assertEqual(err["Message"], "Can not use both expression and non-expression parameters in the same "
                                         "request: Non-expression parameters: {KeyConditions} Expression "
                                         "parameters: {KeyConditionExpression}")
        err = self.error(self.ddb.scan, TableName=self.t, ScanFilter={"a": cond("NULL")}, FilterExpression="b = :b",
                         ExpressionAttributeValues={":b": N(1)})
        self.assertEqual(err["Message"], "Can not use both expression and non-expression parameters in the same "
                                         "request: Non-expression parameters: {ScanFilter} Expression "
                                         "parameters: {FilterExpression}")

    def test_expression_values_need_an_expression(self):
        err = self.error(self.ddb.put_item, TableName=self.t, Item={"pk": S("a")},
                         Expected={"pk": {"Exists": False}}, ExpressionAttributeValues={":v": N(1)})
        self.assertEqual(err["Message"], "ExpressionAttributeValues can only be specified when using expressions")


if __name__ == "__main__":
    unittest.main()
