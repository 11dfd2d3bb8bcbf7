#!/usr/bin/env python3
"""Generates SigV4 known-answer vectors with botocore's own signers.

Each vector is a request exactly as a botocore client would put it on the wire (method, raw
path, raw query, headers including Host, body) plus what botocore computed while signing it:
the canonical request, the string to sign and the signature. The C++ tests rebuild the request
from the wire form and must reach the same three values.

Usage: python3 make_sigv4_vectors.py > sigv4_vectors.inc
"""
import datetime
import json
from unittest import mock

import botocore
from botocore import auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence

NOW = datetime.datetime(2026, 11, 22, 0, 3, 58)
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token=="


def capture(signer_cls, creds, service, region, method, url, headers=None, body=b"", context=None, **kw):
    signer = signer_cls(creds, service, region, **kw)
    seen = {}
    orig_sts = signer.string_to_sign
    orig_sig = signer.signature

    def sts(request, canonical_request):
        seen["canonical_request"] = canonical_request
        seen["string_to_sign"] = orig_sts(request, canonical_request)
        return seen["string_to_sign"]

    def sig(string_to_sign, request):
        seen["signature"] = orig_sig(string_to_sign, request)
        return seen["signature"]

    signer.string_to_sign = sts
    signer.signature = sig
    req = AWSRequest(method=method, url=url, headers=headers or {}, data=body)
    req.context.update(context or {})
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
        signer.add_auth(req)
    prepared = req.prepare()
    parts = auth.urlsplit(prepared.url)
    wire_headers = [["host", auth._host_from_url(prepared.url)]]
    wire_headers += [[k, v if isinstance(v, str) else v.decode()] for k, v in prepared.headers.items()]
    body = prepared.body or b""
    return {
        "service": service,
        "region": region,
        "secret": creds.secret_key,
        "method": method,
        "path": parts.path,
        "query": parts.query,
        "headers": wire_headers,
        "body": body.decode() if isinstance(body, bytes) else body,
        **seen,
    }


def main():
    creds = Credentials(AKID, SECRET)
    session = Credentials(AKID, SECRET, TOKEN)
    vectors = {}

    # Query values needing encoding: space, '/', '+', '=', '~', unicode, an empty value.
    q = percent_encode_sequence([("Version", "2010-05-08"), ("Action", "ListUsers"),
                                 ("PathPrefix", "/div a/b+c=d~"), ("Marker", "caf\u00e9"),
                                 ("Empty", ""), ("Action2", "z")])
    vectors["get_query_encoding"] = capture(auth.SigV4Auth, creds, "iam", "us-east-1", "GET",
                                            "https://iam.amazonaws.com/?" + q)

    vectors["post_json"] = capture(
        auth.SigV4Auth, creds, "dynamodb", "eu-west-1", "POST", "https://dynamodb.eu-west-1.amazonaws.com/",
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
                 "X-Custom":  "  spaced   out\tvalue  "},
        body=b'{"Limit": 10}')

    # Non-S3 path: encoded space and unicode get encoded again, '.', '..' and '//' normalised.
    vectors["path_normalised"] = capture(
        auth.SigV4Auth, creds, "lambda", "us-east-1", "GET",
        "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my%20fn/./x/..//%E2%82%AC/invocations/")

    # S3: path used exactly as sent, '//' and '..' kept; payload hash header signed.
    vectors["s3_path_special"] = capture(
        auth.S3SigV4Auth, creds, "s3", "us-east-1", "PUT",
        "https://bucket.s3.amazonaws.com//a//b%20c/%2B%21%27%28%29%2A/../%E2%82%AC.txt?x-id=PutObject",
        headers={"Content-Type": "text/plain"}, body=b"hello s3")

    vectors["s3_streaming_trailer"] = capture(
        auth.S3SigV4Auth, creds, "s3", "us-east-1", "PUT", "https://bucket.s3.amazonaws.com/key",
        context={"checksum": {"request_algorithm": {"in": "trailer", "name": "crc32"}}},
        headers={"Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32",
                 "X-Amz-Decoded-Content-Length": "5"})

    vectors["session_token_header"] = capture(
        auth.SigV4Auth, session, "sts", "us-east-1", "POST", "https://sts.amazonaws.com/",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        body=b"Action=GetCallerIdentity&Version=2011-06-15")

    vectors["presigned_sts"] = capture(
        auth.SigV4QueryAuth, creds, "sts", "us-east-1", "GET",
        "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", expires=900)

    vectors["presigned_s3_token"] = capture(
        auth.S3SigV4QueryAuth, session, "s3", "eu-central-1", "GET",
        "https://bucket.s3.eu-central-1.amazonaws.com/dir/my%20file%2B1.txt?response-content-type=text%2Fplain",
        expires=3600)

    print("// Generated by make_sigv4_vectors.py with botocore %s. Do not edit." % botocore.__version__)
    print("#pragma once")
    print("// A char array, not a string_view: a constexpr strlen over this much text exceeds compiler limits.")
    print('inline constexpr char kSigV4VectorsJson[] = R"stratus(')
    print(json.dumps(vectors, indent=1, sort_keys=True))
    print(')stratus";')


if __name__ == "__main__":
    main()
