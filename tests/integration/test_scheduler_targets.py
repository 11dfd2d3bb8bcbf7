"""EventBridge Scheduler's universal targets into a typed operation: a DynamoDB PutItem request as
the schedule's Input (its JSON converted by the operation's model), with a context attribute in it.
(In a file of its own: the README's compatibility table counts the calls of files naming a service.)"""
import json
import unittest

from harness import wait_until
from test_scheduler import Base, at_in


class UniversalTargets(Base):
    def test_universal_target_with_a_typed_request(self):
        ddb = self.stratus.client("dynamodb")
        ddb.create_table(TableName="sched-t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        item = {"TableName": "sched-t", "Item": {"pk": {"S": "<aws.scheduler.execution-id>"}, "n": {"N": "7"}}}
        self.create("ddb", at_in(2), "arn:aws:scheduler:::aws-sdk:dynamodb:putItem", target={"Input": json.dumps(item)})
        self.assertTrue(wait_until(lambda: ddb.scan(TableName="sched-t")["Count"] == 1, timeout=15))
        got = ddb.scan(TableName="sched-t")["Items"][0]
        self.assertEqual(got["n"], {"N": "7"})
        self.assertRegex(got["pk"]["S"], r"^[0-9a-z]{16}$")


if __name__ == "__main__":
    unittest.main()
