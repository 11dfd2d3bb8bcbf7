"""Cross-checks the RPC codecs (awsJson, awsQuery, smithy-rpc-v2-cbor) against botocore.

botocore is the client the aws CLI and boto3 use, so its serializers and parsers are the spec:
  - requests: botocore serializes params -> `codec_probe decode` -> the decoded input must equal
    the params;
  - responses: a generated output doc -> `codec_probe encode` -> botocore's parser must read back
    the same doc;
  - errors: `codec_probe error` -> botocore's parser must find the code and message.
No server is started; the probe drives the codecs directly.
"""
import base64
import datetime
import decimal
import json
import os
import subprocess
import unittest
from urllib.parse import urlencode

import botocore.session
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.environ.get("STRATUS_CODEC_PROBE", os.path.join(HERE, "..", "..", "build", "codec_probe"))
SESSION = botocore.session.get_session()
UTC = datetime.timezone.utc


def probe(cmd, service, operation=None, payload=None):
    args = [PROBE, cmd, service] + ([operation] if operation else [])
    out = subprocess.run(args, input=json.dumps(payload or {}).encode(), capture_output=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError(f"codec_probe {' '.join(args[1:])} failed: {out.stderr.decode()}")
    return json.loads(out.stdout)


def model(service):
    return SESSION.get_service_model(service)


def normalise(v):
    """Plain comparable form: blobs as base64, timestamps as epoch seconds, numbers as float."""
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items() if x is not None}
    if isinstance(v, (list, tuple)):
        return [normalise(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(bytes(v)).decode()
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=UTC)
        return round(v.timestamp(), 3)
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, decimal.Decimal)):
        return float(v)
    return v


def drop_empty_maps(v, shape):
    """awsQuery has no way to send an empty map: botocore sends nothing for it."""
    if shape.type_name == "structure" and isinstance(v, dict):
        out = {}
        for k, x in v.items():
            m = shape.members[k]
            if m.type_name == "map" and not x:
                continue
            out[k] = drop_empty_maps(x, m)
        return out
    if shape.type_name == "list" and isinstance(v, list):
        return [drop_empty_maps(x, shape.member) for x in v]
    if shape.type_name == "map" and isinstance(v, dict):
        return {k: drop_empty_maps(x, shape.value) for k, x in v.items()}
    return v


def request_payload(service, operation, params):
    svc = model(service)
    op = svc.operation_model(operation)
    # No client-side validation: edge values (empty strings, short names) must reach the codec.
    ser = create_serializer(svc.metadata["protocol"], include_validation=False)
    req = ser.serialize_to_request(params, op)
    body = req["body"]
    if isinstance(body, dict):  # awsQuery: botocore form-encodes the dict when sending
        body = urlencode(body, doseq=True).encode()
    elif isinstance(body, str):
        body = body.encode()
    qs = req.get("query_string") or ""
    if isinstance(qs, dict):
        qs = urlencode(qs, doseq=True)
    return {
        "method": req["method"],
        "path": req["url_path"],
        "query": qs,
        "headers": {k: str(v) for k, v in req["headers"].items()},
        "body_b64": base64.b64encode(body).decode(),
    }


def parse_response(service, operation, res):
    svc = model(service)
    op = svc.operation_model(operation)
    parser = create_parser(svc.metadata["protocol"])
    http = {
        "status_code": res["status"],
        "headers": res["headers"],
        "body": base64.b64decode(res["body_b64"]),
    }
    return parser.parse(http, op.output_shape)


def parse_error(service, res):
    parser = create_parser(model(service).metadata["protocol"])
    http = {"status_code": res["status"], "headers": res["headers"], "body": base64.b64decode(res["body_b64"])}
    return parser.parse(http, None)


# ---- output generation ---------------------------------------------------------------------

BLOB = base64.b64encode(b"\x00\xffbin\x80").decode()


def generate(shape, depth=0, name="v"):
    """A plain value filling every member of `shape` (depth-limited, one branch of unions)."""
    t = shape.type_name
    if t == "structure":
        if shape.is_document_type:
            return {"doc": [1, "two", {"three": True}]}
        out = {}
        for mname, m in shape.members.items():
            if m.serialization.get("eventstream") or m.metadata.get("eventstream"):
                continue
            if depth >= 4 and m.type_name in ("structure", "list", "map"):
                continue
            out[mname] = generate(m, depth + 1, mname)
            if shape.is_tagged_union:
                break
        return out
    if t == "list":
        if depth >= 5:
            return []
        return [generate(shape.member, depth + 1, name), generate(shape.member, depth + 1, name + "2")]
    if t == "map":
        if depth >= 5:
            return {}
        keys = shape.key.enum[:2] if shape.key.enum else ["k1", "ключ-2"]
        return {k: generate(shape.value, depth + 1, name) for k in keys}
    if t == "string":
        if shape.enum:
            return shape.enum[-1]
        return f"{name}-ü€😀<&>'\""
    if t in ("integer", "long", "short", "byte"):
        return 42 if t != "long" else 1234567890123
    if t in ("float", "double"):
        return 1.5
    if t == "boolean":
        return True
    if t == "blob":
        return BLOB
    if t == "timestamp":
        return 1700000000.25
    raise AssertionError(f"unhandled shape type {t}")


def has_event_stream(op):
    return op.has_event_stream_output or op.has_event_stream_input


class CodecTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(PROBE):
            raise unittest.SkipTest(f"codec_probe not built at {PROBE}")

    def assert_decodes(self, service, operation, params):
        payload = request_payload(service, operation, params)
        got = probe("decode", service, payload=payload)
        self.assertNotIn("error", got, got)
        self.assertEqual(got["operation"], operation)
        expected = params
        svc = model(service)
        if svc.metadata["protocol"] == "query":
            expected = drop_empty_maps(params, svc.operation_model(operation).input_shape)
        self.assertEqual(normalise(got["input"]), normalise(expected))

    def assert_round_trips_output(self, service, operation):
        op = model(service).operation_model(operation)
        doc = generate(op.output_shape) if op.output_shape is not None else {}
        res = probe("encode", service, operation, doc)
        parsed = parse_response(service, operation, res)
        meta = parsed.pop("ResponseMetadata", {})
        self.assertEqual(meta.get("HTTPStatusCode"), op.http.get("responseCode", 200))
        if model(service).metadata["protocol"] == "query":
            self.assertEqual(meta.get("RequestId"), "probe-request-id")
        self.assertEqual(normalise(parsed), normalise(typed_like_botocore(op.output_shape, doc)))


def typed_like_botocore(shape, v):
    """The generated plain doc as botocore would return it (blobs decoded, timestamps parsed)."""
    if shape is None:
        return {}
    t = shape.type_name
    if t == "structure" and not shape.is_document_type:
        return {k: typed_like_botocore(shape.members[k], x) for k, x in v.items()}
    if t == "list":
        return [typed_like_botocore(shape.member, x) for x in v]
    if t == "map":
        return {k: typed_like_botocore(shape.value, x) for k, x in v.items()}
    if t == "blob":
        return base64.b64decode(v)
    if t == "timestamp":
        return datetime.datetime.fromtimestamp(v, UTC)
    return v


TS = datetime.datetime(2024, 2, 29, 12, 30, 45, tzinfo=UTC)
TS_MS = datetime.datetime(2024, 2, 29, 12, 30, 45, 123000, tzinfo=UTC)


class JsonRequests(CodecTestCase):
    def test_dynamodb_put_item_every_attribute_type(self):
        self.assert_decodes("dynamodb", "PutItem", {
            "TableName": "tbl",
            "Item": {
                "pk": {"S": "ünïcødé ✓ \"quoted\" \\ back"},
                "n": {"N": "-12.5e3"},
                "b": {"B": b"\x00\x01\xfe\xff"},
                "t": {"BOOL": False},
                "nul": {"NULL": True},
                "l": {"L": [{"S": "a"}, {"N": "1"}, {"L": []}, {"M": {}}]},
                "m": {"M": {"inner": {"SS": ["x", "y"]}, "nums": {"NS": ["1", "2"]}}},
                "bs": {"BS": [b"a", b"\x00"]},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
            "ExpressionAttributeNames": {"#p": "pk"},
            "ExpressionAttributeValues": {":v": {"N": "5"}},
            "ReturnValues": "ALL_OLD",
        })

    def test_dynamodb_create_table_nested_lists(self):
        self.assert_decodes("dynamodb", "CreateTable", {
            "TableName": "t",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "N"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 10},
            "GlobalSecondaryIndexes": [],
            "Tags": [{"Key": "k", "Value": ""}],
            "DeletionProtectionEnabled": True,
        })

    def test_dynamodb_query_and_transact(self):
        self.assert_decodes("dynamodb", "Query", {
            "TableName": "t", "Limit": 2147483647, "ScanIndexForward": False,
            "ExclusiveStartKey": {"pk": {"S": "a"}}, "KeyConditionExpression": "pk = :p",
        })
        self.assert_decodes("dynamodb", "TransactWriteItems", {
            "TransactItems": [
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "1"}}}},
                {"Delete": {"TableName": "t", "Key": {"pk": {"S": "2"}}}},
                {"Update": {"TableName": "t", "Key": {"pk": {"S": "3"}}, "UpdateExpression": "SET a = :a",
                            "ExpressionAttributeValues": {":a": {"B": b"\xff"}}}},
            ],
            "ClientRequestToken": "tok",
        })

    def test_sqs(self):
        self.assert_decodes("sqs", "SendMessage", {
            "QueueUrl": "http://127.0.0.1:4566/000000000000/q", "MessageBody": "héllo\n\t<xml>&",
            "DelaySeconds": 0,
            "MessageAttributes": {
                "s": {"DataType": "String", "StringValue": "v"},
                "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
            },
            "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}},
        })
        self.assert_decodes("sqs", "ReceiveMessage", {
            "QueueUrl": "u", "MaxNumberOfMessages": 10, "WaitTimeSeconds": 20,
            "MessageAttributeNames": ["All"], "MessageSystemAttributeNames": ["SenderId", "SentTimestamp"],
        })
        self.assert_decodes("sqs", "CreateQueue", {"QueueName": "q", "Attributes": {"FifoQueue": "true"},
                                                   "tags": {}})
        self.assert_decodes("sqs", "SendMessageBatch", {
            "QueueUrl": "u",
            "Entries": [{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b", "DelaySeconds": 5}],
        })

    def test_logs_events_ssm_kms(self):
        self.assert_decodes("logs", "PutLogEvents", {
            "logGroupName": "g", "logStreamName": "s",
            "logEvents": [{"timestamp": 1700000000123, "message": "m1"}, {"timestamp": 1, "message": ""}],
        })
        self.assert_decodes("logs", "PutMetricFilter", {
            "logGroupName": "g", "filterName": "f", "filterPattern": "ERROR",
            "metricTransformations": [{"metricName": "m", "metricNamespace": "ns", "metricValue": "1",
                                       "defaultValue": 0.25}],
        })
        self.assert_decodes("events", "PutEvents", {
            "Entries": [{"Time": TS, "Source": "s", "DetailType": "d", "Detail": "{\"a\": 1}",
                         "Resources": ["arn:aws:x"]}],
        })
        self.assert_decodes("events", "PutTargets", {
            "Rule": "r",
            "Targets": [{"Id": "1", "Arn": "arn", "RetryPolicy": {"MaximumRetryAttempts": 3},
                         "InputTransformer": {"InputPathsMap": {"a": "$.a"}, "InputTemplate": "<a>"}}],
        })
        self.assert_decodes("ssm", "PutParameter", {"Name": "/a/b", "Value": "v", "Type": "SecureString",
                                                    "Overwrite": True, "Tags": [{"Key": "k", "Value": "v"}]})
        self.assert_decodes("ssm", "GetParametersByPath", {
            "Path": "/a", "Recursive": True, "WithDecryption": False, "MaxResults": 10,
            "ParameterFilters": [{"Key": "Type", "Option": "Equals", "Values": ["String", "SecureString"]}],
        })
        self.assert_decodes("kms", "Encrypt", {"KeyId": "alias/k", "Plaintext": b"\x00secret\xff",
                                               "EncryptionContext": {"a": "b"}})

    def test_empty_body_is_empty_input(self):
        got = probe("decode", "sqs", payload={"method": "POST", "path": "/", "headers": {
            "X-Amz-Target": "AmazonSQS.ListQueues"}, "body_b64": ""})
        self.assertEqual(got, {"operation": "ListQueues", "input": {}})

    def test_unknown_members_ignored_nulls_absent(self):
        body = json.dumps({"QueueUrl": "u", "Extra": {"deep": [1, {"x": None}]}, "MaxNumberOfMessages": None,
                           "Junk": "x"}).encode()
        got = probe("decode", "sqs", payload={"headers": {"X-Amz-Target": "AmazonSQS.ReceiveMessage"},
                                              "body_b64": base64.b64encode(body).decode()})
        self.assertEqual(got["input"], {"QueueUrl": "u"})

    def test_wrong_target_prefix_is_unknown(self):
        got = probe("decode", "sqs", payload={"headers": {"X-Amz-Target": "DynamoDB_20120810.ListQueues"},
                                              "body_b64": ""})
        self.assertEqual(got["error"]["code"], "UnknownOperationException")

    def decode_error(self, service, target, body):
        got = probe("decode", service, payload={"headers": {"X-Amz-Target": target},
                                                "body_b64": base64.b64encode(body.encode()).decode()})
        self.assertIn("error", got, got)
        return got["error"]

    def test_type_errors_are_serialization_exceptions(self):
        e = self.decode_error("dynamodb", "DynamoDB_20120810.Query", '{"TableName": "t", "Limit": "5"}')
        self.assertEqual((e["code"], e["message"]), ("SerializationException",
                                                     "STRING_VALUE can not be converted to an Integer"))
        e = self.decode_error("dynamodb", "DynamoDB_20120810.Query", '{"TableName": 5}')
        self.assertEqual(e["message"], "NUMBER_VALUE cannot be converted to String")
        e = self.decode_error("dynamodb", "DynamoDB_20120810.Query", '{"TableName": "t", "ScanIndexForward": "x"}')
        self.assertEqual(e["message"], "STRING_VALUE can not be converted to a Boolean")
        e = self.decode_error("dynamodb", "DynamoDB_20120810.Query", '{"TableName": {"a": 1}}')
        self.assertEqual(e["message"], "Start of structure or map found where not expected.")
        e = self.decode_error("dynamodb", "DynamoDB_20120810.Query", '{"TableName": "t", "AttributesToGet": "a"}')
        self.assertEqual(e["code"], "SerializationException")
        e = self.decode_error("dynamodb", "DynamoDB_20120810.Query", '{"TableName": [1]}')
        self.assertEqual(e["message"], "Start of list found where not expected.")

    def test_malformed_json(self):
        for body in ['{"TableName": ', "{]", '{"a":1} x', "[]", "nul", '"str"']:
            with self.subTest(body=body):
                e = self.decode_error("dynamodb", "DynamoDB_20120810.ListTables", body)
                self.assertEqual(e["code"], "SerializationException")
                self.assertEqual(e["status"], 400)


class QueryRequests(CodecTestCase):
    def test_sts(self):
        self.assert_decodes("sts", "AssumeRole", {
            "RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "s", "DurationSeconds": 3600,
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/A"}, {"arn": "arn:aws:iam::aws:policy/B"}],
            "Tags": [{"Key": "k", "Value": "v ü&="}], "TransitiveTagKeys": [], "Policy": "{\"a\": [1, 2]}",
        })
        self.assert_decodes("sts", "GetCallerIdentity", {})

    def test_iam(self):
        self.assert_decodes("iam", "CreateRole", {
            "RoleName": "r", "AssumeRolePolicyDocument": "{}", "Path": "/a/b/", "MaxSessionDuration": 7200,
            "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
        })
        self.assert_decodes("iam", "CreatePolicyVersion", {"PolicyArn": "arn", "PolicyDocument": "{}",
                                                           "SetAsDefault": False})
        self.assert_decodes("iam", "ListRoles", {"PathPrefix": "/", "MaxItems": 100, "Marker": "m+/="})

    def test_sns_maps_and_blobs(self):
        self.assert_decodes("sns", "Publish", {
            "TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Message": "m\r\nline2 +%",
            "Subject": "s",
            "MessageAttributes": {
                "str": {"DataType": "String", "StringValue": "v"},
                "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
            },
        })
        self.assert_decodes("sns", "CreateTopic", {"Name": "t", "Attributes": {"FifoTopic": "true", "A": ""},
                                                   "Tags": [{"Key": "k", "Value": "v"}]})
        self.assert_decodes("sns", "PublishBatch", {
            "TopicArn": "arn",
            "PublishBatchRequestEntries": [
                {"Id": "1", "Message": "a", "MessageAttributes": {"x": {"DataType": "Number", "StringValue": "1"}}},
                {"Id": "2", "Message": "b", "MessageAttributes": {}},
            ],
        })

    def test_cloudformation_and_ses(self):
        self.assert_decodes("cloudformation", "CreateStack", {
            "StackName": "s", "TemplateBody": "{}", "Parameters": [{"ParameterKey": "k", "ParameterValue": "v",
                                                                    "UsePreviousValue": False}],
            "Capabilities": ["CAPABILITY_IAM"], "TimeoutInMinutes": 5, "Tags": [{"Key": "a", "Value": "b"}],
        })
        self.assert_decodes("ses", "SendEmail", {
            "Source": "a@example.com", "Destination": {"ToAddresses": ["b@example.com", "c@example.com"]},
            "Message": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "body", "Charset": "UTF-8"}}},
        })

    def test_get_with_query_string(self):
        got = probe("decode", "sts", payload={"method": "GET", "path": "/",
                                              "query": "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900"})
        self.assertEqual(got, {"operation": "GetSessionToken", "input": {"DurationSeconds": 900}})

    def test_bad_number_is_an_error(self):
        body = base64.b64encode(b"Action=AssumeRole&Version=2011-06-15&RoleArn=a&RoleSessionName=s&DurationSeconds=x")
        got = probe("decode", "sts", payload={"body_b64": body.decode()})
        self.assertEqual(got["error"]["code"], "InvalidParameterValue")

    def test_timestamp_and_double(self):
        self.assert_decodes("cloudformation", "ListStackInstanceResourceDrifts", {
            "StackSetName": "s", "StackInstanceAccount": "1", "StackInstanceRegion": "r", "OperationId": "o",
            "StackInstanceResourceDriftStatuses": ["IN_SYNC", "MODIFIED"],
        })


class CborRequests(CodecTestCase):
    def test_put_metric_data(self):
        self.assert_decodes("cloudwatch", "PutMetricData", {
            "Namespace": "ns/ü",
            "MetricData": [{
                "MetricName": "m", "Timestamp": TS, "Value": 1.25, "Unit": "Seconds",
                "Dimensions": [{"Name": "d", "Value": "v"}],
                "Values": [1.0, 2.5, -3.75], "Counts": [1.0, 2.0],
                "StatisticValues": {"SampleCount": 2.0, "Sum": 3.5, "Minimum": -1e300, "Maximum": 1e300},
                "StorageResolution": 1,
            }],
            "StrictEntityValidation": True,
        })

    def test_get_metric_data(self):
        self.assert_decodes("cloudwatch", "GetMetricData", {
            "StartTime": TS, "EndTime": TS,
            "MetricDataQueries": [{"Id": "q", "ReturnData": False, "Period": 60, "Expression": "SUM(x)",
                                   "MetricStat": {"Metric": {"Namespace": "n", "MetricName": "m", "Dimensions": []},
                                                  "Period": 60, "Stat": "Sum"}}],
            "MaxDatapoints": 100800, "ScanBy": "TimestampDescending",
        })

    def test_alarm_and_tags(self):
        self.assert_decodes("cloudwatch", "PutMetricAlarm", {
            "AlarmName": "a", "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": -0.5, "ActionsEnabled": True, "AlarmActions": [], "Tags": [{"Key": "k", "Value": "v"}],
        })
        self.assert_decodes("cloudwatch", "ListMetrics", {})

    def test_wrong_path_is_unknown(self):
        got = probe("decode", "cloudwatch", payload={"path": "/service/Other/operation/ListMetrics"})
        self.assertEqual(got["error"]["code"], "UnknownOperationException")

    def test_malformed_cbor(self):
        for raw in [b"\xa1", b"\xa1\x61", b"\xbf\x61a", b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff",
                    b"\xa1\x69Namespace\x01", b"\xff", b"\xa0\x00", b"\x9f"]:
            with self.subTest(raw=raw):
                got = probe("decode", "cloudwatch", payload={
                    "path": "/service/GraniteServiceVersion20100801/operation/ListMetrics",
                    "body_b64": base64.b64encode(raw).decode()})
                self.assertEqual(got.get("error", {}).get("code"), "SerializationException", got)


class Outputs(CodecTestCase):
    """Every operation of each service: a fully populated output must survive botocore's parser."""

    def check_service(self, service):
        svc = model(service)
        for name in svc.operation_names:
            op = svc.operation_model(name)
            if has_event_stream(op):
                continue
            with self.subTest(operation=name):
                self.assert_round_trips_output(service, name)

    def test_dynamodb(self): self.check_service("dynamodb")
    def test_sqs(self): self.check_service("sqs")
    def test_logs(self): self.check_service("logs")
    def test_events(self): self.check_service("events")
    def test_ssm(self): self.check_service("ssm")
    def test_kms(self): self.check_service("kms")
    def test_sts(self): self.check_service("sts")
    def test_iam(self): self.check_service("iam")
    def test_sns(self): self.check_service("sns")
    def test_ses(self): self.check_service("ses")
    def test_cloudformation(self): self.check_service("cloudformation")
    def test_cloudwatch_cbor(self): self.check_service("cloudwatch")

    def test_json_content_types(self):
        res = probe("encode", "dynamodb", "ListTables", {"TableNames": []})
        self.assertEqual(res["headers"]["content-type"], "application/x-amz-json-1.0")
        res = probe("encode", "logs", "DescribeLogGroups", {})
        self.assertEqual(res["headers"]["content-type"], "application/x-amz-json-1.1")
        res = probe("encode", "cloudwatch", "ListMetrics", {})
        self.assertEqual(res["headers"]["content-type"], "application/cbor")
        self.assertEqual(res["headers"]["smithy-protocol"], "rpc-v2-cbor")
        res = probe("encode", "sts", "GetCallerIdentity", {"Account": "1"})
        self.assertEqual(res["headers"]["content-type"], "text/xml")

    def test_json_timestamps_keep_milliseconds(self):
        res = probe("encode", "logs", "DescribeLogGroups", {})
        self.assertEqual(base64.b64decode(res["body_b64"]), b"{}")
        res = probe("encode", "events", "DescribeRule", {"Name": "n"})
        self.assertEqual(json.loads(base64.b64decode(res["body_b64"])), {"Name": "n"})
        res = probe("encode", "stepfunctions", "DescribeStateMachine", {"name": "n", "creationDate": 1700000000.5})
        self.assertEqual(json.loads(base64.b64decode(res["body_b64"]))["creationDate"], 1700000000.5)


class Errors(CodecTestCase):
    def error(self, service, op, code, message, status=400, sender=True):
        res = probe("error", service, op, {"code": code, "message": message, "status": status,
                                           "sender_fault": sender})
        self.assertEqual(res["status"], status)
        return res, parse_error(service, res)["Error"]

    def test_dynamodb(self):
        res, e = self.error("dynamodb", "GetItem", "ResourceNotFoundException", "Requested resource not found")
        self.assertEqual((e["Code"], e["Message"]), ("ResourceNotFoundException", "Requested resource not found"))
        body = json.loads(base64.b64decode(res["body_b64"]))
        self.assertEqual(body["__type"], "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException")
        res, e = self.error("dynamodb", "GetItem", "ValidationException", "1 validation error detected: x")
        self.assertEqual(e["Code"], "ValidationException")
        self.assertEqual(json.loads(base64.b64decode(res["body_b64"]))["__type"],
                         "com.amazon.coral.validate#ValidationException")

    def test_dynamodb_extra_members(self):
        res = probe("error", "dynamodb", "PutItem", {"code": "ConditionalCheckFailedException", "message": "m"})
        self.assertEqual(json.loads(base64.b64decode(res["body_b64"]))["message"], "m")

    def test_sqs_query_compatible(self):
        for code in ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"):
            with self.subTest(code=code):
                res, e = self.error("sqs", "GetQueueUrl", code, "The specified queue does not exist.")
                self.assertEqual(res["headers"]["x-amzn-query-error"], "AWS.SimpleQueueService.NonExistentQueue;Sender")
                self.assertEqual(e["Code"], "AWS.SimpleQueueService.NonExistentQueue")
                self.assertEqual(e["QueryErrorCode"], "QueueDoesNotExist")
                self.assertEqual(e["Type"], "Sender")
                self.assertEqual(e["Message"], "The specified queue does not exist.")
                body = json.loads(base64.b64decode(res["body_b64"]))
                self.assertEqual(body["__type"], "com.amazonaws.sqs#QueueDoesNotExist")

    def test_sqs_client_exception_class(self):
        # What boto3 users catch: client.exceptions.QueueDoesNotExist.
        client = SESSION.create_client("sqs", region_name="us-east-1", aws_access_key_id="a",
                                       aws_secret_access_key="b")
        res, e = self.error("sqs", "GetQueueUrl", "QueueDoesNotExist", "gone")
        code = e.get("QueryErrorCode") or e["Code"]
        self.assertIs(client.exceptions.from_code(code), client.exceptions.QueueDoesNotExist)

    def test_query_errors(self):
        res, e = self.error("iam", "GetRole", "NoSuchEntityException", "The role with name x cannot be found.", 404)
        self.assertEqual((e["Code"], e["Message"], e["Type"]), ("NoSuchEntity", "The role with name x cannot be found.",
                                                                "Sender"))
        parsed = parse_error("iam", res)
        self.assertEqual(parsed["ResponseMetadata"]["RequestId"], "probe-request-id")
        res, e = self.error("sts", "AssumeRole", "InternalFailure", "boom <&>", 500, False)
        self.assertEqual((e["Code"], e["Message"], e["Type"]), ("InternalFailure", "boom <&>", "Receiver"))
        res, e = self.error("sns", "Publish", "NotFound", "Topic does not exist", 404)
        self.assertEqual(e["Code"], "NotFound")

    def test_cbor_errors(self):
        res, e = self.error("cloudwatch", "GetDashboard", "ResourceNotFound", "Dashboard x does not exist", 404)
        self.assertEqual(e["Code"], "ResourceNotFound")
        self.assertEqual(e["Message"], "Dashboard x does not exist")
        self.assertEqual(res["headers"]["content-type"], "application/cbor")
        res, e = self.error("cloudwatch", "PutMetricData", "InvalidParameterValue", "bad", 400)
        self.assertEqual(e["Code"], "InvalidParameterValue")


class Validation(CodecTestCase):
    def validate(self, service, op, doc):
        return probe("validate", service, op, doc)

    def test_required_and_length(self):
        got = self.validate("dynamodb", "GetItem", {"TableName": "x" * 1025})
        self.assertEqual(got["error"]["code"], "ValidationException")
        self.assertEqual(got["error"]["message"],
                         "2 validation errors detected: Value null at 'key' failed to satisfy constraint: Member "
                         "must not be null; Value '" + "x" * 1025 + "' at 'tableName' failed to satisfy constraint: "
                         "Member must have length less than or equal to 1024")

    def test_nested_list_paths(self):
        got = self.validate("dynamodb", "CreateTable", {
            "TableName": "tbl", "KeySchema": [{"AttributeName": "pk", "KeyType": "BAD"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        })
        self.assertEqual(got["error"]["message"],
                         "1 validation error detected: Value 'BAD' at 'keySchema.1.member.keyType' failed to satisfy "
                         "constraint: Member must satisfy enum value set: [HASH, RANGE]")

    def test_range(self):
        got = self.validate("sqs", "ReceiveMessage", {"QueueUrl": "u", "MaxNumberOfMessages": 5})
        self.assertEqual(got, {"ok": True})
        got = self.validate("dynamodb", "Query", {"TableName": "tbl", "Limit": 0})
        self.assertEqual(got["error"]["message"],
                         "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                         "Member must have value greater than or equal to 1")

    def test_query_service_code(self):
        got = self.validate("iam", "GetRole", {})
        self.assertEqual(got["error"]["code"], "ValidationError")
        self.assertEqual(got["error"]["message"],
                         "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: "
                         "Member must not be null")


if __name__ == "__main__":
    unittest.main()
