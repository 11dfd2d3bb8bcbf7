"""Cross-checks of the rest-json and rest-xml codecs against botocore, the client-side spec.

Requests are serialized by botocore's own serializer and decoded by our codec (through
tools/codec_probe); the decoded operation and input must equal what the caller passed. Outputs
and errors are encoded by our codec and parsed by botocore's parser; the result must equal what
the handler returned. No server is started: this isolates the wire format from service logic.
"""
import base64
import calendar
import datetime
import json
import os
import subprocess
import unittest
from xml.etree import ElementTree

import botocore.session
from botocore import parsers, serialize
from botocore.awsrequest import HeadersDict
from botocore.utils import percent_encode_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.environ.get("STRATUS_CODEC_PROBE", os.path.join(HERE, "..", "..", "build", "codec_probe"))

_session = botocore.session.get_session()
_models = {}


def model(service):
    if service not in _models:
        _models[service] = _session.get_service_model(service)
    return _models[service]


def probe(args, payload):
    out = subprocess.run([PROBE] + args, input=json.dumps(payload).encode(), capture_output=True, check=True)
    return json.loads(out.stdout)


def epoch(dt):
    if isinstance(dt, datetime.datetime):
        if dt.tzinfo is not None:
            dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        secs = calendar.timegm(dt.timetuple()) + dt.microsecond / 1e6
        return int(secs) if secs == int(secs) else secs
    return dt


def plain(shape, value):
    """The codec probe's PLAIN form of a botocore value: blobs base64, timestamps epoch seconds."""
    if shape is None:
        return value
    t = shape.type_name
    if t == "structure":
        return {k: plain(shape.members[k], v) for k, v in value.items() if v is not None}
    if t == "list":
        return [plain(shape.member, v) for v in value]
    if t == "map":
        return {k: plain(shape.value, v) for k, v in value.items()}
    if t == "blob":
        if hasattr(value, "read"):
            value = value.read()
        if isinstance(value, str):
            value = value.encode()
        return base64.b64encode(bytes(value)).decode()
    if t == "timestamp":
        return epoch(value)
    return value


def strip_empty_payload(op_model, params):
    # An empty streaming/blob payload is an absent body on the wire: nothing to decode.
    shape = op_model.input_shape
    payload = shape.serialization.get("payload") if shape else None
    if payload and params.get(payload) in (b"", ""):
        params = dict(params)
        del params[payload]
    return params


class RestCase(unittest.TestCase):
    maxDiff = None

    def serialize(self, service, operation, params):
        m = model(service)
        op = m.operation_model(operation)
        req = serialize.create_serializer(m.metadata["protocol"]).serialize_to_request(params, op)
        path, _, tmpl_query = req["url_path"].partition("?")
        query = tmpl_query
        extra = percent_encode_sequence(req["query_string"]) if req["query_string"] else ""
        if extra:
            query = query + "&" + extra if query else extra
        body = req["body"]
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        return {
            "method": req["method"],
            "path": path,
            "query": query,
            "headers": {k: str(v) for k, v in req["headers"].items()},
            "body_b64": base64.b64encode(body or b"").decode(),
        }

    def decode(self, service, wire):
        return probe(["decode", service], wire)

    def assert_request_roundtrip(self, service, operation, params):
        op = model(service).operation_model(operation)
        got = self.decode(service, self.serialize(service, operation, params))
        self.assertNotIn("error", got, got)
        self.assertEqual(got["operation"], operation)
        self.assertEqual(got["input"], plain(op.input_shape, strip_empty_payload(op, params)))

    def encode(self, service, operation, output):
        res = probe(["encode", service, operation], output)
        return {
            "status_code": res["status"],
            "headers": HeadersDict(res["headers"]),
            "body": base64.b64decode(res["body_b64"]),
        }

    def parse(self, service, operation, response):
        m = model(service)
        op = m.operation_model(operation)
        parsed = parsers.create_parser(m.metadata["protocol"]).parse(response, op.output_shape)
        parsed.pop("ResponseMetadata", None)
        return parsed

    def assert_response_roundtrip(self, service, operation, output, status=None):
        op = model(service).operation_model(operation)
        response = self.encode(service, operation, plain(op.output_shape, output))
        if status is not None:
            self.assertEqual(response["status_code"], status)
        parsed = self.parse(service, operation, response)
        self.assertEqual(plain(op.output_shape, parsed), plain(op.output_shape, output))
        return response

    def error(self, service, operation, code, message, status=400, sender_fault=True):
        res = probe(["error", service, operation],
                    {"code": code, "message": message, "status": status, "sender_fault": sender_fault})
        response = {
            "status_code": res["status"],
            "headers": HeadersDict(res["headers"]),
            "body": base64.b64decode(res["body_b64"]),
        }
        m = model(service)
        parsed = parsers.create_parser(m.metadata["protocol"]).parse(
            response, m.operation_model(operation).output_shape)
        return response, parsed


T0 = datetime.datetime(2024, 5, 17, 12, 30, 45, tzinfo=datetime.timezone.utc)


class LambdaRequests(RestCase):
    """Lambda: rest-json with URI labels holding ARNs, query, headers and a blob payload."""

    def test_create_function(self):
        self.assert_request_roundtrip("lambda", "CreateFunction", {
            "FunctionName": "my-fn", "Runtime": "python3.12", "Role": "arn:aws:iam::123456789012:role/r",
            "Handler": "app.handler", "Code": {"ZipFile": b"PK\x03\x04\x00\xff binary"},
            "Environment": {"Variables": {"A": "1", "B": "two"}}, "Timeout": 30, "MemorySize": 256,
            "Publish": True, "Tags": {"team": "core"}, "Layers": ["arn:aws:lambda:us-east-1:1:layer:l:1"],
            "Architectures": ["arm64"], "TracingConfig": {"Mode": "Active"},
        })

    def test_list_functions_query(self):
        self.assert_request_roundtrip("lambda", "ListFunctions",
                                      {"MaxItems": 10, "Marker": "a b+c/=", "FunctionVersion": "ALL"})

    def test_list_functions_trailing_slash_optional(self):
        # The model's URI is /2015-03-31/functions/; SDKs that drop the slash must still match.
        got = self.decode("lambda", {"method": "GET", "path": "/2015-03-31/functions", "query": "MaxItems=2"})
        self.assertEqual(got, {"operation": "ListFunctions", "input": {"MaxItems": 2}})
        got = self.decode("lambda", {"method": "POST", "path": "/2015-03-31/functions/", "body_b64": ""})
        self.assertEqual(got["operation"], "CreateFunction")

    def test_invoke_payload_and_headers(self):
        self.assert_request_roundtrip("lambda", "Invoke", {
            "FunctionName": "my-fn", "InvocationType": "RequestResponse", "LogType": "Tail",
            "ClientContext": base64.b64encode(b'{"custom":{}}').decode(), "Payload": b'{"a": [1, 2]}',
            "Qualifier": "$LATEST",
        })

    def test_invoke_empty_payload(self):
        self.assert_request_roundtrip("lambda", "Invoke", {"FunctionName": "f", "Payload": b""})

    def test_function_arn_in_label(self):
        arn = "arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod"
        self.assert_request_roundtrip("lambda", "GetFunction", {"FunctionName": arn, "Qualifier": "1"})

    def test_update_configuration_and_permissions(self):
        self.assert_request_roundtrip("lambda", "UpdateFunctionConfiguration", {
            "FunctionName": "f", "Timeout": 3, "Environment": {"Variables": {}},
            "VpcConfig": {"SubnetIds": ["s-1"], "SecurityGroupIds": []}})
        self.assert_request_roundtrip("lambda", "AddPermission", {
            "FunctionName": "f", "StatementId": "s1", "Action": "lambda:InvokeFunction",
            "Principal": "s3.amazonaws.com", "SourceArn": "arn:aws:s3:::b", "Qualifier": "prod"})
        self.assert_request_roundtrip("lambda", "RemovePermission",
                                      {"FunctionName": "f", "StatementId": "s1", "RevisionId": "r"})

    def test_misc_operations(self):
        cases = [
            ("DeleteFunction", {"FunctionName": "f", "Qualifier": "3"}),
            ("TagResource", {"Resource": "arn:aws:lambda:us-east-1:1:function:f", "Tags": {"k": "v"}}),
            ("UntagResource", {"Resource": "arn:aws:lambda:us-east-1:1:function:f", "TagKeys": ["a", "b"]}),
            ("ListTags", {"Resource": "arn:aws:lambda:us-east-1:1:function:f"}),
            ("PublishVersion", {"FunctionName": "f", "Description": "d"}),
            ("CreateAlias", {"FunctionName": "f", "Name": "prod", "FunctionVersion": "1",
                             "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.25}}}),
            ("CreateEventSourceMapping", {"FunctionName": "f", "EventSourceArn": "arn:aws:sqs:us-east-1:1:q",
                                          "BatchSize": 10, "Enabled": True,
                                          "StartingPositionTimestamp": T0}),
            ("PutFunctionConcurrency", {"FunctionName": "f", "ReservedConcurrentExecutions": 5}),
            ("CreateFunctionUrlConfig", {"FunctionName": "f", "AuthType": "NONE",
                                         "Cors": {"AllowOrigins": ["*"], "MaxAge": 60}}),
            ("ListVersionsByFunction", {"FunctionName": "f", "MaxItems": 5}),
            ("GetAccountSettings", {}),
            ("ListEventSourceMappings", {"FunctionName": "f", "EventSourceArn": "arn:x"}),
        ]
        for op, params in cases:
            with self.subTest(op=op):
                self.assert_request_roundtrip("lambda", op, params)


class ApiGatewayRequests(RestCase):
    """API Gateway v1: lower-case labels, patch operations, query maps, blob payloads."""

    def test_cases(self):
        cases = [
            ("CreateRestApi", {"name": "api", "description": "d", "binaryMediaTypes": ["image/png"],
                               "endpointConfiguration": {"types": ["REGIONAL"]}, "tags": {"a": "b"}}),
            ("GetRestApis", {"limit": 10, "position": "p"}),
            ("GetRestApi", {"restApiId": "abc123"}),
            ("UpdateRestApi", {"restApiId": "abc123", "patchOperations": [
                {"op": "replace", "path": "/name", "value": "new"},
                {"op": "add", "path": "/binaryMediaTypes/image~1png"}]}),
            ("CreateResource", {"restApiId": "a", "parentId": "root", "pathPart": "{proxy+}"}),
            ("GetResources", {"restApiId": "a", "embed": ["methods", "x"], "limit": 500}),
            ("PutMethod", {"restApiId": "a", "resourceId": "r", "httpMethod": "ANY", "authorizationType": "NONE",
                           "requestParameters": {"method.request.path.proxy": True}}),
            ("PutIntegration", {"restApiId": "a", "resourceId": "r", "httpMethod": "GET", "type": "AWS_PROXY",
                                "integrationHttpMethod": "POST",
                                "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn/invocations",
                                "requestParameters": {"integration.request.header.x": "'v'"},
                                "requestTemplates": {"application/json": "{\"a\": $input.json('$')}"},
                                "timeoutInMillis": 29000}),
            ("GetMethod", {"restApiId": "a", "resourceId": "r", "httpMethod": "GET"}),
            ("TestInvokeMethod", {"restApiId": "a", "resourceId": "r", "httpMethod": "POST",
                                  "pathWithQueryString": "/x?y=1", "body": "{}",
                                  "headers": {"h": "v"}, "multiValueHeaders": {"m": ["1", "2"]}}),
            ("CreateDeployment", {"restApiId": "a", "stageName": "prod", "variables": {"v": "1"}}),
            ("GetExport", {"restApiId": "a", "stageName": "prod", "exportType": "oas30",
                           "parameters": {"extensions": "integrations", "x y": "1/2"}, "accepts": "application/yaml"}),
            ("ImportRestApi", {"body": b"openapi: 3.0.0\n", "failOnWarnings": True,
                               "parameters": {"endpointConfigurationTypes": "REGIONAL"}}),
            ("DeleteStage", {"restApiId": "a", "stageName": "prod"}),
            ("CreateApiKey", {"name": "k", "enabled": True, "stageKeys": [{"restApiId": "a", "stageName": "s"}]}),
        ]
        for op, params in cases:
            with self.subTest(op=op):
                self.assert_request_roundtrip("apigateway", op, params)


class ApiGatewayV2Requests(RestCase):
    """API Gateway v2: PascalCase members with camelCase locationNames in the body."""

    def test_cases(self):
        cases = [
            ("CreateApi", {"Name": "api", "ProtocolType": "HTTP", "RouteSelectionExpression": "$request.method $request.path",
                           "CorsConfiguration": {"AllowOrigins": ["*"], "MaxAge": 10, "AllowCredentials": False},
                           "Tags": {"k": "v"}}),
            ("GetApis", {"MaxResults": "10", "NextToken": "t"}),
            ("CreateRoute", {"ApiId": "a1", "RouteKey": "GET /items/{id}", "Target": "integrations/i1"}),
            ("CreateIntegration", {"ApiId": "a1", "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
                                   "IntegrationUri": "arn:aws:lambda:us-east-1:1:function:f",
                                   "TimeoutInMillis": 30000}),
            ("CreateStage", {"ApiId": "a1", "StageName": "$default", "AutoDeploy": True,
                             "StageVariables": {"a": "b"}}),
            ("DeleteRoute", {"ApiId": "a1", "RouteId": "r1"}),
            ("UpdateApi", {"ApiId": "a1", "Name": "n2", "DisableExecuteApiEndpoint": True}),
            ("GetStage", {"ApiId": "a1", "StageName": "$default"}),
        ]
        for op, params in cases:
            with self.subTest(op=op):
                self.assert_request_roundtrip("apigatewayv2", op, params)


class SesV2Requests(RestCase):
    def test_cases(self):
        cases = [
            ("SendEmail", {"FromEmailAddress": "a@example.com",
                           "Destination": {"ToAddresses": ["b@example.com"], "CcAddresses": []},
                           "Content": {"Simple": {"Subject": {"Data": "Hi", "Charset": "UTF-8"},
                                                  "Body": {"Text": {"Data": "Hello ünïcode"}}}},
                           "EmailTags": [{"Name": "n", "Value": "v"}]}),
            ("SendEmail", {"FromEmailAddress": "a@example.com",
                           "Content": {"Raw": {"Data": b"From: a@example.com\r\n\r\nbody"}}}),
            ("CreateEmailIdentity", {"EmailIdentity": "example.com", "Tags": [{"Key": "k", "Value": "v"}]}),
            ("GetEmailIdentity", {"EmailIdentity": "user+tag@example.com"}),
            ("ListEmailIdentities", {"PageSize": 5, "NextToken": "n"}),
            ("DeleteEmailIdentity", {"EmailIdentity": "example.com"}),
            ("CreateContactList", {"ContactListName": "l", "Topics": [
                {"TopicName": "t", "DisplayName": "T", "DefaultSubscriptionStatus": "OPT_IN"}]}),
            ("ListContacts", {"ContactListName": "l", "PageSize": 3,
                              "Filter": {"FilteredStatus": "OPT_IN"}}),
        ]
        for op, params in cases:
            with self.subTest(op=op):
                self.assert_request_roundtrip("sesv2", op, params)


class S3Requests(RestCase):
    """S3: rest-xml, greedy keys, query-literal operations, metadata headers, XML payloads."""

    def test_put_object_metadata_and_streaming_body(self):
        self.assert_request_roundtrip("s3", "PutObject", {
            "Bucket": "my-bucket", "Key": "dir/sub dir/ü+é?.txt", "Body": b"\x00\x01binary\xff" * 100,
            "ContentType": "text/plain", "Metadata": {"color": "blue", "x-y": "z z"},
            "CacheControl": "no-cache", "ACL": "private", "Tagging": "a=b&c=d",
            "ContentLength": 1000, "StorageClass": "STANDARD_IA",
        })

    def test_keys_with_slashes(self):
        for key in ["a//b", "/leading", "trailing/", "x%2Fy", "sp ace/+plus", "~tilde"]:
            with self.subTest(key=key):
                self.assert_request_roundtrip("s3", "GetObject", {"Bucket": "b", "Key": key})

    def test_get_object(self):
        self.assert_request_roundtrip("s3", "GetObject", {
            "Bucket": "b", "Key": "k", "Range": "bytes=0-9", "IfModifiedSince": T0, "IfNoneMatch": '"etag"',
            "ResponseContentType": "application/json", "VersionId": "v1", "PartNumber": 2})

    def test_list_objects_v2(self):
        self.assert_request_roundtrip("s3", "ListObjectsV2", {
            "Bucket": "b", "Prefix": "photos/2024/", "Delimiter": "/", "MaxKeys": 100,
            "ContinuationToken": "tok==", "StartAfter": "a", "FetchOwner": True, "EncodingType": "url"})

    def test_list_objects_v1_vs_v2(self):
        self.assert_request_roundtrip("s3", "ListObjects", {"Bucket": "b", "Marker": "m", "MaxKeys": 5})

    def test_put_bucket_tagging_xml(self):
        self.assert_request_roundtrip("s3", "PutBucketTagging", {
            "Bucket": "b", "Tagging": {"TagSet": [{"Key": "k1", "Value": "v<1>&"}, {"Key": "k2", "Value": ""}]}})

    def test_complete_multipart_upload(self):
        self.assert_request_roundtrip("s3", "CompleteMultipartUpload", {
            "Bucket": "b", "Key": "big/file.bin", "UploadId": "upl-1",
            "MultipartUpload": {"Parts": [{"ETag": '"e1"', "PartNumber": 1}, {"ETag": '"e2"', "PartNumber": 2}]}})

    def test_multipart_family_disambiguation(self):
        cases = [
            ("CreateMultipartUpload", {"Bucket": "b", "Key": "k", "ContentType": "x/y", "Metadata": {"m": "1"}}),
            ("UploadPart", {"Bucket": "b", "Key": "k", "PartNumber": 3, "UploadId": "u", "Body": b"data"}),
            ("UploadPartCopy", {"Bucket": "b", "Key": "k", "PartNumber": 3, "UploadId": "u",
                                "CopySource": "src/key", "CopySourceRange": "bytes=0-10"}),
            ("CopyObject", {"Bucket": "b", "Key": "k", "CopySource": "src/key%20x", "MetadataDirective": "REPLACE",
                            "Metadata": {"a": "b"}}),
            ("ListParts", {"Bucket": "b", "Key": "k", "UploadId": "u", "MaxParts": 10}),
            ("AbortMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u"}),
            ("ListMultipartUploads", {"Bucket": "b", "Prefix": "p"}),
            ("DeleteObject", {"Bucket": "b", "Key": "k", "VersionId": "v"}),
            ("HeadObject", {"Bucket": "b", "Key": "k"}),
            ("HeadBucket", {"Bucket": "b"}),
            ("ListBuckets", {}),
            ("GetObjectAcl", {"Bucket": "b", "Key": "k"}),
            ("GetBucketAcl", {"Bucket": "b"}),
            ("PutObjectTagging", {"Bucket": "b", "Key": "k", "Tagging": {"TagSet": [{"Key": "a", "Value": "b"}]}}),
            ("DeleteBucket", {"Bucket": "b"}),
            ("GetBucketLifecycleConfiguration", {"Bucket": "b"}),
            ("GetBucketAnalyticsConfiguration", {"Bucket": "b", "Id": "i"}),
            ("ListBucketAnalyticsConfigurations", {"Bucket": "b"}),
        ]
        for op, params in cases:
            with self.subTest(op=op):
                self.assert_request_roundtrip("s3", op, params)

    def test_delete_objects(self):
        self.assert_request_roundtrip("s3", "DeleteObjects", {
            "Bucket": "b", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b/c", "VersionId": "v"}], "Quiet": True}})

    def test_put_bucket_acl_with_xsi_type(self):
        self.assert_request_roundtrip("s3", "PutBucketAcl", {
            "Bucket": "b", "AccessControlPolicy": {
                "Owner": {"ID": "owner-id", "DisplayName": "me"},
                "Grants": [
                    {"Grantee": {"Type": "CanonicalUser", "ID": "id1"}, "Permission": "FULL_CONTROL"},
                    {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                     "Permission": "READ"}]}})

    def test_lifecycle_and_notifications(self):
        self.assert_request_roundtrip("s3", "PutBucketLifecycleConfiguration", {
            "Bucket": "b", "LifecycleConfiguration": {"Rules": [
                {"ID": "r1", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30}},
                {"ID": "r2", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": {"Date": T0}}]}})
        self.assert_request_roundtrip("s3", "PutBucketNotificationConfiguration", {
            "Bucket": "b", "NotificationConfiguration": {
                "QueueConfigurations": [{"Id": "q", "QueueArn": "arn:aws:sqs:us-east-1:1:q",
                                         "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                                         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a/"}]}}}],
                "LambdaFunctionConfigurations": [{"LambdaFunctionArn": "arn:aws:lambda:us-east-1:1:function:f",
                                                  "Events": ["s3:ObjectCreated:Put"]}]}})

    def test_create_bucket_and_cors(self):
        self.assert_request_roundtrip("s3", "CreateBucket", {
            "Bucket": "b", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}})
        self.assert_request_roundtrip("s3", "CreateBucket", {"Bucket": "b"})
        self.assert_request_roundtrip("s3", "PutBucketCors", {"Bucket": "b", "CORSConfiguration": {"CORSRules": [
            {"AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["*"], "MaxAgeSeconds": 300}]}})
        self.assert_request_roundtrip("s3", "PutBucketPolicy", {"Bucket": "b", "Policy": '{"Version":"2012-10-17"}'})


class Resolution(RestCase):
    """Paths no operation claims must not resolve; methods must match."""

    def test_unknown(self):
        for svc, wire in [
            ("lambda", {"method": "GET", "path": "/2015-03-31/nothing"}),
            ("lambda", {"method": "PATCH", "path": "/2015-03-31/functions/f"}),
            ("apigateway", {"method": "GET", "path": "/restapis/a/b/c/d/e/f/g"}),
            ("s3", {"method": "PATCH", "path": "/b/k"}),
        ]:
            with self.subTest(wire=wire):
                got = self.decode(svc, wire)
                self.assertEqual(got.get("error", {}).get("code"), "UnknownOperationException", got)

    def test_query_literal_wins(self):
        got = self.decode("s3", {"method": "GET", "path": "/b", "query": "acl"})
        self.assertEqual(got["operation"], "GetBucketAcl")
        got = self.decode("s3", {"method": "GET", "path": "/b/k", "query": "acl"})
        self.assertEqual(got["operation"], "GetObjectAcl")
        got = self.decode("s3", {"method": "GET", "path": "/b", "query": "list-type=2"})
        self.assertEqual(got["operation"], "ListObjectsV2")
        got = self.decode("s3", {"method": "GET", "path": "/b", "query": "list-type=1"})
        self.assertEqual(got["operation"], "ListObjects")
        got = self.decode("s3", {"method": "GET", "path": "/b/"})
        self.assertEqual(got["operation"], "ListObjects")


class MalformedBodies(RestCase):
    def test_malformed_xml(self):
        for body in [b"<Tagging><TagSet>", b"not xml", b"<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>x",
                     b'<!DOCTYPE x [<!ENTITY e "boom">]><Tagging><TagSet><Tag><Key>&e;</Key></Tag></TagSet></Tagging>']:
            with self.subTest(body=body):
                got = self.decode("s3", {"method": "PUT", "path": "/b", "query": "tagging",
                                         "body_b64": base64.b64encode(body).decode()})
                self.assertEqual(got["error"]["code"], "MalformedXML")
                self.assertEqual(got["error"]["status"], 400)

    def test_prefixed_namespaces_cdata_and_whitespace(self):
        # Other SDKs and hand-written clients may prefix elements, use CDATA or keep spaces.
        body = (b'<?xml version="1.0"?><s3:Tagging xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">'
                b'<s3:TagSet><s3:Tag><s3:Key><![CDATA[a<b]]></s3:Key><s3:Value> </s3:Value></s3:Tag>'
                b'</s3:TagSet></s3:Tagging>')
        got = self.decode("s3", {"method": "PUT", "path": "/b", "query": "tagging",
                                 "body_b64": base64.b64encode(body).decode()})
        self.assertEqual(got, {"operation": "PutBucketTagging",
                               "input": {"Bucket": "b", "Tagging": {"TagSet": [{"Key": "a<b", "Value": " "}]}}})

    def test_bad_scalar_in_xml(self):
        body = b"<CompleteMultipartUpload><Part><PartNumber>one</PartNumber></Part></CompleteMultipartUpload>"
        got = self.decode("s3", {"method": "POST", "path": "/b/k", "query": "uploadId=u",
                                 "body_b64": base64.b64encode(body).decode()})
        self.assertEqual(got["error"]["code"], "MalformedXML")

    def test_malformed_json(self):
        body = base64.b64encode(b'{"FunctionName": ').decode()
        got = self.decode("lambda", {"method": "POST", "path": "/2015-03-31/functions", "body_b64": body})
        self.assertEqual(got["error"]["code"], "InvalidRequestContentException")
        self.assertTrue(got["error"]["message"].startswith("Could not parse request body into json"))
        got = self.decode("apigateway", {"method": "POST", "path": "/restapis", "body_b64": body})
        self.assertEqual(got["error"]["code"], "BadRequestException")
        got = self.decode("lambda", {"method": "POST", "path": "/2015-03-31/functions",
                                     "body_b64": base64.b64encode(b"[1,2]").decode()})
        self.assertEqual(got["error"]["code"], "InvalidRequestContentException")


class Responses(RestCase):
    def test_s3_get_object(self):
        response = self.assert_response_roundtrip("s3", "GetObject", {
            "Body": b"hello \x00 world", "ContentType": "text/plain", "ContentLength": 13, "ETag": '"abc"',
            "LastModified": T0, "Metadata": {"color": "blue"}, "VersionId": "v1", "AcceptRanges": "bytes",
            "CacheControl": "max-age=60", "TagCount": 2, "PartsCount": 3}, status=200)
        self.assertEqual(response["body"], b"hello \x00 world")
        self.assertEqual(response["headers"]["Last-Modified"], "Fri, 17 May 2024 12:30:45 GMT")

    def test_s3_list_objects_v2(self):
        response = self.assert_response_roundtrip("s3", "ListObjectsV2", {
            "IsTruncated": True, "Name": "b", "Prefix": "p/", "Delimiter": "/", "MaxKeys": 2, "KeyCount": 2,
            "NextContinuationToken": "next", "Contents": [
                {"Key": "p/a&b", "LastModified": T0, "ETag": '"e"', "Size": 10, "StorageClass": "STANDARD",
                 "Owner": {"ID": "o", "DisplayName": "me"}},
                {"Key": "p/c", "LastModified": T0, "ETag": '"f"', "Size": 0, "StorageClass": "STANDARD"}],
            "CommonPrefixes": [{"Prefix": "p/d/"}, {"Prefix": "p/e/"}]})
        self.assertIn(b"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">", response["body"])
        self.assertIn(b"<Key>p/a&amp;b</Key>", response["body"])

    def test_s3_single_item_flattened_list(self):
        self.assert_response_roundtrip("s3", "ListObjectsV2", {
            "Name": "b", "KeyCount": 1, "Contents": [{"Key": "only", "Size": 1}], "CommonPrefixes": [{"Prefix": "x/"}]})

    def test_s3_get_bucket_acl_xsi_type(self):
        response = self.assert_response_roundtrip("s3", "GetBucketAcl", {
            "Owner": {"ID": "o", "DisplayName": "me"}, "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": "o", "DisplayName": "me"}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                 "Permission": "READ"}]})
        self.assertIn(b'xsi:type="CanonicalUser"', response["body"])

    def test_s3_misc(self):
        cases = [
            ("CompleteMultipartUpload", {"Location": "http://b.s3/k", "Bucket": "b", "Key": "k", "ETag": '"e-2"',
                                         "VersionId": "v"}),
            ("CreateMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u"}),
            ("DeleteObjects", {"Deleted": [{"Key": "a"}, {"Key": "b", "VersionId": "v", "DeleteMarker": True}],
                               "Errors": [{"Key": "c", "Code": "AccessDenied", "Message": "no"}]}),
            ("ListBuckets", {"Buckets": [{"Name": "a", "CreationDate": T0}, {"Name": "b", "CreationDate": T0}],
                             "Owner": {"ID": "o", "DisplayName": "me"}}),
            ("GetBucketTagging", {"TagSet": [{"Key": "k", "Value": "v"}]}),
            ("HeadObject", {"ContentLength": 5, "LastModified": T0, "ETag": '"e"', "Metadata": {"a": "1"},
                            "ContentType": "image/png"}),
            ("CopyObject", {"CopyObjectResult": {"ETag": '"e"', "LastModified": T0}, "VersionId": "v"}),
            ("PutObject", {"ETag": '"e"', "VersionId": "v"}),
            ("ListParts", {"Bucket": "b", "Key": "k", "UploadId": "u", "IsTruncated": False,
                           "Parts": [{"PartNumber": 1, "ETag": '"a"', "Size": 5, "LastModified": T0}]}),
            ("GetBucketNotificationConfiguration", {"QueueConfigurations": [
                {"Id": "q", "QueueArn": "arn:q", "Events": ["s3:ObjectCreated:*"]}]}),
            ("GetBucketVersioning", {"Status": "Enabled"}),
            ("GetBucketPolicy", {"Policy": '{"Version":"2012-10-17"}'}),
        ]
        for op, out in cases:
            with self.subTest(op=op):
                self.assert_response_roundtrip("s3", op, out)

    def test_s3_get_bucket_location(self):
        # botocore reads this answer in a handler (parse_get_bucket_location): the root's text.
        response = self.encode("s3", "GetBucketLocation", {"LocationConstraint": "eu-west-1"})
        root = ElementTree.fromstring(response["body"])
        self.assertEqual(root.tag, "{http://s3.amazonaws.com/doc/2006-03-01/}LocationConstraint")
        self.assertEqual(root.text, "eu-west-1")

    def test_s3_status_codes(self):
        self.assert_response_roundtrip("s3", "DeleteObject", {"VersionId": "v"}, status=204)

    def test_lambda(self):
        response = self.assert_response_roundtrip("lambda", "Invoke", {
            "StatusCode": 200, "FunctionError": "Unhandled", "LogResult": base64.b64encode(b"log").decode(),
            "ExecutedVersion": "$LATEST", "Payload": b'{"x": 1}'}, status=200)
        self.assertEqual(response["body"], b'{"x": 1}')
        # botocore always reports the (possibly empty) payload.
        self.assert_response_roundtrip("lambda", "Invoke", {"StatusCode": 202, "Payload": b""}, status=202)
        cases = [
            ("GetFunction", {"Configuration": {"FunctionName": "f", "FunctionArn": "arn:f", "Runtime": "python3.12",
                                               "MemorySize": 128, "LastModified": "2024-05-17T12:30:45.000+0000",
                                               "Environment": {"Variables": {"A": "1"}}},
                             "Code": {"Location": "https://x", "RepositoryType": "S3"}, "Tags": {"t": "v"}}),
            ("ListFunctions", {"Functions": [{"FunctionName": "a"}, {"FunctionName": "b"}], "NextMarker": "m"}),
            ("CreateFunction", {"FunctionName": "f", "State": "Pending", "Timeout": 3}),
            ("GetPolicy", {"Policy": "{}", "RevisionId": "r"}),
            ("CreateEventSourceMapping", {"UUID": "u", "LastModified": T0, "BatchSize": 10}),
            ("GetAccountSettings", {"AccountLimit": {"TotalCodeSize": 80530636800},
                                    "AccountUsage": {"FunctionCount": 2}}),
        ]
        for op, out in cases:
            with self.subTest(op=op):
                self.assert_response_roundtrip("lambda", op, out)
        self.assert_response_roundtrip("lambda", "DeleteAlias", {}, status=204)
        self.assert_response_roundtrip("lambda", "CreateFunction", {"FunctionName": "f"}, status=201)

    def test_apigateway(self):
        cases = [
            ("GetRestApis", {"items": [{"id": "a", "name": "n", "createdDate": T0, "binaryMediaTypes": ["x/y"]}],
                             "position": "p"}),
            ("PutIntegration", {"type": "AWS_PROXY", "httpMethod": "POST", "uri": "arn:u",
                                "requestTemplates": {"application/json": "{}"}, "timeoutInMillis": 29000}),
            ("GetExport", {"body": b"openapi: 3.0.0\n", "contentType": "application/yaml",
                           "contentDisposition": "attachment"}),
            ("GetResources", {"items": [{"id": "r", "path": "/", "resourceMethods": {"GET": {"httpMethod": "GET"}}}]}),
        ]
        for op, out in cases:
            with self.subTest(op=op):
                self.assert_response_roundtrip("apigateway", op, out)
        self.assert_response_roundtrip("apigateway", "CreateRestApi", {"id": "a", "name": "n"}, status=201)

    def test_apigatewayv2_iso_timestamps(self):
        response = self.assert_response_roundtrip("apigatewayv2", "GetApis", {
            "Items": [{"ApiId": "a", "Name": "n", "ProtocolType": "HTTP", "CreatedDate": T0,
                       "RouteSelectionExpression": "$request.method $request.path"}], "NextToken": "t"})
        self.assertIn(b'"createdDate":"2024-05-17T12:30:45Z"', response["body"])
        self.assert_response_roundtrip("apigatewayv2", "CreateApi", {"ApiId": "a", "Name": "n"}, status=201)

    def test_sesv2(self):
        self.assert_response_roundtrip("sesv2", "SendEmail", {"MessageId": "m-1"})
        self.assert_response_roundtrip("sesv2", "ListEmailIdentities", {
            "EmailIdentities": [{"IdentityType": "DOMAIN", "IdentityName": "example.com", "SendingEnabled": True}],
            "NextToken": "n"})
        self.assert_response_roundtrip("sesv2", "GetEmailIdentity", {
            "IdentityType": "EMAIL_ADDRESS", "VerifiedForSendingStatus": True, "Tags": [{"Key": "k", "Value": "v"}],
            "DkimAttributes": {"SigningEnabled": False, "Tokens": ["t1"],
                               "LastKeyGenerationTimestamp": T0}})


class Errors(RestCase):
    def test_rest_json_errors(self):
        cases = [
            ("lambda", "GetFunction", "ResourceNotFoundException",
             "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope", 404),
            ("lambda", "CreateFunction", "InvalidParameterValueException", "bad runtime", 400),
            ("apigateway", "GetRestApi", "NotFoundException", "Invalid API identifier specified", 404),
            ("apigatewayv2", "GetApi", "NotFoundException", "Invalid API identifier specified a", 404),
            ("sesv2", "GetEmailIdentity", "NotFoundException", "Identity x does not exist.", 404),
            ("lambda", "Invoke", "TooManyRequestsException", "Rate exceeded", 429),
        ]
        for svc, op, code, msg, status in cases:
            with self.subTest(svc=svc, code=code):
                response, parsed = self.error(svc, op, code, msg)
                self.assertEqual(response["status_code"], status)
                self.assertEqual(parsed["Error"]["Code"], code)
                self.assertEqual(parsed["Error"]["Message"], msg)
                self.assertEqual(response["headers"]["x-amzn-errortype"], code)

    def test_lambda_error_body_type(self):
        response, _ = self.error("lambda", "GetFunction", "ResourceNotFoundException", "m")
        self.assertEqual(json.loads(response["body"]), {"Type": "User", "Message": "m"})

    def test_unmodeled_error_keeps_status(self):
        response, parsed = self.error("lambda", "GetFunction", "ThrottlingException", "slow", status=429)
        self.assertEqual(response["status_code"], 429)
        self.assertEqual(parsed["Error"]["Code"], "ThrottlingException")

    def test_s3_errors(self):
        for code, msg, status in [("NoSuchKey", "The specified key does not exist.", 404),
                                  ("NoSuchBucket", "The specified bucket does not exist", 404),
                                  ("AccessDenied", "Access Denied <&>", 403)]:
            with self.subTest(code=code):
                response, parsed = self.error("s3", "GetObject", code, msg, status=status)
                self.assertEqual(response["status_code"], status)
                self.assertEqual(parsed["Error"]["Code"], code)
                self.assertEqual(parsed["Error"]["Message"], msg)
                self.assertTrue(response["body"].startswith(b'<?xml version="1.0" encoding="UTF-8"?><Error>'))
                self.assertIn(b"<RequestId>probe-request-id</RequestId>", response["body"])


if __name__ == "__main__":
    unittest.main()
