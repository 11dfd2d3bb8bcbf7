#!/usr/bin/env python3
"""Import the AWS service models Stratus speaks from the installed botocore data.

Writes models/<service>.json with documentation stripped, so the build never needs Python.
Usage: tools/import_models.py [service ...]   (default: the list below)
"""
import glob
import gzip
import json
import os
import sys

import botocore

SERVICES = [
    "sts", "iam", "dynamodb", "dynamodbstreams", "sqs", "sns", "lambda", "s3",
    "apigateway", "apigatewayv2", "apigatewaymanagementapi", "cloudwatch", "logs",
    "events", "secretsmanager", "ssm", "cognito-idp", "cognito-identity", "ses",
    "sesv2", "stepfunctions", "cloudformation", "kms",
]

# Keys that carry prose or client-only hints; everything the wire needs stays.
DROP = {"documentation", "documentationUrl", "examples", "deprecatedMessage"}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def main():
    data = os.path.join(os.path.dirname(botocore.__file__), "data")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")
    os.makedirs(out, exist_ok=True)
    for svc in sys.argv[1:] or SERVICES:
        files = sorted(glob.glob(os.path.join(data, svc, "*", "service-2.json*")))
        if not files:
            sys.exit(f"no botocore model for {svc}")
        model = strip(load(files[-1]))
        model["metadata"]["stratusBotocoreVersion"] = botocore.__version__
        # The operation names again, inside metadata (which sorts first): start-up reads only
        # this small head of each model, so idle memory doesn't pay for the whole file.
        model["metadata"]["stratusOperations"] = sorted(model["operations"])
        with open(os.path.join(out, svc + ".json"), "w", encoding="utf-8") as f:
            json.dump(model, f, separators=(",", ":"), sort_keys=True)
            f.write("\n")
        print(f"{svc}: {len(model['operations'])} operations")


if __name__ == "__main__":
    main()
