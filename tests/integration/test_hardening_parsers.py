"""Issue 21 (hardening): deep or huge inputs to every parser answer the protocol's error and the
server stays up. Each test is a reproduction that used to kill the process (stack overflow) or
stall it (quadratic work on DynamoDB's commit lane)."""
import json
import threading
import unittest
import uuid

import botocore.exceptions

from harness import StratusTestCase


def S(v): return {"S": v}


class DynamoDbExpressions(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")
        cls.table = cls.make_table()
        cls.other = cls.make_table()

    @classmethod
    def make_table(cls):
        name = "h-" + uuid.uuid4().hex[:12]
        cls.ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST")
        cls.ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        return name

    def validation(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "ValidationException", err)
        return err["Message"]

    def assert_alive(self):
        self.ddb.put_item(TableName=self.other, Item={"pk": S("alive"), "n": {"N": "1"}})
        self.assertEqual(self.ddb.get_item(TableName=self.other, Key={"pk": S("alive")})["Item"]["n"], {"N": "1"})

    # The reproductions, against a table that does not exist and one that does.
    def test_nested_parentheses_in_every_expression(self):
        parens = "(" * 10000 + "a = :v" + ")" * 10000
        values = {":v": S("x")}
        for table in ("no-such-table", self.table):
            msg = self.validation(self.ddb.scan, TableName=table, FilterExpression=parens,
                                  ExpressionAttributeValues=values)
            self.assertIn("Invalid FilterExpression: Expression size has exceeded the maximum allowed size", msg)
            msg = self.validation(self.ddb.delete_item, TableName=table, Key={"pk": S("k")},
                                  ConditionExpression=parens, ExpressionAttributeValues=values)
            self.assertIn("Invalid ConditionExpression: Expression size has exceeded", msg)
            msg = self.validation(self.ddb.query, TableName=table, KeyConditionExpression=parens,
                                  ExpressionAttributeValues=values)
            self.assertIn("Invalid KeyConditionExpression: Expression size has exceeded", msg)
        self.assert_alive()

    def test_hundred_thousand_nots_and_ands(self):
        values = {":v": S("x")}
        nots = "NOT " * 100000 + "a = :v"
        ands = " AND ".join(["a = :v"] * 100000)
        for expr in (nots, ands):
            for table in ("no-such-table", self.table):
                self.validation(self.ddb.scan, TableName=table, FilterExpression=expr, ExpressionAttributeValues=values)
                self.validation(self.ddb.put_item, TableName=table, Item={"pk": S("k")}, ConditionExpression=expr,
                                ExpressionAttributeValues=values)
                self.validation(self.ddb.update_item, TableName=table, Key={"pk": S("k")},
                                UpdateExpression="SET b = :v", ConditionExpression=expr,
                                ExpressionAttributeValues=values)
        self.assert_alive()

    def test_within_4kb_deep_nesting_is_refused_not_recursed(self):
        values = {":v": S("x")}
        msg = self.validation(self.ddb.scan, TableName=self.table, FilterExpression="(" * 1500 + "a = :v" + ")" * 1500,
                              ExpressionAttributeValues=values)
        self.assertEqual(msg, "Invalid FilterExpression: The expression has redundant parentheses;")
        msg = self.validation(self.ddb.delete_item, TableName=self.table, Key={"pk": S("k")},
                              ConditionExpression="NOT " * 1000 + "a = :v", ExpressionAttributeValues=values)
        self.assertIn("Invalid ConditionExpression: The expression contains too many operators", msg)
        msg = self.validation(self.ddb.scan, TableName=self.table, FilterExpression="NOT (" * 600 + "a = :v" + ")" * 600,
                              ExpressionAttributeValues=values)
        self.assertIn("too many operators", msg)
        self.assert_alive()

    def test_projection_expression_deep_and_long(self):
        msg = self.validation(self.ddb.get_item, TableName="no-such-table", Key={"pk": S("k")},
                              ProjectionExpression=".".join(["a"] * 100000))
        self.assertIn("Invalid ProjectionExpression: Expression size has exceeded", msg)
        msg = self.validation(self.ddb.get_item, TableName=self.table, Key={"pk": S("k")},
                              ProjectionExpression=".".join(["a"] * 40))
        self.assertEqual(msg, "Invalid ProjectionExpression: The document path has too many nesting levels; "
                              "nesting levels: 33")
        self.assert_alive()

    def test_hundred_thousand_set_actions_and_lane_not_stalled(self):
        values = {":v": S("x")}
        big = "SET " + ", ".join(f"a{i} = :v" for i in range(100000))
        results = []

        def hammer():
            # Several huge updates at once, while another table is written below.
            try:
                self.stratus.client("dynamodb").update_item(TableName=self.table, Key={"pk": S("k")},
                                                            UpdateExpression=big, ExpressionAttributeValues=values)
                results.append("ok")
            except botocore.exceptions.ClientError as e:
                results.append(e.response["Error"]["Code"])

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for t in threads:
            t.start()
        for i in range(20):
            self.ddb.put_item(TableName=self.other, Item={"pk": S(f"p{i}")})
        for t in threads:
            t.join(60)
        self.assertEqual(results, ["ValidationException"] * 3)
        msg = self.validation(self.ddb.update_item, TableName="no-such-table", Key={"pk": S("k")},
                              UpdateExpression=big, ExpressionAttributeValues=values)
        self.assertIn("Invalid UpdateExpression: Expression size has exceeded the maximum allowed size", msg)
        # The most actions 4 KB holds still work.
        ok = "SET " + ", ".join(f"a{i} = :v" for i in range(380))
        self.assertLessEqual(len(ok), 4096)
        self.ddb.update_item(TableName=self.table, Key={"pk": S("many")}, UpdateExpression=ok,
                             ExpressionAttributeValues=values)
        item = self.ddb.get_item(TableName=self.table, Key={"pk": S("many")})["Item"]
        self.assertEqual(len(item), 381)
        self.assert_alive()

    def test_update_cannot_nest_an_item_past_32_levels(self):
        # SET m.x = m nests one level per update; past 32 the item could not be read back.
        self.ddb.put_item(TableName=self.table, Item={"pk": S("nest"), "m": {"M": {}}})
        for _ in range(32):
            self.ddb.update_item(TableName=self.table, Key={"pk": S("nest")}, UpdateExpression="SET m.x = m")
        msg = self.validation(self.ddb.update_item, TableName=self.table, Key={"pk": S("nest")},
                              UpdateExpression="SET m.x = m")
        self.assertEqual(msg, "Nesting Levels have exceeded supported limits")
        self.assertIn("m", self.ddb.get_item(TableName=self.table, Key={"pk": S("nest")})["Item"])

    def test_transact_write_items_expressions_checked(self):
        values = {":v": S("x")}
        msg = self.validation(self.ddb.transact_write_items, TransactItems=[
            {"ConditionCheck": {"TableName": "no-such-table", "Key": {"pk": S("k")},
                                "ConditionExpression": "NOT " * 100000 + "a = :v", "ExpressionAttributeValues": values}}])
        self.assertIn("Invalid ConditionExpression: Expression size has exceeded", msg)
        self.assert_alive()


class DeepBodies(StratusTestCase):
    """Deep JSON and form bodies: the protocol's error, and the server keeps answering."""

    def dynamodb(self, body):
        return self.stratus.http("POST", "/", body=body, headers={
            "X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0"})

    def test_deep_json_body(self):
        n = 100000
        for body in ('{"TableName":"t","Item":{"a":{"L":' + "[" * n + "]" * n + "}}}",
                     '{"TableName":"t","Junk":' + '{"a":' * n + "1" + "}" * n + "}"):
            status, _, out = self.dynamodb(body.encode())
            self.assertEqual(status, 400)
            self.assertIn("SerializationException", json.loads(out)["__type"])
        status, _, _ = self.stratus.http("GET", "/_stratus/health")
        self.assertEqual(status, 200)

    def test_deep_query_parameters(self):
        name = "Attributes" + ".entry.1.value" * 5000
        status, _, out = self.stratus.http("POST", "/", body=f"Action=CreateTopic&Version=2010-03-31&Name=t&{name}=x".encode(),
                                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertIn(status, (400, 200))
        status, _, _ = self.stratus.http("GET", "/_stratus/health")
        self.assertEqual(status, 200)


class ApiGatewayParsers(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.stratus.client("apigateway")

    def test_openapi_billion_laughs_and_deep_yaml(self):
        laughs = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in range(1, 12):
            laughs += f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n"
        for doc in (laughs, "openapi: 3.0.0\na: " + "[" * 100000, '{"openapi":"3.0.0","a":' + "[" * 100000 + "]" * 100000 + "}"):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                self.apigw.import_rest_api(body=doc.encode())
            self.assertEqual(cm.exception.response["Error"]["Code"], "BadRequestException")
        self.assertIn("items", self.apigw.get_rest_apis())

    def test_mapping_template_nesting_values_in_a_loop(self):
        api = self.apigw.create_rest_api(name="deep")
        api_id, root = api["id"], api["rootResourceId"]
        self.apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                                   requestTemplates={"application/json": '{"statusCode": 200}'})
        self.apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
        template = ("#set($a = [])#foreach($i in [1..100000])#set($a = [$a])#end"
                    "#set($s = 1" + " + 1" * 5000 + ")done")
        self.apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                                            responseTemplates={"application/json": template})
        out = self.apigw.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="GET")
        self.assertIn(out["status"], (200, 500))
        # The server is still there and renders the next template.
        self.apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                                            responseTemplates={"application/json": "done"})
        out = self.apigw.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="GET")
        self.assertEqual(out["status"], 200)
        self.assertEqual(out["body"], "done")


class SnsFilterPolicies(StratusTestCase):
    def test_deep_filter_policy(self):
        sns = self.stratus.client("sns")
        sqs = self.stratus.client("sqs")
        topic = sns.create_topic(Name="deep")["TopicArn"]
        queue = sqs.create_queue(QueueName="deep")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)["SubscriptionArn"]
        for policy in ('{"a":' * 100000 + "[1]" + "}" * 100000,
                       '{"$or":' + '[{"a":[1]},{"$or":' * 20000 + '[{"a":[2]}]' + "]}" * 20000 + "}"):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=policy)
            self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameter")
        sns.publish(TopicArn=topic, Message="still here")


if __name__ == "__main__":
    unittest.main()
