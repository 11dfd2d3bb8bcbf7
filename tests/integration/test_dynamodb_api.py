"""DynamoDB API surface through boto3: table ARNs wherever a TableName is taken, resource-based
policies (durable across kill -9), the table description fields current SDKs read, and the
documented limits and validation messages, checked before anything is read or written."""
import json
import unittest
import uuid

import botocore.exceptions

from harness import Stratus, StratusTestCase


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "dynamodb:GetItem", "Resource": "*"}]})


class Base(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")

    def make_table(self, range_key=False, **kw):
        name = "t-" + uuid.uuid4().hex[:12]
        keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
        attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
        if range_key:
            keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
            attrs.append({"AttributeName": "sk", "AttributeType": "S"})
        attrs += kw.pop("extra_attrs", [])
        if "ProvisionedThroughput" not in kw:
            kw.setdefault("BillingMode", "PAY_PER_REQUEST")
        d = self.ddb.create_table(TableName=kw.pop("TableName", name), KeySchema=keys,
                                  AttributeDefinitions=attrs, **kw)["TableDescription"]
        self.ddb.get_waiter("table_exists").wait(TableName=d["TableName"], WaiterConfig={"Delay": 1})
        return d["TableName"]

    def arn(self, name):
        return f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}"

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]

    def assertValidation(self, fn, message, **kw):
        err = self.error(fn, **kw)
        self.assertEqual(err["Code"], "ValidationException", err)
        self.assertEqual(err["Message"], message)


class TableArns(Base):
    def test_create_table_by_arn_names_the_table(self):
        name = "arn-" + uuid.uuid4().hex[:8]
        got = self.make_table(TableName=self.arn(name))
        self.assertEqual(got, name)
        t = self.ddb.describe_table(TableName=self.arn(name))["Table"]
        self.assertEqual(t["TableName"], name)
        self.assertEqual(t["TableArn"], self.arn(name))
        self.assertIn(name, self.ddb.list_tables()["TableNames"])

    def test_item_operations_take_the_arn(self):
        name = self.make_table(range_key=True)
        arn = self.arn(name)
        r = self.ddb.put_item(TableName=arn, Item={"pk": S("a"), "sk": S("1"), "v": N(1)},
                              ReturnConsumedCapacity="TOTAL")
        self.assertEqual(r["ConsumedCapacity"]["TableName"], arn)  # as documented: ARN in, ARN out
        self.assertEqual(self.ddb.get_item(TableName=arn, Key={"pk": S("a"), "sk": S("1")})["Item"]["v"], N(1))
        self.ddb.update_item(TableName=arn, Key={"pk": S("a"), "sk": S("1")}, UpdateExpression="SET v = :v",
                             ExpressionAttributeValues={":v": N(2)})
        q = self.ddb.query(TableName=arn, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("a")})
        self.assertEqual(q["Items"][0]["v"], N(2))
        self.assertEqual(self.ddb.scan(TableName=arn)["Count"], 1)
        r = self.ddb.get_item(TableName=name, Key={"pk": S("a"), "sk": S("1")}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(r["ConsumedCapacity"]["TableName"], name)
        self.ddb.delete_item(TableName=arn, Key={"pk": S("a"), "sk": S("1")})
        self.assertEqual(self.ddb.scan(TableName=name)["Count"], 0)

    def test_batches_keyed_by_arn(self):
        name = self.make_table()
        arn = self.arn(name)
        r = self.ddb.batch_write_item(RequestItems={arn: [{"PutRequest": {"Item": {"pk": S("x")}}},
                                                          {"PutRequest": {"Item": {"pk": S("y")}}}]},
                                      ReturnConsumedCapacity="TOTAL")
        self.assertEqual(r["ConsumedCapacity"][0]["TableName"], arn)
        got = self.ddb.batch_get_item(RequestItems={arn: {"Keys": [{"pk": S("x")}, {"pk": S("y")}]}},
                                      ReturnConsumedCapacity="TOTAL")
        self.assertEqual(sorted(i["pk"]["S"] for i in got["Responses"][arn]), ["x", "y"])
        self.assertEqual(got["ConsumedCapacity"][0]["TableName"], arn)

    def test_transactions_take_the_arn(self):
        name = self.make_table()
        arn = self.arn(name)
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": arn, "Item": {"pk": S("t1")}}},
            {"Update": {"TableName": arn, "Key": {"pk": S("t2")}, "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": N(5)}}}])
        got = self.ddb.transact_get_items(TransactItems=[{"Get": {"TableName": arn, "Key": {"pk": S("t2")}}}],
                                          ReturnConsumedCapacity="TOTAL")
        self.assertEqual(got["Responses"][0]["Item"]["v"], N(5))
        self.assertEqual(got["ConsumedCapacity"][0]["TableName"], arn)

    def test_control_plane_takes_the_arn(self):
        name = self.make_table()
        arn = self.arn(name)
        self.ddb.update_time_to_live(TableName=arn, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        self.assertEqual(self.ddb.describe_time_to_live(TableName=arn)["TimeToLiveDescription"]["TimeToLiveStatus"],
                         "ENABLED")
        # one change of the TTL setting per hour
        err = self.error(self.ddb.update_time_to_live, TableName=arn,
                         TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
        self.assertEqual(err["Message"], "Time to live has been modified multiple times within a fixed interval")
        self.ddb.update_table(TableName=arn, DeletionProtectionEnabled=False)
        self.assertEqual(
            self.ddb.describe_continuous_backups(TableName=arn)["ContinuousBackupsDescription"]
            ["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "DISABLED")
        self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"], [{"Key": "k", "Value": "v"}])
        b = self.ddb.create_backup(TableName=arn, BackupName="bk1")["BackupDetails"]
        self.ddb.delete_backup(BackupArn=b["BackupArn"])
        self.assertEqual(self.ddb.delete_table(TableName=arn)["TableDescription"]["TableName"], name)

    def test_malformed_arn_and_other_account(self):
        bad = "arn:aws:dynamodb:us-east-1:000000000000:stream/x"
        err = self.error(self.ddb.describe_table, TableName=bad)
        self.assertEqual(err["Code"], "ValidationException")
        other = "arn:aws:dynamodb:us-east-1:111122223333:table/nothere"
        self.assertEqual(self.error(self.ddb.describe_table, TableName=other)["Code"], "ResourceNotFoundException")


class ResourcePolicies(Base):
    def test_put_get_delete_with_revisions(self):
        name = self.make_table()
        arn = self.arn(name)
        err = self.error(self.ddb.get_resource_policy, ResourceArn=arn)
        self.assertEqual(err["Code"], "PolicyNotFoundException")
        rev = self.ddb.put_resource_policy(ResourceArn=arn, Policy=POLICY)["RevisionId"]
        got = self.ddb.get_resource_policy(ResourceArn=arn)
        self.assertEqual((got["Policy"], got["RevisionId"]), (POLICY, rev))
        # the same document keeps its revision
        self.assertEqual(self.ddb.put_resource_policy(ResourceArn=arn, Policy=POLICY)["RevisionId"], rev)
        # ExpectedRevisionId must match; NO_POLICY only creates
        err = self.error(self.ddb.put_resource_policy, ResourceArn=arn, Policy=POLICY.replace("GetItem", "Query"),
                         ExpectedRevisionId="123")
        self.assertEqual(err["Code"], "PolicyNotFoundException")
        err = self.error(self.ddb.put_resource_policy, ResourceArn=arn, Policy=POLICY, ExpectedRevisionId="NO_POLICY")
        self.assertEqual(err["Code"], "PolicyNotFoundException")
        rev2 = self.ddb.put_resource_policy(ResourceArn=arn, Policy=POLICY.replace("GetItem", "Query"),
                                            ExpectedRevisionId=rev)["RevisionId"]
        self.assertNotEqual(rev2, rev)
        err = self.error(self.ddb.delete_resource_policy, ResourceArn=arn, ExpectedRevisionId=rev)
        self.assertEqual(err["Code"], "PolicyNotFoundException")
        self.assertEqual(self.ddb.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId=rev2)["RevisionId"], rev2)
        self.assertEqual(self.error(self.ddb.get_resource_policy, ResourceArn=arn)["Code"], "PolicyNotFoundException")
        # deleting again: no error, no revision; with an expected revision: not found
        self.assertNotIn("RevisionId", self.ddb.delete_resource_policy(ResourceArn=arn))
        err = self.error(self.ddb.delete_resource_policy, ResourceArn=arn, ExpectedRevisionId=rev2)
        self.assertEqual(err["Code"], "PolicyNotFoundException")
        rev3 = self.ddb.put_resource_policy(ResourceArn=arn, Policy=POLICY, ExpectedRevisionId="NO_POLICY")["RevisionId"]
        self.assertTrue(rev3)

    def test_create_table_with_policy_and_errors(self):
        name = self.make_table(ResourcePolicy=POLICY)
        self.assertEqual(self.ddb.get_resource_policy(ResourceArn=self.arn(name))["Policy"], POLICY)
        missing = self.arn("no-such-table")
        self.assertEqual(self.error(self.ddb.get_resource_policy, ResourceArn=missing)["Code"],
                         "ResourceNotFoundException")
        self.assertEqual(self.error(self.ddb.put_resource_policy, ResourceArn=missing, Policy=POLICY)["Code"],
                         "ResourceNotFoundException")
        err = self.error(self.ddb.put_resource_policy, ResourceArn=self.arn(name), Policy="{not json")
        self.assertEqual(err["Code"], "ValidationException")
        big = json.dumps({"Version": "2012-10-17", "Statement": [], "Pad": "x" * 21000})
        err = self.error(self.ddb.put_resource_policy, ResourceArn=self.arn(name), Policy=big)
        self.assertEqual(err["Code"], "ValidationException")

    def test_restored_table_has_no_policy(self):
        name = self.make_table(ResourcePolicy=POLICY)
        backup = self.ddb.create_backup(TableName=name, BackupName="with-policy")["BackupDetails"]["BackupArn"]
        self.ddb.restore_table_from_backup(TargetTableName=name + "-r", BackupArn=backup)
        self.ddb.get_waiter("table_exists").wait(TableName=name + "-r", WaiterConfig={"Delay": 1})
        self.assertEqual(self.error(self.ddb.get_resource_policy, ResourceArn=self.arn(name + "-r"))["Code"],
                         "PolicyNotFoundException")

    def test_stream_policy(self):
        name = self.make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        stream = self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        rev = self.ddb.put_resource_policy(ResourceArn=stream, Policy=POLICY)["RevisionId"]
        self.assertEqual(self.ddb.get_resource_policy(ResourceArn=stream)["RevisionId"], rev)
        # the table's own policy is separate
        self.assertEqual(self.error(self.ddb.get_resource_policy, ResourceArn=self.arn(name))["Code"],
                         "PolicyNotFoundException")


class PolicyDurability(unittest.TestCase):
    def test_policy_survives_kill_9(self):
        s = Stratus().start()
        try:
            ddb = s.client("dynamodb")
            ddb.create_table(TableName="durable-pol", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST")
            arn = "arn:aws:dynamodb:us-east-1:000000000000:table/durable-pol"
            rev = ddb.put_resource_policy(ResourceArn=arn, Policy=POLICY)["RevisionId"]
            s.kill9()
            s.start()
            ddb = s.client("dynamodb")
            got = ddb.get_resource_policy(ResourceArn=arn)
            self.assertEqual((got["Policy"], got["RevisionId"]), (POLICY, rev))
        finally:
            s.cleanup()


class Descriptions(Base):
    def test_on_demand_table_fields(self):
        name = self.make_table(
            extra_attrs=[{"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "gix", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
            OnDemandThroughput={"MaxReadRequestUnits": 100})
        t = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(t["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        self.assertEqual(t["OnDemandThroughput"], {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": -1})
        self.assertEqual(t["WarmThroughput"], {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000,
                                               "Status": "ACTIVE"})
        self.assertIs(t["DeletionProtectionEnabled"], False)
        g = t["GlobalSecondaryIndexes"][0]
        self.assertEqual(g["IndexArn"], self.arn(name) + "/index/gix")
        self.assertEqual(g["WarmThroughput"]["Status"], "ACTIVE")
        self.assertEqual(g["OnDemandThroughput"], {"MaxReadRequestUnits": -1, "MaxWriteRequestUnits": -1})
        self.ddb.update_table(TableName=name, OnDemandThroughput={"MaxReadRequestUnits": -1, "MaxWriteRequestUnits": 50},
                              WarmThroughput={"ReadUnitsPerSecond": 15000})
        t = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(t["OnDemandThroughput"], {"MaxReadRequestUnits": -1, "MaxWriteRequestUnits": 50})
        self.assertEqual(t["WarmThroughput"]["ReadUnitsPerSecond"], 15000)
        err = self.error(self.ddb.update_table, TableName=name, WarmThroughput={"ReadUnitsPerSecond": 13000})
        self.assertEqual(err["Code"], "ValidationException")  # warm throughput is never lowered
        err = self.error(self.ddb.update_table, TableName=name, OnDemandThroughput={})
        self.assertEqual(err["Code"], "ValidationException")

    def test_billing_mode_summary_follows_changes(self):
        name = self.make_table(ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
        t = self.ddb.describe_table(TableName=name)["Table"]
        self.assertNotIn("BillingModeSummary", t)  # never on demand yet
        self.assertNotIn("OnDemandThroughput", t)
        self.assertIn("WarmThroughput", t)
        self.ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
        t = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(t["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        switched = t["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"]
        self.assertGreaterEqual(switched, t["CreationDateTime"])
        self.ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                              ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 3})
        t = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(t["BillingModeSummary"],
                         {"BillingMode": "PROVISIONED", "LastUpdateToPayPerRequestDateTime": switched})
        self.assertEqual(t["ProvisionedThroughput"]["ReadCapacityUnits"], 3)

    def test_table_class_sse_and_protection(self):
        name = self.make_table(TableClass="STANDARD_INFREQUENT_ACCESS", SSESpecification={"Enabled": True},
                               DeletionProtectionEnabled=True)
        t = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(t["TableClassSummary"]["TableClass"], "STANDARD_INFREQUENT_ACCESS")
        self.assertEqual(t["SSEDescription"]["Status"], "ENABLED")
        self.assertIs(t["DeletionProtectionEnabled"], True)
        self.assertEqual(self.error(self.ddb.delete_table, TableName=name)["Code"], "ValidationException")
        self.ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
        self.ddb.delete_table(TableName=name)

    def test_describe_limits_and_continuous_backups(self):
        lim = self.ddb.describe_limits()
        lim.pop("ResponseMetadata")
        self.assertEqual(lim, {"AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000,
                               "TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000})
        name = self.make_table()
        d = self.ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        self.assertEqual(d["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "DISABLED")

    def test_import_and_export_answer_not_implemented(self):
        err = self.error(self.ddb.export_table_to_point_in_time, TableArn=self.arn("x-table"), S3Bucket="b")
        self.assertEqual(err["Code"], "NotImplemented")
        self.assertIn("ExportTableToPointInTime", err["Message"])
        err = self.error(self.ddb.import_table, S3BucketSource={"S3Bucket": "b"}, InputFormat="CSV",
                         TableCreationParameters={
                             "TableName": "imp", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
                             "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}],
                             "BillingMode": "PAY_PER_REQUEST"})
        self.assertEqual(err["Code"], "NotImplemented")


class Names(Base):
    def test_table_and_index_names(self):
        keys = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST"}
        self.assertValidation(self.ddb.create_table, "1 validation error detected: Value 'ab' at 'tableName' "
                              "failed to satisfy constraint: Member must have length greater than or equal to 3",
                              TableName="ab", **keys)
        self.assertValidation(self.ddb.create_table, "1 validation error detected: Value 'a b' at 'tableName' "
                              "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                              "[a-zA-Z0-9_.-]+", TableName="a b", **keys)
        long = "x" * 256
        self.assertValidation(self.ddb.create_table, f"1 validation error detected: Value '{long}' at 'tableName' "
                              "failed to satisfy constraint: Member must have length less than or equal to 255",
                              TableName=self.arn(long), **keys)
        self.assertEqual(self.error(self.ddb.describe_table, TableName=self.arn("a%b"))["Code"], "ValidationException")
        # a plain name that cannot exist is simply not found
        self.assertEqual(self.error(self.ddb.get_item, TableName="ab", Key={"pk": S("a")})["Code"],
                         "ResourceNotFoundException")
        idx = dict(keys, AttributeDefinitions=keys["AttributeDefinitions"] + [{"AttributeName": "g", "AttributeType": "S"}])
        err = self.error(self.ddb.update_table, TableName=self.make_table(),
                         AttributeDefinitions=idx["AttributeDefinitions"],
                         GlobalSecondaryIndexUpdates=[{"Create": {
                             "IndexName": "bad name", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "ALL"}}}])
        self.assertEqual(err["Code"], "ValidationException")
        self.ddb.create_table(TableName="x" * 255, **keys)

    def test_tags(self):
        name = self.make_table()
        arn = self.arn(name)
        for tag in ({"Key": "a*b", "Value": "v"}, {"Key": "k", "Value": "v#"}, {"Key": "aws:x", "Value": "v"}):
            self.assertEqual(self.error(self.ddb.tag_resource, ResourceArn=arn, Tags=[tag])["Code"],
                             "ValidationException", tag)
        self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a b+-=._:/@", "Value": ""}])
        self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
        err = self.error(self.ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "one-too-many", "Value": "v"}])
        self.assertEqual(err["Code"], "LimitExceededException")


class Limits(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.t = "lim-" + uuid.uuid4().hex[:8]
        cls.ddb.create_table(TableName=cls.t, BillingMode="PAY_PER_REQUEST",
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                        {"AttributeName": "sk", "KeyType": "RANGE"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                   {"AttributeName": "sk", "AttributeType": "S"},
                                                   {"AttributeName": "g", "AttributeType": "S"}],
                             GlobalSecondaryIndexes=[{"IndexName": "by-g",
                                                      "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                      "Projection": {"ProjectionType": "KEYS_ONLY"}}])

    def key(self):
        return {"pk": S("a"), "sk": S("1")}

    def test_key_sizes(self):
        self.assertValidation(self.ddb.put_item, "One or more parameter values were invalid: Size of hashkey has "
                              "exceeded the maximum size limit of2048 bytes",
                              TableName=self.t, Item={"pk": S("p" * 2049), "sk": S("1")})
        self.assertValidation(self.ddb.put_item, "One or more parameter values were invalid: Aggregated size of all "
                              "range keys has exceeded the size limit of 1024 bytes",
                              TableName=self.t, Item={"pk": S("p"), "sk": S("s" * 1025)})
        self.ddb.put_item(TableName=self.t, Item={"pk": S("p" * 2048), "sk": S("s" * 1024)})

    def test_expression_length_and_nesting(self):
        long = "attribute_exists(a)" + " AND attribute_exists(a)" * 200
        self.assertGreater(len(long), 4096)
        err = self.error(self.ddb.put_item, TableName=self.t, Item=self.key(), ConditionExpression=long)
        self.assertEqual(err["Code"], "ValidationException")
        self.assertIn("Expression size has exceeded the maximum allowed size", err["Message"])
        deep = "a" + ".b" * 32
        err = self.error(self.ddb.get_item, TableName=self.t, Key=self.key(), ProjectionExpression=deep)
        self.assertIn("nesting levels", err["Message"])

    def test_expression_attribute_maps(self):
        self.assertValidation(self.ddb.get_item, "ExpressionAttributeNames must not be empty",
                              TableName=self.t, Key=self.key(), ProjectionExpression="pk",
                              ExpressionAttributeNames={})
        self.assertValidation(self.ddb.put_item, "ExpressionAttributeValues must not be empty",
                              TableName=self.t, Item=self.key(), ConditionExpression="attribute_exists(pk)",
                              ExpressionAttributeValues={})
        self.assertValidation(self.ddb.put_item, "Value provided in ExpressionAttributeValues unused in "
                              "expressions: keys: {:u}", TableName=self.t, Item=self.key(),
                              ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":u": N(1)})
        self.assertValidation(self.ddb.get_item, "Value provided in ExpressionAttributeNames unused in "
                              "expressions: keys: {#n}", TableName=self.t, Key=self.key(),
                              ProjectionExpression="pk", ExpressionAttributeNames={"#n": "x"})
        self.assertValidation(self.ddb.update_item, "Invalid UpdateExpression: An expression attribute value used "
                              "in expression is not defined; attribute value: :v", TableName=self.t,
                              Key=self.key(), UpdateExpression="SET a = :v")
        self.assertValidation(self.ddb.update_item, "Invalid UpdateExpression: An expression attribute name used "
                              "in the document path is not defined; attribute name: #a", TableName=self.t,
                              Key=self.key(), UpdateExpression="SET #a = :v", ExpressionAttributeValues={":v": N(1)})

    def test_substitution_variables_limit(self):
        values = {f":v{i}": S("x" * 300_000) for i in range(7)}  # 2.1 MB of values
        cond = " OR ".join(f"a = :v{i}" for i in range(7))
        self.assertValidation(self.ddb.put_item, "ExpressionAttributeNames and ExpressionAttributeValues exceed "
                              "the maximum size of 2 MB", TableName=self.t, Item=self.key(),
                              ConditionExpression=cond, ExpressionAttributeValues=values)

    def test_overlapping_paths_and_parentheses(self):
        self.assertValidation(self.ddb.update_item, "Invalid UpdateExpression: Two document paths overlap with "
                              "each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
                              TableName=self.t, Key=self.key(), UpdateExpression="SET a = :v, a.b = :v",
                              ExpressionAttributeValues={":v": N(1)})
        self.assertValidation(self.ddb.get_item, "Invalid ProjectionExpression: Two document paths overlap with "
                              "each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
                              TableName=self.t, Key=self.key(), ProjectionExpression="a, a")
        err = self.error(self.ddb.put_item, TableName=self.t, Item=self.key(),
                         ConditionExpression="((attribute_exists(pk)))")
        self.assertEqual(err["Message"], "Invalid ConditionExpression: The expression has redundant parentheses;")

    def test_key_conditions_and_start_keys(self):
        self.assertValidation(self.ddb.query, "Query condition missed key schema element: pk", TableName=self.t,
                              KeyConditionExpression="oth = :v", ExpressionAttributeValues={":v": S("x")})
        err = self.error(self.ddb.query, TableName=self.t, KeyConditionExpression="pk = :v AND oth = :w",
                         ExpressionAttributeValues={":v": S("x"), ":w": S("y")})
        self.assertEqual(err["Code"], "ValidationException")
        self.assertValidation(self.ddb.query, "The provided starting key is invalid: The provided key element does "
                              "not match the schema", TableName=self.t, KeyConditionExpression="pk = :v",
                              ExpressionAttributeValues={":v": S("x")},
                              ExclusiveStartKey={"pk": S("x"), "sk": S("1"), "extra": S("no")})
        self.assertValidation(self.ddb.scan, "The provided starting key is invalid: The provided key element does "
                              "not match the schema", TableName=self.t, ExclusiveStartKey={"pk": S("x")})

    def test_empty_string_in_index_key(self):
        self.assertValidation(self.ddb.put_item, "One or more parameter values are not valid. A value specified for "
                              "a secondary index key is not supported. The AttributeValue for a key attribute cannot "
                              "contain an empty string value. IndexName: by-g, IndexKey: g",
                              TableName=self.t, Item={"pk": S("a"), "sk": S("1"), "g": S("")})

    def test_select_and_return_values(self):
        self.assertValidation(self.ddb.query, "One or more parameter values were invalid: Select type "
                              "ALL_PROJECTED_ATTRIBUTES is supported only for index queries", TableName=self.t,
                              KeyConditionExpression="pk = :v", ExpressionAttributeValues={":v": S("x")},
                              Select="ALL_PROJECTED_ATTRIBUTES")
        err = self.error(self.ddb.query, TableName=self.t, KeyConditionExpression="pk = :v",
                         ExpressionAttributeValues={":v": S("x")}, Select="COUNT", ProjectionExpression="pk")
        self.assertEqual(err["Code"], "ValidationException")
        self.assertValidation(self.ddb.put_item, "Return values set to invalid value", TableName=self.t,
                              Item=self.key(), ReturnValues="ALL_NEW")
        self.assertValidation(self.ddb.delete_item, "Return values set to invalid value", TableName=self.t,
                              Key=self.key(), ReturnValues="UPDATED_OLD")

    def test_nested_list_paths(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("l"), "sk": S("1"), "lst": {"L": [N(1)]}})
        key = {"pk": S("l"), "sk": S("1")}
        self.assertValidation(self.ddb.update_item, "The document path provided in the update expression is "
                              "invalid for update", TableName=self.t, Key=key,
                              UpdateExpression="SET lst[0].x = :v", ExpressionAttributeValues={":v": N(1)})
        self.assertValidation(self.ddb.update_item, "The document path provided in the update expression is "
                              "invalid for update", TableName=self.t, Key=key,
                              UpdateExpression="SET nomap.x = :v", ExpressionAttributeValues={":v": N(1)})

    def test_remove_through_a_wrong_type(self):
        self.ddb.put_item(TableName=self.t, Item={"pk": S("r"), "sk": S("1"), "lst": {"L": [N(1)]}})
        key = {"pk": S("r"), "sk": S("1")}
        self.assertValidation(self.ddb.update_item, "The document path provided in the update expression is "
                              "invalid for update", TableName=self.t, Key=key, UpdateExpression="REMOVE lst.x")
        self.assertValidation(self.ddb.update_item, "The document path provided in the update expression is "
                              "invalid for update", TableName=self.t, Key=key, UpdateExpression="REMOVE lst[0][1]")
        self.ddb.update_item(TableName=self.t, Key=key, UpdateExpression="REMOVE lst[5]")  # past the end: no-op
        self.assertEqual(self.ddb.get_item(TableName=self.t, Key=key)["Item"]["lst"], {"L": [N(1)]})

    def test_index_quotas(self):
        attrs = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]
        lsis = []
        for i in range(6):
            attrs.append({"AttributeName": f"l{i}", "AttributeType": "S"})
            lsis.append({"IndexName": f"lsi{i}", "Projection": {"ProjectionType": "KEYS_ONLY"},
                         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                       {"AttributeName": f"l{i}", "KeyType": "RANGE"}]})
        self.assertValidation(self.ddb.create_table, "One or more parameter values were invalid: Number of "
                              "LocalSecondaryIndexes exceeds per-table limit of 5", TableName="too-many-lsi",
                              BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attrs, LocalSecondaryIndexes=lsis,
                              KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                         {"AttributeName": "sk", "KeyType": "RANGE"}])
        gsi = lambda n: {"Create": {"IndexName": n, "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": "ALL"}}}
        err = self.error(self.ddb.update_table, TableName=self.t,
                         AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                         GlobalSecondaryIndexUpdates=[gsi("two-a"), gsi("two-b")])
        self.assertEqual(err["Code"], "LimitExceededException")
        self.assertEqual(err["Message"], "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                         "simultaneously per table")

    def test_validation_comes_before_reads(self):
        # a missing table and a bad expression: the expression is reported first
        err = self.error(self.ddb.get_item, TableName="no-such-table", Key=self.key(),
                         ProjectionExpression="a, a")
        self.assertEqual(err["Code"], "ValidationException")
        for fn, kw in [(self.ddb.query, {"KeyConditionExpression": "pk = :v", "ProjectionExpression": "a, a",
                                         "ExpressionAttributeValues": {":v": S("x")}}),
                       (self.ddb.scan, {"ProjectionExpression": "a, a"}),
                       (self.ddb.scan, {"FilterExpression": "a = :undefined"}),
                       (self.ddb.update_item, {"Key": self.key(), "UpdateExpression": "SET a = :v, a = :v",
                                               "ExpressionAttributeValues": {":v": N(1)}}),
                       (self.ddb.delete_item, {"Key": self.key(), "ConditionExpression": "a = :undefined"})]:
            err = self.error(fn, TableName="no-such-table", **kw)
            self.assertEqual(err["Code"], "ValidationException", (fn, kw, err))
        err = self.error(self.ddb.batch_get_item, RequestItems={"no-such-table": {
            "Keys": [self.key()], "ProjectionExpression": "a, a"}})
        self.assertEqual(err["Code"], "ValidationException")
        err = self.error(self.ddb.batch_get_item, RequestItems={self.t: {
            "Keys": [self.key()], "ProjectionExpression": "a" + ".b" * 40}})
        self.assertIn("The document path has too many nesting levels", err["Message"])
        err = self.error(self.ddb.transact_write_items, TransactItems=[{"Update": {
            "TableName": "no-such-table", "Key": self.key(), "UpdateExpression": "SET a = :undefined"}}])
        self.assertEqual(err["Code"], "ValidationException")


if __name__ == "__main__":
    unittest.main()
