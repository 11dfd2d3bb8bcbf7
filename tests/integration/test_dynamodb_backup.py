"""DynamoDB on-demand backups and point-in-time recovery through boto3: a backup is the table as it
was when taken (whatever changes later, even after the table is deleted); restores honour the
overrides; ListBackups filters and pages; PITR restores the table as of any time in the window;
errors as AWS names them; backups and PITR history survive kill -9."""
import time
import unittest
import uuid

from harness import Stratus, StratusTestCase, error_code


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


def make_table(ddb, indexes=True):
    name = "bk-" + uuid.uuid4().hex[:10]
    kw = {}
    if indexes:
        kw["GlobalSecondaryIndexes"] = [{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                         "Projection": {"ProjectionType": "ALL"},
                                         "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}]
        kw["LocalSecondaryIndexes"] = [{"IndexName": "byl", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                          {"AttributeName": "l", "KeyType": "RANGE"}],
                                        "Projection": {"ProjectionType": "KEYS_ONLY"}}]
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]
        + ([{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "N"}] if indexes else []),
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}, **kw)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return name


def items(ddb, name):
    out = ddb.scan(TableName=name, ConsistentRead=True)["Items"]
    return sorted((i["pk"]["S"], i["sk"]["S"], i.get("v", {}).get("N")) for i in out)



def fill(ddb, name, n=5, v=1):
    for i in range(n):
        ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S(f"s{i}"), "v": N(v), "g": S("x"), "l": N(i)})


def mutate(ddb, name):
    ddb.update_item(TableName=name, Key={"pk": S("p"), "sk": S("s0")}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": N(99)})
    ddb.update_item(TableName=name, Key={"pk": S("p"), "sk": S("s0")}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": N(100)})
    ddb.delete_item(TableName=name, Key={"pk": S("p"), "sk": S("s1")})
    ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("new"), "v": N(7), "g": S("x"), "l": N(50)})


class Backups(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")

    def test_restore_is_the_table_when_backed_up(self):
        name = make_table(self.ddb)
        fill(self.ddb, name)
        before = items(self.ddb, name)
        b = self.ddb.create_backup(TableName=name, BackupName="first")["BackupDetails"]
        self.assertEqual(b["BackupName"], "first")
        self.assertEqual(b["BackupType"], "USER")
        self.assertIn(b["BackupStatus"], ("CREATING", "AVAILABLE"))
        self.assertTrue(b["BackupArn"].startswith(f"arn:aws:dynamodb:us-east-1:") and f":table/{name}/backup/" in b["BackupArn"])
        mutate(self.ddb, name)
        self.assertNotEqual(items(self.ddb, name), before)

        target = name + "-r"
        t = self.ddb.restore_table_from_backup(TargetTableName=target, BackupArn=b["BackupArn"])["TableDescription"]
        self.assertEqual(t["TableName"], target)
        self.assertEqual(t["RestoreSummary"]["SourceBackupArn"], b["BackupArn"])
        self.ddb.get_waiter("table_exists").wait(TableName=target, WaiterConfig={"Delay": 1})
        self.assertEqual(items(self.ddb, target), before)
        desc = self.ddb.describe_table(TableName=target)["Table"]
        self.assertEqual(desc["ItemCount"], 5)
        self.assertFalse(desc["RestoreSummary"]["RestoreInProgress"])
        self.assertEqual([g["IndexName"] for g in desc["GlobalSecondaryIndexes"]], ["byg"])
        self.assertEqual([l["IndexName"] for l in desc["LocalSecondaryIndexes"]], ["byl"])
        gsi = self.ddb.query(TableName=target, IndexName="byg", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": S("x")})["Items"]
        self.assertEqual(sorted(i["sk"]["S"] for i in gsi), ["s0", "s1", "s2", "s3", "s4"])
        lsi = self.ddb.query(TableName=target, IndexName="byl", KeyConditionExpression="pk = :p AND l >= :l",
                             ExpressionAttributeValues={":p": S("p"), ":l": N(3)})["Items"]
        self.assertEqual(sorted(i["sk"]["S"] for i in lsi), ["s3", "s4"])
        # The restored table is independent of the source.
        self.ddb.put_item(TableName=target, Item={"pk": S("p"), "sk": S("only-target")})
        self.assertNotIn(("p", "only-target", None), items(self.ddb, name))
        # A second backup after the changes restores the changed state.
        b2 = self.ddb.create_backup(TableName=name, BackupName="second")["BackupDetails"]
        self.ddb.delete_item(TableName=name, Key={"pk": S("p"), "sk": S("s2")})
        after = self.ddb.restore_table_from_backup(TargetTableName=name + "-r2", BackupArn=b2["BackupArn"])
        self.assertEqual(items(self.ddb, name + "-r2"),
                         [("p", "new", "7"), ("p", "s0", "100"), ("p", "s2", "1"), ("p", "s3", "1"), ("p", "s4", "1")])
        self.assertEqual(after["TableDescription"]["TableName"], name + "-r2")

    def test_describe_list_delete(self):
        name = make_table(self.ddb, indexes=False)
        fill(self.ddb, name, 3)
        arns = [self.ddb.create_backup(TableName=name, BackupName=f"bk{i}")["BackupDetails"]["BackupArn"] for i in range(3)]
        d = self.ddb.describe_backup(BackupArn=arns[0])["BackupDescription"]
        self.assertEqual(d["BackupDetails"]["BackupArn"], arns[0])
        self.assertEqual(d["BackupDetails"]["BackupStatus"], "AVAILABLE")
        self.assertEqual(d["SourceTableDetails"]["TableName"], name)
        self.assertEqual(d["SourceTableDetails"]["ItemCount"], 3)
        self.assertEqual(d["SourceTableDetails"]["KeySchema"][0], {"AttributeName": "pk", "KeyType": "HASH"})
        self.assertEqual(d["SourceTableDetails"]["ProvisionedThroughput"]["ReadCapacityUnits"], 5)

        listed = self.ddb.list_backups(TableName=name)["BackupSummaries"]
        self.assertEqual(sorted(b["BackupArn"] for b in listed), sorted(arns))
        self.assertTrue(all(b["TableName"] == name and b["BackupType"] == "USER" for b in listed))
        self.assertEqual(len(self.ddb.list_backups(TableName=name, BackupType="ALL")["BackupSummaries"]), 3)
        self.assertEqual(self.ddb.list_backups(TableName=name, BackupType="SYSTEM")["BackupSummaries"], [])
        created = sorted(b["BackupCreationDateTime"] for b in listed)
        self.assertEqual(self.ddb.list_backups(TableName=name, TimeRangeUpperBound=created[0])["BackupSummaries"], [])
        self.assertEqual(len(self.ddb.list_backups(TableName=name, TimeRangeLowerBound=created[0])["BackupSummaries"]), 3)
        # Pages of one.
        seen, start = [], None
        while True:
            kw = {"ExclusiveStartBackupArn": start} if start else {}
            page = self.ddb.list_backups(TableName=name, Limit=1, **kw)
            seen += [b["BackupArn"] for b in page["BackupSummaries"]]
            start = page.get("LastEvaluatedBackupArn")
            if not start:
                break
        self.assertEqual(sorted(seen), sorted(arns))
        # The table ARN is accepted too.
        arn = self.ddb.describe_table(TableName=name)["Table"]["TableArn"]
        self.assertEqual(len(self.ddb.list_backups(TableName=arn)["BackupSummaries"]), 3)

        gone = self.ddb.delete_backup(BackupArn=arns[1])["BackupDescription"]
        self.assertEqual(gone["BackupDetails"]["BackupStatus"], "DELETED")
        self.assertEqual(len(self.ddb.list_backups(TableName=name)["BackupSummaries"]), 2)
        self.assertEqual(error_code(lambda: self.ddb.describe_backup(BackupArn=arns[1])), "BackupNotFoundException")
        self.assertEqual(error_code(lambda: self.ddb.delete_backup(BackupArn=arns[1])), "BackupNotFoundException")
        self.assertEqual(error_code(lambda: self.ddb.restore_table_from_backup(TargetTableName=name + "-x", BackupArn=arns[1])),
                         "BackupNotFoundException")

    def test_backup_outlives_its_table(self):
        name = make_table(self.ddb)
        fill(self.ddb, name, 4)
        before = items(self.ddb, name)
        arn = self.ddb.create_backup(TableName=name, BackupName="keep")["BackupDetails"]["BackupArn"]
        mutate(self.ddb, name)
        self.ddb.delete_table(TableName=name)
        self.ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        self.assertEqual(len(self.ddb.list_backups(TableName=name)["BackupSummaries"]), 1)
        # The name is free again: a new table of that name is unrelated to the backup.
        make_again = self.ddb.create_table(
            TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        self.assertEqual(make_again["TableDescription"]["ItemCount"], 0)
        self.ddb.restore_table_from_backup(TargetTableName=name + "-back", BackupArn=arn)
        self.assertEqual(items(self.ddb, name + "-back"), before)
        self.ddb.delete_backup(BackupArn=arn)
        self.assertEqual(items(self.ddb, name + "-back"), before)

    def test_overrides(self):
        name = make_table(self.ddb)
        fill(self.ddb, name, 2)
        arn = self.ddb.create_backup(TableName=name, BackupName="ovr")["BackupDetails"]["BackupArn"]
        t = self.ddb.restore_table_from_backup(
            TargetTableName=name + "-ppr", BackupArn=arn, BillingModeOverride="PAY_PER_REQUEST",
            GlobalSecondaryIndexOverride=[], LocalSecondaryIndexOverride=[],
            SSESpecificationOverride={"Enabled": True, "SSEType": "KMS"})["TableDescription"]
        desc = self.ddb.describe_table(TableName=name + "-ppr")["Table"]
        self.assertEqual(desc["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        self.assertNotIn("GlobalSecondaryIndexes", desc)
        self.assertNotIn("LocalSecondaryIndexes", desc)
        self.assertEqual(desc["SSEDescription"]["Status"], "ENABLED")
        self.assertEqual(t["TableName"], name + "-ppr")
        self.assertEqual(len(items(self.ddb, name + "-ppr")), 2)

        self.ddb.restore_table_from_backup(
            TargetTableName=name + "-prov", BackupArn=arn,
            ProvisionedThroughputOverride={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
            GlobalSecondaryIndexOverride=[{"IndexName": "byl2", "KeySchema": [{"AttributeName": "l", "KeyType": "HASH"}],
                                           "Projection": {"ProjectionType": "KEYS_ONLY"},
                                           "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}])
        desc = self.ddb.describe_table(TableName=name + "-prov")["Table"]
        self.assertEqual(desc["ProvisionedThroughput"]["ReadCapacityUnits"], 7)
        self.assertEqual(desc["ProvisionedThroughput"]["WriteCapacityUnits"], 3)
        self.assertEqual([g["IndexName"] for g in desc["GlobalSecondaryIndexes"]], ["byl2"])
        got = self.ddb.query(TableName=name + "-prov", IndexName="byl2", KeyConditionExpression="l = :l",
                             ExpressionAttributeValues={":l": N(1)})["Items"]
        self.assertEqual([i["sk"]["S"] for i in got], ["s1"])

    def test_errors(self):
        name = make_table(self.ddb, indexes=False)
        self.assertEqual(error_code(lambda: self.ddb.create_backup(TableName=name + "-none", BackupName="xx1")),
                         "TableNotFoundException")
        arn = self.ddb.create_backup(TableName=name, BackupName="err1")["BackupDetails"]["BackupArn"]
        self.assertEqual(error_code(lambda: self.ddb.restore_table_from_backup(TargetTableName=name, BackupArn=arn)),
                         "TableAlreadyExistsException")
        self.assertEqual(error_code(lambda: self.ddb.describe_backup(BackupArn=arn[:-3] + "000")), "BackupNotFoundException")
        self.assertEqual(error_code(lambda: self.ddb.describe_continuous_backups(TableName=name + "-none")),
                         "TableNotFoundException")
        self.assertEqual(error_code(lambda: self.ddb.create_backup(TableName=name, BackupName="no spaces allowed")),
                         "ValidationException")


class PointInTime(StratusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = cls.stratus.client("dynamodb")

    def latest(self, name):
        d = self.ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        return d["PointInTimeRecoveryDescription"]["LatestRestorableDateTime"]

    def test_restore_to_point_in_time(self):
        name = make_table(self.ddb)
        d = self.ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        self.assertEqual(d["ContinuousBackupsStatus"], "ENABLED")
        self.assertEqual(d["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "DISABLED")
        self.assertEqual(error_code(lambda: self.ddb.restore_table_to_point_in_time(
            SourceTableName=name, TargetTableName=name + "-x", UseLatestRestorableTime=True)),
            "PointInTimeRecoveryUnavailableException")

        fill(self.ddb, name, 3, v=1)  # before PITR: part of every restorable state
        out = self.ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        p = out["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        self.assertEqual(p["PointInTimeRecoveryStatus"], "ENABLED")
        earliest = p["EarliestRestorableDateTime"]
        # Clients send RestoreDateTime in whole seconds: states a second apart.
        time.sleep(1.1)
        fill(self.ddb, name, 5, v=2)
        time.sleep(1.1)
        t1 = self.latest(name)
        state1 = items(self.ddb, name)
        mutate(self.ddb, name)
        time.sleep(1.1)
        t2 = self.latest(name)
        state2 = items(self.ddb, name)
        self.ddb.delete_item(TableName=name, Key={"pk": S("p"), "sk": S("s4")})
        self.ddb.put_item(TableName=name, Item={"pk": S("p"), "sk": S("s0"), "v": N(5)})

        self.ddb.restore_table_to_point_in_time(SourceTableName=name, TargetTableName=name + "-t1", RestoreDateTime=t1)
        self.assertEqual(items(self.ddb, name + "-t1"), state1)
        arn = self.ddb.describe_table(TableName=name)["Table"]["TableArn"]
        r = self.ddb.restore_table_to_point_in_time(SourceTableArn=arn, TargetTableName=name + "-t2", RestoreDateTime=t2)
        self.assertEqual(r["TableDescription"]["RestoreSummary"]["SourceTableArn"], arn)
        self.assertEqual(items(self.ddb, name + "-t2"), state2)
        gsi = self.ddb.query(TableName=name + "-t2", IndexName="byg", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": S("x")})["Items"]
        self.assertEqual(len(gsi), len(state2))
        self.ddb.restore_table_to_point_in_time(SourceTableName=name, TargetTableName=name + "-e", RestoreDateTime=earliest)
        self.assertEqual(items(self.ddb, name + "-e"), [("p", f"s{i}", "1") for i in range(3)])
        self.ddb.restore_table_to_point_in_time(SourceTableName=name, TargetTableName=name + "-now", UseLatestRestorableTime=True)
        self.assertEqual(items(self.ddb, name + "-now"), items(self.ddb, name))

        before = earliest.timestamp() - 3600
        self.assertEqual(error_code(lambda: self.ddb.restore_table_to_point_in_time(
            SourceTableName=name, TargetTableName=name + "-old", RestoreDateTime=before)), "InvalidRestoreTimeException")
        self.assertEqual(error_code(lambda: self.ddb.restore_table_to_point_in_time(
            SourceTableName=name, TargetTableName=name, UseLatestRestorableTime=True)), "TableAlreadyExistsException")
        self.assertEqual(error_code(lambda: self.ddb.restore_table_to_point_in_time(
            SourceTableName=name + "-none", TargetTableName=name + "-y", UseLatestRestorableTime=True)), "TableNotFoundException")

        self.ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
        d = self.ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        self.assertEqual(d["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"], "DISABLED")


class Durability(unittest.TestCase):
    def test_backups_and_history_survive_kill_9(self):
        s = Stratus().start()
        try:
            ddb = s.client("dynamodb")
            name = make_table(ddb)
            fill(ddb, name, 4)
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
            backed = items(ddb, name)
            arn = ddb.create_backup(TableName=name, BackupName="k9b")["BackupDetails"]["BackupArn"]
            time.sleep(1.1)
            t1 = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"][
                "PointInTimeRecoveryDescription"]["LatestRestorableDateTime"]
            mutate(ddb, name)
            s.kill9()
            s.start()
            ddb = s.client("dynamodb")
            ddb.restore_table_from_backup(TargetTableName=name + "-b", BackupArn=arn)
            self.assertEqual(items(ddb, name + "-b"), backed)
            ddb.restore_table_to_point_in_time(SourceTableName=name, TargetTableName=name + "-p", RestoreDateTime=t1)
            self.assertEqual(items(ddb, name + "-p"), backed)
            self.assertEqual(ddb.describe_table(TableName=name + "-p")["Table"]["ItemCount"], 4)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
